"""catalogue: service definitions as data — the interface other apps use.

The definitions live in the country pack (``country/<pack>/services/*.yaml``). The full
schema, loader and validation arrive with the catalogue's own issue; until then this
module reads only what the information-sharing gate needs from them: each service's
evidence list, from which the gate's access rights are seeded (rule 2: the platform's
own services have no standing exemption, they get rights as data like anyone else).

Ids in, frozen dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

__all__ = ["LEVEL_KINDS", "EvidenceNeed", "evidence_needs"]

# A service's competent organisation given as a level, and the organisation kinds that
# are that level (accounts.Organisation.Kind values).
LEVEL_KINDS: dict[str, tuple[str, ...]] = {
    "dong": ("dong", "eup", "myeon"),
    "si_gun_gu": ("si", "gun", "autonomous_gu", "gu", "administrative_city"),
    "sido": ("sido",),
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


def _services_dir() -> Path:
    return Path(settings.EGOV_COUNTRY_DIR) / "services"


def _consumers(competent: dict[str, Any], source: Path) -> tuple[str, ...]:
    if "code" in competent:
        return (str(competent["code"]),)
    level = str(competent.get("level", ""))
    if level not in LEVEL_KINDS:
        raise ValueError(f"{source}: competent_organisation.level must be one of {sorted(LEVEL_KINDS)}, got {level!r}")
    return tuple(f"kind:{kind}" for kind in LEVEL_KINDS[level])


def evidence_needs() -> list[EvidenceNeed]:
    """Every evidence item of every service definition of the pack, in file order."""
    needs: list[EvidenceNeed] = []
    for path in sorted(_services_dir().glob("*.yaml")):
        definition = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        name = definition.get("name") or {}
        consumers = _consumers(definition.get("competent_organisation") or {}, path)
        for item in definition.get("evidence") or []:
            needs.append(EvidenceNeed(
                service_id=str(definition["id"]), service_version=int(definition.get("version", 1)),
                service_name=str(name.get("ko", definition["id"])), service_name_en=str(name.get("en", definition["id"])),
                consumers=consumers, product=str(item["product"]), purpose=str(item["purpose"]),
                consent_exempt_article=str(item.get("consent_exempt_article", "")),
            ))
    return needs
