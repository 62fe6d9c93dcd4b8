"""Working days on the PRC calendar (rules.md, "Time semantics"), for any year.

- Years the maintained `chinese_calendar` package knows: the official arrangement of the State
  Council (statutory holidays and make-up working days, 调休).
- Years listed in huifang.toml (`[calendar.YEAR]`): the holidays and workdays given there.
- Any other year: a provisional calendar, never a refusal. Weekends plus the statutory holidays
  of 《全国年节及纪念日放假办法》 (the lunar festivals computed by the `holidays` package's
  China calendar), with no make-up days. Every deadline computed with it is marked provisional,
  and the report carries one CAL001 notice per such year.
"""
from __future__ import annotations

from generator.errors import HuifangError

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from generator.rules.durations import add_months  # noqa: F401  (re-exported: the deadline arithmetic)


class CalendarError(HuifangError):
    """Kept for callers that catch it; the calendar itself no longer refuses a year."""


class WorkCalendar:
    """Working days: the package's years, the configuration's years, provisional for the rest."""

    def __init__(self, extra_years: dict[int, dict[str, list[date]]] | None = None) -> None:
        self.extra = {}
        for year, spec in (extra_years or {}).items():
            self.extra[int(year)] = (set(spec.get("holidays", ())), set(spec.get("workdays", ())))
        self._cache: dict[date, bool] = {}
        self._after: dict[tuple[date, int], date] = {}
        self.provisional_used: set[int] = set()     # provisional years a computed deadline went through

    def known_years(self) -> tuple[int, int]:
        return _package_range()

    def source(self, year: int) -> str:
        """official / config / provisional."""
        if year in self.extra:
            return "config"
        lo, hi = _package_range()
        return "official" if lo <= year <= hi else "provisional"

    def is_provisional(self, year: int) -> bool:
        return self.source(year) == "provisional"

    def is_workday(self, d: date) -> bool:
        hit = self._cache.get(d)
        if hit is not None:
            return hit
        extra = self.extra.get(d.year)
        if extra is not None:
            holidays, workdays = extra
            hit = d in workdays or (d.weekday() < 5 and d not in holidays)
        else:
            lo, hi = _package_range()
            if lo <= d.year <= hi:
                hit = chinese_calendar.is_workday(d)
            else:
                self.provisional_used.add(d.year)
                hit = d.weekday() < 5 and d not in _provisional_holidays(d.year)
        self._cache[d] = hit
        return hit

    def years_used(self) -> set[int]:
        """The years of every day this calendar was asked about (what a report's provenance lists)."""
        return {d.year for d in self._cache}

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


@lru_cache(maxsize=64)
def _provisional_holidays(year: int) -> frozenset[date]:
    """The statutory holidays of a year no official arrangement covers yet."""
    import holidays  # only for years no official arrangement covers (8 MB, not loaded otherwise)
    try:
        return frozenset(holidays.China(years=year))
    except (NotImplementedError, ValueError, OverflowError):
        return frozenset()
