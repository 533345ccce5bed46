"""The organisation chart as the portal shows it: the trees side by side, names in the reader's language.

``egov.accounts.public.organisation_tree()`` gives the bodies of the country pack as
roots with children, the local tree already cut at provinces and their si/gun/gu (the
eup/myeon/dong offices would add thousands of lines a reader does not need here).
This module only groups the roots by tree — central government, local government,
public institutions, which rule 11 of ARCHITECTURE.md keeps apart — and picks the
English name for English readers when the pack has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from egov.accounts.public import OrganisationNode

TREES: dict[str, str | Promise] = {
    "central": _("Central government"),
    "local": _("Local governments"),
    "public": _("Public institutions"),
}


@dataclass(frozen=True)
class ChartNode:
    name: str
    kind: str
    children: tuple[ChartNode, ...]


@dataclass(frozen=True)
class ChartTree:
    key: str
    label: str | Promise
    nodes: tuple[ChartNode, ...]
    count: int


def _node(node: OrganisationNode, english: bool) -> ChartNode:
    info = node.organisation
    name = info.name_en if english and info.name_en else info.name
    return ChartNode(name=name, kind=info.kind_label, children=tuple(_node(child, english) for child in node.children))


def _count(node: ChartNode) -> int:
    return 1 + sum(_count(child) for child in node.children)


def chart_from_tree(roots: list[OrganisationNode]) -> list[ChartTree]:
    english = (get_language() or "").startswith("en")
    trees = []
    for key, label in TREES.items():
        nodes = tuple(_node(root, english) for root in roots if root.organisation.tree == key)
        if nodes:
            trees.append(ChartTree(key=key, label=label, nodes=nodes, count=sum(_count(node) for node in nodes)))
    return trees
