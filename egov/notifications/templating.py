"""Message templates: ``${name}`` placeholders, checked when a template is saved (ADR 0090).

Templates use Python's ``string.Template`` syntax (``${name}`` or ``$name``; ``$$`` for a
dollar sign): a standard-library parser that lists a text's placeholders
(``get_identifiers``) and says whether the text is well formed (``is_valid``), with no
expression language an official could misuse and nothing to install. A template
declares the placeholders it takes; a text naming any other is refused when saved,
so a typo cannot reach citizens as a literal ``${nmae}``. ``name`` (the recipient's
name) and ``link`` (the service to act on) are filled by the platform and always allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from string import Template as _StringTemplate

from django.utils.translation import gettext as _

# Filled by the platform for every message, so every template may use them.
STANDARD_PLACEHOLDERS = ("name", "link")
PLACEHOLDER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def placeholders_in(text: str) -> list[str]:
    return list(dict.fromkeys(_StringTemplate(text).get_identifiers()))


def template_problems(*, declared: Iterable[str], texts: Mapping[str, str]) -> dict[str, list[str]]:
    """Per field, what is wrong with the texts of a template: bad syntax or a placeholder not declared."""
    problems: dict[str, list[str]] = {}
    declared = list(declared)
    bad_names = [name for name in declared if not PLACEHOLDER_NAME.match(name)]
    if bad_names:
        problems["placeholders"] = [
            _("A placeholder name is made of lower-case letters, digits and underscores, starting with a letter: %(names)s.")
            % {"names": ", ".join(bad_names)}
        ]
    allowed = set(declared) | set(STANDARD_PLACEHOLDERS)
    for field, text in texts.items():
        template = _StringTemplate(text)
        if not template.is_valid():
            problems.setdefault(field, []).append(
                _("The text has a “$” that starts no placeholder. Write placeholders as ${name}, and a dollar sign as $$.")
            )
            continue
        unknown = [name for name in placeholders_in(text) if name not in allowed]
        if unknown:
            problems.setdefault(field, []).append(
                _("Unknown placeholder: %(names)s. Declare it in the template's placeholders, or use one of: %(known)s.")
                % {"names": ", ".join(f"${{{n}}}" for n in unknown), "known": ", ".join(sorted(allowed))}
            )
    return problems


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with its placeholders filled; a missing value is a ``KeyError`` naming it."""
    return _StringTemplate(text).substitute(values)


__all__ = ["STANDARD_PLACEHOLDERS", "placeholders_in", "render", "template_problems"]
