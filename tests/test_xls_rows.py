"""An old .xls with a date cell no calendar holds (-1E+20): python-calamine panics on its row,
which is read with xlrd instead (generator/workbook/xls.py) and the cell reported where it is;
the rest of the workbook is read as before."""
from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from datetime import date, datetime, time

import openpyxl
import pytest
import xlwt
from hypothesis import given, settings, strategies as st
from python_calamine import CalamineWorkbook

from conftest import record
from generator.workbook import xls

DATE_FORMATS = ["yyyy-mm-dd", "yyyy-mm-dd hh:mm", "hh:mm:ss", "yyyy/m/d h:mm:ss", "[h]:mm:ss", "[mm]:ss",
                "0.00_m", '"d"0', "mm/dd;@", "[$-804]yyyy年m月d日", "h AM/PM", "a/p"]


def as_xls(src, dst, change=None) -> None:
    """The workbook at `src` (.xlsx) written as .xls with xlwt, dates in a date format;
    `change(sheet, row, column, value)` may give another value (and format) for a cell."""
    book = openpyxl.load_workbook(src)
    out = xlwt.Workbook()
    styles = {f: xlwt.easyxf(num_format_str=f) for f in DATE_FORMATS}
    for ws in book.worksheets:
        sheet = out.add_sheet(ws.title)
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for c, v in enumerate(row):
                fmt = "yyyy-mm-dd hh:mm" if isinstance(v, datetime) else "yyyy-mm-dd" if isinstance(v, date) else None
                if change:
                    v, fmt = change(ws.title, r, c, v, fmt)
                if v is None:
                    continue
                sheet.write(r, c, v, styles[fmt]) if fmt else sheet.write(r, c, v)
    out.save(str(dst))


def validate(path):
    r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", str(path), "--as-of", "2025-06-30",
                        "--format", "json"], capture_output=True, text=True, timeout=180)
    return r


def test_a_date_cell_of_minus_1e20_in_an_xls_is_reported_at_its_cell(book, tmp_path):
    for n in range(2, 6):
        book.sheets["回访记录"].append(record(记录编号=f"R{n:04d}"))
    src = book.write()
    header = [c.value for c in openpyxl.load_workbook(src)["回访记录"][1]]
    col = header.index("回访时间")
    bad = {2: -1e20, 4: -1e15}          # 0-based rows: Excel rows 3 and 5

    def change(sheet, r, c, v, fmt):
        if sheet == "回访记录" and c == col and r in bad:
            return bad[r], "yyyy-mm-dd"
        return v, fmt
    good, broken = tmp_path / "good.xls", tmp_path / "broken.xls"
    as_xls(src, good)
    as_xls(src, broken, change)
    letter = openpyxl.utils.get_column_letter(col + 1)

    r = validate(broken)
    assert r.returncode == 1, r.stderr
    assert "已损坏" not in r.stderr and "Traceback" not in r.stderr and "panicked" not in r.stderr
    found = json.loads(r.stdout)["findings"]
    data003 = [(f["cell"], f["message"]) for f in found if f["rule"] == "DATA003"]
    assert data003 == [(f"{letter}3", "数值 -1E+20 不是任何日历能表示的日期，未读取；请改正"),
                       (f"{letter}5", "数值 -1000000000000000 不是任何日历能表示的日期，未读取；请改正")]
    # the other cells of those rows are read: the records keep their customer and their type
    assert {f["customer"] for f in found if f["rule"] == "DATA003"} == {record()["客户编号"]}
    clean = json.loads(validate(good).stdout)["findings"]
    others = [(f["rule"], f["cell"], f["message"]) for f in found if f["rule"] != "DATA003"]
    # the records without a time no longer count as callbacks; nothing else differs
    assert set(others) >= {(f["rule"], f["cell"], f["message"]) for f in clean}


