"""Writes of civil applications: submit (online or at the counter), act on a case, answer a supplement, withdraw.

``application_submit`` in two parts of one transaction. First the evidence: the
applicant's consent for each data product that needs it (recorded with the exchange,
channel "application" or "counter") and the reads through the gate; those are facts
that happened and are committed whatever follows. Then, in a rollback point of its
own, the filing: the case opened at the competent office, the application, the offices
that see it, the fee, the notice, and for an automatic service the system's decision
with its effects on the registries. A failure in the filing leaves no case (and the
evidence's records); a crash of the process before the commit leaves nothing; a retry
with the same idempotency key returns the case already made (rule 8).

``bundle_submit`` files a bundle (a life-event service) the same way: one form, one
key, one case per member service, all in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.accounts.public import OfficialInfo, OrganisationInfo, official_info
from egov.applications import definitions, notices, rules, selectors
from egov.applications.models import Application, ApplicationOffice, Channel, OfficeRole
from egov.applications.validation import bundle_clean, form_clean
from egov.catalogue.public import ServiceDefinition, service_definition
from egov.core import memo
from egov.core.audit import audit_append
from egov.core.errors import Conflict, PermissionDenied, ValidationError
from egov.exchange import public as exchange
from egov.finance import public as finance
from egov.notifications import public as notifications
from egov.workflow import public as workflow

logger = logging.getLogger("egov.applications")

SYSTEM_ACTOR = "system:applications"
CONSENT_DAYS = 30
OFFICIAL_ACTIONS = ("claim", "request_supplement", "approve", "reject")


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _actor(user: Any) -> str:
    return f"user:{user.id}"


# ---------------------------------------------------------------- submit


def _checked_key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise ValidationError(_("The application needs an idempotency key of at most 200 characters."),
                              field_errors={"idempotency_key": [_("Send a unique key of at most 200 characters.")]})
    return key


def _filer(services: Sequence[ServiceDefinition], *, applicant: Any, channel: str, by: Any) -> OfficialInfo | None:
    """Check who files through which channel; the clerk's record at the counter, None online."""
    if channel not in Channel.values:
        raise ValidationError(_("Choose how the application was made: online or at the counter."))
    if not all(definitions.channel_allowed(definition, channel) for definition in services):
        raise ValidationError(_("This service cannot be applied for through this channel."))
    clerk = None
    if channel == Channel.COUNTER:
        clerk = official_info(user_id=by.id)
        if clerk is None:
            raise PermissionDenied(_("Only an official files applications at the counter."))
    elif by.id != applicant.id:
        raise PermissionDenied(_("You may apply online only for yourself."))
    if getattr(applicant, "resident_id", None) is None:
        raise PermissionDenied(_("Prove your identity first: an application is about your resident record."))
    return clerk


def _consent_error(services: Sequence[ServiceDefinition], consent: bool, errors: dict[str, list[str]]) -> None:
    if not consent and any(not item.consent_exempt_article for d in services for item in d.evidence):
        errors.setdefault("consent", []).append(
            _("Agree that the office reads the records listed, or apply at the counter with paper documents."))


def _requester(definition: ServiceDefinition, *, organisation: OrganisationInfo, clerk: OfficialInfo | None, by: Any,
               source_ip: str | None) -> exchange.Requester:
    """Online the competent office's system reads the evidence; at the counter, the clerk by name."""
    if clerk is not None:
        return exchange.requester_for_user(by, source_ip=source_ip)
    return exchange.system_requester(organisation_code=organisation.code, name="applications",
                                     label=f"{organisation.name} · {definition.name.ko}")


def application_submit(
    *,
    applicant: Any,
    service_id: str,
    data: Mapping[str, Any],
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    consent: bool = True,
    by: Any,
    source_ip: str | None = None,
) -> Application:
    """File an application for ``applicant``; ``by`` is the applicant online, or the clerk at the counter.

    Raises ValidationError with per-field messages (``consent`` among the fields when
    the applicant did not agree to the reads that need it), PermissionDenied when the
    applicant has no proven identity or the clerk is not an official, NotFound for an
    unknown service. A bundle is filed with :func:`bundle_submit`.
    """
    return application_submit_or_replay(
        applicant=applicant, service_id=service_id, data=data, idempotency_key=idempotency_key, channel=channel,
        consent=consent, by=by, source_ip=source_ip)[0]


