"""Reading what real programs and staff write: no crash, no false finding.

Each case is a workbook as another program (or a hurried colleague) writes it, made from a
clean one; each asserts what the user sees: the same findings as the clean file, a finding at
the right cell, or one Chinese line naming the file and part with exit status 2."""
from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

import corpus
from conftest import record

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"


def run(*args, limit_bytes=None, timeout=180):
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, preexec_fn=limit)


def report(path, as_of="2025-12-31", **kw):
    r = run("validate", path, "--as-of", as_of, "--format", "json", **kw)
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


def where(rep) -> list:
    return sorted((f["rule"], f["sheet"], f["cell"], f["customer"]) for f in rep["findings"])


@pytest.fixture(scope="module")
def example_findings():
    return where(report(EXAMPLE))


# ------------------------------------------------------------------ other programs' files read alike

@pytest.mark.parametrize("maker", [corpus.strict, corpus.backslashes, corpus.moved_workbook, corpus.prefixed],
                         ids=["strict", "backslashes", "moved-workbook", "x-prefix"])
def test_other_writers_give_the_same_findings(maker, tmp_path, example_findings):
    variant = maker(EXAMPLE, tmp_path / "variant.xlsx")
    assert where(report(variant)) == example_findings


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_libreoffice_conversions_give_the_same_findings(fmt, tmp_path, example_findings):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if __import__("os").environ.get("HUIFANG_REQUIRE_SOFFICE"):
            pytest.fail("LibreOffice（soffice）未安装")
        pytest.skip("LibreOffice（soffice）未安装")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", fmt,
                    "--outdir", str(tmp_path), str(EXAMPLE)], capture_output=True, timeout=300)
    converted = tmp_path / f"示例营业部.{fmt}"
    assert converted.is_file()
    assert where(report(converted)) == example_findings
    renamed = tmp_path / "改了扩展名.xlsx"           # named .xlsx, read by its content
    shutil.copy(converted, renamed)
    rep = report(renamed)
    assert where(rep) == example_findings
    text = run("validate", converted, "--as-of", "2025-12-31").stdout
    assert "无法区分公式出错" in text                  # what this format cannot show, said once
    assert text.count("无法区分公式出错") == 1


def test_a_cached_empty_string_is_a_value_and_an_uncached_formula_is_not(book, tmp_path):
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]

    def change(name, data):
        if name == part:
            # 客户意见 (=IF(…,"") as Excel stores it) and 遗留问题 (a formula with no result)
            data = data.replace(b"</row>", b'<c r="AZ2" t="str"><f>IF(1,"")</f><v></v></c></row>', 1)
        return data
    p = corpus.rewrite(src, tmp_path / "formula.xlsx", change)
    assert [f for f in report(p, "2025-06-30")["findings"] if f["rule"] == "DATA003"] == []


def test_an_error_cell_in_a_prefixed_sheet_is_found(book, tmp_path):
    src = book.write()
    part = corpus.sheet_parts(src)["客户"]
    p = corpus.rewrite(src, tmp_path / "err.xlsx", lambda n, d: re.sub(
        rb'<c r="T2"[^>]*>.*?</c>', b'<c r="T2" t="e"><f>1/0</f><v>#DIV/0!</v></c>', d) if n == part else d)
    q = corpus.prefixed(p, tmp_path / "err-x.xlsx")
    found = [f for f in report(q, "2025-06-30")["findings"] if f["rule"] == "DATA003"]
    assert [(f["cell"], "#DIV/0!" in f["message"]) for f in found] == [("T2", True)]


def test_plain_date_serials_of_a_1904_workbook(book, tmp_path):
    src = book.write()
    wb = openpyxl.load_workbook(src)
    ws = wb["客户"]
    col = [c.value for c in ws[1]].index("开户日期") + 1
    ws.cell(2, col).value = 44000 - 1462          # 2020-06-19 counted from 1904-01-01
    ws.cell(2, col).number_format = "General"
    wb.save(tmp_path / "plain.xlsx")
    p = corpus.date1904(tmp_path / "plain.xlsx", tmp_path / "1904.xlsx")
    from generator.workbook.reader import read_workbook
    assert read_workbook(p)["客户"].col("开户日期") == [date(2020, 6, 18)]


