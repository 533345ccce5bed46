"""A URLconf used only by tests/test_errors.py: the real map plus views that fail on purpose."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as real_patterns
from egov.core.access import PUBLIC, access
from egov.core.errors import Conflict


@access(PUBLIC)
def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail: database password is hunter2")


@access(PUBLIC)
def conflict(request: HttpRequest) -> HttpResponse:
    raise Conflict(_("This application has already been decided."))


def undeclared(request: HttpRequest) -> HttpResponse:
    return HttpResponse("should never be served")


urlpatterns = [
    path("test-only/crash/", crash),
    path("test-only/conflict/", conflict),
    path("test-only/undeclared/", undeclared),
    *real_patterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
