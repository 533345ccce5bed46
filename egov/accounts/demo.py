"""Demo personas for ``egov demo``: generated people with fixed, published demo passwords.

The passwords are not secrets: they are printed for whoever runs the demo, and the
function refuses to run in production. The people are invented. Officials get no
authenticator in advance: their first sign-in shows the enrolment QR code, and the
demo-only bypass code (``EGOV_DEMO_OTP_BYPASS``) is accepted in its place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from egov.accounts.models import Organisation, User
from egov.accounts.pack import country_pack_load_if_changed
from egov.accounts.permissions import Role
from egov.accounts.public import DemoLogin
from egov.accounts.services import citizen_sign_up, official_create
from egov.core.errors import PermissionDenied
from egov.notifications.public import send

WELCOME_SUBJECT = "egov 시연에 오신 것을 환영합니다 · Welcome to the egov demo"
WELCOME_BODY = (
    "나의 정부에서 받은 메시지와 내 정보 열람 기록을 확인할 수 있습니다. "
    "이 계정과 사람은 시연을 위해 만들어졌습니다.\n\n"
    "My Gov shows your messages and who viewed your data. "
    "This account and this person were generated for the demonstration."
)


def _welcome(user: User) -> None:
    """One welcome message in the demo citizen's inbox (the idempotency key keeps it to one)."""
    send(recipient_user_id=user.id, subject=WELCOME_SUBJECT, body=WELCOME_BODY, channels=("inbox",),
         category="welcome", idempotency_key=f"demo-welcome-{user.id}")


@dataclass(frozen=True)
class Persona:
    role_label: str
    username: str
    password: str
    display_name: str
    organisation_code: str | None
    roles: tuple[str, ...]
    title: str = ""


PERSONAS: tuple[Persona, ...] = (
    Persona("citizen", "alice", "demo-citizen-pass-1", "Alice Demo (데모 시민)", None, ()),
    Persona("dong-office clerk", "clerk", "demo-clerk-pass-2", "Demo Clerk (데모 주무관)", "adm-1101072",
            (Role.CLERK,), "민원 담당"),
    Persona("si/gun/gu reviewer", "reviewer", "demo-reviewer-pass-3", "Demo Reviewer (데모 팀장)", "sgg-11110",
            (Role.REVIEWER,), "민원여권과 팀장"),
    Persona("agency head", "head", "demo-head-pass-4", "Demo Head (데모 기관장)", "cen-pps", (Role.HEAD,), "청장"),
    Persona("operator", "olivia", "demo-operator-pass-5", "Olivia Demo (데모 운영자)", "cen-mois",
            (Role.OPERATOR,), "플랫폼 운영"),
)


def ensure_demo_accounts() -> list[DemoLogin]:
    if settings.PRODUCTION:
        raise PermissionDenied(_("Demo accounts are never created in production."))
    country_pack_load_if_changed()
    logins: list[DemoLogin] = []
    with transaction.atomic():
        for persona in PERSONAS:
            organisation = (Organisation.objects.get(code=persona.organisation_code)
                            if persona.organisation_code else None)
            if not User.objects.filter(username=persona.username).exists():
                if organisation is None:
                    citizen_sign_up(username=persona.username, password=persona.password,
                                    display_name=persona.display_name)
                else:
                    official_create(username=persona.username, password=persona.password,
                                    display_name=persona.display_name, organisation=organisation,
                                    roles=list(persona.roles), title=persona.title)
            if organisation is None:
                _welcome(User.objects.get(username=persona.username))
            logins.append(DemoLogin(
                role_label=persona.role_label, username=persona.username, password=persona.password,
                organisation_name=organisation.name if organisation else "",
                needs_second_factor=organisation is not None,
            ))
    return logins
