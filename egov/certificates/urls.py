from __future__ import annotations

from django.urls import path

from egov.certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/upload/", views.verify_upload, name="verify_upload"),
    path("verify/<str:number>/", views.verify_number, name="verify_number"),
    path("documents/<uuid:document_id>/download/", views.download, name="download"),
]
