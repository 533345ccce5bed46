"""The form of a service as the apply page shows it, and the POSTed answers read back into the form's data."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.accounts import public as accounts
from egov.applications.validation import ADDRESS_PARTS
from egov.catalogue.public import FormField, ServiceDefinition
from egov.exchange import public as exchange

ADDRESS_LABELS = {
    "sido": gettext_lazy("Province or metropolitan city"), "sigungu": gettext_lazy("City, county or district"),
    "road": gettext_lazy("Road name"), "building_number": gettext_lazy("Building number"),
    "detail": gettext_lazy("Flat, floor or room"), "postcode": gettext_lazy("Postcode"),
    "legal_dong_code": gettext_lazy("Legal-dong code (10 digits)"),
    "admin_dong_code": gettext_lazy("Administrative-dong code"),
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
    lookup: PlaceLookup | None = None


@dataclass(frozen=True)
class PlaceChoice:
    """One dong the citizen may pick: the button's value carries the field and both codes."""

    value: str
    label: str


@dataclass(frozen=True)
class PlaceLookup:
    """The finder of an address question: what was typed, the dongs found, or why none was."""

    query: str = ""
    choices: tuple[PlaceChoice, ...] = ()
    message: str = ""
    chosen: str = ""


@dataclass(frozen=True)
class EvidenceLine:
    product: str
    name: str
    needs_consent: bool
    basis: str


def questions(definition: ServiceDefinition, language: str, values: Mapping[str, Any],
              errors: Mapping[str, list[str]], *, fields: Sequence[FormField] | None = None,
              lookups: Mapping[str, PlaceLookup] | None = None) -> list[Question]:
    """The questions of the form (a bundle's one form passed as ``fields``), with the answers and messages given."""
    lookups = lookups or {}
    result = []
    for item in definition.form if fields is None else fields:
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
            lookup=lookups.get(item.name, PlaceLookup()) if item.type == "address" else None,
        ))
    return result


def evidence_lines(definition: ServiceDefinition, language: str, *,
                   members: Sequence[ServiceDefinition] = ()) -> list[EvidenceLine]:
    """The records the office reads, each once (a bundle's members may read the same one)."""
    names = {p.code: (p.name_en if language == "en" else p.name) for p in exchange.products()}
    lines: list[EvidenceLine] = []
    for item in (*definition.evidence, *(e for member in members for e in member.evidence)):
        line = EvidenceLine(product=item.product, name=names.get(item.product, item.product),
                            needs_consent=not item.consent_exempt_article, basis=item.consent_exempt_article)
        if line not in lines:
            lines.append(line)
    return lines


def store_upload(upload: UploadedFile) -> dict[str, Any]:
    """Keep an upload in the deployment's storage; the form's data keeps its name, size, kind and hash."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    path = default_storage.save(f"applications/uploads/{digest.hexdigest()[:16]}/{upload.name}", upload)
    return {"name": upload.name, "size": upload.size, "content_type": upload.content_type or "",
            "sha256": digest.hexdigest(), "path": path}


def answers_from_post(definition: ServiceDefinition, post: QueryDict, files: Any, *,
                      fields: Sequence[FormField] | None = None) -> dict[str, Any]:
    """The answers a page sent, shaped as the API takes them (an address as an object, a checkbox as a boolean)."""
    data: dict[str, Any] = {}
    for item in definition.form if fields is None else fields:
        if item.type == "address":
            parts = {p: post.get(f"{item.name}.{p}", "") for p in ADDRESS_PARTS}
            if any(parts.values()):
                data[item.name] = parts
        elif item.type == "boolean":
            data[item.name] = post.get(item.name) in ("1", "on", "true")
        elif item.type == "file":
            upload = files.get(item.name)
            if upload is not None:
                data[item.name] = store_upload(upload)
        elif post.get(item.name, "") != "":
            data[item.name] = post.get(item.name)
    return data


# ---------------------------------------------------------------- finding a dong by name

PLACE_MATCHES = 20


def _place_label(match: Any, admin: Any, language: str, served_by: int) -> str:
    where = " ".join(p for p in (match.sido, match.sigungu, match.name) if p)
    if language == "en":
        where = f"{match.name_en} ({where})"
    if served_by > 1:
        return str(_("%(place)s, served by %(office)s") % {"place": where, "office": admin.name})
    return where


def _find(field_name: str, query: str, language: str, problem: str = "") -> PlaceLookup:
    query = query.strip()
    if len(query) < 2 and not re.search(r"[가-힣]", query):
        return PlaceLookup(query=query, message=str(_("Type at least two letters of the name of your dong, eup, "
                                                       "myeon or ri, such as 역삼 or Yeoksam.")))
    choices = [
        PlaceChoice(value=f"{field_name}|{match.legal_dong_code}|{admin.code}",
                    label=_place_label(match, admin, language, len(match.admin_dongs)))
        for match in accounts.places_named(query=query, limit=PLACE_MATCHES)
        for admin in match.admin_dongs
    ]
    if not choices:
        return PlaceLookup(query=query, message=str(_("No dong, eup, myeon or ri is called “%(name)s”. Check the "
                                                       "spelling, or type a part of the name.") % {"name": query}))
    return PlaceLookup(query=query, choices=tuple(choices), message=problem)


def place_lookup(fields: Sequence[FormField], post: QueryDict, values: dict[str, Any],
                 language: str) -> dict[str, PlaceLookup] | None:
    """The citizen's "Find" or pick on an address question, or None when they submitted the form.

    Without JavaScript the finder is part of the form: "Find" (or Enter in the finder's
    box while the address has no legal-dong code yet) sends everything back with the
    dongs found, as radio buttons; "Use this place" fills the province, the si/gun/gu and
    both codes into ``values`` and keeps every other answer. Neither files anything.
    """
    addresses = [f.name for f in fields if f.type == "address"]
    field_name = post.get("pick", "")
    if field_name:
        picked_field, _sep, codes = post.get(f"{field_name}.place", "").partition("|")
        legal_code, _sep, admin_code = codes.partition("|")
        legal = accounts.legal_dong(code=legal_code) if field_name in addresses and picked_field == field_name else None
        if legal is None or admin_code not in legal.admin_dong_codes:
            return {field_name: _find(field_name, post.get(f"{field_name}.find", ""), language,
                                      problem=str(_("Choose one of the places found, then “Use this place”.")))}
        province = accounts.legal_dong(code=legal_code[:2] + "0" * 8)
        district = accounts.legal_dong(code=legal_code[:5] + "0" * 5)
        sido = province.name if province else ""
        # A si/gun/gu's full name holds the si above a non-autonomous gu (창원시 성산구); Sejong has none.
        sigungu = district.full_name.removeprefix(sido).strip() if district else ""
        given = values.get(field_name) if isinstance(values.get(field_name), Mapping) else {}
        values[field_name] = {**{p: "" for p in ADDRESS_PARTS}, **dict(given or {}), "sido": sido,
                              "sigungu": sigungu, "legal_dong_code": legal_code, "admin_dong_code": admin_code}
        return {field_name: PlaceLookup(chosen=legal.full_name)}
    asked = post.get("find", "")
    if asked not in addresses:
        # Enter in a finder's box submits the form: a finder filled in while its address has no code yet is a Find.
        asked = next((name for name in addresses if post.get(f"{name}.find", "").strip()
                      and not post.get(f"{name}.legal_dong_code", "").strip()), "")
        if not asked:
            return None
    return {asked: _find(asked, post.get(f"{asked}.find", ""), language)}
