"""Tests that commit run on a clone of the migrated template, which is dropped afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction

from egov.core import clock


def _commit_a_session(key: str) -> None:
    with transaction.atomic():
        Session.objects.create(session_key=key, session_data="{}", expire_date=clock.now() + timedelta(days=1))


def test_a_committing_test_sees_its_own_committed_rows(committed_db: str) -> None:
    _commit_a_session("committed-row-1")
    assert Session.objects.filter(session_key="committed-row-1").exists()
    assert connection.settings_dict["NAME"] in committed_db
    # A clone of the test template, never of the developer's own database.
    assert "test" in str(connection.settings_dict["NAME"]).rsplit("/", 1)[-1]


def test_the_next_committing_test_starts_from_the_clean_template(committed_db: str) -> None:
    assert not Session.objects.filter(session_key="committed-row-1").exists()
    _commit_a_session("committed-row-2")


@pytest.mark.django_db
def test_ordinary_tests_see_the_template_without_the_committed_rows() -> None:
    assert not Session.objects.filter(session_key__startswith="committed-row").exists()
