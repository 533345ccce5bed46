"""Korean identifiers of the base registries: parse, check and explain what is wrong.

Each ``check_*`` function returns the normalised identifier or raises
:class:`IdentifierError` with a translated message saying what is wrong, so services,
the importer and forms all refuse the same things in the same words. They depend on
nothing but the value, which keeps the bulk importer fast.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.kr import brn as stdnum_brn
from stdnum.kr import rrn as stdnum_rrn

# Numbers issued from this date on carry no region code and no meaningful check
# digit (the Ministry of the Interior and Safety made the last six digits random),
# so python-stdnum's check applies only to numbers issued before it.
RANDOM_SERIAL_SINCE = date(2020, 10, 1)

# The seventh digit: century of birth, sex, and Korean national or foreigner.
_SEVENTH_DIGIT: dict[str, tuple[int, str, bool]] = {
    "9": (1800, "M", False), "0": (1800, "F", False),
    "1": (1900, "M", False), "2": (1900, "F", False),
    "3": (2000, "M", False), "4": (2000, "F", False),
    "5": (1900, "M", True), "6": (1900, "F", True),
    "7": (2000, "M", True), "8": (2000, "F", True),
}


class IdentifierError(ValueError):
    """An identifier that is not valid; ``str()`` is the translated reason."""


@dataclass(frozen=True)
class PersonNumber:
    """A resident (RRN) or foreign (FRN) registration number, taken apart."""

    digits: str
    birth_date: date
    sex: str
    foreign: bool

    @property
    def identifier_type(self) -> str:
        return "frn" if self.foreign else "rrn"


# ASCII whitespace (as str.isspace sees it) and the hyphen: what _clean removes from ASCII text.
_ASCII_SEPARATORS = str.maketrans("", "", " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f-")


def _clean(value: str) -> str:
    if value and value.isascii():
        # NFKC leaves ASCII as it is; the bulk importer passes millions of plain numbers.
        return value if value.isalnum() else value.translate(_ASCII_SEPARATORS)
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑‒–—―")


def parse_person_number(value: str) -> PersonNumber:
    """Split a 13-digit registration number into birth date, sex and kind; check only its shape."""
    digits = _clean(value)
    if len(digits) != 13 or not digits.isdigit() or not digits.isascii():  # not ١٢٣: digits of other scripts
        raise IdentifierError(_("A registration number has 13 digits (YYMMDD-NNNNNNN)."))
    century, sex, foreign = _SEVENTH_DIGIT[digits[6]]
    try:
        born = date(century + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        raise IdentifierError(_("The first six digits of the registration number are not a real date of birth.")) from None
    return PersonNumber(digits=digits, birth_date=born, sex=sex, foreign=foreign)


def check_person_number(
    value: str,
    *,
    issued_on: date,
    birth_date: date | None = None,
    sex: str | None = None,
    foreign: bool | None = None,
) -> PersonNumber:
    """Check a registration number against the person it belongs to.

    The birth date and the century/sex digit must agree with the person's; the check
    digit (and python-stdnum's other checks) apply only to numbers issued before
    October 2020.
    """
    number = parse_person_number(value)
    if birth_date is not None and number.birth_date != birth_date:
        raise IdentifierError(_("The registration number does not match the date of birth."))
    if sex is not None and number.sex != sex:
        raise IdentifierError(_("The seventh digit of the registration number does not match the sex."))
    if foreign is not None and number.foreign != foreign:
        if foreign:
            raise IdentifierError(_("A foreign registration number has 5, 6, 7 or 8 as its seventh digit."))
        raise IdentifierError(_("A resident registration number has 1, 2, 3, 4, 9 or 0 as its seventh digit."))
    if issued_on < number.birth_date:
        raise IdentifierError(_("The registration number cannot be issued before the date of birth."))
    if issued_on < RANDOM_SERIAL_SINCE and not _stdnum_valid(number.digits):
        raise IdentifierError(
            _("The registration number's check digit is wrong (numbers issued before October 2020 carry one).")
        )
    return number


def _stdnum_valid(digits: str) -> bool:
    """python-stdnum's ``kr.rrn.validate`` of a number :func:`parse_person_number` has taken apart.

    The parse has checked 13 ASCII digits and a real date of birth (by the same
    seventh-digit rule as stdnum's); what is left of stdnum's validation is the
    place-of-birth digits (at most 96) and the check digit, computed by stdnum's own
    ``calc_check_digit``. ``validate`` itself would clean the string twice and take
    the date apart again: a quarter of the time a resident's row took to check in the
    bulk import. egov/registries/tests/test_identifiers.py holds the two to the same answers.
    """
    return int(digits[7:9]) <= 96 and digits[12] == stdnum_rrn.calc_check_digit(digits[:12])


def person_check_digit(first_twelve: str) -> str:
    """The check digit of a number issued before October 2020 (for generating valid ones)."""
    return stdnum_rrn.calc_check_digit(first_twelve)


def check_business_number(value: str) -> str:
    """A 10-digit business registration number with a correct check digit."""
    digits = _clean(value)
    if len(digits) != 10 or not digits.isdigit():
        raise IdentifierError(_("A business registration number has 10 digits (NNN-NN-NNNNN)."))
    try:
        digits = str(stdnum_brn.validate(digits))
    except StdnumError:
        raise IdentifierError(_("The business registration number is not one the National Tax Service issues.")) from None
    if digits[9] != business_check_digit(digits[:9]):
        raise IdentifierError(_("The business registration number's check digit is wrong."))
    return digits


def business_check_digit(first_nine: str) -> str:
    """The National Tax Service's check digit of a business registration number.

    python-stdnum checks only the length and the office and type components, so the
    check digit is computed here: weights 1,3,7,1,3,7,1,3,5, plus the tens of the
    ninth digit times five, and the tens complement of the sum.
    """
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True)) + (int(first_nine[8]) * 5) // 10
    return str((10 - total % 10) % 10)


def format_business_number(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


# Plates: 2 or 3 digits (vehicle type), one Hangul syllable (use), 4 digits (serial);
# older commercial plates also start with the region (서울 12바 3456).
_PLATE = re.compile(
    r"^(?:(?P<region>서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주)\s?)?"
    r"(?P<type>\d{2,3})(?P<use>[가-힣])\s?(?P<serial>\d{4})$"
)
# The use syllables issued on plates; 아바사자 are for commercial vehicles, 하허호 for rentals, 배 for delivery.
PLATE_SYLLABLES = frozenset(
    "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
)


def check_plate_number(value: str) -> str:
    """A Korean plate number such as ``12가3456`` or ``123가4567`` (spaces removed)."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    match = _PLATE.match(text)
    if not match or match.group("use") not in PLATE_SYLLABLES:
        raise IdentifierError(_("A plate number looks like 12가3456 or 123가4567."))
    region = match.group("region") or ""
    return f"{region}{match.group('type')}{match.group('use')}{match.group('serial')}"


_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """The North American check digit (position 9) of a VIN."""
    total = sum(_VIN_VALUES[ch] * weight for ch, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True)
class VinCheck:
    vin: str
    warning: str = ""


def check_vin(value: str) -> VinCheck:
    """17 characters of digits and capitals without I, O or Q; a wrong position-9 digit is only a warning.

    The check digit is mandatory in North America only; vehicles built for other
    markets need not carry it, so refusing them would refuse real cars.
    """
    vin = _clean(value).upper()
    if len(vin) != 17:
        raise IdentifierError(_("A VIN has 17 characters."))
    if any(ch in "IOQ" for ch in vin):
        raise IdentifierError(_("A VIN never contains the letters I, O or Q."))
    if not all(ch in _VIN_VALUES for ch in vin):
        raise IdentifierError(_("A VIN has only digits and capital letters."))
    if vin[8] != vin_check_digit(vin):
        return VinCheck(vin, _("The VIN's check digit (position 9) is not the North American one; check the VIN if the vehicle was built for that market."))
    return VinCheck(vin)


def check_pnu(value: str) -> str:
    """A 19-digit parcel number: legal-dong code (10), 1 (land) or 2 (mountain), main and sub number (4 + 4)."""
    digits = _clean(value)
    if len(digits) != 19 or not digits.isdigit():
        raise IdentifierError(_("A parcel number (PNU) has 19 digits."))
    if digits[10] not in "12":
        raise IdentifierError(_("The eleventh digit of a parcel number is 1 (land) or 2 (mountain)."))
    if digits[11:15] == "0000":
        raise IdentifierError(_("A parcel's main number (digits 12 to 15) cannot be 0000."))
    return digits


def format_pnu_lot(pnu: str) -> str:
    """The lot number as people write it: ``산 12-3`` or ``45``."""
    main = int(pnu[11:15])
    sub = int(pnu[15:19])
    lot = f"{main}-{sub}" if sub else str(main)
    return f"산 {lot}" if pnu[10] == "2" else lot