def test_a_panicking_row_xlrd_cannot_read_either_is_skipped_and_named(book, tmp_path):
    """xlrd refuses some damage python-calamine reads past (a cell format beyond the table of
    formats, xlrd issue 291): the row is left out and named, the rest read."""
    src = book.write()
    header = [c.value for c in openpyxl.load_workbook(src)["回访记录"][1]]
    col = header.index("回访时间")
    p = tmp_path / "broken.xls"
    as_xls(src, p, lambda sheet, r, c, v, fmt: (-1e20, "yyyy-mm-dd") if (sheet, r, c) == ("回访记录", 1, col)
           else (v, fmt))
    data = bytearray(p.read_bytes())
    at = data.find(struct.pack("<d", -1e20))
    rk = data.find(struct.pack("<HHH", 0x027E, 10, 1), at)       # 拨打次数 of that row, an RK record
    assert at > 0 and rk > 0
    struct.pack_into("<H", data, rk + 8, 0x0FFF)
    p.write_bytes(bytes(data))
    r = validate(p)
    assert r.returncode == 1, r.stderr
    found = [(f["rule"], f["row"], f["message"]) for f in json.loads(r.stdout)["findings"] if f["rule"] == "DATA003"]
    assert found == [("DATA003", 2, "第 2 行有设成日期格式的单元格写着日历上没有的数（如 -1E+20），这一行无法读取，"
                                    "已跳过；请改正这一行")]


def test_panic_reports_are_held_back_whatever_rust_backtrace_says():
    from generator.workbook.reader import _without_panics
    full = ("thread '<unnamed>' (30503) panicked at /root/.cargo/chrono/src/lib.rs:717:17:\n"
            "TimeDelta::milliseconds out of bounds\nstack backtrace:\n   0: __rustc::rust_begin_unwind\n"
            "             at /tmp/x.c:426:24\nnote: Some details are omitted, run with `RUST_BACKTRACE=full`.\n")
    short = ("thread '<unnamed>' panicked at /root/.cargo/chrono/src/lib.rs:717:17:\n"
             "TimeDelta::milliseconds out of bounds\n")
    note = "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
    old = "thread '<unnamed>' panicked at 'out of bounds', src/lib.rs:1:1\n"
    assert _without_panics("一行别的提示\n" + full * 3 + short + note + short + old + "最后一行\n") \
        == "一行别的提示\n最后一行\n"
    # as python-calamine writes them: each report after a line break of its own
    assert _without_panics(("\n" + short) * 1000 + note + "其他库的警告\n") == "其他库的警告\n"


def test_xlrds_workbook_is_let_go_with_the_collector_off(book, tmp_path):
    """xlrd's book and sheets refer to each other; a worker of the process pool reads with the
    cyclic collector off, so the workbook must be let go of explicitly (Rows.close)."""
    import gc
    import xlrd
    from generator.workbook.reader import read_workbook
    src = book.write()
    col = [c.value for c in openpyxl.load_workbook(src)["回访记录"][1]].index("回访时间")
    p = tmp_path / "broken.xls"
    as_xls(src, p, lambda sheet, r, c, v, fmt: (-1e20, "yyyy-mm-dd") if (sheet, r, c) == ("回访记录", 1, col)
           else (v, fmt))
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            got = read_workbook(p)
            assert [(x.rule, x.row, x.column) for x in got.problems] == [("DATA003", 2, "回访时间")]
        alive = sum(isinstance(o, xlrd.book.Book) for o in gc.get_objects())
    finally:
        gc.enable()
    assert alive == 0


