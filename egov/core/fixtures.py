"""Kernel fixtures: keep every test away from the developer's keys and checkpoint file.

The checkpoint file lives outside the database, so a test that commits (or a server
it starts) would otherwise append its checkpoints to ``var/audit-checkpoints.jsonl``
and make ``egov audit verify`` on the developer's own database report a foreign log.
Each test therefore gets its own checkpoint file, and the session its own keys
directory, both in the settings and in the environment (for subprocesses such as the
``live_url`` server).

In the test process the audit chain is sealed right after each commit, on the
committing thread (``EGOV_AUDIT_SEALER = "commit"``), rather than by the background
sealer thread that servers use: a test that tampers with the tables must know that no
sealer runs behind its back. Servers and commands started as subprocesses keep the
thread, and ``test_audit_concurrency.py`` exercises it there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def egov_test_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A keys directory for the whole test session (created on first use of a key)."""
    from django.conf import settings

    directory = tmp_path_factory.mktemp("egov-keys")
    previous_setting = settings.EGOV_KEYS_DIR
    previous_env = os.environ.get("EGOV_KEYS_DIR")
    settings.EGOV_KEYS_DIR = directory
    os.environ["EGOV_KEYS_DIR"] = str(directory)
    try:
        yield directory
    finally:
        settings.EGOV_KEYS_DIR = previous_setting
        if previous_env is None:
            os.environ.pop("EGOV_KEYS_DIR", None)
        else:
            os.environ["EGOV_KEYS_DIR"] = previous_env


@pytest.fixture(scope="session", autouse=True)
def _egov_audit_sealed_on_commit() -> Iterator[None]:
    from django.conf import settings

    previous = settings.EGOV_AUDIT_SEALER
    settings.EGOV_AUDIT_SEALER = "commit"
    try:
        yield
    finally:
        settings.EGOV_AUDIT_SEALER = previous


@pytest.fixture(scope="session")
def _egov_checkpoint_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("egov-audit")


@pytest.fixture(autouse=True)
def audit_checkpoint_file(
    egov_test_keys_dir: Path, _egov_checkpoint_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """This test's own audit checkpoint file (not created until a checkpoint is written)."""
    from django.conf import settings

    path = _egov_checkpoint_dir / f"checkpoints-{uuid.uuid4().hex}.jsonl"
    previous = settings.EGOV_AUDIT_CHECKPOINT_FILE
    settings.EGOV_AUDIT_CHECKPOINT_FILE = path
    monkeypatch.setenv("EGOV_AUDIT_CHECKPOINT_FILE", str(path))
    try:
        yield path
    finally:
        settings.EGOV_AUDIT_CHECKPOINT_FILE = previous
