"""A number in a date format that is no date the columnar parser's calendar holds (about 9.6E+7
days and beyond: a phone number typed into a date cell, 1E+9) is read as the row reader reads it,
the number, and reported as no date at its cell. fastexcel reads such a cell as blank: a required
date column used to say "必填项为空" there, an optional one nothing at all."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpus
import synth
from generator.workbook import inspect as I
from generator.workbook import parts as parts_mod
from generator.workbook import reader
from conftest import record
from test_columnar import same_both_ways


_number = corpus.number


def _changed(book, tmp_path, name, *changes):
    """The unit with 回访记录's XML changed by each of `changes`."""
    return corpus.rewrite_sheet(book.write(), tmp_path / name, "回访记录", *changes)


ROOT = Path(__file__).resolve().parents[1]


def _findings(path, **env):
    r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", str(path), "--as-of", "2025-06-30",
                        "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=180,
                       env={**os.environ, **env})
    assert r.returncode in (0, 1) and r.stderr == "", r.stderr
    return [(f["rule"], f["cell"], f["message"]) for f in json.loads(r.stdout)["findings"]]


@pytest.mark.parametrize("v, shown", [("13800000001", "13800000001"), ("1E+9", "1000000000"),
                                      ("1.38e10", "13800000000"), ("99999999", "99999999"),
                                      ("+0000013800000001", "13800000001"), ("inf", "inf"), ("1.38E10", "13800000000")])
def test_a_phone_number_in_a_required_date_cell_is_no_date_not_a_blank(book, tmp_path, monkeypatch, v, shown):
    path = _changed(book, tmp_path, "phone.xlsx", _number("F2", v.encode()))
    assert _findings(path) == [("DATA003", "F2", f"回访时间：“{shown}”不是日期")]
    assert "回访记录" in same_both_ways(path, monkeypatch)       # and the columnar path read it


def test_a_phone_number_in_an_optional_date_cell_is_reported(book, tmp_path, monkeypatch):
    """意见处理日期 is optional: the cell read as blank was no finding at all."""
    put = lambda d: d.replace(b'<c r="AY2"', b'<c r="AS2" s="2"><v>13800000001</v></c><c r="AY2"', 1)  # noqa: E731
    path = _changed(book, tmp_path, "optional.xlsx", put)
    assert _findings(path) == [("DATA003", "AS2", "意见处理日期：“13800000001”不是日期")]
    assert "回访记录" in same_both_ways(path, monkeypatch)


@pytest.mark.parametrize("v", ["13800000001 ", "13800000_001", "nan", "NaN", "-13800000001"])
def test_what_the_cell_reader_does_not_read_as_a_big_number_reads_alike_both_ways(book, tmp_path, monkeypatch, v):
    """Text to the cell reader (white space, an underscore: Python's float() would take it) is
    not put back as a number; nan is put back as what the row reader makes of it (fastexcel:
    midnight)."""
    path = _changed(book, tmp_path, "text.xlsx", _number("F2", v.encode()))
    assert "回访记录" in same_both_ways(path, monkeypatch)


def test_a_cell_written_twice_reads_as_its_last(book, tmp_path, monkeypatch):
    """Both readers keep the last of two cells with one reference: a date after the phone number
    is not replaced by it (helper 40)."""
    put = lambda d: re.sub(rb'<c r="F2"[^>]*>.*?</c>', b'<c r="F2" s="3"><v>13800000001</v></c>'  # noqa: E731
                           b'<c r="F2" s="3"><v>45810.5</v></c>', d)
    path = _changed(book, tmp_path, "twice.xlsx", put)
    same_both_ways(path, monkeypatch)


