"""Writes of the catalogue: storing each new version of the pack's definitions."""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

from egov.catalogue.loader import DefinitionError, Pack, line_of_key
from egov.catalogue.models import ServiceDefinitionVersion
from egov.core.errors import ValidationError

logger = logging.getLogger("egov.catalogue")


class CatalogueInvalid(ValidationError):
    """The pack holds definitions that do not validate, or alters a stored version."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


def changed_versions(pack: Pack) -> list[DefinitionError]:
    """Definitions whose stored version differs from the file with the same version number."""
    try:
        stored = {
            (row.service_id, row.version): row.content_hash
            for row in ServiceDefinitionVersion.objects.filter(
                service_id__in=[loaded.definition.id for loaded in pack.services]
            ).only("service_id", "version", "content_hash")
        }
    except DatabaseError:
        # No database yet (``egov check`` before the first migrate): nothing is stored to compare.
        return []
    return [
        DefinitionError(loaded.path, line_of_key(loaded.path, "version"),
                        f"version: {loaded.definition.id} version {loaded.definition.version} is already stored "
                        f"with different content; bump the version to change it")
        for loaded in pack.services
        if stored.get((loaded.definition.id, loaded.definition.version), loaded.content_hash) != loaded.content_hash
    ]


@transaction.atomic
def catalogue_load(*, pack: Pack) -> dict[str, int]:
    """Store every definition version of the pack not stored yet; refuse an invalid pack or an altered version.

    Idempotent: a second run stores nothing. Existing rows are never updated.
    """
    errors = [*pack.errors, *changed_versions(pack)]
    if errors:
        raise CatalogueInvalid(errors)
    existing = set(ServiceDefinitionVersion.objects.values_list("service_id", "version"))
    new = [
        ServiceDefinitionVersion(service_id=loaded.definition.id, version=loaded.definition.version,
                                 content=loaded.content, content_hash=loaded.content_hash)
        for loaded in pack.services
        if (loaded.definition.id, loaded.definition.version) not in existing
    ]
    ServiceDefinitionVersion.objects.bulk_create(new)
    if new:
        logger.info("catalogue: stored %d new definition versions", len(new))
    return {"stored": len(new), "services": len(pack.services)}
