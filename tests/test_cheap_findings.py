"""Findings are cheap (issue 27): the JSON report's items are encoded a chunk at a time and the
identities worked out from one encoding of a workbook's values, and both are byte for byte what
the per-finding code wrote before. The earlier code is kept here as the oracle."""
from __future__ import annotations

import dataclasses
import copy
import hashlib
import io
import json
import os
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from generator.rules import RULES
from generator.validate import identity, keys
from generator.validate.provenance import canonical
from generator.validate.run import Finding, Pending

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ the oracle: the code before

def old_canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def old_short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def old_content(table, i: int) -> str:
    return old_canonical([[name, values[i]] for name, values in sorted(table.cols.items())])


def old_keys_of(result) -> list[tuple[str, str, str]]:
    unit = result.unit
    index: dict = {}
    bases, places = [], []
    for f in result.findings:
        record, at = None, None
        if f.sheet is not None and f.row is not None:
            table = result.book.tables.get(f.sheet)
            i = None
            if table is not None:
                where = index.setdefault(f.sheet, {r: n for n, r in enumerate(table.rows)})
                i = where.get(f.row)
            if i is not None:
                at = (table, i)
                key = [table.col(c)[i] for c in identity.key_columns(table.spec)]
                record = key if any(v not in (None, "") for v in key) else ["#", old_content(table, i)]
            else:
                record = ["row", f.row]
        elif f.cell:
            record = ["cell", f.cell]
        bases.append(old_short(old_canonical([f.rule, unit, f.sheet, record, f.column, f.due])))
        places.append(at)
    shared = {b for b, n in Counter(bases).items() if n > 1}
    return [(base, old_content(*at) if at else "", re.sub(r"\d+", "#", f.message)) if base in shared
            else (base, "", "") for base, at, f in zip(bases, places, result.findings)]


def old_assign_keys(pairs) -> None:
    groups: dict[str, list] = defaultdict(list)
    for f, (base, content, message) in pairs:
        groups[base].append((f, content, message))
    for base, found in groups.items():
        if len(found) == 1:
            found[0][0].id = base
            continue
        found.sort(key=lambda x: (x[1], x[2]))
        for n, (f, _, _) in enumerate(found, 1):
            f.id = old_short(f"{base}/{n}")


def old_items(fields, items, sep: str) -> str:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    return sep.join(encode(keys.obj(fields, item)) for item in items)


def old_write_json(report, out) -> None:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    last = len(keys.REPORT) - 1
    out.write("{\n")
    for i, k in enumerate(keys.REPORT):
        comma = "," if i < last else ""
        if k.type != "array":
            out.write(f'  "{k.name}": {encode(k.get(report))}{comma}\n')
            continue
        out.write(f'  "{k.name}": [')
        fields = keys.ITEMS[k.name]
        n = 0
        for n, item in enumerate(k.get(report), 1):
            out.write(("\n    " if n == 1 else ",\n    ") + encode(keys.obj(fields, item)))
        out.write(("\n  ]" if n else "]") + comma + "\n")
    out.write("}\n")


# ------------------------------------------------------------------ values of every kind

# text with what a JSON text or a %-template treats specially: quotes, backslashes, line breaks,
# other control characters, ", " and ",\n", "%s", and characters outside the BMP
awkward = st.text(alphabet=st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x1f", ",", " ", "%", "s", "[",
                                            "]", "{", "}", ":", "回", "访", "😀", "\u2028", "1", "a"]), max_size=12)
texts = st.one_of(awkward, st.text(max_size=20))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-3, 3), st.floats(), texts)
# what a value the report declares as a scalar could still be when a caller gets it wrong
nested = st.one_of(st.lists(scalars, max_size=3), st.dictionaries(texts, scalars, max_size=3))
days = st.one_of(st.none(), st.dates(), st.datetimes(), texts)


