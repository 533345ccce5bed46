"""Document templates of the country pack (``country/<cc>/certificates/<type>.yaml``).

A template names the document's title in each language and its fields: where each
value comes from and whether the public verification page may show it. Templates are
data, like service definitions, so a country adds a document without code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import gettext as _

from egov.core import yamlio
from egov.core.errors import ApplicationError

SOURCES = ("facts", "form", "applicant", "case")
_PLACEHOLDER = re.compile(r"\{([a-z0-9_.]+)\}")


def lookup(path: str, values: Any) -> Any:
    """The value at a dotted ``path`` in nested mappings; None where a step is missing."""
    value: Any = values
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _same(value: Any) -> str:
    """A value compared as typed and as registered: registration numbers with or without dashes and spaces."""
    return "".join(str(value).split()).replace("-", "") if value is not None else ""


def _plain(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple):
        return "/".join(str(part) for part in value)
    return str(value)


class TemplateInvalid(ApplicationError):
    """A document template that is missing or does not say what a document needs."""

    status = 500
    code = "certificate_template_invalid"


@dataclass(frozen=True)
class TemplateField:
    """One line of the document: where its value comes from, how a list is narrowed and printed.

    ``sources`` are tried in order and the first that has a value wins (one template
    serves services whose facts differ, e.g. a vehicle's plate from the register or from
    the form). A list (relatives, vehicles, businesses) can be narrowed by ``where``
    (an item's key equal to one of the listed values, or to the value of another source)
    and each item printed by ``show`` (``{person.name_ko}``-style paths into the item).
    ``choices`` turns a code (``general``) into the text printed (``일반``).
    """

    name: str
    label: Mapping[str, str]
    sources: tuple[str, ...]
    public: bool = False
    where: Mapping[str, Any] = field(default_factory=dict)
    show: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.sources[0]

    def resolve(self, values: Mapping[str, Any]) -> Any:
        """The field's value in ``values`` (``facts``, ``form``, ``applicant``, ``case``), narrowed and shown."""
        value: Any = None
        for source in self.sources:
            value = lookup(source, values)
            if value not in (None, "", [], {}):
                break
        if isinstance(value, list | tuple):
            items = [item for item in value if self._kept(item, values)]
            return [self._shown(item) for item in items]
        if self.where and value is not None and not self._kept(value, values):
            return None
        return self._shown(value)

    def _kept(self, item: Any, values: Mapping[str, Any]) -> bool:
        for key, wanted in self.where.items():
            have = _same(lookup(key, item))
            if isinstance(wanted, list | tuple):
                if have not in {_same(w) for w in wanted}:
                    return False
            elif have != _same(lookup(str(wanted), values)):
                return False
        return True

    def _shown(self, item: Any) -> Any:
        if self.show and isinstance(item, Mapping):
            text = _PLACEHOLDER.sub(lambda match: _plain(lookup(match.group(1), item)), self.show)
            return " ".join(text.split())
        if self.choices and isinstance(item, str | int | bool):
            return self.choices.get(str(item), item)
        return item


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
        raw: Any = yamlio.safe_load(path.read_text(encoding="utf-8"))
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
        raw_source = item.get("source", "")
        sources = tuple(str(s) for s in (raw_source if isinstance(raw_source, list) else [raw_source]))
        where = item.get("where") or {}
        references = [str(w) for w in where.values() if not isinstance(w, list)] if isinstance(where, dict) else []
        if not sources or any(source.partition(".")[0] not in SOURCES for source in (*sources, *references)):
            raise fail(
                _("field %(name)s: the source must start with one of %(roots)s")
                % {"name": item["name"], "roots": ", ".join(SOURCES)}
            )
        if not isinstance(where, dict) or not isinstance(item.get("choices") or {}, dict):
            raise fail(_("field %(name)s: “where” and “choices” must be mappings") % {"name": item["name"]})
        fields.append(
            TemplateField(
                str(item["name"]),
                dict(item["label"]),
                sources,
                bool(item.get("public", False)),
                where=dict(where),
                show=str(item.get("show") or ""),
                choices={str(k): str(v) for k, v in (item.get("choices") or {}).items()},
            )
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
