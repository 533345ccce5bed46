"""Which office is competent for a case, from the competence level and the applicant's address.

A service definition names a level (``dong``, ``si_gun_gu``, ``sido``), one
organisation by ``code`` (a ministry, a court), or the field office of an agency
(``field_office`` with the agency's ``code``: the tax office of the National Tax Service
that serves the address). For a level, the competent office is the one of that level
whose jurisdiction holds the address's administrative dong. Where a place has no office
of that level the next level up answers: not every si/gun/gu has dong offices in the
pack, and Sejong and Jeju have no autonomous si/gun/gu under the province. Within a
level the most local body wins: a non-autonomous gu before the city (si) it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal
from uuid import UUID

from egov.accounts.public import (
    OrganisationInfo,
    OrganisationNode,
    organisation,
    organisation_tree,
    organisations_covering,
)

Level = Literal["dong", "si_gun_gu", "sido", "code", "field_office"]

# Kinds of each level, most local first; a level falls back on the ones after it.
KINDS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "dong": ("dong", "eup", "myeon"),
    "si_gun_gu": ("gu", "administrative_city", "autonomous_gu", "gun", "si"),
    "sido": ("sido",),
}
FALLBACK: dict[str, tuple[str, ...]] = {
    "dong": ("dong", "si_gun_gu", "sido"),
    "si_gun_gu": ("si_gun_gu", "sido"),
    "sido": ("sido",),
}


def competent_organisation(*, level: str, admin_dong_code: str = "", code: str = "") -> OrganisationInfo | None:
    """The office competent for an address (or the named organisation), or None when there is none."""
    if level == "code":
        return organisation(code=code) if code else None
    if level == "field_office":
        return field_office(agency_code=code, admin_dong_code=admin_dong_code)
    if level not in FALLBACK:
        raise ValueError(f"unknown competence level {level!r}")
    if not admin_dong_code:
        return None
    covering = organisations_covering(admin_dong_code=admin_dong_code)
    for candidate_level in FALLBACK[level]:
        kinds = KINDS_BY_LEVEL[candidate_level]
        matches = sorted((org for org in covering if org.kind in kinds), key=lambda org: kinds.index(org.kind))
        if matches:
            return matches[0]
    return None


def field_office(*, agency_code: str, admin_dong_code: str) -> OrganisationInfo | None:
    """The most local body under the agency whose jurisdiction holds the address, else the agency itself.

    National field offices (tax offices, district courts) get their areas from the
    pack's ``serves``. A place no office of the pack serves still gets a competent
    body, the agency, so that an application is never refused for the pack's gaps: its
    officials can pass the case on. None only when the agency itself is unknown.
    """
    agency = organisation(code=agency_code) if agency_code else None
    if agency is None or not admin_dong_code:
        return agency
    # The local tree never holds a national agency's offices; leaving it out spares the
    # walk of the organisation chart for the common case of an address no office serves.
    covering = [org for org in organisations_covering(admin_dong_code=admin_dong_code) if org.tree != "local"]
    if not covering:
        return agency
    depths = _descendant_depths(agency.id)
    under = [org for org in covering if org.id in depths]
    if not under:
        return agency
    return min(under, key=lambda org: (-depths[org.id], org.code))


def _descendant_depths(agency_id: UUID) -> dict[UUID, int]:
    """Every body in force under the agency, with its depth below it (a tax office under its regional office: 2)."""

    def find(nodes: Iterable[OrganisationNode]) -> OrganisationNode | None:
        for node in nodes:
            if node.organisation.id == agency_id:
                return node
            if (found := find(node.children)) is not None:
                return found
        return None

    depths: dict[UUID, int] = {}

    def collect(node: OrganisationNode, depth: int) -> None:
        for child in node.children:
            depths[child.organisation.id] = depth
            collect(child, depth + 1)

    root = find(organisation_tree(local_levels=0))
    if root is not None:
        collect(root, 1)
    return depths
