"""A large sheet parsed in two halves, side by side (issue 27).

The cell reader parses one sheet on one core: on a year of records that is most of the time
`validate` takes, while the machine's other core waits. The sweep (inspect.py) inflates the sheet's
XML anyway; as it goes it writes the rows into two small workbooks, each the input with only that
sheet's part replaced (every other part copied as it is, compressed):

- the first holds the sheet's own beginning (title rows, header) and the first half of its rows;
- the second holds the rest, under one marker row just above its first row, in column A, so the
  reader's rectangle starts at a known row and column (the marker row is taken as its header).

The sheet parts are stored uncompressed in a private temporary folder (removed after reading), so
the two parses do not inflate them again. The columnar reader (columnar.py) parses both at once and
joins the columns; whatever the join cannot vouch for sends it back to parsing the sheet whole.
"""
from __future__ import annotations

import logging
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from generator import scratch
from generator.zipparts import copy_raw

log = logging.getLogger("huifang.read")

SPLIT_ENV = "HUIFANG_SPLIT_BYTES"       # sheets this large (inflated) or larger are parsed in halves
SPLIT_MIN = 32 << 20                     # about 25,000 records of the 回访记录 sheet
MARKER = "huifang"

_SHEETDATA = re.compile(rb"<sheetData\s*>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_FIRST_ROW = re.compile(rb"<row\b[^>]*?\sr\s*=\s*[\"'](\d{1,7})[\"']")
_ROW_START = re.compile(rb"<row[\s>]")


def split_at() -> int | None:
    """The inflated size from which a sheet is parsed in halves (None: never)."""
    got = os.environ.get(SPLIT_ENV, "")
    if got.isdigit():
        return int(got) or None
    return SPLIT_MIN if (os.cpu_count() or 1) > 1 else None


@dataclass
class Halves:
    first: Path         # the workbook with the sheet's beginning and its first half of rows
    second: Path        # the workbook with the rest, under the marker row
    row: int            # the second half's first row (1-based, as Excel numbers it)
    folder: Path


class Writer:
    """Fed the sheet's XML a stretch of whole rows at a time (in order); `done()` gives the Halves,
    or None when the sheet does not lend itself (no plain <sheetData>, a row without its number…)."""

    def __init__(self, pkg, part: str, size: int) -> None:
        self.pkg, self.part, self.half = pkg, part, size // 2
        self.folder = scratch.scratch_dir("halves")
        self.books: list[zipfile.ZipFile] = []
        self.sheets: list = []
        self.prefix = b""
        self.written = 0
        self.row = 0
        self.failed = False
        try:
            with open(pkg.path, "rb") as src:
                for name in ("1.xlsx", "2.xlsx"):
                    book = zipfile.ZipFile(self.folder / name, "w", allowZip64=True)
                    self.books.append(book)
                    for member in pkg.infos:
                        if member != part and not copy_raw(src, pkg.infos[member], book, _Broken):
                            book.writestr(member, pkg.read(member), zipfile.ZIP_DEFLATED)
        except (OSError, zipfile.BadZipFile, _Broken) as e:
            self._give_up(f"copy: {e}")

    def _open(self, which: int):
        info = zipfile.ZipInfo(self.part)
        info.compress_type = zipfile.ZIP_STORED
        return self.books[which].open(info, "w", force_zip64=True)

    def write(self, work: bytes) -> None:
        if self.failed:
            return
        try:
            if not self.sheets:                 # the sheet's beginning: kept for the second half's
                m = _SHEETDATA.search(work)
                if m is None or re.search(rb"<\w+:worksheet", work[:m.start()]):
                    return self._give_up("no plain <sheetData> in the first stretch")
                self.prefix = _DIMENSION.sub(b"", work[:m.end()])
                self.sheets.append(self._open(0))
                self.sheets[0].write(self.prefix)
                self.written += m.end()
                work = work[m.end():]
            if len(self.sheets) == 1 and self.written + len(work) > self.half:
                k = _ROW_START.search(work, max(0, self.half - self.written))
                if k is not None:
                    self.sheets[0].write(work[:k.start()])
                    self.written += k.start()
                    work = work[k.start():]
                    self._second(work)
            self.sheets[-1].write(work)
            self.written += len(work)
        except OSError as e:
            self._give_up(f"write: {e}")

    def _second(self, work: bytes) -> None:
        m = _FIRST_ROW.match(work)
        if m is None:
            raise OSError("the second half's first row has no number")
        self.row = int(m.group(1))
        self.sheets[0].write(b"</sheetData></worksheet>")
        self.sheets[0].close()
        self.sheets.append(self._open(1))
        marker = self.row - 1
        self.sheets[1].write(self.prefix + b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                             % (marker, marker, MARKER.encode()))

    def done(self) -> Halves | None:
        if self.failed or len(self.sheets) != 2:
            return self._give_up("one half only") if not self.failed else None
        try:
            self.sheets[1].close()
            for book in self.books:
                book.close()
        except OSError as e:
            return self._give_up(f"close: {e}")
        return Halves(self.folder / "1.xlsx", self.folder / "2.xlsx", self.row, self.folder)

    def abandon(self) -> None:
        self._give_up("the sweep stopped")

    def _give_up(self, why: str) -> None:
        if not self.failed:
            log.debug("%s：工作表部件 %s 不分两半解析（%s）", self.pkg.path, self.part, why)
        self.failed = True
        for handle in self.sheets + self.books:
            try:
                handle.close()
            except (OSError, ValueError, zipfile.BadZipFile):
                pass
        scratch.remove(self.folder)
        return None


class _Broken(Exception):
    pass
