"""The data of the status pages' trends (issue 28), as plain values for the site to draw:

- per unit, errors and overdue callbacks over the recorded runs (the ledger);
- per unit, errors and overdue callbacks as of each month-end of the check period, judged on the
  workbooks already read (one pass of the rules per month-end, never a second read);
- per unit, new and fixed findings of its last recorded run against the run before it;
- the units ranked by urgency (overdue first, then errors), each with its direction.

No personal data: counts, dates and run numbers only.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from generator.ledger.store import Store


@dataclass(frozen=True)
class RunPoint:
    run: int
    recorded_at: str
    as_of: date
    errors: int
    warnings: int
    overdue: int
    new: int
    fixed: int


@dataclass(frozen=True)
class MonthPoint:
    month_end: date
    errors: int
    overdue: int


@dataclass
class UnitTrend:
    unit: str
    runs: list[RunPoint] = field(default_factory=list)
    months: list[MonthPoint] = field(default_factory=list)

    @property
    def latest(self) -> RunPoint | None:
        return self.runs[-1] if self.runs else None

    @property
    def new(self) -> int:
        """New findings of the last recorded run against the unit's run before it."""
        return self.latest.new if self.latest else 0

    @property
    def fixed(self) -> int:
        return self.latest.fixed if self.latest else 0

    @property
    def direction(self) -> str:
        """better / worse / same: the last two recorded runs, else the last two month-ends, by
        overdue callbacks and then errors."""
        points = [(p.overdue, p.errors) for p in self.runs] or [(m.overdue, m.errors) for m in self.months]
        if len(points) < 2 or points[-1] == points[-2]:
            return "same"
        return "better" if points[-1] < points[-2] else "worse"

    @property
    def urgency(self) -> tuple:
        """Sort key, most urgent first: overdue callbacks, then errors, now (the last month-end or run)."""
        now = self.months[-1] if self.months else self.latest
        overdue, errors = (now.overdue, now.errors) if now else (0, 0)
        return (-overdue, -errors, self.direction != "worse", self.unit)


def run_points(store: Store, units=None) -> dict[str, list[RunPoint]]:
    """Per unit, one point per recorded run that judged it (several workbooks of a unit summed)."""
    if store.head() is None:
        return {}
    rows = store.rows(
        "SELECT b.unit, r.id, r.recorded_at, r.as_of, SUM(b.errors), SUM(b.warnings), SUM(b.overdue), "
        "SUM(b.new), SUM(b.fixed) FROM ledger_books b JOIN ledger_runs r ON r.id = b.run_id "
        "GROUP BY b.unit, r.id, r.recorded_at, r.as_of ORDER BY b.unit, r.id")
    out: dict[str, list[RunPoint]] = {}
    for unit, rid, at, as_of, errors, warnings, overdue, new, fixed in rows:
        if units is None or unit in units:
            if not isinstance(at, str):         # what SQLite let another program put there (a blob)
                raise TypeError(f"recorded_at of run {rid}: {type(at).__name__}")
            out.setdefault(unit, []).append(RunPoint(rid, at, date.fromisoformat(as_of), _count(errors),
                                                     _count(warnings), _count(overdue), _count(new), _count(fixed)))
    return out


def _count(value) -> int:
    """A count as the ledger holds it: a whole number (SQLite's SUM of text or blobs is no count)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise TypeError(f"count {value!r}")
    return int(value)


def month_ends(since: date, as_of: date) -> list[date]:
    """Every month-end from `since` to `as_of` (both inclusive)."""
    out = []
    y, m = since.year, since.month
    while True:
        end = date(y, m, calendar.monthrange(y, m)[1])
        if end > as_of:
            return out
        out.append(end)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def as_it_stood(book, end: date):
    """The workbook as it stood at the end of `end`: callback records made later are left out
    (judged as of a month-end, a callback done in a later month is not yet done, rather than an
    error for lying in the future). Column by column, on the workbook already read."""
    from dataclasses import replace
    table = book["回访记录"]
    times = table.col("回访时间")
    keep = [i for i, t in enumerate(times) if t is None or t.date() <= end]
    if len(keep) == len(times):
        return book
    cut = replace(table, rows=[table.rows[i] for i in keep],
                  cols={n: [c[i] for i in keep] for n, c in table.cols.items()},
                  extra={n: [c[i] for i in keep] for n, c in table.extra.items()})
    return replace(book, tables={**book.tables, "回访记录": cut})


def book_month_counts(b, config, since: date, as_of: date, cal) -> list[tuple[date, int, int]]:
    """(month-end, errors, overdue callbacks) of one checked workbook (a BookResult with its cells)
    as of each month-end from `since` to `as_of`, judged on the workbook as it stood then."""
    from generator.validate.run import check_book
    out = []
    for end in month_ends(since, as_of):
        # the check day itself is the report's own judgement: the same counts as the status badges
        judged = b if end == as_of else check_book(as_it_stood(b.book, end), config, end, since, cal)
        out.append((end, judged.count("error"), sum(1 for f in judged.findings if f.overdue)))
    return out


def sum_month_counts(counts) -> dict[str, list[MonthPoint]]:
    """Per unit, its workbooks' month-end counts ((unit, book_month_counts) pairs) summed."""
    out: dict[str, dict[date, list[int]]] = {}
    for unit, points in counts:
        for end, errors, overdue in points:
            got = out.setdefault(unit, {}).setdefault(end, [0, 0])
            got[0] += errors
            got[1] += overdue
    return {u: [MonthPoint(end, e, o) for end, (e, o) in sorted(by.items())] for u, by in out.items()}


def month_points(report) -> dict[str, list[MonthPoint]]:
    """Per unit, errors and overdue callbacks as of each month-end of the report's check period,
    judged on the workbooks the report already read, as they stood at that month-end."""
    return sum_month_counts((b.unit, book_month_counts(b, report.config, report.since, report.as_of, b.ctx.cal))
                            for b in report.books)


def unit_trends(report=None, store: Store | None = None, months: dict | None = None) -> list[UnitTrend]:
    """The trend of every unit of the report (or, without one, of the ledger), most urgent first;
    `months` as month_points gives them, when worked out already (site/facts.py)."""
    units = {b.unit for b in report.books} if report is not None else None
    runs = run_points(store, units) if store is not None else {}
    if months is None:
        months = month_points(report) if report is not None else {}
    names = sorted(units if units is not None else runs)
    trends = [UnitTrend(u, runs.get(u, []), months.get(u, [])) for u in names]
    return sorted(trends, key=lambda t: t.urgency)
