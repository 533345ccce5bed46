"""Business registration (사업자등록): registration by a tax office, status changes and corrections.

The tax office must be one of the National Tax Service's field offices in the country
pack (``cen-nts-…``). The representative, when on the resident register, must be
living and of age (19, Civil Act art. 4) on the opening date; a minor may carry on a
business only with the permission of their legal representative (Civil Act art. 8),
so a minor is accepted only when the reference of that permission is given, and the
reference is kept in the registration event.

A business is active, suspended (휴업) or closed (폐업). Closing is final: a business
that opens again after closing registers anew, as the National Tax Service has it.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from egov.accounts import public as accounts
from egov.core import clock
from egov.registries import history
from egov.registries.history import Cause
from egov.registries.identifiers import business_check_digit, check_business_number, format_business_number
from egov.registries.models import (
    Business,
    BusinessStatus,
    Resident,
    ResidentStatus,
    TaxType,
    Vehicle,
)
from egov.registries.rules import age_on
from egov.registries.services.checks import (
    Problems,
    check_date,
    check_identifier,
    check_text,
    get_or_none,
    get_or_not_found,
    last_event_on,
    parse_id,
    with_reason,
)
from egov.registries.services.vehicles import follow_owner_address

REGISTRY = "businesses"
# The country pack's codes of the National Tax Service's offices (country/kr/organisations.yaml).
TAX_OFFICE_PREFIX = "cen-nts-"
TAX_OFFICE_KIND = "field_office"
# Civil Act art. 4: majority at 19 (completed years).
AGE_OF_MAJORITY = 19
UPDATABLE_FIELDS = ("name", "address", "legal_dong_code", "admin_dong_code", "business_type", "business_item",
                    "tax_type")
_STATUS_EVENT = {
    BusinessStatus.ACTIVE: "business.resumed",
    BusinessStatus.SUSPENDED: "business.suspended",
    BusinessStatus.CLOSED: "business.closed",
}


def _business_label(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    shown = format_business_number(digits) if len(digits) == 10 else number
    return _("Business %(number)s") % {"number": shown}


def _business_for_update(business_id: uuid.UUID) -> Business:
    return get_or_not_found(Business, business_id, message=_("There is no business with this id."), for_update=True)


def _check_after_last_change(problems: Problems, value: Any, business: Business) -> date | None:
    """The effective date of a change to the business: not before the latest date in its history."""
    return check_date(problems, "effective_on", value, not_before=last_event_on(business.id, since=business.started_on),
                      not_before_message=_("The date cannot be before the business's last recorded change (%(date)s)."))


def _check_place(problems: Problems, *, legal_dong_code: Any, admin_dong_code: Any, on: date | None) -> None:
    """The legal dong must be known (and in force); an administrative dong, if given, must serve it."""
    if not isinstance(legal_dong_code, str) or not legal_dong_code:
        problems.add("legal_dong_code", _("Give the legal-dong code of the address."))
        return
    dong = accounts.legal_dong(code=legal_dong_code)
    if dong is None:
        problems.add("legal_dong_code", _("The legal-dong code %(code)s is not known.") % {"code": legal_dong_code})
        return
    if dong.valid_to is not None and on is not None and dong.valid_to < on:
        problems.add("legal_dong_code", _("The legal dong %(name)s was abolished on %(date)s.") % {
            "name": dong.full_name, "date": dong.valid_to.isoformat()})
    if admin_dong_code:
        if not isinstance(admin_dong_code, str) or accounts.admin_dong(code=admin_dong_code) is None:
            problems.add("admin_dong_code", _("The administrative-dong code %(code)s is not known.")
                         % {"code": admin_dong_code})
        elif dong.admin_dong_codes and admin_dong_code not in dong.admin_dong_codes:
            problems.add("admin_dong_code", _("The administrative dong %(code)s does not serve %(name)s.")
                         % {"code": admin_dong_code, "name": dong.full_name})


@transaction.atomic
def business_register(
    *,
    registration_number: str,
    name: str,
    representative_id: uuid.UUID | None = None,
    representative_name: str,
    business_type: str,
    business_item: str = "",
    address: str,
    legal_dong_code: str,
    admin_dong_code: str = "",
    started_on: date,
    tax_type: str,
    tax_office_code: str,
    guardian_permission_ref: str = "",
    cause: Cause,
) -> Business:
    """Register a business under its 10-digit number, by one of the National Tax Service's tax offices."""
    problems = Problems()
    number = check_identifier(problems, "registration_number", registration_number, check_business_number)
    if number and Business.objects.filter(registration_number=number).exists():
        problems.add("registration_number", _("A business with this registration number is already registered."))
    name_text = check_text(problems, "name", name, max_length=120)
    representative_text = check_text(problems, "representative_name", representative_name, max_length=60)
    type_text = check_text(problems, "business_type", business_type, max_length=60)
    item_text = check_text(problems, "business_item", business_item, max_length=80, required=False)
    address_text = check_text(problems, "address", address, max_length=200)
    started = check_date(problems, "started_on", started_on)
    _check_place(problems, legal_dong_code=legal_dong_code, admin_dong_code=admin_dong_code, on=started)
    if tax_type not in TaxType.values:
        problems.add("tax_type", _("Choose one of the tax types: %(choices)s.") % {"choices": ", ".join(TaxType.values)})
    office = accounts.organisation(code=tax_office_code) if isinstance(tax_office_code, str) and tax_office_code \
        else None
    if office is None or not office.code.startswith(TAX_OFFICE_PREFIX) or office.kind != TAX_OFFICE_KIND:
        problems.add("tax_office_code", _("%(code)s is not a tax office of the National Tax Service.")
                     % {"code": tax_office_code or "—"})
    elif office.valid_to is not None and started is not None and office.valid_to < started:
        problems.add("tax_office_code", _("The tax office %(name)s closed on %(date)s.") % {
            "name": office.name, "date": office.valid_to.isoformat()})
    permission = (guardian_permission_ref or "").strip()
    if representative_id is not None:
        representative_id = parse_id(representative_id)
        resident = get_or_none(Resident, representative_id)
        if resident is None:
            problems.add("representative_id", _("There is no such resident."))
        else:
            if resident.status != ResidentStatus.LIVING:
                problems.add("representative_id", _("The representative %(name)s is not a living resident "
                                                    "(status: %(status)s).") % {
                    "name": resident.name_ko, "status": resident.get_status_display()})
            if started is not None:
                age = age_on(resident.birth_date, started)
                if age < 0:
                    problems.add("representative_id", _("The representative was not yet born on the opening date."))
                elif age < AGE_OF_MAJORITY and not permission:
                    problems.add("representative_id", _(
                        "The representative is %(age)d years old on the opening date; a minor may carry on a "
                        "business only with the permission of their legal representative (Civil Act art. 8): "
                        "give the reference of that permission.") % {"age": age})
    problems.raise_if_any(_business_label(number or str(registration_number)))

    business = Business.objects.create(
        registration_number=number, name=name_text, representative_id=representative_id,
        representative_name=representative_text, business_type=type_text, business_item=item_text,
        address=address_text, legal_dong_code=legal_dong_code, admin_dong_code=admin_dong_code or "",
        started_on=started_on, status=BusinessStatus.ACTIVE, tax_type=tax_type, tax_office_code=tax_office_code,
    )
    after: dict[str, Any] = {
        "registration_number": number, "name": name_text, "representative_id": representative_id,
        "representative_name": representative_text, "business_type": type_text, "business_item": item_text,
        "address": address_text, "legal_dong_code": legal_dong_code, "admin_dong_code": admin_dong_code or "",
        "started_on": started_on, "status": BusinessStatus.ACTIVE.value, "tax_type": tax_type,
        "tax_office_code": tax_office_code,
    }
    if permission:
        after["guardian_permission_ref"] = permission
    history.record_event(registry=REGISTRY, kind="business.registered", entity=business, effective_on=started_on,
                         cause=cause, after=after)
    return business


