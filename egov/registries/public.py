"""The base registries' interface to other apps: ids in, frozen dataclasses out.

Rule 2 of ARCHITECTURE.md. Every read of a person's data goes through one of the
person-reading functions below. Each takes the ``reader`` (who reads, as the data
subject will see it), the ``purpose`` (a code of :data:`PURPOSES` or a text), the
legal ``basis`` (an article of law) and, where the read rests on the subject's
consent, the ``consent`` record's id; and each writes exactly one entry of the audit
chain (``person.read``) naming the subject, in the same transaction as the read, so a
read without its entry cannot happen. "Who viewed my data" on My Gov is that log
filtered to the person (:func:`audit_subjects`).

Who may call them: the registry's own officials, in this app's back office, acting
under the registry's act; the citizen, for their own records (:func:`own_records`);
and, from the information-sharing issue on, every other app only through
``exchange.public``, which checks the access right and the consent first and alone
calls these functions. ``registries`` never imports ``exchange``.

Resident registration numbers come masked (``900101-1******``) in every record; the
full number only where the caller asks for it and the reader is the subject.

Misses. A lookup by number that finds no one still writes its entry, with no subject
and the outcome ``failure``: probing numbers leaves a trace like reading does, and
the cost is the same one insert. Lookups of a thing rather than a person (a vehicle by
plate, a parcel by PNU, a business by number) write one entry per natural person the
answer names (the owner, the co-owners, the representative) and none when no
natural person is named.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from egov.core import clock
from egov.core.audit import audit_append
from egov.core.crypto import mask_email, mask_phone
from egov.core.errors import PermissionDenied, ValidationError
from egov.registries import records, selectors
from egov.registries.family_certificates import (
    FamilyCertificate,
    family_certificate_data,
    family_certificate_entitled,
)
from egov.registries.models import Registry
from egov.registries.records import (
    AddressRecord,
    AddressStayRecord,
    BuildingRecord,
    BusinessRecord,
    EventRecord,
    FamilyRecord,
    HouseholdRecord,
    MyRecords,
    ParcelRecord,
    PersonSummary,
    PropertyRecord,
    Relative,
    ResidentDossier,
    ResidentRecord,
    ShareRecord,
    VehicleRecord,
)

__all__ = [
    "LEGAL_BASES",
    "OWN_RECORDS_BASIS",
    "PURPOSES",
    "AddressRecord",
    "AddressStayRecord",
    "BuildingRecord",
    "BusinessRecord",
    "ChangedRecord",
    "EventRecord",
    "FamilyRecord",
    "HouseholdRecord",
    "MyRecords",
    "ParcelRecord",
    "PersonSummary",
    "PropertyRecord",
    "Reader",
    "Relative",
    "ResidentDossier",
    "ResidentRecord",
    "ShareRecord",
    "VehicleRecord",
    "audit_subjects",
    "birth_report",
    "building_demolished",
    "building_use_changed",
    "business_by_number",
    "business_close",
    "business_open",
    "business_suspend",
    "businesses_of_person",
    "case_changes_as_of",
    "death_report",
    "family_certificate",
    "household_record",
    "marriage_report",
    "own_admin_dong",
    "own_records",
    "parcel_by_pnu",
    "parcel_category_changed",
    "property_of_person",
    "purpose_text",
    "reader_for_user",
    "resident_by_number",
    "resident_dossier",
    "resident_id_by_number",
    "resident_move_in",
    "resident_record",
    "resident_search",
    "system_reader",
    "tax_office_for",
    "vehicle_by_plate",
    "vehicle_deregister_by_plate",
    "vehicle_register_new",
    "vehicle_transfer_by_plate",
    "vehicles_of_person",
    "person_number_checked",
]

# The purposes an official chooses from before reading a record. The log keeps the
# English text (stable, and the same whatever language the official works in); pages
# translate it when they show it (gettext_noop marks it for the catalogues).
PURPOSES: dict[str, str] = {
    "civil_application": gettext_noop("Handling a civil application"),
    "report_check": gettext_noop("Checking a report (move-in, birth, death, marriage)"),
    "residence_check": gettext_noop("Fact-finding of residence"),
    "record_correction": gettext_noop("Correcting the record"),
    "authority_request": gettext_noop("Answering a request from a court or an investigative authority"),
    "own_records": gettext_noop("Viewing one's own records on My Gov"),
}

# The acts under which each registry's own officials read it in the back office.
LEGAL_BASES: dict[str, str] = {
    Registry.RESIDENTS: gettext_noop("Resident Registration Act, Article 30"),
    Registry.FAMILY: gettext_noop("Act on the Registration, etc. of Family Relationships, Article 11"),
    Registry.VEHICLES: gettext_noop("Motor Vehicle Management Act, Article 69"),
    Registry.LAND: gettext_noop("Act on the Establishment, Management, etc. of Spatial Data, Article 76"),
    Registry.BUILDINGS: gettext_noop("Building Act, Article 38"),
    Registry.BUSINESSES: gettext_noop("Value-Added Tax Act, Article 8"),
}
# A person's right to see their own data.
OWN_RECORDS_BASIS = gettext_noop("Personal Information Protection Act, Article 35")


def purpose_text(purpose: str) -> str:
    """The text the log keeps for a purpose: the text of a known code, else the purpose as given."""
    return PURPOSES.get(purpose, purpose).strip()


# --- who reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Who reads a person's data, as the audit chain records it and the data subject sees it.

    ``actor`` is ``user:<uuid>``, ``agency:<uuid>`` or ``system:<name>``; ``label`` is
    the name shown to the data subject ("청운효자동 · Kim Clerk"). ``resident_id`` is
    set when the reader is a citizen whose account is linked to a resident record:
    the one person to whom full registration numbers may be shown.
    """

    actor: str
    label: str
    user_id: uuid.UUID | None = None
    organisation_code: str = ""
    resident_id: uuid.UUID | None = None
    source_ip: str | None = None
    # Set by the information-sharing gate (exchange.public): the service on whose behalf,
    # the data product and the gate's request id, which leads from the audit entry to
    # the exchange's evidence. They go into the entry's detail, so the data subject sees
    # which data product was read and for which service.
    service: str = ""
    product: str = ""
    request_ref: str = ""


def reader_for_user(user: Any, *, source_ip: str | None = None) -> Reader:
    """The reader for a signed-in person: an official under their organisation's name, or a citizen."""
    from egov.accounts import public as accounts

    if not getattr(user, "is_authenticated", False) or user.pk is None:
        raise ValueError("a reader must be a signed-in user")
    name = getattr(user, "display_name", "") or user.get_username()
    if getattr(user, "is_official", False):
        info = accounts.official_info(user_id=user.pk)
        if info is not None:
            return Reader(actor=f"user:{user.pk}", label=f"{info.organisation.name} · {name}", user_id=user.pk,
                          organisation_code=info.organisation.code, source_ip=source_ip)
        return Reader(actor=f"user:{user.pk}", label=name, user_id=user.pk, source_ip=source_ip)
    return Reader(actor=f"user:{user.pk}", label=name, user_id=user.pk,
                  resident_id=getattr(user, "resident_id", None), source_ip=source_ip)


