"""System checks of the certificates app: ``egov check`` stops on a document template that does not parse,
and warns when the Korean font the documents are set in is not installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register("egov")
def document_templates_validate(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from egov.certificates.rendering import FONT_FILES
    from egov.certificates.templates_pack import TemplateInvalid, all_templates

    messages: list[CheckMessage] = []
    try:
        all_templates()
    except TemplateInvalid as error:
        messages.append(
            Error(
                error.message, hint="docs/certificates.md describes the format.", id="egov.certificates.E001"
            )
        )
    missing = [
        name
        for name in FONT_FILES.values()
        if not (Path(settings.EGOV_CERTIFICATE_FONT_DIR) / name).is_file()
    ]
    if missing:
        messages.append(
            Warning(
                f"The font files {', '.join(missing)} are missing from {settings.EGOV_CERTIFICATE_FONT_DIR}: "
                "no document can be issued.",
                hint="Run `make install` (npm package pretendard-gov) or set EGOV_CERTIFICATE_FONT_DIR.",
                id="egov.certificates.W001",
            )
        )
    return messages
