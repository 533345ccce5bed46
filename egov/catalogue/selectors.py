"""Reads of the catalogue: search, browse and the versions stored for cases.

Search works on the pack's current definitions (cached by the loader) and forgives the
way people type: spaces and punctuation are ignored (``전입 신고`` finds 전입신고),
part of a word is enough (``전입``, ``move``), and each service's everyday words count
(``이사`` finds the move-in report). Both languages are searched whatever the page's
language; results are named in the language asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from egov.catalogue.loader import Pack, load_pack
from egov.catalogue.models import ServiceDefinitionVersion
from egov.catalogue.schema import ServiceDefinition, definition_adapter
from egov.core import memo
from egov.core.errors import NotFound

LEVELS = ("dong", "si_gun_gu", "sido", "ministry")


def level_label(level: str) -> str:
    return {
        "dong": _("Eup, myeon and dong offices"),
        "si_gun_gu": _("Si, gun and gu offices"),
        "sido": _("Provinces and metropolitan cities"),
        "ministry": _("Ministries"),
    }.get(level, level)


@dataclass(frozen=True)
class ServiceSummary:
    """What a list or a search result shows of a service, in one language."""

    id: str
    version: int
    kind: str
    name: str
    description: str
    task_area: str
    task_area_name: str
    organisation_key: str
    organisation: str
    fee_amount: int
    fee_online_amount: int | None
    currency: str
    sla_value: int | None
    sla_unit: str | None
    fully_online: bool
    life_events: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class SearchResult:
    service: ServiceSummary
    score: int


@dataclass(frozen=True)
class Group:
    """A task area, a life event or an organisation, with how many services it has."""

    key: str
    name: str
    description: str
    count: int


def normalise(text: str) -> str:
    return re.sub(r"[\s\-·・,./()'’]+", "", text.casefold())


def organisation_key(definition: ServiceDefinition) -> str:
    organisation = definition.competent_organisation
    return organisation.code or f"level-{organisation.level}"


def _organisation_label(pack: Pack, definition: ServiceDefinition, language: str) -> str:
    organisation = definition.competent_organisation
    if organisation.code:
        text = pack.organisations.get(organisation.code)
        return text.get(language) if text else organisation.code
    return level_label(organisation.level or "")


def summary(pack: Pack, definition: ServiceDefinition, language: str) -> ServiceSummary:
    area = next((a for a in pack.task_areas if a.slug == definition.task_area), None)
    return ServiceSummary(
        id=definition.id, version=definition.version, kind=definition.kind,
        name=definition.name.get(language), description=definition.description.get(language),
        task_area=definition.task_area, task_area_name=area.name.get(language) if area else definition.task_area,
        organisation_key=organisation_key(definition), organisation=_organisation_label(pack, definition, language),
        fee_amount=definition.fee.amount, fee_online_amount=definition.fee.online_amount, currency=definition.fee.currency,
        sla_value=definition.sla.value if definition.sla else None, sla_unit=definition.sla.unit if definition.sla else None,
        fully_online=definition.fully_online, life_events=definition.life_events,
        url=reverse("catalogue:service", args=[definition.id]),
    )


def _haystacks(pack: Pack, definition: ServiceDefinition) -> list[tuple[int, str]]:
    area = next((a for a in pack.task_areas if a.slug == definition.task_area), None)
    events = [e for e in pack.life_events if e.slug in definition.life_events]
    weighted = [(100, definition.name.ko), (100, definition.name.en), (60, definition.id)]
    weighted += [(80, word) for word in (*definition.keywords.ko, *definition.keywords.en)]
    weighted += [(30, definition.description.ko), (30, definition.description.en)]
    if area is not None:
        weighted += [(20, area.name.ko), (20, area.name.en)]
    weighted += [(20, text) for event in events for text in (event.name.ko, event.name.en)]
    return [(weight, normalise(text)) for weight, text in weighted]


def _score(query: str, haystacks: list[tuple[int, str]]) -> int:
    whole = normalise(query)
    if not whole:
        return 0
    best = max((weight + (40 if text == whole else 20 if text.startswith(whole) else 0)
                for weight, text in haystacks if whole in text), default=0)
    if best:
        return best
    # Words in any order, each found somewhere ("report move-in", "신고 전입").
    words = [normalise(word) for word in query.split() if normalise(word)]
    if len(words) > 1 and all(any(word in text for _, text in haystacks) for word in words):
        return 10
    return 0


def service_search(*, query: str, language: str) -> list[SearchResult]:
    pack = load_pack()
    results = []
    for loaded in pack.services:
        score = _score(query, _haystacks(pack, loaded.definition))
        if score:
            results.append(SearchResult(service=summary(pack, loaded.definition, language), score=score))
    return sorted(results, key=lambda result: (-result.score, result.service.name))


def service_list(*, language: str, task_area: str | None = None, life_event: str | None = None,
                 organisation: str | None = None) -> list[ServiceSummary]:
    pack = load_pack()
    chosen = [
        loaded.definition for loaded in pack.services
        if (task_area is None or loaded.definition.task_area == task_area)
        and (life_event is None or life_event in loaded.definition.life_events)
        and (organisation is None or organisation_key(loaded.definition) == organisation)
    ]
    return sorted((summary(pack, definition, language) for definition in chosen), key=lambda s: s.name)


def task_area_list(*, language: str) -> list[Group]:
    pack = load_pack()
    return [
        Group(key=area.slug, name=area.name.get(language), description="",
              count=sum(1 for loaded in pack.services if loaded.definition.task_area == area.slug))
        for area in pack.task_areas
    ]


def life_event_list(*, language: str) -> list[Group]:
    pack = load_pack()
    return [
        Group(key=event.slug, name=event.name.get(language),
              description=event.description.get(language) if event.description else "",
              count=sum(1 for loaded in pack.services if event.slug in loaded.definition.life_events))
        for event in pack.life_events
    ]


def organisation_list(*, language: str) -> list[Group]:
    pack = load_pack()
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for loaded in pack.services:
        key = organisation_key(loaded.definition)
        counts[key] = counts.get(key, 0) + 1
        labels[key] = _organisation_label(pack, loaded.definition, language)
    order = [f"level-{level}" for level in LEVELS] + sorted(key for key in counts if not key.startswith("level-"))
    return [Group(key=key, name=labels[key], description="", count=counts[key]) for key in order if key in counts]


def current_definition(service_id: str) -> ServiceDefinition:
    loaded = load_pack().service(service_id)
    if loaded is None:
        raise NotFound(_("There is no service “%(id)s” in the catalogue.") % {"id": service_id})
    return loaded.definition


_by_hash: dict[str, ServiceDefinition] = {}


def stored_definition(service_id: str, version: int | None = None) -> ServiceDefinition:
    """A stored version (the latest when none is given), parsed once per process.

    Versions are never altered, and ``content_hash`` names a version's content, so
    the query asks only for the hash; the content is read and parsed only the first
    time a hash is seen. Reading and re-encoding the JSON on every call cost more than
    the rest of a look-up, several times per application (bench-apply profile). Within
    a memo scope (``egov.core.memo``: one application filed) a version is looked up once.
    """
    found = memo.remembered(("catalogue.definition", service_id, version),
                            lambda: _stored_definition(service_id, version))
    if version is None:
        # The latest, found by id alone, is also that version: the filing's later look-ups by version find it here.
        memo.remember(("catalogue.definition", service_id, found.version), found)
    return found


def _stored_definition(service_id: str, version: int | None) -> ServiceDefinition:
    rows = ServiceDefinitionVersion.objects.filter(service_id=service_id)
    rows = rows.filter(version=version) if version is not None else rows.order_by("-version")
    found = rows.values_list("id", "content_hash").first()
    if found is None:
        raise NotFound(_("There is no service “%(id)s” in the catalogue.") % {"id": service_id})
    row_id, content_hash = found
    definition = _by_hash.get(content_hash)
    if definition is None:
        content: Any = ServiceDefinitionVersion.objects.filter(id=row_id).values_list("content", flat=True).get()
        definition = definition_adapter.validate_python(content)
        if len(_by_hash) >= 4096:
            _by_hash.clear()
        _by_hash[content_hash] = definition
    return definition


def organisation_name(key: str, language: str) -> str:
    pack = load_pack()
    if key.startswith("level-"):
        return level_label(key.removeprefix("level-"))
    text = pack.organisations.get(key)
    return text.get(language) if text else key
