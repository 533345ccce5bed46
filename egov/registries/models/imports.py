"""The bulk importer's progress ledger (the importer's bookkeeping, not a registry)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportLedgerEntry(models.Model):
    """One committed chunk of an import, written in the chunk's own transaction.

    The importer writes and reads these rows with plain SQL on its own hot path
    (``egov.registries.importer.ledger``); the model exists so that the table is made
    by a migration like every other. ``state`` is the JSON the importer needs to resume
    (byte offsets of the files, lengths of the reject files, the import event).
    """

    id = models.BigAutoField(primary_key=True)
    batch_id = models.CharField(_("import"), max_length=36)
    step = models.CharField(_("step"), max_length=40)
    chunk = models.IntegerField(_("chunk"))
    state = models.TextField(_("state"))

    class Meta:
        db_table = "registries_import_ledger"
        verbose_name = _("import ledger entry")
        verbose_name_plural = _("import ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["batch_id", "step", "chunk"], name="registries_import_ledger_once"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.step} {self.chunk}"
