"""Reads of the accounts app: organisations, places, officials' scope, tokens."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet

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


def personal_tokens_of(*, user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at")
