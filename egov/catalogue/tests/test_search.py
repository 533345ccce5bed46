"""Search as people type: everyday words, spacing and partial words, in Korean and English."""

from __future__ import annotations

from egov.catalogue import public as catalogue


def ids(query: str, language: str = "ko") -> list[str]:
    return [result.service.id for result in catalogue.search(query, language)]


def test_an_everyday_word_finds_the_move_in_report_first() -> None:
    assert ids("이사")[0] == "move-in-report"


def test_spacing_does_not_matter() -> None:
    assert ids("전입 신고")[0] == "move-in-report"
    assert ids("전입신고")[0] == "move-in-report"


def test_part_of_a_word_is_enough() -> None:
    assert "move-in-report" in ids("전입")
    assert "resident-registration-copy" in ids("등본")
    assert "resident-registration-extract" in ids("초본")


def test_english_words_find_services_and_results_are_named_in_the_language_asked() -> None:
    results = catalogue.search("moving house", "en")
    assert results[0].service.id == "move-in-report" and results[0].service.name == "Move-in report"
    assert ids("Move in", "en")[0] == "move-in-report"
    assert catalogue.search("이사", "ko")[0].service.name == "전입신고"


def test_nothing_matches_gibberish() -> None:
    assert ids("qwxzv") == []


def test_browse_by_life_event_task_area_and_organisation() -> None:
    birth = {service.id for service in catalogue.services(language="ko", life_event="birth")}
    assert {"birth-report", "child-allowance", "parental-benefit", "birth-one-stop"} <= birth
    assert len(catalogue.task_areas("ko")) == 21 and all(group.count >= 1 for group in catalogue.task_areas("ko"))
    tax_office = {service.id for service in catalogue.services(language="en", organisation="cen-nts")}
    assert "business-registration" in tax_office
    assert [group.key for group in catalogue.organisations("en")][:2] == ["level-dong", "level-si_gun_gu"]


def test_a_summary_says_whether_the_service_is_fully_online() -> None:
    by_id = {service.id: service for service in catalogue.services(language="en", task_area="resident-registration")}
    assert by_id["resident-registration-copy"].fully_online
    assert not by_id["seal-certificate"].fully_online
