"""Idle timeout of signed-in sessions (the absolute timeout is SESSION_COOKIE_AGE)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from egov.core import clock


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(clock.now().timestamp())
            last = request.session.get("egov_last_seen")
            if last is not None and now - int(last) > settings.EGOV_SESSION_IDLE_SECONDS:
                logout(request)
            else:
                request.session["egov_last_seen"] = now
        return self.get_response(request)
