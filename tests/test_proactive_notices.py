"""Proactive notices over the data the platform holds: due at the rule's time, once, with a link, and the
daily look at a person's records shown to them under "Who viewed my data"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from egov.core import access_log
from egov.notifications import public as notifications
from egov.registries.models import Vehicle
from egov.registries.tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def seoyeon() -> Any:
    """이서연: her car's inspection is due on 31 March 2030, her son was born in 2019; her account is linked."""
    notifications.load_notices_pack()
    mother = make_resident(name_ko="이서연", name_en="LEE SEOYEON", birth_date=date(1988, 4, 12), sex="F")
    make_resident(name_ko="박지호", name_en="PARK JIHO", birth_date=date(2019, 2, 20), household=mother.household,
                  household_relation="child", mother=mother)
    Vehicle.objects.create(plate_number="123가4567", vin="KMHD341CBMU123456", make="Hyundai", model="Avante",
                           model_year=2021, fuel="gasoline", owner_resident=mother, registered_on=date(2021, 5, 1),
                           inspection_due_on=date(2030, 3, 31))
    user = get_user_model().objects.create_user(username="seoyeon", password="a long walk to the dong office",
                                                display_name="이서연", resident_id=mother.id)
    return user


def test_the_inspection_notice_goes_out_a_month_before_the_due_date_once_with_a_link(seoyeon: Any) -> None:
    notifications.subscriptions_set(user_id=seoyeon.pk, rules=["vehicle-inspection-due"])

    assert notifications.notices_run(run_date=date(2030, 2, 27)) == 0, "five weeks before: not yet"
    assert notifications.notices_run(run_date=date(2030, 3, 2)) == 1
    assert notifications.notices_run(run_date=date(2030, 3, 2)) == 0, "the same day again"
    assert notifications.notices_run(run_date=date(2030, 3, 20)) == 0, "a later day"

    [notice] = notifications.inbox_list(seoyeon.pk)
    assert "123가4567" in notice.subject and "2030" in notice.body
    assert notice.link == "/catalogue/services/vehicle-register-extract/"


def test_a_person_not_subscribed_gets_no_notice_and_no_one_reads_their_records(seoyeon: Any) -> None:
    subjects = [f"user:{seoyeon.pk}", f"resident:{seoyeon.resident_id}"]
    before = len(access_log.entries_about(subjects, limit=None))

    assert notifications.notices_run(run_date=date(2030, 3, 2)) == 0

    assert notifications.inbox_list(seoyeon.pk) == []
    assert len(access_log.entries_about(subjects, limit=None)) == before


def test_the_daily_look_at_the_records_is_shown_to_the_person_with_the_subscription_as_its_basis(seoyeon: Any) -> None:
    notifications.subscriptions_set(user_id=seoyeon.pk, rules=["vehicle-inspection-due"])

    notifications.notices_run(run_date=date(2030, 3, 2))

    [entry] = [e for e in access_log.entries_about([f"resident:{seoyeon.resident_id}"], limit=None)
               if e.object_ref == "registries:notice_facts"]
    assert entry.purpose == "Proactive notice the person subscribed to"
    assert entry.consent.startswith("subscription:")


def test_a_parent_is_told_in_october_that_the_child_starts_school_next_march(seoyeon: Any) -> None:
    notifications.subscriptions_set(user_id=seoyeon.pk, rules=["school-entry-age"])

    assert notifications.notices_run(run_date=date(2025, 9, 30)) == 0
    assert notifications.notices_run(run_date=date(2025, 10, 1)) == 1
    assert notifications.notices_run(run_date=date(2025, 11, 1)) == 0

    [notice] = notifications.inbox_list(seoyeon.pk)
    assert "박지호" in notice.subject and "2026" in notice.body
    assert notice.link == "/catalogue/services/school-entry-notice/"
