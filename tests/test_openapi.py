"""The committed API document, the live one, and the code never drift apart."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.test import Client

from egov.core.management.commands.openapi import openapi_document

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def test_the_committed_openapi_document_matches_the_code() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi_document(), (
        "docs/openapi.json is stale: run `.venv/bin/egov openapi --write docs/openapi.json`"
    )


def test_the_api_serves_an_openapi_3_1_document_and_its_docs_page_to_anyone() -> None:
    client = Client()
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")
    assert client.get("/api/v1/docs").status_code == 200


def test_every_operation_in_the_document_names_its_errors_as_problem_documents() -> None:
    schema = json.loads(openapi_document())
    assert schema["paths"], "the API has operations"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation["responses"]["4XX"]["content"]
            assert "application/problem+json" in content, f"{method.upper()} {path}"
