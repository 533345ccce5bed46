"""The approved case's document: issued right after the approval commits, promised by a task, never twice.

Alice asks for a resident registration copy, which the system approves at once. The
signed PDF is drawn outside the approval's transaction (which holds the year's
reference counter), so it appears once the approval has committed; the task enqueued
with the approval issues it if that first attempt did not happen, and a second run
adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from egov.applications.tasks import application_document_issue
from egov.certificates.public import documents_of_application
from egov.workflow.public import case_get

pytestmark = pytest.mark.django_db


def _documents(application: Any, alice: Any) -> list[Any]:
    return documents_of_application(application_id=application.id, holder_id=alice.id)


def test_the_document_is_there_once_the_approval_has_committed(
    offices: Any, alice: Any, alice_resident: Any, submit: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = submit("resident-registration-copy", {"copies": 1})
    case = case_get(case_id=application.case_id)
    assert case is not None and case.state == "approved"
    (document,) = _documents(application, alice)
    assert document.document_type == "resident-registration-copy"
    # The task that promised it finds it issued and adds none.
    application_document_issue.call(str(application.id), case.reference, "system:applications")
    assert len(_documents(application, alice)) == 1


def test_the_task_issues_the_document_when_the_request_did_not(
    offices: Any, alice: Any, alice_resident: Any, submit: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        application = submit("resident-registration-copy", {"copies": 1})
    # The process died after the commit: the attempt in the request never ran, but the
    # approval committed the task that promises the document.
    assert len(after_commit) >= 1 and _documents(application, alice) == []
    promised = DBTaskResult.objects.filter(task_path="egov.applications.tasks.application_document_issue")
    assert [row.args_kwargs["args"][0] for row in promised] == [str(application.id)]
    case = case_get(case_id=application.case_id)
    assert case is not None
    application_document_issue.call(str(application.id), case.reference, "system:applications")
    application_document_issue.call(str(application.id), case.reference, "system:applications")
    assert len(_documents(application, alice)) == 1


def test_my_gov_lists_the_document_in_my_documents_with_the_wallet_link(
    offices: Any, alice: Any, alice_resident: Any, submit: Callable[..., Any],
    django_capture_on_commit_callbacks: Any, citizen_client: Any, settings: Any,
) -> None:
    citizen_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    empty = citizen_client.get(reverse("portal:my_gov")).content.decode()
    assert "No document has been issued to you yet." in empty
    with django_capture_on_commit_callbacks(execute=True):
        application = submit("resident-registration-copy", {"copies": 1})
    (document,) = _documents(application, alice)
    page = citizen_client.get(reverse("portal:my_gov")).content.decode()
    listed = page[page.index('id="my-documents"'):]
    assert document.number in listed and "Valid" in listed
    assert reverse("certificates:wallet") in page

