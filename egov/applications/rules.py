"""Guards the service definitions name (``egov.applications.rules.<name>``); the case engine calls them.

A guard is told the case before the step and answers whether the step may be taken.
``eligible`` raises with the definition's own messages, so an official learns why the
approval is refused; ``evidence_confirms`` only answers, so that an automatic service
refers the case to an official when the registries do not confirm it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language

from egov.applications import definitions
from egov.applications.models import Application
from egov.catalogue.public import ServiceDefinition, service_definition
from egov.core.errors import ValidationError
from egov.workflow.public import TransitionContext


def step_payload(application: Application, definition: ServiceDefinition) -> dict[str, Any]:
    """The payload of a step taken by code that holds the application and its definition.

    The guard and the effect of the step are handed both, instead of reading them back
    by the case: on an automatic service that was four queries of a submission's
    seventy (bench-apply profile).
    """
    return {"application": application, "definition": definition}


def step_subject(context: TransitionContext) -> tuple[Application, ServiceDefinition]:
    """The application a step is taken on and the definition of its version."""
    application = context.payload.get("application")
    definition = context.payload.get("definition")
    if isinstance(application, Application) and application.case_id == context.case.id:
        if isinstance(definition, ServiceDefinition) and (definition.id, definition.version) == (
                application.service_id, application.service_version):
            return application, definition
    else:
        application = Application.objects.get(case_id=context.case.id)
    return application, service_definition(application.service_id, application.service_version)


def eligible(context: TransitionContext) -> bool:
    """The definition's eligibility rules hold on the answers and the facts released for the application."""
    application, definition = step_subject(context)
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    if application.awaiting:
        raise ValidationError(definitions.awaiting_message(application.awaiting, language))
    failing = definitions.rules_failing(definition, application.answers(), application.facts, language)
    if failing:
        raise ValidationError(" ".join(failing))
    return True


def evidence_confirms(context: TransitionContext) -> bool:
    """Every evidence item was released with data, and the eligibility rules hold: the system may decide."""
    application, definition = step_subject(context)
    if application.awaiting:
        return False  # an answer another application gives is not in yet
    released = {item.get("product") for item in application.evidence}
    if any(item.product not in released for item in definition.evidence):
        return False
    facts = application.facts
    for item in definition.evidence:
        value = facts.get(definitions.FACT_NAMES.get(item.product, item.product.replace("-", "_")))
        if value is None:
            return False
    return not definitions.rules_failing(definition, application.answers(), facts, settings.LANGUAGE_CODE[:2])