@pytest.mark.parametrize("split", ["0", "1"], ids=["整表", "分段"])
def test_in_a_column_outside_the_contract(book, tmp_path, monkeypatch, split):
    """A column the contract does not name (kept beside the table) gets the number too; its blank
    is "" (helper 41)."""
    for n in range(3, 30):
        book.sheets["回访记录"].append(record(记录编号=f"R{n:04d}"))

    head = '<c r="BE1" t="inlineStr"><is><t>备注日期</t></is></c></row>'.encode()

    def put(d):
        d = re.sub(rb'(<row r="1"[^>]*>.*?)</row>', lambda m: m.group(1) + head, d, count=1)
        return re.sub(rb'(<row r="2"[^>]*>.*?)</row>', rb'\1<c r="BE2" s="3"><v>13800000001</v></c></row>', d, count=1)
    path = _changed(book, tmp_path, "extra.xlsx", put)
    monkeypatch.setenv(parts_mod.SPLIT_ENV, split)
    assert reader.read_workbook(path).tables["回访记录"].extra["备注日期"][0] == 13800000001.0
    assert "回访记录" in same_both_ways(path, monkeypatch)


def test_a_far_cell_holding_such_a_number_keeps_the_sheet_columnar(book, tmp_path, monkeypatch):
    """A cell far from the data is left out (DATA009) by both readers: its number is no reason to
    read the whole sheet by rows (helper 41)."""
    put = lambda d: d.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="3"><v>13800000001</v></c>'  # noqa: E731
                                               b"</row></sheetData>")
    path = _changed(book, tmp_path, "far.xlsx", put)
    assert [f[:2] for f in _findings(path)] == [("DATA009", "XFD1048576")]
    assert "回访记录" in same_both_ways(path, monkeypatch)


def test_a_value_tag_with_attributes(book, tmp_path, monkeypatch):
    put = lambda d: re.sub(rb'(<c r="F2"[^>]*>)<v>[^<]*</v>', rb'\1<v xml:space="preserve">13800000001</v>', d)  # noqa: E731
    path = _changed(book, tmp_path, "space.xlsx", put)
    assert _findings(path) == [("DATA003", "F2", "回访时间：“13800000001”不是日期")]
    assert "回访记录" in same_both_ways(path, monkeypatch)


@pytest.mark.parametrize("split", ["0", "1"], ids=["整表", "分段"])
def test_a_row_holding_only_such_a_number_reads_as_the_row_reader_reads_it(book, tmp_path, monkeypatch, split):
    """fastexcel reads the row as blank; it is kept, and the sheet still read by columns (helper 40:
    one such row sent a sheet of 100,000 records to the row reader, twice as slow)."""
    for n in range(3, 60):
        book.sheets["回访记录"].append(record(记录编号=f"R{n:04d}"))
    put = lambda d: re.sub(rb'<row r="40".*?</row>', b'<row r="40"><c r="F40" s="3"><v>13800000001</v></c></row>', d)  # noqa: E731
    path = _changed(book, tmp_path, "alone.xlsx", put)
    found = _findings(path)
    assert ("DATA003", "F40", "回访时间：“13800000001”不是日期") in found
    assert found == _findings(path, HUIFANG_READER="rows")
    monkeypatch.setenv(parts_mod.SPLIT_ENV, split)
    assert "回访记录" in same_both_ways(path, monkeypatch)


@pytest.mark.parametrize("split", ["1", "0"], ids=["分段", "整表"])
def test_in_a_large_sheet_read_in_parts(tmp_path, monkeypatch, split):
    """In the second part of a sheet parsed in parts, as in the sheet parsed whole."""
    src = tmp_path / "大型.xlsx"
    synth.write_workbook(src, synth.large_sheets(3000, 600))
    path = corpus.rewrite_sheet(src, tmp_path / "big.xlsx", "回访记录", _number("F2700", b"-1.5E+8"),
                                _number("F2500", b"13800000001"))
    monkeypatch.setenv(parts_mod.SPLIT_ENV, split)
    assert [(p.rule, p.row, p.column, p.message) for p in reader.read_workbook(path).problems] == [
        ("DATA003", 2500, "回访时间", "回访时间：“13800000001”不是日期"),
        ("DATA003", 2700, "回访时间", "回访时间：“-150000000”不是日期")]
    assert "回访记录" in same_both_ways(path, monkeypatch)


def _stretch_big(xml: bytes, kinds: list[bool]):
    import numpy as np
    I._numpy()
    return I._stretch(b"", xml, len(xml), False, b"", None, True, np.array(kinds, bool)).big


DATES = [False, False, True]        # cell format 2 is a date


