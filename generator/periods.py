"""Calendar periods: a year, a quarter or a month, with a key (2025, 2025-Q3, 2025-09) and a
Chinese label. Coverage rules, report cadence, documents and the status pages share them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

YEAR, QUARTER, MONTH = "year", "quarter", "month"
KIND_LABEL = {YEAR: "每年", QUARTER: "每季度", MONTH: "每月"}


@dataclass(frozen=True)
class Period:
    key: str          # 2025 / 2025-Q3 / 2025-09
    label: str        # 2025 年 / 2025 年第三季度 / 2025 年 9 月
    start: date
    end: date

    def __contains__(self, d) -> bool:
        if d is None:
            return False
        if isinstance(d, datetime):
            d = d.date()
        return self.start <= d <= self.end

    @property
    def kind(self) -> str:
        return QUARTER if "Q" in self.key else MONTH if "-" in self.key else YEAR


def year(y: int) -> Period:
    return Period(str(y), f"{y} 年", date(y, 1, 1), date(y, 12, 31))


def quarter(y: int, q: int) -> Period:
    end = date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return Period(f"{y}-Q{q}", f"{y} 年第{'一二三四'[q - 1]}季度", date(y, 3 * q - 2, 1), end)


def month(y: int, m: int) -> Period:
    end = date(y + (m == 12), 1 if m == 12 else m + 1, 1) - timedelta(days=1)
    return Period(f"{y}-{m:02d}", f"{y} 年 {m} 月", date(y, m, 1), end)


def containing(kind: str, d: date) -> Period:
    if kind == YEAR:
        return year(d.year)
    if kind == QUARTER:
        return quarter(d.year, (d.month - 1) // 3 + 1)
    return month(d.year, d.month)


def between(kind: str, first: date, last: date) -> list[Period]:
    """The periods of a kind that overlap first..last, in order."""
    out = []
    p = containing(kind, first)
    while p.start <= last:
        out.append(p)
        p = containing(kind, p.end + timedelta(days=1))
    return out


def parse_period(text) -> Period:
    """`2025`, `2025-Q3` or `2025-09` (also `2025Q3`, `2025-9`, `2025年9月`). Raises ValueError (Chinese)."""
    s = re.sub(r"\s+", "", str(text or "")).upper()
    if m := re.fullmatch(r"(\d{4})年?", s):
        return year(int(m[1]))
    if m := re.fullmatch(r"(\d{4})[-年]?(?:Q|第)([1-4一二三四])(?:季度)?", s):
        q = m[2] if m[2].isdigit() else "一二三四".index(m[2]) + 1
        return quarter(int(m[1]), int(q))
    if m := re.fullmatch(r"(\d{4})[-/年](\d{1,2})月?", s):
        if 1 <= int(m[2]) <= 12:
            return month(int(m[1]), int(m[2]))
    raise ValueError(f"报告期“{text}”应为 2025、2025-Q3 或 2025-09")
