"""Valid, unique identifiers for the synthetic country, from bounded counters.

Uniqueness never needs a set of what was issued: each kind of number is a bijection
of a counter (per birth date and sex digit for registration numbers, per legal dong
for parcel numbers, per tax office and range for business numbers, one for plates and
one for VINs), so memory stays the same whatever the population.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from egov.registries.identifiers import (
    RANDOM_SERIAL_SINCE,
    business_check_digit,
    person_check_digit,
    vin_check_digit,
)

_SEVENTH = {
    (1800, "M", False): "9", (1800, "F", False): "0", (1900, "M", False): "1", (1900, "F", False): "2",
    (2000, "M", False): "3", (2000, "F", False): "4", (1900, "M", True): "5", (1900, "F", True): "6",
    (2000, "M", True): "7", (2000, "F", True): "8",
}

# Plate use syllables (identifiers.PLATE_SYLLABLES): private cars and commercial vehicles.
PRIVATE_SYLLABLES = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
COMMERCIAL_SYLLABLES = "아바사자배"
_PRIVATE_CAPACITY = 600 * len(PRIVATE_SYLLABLES) * 9000  # types 100-699, serials 1000-9999
_COMMERCIAL_CAPACITY = 198 * len(COMMERCIAL_SYLLABLES) * 9000  # types 800-997
# Multipliers coprime with the capacities (2, 3, 5 and 11 divide those): consecutive counters give scattered plates.
_PRIVATE_STEP = 106_791_263
_COMMERCIAL_STEP = 5_506_387

_VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O or Q
_VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model-year codes from 1980, every 30 years


class Numbers:
    """Issues every identifier of one generation run."""

    def __init__(self) -> None:
        self.person_counters: dict[tuple[int, str], int] = defaultdict(int)
        self.parcel_counters: dict[tuple[str, str], int] = defaultdict(int)
        self.business_counters: dict[tuple[int, str], int] = defaultdict(int)
        self.private_plates = 0
        self.commercial_plates = 0
        self.vins = 0

    def person(self, *, birth: date, sex: str, foreign: bool, issued_on: date) -> str:
        """A registration number for this person: check digit before October 2020, random digits after.

        Numbers issued before October 2020 get a region code of at most 96 (python-stdnum
        checks it) and a correct check digit. Later ones get six scattered digits whose
        last is never the check digit of the first twelve, so they can never equal a
        number of the older kind.
        """
        seventh = _SEVENTH[(birth.year // 100 * 100, sex, foreign)]
        front = f"{birth.year % 100:02d}{birth.month:02d}{birth.day:02d}{seventh}"
        key = (birth.toordinal(), seventh)
        serial = self.person_counters[key]
        self.person_counters[key] = serial + 1
        if issued_on < RANDOM_SERIAL_SINCE:
            if serial >= 97_000:
                raise OverflowError(f"more than 97,000 people born on {birth} with sex digit {seventh}")
            region = (birth.toordinal() + serial // 1000) % 97
            first_twelve = f"{front}{region:02d}{serial % 1000:03d}"
            return first_twelve + person_check_digit(first_twelve)
        scattered = (serial * 72_727 + birth.toordinal()) % 100_000
        first_twelve = f"{front}{scattered:05d}"
        last = (int(person_check_digit(first_twelve)) + 1 + serial % 9) % 10
        return f"{first_twelve}{last}"

    def plate(self, *, commercial: bool = False) -> str:
        if commercial:
            index = (self.commercial_plates * _COMMERCIAL_STEP + 17) % _COMMERCIAL_CAPACITY
            self.commercial_plates += 1
            kind, rest = divmod(index, len(COMMERCIAL_SYLLABLES) * 9000)
            use, serial = divmod(rest, 9000)
            return f"{800 + kind}{COMMERCIAL_SYLLABLES[use]}{1000 + serial}"
        if self.private_plates >= _PRIVATE_CAPACITY:
            raise OverflowError("more private plates than the numbering scheme holds")
        index = (self.private_plates * _PRIVATE_STEP + 12_345) % _PRIVATE_CAPACITY
        self.private_plates += 1
        kind, rest = divmod(index, len(PRIVATE_SYLLABLES) * 9000)
        use, serial = divmod(rest, 9000)
        return f"{100 + kind}{PRIVATE_SYLLABLES[use]}{1000 + serial}"

    def vin(self, *, wmi: str, model_code: str, model_year: int, plant: str) -> str:
        """A 17-character VIN with a correct position-9 check digit; unique by its counter."""
        number = self.vins
        self.vins += 1
        high, serial = divmod(number, 1_000_000)
        a, rest = divmod(high, len(_VIN_CHARS) ** 2)
        b, c = divmod(rest, len(_VIN_CHARS))
        vds = f"{model_code[:2]:0<2}{_VIN_CHARS[a % len(_VIN_CHARS)]}{_VIN_CHARS[b]}{_VIN_CHARS[c]}"
        year = _VIN_YEARS[(model_year - 1980) % 30]
        body = f"{wmi}{vds}0{year}{plant}{serial:06d}"
        return body[:8] + vin_check_digit(body) + body[9:]

    def pnu(self, *, legal_dong_code: str, mountain: bool = False) -> str:
        """The next lot of a legal dong: main numbers first (1, 2, 3 …), sub numbers once they run out."""
        flag = "2" if mountain else "1"
        key = (legal_dong_code, flag)
        count = self.parcel_counters[key]
        self.parcel_counters[key] = count + 1
        sub, main = divmod(count, 9999)
        if sub > 9999:
            raise OverflowError(f"more than 99,990,000 lots in legal dong {legal_dong_code}")
        return f"{legal_dong_code}{flag}{main + 1:04d}{sub:04d}"

    def business(self, *, office: int, kind: str) -> str:
        """A business number of a tax office: the business-type digits depend on the kind of taxpayer.

        ``kind`` is ``individual`` (types 01-79), ``exempt`` (90-99) or ``corporate``
        (81, 86, 87, 88); the counter runs through the types first, then the serials.
        """
        types = _BUSINESS_TYPES[kind]
        key = (office, kind)
        count = self.business_counters[key]
        self.business_counters[key] = count + 1
        serial, offset = divmod(count, len(types))
        if serial >= 9999:
            raise OverflowError(f"more businesses than tax office {office} can number")
        first_nine = f"{office:03d}{types[offset]:02d}{serial + 1:04d}"
        return first_nine + business_check_digit(first_nine)


_BUSINESS_TYPES: dict[str, tuple[int, ...]] = {
    "individual": tuple(range(1, 80)),
    "exempt": tuple(range(90, 100)),
    "corporate": (81, 86, 87, 88),
}
