"""Deadline windows as durations with a unit: 3 天, 5 个工作日, 1 个月, 24 小时.

A company writes them in huifang.toml as text (`within = "7天"`, `"1个工作日"`, `"1个月"`,
`"次日"`) or as a bare number in the rule's own unit. `after(d)` applies the time semantics
of the catalogue: calendar days inclusive, the n-th working day after d (d not counted), the
same day number n months later clamped to the month's end.
"""
from __future__ import annotations

import calendar as _calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

DAY, WORKDAY, MONTH, HOUR = "天", "个工作日", "个月", "小时"
UNITS = (DAY, WORKDAY, MONTH, HOUR)
_SPELLINGS = {
    "天": DAY, "日": DAY, "自然日": DAY, "个自然日": DAY, "d": DAY, "day": DAY, "days": DAY,
    "工作日": WORKDAY, "个工作日": WORKDAY, "wd": WORKDAY, "workday": WORKDAY, "workdays": WORKDAY,
    "月": MONTH, "个月": MONTH, "month": MONTH, "months": MONTH,
    "小时": HOUR, "个小时": HOUR, "h": HOUR, "hour": HOUR, "hours": HOUR,
    "周": "周", "个周": "周", "星期": "周", "个星期": "周", "week": "周", "weeks": "周",
}
# the longest window huifang.toml may set, about five years in each unit: beyond it a window is a
# typing slip, and dates would run off the calendar (date.max) before any check could use it
MAX = {DAY: 1826, WORKDAY: 1300, MONTH: 60, HOUR: 43824}
_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@lru_cache(maxsize=1 << 14)
def add_months(d: date, n: int) -> date:
    """Same day number n months later, clamped to the month's last day (01-31 + 1 = 02-28).
    (Remembered: a unit's customers share a few thousand dates.)"""
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, _calendar.monthrange(y, m)[1]))


@dataclass(frozen=True)
class Duration:
    n: int
    unit: str

    @classmethod
    def parse(cls, value, default_unit: str) -> Duration:
        """From huifang.toml: a number (in the rule's unit) or text such as 7天, 1个工作日, 1个月, 次日.

        Raises ValueError with a Chinese reason."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("应为时长，如 \"5个工作日\"")
        if isinstance(value, float):
            if not value.is_integer() or value < 0:          # NaN and infinities are not integers
                raise ValueError(f"应为非负整数，而不是 {value:g}")
            value = int(value)
        if isinstance(value, int):
            if value < 0:
                raise ValueError("应为非负整数，而不是负数")
            return cls._bounded(value, default_unit)
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()
        if s in ("次日", "下一个工作日", "次一工作日"):
            return cls(1, WORKDAY)
        m = re.fullmatch(r"([0-9]+|[一两二三四五六七八九十])(.*)", s)
        if not m or m[2] not in _SPELLINGS:
            shown = "".join(c for c in s[:20] if c.isprintable()) + ("…" if len(s) > 20 else "")
            raise ValueError(f"“{shown}”不是时长（可写 3天、5个工作日、1个月、24小时 或 次日）")
        unit = _SPELLINGS[m[2]]
        if len(m[1]) > 9:                       # past every bound, told without converting a thousand digits
            return cls._bounded(10 ** 9, DAY if unit == "周" else unit)
        n = int(m[1]) if m[1].isdigit() else _CN_DIGITS[m[1]]
        if unit == "周":
            return cls._bounded(7 * n, DAY)
        return cls._bounded(n, unit)

    @classmethod
    def _bounded(cls, n: int, unit: str) -> Duration:
        if n > MAX[unit]:
            got = f"，而不是 {n}{unit}" if n < 10 ** 9 else ""
            raise ValueError(f"不能超过 {MAX[unit]}{unit}（约五年）{got}")
        return cls(n, unit)

    def show(self) -> str:
        if self.unit == MONTH and self.n == 1:
            return "一个月"
        return f"{self.n} {self.unit}"

    def __str__(self) -> str:              # as written in huifang.toml
        return f"{self.n}{self.unit}"

    def after(self, d: date, cal) -> date:
        """The last day of the window that starts on d."""
        if self.unit == DAY:
            return d + timedelta(days=self.n)
        if self.unit == WORKDAY:
            return cal.add_working_days(d, self.n)
        if self.unit == MONTH:
            return add_months(d, self.n)
        return d + timedelta(hours=self.n)

    def span(self) -> timedelta:
        """A fixed length (days or hours), for a window measured in time rather than on the calendar."""
        if self.unit == HOUR:
            return timedelta(hours=self.n)
        if self.unit == DAY:
            return timedelta(days=self.n)
        raise ValueError(f"{self.show()} 不是固定时长")

    def bounds(self) -> tuple[int, int]:
        """Fewest and most calendar days `after` can add: a test that needs no calendar."""
        if self.unit == DAY:
            return self.n, self.n
        if self.unit == WORKDAY:
            return self.n, 3 * self.n + 12        # no holiday run in China is longer than 9 days
        if self.unit == MONTH:
            return 28 * self.n - 3 * (self.n > 0), 31 * self.n
        return 0, self.n // 24 + 1


_HOW = {MONTH: "（按月计算，至对应月份的同日，无同日取该月末日）", WORKDAY: "（按工作日计算，节假日和周末不计）",
        DAY: "（按自然日计算）", HOUR: "（按小时计算）"}


def counted_how(value) -> str:
    """How a Duration is counted, in words for a rule's explanation ("" for any other value)."""
    return _HOW.get(value.unit, "") if isinstance(value, Duration) else ""
