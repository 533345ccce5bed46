"""exchange: the information-sharing gate — the only way other apps read a person's data (rule 2).

Other apps call :func:`fetch` with who asks (:class:`Requester`), the data product, the
purpose code, the service, the subject and either the subject's consent id or the
article that dispenses with consent; the gate checks an access right for that
organisation, product and purpose, the consent, and releases the product's fields
(:class:`Release`) or raises :class:`Refused`. It alone calls the person-reading
functions of ``registries.public``; each release is one audit entry naming the
subject, which the person sees in "Who viewed my data".

The portal's My Gov reaches the person's own records, consents and access log here
too. Ids in, frozen dataclasses out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from egov.exchange import gate, selectors, services
from egov.exchange import stats as _stats
from egov.exchange.gate import REASONS, Refused, Release, Requester
from egov.exchange.models import ConsentChannel, LogDirection
from egov.exchange.stats import DEFAULT_WINDOW, ExchangeStats, ExchangeTally
from egov.registries import public as registries

__all__ = [
    "REASONS",
    "ChangedRecord",
    "ConsentInfo",
    "ExchangeStats",
    "ExchangeTally",
    "ProductInfo",
    "PurposeInfo",
    "Refused",
    "Release",
    "Requester",
    "audit_subjects",
    "birth_report",
    "building_demolished",
    "building_use_changed",
    "business_close",
    "business_open",
    "business_suspend",
    "case_changes_as_of",
    "consent_grant",
    "consent_revoke",
    "consents_of",
    "death_report",
    "exchange_stats",
    "fetch",
    "load_exchange_pack",
    "marriage_report",
    "own_admin_dong",
    "own_records",
    "parcel_category_changed",
    "parcel_number_checked",
    "person_number_checked",
    "products",
    "purposes",
    "requester_for_user",
    "resident_move_in",
    "system_requester",
    "tax_office_for",
    "vehicle_deregister_by_plate",
    "vehicle_register_new",
    "vehicle_transfer_by_plate",
]


@dataclass(frozen=True)
class ProductInfo:
    code: str
    version: int
    name: str
    name_en: str
    description: str
    description_en: str
    owner_code: str
    legal_basis: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class PurposeInfo:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class ConsentInfo:
    id: uuid.UUID
    product_code: str
    product_name: str
    product_name_en: str
    purpose_code: str
    purpose_name: str
    purpose_name_en: str
    recipient: str
    recipient_name: str
    channel: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: str  # "active", "expired" or "revoked"


def requester_for_user(user: Any, *, source_ip: str | None = None) -> Requester:
    """The requester for a signed-in official: their organisation, and them by name as the subject will see it."""
    reader = registries.reader_for_user(user, source_ip=source_ip)
    return Requester(organisation_code=reader.organisation_code, actor=reader.actor, label=reader.label,
                     user_id=reader.user_id, source_ip=source_ip)


def system_requester(*, organisation_code: str, name: str, label: str) -> Requester:
    """A requester that is a system of an organisation (a batch check, a scheduled notice) rather than a person."""
    return Requester(organisation_code=organisation_code, actor=f"system:{name}", label=label)


def fetch(
    *, requester: Requester, product: str, purpose: str, service: str, subject_resident_id: uuid.UUID | None = None,
    subject_number: str = "", consent_id: uuid.UUID | None = None, legal_basis: str = "", version: int | None = None,
    request_id: uuid.UUID | None = None, params: dict[str, Any] | None = None,
    applicant_resident_id: uuid.UUID | None = None,
) -> Release:
    """Read one data product of one subject through the gate, in this deployment. See the module's docstring.

    A product of parcels or buildings is asked with ``subject_number`` = the PNU (or the
    building's road address); ``params`` are those the product declares (a family
    certificate's ``level``, ``items``, ``show_rear``; a land price's ``year``), and
    ``applicant_resident_id`` the citizen on whose behalf the office asks, whose
    entitlement the registry checks where the product needs one (family certificates).
    A refusal of the parameters carries the messages by parameter in ``field_errors``.
    """
    return gate.gate_fetch(
        requester=requester, product=product, purpose=purpose, service=service,
        subject_resident_id=subject_resident_id, subject_number=subject_number, consent_id=consent_id,
        legal_basis=legal_basis, version=version, request_id=request_id, direction=LogDirection.IN_PROCESS,
        params=params, applicant_resident_id=applicant_resident_id,
    )


def products() -> list[ProductInfo]:
    """The active data products, newest version of each code first."""
    seen: set[str] = set()
    found: list[ProductInfo] = []
    for p in selectors.products_list().order_by("code", "-version"):
        if p.code in seen:
            continue
        seen.add(p.code)
        found.append(ProductInfo(code=p.code, version=p.version, name=p.name, name_en=p.name_en,
                                 description=p.description, description_en=p.description_en,
                                 owner_code=p.owner_code, legal_basis=p.legal_basis, fields=tuple(p.fields)))
    return found


def purposes() -> list[PurposeInfo]:
    return [PurposeInfo(code=p.code, name=p.name, name_en=p.name_en) for p in selectors.purposes_list()]


def _consent_info(consent: Any, names: dict[str, tuple[str, str]], now: datetime) -> ConsentInfo:
    state = "revoked" if consent.revoked_at else ("expired" if consent.expires_at <= now else "active")
    product_name, product_name_en = names.get(consent.product_code, (consent.product_code, consent.product_code))
    return ConsentInfo(
        id=consent.id, product_code=consent.product_code, product_name=product_name, product_name_en=product_name_en,
        purpose_code=consent.purpose_id, purpose_name=consent.purpose.name, purpose_name_en=consent.purpose.name_en,
        recipient=consent.recipient, recipient_name=consent.recipient_name, channel=consent.channel,
        granted_at=consent.granted_at, expires_at=consent.expires_at, revoked_at=consent.revoked_at, state=state,
    )


def consents_of(*, resident_id: uuid.UUID) -> list[ConsentInfo]:
    """A person's consents, newest first, with their state now."""
    from egov.core import clock

    names = {p.code: (p.name, p.name_en) for p in products()}
    now = clock.now()
    return [_consent_info(c, names, now) for c in selectors.consents_of(resident_id=resident_id)]


