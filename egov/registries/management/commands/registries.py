"""``egov registries generate | import``: a synthetic country, and the bulk load of registry CSV files.

``generate --residents N [--seed S] [--out DIR]`` writes a deterministic synthetic
population (docs/registries-data.md) to CSV files in DIR, or, without ``--out``,
straight into the database (through the same import, from a temporary directory).
``import DIR`` loads such files: a progress bar on standard error, each rejected row
with its file, line and reason on standard error and in ``DIR/rejects/``, the counts
on standard output; run it again after an interruption to resume.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from egov.registries.generate import DEFAULT_AS_OF, generate_country
from egov.registries.importer import (
    CSV_COLUMNS,
    ImportFailed,
    ImportFormatError,
    ImportReport,
    ProgressInfo,
    Reject,
    registries_import,
)
from egov.registries.importer.rows import CHUNK_ROWS

REJECTS_SHOWN = 100  # per file on standard error; the reject file has them all
_ROWS_HELP = f"rows per transaction (default {CHUNK_ROWS})"


class ProgressBar:
    """A progress bar on standard error: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.last_tenth = -1
        self.drawn = False

    def __call__(self, info: ProgressInfo) -> None:
        share = info.done_bytes / info.total_bytes if info.total_bytes else 1.0
        elapsed = time.monotonic() - self.started
        rate = info.loaded / elapsed if elapsed > 0 else 0.0
        eta = elapsed * (1 - share) / share if share > 0 else 0.0
        text = _("%(percent)3d%% %(loaded)d rows loaded, %(rejected)d rejected, %(rate)d rows/s, %(eta)s left") % {
            "percent": int(share * 100), "loaded": info.loaded, "rejected": info.rejected, "rate": int(rate),
            "eta": _duration(eta),
        }
        if self.tty:
            filled = int(share * 30)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text}\x1b[K")
            self.drawn = True
        elif int(share * 10) > self.last_tenth:
            self.last_tenth = int(share * 10)
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class RejectPrinter:
    def __init__(self, stream: IO[str], directory: Path) -> None:
        self.stream = stream
        self.directory = directory
        self.shown: dict[str, int] = {}

    def __call__(self, reject: Reject) -> None:
        count = self.shown.get(reject.file, 0) + 1
        self.shown[reject.file] = count
        if count <= REJECTS_SHOWN:
            where = f"{reject.file}:{reject.line}" + (f": {reject.field}" if reject.field else "")
            self.stream.write(f"\r{where}: {reject.reason}\x1b[K\n" if self.stream.isatty() else f"{where}: {reject.reason}\n")
        elif count == REJECTS_SHOWN + 1:
            self.stream.write(_("%(file)s: more rejected rows are listed in %(path)s only.\n")
                              % {"file": reject.file, "path": self.directory / "rejects" / reject.file})


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Command(BaseCommand):
    help = "Generate a synthetic country (generate) or bulk-import registry CSV files (import)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser("generate", help="write a deterministic synthetic population")
        generate.add_argument("--residents", type=int, required=True, help="number of residents (rows of residents.csv)")
        generate.add_argument("--seed", type=int, default=1, help="the same seed gives the same files (default 1)")
        generate.add_argument("--out", type=Path, help="directory for the CSV files (created if missing); "
                                                       "without it the population goes straight into the database")
        generate.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF,
                              help=f"reference date of the data (default {DEFAULT_AS_OF.isoformat()})")
        generate.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help=_ROWS_HELP)
        load = actions.add_parser("import", help="bulk-import the CSV files of a directory")
        load.add_argument("directory", type=Path)
        load.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help=_ROWS_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            self.generate(options)
        else:
            self.load(options["directory"], chunk_rows=options["chunk_rows"])

    def generate(self, options: dict[str, Any]) -> None:
        residents = options["residents"]
        if residents < 1:
            raise CommandError(_("--residents must be at least 1."))
        out: Path | None = options["out"]
        target = out or Path(tempfile.mkdtemp(prefix="registries-", dir=_scratch()))
        started = time.monotonic()
        counts = generate_country(residents=residents, seed=options["seed"], out=target, as_of=options["as_of"])
        seconds = time.monotonic() - started
        total = sum(counts.values())
        self.stdout.write(_("Generated %(residents)d residents (seed %(seed)d) as %(rows)d rows in %(seconds).1f s:")
                          % {"residents": residents, "seed": options["seed"], "rows": total, "seconds": seconds})
        for table in CSV_COLUMNS:
            self.stdout.write(f"  {table:<20} {counts.get(table, 0):>12}")
        if out is not None:
            self.stdout.write(_("Files in %(dir)s; load them with: egov registries import %(dir)s") % {"dir": out})
            return
        # On a failure or an interruption the files stay, so that the import can be resumed.
        self.load(target, chunk_rows=options["chunk_rows"], keep_hint=True)
        shutil.rmtree(target, ignore_errors=True)

    def load(self, directory: Path, *, chunk_rows: int, keep_hint: bool = False) -> None:
        if not directory.is_dir():
            raise CommandError(_("%(dir)s is not a directory.") % {"dir": directory})
        stream = getattr(self.stderr, "_out", sys.stderr)  # the raw stream: the bar redraws with \r
        bar = ProgressBar(stream)
        printer = RejectPrinter(stream, directory)
        try:
            report = registries_import(directory=directory, chunk_rows=chunk_rows, progress=bar, on_reject=printer)
        except KeyboardInterrupt:
            bar.finish()
            self.stderr.write(_("Interrupted. What was committed stays; run the same command again to resume: "
                                "egov registries import %(dir)s") % {"dir": directory})
            raise SystemExit(130) from None
        except (ImportFormatError, ImportFailed) as error:
            bar.finish()
            hint = _(" The generated files are kept in %(dir)s.") % {"dir": directory} if keep_hint else ""
            raise CommandError(f"{error}{hint}") from None
        bar.finish()
        self.report(directory, report)

    def report(self, directory: Path, report: ImportReport) -> None:
        if report.already_done:
            self.stdout.write(_("%(dir)s was imported already (import %(batch)s); nothing to do.")
                              % {"dir": directory, "batch": report.batch_id})
        else:
            self.stdout.write(_("Imported %(dir)s (import %(batch)s, event %(event)s)%(resumed)s:") % {
                "dir": directory, "batch": report.batch_id, "event": report.event_id,
                "resumed": _(", resumed") if report.resumed else ""})
        for table in CSV_COLUMNS:
            if (directory / f"{table}.csv").exists():
                self.stdout.write(_("  %(table)-20s %(loaded)12d loaded %(rejected)10d rejected") % {
                    "table": table, "loaded": report.loaded[table], "rejected": report.rejected[table]})
        self.stdout.write(_("  %(table)-20s %(loaded)12d loaded %(rejected)10d rejected") % {
            "table": _("total"), "loaded": report.total_loaded, "rejected": report.total_rejected})
        if report.seconds:
            self.stdout.write(_("in %(seconds).1f s (%(rate)d rows/s)") % {
                "seconds": report.seconds, "rate": int(report.total_loaded / report.seconds) if report.seconds else 0})
        if report.total_rejected:
            self.stdout.write(_("Rejected rows, with their line, field and reason: %(dir)s")
                              % {"dir": directory / "rejects"})


def _scratch() -> Path:
    path = Path(settings.VAR_DIR) / "registries"
    path.mkdir(parents=True, exist_ok=True)
    return path
