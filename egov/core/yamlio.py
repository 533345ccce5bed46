"""YAML of the country pack, read by libyaml when PyYAML has it.

PyYAML's pure-Python parser is slow: the kr pack's 57 service definitions took 1.5 s to
read, twice per catalogue load, and every test with a service pack paid it. The C parser
(``CSafeLoader``, in PyYAML's wheels) builds the same safe data, with the same error
marks, several times faster. Nothing here loads anything but plain YAML types.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` by libyaml when available (the same types, the same errors)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