@transaction.atomic
def business_set_status(*, business_id: uuid.UUID, status: str, effective_on: date, cause: Cause) -> Business:
    """Suspend (휴업), resume or close (폐업) a business; a closed business cannot change again."""
    return business_status_change(business=_business_for_update(business_id), status=status,
                                  effective_on=effective_on, cause=cause)


def business_locked_by_number(number: str) -> Business | None:
    """The business with this registration number, locked for the caller's transaction (which must be open)."""
    return Business.objects.select_for_update().filter(registration_number=number).first()


def business_status_change(*, business: Business, status: str, effective_on: date, cause: Cause) -> Business:
    """:func:`business_set_status` of a business the caller locked in its open transaction.

    For a report that names the business by its number (``registries.public.business_close``):
    the row is found and locked once, instead of found, then locked again by its id.
    """
    problems = Problems()
    if business.status == BusinessStatus.CLOSED:
        problems.add("status", _("The business closed on %(date)s; a business that opens again registers anew.")
                     % {"date": business.status_changed_on.isoformat() if business.status_changed_on else "?"})
    elif status not in BusinessStatus.values:
        problems.add("status", _("Choose active, suspended or closed."))
    elif status == business.status:
        problems.add("status", _("The business is already %(status)s.") % {"status": business.get_status_display()})
    _check_after_last_change(problems, effective_on, business)
    problems.raise_if_any(_business_label(business.registration_number))

    history.record_change(
        registry=REGISTRY, kind=_STATUS_EVENT[BusinessStatus(status)], entity=business,
        changes={"status": status, "status_changed_on": effective_on}, effective_on=effective_on, cause=cause,
    )
    return business


