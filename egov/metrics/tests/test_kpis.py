"""The programme's KPIs, computed from the applications, cases and documents the services created."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from django.test import Client, TestCase

from egov.applications import public as applications
from egov.metrics import kpis

pytestmark = pytest.mark.django_db

YEAR = 2026


def _file(people: list[UUID], monkeypatch: pytest.MonkeyPatch, *, online: int, counter: int) -> None:
    from egov.accounts import public as accounts

    monkeypatch.setenv("EGOV_NOW", f"{YEAR}-03-10T10:00:00+09:00")
    clerk = accounts.simulated_clerk()
    for n in range(online + counter):
        # The document is issued once the approval commits: run that hook, as the commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            applications.application_file(applicant_id=people[n], service_id="resident-registration-copy",
                                          data={"copies": 1}, idempotency_key=f"t-{n}",
                                          channel="online" if n < online else "counter", clerk_id=clerk)


def _english(client: Client) -> Client:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _value(key: str, scope: kpis.Scope | None = None) -> kpis.Value:
    return next(v for v in kpis.kpis_compute(scope or kpis.year_scope(YEAR)) if v.definition.key == key)


def test_online_and_counter_applications_make_the_online_share_and_the_visits(
    people: list[UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    _file(people, monkeypatch, online=3, counter=1)

    online = _value("online_applications")
    assert (online.numerator, online.denominator, online.value) == (3, 4, 75.0)
    assert online.met is False  # the goal is 85%
    visits = _value("visits_per_applicant")
    assert (visits.numerator, visits.denominator) == (1, 4)  # one counter visit, four applicants
    assert visits.met is True  # at most three a year
    usage = _value("usage_rate")
    assert usage.numerator == 4 and usage.denominator == len(people)
    once_only = _value("once_only")
    assert (once_only.numerator, once_only.denominator) == (4, 4)  # the gate fetched every record
    digital = _value("born_digital")
    assert digital.numerator == 4  # the automatic approvals issued four signed documents
    sla = _value("sla_compliance")
    assert (sla.numerator, sla.denominator) == (4, 4)


def test_a_year_with_nothing_filed_says_no_data_not_zero(register: None) -> None:
    online = _value("online_applications")
    assert online.value is None and online.met is None
    assert _value("e_participation").definition.measured is False


def test_the_catalogue_share_of_fully_online_services_counts_the_definitions(kr_pack: None) -> None:
    from egov.catalogue import public as catalogue

    reach = catalogue.service_reach()
    value = _value("online_services")
    assert value.denominator == len(reach)
    assert value.numerator == sum(1 for s in reach if s.fully_online)
    assert 0 < value.numerator < value.denominator


def test_an_organisation_sees_only_its_own_applications(people: list[UUID], monkeypatch: pytest.MonkeyPatch) -> None:
    _file(people, monkeypatch, online=3, counter=0)
    offices = kpis.offices_breakdown(kpis.year_scope(YEAR))
    assert sum(o.applications for o in offices) == 3
    office = offices[0]

    own = kpis.year_scope(YEAR, organisation_id=office.organisation_id)
    assert _value("online_applications", own).denominator == office.applications
    other = kpis.year_scope(YEAR, organisation_id=UUID(int=1))
    assert _value("online_applications", other).denominator == 0
    assert office.region  # a local office: its province
    assert _value("online_applications", kpis.year_scope(YEAR, region=office.region)).denominator >= office.applications
    assert _value("online_applications", kpis.year_scope(YEAR, region="99")).denominator == 0


def test_the_public_statistics_page_and_its_exports_show_the_same_figures(
    people: list[UUID], monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    _file(people, monkeypatch, online=1, counter=1)
    _english(client)

    page = client.get(f"/metrics/statistics/?year={YEAR}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Applications filed online" in text and "50.0%" in text
    assert "<svg" in text and "<title" in text and "<desc" in text  # the chart says what it shows
    exported = json.loads(client.get(f"/metrics/statistics/kpis.json?year={YEAR}").content)
    row = next(r for r in exported["kpis"] if r["key"] == "online_applications")
    assert (row["value"], row["numerator"], row["denominator"], row["met"]) == (50.0, 1, 2, False)
    csv_text = client.get(f"/metrics/statistics/kpis.csv?year={YEAR}").content.decode("utf-8-sig")
    assert "online_applications,Applications filed online,50.0,1,2,percent,85.0,false,true" in csv_text


def test_a_wrong_year_is_said_and_the_page_still_answers(client: Client, kr_pack: None) -> None:
    _english(client)
    response = client.get("/metrics/statistics/?year=19x")
    assert response.status_code == 400
    assert "Choose a year between 2000" in response.content.decode()
    assert client.get("/metrics/statistics/kpis.json?year=1800").status_code == 400


def test_the_definitions_page_gives_formula_source_and_goal(client: Client) -> None:
    _english(client)
    text = client.get("/metrics/definitions/").content.decode()
    for definition in kpis.DEFINITIONS:
        assert f'id="def-{definition.key}"' in text
    assert "Programme objective: 85% of public services fully online." in text
    assert "Not measured yet" in text  # e-participation, said plainly
    korean = Client().get("/metrics/definitions/").content.decode()
    assert "추진 목표: 공공서비스의 85%를 완전 온라인으로." in korean


def test_the_dashboard_is_for_the_committee_not_for_citizens(
    client_for: Any, alice: Any, head: Any, clerk: Any, kr_pack: None
) -> None:
    assert client_for(alice).get("/metrics/dashboard/").status_code == 403
    assert client_for(clerk).get("/metrics/dashboard/").status_code == 403  # a clerk holds no metrics.read
    assert Client().get("/metrics/dashboard/").status_code == 302
    committee = _english(client_for(head))
    response = committee.get(f"/metrics/dashboard/?year={YEAR}")
    assert response.status_code == 200
    assert "By office" in response.content.decode()
    refused = committee.get("/metrics/dashboard/?organisation=nope&region=x")
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "There is no organisation with this code." in body
    assert "two-digit code" in body
    assert committee.get(f"/metrics/dashboard/kpis.csv?year={YEAR}").status_code == 200
    assert client_for(alice).get("/metrics/dashboard/kpis.json").status_code == 403


def test_verifications_are_counted_from_the_audit_log(
    people: list[UUID], monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    from egov.certificates import public as certificates

    _file(people, monkeypatch, online=1, counter=0)
    (document,) = certificates.wallet_list(holder_id=people[0])
    assert client.get(f"/verify/{document.number}/").status_code == 200

    value = _value("verifications")
    assert (value.value, value.numerator) == (1.0, 1)  # one check, found valid