def system_reader(name: str, label: str) -> Reader:
    """A reader that is a part of the platform itself (a benchmark, a scheduled check)."""
    return Reader(actor=f"system:{name}", label=label)


def audit_subjects(*, user_id: uuid.UUID, resident_id: uuid.UUID | None = None) -> list[str]:
    """The audit subjects a person is known by: their account and, once linked, their resident record.

    "Who viewed my data" shows the entries about any of them.
    """
    subjects = [f"user:{user_id}"]
    if resident_id is not None:
        subjects.append(f"resident:{resident_id}")
    return subjects


def _log_read(
    *, reader: Reader, subject_id: uuid.UUID | None, purpose: str, basis: str, consent: str, object_ref: str,
    outcome: str = "success", action: str = "person.read", detail: dict[str, Any] | None = None,
) -> None:
    if reader.product or reader.request_ref or reader.organisation_code:
        detail = dict(detail or {})
        for key, value in (("service", reader.service), ("product", reader.product), ("request", reader.request_ref),
                           ("organisation", reader.organisation_code)):
            if value:
                detail[key] = value
    audit_append(
        action=action, actor=reader.actor, actor_label=reader.label, source_ip=reader.source_ip,
        subject=f"resident:{subject_id}" if subject_id is not None else None,
        purpose=purpose, legal_basis=basis, consent=consent, object_ref=object_ref, outcome=outcome, detail=detail,
    )


def _checked(purpose: str, basis: str, consent: str) -> tuple[str, str, str]:
    """A read needs a purpose and a legal basis or a consent; their absence is a programming error."""
    text = purpose_text(purpose or "")
    if not text:
        raise ValueError("a read of a person's data needs a purpose")
    if not (basis or "").strip() and not (consent or "").strip():
        raise ValueError("a read of a person's data needs a legal basis or the subject's consent")
    return text, (basis or "").strip(), (consent or "").strip()


def _full_number_allowed(reader: Reader, resident_id: uuid.UUID, asked: bool,
                          applicant_resident_id: uuid.UUID | None = None) -> bool:
    """Whether the full number is shown: asked for, by the person it belongs to or on their own application.

    The applicant is the citizen on whose behalf an office reads through the gate (their
    own resident registration abstract); an official or an agency reading on its own
    basis never gets the full number.
    """
    if not asked:
        return False
    if resident_id not in (reader.resident_id, applicant_resident_id):
        raise PermissionDenied(_("The full registration number is shown only to the person it belongs to."))
    return True


def _resident_existed(record: ResidentRecord, on: date) -> bool:
    return record.birth_date <= on and record.registered_on <= on


def person_number_checked(number: str) -> str:
    """A registration number given in a form, in its written form (``YYMMDD-NNNNNNN``); reads nobody.

    Only its shape is checked (13 digits, a real date of birth, a known seventh digit):
    whether the person exists is the registry's answer when the number is used, and the
    check digit means something only for numbers issued before October 2020, which a
    form cannot tell. Raises ``ValidationError`` with the translated reason.
    """
    from egov.registries.identifiers import IdentifierError, parse_person_number

    try:
        digits = parse_person_number(number).digits
    except IdentifierError as error:
        raise ValidationError(str(error)) from None
    return f"{digits[:6]}-{digits[6:]}"


# --- person-reading functions -------------------------------------------------------------------

# _READS_WITHOUT_SAVEPOINT: the reads marked so raise nothing a caller handles (only a programming
# error, a read without a purpose or a basis), so inside a caller's transaction (the gate's) they take no
# rollback point of their own; alone they run in a transaction of their own as before. The savepoint and
# its release were two round trips of each gate read (bench-apply profile, ADR 0135).


def resident_by_number(*, number: str, reader: Reader, purpose: str, basis: str, consent: str = "") -> ResidentRecord | None:
    """The resident with this registration number (one blind-index probe), or None; one audit entry either way.

    No transaction of its own: it writes nothing but the entry. Inside a caller's
    transaction the entry joins it; alone (an official's lookup) the probe runs in
    autocommit and the entry is one statement committed before the record is returned
    (``audit_append``, ADR 0156) — two round trips fewer than a BEGIN and a COMMIT
    around both, and on SQLite the probe is not made under the write lock.
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    resident = selectors.resident_find_by_number(number=number)
    _log_read(reader=reader, subject_id=resident.id if resident else None, purpose=purpose, basis=basis,
              consent=consent, object_ref="registries:resident", outcome="success" if resident else "failure")
    return records.resident_record_of(resident) if resident is not None else None


@transaction.atomic(savepoint=False)  # see _READS_WITHOUT_SAVEPOINT
def resident_id_by_number(*, number: str, reader: Reader, purpose: str, basis: str, consent: str = "") -> uuid.UUID | None:
    """The id of the resident with this number, for a caller that reads them next in the same transaction.

    For the information-sharing gate, whose requests from other deployments name the
    subject by number: a hit writes no entry of its own, because the read that follows
    (one of the functions below) writes the one entry of this access; a miss writes its
    ``failure`` entry as :func:`resident_by_number` does, since probing leaves a trace.
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    resident = selectors.resident_find_by_number(number=number)
    if resident is None:
        _log_read(reader=reader, subject_id=None, purpose=purpose, basis=basis, consent=consent,
                  object_ref="registries:resident", outcome="failure")
        return None
    return resident.id


