"""catalogue: service definitions as data — the interface other apps use.

The definitions live in the country pack (``country/<pack>/services/*.yaml``), in the
format of ``egov.catalogue.schema`` (docs/catalogue.md). Other apps get:

- ``service_definition(service_id, version=None)``: a stored version, frozen (a case
  keeps the version it started under; without a version, the latest);
- ``search(query, language)`` and the browse functions (by task area, life event and
  competent organisation), returning frozen summaries with the service page's URL;
- ``rule_holds(rule, form=…, facts=…)``: the evaluation of a definition's rules;
- ``evidence_needs()``: every evidence item of every service, from which the
  information-sharing gate seeds its access rights (rule 2: the platform's own services
  have no standing exemption, they get rights as data like anyone else);
- ``load_catalogue()``: the bootstrap step storing new versions.

Ids in, frozen dataclasses out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from egov.catalogue import expressions, selectors
from egov.catalogue.loader import Pack, load_pack
from egov.catalogue.schema import (
    Channel,
    CompetentOrganisation,
    Document,
    Effect,
    EligibilityRule,
    EvidenceItem,
    Fee,
    FormField,
    ServiceDefinition,
    Sla,
    Text,
    Transition,
    Workflow,
    WorkflowState,
)
from egov.catalogue.selectors import Group, SearchResult, ServiceSummary
from egov.catalogue.services import CatalogueInvalid, catalogue_load
from egov.workflow import public as workflow

__all__ = [
    "LEVEL_KINDS", "CatalogueInvalid", "Channel", "CompetentOrganisation", "Document", "Effect", "EligibilityRule",
    "EvidenceItem", "EvidenceNeed", "Fee", "FormField", "Group", "SearchResult", "ServiceDefinition", "ServiceSummary",
    "Sla", "Text", "Transition", "Workflow", "WorkflowState", "evidence_needs", "life_events", "load_catalogue",
    "organisations", "rule_holds", "search", "service_definition", "services", "stand_in_consumers", "task_areas",
]

# A service's competent organisation given as a level, and the organisation kinds that
# are that level (accounts.Organisation.Kind values).
LEVEL_KINDS: dict[str, tuple[str, ...]] = {
    "dong": ("dong", "eup", "myeon"),
    "si_gun_gu": ("si", "gun", "autonomous_gu", "gu", "administrative_city"),
    "sido": ("sido",),
    "ministry": ("ministry",),
}


@dataclass(frozen=True)
class EvidenceNeed:
    """One data product a service fetches, for one purpose, by its competent organisations."""

    service_id: str
    service_version: int
    service_name: str
    service_name_en: str
    consumers: tuple[str, ...]  # organisation codes, or "kind:<organisation kind>"
    product: str
    purpose: str
    consent_exempt_article: str


# Where the pack has no office of a level for an address, the case goes to the next level
# up (workflow.public.COMPETENCE_FALLBACK: a si/gun/gu office decides a dong-level service
# for a dong without an office of its own). That office reads the evidence under the same
# right, given to the consumer "standin:<level>", which the gate matches for the offices above.


def stand_in_consumers(kind: str) -> tuple[str, ...]:
    """The ``standin:<level>`` consumers an organisation of ``kind`` matches (a gu stands in for dongs)."""
    return tuple(f"standin:{level}" for level, chain in workflow.COMPETENCE_FALLBACK.items()
                 if any(kind in LEVEL_KINDS[above] for above in chain[1:]))


def _consumers(organisation: CompetentOrganisation, pack: Pack) -> tuple[str, ...]:
    if organisation.level == "field_office" and organisation.code:
        # The field office that decides (종로세무서) reads the evidence, under the right
        # the definition gives its agency and each office below it.
        return (organisation.code, *pack.offices_under(organisation.code))
    if organisation.code:
        return (organisation.code,)
    level = organisation.level or ""
    stands_in = (f"standin:{level}",) if len(workflow.COMPETENCE_FALLBACK.get(level, ())) > 1 else ()
    return (*(f"kind:{kind}" for kind in LEVEL_KINDS[level]), *stands_in)


def evidence_needs() -> list[EvidenceNeed]:
    """Every evidence item of every service definition of the pack, in file order.

    Raises CatalogueInvalid when a definition does not validate: rights are never seeded
    from a definition nobody could check.
    """
    pack = load_pack()
    if pack.errors:
        raise CatalogueInvalid(list(pack.errors))
    return [
        EvidenceNeed(
            service_id=loaded.definition.id, service_version=loaded.definition.version,
            service_name=loaded.definition.name.ko, service_name_en=loaded.definition.name.en,
            consumers=_consumers(loaded.definition.competent_organisation, pack), product=item.product,
            purpose=item.purpose, consent_exempt_article=item.consent_exempt_article,
        )
        for loaded in pack.services
        for item in loaded.definition.evidence
    ]


def load_catalogue() -> dict[str, int]:
    """Bootstrap step: store each definition version not stored yet (never alter one)."""
    return catalogue_load(pack=load_pack())


def service_definition(service_id: str, version: int | None = None) -> ServiceDefinition:
    """The stored definition of a service: the given version, or the latest. Raises NotFound."""
    return selectors.stored_definition(service_id, version)


def rule_holds(rule: str, *, form: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether a definition's rule (eligibility, show_if, exemption, effect condition) holds."""
    return expressions.evaluate(rule, form=form, facts=facts)


def search(query: str, language: str) -> list[SearchResult]:
    """Services matching what a person typed, best first (spacing, partial words and everyday words forgiven)."""
    return selectors.service_search(query=query, language=language)


def services(*, language: str, task_area: str | None = None, life_event: str | None = None,
             organisation: str | None = None) -> list[ServiceSummary]:
    """The services of a task area, a life event or an organisation (key from ``organisations``), by name."""
    return selectors.service_list(language=language, task_area=task_area, life_event=life_event,
                                  organisation=organisation)


def task_areas(language: str) -> list[Group]:
    return selectors.task_area_list(language=language)


def life_events(language: str) -> list[Group]:
    return selectors.life_event_list(language=language)


def organisations(language: str) -> list[Group]:
    """The competent organisations (a level such as ``level-dong``, or one body's code) with services."""
    return selectors.organisation_list(language=language)


# --- programme KPIs (metrics, issue 8) ----------------------------------------------------------


@dataclass(frozen=True)
class ServiceReach:
    """What the programme's KPIs need to know of one service of the catalogue."""

    service_id: str
    name_ko: str
    name_en: str
    fully_online: bool  # every purpose may be applied for online and the result comes online
    delivered_online: bool  # the result can come online (no visit to collect it)
    needs_evidence: bool  # the definition fetches evidence from registries (the once-only principle applies)
    issues_document: bool


def service_reach() -> list[ServiceReach]:
    """Every service (not bundles) of the loaded country pack, as the KPIs see it."""
    from egov.catalogue.loader import load_pack as _load

    reach = []
    for loaded in _load().services:
        definition = loaded.definition
        if definition.kind != "service":
            continue
        reach.append(ServiceReach(
            service_id=definition.id, name_ko=definition.name.get("ko"), name_en=definition.name.get("en"),
            fully_online=definition.fully_online, delivered_online="online" in definition.delivery,
            needs_evidence=bool(definition.evidence), issues_document=definition.document is not None,
        ))
    return sorted(reach, key=lambda s: s.service_id)


__all__ += ["ServiceReach", "service_reach"]
