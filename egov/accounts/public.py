"""The accounts app's interface to other apps: ids in, frozen dataclasses out.

Other apps refer to users and organisations by foreign key (rule 1 allows it for
accounts) or by id, and ask questions through these functions: who an organisation
is, what the organisation chart looks like, whether an official's jurisdiction covers
a place, which administrative dongs a legal dong belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from egov.accounts import selectors
from egov.core import memo

__all__ = [
    "AdminDongInfo",
    "AgencySystemInfo",
    "DemoLogin",
    "LegalDongInfo",
    "OfficialInfo",
    "OrganisationInfo",
    "OrganisationNode",
    "PlaceMatch",
    "admin_dong",
    "admin_dongs_for_legal_dong",
    "agency_system_for_token",
    "ensure_demo_accounts",
    "legal_dong",
    "load_country_pack",
    "official_covers",
    "official_info",
    "organisation",
    "organisation_tree",
    "organisations_covering",
    "places_named",
    "user_for_personal_token",
    "user_link_resident",
]


@dataclass(frozen=True)
class OrganisationInfo:
    id: UUID
    code: str
    name: str
    name_en: str
    kind: str
    kind_label: str
    tree: str
    region_code: str
    population: int | None
    population_year: int | None
    valid_from: date | None
    valid_to: date | None

    @property
    def historic(self) -> bool:
        return self.valid_to is not None


@dataclass(frozen=True)
class OrganisationNode:
    organisation: OrganisationInfo
    children: tuple[OrganisationNode, ...]


@dataclass(frozen=True)
class OfficialInfo:
    user_id: UUID
    organisation: OrganisationInfo
    roles: frozenset[str]
    permissions: frozenset[str]
    jurisdiction: frozenset[str]


@dataclass(frozen=True)
class AgencySystemInfo:
    """The agency system behind an API request (``request.egov_agency``)."""

    id: UUID
    name: str
    organisation_id: UUID
    organisation_code: str
    organisation_name: str

    @property
    def pk(self) -> UUID:
        return self.id

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_name})"


@dataclass(frozen=True)
class LegalDongInfo:
    code: str
    name: str
    full_name: str
    level: str
    sido_code: str
    sigungu_code: str
    valid_to: date | None
    admin_dong_codes: tuple[str, ...]


@dataclass(frozen=True)
class AdminDongInfo:
    code: str
    name: str
    sigungu_code: str
    population: int | None


@dataclass(frozen=True)
class PlaceMatch:
    """A legal dong (or ri) found by name, with where it lies and the administrative dongs that serve it."""

    legal_dong_code: str
    name: str
    name_en: str
    full_name: str
    sido: str
    sigungu: str
    admin_dongs: tuple[AdminDongInfo, ...]


@dataclass(frozen=True)
class DemoLogin:
    """One demo account as ``egov demo`` prints it."""

    role_label: str
    username: str
    password: str
    organisation_name: str
    needs_second_factor: bool


def _organisation_info(org: Any) -> OrganisationInfo:
    return OrganisationInfo(
        id=org.id, code=org.code, name=org.name, name_en=org.name_en, kind=org.kind,
        kind_label=str(org.get_kind_display()), tree=org.tree, region_code=org.region_code,
        population=org.population, population_year=org.population_year, valid_from=org.valid_from,
        valid_to=org.valid_to,
    )


def organisation(*, code: str | None = None, id: UUID | None = None) -> OrganisationInfo | None:  # noqa: A002
    """The organisation with this code (or id), or None.

    Within a memo scope (``egov.core.memo``: one application filed) each is read once,
    whether asked by code or by id: filing one application named the competent office
    three times (the consent's recipient, the gate's consumer, the document's authority).
    """
    from egov.accounts.models import Organisation

    if code:
        key: tuple[str, Any] = ("accounts.organisation", code)
        found = memo.remembered(key, lambda: Organisation.objects.filter(code=code).first())
    elif id is not None:
        key = ("accounts.organisation", id)
        found = memo.remembered(key, lambda: Organisation.objects.filter(id=id).first())
    else:
        return None
    if found is None:
        memo.forget(key)  # not kept: it may be created later in the same unit of work
        return None
    memo.remember(("accounts.organisation", found.id), found)
    memo.remember(("accounts.organisation", found.code), found)
    return _organisation_info(found)


def organisation_tree(*, include_historic: bool = False, local_levels: int = 2) -> list[OrganisationNode]:
    """The organisation chart: central tree, local tree, public institutions (one query).

    ``local_levels`` limits the local tree's depth (2: provinces and si/gun/gu; the
    eup/myeon/dong offices add some hundreds of nodes). Historic bodies are left out
    unless asked for.
    """
    roots, children = selectors.organisation_children_map(include_historic=include_historic)

    def build(org: Any, depth: int) -> OrganisationNode:
        kids: tuple[OrganisationNode, ...] = ()
        if org.tree != "local" or depth < local_levels:
            kids = tuple(build(child, depth + 1) for child in children.get(org.id, []))
        return OrganisationNode(_organisation_info(org), kids)

    return [build(root, 1) for root in roots]


def organisations_covering(*, admin_dong_code: str) -> list[OrganisationInfo]:
    """The organisations in force whose jurisdiction holds this administrative dong (any level)."""
    from egov.accounts.models import Organisation
    from egov.core import clock

    today = clock.today()
    rows = Organisation.objects.filter(jurisdiction__code=admin_dong_code).exclude(valid_to__lt=today).distinct()
    return [_organisation_info(org) for org in rows]


def official_info(*, user_id: UUID) -> OfficialInfo | None:
    from egov.accounts.models import User
    from egov.accounts.permissions import permissions_for

    user = User.objects.filter(id=user_id, is_active=True).first()
    profile = selectors.official_get(user=user) if user else None
    if user is None or profile is None:
        return None
    return OfficialInfo(
        user_id=user.id, organisation=_organisation_info(profile.organisation), roles=user.roles,
        permissions=permissions_for(user.roles), jurisdiction=selectors.jurisdiction_codes(profile.organisation),
    )


def official_covers(*, user: Any, admin_dong_code: str | None = None, organisation_id: UUID | None = None) -> bool:
    """Whether the official's organisation is responsible for that administrative dong or organisation."""
    return selectors.official_covers(user=user, admin_dong_code=admin_dong_code, organisation_id=organisation_id)


