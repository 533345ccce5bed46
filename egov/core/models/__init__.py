"""Kernel models, one module per concern; each module is imported here so Django finds its models.

``base`` (BaseModel), ``audit`` (the audit chain, its seals and checkpoints) and
``worker`` (heartbeats, daily runs, task effects) belong to different parts of the
kernel and so live apart.
"""

from __future__ import annotations

from egov.core.models.audit import *  # noqa: F403
from egov.core.models.base import BaseModel
from egov.core.models.worker import *  # noqa: F403

__all__ = ["BaseModel"]
