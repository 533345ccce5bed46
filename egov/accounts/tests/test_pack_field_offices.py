"""National field offices get their areas from the pack: a tax office serves the si/gun/gu it lists."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from egov.accounts.models import AdminDong, Organisation
from egov.accounts.pack import PackInvalid, country_pack_load


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        country_pack_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def pack(_loaded_once: None, db: None) -> None:
    return None


def area(code: str) -> set[str]:
    return set(Organisation.objects.get(code=code).jurisdiction.values_list("sigungu_code", flat=True))


def test_each_tax_office_serves_every_administrative_dong_of_its_si_gun_gu(pack: None) -> None:
    jongno = Organisation.objects.get(code="cen-nts-jongno")
    assert set(jongno.jurisdiction.values_list("code", flat=True)) == set(
        AdminDong.objects.filter(sigungu_code="11110").values_list("code", flat=True))
    assert area("cen-nts-suwon") == {"41111", "41113", "41115", "41117"}
    assert area("cen-nts-sejong") == {"36110"}
    assert area("cen-nts-jeju") == {"50110", "50130"}


def test_the_agency_and_its_regional_offices_have_no_area_of_their_own(pack: None) -> None:
    for code in ("cen-nts", "cen-nts-seoul", "cen-nts-jungbu"):
        assert not Organisation.objects.get(code=code).jurisdiction.exists()


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kr"
    target.mkdir()
    for name in ("places.yaml", "organisations.yaml", "admin_dongs.yaml"):
        shutil.copy(Path(settings.EGOV_COUNTRY_DIR) / name, target / name)
    return target


def serving(pack_dir: Path, codes: str) -> None:
    path = pack_dir / "organisations.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'serves: ["11110"]' in text
    path.write_text(text.replace('serves: ["11110"]', f"serves: {codes}"), encoding="utf-8")


@pytest.mark.django_db
def test_a_field_office_serving_an_unknown_si_gun_gu_stops_the_load(pack_copy: Path) -> None:
    serving(pack_copy, '["11119"]')
    # The same copy renames 사직동: administrative dongs are written before organisations,
    # so the old name afterwards shows that the refused load wrote nothing.
    dongs = pack_copy / "admin_dongs.yaml"
    dongs.write_text(dongs.read_text(encoding="utf-8").replace("name: 사직동", "name: 사직동X", 1), encoding="utf-8")
    with pytest.raises(PackInvalid) as refused:
        country_pack_load(country_dir=pack_copy)
    assert str(refused.value) == ("organisations.yaml: cen-nts-jongno serves '11119', which is not the 5-digit code "
                                  "of a si/gun/gu in force in the legal-dong data")
    assert not AdminDong.objects.filter(name="사직동X").exists()


@pytest.mark.django_db
def test_a_superseded_code_is_refused_too(pack_copy: Path) -> None:
    serving(pack_copy, '["45111"]')  # 전주시 완산구 under 전라북도, now 52111 under 전북특별자치도
    with pytest.raises(PackInvalid, match="cen-nts-jongno serves '45111'"):
        country_pack_load(country_dir=pack_copy)


@pytest.mark.django_db
def test_serves_must_list_codes(pack_copy: Path) -> None:
    serving(pack_copy, '"11110"')
    with pytest.raises(PackInvalid, match="cen-nts-jongno: serves must be a list"):
        country_pack_load(country_dir=pack_copy)


@pytest.mark.django_db
def test_a_si_stands_for_its_gu(pack_copy: Path) -> None:
    serving(pack_copy, '["41110"]')
    country_pack_load(country_dir=pack_copy)
    assert area("cen-nts-jongno") == {"41111", "41113", "41115", "41117"}