@transaction.atomic
def resident_record(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "",
    as_of: date | None = None, show_number: bool = False, applicant_resident_id: uuid.UUID | None = None,
) -> ResidentRecord | None:
    """The resident's record (as of ``as_of``), or None when there is no such resident then.

    With ``show_number`` the full registration number is in the record, for the person
    it belongs to (the reader, or the applicant on whose behalf the gate reads); anyone
    else is refused before anything is read, and the entry records that it was shown.
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    full = _full_number_allowed(reader, resident_id, show_number, applicant_resident_id)
    resident = records.resident_for_read(resident_id)  # its SQL compiled once per connection
    if resident is None:
        return None
    record = records.resident_record_of(resident, full_number=full, as_of=as_of)
    if as_of is not None and not _resident_existed(record, as_of):
        return None
    detail: dict[str, Any] = {"as_of": as_of} if as_of else {}
    if full:
        detail["rear_digits"] = True
    _log_read(reader=reader, subject_id=resident.id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:resident", detail=detail or None)
    return record


@transaction.atomic
def household_record(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "",
    show_numbers: bool = False, applicant_resident_id: uuid.UUID | None = None,
) -> HouseholdRecord | None:
    """The household the resident belongs to, with its members (the 주민등록표 등본 of that resident).

    The entry names the resident asked about; the other members appear in it as a
    count, since the household is read as that resident's. With ``show_numbers`` the
    members' full numbers are printed, for a member of that household (the reader, or
    the applicant on whose behalf the gate reads: Resident Registration Act, art. 29);
    anyone else is refused and nothing is read.
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    resident = records.resident_for_read(resident_id)
    if resident is None:
        return None
    household = resident.household if resident.household_id else None
    if show_numbers and not _household_member(household, (reader.resident_id, applicant_resident_id)):
        raise PermissionDenied(_("The full registration numbers are shown only to a member of the household."))
    record = records.household_record_of(household, full_numbers=show_numbers)
    detail: dict[str, Any] = {"members": len(record.members) if record else 0}
    if show_numbers:
        detail["rear_digits"] = True
    _log_read(reader=reader, subject_id=resident.id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:household", detail=detail)
    return record


def _household_member(household: Any, people: Iterable[uuid.UUID | None]) -> bool:
    """Whether one of ``people`` is registered in ``household`` (a member may have its copy with numbers)."""
    ids = [person for person in people if person is not None]
    if household is None or not ids:
        return False
    return any(str(member.household_id) == str(household.id) for member in
               (records.resident_for_read(person) for person in ids) if member is not None)


@transaction.atomic
def family_record(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "", as_of: date | None = None,
) -> FamilyRecord | None:
    """The resident's parents, spouses and children as the family register states them."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    resident = records.resident_for_read(resident_id)
    if resident is None:
        return None
    record = records.family_record_of(resident, on=as_of)
    _log_read(reader=reader, subject_id=resident.id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:family", detail={"as_of": as_of} if as_of else None)
    return record


@transaction.atomic
def family_certificate(
    *, subject_id: uuid.UUID, kind: str, level: str, reader: Reader, purpose: str, basis: str, consent: str = "",
    as_of: date | None = None, show_rrn_rear: bool = False, items: list[str] | None = None,
    applicant_resident_id: uuid.UUID | None = None,
) -> FamilyCertificate:
    """The data of one of the five family-relation certificates of ``subject_id``, at a disclosure level.

    With ``applicant_resident_id`` (a citizen applying for a certificate), the
    applicant must be the subject or a family member the law entitles, or nothing is
    read; an official or an agency system reads under its own basis. Whether the rear
    digits of the registration numbers are shown is the applicant's choice.
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    if applicant_resident_id is not None and not family_certificate_entitled(
        applicant_resident_id=applicant_resident_id, subject_id=subject_id, kind=kind, on=as_of or clock.today(),
    ):
        raise PermissionDenied(_("Only the person or a family member the law entitles may have this certificate."))
    data = family_certificate_data(subject_id=subject_id, kind=kind, level=level, as_of=as_of,
                                   show_rrn_rear=show_rrn_rear, items=items)
    _log_read(reader=reader, subject_id=subject_id, purpose=purpose, basis=basis, consent=consent,
              object_ref=f"registries:family_certificate:{kind}",
              detail={"level": level, "as_of": as_of, "rear_digits": bool(show_rrn_rear)})
    return data


@transaction.atomic(savepoint=False)  # see _READS_WITHOUT_SAVEPOINT
def vehicles_of_person(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "", as_of: date | None = None,
) -> tuple[VehicleRecord, ...]:
    """The vehicles the resident owns (owned on ``as_of``)."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    found = records.vehicles_of(resident_id, on=as_of)
    _log_read(reader=reader, subject_id=resident_id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:vehicles", detail={"as_of": as_of} if as_of else None)
    return found


@transaction.atomic(savepoint=False)  # see _READS_WITHOUT_SAVEPOINT
def property_of_person(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "",
) -> PropertyRecord:
    """The parcels and buildings the resident holds a share of, with all their owners."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    record = records.property_of(resident_id)
    _log_read(reader=reader, subject_id=resident_id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:property")
    return record


@transaction.atomic(savepoint=False)  # see _READS_WITHOUT_SAVEPOINT
def businesses_of_person(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "",
) -> tuple[BusinessRecord, ...]:
    """The businesses the resident represents."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    found = records.businesses_of(resident_id)
    _log_read(reader=reader, subject_id=resident_id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:businesses")
    return found


@transaction.atomic
def resident_dossier(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "",
) -> ResidentDossier | None:
    """A resident's whole file for the back office: record, addresses, household, family and events; one entry."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    resident = selectors.resident_get(resident_id=resident_id)
    if resident is None:
        return None
    entity_ids = [resident.id, *selectors.family_entity_ids(resident_id=resident.id)]
    dossier = ResidentDossier(
        record=records.resident_record_of(resident),
        address_history=records.address_history(resident.id),
        household=records.household_record_of(resident.household if resident.household_id else None),
        family=records.family_record_of(resident),
        events=tuple(records.event_record(e) for e in selectors.events_of(entity_ids=entity_ids)),
    )
    _log_read(reader=reader, subject_id=resident.id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:resident_dossier")
    return dossier


@transaction.atomic
def resident_search(
    *, reader: Reader, purpose: str, basis: str, consent: str = "", name: str = "", road: str = "",
    admin_dong_codes: Iterable[str] | None = None,
) -> list[PersonSummary]:
    """Residents by the start of their name or by road, within ``admin_dong_codes`` (None: everywhere).

    Every person listed is a person whose data was seen: one ``person.search`` entry
    each. A search that finds no one writes one entry without a subject.
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    name, road = name.strip(), road.strip()
    if not name and not road:
        return []
    found = selectors.resident_search(name=name, road=road, admin_dong_codes=admin_dong_codes)
    criteria = "name" if name else "road"
    for person in found:
        _log_read(reader=reader, subject_id=person.id, purpose=purpose, basis=basis, consent=consent,
                  object_ref="registries:resident_search", action="person.search", detail={"criteria": criteria})
    if not found:
        _log_read(reader=reader, subject_id=None, purpose=purpose, basis=basis, consent=consent,
                  object_ref="registries:resident_search", action="person.search", outcome="failure",
                  detail={"criteria": criteria})
    return [records.person_summary(person) for person in found]


@transaction.atomic
def own_records(*, user_id: uuid.UUID, resident_id: uuid.UUID, label: str = "") -> MyRecords | None:
    """A citizen's own records for My Gov: the citizen reads them under their right of access; one entry.

    ``resident_id`` must be the resident the account was linked to by identity proofing.
    """
    reader = Reader(actor=f"user:{user_id}", label=label or _("You, on My Gov"), user_id=user_id,
                    resident_id=resident_id)
    resident = selectors.resident_with_contact_get(resident_id=resident_id)
    if resident is None:
        return None
    mine = MyRecords(
        resident=records.resident_record_of(resident),
        phone_masked=mask_phone(resident.phone) if resident.phone else "",
        email_masked=mask_email(resident.email) if resident.email else "",
        household=records.household_record_of(resident.household if resident.household_id else None),
        family=records.family_record_of(resident),
        vehicles=records.vehicles_of(resident_id),
        property=records.property_of(resident_id),
        businesses=records.businesses_of(resident_id),
    )
    _log_read(reader=reader, subject_id=resident.id, purpose=PURPOSES["own_records"], basis=OWN_RECORDS_BASIS,
              consent="", object_ref="registries:own_records")
    return mine


def own_admin_dong(*, user_id: uuid.UUID, resident_id: uuid.UUID, label: str = "") -> str:
    """The administrative dong of the citizen's own registered address, read under their right of access.

    What a submission needs to find the office of a service decided where the applicant
    lives: reading all of :func:`own_records` for it (household, family, vehicles,
    property, businesses) was a quarter of a simulated year's filing time. One entry,
    as every read of a person's record; "" when the resident or the address is unknown.
    """
    code = selectors.resident_admin_dong(resident_id=resident_id)
    if code is None:
        return ""
    reader = Reader(actor=f"user:{user_id}", label=label or _("You, on My Gov"), user_id=user_id,
                    resident_id=resident_id)
    _log_read(reader=reader, subject_id=resident_id, purpose=PURPOSES["own_records"], basis=OWN_RECORDS_BASIS,
              consent="", object_ref="registries:own_address")
    return code


# --- lookups of things, naming their owners --------------------------------------------------------


def _log_for_owners(
    *, person_ids: Iterable[uuid.UUID | None], reader: Reader, purpose: str, basis: str, consent: str, object_ref: str,
) -> None:
    for person_id in dict.fromkeys(p for p in person_ids if p is not None):
        _log_read(reader=reader, subject_id=person_id, purpose=purpose, basis=basis, consent=consent,
                  object_ref=object_ref)


@transaction.atomic
def vehicle_by_plate(*, plate: str, reader: Reader, purpose: str, basis: str, consent: str = "") -> VehicleRecord | None:
    """The vehicle with this plate; its owner, when a person, is the subject of the entry."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    vehicle = selectors.vehicle_by_plate(plate=plate)
    if vehicle is None:
        return None
    _log_for_owners(person_ids=[vehicle.owner_resident_id], reader=reader, purpose=purpose, basis=basis,
                    consent=consent, object_ref=f"registries:vehicle:{vehicle.id}")
    return records.vehicle_records([vehicle])[0]


@transaction.atomic
def parcel_by_pnu(*, pnu: str, reader: Reader, purpose: str, basis: str, consent: str = "") -> ParcelRecord | None:
    """The parcel with its owners, prices and the buildings on it; one entry per natural person who owns a share."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    parcel = selectors.parcel_by_pnu(pnu=pnu)
    if parcel is None:
        return None
    record = records.parcel_records([parcel], with_buildings=True)[0]
    owners = [s.owner_resident_id for s in record.owners]
    owners += [s.owner_resident_id for b in record.buildings for s in b.owners]
    _log_for_owners(person_ids=owners, reader=reader, purpose=purpose, basis=basis, consent=consent,
                    object_ref=f"registries:parcel:{parcel.pnu}")
    return record


@transaction.atomic
def business_by_number(*, number: str, reader: Reader, purpose: str, basis: str, consent: str = "") -> BusinessRecord | None:
    """The business with this registration number; its representative, when on the register, is the subject."""
    purpose, basis, consent = _checked(purpose, basis, consent)
    business = selectors.business_by_number(number=number)
    if business is None:
        return None
    _log_for_owners(person_ids=[business.representative_id], reader=reader, purpose=purpose, basis=basis,
                    consent=consent, object_ref=f"registries:business:{business.registration_number}")
    return records.business_record(business)


# --- writes on behalf of an application -------------------------------------------------------


def resident_move_in(
    *, resident_id: uuid.UUID, address: dict[str, str], moved_in_on: date, with_household: bool = False,
    cause_ref: str, by: str, legal_basis: str = "Resident Registration Act, Article 16",
) -> AddressRecord | None:
    """An approved move-in report (전입신고): the resident, or their whole household, moves to ``address``.

    ``address`` has the keys of a household's road-name address (sido, sigungu, road,
    building_number, detail, postcode, legal_dong_code, admin_dong_code). The move is
    the registry's own service (:func:`egov.registries.services.households.resident_move`):
    checked in full, written as dated events caused by the application ``cause_ref``,
    the movers' vehicles following the address. Raises ``ValidationError`` with the
    registry's reasons. Returns the resident's address after the move.
    """
    from egov.registries.history import Cause
    from egov.registries.models import CauseKind
    from egov.registries.services.households import resident_move

    kind, _sep, ident = by.partition(":")
    official_id = None
    if kind == "user":
        try:
            official_id = uuid.UUID(ident)
        except ValueError:
            official_id = None
    cause = Cause(kind=CauseKind.APPLICATION, ref=cause_ref, official_id=official_id, legal_basis=legal_basis,
                  reason="move-in report")
    resident = resident_move(resident_id=resident_id, new_address=dict(address), moved_in_on=moved_in_on,
                             with_household=with_household, cause=cause)
    return records.address_record(resident.household)


# Each write below is one effect of an approved application (the catalogue's ``effects``),
# reached only through ``exchange.public``. The record is named as the applicant named
# it (a plate, a business number, a registration number, an address), and the write
# checks that the applicant stands in the relation to it the report needs (the owner,
# the representative) before the registry's own service checks the change in full.
# Every refusal is a ``ValidationError`` that changes nothing.


def _application_cause(*, cause_ref: str, by: str, legal_basis: str, reason: str) -> Any:
    """The cause of an application's change: the case, the deciding official (if a person), the article."""
    from egov.registries.history import Cause
    from egov.registries.models import CauseKind

    kind, _sep, ident = by.partition(":")
    official_id = None
    if kind == "user":
        try:
            official_id = uuid.UUID(ident)
        except ValueError:
            official_id = None
    return Cause(kind=CauseKind.APPLICATION, ref=cause_ref, official_id=official_id, legal_basis=legal_basis,
                 reason=reason)


def _refuse(field: str, message: str) -> NoReturn:
    from egov.core.errors import ValidationError

    raise ValidationError(message, field_errors={field: [message]})


def _road_address_text(address: dict[str, str]) -> str:
    parts = [address.get(key, "") for key in ("sido", "sigungu", "road", "building_number")]
    text = " ".join(part.strip() for part in parts if part and part.strip())
    detail = (address.get("detail") or "").strip()
    return f"{text}, {detail}" if detail else text


def _business_of(registration_number: str, representative_id: uuid.UUID, *, for_update: bool = False) -> Any:
    if for_update:
        from egov.registries.services.businesses import business_locked_by_number

        business = business_locked_by_number(registration_number)
    else:
        business = selectors.business_by_number(number=registration_number)
    if business is None:
        _refuse("registration_number", _("No business is registered under the number %(number)s.")
                % {"number": registration_number})
    if business.representative_id != representative_id:
        _refuse("registration_number", _("Only the business's representative can report this for business "
                                         "%(number)s.") % {"number": registration_number})
    return business


def business_close(
    *, registration_number: str, representative_id: uuid.UUID, closed_on: date, cause_ref: str, by: str,
    legal_basis: str = "Value-Added Tax Act, Article 8",
) -> BusinessRecord:
    """An approved closure report (폐업신고): the representative's business is closed from ``closed_on``."""
    from egov.registries.models import BusinessStatus
    from egov.registries.services.businesses import business_status_change

    # Found and locked once; within the caller's transaction (an approval, which has its own rollback
    # point) without a savepoint of its own (ADR 0135).
    with transaction.atomic(savepoint=False):
        business = _business_of(registration_number, representative_id, for_update=True)
        cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="closure report")
        return records.business_record(business_status_change(business=business, status=BusinessStatus.CLOSED,
                                                              effective_on=closed_on, cause=cause))


def business_suspend(
    *, registration_number: str, representative_id: uuid.UUID, suspended_on: date, until: date | None = None,
    cause_ref: str, by: str, legal_basis: str = "Value-Added Tax Act, Article 8",
) -> BusinessRecord:
    """An approved suspension report (휴업신고): the business is suspended from ``suspended_on``.

    The planned end of the suspension is kept in the event's reason; the business
    resumes by a report of its own, not on that date by itself.
    """
    from egov.registries.models import BusinessStatus
    from egov.registries.services.businesses import business_status_change

    with transaction.atomic(savepoint=False):  # as business_close
        business = _business_of(registration_number, representative_id, for_update=True)
        reason = f"suspension report, until {until.isoformat()}" if until else "suspension report"
        cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason=reason)
        return records.business_record(business_status_change(business=business, status=BusinessStatus.SUSPENDED,
                                                              effective_on=suspended_on, cause=cause))


