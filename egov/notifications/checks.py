"""System checks of the notifications app: a notices file that does not validate stops ``egov check``."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register


@register("egov")
def notices_validate(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from egov.notifications.notices import check_notices

    return [
        Error(problem, hint="Fix the notices file; docs/notifications.md describes the format.", id="egov.notifications.E001")
        for problem in check_notices()
    ]
