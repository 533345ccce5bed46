"""Driving the system Chromium with Playwright: shared by the browser tests and ``make screenshots``.

Playwright's own browser download is unreachable from the machines we build on, so
both use Debian's ``chromium`` package through ``executable_path``. axe-core comes
from npm (``node_modules/axe-core``) and is evaluated in the page through the
DevTools protocol, which the page's CSP (``script-src 'self'``) does not govern, so
the pages are checked under the very policy they are served with.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}

# The WCAG 2.1 A and AA rules of axe-core; best-practice rules are advice, not a gate.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright: Any, executable: str) -> Any:
    """A headless Chromium from the system package (never Playwright's download)."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)


def axe_source() -> str:
    return (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets[:5])}"


def axe_violations(page: Any, source: str | None = None) -> list[Violation]:
    """Run axe-core on the page as it is now; return its WCAG 2.1 A/AA violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source or axe_source())
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})).violations",
        AXE_TAGS,
    )
    return [
        Violation(
            rule=item["id"],
            impact=item.get("impact") or "",
            help=item["help"],
            targets=tuple(str(node["target"]) for node in item["nodes"]),
        )
        for item in result
    ]


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def set_language(context: Any, base_url: str, language: str) -> None:
    """Choose the page language the way the switch does: the language cookie Django reads."""
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