@pytest.mark.parametrize("spelling", ["*回访时间", "＊回访时间", "回访时间*", "回访时间（必填）", "回访时间(必填)",
                                      "回访时间：", "回访 时间", "回访\u3000时间", "回访\u200b时间", "\ufeff回访时间",
                                      "回访\n时间", " 回访时间 （选填）"])
def test_header_spellings_staff_type(book, tmp_path, spelling):
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    from xml.sax.saxutils import escape
    p = corpus.rewrite(src, tmp_path / "h.xlsx", lambda n, d: d.replace(
        "<t>回访时间</t>".encode(), f"<t xml:space=\"preserve\">{escape(spelling)}</t>".encode())
        if n in (part, "xl/sharedStrings.xml") else d)
    assert report(p, "2025-06-30")["findings"] == []


# ------------------------------------------------------------------ damaged and hostile parts

def test_a_damaged_sheet_is_one_line_naming_the_part(book, tmp_path):
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    p = corpus.flip_byte(src, tmp_path / "crc.xlsx", part)
    r = run("validate", p, "--as-of", "2025-06-30")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and str(p) in r.stderr and part in r.stderr


def test_a_damaged_part_huifang_does_not_need_is_left_alone(book, tmp_path):
    src = book.write()
    p = corpus.flip_byte(src, tmp_path / "props.xlsx", "docProps/core.xml")
    assert report(p, "2025-06-30")["findings"] == []


def test_a_doctype_after_the_first_4_kb_is_refused(book, tmp_path):
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    bomb = b'<!--' + b"x" * 8000 + b'--><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    p = corpus.rewrite(src, tmp_path / "late.xlsx", lambda n, d: d.replace(b"?>", b"?>" + bomb, 1) if n == part else d)
    r = run("validate", p, "--as-of", "2025-06-30")
    assert r.returncode == 2 and "实体声明" in r.stderr and part in r.stderr


def test_a_date_cell_of_minus_1e20_is_not_a_crash(book, tmp_path):
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    p = corpus.rewrite(src, tmp_path / "huge.xlsx", lambda n, d: re.sub(
        rb'(<c r="F2"[^>]*>)<v>[^<]*</v>', rb"\1<v>-1E+20</v>", d) if n == part else d)
    r = run("validate", p, "--as-of", "2025-06-30", "--format", "json")
    assert r.returncode == 1 and r.stderr == ""
    found = [(f["rule"], f["cell"]) for f in json.loads(r.stdout)["findings"]]
    assert found == [("DATA003", "F2")]              # reported at its cell, the rest of the sheet read


def test_a_text_cell_of_digits_beside_a_minus_1e20_date_keeps_its_value(book, tmp_path):
    """Only number cells in a date format are left out of the second read: a 录音编号 written
    as an inline string of digits (openpyxl, Apache POI) is text, whatever number it reads as."""
    p = corpus.rewrite_sheet(book.write(), tmp_path / "huge.xlsx", "回访记录", _number("F2", b"-1E+20"),
                             _cell("K2", b'<c r="K2" t="inlineStr"><is><t>13800000001</t></is></c>'))
    r = run("validate", p, "--as-of", "2025-06-30", "--format", "json")
    assert r.returncode == 1 and r.stderr == ""
    found = [(f["rule"], f["cell"]) for f in json.loads(r.stdout)["findings"]]
    assert found == [("DATA003", "F2")]


def _one_cell(book, tmp_path, name, *changes, styles=None):
    """The findings of the unit with 回访记录's XML changed by each of `changes`, and styles.xml by `styles`."""
    p = corpus.rewrite_sheet(book.write(), tmp_path / name, "回访记录", *changes, styles=styles)
    r = run("validate", p, "--as-of", "2025-06-30", "--format", "json")
    assert r.returncode == 1 and r.stderr == "", r.stderr
    return [(f["rule"], f["cell"], f["message"]) for f in json.loads(r.stdout)["findings"]]


_cell, _number = corpus.cell, corpus.number       # changes of a sheet's XML


