"""Evidence files: an exchange exported with its registries verifies offline, and any alteration is caught."""

from __future__ import annotations

import json
from typing import Any

import pytest

from egov.core.errors import ValidationError
from egov.exchange.federation import configuration, evidence
from egov.exchange.models import ExchangeLog
from egov.exchange.tests.test_federation_server import _answer, _request, trust_city


@pytest.fixture
def trusted_city(exchange_pack: Any, alice_resident: Any) -> Any:
    return trust_city(alice_resident)


def test_an_answered_exchange_exports_as_evidence_that_verifies_offline(trusted_city: Any) -> None:
    _answer(_request(trusted_city))
    row = ExchangeLog.objects.get()
    document = json.dumps(evidence.evidence_export(request_id=row.request_id))
    report = evidence.evidence_verify(document, anchors=[configuration.own_anchor()])
    assert report.status == "released" and report.request_id == str(row.request_id)
    assert report.subject_masked.endswith("*******") and trusted_city.identifier not in report.subject_masked


def test_evidence_whose_response_was_altered_does_not_verify(trusted_city: Any) -> None:
    _answer(_request(trusted_city))
    document = evidence.evidence_export(request_id=ExchangeLog.objects.get().request_id)
    header, payload, signature = document["response"].split(".")
    document["response"] = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    with pytest.raises(ValidationError):
        evidence.evidence_verify(json.dumps(document))


def test_evidence_under_a_root_ca_other_than_the_anchors_given_does_not_verify(trusted_city: Any) -> None:
    _answer(_request(trusted_city))
    document = json.dumps(evidence.evidence_export(request_id=ExchangeLog.objects.get().request_id))
    with pytest.raises(ValidationError) as refused:
        evidence.evidence_verify(document, anchors=["ab" * 32])
    assert "not among the anchors given" in refused.value.message