def legal_dong(*, code: str) -> LegalDongInfo | None:
    row = selectors.legal_dong_get(code=code)
    if row is None:
        return None
    return LegalDongInfo(
        code=row.code, name=row.name, full_name=row.full_name, level=row.level, sido_code=row.sido_code,
        sigungu_code=row.sigungu_code, valid_to=row.valid_to,
        admin_dong_codes=tuple(selectors.admin_dongs_for_legal_dong(code=row.code)),
    )


def admin_dong(*, code: str) -> AdminDongInfo | None:
    row = selectors.admin_dong_get(code=code)
    return AdminDongInfo(row.code, row.name, row.sigungu_code, row.population) if row else None


def admin_dongs_for_legal_dong(*, code: str) -> list[str]:
    """The administrative-dong codes an address in this legal dong (or ri) may carry."""
    return selectors.admin_dongs_for_legal_dong(code=code)


def places_named(*, query: str, limit: int = 20) -> list[PlaceMatch]:
    """Legal dongs and ri in force matching a name typed in Hangul or roman letters (역삼, Yeoksam), best first.

    For an address form that lets a person find their dong by name instead of typing
    its codes: each match names its province and si/gun/gu and the administrative
    dongs serving it (usually one; a few legal dongs are split between several).
    """
    rows = selectors.legal_dongs_named(query=query, limit=limit)
    parents = selectors.place_parents(codes={c for r in rows for c in (r.code[:2] + "0" * 8, r.code[:5] + "0" * 5)})
    served = selectors.admin_dongs_serving(codes=[row.code for row in rows])
    found = []
    for row in rows:
        sido = parents.get(row.code[:2] + "0" * 8, "")
        # A si/gun/gu's full name holds the si above a non-autonomous gu (창원시 성산구); Sejong has none.
        sigungu = parents.get(row.code[:5] + "0" * 5, "").removeprefix(sido).strip()
        found.append(PlaceMatch(
            legal_dong_code=row.code, name=row.name, name_en=selectors.place_romanised(row.name),
            full_name=row.full_name, sido=sido, sigungu=sigungu,
            admin_dongs=tuple(AdminDongInfo(d.code, d.name, d.sigungu_code, d.population) for d in served[row.code]),
        ))
    return found


def user_for_personal_token(token: str) -> Any:
    """The active user owning this personal access token (``pat_…``), or None (settings.EGOV_TOKEN_AUTHENTICATOR)."""
    from egov.accounts.services import personal_token_authenticate

    user = personal_token_authenticate(token)
    if user is not None:
        # django-otp's middleware adds is_verified() to session users only. A token can only
        # be created from a session that passed the second factor (officials always pass
        # one), so a request bearing it counts as verified.
        user.is_verified = lambda: True  # type: ignore[attr-defined]
    return user


def agency_system_for_token(token: str) -> AgencySystemInfo | None:
    """The active agency system holding these credentials (``agy_…``), or None (settings.EGOV_AGENCY_AUTHENTICATOR)."""
    from egov.accounts.services import agency_credential_authenticate

    credential = agency_credential_authenticate(token)
    if credential is None:
        return None
    system = credential.system
    return AgencySystemInfo(id=system.id, name=system.name, organisation_id=system.organisation.id,
                            organisation_code=system.organisation.code, organisation_name=system.organisation.name)


