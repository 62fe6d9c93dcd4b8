"""The rows of an old .xls (or WPS .et) sheet that python-calamine cannot convert.

A date-formatted cell holding a number no calendar holds (-1E+20: a typo, or a formula's result
pasted as a value) makes the cell reader panic on its row; its other rows still come. Such a row
is read here with xlrd instead: the cells of that kind are left out and named (DATA003 at each),
the other cells come as python-calamine gives them (tests/test_xls_rows.py compares the two).
"""
from __future__ import annotations

import io
import math
from datetime import date, datetime, time, timedelta
from pathlib import Path

_EPOCH = datetime(1899, 12, 30)
_EPOCH_1904_DAYS = 1462                # the 1904 date system counts from 1904-01-01


class Unreadable(Exception):
    """xlrd cannot read the file either."""


class Rows:
    """Rows of one sheet, read with xlrd when first asked (the workbook is opened once)."""

    def __init__(self, path: Path | str, sheet_name: str) -> None:
        self.path, self.sheet_name = str(path), sheet_name
        self._sheet = None
        self._kinds: list[str] = []         # per cell format (XF): DATETIME, DURATION or ""
        self._1904 = False
        self._failed: str | None = None

    def _open(self):
        """xlrd's sheet; raises Unreadable where xlrd cannot read the file (it reads a whole sheet,
        and refuses some damage python-calamine reads past: a cell format beyond the table of
        formats, a wrong count of shared strings)."""
        if self._sheet is None:
            if self._failed is not None:
                raise Unreadable(self._failed)
            import xlrd
            try:
                # xlrd writes its warnings to standard output, where a JSON report may be going
                book = xlrd.open_workbook(self.path, on_demand=True, formatting_info=True, logfile=io.StringIO())
                self._1904 = bool(book.datemode)
                self._kinds = [_format_kind(xf.format_key, book.format_map) for xf in book.xf_list]
                self._sheet = book.sheet_by_name(self.sheet_name)
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except Exception as e:
                self._failed = f"{type(e).__name__}: {e}"[:120]
                raise Unreadable(self._failed) from None
        return self._sheet

    def row(self, r: int, col0: int, width: int) -> tuple[list, dict[int, str]]:
        """Row r (0-based) from column col0, `width` cells as python-calamine gives them, and the
        cells it cannot give: column (0-based, from col0) -> the number as written."""
        import xlrd
        sheet = self._open()
        out: list = [""] * width
        bad: dict[int, str] = {}
        if r >= sheet.nrows:
            return out, bad
        types, values = sheet.row_types(r), sheet.row_values(r)
        for j in range(min(width, len(types) - col0)):
            c = col0 + j
            t, v = types[c], values[c]
            if t == xlrd.XL_CELL_TEXT:
                out[j] = v
            elif t == xlrd.XL_CELL_BOOLEAN:
                out[j] = bool(v)
            elif t in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE):
                kind = self._kinds[sheet.cell_xf_index(r, c)] if self._kinds else ""
                got = cell_value(v, kind, self._1904)
                if got is _PANIC:
                    bad[j] = shown_number(v)
                else:
                    out[j] = got
        return out, bad


DATETIME, DURATION = "datetime", "duration"
_PANIC = object()               # where python-calamine panics
_I64 = 2 ** 63
_DAY_MS = 86_400_000
_CHRONO_DAYS = (-96_435_000, 95_041_000)      # about the years chrono holds (±262,000), from 1899-12-30
_CUSTOM_IDS = set(range(5, 9)) | set(range(23, 27)) | set(range(41, 45)) | set(range(63, 67)) | set(range(164, 383))


def _format_kind(key: int, formats: dict) -> str:
    """As calamine reads a cell format (formats.rs): a format of the file's own by its code,
    a built-in one by its number."""
    fmt = formats.get(key)
    if key in _CUSTOM_IDS and fmt is not None:
        return custom_format_kind(fmt.format_str)
    return DATETIME if 14 <= key <= 22 or key in (45, 47) else DURATION if key == 46 else ""


def custom_format_kind(code: str) -> str:
    """calamine's detect_custom_number_format: the first section decides; elapsed-time brackets
    ([h], [mm], [ss]) make a duration, a date or time letter outside brackets and quotes a date."""
    escaped = quoted = ampm = hms = False
    brackets = 0
    prev = " "
    for s in code:
        if escaped:
            escaped = False
        elif s in "_\\*":
            escaped = True
        elif quoted:
            if s == '"':
                quoted = False
        elif s == '"':
            quoted = True
        elif s == ";":
            return ""
        elif s == "[":
            brackets = min(brackets + 1, 255)
        elif s == "]" and brackets == 1 and hms:
            return DURATION
        elif s == "]":
            brackets = max(brackets - 1, 0)
        elif s in "aA" and not ampm and brackets == 0:
            ampm = True
        elif s in "pm/PM" and ampm and brackets == 0:
            return DATETIME
        elif s in "dmhysDMHYS" and not ampm and brackets == 0:
            return DATETIME
        elif not (hms and s.lower() == prev.lower()):
            hms = prev == "[" and s in "mhsMHS"
        prev = s
    return ""


def _round(x: float) -> float:
    """Rust's f64::round: halves away from zero."""
    r = math.floor(abs(x))
    if abs(x) - r >= 0.5:
        r += 1
    return math.copysign(r, x)


def _ms(x: float):
    """`ms.round() as i64` and chrono's Duration::milliseconds of it: _PANIC where that panics."""
    if math.isnan(x):
        return 0
    m = _round(x) if math.isfinite(x) else x         # `as i64` saturates
    if m <= -_I64:
        return _PANIC
    return int(min(m, _I64 - 1))


def cell_value(v: float, kind: str, date1904: bool = False):
    """A number cell as python-calamine gives it (types/cell.rs over calamine's ExcelDateTime):
    a number; with a duration format a timedelta; with a date format a time of day below 1, a
    date when whole, a datetime otherwise, to the millisecond (from 1900-03-01 on, Excel's day
    60 is 1900-02-28), and the number itself where that is no date Python holds. _PANIC where
    the cell reader panics (a date-formatted number of about -1E+12 and below)."""
    if not kind:
        return v
    if kind == DURATION:
        ms = _ms(v * _DAY_MS)
        if ms is _PANIC:
            return _PANIC
        try:
            return timedelta(milliseconds=ms)
        except OverflowError:
            return _PANIC
    f = v + 1462 if date1904 else v
    f = f if f >= 60 else f + 1
    ms = _ms(f * _DAY_MS)
    if ms is _PANIC:
        return _PANIC
    days = ms // _DAY_MS
    if not _CHRONO_DAYS[0] <= days <= _CHRONO_DAYS[1]:
        return v
    if v < 1:
        ms %= _DAY_MS
        return time(ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000 * 1000)
    try:
        got = _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        return v
    if not 1 <= got.year <= 9999:
        return v
    if float(v).is_integer():
        return date(got.year, got.month, got.day)
    return got


def serial_value(v: float, date1904: bool = False):
    """A date-formatted number as python-calamine gives it, or None where it panics."""
    got = cell_value(v, DATETIME, date1904)
    return None if got is _PANIC else got


def shown_number(v: float) -> str:
    return str(int(v)) if math.isfinite(v) and v.is_integer() and abs(v) < 1e16 else repr(v)
