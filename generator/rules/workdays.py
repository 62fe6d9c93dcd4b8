"""Deadline arithmetic on the PRC statutory calendar (rules.md, "Time semantics").

Working days come from the maintained `chinese_calendar` package (statutory holidays and
make-up working days, 调休). A year the package does not know yet can be supplied in the
configuration; a deadline that needs a year neither knows is a CalendarError naming it.
"""
from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


class CalendarError(Exception):
    """A deadline needs a year whose holidays are unknown. The message is Chinese."""


def add_months(d: date, n: int) -> date:
    """Same day number n months later, clamped to the month's last day (01-31 + 1 = 02-28)."""
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, _cal.monthrange(y, m)[1]))


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


class WorkCalendar:
    """Working days: the package's years, plus years listed in the configuration."""

    def __init__(self, extra_years: dict[int, dict[str, list[date]]] | None = None) -> None:
        self.extra = {}
        for year, spec in (extra_years or {}).items():
            self.extra[int(year)] = (set(spec.get("holidays", ())), set(spec.get("workdays", ())))
        self._cache: dict[date, bool] = {}
        self._after: dict[tuple[date, int], date] = {}

    def known_years(self) -> tuple[int, int]:
        return _package_range()

    def is_workday(self, d: date) -> bool:
        hit = self._cache.get(d)
        if hit is not None:
            return hit
        extra = self.extra.get(d.year)
        if extra is not None:
            holidays, workdays = extra
            hit = d in workdays or (d.weekday() < 5 and d not in holidays)
        else:
            try:
                hit = chinese_calendar.is_workday(d)
            except NotImplementedError:
                lo, hi = _package_range()
                raise CalendarError(
                    f"工作日历不含 {d.year} 年的法定节假日安排（已知 {lo}–{hi} 年）：请升级 chinese-calendar，"
                    f"或在 huifang.toml 的 [calendar.{d.year}] 中列出该年的 holidays 和 workdays"
                ) from None
        self._cache[d] = hit
        return hit

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (d itself not counted)."""
        key = (d, n)
        hit = self._after.get(key)
        if hit is None:
            day = d
            while n > 0:
                day += timedelta(days=1)
                if self.is_workday(day):
                    n -= 1
            hit = self._after[key] = day
        return hit

    def next_working_day(self, d: date) -> date:
        """次日: the next working day after d."""
        return self.add_working_days(d, 1)


@lru_cache(maxsize=1)
def _package_range() -> tuple[int, int]:
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]