def resident_linked_user(*, resident_id: UUID) -> UUID | None:
    """The account already linked to this resident record, if any (identity proofing refuses a second)."""
    from egov.accounts.models import User

    return User.objects.filter(resident_id=resident_id).values_list("id", flat=True).first()


def user_link_resident(*, user_id: UUID, resident_id: UUID, by: str) -> None:
    """Link an account to a resident record once identity proofing has matched them (registries calls this)."""
    from django.db import transaction

    from egov.accounts.models import User
    from egov.core.audit import audit_append

    with transaction.atomic():
        User.objects.filter(id=user_id).update(resident_id=resident_id)
        audit_append(action="account.resident_link", actor=by, subject=f"user:{user_id}",
                     object_ref=f"resident:{resident_id}")


def load_country_pack() -> None:
    """Bootstrap step (settings.EGOV_BOOTSTRAP_STEPS): load the country pack when it changed."""
    from egov.accounts.pack import country_pack_load_if_changed

    country_pack_load_if_changed()


def ensure_demo_accounts() -> list[DemoLogin]:
    """Create the demo personas once (idempotent) and return their logins; refuses in production."""
    from egov.accounts.demo import ensure_demo_accounts as ensure

    return ensure()


# --- egov simulate (metrics, issue 8) -----------------------------------------------------------


def simulated_citizens(*, resident_ids: list[UUID], prefix: str) -> dict[UUID, UUID]:
    """Accounts for a simulated population, one per resident record, made in bulk; refuses in production.

    ``egov simulate`` files applications for invented people of a generated register:
    each needs an account linked to its record, as identity proofing would have left it.
    The accounts cannot sign in (no usable password). Returns resident id → user id,
    reusing the accounts a previous run made.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils.translation import gettext as _

    from egov.accounts.models import User
    from egov.core.errors import PermissionDenied

    if settings.PRODUCTION:
        raise PermissionDenied(_("A simulation never runs in production."))
    existing: dict[UUID, UUID] = {
        rid: uid for rid, uid in User.objects.filter(resident_id__in=resident_ids).values_list("resident_id", "id")
        if rid is not None}
    unusable = make_password(None)
    new = [User(username=f"{prefix}{rid.hex}", display_name=f"{prefix}{rid.hex[:8]}", kind=User.Kind.CITIZEN,
                resident_id=rid, password=unusable)
           for rid in dict.fromkeys(resident_ids) if rid not in existing]
    with transaction.atomic():
        User.objects.bulk_create(new, batch_size=2000)
    existing.update({user.resident_id: user.id for user in new if user.resident_id is not None})
    return existing


def simulated_clerk() -> UUID:
    """The official who files counter applications in a simulation: the demo clerk persona (made if missing)."""
    from egov.accounts.models import User

    ensure_demo_accounts()
    return User.objects.get(username="clerk").id


def simulated_official(*, organisation_id: UUID, prefix: str) -> UUID:
    """An official of ``organisation_id`` who decides its cases in a simulation (clerk and reviewer); refuses in production.

    A case an official decides (a birth report, a move-in report) is decided by an
    official of the case's own office, as in the back office: the case engine refuses
    anyone else. One such official per office is made the first time it is needed,
    with no usable password (nobody signs in as them), and its creation is audited as
    any official's is. Returns the same official on later calls.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils.translation import gettext as _

    from egov.accounts.models import Official, Organisation, RoleAssignment, User
    from egov.accounts.permissions import Role
    from egov.core.audit import audit_append
    from egov.core.errors import PermissionDenied

    if settings.PRODUCTION:
        raise PermissionDenied(_("A simulation never runs in production."))
    organisation = Organisation.objects.get(id=organisation_id)
    username = f"{prefix}official-{organisation.code}"
    existing = User.objects.filter(username=username).values_list("id", flat=True).first()
    if existing is not None:
        return existing
    roles = [Role.CLERK, Role.REVIEWER]
    with transaction.atomic():
        user = User.objects.create(username=username, display_name=f"{organisation.name} 모의 주무관",
                                   kind=User.Kind.OFFICIAL, password=make_password(None))
        official = Official.objects.create(user=user, organisation=organisation, title="simulation")
        RoleAssignment.objects.bulk_create([RoleAssignment(official=official, role=role) for role in roles])
        audit_append(action="account.official_create", actor="system:simulate", subject=f"user:{user.id}",
                     object_ref=f"organisation:{organisation.code}", detail={"roles": sorted(roles)})
    return user.id


__all__ += ["simulated_citizens", "simulated_clerk", "simulated_official"]
