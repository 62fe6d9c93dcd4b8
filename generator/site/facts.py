"""What the status pages need of one workbook, without its cells (issue 27).

`site_facts` reduces a checked workbook (a BookResult with its cells) to a small picklable
SiteFacts: the names the Masker needs, and the raw, unmasked values the pages show (customer
names, the people involved in a deadline finding, the coverage shares, the monthly counts and
the month-end trend counts). `huifang site` hands it to validate_paths as `reduce`, so a process
pool's workers compute it and a single process computes it the same way, each dropping the
workbook's cells right after: memory stays flat in the number of workbooks. The parent masks
and renders, with one Masker over the names of every workbook.
"""
from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from generator import periods
from generator.ledger.trends import MonthPoint, book_month_counts, sum_month_counts
from generator.privacy import book_names
from generator.rules import ORDER, RULES
from generator.rules.workdays import WorkCalendar

DEADLINE_GROUPS = ("deadline", "coverage")


@dataclass
class SiteFacts:
    names: set = field(default_factory=set)         # what the Masker masks (privacy.book_names)
    customers: dict = field(default_factory=dict)   # 客户编号 -> 客户名称 of the customers the pages name
    involved: list = field(default_factory=list)    # per finding: (label, 工号, 姓名) or None
    shares: list = field(default_factory=list)      # (label, share %, target %, rule) per coverage rule
    monthly: tuple = ((), ())                       # month labels, callbacks completed in each
    months: list | None = None                      # (month-end, errors, overdue); None: not computed


def _involved(result, staff: dict, ctx) -> list:
    """Who to talk to about each deadline finding: the record's 回访人员, else the customer's 开发人员."""
    book = result.book
    records = book["回访记录"]
    record_at = None
    out = []
    for f in result.findings:
        got = None
        if RULES[f.rule].group in DEADLINE_GROUPS:
            if f.sheet == "回访记录":
                if record_at is None:
                    record_at = {r: i for i, r in enumerate(records.rows)}
                i = record_at.get(f.row)
                who = records.col("回访人员")[i] if i is not None else None
                if who:
                    got = ("回访人员", who, staff.get(who))
            if got is None and f.customer:
                i = ctx.cust_index.get(f.customer)
                dev = book["客户"].col("开发人员")[i] if i is not None else None
                if dev:
                    got = ("开发人员", dev, staff.get(dev))
        out.append(got)
    return out


def _shares(ctx, config, as_of: date) -> list:
    """The current period's figures of every coverage rule: the rules' own (rule.figures), the same the check judges."""
    out = []
    for rid in ORDER:
        r, s = RULES[rid], config.settings(rid)
        if r.figures is None or not s.enabled:
            continue
        f = r.figures(ctx, s, periods.containing(s.values.get("period", periods.YEAR), as_of))
        if f.base:
            out.append((f"{f.label}（{len(f.done)}/{len(f.base)}）", f.share, f.target, rid))
    return out


def _monthly(ctx, as_of: date) -> tuple:
    year = as_of.year
    counts = Counter(d.month for i, d in enumerate(ctx.rec_day)
                     if d is not None and d.year == year and d <= as_of and ctx.rec_completed[i])
    months = range(1, (as_of.month if as_of.year == year else 12) + 1)
    return tuple(f"{m}月" for m in months), tuple(counts[m] for m in months)


def site_facts(result, config, as_of: date, since: date, months: bool = True) -> SiteFacts:
    """The SiteFacts of a checked workbook (a BookResult that still holds its cells).

    The figures and the month-end judgements use a calendar of their own, so the days they go
    through are not counted among those of the run (its provenance, recorded by --record)."""
    book = result.book
    cal = WorkCalendar(config.calendar_years)
    ctx = copy.copy(result.ctx)
    ctx.cal = cal
    cust = book["客户"]
    names = dict(zip(cust.col("客户编号"), cust.col("客户名称")))
    shown = {f.customer for f in result.findings} | {p.customer for p in result.pending}
    staff_table = book["人员"]
    staff = {c: n for c, n in zip(staff_table.col("工号"), staff_table.col("姓名")) if c is not None}
    return SiteFacts(
        names=book_names(book),
        customers={c: names[c] for c in shown if c in names},
        involved=_involved(result, staff, ctx),
        shares=_shares(ctx, config, as_of),
        monthly=_monthly(ctx, as_of),
        months=book_month_counts(result, config, since, as_of, cal) if months else None)


def facts_of(b, report) -> SiteFacts:
    """A BookResult's SiteFacts: reduced when it was checked, or worked out now from its cells."""
    got = b.reduced
    if isinstance(got, SiteFacts):
        return got
    return site_facts(b, report.config, report.as_of, report.since, months=False)


def month_points(report) -> dict[str, list[MonthPoint]] | None:
    """Per unit, the month-end counts the workers worked out; None when some workbook was checked
    without them (ledger.trends.unit_trends then judges the month-ends on the cells)."""
    got = [(b.unit, b.reduced.months) for b in report.books
           if isinstance(b.reduced, SiteFacts) and b.reduced.months is not None]
    if len(got) != len(report.books):
        return None
    return sum_month_counts(got)
