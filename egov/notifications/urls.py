from __future__ import annotations

from django.urls import path

from egov.notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:message_id>/read/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<slug:key>/", views.template_edit, name="template_edit"),
    path("outbox/", views.outbox, name="outbox"),
]
