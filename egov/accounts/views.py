from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from egov.core.access import CITIZEN, PUBLIC, access, official


@access(PUBLIC)
def login_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/login.html", {})


@access(CITIZEN)
def otp_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/login.html", {})


@access(official())
def backoffice_home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/login.html", {})


def lockout_response(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    return render(request, "accounts/login.html", {"locked": True}, status=429)
