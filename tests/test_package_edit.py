"""`plan` and `validate --annotate` edit the workbook package: what they change is there, what they
do not change is copied byte for byte, and files validate takes never make them abort."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

import corpus
from generator.config import load_config
from generator.validate import validate_paths
from generator.workbook import package as P
from generator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"
AS_OF = date(2025, 12, 31)
SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(not SOFFICE and not os.environ.get("HUIFANG_REQUIRE_SOFFICE"),
                                   reason="LibreOffice（soffice）未安装")


def huifang(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def plan(src: Path, out: Path):
    r = huifang("plan", src, "--month", "2026-01", "--as-of", "2025-12-31", "--seed", "1", "--out", out)
    copies = list((out / "工作簿").glob("*.xls*")) if (out / "工作簿").exists() else []
    return r, (copies[0] if copies else None)


def annotate(src: Path, out: Path, as_of="2025-06-30"):
    r = huifang("validate", src, "--as-of", as_of, "--annotate", out)
    copies = list(out.glob("*.xls*")) if out.exists() else []
    return r, (copies[0] if copies else None)


def findings(path: Path, as_of=date(2025, 6, 30)):
    return sorted((f.rule, f.sheet, f.row, f.column, f.message)
                  for f in validate_paths([path], load_config(None), as_of).findings)


def planned(copy: Path) -> list[tuple[int, str]]:
    t = read_workbook(copy)["回访计划"]
    return [(row, x) for row, x in zip(t.rows, t.col("计划编号")) if (x or "").startswith("JH202601")]


def members(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: i for i in zf.infolist()}


def raw(path: Path, name: str) -> bytes:
    """A member's compressed bytes as stored."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        info = zf.getinfo(name)
        fh.seek(info.header_offset)
        head = fh.read(30)
        fh.seek(info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little"))
        return fh.read(info.compress_size)


def with_part(src: Path, dst: Path, part: str, change) -> Path:
    return corpus.rewrite(src, dst, lambda n, d: change(d) if n == part else d)


# ------------------------------------------------------------------ plan

def test_plan_copies_every_other_member_byte_for_byte_and_validates_like_the_input(tmp_path):
    r, copy = plan(EXAMPLE, tmp_path / "out")
    assert r.returncode == 0, r.stderr
    sheet = corpus.sheet_parts(EXAMPLE)["回访计划"]
    before, after = members(EXAMPLE), members(copy)
    assert set(after) == set(before)
    for name, info in before.items():
        if name in (sheet, "xl/styles.xml"):
            continue
        assert (after[name].CRC, after[name].compress_size) == (info.CRC, info.compress_size), name
        assert raw(copy, name) == raw(EXAMPLE, name), name
    rows = planned(copy)
    assert rows and [r for r, _ in rows] == list(range(rows[0][0], rows[0][0] + len(rows)))
    data = lambda p: [f for f in findings(p, AS_OF) if f[0].startswith("DATA")]     # noqa: E731
    assert data(copy) == data(EXAMPLE)
    ws = openpyxl.load_workbook(copy)["回访计划"]
    assert ws.cell(rows[0][0], 8).number_format == "yyyy-mm-dd"
    assert ws.calculate_dimension() == ws.dimensions and ws.max_row == rows[-1][0]


def test_plan_starts_below_a_merged_range_in_its_rows_and_unmerges_a_far_reaching_one(tmp_path):
    last = max(read_workbook(EXAMPLE)["回访计划"].rows)
    sheet = corpus.sheet_parts(EXAMPLE)["回访计划"]
    near = with_part(EXAMPLE, tmp_path / "near.xlsx", sheet, lambda d: d.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A%d:C%d"/></mergeCells>' % (last + 2,
                                                                                                         last + 3)))
    r, copy = plan(near, tmp_path / "near")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "合并单元格" in r.stdout and f"第 {last + 4} 行" in r.stdout
    rows = planned(copy)
    assert rows[0][0] == last + 4
    assert f"A{last + 2}:C{last + 3}" in {str(m) for m in openpyxl.load_workbook(copy)["回访计划"].merged_cells.ranges}
    far = with_part(EXAMPLE, tmp_path / "far.xlsx", sheet, lambda d: d.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A%d:K%d"/></mergeCells>' % (last + 1,
                                                                                                         last + 5000)))
    r, copy = plan(far, tmp_path / "far")
    assert r.returncode == 0 and "已在副本中取消合并" in r.stdout, r.stdout + r.stderr
    assert planned(copy)[0][0] == last + 1
    assert not openpyxl.load_workbook(copy)["回访计划"].merged_cells.ranges


def test_plan_and_annotate_with_a_cell_at_xfd1048576(book, tmp_path):
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    p = with_part(src, tmp_path / "xfd.xlsx", part, lambda d: re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', d).replace(
        b"</sheetData>",
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>note</t></is></c></row></sheetData>'))
    r, copy = annotate(p, tmp_path / "ann")
    assert r.returncode == 1 and "Traceback" not in r.stderr and copy is not None, r.stderr
    assert findings(copy) == findings(p)
    wb = openpyxl.load_workbook(copy)
    assert "DATA009" in wb["回访记录"]["XFD1048576"].comment.text and "MTH001" in wb["回访记录"]["K2"].comment.text
    r = huifang("plan", p, "--month", "2025-07", "--as-of", "2025-06-30", "--out", tmp_path / "plan")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


def test_a_row_reference_beyond_the_sheet_is_copied_as_it_is(book, tmp_path):
    """The package edit itself: a row numbered 99999999999 is passed through, never an abort."""
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    p = with_part(src, tmp_path / "huge.xlsx", part, lambda d: d.replace(
        b"</sheetData>", b'<row r="99999999999"><c r="A99999999999" '
                         b't="inlineStr"><is><t>note</t></is></c></row></sheetData>'))
    with P.Workbook(p) as wb:
        wb.edit_sheet(part).at(2, 11, lambda c, base: P.set_text(c, "x", wb.ns))
        wb.edit_sheet(part).at(5, 1, lambda c, base: P.set_text(c, "y", wb.ns))
        wb.save(tmp_path / "copy.xlsx")
    data = zipfile.ZipFile(tmp_path / "copy.xlsx").read(part)
    assert b'r="A99999999999"' in data and data.index(b'r="A5"') < data.index(b'r="A99999999999"')


def test_cli_on_a_row_reference_beyond_the_sheet_never_aborts(book, tmp_path):
    src = book.write()
    part = corpus.sheet_parts(src)["回访记录"]
    p = with_part(src, tmp_path / "huge.xlsx", part, lambda d: d.replace(
        b"</sheetData>", b'<row r="99999999999"><c r="A99999999999" '
                         b't="inlineStr"><is><t>note</t></is></c></row></sheetData>'))
    for r in (annotate(p, tmp_path / "ann")[0],
              huifang("plan", p, "--month", "2025-07", "--as-of", "2025-06-30", "--out", tmp_path / "plan")):
        assert r.returncode in (0, 1, 2) and "Traceback" not in r.stderr
        if r.returncode == 2:
            assert r.stderr.startswith("huifang：") and str(p) in r.stderr


# ------------------------------------------------------------------ what must survive

VBA = bytes(range(256)) * 64


def macro_book(src: Path, dst: Path) -> Path:
    def change(n, d):
        if n == "[Content_Types].xml":
            return d.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                             b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
                                                                                              1)
        if n == "xl/_rels/workbook.xml.rels":
            return d.replace(b"</Relationships>",
                             b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/'
                             b'2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        return d
    corpus.rewrite(src, dst, change)
    with zipfile.ZipFile(dst, "a") as z:
        z.writestr("xl/vbaProject.bin", VBA, zipfile.ZIP_DEFLATED)
    return dst


def test_an_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path):
    src = macro_book(EXAMPLE, tmp_path / "宏.xlsm")
    r, copy = plan(src, tmp_path / "plan")
    assert r.returncode == 0, r.stderr
    assert copy.suffix == ".xlsm" and raw(copy, "xl/vbaProject.bin") == raw(src, "xl/vbaProject.bin")
    assert zipfile.ZipFile(copy).read("xl/vbaProject.bin") == VBA
    r, copy = annotate(src, tmp_path / "ann", "2025-12-31")
    assert r.returncode == 1 and copy.suffix == ".xlsm", r.stderr
    assert raw(copy, "xl/vbaProject.bin") == raw(src, "xl/vbaProject.bin")
    assert openpyxl.load_workbook(copy, keep_vba=True).vba_archive is not None