def tax_office_for(*, admin_dong_code: str, competent_organisation_id: uuid.UUID | None = None) -> str:
    """The code of the tax office that registers a business at this address, or "" if the pack names none.

    A National Tax Service field office whose jurisdiction holds the address's
    administrative dong; failing that, the case's own office when it is a tax office.
    """
    from egov.accounts import public as accounts
    from egov.registries.services.businesses import TAX_OFFICE_KIND, TAX_OFFICE_PREFIX

    candidates = [o for o in accounts.organisations_covering(admin_dong_code=admin_dong_code)
                  if o.code.startswith(TAX_OFFICE_PREFIX) and o.kind == TAX_OFFICE_KIND] if admin_dong_code else []
    if candidates:
        return sorted(o.code for o in candidates)[-1]
    office = accounts.organisation(id=competent_organisation_id) if competent_organisation_id else None
    if office is not None and office.code.startswith(TAX_OFFICE_PREFIX) and office.kind == TAX_OFFICE_KIND:
        return office.code
    return ""


def business_open(
    *, representative_id: uuid.UUID, name: str, address: dict[str, str], business_type: str, business_item: str,
    started_on: date, tax_type: str, tax_office_code: str, cause_ref: str, by: str,
    legal_basis: str = "Value-Added Tax Act, Article 8",
) -> BusinessRecord:
    """An approved business registration (사업자등록): the registry issues the number and registers the business."""
    from egov.registries.services.businesses import business_number_issue, business_register

    resident = selectors.resident_get(resident_id=representative_id)
    if resident is None:
        _refuse("representative_id", _("The applicant is not on the resident register."))
    if not tax_office_code:
        _refuse("tax_office_code", _("No tax office of the National Tax Service serves this address; the business "
                                     "is registered at the competent tax office's counter."))
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="business registration")
    business = business_register(
        registration_number=business_number_issue(), name=name, representative_id=resident.id,
        representative_name=resident.name_ko, business_type=business_type, business_item=business_item,
        address=_road_address_text(address), legal_dong_code=address.get("legal_dong_code", ""),
        admin_dong_code=address.get("admin_dong_code", ""), started_on=started_on, tax_type=tax_type,
        tax_office_code=tax_office_code, cause=cause,
    )
    return records.business_record(business)


