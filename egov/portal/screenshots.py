"""``make screenshots``: the main pages in Korean and English, at desktop and phone width.

Usage: ``python -m egov.portal.screenshots docs/screenshots``. It sets up a platform of
its own on a temporary SQLite database (migrated and seeded as ``egov`` does, with the
demo accounts), serves it with gunicorn as in production, and photographs with the
system Chromium: home, sign-in and My Gov (signed in as the demo citizen), each as
``<page>-<ko|en>-<desktop|phone>.png``. Static files are served from the collected
``var/static`` (``make install`` collects them).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PAGES = ("home", "sign-in", "my-gov")
LANGUAGES = ("ko", "en")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """gunicorn serving the platform with ``env``; yields its base URL, stops it afterwards."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
            [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
            env={**env, "EGOV_BASE_URL": base}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/", timeout=1)  # noqa: S310 - loopback only
                    break
                except OSError:
                    if server.poll() is not None:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=15)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="egov-screenshots-") as tmp:
        workdir = Path(tmp)
        # Everything this run writes goes to its temporary directory, except the static
        # files, which are read from the collected var/static.
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'egov.sqlite3'}",
            "EGOV_KEYS_DIR": str(workdir / "keys"),
            "EGOV_AUDIT_CHECKPOINT_FILE": str(workdir / "audit-checkpoints.jsonl"),
            "EGOV_OUTBOX_DIR": str(workdir / "outbox"),
        }
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.utils.module_loading import import_string
        from playwright.sync_api import sync_playwright

        from egov.core.bootstrap import ensure_ready
        from egov.portal.browser import WIDTHS, chromium_executable, launch, set_language, sign_in

        executable = chromium_executable()
        if executable is None:
            print("make screenshots needs Debian's chromium package (apt-get install chromium)", file=sys.stderr)  # noqa: T201
            return 1
        ensure_ready(command="screenshots")
        logins = import_string(settings.EGOV_DEMO_ACCOUNTS)()
        citizen = next(login for login in logins if not login.needs_second_factor)
        from django.db import connections

        connections.close_all()
        saved: list[Path] = []
        with serve(env, workdir / "server.log") as base, sync_playwright() as playwright:
            browser = launch(playwright, executable)
            for language in LANGUAGES:
                for width_name, viewport in WIDTHS.items():
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    set_language(context, base, language)
                    page = context.new_page()
                    page.goto(base + "/")
                    saved.append(_shoot(page, out, "home", language, width_name))
                    page.goto(base + "/accounts/login/")
                    saved.append(_shoot(page, out, "sign-in", language, width_name))
                    sign_in(page, base, citizen.username, citizen.password)
                    page.goto(base + "/my/")
                    saved.append(_shoot(page, out, "my-gov", language, width_name))
                    context.close()
            browser.close()
    for path in saved:
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)  # noqa: T201
    return 0


def _shoot(page: object, out: Path, name: str, language: str, width_name: str) -> Path:
    path = out / f"{name}-{language}-{width_name}.png"
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.evaluate("() => document.fonts.ready")  # type: ignore[attr-defined]
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
