"""``egov worker``: run background tasks, re-queue those of killed workers, retry, and run daily jobs.

It takes django-tasks-db's ``db_worker`` options (``--queue-name``, ``--exclude-queues``,
``--interval``, ``--batch``, ``--max-tasks``, ``--worker-id``, ``--backend``,
``--no-startup-delay``, ``--reload``) and adds ``--no-scheduler``. Unlike
``db_worker`` it serves every queue unless told otherwise. Stop it with SIGTERM or
Ctrl-C: the current task finishes first (a second signal interrupts it, and it runs
again later). See ``egov.core.worker`` and ADR 0040.
"""

from __future__ import annotations

import logging
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from egov.core.worker import EgovWorker, WorkerInterrupted, default_worker_id


class Command(DbWorkerCommand):
    help = "Run the background worker: tasks, retries with backoff, the reaper of killed workers' tasks, daily jobs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Do not start daily jobs from this worker (safe either way: each job starts once per date).",
        )
        parser.set_defaults(queue_name="*", worker_id=default_worker_id())

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        egov_logger = logging.getLogger("egov")
        if verbosity == 0:
            egov_logger.setLevel(logging.CRITICAL)
        elif verbosity > 1:
            egov_logger.setLevel(logging.DEBUG)

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name='*'")
        reload = options["reload"] and not options["batch"]
        worker = EgovWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
            scheduler=options["scheduler"],
        )
        try:
            if reload:
                if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                    worker.configure_signals()
                run_with_reloader(worker.run)
            else:
                worker.configure_signals()
                worker.run()
        except WorkerInterrupted:
            raise CommandError("interrupted: the task that was running goes back to the queue", returncode=1) from None
