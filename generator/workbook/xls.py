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
                own = {f.format_key: f.format_str for f in book.format_list}     # the file's FORMAT records
                self._kinds = [custom_format_kind(own[xf.format_key]) if xf.format_key in own
                               else builtin_format_kind(xf.format_key) for xf in book.xf_list]
                self._sheet = book.sheet_by_name(self.sheet_name)
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except Exception as e:
                self._failed = f"{type(e).__name__}: {e}"[:120]
                raise Unreadable(self._failed) from None
        return self._sheet

    def close(self) -> None:
        """Let go of xlrd's workbook (its book and sheets refer to each other: with the cyclic
        collector off, as while a workbook is read, they would stay)."""
        sheet, self._sheet = self._sheet, None
        if sheet is not None:
            book = sheet.book
            book.release_resources()
            sheet.__dict__.clear()
            book.__dict__.clear()

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
                if got is PANIC:
                    bad[j] = shown_number(v)
                else:
                    out[j] = got
        return out, bad


DATETIME, DURATION = "datetime", "duration"
PANIC = object()               # where python-calamine panics
_I64 = 2 ** 63
_DAY_MS = 86_400_000


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days from 1970-01-01 of a proleptic Gregorian date, any year (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


# the days from 1899-12-30 that calamine's date arithmetic holds: from -262143-01-02 (found against
# python-calamine: -96,439,724 in a time format is 00:00, -96,439,724.5 stays a number) to chrono's
# last day (262143-12-31; beyond 9999 a date is a number anyway)
_CHRONO_DAYS = (_days_from_civil(-262143, 1, 2) - _days_from_civil(1899, 12, 30),
                _days_from_civil(262143, 12, 31) - _days_from_civil(1899, 12, 30))


def builtin_format_kind(number: int) -> str:
    """calamine's built-in formats (formats.rs builtin_format_by_code): 14-22, 45 and 47 are dates
    and times, 46 ([h]:mm:ss) a duration."""
    return DATETIME if 14 <= number <= 22 or number in (45, 47) else DURATION if number == 46 else ""


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
            brackets = (brackets + 1) % 256        # a u8 that wraps
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
    """`ms.round() as i64` and chrono's Duration::milliseconds of it: PANIC where that panics."""
    if math.isnan(x):
        return 0
    m = _round(x) if math.isfinite(x) else x         # `as i64` saturates
    if m <= -_I64:
        return PANIC
    return int(min(m, _I64 - 1))


def cell_value(v: float, kind: str, date1904: bool = False):
    """A number cell as python-calamine gives it (types/cell.rs over calamine's ExcelDateTime):
    a number; with a duration format a timedelta; with a date format a time of day below 1, a
    date when whole, a datetime otherwise, to the millisecond (from 1900-03-01 on, Excel's day
    60 is 1900-02-28), and the number itself where that is no date Python holds. PANIC where
    the cell reader panics (a date-formatted number of about -1.07E+11 and below)."""
    if not kind:
        return v
    if kind == DURATION:
        ms = _ms(v * _DAY_MS)
        if ms is PANIC:
            return PANIC
        try:
            return timedelta(milliseconds=ms)
        except OverflowError:
            return PANIC
    f = v + 1462 if date1904 else v
    f = f if f >= 60 else f + 1
    ms = _ms(f * _DAY_MS)
    if ms is PANIC:
        return PANIC
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
    return None if got is PANIC else got


def shown_number(v: float) -> str:
    """A number as Excel writes it in the file: 3000000, 0.5, -1E+20."""
    return str(int(v)) if math.isfinite(v) and v.is_integer() and abs(v) < 1e16 else repr(v).replace("e", "E")
