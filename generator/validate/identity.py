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
import json
import re
from collections import Counter, defaultdict
from itertools import chain, repeat
from operator import attrgetter, ne

from generator.validate.provenance import canonical

# sheets without a unique key column: the columns that name one of their records
RECORD_KEYS = {"流失客户": ("客户编号", "流失日期"), "流失跟踪": ("客户编号", "联系时间", "联系员工"),
               "回访报告": ("报告期",)}
LENGTH = 20                         # hex digits of an identity (80 bits)
_DIGITS = re.compile(r"\d+")
_EMPTY = (None, "")                 # a key cell that names no record


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


# canonical()'s encoder with a line break in its item separator: the encoder writes a line break
# inside a string as \\n, so in its text of a list of values each ",\n" is a separator
_SPLIT = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",\n", ":"), default=str).encode


def _canonicals(values: list) -> list[str] | None:
    """canonical(v) of each value, byte for byte, from one call of the C encoder; None when a value
    has items of its own (it is then more than one token)."""
    tokens = _SPLIT(values)[1:-1].split(",\n") if values else []
    return tokens if len(tokens) == len(values) else None


def keys_of(result) -> list[tuple[str, str, str]]:
    """Per finding of a BookResult (read where the workbook's cells are): its base identity, and,
    for findings whose base another finding of the workbook shares, its record's content and its
    message without numbers, which `assign_keys` sorts those by (the rest need neither: their
    base is their identity, and working out a record's whole content costs more than the base).

    The base is the SHA-256 of canonical([rule, unit, sheet, record, column, due]); that text is
    put together from the canonical text of each value, a batch's values encoded in one call (the
    text of a list is "[", its items' texts joined by ",", "]"). A batch of findings in one sheet
    with one key column, each in a record whose key is filled (a rule that finds something on most
    records), is worked out a column at a time (_keyed_batch); any other batch a finding at a time."""
    rows = _Rows(result.book)
    unit = result.unit
    found = result.findings
    sheets: dict = {}                   # sheet -> (table, its data index of a row, its key columns)

    def known(sheet, row):
        got = sheets.get(sheet)
        if got is None:
            table, _ = rows.locate(sheet, row)
            got = sheets[sheet] = (table, rows.index.get(sheet, {}),
                                   [table.col(c) for c in key_columns(table.spec)] if table else [])
        return got

    places: list = []                   # per finding: (table, data index) of its record, or None
    bases: list = []
    sha = hashlib.sha256
    for lo in range(0, len(found), _BATCH):     # a batch at a time: the texts of 90,000 findings never at once
        batch = found[lo:lo + _BATCH]
        got = _keyed_batch(batch, unit, known)
        if got is None:
            texts, at = _batch_texts(batch, unit, known)
        else:
            texts, at = got
        places += at
        bases += [sha(t.encode("utf-8")).hexdigest()[:LENGTH] for t in texts]     # _short(t)
    if len(set(bases)) == len(bases):       # (a set is three times quicker to make than a Counter)
        return list(zip(bases, repeat(""), repeat("")))
    shared = {b for b, n in Counter(bases).items() if n > 1}
    return [(base, _Rows.content(*at) if at else "", _DIGITS.sub("#", f.message)) if base in shared
            else (base, "", "") for base, at, f in zip(bases, places, found)]


_SHEET, _ROW, _RULE = attrgetter("sheet"), attrgetter("row"), attrgetter("rule")
_COLUMN, _DUE = attrgetter("column"), attrgetter("due")


