from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from egov.core.access import PUBLIC, access


@access(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})
