"""``egov audit verify | checkpoint | seal``: prove the audit chain intact, sign its head, seal pending entries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from egov.core.audit import audit_checkpoint, audit_seal, audit_verify


class Command(BaseCommand):
    help = "Verify the audit chain (verify), sign its head now (checkpoint), or seal pending entries (seal)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "seal"])

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seal":
            self.stdout.write(_("sealed %(n)s pending entries") % {"n": audit_seal()})
        elif action == "checkpoint":
            checkpoint = audit_checkpoint()
            self.stdout.write(
                _("checkpoint #%(n)s, head %(head)s, signed with key %(key)s")
                % {"n": checkpoint.sequence, "head": checkpoint.head, "key": checkpoint.key_id}
            )
        else:
            result = audit_verify()
            if not result.intact:
                # Exit non-zero so that monitoring and scripts notice.
                where = _("#%(n)s") % {"n": result.first_bad_sequence} if result.first_bad_sequence else ""
                raise CommandError(
                    _("NOT intact: first bad entry %(where)s: %(reason)s") % {"where": where, "reason": result.reason}
                    if where
                    else _("NOT intact: %(reason)s") % {"reason": result.reason}
                )
            line = _("intact: %(count)s entries, head %(head)s") % {"count": result.count, "head": result.head or "-"}
            if result.pending:
                line += _(" (%(n)s awaiting their seal)") % {"n": result.pending}
            self.stdout.write(line)
            self.stdout.write(_("checkpoints: %(n)s, signatures good") % {"n": result.checkpoints})
            for note in result.notes:
                self.stderr.write(_("note: %(note)s") % {"note": note})
