"""Turning what staff type into typed values.

Each converter works on a whole column: it looks at the distinct values and the value types
once, so the per-cell work is a dictionary look-up or a type check. A value it cannot read
is reported by its index with a Chinese reason; the typed value is then None.
"""
from __future__ import annotations

import re
import unicodedata
from operator import attrgetter
from typing import NamedTuple
from datetime import date, datetime, time, timedelta


from generator.workbook import contract as K

_EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serial numbers accepted in a date column: 1927-05-18 .. 2119-01-10
_SERIAL_MIN, _SERIAL_MAX = 10000, 80000

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*分?(?:\s*:?\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER_RE = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")

YES = {"是", "√", "✓", "✔", "Y", "YES", "TRUE", "对"}
NO = {"否", "×", "✗", "N", "NO", "FALSE"}


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_NOTE = re.compile(r"\((?:必填|选填|必填项|选填项|可选|必须填写)\)$")


def norm_header(value) -> str:
    """A header as the contract spells it, however staff typed it: full-width characters,
    spaces of any width, line breaks, zero-width characters and BOM removed; a leading or
    trailing * or ＊, a (必填) / （选填） note and a trailing colon dropped."""
    if value is None:
        return ""
    s = _INVISIBLE.sub("", nfkc(str(value)))
    s = re.sub(r"\s+", "", s)
    for _ in range(3):
        s = s.strip("*:")
        s = _NOTE.sub("", s)
    return s


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_digits(text: str) -> bool:
    """Whether `text` is written with the digits 0-9 only, as an XML number attribute or a setting
    is (str.isdigit also says yes to ² and ①, which int() refuses; int() also reads full-width ３,
    str.isdecimal is what it reads)."""
    return text.isascii() and text.isdigit()


def all_printable(texts: list[str]) -> bool:
    """Whether none of these texts has a control character (one search over all of them)."""
    return _CONTROL.search("\n".join(texts)) is None


def printable(text: str) -> str:
    """Control characters shown as \\xNN, so a message can be printed, written to Excel or a page."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def clip_quotes(text: str, n: int = 40) -> str:
    """Each quoted value (“…”) longer than n characters cut to n, with its length said."""
    return re.sub(f"“([^”]{{{n + 1},}})”", lambda m: f"“{m.group(1)[:n]}…”（共 {len(m.group(1))} 字）", text)


def one_line(text: str) -> str:
    """Control characters, tabs and line breaks shown escaped: a cell cannot forge report lines."""
    return _LINE_BREAKS.sub(lambda m: _SHOWN.get(m.group(0), f"\\x{ord(m.group(0)):02x}"), text)


_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class BadValue(ValueError):
    """A value that cannot be read; the message is Chinese and names the value (clipped, printable)."""

    def __init__(self, message: str) -> None:
        message = clip_quotes(printable(message), 40)
        super().__init__(message)


def parse_datetime_text(text: str) -> datetime:
    """Parse a date or date-time typed as text. Raises BadValue."""
    s = nfkc(text).strip()
    m = _DATE_RE.match(s)
    if m:
        y, mo, d, hh, mm, ss = m.groups()
        try:
            return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            raise BadValue(f"“{text}”不是有效的日期") from None
    m = _COMPACT_RE.match(s)
    if m:
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise BadValue(f"“{text}”不是有效的日期") from None
    if _NUMBER_RE.match(s):
        return _from_serial(float(s), text)
    raise BadValue(f"无法识别的日期“{text}”（请写成 2025-03-05 或 2025年3月5日）")


_EPOCH_1904 = datetime(1904, 1, 1)


def _from_serial(v: float, shown, epoch: datetime = _EXCEL_EPOCH) -> datetime:
    if _SERIAL_MIN <= v < _SERIAL_MAX:
        # to the nearest second: 14:00 is stored as 45000.58333333333…, never read as 13:59:59.999
        return epoch + timedelta(seconds=round(v * 86400))
    if 19000101 <= v <= 21001231 and v == int(v):
        return parse_datetime_text(str(int(v)))
    raise BadValue(f"“{_show(shown)}”不是日期")


def _show(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


YEAR_MIN, YEAR_MAX = 1900, 2199


def in_range(d: datetime | date):
    """A date a deadline can be computed from; a year such as 9999 is a typo, reported at its cell."""
    if not YEAR_MIN <= d.year <= YEAR_MAX:
        raise BadValue(f"“{d.isoformat()[:10]}”的年份 {d.year} 超出可处理的范围（{YEAR_MIN}–{YEAR_MAX}），请核对")
    return d


def _round_second(v: datetime) -> datetime:
    if v.microsecond:
        v = v.replace(microsecond=0) + (timedelta(seconds=1) if v.microsecond >= 500_000 else timedelta())
    return v


def to_datetime(v, epoch: datetime = _EXCEL_EPOCH) -> datetime:
    t = type(v)
    if t is datetime:
        return _round_second(v)
    if t is date:
        return datetime(v.year, v.month, v.day)
    if t is str:
        return parse_datetime_text(v)
    if t is float or t is int:
        return _from_serial(float(v), v, epoch)
    if t is time:
        raise BadValue(f"“{v}”只有时间，没有日期")
    raise BadValue(f"“{v}”不是日期")


def to_number(v) -> float:
    t = type(v)
    if t is float or t is int:
        return float(v)
    if t is str:
        s = nfkc(v).strip().replace(",", "").replace(" ", "")
        for unit in ("元", "¥", "￥", "RMB"):
            s = s.replace(unit, "")
        if _NUMBER_RE.match(s):
            return float(s)
        raise BadValue(f"“{v}”不是数字")
    if t is bool:
        raise BadValue(f"“{v}”不是数字")
    raise BadValue(f"“{v}”不是数字")


def to_code(v) -> str:
    if type(v) is float and v.is_integer():
        return str(int(v))
    s = nfkc(str(v)).strip()
    return re.sub(r"\s+", "", s)


# ---------------------------------------------------------------- column converters

def _is_empty(v) -> bool:
    return v is None or v == "" or (type(v) is str and not v.strip())


def _code(v) -> str | None:
    if type(v) is float and abs(v) >= 1e15:
        raise BadValue(f"是数字格式（显示为 {v:.6G}）：Excel 只保留 15 位有效数字，后面的数字已经丢失；"
                       "请把该列设为文本格式后重新录入")
    if type(v) is str and v.isascii():
        s = v.strip()
        if " " in s or "\t" in s:
            s = re.sub(r"\s+", "", s)
        return s or None
    return None if _is_empty(v) else (to_code(v) or None)


def _text(v) -> str | None:
    if type(v) is str:
        return v.strip() or None
    return None if v is None else _show(v)


def _number(v):
    if _is_empty(v):
        return None
    return to_number(v)


def _int(v):
    if _is_empty(v):
        return None
    x = to_number(v)
    if not x.is_integer():
        raise BadValue(f"“{_show(v)}”不是整数")
    return int(x)


def _date(v, epoch: datetime = _EXCEL_EPOCH):
    t = type(v)
    if t is datetime:
        return in_range(_round_second(v)).date()
    if t is date:
        return in_range(v)
    if _is_empty(v):
        return None
    return in_range(to_datetime(v, epoch)).date()


def _datetime(v, epoch: datetime = _EXCEL_EPOCH):
    if type(v) is date:
        return in_range(datetime(v.year, v.month, v.day))
    if _is_empty(v):
        return None
    return in_range(to_datetime(v, epoch))


_CONVERTERS = {
    K.TEXT: _text, K.CODE: _code, K.STAFF: _code, K.CUSTOMER: _code, K.EVENT: _code,
    K.NUMBER: _number, K.INT: _int, K.DATE: _date, K.DATETIME: _datetime,
}


def convert_column(col: K.Column, raw: list | tuple,
                   date1904: bool = False) -> tuple[list, list[tuple[int, str, object]]]:
    """Typed values for one column, and (index, reason, raw value) for each unreadable cell.

    Empty cells become None. The reason is a Chinese sentence. Each distinct raw value is
    converted once; the cells are then filled by look-up.
    """
    fast = _fast_path(col.type, raw)
    if fast is not None:
        return fast, []
    if col.type == K.ENUM:
        lookup = _enum_lookup(col)
        allowed = " / ".join(col.enum)

        def conv(v):
            if _is_empty(v):
                return None
            hit = lookup.get(_enum_key(v))
            if hit is None:
                raise BadValue(f"“{_show(v)}”不在可选值之内（{allowed}）")
            return hit
    else:
        conv = _CONVERTERS[col.type]
        if date1904 and col.type in (K.DATE, K.DATETIME):     # plain serial numbers count from 1904-01-01
            base = conv
            conv = lambda v: base(v, _EPOCH_1904)  # noqa: E731
    mapping: dict = {}
    failed = False
    for u in set(raw):
        try:
            mapping[u] = conv(u)
        except BadValue as e:
            mapping[u] = e
            failed = True
    vals = list(map(mapping.__getitem__, raw))
    bad: list[tuple[int, str, object]] = []
    if failed:
        for i, v in enumerate(vals):
            if isinstance(v, BadValue):
                bad.append((i, str(v), raw[i]))
                vals[i] = None
    return vals, bad


_BAD = object()
_NO_SPACE = re.compile(r"\s")
_IDS = (K.CODE, K.STAFF, K.CUSTOMER, K.EVENT)


_MICRO = attrgetter("microsecond")
_NONE = type(None)


def _plain_range(raw) -> bool:
    """Every date of the column in the years a deadline can be computed from (two passes in C)."""
    return YEAR_MIN <= min(raw).year and max(raw).year <= YEAR_MAX


def _fast_path(kind: str, raw) -> list | None:
    """Typed values without per-value conversion, when the column's cell types allow it.

    The checks run over the whole column in C (a set of types, one join); None means
    "convert value by value"."""
    if not raw:
        return []
    types = set(map(type, raw))
    present = raw
    if _NONE in types and len(types) == 2 and kind in (K.DATETIME, K.DATE, K.NUMBER):   # blanks between values
        types.discard(_NONE)
        present = [v for v in raw if v is not None]
    if types == {datetime} and kind == K.DATETIME:
        if _plain_range(present) and not any(map(_MICRO, present)):
            return list(raw)
    elif types == {date} and kind == K.DATE:      # python-calamine gives midnight values as dates
        if _plain_range(present):
            return list(raw)
    elif types == {float} and kind == K.NUMBER:
        return list(raw)
    elif types == {str} and kind in _IDS:
        joined = "\x00".join(raw)
        if joined.isascii() and not _NO_SPACE.search(joined) and "" not in raw:
            return list(raw)
    return None


def _enum_key(v) -> str:
    if type(v) is bool:
        return "TRUE" if v else "FALSE"
    return re.sub(r"\s+", "", nfkc(_show(v))).upper()


_LOOKUPS: dict[tuple, dict] = {}


def _enum_lookup(col: K.Column) -> dict:
    got = _LOOKUPS.get(col.enum)
    if got is None:
        got = {_enum_key(e): e for e in col.enum}
        if col.is_yes_no:
            got.update({k: "是" for k in YES})
            got.update({k: "否" for k in NO})
        _LOOKUPS[col.enum] = got
    return got


def column_letter(index: int) -> str:
    """0-based column index to Excel letters, A to ZZZ (what openpyxl's get_column_letter gives,
    ValueError past it; openpyxl is not imported for it: that costs a tenth of a second and 15 MB)."""
    got = _LETTERS.get(index)
    if got is None:
        n = index + 1
        if not 1 <= n <= 18278:                         # openpyxl: A .. ZZZ
            raise ValueError(f"Invalid column index {n}")
        got = ""
        while n:
            n, r = divmod(n - 1, 26)
            got = chr(65 + r) + got
        _LETTERS[index] = got
    return got


def column_number(letters: str) -> int:
    """1-based column of Excel letters, in either case, A to ZZZ (openpyxl's column_index_from_string);
    ValueError for anything else."""
    up = letters.upper()
    if not 1 <= len(up) <= 3 or not all("A" <= ch <= "Z" for ch in up):
        raise ValueError(f"{letters!r} is not a valid column name")
    n = 0
    for ch in up:
        n = n * 26 + ord(ch) - 64
    return n


_LETTERS: dict[int, str] = {}


class Encoded(NamedTuple):
    """A text column as its distinct values and, per cell, the index of its value (len(distinct): blank)."""
    distinct: list
    idx: object          # a numpy integer array


def take(pool: list, idx) -> list:
    """[pool[i] for i in idx], in C: the cells of a column share the pool's objects."""
    import numpy as np

    objects = np.empty(len(pool), dtype=object)
    objects[:] = pool
    return objects[idx].tolist()


def convert_encoded(col: K.Column, distinct: list, idx,
                    date1904: bool = False) -> tuple[list, list[tuple[int, str, object]]]:
    """`convert_column` for a column given as its distinct values and, per cell, the index of its
    value (len(distinct) for a blank cell): each distinct value is converted once, the cells are
    filled by one take."""
    import numpy as np

    typed, bad = convert_column(col, distinct, date1904)
    vals = take(typed + [None], idx)
    if not bad:
        return vals, []
    why = {k: (reason, raw) for k, reason, raw in bad}
    rows = np.flatnonzero(np.isin(idx, list(why))).tolist()
    return vals, [(i, *why[int(idx[i])]) for i in rows]