def application_submit_or_replay(
    *,
    applicant: Any,
    service_id: str,
    data: Mapping[str, Any],
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    consent: bool = True,
    by: Any,
    source_ip: str | None = None,
) -> tuple[Application, bool]:
    """:func:`application_submit`, and whether the key had filed it before (a retry: the API answers 200, not 201).

    The filing's look-ups (the definition's version, the offices, the exchange pack's
    token) are made once each, in a memo scope (``egov.core.memo``, ADR 0135).
    """
    with memo.scope():
        return _submit(applicant=applicant, service_id=service_id, data=data, idempotency_key=idempotency_key,
                       channel=channel, consent=consent, by=by, source_ip=source_ip)


def _submit(*, applicant: Any, service_id: str, data: Mapping[str, Any], idempotency_key: str, channel: str,
            consent: bool, by: Any, source_ip: str | None) -> tuple[Application, bool]:
    key = _checked_key(idempotency_key)
    # One query finds a retry of this application, or a bundle filed under the same key (a mistake of the caller).
    prefix = f"{definitions.BUNDLE_KEY_PREFIX}{definitions.bundle_group(key)}:"
    existing = Application.objects.filter(
        Q(idempotency_key=key) | Q(idempotency_key__range=(prefix, prefix + "~")), applicant=applicant).first()
    if existing is not None:
        if existing.idempotency_key != key:
            raise Conflict(_("This idempotency key was already used for another application."))
        idempotency_conflict(existing, service_id)
        return existing, True
    definition = service_definition(service_id)
    if definition.kind != "service" or definition.workflow is None:
        raise ValidationError(_("This is a bundle of services: file it with one form for all its services "
                                "(in the API, POST /api/v1/applications/bundles)."))
    clerk = _filer([definition], applicant=applicant, channel=channel, by=by)
    resident_id = applicant.resident_id

    form, errors = form_clean(definition, data)
    _consent_error([definition], consent, errors)
    if errors:
        raise ValidationError(_("The application could not be submitted: correct the fields marked."),
                              field_errors=errors)

    own_dong = _OwnDong(applicant)
    organisation = _competent_office(definition, form, own_dong)
    informed = _informed_offices(definition, form, own_dong, exclude=organisation)
    # As for a bundle's members: the clerk reads for a case their own office decides; a case
    # another office decides (a family-relations certificate, decided by the court
    # administration, filed at a dong counter) is read by that office under its own right.
    reader = clerk if clerk is not None and clerk.organisation.id == organisation.id else None
    requester = _requester(definition, organisation=organisation, clerk=reader, by=by, source_ip=source_ip)

    def gather() -> tuple[dict[str, Any], list[dict[str, Any]], int, str]:
        released, evidence = _gather_evidence(definition, applicant=applicant, requester=requester, channel=channel,
                                              ref=f"{definition.id}:{key}", source_ip=source_ip, reads={}, form=form)
        facts = definitions.facts_from(released)
        failing = definitions.rules_failing(definition, form, facts, _language())
        if failing:
            raise ValidationError(" ".join(failing), field_errors={"__all__": failing})
        fee, exemption = definitions.fee_due(definition, channel=channel, form=form, facts=facts)
        return facts, evidence, fee, exemption

    def file(gathered: tuple[dict[str, Any], list[dict[str, Any]], int, str]) -> tuple[Application, bool]:
        facts, evidence, fee, exemption = gathered
        return _file(definition=definition, applicant=applicant, by=by, clerk_org=clerk.organisation if clerk else None,
                     key=key, channel=channel, form=form, facts=facts, evidence=evidence, organisation=organisation,
                     informed=informed, resident_id=resident_id, fee=fee, exemption=exemption,
                     source_ip=source_ip), False

    def replay() -> tuple[Application, bool] | None:
        # The same key committed by a concurrent request: answer with that case.
        existing = Application.objects.filter(applicant=applicant, idempotency_key=key).first()
        return (existing, True) if existing is not None else None

    return _evidence_then_filing(gather, file, replay)


_Gathered = TypeVar("_Gathered")
_Filed = TypeVar("_Filed")


