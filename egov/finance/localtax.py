"""How much local tax a thing bears: the kr pack's yearly taxes, computed from what the registries state.

The Local Tax Act's rates need facts the registries do not hold (a car's displacement,
a building's standard value, which land is aggregated with which). The register here
computes a deterministic, plausible amount from the facts it has, with the act's
shape kept: vehicle tax in two halves with the reduction for age, property tax on
70 % of the base (the fair market value ratio) at the lowest bracket's rate, resident
tax per household head and per business, amounts truncated to 10 won, and bills under
2,000 won not issued (Local Tax Collection Act, Article 19). ADR 0115 records the
simplification; a deployment connected to a real assessment system records that
system's amounts with ``local_tax_assess`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Tax item -> (Korean name, English name), as the register and its documents print them.
TAX_ITEM_NAMES: dict[str, tuple[str, str]] = {
    "vehicle": ("자동차세", "Vehicle tax"),
    "property_building": ("재산세(건축물)", "Property tax (buildings)"),
    "property_land": ("재산세(토지)", "Property tax (land)"),
    "resident_individual": ("주민세(개인분)", "Resident tax (individuals)"),
    "resident_business": ("주민세(사업소분)", "Resident tax (business premises)"),
    "local_income": ("지방소득세", "Local income tax"),
    "acquisition": ("취득세", "Acquisition tax"),
}

SMALLEST_BILL = 2000  # won: a bill below this is not issued (소액 징수면제)
FAIR_MARKET_RATIO = (70, 100)  # 공정시장가액비율 for land and buildings
LAND_RATE = (2, 1000)  # 0.2 %
HOUSE_RATE = (1, 1000)  # 0.1 %
BUILDING_RATE = (25, 10000)  # 0.25 %
BUILDING_VALUE_PER_M2 = 1_000_000  # won: the standard value the register assumes for a building
HOUSING_USES = frozenset({"detached_house", "apartment", "multi_family"})
RESIDENT_TAX_INDIVIDUAL = 10_000
RESIDENT_TAX_BUSINESS = 50_000
# Vehicle tax of a private passenger car a year: 100,000 won for an electric or hydrogen car,
# otherwise per cc of an assumed displacement (the register holds none).
VEHICLE_FLAT = 100_000
VEHICLE_PER_CC = {"hybrid": (1598, 140), "gasoline": (1999, 200), "diesel": (1999, 200), "lpg": (1999, 200)}


@dataclass(frozen=True)
class Schedule:
    """When a tax is due in its year and whose the thing must be on which day (과세기준일)."""

    base: tuple[int, int]  # (month, day) of the base date
    due: tuple[int, int]  # (month, day) of the due date


# Tax item and instalment -> schedule. Vehicle tax comes in two halves, each on its own base date.
SCHEDULES: dict[tuple[str, str], Schedule] = {
    ("vehicle", "1"): Schedule(base=(6, 1), due=(6, 30)),
    ("property_building", ""): Schedule(base=(6, 1), due=(7, 31)),
    ("resident_individual", ""): Schedule(base=(7, 1), due=(8, 31)),
    ("resident_business", ""): Schedule(base=(7, 1), due=(8, 31)),
    ("property_land", ""): Schedule(base=(6, 1), due=(9, 30)),
    ("vehicle", "2"): Schedule(base=(12, 1), due=(12, 31)),
}

# Which registry kinds each base date reads.
ITEMS_OF_KIND: dict[str, tuple[tuple[str, str], ...]] = {
    "vehicle": (("vehicle", "1"), ("vehicle", "2")),
    "building": (("property_building", ""),),
    "parcel": (("property_land", ""),),
    "household": (("resident_individual", ""),),
    "business": (("resident_business", ""),),
}


def truncated(amount: int) -> int:
    """Won below 10 are not charged."""
    return amount // 10 * 10


def _share(amount: int, numerator: int, denominator: int) -> int:
    return amount * numerator // max(denominator, 1)


def vehicle_tax_half(*, fuel: str, model_year: int, tax_year: int) -> int:
    """Half a year's vehicle tax of a private car, less 5 % a year from its third year (at most 50 %)."""
    if fuel in VEHICLE_PER_CC:
        cc, per_cc = VEHICLE_PER_CC[fuel]
        yearly = cc * per_cc
    else:
        yearly = VEHICLE_FLAT
    age = tax_year - model_year + 1
    reduction = min(50, 5 * (age - 2)) if age >= 3 else 0
    return truncated(yearly * (100 - reduction) // 100 // 2)


def property_tax(*, kind: str, area_m2: int, price_per_m2: int, use: str, numerator: int, denominator: int) -> int:
    """Property tax on the owner's share of a parcel (its official land price) or of a building."""
    if kind == "parcel":
        value, (rate_n, rate_d) = area_m2 * price_per_m2, LAND_RATE
    else:
        value = area_m2 * BUILDING_VALUE_PER_M2
        rate_n, rate_d = HOUSE_RATE if use in HOUSING_USES else BUILDING_RATE
    base = _share(value, numerator, denominator) * FAIR_MARKET_RATIO[0] // FAIR_MARKET_RATIO[1]
    return truncated(base * rate_n // rate_d)


def amount_for(*, tax_item: str, tax_year: int, kind: str, fuel: str = "", model_year: int = 0, area_m2: int = 0,
               price_per_m2: int = 0, use: str = "", numerator: int = 1, denominator: int = 1) -> int:
    """The amount of one tax on one thing for one taxpayer; 0 when no bill is issued."""
    if tax_item == "vehicle":
        amount = vehicle_tax_half(fuel=fuel, model_year=model_year, tax_year=tax_year)
    elif tax_item in ("property_land", "property_building"):
        amount = property_tax(kind=kind, area_m2=area_m2, price_per_m2=price_per_m2, use=use, numerator=numerator,
                              denominator=denominator)
    elif tax_item == "resident_individual":
        amount = RESIDENT_TAX_INDIVIDUAL
    elif tax_item == "resident_business":
        amount = RESIDENT_TAX_BUSINESS
    else:
        amount = 0
    return amount if amount >= SMALLEST_BILL else 0


def schedule_dates(tax_item: str, period: str, year: int) -> tuple[date, date]:
    """(base date, due date) of a tax item's instalment in ``year``."""
    schedule = SCHEDULES[(tax_item, period)]
    return date(year, *schedule.base), date(year, *schedule.due)
