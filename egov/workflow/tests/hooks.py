"""Guards and effects the tests name by dotted path, as a service definition would."""

from __future__ import annotations

from egov.core.errors import ValidationError
from egov.workflow.public import TransitionContext

seen: list[TransitionContext] = []


def has_documents(context: TransitionContext) -> bool:
    return bool(context.case.data.get("documents"))


def refuses_with_reason(context: TransitionContext) -> bool:
    raise ValidationError("The birth date is missing.")


def remember(context: TransitionContext) -> None:
    seen.append(context)


def explodes(context: TransitionContext) -> None:
    raise RuntimeError("the registry is down")
