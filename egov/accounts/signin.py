"""Signing in and out: password, then (for officials, and citizens who enrolled) a TOTP code.

Why a half-signed-in state in the session rather than Django's login() before the
second factor: a citizen page only asks "is someone signed in", so a citizen who
enrolled a second factor would otherwise be fully in after the password alone. Until
the code is accepted the session holds only the pending account's id; ``login()`` and
``otp_login()`` happen together (ADR 0024).

Failures of either step count towards the django-axes lockout of that user ID (and of
that client), and every attempt, success or failure, is appended to the audit chain.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, login, logout, user_login_failed
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.models import User
from egov.accounts.services import second_factor_required, subject_of, totp_device_start, totp_pending_device
from egov.core import clock
from egov.core.audit import audit_append, request_actor

PENDING_KEY = "egov_pending_signin"
PENDING_SECONDS = 300
STARTED_KEY = "egov_session_started"
LAST_SEEN_KEY = "egov_last_seen"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    SECOND_FACTOR = "second_factor"
    REFUSED = "refused"
    LOCKED = "locked"


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    user: User | None = None


def _source_ip(request: HttpRequest) -> str | None:
    return request_actor(request).get("source_ip")


def _audit_failure(request: HttpRequest, action: str, username: str, user: User | None, reason: str) -> None:
    audit_append(
        action=action, actor=subject_of(user) if user else "anonymous", actor_label=username[:150],
        subject=subject_of(user) if user else None, source_ip=_source_ip(request), outcome="failure",
        detail={"reason": reason},
    )


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, credentials={"username": username})


def password_step(request: HttpRequest, *, username: str, password: str) -> Attempt:
    """Check the password; sign in, or leave the account pending its second factor."""
    user: Any = authenticate(request, username=username, password=password)
    if user is None:
        known = User.objects.filter(username=username).first()
        if getattr(request, "axes_locked_out", False):
            _audit_failure(request, "auth.lockout", username, known, "too many failures")
            return Attempt(Outcome.LOCKED)
        _audit_failure(request, "auth.login", username, known, "wrong user ID or password")
        return Attempt(Outcome.REFUSED)
    if second_factor_required(user):
        request.session.cycle_key()
        request.session[PENDING_KEY] = {"user": str(user.id), "at": int(clock.now().timestamp())}
        audit_append(action="auth.password", actor=subject_of(user), actor_label=user.username,
                     subject=subject_of(user), source_ip=_source_ip(request), detail={"second_factor": "pending"})
        return Attempt(Outcome.SECOND_FACTOR, user)
    _complete(request, user, device=None)
    return Attempt(Outcome.SIGNED_IN, user)


def pending_user(request: HttpRequest) -> User | None:
    """The account whose password was accepted and whose second factor is awaited, if recent."""
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.is_verified() and second_factor_required(user):
        return user  # type: ignore[no-any-return]  # signed in another way, not yet verified
    pending = request.session.get(PENDING_KEY)
    if not pending or int(clock.now().timestamp()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return User.objects.filter(id=pending["user"], is_active=True).first()


def enrolment_device(user: User) -> TOTPDevice | None:
    """For an official who has no authenticator yet: the one being set up on the code page."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return None
    return totp_pending_device(user=user) or totp_device_start(user=user)


def demo_bypass_allowed() -> bool:
    return bool(settings.EGOV_DEMO_OTP_BYPASS) and not settings.PRODUCTION


def second_factor_step(request: HttpRequest, *, user: User, code: str) -> Attempt:
    """Check a TOTP code (or the demo bypass code) and finish signing in."""
    code = code.strip().replace(" ", "")
    if is_locked_out(request, user.username):
        _audit_failure(request, "auth.lockout", user.username, user, "too many failures")
        request.session.pop(PENDING_KEY, None)
        return Attempt(Outcome.LOCKED)
    device: TOTPDevice | None = None
    method = "totp"
    if demo_bypass_allowed() and constant_time_compare(code, settings.EGOV_DEMO_OTP_BYPASS):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolment_device(user)
        method = "demo_bypass"
        if device is not None and not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    else:
        for candidate in TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id"):
            if candidate.verify_token(code):
                device = candidate
                break
        if device is not None and not device.confirmed:
            device.confirmed = True  # an official's first code confirms the app they just set up
            device.save(update_fields=["confirmed"])
    if device is None:
        _audit_failure(request, "auth.second_factor", user.username, user, "wrong code")
        user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING_KEY, None)
            return Attempt(Outcome.LOCKED)
        return Attempt(Outcome.REFUSED, user)
    audit_append(action="auth.second_factor", actor=subject_of(user), actor_label=user.username,
                 subject=subject_of(user), source_ip=_source_ip(request), detail={"method": method})
    _complete(request, user, device=device)
    return Attempt(Outcome.SIGNED_IN, user)


def _complete(request: HttpRequest, user: User, *, device: TOTPDevice | None) -> None:
    """Sign in under a new session key, and start the idle and absolute clocks."""
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=MODEL_BACKEND)  # always under a new session key (cycle_key or flush)
    if device is not None:
        otp_login(request, device)
    now = int(clock.now().timestamp())
    request.session[STARTED_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    audit_append(action="auth.login", actor=subject_of(user), actor_label=user.username, subject=subject_of(user),
                 source_ip=_source_ip(request), detail={"second_factor": bool(device)})


def sign_out(request: HttpRequest, *, reason: str = "logout") -> None:
    """End the session on the server (its row is deleted) and record why."""
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        audit_append(action="auth.logout", actor=subject_of(user), actor_label=user.username,
                     subject=subject_of(user), source_ip=_source_ip(request), detail={"reason": reason})
    logout(request)
