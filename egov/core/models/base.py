"""Base model of the platform: UUID keys and aware UTC timestamps from the clock."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from egov.core import clock


class BaseModel(models.Model):
    """UUID primary key (ids travel between apps and deployments) and created/updated times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=clock.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Keeping updated_at on the clock (not auto_now) lets EGOV_NOW move it too.
        self.updated_at = clock.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)
