"""Settings of bench-apply's Granian: the product's settings, with the URLconf that adds the limit's endpoint.

Only the benchmark's server loads this module (``DJANGO_SETTINGS_MODULE=bench.apply_limit_settings``,
set by bench/bench_apply.py for its Granian alone), so the minimal endpoint never becomes part of
the product: everything else — middleware, database options, the audit sealer — is the product's.
"""

from __future__ import annotations

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.apply_limit"
