"""Reading the CSV files a line at a time, with the byte offsets an interrupted import resumes from.

The main process only cuts the files into lines (and peeks at the one column that
decides where a chunk of residents ends); parsing and checking happen in
:func:`parse`, which the worker processes run.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, NamedTuple

from django.utils.translation import gettext as _

from egov.registries.importer.rows import CSV_COLUMNS, REJECT_COLUMNS


class ImportFormatError(Exception):
    """A file the importer cannot read at all (a wrong header); nothing was written."""


# A line of a file: (its number, its bytes). A plain tuple: millions of them go by.
RawLine = tuple[int, bytes]


def block_lines(first: int, data: bytes) -> list[RawLine]:
    """The non-blank lines of a block read by :meth:`Source.read_block`, numbered (``first`` is the line before)."""
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return [(first + index, line) for index, line in enumerate(lines, start=1) if line.strip()]


def as_block(lines: list[RawLine]) -> tuple[int, bytes] | list[RawLine]:
    """Lines read one by one, as a block of :meth:`Source.read_block` when they follow each other in the file.

    One bytes object goes to a worker process much faster than a list of thousands
    of lines; lines with blank lines between them stay a list (a block would number
    them differently).
    """
    if not lines or lines[-1][0] - lines[0][0] != len(lines) - 1:
        return lines
    return lines[0][0] - 1, b"".join([data for _number, data in lines])


class Layout(NamedTuple):
    """Where the format's columns are in a file: positions in the format's order, and the file's width."""

    order: tuple[int, ...]
    width: int
    identity: bool  # the file has exactly the format's columns, in its order


def read_header(path: Path, table: str) -> tuple[Layout, int]:
    """The file's column layout and the byte offset of its first row.

    Columns may come in any order; the reject columns of a reject file are ignored, so
    that a corrected reject file imports as it is. A missing or unknown column stops
    the import before anything is written.
    """
    with path.open("rb") as handle:
        raw = handle.readline()
    text = raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    header = next(csv.reader([text])) if text else []
    expected = CSV_COLUMNS[table]
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected and c not in REJECT_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
        raise ImportFormatError(
            _("%(file)s line 1: the header does not match the format (%(problems)s); see docs/registries-data.md.")
            % {"file": path.name, "problems": "; ".join(problems)}
        )
    order = tuple(header.index(c) for c in expected)
    return Layout(order, len(header), order == tuple(range(len(header)))), len(raw)


def split(data: bytes) -> list[str] | str:
    """The fields of one line, or why it cannot be read."""
    try:
        text = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return _("The line is not UTF-8 text.")
    if '"' not in text:
        return text.split(",")
    return next(csv.reader([text]), [])


def parse(data: bytes, layout: Layout) -> tuple[list[str] | None, list[str], str]:
    """(fields in the format's order or None, the fields as read, why the line cannot be read)."""
    fields = split(data)
    if isinstance(fields, str):
        return None, [data.decode("utf-8", errors="replace").rstrip("\r\n")], fields
    if len(fields) != layout.width:
        return None, fields, _("The line has %(found)d fields; the header has %(expected)d.") % {
            "found": len(fields), "expected": layout.width}
    if layout.identity:
        return fields, fields, ""
    return [fields[i] for i in layout.order], fields, ""


class Source:
    """One CSV file, cut into lines from a byte offset, with one line of look-ahead."""

    def __init__(self, path: Path, table: str, *, offset: int | None = None, line: int = 1) -> None:
        self.path = path
        self.table = table
        self.layout, first_row = read_header(path, table)
        self.size = path.stat().st_size
        self.handle: IO[bytes] = path.open("rb")
        self._offset = first_row if offset is None else offset
        self._line = line  # the number of the last line read (1: the header)
        self.handle.seek(self._offset)
        # Where the lines handed out so far end: a peeked line is not handed out yet.
        self.offset, self.line = self._offset, self._line
        self._peeked: RawLine | None = None
        self._line_bytes: int | None = None

    def close(self) -> None:
        self.handle.close()

    def _read(self) -> RawLine | None:
        while True:
            data = self.handle.readline()
            if not data:
                return None
            self._line += 1
            self._offset += len(data)
            if data.strip():
                return (self._line, data)

    def peek(self) -> RawLine | None:
        if self._peeked is None:
            self._peeked = self._read()
        return self._peeked

    def next(self) -> RawLine | None:
        line = self.peek()
        self._peeked = None
        self.offset, self.line = self._offset, self._line
        return line

    def read(self, count: int) -> list[RawLine]:
        """Up to ``count`` lines (a tight loop: most of the file goes through here)."""
        lines: list[RawLine] = []
        if self._peeked is not None:
            lines.append(self._peeked)
            self._peeked = None
        readline = self.handle.readline
        number, offset = self._line, self._offset
        append = lines.append
        while len(lines) < count:
            data = readline()
            if not data:
                break
            number += 1
            offset += len(data)
            if data.strip():
                append((number, data))
        self._line, self._offset = number, offset
        self.offset, self.line = offset, number
        return lines

    def read_until(self, column: str, value: str | None, count: int) -> list[RawLine]:
        """Up to ``count`` lines, ending before the first whose ``column`` is ``value`` (left peeked).

        What ``peek``, ``field`` and ``next`` would do line by line, in one loop: a line
        is taken apart (:meth:`field`) only when its bytes may hold ``value``.
        """
        lines: list[RawLine] = []
        needle = value.encode("utf-8") if value is not None and value.isascii() else None
        while len(lines) < count:
            line = self._peeked if self._peeked is not None else self._read()
            if line is None:
                break
            data = line[1]
            if value is not None and (needle is None or not data.isascii() or needle in data.lower()) \
                    and self.field(line, column) == value:
                self._peeked = line
                break
            self._peeked = None
            lines.append(line)
            self.offset, self.line = self._offset, self._line
        return lines

    def read_block(self, count: int) -> tuple[int, bytes] | None:
        """About ``count`` whole lines as one block of bytes, and the number of the line before it.

        The main process hands blocks to the workers as they are (one bytes object is
        cheap to pass between processes); the workers cut them into lines.
        """
        assert self._peeked is None, "blocks and single lines are not mixed"
        if self._line_bytes is None:
            sample = self.handle.read(65536)
            self.handle.seek(self._offset)
            self._line_bytes = max(16, len(sample) // max(1, sample.count(b"\n")))
        data = self.handle.read(count * self._line_bytes)
        if not data:
            return None
        if not data.endswith(b"\n"):
            data += self.handle.readline()
        first = self._line
        self._line += data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        self._offset += len(data)
        self.offset, self.line = self._offset, self._line
        return first, data

    def field(self, line: RawLine, column: str) -> str | None:
        """One column of a line (to decide where a chunk ends), or None when the line cannot be read."""
        data = line[1]
        if b'"' not in data:
            # The common case, without decoding the whole line: the column's bytes alone.
            cells = data.rstrip(b"\r\n").split(b",")
            if len(cells) != self.layout.width:
                return None
            try:
                return cells[self.layout.order[CSV_COLUMNS[self.table].index(column)]].decode("utf-8").lower()
            except UnicodeDecodeError:
                return None
        fields = split(data)
        if isinstance(fields, str) or len(fields) != self.layout.width:
            return None
        return fields[self.layout.order[CSV_COLUMNS[self.table].index(column)]].lower()