DRAWING = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr '
           b'xmlns:xdr="http://schemas.openxmlformats.org/'
           b'drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
           b'<xdr:twoCellAnchor><xdr:from><xdr:col>12</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0'
           b'</xdr:rowOff></xdr:from><xdr:to><xdr:col>15</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5</xdr:row><xdr:rowOff>0'
           b'</xdr:rowOff></xdr:to><xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="Stamp '
           b'1"/><xdr:cNvSpPr/>'
           b'</xdr:nvSpPr><xdr:spPr><a:prstGeom '
           b'prst="ellipse"><a:avLst/></a:prstGeom></xdr:spPr></xdr:sp><xdr:clientData/>'
           b'</xdr:twoCellAnchor></xdr:wsDr>')
EXT = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/'
       b'spreadsheetml/2009/9/main"><x14:dataValidations count="0"/></ext></extLst>')


def shaped_book(src: Path, dst: Path) -> Path:
    part = corpus.sheet_parts(src)["回访记录"]
    rels = f"xl/worksheets/_rels/{Path(part).name}.rels"

    def change(n, d):
        if n == part:
            return d.replace(b"</worksheet>", b'<drawing r:id="rIdShape"/>' + EXT + b"</worksheet>")
        if n == "[Content_Types].xml":
            return d.replace(b"</Types>", b'<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/'
                             b'vnd.openxmlformats-officedocument.drawing+xml"/></Types>')
        return d
    corpus.rewrite(src, dst, change)
    with zipfile.ZipFile(dst, "a") as z:
        assert rels not in z.namelist()
        z.writestr("xl/drawings/drawing1.xml", DRAWING, zipfile.ZIP_DEFLATED)
        z.writestr(rels, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                         b'xmlns="http://schemas.'
                   b'openxmlformats.org/package/2006/relationships"><Relationship Id="rIdShape" Type="http://schemas.'
                   b'openxmlformats.org/officeDocument/2006/relationships/drawing" Target="../drawings/drawing1.xml"/>'
                   b'</Relationships>')
    return dst


