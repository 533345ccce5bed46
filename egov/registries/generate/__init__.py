"""``egov registries generate``: a deterministic synthetic country for demonstrations and benchmarks.

The same seed and the same number of residents give byte-identical CSV files on any
machine: identifiers are UUIDs drawn from a random stream seeded by the seed, dates
are computed from a fixed reference date (``as_of``, not today), places are read in
code order, and nothing depends on the order of a set. The files follow
docs/registries-data.md and are what ``egov registries import`` loads.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from django.conf import settings

from egov.registries.generate.country import CountryGenerator
from egov.registries.generate.output import CsvOutput
from egov.registries.generate.places import load_country

# The reference date of generated data: fixed, so that the same seed gives the same
# files whenever it runs.
DEFAULT_AS_OF = date(2025, 12, 31)


def generate_country(*, residents: int, seed: int, out: Path, as_of: date = DEFAULT_AS_OF) -> Counter[str]:
    """Write ``residents`` residents with their households, families and property to CSV files in ``out``.

    Returns the number of rows written per table.
    """
    if residents < 1:
        raise ValueError("the number of residents must be at least 1")
    country = load_country(str(settings.EGOV_COUNTRY_DIR))
    output = CsvOutput(out)
    try:
        CountryGenerator(seed=seed, out=output, country=country, as_of=as_of, residents=residents).run()
    finally:
        output.close()
    return output.counts


__all__ = ["DEFAULT_AS_OF", "generate_country"]