def _no_calendar(ref: str, v: str):
    return ("DATA003", ref, f"数值 {v} 不是任何日历能表示的日期，未读取；请改正")


SPILL = _cell("F2", b'<c r="F2" s="3" t="e"><f>SEQUENCE(3)</f><v>#SPILL!</v></c>')
DAMAGED = "（文件已损坏），未读取；请在 Excel 或 WPS 中重新填写"
SPILL_FOUND = ("DATA003", "F2", "单元格是错误值 #SPILL!（通常是公式出错），请改正后再填")


@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#BUSY!", "#GETTING_DATA"])
def test_an_excel_365_error_value_is_reported_at_its_cell(book, tmp_path, error):
    """Excel 365 writes errors the cell reader does not know (dynamic arrays: #SPILL!); it used
    to fail the whole sheet."""
    found = _one_cell(book, tmp_path, "spill.xlsx", _cell(
        "F2", b'<c r="F2" s="3" t="e"><f>SEQUENCE(3)</f><v>' + error.encode() + b"</v></c>"))
    assert found == [("DATA003", "F2", f"单元格是错误值 {error}（通常是公式出错），请改正后再填")]


@pytest.mark.parametrize("code", ["[h]", '[m]"分钟"', "[ss]", "a/p"])
def test_a_huge_number_in_a_duration_format_is_reported_at_its_cell(book, tmp_path, code):
    """Formats of elapsed time alone ([h]) and a/p are dates to the cell reader (calamine's
    formats.rs, ported in xls.custom_format_kind): -1E+20 in one used to fail the sheet."""
    attr = code.replace('"', "&quot;").encode()
    found = _one_cell(book, tmp_path, "h.xlsx", _number("F2", b"-1E+20"),
                      styles=lambda d: d.replace(b'formatCode="yyyy-mm-dd hh:mm"', b'formatCode="' + attr + b'"'))
    assert found == [_no_calendar("F2", "-1E+20")]


@pytest.mark.parametrize("changes, expected", [
    # Excel writes 17 significant digits: the value is judged whole, not its first 20 characters
    ((_number("F2", b"-1.2345678901234567E+20"),), [_no_calendar("F2", "-1.2345678901234567E+20")]),
    ((_cell("I2", b'<c r="I2" t="n"><v> 5 </v></c>'),),
     [("DATA003", "I2", "单元格标为数字，内容“ 5 ”却不是数字，未读取；请改正")]),
    ((_cell("F2", b'<c r="F2" s="3" t="d"><v>0000-06-01T00:00:00</v></c>'),),
     [("DATA003", "F2", "回访时间：“0000-06-01T00:00:00”不是有效的日期")]),
    # beside a cell that fails the sheet, only what the cell reader cannot convert is left out of
    # the second read: 13800000001 in a date format is read as a number, as without the -1E+20
    ((_number("F2", b"-1E+20"), _cell("K2", b'<c r="K2" s="3"><v>13800000001</v></c>')),
     [_no_calendar("F2", "-1E+20")]),
    ((SPILL, _cell("I2", b'<c r="I2" t="n"><v></v></c>')), [SPILL_FOUND]),      # empty: read as a blank
    # the second read is by rows, and python-calamine's rows refuse t="b" with 1.0
    ((SPILL, _cell("I2", b'<c r="I2" t="b"><v>1.0</v></c>')),
     [SPILL_FOUND, ("DATA003", "I2", "单元格标为逻辑值，内容“1.0”却不是，未读取；请改正")]),
], ids=["long", "t-n-text", "year-0", "phone-beside", "empty-beside", "bool-beside"])
def test_a_cell_the_cell_reader_cannot_convert_is_reported_at_its_cell(book, tmp_path, changes, expected):
    assert _one_cell(book, tmp_path, "one.xlsx", *changes) == expected


def _strings_book(tmp_path, rows: int = 40):
    """A unit written by xlsxwriter (a shared strings table): 回访记录 with `rows` records."""
    import xlsxwriter
    src = tmp_path / "sst.xlsx"
    wb = xlsxwriter.Workbook(src)
    ws = wb.add_worksheet("回访记录")
    for j, name in enumerate(["记录编号", "客户编号", "回访类型"]):
        ws.write_string(0, j, name)
    for r in range(1, rows + 1):
        ws.write_string(r, 0, f"R{r:04d}")
        ws.write_string(r, 2, "存量回访")
    wb.add_worksheet("客户").write_string(0, 0, "客户编号")
    wb.add_worksheet("人员").write_string(0, 0, "工号")
    wb.close()
    return src