def test_a_shape_and_the_extension_list_survive_annotation(book, tmp_path):
    book.sheets["回访记录"][0]["录音编号"] = None
    src = shaped_book(book.write(), tmp_path / "shape.xlsx")
    r, copy = annotate(src, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None, r.stderr
    assert raw(copy, "xl/drawings/drawing1.xml") == raw(src, "xl/drawings/drawing1.xml")
    sheet = zipfile.ZipFile(copy).read(corpus.sheet_parts(src)["回访记录"])
    assert re.search(rb'<drawing r:id="rIdShape"/><legacyDrawing r:id="rId\d+"/><extLst><ext '
                     rb'[^>]*uri="\{CCE6A557-97BC-4b89-'
                     rb'ADB6-D9C93CAAB3DF\}"[^>]*><x14:dataValidations count="0"/></ext></extLst></worksheet>', sheet)
    assert findings(copy) == findings(src)
    cell = openpyxl.load_workbook(copy)["回访记录"]["K2"]
    assert "MTH001" in cell.comment.text and cell.fill.fgColor.rgb.endswith("FFC7CE")


# ------------------------------------------------------------------ annotate

def test_annotate_merges_into_the_comments_a_sheet_has(book, tmp_path):
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    wb = openpyxl.load_workbook(src)
    ws = wb["回访记录"]
    ws["K2"].comment = openpyxl.comments.Comment("原批注：待补录音", "张三")
    ws["A2"].comment = openpyxl.comments.Comment("记录人备注", "李四")
    ws["K2"].number_format = "0.00"
    p = tmp_path / "commented.xlsx"
    wb.save(p)
    r, copy = annotate(p, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None, r.stderr
    ws = openpyxl.load_workbook(copy)["回访记录"]
    assert "原批注：待补录音" in ws["K2"].comment.text and "MTH001" in ws["K2"].comment.text
    assert ws["A2"].comment.text == "记录人备注"
    assert ws["K2"].number_format == "0.00" and ws["K2"].fill.fgColor.rgb.endswith("FFC7CE")   # its format, filled
    assert findings(copy) == findings(p)


def test_summary_lists_errors_first_with_a_filter_and_the_input_stays_as_it_was(book, tmp_path):
    book.sheets["回访记录"][0]["录音编号"] = None
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)         # NEW001, an error
    src = book.write()
    before = src.read_bytes()
    r, copy = annotate(src, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None
    assert src.read_bytes() == before
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "校验结果" and wb.active.title == "校验结果"
    ws = wb["校验结果"]
    levels = [ws.cell(i, 1).value for i in range(5, ws.max_row + 1)]
    assert levels == sorted(levels, key=lambda x: x != "错误") and len(levels) == len(findings(src))
    assert ws.auto_filter.ref == f"A4:H{ws.max_row}" and ws.freeze_panes == "A5"
    assert ws["F5"].alignment.wrap_text and ws["D5"].hyperlink.location
    # annotating the annotated copy replaces its summary instead of adding a second one
    r, again = annotate(copy, tmp_path / "ann2")
    assert r.returncode == 1 and openpyxl.load_workbook(again).sheetnames.count("校验结果") == 1


# ------------------------------------------------------------------ LibreOffice

def soffice_copy(src: Path, tmp_path: Path) -> Path:
    out = tmp_path / "lo"
    out.mkdir(exist_ok=True)
    r = subprocess.run([SOFFICE or "soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src)],
                       capture_output=True, text=True, timeout=240)
    converted = out / (src.stem + ".xlsx")
    assert converted.exists(), r.stdout + r.stderr
    return converted


@needs_soffice
def test_libreoffice_reads_the_plan_rows_and_the_comments(book, tmp_path):
    r, copy = plan(EXAMPLE, tmp_path / "plan")
    assert r.returncode == 0
    rows = planned(copy)
    lo = openpyxl.load_workbook(soffice_copy(copy, tmp_path))["回访计划"]
    assert [lo.cell(row, 1).value for row, _ in rows] == [x for _, x in rows]
    assert lo.cell(rows[0][0], 8).is_date
    book.sheets["回访记录"][0]["录音编号"] = None
    r, copy = annotate(shaped_book(book.write(), tmp_path / "shape.xlsx"), tmp_path / "ann")
    wb = openpyxl.load_workbook(soffice_copy(copy, tmp_path))
    assert wb.sheetnames[0] == "校验结果" and wb["校验结果"]["B5"].value == "MTH001"
    assert "MTH001" in wb["回访记录"]["K2"].comment.text


@pytest.mark.parametrize("chunk", [7, 64, 1000])
@pytest.mark.parametrize("numbered", [True, False])
def test_the_stream_gives_the_same_sheet_whatever_its_chunks(chunk, numbered, monkeypatch, tmp_path):
    """Rows, tags and the end of the rows cut anywhere by the reads, rows with or without their
    number: the same copy, byte for byte."""
    part = corpus.sheet_parts(EXAMPLE)["回访记录"]
    selected = with_part(EXAMPLE, tmp_path / "sel.xlsx", part, lambda d: re.sub(
        rb'<row r="\d+"', b"<row" if not numbered else rb"\g<0>", d).replace(
        b'<sheetView workbookViewId="0"', b'<sheetView tabSelected="1" workbookViewId="0"'))

    def copy(name):
        with P.Workbook(selected) as wb:
            edit = wb.edit_sheet(part)
            for r, c in ((2, 3), (3, 1), (3, 40), (7, 2), (60, 5), (400, 2), (401, 1)):
                edit.at(r, c, lambda cell, base, r=r: P.set_text(cell, f"第{r}行", wb.ns))
            other = corpus.sheet_parts(EXAMPLE)["客户"]
            wb.edit_sheet(other).unselect = True
            wb.save(tmp_path / name)
        with zipfile.ZipFile(tmp_path / name) as z:
            return z.read(part), z.read(other)
    whole = copy("whole.xlsx")
    monkeypatch.setattr(P, "CHUNK", chunk)
    monkeypatch.setattr(P, "FAST_ABOVE", chunk * 100)     # the quick deflate of large parts, too
    assert copy(f"cut{chunk}.xlsx") == whole
    ws = openpyxl.load_workbook(tmp_path / "whole.xlsx")["回访记录"]
    assert ws.cell(3, 40).value == "第3行" and ws.cell(401, 1).value == "第401行" and ws.cell(2, 3).value == "第2行"


@pytest.mark.parametrize("system", ["1900", "1904"])
def test_dates_written_read_back_the_same_in_either_date_system(system, book, tmp_path):
    from generator.planning import _date
    src = book.write()
    if system == "1904":
        src = corpus.date1904(src, tmp_path / "d1904.xlsx")
    t = read_workbook(src)["客户"]
    col = openpyxl.utils.column_index_from_string(t.letter("开户日期"))
    part = corpus.sheet_parts(src)["客户"]
    with P.Workbook(src) as wb:
        wb.edit_sheet(part).at(t.rows[0], col, _date(wb, date(2026, 1, 15)))
        wb.save(tmp_path / "copy.xlsx")
    assert read_workbook(tmp_path / "copy.xlsx")["客户"].col("开户日期")[0] == date(2026, 1, 15)


def test_plan_that_cannot_edit_the_sheet_says_so_in_one_line_and_leaves_no_copy(tmp_path):
    sheet = corpus.sheet_parts(EXAMPLE)["回访计划"]
    src = with_part(EXAMPLE, tmp_path / "注释.xlsx", sheet,
                    lambda d: d.replace(b"</sheetData>", b"<!-- x --></sheetData>"))
    before = src.read_bytes()
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 2 and copy is None and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(src) in lines[0] and "XML 注释" in lines[0], r.stderr
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.name != ".huifang-output"]
    assert src.read_bytes() == before


def test_a_selected_chart_sheet_gives_up_its_tab_to_the_summary(book, tmp_path):
    from openpyxl.chart import BarChart, Reference
    book.sheets["回访记录"][0]["录音编号"] = None
    wb = openpyxl.load_workbook(book.write())
    cs = wb.create_chartsheet("图表")
    chart = BarChart()
    chart.add_data(Reference(wb["客户"], min_col=1, min_row=1, max_row=2))
    cs.add_chart(chart)
    wb.active = wb.sheetnames.index("图表")
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.save(tmp_path / "plain.xlsx")
    part = next(n for n in zipfile.ZipFile(tmp_path / "plain.xlsx").namelist() if n.startswith("xl/chartsheets/sheet"))
    src = with_part(tmp_path / "plain.xlsx", tmp_path / "chart.xlsx", part, lambda d: d.replace(
        b"<sheetView ", b'<sheetView tabSelected="1" '))
    assert b'tabSelected="1"' in zipfile.ZipFile(src).read(part)
    r, copy = annotate(src, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None, r.stderr
    assert b"tabSelected" not in zipfile.ZipFile(copy).read(part)
    out = openpyxl.load_workbook(copy)
    assert out.active.title == "校验结果" and "图表" in out.sheetnames
    assert findings(copy) == findings(src)


def test_summary_ends_with_what_falls_due_later(book, tmp_path):
    book.sheets["客户"][0]["开户日期"] = date(2025, 6, 25)          # its callback falls due after the check
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    report = validate_paths([src], load_config(None), date(2025, 6, 30))
    assert report.pending and report.findings
    r, copy = annotate(src, tmp_path / "ann")
    ws = openpyxl.load_workbook(copy)["校验结果"]
    levels = [ws.cell(i, 1).value for i in range(5, ws.max_row + 1)]
    assert levels == ["错误"] * len(report.findings) + ["待办"] * len(report.pending)
    due = report.pending[0].due
    assert f"截止 {due}" in ws.cell(ws.max_row, 6).value and ws.auto_filter.ref == f"A4:H{ws.max_row}"


# ------------------------------------------------------------------ the row fast path (Sheets._edit_cells)

ROW_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
         b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def stream(rows: bytes, cells, slow=False, restyle=False) -> tuple[bytes, int]:
    """The sheetData of a small sheet streamed with each of `cells` (row, col) restyled (format
    base + 10, so the format it had shows), and how many rows the fast path wrote. `restyle`:
    the edit is a P.Restyle, as annotate's (a new empty cell is then written without lxml)."""
    part = b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet ' + ROW_NS + b"><sheetData>" + rows + \
        b"</sheetData></worksheet>"
    sh = P.Sheets(Path("账.xlsx"), "sheet1.xml")
    fast = []
    real, real_one = sh._edit_cells, sh._restyle_new
    sh._edit_cells = (lambda *a: None) if slow else (lambda *a: fast.append(real(*a)) or fast[-1])
    sh._restyle_new = (lambda *a: None) if slow else (lambda *a: fast.append(real_one(*a)) or fast[-1])
    edit = P.SheetEdit()
    for r, c in cells:
        edit.at(r, c, P.Restyle(lambda base: base + 10) if restyle
                else lambda cell, base: cell.set("s", str(base + 10)))
    out = io.BytesIO()
    sh.edit(io.BytesIO(part), out, edit)
    data = out.getvalue()
    return data[data.index(b"<sheetData>") + 11:data.index(b"</sheetData>")], sum(x is not None for x in fast)


def cells_of(rows: bytes) -> list:
    """Every cell as (row, ref, s, t, text): what a reader sees."""
    root = etree.fromstring(b"<w " + ROW_NS + b">" + rows + b"</w>")
    return [(row.get("r"), c.get("r"), c.get("s"), c.get("t"), "".join(c.itertext()))
            for row in root for c in row]


REGULAR = ('<row r="2" spans="1:4"><c r="A2" t="inlineStr"><is><t>甲 &amp; 乙</t></is></c>'
           '<c r="B2" s="1"><v>5</v></c><c r="D2" s="2"><v>7</v></c></row>').encode()


def test_a_regular_row_has_only_its_flagged_cell_written_again():
    out, fast = stream(REGULAR, [(2, 2)])
    assert fast == 1
    # the row's tag (spans too) and the other cells byte for byte; B2 with its new format
    assert out == REGULAR.replace(b'<c r="B2" s="1">', b'<c r="B2" s="11">')
    slow, _ = stream(REGULAR, [(2, 2)], slow=True)
    assert cells_of(out) == cells_of(slow)


def test_new_empty_cells_only_given_a_format_are_written_as_lxml_writes_them():
    """Annotate's edits (P.Restyle) on cells the rows lack: after the first, which lxml writes
    (and so shows how it writes such a cell here), they are written without lxml - the same bytes."""
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"><v>1</v></c><c r="D%d"><v>2</v></c></row>' % (r, r, r)
                    for r in range(2, 40))
    flagged = [(r, c) for r in range(2, 40) for c in (2, 5)]
    built = []
    real = P.Sheets._new_cell
    P.Sheets._new_cell = lambda self, *a: built.append(a) or real(self, *a)
    try:
        out, fast = stream(rows, flagged, restyle=True)
    finally:
        P.Sheets._new_cell = real
    slow, _ = stream(rows, flagged, slow=True)
    assert out == slow and fast == 38
    assert len(built) == 1                    # lxml built the first new cell only
    assert b'<c r="B39" s="10"/>' in out and b'<c r="E39" s="10"/>' in out


def test_a_cell_the_row_lacks_is_put_in_column_order_and_spans_dropped():
    out, fast = stream(REGULAR, [(2, 3), (2, 5), (2, 1)])
    slow, _ = stream(REGULAR, [(2, 3), (2, 5), (2, 1)], slow=True)
    assert fast == 1 and out == slow          # same bytes as the whole-row path
    assert [c[1:3] for c in cells_of(out)] == [("A2", "10"), ("B2", "1"), ("C2", "10"), ("D2", "2"), ("E2", "10")]
    assert b"spans" not in out


@pytest.mark.parametrize("head, quick", [
    (b'<row r="%d">', True),
    (b'<row r="%d" spans="1:12">', True),
    (b'<row r="%d" spans="1:12" ht="20" customHeight="1" x:dyDescent="0.25">', True),
    (b'<row r="%d" s="4" customFormat="1">', True),
    (b'<row r="%d" spans="2:3" s="4" customFormat="1">', True),
    (b"<row r=\"%d\" spans='1:12'>", True),
    (b'<row r="%d"  spans="1:12"\n>', True),
    (b'<row r="%d" spans="1:12" ht="1&amp;2">', True),
    (b'<row r="%d" spans="1:12" xmlns:q="urn:q" q:a="1">', True),
    (b'<row r="%d" spans="1:12" spans="1:2">', False),        # not XML: the whole row is parsed, and refused
    (b'<row r="%d" spans="1:12" ht="1" ht="2">', False),
    (b'<row r="%d" spans="1:12" zz:a="1">', False),            # a prefix no one declared
    (b'<row r="%d" x:note="x spans=" ht="30" customHeight="1">', True),      # (helper 27) no spans: kept
    (b'<row r="%d" x:note=" spans=" spans="1:12" ht="30">', True),
    (b'<row r="%d" myspans="2" x:spans="3" spans="1:12">', True),
])
def test_one_flagged_cell_a_row_comes_out_as_the_whole_row_path_writes_it(head, quick):
    """Annotate's commonest edit, one flagged cell in each of many rows, before, between and after
    the cells the row has, or on a cell it has: the same bytes as the whole-row path, spans dropped
    the same way, the row's own format given to a new cell the same way."""
    rows = b"".join(head % r + b'<c r="A%d" s="1"><v>1</v></c><c r="D%d"><v>2</v></c></row>' % (r, r)
                    for r in range(2, 40))
    flagged = [(r, 2 + r % 4) for r in range(2, 40)]
    if not quick:
        with pytest.raises(P.PackageError, match="不是有效的 XML"):
            stream(rows, flagged, restyle=True)
        return
    quick_rows = []
    real = P.Sheets._restyle_new
    P.Sheets._restyle_new = lambda self, *a: (lambda got: quick_rows.append(got) or got)(real(self, *a))
    try:
        out, fast = stream(rows, flagged, restyle=True)
    finally:
        P.Sheets._restyle_new = real
    slow, _ = stream(rows, flagged, slow=True)
    assert fast == 38 and cells_of(out) == cells_of(slow)
    rows_of = re.compile(rb"<row\b.*?</row>", re.S).findall
    for (r, col), mine, whole in zip(flagged, rows_of(out), rows_of(slow)):
        if col != 4:        # a new cell: the row as the whole-row path writes it (spans dropped)
            assert mine == whole and b' spans="1:' not in mine
        else:               # the cell is there: only it is written again, the row's tag is kept
            assert mine == (head % r + b'<c r="A%d" s="1"><v>1</v></c><c r="D%d" s="10"><v>2</v></c></row>' % (r, r))
    # all but the rows whose flagged cell is there (D) and the first new cell (lxml shows how it writes one)
    assert sum(x is not None for x in quick_rows) == 38 - 10 - 1
    assert b'<c r="B36" s="%s"/>' % (b"14" if b"customFormat" in head else b"10") in out


@pytest.mark.parametrize("row, fast_expected", [
    (b'<row r="7"><c r="A7"><v>1</v></c><c r=\'K7\' s="3"><v>2</v></c></row>', False),     # single quotes
    (b'<row r="7"><c><v>1</v></c><c s="3"><v>2</v></c></row>', False),                     # cells without r
    (b'<row r="7"><x:c r="A7"><x:v>1</x:v></x:c><x:c r="K7" s="3"><x:v>2</x:v></x:c></row>', False),  # prefixed
    (b'<row r="7"><c r="A7" foo="x/>y"><v>1</v></c><c r="K7" foo="p/>q" s="3"><v>2</v></c></row>', False),
    (b'<row r="7"><c r="A7" foo="a>b"><v>1</v></c><c r="K7" foo="c>d" s="3"><v>2</v></c></row>', True),
    (b'<row r="7"><c r="A7"><v>1</v></c><c r="K7" s="3"><v>2</v></c><c r="K7"><v>3</v></c></row>', False),
    (b'<row r="7"><c r="A7"><v>1</v></c><c r="K7" s="3"/></row>', True),                   # self-closing
    ('<row r="7"><c r="A7"><v>1</v></c><c r="K7" s="3" t="inlineStr"><is><r><rPr><b/><color rgb="FFFF0000"/>'
     '<charset val="134"/></rPr><t>红</t></r><r><t xml:space="preserve"> 字</t></r></is></c></row>'.encode(), True),
    (b'<row r="7"><c r="A7"><v>1</v></c><c r="K7" s="3"><v>2</v></c ><c r="L7"><v>3</v></c></row>', False),
    (b'<row r="7"><c r="A7"><v>1</v></c ><c r="M7"><v>2</v></c></row>', False),         # K7 put in after A7
    (b'<row r="7" spans="1:2"><c r="A7"><v>1</v></c><c r="M7"><v>2</v></c></row>', True),  # K7 put in
    (b'<row r="7"><c r="M7"><v>1</v></c><c r="A7"><v>2</v></c></row>', True),              # out of order: K7 last
    (b'<row r="7" s="4" customFormat="1"><c r="A7"><v>1</v></c></row>', True),            # K7 gets the row's format
    (b'<row  r="7"><c r="A7"><v>1</v></c><c r="K7" s="3"><v>2</v></c></row>', False),
])
def test_rows_written_otherwise_come_out_as_the_whole_row_path_writes_them(row, fast_expected):
    out, fast = stream(row, [(7, 11)])
    slow, _ = stream(row, [(7, 11)], slow=True)
    assert fast == int(fast_expected)
    assert cells_of(out) == cells_of(slow)
    assert [c[2] for c in cells_of(out) if c[1] == "K7" and c[2] in ("10", "13", "14")], cells_of(out)   # once
    if fast_expected:                         # the other cells byte for byte
        for m in re.finditer(rb'<c r="A7".*?</c>', row):
            assert m.group(0) in out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.booleans(), min_size=6, max_size=6), st.sets(st.integers(1, 7), min_size=1, max_size=3),
       st.sampled_from([b"", b"\n  "]), st.booleans(), st.booleans())
