"""``make screenshots``: the main pages in Korean and English, at desktop and phone width.

Usage: ``python -m egov.portal.screenshots docs/screenshots``. It sets up a platform of
its own on a temporary SQLite database (migrated and seeded as ``egov`` does, with the
demo accounts), serves it with Granian as in production, and photographs with the
system Chromium: home, sign-in and My Gov (signed in as the demo citizen, with her registry records),
the services, a search and a service page of the catalogue, the document verification page (signed out), the consents page, the move-in report's apply page (and its place finder), the birth one-stop bundle's one form
and her applications (after she asks for a resident registration copy, approved at once), and the dong clerk's
search and record pages of the resident registry, each as
``<page>-<ko|en>-<desktop|phone>.png``. Static files are served from the collected
``var/static`` (``make install`` collects them).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from egov.core.testing import serve

PAGES = ("home", "sign-in", "services", "search", "catalogue-service", "verify", "my-gov", "consents", "apply",
         "apply-place-finder", "apply-bundle", "my-applications", "registry-search", "registry-resident")
LANGUAGES = ("ko", "en")


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
            "EGOV_DEMO_OTP_BYPASS": "246810",
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
        for step in settings.EGOV_DEMO_STEPS:
            import_string(step)()
        citizen = next(login for login in logins if not login.needs_second_factor)
        clerk = next(login for login in logins if login.username == "clerk")
        from django.db import connections

        connections.close_all()
        saved: list[Path] = []
        with serve(env, workdir / "server.log") as base, sync_playwright() as playwright:
            browser = launch(playwright, executable)
            filed = False
            for language in LANGUAGES:
                for width_name, viewport in WIDTHS.items():
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    set_language(context, base, language)
                    page = context.new_page()
                    page.goto(base + "/")
                    saved.append(_shoot(page, out, "home", language, width_name))
                    page.goto(base + "/services/")
                    saved.append(_shoot(page, out, "services", language, width_name))
                    page.goto(base + "/search/?q=" + ("이사" if language == "ko" else "moving"))
                    saved.append(_shoot(page, out, "search", language, width_name))
                    page.goto(base + "/catalogue/services/move-in-report/")
                    saved.append(_shoot(page, out, "catalogue-service", language, width_name))
                    # Verify a document, signed out: a mistyped number's answer (no documents exist yet).
                    page.goto(base + "/verify/?number=1234-5678-9012-3456")
                    saved.append(_shoot(page, out, "verify", language, width_name))
                    page.goto(base + "/accounts/login/")
                    saved.append(_shoot(page, out, "sign-in", language, width_name))
                    sign_in(page, base, citizen.username, citizen.password)
                    page.goto(base + "/my/")
                    saved.append(_shoot(page, out, "my-gov", language, width_name))
                    page.goto(base + "/my/consents/")
                    saved.append(_shoot(page, out, "consents", language, width_name))
                    page.goto(base + "/applications/apply/move-in-report/")
                    saved.append(_shoot(page, out, "apply", language, width_name))
                    # The address's dong found by its name (no JavaScript: the form comes back with the matches).
                    page.fill("#id_new_address\\.find", "청운")
                    page.locator("#finder-new_address button[name=find]").click()
                    saved.append(_shoot(page, out, "apply-place-finder", language, width_name))
                    page.goto(base + "/applications/apply/birth-one-stop/")
                    saved.append(_shoot(page, out, "apply-bundle", language, width_name))
                    if not filed:
                        _file_a_copy(page, base)
                        filed = True
                    page.goto(base + "/applications/mine/")
                    saved.append(_shoot(page, out, "my-applications", language, width_name))
                    context.close()
                    # The back office as the dong clerk sees it: a resident's record.
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    set_language(context, base, language)
                    page = context.new_page()
                    sign_in(page, base, clerk.username, clerk.password)
                    page.fill("input[name=code]", env["EGOV_DEMO_OTP_BYPASS"])
                    page.locator("main form button[type=submit]").first.click()
                    page.wait_for_load_state()
                    page.goto(base + "/back-office/registries/residents/?by=name&q=김하늘&purpose=civil_application")
                    saved.append(_shoot(page, out, "registry-search", language, width_name))
                    page.locator("main a[href*='/back-office/registries/residents/']").first.click()
                    page.wait_for_load_state()
                    saved.append(_shoot(page, out, "registry-resident", language, width_name))
                    context.close()
            browser.close()
    for path in saved:
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)  # noqa: T201
    return 0


def _file_a_copy(page: object, base: str) -> None:
    """The citizen asks for a resident registration copy through the apply page (approved at once)."""
    page.goto(base + "/applications/apply/resident-registration-copy/")  # type: ignore[attr-defined]
    page.fill("#id_copies", "1")  # type: ignore[attr-defined]
    page.locator("label[for=id_consent]").click()  # type: ignore[attr-defined]
    page.locator("main form[method=post] button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/applications/mine/*/")  # type: ignore[attr-defined]


def _shoot(page: object, out: Path, name: str, language: str, width_name: str) -> Path:
    path = out / f"{name}-{language}-{width_name}.png"
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.evaluate("() => document.fonts.ready")  # type: ignore[attr-defined]
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