@pytest.mark.parametrize("cell, found", [
    (b'<c r="F2" s="2"><v>13800000001</v></c>', [("F2", "13800000001")]),
    (b'<c r="F2" s = \'2\'><v>-1E+20</v></c>', [("F2", "-1E+20")]),           # spaced, single quotes
    (b'<c r="F2" s="2"><f t="shared" si="0"/><v>13800000001</v></c>', [("F2", "13800000001")]),   # a formula's
    (b'<c s="2"><v>13800000001</v></c>', [(None, "13800000001")]),          # no reference
    (b'<c r="F2" s="1"><v>13800000001</v></c>', []),                       # not a date format
    (b'<c r="F2"><v>13800000001</v></c>', []),                             # no format: format 0
    (b'<c r="F2" s="2" t="s"><v>13800000001</v></c>', []),                  # a shared string's number
    (b'<c r="F2" s="2" t="str"><v>13800000001</v></c>', []),                # text
    (b'<c r="F2" s="2"><v>45810.416666666664</v></c>', []),                 # a date
    (b'<c r="F2" s="2"><v>1.5E-05</v></c>', []),
])
def test_the_sweep_finds_the_number_cells_in_a_date_format(cell, found):
    assert _stretch_big(b"<row r=\"2\">" + cell + b"</row>", DATES) == found


def test_many_such_values_are_told_apart_at_once():
    """A column of phone numbers (in no date format) beside a few in a date format: over 64 of
    them, the tags are looked at with numpy first."""
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"><v>138%08d</v></c><c r="B%d" s="%d"><v>1380000%04d</v></c></row>'
                    % (r, r, r, r, 2 if r % 50 == 0 else 1, r) for r in range(1, 400))
    assert _stretch_big(rows, DATES) == [(f"B{r}", f"1380000{r:04d}") for r in range(50, 400, 50)]


def test_many_numbers_and_a_long_formula_at_the_stretchs_end():
    """Over 64 picked values and one cell with a long formula: the search of each cell's tag ran
    as far as the longest, past the stretch's padding for the last cells (an IndexError failed
    the whole file, helper 40)."""
    first = (b'<row r="1"><c r="A1" s="2"><f>VALUE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(H2,"+86",""),"-",""),'
             b'" ",""))</f><v>13800000001</v></c></row>')
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"><v>138%08d</v></c></row>' % (r, r, r) for r in range(2, 80))
    assert _stretch_big(first + rows, DATES) == [("A1", "13800000001")]


def test_a_long_format_number_over_64_values():
    rows = b"".join(b'<row r="%d"><c r="A%d" s="0000002"><v>138%08d</v></c></row>' % (r, r, r) for r in range(1, 80))
    assert len(_stretch_big(rows, DATES)) == 79


def test_an_upper_case_e_in_quotes_is_no_error_value():
    """The exponent search takes 'E' too; the search for error values (t="e") still only 'e':
    a formula comparing with "E" on every row sent every stretch through the slow search."""
    import numpy as np
    I._numpy()
    xml = b'<row r="2"><c r="I2"><f>IF(C2="E",1,2)</f><v>1</v></c></row>'
    assert not I._stretch(b"", xml, len(xml), False, b"", None, True, np.array(DATES, bool)).errors


def _sheet(path, values):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "回访记录"
    ws.append(["记录编号", "回访时间", "报告日期"])
    for k, (v, w) in enumerate(values):
        ws.append([f"R{k:04d}", v, w])
        ws.cell(k + 2, 2).number_format = "yyyy-mm-dd hh:mm"
        ws.cell(k + 2, 3).number_format = "yyyy-mm-dd"
    wb.create_sheet("客户").append(["客户编号", "客户名称"])
    wb.create_sheet("人员").append(["工号", "姓名"])
    wb.save(path)
    return path


NUMBERS = st.one_of(st.floats(-1e11, 1e16, allow_nan=False), st.integers(-10**11, 10**15),
                    st.floats(1, 80000), st.none())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NUMBERS, NUMBERS), min_size=1, max_size=8))
def test_any_number_in_a_date_format_reads_the_same_both_ways(tmp_path_factory, monkeypatch, values):
    path = _sheet(tmp_path_factory.mktemp("d") / "dates.xlsx", values)
    same_both_ways(path, monkeypatch)