def test_any_regular_row_gives_the_same_bytes_as_the_whole_row_path(present, flagged, space, closed, restyle):
    """Cells present or not, flagged or not, white space between them, an edit that only gives a
    format (annotate's P.Restyle) or any edit: the same bytes both ways (the whole-row path writes
    these rows back as they are, apart from its edits)."""
    cells = []
    for col, here in enumerate(present, 1):
        if here:
            ref = P.cell_ref(3, col)
            cells.append(f'<c r="{ref}" s="{col}"/>' if closed and col % 2
                         else f'<c r="{ref}" s="{col}"><v>{col}</v></c>')
    row = f'<row r="3">{space.decode()}' + space.decode().join(cells) + "</row>"
    rows = b'<row r="2"><c r="A2"><v>0</v></c></row>' + row.encode()
    out, fast = stream(rows, [(3, c) for c in sorted(flagged)], restyle=restyle)
    slow, _ = stream(rows, [(3, c) for c in sorted(flagged)], slow=True)
    assert out == slow and fast == (1 if any(present) else 0)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(alphabet="ABCXYZxfd0123456789$ ٣", max_size=10),
                 st.from_regex(r"[A-Z]{1,3}[0-9]{1,8}", fullmatch=True)))
def test_a_cell_reference_is_read_alike_by_the_quick_way_and_the_pattern(ref):
    """split_ref reads "B7" without its pattern when it is written the plain way: the same answer."""
    P._letters()
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})", ref.strip())
    want = None
    if m:
        from generator.workbook.inspect import col_index
        row, col = int(m.group(2)), col_index(m.group(1).upper()) + 1
        want = (row, col) if 1 <= row <= P.MAX_ROW and 1 <= col <= P.MAX_COL else None
    assert P.split_ref(ref) == want


