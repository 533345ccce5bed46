"""Writes of the accounts app: accounts, officials, second factors, tokens, agency systems.

Every security-relevant change is appended to the audit chain in the same transaction
(rule 4 of ARCHITECTURE.md), with the account as the subject (``user:<id>``) so that
a person sees it in "Who viewed my data" and an auditor can follow one account.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.models import (
    AgencyCredential,
    AgencySystem,
    Official,
    Organisation,
    PersonalAccessToken,
    RoleAssignment,
    User,
)
from egov.accounts.permissions import Role
from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import Conflict, NotFound, ValidationError

PAT_PREFIX = "pat_"
AGENCY_PREFIX = "agy_"
TOKEN_LIFETIMES_DAYS = (7, 30, 90, 365)
MAX_ACTIVE_TOKENS = 20


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def subject_of(user: User) -> str:
    return f"user:{user.id}"


class Actor(TypedDict):
    actor: str
    actor_label: str


def actor_of(user: User | None) -> Actor:
    """Who did it, for the audit entry: the user, or the platform itself (commands, bootstrap)."""
    if user is None:
        return {"actor": "system:egov", "actor_label": "egov"}
    return {"actor": subject_of(user), "actor_label": user.username}


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(
            _("Choose another password."), field_errors={"password": [str(m) for m in exc.messages]}
        ) from exc


# --- Accounts ------------------------------------------------------------------------------


@transaction.atomic
def citizen_sign_up(*, username: str, password: str, display_name: str, email: str = "",
                    source_ip: str | None = None) -> User:
    """Open a citizen account. It is not linked to a resident record until identity proofing."""
    user = User(username=username, display_name=display_name, email=email, kind=User.Kind.CITIZEN)
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(_("This user ID is taken: choose another."),
                       field_errors={"username": [_("This user ID is taken: choose another.")]}) from None
    audit_append(action="account.sign_up", actor=subject_of(user), actor_label=user.username,
                 subject=subject_of(user), source_ip=source_ip, object_ref=subject_of(user))
    return user


@transaction.atomic
def user_change_password(*, user: User, new_password: str, source_ip: str | None = None) -> None:
    """Set a new password. Sessions remembering the old one stop working (Django's session auth hash)."""
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_append(action="account.password_change", **actor_of(user), subject=subject_of(user),
                 source_ip=source_ip, object_ref=subject_of(user))


@transaction.atomic
def official_create(*, username: str, password: str, display_name: str, organisation: Organisation,
                    roles: list[str], title: str = "", email: str = "", by: User | None = None) -> User:
    """Create an official's account in ``organisation`` holding ``roles``."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))})
    user = User(username=username, display_name=display_name, email=email, kind=User.Kind.OFFICIAL)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    official = Official.objects.create(user=user, organisation=organisation, title=title)
    RoleAssignment.objects.bulk_create([RoleAssignment(official=official, role=role) for role in roles])
    audit_append(action="account.official_create", **actor_of(by), subject=subject_of(user),
                 object_ref=f"organisation:{organisation.code}", detail={"roles": sorted(roles)})
    return user


# --- Second factor (TOTP) ----------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (an earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def totp_pending_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


@transaction.atomic
def totp_device_confirm(*, user: User, code: str, source_ip: str | None = None) -> TOTPDevice:
    """Confirm the pending authenticator with a first code from it."""
    device = totp_pending_device(user=user)
    if device is None:
        raise NotFound(_("Start adding an authenticator app first."))
    if not device.verify_token(code.strip()):
        audit_append(action="account.totp_enrol", **actor_of(user), subject=subject_of(user),
                     source_ip=source_ip, outcome="failure")
        raise ValidationError(_("The code is not correct."),
                              field_errors={"code": [_("The code is not correct. Enter the 6 digits your app shows now.")]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_append(action="account.totp_enrol", **actor_of(user), subject=subject_of(user), source_ip=source_ip,
                 object_ref=f"totp:{device.pk}")
    return device


@transaction.atomic
def totp_device_remove(*, user: User, source_ip: str | None = None) -> None:
    """Remove a citizen's authenticator. Officials must keep one: their second factor is required."""
    if user.is_official:
        raise Conflict(_("Officials must keep an authenticator app: ask an operator to replace it."))
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        audit_append(action="account.totp_remove", **actor_of(user), subject=subject_of(user), source_ip=source_ip)


def second_factor_required(user: User) -> bool:
    """Officials always; citizens once they have confirmed an authenticator app."""
    return user.is_official or TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- Personal access tokens ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``token`` is shown once and never stored."""

    id: str
    name: str
    token: str
    expires_at: Any


@transaction.atomic
def personal_token_create(*, user: User, name: str, lifetime_days: int, source_ip: str | None = None) -> NewToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Give the token a name."), field_errors={"name": [_("Enter a name of at most 100 characters.")]})
    if lifetime_days not in TOKEN_LIFETIMES_DAYS:
        raise ValidationError(_("Choose how long the token lasts."),
                              field_errors={"lifetime_days": [_("Choose one of the offered lifetimes.")]})
    now = clock.now()
    active = PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise Conflict(_("You have %(n)d active tokens, the most allowed: revoke one first.") % {"n": active})
    token = _new_token(PAT_PREFIX)
    record = PersonalAccessToken.objects.create(
        user=user, name=name, digest=token_digest(token), prefix=token[:10], expires_at=now + timedelta(days=lifetime_days)
    )
    audit_append(action="account.token_create", **actor_of(user), subject=subject_of(user), source_ip=source_ip,
                 object_ref=f"pat:{record.id}", detail={"name": name, "lifetime_days": lifetime_days})
    return NewToken(id=str(record.id), name=name, token=token, expires_at=record.expires_at)


@transaction.atomic
def personal_token_revoke(*, user: User, token_id: Any, source_ip: str | None = None) -> None:
    try:
        token_uuid = uuid.UUID(str(token_id))
    except ValueError:
        raise NotFound(_("No such token on your account.")) from None
    record = PersonalAccessToken.objects.select_for_update().filter(user=user, id=token_uuid).first()
    if record is None:
        raise NotFound(_("No such token on your account."))
    if record.revoked_at is not None:
        return
    record.revoked_at = clock.now()
    record.save(update_fields=["revoked_at"])
    audit_append(action="account.token_revoke", **actor_of(user), subject=subject_of(user), source_ip=source_ip,
                 object_ref=f"pat:{record.id}")


def personal_token_authenticate(token: str) -> User | None:
    """The active owner of a usable personal token, or None; notes when it was last used."""
    if not token.startswith(PAT_PREFIX):
        return None
    record = PersonalAccessToken.objects.select_related("user").filter(digest=token_digest(token)).first()
    now = clock.now()
    if record is None or not record.is_usable(now) or not record.user.is_active:
        return None
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=5):
        PersonalAccessToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


# --- Agency systems ----------------------------------------------------------------------------------


@transaction.atomic
def agency_system_create(*, organisation: Organisation, name: str, by: User | None = None) -> tuple[AgencySystem, str]:
    """Register an agency system and issue its first credential; the token is returned once."""
    system = AgencySystem.objects.create(organisation=organisation, name=name)
    token = agency_credential_issue(system=system, by=by)
    return system, token


@transaction.atomic
def agency_credential_issue(*, system: AgencySystem, lifetime_days: int | None = None, by: User | None = None) -> str:
    token = _new_token(AGENCY_PREFIX)
    expires = clock.now() + timedelta(days=lifetime_days) if lifetime_days else None
    credential = AgencyCredential.objects.create(
        system=system, name=system.name, digest=token_digest(token), prefix=token[:10], expires_at=expires
    )
    audit_append(action="agency.credential_issue", **actor_of(by), object_ref=f"agency-credential:{credential.id}",
                 detail={"system": str(system.id), "organisation": system.organisation.code})
    return token


@transaction.atomic
def agency_credential_revoke(*, credential_id: Any, by: User | None = None) -> None:
    credential = AgencyCredential.objects.filter(id=credential_id, revoked_at__isnull=True).first()
    if credential is None:
        return
    credential.revoked_at = clock.now()
    credential.save(update_fields=["revoked_at"])
    audit_append(action="agency.credential_revoke", **actor_of(by), object_ref=f"agency-credential:{credential.id}")


def agency_credential_authenticate(token: str) -> AgencyCredential | None:
    if not token.startswith(AGENCY_PREFIX):
        return None
    credential = (AgencyCredential.objects.select_related("system__organisation")
                  .filter(digest=token_digest(token)).first())
    now = clock.now()
    if credential is None or not credential.is_usable(now) or not credential.system.is_active:
        return None
    if credential.last_used_at is None or now - credential.last_used_at > timedelta(minutes=5):
        AgencyCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential
