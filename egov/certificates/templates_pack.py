"""Document templates of the country pack (``country/<cc>/certificates/<type>.yaml``).

A template names the document's title in each language and its fields: where each
value comes from and whether the public verification page may show it. Templates are
data, like service definitions, so a country adds a document without code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import gettext as _

from egov.core.errors import ApplicationError

SOURCES = ("facts", "form", "applicant", "case")


class TemplateInvalid(ApplicationError):
    """A document template that is missing or does not say what a document needs."""

    status = 500
    code = "certificate_template_invalid"


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: Mapping[str, str]
    source: str
    public: bool = False


@dataclass(frozen=True)
class DocumentTemplate:
    type: str
    title: Mapping[str, str]
    fields: tuple[TemplateField, ...]

    def label(self, language: str) -> str:
        return self.title.get(language) or self.title.get("ko") or self.type


def _directory() -> Path:
    return Path(settings.EGOV_COUNTRY_DIR) / "certificates"


def template_exists(document_type: str) -> bool:
    return (_directory() / f"{document_type}.yaml").is_file()


def _parse(path: Path) -> DocumentTemplate:
    def fail(reason: str) -> TemplateInvalid:
        return TemplateInvalid(
            _("The document template %(file)s is not valid: %(reason)s")
            % {"file": path.name, "reason": reason}
        )

    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise fail(str(error)) from None
    if not isinstance(raw, dict) or raw.get("type") != path.stem:
        raise fail(_("its “type” must be the file's name"))
    title = raw.get("title")
    if not isinstance(title, dict) or not title.get("ko") or not title.get("en"):
        raise fail(_("“title” needs a Korean and an English text"))
    fields: list[TemplateField] = []
    for index, item in enumerate(raw.get("fields") or []):
        if not isinstance(item, dict) or not item.get("name") or not isinstance(item.get("label"), dict):
            raise fail(_("field %(index)s needs a name and a label") % {"index": index + 1})
        source = str(item.get("source", ""))
        if source.partition(".")[0] not in SOURCES:
            raise fail(
                _("field %(name)s: the source must start with one of %(roots)s")
                % {"name": item["name"], "roots": ", ".join(SOURCES)}
            )
        fields.append(
            TemplateField(str(item["name"]), dict(item["label"]), source, bool(item.get("public", False)))
        )
    if not any(field.public for field in fields):
        raise fail(_("at least one field must be public, or the verification page has nothing to show"))
    return DocumentTemplate(type=path.stem, title=dict(title), fields=tuple(fields))


@lru_cache(maxsize=64)
def _cached(path: str, modified: int) -> DocumentTemplate:
    return _parse(Path(path))


def document_template(document_type: str) -> DocumentTemplate:
    """The template of ``document_type``; TemplateInvalid when it is missing or malformed."""
    path = _directory() / f"{document_type}.yaml"
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise TemplateInvalid(
            _("There is no document template “%(type)s” in the country pack.") % {"type": document_type}
        ) from None
    return _cached(str(path), modified)


def all_templates() -> list[DocumentTemplate]:
    """Every template of the pack, parsed (``egov check`` reports the first that fails)."""
    return [document_template(path.stem) for path in sorted(_directory().glob("*.yaml"))]
