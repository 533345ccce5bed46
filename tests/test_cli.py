"""The operator's `egov` command works from a checkout with nothing configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EGOV = str(Path(sys.executable).with_name("egov"))


def _fresh_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EGOV_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "EGOV_KEYS_DIR": str(tmp_path / "keys"),
        "EGOV_AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.jsonl"),
        "EGOV_OUTBOX_DIR": str(tmp_path / "outbox"),
    })
    return env


def test_two_commands_started_together_on_an_empty_database_both_set_it_up_once(tmp_path: Path) -> None:
    env = _fresh_environment(tmp_path)
    runs = [
        subprocess.Popen([EGOV, "audit", "verify"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [run.communicate(timeout=300) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, stderr
        assert stdout.startswith("intact")
    assert (tmp_path / "keys").is_dir(), "development keys are created on first use"


def test_help_does_not_touch_the_database(tmp_path: Path) -> None:
    env = _fresh_environment(tmp_path)
    run = subprocess.run([EGOV, "worker", "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    assert "--no-scheduler" in run.stdout
    assert not (tmp_path / "fresh.sqlite3").exists()


def test_the_command_lists_the_operator_commands(tmp_path: Path) -> None:
    run = subprocess.run([EGOV, "--help"], env=_fresh_environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    for command in ("audit", "keys", "pack", "worker", "demo", "openapi", "i18n"):
        assert command in run.stdout