def _vehicle_of(plate: str) -> Any:
    vehicle = selectors.vehicle_by_plate(plate=plate)
    if vehicle is None:
        _refuse("plate_number", _("No vehicle is registered under the plate %(plate)s.") % {"plate": plate})
    return vehicle


def vehicle_register_new(
    *, owner_resident_id: uuid.UUID, vin: str, make: str, model: str, model_year: int, fuel: str,
    registered_on: date, cause_ref: str, by: str, legal_basis: str = "Motor Vehicle Management Act, Article 8",
) -> VehicleRecord:
    """An approved new registration (신규등록): the registry issues a plate and registers the vehicle to the owner."""
    from egov.registries.services.vehicles import vehicle_plate_issue, vehicle_register

    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="new registration")
    vehicle, _warnings = vehicle_register(
        plate_number=vehicle_plate_issue(), vin=vin, make=make, model=model, model_year=model_year, fuel=fuel,
        owner_resident_id=owner_resident_id, registered_on=registered_on, cause=cause,
    )
    return records.vehicle_records([vehicle])[0]


def vehicle_transfer_by_plate(
    *, plate: str, seller_number: str, buyer_resident_id: uuid.UUID, transferred_on: date, cause_ref: str, by: str,
    legal_basis: str = "Motor Vehicle Management Act, Article 12",
) -> VehicleRecord:
    """An approved transfer report (이전등록) by the buyer: the seller named by number must own the vehicle."""
    from egov.registries.services.vehicles import vehicle_transfer

    vehicle = _vehicle_of(plate)
    seller = selectors.resident_find_by_number(number=seller_number)
    if seller is None or vehicle.owner_resident_id != seller.id:
        _refuse("seller_number", _("The seller named is not the owner of the vehicle %(plate)s on the register.")
                % {"plate": plate})
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="ownership transfer")
    vehicle = vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=buyer_resident_id,
                               transferred_on=transferred_on, cause=cause)
    return records.vehicle_records([vehicle])[0]


def vehicle_deregister_by_plate(
    *, plate: str, owner_resident_id: uuid.UUID, reason: str, deregistered_on: date, cause_ref: str, by: str,
    legal_basis: str = "Motor Vehicle Management Act, Article 13",
) -> VehicleRecord:
    """An approved deregistration (말소등록) by the vehicle's owner."""
    from egov.registries.services.vehicles import vehicle_deregister

    vehicle = _vehicle_of(plate)
    if vehicle.owner_resident_id != owner_resident_id:
        _refuse("plate_number", _("Only the owner of the vehicle %(plate)s can deregister it.") % {"plate": plate})
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="deregistration")
    vehicle = vehicle_deregister(vehicle_id=vehicle.id, deregistered_on=deregistered_on, reason=reason, cause=cause)
    return records.vehicle_records([vehicle])[0]