def consent_grant(*, user: Any, product_code: str, purpose: str, recipient: str, days: int,
                  channel: str = ConsentChannel.MY_GOV, application_ref: str = "",
                  source_ip: str | None = None) -> uuid.UUID:
    """Record the signed-in citizen's consent; returns its id (cite it in :func:`fetch`)."""
    consent = services.consent_grant(user=user, product_code=product_code, purpose=purpose, recipient=recipient,
                                     days=days, channel=channel, application_ref=application_ref, source_ip=source_ip)
    return consent.id


def consent_revoke(*, user: Any, consent_id: uuid.UUID, source_ip: str | None = None) -> None:
    services.consent_revoke(user=user, consent_id=consent_id, source_ip=source_ip)


def own_records(*, user_id: uuid.UUID, resident_id: uuid.UUID, label: str = "") -> registries.MyRecords | None:
    """A citizen's own records for My Gov, read under their right of access (one audit entry)."""
    return registries.own_records(user_id=user_id, resident_id=resident_id, label=label)


def own_admin_dong(*, user_id: uuid.UUID, resident_id: uuid.UUID, label: str = "") -> str:
    """The administrative dong of a citizen's own address, read under their right of access (one audit entry)."""
    return registries.own_admin_dong(user_id=user_id, resident_id=resident_id, label=label)


def audit_subjects(*, user_id: uuid.UUID, resident_id: uuid.UUID | None = None) -> list[str]:
    """The audit subjects a person is known by (their account and their resident record), for "Who viewed my data"."""
    return registries.audit_subjects(user_id=user_id, resident_id=resident_id)


def load_exchange_pack() -> None:
    """Bootstrap step (settings.EGOV_BOOTSTRAP_STEPS): purposes, data products and the seeded access rights."""
    services.exchange_pack_load()


# --- operations: exchange statistics from the log ----------------------------------------------


def exchange_stats(*, window: timedelta = DEFAULT_WINDOW, until: datetime | None = None) -> ExchangeStats:
    """Counts and latencies per direction, client, provider and data product, computed from the exchange log.

    For ``/metrics`` and the operators' JSON: released, refused (by reason) and failed
    requests and the latency p50/p99 over ``window`` (default the last 24 hours) up to
    ``until`` (default now, on the deployment's clock).
    """
    return _stats.exchange_stats(window=window, until=until)


# --- registry writes on behalf of applications --------------------------------------------------


def resident_move_in(
    *, resident_id: uuid.UUID, address: dict[str, str], moved_in_on: Any, with_household: bool = False,
    cause_ref: str, by: str,
) -> registries.AddressRecord | None:
    """Pass-through to ``registries.public.resident_move_in`` for the applications app.

    Only ``exchange`` imports ``registries.public`` (rule 2, in ``.importlinter``), so an
    approved move-in report reaches the registry's own service through here. This is a
    write, not a read: no access right or consent applies; the registry records it as a
    dated event caused by the application.
    """
    return registries.resident_move_in(resident_id=resident_id, address=address, moved_in_on=moved_in_on,
                                       with_household=with_household, cause_ref=cause_ref, by=by)


