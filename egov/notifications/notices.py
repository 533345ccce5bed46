"""Proactive notices ("National Secretary", 국민비서): the country pack's rules, checked and evaluated daily.

``country/<cc>/notices.yaml`` holds message categories, the first version of each
template and the rules (format in docs/notifications.md). It is validated with
pydantic when it is loaded and by ``egov check`` (an error names the file and the
reason). The daily job :func:`notices_evaluate` (registered in the app's ``ready``)
looks, for each subscribed person, at the data the platform holds about them and
sends each notice that is due on ``run_date`` (from ``core.clock``, so ``EGOV_NOW``
moves it). Every notice carries the idempotency key ``notice:<rule>:<subject>:<due
date>``: run the job again, on the same day or the next, and no one gets the same
notice twice (ADR 0093).

Reading a person's registry data goes through ``exchange.public.notice_facts``, which
writes the read to the audit chain with the purpose "proactive notice" and the
person's subscription as their consent: they see it under "Who viewed my data". Their
local taxes are read the same way from the local tax register
(``finance.public.local_taxes_of``, one entry); their permits are their own
applications (``applications.public``) and the documents issued for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import yaml
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from egov.core import yamlio
from egov.notifications import templating

logger = logging.getLogger("egov.notifications.notices")

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
FACTS = ("vehicle_inspection_due", "supplement_deadline", "school_entry_age", "local_tax_due", "permit_expiry")
# The personalisation each fact provides to its template (besides name and link).
FACT_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "vehicle_inspection_due": frozenset({"plate", "due_date"}),
    "supplement_deadline": frozenset({"service", "reference", "due_date"}),
    "school_entry_age": frozenset({"child", "entry_year"}),
    "local_tax_due": frozenset({"tax", "object", "amount", "due_date"}),
    "permit_expiry": frozenset({"permit", "reference", "end_date"}),
}
# The state in which an application's permit stands issued.
PERMIT_ISSUED_STATE = "approved"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.ko


class CategorySpec(Strict):
    code: Slug
    name: Text
    required_by_law: bool
    legal_basis: str = ""


class TemplateSpec(Strict):
    id: Slug
    category: Slug
    placeholders: list[str] = []
    subject: Text
    body: Text

    @model_validator(mode="after")
    def _placeholders_declared(self) -> TemplateSpec:
        problems = templating.template_problems(declared=self.placeholders, texts={
            "subject.ko": self.subject.ko, "subject.en": self.subject.en, "body.ko": self.body.ko, "body.en": self.body.en,
        })
        if problems:
            raise ValueError("; ".join(f"{field}: {' '.join(messages)}" for field, messages in problems.items()))
        return self


class Timing(Strict):
    days_before: int | None = Field(None, ge=0, le=366)
    from_month: int | None = Field(None, ge=1, le=12)
    entry_age: int | None = Field(None, ge=3, le=10)


class RuleSpec(Strict):
    id: Slug
    name: Text
    description: Text
    fact: Literal["vehicle_inspection_due", "supplement_deadline", "school_entry_age", "local_tax_due",
                  "permit_expiry"]
    audience: str = Field(min_length=1)
    timing: Timing
    template: Slug
    # A catalogue service id, "application" for the applicant's own application page, or
    # "permit" for the page of the permit's own service (to apply for it again).
    service: Slug
    # permit_expiry: the services whose approved applications are permits, and the form
    # field that holds a permit's last day; where a permit has no such answer, its end is
    # the issued document's validity (the definition's document.valid_days from issue).
    permits: list[Slug] = []
    end_field: str = ""

    @model_validator(mode="after")
    def _timing_fits_the_fact(self) -> RuleSpec:
        if self.fact == "school_entry_age":
            if self.timing.from_month is None or self.timing.entry_age is None:
                raise ValueError("timing of school_entry_age needs from_month and entry_age")
        elif self.timing.days_before is None:
            raise ValueError(f"timing of {self.fact} needs days_before")
        if self.service == "application" and self.fact != "supplement_deadline":
            raise ValueError("service: application is only for supplement_deadline rules")
        if self.service == "permit" and self.fact != "permit_expiry":
            raise ValueError("service: permit is only for permit_expiry rules")
        if self.fact == "permit_expiry" and not self.permits:
            raise ValueError("permit_expiry needs the services whose applications are permits (permits)")
        if self.fact != "permit_expiry" and (self.permits or self.end_field):
            raise ValueError("permits and end_field are only for permit_expiry rules")
        return self


class NoticesPack(Strict):
    categories: list[CategorySpec]
    templates: list[TemplateSpec]
    rules: list[RuleSpec]

    @model_validator(mode="after")
    def _references_resolve(self) -> NoticesPack:
        categories = {c.code for c in self.categories}
        templates = {t.id: t for t in self.templates}
        problems: list[str] = []
        for template in self.templates:
            if template.category not in categories:
                problems.append(f"template {template.id}: unknown category {template.category}")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                problems.append(f"rule {rule.id}: declared twice")
            seen.add(rule.id)
            used = templates.get(rule.template)
            if used is None:
                problems.append(f"rule {rule.id}: unknown template {rule.template}")
                continue
            extra = set(used.placeholders) - FACT_PLACEHOLDERS[rule.fact]
            if extra:
                problems.append(f"rule {rule.id}: {rule.fact} provides no value for {', '.join(sorted(extra))}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class NoticesInvalid(Exception):
    """The notices file does not validate: the message names the file and the reason."""


def notices_file() -> Path:
    return Path(settings.EGOV_NOTICES_FILE)


def parse_notices(path: Path) -> NoticesPack:
    """Read and validate a notices file; raises NoticesInvalid naming the file, the place and the reason."""
    try:
        raw = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise NoticesInvalid(f"{path}: cannot be read: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise NoticesInvalid(f"{path}{where}: not valid YAML: {getattr(error, 'problem', error)}") from None
    try:
        return NoticesPack.model_validate(raw or {})
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or '(top)'}: {item['msg']}" for item in error.errors()
        )
        raise NoticesInvalid(f"{path}: {reasons}") from None


def service_ids_of_pack() -> set[str]:
    """The service ids the country pack declares (read from its files, for ``egov check``)."""
    found: set[str] = set()
    for path in sorted((Path(settings.EGOV_COUNTRY_DIR) / "services").glob("*.yaml")):
        try:
            data = yamlio.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # the catalogue's own check reports it
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            found.add(data["id"])
    return found


def check_notices() -> list[str]:
    """What ``egov check`` reports about the notices file: validation errors, then unknown services."""
    path = notices_file()
    if not path.exists():
        return []
    try:
        pack = parse_notices(path)
    except NoticesInvalid as error:
        return [str(error)]
    services = service_ids_of_pack()
    problems = [f"{path}: rule {rule.id}: unknown service {rule.service} (no such id in the catalogue)"
                for rule in pack.rules if rule.service not in ("application", "permit") and rule.service not in services]
    problems += [f"{path}: rule {rule.id}: permits: unknown service {permit} (no such id in the catalogue)"
                 for rule in pack.rules for permit in rule.permits if permit not in services]
    return problems


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> NoticesPack:
    return parse_notices(Path(path))


def notices_pack() -> NoticesPack:
    """The validated notices of the country pack (an empty pack when the file is absent)."""
    path = notices_file()
    if not path.exists():
        return NoticesPack(categories=[], templates=[], rules=[])
    return _cached(str(path), path.stat().st_mtime)


def rules() -> list[RuleSpec]:
    return list(notices_pack().rules)


def rule_ids() -> list[str]:
    return [rule.id for rule in rules()]


def load_notices_pack() -> None:
    """Bootstrap step: the pack's categories (kept in step with the file) and first template versions.

    A template officials have edited keeps its versions: the pack only adds a template
    that does not exist yet.
    """
    from egov.notifications.models import Category, Template

    pack = notices_pack()
    for category in pack.categories:
        Category.objects.update_or_create(code=category.code, defaults={
            "name_ko": category.name.ko, "name_en": category.name.en, "required_by_law": category.required_by_law,
            "legal_basis": category.legal_basis,
        })
    for spec in pack.templates:
        if not Template.objects.filter(key=spec.id).exists():
            Template.objects.create(
                key=spec.id, version=1, category=spec.category, placeholders=list(spec.placeholders),
                subject_ko=spec.subject.ko, body_ko=spec.body.ko, subject_en=spec.subject.en, body_en=spec.body.en,
                created_by=f"pack:{notices_file().name}",
            )


# --- evaluation ----------------------------------------------------------------------------------

# The facts read from the registries in one look (exchange.public.notice_facts).
REGISTRY_FACTS = frozenset({"vehicle_inspection_due", "school_entry_age"})


@dataclass(frozen=True)
class _NoticesReader:
    """The proactive notices reading a subscriber's taxes, as "Who viewed my data" names them."""

    actor: str = "system:notices"
    label: str = "국민비서 알림 · Proactive notices"
    source_ip: str | None = None