def _string_index(src, out, ref: str, index: bytes):
    return corpus.rewrite_sheet(src, out, "回访记录", lambda d: re.sub(
        rb'(<c r="' + ref.encode() + rb'"[^>]*>)<v>\d+</v>', rb"\1<v>" + index + b"</v>", d))


def test_a_shared_string_past_the_table_is_reported_and_the_others_read(tmp_path):
    """A cell pointing one past the table fails the sheet in the cell reader: below the rows a
    header may be in, it is reported at its cell and the rest read (the sheet used to be refused)."""
    from generator.workbook.reader import read_workbook
    src = _strings_book(tmp_path)
    strings = len(set(["记录编号", "客户编号", "回访类型", "存量回访", "工号"] + [f"R{r:04d}" for r in range(1, 41)]))
    book = read_workbook(_string_index(src, tmp_path / "bad.xlsx", "C35", str(strings).encode()))
    assert [(x.row, x.column, x.message) for x in book.problems if x.rule == "DATA003"] == [
        (35, "回访类型", f"单元格指向编号 {strings} 的共享文字，而共享文字表只有 {strings} 项" + DAMAGED)]
    assert book.tables["回访记录"].col("回访类型")[33:] == [None] + ["存量回访"] * 6
    last = read_workbook(_string_index(src, tmp_path / "last.xlsx", "C35", str(strings - 1).encode()))
    assert not [x for x in last.problems if x.rule == "DATA003"]         # the last string reads


@pytest.mark.parametrize("ref, index", [("C3", b"99"), ("A1", b"99")], ids=["数据", "表头"])
def test_a_shared_string_past_the_table_where_the_header_may_be_refuses_the_sheet(tmp_path, ref, index):
    """In the first 30 rows the header may be among the damaged cells: the sheet is refused, as
    the cell reader refuses it, rather than read without its header."""
    p = _string_index(_strings_book(tmp_path), tmp_path / "head.xlsx", ref, index)
    r = run("validate", p, "--as-of", "2025-06-30")
    assert r.returncode == 2 and "回访记录" in r.stderr and "已损坏" in r.stderr and "Traceback" not in r.stderr


