"""The country pack's notices file: validated when loaded and by ``egov check``, naming the file and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from egov.notifications.notices import NoticesInvalid, notices_pack, parse_notices

KR = Path(__file__).resolve().parents[3] / "country" / "kr" / "notices.yaml"


def test_the_kr_pack_declares_the_notices_the_issue_asks_for() -> None:
    pack = parse_notices(KR)
    facts = {rule.fact for rule in pack.rules}
    assert facts == {"vehicle_inspection_due", "supplement_deadline", "school_entry_age", "local_tax_due",
                     "permit_expiry"}
    assert {c.code: c.required_by_law for c in pack.categories}["applications"] is True


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "notices.yaml"
    path.write_text(KR.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return path


def test_a_template_with_an_unknown_placeholder_is_refused_with_the_file_and_the_reason(tmp_path: Path) -> None:
    path = _broken(tmp_path, "${name}님, ${plate} 차량의", "${name}님, ${plaet} 차량의")

    with pytest.raises(NoticesInvalid) as refused:
        parse_notices(path)

    assert str(path) in str(refused.value) and "${plaet}" in str(refused.value)


def test_a_rule_naming_a_template_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, "template: school-entry-age", "template: school-entry")

    with pytest.raises(NoticesInvalid, match="unknown template school-entry"):
        parse_notices(path)


def test_broken_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "notices.yaml"
    path.write_text("rules: [\n  - id: x\n", encoding="utf-8")

    with pytest.raises(NoticesInvalid, match=r"notices.yaml:\d+: not valid YAML"):
        parse_notices(path)


@pytest.mark.django_db
def test_egov_check_stops_on_a_rule_whose_service_is_not_in_the_catalogue(tmp_path: Path, settings: object) -> None:
    path = _broken(tmp_path, "service: school-entry-notice", "service: school-entrance")
    settings.EGOV_NOTICES_FILE = path  # type: ignore[attr-defined]

    with pytest.raises(SystemCheckError) as stopped:
        call_command("check")

    assert "unknown service school-entrance" in str(stopped.value) and str(path) in str(stopped.value)


def test_the_pack_in_use_follows_the_setting(tmp_path: Path, settings: object) -> None:
    settings.EGOV_NOTICES_FILE = tmp_path / "absent.yaml"  # type: ignore[attr-defined]
    assert notices_pack().rules == []
