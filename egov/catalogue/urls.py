from __future__ import annotations

from django.urls import path

from egov.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.index, name="index"),
    path("task-areas/<slug:slug>/", views.task_area, name="task_area"),
    path("life-events/<slug:slug>/", views.life_event, name="life_event"),
    path("organisations/<slug:key>/", views.organisation, name="organisation"),
    path("services/<slug:service_id>/", views.service, name="service"),
]
