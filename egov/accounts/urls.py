from __future__ import annotations

from django.urls import path

from egov.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_view, name="signup"),
    path("", views.account_view, name="account"),
    path("password/", views.password_view, name="password"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("tokens/", views.tokens_view, name="tokens"),
]
