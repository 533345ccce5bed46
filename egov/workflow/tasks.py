"""The case engine's daily job: escalate overdue cases, end unanswered supplement requests."""

from __future__ import annotations

import logging
from datetime import date

from egov.workflow.services import cases_check_deadlines

logger = logging.getLogger("egov.workflow")


def deadlines_check(*, run_date: date) -> None:
    """Everything due by now, not only what fell due on ``run_date``: missed days are covered too."""
    counts = cases_check_deadlines()
    logger.info("case deadlines for %s: %s", run_date, counts)
