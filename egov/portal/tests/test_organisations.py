"""The organisation chart page: central and local governments as separate trees, in the reader's language."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import translation

from egov.accounts.public import OrganisationInfo, OrganisationNode, load_country_pack
from egov.portal.organisations import chart_from_tree


def _node(name: str, name_en: str, tree: str, kind_label: str, *children: OrganisationNode) -> OrganisationNode:
    info = OrganisationInfo(
        id=uuid.uuid4(), code=name_en.lower(), name=name, name_en=name_en, kind="x", kind_label=kind_label,
        tree=tree, region_code="", population=None, population_year=None, valid_from=None, valid_to=None,
    )
    return OrganisationNode(info, tuple(children))


ROOTS = [
    _node("행정안전부", "Ministry of the Interior and Safety", "central", "Ministry"),
    _node("서울특별시", "Seoul", "local", "Province", _node("종로구", "Jongno-gu", "local", "Autonomous gu")),
    _node("세종특별자치시", "", "local", "Province"),
]


def test_the_chart_keeps_central_and_local_government_apart_and_counts_each_tree() -> None:
    with translation.override("ko"):
        chart = chart_from_tree(ROOTS)
    assert [(tree.key, tree.count) for tree in chart] == [("central", 1), ("local", 3)]
    assert [node.name for node in chart[1].nodes] == ["서울특별시", "세종특별자치시"]
    assert chart[1].nodes[0].children[0].name == "종로구"


def test_english_readers_get_english_names_where_the_pack_has_them() -> None:
    with translation.override("en"):
        chart = chart_from_tree(ROOTS)
    assert [node.name for node in chart[1].nodes] == ["Seoul", "세종특별자치시"]


@pytest.mark.django_db
def test_the_page_says_so_when_no_organisations_are_loaded() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/organisations/").content.decode()
    assert "No organisations have been loaded into this installation yet." in page


@pytest.mark.django_db
def test_the_page_shows_the_country_packs_ministries_provinces_and_districts() -> None:
    load_country_pack()
    response = Client().get("/organisations/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "중앙행정기관" in page and "지방자치단체" in page
    for name in ("행정안전부", "서울특별시", "종로구", "세종특별자치시", "제주특별자치도"):
        assert name in page, name
    assert "<details>" in page
