"""Sign-in, sign-up, account and back-office landing pages: parse, one service, render.

Every page works without JavaScript: each action is a plain form POST, and the
authenticator's QR code is an inline SVG drawn on the server.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts import selectors, services, signin
from egov.accounts.forms import (
    PasswordChangeForm,
    SecondFactorForm,
    SignInForm,
    SignUpForm,
    TokenCreateForm,
    TotpConfirmForm,
)
from egov.accounts.models import User
from egov.accounts.permissions import PERMISSIONS, permissions_for
from egov.accounts.qr import totp_qr_svg, totp_secret_groups
from egov.core.access import CITIZEN, PUBLIC, access, official
from egov.core.audit import request_actor
from egov.core.errors import ApplicationError, ValidationError


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _default_landing(user: Any) -> str:
    return reverse("backoffice:home") if user.is_official else reverse("portal:my_gov")


def _already_signed_in(request: HttpRequest) -> HttpResponse:
    """What the sign-in, code and sign-up pages show to someone already signed in (no redirect loop)."""
    return render(request, "accounts/already_signed_in.html", {"landing": _default_landing(request.user)})


def _ip(request: HttpRequest) -> str | None:
    return request_actor(request).get("source_ip")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@access(PUBLIC)
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.is_authenticated and (not user.is_official or user.is_verified()):
        return _already_signed_in(request)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        attempt = signin.password_step(request, username=form.cleaned_data["username"],
                                       password=form.cleaned_data["password"])
        if attempt.outcome is signin.Outcome.SIGNED_IN:
            return HttpResponseRedirect(_next_url(request, _default_landing(attempt.user)))
        if attempt.outcome is signin.Outcome.SECOND_FACTOR:
            target = reverse("accounts:otp_verify")
            nxt = _next_url(request, "")
            return HttpResponseRedirect(f"{target}?next={nxt}" if nxt else target)
        if attempt.outcome is signin.Outcome.LOCKED:
            return lockout_response(request)
        form.add_error(None, _("The user ID or the password is not correct. Check both and try again."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request, "")}, status=status)


@access(PUBLIC)
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = signin.pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return _already_signed_in(request)
        # A public page answers 200 to anyone: explain, rather than bounce back to the sign-in.
        return render(request, "accounts/otp_not_pending.html", {})
    enrolling = signin.enrolment_device(user) if user.is_official else None
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        attempt = signin.second_factor_step(request, user=user, code=form.cleaned_data["code"])
        if attempt.outcome is signin.Outcome.SIGNED_IN:
            return HttpResponseRedirect(_next_url(request, _default_landing(user)))
        if attempt.outcome is signin.Outcome.LOCKED:
            return lockout_response(request)
        form.add_error("code", _("The code is not correct or has expired. Enter the 6 digits your app shows now."))
        status = 400
    elif request.method == "POST":
        status = 400
    context: dict[str, Any] = {"form": form, "next": _next_url(request, ""), "pending": user,
                               "demo_bypass": signin.demo_bypass_allowed()}
    if enrolling is not None:
        context.update(_enrolment_context(enrolling, user))
    return render(request, "accounts/otp.html", context, status=status)


def _enrolment_context(device: Any, user: Any) -> dict[str, Any]:
    """What the enrolment pages show of a new authenticator: its QR code and its secret in groups."""
    return {"qr_svg": totp_qr_svg(device, account=user.username), "secret_groups": totp_secret_groups(device)}


@access(CITIZEN)
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        signin.sign_out(request)
        messages.success(request, _("You are signed out."))
        return HttpResponseRedirect(reverse("portal:home"))
    return render(request, "accounts/logout.html", {})


@access(PUBLIC)
@sensitive_post_parameters("password", "password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return _already_signed_in(request)
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.citizen_sign_up(
                    username=form.cleaned_data["username"], password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"], email=form.cleaned_data["email"],
                    source_ip=_ip(request),
                )
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Your account is ready. Sign in with your new user ID and password."))
                return HttpResponseRedirect(reverse("accounts:login"))
    return render(request, "accounts/signup.html", {"form": form}, status=status)


@access(CITIZEN)
@never_cache
def account_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "active_tokens": [t for t in selectors.personal_tokens_of(user=user) if t.is_usable()],
        "official": selectors.official_get(user=user),
    }
    return render(request, "accounts/account.html", context)


@access(CITIZEN)
@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def password_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.user_change_password(user=user, new_password=form.cleaned_data["new_password"],
                                              source_ip=_ip(request))
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                # A new session key for this browser; every other session of the account
                # fails Django's session hash check from now on and is flushed on its next use.
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password is changed. Other devices were signed out."))
                return HttpResponseRedirect(reverse("accounts:account"))
    return render(request, "accounts/password.html", {"form": form}, status=status)


@access(CITIZEN)
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TotpConfirmForm(request.POST if request.POST.get("action") == "confirm" else None)
    status = 200
    action = request.POST.get("action")
    try:
        if action == "start":
            services.totp_device_start(user=user)
            return HttpResponseRedirect(reverse("accounts:two_factor"))
        if action == "remove":
            services.totp_device_remove(user=user, source_ip=_ip(request))
            messages.success(request, _("The authenticator app is removed: signing in needs only your password."))
            return HttpResponseRedirect(reverse("accounts:account"))
        if action == "confirm":
            status = 400
            if form.is_valid():
                services.totp_device_confirm(user=user, code=form.cleaned_data["code"], source_ip=_ip(request))
                messages.success(request, _("The authenticator app is set up: you will be asked for a code when you sign in."))
                return HttpResponseRedirect(reverse("accounts:account"))
    except ApplicationError as error:
        form.add_service_error(error)
        status = 400 if isinstance(error, ValidationError) else error.status
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    pending = None if confirmed else services.totp_pending_device(user=user)
    context: dict[str, Any] = {"form": form, "confirmed": confirmed, "pending": pending}
    if pending is not None:
        context.update(_enrolment_context(pending, user))
    return render(request, "accounts/two_factor.html", context, status=status)


@access(CITIZEN)
@never_cache
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenCreateForm(request.POST if request.POST.get("action") == "create" else None)
    status = 200
    created = None
    try:
        if request.POST.get("action") == "revoke":
            services.personal_token_revoke(user=user, token_id=request.POST.get("token_id", ""), source_ip=_ip(request))
            messages.success(request, _("The token is revoked: it no longer works."))
            return HttpResponseRedirect(reverse("accounts:tokens"))
        if request.POST.get("action") == "create":
            status = 400
            if form.is_valid():
                created = services.personal_token_create(user=user, name=form.cleaned_data["name"],
                                                         lifetime_days=form.cleaned_data["lifetime_days"],
                                                         source_ip=_ip(request))
                status = 201
                form = TokenCreateForm()
    except ApplicationError as error:
        form.add_service_error(error)
        status = 400 if isinstance(error, ValidationError) else error.status
    tokens = list(selectors.personal_tokens_of(user=user))
    return render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "created": created}, status=status)


@access(official("backoffice.view"))
@never_cache
def backoffice_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    profile = selectors.official_get(user=user)
    context: dict[str, Any] = {"official": profile, "roles": sorted(user.roles)}
    if profile is not None:
        organisation = profile.organisation
        context["ancestors"] = selectors.organisation_ancestors(organisation)
        context["jurisdiction"] = list(organisation.jurisdiction.order_by("code")[:60])
        context["jurisdiction_count"] = organisation.jurisdiction.count()
    context["permissions"] = [(name, PERMISSIONS[name]) for name in sorted(permissions_for(user.roles))]
    return render(request, "accounts/backoffice_home.html", context)


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """What django-axes (and the sign-in views) answer while a user ID or client is locked out."""
    return render(request, "accounts/locked.html", {}, status=429)
