"""The entry point of the importer's worker processes.

Workers are started fresh (``spawn``), not forked: a forked child would carry a copy
of everything the main process holds (and count it again in its resident memory),
while a fresh one holds only Django and the checks. So this module imports nothing
of Django at import time; :func:`start` sets Django up first.
"""

from __future__ import annotations

import os
import signal
from datetime import date
from typing import Any


def start(settings_module: str, language: str, today: date, vendor: str, event_id: str) -> None:
    """Set up Django in the worker, in the operator's language, with the import's context."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import gc

    import django

    django.setup()
    from django.utils import translation

    translation.activate(language)
    # Ctrl-C is the main process's to handle: it rolls the chunk back and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from egov.registries.generate.places import known_legal_codes
    from egov.registries.importer import checking
    from egov.registries.importer.rows import Context

    checking.set_context(Context(today=today, legal_codes=known_legal_codes(), vendor=vendor, event_id=event_id))
    # The process does nothing but check chunks: see checking.GC_YOUNG_OBJECTS.
    gc.set_threshold(checking.GC_YOUNG_OBJECTS, *gc.get_threshold()[1:])


def ready() -> None:
    """Nothing: its completion says the worker has started."""


def prepare_chunk(groups: list[Any]) -> list[Any]:
    from egov.registries.importer.checking import prepare_chunk as prepare

    return prepare(groups)