def _evidence_then_filing(gather: Callable[[], _Gathered], file: Callable[[_Gathered], _Filed],
                          replay: Callable[[], _Filed | None]) -> _Filed:
    """The evidence (consents, reads through the gate), then the filing in a rollback point of its own: one commit.

    The consents and the reads are facts that happened: whatever the filing does after
    them (a refusal, a failed payment, a crash of the code), they commit, with the
    records of any refusal, and the error is raised after the commit; the filing
    (``file``, an ``atomic`` block, here a savepoint) is undone alone. A filing that
    meets the same key committed meanwhile (IntegrityError) answers with ``replay()``.
    They were three transactions, consent, read and filing, and three commits where the
    limit of bench-apply makes one (ADR 0147). A crash of the process before the commit
    leaves none of it: no case, and no record of a read whose answer went nowhere.
    """
    failure: Exception | None = None
    with transaction.atomic():
        try:
            gathered = gather()
            try:
                return file(gathered)
            except IntegrityError:
                found = replay()
                if found is None:
                    raise
                return found
        except Exception as error:  # committed below, then raised
            failure = error
    assert failure is not None
    raise failure


class _OwnDong:
    """The administrative dong of the applicant's registered address, read only if an office is found by it.

    Read under the applicant's own right of access (and logged as such), once per
    submission. A service decided by a named organisation (a ministry, the National
    Tax Service) or by an address the applicant gives on the form never needs it;
    reading the record anyway cost a third of filing one (bench-apply profile).
    """

    def __init__(self, applicant: Any) -> None:
        self.applicant = applicant
        self.code: str | None = None

    def __call__(self) -> str:
        if self.code is None:
            self.code = exchange.own_admin_dong(user_id=self.applicant.id, resident_id=self.applicant.resident_id,
                                                label=getattr(self.applicant, "display_name", ""))
        return self.code


# ---------------------------------------------------------------- bundles


@dataclass
class _Member:
    """One member service of a bundle being filed: its answers, its offices, and later its facts and fee."""

    definition: ServiceDefinition
    form: dict[str, Any]
    organisation: OrganisationInfo
    informed: list[OrganisationInfo]
    requester: exchange.Requester
    facts: dict[str, Any] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    fee: int = 0
    exemption: str = ""
    awaiting: list[dict[str, Any]] = field(default_factory=list)


def bundle_applications(*, applicant: Any, group: str) -> list[Application]:
    """The member applications of one bundle submission, in the order they were filed."""
    return sorted(selectors.bundle_rows(applicant_id=applicant.pk, group=group),
                  key=lambda a: (a.submitted_at, a.reference))


def bundle_submit(
    *,
    applicant: Any,
    service_id: str,
    data: Mapping[str, Any],
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    consent: bool = True,
    by: Any,
    source_ip: str | None = None,
) -> list[Application]:
    """File a bundle (a life-event service): one form, one key, one case per member service, all or none.

    The answers are checked against the bundle's one form and each member's share
    against the member's own rules. Each data product is read through the gate once
    per reading office and purpose, whichever members need it, and the consent the
    applicant gave covers each such read. Then one transaction files every member as
    :func:`application_submit` files one service, each under its own workflow (an
    automatic member is decided at once). A retry with the same key returns the same
    applications; a key used for something else is a Conflict.
    """
    with memo.scope():
        return _bundle_submit(applicant=applicant, service_id=service_id, data=data, idempotency_key=idempotency_key,
                              channel=channel, consent=consent, by=by, source_ip=source_ip)