def birth_report(
    *, parent_id: uuid.UUID, name_ko: str, born_on: date, sex: str, cause_ref: str, by: str,
    legal_basis: str = "Act on the Registration, etc. of Family Relationships, Article 44",
) -> ResidentRecord:
    """An approved birth report (출생신고) by a parent: the child enters the family and resident registers.

    The reporting parent's spouse on the birth date is the other parent; the child
    joins the reporting parent's household, and the registry issues the child's
    registration number.
    """
    from egov.registries.services.family import (
        birth_register,
        current_marriage,
        person_number_issue,
        spouse_id_in,
    )

    parent = selectors.resident_get(resident_id=parent_id)
    if parent is None or parent.household_id is None:
        _refuse("parent", _("The reporting parent is not on the resident register with a household."))
    if sex not in ("M", "F"):
        _refuse("sex", _("Choose the child's sex."))
    marriage = current_marriage(parent.id, born_on)
    other = spouse_id_in(marriage, parent.id) if marriage is not None else None
    father_id, mother_id = (parent.id, other) if parent.sex == "M" else (other, parent.id)
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="birth report")
    child = birth_register(
        identifier=person_number_issue(birth_date=born_on, sex=sex), identifier_issued_on=clock.today(),
        name_ko=name_ko, birth_date=born_on, sex=sex, father_id=father_id, mother_id=mother_id,
        household_id=parent.household_id, cause=cause,
    )
    # The reporting parent receives the child's number (the report's receipt carries it).
    return records.resident_record_of(child, full_number=True)


def death_report(
    *, deceased_number: str, reporter_id: uuid.UUID | None, died_on: date, cause_ref: str, by: str,
    legal_basis: str = "Act on the Registration, etc. of Family Relationships, Article 84",
) -> ResidentRecord:
    """An approved death report (사망신고): the resident named by number is deceased from ``died_on``."""
    from egov.registries.services.family import death_register

    deceased = selectors.resident_find_by_number(number=deceased_number)
    if deceased is None:
        _refuse("deceased_number", _("No resident has the registration number given for the deceased."))
    if reporter_id is not None and deceased.id == reporter_id:
        _refuse("deceased_number", _("The registration number given for the deceased is the reporter's own."))
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="death report")
    return records.resident_record_of(death_register(resident_id=deceased.id, died_on=died_on, cause=cause))


def marriage_report(
    *, spouse_id: uuid.UUID, other_spouse_number: str, married_on: date, cause_ref: str, by: str,
    legal_basis: str = "Civil Act, Article 812",
) -> FamilyRecord:
    """An approved marriage report (혼인신고): the applicant and the spouse named by number marry on ``married_on``."""
    from egov.registries.services.family import marriage_register

    other = selectors.resident_find_by_number(number=other_spouse_number)
    if other is None:
        _refuse("spouse_number", _("No resident has the registration number given for the spouse."))
    if other.id == spouse_id:
        _refuse("spouse_number", _("The registration number given for the spouse is your own."))
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="marriage report")
    marriage_register(spouse_a_id=spouse_id, spouse_b_id=other.id, married_on=married_on, cause=cause)
    resident = selectors.resident_get(resident_id=spouse_id)
    assert resident is not None
    return records.family_record_of(resident)


def _building_of(address: dict[str, str], owner_resident_id: uuid.UUID) -> Any:
    """The standing building at a road-name address in its legal dong, of which the resident owns a share."""
    from egov.registries.models import Building

    road, number = (address.get("road") or "").strip(), (address.get("building_number") or "").strip()
    legal = (address.get("legal_dong_code") or "").strip()
    found = [b for b in Building.objects.select_related("parcel").filter(
        parcel__legal_dong_code=legal, demolished_on__isnull=True, road_address__contains=f"{road} {number}")
        if b.road_address.endswith(f"{road} {number}") or f"{road} {number}," in b.road_address
        or f"{road} {number} " in b.road_address]
    if len(found) != 1:
        _refuse("building_address", _("No single standing building is on the register at %(address)s.")
                % {"address": _road_address_text(address)})
    building = found[0]
    if not building.owners.filter(owner_resident_id=owner_resident_id, ended_on__isnull=True).exists():
        _refuse("building_address", _("Only an owner of the building at %(address)s can report this.")
                % {"address": _road_address_text(address)})
    return building


def building_demolished(
    *, address: dict[str, str], owner_resident_id: uuid.UUID, demolished_on: date, cause_ref: str, by: str,
    legal_basis: str = "Building Management Act, Article 34",
) -> BuildingRecord:
    """An approved demolition report (멸실신고) by an owner: the building at ``address`` is demolished."""
    from egov.registries.services.property import building_demolish

    building = _building_of(address, owner_resident_id)
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="demolition report")
    return records.building_records([building_demolish(building_id=building.id, demolished_on=demolished_on,
                                                       cause=cause)])[0]


def building_use_changed(
    *, address: dict[str, str], owner_resident_id: uuid.UUID, main_use: str, changed_on: date, cause_ref: str,
    by: str, legal_basis: str = "Building Act, Article 19",
) -> BuildingRecord:
    """An approved change of use (용도변경) by an owner: the building's main use changes from ``changed_on``."""
    from egov.registries.services.property import building_change_use

    building = _building_of(address, owner_resident_id)
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis, reason="change of use")
    return records.building_records([building_change_use(building_id=building.id, main_use=main_use,
                                                         changed_on=changed_on, cause=cause)])[0]


def parcel_category_changed(
    *, pnu: str, owner_resident_id: uuid.UUID, category: str, changed_on: date, reason: str, cause_ref: str, by: str,
    legal_basis: str = "Act on the Establishment, Management, etc. of Spatial Data, Article 81",
) -> ParcelRecord:
    """An approved land category change (지목변경) by an owner of the parcel."""
    from egov.registries.services.property import parcel_change_category

    parcel = selectors.parcel_by_pnu(pnu=pnu)
    if parcel is None:
        _refuse("pnu", _("No parcel is registered under the number %(pnu)s.") % {"pnu": pnu})
    if not parcel.owners.filter(owner_resident_id=owner_resident_id, ended_on__isnull=True).exists():
        _refuse("pnu", _("Only an owner of the parcel %(pnu)s can apply for this.") % {"pnu": pnu})
    cause = _application_cause(cause_ref=cause_ref, by=by, legal_basis=legal_basis,
                               reason=f"land category change: {reason}" if reason else "land category change")
    changed = parcel_change_category(parcel_id=parcel.id, category=category, changed_on=changed_on, cause=cause)
    return records.parcel_records([changed])[0]


# --- what a case changed, as of a date --------------------------------------------------------


@dataclass(frozen=True)
class ChangedRecord:
    """One registry record an application changed, as it stood at the end of a date.

    ``existed`` is False when the record did not exist yet that day (a vehicle
    registered, a child born, a marriage entered later); ``values`` are then empty.
    ``values`` holds the fields the case's events changed, as they stood that day
    (encrypted fields are left out). ``kinds`` are the kinds of the case's events.
    """

    registry: str
    entity_type: str
    entity_id: uuid.UUID
    kinds: tuple[str, ...]
    effective_on: date
    cause_ref: str
    existed: bool
    values: dict[str, Any]


