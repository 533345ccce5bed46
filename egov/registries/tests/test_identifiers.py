"""Registration numbers: refused exactly when python-stdnum refuses them, however they are written."""

from __future__ import annotations

import random
from datetime import date

import pytest
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.kr import rrn as stdnum_rrn

from egov.core.crypto import blind_index, normalise_identifier
from egov.registries import identifiers
from egov.registries.identifiers import IdentifierError, check_business_number, check_person_number, check_pnu

ISSUED = date(2020, 9, 30)  # the last day numbers carried a check digit


def random_numbers(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    numbers = []
    while len(numbers) < count:
        seventh = rng.choice("1234")
        year = rng.randrange(0, 100) if seventh in "12" else rng.randrange(0, 20)
        number = (f"{year:02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{seventh}"
                  + "".join(rng.choice("0123456789") for _ in range(6)))
        numbers.append(number)
    return numbers


def test_a_number_issued_before_october_2020_is_refused_exactly_when_python_stdnum_refuses_it() -> None:
    accepted = refused = 0
    for number in random_numbers(20_000, seed=3):
        try:
            stdnum_rrn.validate(number)
            valid = True
        except StdnumError:
            valid = False
        try:
            check_person_number(number, issued_on=ISSUED)
            ours = True
        except IdentifierError:
            ours = False
        assert ours == valid, number
        accepted += ours
        refused += not ours
    assert accepted > 1000 and refused > 1000  # both kinds were tried


def test_a_number_with_a_place_of_birth_over_96_is_refused_like_python_stdnum_refuses_it() -> None:
    first_twelve = "900101197" + "123"
    number = first_twelve + stdnum_rrn.calc_check_digit(first_twelve)
    with pytest.raises(StdnumError):
        stdnum_rrn.validate(number)
    with pytest.raises(IdentifierError):
        check_person_number(number, issued_on=ISSUED)


@pytest.mark.parametrize("written", [
    "900101-1234568", "900101 1234568", " 9001011234568\t", "９００１０１－１２３４５６８", "900101‐1234568",
])
def test_a_number_reads_as_the_same_digits_and_index_however_it_is_written(written: str) -> None:
    number = identifiers.parse_person_number(written)
    assert number.digits == "9001011234568"
    assert normalise_identifier(written) == "9001011234568"
    assert blind_index(written, kind="rrn") == blind_index("9001011234568", kind="rrn")


def test_digits_of_other_scripts_are_refused_where_python_stdnum_refuses_them() -> None:
    arabic = "".join(chr(0x0660 + int(d)) for d in "9001011234568")
    with pytest.raises(IdentifierError):
        check_person_number(arabic, issued_on=ISSUED)


def test_business_and_parcel_numbers_read_the_same_with_separators_or_full_width_digits() -> None:
    assert check_business_number("220-81-62517") == check_business_number("２２０８１６２５１７") == "2208162517"
    assert check_pnu("1111010100-1-0001-0000") == check_pnu("1111010100 1 0001 0000") == "1111010100100010000"