@st.composite
def findings(draw, values=scalars):
    """Findings, some fields of which hold one object in every finding (a rule's source, the file)."""
    n = draw(st.integers(0, 12))
    out = []
    for _ in range(n):
        out.append(Finding(draw(st.sampled_from(sorted(RULES))), draw(values), draw(values), draw(values),
                           draw(values), draw(values), draw(values), draw(values), draw(values), draw(days),
                           draw(days), draw(values), draw(values), draw(values), draw(values), draw(values),
                           draw(days)))
    if out:
        names = [f.name for f in dataclasses.fields(out[0]) if f.name != "rule"]
        for name in draw(st.sets(st.sampled_from(names))):
            same = getattr(out[0], name)
            for f in out:
                setattr(f, name, same)
    return out


def encoded_all(fields, items, sep: str) -> str:
    return sep.encode("utf-8").join(keys.encoded(fields, items, sep)).decode("utf-8")


@settings(max_examples=400, deadline=None)
@given(findings(), st.integers(1, 5), st.sampled_from([",\n    ", ", ", "%", "%s"]))
def test_findings_are_encoded_as_one_dict_each_was(found, chunk, sep):
    was = keys.CHUNK
    keys.CHUNK = chunk
    try:
        assert encoded_all(keys.FINDING, found, sep) == old_items(keys.FINDING, found, sep)
    finally:
        keys.CHUNK = was


@settings(max_examples=200, deadline=None)
@given(findings(st.one_of(scalars, nested)), st.integers(1, 5))
def test_a_value_with_items_of_its_own_is_encoded_as_before(found, chunk):
    was = keys.CHUNK
    keys.CHUNK = chunk
    try:
        assert encoded_all(keys.FINDING, found, ",\n    ") == old_items(keys.FINDING, found, ",\n    ")
    finally:
        keys.CHUNK = was


@settings(max_examples=100, deadline=None)
@given(st.lists(st.builds(Pending, texts, texts, scalars, scalars, scalars, st.dates(), texts, texts, st.booleans()),
                max_size=8))
def test_pending_items_are_encoded_as_before(items):
    assert encoded_all(keys.PENDING, items, ",\n    ") == old_items(keys.PENDING, items, ",\n    ")


def test_the_report_of_the_example_workbooks_is_written_byte_for_byte_as_before():
    from generator.config import load_config
    from generator.validate import validate_paths
    rep = validate_paths([ROOT / "workbooks"], load_config(None), date(2025, 12, 31))
    assert rep.findings and rep.pending and rep.skipped and not rep.fixed        # every kind of list, one empty
    was = io.StringIO()
    old_write_json(rep, was)
    assert rep.to_json() == was.getvalue()



@pytest.mark.parametrize("newline", ["\r\n", "\r", None])
def test_the_report_written_to_a_text_stream_ends_its_lines_as_the_stream_does(newline):
    """A text stream opened with newline="\r\n" (a report saved for Windows Notepad) gets CR LF
    line ends like any text written to it: the report's bytes are not put under it as they are."""
    from generator.config import load_config
    from generator.validate import validate_paths
    rep = validate_paths([ROOT / "workbooks"], load_config(None), date(2025, 12, 31))
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", newline=newline)
    rep.write_json(stream)
    stream.flush()
    want = rep.to_json().replace("\n", os.linesep if newline is None else newline)
    assert raw.getvalue().decode("utf-8") == want
    assert json.loads(raw.getvalue().decode("utf-8")) == json.loads(rep.to_json())


# ------------------------------------------------------------------ identities

class Table:
    def __init__(self, name: str, key: str | None, rows: list[int], cols: dict[str, list]) -> None:
        self.spec = SimpleNamespace(name=name, key=key)
        self.rows, self.cols = rows, cols

    def col(self, name: str) -> list:
        got = self.cols.get(name)
        return got if got is not None else [None] * len(self.rows)


cells = st.one_of(st.none(), st.just(""), st.none(), st.just(""), st.booleans(), st.integers(-2, 2), st.integers(),
                  st.floats(), st.decimals(allow_nan=False), st.dates(), st.datetimes(), texts,
                  st.sampled_from(["C1", "C2"]))