NOTICES_READER = _NoticesReader()


@dataclass(frozen=True)
class DueNotice:
    """One notice due for one person: the key that makes it once, the values for its template, its link."""

    key: str
    values: dict[str, str]
    link: str


def _date_text(day: date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


def _service_link(rule: RuleSpec, application_id: UUID | None = None, service_id: str = "") -> str:
    if rule.service == "application" and application_id is not None:
        return reverse("applications:detail", args=[application_id])
    if rule.service == "permit" and service_id:
        return reverse("catalogue:service", args=[service_id])
    return reverse("catalogue:service", args=[rule.service])


def _in_window(rule: RuleSpec, due: date, run_date: date) -> bool:
    assert rule.timing.days_before is not None
    return due - timedelta(days=rule.timing.days_before) <= run_date <= due


def _local_tax_notices(rule: RuleSpec, taxes: Any, run_date: date, language: str) -> list[DueNotice]:
    """One notice per assessment still to pay whose due date is near (paid ones and arrears get none)."""
    found: list[DueNotice] = []
    for line in taxes.assessments if taxes is not None else ():
        if line.status == "due" and line.outstanding > 0 and _in_window(rule, line.due_on, run_date):
            tax = f"{line.tax_year} {line.tax_item_name_en if language.startswith('en') else line.tax_item_name}"
            if line.period:
                tax += f" ({line.period}/2)" if language.startswith("en") else f" {line.period_label}"
            found.append(DueNotice(
                f"notice:{rule.id}:{line.id}:{line.due_on.isoformat()}",
                {"tax": tax, "object": line.object_label, "amount": f"{line.outstanding:,}",
                 "due_date": _date_text(line.due_on, language)},
                _service_link(rule)))
    return found


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _permit_end(rule: RuleSpec, item: Any, user_id: UUID) -> date | None:
    """A permit's last day: the form's end-date answer, else the issued document's validity from its issue."""
    from egov.catalogue import public as catalogue
    from egov.certificates import public as certificates

    if rule.end_field:
        end = _as_date(item.form.get(rule.end_field))
        if end is not None:
            return end
    document = catalogue.service_definition(item.service_id).document
    if document is None or not document.valid_days:
        return None
    issued = certificates.documents_of_application(application_id=item.id, holder_id=user_id)
    if not issued:
        return None
    first = min(d.issued_at for d in issued)
    return timezone.localtime(first).date() + timedelta(days=document.valid_days)


def _permit_notices(rule: RuleSpec, user_id: UUID, run_date: date, language: str) -> list[DueNotice]:
    from egov.applications import public as applications

    found: list[DueNotice] = []
    for item in applications.applications_of(applicant_id=user_id, limit=100):
        if item.service_id not in rule.permits or item.state != PERMIT_ISSUED_STATE:
            continue
        end = _permit_end(rule, item, user_id)
        if end is not None and _in_window(rule, end, run_date):
            found.append(DueNotice(
                f"notice:{rule.id}:{item.case_id}:{end.isoformat()}",
                {"permit": item.service_name, "reference": item.reference, "end_date": _date_text(end, language)},
                _service_link(rule, item.id, item.service_id)))
    return found


def due_notices(*, rule: RuleSpec, user_id: UUID, resident_id: UUID | None, facts: Any, run_date: date,
                language: str, taxes: Any = None) -> list[DueNotice]:
    """The notices of ``rule`` due for this person on ``run_date``, from the facts read about them.

    ``facts`` are the registries' (``NoticeFacts``), ``taxes`` the person's local tax
    statement (``finance.public.LocalTaxStatement``), each read once per person and run.
    """
    found: list[DueNotice] = []
    if rule.fact == "local_tax_due":
        return _local_tax_notices(rule, taxes, run_date, language)
    if rule.fact == "permit_expiry":
        return _permit_notices(rule, user_id, run_date, language)
    if rule.fact == "vehicle_inspection_due" and facts is not None:
        assert rule.timing.days_before is not None
        for plate, due in facts.vehicles:
            if due is not None and due - timedelta(days=rule.timing.days_before) <= run_date <= due:
                found.append(DueNotice(f"notice:{rule.id}:{plate}:{due.isoformat()}",
                                       {"plate": plate, "due_date": _date_text(due, language)}, _service_link(rule)))
    elif rule.fact == "school_entry_age" and facts is not None:
        assert rule.timing.entry_age is not None and rule.timing.from_month is not None
        for child_id, child_name, birth_date in facts.children:
            entry_year = birth_date.year + rule.timing.entry_age + 1
            starts = date(entry_year - 1, rule.timing.from_month, 1)
            if starts <= run_date < date(entry_year, 3, 1):
                found.append(DueNotice(f"notice:{rule.id}:{child_id}:{entry_year}",
                                       {"child": child_name, "entry_year": str(entry_year)}, _service_link(rule)))
    elif rule.fact == "supplement_deadline":
        from egov.applications import public as applications

        assert rule.timing.days_before is not None
        for item in applications.applications_of(applicant_id=user_id, limit=100):
            if item.is_final or item.supplement_due_at is None:
                continue
            due = timezone.localtime(item.supplement_due_at).date()
            if due - timedelta(days=rule.timing.days_before) <= run_date <= due:
                found.append(DueNotice(
                    f"notice:{rule.id}:{item.case_id}:{due.isoformat()}",
                    {"service": item.service_name, "reference": item.reference, "due_date": _date_text(due, language)},
                    _service_link(rule, item.id),
                ))
    return found


def notices_evaluate(*, run_date: date) -> int:
    """The daily job: send every subscribed person the notices due by ``run_date``; returns how many were new.

    Safe to run again: each notice's idempotency key makes a second sending a no-op.
    A person with no linked resident record gets only the notices that need no
    registry data (supplement deadlines).
    """
    from django.contrib.auth import get_user_model

    from egov.exchange import public as exchange
    from egov.finance import public as finance
    from egov.notifications.models import Message, Subscription
    from egov.notifications.services import message_send_template

    load_notices_pack()
    by_id = {rule.id: rule for rule in rules()}
    language = settings.LANGUAGE_CODE[:2]
    subscriptions: dict[UUID, list[tuple[RuleSpec, UUID]]] = {}
    for subscription in Subscription.objects.order_by("user_id", "rule"):
        if subscription.rule in by_id:
            subscriptions.setdefault(subscription.user_id, []).append((by_id[subscription.rule], subscription.id))
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(subscriptions))}
    sent = 0
    for user_id, subscribed in subscriptions.items():
        user = users.get(user_id)
        if user is None:
            continue
        resident_id = getattr(user, "resident_id", None)
        needs_registry = [(rule, sid) for rule, sid in subscribed if rule.fact in REGISTRY_FACTS]
        needs_taxes = [sid for rule, sid in subscribed if rule.fact == "local_tax_due"]
        facts = taxes = None
        if resident_id is not None and needs_registry:
            facts = exchange.notice_facts(resident_id=resident_id,
                                          consent=",".join(f"subscription:{sid}" for _rule, sid in needs_registry))
        if resident_id is not None and needs_taxes:
            taxes = finance.local_taxes_of(resident_id=resident_id, reader=NOTICES_READER,
                                           purpose=exchange.NOTICE_PURPOSE, basis="", as_of=run_date,
                                           consent=",".join(f"subscription:{sid}" for sid in needs_taxes))
        for rule, _sid in subscribed:
            for notice in due_notices(rule=rule, user_id=user_id, resident_id=resident_id, facts=facts,
                                      run_date=run_date, language=language, taxes=taxes):
                key = f"{notice.key}:{user_id}"[:200]
                if Message.objects.filter(idempotency_key=key).exists():
                    continue
                message_send_template(recipient_user_id=user_id, template_key=rule.template, personalisation=notice.values,
                                      idempotency_key=key, link=notice.link, language=language)
                sent += 1
    logger.info("proactive notices for %s: %d sent", run_date, sent)
    return sent


__all__ = [
    "NoticesInvalid",
    "NoticesPack",
    "RuleSpec",
    "check_notices",
    "load_notices_pack",
    "notices_evaluate",
    "notices_pack",
    "parse_notices",
    "rule_ids",
    "rules",
]