# The events that bring a record into being: before their date the record did not exist.
_CREATING_KINDS = frozenset({
    "resident.registered", "family.birth", "family.marriage", "family.adoption", "vehicle.registered",
    "business.registered", "parcel.registered", "building.registered",
})


@transaction.atomic
def case_changes_as_of(
    *, cause_ref: str, on: date, reader: Reader, purpose: str, basis: str, consent: str = "",
) -> tuple[ChangedRecord, ...]:
    """The records whose events name ``cause_ref`` (a case), each as of the end of ``on``.

    For the official deciding the case and for checking an effect: one audit entry
    per resident whose record is among them or who is named as an owner or a
    representative, as the lookups of things do.
    """
    from django.apps import apps

    from egov.registries.history import _SECRET_FIELDS, state_as_of
    from egov.registries.models import RegistryEvent

    purpose, basis, consent = _checked(purpose, basis, consent)
    events = list(RegistryEvent.objects.filter(cause_ref=cause_ref).order_by("recorded_at"))
    grouped: dict[uuid.UUID, list[Any]] = {}
    for event in events:
        grouped.setdefault(event.entity_id, []).append(event)
    changed: list[ChangedRecord] = []
    persons: list[uuid.UUID | None] = []
    for entity_id, own in grouped.items():
        first = own[0]
        model = apps.get_model("registries", first.entity_type)
        entity = model._default_manager.get(pk=entity_id)
        created_later = RegistryEvent.objects.filter(entity_id=entity_id, kind__in=_CREATING_KINDS,
                                                     effective_on__gt=on).exists()
        values: dict[str, Any] = {}
        if not created_later:
            secret = {f.attname for f in model._meta.concrete_fields if isinstance(f, _SECRET_FIELDS)}
            state = state_as_of(entity, on)
            names = {name for event in own for name in event.after}
            values = {name: state[name] for name in sorted(names) if name in state and name not in secret}
        if first.entity_type == "resident":
            persons.append(entity_id)
        for column in ("owner_resident_id", "representative_id", "spouse_a_id", "spouse_b_id"):
            persons.append(getattr(entity, column, None))
        changed.append(ChangedRecord(
            registry=first.registry, entity_type=first.entity_type, entity_id=entity_id,
            kinds=tuple(e.kind for e in own), effective_on=min(e.effective_on for e in own), cause_ref=cause_ref,
            existed=not created_later, values=values,
        ))
    _log_for_owners(person_ids=persons, reader=reader, purpose=purpose, basis=basis, consent=consent,
                    object_ref=f"registries:case_changes:{cause_ref}")
    return tuple(changed)


# --- proactive notices (notifications, issue 7) ------------------------------------------------


@dataclass(frozen=True)
class NoticeFacts:
    """What the proactive notices look at about one resident: their vehicles' inspection due dates, their children."""

    vehicles: tuple[tuple[str, date | None], ...]  # (plate number, inspection due on)
    children: tuple[tuple[uuid.UUID, str, date], ...]  # (resident id, name, birth date), living children only


@transaction.atomic
def notice_facts(
    *, resident_id: uuid.UUID, reader: Reader, purpose: str, basis: str, consent: str = "",
) -> NoticeFacts | None:
    """The facts a subscribed resident's proactive notices need, in one read and one audit entry.

    Called through ``exchange.public.notice_facts`` only (rule 2); the entry names the
    resident, so the person sees the daily look on "Who viewed my data".
    """
    purpose, basis, consent = _checked(purpose, basis, consent)
    resident = selectors.resident_get(resident_id=resident_id)
    if resident is None:
        return None
    vehicles = tuple((v.plate_number, v.inspection_due_on) for v in records.vehicles_of(resident_id))
    family = records.family_record_of(resident)
    children = tuple((c.person.id, c.person.name_ko, c.person.birth_date) for c in family.children
                     if c.person.died_on is None)
    _log_read(reader=reader, subject_id=resident.id, purpose=purpose, basis=basis, consent=consent,
              object_ref="registries:notice_facts")
    return NoticeFacts(vehicles=vehicles, children=children)


__all__ += ["NoticeFacts", "notice_facts"]


# --- the local tax register's yearly data (finance, through exchange.public.tax_bases) ------------
# In a module of its own (egov/registries/tax_bases.py); one entry per person it names.
from egov.registries.tax_bases import TaxBase, tax_bases  # noqa: E402

__all__ += ["TaxBase", "tax_bases"]


# --- programme KPIs (metrics, issue 8) ----------------------------------------------------------


def residents_living_count(*, on: date) -> int:
    """How many residents were alive and registered on ``on``: a number about nobody, so no read is logged.

    The denominator of the programme's usage rate (share of residents who used a service).
    """
    from django.db.models import Q

    from egov.registries.models import Resident

    return Resident.objects.filter(Q(died_on__isnull=True) | Q(died_on__gt=on), birth_date__lte=on,
                                   registered_on__lte=on).count()


__all__ += ["residents_living_count"]


def resident_ids_for_simulation(*, on: date, limit: int) -> list[uuid.UUID]:
    """The ids (nothing else) of up to ``limit`` residents living on ``on``, in a stable order; refuses in production.

    ``egov simulate`` gives each generated person an account and life events: it needs
    who exists, not what the register says of them (their records are read through
    the gate, logged, when their applications need them).
    """
    from django.conf import settings
    from django.db.models import Q

    from egov.registries.models import Resident

    if settings.PRODUCTION:
        raise PermissionDenied(_("A simulation never runs in production."))
    rows = (Resident.objects.filter(Q(died_on__isnull=True) | Q(died_on__gt=on), birth_date__lte=on,
                                    registered_on__lte=on)
            .order_by("identifier_index").values_list("id", flat=True)[:limit])
    return list(rows)


__all__ += ["resident_ids_for_simulation"]


# --- the public land and building registers, read by parcel or building (issue 6) ---------------
#
# The land register (토지대장) and the building register (건축물대장) are public: anyone may
# have an extract of any parcel or building. They still name their owners, so each read
# writes one entry per natural person who owns a share (as ``parcel_by_pnu`` does); the
# owners' registration numbers come masked, as the extracts print them. A read that needs
# no owner (the official land price, the land use plan) names nobody and writes no entry.


@dataclass(frozen=True)
class RegisterOwner:
    """An owner as a register extract prints it: the name, a masked number, the share and since when."""

    kind: str  # "person", "business" or "body" (the state, a city: a name only)
    name: str
    number_masked: str  # a person's number masked, a business's registration number, "" for a body
    share: str  # "1/2"
    acquired_on: date


@dataclass(frozen=True)
class LandPriceEntry:
    year: int
    price_per_m2: int  # won per m²


