"""The e-government programme's KPIs, each computed from the records when asked (never from counters kept beside them).

A KPI is a definition (what it measures, the formula, where the data comes from, the
goal and which way is better) and a computation over a period: the other apps answer
with GROUP BY tallies through their ``public.py`` (applications, cases, documents,
messages, the catalogue, the resident register, the audit log for verifications), and
this module divides. So the dashboard, the public statistics, the exports and
``egov simulate`` all show the same figure for the same period, and a figure can be
checked against the rows it comes from. ``docs/metrics.md`` lists every KPI; ADR 0100
says why nothing is counted on the side.

Drill-down: ``organisation_id`` narrows every figure that belongs to an office (the
applications it received, its cases); ``region`` (the province code, the first two
digits of an office's region code) narrows them to the offices of a province. A KPI that does not
belong to an office (the catalogue's online share, the usage rate) stays national and
says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from egov.accounts import public as accounts
from egov.applications import public as applications
from egov.catalogue import public as catalogue
from egov.certificates import public as certificates
from egov.core import clock
from egov.exchange import public as exchange
from egov.notifications import public as notifications
from egov.workflow import public as workflow

StrOrPromise = str | Promise


@dataclass(frozen=True)
class Definition:
    """What a KPI measures, how, from which records, and the goal it is held to."""

    key: str
    name: StrOrPromise
    formula: StrOrPromise
    source: StrOrPromise
    goal: float | None  # None: no goal set
    goal_source: StrOrPromise
    unit: str  # "percent", "per_person" or "count"
    higher_is_better: bool = True
    by_office: bool = True  # narrowed by an organisation or a region on the dashboard
    measured: bool = True  # False: not measured yet (said so, never a made-up figure)


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "online_services", _("Fully online services"),
        _("Services of the catalogue whose every purpose may be applied for online and whose result is "
          "delivered online, divided by all services of the catalogue (bundles excluded)."),
        _("The service definitions of the country pack (catalogue): their channels and delivery."),
        85.0, _("Programme objective: 85% of public services fully online."), "percent", by_office=False),
    Definition(
        "online_applications", _("Applications filed online"),
        _("Applications filed online divided by all applications filed in the period (online and at a counter)."),
        _("Applications (applications): the channel each was filed through."),
        85.0, _("Platform objective, aligned with the programme's 85% online objective."), "percent"),
    Definition(
        "no_visit_completion", _("Cases completed with no visit"),
        _("Cases closed in the period that were filed online for a service whose result is delivered online, "
          "divided by all cases closed in the period."),
        _("Cases (workflow): channel and closing; service definitions (catalogue): delivery."),
        70.0, _("Platform objective."), "percent"),
    Definition(
        "visits_per_applicant", _("Office visits per applicant per year"),
        _("Visits (each application filed at a counter, and each online application whose result is collected "
          "at an office) divided by the people who applied, scaled to a year."),
        _("Applications (applications): channel and applicant; service definitions (catalogue): delivery."),
        3.0, _("Programme objective: at most three visits a year for a civil applicant."), "per_person",
        higher_is_better=False),
    Definition(
        "usage_rate", _("Usage rate"),
        _("Residents who filed at least one application in the last 12 months, divided by the residents "
          "living and registered at the end of the period."),
        _("Applications (applications): distinct applicants; resident register (registries): living residents."),
        60.0, _("Programme objective: 60% of residents use e-government."), "percent", by_office=False),
    Definition(
        "born_digital", _("Documents born digital"),
        _("Documents issued as signed digital originals, divided by those plus the results handed over on paper "
          "(applications for a service whose result is delivered only at a counter or by post)."),
        _("Issued documents (certificates); applications and service definitions for paper results."),
        90.0, _("Platform objective for the digitisation of documents."), "percent", by_office=False),
    Definition(
        "once_only", _("Once-only rate"),
        _("Applications for which the evidence was fetched through the information-sharing gate, divided by all "
          "applications for services that need evidence (the rest had it brought on paper)."),
        _("Applications (applications): the evidence the gate released; service definitions: evidence needed."),
        95.0, _("Platform objective: the once-only principle."), "percent"),
    Definition(
        "sla_compliance", _("Processing on time"),
        _("Cases closed no later than their legal processing time, divided by all cases closed in the period; "
          "open cases past their due time are shown beside it."),
        _("Cases (workflow): closing time and due time on the working-day calendar."),
        95.0, _("Platform objective: the Civil Petitions Act's processing times."), "percent"),
    Definition(
        "verifications", _("Verifications of issued documents"),
        _("Checks of documents by confirmation number, QR code or upload, in the period (and the share found valid)."),
        _("The audit log (core): each verification is an entry."),
        None, _("No goal: a measure of use."), "count", by_office=False),
    Definition(
        "notices_acted_on", _("Notices opened"),
        _("Messages to people (notices of cases, proactive notices) opened by their recipient, divided by the "
          "messages sent in the period."),
        _("Messages (notifications): sent and read."),
        50.0, _("Platform objective."), "percent", by_office=False),
    Definition(
        "e_participation", _("E-participation rate"),
        _("Residents who took part (a petition, a proposal, a consultation) in the last 12 months, divided by "
          "living residents."),
        _("Participation (not built yet)."),
        None, _("Set once participation exists."), "percent", by_office=False, measured=False),
)

BY_KEY = {d.key: d for d in DEFINITIONS}


@dataclass(frozen=True)
class Value:
    """One KPI over one period: the figure, what it was computed from, and whether the goal is met."""

    definition: Definition
    value: float | None
    numerator: float
    denominator: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        goal = self.definition.goal
        if self.value is None or goal is None:
            return None
        return self.value >= goal if self.definition.higher_is_better else self.value <= goal


@dataclass(frozen=True)
class Scope:
    """The period and the drill-down of a computation."""

    since: datetime
    until: datetime
    organisation_id: UUID | None = None
    region: str = ""


def _percent(numerator: float, denominator: float) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


def year_scope(year: int, *, organisation_id: UUID | None = None, region: str = "") -> Scope:
    """The calendar year ``year`` in the platform's time zone, narrowed as asked."""
    start = datetime(year, 1, 1, tzinfo=clock.now().tzinfo)
    return Scope(since=start, until=start.replace(year=year + 1), organisation_id=organisation_id, region=region)


