"""The operator's `egov` command works from a checkout with nothing configured."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

EGOV = str(Path(sys.executable).with_name("egov"))


def _fresh_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EGOV_", "DATABASE_URL", "LC_"))}
    env.update({
        "LANG": "C.UTF-8",
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


def test_the_demo_setup_prints_every_login_and_is_safe_to_run_twice(tmp_path: Path) -> None:
    env = {**_fresh_environment(tmp_path), "EGOV_DEMO_OTP_BYPASS": "246810"}
    outputs = []
    for _ in range(2):
        run = subprocess.run([EGOV, "demo", "--setup-only"], env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    for username in ("alice", "clerk", "reviewer", "head", "olivia"):
        assert f" {username} " in outputs[0]
    assert "246810" in outputs[0]
    assert "Information sharing: alice has a consent on My Gov" in outputs[0]
    assert outputs[0] == outputs[1]


def test_the_demo_refuses_to_run_in_production(tmp_path: Path) -> None:
    env = {**_fresh_environment(tmp_path), "EGOV_ENV": "production", "EGOV_SECRET_KEY": "x" * 50,
           "EGOV_FIELD_KEY": "a", "EGOV_BLIND_INDEX_KEY": "b", "EGOV_ALLOWED_HOSTS": "egov.example"}
    run = subprocess.run([EGOV, "demo", "--setup-only"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "production" in run.stderr
    database = tmp_path / "fresh.sqlite3"
    if database.exists():
        with closing(sqlite3.connect(database)) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        assert tables == [], "refused before the database is migrated"


def test_a_korean_operator_reads_the_command_line_in_korean(tmp_path: Path) -> None:
    env = {**_fresh_environment(tmp_path), "LANG": "ko_KR.UTF-8"}
    run = subprocess.run([EGOV, "audit", "verify"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("무결함")


def test_the_production_settings_pass_djangos_deployment_checks(tmp_path: Path) -> None:
    import base64
    import secrets

    env = {**_fresh_environment(tmp_path), "EGOV_ENV": "production", "EGOV_SECRET_KEY": secrets.token_urlsafe(50),
           "EGOV_FIELD_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "EGOV_BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "EGOV_ALLOWED_HOSTS": "egov.example"}
    run = subprocess.run([EGOV, "check", "--deploy", "--fail-level", "WARNING"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "no issues" in run.stdout