@dataclass(frozen=True)
class ParcelRegister:
    """What the land register states of one parcel (the 토지대장 and the facts the other parcel documents print)."""

    pnu: str
    lot: str  # 12-3, 산 45
    place: str  # the legal dong's full name
    legal_dong_code: str
    category: str  # 지목, one character
    category_label: str
    area_m2: Decimal
    registered_on: date
    closed_on: date | None
    owners: tuple[RegisterOwner, ...]
    prices: tuple[LandPriceEntry, ...]  # newest first
    building_addresses: tuple[str, ...]  # the road addresses of the standing buildings on it


@dataclass(frozen=True)
class BuildingRegister:
    """What the building register states of one standing building (the 건축물대장's title part)."""

    pnu: str  # the parcel it stands on
    lot: str
    place: str
    name: str
    road_address: str
    main_use: str
    main_use_label: str
    floors_above: int
    floors_below: int
    floor_area_m2: Decimal
    approved_on: date
    owners: tuple[RegisterOwner, ...]


def _register_owners(rows: Iterable[Any]) -> tuple[RegisterOwner, ...]:
    from egov.core.crypto import mask_rrn
    from egov.registries.identifiers import format_business_number

    owners = []
    for row in rows:
        if row.owner_resident is not None:
            kind, name, number = "person", row.owner_resident.name_ko, mask_rrn(row.owner_resident.identifier or "")
        elif row.owner_business is not None:
            kind, name = "business", row.owner_business.name
            number = format_business_number(row.owner_business.registration_number)
        else:
            kind, name, number = "body", row.owner_name, ""
        owners.append(RegisterOwner(kind=kind, name=name, number_masked=number,
                                    share=f"{row.share_numerator}/{row.share_denominator}", acquired_on=row.acquired_on))
    return tuple(owners)


def parcel_number_checked(number: str) -> str:
    """A parcel number (PNU) given in a form, as its 19 digits; reads nothing.

    Only its shape is checked (19 digits, the land or mountain digit, a main number):
    whether the parcel exists is the register's answer when the number is used. Raises
    ``ValidationError`` with the translated reason.
    """
    from egov.registries.identifiers import IdentifierError, check_pnu

    try:
        return check_pnu(number)
    except IdentifierError as error:
        raise ValidationError(str(error)) from None


def _pnu_digits(pnu: str) -> str:
    return "".join(ch for ch in str(pnu or "") if ch.isdigit())


@transaction.atomic
def parcel_register_extract(
    *, pnu: str, reader: Reader, purpose: str, basis: str, consent: str = "", with_owners: bool = True,
) -> ParcelRegister | None:
    """The land register's record of the parcel ``pnu`` (dashes and spaces ignored), or None when there is none.

    With ``with_owners`` the current owners are read too, and each natural person among
    them is the subject of one entry; without, no owner is read and no entry written.
    """
    from egov.registries.identifiers import format_pnu_lot
    from egov.registries.models import Building, LandCategory

    purpose, basis, consent = _checked(purpose, basis, consent)
    parcel = selectors.parcel_by_pnu(pnu=_pnu_digits(pnu))
    if parcel is None:
        return None
    rows = selectors.parcel_owners(parcel_ids=[parcel.id]) if with_owners else []
    dong = _legal_dong_name(parcel.legal_dong_code)
    record = ParcelRegister(
        pnu=parcel.pnu, lot=format_pnu_lot(parcel.pnu), place=dong, legal_dong_code=parcel.legal_dong_code,
        category=parcel.category, category_label=str(LandCategory(parcel.category).label)
        if parcel.category in LandCategory.values else parcel.category,
        area_m2=parcel.area_m2, registered_on=parcel.registered_on, closed_on=parcel.closed_on,
        owners=_register_owners(rows),
        prices=tuple(LandPriceEntry(year=y, price_per_m2=p) for y, p in selectors.parcel_prices(parcel_id=parcel.id)),
        building_addresses=tuple(Building.objects.filter(parcel_id=parcel.id, demolished_on__isnull=True)
                                 .order_by("road_address").values_list("road_address", flat=True)),
    )
    _log_for_owners(person_ids=[row.owner_resident_id for row in rows], reader=reader, purpose=purpose, basis=basis,
                    consent=consent, object_ref=f"registries:parcel:{parcel.pnu}")
    return record


def _legal_dong_name(code: str) -> str:
    from egov.accounts import public as accounts

    info = accounts.legal_dong(code=code)
    return info.full_name if info else ""


def _standing_building(key: str) -> Any:
    """The one standing building a key names: a PNU (the only one on that parcel) or its road address; else None."""
    from egov.registries.models import Building

    standing = Building.objects.select_related("parcel").filter(demolished_on__isnull=True)
    digits = _pnu_digits(key)
    if len(digits) == 19 and digits == "".join(str(key).split()).replace("-", ""):
        found = list(standing.filter(parcel__pnu=digits)[:2])
    else:
        words = " ".join(str(key or "").split())
        if not words:
            return None
        found = [b for b in standing.filter(road_address__endswith=words.split(" ")[-1])
                 if " ".join(b.road_address.split()) == words][:2]
    return found[0] if len(found) == 1 else None


@transaction.atomic
def building_register_extract(
    *, key: str, reader: Reader, purpose: str, basis: str, consent: str = "",
) -> BuildingRegister | None:
    """The building register's record of the standing building ``key`` names, or None when it names none or several.

    ``key`` is the building's road-name address as the register writes it
    ("서울특별시 종로구 자하문로 10"; spaces forgiven) or the PNU of the parcel it stands on,
    when that parcel carries one standing building. Each natural person among the owners
    is the subject of one entry.
    """
    from egov.registries.identifiers import format_pnu_lot
    from egov.registries.models import BuildingUse

    purpose, basis, consent = _checked(purpose, basis, consent)
    building = _standing_building(key)
    if building is None:
        return None
    rows = selectors.building_owners(building_ids=[building.id])
    record = BuildingRegister(
        pnu=building.parcel.pnu, lot=format_pnu_lot(building.parcel.pnu),
        place=_legal_dong_name(building.parcel.legal_dong_code), name=building.name,
        road_address=building.road_address, main_use=building.main_use,
        main_use_label=str(BuildingUse(building.main_use).label) if building.main_use in BuildingUse.values
        else building.main_use,
        floors_above=building.floors_above, floors_below=building.floors_below, floor_area_m2=building.floor_area_m2,
        approved_on=building.approved_on, owners=_register_owners(rows),
    )
    _log_for_owners(person_ids=[row.owner_resident_id for row in rows], reader=reader, purpose=purpose, basis=basis,
                    consent=consent, object_ref=f"registries:building:{building.id}")
    return record


__all__ += ["BuildingRegister", "LandPriceEntry", "ParcelRegister", "RegisterOwner", "building_register_extract",
            "parcel_number_checked", "parcel_register_extract"]
