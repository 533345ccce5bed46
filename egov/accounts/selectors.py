"""Reads of the accounts app: organisations, places, officials' scope, tokens."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from korean_romanizer.romanizer import Romanizer

from egov.accounts.models import AdminDong, LegalDong, Official, Organisation, PersonalAccessToken, User
from egov.core import clock


def organisation_get(*, code: str) -> Organisation | None:
    return Organisation.objects.filter(code=code).first()


def organisations_in_force(*, include_historic: bool = False) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    if not include_historic:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=clock.today()))
    return qs


def organisation_children_map(*, include_historic: bool, max_depth_local: int | None = None) -> tuple[
        list[Organisation], dict[Any, list[Organisation]]]:
    """Roots and a parent-id -> children map, in one query."""
    rows = list(organisations_in_force(include_historic=include_historic).order_by("sort_key", "code"))
    children: dict[Any, list[Organisation]] = defaultdict(list)
    roots: list[Organisation] = []
    known = {row.id for row in rows}
    for row in rows:
        if row.parent_id is None or row.parent_id not in known:
            roots.append(row)
        else:
            children[row.parent_id].append(row)
    return roots, children


def official_get(*, user: User) -> Official | None:
    if not user.is_official:
        return None
    return Official.objects.select_related("organisation", "organisation__parent").filter(user=user).first()


def organisation_ancestors(organisation: Organisation) -> list[Organisation]:
    """From the root down to (not including) ``organisation``."""
    chain: list[Organisation] = []
    current = organisation.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def organisation_descendant_ids(organisation: Organisation) -> set[Any]:
    ids = {organisation.id}
    frontier = [organisation.id]
    while frontier:
        frontier = list(Organisation.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.update(frontier)
    return ids


def jurisdiction_codes(organisation: Organisation) -> frozenset[str]:
    return frozenset(organisation.jurisdiction.values_list("code", flat=True))


def official_covers(*, user: User, admin_dong_code: str | None = None, organisation_id: Any = None) -> bool:
    """Whether an official's organisation is responsible for a place or for another organisation.

    A place is covered when its administrative dong is in the organisation's
    jurisdiction; an organisation when it is the official's own or below it.
    Operators cover everything.
    """
    if not user.is_official:
        return False
    if user.is_operator:
        return True
    official = official_get(user=user)
    if official is None:
        return False
    if admin_dong_code is not None:
        return official.organisation.jurisdiction.filter(code=admin_dong_code).exists()
    if organisation_id is not None:
        return organisation_id in organisation_descendant_ids(official.organisation)
    return False


def legal_dong_get(*, code: str) -> LegalDong | None:
    return LegalDong.objects.filter(code=code).first()


def admin_dong_get(*, code: str) -> AdminDong | None:
    return AdminDong.objects.filter(code=code).first()


def admin_dongs_for_legal_dong(*, code: str) -> list[str]:
    """Administrative dongs a legal dong (or the eup/myeon/dong above a ri) belongs to."""
    emd = code[:8] + "00"
    return list(AdminDong.objects.filter(legal_dongs__code__in={code, emd}).values_list("code", flat=True).distinct())


def _loose(text: str) -> str:
    """A romanised name as people type it: letters only, and l, r and n alike (종로 is Jongno, not Jongro)."""
    letters = re.sub(r"[^a-z]", "", text.lower())
    stem = re.sub(r"(dong|ri|eup|myeon)$", "", letters) or letters
    return stem.translate(_LIQUIDS)


_LIQUIDS = str.maketrans({"l": "n", "r": "n"})
_PLACE_LEVELS = (LegalDong.Level.EUPMYEONDONG, LegalDong.Level.RI)


@lru_cache(maxsize=2)
def _romanised_places(count: int, last_code: str) -> tuple[tuple[str, str, str], ...]:
    """(code, romanised name, its loose form) of every eup/myeon/dong and ri, built once per set of places."""
    rows = LegalDong.objects.filter(level__in=_PLACE_LEVELS).order_by("code").values_list("code", "name")
    found = []
    for code, name in rows:
        romanised = str(Romanizer(name).romanize())
        found.append((code, romanised, _loose(romanised)))
    return tuple(found)


def place_romanised(name: str) -> str:
    """A Korean place name in the Revised Romanization, with its suffix hyphenated (역삼동: Yeoksam-dong)."""
    match = re.fullmatch(r"(.+?)(\d*(?:동|리|읍|면|가))", name)
    if match is None:
        return str(Romanizer(name).romanize()).capitalize()
    stem, suffix = match.groups()
    return f"{str(Romanizer(stem).romanize()).capitalize()}-{Romanizer(suffix).romanize()}"


def legal_dongs_named(*, query: str, limit: int) -> list[LegalDong]:
    """Eup/myeon/dong and ri in force whose name matches what a person typed, in Hangul or in roman letters.

    Hangul matches the name or the full name, spacing ignored (역삼, 강남구 역삼동); roman
    letters match the start of the romanised name, forgiving hyphens, a missing "dong"
    and the liquids people write either way (Yeoksam, yeoksam-dong, Jongro). Exact names
    come first, then names that start with the words, then the rest, each by code.
    """
    text = re.sub(r"\s+", "", query or "")
    if not text:
        return []
    today = clock.today()
    in_force = LegalDong.objects.filter(level__in=_PLACE_LEVELS).exclude(valid_to__lt=today)
    rows: list[LegalDong]
    if re.search(r"[가-힣]", text):
        rows = list(in_force.annotate(compact=Replace("full_name", Value(" "), Value("")))
                    .filter(compact__contains=text).order_by("code")[: limit * 5])
        rank = {row.code: (0 if row.name == text else 1 if row.name.startswith(text) else 2) for row in rows}
    else:
        wanted = _loose(text)
        if len(wanted) < 2:
            return []
        latest = LegalDong.objects.filter(level__in=_PLACE_LEVELS).order_by("-code").values_list("code", flat=True)
        places = _romanised_places(LegalDong.objects.filter(level__in=_PLACE_LEVELS).count(), latest.first() or "")
        rank = {code: (0 if loose == wanted else 1) for code, _name, loose in places if loose.startswith(wanted)}
        rows = list(in_force.filter(code__in=sorted(rank, key=lambda code: (rank[code], code))[: limit * 5]))
    return sorted(rows, key=lambda row: (rank[row.code], row.code))[:limit]


def place_parents(*, codes: set[str]) -> dict[str, str]:
    """The full names of the provinces and si/gun/gu with these codes (10-digit legal-dong codes)."""
    return dict(LegalDong.objects.filter(code__in=codes).values_list("code", "full_name"))


def admin_dongs_serving(*, codes: list[str]) -> dict[str, list[AdminDong]]:
    """For each legal dong (or the eup/myeon/dong above a ri), the administrative dongs that serve it."""
    served: dict[str, list[AdminDong]] = defaultdict(list)
    wanted = {code for c in codes for code in (c, c[:8] + "00")}
    links = AdminDong.legal_dongs.through.objects.filter(legaldong_id__in=wanted).select_related("admindong")
    by_legal: dict[str, list[AdminDong]] = defaultdict(list)
    for link in links.order_by("admindong_id"):
        by_legal[link.legaldong_id].append(link.admindong)
    for code in codes:
        served[code] = by_legal.get(code) or by_legal.get(code[:8] + "00") or []
    return served


def personal_tokens_of(*, user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at")