@transaction.atomic
def business_update(
    *,
    business_id: uuid.UUID,
    changes: dict[str, Any],
    reason: str,
    effective_on: date | None = None,
    cause: Cause,
) -> Business:
    """Correct or change a business's name, address, type, item or tax type (정정신고), with the reason.

    A new address comes with its legal-dong code (and its administrative-dong code if
    known); the business's registered vehicles take the new address as their place of
    use. A business cannot become a corporation or stop being one by a change: that is a
    different registrant with its own registration.
    """
    business = _business_for_update(business_id)
    problems = Problems()
    label = _business_label(business.registration_number)
    if business.status == BusinessStatus.CLOSED:
        problems.add("business_id", _("The business is closed; its registration can no longer change."))
    if not isinstance(changes, dict) or not changes:
        problems.add("changes", _("Give at least one change."))
        problems.raise_if_any(label)
    for key in sorted(set(changes) - set(UPDATABLE_FIELDS)):
        problems.add(key, _("This cannot be changed here."))
    reason_text = check_text(problems, "reason", reason, max_length=500)
    effective = _check_after_last_change(problems, clock.today() if effective_on is None else effective_on, business)

    new: dict[str, Any] = {}
    texts = {"name": (120, True), "address": (200, True), "business_type": (60, True), "business_item": (80, False)}
    for field, (limit, required) in texts.items():
        if field in changes:
            new[field] = check_text(problems, field, changes[field], max_length=limit, required=required)
    if "tax_type" in changes:
        tax_type = changes["tax_type"]
        if tax_type not in TaxType.values:
            problems.add("tax_type", _("Choose one of the tax types: %(choices)s.") % {
                "choices": ", ".join(TaxType.values)})
        elif (tax_type == TaxType.CORPORATE) != (business.tax_type == TaxType.CORPORATE):
            problems.add("tax_type", _("A sole proprietorship and a corporation are different registrants; "
                                       "register the new one instead."))
        else:
            new["tax_type"] = tax_type
    address_changes = {"address", "legal_dong_code", "admin_dong_code"} & set(changes)
    if address_changes:
        if "address" in changes and "legal_dong_code" not in changes:
            problems.add("legal_dong_code", _("Give the legal-dong code of the new address."))
        legal = changes.get("legal_dong_code", business.legal_dong_code)
        # A new legal dong without an administrative dong leaves the latter unknown rather than stale.
        admin = changes.get("admin_dong_code", business.admin_dong_code if legal == business.legal_dong_code else "")
        _check_place(problems, legal_dong_code=legal, admin_dong_code=admin, on=effective)
        new["legal_dong_code"] = legal
        new["admin_dong_code"] = admin or ""
    diff = {field: value for field, value in new.items() if getattr(business, field) != value}
    if not problems and not diff:
        problems.add("changes", _("The changes give the values the business already has."))
    problems.raise_if_any(label)
    assert effective is not None

    cause = with_reason(cause, reason_text)
    history.record_change(registry=REGISTRY, kind="business.updated", entity=business, changes=diff,
                          effective_on=effective, cause=cause)
    if {"address", "legal_dong_code"} & set(diff):
        follow_owner_address(Vehicle.objects.filter(owner_business=business), address=business.address,
                             legal_dong_code=business.legal_dong_code, effective_on=effective, cause=cause)
    return business


def businesses_of(*, resident_id: uuid.UUID) -> list[Business]:
    """The businesses a resident represents, open or closed, oldest first."""
    return list(Business.objects.filter(representative_id=resident_id).order_by("started_on", "registration_number"))


def business_number_issue() -> str:
    """A registration number no business has, for a new sole proprietor's registration.

    The National Tax Service's layout: a three-digit office code, a two-digit type
    (01 to 79 for individuals liable to VAT), a four-digit serial and the check digit.
    The office and serial parts are drawn at random here, since the pack does not
    carry the offices' numeric codes.
    """
    chooser = secrets.SystemRandom()
    while True:
        first_nine = f"{chooser.randrange(101, 900)}{chooser.randrange(1, 80):02d}{chooser.randrange(1, 10000):04d}"
        number = first_nine + business_check_digit(first_nine)
        if not Business.objects.filter(registration_number=number).exists():
            return number
