"""The form of a service as the apply page shows it, and the POSTed answers read back into the form's data."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from egov.applications.validation import ADDRESS_PARTS
from egov.catalogue.public import ServiceDefinition
from egov.exchange import public as exchange

ADDRESS_LABELS = {
    "sido": _("Province or metropolitan city"), "sigungu": _("City, county or district"),
    "road": _("Road name"), "building_number": _("Building number"), "detail": _("Flat, floor or room"),
    "postcode": _("Postcode"), "legal_dong_code": _("Legal-dong code (10 digits)"),
    "admin_dong_code": _("Administrative-dong code"),
}
ADDRESS_OPTIONAL = ("sigungu", "detail", "postcode", "admin_dong_code")


@dataclass(frozen=True)
class Part:
    name: str
    label: str
    value: str
    errors: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: str
    help: str
    required: bool
    conditional: bool
    value: Any
    errors: tuple[str, ...]
    choices: tuple[tuple[str, str], ...] = ()
    parts: tuple[Part, ...] = field(default_factory=tuple)
    accept: str = ""


@dataclass(frozen=True)
class EvidenceLine:
    product: str
    name: str
    needs_consent: bool
    basis: str


def questions(definition: ServiceDefinition, language: str, values: Mapping[str, Any],
              errors: Mapping[str, list[str]]) -> list[Question]:
    result = []
    for item in definition.form:
        value = values.get(item.name)
        parts: tuple[Part, ...] = ()
        if item.type == "address":
            given = value if isinstance(value, Mapping) else {}
            parts = tuple(Part(name=f"{item.name}.{p}", label=str(ADDRESS_LABELS[p]), value=str(given.get(p) or ""),
                               errors=tuple(errors.get(f"{item.name}.{p}", ())), required=p not in ADDRESS_OPTIONAL)
                          for p in ADDRESS_PARTS)
        result.append(Question(
            name=item.name, type=item.type, label=item.label.get(language),
            help=item.help.get(language) if item.help else (item.upload_reason.get(language) if item.upload_reason else ""),
            required=item.required and item.show_if is None, conditional=item.show_if is not None,
            value="" if value is None or isinstance(value, Mapping) else value, errors=tuple(errors.get(item.name, ())),
            choices=tuple((c.value, c.label.get(language)) for c in item.choices), parts=parts,
            accept=",".join(item.validation.accept) if item.validation else "",
        ))
    return result


def evidence_lines(definition: ServiceDefinition, language: str) -> list[EvidenceLine]:
    names = {p.code: (p.name_en if language == "en" else p.name) for p in exchange.products()}
    return [EvidenceLine(product=item.product, name=names.get(item.product, item.product),
                         needs_consent=not item.consent_exempt_article, basis=item.consent_exempt_article)
            for item in definition.evidence]


def _stored(upload: UploadedFile) -> dict[str, Any]:
    """Keep an upload in the deployment's storage; the form's data keeps its name, size, kind and hash."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    path = default_storage.save(f"applications/uploads/{digest.hexdigest()[:16]}/{upload.name}", upload)
    return {"name": upload.name, "size": upload.size, "content_type": upload.content_type or "",
            "sha256": digest.hexdigest(), "path": path}


def answers_from_post(definition: ServiceDefinition, post: QueryDict, files: Any) -> dict[str, Any]:
    """The answers a page sent, shaped as the API takes them (an address as an object, a checkbox as a boolean)."""
    data: dict[str, Any] = {}
    for item in definition.form:
        if item.type == "address":
            parts = {p: post.get(f"{item.name}.{p}", "") for p in ADDRESS_PARTS}
            if any(parts.values()):
                data[item.name] = parts
        elif item.type == "boolean":
            data[item.name] = post.get(item.name) in ("1", "on", "true")
        elif item.type == "file":
            upload = files.get(item.name)
            if upload is not None:
                data[item.name] = _stored(upload)
        elif post.get(item.name, "") != "":
            data[item.name] = post.get(item.name)
    return data
