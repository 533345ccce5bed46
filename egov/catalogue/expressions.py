"""The small rule language of service definitions: eligibility, conditional fields, exemptions.

A rule is one Python-syntax expression over two roots, ``form`` (the applicant's
answers, ``form.<field>``) and ``facts`` (what the registries answered through the
gate, ``facts.<registry>.<fact>``), with ``and``, ``or``, ``not``, comparisons,
``in``/``not in`` and constants (strings, numbers, booleans, ``None``, lists of them).
It is parsed with :mod:`ast` and evaluated by walking the tree: nothing is ever passed
to ``eval``, so a definition written by a government cannot run code on the platform.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["ExpressionError", "evaluate", "parse", "references"]

ROOTS = ("form", "facts")

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda left, right: left in right, ast.NotIn: lambda left, right: left not in right,
}


class ExpressionError(ValueError):
    """The expression is not one the rule language allows; the message says why."""


def _path(node: ast.expr) -> tuple[str, ...] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return tuple(reversed(parts))
    return None


def _check(node: ast.AST) -> None:
    if isinstance(node, ast.Expression):
        _check(node.body)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return
    elif isinstance(node, ast.Compare):
        for part in (node.left, *node.comparators):
            _check(part)
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ExpressionError(f"comparison {type(op).__name__} is not allowed")
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                raise ExpressionError("lists may hold constants only")
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, (str, int, float, bool, type(None))):
            raise ExpressionError(f"constant {node.value!r} is not allowed")
    elif isinstance(node, (ast.Attribute, ast.Name)):
        path = _path(node)
        if path is None or path[0] not in ROOTS or len(path) < 2:
            raise ExpressionError("a name must be form.<field> or facts.<registry>.<fact>")
    else:
        raise ExpressionError(f"{type(node).__name__} is not allowed in a rule")


@lru_cache(maxsize=2048)
def parse(expression: str) -> ast.Expression:
    """The checked syntax tree of ``expression``; raises ExpressionError when it is not a rule."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression ({error.msg})") from None
    _check(tree)
    return tree


def references(expression: str) -> list[tuple[str, ...]]:
    """Every ``form.…`` and ``facts.…`` path the expression reads, in order."""
    paths = {path for node in ast.walk(parse(expression)) if isinstance(node, ast.Attribute)
             and (path := _path(node)) is not None}
    # ast.walk visits ``form.a.b`` and its inner ``form.a``: keep the whole paths only.
    return sorted(path for path in paths if not any(other != path and other[: len(path)] == path for other in paths))


def _lookup(path: tuple[str, ...], scope: Mapping[str, Any]) -> Any:
    value: Any = scope
    for part in path:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return None
    return value


def _value(node: ast.expr, scope: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value(node.operand, scope)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(element, scope) for element in node.elts]
    if isinstance(node, (ast.Attribute, ast.Name)):
        path = _path(node)
        assert path is not None  # parse() let only paths through
        return _lookup(path, scope)
    return _truth(node, scope)


def _truth(node: ast.expr, scope: Mapping[str, Any]) -> bool:
    if isinstance(node, ast.BoolOp):
        results = (_truth(value, scope) for value in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _truth(node.operand, scope)
    if isinstance(node, ast.Compare):
        left = _value(node.left, scope)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator, scope)
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                # A missing answer or fact (None) compared with a number is not true.
                return False
            left = right
        return True
    return bool(_value(node, scope))


def evaluate(expression: str, *, form: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether the rule holds for these answers and facts. A missing value reads as None."""
    return _truth(parse(expression).body, {"form": form, "facts": facts})