def _bundle_submit(*, applicant: Any, service_id: str, data: Mapping[str, Any], idempotency_key: str, channel: str,
                   consent: bool, by: Any, source_ip: str | None) -> list[Application]:
    key = _checked_key(idempotency_key)
    group = definitions.bundle_group(key)
    bundle = service_definition(service_id)
    existing = bundle_applications(applicant=applicant, group=group)
    if existing:
        if bundle.kind != "bundle" or any(a.service_id not in bundle.members for a in existing):
            raise Conflict(_("This idempotency key was already used for another application."))
        return existing
    if Application.objects.filter(applicant=applicant, idempotency_key=key).exists():
        raise Conflict(_("This idempotency key was already used for another application."))
    if bundle.kind != "bundle":
        raise ValidationError(_("This is a single service, not a bundle: apply for it on its own form."))
    members = definitions.bundle_members(bundle)
    clerk = _filer([bundle, *members], applicant=applicant, channel=channel, by=by)

    answers, shares, errors = bundle_clean(definitions.bundle_form(bundle, members), members, data,
                                           given=frozenset(answer.field for answer in bundle.given))
    _consent_error(members, consent, errors)
    if errors:
        raise ValidationError(_("The application could not be submitted: correct the fields marked."),
                              field_errors=errors)

    own_dong = _OwnDong(applicant)
    bundle_only = {f.name: answers[f.name] for f in bundle.form if f.name in answers}
    filing: list[_Member] = []
    for member in members:
        # The bundle's own answers travel with each member's, for the official who decides it.
        form = {**{k: v for k, v in bundle_only.items() if member.field(k) is None}, **shares[member.id]}
        organisation = _competent_office(member, form, own_dong)
        # At the counter the clerk reads for the members their office decides; the others' offices read their own
        # (a dong clerk files the birth one-stop service, the si/gun/gu registers the birth).
        reader = clerk if clerk is not None and clerk.organisation.id == organisation.id else None
        filing.append(_Member(
            definition=member, form=form, organisation=organisation,
            informed=_informed_offices(member, form, own_dong, exclude=organisation),
            requester=_requester(member, organisation=organisation, clerk=reader, by=by, source_ip=source_ip),
            awaiting=definitions.awaited_by(bundle, member)))
    def gather() -> None:
        reads: dict[tuple[str, str, str, str], tuple[Any, dict[str, Any]]] = {}
        failing: list[str] = []
        language = _language()
        for item in filing:
            released, item.evidence = _gather_evidence(item.definition, applicant=applicant,
                                                       requester=item.requester, channel=channel,
                                                       ref=f"{bundle.id}:{key}", source_ip=source_ip, reads=reads,
                                                       form=item.form)
            item.facts = definitions.facts_from(released)
            failing += [f"{item.definition.name.get(language)}: {message}"
                        for message in definitions.rules_failing(item.definition, item.form, item.facts, language)]
            item.fee, item.exemption = definitions.fee_due(item.definition, channel=channel, form=item.form,
                                                           facts=item.facts)
        if failing:
            raise ValidationError(" ".join(failing), field_errors={"__all__": failing})

    mark = {"id": bundle.id, "version": bundle.version, "group": group}

    def file(_gathered: None) -> list[Application]:
        return _file_bundle(filing, applicant=applicant, by=by, clerk_org=clerk.organisation if clerk else None,
                            key=key, channel=channel, mark=mark, source_ip=source_ip)

    def replay() -> list[Application] | None:
        # The same key committed by a concurrent request: answer with those cases.
        return bundle_applications(applicant=applicant, group=group) or None

    return _evidence_then_filing(gather, file, replay)


@transaction.atomic
def _file_bundle(filing: list[_Member], *, applicant: Any, by: Any, clerk_org: OrganisationInfo | None, key: str,
                 channel: str, mark: dict[str, Any], source_ip: str | None) -> list[Application]:
    """Every member's case in one transaction: a failure in any leaves none."""
    return [
        _file(definition=item.definition, applicant=applicant, by=by, clerk_org=clerk_org,
              key=definitions.member_key(key, item.definition.id), channel=channel, form=item.form, facts=item.facts,
              evidence=item.evidence, organisation=item.organisation, informed=item.informed,
              resident_id=applicant.resident_id, fee=item.fee, exemption=item.exemption, source_ip=source_ip,
              bundle=mark, awaiting=item.awaiting)
        for item in filing
    ]


def _address_code(source: str, form: Mapping[str, Any], applicant_dong: Callable[[], str]) -> str:
    root, _sep, rest = source.partition(".")
    if root == "form":
        value = form.get(rest.split(".")[0])
        return str(value.get("admin_dong_code") or "") if isinstance(value, Mapping) else ""
    return applicant_dong()


def _competent_office(definition: ServiceDefinition, form: Mapping[str, Any],
                      applicant_dong: Callable[[], str]) -> OrganisationInfo:
    assert definition.workflow is not None
    competent = definition.competent_organisation
    if competent.level == "field_office":
        found = workflow.competent_organisation(
            level="field_office", code=competent.code or "",
            admin_dong_code=_address_code(definition.workflow.assign_to, form, applicant_dong))
    elif competent.code:
        found = workflow.competent_organisation(level="code", code=competent.code)
    else:
        level = competent.level if competent.level in ("dong", "si_gun_gu", "sido") else "sido"
        found = workflow.competent_organisation(
            level=level, admin_dong_code=_address_code(definition.workflow.assign_to, form, applicant_dong))
    if found is None:
        raise ValidationError(_("No office handles this service for the address given. Check the address, or ask "
                                "at a counter."))
    return found