def _keyed_batch(batch: list, unit: str, known):
    """(canonical text, record place) of each finding of a batch all in one sheet with one key
    column, each at a data row whose key is filled; None for any other batch."""
    sheet = batch[0].sheet
    if sheet is None or any(map(ne, repeat(sheet), map(_SHEET, batch))):     # (a None among them: not equal)
        return None
    rws = list(map(_ROW, batch))
    if None in rws:
        return None
    table, where, cols = known(sheet, rws[0])
    if table is None or len(cols) != 1:
        return None
    idx = list(map(where.get, rws))
    if None in idx:                     # a header, or a row outside the data
        return None
    keys = list(map(cols[0].__getitem__, idx))
    if any(map(_EMPTY.__contains__, keys)):     # a record known by its whole content
        return None
    values = list(chain.from_iterable(zip(map(_RULE, batch), keys, map(_COLUMN, batch), map(_DUE, batch))))
    tokens = _canonicals(values)
    if tokens is None:                  # a value with items of its own
        return None
    fixed = ",".join((canonical(unit), canonical(sheet))).replace("%", "%%")
    shape = "[%s," + fixed + ",[%s],%s,%s]"
    texts = ("\n".join([shape] * len(batch)) % tuple(tokens)).split("\n")
    return texts, list(zip(repeat(table), idx))


def _batch_texts(batch: list, unit: str, known) -> tuple[list[str], list]:
    """(canonical text, record place) of each finding of a batch, a finding at a time."""
    flat: list = []                 # per finding: rule, unit, sheet, its record's items, column, due
    sizes: list = []                # per finding: its record's number of items, -1 for none (null)
    places: list = []
    for f in batch:
        record, at = None, None
        sheet, row = f.sheet, f.row
        if sheet is not None and row is not None:
            table, where, cols = known(sheet, row)
            i = where.get(row)
            if i is not None:
                at = (table, i)
                key = [cols[0][i]] if len(cols) == 1 else [c[i] for c in cols]
                record = key if not all(map(_EMPTY.__contains__, key)) else ["#", _Rows.content(table, i)]
            else:
                record = ["row", row]           # a header or a row outside the data
        elif f.cell:
            record = ["cell", f.cell]
        if record is None:
            flat += (f.rule, unit, sheet, f.column, f.due)
            sizes.append(-1)
        else:
            flat += (f.rule, unit, sheet, *record, f.column, f.due)
            sizes.append(len(record))
        places.append(at)
    tokens = _canonicals(flat)
    if tokens is None:              # a value with items of its own: each finding by itself
        return [canonical(_unflat(flat, pos, n)) for pos, n in _spans(sizes)], places
    shapes = {n: "[%s,%s,%s,null,%s,%s]" if n < 0 else "[%s,%s,%s,[" + ",".join(["%s"] * n) + "],%s,%s]"
              for n in set(sizes)}      # each finding's text a line (a text has no line break)
    return ("\n".join(map(shapes.__getitem__, sizes)) % tuple(tokens)).split("\n") if sizes else [], places


_BATCH = 4096


def _spans(sizes: list[int]):
    """(start in the flat values, record size) of each finding."""
    pos = 0
    for n in sizes:
        yield pos, n
        pos += 5 + max(n, 0)


def _unflat(flat: list, pos: int, n: int) -> list:
    if n < 0:
        return [*flat[pos:pos + 3], None, *flat[pos + 3:pos + 5]]
    return [*flat[pos:pos + 3], flat[pos + 3:pos + 3 + n], *flat[pos + 3 + n:pos + 5 + n]]


def assign_keys(pairs) -> None:
    """Set `id` on every finding of (finding, key) pairs in report order: the base identity, or,
    for findings that share it, the base numbered in the order of their content and message."""
    pairs = list(pairs)
    bases = [key[0] for _, key in pairs]
    if len(set(bases)) == len(bases):       # every base its own identity (most reports)
        for f, key in pairs:
            f.id = key[0]
        return
    many = {base for base, n in Counter(bases).items() if n > 1}
    groups: dict[str, list] = defaultdict(list)
    for f, key in pairs:
        base = key[0]
        if base in many:
            groups[base].append((f, key[1], key[2]))
        else:
            f.id = base
    for base, found in groups.items():
        found.sort(key=lambda x: (x[1], x[2]))
        for n, (f, _, _) in enumerate(found, 1):
            f.id = _short(f"{base}/{n}")


def assign(books) -> None:
    """Set `id` on every finding of these BookResults."""
    assign_keys(list(chain.from_iterable(zip(b.findings, keys_of(b)) for b in books)))
