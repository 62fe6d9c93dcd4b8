"""A large sheet parsed in parts, two at a time (issue 27).

The cell reader parses one sheet on one core and holds all its cells at once: on a year of
records that is most of the time `validate` takes, while the machine's other core waits, and most
of its memory. The sweep (inspect.py) inflates the sheet's XML anyway; as it goes it writes the rows
into a few small workbooks, each the input with only that sheet's part replaced (every other part
copied as it is, compressed):

- the first holds the sheet's own beginning (title rows, header) and the first stretch of rows;
- each later one holds the next stretch, under one marker row just above its first row, in column
  A, so the reader's rectangle starts at a known row and column (the marker row is its header).

The sheet parts are stored uncompressed in a private temporary folder (removed after reading), so
the parses do not inflate them again. The columnar reader (columnar.py) parses two parts at a time
and joins the columns; whatever the join cannot vouch for sends it back to parsing the sheet whole.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from generator import scratch
from generator.workbook.values import plain_digits
from generator.zipparts import StoredWriter, copy_raw

log = logging.getLogger("huifang.read")

SPLIT_ENV = "HUIFANG_SPLIT_BYTES"       # sheets this large (inflated) or larger are parsed in parts
SPLIT_MIN = 32 << 20                     # about 25,000 records of the 回访记录 sheet
MARKER = "huifang"      # the marker row's text begins so; a random tail per sheet (Writer.marker)

_SHEETDATA = re.compile(rb"<sheetData\s*>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_FIRST_ROW = re.compile(rb"<row\b[^>]*?\sr\s*=\s*[\"'](\d{1,7})[\"']")
_ROW_START = re.compile(rb"<row[\s>]")


def split_at() -> int | None:
    """The inflated size from which a sheet is parsed in parts (None: never)."""
    got = os.environ.get(SPLIT_ENV, "")
    if plain_digits(got):
        return int(got) or None
    if os.environ.get("HUIFANG_READER", "") == "rows":     # reader.COLUMNAR_ENV: every sheet read by rows
        return None
    return SPLIT_MIN if (os.cpu_count() or 1) > 1 else None


def room_for(size: int) -> bool:
    """Whether the temporary folder can take a sheet's parts (`size` bytes): on disk with room to
    spare. A temporary folder in memory (tmpfs, as some systems mount /tmp) would hold them in the
    very memory the parts are meant to spare."""
    folder = tempfile.gettempdir()
    try:
        if shutil.disk_usage(folder).free < 2 * size:
            return False
    except OSError:
        return False
    forced = plain_digits(os.environ.get(SPLIT_ENV, ""))        # asked for by name (the tests): wherever /tmp is
    return forced or _mount_type(folder) not in ("tmpfs", "ramfs")


def _mount_type(folder: str) -> str | None:
    """The file system type of the mount holding `folder` (Linux: /proc/self/mounts), else None."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    real = os.path.realpath(folder)
    best, kind = "", None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def how_many(size: int) -> int:
    """Parts for a sheet of `size` bytes (inflated): about PART_BYTES each, an even number from 2 to
    MAX_PARTS. Two
    are parsed at a time, so the parser holds two parts' cells at its peak, not the whole sheet's;
    each part reads the workbook's shared strings again, hence the upper bound."""
    even = 2 * round(size / PART_BYTES / 2)         # two threads: an even number ends together
    return max(2, min(MAX_PARTS, even))


PART_BYTES = 24 << 20
MAX_PARTS = 8


@dataclass
class Parts:
    books: list[Path]   # the workbooks, in the order of the sheet's rows
    rows: list[int]     # the first row (1-based, as Excel numbers it) of each part after the first
    folder: Path
    marker: str = MARKER    # the text of the marker rows


