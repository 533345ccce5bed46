"""Resident registration (주민등록): residents, their numbers, corrections and status.

Every service checks everything it is given before it writes anything, and raises one
:class:`~egov.core.errors.ValidationError` listing every problem by field, so a form
can show them all at once and nothing is ever half-written. Each change is applied
through :func:`egov.registries.history.record_change` (or, for a new record,
:func:`~egov.registries.history.record_event`), which keeps the values before and
after with the cause, so the register can be read "as of" any past date.

Households, move-in reports and the address history live in
:mod:`egov.registries.services.households`; their services are importable from here
too, where the callers have always found them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.crypto import blind_index
from egov.core.events import publish
from egov.registries import history, rules
from egov.registries.history import Cause
from egov.registries.identifiers import (
    IdentifierError,
    PersonNumber,
    check_person_number,
    parse_person_number,
)
from egov.registries.models import (
    Household,
    HouseholdRelation,
    IdentifierType,
    Registry,
    Resident,
    ResidentStatus,
    Sex,
)
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND
from egov.registries.services.checks import (
    Problems,
    check_date,
    check_email,
    check_nationality,
    check_phone,
    check_text,
    get_or_none,
    require,
    with_reason,
)
from egov.registries.services.households import (
    ADDRESS_FIELDS,
    AddressPeriod,
    household_create,
    resident_address_history,
    resident_move,
)

__all__ = [
    "ADDRESS_FIELDS",
    "AddressPeriod",
    "household_create",
    "resident_address_history",
    "resident_change_number",
    "resident_correct",
    "resident_move",
    "resident_register",
    "resident_set_status",
]

# What resident_correct may change: facts an official corrects on a citizen's
# request or on evidence. The name, the number, the status, the parents and the
# address each have their own service, because each is an event of its own.
CORRECTABLE_FIELDS = ("name_en", "phone", "email", "registration_base", "nationality")


def person_index(number: str) -> str:
    return blind_index(number, kind=IDENTIFIER_INDEX_KIND)


def number_taken(number: str) -> bool:
    return Resident.objects.filter(identifier_index=person_index(number)).exists()


def check_number(problems: Problems, field: str, value: Any, *, issued_on: date, birth_date: date, sex: str,
                 verify: bool) -> PersonNumber | None:
    """A registration number, or None with the reason it is not one added.

    With ``verify`` (the dates and sex given are good), the number must also agree with
    the birth date and sex, and with its check digit if issued before October 2020.
    """
    try:
        number = parse_person_number(value if isinstance(value, str) else "")
        if verify:
            number = check_person_number(number.digits, issued_on=issued_on, birth_date=birth_date, sex=sex)
    except IdentifierError as error:
        problems.add(field, str(error))
        return None
    return number



# ---------------------------------------------------------------- registration


@dataclass
class RegistrationPlan:
    """A checked registration, ready to write."""

    number: PersonNumber
    identifier_issued_on: date
    name_ko: str
    name_en: str
    birth_date: date
    sex: str
    nationality: str
    household: Household
    household_relation: str
    moved_in_on: date
    registration_base: str
    father: Resident | None
    mother: Resident | None
    phone: str
    email: str


def check_registration(
    problems: Problems,
    *,
    identifier: str,
    identifier_issued_on: Any,
    name_ko: str,
    name_en: str,
    birth_date: Any,
    sex: str,
    nationality: str,
    household_id: Any,
    household_relation: str | None,
    moved_in_on: Any,
    registration_base: str,
    father_id: Any,
    mother_id: Any,
    phone: str,
    email: str,
    foreign_allowed: bool = True,
) -> RegistrationPlan | None:
    """Every check of a new resident; adds problems and returns the plan when there are none.

    ``household_relation`` None means "work it out" (the birth register does).
    """
    name_ko = check_text(problems, "name_ko", name_ko, max_length=60, required=True)
    name_en = check_text(problems, "name_en", name_en, max_length=120, required=False)
    registration_base = check_text(problems, "registration_base", registration_base, max_length=120, required=False)
    check_nationality(problems, "nationality", nationality)
    check_phone(problems, "phone", phone or "")
    check_email(problems, "email", email or "")
    if sex not in Sex.values:
        problems.add("sex", _("Choose male (M) or female (F)."))
    birth_ok = check_date(problems, "birth_date", birth_date) is not None
    issued_ok = check_date(problems, "identifier_issued_on", identifier_issued_on) is not None

    number = check_number(problems, "identifier", identifier, issued_on=identifier_issued_on, birth_date=birth_date,
                          sex=sex, verify=birth_ok and issued_ok and sex in Sex.values)
    if number is not None:
        if number.foreign and not foreign_allowed:
            problems.add("identifier", _("A child registered by a birth report receives a resident registration number."))
        elif number.foreign and nationality == "KOR":
            problems.add("nationality", _("A person with a foreign registration number has a nationality other than KOR."))
        if number_taken(number.digits):
            problems.add("identifier", _("A resident with this registration number is already registered."))

    household = get_or_none(Household, household_id, for_update=True)
    if household is None:
        problems.add("household_id", _("There is no such household."))
    if household_relation is not None and household_relation not in HouseholdRelation.values:
        problems.add("household_relation", _("Choose a relation to the head of household from the list."))
    elif household is not None and household_relation is not None:
        if household_relation == HouseholdRelation.HEAD and household.head_id is not None:
            problems.add("household_relation", _("This household already has a head; give the relation to that head."))
        if household_relation != HouseholdRelation.HEAD and household.head_id is None:
            problems.add("household_relation", _("This household has no head yet: register its head first."))
    # Without a good date of birth, the move-in date (the birth date, for a birth report) is not checked.
    moved_in = check_date(problems, "moved_in_on", moved_in_on, not_before=birth_date,
                          not_before_message=_("A person cannot move in before their date of birth.")) if birth_ok else None
    if moved_in is not None and household is not None and moved_in < household.established_on:
        problems.add("moved_in_on", _("The household was established later, on %(date)s.")
                     % {"date": household.established_on.isoformat()})

    father = _check_parent(problems, "father_id", father_id, sex=Sex.MALE, child_birth=birth_date if birth_ok else None)
    mother = _check_parent(problems, "mother_id", mother_id, sex=Sex.FEMALE, child_birth=birth_date if birth_ok else None)
    if problems or number is None or household is None:
        return None
    return RegistrationPlan(
        number=number, identifier_issued_on=identifier_issued_on, name_ko=name_ko, name_en=name_en,
        birth_date=birth_date, sex=sex, nationality=nationality, household=household,
        household_relation=household_relation or "", moved_in_on=moved_in_on,
        registration_base=registration_base, father=father, mother=mother, phone=phone or "",
        email=email or "",
    )


def _check_parent(problems: Problems, field: str, parent_id: Any, *, sex: str, child_birth: date | None) -> Resident | None:
    if parent_id is None or parent_id == "":
        return None
    parent = get_or_none(Resident, parent_id)
    if parent is None:
        problems.add(field, _("There is no such resident."))
        return None
    if parent.sex != sex:
        problems.add(field, _("The father is a man on the register.") if sex == Sex.MALE
                     else _("The mother is a woman on the register."))
        return None
    if child_birth is not None:
        try:
            rules.check_parent(parent_birth_date=parent.birth_date, child_birth_date=child_birth,
                               parent_died_on=parent.died_on, father=sex == Sex.MALE)
        except rules.RuleError as error:
            problems.add(field, str(error))
            return None
    return parent


def write_registration(plan: RegistrationPlan, *, registered_on: date, cause: Cause, registry: str = Registry.RESIDENTS,
                       kind: str = "resident.registered") -> Resident:
    resident = Resident.objects.create(
        identifier_type=IdentifierType.FRN if plan.number.foreign else IdentifierType.RRN,
        identifier=plan.number.digits,
        identifier_index=person_index(plan.number.digits),
        identifier_issued_on=plan.identifier_issued_on,
        name_ko=plan.name_ko, name_en=plan.name_en, birth_date=plan.birth_date, sex=plan.sex,
        nationality=plan.nationality, household=plan.household, household_relation=plan.household_relation,
        moved_in_on=plan.moved_in_on, registration_base=plan.registration_base, father=plan.father,
        mother=plan.mother, phone=plan.phone, email=plan.email, registered_on=registered_on,
    )
    # The number, phone and e-mail stay out of the log: they are encrypted on the record.
    history.record_event(
        registry=registry, kind=kind, entity=resident, effective_on=registered_on, cause=cause,
        after={
            "identifier_type": resident.identifier_type, "name_ko": resident.name_ko, "name_en": resident.name_en,
            "birth_date": resident.birth_date, "sex": resident.sex, "nationality": resident.nationality,
            "household_id": resident.household_id, "household_relation": resident.household_relation,
            "moved_in_on": resident.moved_in_on, "registration_base": resident.registration_base,
            "father_id": resident.father_id, "mother_id": resident.mother_id,
        },
    )
    if plan.household_relation == HouseholdRelation.HEAD:
        history.record_change(
            registry=Registry.RESIDENTS, kind="household.head_changed", entity=plan.household,
            changes={"head_id": resident.id}, effective_on=plan.moved_in_on, cause=cause,
        )
    return resident


@transaction.atomic
def resident_register(
    *,
    identifier: str,
    identifier_issued_on: date,
    name_ko: str,
    name_en: str = "",
    birth_date: date,
    sex: str,
    nationality: str = "KOR",
    household_id: uuid.UUID,
    household_relation: str,
    moved_in_on: date,
    registration_base: str = "",
    father_id: uuid.UUID | None = None,
    mother_id: uuid.UUID | None = None,
    phone: str = "",
    email: str = "",
    cause: Cause,
) -> Resident:
    """Register a resident (a Korean national by RRN or a registered foreigner by FRN) in a household.

    The identifier type follows the seventh digit; the number must agree with the
    birth date and sex, and its check digit is verified if it was issued before
    October 2020. Joining a household without a head as its head makes the resident
    that head; a household has one head only.
    """
    problems = Problems()
    plan = check_registration(
        problems, identifier=identifier, identifier_issued_on=identifier_issued_on, name_ko=name_ko,
        name_en=name_en, birth_date=birth_date, sex=sex, nationality=nationality, household_id=household_id,
        household_relation=household_relation, moved_in_on=moved_in_on, registration_base=registration_base,
        father_id=father_id, mother_id=mother_id, phone=phone, email=email,
    )
    problems.raise_if_any(_("The registration of the resident %(name)s") % {"name": name_ko or "?"})
    assert plan is not None
    return write_registration(plan, registered_on=moved_in_on, cause=cause)


# ---------------------------------------------------------------- number, corrections, status


@transaction.atomic
def resident_change_number(*, resident_id: uuid.UUID, new_identifier: str, issued_on: date, cause: Cause) -> Resident:
    """A new registration number (e.g. after identity theft, or a foreigner's naturalisation).

    The new number must agree with the birth date and sex on the record. The blind
    index moves to the new number, so lookups find the person by it only; the event
    keeps the old number, encrypted.
    """
    resident = require(Resident, resident_id, record=_("The change of registration number"), field="resident_id")
    problems = Problems()
    check_date(problems, "issued_on", issued_on, not_before=resident.identifier_issued_on,
               not_before_message=_("The new number cannot be issued before the current one (%(date)s)."))
    number = check_number(problems, "new_identifier", new_identifier, issued_on=issued_on,
                          birth_date=resident.birth_date, sex=resident.sex, verify=not problems.has("issued_on"))
    if number is not None:
        if number.digits == resident.identifier:
            problems.add("new_identifier", _("This is the resident's current number."))
        elif number_taken(number.digits):
            problems.add("new_identifier", _("A resident with this registration number is already registered."))
        if number.foreign and resident.nationality == "KOR":
            problems.add("new_identifier", _("A person of Korean nationality receives a resident registration number, not a foreign one."))
    problems.raise_if_any(_("The change of registration number of %(name)s") % {"name": resident.name_ko})
    assert number is not None
    history.record_change(
        registry=Registry.RESIDENTS, kind="resident.number_changed", entity=resident,
        changes={
            "identifier": number.digits, "identifier_index": person_index(number.digits),
            "identifier_type": IdentifierType.FRN if number.foreign else IdentifierType.RRN,
            "identifier_issued_on": issued_on,
        },
        effective_on=issued_on, cause=cause,
    )
    publish("registries.resident_changed", resident_ids=[str(resident.pk)], change="number_changed",
            fields=["identifier"])
    return resident


@transaction.atomic
def resident_correct(*, resident_id: uuid.UUID, changes: dict[str, object], reason: str, cause: Cause) -> Resident:
    """Correct the romanised name, phone, e-mail, registration base or nationality, with a reason.

    Anything else has its own service (a new name is a name change, a new number a
    change of number, a new address a move-in report) and is refused here.
    """
    resident = require(Resident, resident_id, record=_("The correction"), field="resident_id")
    problems = Problems()
    if not isinstance(reason, str) or not reason.strip():
        problems.add("reason", _("Say why the record is corrected."))
    if not changes:
        problems.add("changes", _("Nothing to correct was given."))
    cleaned: dict[str, Any] = {}
    for field, value in (changes or {}).items():
        if field not in CORRECTABLE_FIELDS:
            problems.add(field, _("This cannot be corrected here; it is changed by its own report."))
            continue
        if field == "name_en":
            check_text(problems, field, value, max_length=120, required=False)
        elif field == "registration_base":
            check_text(problems, field, value, max_length=120, required=True)
        elif field == "phone":
            check_text(problems, field, value, max_length=20, required=False)
            if isinstance(value, str):
                check_phone(problems, field, value)
        elif field == "email":
            check_text(problems, field, value, max_length=254, required=False)
            if isinstance(value, str):
                check_email(problems, field, value)
        elif field == "nationality":
            check_nationality(problems, field, value)
            if value == "KOR" and resident.identifier_type == IdentifierType.FRN:
                problems.add(field, _("A person with a foreign registration number has a nationality other than KOR; a naturalised person first receives a resident registration number."))
        if not problems.has(field):
            new = value.strip() if isinstance(value, str) else value
            if new == getattr(resident, field):
                problems.add(field, _("This is already the value on the record."))
            else:
                cleaned[field] = new
    problems.raise_if_any(_("The correction of the record of %(name)s") % {"name": resident.name_ko})
    history.record_change(
        registry=Registry.RESIDENTS, kind="resident.corrected", entity=resident, changes=cleaned,
        effective_on=clock.today(), cause=with_reason(cause, reason.strip()),
    )
    publish("registries.resident_changed", resident_ids=[str(resident.pk)], change="corrected",
            fields=sorted(cleaned))
    return resident


SETTABLE_STATUSES = (ResidentStatus.LIVING, ResidentStatus.EMIGRATED, ResidentStatus.MISSING)


@transaction.atomic
def resident_set_status(*, resident_id: uuid.UUID, status: str, effective_on: date, cause: Cause) -> Resident:
    """Emigrated (국외이주), missing (실종) or living again; a death is registered by ``death_register``.

    The household membership stays as it is: an emigrant's record keeps its last
    address, which the register shows with the status.
    """
    resident = require(Resident, resident_id, record=_("The change of status"), field="resident_id")
    problems = Problems()
    if status == ResidentStatus.DECEASED:
        problems.add("status", _("A death is registered with a death report, which also ends a marriage."))
    elif status not in SETTABLE_STATUSES:
        problems.add("status", _("Choose living, emigrated or missing."))
    elif resident.status == ResidentStatus.DECEASED:
        problems.add("status", _("The resident is registered as deceased."))
    elif status == resident.status:
        problems.add("status", _("This is already the resident's status."))
    check_date(problems, "effective_on", effective_on, not_before=resident.birth_date,
               not_before_message=_("The date is before the resident's date of birth."))
    problems.raise_if_any(_("The change of status of %(name)s") % {"name": resident.name_ko})
    history.record_change(registry=Registry.RESIDENTS, kind="resident.status_changed", entity=resident,
                          changes={"status": status}, effective_on=effective_on, cause=cause)
    return resident
