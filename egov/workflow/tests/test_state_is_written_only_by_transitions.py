"""A case's state changes only through case_transition (rule 3): at run time and in the source."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from egov.workflow.models import Case, StateWriteRefused
from egov.workflow.public import CaseInfo

OpenCase = Callable[..., CaseInfo]

EGOV = Path(settings.BASE_DIR) / "egov"
# The one module allowed to write the state, and this test (which tries, to see it refused).
ALLOWED = {EGOV / "workflow" / "services.py", Path(__file__).resolve()}


@pytest.mark.django_db
def test_saving_a_changed_state_outside_a_transition_is_refused(open_case: OpenCase) -> None:
    case = Case.objects.get(id=open_case().id)
    case.state = "approved"
    with pytest.raises(StateWriteRefused):
        case.save()
    with pytest.raises(StateWriteRefused):
        case.save(update_fields=["state"])
    assert Case.objects.get(id=case.id).state == "submitted"


@pytest.mark.django_db
def test_saving_other_fields_of_a_case_is_allowed(open_case: OpenCase) -> None:
    case = Case.objects.get(id=open_case().id)
    case.data = {"note": "kept"}
    case.save(update_fields=["data"])
    case.save()
    assert Case.objects.get(id=case.id).data == {"note": "kept"}


@pytest.mark.django_db
def test_queryset_updates_of_the_state_are_refused(open_case: OpenCase) -> None:
    case = Case.objects.get(id=open_case().id)
    with pytest.raises(StateWriteRefused):
        Case.objects.filter(id=case.id).update(state="approved")
    case.state = "approved"
    with pytest.raises(StateWriteRefused):
        Case.objects.bulk_update([case], ["state"])
    with pytest.raises(StateWriteRefused):
        Case.objects.bulk_create([Case(state="approved")])
    with pytest.raises(StateWriteRefused):
        Case.objects.create(reference="2026-9999999", state="approved")
    assert Case.objects.get(id=case.id).state == "submitted"


def _python_files() -> Iterator[Path]:
    for path in EGOV.rglob("*.py"):
        if "migrations" not in path.parts and path.resolve() not in ALLOWED:
            yield path


def _writes_of_state(tree: ast.AST) -> list[int]:
    """Lines that assign ``x.state``, pass ``state=`` to update(), name "state" in update/bulk_update fields."""
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in targets):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"update", "update_or_create"} and any(k.arg == "state" for k in node.keywords):
                lines.append(node.lineno)
            if name == "setattr" and len(node.args) > 1 and getattr(node.args[1], "value", None) == "state":
                lines.append(node.lineno)
            fields = [k.value for k in node.keywords if k.arg == "update_fields"]
            if name == "bulk_update":
                fields += [*node.args[1:], *(k.value for k in node.keywords if k.arg == "fields")]
            if any("'state'" in ast.unparse(value) for value in fields):
                lines.append(node.lineno)
    return lines


def test_no_module_but_the_engines_services_writes_a_case_state() -> None:
    """Other apps cannot import Case (import-linter); in workflow itself only services.py may write it.

    Other apps' own models may have a ``state``: outside workflow only raw SQL on the
    case table and imports of workflow's models are looked for.
    """
    offences: list[str] = []
    for path in _python_files():
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(EGOV.parent)
        if path.is_relative_to(EGOV / "workflow"):
            offences += [f"{relative}:{line}" for line in _writes_of_state(ast.parse(source))]
        else:
            if "workflow_case" in source:
                offences.append(f"{relative}: names the case table")
            if "egov.workflow.models" in source or "egov.workflow.services" in source:
                offences.append(f"{relative}: reaches into the case engine past its public.py")
    assert offences == [], "a case's state is written outside case_transition: " + ", ".join(offences)


def test_the_scan_recognises_the_ways_of_writing_a_state() -> None:
    sample = ast.parse(
        "case.state = 'x'\n"
        "Case.objects.filter(id=1).update(state='x')\n"
        "case.save(update_fields=['state'])\n"
        "Case.objects.bulk_update(rows, ['state'])\n"
        "setattr(case, 'state', 'x')\n"
        "Case.objects.update_or_create(id=1, state='x')\n"
        "case.data = {}\n"
        "models.Index(fields=['state', 'due_at'], name='queue')\n"
    )
    assert _writes_of_state(sample) == [1, 2, 3, 4, 5, 6]


def test_the_services_module_writes_the_state_in_case_transition_only() -> None:
    tree = ast.parse((EGOV / "workflow" / "services.py").read_text(encoding="utf-8"))
    writers: set[str] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and _writes_of_state(function):
            writers.add(function.name)
        if isinstance(function, ast.FunctionDef) and "state_writes_allowed" in ast.unparse(function):
            writers.add(function.name)
    assert writers == {"case_open", "case_transition"}


