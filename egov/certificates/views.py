"""Pages: verify a document (anyone, signed in or not), download one's own document, the wallet and sharing.

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

from egov.certificates import credentials, revocation, selectors, services, sharing, wallet
from egov.certificates.rendering import format_number
from egov.core.access import CITIZEN, PUBLIC, access, official
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
            "revoked": services.document_revocation(number=result.number)
            if result.verdict == services.Verdict.REVOKED
            else (None, ""),
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


# --- the wallet, e-certificates and sharing (issue 6, part 2) -----------------------------------


@access(CITIZEN)
@require_GET
def wallet_page(request: HttpRequest) -> HttpResponse:
    """The citizen's document wallet: every document, its status, the PDF, the e-certificate, the links shared."""
    documents = wallet.wallet_documents(holder_id=request.user.pk)
    return render(request, "certificates/wallet.html", {"documents": documents})


@access(CITIZEN)
@require_GET
def credential_download(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """The holder's e-certificate (SD-JWT VC with every disclosure, bound to their web-wallet key)."""
    document = selectors.document_for_holder(document_id=document_id, holder_id=request.user.pk)
    if document is None:
        raise NotFound("document")
    credential = credentials.wallet_credential(document=document, by=f"user:{request.user.pk}")
    response = HttpResponse(credential.sd_jwt, content_type="application/dc+sd-jwt")
    response["Content-Disposition"] = (
        f'attachment; filename="{document.document_type}-{document.number}.sd-jwt"'
    )
    return response


def _share_form(
    request: HttpRequest, document: Any, facts: list[dict[str, Any]], *, values: dict[str, Any],
    error: ValidationError | None = None,
) -> HttpResponse:
    return render(
        request,
        "certificates/share_new.html",
        {
            "document": document,
            "facts": facts,
            "values": values,
            "errors": error.field_errors if error else {},
            "message": error.message if error else "",
            "default_hours": sharing.default_hours(),
            "hour_choices": sorted({1, 24, 72, 168, sharing.default_hours()}),
            "max_opens": sharing.MAX_OPENS,
        },
        status=400 if error else 200,
    )


@access(CITIZEN)
def share_new(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """Choose the facts to share, for how long and how many openings; the new link appears on the wallet page."""
    found = wallet.shareable_facts(document_id=document_id, holder_id=request.user.pk)
    if found is None:
        raise NotFound("document")
    document, facts = found
    if request.method != "POST":
        return _share_form(request, document, facts, values={"fields": [], "max_opens": "1", "hours": ""})
    values: dict[str, Any] = {
        "fields": request.POST.getlist("fields"),
        "max_opens": request.POST.get("max_opens", "1"),
        "hours": request.POST.get("hours", ""),
        "recipient": request.POST.get("recipient", ""),
    }
    try:
        link, _token = sharing.share_create(
            document_id=document.id, holder_id=request.user.pk, by=f"user:{request.user.pk}", **values
        )
    except ValidationError as error:
        return _share_form(request, document, facts, values=values, error=error)
    return HttpResponseRedirect(reverse("certificates:wallet") + f"#share-{link.id}")


@access(CITIZEN)
@require_POST
def share_withdraw(request: HttpRequest, link_id: UUID) -> HttpResponse:
    sharing.share_withdraw(link_id=link_id, holder_id=request.user.pk, by=f"user:{request.user.pk}")
    return HttpResponseRedirect(reverse("certificates:wallet") + f"#share-{link_id}")


@access(PUBLIC)
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The page at a share link: a button first (GET counts nothing), then only the chosen facts (POST)."""
    if request.method == "POST":
        actor, _label = _actor(request)
        result = sharing.share_open(token=token, channel="page", actor=actor, source_ip=_ip(request))
        opened = True
    else:
        result = sharing.share_peek(token=token)
        opened = False
    status = 404 if result.outcome == sharing.Outcome.NOT_FOUND else 200
    return render(request, "certificates/shared.html", {"result": result, "opened": opened}, status=status)


@access(official("cases.decide"))
def revoke(request: HttpRequest) -> HttpResponse:
    """Back office: revoke one document by its confirmation number, with a reason the holder reads."""
    context: dict[str, Any] = {"number": "", "reason": "", "errors": {}, "message": "", "revoked": None}
    if request.method == "POST":
        context["number"] = request.POST.get("number", "")
        context["reason"] = request.POST.get("reason", "")
        user: Any = request.user
        try:
            context["revoked"] = revocation.document_revoke_by_number(
                number=context["number"], reason=context["reason"], by=f"user:{user.pk}",
                actor_label=str(getattr(user, "display_name", "") or ""),
            )
            context["number"] = context["reason"] = ""
        except ValidationError as error:
            context["errors"], context["message"] = error.field_errors, error.message
            return render(request, "certificates/revoke.html", context, status=400)
    return render(request, "certificates/revoke.html", context)

