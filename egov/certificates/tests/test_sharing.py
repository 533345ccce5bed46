"""Sharing: Alice shows her name and date of birth to a bank through a one-time link, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from egov.certificates import credentials, sdjwt
from egov.certificates.models import ShareLink
from egov.core import clock
from egov.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _share(citizen_client: Client, document: Any, **form: Any) -> str:
    """Alice fills the share form; returns the link's path as the wallet page shows it."""
    data = {"fields": ["name", "birth_date"], "max_opens": "1", "hours": "24", "recipient": "KB Bank", **form}
    response = citizen_client.post(f"/certificates/wallet/{document.id}/share/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = ShareLink.objects.get(id=response["Location"].split("#share-")[1])
    wallet = citizen_client.get("/certificates/wallet/").content.decode()
    assert f'id="share-{link.id}"' in wallet
    url = wallet.split(f'id="share-url-{link.id}"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    return "/" + url.split("/", 3)[3]


def test_a_one_time_link_shows_only_the_chosen_facts_once_signed_out(citizen_client: Client, document: Any) -> None:
    path = _share(citizen_client, document)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")

    # Looking at the link (a messenger's preview does this) uses nothing up.
    first_look = visitor.get(path)
    assert first_look.status_code == 200 and "Show the shared facts" in first_look.content.decode()
    assert "김하늘" not in first_look.content.decode()

    opened = visitor.post(path).content.decode()
    assert 'data-verdict="valid"' in opened
    assert "김하늘" in opened and "1990-01-01" in opened
    assert "900101" not in opened and "자하문로" not in opened and "2020-03-02" not in opened

    again = visitor.post(path).content.decode()
    assert 'data-verdict="used"' in again and "김하늘" not in again


def test_alice_sees_each_time_her_link_was_opened(citizen_client: Client, document: Any) -> None:
    path = _share(citizen_client, document, max_opens="2")
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    visitor.post(path)
    visitor.post(path)
    visitor.post(path)  # a third try, refused, is shown to Alice too
    page = citizen_client.get("/certificates/wallet/").content.decode()
    openings = page.split('class="egov-list egov-openings"', 1)[1].split("</ul>", 1)[0]
    assert openings.count("<li>") == 3 and openings.count("shown") == 2 and openings.count("refused") == 1
    entries = AuditEntry.objects.filter(action="certificate.share_opened", subject=f"user:{document.holder_id}")
    assert entries.count() == 3


def test_an_expired_link_shows_nothing(
    citizen_client: Client, document: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _share(citizen_client, document, hours="1")
    monkeypatch.setenv("EGOV_NOW", (clock.now() + timedelta(hours=1, minutes=1)).isoformat())
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(path).content.decode()
    assert 'data-verdict="expired"' in page and "김하늘" not in page


def test_a_withdrawn_link_shows_nothing(citizen_client: Client, document: Any) -> None:
    path = _share(citizen_client, document)
    link = ShareLink.objects.get()
    citizen_client.post(f"/certificates/wallet/shares/{link.id}/withdraw/")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(path).content.decode()
    assert 'data-verdict="withdrawn"' in page and "김하늘" not in page


def test_a_made_up_link_is_not_found(client: Client) -> None:
    response = client.get("/certificates/shared/not-a-real-token/")
    assert response.status_code == 404 and 'data-verdict="not_found"' in response.content.decode()


def test_the_token_is_not_stored_in_clear(citizen_client: Client, document: Any) -> None:
    path = _share(citizen_client, document)
    token = path.rstrip("/").rsplit("/", 1)[1]
    link = ShareLink.objects.get()
    assert len(token) >= 43 and link.token_hash != token
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM certificates_sharelink")
        assert token not in cursor.fetchone()[0]


def test_a_share_without_facts_or_with_bad_limits_is_refused_and_nothing_is_created(
    citizen_client: Client, document: Any
) -> None:
    url = f"/certificates/wallet/{document.id}/share/"
    response = citizen_client.post(url, {"max_opens": "1", "hours": "24"})
    assert response.status_code == 400 and "Choose at least one fact" in response.content.decode()
    response = citizen_client.post(url, {"fields": ["name"], "max_opens": "0", "hours": "99999"})
    page = response.content.decode()
    assert response.status_code == 400 and "from 1 to 10 times" in page and "1 hour to 720 hours" in page
    response = citizen_client.post(url, {"fields": ["salary"], "max_opens": "1"})
    assert response.status_code == 400 and "only facts printed" in response.content.decode()
    assert not ShareLink.objects.exists()


def test_bob_cannot_share_alices_document(client_for: Any, bob: Any, document: Any) -> None:
    response = client_for(bob).post(f"/certificates/wallet/{document.id}/share/", {"fields": ["name"]})
    assert response.status_code == 404 and not ShareLink.objects.exists()


def test_a_verifier_system_fetches_the_presentation_with_its_nonce(citizen_client: Client, document: Any) -> None:
    path = _share(citizen_client, document)
    token = path.rstrip("/").rsplit("/", 1)[1]
    api = Client()
    answer = api.post(
        f"/api/v1/certificates/shares/{token}/presentation",
        {"nonce": "bank-nonce-1", "audience": "https://bank.example"},
        content_type="application/json",
    ).json()
    assert answer["outcome"] == "shown"
    assert {f["name"] for f in answer["verification"]["facts"]} == {"name", "birth_date"}
    # The bank checks the presentation itself: bound to the holder, for its nonce and audience.
    check = credentials.presentation_check(
        presentation=answer["presentation"], nonce="bank-nonce-1", audience="https://bank.example",
        require_key_binding=True,
    )
    assert check.verdict == "valid" and check.key_bound
    assert len(sdjwt.parse(answer["presentation"]).disclosures) == 2
    second = api.post(f"/api/v1/certificates/shares/{token}/presentation", {}, content_type="application/json")
    assert second.json()["outcome"] == "used" and second.json()["presentation"] == ""
