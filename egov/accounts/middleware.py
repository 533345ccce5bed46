"""Idle and absolute timeouts of signed-in sessions, on the platform's clock.

Django's own cookie age is sliding (the expiry moves each time the session is saved),
so both limits are kept in the session itself and checked against ``clock.now()``,
which ``EGOV_NOW`` moves: a timeout can be demonstrated and tested without waiting.
An expired session is ended on the server, not just forgotten by the browser.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from egov.accounts.signin import LAST_SEEN_KEY, STARTED_KEY, sign_out
from egov.core import clock

# Writing the session on every request would make each page a database write; a
# minute's resolution is plenty for a timeout measured in tens of minutes.
TOUCH_EVERY_SECONDS = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(clock.now().timestamp())
            session = request.session
            started = int(session.setdefault(STARTED_KEY, now))
            last = int(session.get(LAST_SEEN_KEY, now))
            if now - last > settings.EGOV_SESSION_IDLE_SECONDS:
                sign_out(request, reason="idle timeout")
            elif now - started > settings.SESSION_COOKIE_AGE:
                sign_out(request, reason="absolute timeout")
            elif LAST_SEEN_KEY not in session or now - last >= TOUCH_EVERY_SECONDS:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)
