"""Which office is competent for a case, from the competence level and the applicant's address.

A service definition names a level (``dong``, ``si_gun_gu``, ``sido``) or one
organisation by ``code`` (a ministry, a national field office, a court). For a level,
the competent office is the one of that level whose jurisdiction holds the address's
administrative dong. Where a place has no office of that level the next level up
answers: not every si/gun/gu has dong offices in the pack, and Sejong and Jeju have no
autonomous si/gun/gu under the province. Within a level the most local body wins: a
non-autonomous gu before the city (si) it belongs to.
"""

from __future__ import annotations

from typing import Literal

from egov.accounts.public import OrganisationInfo, organisation, organisations_covering

Level = Literal["dong", "si_gun_gu", "sido", "code"]

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
