"""The certificate and tax events of ``egov simulate`` filed by worker processes (ADR 0140).

The coordinator (``simulation._Run``) keeps every action that changes the registers — a
life event's filing, an official's decision of it, the tax office's monthly run — and
takes them one at a time in the year's order. Before each, it asks the shares to file
their events and take their decisions due before it (``advance``) and waits for them:
so whatever the number of processes, every action sees the database as the
one-process run would, and the output is the same.

Each person's certificate events belong to one share (the person's index modulo the
number of processes), filed in order: a person's inbox is read by one process only.
A worker process is started with ``spawn`` (a fresh interpreter: no database
connection, audit sealer thread or lock is inherited from the coordinator) and set up
with the coordinator's database, storage, keys and language.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from egov.metrics.simulation import DeskSetup, Key, Outcome, Planned

# Settings a test or an operator may have set in the coordinator's process that a worker must share.
# (Each is read when first used, after the worker has set it.)
SHARED_SETTINGS = ("STORAGES", "EGOV_KEYS_DIR", "EGOV_AUDIT_SEALER", "EGOV_AUDIT_CHECKPOINT_FILE",
                   "EGOV_AUDIT_CHECKPOINT_EVERY", "EGOV_COUNTRY_DIR", "LANGUAGE_CODE")


class SimulationWorkerError(RuntimeError):
    """A worker process failed: its traceback is the message (a bug, not the simulated people's doing)."""


class _Local:
    """One share in the coordinator's own process (``--workers 1``)."""

    def __init__(self, setup: DeskSetup, planned: list[Planned]) -> None:
        from egov.metrics.simulation import Share

        self.share = Share(setup, planned)

    def advance(self, until: Key) -> None:
        self.share.advance(until)

    def finish(self) -> list[Outcome]:
        self.share.advance(_END)
        return [self.share.outcome]

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


class _Processes:
    """Shares in worker processes, advanced together: the slowest sets the pace of each step."""

    def __init__(self, setup: DeskSetup, planned: list[Planned], workers: int) -> None:
        from django.conf import settings
        from django.db import connections
        from django.utils import translation

        context = multiprocessing.get_context("spawn")
        shared = {name: getattr(settings, name) for name in SHARED_SETTINGS if hasattr(settings, name)}
        database = connections["default"].settings_dict["NAME"]
        language = translation.get_language() or settings.LANGUAGE_CODE
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        self.next: list[Key | None] = []
        for worker in range(workers):
            mine = [p for p in planned if p.index % workers == worker]
            parent, child = context.Pipe()
            # Unpickled once Django is set up in the worker: it imports egov.metrics.simulation, which needs the apps.
            work = pickle.dumps((setup, mine))
            process = context.Process(target=_work, name=f"egov-simulate-{worker}", daemon=True,
                                      args=(child, shared, database, language, work))
            process.start()
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)
            self.next.append(min((p.key for p in mine), default=None))

    def advance(self, until: Key) -> None:
        # A share with nothing due before ``until`` is not woken; all the others work at once.
        waiting = [n for n, due in enumerate(self.next) if due is not None and due < until]
        for number in waiting:
            self.pipes[number].send(("advance", until))
        for number in waiting:
            self.next[number] = self._answer(number)

    def finish(self) -> list[Outcome]:
        for pipe in self.pipes:
            pipe.send(("finish", None))
        return [self._answer(number) for number in range(len(self.pipes))]

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()
        for process in self.processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()

    def abort(self) -> None:
        """The run is stopped (an error, Ctrl-C, SIGTERM): end the workers now, mid-filing.

        A worker would otherwise finish the step it is in before it noticed the closed
        pipe, filing into a run nobody reads. Each filing is its own transaction, so a
        worker stopped in one leaves it whole or absent.
        """
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        for pipe in self.pipes:
            pipe.close()

    def _answer(self, number: int) -> Any:
        try:
            kind, value = self.pipes[number].recv()
        except EOFError as error:
            raise SimulationWorkerError(f"simulation worker {number} exited") from error
        if kind == "error":
            raise SimulationWorkerError(value)
        return value


@contextmanager
def shares(setup: DeskSetup, planned: list[Planned], workers: int) -> Iterator[_Local | _Processes]:
    """The shares of the certificate and tax events: in this process, or in ``workers`` processes."""
    group: _Local | _Processes = _Local(setup, planned) if workers <= 1 else _Processes(setup, planned, workers)
    try:
        yield group
    except BaseException:
        group.abort()
        raise
    else:
        group.close()


# After everything of any year: ``finish`` advances a share to it.
_END: Key = (datetime.max.replace(tzinfo=UTC), 9, 0, 0)


def _work(pipe: Connection, shared: dict[str, Any], database: str, language: str, work: bytes) -> None:
    """A worker process: set up Django as the coordinator's, then advance its share when told."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.utils import translation

    for name, value in shared.items():
        setattr(settings, name, value)
    connections["default"].settings_dict["NAME"] = database
    translation.activate(language)
    from egov.metrics.simulation import Share

    setup, planned = pickle.loads(work)  # noqa: S301 (our own coordinator's bytes, through a pipe)
    share = Share(setup, planned)
    try:
        while True:
            command, until = pipe.recv()
            if command == "finish":
                share.advance(_END)
                pipe.send(("done", share.outcome))
                return
            share.advance(until)
            pipe.send(("ok", share.next_key()))
    except EOFError:
        return
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
    finally:
        connections.close_all()