def note_drawings(copy: Path) -> dict[str, tuple[set[int], list[int]]]:
    """Each note drawing of a copy, parsed (so well-formed, its prefixes declared): the id blocks
    its o:idmap claims and the ids of its shapes."""
    from lxml import etree
    out = {}
    with zipfile.ZipFile(copy) as z:
        for name in z.namelist():
            if name.endswith(".vml"):
                root = etree.fromstring(z.read(name))
                o = "{urn:schemas-microsoft-com:office:office}"
                blocks = {int(x) for m in root.iter(f"{o}idmap") for x in m.get("data").split(",")}
                ids = [int(s.get("id").rsplit("s", 1)[1]) for s in root.iter("{urn:schemas-microsoft-com:vml}shape")]
                out[name] = blocks, ids
    return out


def test_notes_on_two_sheets_past_1024_get_id_blocks_of_their_own(book, tmp_path):
    """1,100 flagged cells on one sheet and one on another: each note drawing claims enough blocks
    of 1,024 shape ids for its notes, no two drawings share a block, and every shape's id lies in
    its drawing's blocks (Excel hands out note ids by these blocks)."""
    first = book.sheets["回访记录"][0]
    first["录音编号"] = None
    for k in range(2, 1101):
        book.add("回访记录", **{**first, "记录编号": f"R{k:04d}"})
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    src = book.write()
    r, copy = annotate(src, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None, r.stderr
    drawings = note_drawings(copy)
    assert len(drawings) == 2
    claimed = [blocks for blocks, _ in drawings.values()]
    assert not claimed[0] & claimed[1]
    for blocks, ids in drawings.values():
        assert len(ids) == len(set(ids)) and all(i // 1024 in blocks for i in ids)
    assert max(len(ids) for _, ids in drawings.values()) >= 1100
    assert max(len(b) for b in claimed) >= 2


def test_notes_merged_into_a_drawing_openpyxl_wrote_are_well_formed(book, tmp_path):
    """openpyxl names the drawing's namespaces its own way (ns0:): our note shapes still parse,
    their ids lie in blocks the drawing claims and no shape id is used twice."""
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    wb = openpyxl.load_workbook(src)
    wb["回访记录"]["A2"].comment = openpyxl.comments.Comment("记录人备注", "李四")
    p = tmp_path / "commented.xlsx"
    wb.save(p)
    r, copy = annotate(p, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None, r.stderr
    (blocks, ids), = note_drawings(copy).values()
    assert len(ids) == 2 and len(set(ids)) == 2 and all(i // 1024 in blocks for i in ids)
    ws = openpyxl.load_workbook(copy)["回访记录"]
    assert ws["A2"].comment.text == "记录人备注" and "MTH001" in ws["K2"].comment.text


@pytest.mark.skipif(sys.platform != "linux", reason="a file name in other bytes than UTF-8: Linux only")
def test_a_file_name_in_gbk_bytes_gets_its_copy_and_is_shown_decoded(book, tmp_path):
    """A workbook from a Windows zip unpacked on Linux keeps its GBK name bytes: the copy is still
    written, and the summary names the file as the user knows it (测试), not with escapes."""
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    odd = Path(os.fsdecode(os.fsencode(str(tmp_path)) + b"/\xb2\xe2\xca\xd4.xlsx"))
    shutil.copy(src, odd)
    out = tmp_path / "ann"
    r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", odd, "--as-of", "2025-06-30",
                        "--annotate", out], capture_output=True, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 1 and b"Traceback" not in r.stderr and "未写出".encode() not in r.stderr, r.stderr
    copy, = out.glob("*.xlsx")
    assert "原文件 测试.xlsx" in openpyxl.load_workbook(copy)["校验结果"]["A2"].value


# ------------------------------------------------------------------ files from other producers (hunt)

def same_findings(src: Path, copy: Path) -> None:
    assert findings(copy, AS_OF) == findings(src, AS_OF)


def test_rows_written_without_a_number_are_edited_where_their_cells_say(tmp_path):
    """<row> without r, its cells with r (and a title row left out above the header): the
    copy flags the cells the findings name, never the row counted from the top, and checks
    the same as the input."""
    src = corpus.rewrite(EXAMPLE, tmp_path / "无行号.xlsx",
                         lambda n, d: re.sub(rb'<row r="\d+"', b"<row", d) if n.startswith("xl/worksheets/") else d)
    r, copy = annotate(src, tmp_path / "ann", as_of="2025-12-31")
    assert r.returncode == 1 and copy is not None and "Traceback" not in r.stderr, r.stderr
    same_findings(src, copy)
    ws = openpyxl.load_workbook(copy)["客户"]
    assert ws["A4"].value == openpyxl.load_workbook(src)["客户"]["A4"].value


def test_a_row_whose_cells_name_two_rows_is_refused_in_one_line():
    rows = b'<row r="2"><c r="A2" s="1"><v>1</v></c></row><row><c r="A3"><v>2</v></c><c r="B4"><v>3</v></c></row>'
    with pytest.raises(P.PackageError, match="单元格引用指向不同的行"):
        stream(rows, [(3, 1)])
    # a numbered row holding a cell of another row (the reader puts it in that row): never moved here
    for row in (b'<row r="2"><c r="A2"><v>1</v></c><c r="c7"><v>2</v></c></row>',
                b'<row r="2"><c r="A2"><v>1</v></c><c r="K5" s="3"><v>2</v></c></row>'):
        with pytest.raises(P.PackageError, match="引用其他行的单元格"):
            stream(row, [(2, 11)])


def test_a_row_and_cells_without_numbers_count_on_from_the_row_before():
    """Neither the row nor its cells numbered: the row after the one before, as the reader counts."""
    rows = b'<row r="2"><c r="A2"><v>1</v></c></row><row><c><v>2</v></c><c><v>3</v></c></row>'
    out, _ = stream(rows, [(3, 2)])
    assert ("3", "B3", "10", None, "3") in cells_of(out)


def libreoffice_notes(vml: bytes) -> bytes:
    """A note drawing as LibreOffice writes it: no o:shapelayout / o:idmap, shapes named shape_0 …"""
    vml = re.sub(rb"<(\w+:)?shapelayout\b.*?</(\w+:)?shapelayout>", b"", vml, flags=re.S)
    n = iter(range(10 ** 6))
    return re.sub(rb'id="_x0000_s\d+"', lambda m: b'id="shape_%d"' % next(n), vml)


def test_notes_merged_into_drawings_without_id_blocks_share_no_id(book, tmp_path):
    """LibreOffice's note drawings claim no id blocks: merged into, they claim blocks of their own,
    and no numbered shape id is used by two drawings."""
    book.sheets["回访记录"][0]["录音编号"] = None
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    src = book.write()
    wb = openpyxl.load_workbook(src)
    wb["回访记录"]["A2"].comment = openpyxl.comments.Comment("记录人备注", "李四")
    wb["客户"]["B2"].comment = openpyxl.comments.Comment("客户备注", "李四")
    p = tmp_path / "commented.xlsx"
    wb.save(p)
    lo = corpus.rewrite(p, tmp_path / "lo.xlsx", lambda n, d: libreoffice_notes(d) if n.endswith(".vml") else d)
    r, copy = annotate(lo, tmp_path / "ann")
    assert r.returncode == 1 and copy is not None, r.stderr
    o, v = "{urn:schemas-microsoft-com:office:office}", "{urn:schemas-microsoft-com:vml}"
    claimed, seen = [], []
    with zipfile.ZipFile(copy) as z:
        for name in (n for n in z.namelist() if n.endswith(".vml")):
            root = etree.fromstring(z.read(name))
            blocks = {int(x) for m in root.iter(f"{o}idmap") for x in m.get("data").split(",")}
            ids = [int(s.get("id")[8:]) for s in root.iter(f"{v}shape") if s.get("id").startswith("_x0000_s")]
            assert ids and all((i - 1) // 1024 in blocks for i in ids), name
            claimed.append(blocks)
            seen += ids
    assert len(seen) == len(set(seen))
    assert all(not a & b for i, a in enumerate(claimed) for b in claimed[i + 1:])


def styles_of(copy: Path):
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(copy) as z:
        root = etree.fromstring(z.read("xl/styles.xml"))
    return ns, root


def test_styles_without_fonts_and_fills_get_their_defaults_before_what_is_added(tmp_path):
    """A styles part without <fonts> or <fills>: the formats there refer to font and fill 0, so the
    copy puts the default font and the two reserved fills first; the summary's bold title font and
    the flag fills come after them."""
    src = with_part(EXAMPLE, tmp_path / "少样式.xlsx", "xl/styles.xml",
                    lambda d: re.sub(rb"<fills\b.*?</fills>", b"", re.sub(rb"<fonts\b.*?</fonts>", b"", d, flags=re.S),
                                     flags=re.S))
    r, copy = annotate(src, tmp_path / "ann", as_of="2025-12-31")
    assert r.returncode == 1 and copy is not None, r.stderr
    ns, root = styles_of(copy)
    font0 = root.find(f"{ns}fonts")[0]
    assert font0.find(f"{ns}b") is None and font0.find(f"{ns}sz").get("val") == "11"
    fills = [f.find(f"{ns}patternFill").get("patternType") for f in root.find(f"{ns}fills")]
    assert fills[:2] == ["none", "gray125"] and "solid" in fills[2:]
    same_findings(src, copy)


def test_a_workbook_without_a_styles_part_gets_one_where_every_reader_looks(tmp_path):
    def drop(n, d):
        if n == "xl/styles.xml":
            return None
        if n == "xl/_rels/workbook.xml.rels":
            return re.sub(rb"<Relationship [^>]*styles\.xml\"/>", b"", d)
        if n == "[Content_Types].xml":
            return re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", d)
        if n.startswith("xl/worksheets/"):
            return re.sub(rb' s="\d+"', b"", d)         # no cell refers to a format
        return d
    src = corpus.rewrite(EXAMPLE, tmp_path / "无样式.xlsx", drop)
    assert "xl/styles.xml" not in members(src)
    openpyxl.load_workbook(src).close()
    for r, copy in (annotate(src, tmp_path / "ann", as_of="2025-12-31"), plan(src, tmp_path / "plan")):
        assert copy is not None and "xl/styles.xml" in members(copy), r.stderr
        openpyxl.load_workbook(copy).close()


def test_a_namespace_declared_on_sheet_data_is_known_to_its_rows(tmp_path):
    """Excel may declare x14ac on <sheetData> for the rows' dyDescent: the copy is written."""
    decl = b' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    src = corpus.rewrite(EXAMPLE, tmp_path / "ns.xlsx", lambda n, d: re.sub(
        rb'(<row r="\d+")', rb'\1 x14ac:dyDescent="0.25"', d.replace(b"<sheetData>", b"<sheetData" + decl + b">"))
        if n.startswith("xl/worksheets/") else d)
    r, copy = annotate(src, tmp_path / "ann", as_of="2025-12-31")
    assert r.returncode == 1 and copy is not None and "未写出" not in r.stderr, r.stderr
    same_findings(src, copy)


def test_a_sheet_the_user_named_like_the_summary_is_kept(tmp_path):
    """The user's own 校验结果 stays in the copy; the summary goes beside it. Annotating the copy
    again replaces the summary this run wrote, not the user's sheet."""
    wb = openpyxl.load_workbook(EXAMPLE)
    own = wb.create_sheet("校验结果")
    own["A1"] = "我自己的核对记录"
    own.sheet_properties.tabColor = "FFC00000"          # Excel's 深红, the summary's colour too
    src = tmp_path / "自有.xlsx"
    wb.save(src)
    r, copy = annotate(src, tmp_path / "ann", as_of="2025-12-31")
    assert r.returncode == 1 and copy is not None, r.stderr
    names = openpyxl.load_workbook(copy).sheetnames
    assert names[0] == "校验结果（huifang）" and "校验结果" in names
    assert openpyxl.load_workbook(copy)["校验结果"]["A1"].value == "我自己的核对记录"
    r, again = annotate(copy, tmp_path / "again", as_of="2025-12-31")
    assert again is not None, r.stderr
    assert openpyxl.load_workbook(again).sheetnames.count("校验结果（huifang）") == 1
    assert openpyxl.load_workbook(again).sheetnames == names        # the earlier summary replaced, not doubled


@needs_soffice
def test_a_summary_saved_again_by_libreoffice_is_replaced_not_doubled(tmp_path):
    r, copy = annotate(EXAMPLE, tmp_path / "ann", as_of="2025-12-31")
    assert copy is not None, r.stderr
    saved = soffice_copy(copy, tmp_path)
    r, again = annotate(saved, tmp_path / "again", as_of="2025-12-31")
    assert again is not None, r.stderr
    names = openpyxl.load_workbook(again).sheetnames
    assert names[0] == "校验结果" and "校验结果（huifang）" not in names and names.count("校验结果") == 1


def test_no_row_is_put_in_among_rows_the_reader_counts():
    """Rows without numbers, one whose cell names row 5 and one counted (its cell without a
    reference, at A3 for the reader): a new row 3 put in before the row of A5 would move the
    counted one, so the copy is refused in one line rather than changed."""
    rows = b'<row><c r="A1"><v>1</v></c></row><row><c r="A5"><v>5</v></c></row><row><c><v>333</v></c></row>'
    with pytest.raises(P.PackageError, match="补入新行"):
        stream(rows, [(3, 2)])
    out, _ = stream(rows, [(5, 1)])                 # an edit where the rows are: written
    assert ("5", "A5", "10", None, "5") in cells_of(out)


def test_member_names_written_with_backslashes_come_out_as_the_standard_writes_them(tmp_path):
    """A zip made on Windows may name its parts xl\\workbook.xml: huifang reads it, and its copies
    name them xl/workbook.xml, so that Excel's other readers (openpyxl, LibreOffice) open them."""
    src = corpus.rewrite(EXAMPLE, tmp_path / "反斜杠.xlsx", lambda n, d: d, rename=lambda n: n.replace("/", "\\"))
    assert any("\\" in n for n in members(src))
    for r, copy in (annotate(src, tmp_path / "ann", as_of="2025-12-31"), plan(src, tmp_path / "plan")):
        assert copy is not None, r.stderr
        names = set(members(copy))
        assert not any("\\" in n for n in names) and "xl/workbook.xml" in names
        openpyxl.load_workbook(copy).close()
    same_findings(src, tmp_path / "ann" / "反斜杠.校验.xlsx")


def test_the_copies_write_r_id_whatever_else_the_process_imported(book, tmp_path):
    """A workbook openpyxl saved declares the relationships namespace only where it uses it: the
    <sheet> of the summary and a <legacyDrawing> added by a process that never imports openpyxl
    (validate, plan) still say r:id, as when openpyxl's prefixes were registered (ns1:id before)."""
    src = book.write()
    wb = openpyxl.load_workbook(src)
    wb.save(src)
    r, copy = annotate(src, tmp_path / "标注")
    assert copy is not None, r.stderr
    r2, planned_copy = plan(src, tmp_path / "计划")
    assert planned_copy is not None, r2.stderr
    for path in (copy, planned_copy):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith(".xml"):
                    assert not re.search(rb"<[^>]*\bns\d+:", z.read(name)), (path.name, name)
            assert re.search(rb'<sheet [^>]*\br:id="rId\d+"', z.read("xl/workbook.xml"))


def test_rows_whose_end_tags_have_a_space_are_edited_each_in_its_place():
    """</row > (white space before the >) ends its row: rows 7 and 8 are edited, row 9 is copied,
    as the whole-row path writes them (the copy was refused as having no </sheetData>)."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c></row >' % (r, r, r) for r in (7, 8, 9))
    out, _ = stream(rows, [(7, 2), (8, 2)])
    slow, _ = stream(rows, [(7, 2), (8, 2)], slow=True)
    assert cells_of(out) == cells_of(slow)
    assert [c[1:3] for c in cells_of(out)] == [("A7", None), ("B7", "10"), ("A8", None), ("B8", "10"),
                                                ("A9", None), ("B9", None)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["MTH001", "DATA002", "IND001"]),
                                   st.text(alphabet=st.sampled_from("记录R0\x07\x1f\n 甲“”"), max_size=40)),
                         min_size=1, max_size=3), min_size=1, max_size=6),
       st.integers(0, 5))
def test_the_notes_of_a_batch_read_as_each_cell_alone_would(cells, long):
    """A comment is its cell's findings a line each, control characters shown as \\xNN, cut at
    30,000 characters: made a batch at a time, each note is what it would be alone."""
    from types import SimpleNamespace

    from generator.rules import RULES
    from generator.validate import annotate as A
    from generator.workbook.values import printable
    found = [[SimpleNamespace(rule=r, title=RULES[r].title, message=m * (4000 if k == long else 1))
              for r, m in cell] for k, cell in enumerate(cells)]
    alone = [printable("\n".join(f"{f.rule} {f.title}：{f.message}" for f in cell))[:30000] for cell in found]
    assert A._notes(found) == alone
    assert [A._note(cell) for cell in found] == alone


def test_a_format_number_written_with_other_digits_is_read_as_none_and_the_copy_is_written(tmp_path):
    """A flagged cell whose s="²" (str.isdigit says yes, int() says no): the copy was not written
    (ValueError); now the cell is taken as having the default format, and is filled like the others."""
    src = EXAMPLE
    part = corpus.sheet_parts(src)["回访记录"]

    def odd(d: bytes) -> bytes:
        return d.replace(b'<c r="F17" s="4">', '<c r="F17" s="²">'.encode(), 1)
    book = with_part(src, tmp_path / "账.xlsx", part, odd)
    with zipfile.ZipFile(book) as zf:
        assert '<c r="F17" s="²">'.encode() in zf.read(part)
    r, copy = annotate(book, tmp_path / "出", as_of="2025-12-31")
    assert copy is not None and "未写出" not in r.stderr, r.stderr
    ws = openpyxl.load_workbook(copy)["回访记录"]
    assert ws["F17"].fill.fgColor.rgb.endswith("FFC7CE") and ws["F17"].comment is not None


# ------------------------------------------------------------------ review (helper 28)

def test_plan_writes_into_an_empty_plan_sheet_rather_than_a_second_one_of_its_name(tmp_path):
    """An empty 回访计划 sheet (formatted empty rows too): the plan goes into it, its header in row 1;
    a second sheet of that name was added before, which Excel repairs and the reader never read."""
    part = corpus.sheet_parts(EXAMPLE)["回访计划"]
    blank_rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (r, r) for r in range(1, 30))
    src = with_part(EXAMPLE, tmp_path / "空计划.xlsx", part,
                    lambda d: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData>" + blank_rows + b"</sheetData>",
                                     d, flags=re.S))
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 0 and copy is not None, r.stderr
    names = openpyxl.load_workbook(copy, read_only=True).sheetnames
    assert names.count("回访计划") == 1 and names == openpyxl.load_workbook(src, read_only=True).sheetnames
    rows = planned(copy)
    assert rows and rows[0][0] == 2
    got = findings(copy, AS_OF)
    assert not [f for f in got if f[1] == "回访计划" and f[0] in ("DATA001", "DATA010")], got


def test_plan_refuses_a_plan_sheet_with_content_but_no_header_and_writes_nothing(tmp_path):
    """Its first 30 rows empty (no header found), a note further down: the plan's rows from row 2 on
    would run into it, so no copy is written."""
    part = corpus.sheet_parts(EXAMPLE)["回访计划"]
    src = with_part(EXAMPLE, tmp_path / "无表头.xlsx", part, lambda d: re.sub(
        rb"<sheetData>.*</sheetData>",
        '<sheetData><row r="40"><c r="A40" t="inlineStr"><is><t>某人的备忘</t></is></c></row></sheetData>'.encode(),
        d, flags=re.S))
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 2 and copy is None
    assert "找不到“回访计划”的表头" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_the_summary_takes_a_name_no_sheet_has_in_any_case(tmp_path):
    """Excel tells sheet names apart regardless of case: 校验结果（HUIFANG） is taken for 校验结果（huifang）."""
    wb = openpyxl.load_workbook(EXAMPLE)
    wb.create_sheet("校验结果")
    wb.create_sheet("校验结果（HUIFANG）")
    src = tmp_path / "同名.xlsx"
    wb.save(src)
    r, copy = annotate(src, tmp_path / "ann", as_of="2025-12-31")
    assert copy is not None, r.stderr
    names = [n.casefold() for n in openpyxl.load_workbook(copy, read_only=True).sheetnames]
    assert len(names) == len(set(names)) and "校验结果（huifang 2）" in names


def test_defined_names_go_after_the_external_references(tmp_path):
    """The schema's order (CT_Workbook): sheets, functionGroups, externalReferences, definedNames."""
    def external(n, d):
        if n == "xl/workbook.xml":
            d = re.sub(rb"<definedNames>.*?</definedNames>|<definedNames/>", b"", d, flags=re.S)
            return d.replace(b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdExt1"/>'
                                           b"</externalReferences>")
        if n == "xl/_rels/workbook.xml.rels":
            return d.replace(b"</Relationships>", b'<Relationship Id="rIdExt1" Type="http://schemas.openxmlformats'
                             b'.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1'
                             b'.xml"/></Relationships>')
        if n == "[Content_Types].xml":
            return d.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="'
                             b'application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
        return d
    src = corpus.rewrite(EXAMPLE, tmp_path / "外部.xlsx", external)
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("xl/externalLinks/externalLink1.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships" r:id="rId1"><sheetNames><sheetName val="S"/></sheetNames>'
            b"</externalBook></externalLink>")
    r, copy = annotate(src, tmp_path / "ann", as_of="2025-12-31")
    assert copy is not None, r.stderr
    with zipfile.ZipFile(copy) as zf:
        root = etree.fromstring(zf.read("xl/workbook.xml"))
    order = [etree.QName(el).localname for el in root]
    assert order.index("sheets") < order.index("externalReferences") < order.index("definedNames"), order


def test_plan_refuses_a_chart_sheet_named_like_the_plan_sheet(tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    del wb["回访计划"]
    wb.create_chartsheet("回访计划")
    src = tmp_path / "图表.xlsx"
    wb.save(src)
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 2 and copy is None and "是图表工作表" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_table_and_an_autofilter_over_the_plan_sheet_grow_over_the_plan_rows(tmp_path):
    """(helper 28) The rows plan appends fall inside the user's table and filter, as when rows are
    typed below a table in Excel (they were left outside them)."""
    from openpyxl.worksheet.table import Table
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["回访计划"]
    last = ws.max_row
    ws.add_table(Table(displayName="计划表", ref=f"A1:K{last}"))
    src = tmp_path / "表.xlsx"
    wb.save(src)
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 0 and copy is not None, r.stderr
    rows = planned(copy)
    new_last = rows[-1][0]
    assert new_last > last
    got = openpyxl.load_workbook(copy)["回访计划"]
    assert got.tables["计划表"].ref == f"A1:K{new_last}"
    assert got.tables["计划表"].autoFilter.ref == f"A1:K{new_last}"
    # a sheet autoFilter and its hidden name
    part = corpus.sheet_parts(EXAMPLE)["回访计划"]

    def filtered(n, d):
        if n == part:
            return d.replace(b"</sheetData>", f'</sheetData><autoFilter ref="A1:K{last}"/>'.encode(), 1)
        if n == "xl/workbook.xml":
            index = [s.name for s in P.Workbook(EXAMPLE).sheets].index("回访计划")
            name = (f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                    f"回访计划!$A$1:$K${last}</definedName>")
            return d.replace(b"</sheets>", b"</sheets><definedNames>" + name.encode() + b"</definedNames>", 1)
        return d
    src2 = corpus.rewrite(EXAMPLE, tmp_path / "筛选.xlsx", filtered)
    r, copy = plan(src2, tmp_path / "out2")
    assert r.returncode == 0 and copy is not None, r.stderr
    with zipfile.ZipFile(copy) as zf:
        sheet, book = zf.read(part).decode(), zf.read("xl/workbook.xml").decode()
    assert f'<autoFilter ref="A1:K{new_last}"/>' in sheet
    assert f"回访计划!$A$1:$K${new_last}</definedName>" in book


def test_a_number_format_id_written_with_other_digits_does_not_stop_the_plan(tmp_path):
    """(helper 30) <numFmt numFmtId="²">: plan stopped with an internal error (ValueError)."""
    src = corpus.rewrite(EXAMPLE, tmp_path / "格式.xlsx", lambda n, d: re.sub(
        rb"<numFmts[^>]*>", lambda m: m.group(0) + '<numFmt numFmtId="²" formatCode="0.000"/>'.encode(), d, count=1)
        if n == "xl/styles.xml" else d)
    with zipfile.ZipFile(src) as zf:
        assert 'numFmtId="²"'.encode() in zf.read("xl/styles.xml")
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 0 and copy is not None, r.stderr
    assert planned(copy)


def test_blank_looks_past_a_long_sheet_data_tag_cut_by_a_chunk(tmp_path, monkeypatch):
    """(helper 30) A <sheetData …> tag longer than the bytes kept between chunks was missed and the
    sheet taken for empty; what comes before the rows is now kept whole until the tag is found."""
    part = corpus.sheet_parts(EXAMPLE)["回访计划"]
    decl = b' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"' * 3
    src = with_part(EXAMPLE, tmp_path / "长.xlsx", part, lambda d: re.sub(
        rb"<sheetData>.*</sheetData>",
        b"<sheetData" + decl + '><row r="40"><c r="A40" t="inlineStr"><is><t>备忘</t></is></c></row></sheetData>'
        .encode(), d, flags=re.S))
    with zipfile.ZipFile(src) as zf:
        data = zf.read(part)
    start = data.index(b"<sheetData")
    for cut in range(start + 10, start + len(decl), 7):
        monkeypatch.setattr(P, "CHUNK", cut)
        with P.Workbook(src) as wb:
            assert not wb.blank(part), cut


def test_an_empty_plan_sheet_with_merged_cells_is_minded_like_any_other(tmp_path):
    """(helper 30) Merged cells in an empty 回访计划 sheet: the plan rows start below a merged range as
    they do below data; a merge over the header row is refused (the header would be hidden)."""
    part = corpus.sheet_parts(EXAMPLE)["回访计划"]

    def emptied(merges: bytes):
        def change(d):
            d = re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData/>", d, flags=re.S)
            d = re.sub(rb"<mergeCells.*?</mergeCells>", b"", d, flags=re.S)
            return d.replace(b"<sheetData/>", b"<sheetData/>" + merges, 1)
        return change
    src = with_part(EXAMPLE, tmp_path / "合并.xlsx", part,
                    emptied(b'<mergeCells count="1"><mergeCell ref="A3:F6"/></mergeCells>'))
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 0 and copy is not None, r.stderr
    assert planned(copy)[0][0] == 7 and "合并单元格" in r.stdout
    # the plan's own rows read back whole; the user's merge is now inside the data area (DATA003 says so)
    assert {f[0] for f in findings(copy, AS_OF) if f[1] == "回访计划"} == {"PLN002", "DATA003"}
    src = with_part(EXAMPLE, tmp_path / "表头合并.xlsx", part,
                    emptied(b'<mergeCells count="1"><mergeCell ref="A1:K1"/></mergeCells>'))
    r, copy = plan(src, tmp_path / "out2")
    assert r.returncode == 2 and copy is None and "第一行有合并单元格（A1:K1）" in r.stderr, r.stderr


def test_a_table_is_not_grown_over_a_merged_range_the_plan_rows_skip(tmp_path):
    """(helper 30) Excel removes a table holding merged cells: the table stays as it was."""
    from openpyxl.worksheet.table import Table
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["回访计划"]
    last = ws.max_row
    ws.add_table(Table(displayName="计划表", ref=f"A1:K{last}"))
    ws.merge_cells(f"A{last + 2}:K{last + 3}")
    src = tmp_path / "表.xlsx"
    wb.save(src)
    r, copy = plan(src, tmp_path / "out")
    assert r.returncode == 0 and copy is not None, r.stderr
    assert planned(copy)[0][0] == last + 4
    assert openpyxl.load_workbook(copy)["回访计划"].tables["计划表"].ref == f"A1:K{last}"
