"""Test personas (loaded by the root conftest), as in Healthchecks' tests.

Alice is a citizen and Bob another one; Clerk works at the 청운효자동 office of
종로구 (role clerk); Reviewer at 종로구 itself (reviewer); Head leads the Public
Procurement Service (head); Olivia operates the platform (operator: every
permission). Only the organisations a persona needs are created (no pack load per
test), with the codes the country pack gives them, so tests that load the pack see
the same rows. ``client_for(user)`` gives a signed-in test client with the second
factor passed, as after a real sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

PASSWORD = "correct horse battery staple"  # noqa: S105 - the personas' shared test password, not a secret
_HASHES: dict[str, str] = {}


def persona_password_hash() -> str:
    """Argon2 is slow on purpose: hash the personas' shared password once per test session."""
    if PASSWORD not in _HASHES:
        from django.contrib.auth.hashers import make_password

        _HASHES[PASSWORD] = make_password(PASSWORD)
    return _HASHES[PASSWORD]


def make_organisation(code: str) -> Any:
    """One organisation of the personas, with its parents (get or create, by the pack's codes)."""
    from egov.accounts.models import AdminDong, Organisation

    specs: dict[str, dict[str, Any]] = {
        "sido-11": {"name": "서울특별시", "name_en": "Seoul", "tree": "local", "kind": "sido", "region_code": "11"},
        "sgg-11110": {"name": "종로구", "tree": "local", "kind": "autonomous_gu", "region_code": "11110",
                      "parent": "sido-11"},
        "adm-1101072": {"name": "청운효자동", "tree": "local", "kind": "dong", "region_code": "1101072",
                        "parent": "sgg-11110"},
        "cen-moef": {"name": "기획재정부", "name_en": "Ministry of Economy and Finance", "tree": "central",
                     "kind": "ministry"},
        "cen-pps": {"name": "조달청", "name_en": "Public Procurement Service", "tree": "central", "kind": "agency",
                    "parent": "cen-moef"},
        "cen-mois": {"name": "행정안전부", "name_en": "Ministry of the Interior and Safety", "tree": "central",
                     "kind": "ministry"},
    }
    spec = dict(specs[code])
    parent_code = spec.pop("parent", None)
    parent = make_organisation(parent_code) if parent_code else None
    org, created = Organisation.objects.get_or_create(code=code, defaults={**spec, "parent": parent})
    if created and spec["tree"] == "local":
        dong, _ = AdminDong.objects.get_or_create(code="1101072", defaults={"name": "청운효자동", "sigungu_code": "11110"})
        org.jurisdiction.add(dong)
    return org


def make_citizen(username: str, display_name: str) -> Any:
    from egov.accounts.models import User

    return User.objects.create(username=username, display_name=display_name, kind=User.Kind.CITIZEN,
                               password=persona_password_hash())


def make_official(username: str, display_name: str, organisation_code: str, roles: list[str]) -> Any:
    from egov.accounts.models import Official, RoleAssignment, User

    user = User.objects.create(username=username, display_name=display_name, kind=User.Kind.OFFICIAL,
                               password=persona_password_hash())
    official = Official.objects.create(user=user, organisation=make_organisation(organisation_code))
    RoleAssignment.objects.bulk_create([RoleAssignment(official=official, role=role) for role in roles])
    return user


@pytest.fixture
def alice(db: None) -> Any:
    return make_citizen("alice", "Alice Citizen")


@pytest.fixture
def bob(db: None) -> Any:
    return make_citizen("bob", "Bob Citizen")


@pytest.fixture
def clerk(db: None) -> Any:
    return make_official("clerk", "Casey Clerk", "adm-1101072", ["clerk"])


@pytest.fixture
def reviewer(db: None) -> Any:
    return make_official("reviewer", "Riley Reviewer", "sgg-11110", ["reviewer"])


@pytest.fixture
def head(db: None) -> Any:
    return make_official("head", "Harper Head", "cen-pps", ["head"])


@pytest.fixture
def olivia(db: None) -> Any:
    return make_official("olivia", "Olivia Operator", "cen-mois", ["operator"])


def sign_in_client(client: Any, user: Any) -> Any:
    """Sign ``client`` in as ``user`` with a fresh session, the second factor passed for officials."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and user.is_official:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(db: None) -> Callable[[Any], Any]:
    """``client_for(user)``: a new Django test client signed in as ``user`` (second factor passed)."""
    from django.test import Client

    def make(user: Any) -> Any:
        return sign_in_client(Client(), user)

    return make


@pytest.fixture
def citizen_client(client_for: Callable[[Any], Any], alice: Any) -> Any:
    return client_for(alice)


@pytest.fixture
def clerk_client(client_for: Callable[[Any], Any], clerk: Any) -> Any:
    return client_for(clerk)


@pytest.fixture
def operator_client(client_for: Callable[[Any], Any], olivia: Any) -> Any:
    return client_for(olivia)