# The other effects of approved applications: writes, passed through as the move-in is
# (no access right or consent applies; the registry checks the applicant's standing
# and records dated events caused by the case). See ``registries.public`` for each.
ChangedRecord = registries.ChangedRecord
business_close = registries.business_close
business_suspend = registries.business_suspend
business_open = registries.business_open
tax_office_for = registries.tax_office_for
vehicle_register_new = registries.vehicle_register_new
vehicle_transfer_by_plate = registries.vehicle_transfer_by_plate
vehicle_deregister_by_plate = registries.vehicle_deregister_by_plate
birth_report = registries.birth_report
# Not a read: the shape of a registration number a form asks for another person.
person_number_checked = registries.person_number_checked
# Not a read either: the shape of a parcel number (PNU) a form asks.
parcel_number_checked = registries.parcel_number_checked
death_report = registries.death_report
marriage_report = registries.marriage_report
building_demolished = registries.building_demolished
building_use_changed = registries.building_use_changed
parcel_category_changed = registries.parcel_category_changed


def case_changes_as_of(*, requester: Requester, case_reference: str, on: Any) -> tuple[registries.ChangedRecord, ...]:
    """The registry records an application's case changed, as of the end of ``on``, for the case's own office.

    A read of the case's own outcome by the office that decided it (or by the
    platform's checks): it cites the civil-application purpose and the article on
    sharing administrative information, and writes one audit entry per person the
    records name.
    """
    reader = registries.Reader(actor=requester.actor, label=requester.label, user_id=requester.user_id,
                               organisation_code=requester.organisation_code, source_ip=requester.source_ip)
    return registries.case_changes_as_of(cause_ref=f"case:{case_reference}", on=on, reader=reader,
                                         purpose="civil_application", basis="Electronic Government Act, Article 36")


# --- proactive notices (notifications, issue 7) ------------------------------------------------

NOTICE_PURPOSE = "Proactive notice the person subscribed to"


def notice_facts(*, resident_id: uuid.UUID, consent: str) -> registries.NoticeFacts | None:
    """The facts for a subscribed person's proactive notices (vehicles due for inspection, children).

    The person's subscription is the basis of the read: ``consent`` names it
    (``subscription:<id>``), and the one audit entry shows "Proactive notices" reading
    under it on the person's "Who viewed my data". No other organisation is involved,
    so no access right is checked: it is the person's own request, like ``own_records``.
    """
    reader = registries.system_reader("notices", "국민비서 알림 · Proactive notices")
    return registries.notice_facts(resident_id=resident_id, reader=reader, purpose=NOTICE_PURPOSE, basis="",
                                   consent=consent)


__all__ += ["NOTICE_PURPOSE", "notice_facts"]


# --- the local tax register's yearly assessment (finance) ----------------------------------------

TaxBase = registries.TaxBase
TAX_ASSESSMENT_PURPOSE = "Assessing or exempting local tax"
TAX_ASSESSMENT_BASIS = "Framework Act on Local Taxes, Articles 127 to 129"


def tax_bases(*, requester: Requester, on: Any, kinds: tuple[str, ...]) -> list[registries.TaxBase]:
    """The vehicles, parcels, buildings, households and businesses taxed on ``on``, for the si/gun/gu assessing.

    The registries answer the local tax register as the act requires them to (the basis
    is the article on the collection of taxation data, so no consent applies); each
    person named is the subject of one audit entry, read by the assessing system.
    """
    reader = registries.Reader(actor=requester.actor, label=requester.label, user_id=requester.user_id,
                               organisation_code=requester.organisation_code, source_ip=requester.source_ip)
    return registries.tax_bases(on=on, kinds=kinds, reader=reader, purpose=TAX_ASSESSMENT_PURPOSE,
                                basis=TAX_ASSESSMENT_BASIS)


__all__ += ["TAX_ASSESSMENT_BASIS", "TAX_ASSESSMENT_PURPOSE", "TaxBase", "tax_bases"]


# --- programme KPIs and egov simulate (metrics, issue 8) ----------------------------------------

# A count about nobody (the usage rate's denominator): no person is read, no entry is written.
residents_living_count = registries.residents_living_count
# The ids of a generated register's residents for ``egov simulate`` (refused in production); their
# records are read through this gate, logged, when their applications need them.
resident_ids_for_simulation = registries.resident_ids_for_simulation


def own_number(*, user_id: uuid.UUID, resident_id: uuid.UUID, label: str = "") -> str:
    """A person's own full registration number, read by them under their right of access (one audit entry).

    A simulated spouse, seller or dying person tells their number to the one who
    files the report naming them, as people do: the number is read here by its owner,
    never by someone else (the registry refuses a full number to anyone but its owner).
    """
    reader = registries.Reader(actor=f"user:{user_id}", label=label or "My Gov", user_id=user_id,
                               resident_id=resident_id)
    record = registries.resident_record(resident_id=resident_id, reader=reader,
                                        purpose=registries.PURPOSES["own_records"],
                                        basis=registries.OWN_RECORDS_BASIS, show_number=True)
    return record.number if record is not None else ""


__all__ += ["own_number", "resident_ids_for_simulation", "residents_living_count"]
