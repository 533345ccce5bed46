from __future__ import annotations

from django.urls import path

from egov.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("otp/", views.otp_verify, name="otp_verify"),
]