def _informed_offices(definition: ServiceDefinition, form: Mapping[str, Any], applicant_dong: Callable[[], str], *,
                      exclude: OrganisationInfo) -> list[OrganisationInfo]:
    assert definition.workflow is not None
    found: list[OrganisationInfo] = []
    level = definition.competent_organisation.level
    for source in definition.workflow.also_notify:
        code = _address_code(source, form, applicant_dong)
        office = workflow.competent_organisation(level=level, admin_dong_code=code) if code and level in (
            "dong", "si_gun_gu", "sido") else None
        if office is not None and office.id != exclude.id and all(o.id != office.id for o in found):
            found.append(office)
    return found


def _gather_evidence(definition: ServiceDefinition, *, applicant: Any, requester: exchange.Requester, channel: str,
                     ref: str, source_ip: str | None,
                     reads: dict[tuple[str, str, str, str], tuple[Any, dict[str, Any]]],
                     form: Mapping[str, Any] | None = None,
                     ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Each evidence item through the gate: under the applicant's consent, or the article that dispenses with it.

    ``reads`` holds what was read already in this submission (by reading office,
    product and the person read, purpose and basis): the members of a bundle that need
    the same record for the same purpose share one read, and one consent.

    An item whose ``subject`` names a form field reads the person whose registration
    number the applicant gave there (an heir asks for a deceased parent's vehicles); the
    gate finds them through its blind index and the audit entry names them. That
    person cannot consent, so the read stands on the item's consent-exempt article
    alone and no consent is recorded. Reading someone else's record must be justified:
    before each such read, the eligibility rules that the facts read so far can decide
    must hold, so a person not recorded as deceased, or an applicant the family
    register does not name as their heir, is refused before anything more about that
    person is read. An optional subject question left empty means the applicant (a family
    certificate of one's own); a parcel or a building is named by its PNU or its road
    address, and the registry's "no such parcel" is shown on that question. The item's
    ``params`` (a certificate's level, a price's year) go with the request, and the
    applicant is named as the person on whose behalf the office asks, for the registries
    that check an entitlement (family certificates); a parameter the registry refuses is
    shown on the question that gave it.
    """
    released: dict[str, Any] = {}
    evidence: list[dict[str, Any]] = []
    answers: Mapping[str, Any] = form or {}
    consent_channel = "counter" if channel == Channel.COUNTER else "application"
    for item in definition.evidence:
        number = _subject_number(item.subject_field, answers, definition)
        if number:
            _justified_so_far(definition, answers, released, field=item.subject_field)
        params = item.param_values(answers)
        product_key = f"{item.product}@{number}" if number else item.product
        if params:
            product_key += json.dumps(params, sort_keys=True, ensure_ascii=False)
        read_key = (requester.organisation_code, product_key, item.purpose, item.consent_exempt_article)
        if read_key in reads:
            data, entry = reads[read_key]
            released[item.product] = data
            evidence.append(dict(entry))
            continue
        consent_id = None
        if not item.consent_exempt_article:
            # The catalogue refuses an item about someone else without an article: this consent is the applicant's.
            consent_id = exchange.consent_grant(
                user=applicant, product_code=item.product, purpose=item.purpose,
                recipient=requester.organisation_code, days=min(CONSENT_DAYS, settings.EGOV_CONSENT_MAX_DAYS),
                channel=consent_channel, application_ref=ref[:80], source_ip=source_ip)
        try:
            release = exchange.fetch(
                requester=requester, product=item.product, purpose=item.purpose, service=definition.id,
                subject_resident_id=None if number else applicant.resident_id, subject_number=number,
                consent_id=consent_id, legal_basis=item.consent_exempt_article, params=params or None,
                applicant_resident_id=applicant.resident_id)
        except exchange.Refused as refused:
            raise ValidationError(
                _("The office could not obtain a record this service needs (%(product)s): %(reason)s")
                % {"product": item.product, "reason": refused.message},
                field_errors=_refusal_fields(item, refused)) from None
        data = release.data
        if number and item.product == "family-relations" and isinstance(data, Mapping):
            data = {**data, "applicant_relation": _applicant_relation(data, applicant)}
        released[item.product] = data
        entry = {"product": item.product, "purpose": item.purpose, "request_id": str(release.request_id),
                 "consent_id": str(consent_id) if consent_id else "", "legal_basis": item.consent_exempt_article,
                 **({"subject": item.subject} if number else {})}
        reads[read_key] = (data, entry)
        evidence.append(entry)
    return released, evidence


def _subject_number(field_name: str, form: Mapping[str, Any], definition: ServiceDefinition | None = None) -> str:
    """Whom or what an evidence item reads: "" for the applicant, else the form's answer.

    The answer is a registration number, a parcel number, or an address (a building, by
    the road address the register writes: sido, si/gun/gu, road and number). An optional
    question left empty, or not asked, means the applicant.
    """
    if not field_name:
        return ""
    answer = form.get(field_name)
    if isinstance(answer, Mapping):
        number = " ".join(str(answer.get(part) or "").strip() for part in ("sido", "sigungu", "road", "building_number")
                          if str(answer.get(part) or "").strip())
    else:
        number = str(answer or "").strip()
    if not number:
        question = definition.field(field_name) if definition is not None else None
        if question is not None and (not question.required or question.show_if is not None):
            return ""
        message = _("Give the registration number of the person whose records this service reads.")
        raise ValidationError(message, field_errors={field_name: [message]})
    return number


def _refusal_fields(item: Any, refused: Any) -> dict[str, list[str]]:
    """The gate's refusal on the questions at fault: a parameter's on the question that gave it, else the subject's."""
    by_param = item.param_fields
    errors: dict[str, list[str]] = {}
    for name, messages in (getattr(refused, "field_errors", None) or {}).items():
        errors.setdefault(by_param.get(name) or item.subject_field or "__all__", []).extend(messages)
    return errors or {item.subject_field or "__all__": [refused.message]}


def _justified_so_far(definition: ServiceDefinition, form: Mapping[str, Any], released: Mapping[str, Any], *,
                      field: str) -> None:
    """Refuse, on the field naming the person, when a rule the facts read so far can decide does not hold."""
    failing = definitions.rules_failing(definition, form, definitions.facts_from(dict(released)), _language())
    if failing:
        raise ValidationError(" ".join(failing), field_errors={field: failing})


def _applicant_relation(family: Mapping[str, Any], applicant: Any) -> str:
    """The applicant's tie to the person whose family record this is: spouse, child, parent, sibling, or "".

    A spouse is the current one or one whose marriage ended by a death (the survivor).
    A sibling shares a parent with the person; the applicant's own parents come from
    their own record, read under their own right of access (and logged as such), and
    only when no closer tie was found.
    """
    me = str(applicant.resident_id)

    def ids(key: str, *, ended_by_death: bool = False) -> set[str]:
        ties = [tie for tie in family.get(key) or [] if isinstance(tie, Mapping)]
        return {str((tie.get("person") or {}).get("id")) for tie in ties
                if not ended_by_death or tie.get("relation") == "spouse" or tie.get("end") == "death"}

    for relation, people in (("spouse", ids("spouses", ended_by_death=True)), ("child", ids("children")),
                             ("parent", ids("parents"))):
        if me in people:
            return relation
    parents = ids("parents")
    if parents:
        own = exchange.own_records(user_id=applicant.id, resident_id=applicant.resident_id,
                                   label=getattr(applicant, "display_name", ""))
        if own is not None and parents & {str(tie.person.id) for tie in own.family.parents}:
            return "sibling"
    return ""


@transaction.atomic
def _file(*, definition: ServiceDefinition, applicant: Any, by: Any, clerk_org: OrganisationInfo | None, key: str,
          channel: str, form: dict[str, Any], facts: dict[str, Any], evidence: list[dict[str, Any]],
          organisation: OrganisationInfo, informed: list[OrganisationInfo], resident_id: UUID, fee: int,
          exemption: str, source_ip: str | None, bundle: dict[str, Any] | None = None,
          awaiting: list[dict[str, Any]] | None = None) -> Application:
    """The case, the application, its offices, the fee, the notice and an automatic decision: all or nothing.

    ``bundle`` marks a member of a bundle submission on its case (the bundle's id,
    version and group), so that the applicant sees the members together.
    """
    assert definition.workflow is not None
    actor = _actor(by)
    admin_dong = _address_code(definition.workflow.assign_to, form, lambda: "")
    # Registration numbers given for other people are kept encrypted; the case and the form show them masked.
    form, numbers = definitions.identifiers_apart(definition, form)
    if not admin_dong and not any(entry.get("subject") for entry in evidence):
        # The applicant's address, when the facts are theirs: an heir's inquiry reads the deceased's record.
        address = (facts.get("resident") or {}).get("address") or {}
        admin_dong = str(address.get("admin_dong_code") or "")
    case = workflow.case_open(
        definition=definitions.engine_workflow(definition), service_id=definition.id,
        service_version=str(definition.version), applicant_id=applicant.id, organisation_id=organisation.id,
        channel=channel, data={"form": form, **({"bundle": bundle} if bundle else {})}, by=actor,
        subject_resident_id=resident_id, admin_dong_code=admin_dong,
        by_label=getattr(by, "display_name", ""),
    )
    application = Application.objects.create(
        applicant=applicant, filed_by=by if channel == Channel.COUNTER else None, idempotency_key=key,
        case_id=case.id, reference=case.reference, service_id=definition.id, service_version=definition.version,
        channel=channel, resident_id=resident_id, organisation_id=organisation.id, form=form, facts=facts,
        identifiers=json.dumps(numbers, ensure_ascii=False) if numbers else "", awaiting=awaiting or [],
        evidence=evidence, fee_amount=fee, fee_currency=definition.fee.currency, fee_exemption=exemption,
        submitted_at=case.opened_at,
    )
    ApplicationOffice.objects.bulk_create(
        [ApplicationOffice(application=application, organisation_id=organisation.id, role=OfficeRole.COMPETENT)]
        + [ApplicationOffice(application=application, organisation_id=o.id, role=OfficeRole.INFORMED) for o in informed]
    )
    if fee > 0:
        payment = finance.fee_charge(payer_user_id=applicant.id, amount=fee, currency=definition.fee.currency,
                                     reference=case.reference, idempotency_key=f"application:{application.id}",
                                     by=actor)
        application.payment_id = payment.id
        application.save(update_fields=["payment_id"])
    if channel == Channel.COUNTER:
        # A walk-in visit is an office visit of the clerk's office, counted apart from online applications.
        audit_append(action="application.counter_visit", actor=actor, actor_label=getattr(by, "display_name", ""),
                     source_ip=source_ip, subject=f"resident:{resident_id}", object_ref=f"case:{case.id}",
                     detail={"reference": case.reference, "service": definition.id,
                             "office": clerk_org.code if clerk_org else ""})
    audit_append(action="application.submitted", actor=actor, actor_label=getattr(by, "display_name", ""),
                 source_ip=source_ip, subject=f"resident:{resident_id}", object_ref=f"case:{case.id}",
                 detail={"reference": case.reference, "service": definition.id, "version": definition.version,
                         "channel": channel, "fee": fee, "exemption": exemption,
                         **({"bundle": bundle["id"]} if bundle else {})})
    # The case's history holds its opening alone: the notice's step is known without counting it.
    received = notices.notice(application, "received", definition=definition, steps=1)
    if definition.workflow.mode == "automatic":
        # The receipt goes out with the decision's notice, written together.
        notices.send([received, *_decide_automatically(application, definition)])
    else:
        notices.send([received])
    return application


def _decide_automatically(application: Application, definition: ServiceDefinition) -> list[notifications.Outgoing]:
    """Take the first system transition whose guard allows it (approve when the evidence confirms, else refer).

    Returns the notice of the step taken, for the caller to send.
    """
    assert definition.workflow is not None
    # The case was opened in this transaction in the definition's initial state: no need to read it back.
    for transition in definition.workflow.transitions:
        if "system" not in transition.roles or definition.workflow.initial not in transition.from_:
            continue
        if definition.workflow.supplement and transition.name == definition.workflow.supplement.on_expiry:
            continue
        try:
            after = workflow.case_transition(case_id=application.case_id, transition=transition.name,
                                             by=SYSTEM_ACTOR, roles=["system"], reason="automatic",
                                             payload=rules.step_payload(application, definition))
        except ValidationError:
            continue  # the guard did not allow it: try the next
        event = ("approve" if after.state == "approved" else "decided") if after.is_final else "referred"
        # Opened, then this one transition: the second step of the case's history.
        return [notices.notice(application, event, definition=definition, state=after.state, steps=2)]
    return []


# ---------------------------------------------------------------- after submission


def _refund_if_paid(application: Application, *, reason: str, by: str) -> None:
    if application.payment_id is None:
        return
    payment = finance.payment_get(payment_id=application.payment_id)
    if payment is not None and payment.refunded_amount < payment.amount:
        finance.fee_refund(payment_id=application.payment_id, reason=reason,
                           idempotency_key=f"application:{application.id}:refund", by=by)


def application_act(
    *, application: Application, action: str, official: Any, reason: str = "",
    supplement_deadline: datetime | None = None,
) -> workflow.CaseInfo:
    """An official's step on a case: claim, request a supplement (with a deadline), approve or reject (with reasons).

    The case engine checks that the official's office covers the case and that their
    role may take the step (PermissionDenied otherwise). A refusal and a supplement
    request must say why; the applicant is told each step.
    """
    if action not in OFFICIAL_ACTIONS:
        raise ValidationError(_("Choose one of the steps offered."))
    info = official_info(user_id=official.id)
    if info is None:
        raise PermissionDenied(_("Only an official acts on cases."))
    reason = (reason or "").strip()
    if action in ("reject", "request_supplement") and not reason:
        raise ValidationError(_("Say why, so that the applicant knows what to do."),
                              field_errors={"reason": [_("Give the reasons; the applicant will read them.")]})
    definition = service_definition(application.service_id, application.service_version)
    if action == "approve" and application.awaiting:
        raise ValidationError(definitions.awaiting_message(application.awaiting, _language()))
    roles = sorted(info.roles - {"applicant", "system"})
    data_update: dict[str, Any] | None = None
    if action in ("approve", "reject"):
        data_update = {"decision": {"action": action, "reason": reason, "by": str(official.id)}}
    elif action == "request_supplement":
        data_update = {"supplement_request": reason}
    with transaction.atomic():
        case = workflow.case_transition(
            case_id=application.case_id, transition=action, by=_actor(official), reason=reason, roles=roles,
            data_update=data_update, supplement_deadline=supplement_deadline,
            by_label=getattr(official, "display_name", ""), payload=rules.step_payload(application, definition),
        )
        if action == "reject":
            _refund_if_paid(application, reason=reason, by=_actor(official))
        notices.tell(application, action, definition=definition, state=case.state, reason=reason,
                     deadline=case.supplement_due_at)
    return case


def application_supplement(*, application: Application, applicant: Any, answer: str) -> workflow.CaseInfo:
    """The applicant answers a request for a supplement (보완); the case goes back to review and its clock runs again."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("Write what you add or correct."),
                              field_errors={"answer": [_("Write your answer to the office's request.")]})
    if len(answer) > 4000:
        raise ValidationError(_("Your answer is too long."), field_errors={"answer": [_("Write at most 4000 characters.")]})
    definition = service_definition(application.service_id, application.service_version)
    with transaction.atomic():
        case = workflow.case_transition(case_id=application.case_id, transition="supplement", by=_actor(applicant),
                                        roles=["applicant"], reason=answer, data_update={"supplement_answer": answer})
        notices.tell(application, "supplemented", definition=definition, state=case.state)
    return case


def application_withdraw(*, application: Application, applicant: Any) -> workflow.CaseInfo:
    """The applicant withdraws (취하) while the case is open; a fee paid is refunded."""
    definition = service_definition(application.service_id, application.service_version)
    with transaction.atomic():
        case = workflow.case_transition(case_id=application.case_id, transition="withdraw", by=_actor(applicant),
                                        roles=["applicant"], reason="withdrawn by the applicant")
        _refund_if_paid(application, reason="withdrawn", by=_actor(applicant))
        notices.tell(application, "withdrawn", definition=definition, state=case.state)
    return case


def idempotency_conflict(application: Application, service_id: str) -> None:
    """A key reused for another service is a mistake of the caller, not a retry."""
    if application.service_id != service_id:
        raise Conflict(_("This idempotency key was already used for another application."))