class _Data:
    """The tallies of one scope, each fetched once (a handful of GROUP BY queries per page)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._regions: dict[UUID | None, str] = {}
        self.reach = {s.service_id: s for s in catalogue.service_reach()}
        apps = applications.application_tallies(since=scope.since, until=scope.until)
        if scope.organisation_id:
            apps = [t for t in apps if t.organisation_id == scope.organisation_id]
        self.apps = apps
        cases = workflow.case_tallies(since=scope.since, until=scope.until, now=min(clock.now(), scope.until))
        if scope.organisation_id:
            cases = [t for t in cases if t.organisation_id == scope.organisation_id]
        self.cases = cases
        if scope.region:
            self.apps = [t for t in self.apps if self.region_of(t.organisation_id) == scope.region]
            self.cases = [t for t in self.cases if self.region_of(t.organisation_id) == scope.region]

    def region_of(self, organisation_id: UUID | None) -> str:
        """The province an office belongs to: the first two digits of its region code (empty for central bodies)."""
        if organisation_id not in self._regions:
            org = accounts.organisation(id=organisation_id) if organisation_id else None
            self._regions[organisation_id] = org.region_code[:2] if org else ""
        return self._regions[organisation_id]


def _online_services(data: _Data) -> Value:
    services = list(data.reach.values())
    online = sum(1 for s in services if s.fully_online)
    return Value(BY_KEY["online_services"], _percent(online, len(services)), online, len(services))


def _online_applications(data: _Data) -> Value:
    online = sum(t.count for t in data.apps if t.channel == "online")
    total = sum(t.count for t in data.apps)
    return Value(BY_KEY["online_applications"], _percent(online, total), online, total,
                 {"counter": total - online})


def _delivered_online(data: _Data, service_id: str) -> bool:
    reach = data.reach.get(service_id)
    return reach.delivered_online if reach else False


def _no_visit(data: _Data) -> Value:
    closed = sum(t.closed for t in data.cases)
    no_visit = sum(t.closed for t in data.cases if t.channel == "online" and _delivered_online(data, t.service_id))
    return Value(BY_KEY["no_visit_completion"], _percent(no_visit, closed), no_visit, closed)


def _visits(data: _Data) -> Value:
    visits = sum(t.count for t in data.apps
                 if t.channel == "counter" or not _delivered_online(data, t.service_id))
    people = applications.applicant_tally(since=data.scope.since, until=data.scope.until).applicants
    if data.scope.organisation_id or data.scope.region:
        # An office's applicants are not a distinct count the tallies carry: use its applications as the base.
        people = sum(t.count for t in data.apps)
    days = max((data.scope.until - data.scope.since).days, 1)
    per_year = visits / people * 365.0 / days if people else None
    return Value(BY_KEY["visits_per_applicant"], round(per_year, 2) if per_year is not None else None, visits, people)


def _usage(data: _Data) -> Value:
    end = min(clock.now(), data.scope.until)
    users = applications.applicant_tally(since=end - timedelta(days=365), until=end).applicants
    residents = exchange.residents_living_count(on=end.date())
    return Value(BY_KEY["usage_rate"], _percent(users, residents), users, residents)


def _born_digital(data: _Data) -> Value:
    issued = sum(t.issued for t in certificates.issuance_tallies(since=data.scope.since, until=data.scope.until))
    paper = sum(t.count for t in data.apps if not _delivered_online(data, t.service_id)
                and t.service_id in data.reach and data.reach[t.service_id].issues_document)
    return Value(BY_KEY["born_digital"], _percent(issued, issued + paper), issued, issued + paper, {"paper": paper})


def _once_only(data: _Data) -> Value:
    needing = [t for t in data.apps if t.service_id in data.reach and data.reach[t.service_id].needs_evidence]
    fetched = sum(t.with_evidence for t in needing)
    total = sum(t.count for t in needing)
    return Value(BY_KEY["once_only"], _percent(fetched, total), fetched, total)


def _sla(data: _Data) -> Value:
    on_time = sum(t.closed_on_time for t in data.cases)
    closed = sum(t.closed for t in data.cases)
    overdue = sum(t.open_overdue for t in data.cases)
    return Value(BY_KEY["sla_compliance"], _percent(on_time, closed), on_time, closed,
                 {"late": sum(t.closed_late for t in data.cases), "open_overdue": overdue})


def _verifications(data: _Data) -> Value:
    from egov.metrics.selectors import verification_tallies

    tallies = verification_tallies(since=data.scope.since, until=data.scope.until)
    total = sum(n for (_month, _outcome), n in tallies.items())
    valid = sum(n for (_month, outcome), n in tallies.items() if outcome == "success")
    return Value(BY_KEY["verifications"], float(total), valid, total, {"valid": valid})


def _notices(data: _Data) -> Value:
    tallies = notifications.message_tallies(since=data.scope.since, until=data.scope.until)
    sent = sum(t.sent for t in tallies)
    opened = sum(t.opened for t in tallies)
    return Value(BY_KEY["notices_acted_on"], _percent(opened, sent), opened, sent)


def _participation(data: _Data) -> Value:
    return Value(BY_KEY["e_participation"], None, 0, 0)


_COMPUTE = {
    "online_services": _online_services, "online_applications": _online_applications, "no_visit_completion": _no_visit,
    "visits_per_applicant": _visits, "usage_rate": _usage, "born_digital": _born_digital, "once_only": _once_only,
    "sla_compliance": _sla, "verifications": _verifications, "notices_acted_on": _notices,
    "e_participation": _participation,
}


def kpis_compute(scope: Scope) -> list[Value]:
    """Every KPI over ``scope``, in the order of :data:`DEFINITIONS`."""
    data = _Data(scope)
    return [_COMPUTE[d.key](data) for d in DEFINITIONS]


@dataclass(frozen=True)
class MonthPoint:
    month: date
    value: float | None


def series_monthly(scope: Scope, keys: Iterable[str]) -> dict[str, list[MonthPoint]]:
    """The KPIs that have a monthly meaning, month by month over ``scope`` (for the charts), from the same tallies."""
    data = _Data(scope)
    months: list[date] = []
    cursor = date(scope.since.year, scope.since.month, 1)
    end = scope.until.date()
    while cursor < end:
        months.append(cursor)
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    apps_by_month: dict[date, list[applications.ApplicationTally]] = defaultdict(list)
    for a in data.apps:
        apps_by_month[a.month].append(a)
    cases_by_month: dict[date, list[workflow.CaseTally]] = defaultdict(list)
    for c in data.cases:
        cases_by_month[c.month].append(c)
    series: dict[str, list[MonthPoint]] = {}
    for key in keys:
        points = []
        for month in months:
            apps, cases = apps_by_month.get(month, []), cases_by_month.get(month, [])
            if key == "online_applications":
                total = sum(a.count for a in apps)
                value = _percent(sum(a.count for a in apps if a.channel == "online"), total)
            elif key == "once_only":
                needing = [a for a in apps if a.service_id in data.reach and data.reach[a.service_id].needs_evidence]
                value = _percent(sum(a.with_evidence for a in needing), sum(a.count for a in needing))
            elif key == "sla_compliance":
                value = _percent(sum(c.closed_on_time for c in cases), sum(c.closed for c in cases))
            elif key == "no_visit_completion":
                value = _percent(sum(c.closed for c in cases if c.channel == "online"
                                     and _delivered_online(data, c.service_id)), sum(c.closed for c in cases))
            elif key == "applications":
                value = float(sum(a.count for a in apps))
            else:
                raise KeyError(key)
            points.append(MonthPoint(month=month, value=value))
        series[key] = points
    return series


@dataclass(frozen=True)
class OfficeRow:
    organisation_id: UUID | None
    region: str
    applications: int
    online: int
    closed: int
    on_time: int
    open_overdue: int

    @property
    def online_share(self) -> float | None:
        return _percent(self.online, self.applications)

    @property
    def on_time_share(self) -> float | None:
        return _percent(self.on_time, self.closed)


def offices_breakdown(scope: Scope) -> list[OfficeRow]:
    """Per office: applications, the online share, and processing on time (the SLA compliance per office)."""
    data = _Data(scope)
    apps: dict[UUID | None, list[int]] = defaultdict(lambda: [0, 0])
    for a in data.apps:
        apps[a.organisation_id][0] += a.count
        apps[a.organisation_id][1] += a.count if a.channel == "online" else 0
    cases: dict[UUID | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in data.cases:
        row = cases[c.organisation_id]
        row[0] += c.closed
        row[1] += c.closed_on_time
        row[2] += c.open_overdue
    rows = [
        OfficeRow(organisation_id=org, region=data.region_of(org), applications=apps[org][0], online=apps[org][1],
                  closed=cases[org][0], on_time=cases[org][1], open_overdue=cases[org][2])
        for org in set(apps) | set(cases)
    ]
    return sorted(rows, key=lambda r: (-r.applications, str(r.organisation_id)))