class Writer:
    """Fed the sheet's XML a stretch of whole rows at a time (in order); `done()` gives the Parts,
    or None when the sheet does not lend itself (no plain <sheetData>, a row without its number…)."""

    def __init__(self, pkg, part: str, size: int, count: int = 2) -> None:
        self.pkg, self.part, self.size, self.count = pkg, part, size, max(2, count)
        self.folder = scratch.scratch_dir("parts")
        self.books: list[zipfile.ZipFile] = []
        self.sheet = None
        self.prefix = b""
        self.written = 0
        self.rows: list[int] = []
        self.starts: list[int] = []     # where each part begins in the sheet's XML (bytes)
        self.marker = f"{MARKER}-{secrets.token_hex(8)}"    # no cell of the sheet can pass for it
        self.closed = 0                 # parts written whole (their workbook closed)
        self.failed = False

    def finished(self) -> list[tuple[int, Path, int]]:
        """(index, workbook, where it ends in the sheet's XML) of each part written whole so far."""
        if self.failed:
            return []
        return [(k, Path(self.books[k].filename), self.starts[k + 1]) for k in range(self.closed)]

    def _next(self, first_row: int | None) -> None:
        """Close the part being written and begin the next (its rows start at first_row)."""
        if self.sheet is not None:
            self.sheet.write(b"</sheetData></worksheet>")
            self.sheet.close()
            self.books[-1].close()      # a whole workbook: the reader may parse it while the sweep goes on
            self.closed = len(self.books)
        self.starts.append(self.written)
        book = zipfile.ZipFile(self.folder / f"{len(self.books) + 1}.xlsx", "w", allowZip64=True)
        self.books.append(book)
        with open(self.pkg.path, "rb") as src:
            for member in self.pkg.infos:
                if member != self.part and not copy_raw(src, self.pkg.infos[member], book, _Broken):
                    book.writestr(member, self.pkg.read(member), zipfile.ZIP_DEFLATED)
        self.sheet = StoredWriter(book, self.part)
        self.sheet.write(self.prefix)
        if first_row is not None:
            self.rows.append(first_row)
            marker = first_row - 1
            self.sheet.write(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                             % (marker, marker, self.marker.encode()))

    def write(self, *pieces) -> None:
        """The next stretch of the sheet's XML, in pieces (bytes or memoryviews), copied into one
        only where a part begins in it."""
        if self.failed:
            return
        total = sum(len(p) for p in pieces)
        if not total:
            return
        due = self.size * len(self.books) // self.count
        if self.sheet is not None and (len(self.books) >= self.count or self.written + total <= due):
            try:
                for piece in pieces:
                    self.sheet.write(piece)
                self.written += total
            except OSError as e:
                self._give_up(f"write: {e}")
            return
        self._write(b"".join(pieces))

    def _write(self, work: bytes) -> None:
        try:
            if self.sheet is None:              # the sheet's beginning: kept for every part's
                m = _SHEETDATA.search(work)
                if m is None or re.search(rb"<\w+:worksheet", work[:m.start()]):
                    return self._give_up("no plain <sheetData> in the first stretch")
                self.prefix = _DIMENSION.sub(b"", work[:m.end()])
                self._next(None)
                self.written += m.end()
                work = work[m.end():]
            while len(self.books) < self.count:
                bound = self.size * len(self.books) // self.count
                if self.written + len(work) <= bound:
                    break
                k = _ROW_START.search(work, max(0, bound - self.written))
                if k is None:
                    break
                self.sheet.write(work[:k.start()])
                self.written += k.start()
                work = work[k.start():]
                m = _FIRST_ROW.match(work)
                if m is None:
                    return self._give_up("a part's first row has no number")
                self._next(int(m.group(1)))
            self.sheet.write(work)
            self.written += len(work)
        except (OSError, zipfile.BadZipFile, _Broken) as e:
            self._give_up(f"write: {e}")

    def done(self) -> Parts | None:
        if self.failed:
            return None
        if len(self.books) < 2:
            return self._give_up("one part only")
        try:
            self.sheet.close()
            for book in self.books:
                book.close()
        except OSError as e:
            return self._give_up(f"close: {e}")
        return Parts([Path(b.filename) for b in self.books], self.rows, self.folder, self.marker)

    def abandon(self) -> None:
        self._give_up("the sweep stopped")

    def _give_up(self, why: str) -> None:
        if not self.failed:
            log.debug("%s：工作表部件 %s 不分段解析（%s）", self.pkg.path, self.part, why)
        self.failed = True
        for handle in ([self.sheet] if self.sheet is not None and not self.sheet.closed else []) + self.books:
            try:
                handle.close()
            except (OSError, ValueError, zipfile.BadZipFile):
                pass
        scratch.remove(self.folder)
        return None


class _Broken(Exception):
    pass