# sheet name, key column, other columns (identity.RECORD_KEYS names those of the sheets without a key)
SHEETS = [("回访记录", "记录编号", ["记录编号", "客户编号", "回访时间"]),
          ("流失客户", None, ["客户编号", "流失日期", "备注"]),
          ("回访报告", None, ["报告期"]),
          ("其他", None, ["甲", "乙"])]


@st.composite
def books(draw, values=cells):
    tables = {}
    for name, key, columns in SHEETS:
        if draw(st.booleans()):
            n = draw(st.integers(0, 5))
            rows = sorted(draw(st.sets(st.integers(2, 12), min_size=n, max_size=n)))
            cols = {c: [draw(values) for _ in rows] for c in columns if draw(st.integers(0, 4))}
            tables[name] = Table(name, key, rows, cols)
    found = []
    for _ in range(draw(st.integers(0, 14))):
        sheet = draw(st.one_of(st.none(), st.sampled_from([s[0] for s in SHEETS] + ["缺少"])))
        rows = tables[sheet].rows if sheet in tables else []
        at = st.one_of(st.sampled_from(rows), st.sampled_from(rows), st.none(), st.integers(0, 14)) if rows else \
            st.one_of(st.none(), st.integers(0, 14))
        found.append(Finding(draw(st.sampled_from(["NEW001", "MTH001"])), "error", "f.xlsx", sheet, draw(at),
                             draw(st.one_of(st.none(), st.sampled_from(["客户编号", "备注"]), texts)),
                             None, draw(st.one_of(st.sampled_from(["第 1 行", "第 2 行"]), texts)),
                             cell=draw(st.one_of(st.none(), st.just(""), st.sampled_from(["A1", "B2"]), texts)),
                             due=draw(st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2025, 1, 3))))))
    unit = draw(st.one_of(st.just("营业部"), texts))
    return SimpleNamespace(book=SimpleNamespace(tables=tables), unit=unit, findings=found)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_identities_are_those_of_the_per_finding_code(result):
    assert identity.keys_of(result) == old_keys_of(result)
    twin = SimpleNamespace(book=result.book, unit=result.unit, findings=copy.deepcopy(result.findings))
    identity.assign([result])
    old_assign_keys(list(zip(twin.findings, old_keys_of(twin))))
    assert [f.id for f in result.findings] == [f.id for f in twin.findings]
    assert len({f.id for f in result.findings}) == len(result.findings)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(st.one_of(cells, st.lists(cells, max_size=2), st.dictionaries(st.sampled_from("ab"), cells))))
def test_a_key_cell_with_items_of_its_own_gives_the_identity_as_before(result):
    assert identity.keys_of(result) == old_keys_of(result)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(cells, st.lists(cells, max_size=3)), max_size=10))
def test_canonical_texts_of_many_values_at_once_are_those_of_each(values):
    got = identity._canonicals(values)
    assert got is None or got == [old_canonical(v) for v in values]
    assert canonical(values) == old_canonical(values)


# ------------------------------------------------------------------ the text report

def test_the_text_report_says_each_findings_own_fix_and_source_though_worked_out_once_a_rule():
    from generator.config import load_config
    from generator.validate import validate_paths
    from generator.validate.run import brief_source, render_text
    rep = validate_paths([ROOT / "workbooks"], load_config(None), date(2025, 12, 31))
    rule, n = Counter(f.rule for f in rep.findings).most_common(1)[0]
    assert n > 1
    one = next(f for f in rep.findings if f.rule == rule)
    one.source = "另一份依据"
    for verbose in (False, True):
        for color in (False, True):
            text = render_text(rep, color=color, verbose=verbose)
            assert text.count(f"处理：{RULES[rule].fix}") == n
            if verbose:
                other = next(f for f in rep.findings if f.rule == rule and f is not one).source
                assert text.count("依据：另一份依据") == 1 and text.count(f"依据：{other}") == n - 1
            else:
                assert text.count(f"依据：{brief_source(rule, rep.config)}") == n and "另一份依据" not in text
