"""Read a country pack's service definitions and say exactly what is wrong with a bad one.

Each ``services/*.yaml`` is composed with PyYAML first (so that every key and item keeps
its line), then validated by the schema with the pack's task areas, life events, data
products, purposes and organisations as context. A pydantic error's location
(``form.2.type``) is walked down the composed node tree to the line the author wrote,
so ``egov check`` can answer ``country/kr/services/x.yaml:14: form.2.type: …``.

The result is cached per pack directory and refreshed when a file of the pack changes,
so pages and searches read definitions without touching the disk each time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

from egov.catalogue.schema import MEMBER_OUTPUTS, ServiceDefinition, Text, cross_check, definition_adapter
from egov.core import yamlio

__all__ = ["DefinitionError", "LifeEvent", "LoadedDefinition", "Pack", "TaskArea", "content_hash", "line_of", "line_of_key", "load_pack"]


@dataclass(frozen=True)
class DefinitionError:
    path: Path
    line: int
    reason: str

    @property
    def file(self) -> str:
        try:
            return str(self.path.relative_to(Path(settings.BASE_DIR)))
        except ValueError:
            return str(self.path)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class TaskArea:
    slug: str
    name: Text


@dataclass(frozen=True)
class LifeEvent:
    slug: str
    name: Text
    description: Text | None


@dataclass(frozen=True)
class LoadedDefinition:
    definition: ServiceDefinition
    path: Path
    content: dict[str, Any]  # the normalised definition, as stored with its version
    content_hash: str


@dataclass(frozen=True)
class Pack:
    directory: Path
    task_areas: tuple[TaskArea, ...]
    life_events: tuple[LifeEvent, ...]
    organisations: dict[str, Text]
    products: dict[str, Text]
    services: tuple[LoadedDefinition, ...]
    errors: tuple[DefinitionError, ...]
    organisation_parents: dict[str, str] = field(default_factory=dict)  # code -> parent code ("" for a root)

    def service(self, service_id: str) -> LoadedDefinition | None:
        return next((loaded for loaded in self.services if loaded.definition.id == service_id), None)

    def offices_under(self, code: str) -> tuple[str, ...]:
        """The codes of every body organisations.yaml lists below ``code`` (an agency's field offices)."""
        below = {c for c, parent in self.organisation_parents.items() if parent == code}
        for child in sorted(below):
            below |= set(self.offices_under(child))
        return tuple(sorted(below))


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def line_of(node: Node, location: Iterable[str | int]) -> int:
    """The 1-based line of the deepest node of ``location`` that the document has."""
    line = node.start_mark.line
    for part in location:
        if isinstance(node, MappingNode):
            match = next(((key, value) for key, value in node.value if key.value == str(part)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line, match[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _dotted(location: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in location)


def _read_yaml(path: Path) -> tuple[Any, Node | None, DefinitionError | None]:
    try:
        text = path.read_text(encoding="utf-8")
        # Parsed once, by libyaml when PyYAML has it: the node keeps the lines for the error
        # messages and the data is built from it. Parsing each file twice in pure Python was
        # nearly all of a catalogue load (1.5 s for the kr pack; every test with a service pack).
        loader = yamlio.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        return None, None, DefinitionError(path, line, f"not valid YAML: {error.problem or error}")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, DefinitionError(path, 1, f"cannot be read: {error}")
    return data, node, None


def _codes(tree: Any) -> Iterator[tuple[str, Text]]:
    if isinstance(tree, dict):
        if "code" in tree and "name" in tree:
            yield str(tree["code"]), Text(ko=str(tree["name"]), en=str(tree.get("name_en") or tree["name"]))
        for value in tree.values():
            yield from _codes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _codes(item)


def _parents(entries: Any, parent: str = "") -> Iterator[tuple[str, str]]:
    """(code, parent code) of every body of a list of organisations.yaml, its ``children`` included."""
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and "code" in entry:
            code = str(entry["code"])
            yield code, str(entry.get("parent") or parent)
            yield from _parents(entry.get("children"), code)


def _named_list(directory: Path, filename: str, key: str, errors: list[DefinitionError]) -> list[dict[str, Any]]:
    path = directory / filename
    if not path.exists():
        return []
    data, node, error = _read_yaml(path)
    if error is not None:
        errors.append(error)
        return []
    entries = (data or {}).get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        errors.append(DefinitionError(path, 1, f"must hold a list under {key!r}"))
        return []
    good = []
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, dict) or not entry.get("slug") or not name.get("ko") or not name.get("en"):
            assert node is not None
            errors.append(DefinitionError(path, line_of(node, (key, index)), "each entry has a slug and a name (ko, en)"))
            continue
        good.append(entry)
    return good


def _context(directory: Path, errors: list[DefinitionError]) -> tuple[dict[str, Any], Pack]:
    task_areas = tuple(
        TaskArea(slug=str(e["slug"]), name=Text(ko=str(e["name"]["ko"]), en=str(e["name"]["en"])))
        for e in _named_list(directory, "task_areas.yaml", "task_areas", errors)
    )
    life_events = tuple(
        LifeEvent(slug=str(e["slug"]), name=Text(ko=str(e["name"]["ko"]), en=str(e["name"]["en"])),
                  description=Text(**e["description"]) if isinstance(e.get("description"), dict) else None)
        for e in _named_list(directory, "life_events.yaml", "life_events", errors)
    )
    exchange = yamlio.safe_load((directory / "exchange.yaml").read_text(encoding="utf-8")) \
        if (directory / "exchange.yaml").exists() else {}
    organisations = yamlio.safe_load((directory / "organisations.yaml").read_text(encoding="utf-8")) \
        if (directory / "organisations.yaml").exists() else {}
    orgs = dict(_codes(organisations or {}))
    context = {
        "task_areas": {area.slug for area in task_areas},
        "life_events": {event.slug for event in life_events},
        "products": {str(p["code"]) for p in (exchange or {}).get("data_products") or []},
        "purposes": {str(p["code"]) for p in (exchange or {}).get("purposes") or []},
        "organisations": set(orgs),
        # What each product reads (a person, a parcel, a building) and the parameters it takes (ADR 0110).
        "product_subjects": {str(p["code"]): str(p.get("subject_kind") or "person")
                             for p in (exchange or {}).get("data_products") or []},
        "product_params": {str(p["code"]): {str(name) for name in p.get("params") or []}
                           for p in (exchange or {}).get("data_products") or []},
    }
    products = {
        str(p["code"]): Text(ko=str(p.get("name") or p["code"]), en=str(p.get("name_en") or p.get("name") or p["code"]))
        for p in (exchange or {}).get("data_products") or []
    }
    parents = {code: parent for key in ("central", "public")
               for code, parent in _parents((organisations or {}).get(key) if isinstance(organisations, dict) else [])}
    pack = Pack(directory=directory, task_areas=task_areas, life_events=life_events, organisations=orgs,
                products=products, services=(), errors=(), organisation_parents=parents)
    return context, pack


def _validate(path: Path, context: dict[str, Any]) -> tuple[LoadedDefinition | None, Node | None, list[DefinitionError]]:
    data, node, error = _read_yaml(path)
    if error is not None:
        return None, None, [error]
    assert node is not None or data is None
    if not isinstance(data, dict) or node is None:
        return None, node, [DefinitionError(path, 1, "a definition is a mapping of keys (id, version, name, …)")]
    try:
        definition = definition_adapter.validate_python(data, context=context)
    except ValidationError as invalid:
        return None, node, [
            DefinitionError(path, line_of(node, problem["loc"]),
                            f"{_dotted(problem['loc']) or 'definition'}: {problem['msg']}")
            for problem in invalid.errors(include_url=False)
        ]
    problems = cross_check(definition)
    if problems:
        return None, node, [DefinitionError(path, line_of(node, loc), f"{_dotted(loc)}: {reason}")
                            for loc, reason in problems]
    content = definition_adapter.dump_python(definition, mode="json", by_alias=True)
    return LoadedDefinition(definition, path, content, content_hash(content)), node, []


def _consumer_key(definition: ServiceDefinition) -> str:
    organisation = definition.competent_organisation
    return organisation.code or f"level:{organisation.level}"


def _across_files(loaded: list[tuple[LoadedDefinition, Node]], errors: list[DefinitionError],
                  subject_kinds: dict[str, str] | None = None,
                  product_params: dict[str, set[str]] | None = None) -> list[LoadedDefinition]:
    """Checks that need every definition: unique ids, bundle members, one consent rule per right."""
    kept: list[LoadedDefinition] = []
    by_id: dict[str, LoadedDefinition] = {}
    exempt: dict[tuple[str, str, str], tuple[str, str]] = {}
    for item, node in loaded:
        definition = item.definition
        if definition.id in by_id:
            errors.append(DefinitionError(item.path, line_of(node, ("id",)),
                                          f"id: {definition.id!r} is already defined in {by_id[definition.id].path.name}"))
            continue
        by_id[definition.id] = item
        clash = False
        for index, evidence in enumerate(definition.evidence):
            key = (_consumer_key(definition), evidence.product, evidence.purpose)
            article, first = exempt.setdefault(key, (evidence.consent_exempt_article, definition.id))
            if article != evidence.consent_exempt_article:
                clash = True
                errors.append(DefinitionError(
                    item.path, line_of(node, ("evidence", index)),
                    f"evidence.{index}: {first} reads {evidence.product} for {evidence.purpose} at the same "
                    f"organisation with consent_exempt_article {article!r}; the gate keeps one right for both, "
                    f"so they must agree",
                ))
        if not clash:
            kept.append(item)
    services = {item.definition.id: item.definition for item in kept}
    bundle_fields: dict[str, dict[str, str]] = {}  # member id -> the fields of the bundles listing it, with their types
    for definition in services.values():
        for member in definition.members:
            bundle_fields.setdefault(member, {}).update({f.name: f.type for f in definition.form})
    final: list[LoadedDefinition] = []
    for item, node in loaded:
        if item not in kept:
            continue
        wrong = [
            (index, member) for index, member in enumerate(item.definition.members)
            if member not in services or services[member].kind != "service"
        ]
        for index, member in wrong:
            errors.append(DefinitionError(item.path, line_of(node, ("members", index)),
                                          f"members.{index}: {member!r} is not a service of the pack"))
        subjects = list(_subject_problems(item.definition, bundle_fields.get(item.definition.id, {}), subject_kinds))
        subjects += _param_problems(item.definition, product_params)
        subjects += _given_problems(item.definition, services)
        for location, reason in subjects:
            errors.append(DefinitionError(item.path, line_of(node, location), f"{_dotted(location)}: {reason}"))
        if not wrong and not subjects:
            final.append(item)
    return final


# The form field types that name the subject of each kind of data product.
SUBJECT_FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "person": ("resident_number",),
    "parcel": ("parcel_number",),
    "building": ("address", "parcel_number"),
}


def _subject_problems(definition: ServiceDefinition, bundle_fields: dict[str, str],
                      subject_kinds: dict[str, str] | None = None) -> Iterator[tuple[Any, str]]:
    """An evidence item's ``subject`` must name a field of the form, or of a bundle that lists the service.

    Checked across files because a member of a bundle may read the person a question of
    the bundle's one form names. The field's type must fit what the product reads (a
    person by a resident_number field, a parcel by a parcel_number field, a building by
    its address or its parcel), and a product of parcels or buildings must name one.
    """
    fields = {**bundle_fields, **{f.name: f.type for f in definition.form}}
    for index, evidence in enumerate(definition.evidence):
        kind = (subject_kinds or {}).get(evidence.product, "person")
        name = evidence.subject_field
        if not name:
            if kind != "person":
                yield ("evidence", index), (f"{evidence.product} reads a {kind}: name the form field that gives it "
                                            f"(subject: form.<field>)")
            continue
        where = ("evidence", index, "subject")
        allowed = SUBJECT_FIELD_TYPES.get(kind, ("resident_number",))
        if name not in fields:
            yield where, (f"{evidence.subject!r} names a field the form does not declare"
                          + (" (nor the form of a bundle listing this service)" if definition.kind == "service" else ""))
        elif fields[name] not in allowed:
            yield where, (f"{evidence.subject!r} is a {fields[name]} field; a {kind} is named by a "
                          f"{' or '.join(allowed)} field")


def _param_problems(definition: ServiceDefinition, product_params: dict[str, set[str]] | None) -> Iterator[tuple[Any, str]]:
    """An evidence item's ``params`` must be parameters its product declares in exchange.yaml (ADR 0110)."""
    for index, evidence in enumerate(definition.evidence):
        declared = (product_params or {}).get(evidence.product)
        if declared is None:
            continue
        for name in evidence.params:
            if name not in declared:
                yield (("evidence", index, "params", name),
                       f"the data product {evidence.product} takes no parameter {name!r}; it declares: "
                       f"{', '.join(sorted(declared)) or 'none'}")


def _given_problems(definition: ServiceDefinition, services: dict[str, ServiceDefinition]) -> Iterator[tuple[Any, str]]:
    """A bundle's ``given`` answer: a member's question, answered by what another member's effect produces."""
    asked = {f.name: f for member in definition.members if member in services for f in services[member].form}
    for index, given in enumerate(definition.given):
        where = ("given", index)
        producer = services.get(given.member)
        if given.member not in definition.members or producer is None:
            yield (*where, "member"), f"{given.member!r} is not a member of this bundle"
            continue
        if given.field not in asked:
            yield (*where, "field"), f"{given.field!r} is not a question of any member"
        elif asked[given.field].type != "resident_number":
            yield (*where, "field"), f"{given.field!r} is a {asked[given.field].type} field; only a resident_number is given"
        if given.field in {f.name for f in definition.form} or given.field in {f.name for f in producer.form}:
            yield (*where, "field"), f"{given.field!r} is asked by the bundle or by {given.member}, which cannot wait for it"
        effect = MEMBER_OUTPUTS[given.output]
        if not any(e.name == effect and "approve" in e.on for e in producer.effects):
            yield (*where, "output"), f"{given.member} has no {effect} effect on approval to give {given.output!r}"


def _read(directory: Path) -> Pack:
    errors: list[DefinitionError] = []
    context, pack = _context(directory, errors)
    loaded: list[tuple[LoadedDefinition, Node]] = []
    for path in sorted((directory / "services").glob("*.yaml")):
        item, node, problems = _validate(path, context)
        errors += problems
        if item is not None and node is not None:
            loaded.append((item, node))
    services = _across_files(loaded, errors, context.get("product_subjects"), context.get("product_params"))
    return Pack(directory=directory, task_areas=pack.task_areas, life_events=pack.life_events,
                organisations=pack.organisations, products=pack.products, services=tuple(services),
                errors=tuple(errors), organisation_parents=pack.organisation_parents)


_cache: dict[Path, tuple[tuple[Any, ...], Pack]] = {}
_lock = threading.Lock()


def _signature(directory: Path) -> tuple[Any, ...]:
    paths = [directory / name for name in ("task_areas.yaml", "life_events.yaml", "exchange.yaml", "organisations.yaml")]
    paths += sorted((directory / "services").glob("*.yaml"))
    signature = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        signature.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def load_pack(directory: Path | None = None) -> Pack:
    """The pack's definitions (the valid ones) and the errors of the others, cached until a file changes."""
    directory = Path(directory or settings.EGOV_COUNTRY_DIR)
    signature = _signature(directory)
    with _lock:
        cached = _cache.get(directory)
        if cached is not None and cached[0] == signature:
            return cached[1]
    pack = _read(directory)
    with _lock:
        _cache[directory] = (signature, pack)
    return pack


def line_of_key(path: Path, key: str) -> int:
    """The line of a top-level key of a definition file (1 when it cannot be read)."""
    data, node, error = _read_yaml(path)
    return 1 if node is None else line_of(node, (key,))