def test_shared_string_cells_without_a_table_refuse_the_sheet(book, tmp_path):
    """No table at all (this unit writes inline strings): every t="s" cell points past it. It
    used to be read as sheets without a header (every cell left out) - helper 41."""
    p = corpus.rewrite_sheet(book.write(), tmp_path / "nosst.xlsx", "回访记录", lambda d: re.sub(
        rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>[^<]*</t></is></c>', rb'<c r="\1" t="s"><v>0</v></c>', d))
    r = run("validate", p, "--as-of", "2025-06-30")
    assert r.returncode == 2 and "已损坏" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("index", [b"x", b"1E30", b"18446744073709551616", b"-1"])
def test_a_shared_string_index_the_cell_reader_reads_as_0_reads_alike_beside_a_bad_cell(tmp_path, index):
    """An index that is no number it holds the cell reader reads as string 0: so it is read
    whether or not another cell of the sheet fails it (helper 41)."""
    from generator.workbook.reader import read_workbook
    src = _strings_book(tmp_path)
    alone = _string_index(src, tmp_path / "alone.xlsx", "C35", index)
    beside = corpus.rewrite_sheet(alone, tmp_path / "beside.xlsx", "回访记录", corpus.cell(
        "C36", b'<c r="C36" t="e"><v>#SPILL!</v></c>'))
    assert any("#SPILL!" in x.message for x in read_workbook(beside).problems)     # it fails the sheet
    got = [[(x.rule, x.message) for x in read_workbook(p).problems
            if x.row == 35 and x.column == "回访类型"] for p in (alone, beside)]
    assert got[0] == got[1] and got[0][0][0] == "DATA002" and "“记录编号”不在可选值之内" in got[0][0][1]


# ------------------------------------------------------------------ a stray value far from the data

@pytest.mark.parametrize("ref", ["XFD1048576", "XFD1", "A1048576"])
def test_a_stray_far_cell_is_a_warning_not_a_crash(book, tmp_path, ref):
    for n in range(2, 5001):
        book.sheets["回访记录"].append(record(记录编号=f"R{n:05d}"))
    p = corpus.plant_far_cell(book.write(), tmp_path / "far.xlsx", ref)
    t = time.perf_counter()
    rep = report(p, "2025-06-30", limit_bytes=3 << 30)
    took = time.perf_counter() - t
    far = [f for f in rep["findings"] if f["rule"] == "DATA009"]
    assert [(f["sheet"], f["cell"]) for f in far] == [("回访记录", ref)]
    assert [f for f in rep["findings"] if f["rule"] != "DATA009"] == []
    assert took < 60


# ------------------------------------------------------------------ folders

def test_a_folder_run_lists_every_file_it_skipped(book, tmp_path):
    folder = tmp_path / "台账"
    folder.mkdir()
    shutil.copy(book.write(), folder / "一部.xlsx")
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    (folder / "导出.csv").write_text("a,b\n", encoding="utf-8")
    (folder / "~$一部.xlsx").write_bytes(b"lock")
    r = run("validate", folder, "--as-of", "2025-06-30")
    assert r.returncode == 0, r.stderr
    for name in ("说明.docx", "导出.csv", "~$一部.xlsx"):
        assert name in r.stdout
    assert "跳过" in r.stdout


# ------------------------------------------------------------------ --annotate never crashes

def test_annotate_marks_a_finding_inside_a_merged_range(book, tmp_path):
    book.sheets["回访记录"][0]["录音编号"] = None
    book.add("回访记录", **record(记录编号="R0002", 回访时间=datetime(2025, 6, 3, 9), 录音编号=None))
    p = book.write()
    wb = openpyxl.load_workbook(p)
    ws = wb["回访记录"]
    col = [c.value for c in ws[1]].index("录音编号") + 1
    ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)   # 录音编号 merged over two records
    q = tmp_path / "merged.xlsx"
    wb.save(q)
    r = run("validate", q, "--as-of", "2025-06-30", "--annotate", tmp_path / "ann")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    copy = next((tmp_path / "ann").glob("*.xlsx"))
    marked = openpyxl.load_workbook(copy)["回访记录"].cell(2, col)
    assert marked.comment is not None and marked.comment.text.count("MTH001") == 2   # both records, one cell


def test_annotate_copies_a_huge_merge_quickly_and_skips_what_it_cannot_copy(book, tmp_path):
    """A merge over a billion cells costs the package edit nothing; a sheet whose rows hold an XML
    comment is not guessed at: named, skipped, and the report stands."""
    src = book.write()
    part = corpus.sheet_parts(src)["客户"]
    p = corpus.rewrite(src, tmp_path / "bigmerge.xlsx", lambda n, d: d.replace(
        b"</worksheet>", b'<mergeCells count="1"><mergeCell ref="A900:XFD1000000"/></mergeCells></worksheet>')
        if n == part else d)
    t = time.perf_counter()
    r = run("validate", p, "--as-of", "2025-06-30", "--annotate", tmp_path / "ann")
    assert time.perf_counter() - t < 60
    assert r.returncode == 1 and "共 1 个工作簿" in r.stdout and "合并单元格 A900:XFD1000000" in r.stdout
    assert "已写出标注副本 1 个" in r.stderr and "Traceback" not in r.stderr
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    q = corpus.rewrite(src, tmp_path / "comment.xlsx", lambda n,
                       d: d.replace(b"</sheetData>", b"<!-- x --></sheetData>")
                       if n == part else d)
    r = run("validate", q, "--as-of", "2025-06-30", "--annotate", tmp_path / "ann2")
    assert r.returncode == 1 and "MTH001" in r.stdout
    assert "未写出标注副本" in r.stderr and "XML 注释" in r.stderr and "Traceback" not in r.stderr
    assert not list((tmp_path / "ann2").glob("*.xlsx"))
