from __future__ import annotations

from django.urls import path

from egov.notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:message_id>/read/", views.mark_read, name="mark_read"),
    path("outbox/", views.outbox, name="outbox"),
]
