"""The trends on the status pages (issue 28), as the templates show them: each unit's direction in
words and an arrow, what it compares, and its series over month-ends and recorded runs. Counts,
dates and run numbers only - the ledger views carry no personal data.

The month-end series is judged on the workbooks already read, so it shows without a ledger; the
run series shows when a ledger exists: `[ledger] url`, or the SQLite file of `[ledger] path` or
beside the workbooks (huifang-ledger.sqlite, written by `--record`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from markupsafe import Markup

from generator.ledger import locate
from generator.ledger.store import LedgerError, open_store
from generator.ledger.trends import UnitTrend, unit_trends
from generator.site.facts import month_points
from generator.site.svg import grouped

RUNS_CHARTED = 12           # the run chart shows the last runs; the table below it has them all
WORDS = {"better": "好转", "worse": "变差", "same": "持平"}
ARROWS = {"better": ("↓", "逾期和错误减少"), "worse": ("↑", "逾期或错误增加"), "same": ("→", "没有变化")}


def trends_for(report, paths, store=None) -> list[UnitTrend]:
    """The trends of the report's units: over month-ends always, over recorded runs when a ledger
    exists (`store`: the ledger this run has just been recorded in)."""
    months = month_points(report)
    if store is not None:
        with store.contents():
            return unit_trends(report, store, months)
    path, url = locate(report.config, paths)
    if url is None and (path is None or not path.is_file()):
        return unit_trends(report, months=months)
    store = open_store(path, url)       # a ledger that cannot be opened at all is one line, exit 2
    try:
        with store.contents():
            return unit_trends(report, store, months)
    except LedgerError as e:        # runs it cannot read: the trends over runs are extra, said and left out
        print(f"huifang：{e}；本次站点只显示各月末的趋势", file=sys.stderr, flush=True)
        return unit_trends(report, months=months)
    finally:
        store.close()


@dataclass(frozen=True)
class Point:
    label: str
    overdue: int
    errors: int


class TrendView:
    def __init__(self, trend: UnitTrend, as_of) -> None:
        self.trend, self.as_of = trend, as_of

    @property
    def direction(self) -> str:
        return self.trend.direction

    @property
    def word(self) -> str:
        return WORDS[self.direction]

    def badge(self) -> Markup:
        """The direction in words and an arrow whose accessible name says what moved."""
        arrow, label = ARROWS[self.direction]
        return Markup('<span class="hf-badge hf-dir hf-{}">{} '
                      '<span role="img" aria-label="（{}）">{}</span></span>').format(
            self.direction, self.word, label, arrow)

    @property
    def runs(self):
        return self.trend.runs

    @property
    def months(self):
        return self.trend.months

    def month_label(self, d) -> str:
        one_year = all(m.month_end.year == self.as_of.year for m in self.months)
        return f"{d.month}月" if one_year else f"{d.year}-{d.month:02d}"

    @property
    def compared(self) -> tuple[Point, Point] | None:
        """The two points the direction compares: the last two recorded runs, else the last two month-ends."""
        if len(self.runs) >= 2:
            return tuple(Point(f"运行 #{p.run}", p.overdue, p.errors) for p in self.runs[-2:])
        if not self.runs and len(self.months) >= 2:
            return tuple(Point(f"{self.month_label(m.month_end)}末", m.overdue, m.errors) for m in self.months[-2:])
        return None

    @property
    def basis(self) -> str:
        pair = self.compared
        if pair is None:
            return "数据点不足两个，无从比较"
        kind = "两次记录的运行" if self.runs else "两个月末"
        return f"比较最近{kind}：{pair[0].label} 与 {pair[1].label}"

    def month_chart(self) -> Markup:
        labels = [self.month_label(m.month_end) for m in self.months]
        return Markup(grouped("各月末的逾期未完成与错误（条）", labels, [
            ("逾期未完成", [m.overdue for m in self.months], "hf-s-overdue"),
            ("错误", [m.errors for m in self.months], "hf-s-errors")]))

    def run_chart(self) -> Markup:
        shown = self.runs[-RUNS_CHARTED:]
        title = "各次运行的逾期未完成与错误（条）" if len(shown) == len(self.runs) else \
            f"最近 {len(shown)} 次运行的逾期未完成与错误（条）"
        return Markup(grouped(title, [f"#{p.run}" for p in shown], [
            ("逾期未完成", [p.overdue for p in shown], "hf-s-overdue"),
            ("错误", [p.errors for p in shown], "hf-s-errors")]))


def views(trends: list[UnitTrend], as_of) -> dict[str, TrendView]:
    return {t.unit: TrendView(t, as_of) for t in trends}