def test_a_format_of_the_files_own_under_a_built_in_number_is_read_as_the_cell_reader_reads_it(tmp_path):
    """A FORMAT record may redefine a built-in number (the Chinese dates 27-36, 50-58): the cell
    reader then goes by its code, and so does xls.Rows."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet("S")
    style = xlwt.easyxf(num_format_str='yyyy"年"m"月"d"日"')
    ws.write(0, 0, 45000, style)
    ws.write(0, 1, 45000.5, style)
    p = tmp_path / "f.xls"
    wb.save(str(p))
    data = bytearray(p.read_bytes())
    pos = data.find(b"\x09\x08")              # the workbook stream's BOF: its records up to EOF
    while pos < len(data) - 4:
        rid, length = struct.unpack_from("<HH", data, pos)
        if rid == 0x041E and struct.unpack_from("<H", data, pos + 4)[0] == 164:          # FORMAT
            struct.pack_into("<H", data, pos + 4, 31)
        if rid == 0x00E0 and struct.unpack_from("<H", data, pos + 6)[0] == 164:          # XF
            struct.pack_into("<H", data, pos + 6, 31)
        if rid == 0x000A:
            break
        pos += 4 + length
    p.write_bytes(bytes(data))
    expected = CalamineWorkbook.from_path(str(p)).get_sheet_by_name("S").to_python()[0]
    assert expected == [date(2023, 3, 15), datetime(2023, 3, 15, 12)]
    assert xls.Rows(p, "S").row(0, 0, 2) == (expected, {})


def test_nan_in_a_date_cell_is_what_the_cell_reader_makes_of_it():
    assert xls.cell_value(float("nan"), xls.DATETIME) == datetime(1899, 12, 30)
    assert math.isnan(xls.cell_value(float("nan"), ""))


def test_an_xls_that_cannot_be_read_still_says_so(tmp_path):
    p = tmp_path / "坏.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    r = validate(p)
    assert r.returncode == 2 and "坏.xls" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------ xlrd's rows are python-calamine's

cells = st.one_of(
    st.tuples(st.just("date"), st.one_of(st.floats(-693593, 2958465.99), st.floats()),
              st.sampled_from(DATE_FORMATS)),
    st.tuples(st.just("number"), st.one_of(st.integers(-2 ** 31, 2 ** 31), st.floats()), st.none()),
    st.tuples(st.just("text"), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8), st.none()),
    st.tuples(st.just("bool"), st.booleans(), st.none()),
    st.tuples(st.just("blank"), st.none(), st.none()),
)


def _same(v):
    if type(v) is float and math.isnan(v):
        return "nan"
    return float(v) if type(v) in (int, float) else v


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=5), min_size=1, max_size=4),
       start=st.integers(0, 2), date1904=st.booleans())
def test_xlrd_rows_are_the_cell_readers_rows(tmp_path_factory, rows, start, date1904):
    wb = xlwt.Workbook()
    wb.dates_1904 = date1904
    ws = wb.add_sheet("S")
    for r, row in enumerate(rows):
        for c, (kind, v, fmt) in enumerate(row):
            if kind == "blank" or (kind == "text" and v == ""):
                continue
            if fmt:
                ws.write(r, c + start, v, xlwt.easyxf(num_format_str=fmt))
            else:
                ws.write(r, c + start, v)
    p = tmp_path_factory.mktemp("xls") / "t.xls"
    wb.save(str(p))
    sheet = CalamineWorkbook.from_path(str(p)).get_sheet_by_name("S")
    col0 = sheet.start[1] if sheet.start else 0
    got = xls.Rows(p, "S")
    it = sheet.iter_rows()
    for r in range(sheet.end[0] + 1 if sheet.end else 0):
        row, bad = got.row(r, col0, sheet.width)
        try:
            expected = next(it)
        except BaseException:       # a panic, or a duration Python cannot hold: left out, named
            assert bad, (r, rows)
            continue
        assert bad == {}
        assert [_same(v) for v in row] == [_same(v) for v in expected], (r, rows)


@pytest.mark.parametrize("v, expected", [
    (0.25, time(6)), (-2.5, time(12)), (1, date(1900, 1, 1)), (59.5, datetime(1900, 2, 28, 12)),
    (60, date(1900, 2, 28)), (61, date(1900, 3, 1)), (45000.5, datetime(2023, 3, 15, 12)),
    (2958465, date(9999, 12, 31)), (2958466, 2958466), (-1e11, -1e11), (-700000, time(0)), (-1e12, None),
    (-1e20, None), (float("-inf"), None)])
def test_serial_values(v, expected):
    assert xls.serial_value(v) == expected
