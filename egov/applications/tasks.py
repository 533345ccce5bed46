"""Background work of civil applications: the approved case's document, if the request could not issue it.

Approving a case enqueues :func:`application_document_issue` in the approval's
transaction, so the document cannot be forgotten, and then tries to issue it at once,
after the commit, in the same request (``effects.document_after_approval``), so the
applicant normally has it when the page answers. Drawing, signing and time-stamping
thus never run while the approval's transaction holds its locks (the year's reference
counter, the registry rows). Whichever comes second, the worker's run or a retry, finds
the document issued and does nothing: there is one document of a kind per application.
"""

from __future__ import annotations

from egov.core.tasks import PermanentFailure, background_task


@background_task(max_attempts=5, backoff_seconds=30, max_backoff_seconds=3600)
def application_document_issue(application_id: str, case_reference: str, by: str) -> None:
    """Issue the approved application's document unless it has been issued already."""
    from egov.applications import effects
    from egov.applications.models import Application

    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        raise PermanentFailure(f"application {application_id} does not exist")
    effects.document_issue_once(application, case_reference=case_reference, by=by)
