"""The only way to load an application for a person: the applicant, or an official of an office that sees it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from egov.accounts.public import OfficialInfo, official_info
from egov.applications.models import Application, ApplicationOffice
from egov.core.errors import NotFound, PermissionDenied
from egov.workflow import public as workflow


def signed_in_user_id(request: Any) -> UUID:
    """The signed-in person's id (views and endpoints that admit only signed-in people call this)."""
    user_id = getattr(request.user, "id", None)
    if not isinstance(user_id, UUID):
        raise PermissionDenied(_("Sign in to see your applications."))
    return user_id


def application_for_applicant(*, user: Any, application_id: UUID) -> Application:
    """The signed-in person's own application; another's answers as if it did not exist."""
    application = Application.objects.filter(id=application_id, applicant_id=user.id).first()
    if application is None:
        raise NotFound(_("There is no such application among yours."))
    return application


def official_of(user: Any) -> OfficialInfo:
    info = official_info(user_id=user.id) if getattr(user, "is_official", False) else None
    if info is None:
        raise PermissionDenied(_("Only an official of an office works on cases."))
    return info


def application_for_official(*, user: Any, case_id: UUID) -> tuple[Application, OfficialInfo, bool]:
    """The application of a case the official's office decides or is told about; ``True`` when it decides."""
    official = official_of(user)
    application = Application.objects.filter(case_id=case_id).first()
    case = workflow.case_get(case_id=case_id)
    if application is None or case is None:
        raise NotFound(_("There is no such case."))
    decides = ("operator" in official.roles or case.organisation_id == official.organisation.id
               or (bool(case.admin_dong_code) and case.admin_dong_code in official.jurisdiction))
    informed = ApplicationOffice.objects.filter(application=application,
                                                organisation_id=official.organisation.id).exists()
    if not (decides or informed):
        raise PermissionDenied(_("This case belongs to another office."))
    return application, official, decides
