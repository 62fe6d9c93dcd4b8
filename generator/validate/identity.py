"""Stable identities of findings (issue 28): the same problem in the same record keeps its
identity from one run to the next, wherever its row is.

An identity is a fingerprint of the rule, the workbook's unit (营业部), the sheet, the record's
own key (记录编号, 客户编号, 事件编号, 计划编号, 工号; for the sheets without a key column the
columns listed in RECORD_KEYS) and the finding's column and due date - never the row number.
A record without a key (the key cell empty) is known by its whole content. When one rule
still finds two problems that agree in all of these (duplicate rows), they are told apart by
their rows' content and then by their message without numbers, so an identity is unique
within a report and does not depend on the order of rows.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict

from generator.validate.provenance import canonical

# sheets without a unique key column: the columns that name one of their records
RECORD_KEYS = {"流失客户": ("客户编号", "流失日期"), "流失跟踪": ("客户编号", "联系时间", "联系员工"),
               "回访报告": ("报告期",)}
LENGTH = 20                         # hex digits of an identity (80 bits)
_DIGITS = re.compile(r"\d+")


def key_columns(spec) -> tuple[str, ...]:
    return (spec.key,) if spec.key else RECORD_KEYS.get(spec.name, ())


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:LENGTH]


class _Rows:
    """Per sheet of one workbook: data index of an Excel row, a record's key and content."""

    def __init__(self, book) -> None:
        self.book = book
        self.index: dict[str, dict[int, int]] = {}

    def locate(self, sheet: str, row: int):
        table = self.book.tables.get(sheet)
        if table is None:
            return None, None
        where = self.index.get(sheet)
        if where is None:
            where = self.index[sheet] = {r: i for i, r in enumerate(table.rows)}
        return table, where.get(row)

    @staticmethod
    def content(table, i: int) -> str:
        return canonical([[name, values[i]] for name, values in sorted(table.cols.items())])


def keys_of(result) -> list[tuple[str, str, str]]:
    """Per finding of a BookResult (read where the workbook's cells are): its base identity, and,
    for findings whose base another finding of the workbook shares, its record's content and its
    message without numbers, which `assign_keys` sorts those by (the rest need neither: their
    base is their identity, and working out a record's whole content costs more than the base)."""
    rows = _Rows(result.book)
    unit = result.unit
    bases, places = [], []
    for f in result.findings:
        record, at = None, None
        if f.sheet is not None and f.row is not None:
            table, i = rows.locate(f.sheet, f.row)
            if i is not None:
                at = (table, i)
                key = [table.col(c)[i] for c in key_columns(table.spec)]
                record = key if any(v not in (None, "") for v in key) else ["#", rows.content(table, i)]
            else:
                record = ["row", f.row]         # a header or a row outside the data
        elif f.cell:
            record = ["cell", f.cell]
        bases.append(_short(canonical([f.rule, unit, f.sheet, record, f.column, f.due])))
        places.append(at)
    shared = {b for b, n in Counter(bases).items() if n > 1}
    return [(base, _Rows.content(*at) if at else "", _DIGITS.sub("#", f.message)) if base in shared
            else (base, "", "") for base, at, f in zip(bases, places, result.findings)]


def assign_keys(pairs) -> None:
    """Set `id` on every finding of (finding, key) pairs in report order: the base identity, or,
    for findings that share it, the base numbered in the order of their content and message."""
    groups: dict[str, list] = defaultdict(list)
    for f, (base, content, message) in pairs:
        groups[base].append((f, content, message))
    for base, found in groups.items():
        if len(found) == 1:
            found[0][0].id = base
            continue
        found.sort(key=lambda x: (x[1], x[2]))
        for n, (f, _, _) in enumerate(found, 1):
            f.id = _short(f"{base}/{n}")


def assign(books) -> None:
    """Set `id` on every finding of these BookResults."""
    assign_keys([pair for b in books for pair in zip(b.findings, keys_of(b))])
