"""System checks of the catalogue: a definition that does not validate stops ``egov check``."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register


@register("egov")
def service_definitions_validate(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from egov.catalogue.loader import load_pack
    from egov.catalogue.services import changed_versions

    pack = load_pack()
    messages: list[CheckMessage] = [
        Error(str(error), hint="Fix the definition; docs/catalogue.md describes the format.", id="egov.catalogue.E001")
        for error in pack.errors
    ]
    messages += [
        Error(str(error), hint="A stored version is never altered: bump `version:` in the file.", id="egov.catalogue.E002")
        for error in changed_versions(pack)
    ]
    return messages
