"""Kernel models, one module per concern; each module is imported here so Django finds its models.

``base`` (BaseModel), ``audit`` (the audit chain and its checkpoints) and ``worker``
(background work: scheduler runs, task attempts) are owned by different parts of the
kernel and so live apart.
"""

from __future__ import annotations

from importlib.util import find_spec

from egov.core.models.base import BaseModel

if find_spec("egov.core.models.audit") is not None:
    from egov.core.models.audit import *  # noqa: F403
if find_spec("egov.core.models.worker") is not None:
    from egov.core.models.worker import *  # noqa: F403

__all__ = ["BaseModel"]
