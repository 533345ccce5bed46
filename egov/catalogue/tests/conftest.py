from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings


@pytest.fixture
def pack_dir(tmp_path: Path, settings: Any) -> Path:
    """A copy of the kr pack's catalogue files in a temporary directory, used as the country pack."""
    source = Path(django_settings.EGOV_COUNTRY_DIR)
    target = tmp_path / "pack"
    (target / "services").mkdir(parents=True)
    for name in ("task_areas.yaml", "life_events.yaml", "exchange.yaml", "organisations.yaml"):
        shutil.copy(source / name, target / name)
    for path in (source / "services").glob("*.yaml"):
        shutil.copy(path, target / "services" / path.name)
    settings.EGOV_COUNTRY_DIR = target
    return target
