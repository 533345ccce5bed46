"""Pages: verify a document (anyone, signed in or not) and download one's own document (its holder).

Thin, as everywhere: parse, access, one service, render. A mistyped number or a
missing file comes back on the same page with the message under its field; the
verdict page shows only the facts the template declares public.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from egov.certificates import selectors, services
from egov.certificates.rendering import format_number
from egov.core.access import CITIZEN, PUBLIC, access
from egov.core.errors import NotFound, ValidationError


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _actor(request: HttpRequest) -> tuple[str, str]:
    user: Any = request.user
    if user.is_authenticated:
        return f"user:{user.pk}", str(getattr(user, "display_name", "") or "")
    return "anonymous", ""


def _form_page(
    request: HttpRequest, *, number: str = "", error: ValidationError | None = None
) -> HttpResponse:
    context = {
        "number": number,
        "errors": error.field_errors if error else {},
        "message": error.message if error else "",
    }
    return render(request, "certificates/verify.html", context, status=400 if error else 200)


@access(PUBLIC)
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """The verification page; a number typed in its form (GET, so no JavaScript or session) goes to its verdict."""
    typed = request.GET.get("number")
    if typed is None:
        return _form_page(request)
    try:
        digits = services.checked_number(typed)
    except ValidationError as error:
        return _form_page(request, number=typed, error=error)
    return HttpResponseRedirect(reverse("certificates:verify_number", args=[digits]))


def _verdict_page(request: HttpRequest, result: services.VerificationResult) -> HttpResponse:
    return render(
        request,
        "certificates/verdict.html",
        {
            "result": result,
            "number": format_number(result.number) if result.number else "",
        },
    )


@access(PUBLIC)
@require_GET
def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """The verdict on a number: the QR code on every document links here."""
    try:
        digits = services.checked_number(number)
    except ValidationError:
        # Not a number at all (a link cut short): the form says what is wrong with it.
        return HttpResponseRedirect(reverse("certificates:verify") + "?" + urlencode({"number": number}))
    actor, label = _actor(request)
    result = services.document_verify_number(
        number=digits, actor=actor, actor_label=label, source_ip=_ip(request)
    )
    return _verdict_page(request, result)


@access(PUBLIC)
@require_POST
def verify_upload(request: HttpRequest) -> HttpResponse:
    """The verdict on an uploaded PDF: the same bytes as issued, and a signature that validates."""
    upload = request.FILES.get("file")
    actor, label = _actor(request)
    try:
        result = services.document_verify_pdf(
            pdf=upload.read() if upload else b"", actor=actor, actor_label=label, source_ip=_ip(request)
        )
    except ValidationError as error:
        return _form_page(request, error=error)
    return _verdict_page(request, result)


@access(CITIZEN)
@require_GET
def download(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """The holder's signed PDF, as issued (another person's document is simply not found)."""
    document = selectors.document_for_holder(document_id=document_id, holder_id=request.user.pk)
    if document is None:
        raise NotFound("document")
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.document_type}-{document.number}.pdf"'
    return response
