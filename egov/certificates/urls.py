from __future__ import annotations

from django.urls import path

from egov.certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/upload/", views.verify_upload, name="verify_upload"),
    path("verify/<str:number>/", views.verify_number, name="verify_number"),
    path("documents/<uuid:document_id>/download/", views.download, name="download"),
    path("certificates/wallet/", views.wallet_page, name="wallet"),
    path("certificates/wallet/<uuid:document_id>/credential/", views.credential_download, name="credential"),
    path("certificates/wallet/<uuid:document_id>/share/", views.share_new, name="share_new"),
    path("certificates/wallet/shares/<uuid:link_id>/withdraw/", views.share_withdraw, name="share_withdraw"),
    path("certificates/shared/<str:token>/", views.shared, name="shared"),
    path("certificates/backoffice/revoke/", views.revoke, name="revoke"),
]
