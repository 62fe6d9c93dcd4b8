"""The reading guards: no workbook can make the reader abort, run out of memory or show a
traceback. Whatever it holds (a repeated .ods row of 99 million cells, a reference beyond Excel's
grid, a false dimension, a name in GBK bytes, a hidden stale copy of a sheet, a folder the user
may not read) ends as a finding at a real cell, or as one Chinese line naming the file (exit 2)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import corpus
from generator.validate import run as validate_run
from generator.workbook import inspect as xlsxcheck
from generator.workbook import reader as reader_mod
from generator.workbook.inspect import ReadError, shown
from generator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"


def huifang(*args, **env):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          errors="surrogateescape",
                          cwd=ROOT, timeout=120, env={**os.environ, **env})


def refused(path: Path, *texts: str, seconds: float = 30):
    """Exit 2, one line naming the file and saying each of `texts`, quickly, input unchanged."""
    before = path.read_bytes()
    t = time.perf_counter()
    r = huifang("validate", path, "--as-of", "2025-12-31")
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert shown(path) in lines[0] or path.name in lines[0], lines
    for text in texts:
        assert text in lines[0], lines
    assert time.perf_counter() - t < seconds
    assert path.read_bytes() == before
    return lines[0]


def findings(path: Path, **env):
    r = huifang("validate", path, "--as-of", "2025-12-31", "--format", "json", **env)
    assert r.returncode in (0, 1), (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and r.stderr == "", r.stderr
    return json.loads(r.stdout)["findings"]


def records_part(src: Path) -> str:
    return corpus.sheet_parts(src)["回访记录"]


def changed(src: Path, dst: Path, fn) -> Path:
    part = records_part(src)
    return corpus.rewrite(src, dst, lambda n, d: fn(d) if n == part else d)


@pytest.fixture(scope="module")
def clean_findings():
    return sorted((f["rule"], f["sheet"], f["cell"]) for f in findings(EXAMPLE))


# ------------------------------------------------------------------ .ods: repeated rows and cells

ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods_cell(v, rep=1):
    r = f' table:number-columns-repeated="{rep}"' if rep > 1 else ""
    if v is None:
        return f"<table:table-cell{r}/>"
    return f'<table:table-cell office:value-type="string"{r}><text:p>{v}</text:p></table:table-cell>'


def ods_row(cells, rep=1):
    r = f' table:number-rows-repeated="{rep}"' if rep > 1 else ""
    return f"<table:table-row{r}>" + "".join(cells) + "</table:table-row>"


def write_ods(path: Path, tables: dict[str, list[str]]) -> Path:
    body = "".join(f'<table:table table:name="{n}">' + "".join(rows) + "</table:table>" for n, rows in tables.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", MANIFEST)
    return path


MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>')


def test_an_ods_row_repeated_into_99_million_cells_is_refused_before_reading(tmp_path):
    p = write_ods(tmp_path / "重复.ods", {"回访记录": [ods_row([ods_cell("x", 1000)], 99_000)]})
    assert p.stat().st_size < 2000
    line = refused(p, "工作表“回访记录”", "99000 行 × 1000 列", "拒绝读取", seconds=20)
    assert "9900 万个单元格" in line


def test_trailing_empty_repeats_of_libreoffice_cost_nothing(tmp_path):
    # LibreOffice pads each row with 1,016 empty cells and repeats an empty row to the sheet's end
    pad = ods_cell(None, 1016)
    rows = [ods_row([ods_cell("工号"), ods_cell("姓名"), pad]), ods_row([ods_cell("S01"), ods_cell("张三"), pad], 3),
            ods_row([ods_cell(None, 1024)], 1_048_000)]
    p = write_ods(tmp_path / "补齐.ods", {"人员": rows})
    t = time.perf_counter()
    found = findings(p)
    assert time.perf_counter() - t < 30
    assert any(f["rule"] == "DATA001" and "客户" in f["message"] for f in found)   # read: only the missing sheets


def test_the_row_reader_checks_its_budget_before_any_cell_becomes_python(tmp_path, monkeypatch):
    p = write_ods(tmp_path / "人员.ods", {"人员": [ods_row([ods_cell("工号"), ods_cell("姓名")]),
                                                  ods_row([ods_cell("S01"), ods_cell("张三")], 50)]})
    monkeypatch.setattr(reader_mod, "MAX_ROW_CELLS", 60)
    with pytest.raises(ReadError, match=r"工作表“人员”的内容分布在 51 行 × 2 列"):
        read_workbook(p)


# ------------------------------------------------------------------ references beyond the grid, false dimensions

@pytest.mark.parametrize("reader", ["columns", "rows"])
def test_a_row_beyond_excel_is_refused_in_both_read_paths(tmp_path, monkeypatch, reader):
    p = changed(EXAMPLE, tmp_path / "行号.xlsx", lambda d: d.replace(
        b"</sheetData>", b'<row r="99999999999"><c r="A99999999999" '
                         b't="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    monkeypatch.setenv(reader_mod.COLUMNAR_ENV, reader)
    with pytest.raises(ReadError, match=r"工作表“回访记录”中有 Excel 表格以外的单元格引用 A99999999999"):
        read_workbook(p)
    refused(p, "A99999999999", "拒绝读取")


@pytest.mark.parametrize("reader", ["columns", "rows"])
def test_a_far_cell_behind_a_false_dimension_is_a_warning(tmp_path, reader, clean_findings):
    # the dimension still says the data's rectangle: the cell at XFD1048576 is found all the same
    p = changed(EXAMPLE, tmp_path / "角落.xlsx", lambda d: d.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t> </t></is></c></row></sheetData>'))
    got = findings(p, **{reader_mod.COLUMNAR_ENV: reader})
    far = [(f["sheet"], f["cell"]) for f in got if f["rule"] == "DATA009"]
    assert far == [("回访记录", "XFD1048576")]
    assert sorted((f["rule"], f["sheet"], f["cell"]) for f in got if f["rule"] != "DATA009") == clean_findings


# the cell reader takes a reference however the XML writes the attribute: the guards must see the
# same cell (each of these used to slip past them, and the reader then aborted the process, exit 134)
WRITINGS = {
    "单引号": b"<c r='XFD1048576' t=\"inlineStr\"><is><t>x</t></is></c>",
    "等号两侧空格": b'<c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    "制表符": b'<c\tr="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    "换行": b'<c\nr\n=\n"XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    "小写字母": b'<c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c>',
    "r 不在第一个": b'<c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c>',
    "行号也是单引号": None,
    # the next ones a review found: the reader takes them all
    "属性间没有空白": b'<c t="inlineStr"r="XFD1048576"><is><t>x</t></is></c>',
    "换页符": b'<c t="inlineStr"\x0cr\x0c=\x0c"XFD1048576"><is><t>x</t></is></c>',
    "r 写了两次": b'<c r="A1048576" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
    "值里有大于号": b'<c x=">" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',
}


@pytest.mark.parametrize("how", list(WRITINGS) + ["前缀的单元格"])
def test_a_far_cell_is_found_however_its_reference_is_written(tmp_path, how, clean_findings):
    cell = WRITINGS.get(how)
    root = None
    if how == "前缀的单元格":       # <x:c> in a sheet whose root has no prefix
        cell = b'<x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>'
        root = b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    row = (b"<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>" if cell is None
           else b'<row r="1048576">' + cell + b"</row>")

    def change(d: bytes) -> bytes:
        if root:
            d = d.replace(b"<worksheet ", root, 1)
        return d.replace(b"</sheetData>", row + b"</sheetData>")
    p = changed(EXAMPLE, tmp_path / "写法.xlsx", change)
    got = findings(p)
    assert [(f["sheet"], f["cell"]) for f in got if f["rule"] == "DATA009"] == [("回访记录", "XFD1048576")]
    assert sorted((f["rule"], f["sheet"], f["cell"]) for f in got if f["rule"] != "DATA009") == clean_findings


def _without_references(d: bytes) -> bytes:
    """The sheet as a producer writes it that leaves out every reference: rows and cells in order,
    an empty <c/> for each column skipped."""
    def row(m):
        out, col = [], 0
        for c in re.finditer(rb'<c r="([A-Z]+)\d+"(.*?)(/>|>.*?</c>)', m.group(2), re.S):
            j = xlsxcheck.col_index(c.group(1).decode())
            out += [b"<c/>"] * (j - col) + [b"<c" + c.group(2) + c.group(3)]
            col = j + 1
        return b"<row" + m.group(1) + b">" + b"".join(out) + b"</row>"
    d = re.sub(rb"<row( [^>]*?)?>(.*?)</row>", lambda m: row(m), d, flags=re.S)
    return re.sub(rb'<row r="\d+"', b"<row", d)


def test_a_sheet_written_without_references_reads_as_with_them(tmp_path, clean_findings):
    p = changed(EXAMPLE, tmp_path / "无引用.xlsx", _without_references)
    assert b' r="' not in zipfile.ZipFile(p).read(records_part(p)).split(b"<sheetData>")[1]
    assert sorted((f["rule"], f["sheet"], f["cell"]) for f in findings(p)) == clean_findings


COUNTED = {   # cells without a reference: the reader places each after the one before
    "一行两万个单元格": (b'<row r="30">' + b"<c/>" * 20_000 + b'<c t="inlineStr"><is><t>x</t></is></c></row>', None),
    "宽行加远行": (b'<row r="30">' + b"<c/>" * 9_000 + b'<c t="inlineStr"><is><t>x</t></is></c></row>'
                b'<row r="200000"><c t="inlineStr"><is><t>x</t></is></c></row>', "A200000"),
    "最后一行": (b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>', None),
    "行号紧跟引号": (b'<row spans="1:1"r="1048576">' + b"<c></c>" * 16_383
                  + b'<c t="inlineStr"><is><t>x</t></is></c></row>', None),
    "多余的行结束标记": (b"</row>" * 1_100_000 + b"<row>" + b"<c></c>" * 16_383
                    + b'<c t="inlineStr"><is><t>x</t></is></c></row>', None),
}


@pytest.mark.parametrize("how", list(COUNTED))
def test_cells_placed_by_counting_cannot_make_the_reader_abort(tmp_path, how):
    tail, far = COUNTED[how]
    p = changed(EXAMPLE, tmp_path / "计数.xlsx", lambda d: d.replace(b"</sheetData>", tail + b"</sheetData>"))
    r = huifang("validate", p, "--as-of", "2025-12-31", "--format", "json")
    assert r.returncode in (0, 1, 2), (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr
    if r.returncode == 2:
        assert len(r.stderr.strip().splitlines()) == 1 and "拒绝读取" in r.stderr, r.stderr
    elif far:
        assert far in {f["cell"] for f in json.loads(r.stdout)["findings"] if f["rule"] == "DATA009"}


def test_a_thousand_extra_header_columns_are_one_warning_at_a_real_cell(tmp_path):
    letters = [xlsxcheck.column_letters(j) for j in range(60, 1060)]

    def wide(d):
        cells = b"".join(b'<c r="%s1" t="inlineStr"><is><t>\xe5\xa4\x87\xe6\xb3\xa8%d</t></is></c>' % (c.encode(), i)
                         for i, c in enumerate(letters))
        d = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{letters[-1]}173"/>'.encode(), d)
        return d.replace(b"</row>", cells + b"</row>", 1)
    p = changed(EXAMPLE, tmp_path / "宽表头.xlsx", wide)
    got = findings(p)
    far = [f for f in got if f["rule"] == "DATA009"]
    assert len(far) == 1, far
    cell = far[0]["cell"]
    assert re.fullmatch(r"[A-Z]+1", cell) and cell[:-1] in letters        # a cell that is there, in row 1
    assert "个单元格远离数据区" in far[0]["message"]
    assert not any("ANP" in f["message"] or "最远" in f["message"] for f in got)


# ------------------------------------------------------------------ file names in other byte encodings

GBK_NAME = "回访台账".encode("gbk") + b".xlsx"


def test_a_file_name_in_gbk_bytes_is_read(tmp_path, clean_findings):
    p = tmp_path / os.fsdecode(GBK_NAME)
    shutil.copy(EXAMPLE, p)
    assert sorted((f["rule"], f["sheet"], f["cell"]) for f in findings(p)) == clean_findings
    book = read_workbook(p)
    assert len(book["回访记录"]) > 0


def test_a_damaged_file_with_a_gbk_name_is_named_readably(tmp_path):
    p = tmp_path / os.fsdecode(GBK_NAME)
    p.write_bytes(b"PK\x03\x04 not a zip")
    assert shown(p).endswith("回访台账.xlsx")
    with pytest.raises(ReadError) as e:
        read_workbook(p)
    assert "回访台账.xlsx" in str(e.value) and "\\udc" not in str(e.value)


# ------------------------------------------------------------------ a hidden stale copy of a sheet

def test_the_visible_sheet_is_read_beside_a_hidden_twin(tmp_path, clean_findings):
    wb = openpyxl.load_workbook(EXAMPLE)
    real = wb["回访记录"]
    real.title = "回访记录\u3000"                 # ends with a full-width space
    stale = wb.create_sheet("回访记录", 0)
    stale.append([c.value for c in real[1]])
    stale.sheet_state = "hidden"
    p = tmp_path / "两张回访记录.xlsx"
    wb.save(p)
    got = findings(p)
    twins = [f for f in got if f["rule"] == "DATA010" and "工作表" in f["message"] and "隐藏" in f["message"]]
    assert len(twins) == 1 and "读取了“回访记录\u3000”" in twins[0]["message"], twins
    rest = sorted((f["rule"], f["sheet"], f["cell"]) for f in got if f not in twins)
    assert rest == clean_findings                  # the data of the visible sheet, not the empty hidden one


# ------------------------------------------------------------------ folders the user may not read

def test_unreadable_folders_and_files_are_skipped_with_a_reason(tmp_path, monkeypatch):
    # the tests run as root, who may read everything: the refusals are made by mocks of what the
    # operating system says (os.scandir for a folder, os.access for a file, the marker's stat)
    top = tmp_path / "台账"
    for d in ("一部", "同事", "同事二"):
        (top / d).mkdir(parents=True)
    shutil.copy(EXAMPLE, top / "一部" / "一部.xlsx")
    shutil.copy(EXAMPLE, top / "一部" / "锁住.xlsx")
    real_scandir, real_access, real_marker = os.scandir, os.access, validate_run.is_output_folder

    def scandir(path=".", *a):
        if str(path).endswith("同事"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *a)

    def marker(folder):
        if str(folder).endswith("同事二"):
            raise PermissionError(13, "Permission denied", str(folder))
        return real_marker(folder)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "access", lambda p, mode: not str(p).endswith("锁住.xlsx") and real_access(p, mode))
    monkeypatch.setattr(validate_run, "is_output_folder", marker)
    skipped: list = []
    assert validate_run.collect_paths([top], skipped) == [top / "一部" / "一部.xlsx"]
    assert sorted((p.name, why) for p, why in skipped) == [
        ("同事", "没有读取权限"), ("同事二", "没有读取权限"), ("锁住.xlsx", "没有读取权限")]


def test_a_folder_with_nothing_readable_is_one_line(tmp_path, monkeypatch):
    top = tmp_path / "台账"
    top.mkdir()
    shutil.copy(EXAMPLE, top / "锁住.xlsx")
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(ReadError, match="文件夹中没有可以读取的工作簿"):
        validate_run.collect_paths([top], [])


# ------------------------------------------------------------------ fuzz: cell references of every kind

REFS = st.one_of(
    st.builds(lambda c, r: f"{c}{r}", st.sampled_from(["A", "Q", "XFD", "XFE", "ZZZZ", "AAAAAAA"]),
              st.sampled_from([0, 1, 2, 1_048_576, 1_048_577, 99_999_999_999, 2**32, 2**64 + 5])),
    st.sampled_from(["-1", "A-1", "A0", "1A", "", " ", "a1", "A1B2", "A1:B2", "$A$1", "A١", "Ａ1", "R1C1"]),
    st.text(alphabet="AZXF019-: $", max_size=14),
)


def _mutated(tmp: Path, n: int, picks: list[tuple[int, str, bool]], writing: str = 'r="{}"') -> Path:
    """The example with some cells' references (and perhaps their row's) replaced."""
    def change(d: bytes) -> bytes:
        cells = list(re.finditer(rb'<c r="([A-Z]+)(\d+)"', d))
        out, last = [], 0
        for k, ref, whole_row in sorted(picks, key=lambda p: cells[p[0] % len(cells)].start()):
            m = cells[k % len(cells)]
            if m.start() < last:
                continue
            out += [d[last:m.start()], b"<c " + writing.format(ref).encode()]
            last = m.end()
        out.append(d[last:])
        d = b"".join(out)
        if any(w for _, _, w in picks):
            d = re.sub(rb'<row r="(\d+)"', lambda m: b'<row r="' + picks[0][1].encode() + b'"', d, count=1)
        return d
    return changed(EXAMPLE, tmp / f"fuzz-{n}.xlsx", change)


_counter = iter(range(10**9))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.tuples(st.integers(0, 10_000), REFS, st.booleans()), min_size=1, max_size=3),
       rows=st.booleans(), writing=st.sampled_from(['r="{}"', "r='{}'", 'r = "{}"', 'r\n=\t"{}"']))
def test_any_cell_reference_reads_or_is_one_read_error(tmp_path, monkeypatch, picks, rows, writing):
    p = _mutated(tmp_path, next(_counter), picks, writing)
    monkeypatch.setenv(reader_mod.COLUMNAR_ENV, "rows" if rows else "")
    try:
        book = read_workbook(p)
    except ReadError as e:
        text = str(e)
        assert "\n" not in text and text.startswith(str(p)), text
    else:
        assert "回访记录" in book.tables


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.lists(st.tuples(st.sampled_from([None, "x"]), st.sampled_from([1, 2, 700, 20_000])),
                                   max_size=4),
                          st.sampled_from([1, 3, 5_000, 1_100_000])), min_size=1, max_size=5),
       st.sampled_from(["table", "t"]), st.booleans())
def test_the_quick_bound_of_an_ods_never_lets_through_what_the_exact_measure_refuses(tmp_path, rows, prefix, columns):
    """content.xml is bounded a row at a time by byte searches; wherever that passes a table, the
    exact measure (every cell walked) passes it too, and it passes LibreOffice's trailing repeats."""
    from generator.workbook import inspect as I
    body = "".join(ods_row([ods_cell(v, rep) for v, rep in cells], rrep) for cells, rrep in rows)
    cols = '<table:table-column table:number-columns-repeated="16384"/>' if columns else ""
    text = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
            f'<office:body><office:spreadsheet><table:table table:name="回访记录">{cols}{body}</table:table>'
            "</office:spreadsheet></office:body></office:document-content>")
    if prefix != "table":
        text = text.replace("xmlns:table=", f"xmlns:{prefix}=").replace("table:", f"{prefix}:") \
            .replace(f"xmlns:{prefix}=\"urn:oasis:names:tc:opendocument:xmlns:{prefix}:1.0",
                     f"xmlns:{prefix}=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0")
    p = tmp_path / f"界限{abs(hash(text))}.ods"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("content.xml", text)
    with zipfile.ZipFile(p) as zf:
        pkg = I.Package(p, zf)
        bounded = I._ods_bounded(pkg, "content.xml")
        try:
            I._ods_measured(pkg, "content.xml")
            refused = False
        except ReadError:
            refused = True
    assert not (bounded and refused)
    if prefix == "table" and all(rrep <= 3 and all(rep <= 2 for _, rep in cells) for cells, rrep in rows):
        assert bounded and not refused         # small repeats: no cell walked one by one
    if prefix != "table":
        assert not bounded                     # the reader reads table:… as written: measured exactly


def test_a_libreoffice_ods_is_bounded_without_walking_its_cells(tmp_path):
    """LibreOffice's own file (a header row padded to the last column, an empty row repeated to the
    sheet's end): the quick bound passes it, so its cells are not walked one by one in Python."""
    from generator.workbook import inspect as I
    pad = '<table:table-cell table:number-columns-repeated="16330"/>'
    rows = [ods_row([ods_cell("工号"), ods_cell("姓名"), pad]), ods_row([ods_cell("S01"), ods_cell(None, 3),
                                                                      ods_cell("张三")], 40),
            ods_row([ods_cell(None, 16384)], 1_048_000)]
    text = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="人员">'
            '<table:table-column table:number-columns-repeated="16384"/>' + "".join(rows) +
            "</table:table></office:spreadsheet></office:body></office:document-content>")
    p = tmp_path / "人员.ods"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("content.xml", text)
    with zipfile.ZipFile(p) as zf:
        assert I._ods_bounded(I.Package(p, zf), "content.xml")


OFFICE = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


@pytest.mark.parametrize("decl, cell", [
    # the table prefix bound by a character reference, another prefix written plainly (review 31)
    (f'xmlns:t="{TABLE_NS}" xmlns:table="{TABLE_NS.replace(":1.0", "&#58;1.0")}"',
     'office:value-type="float" office:value="1"'),
    (f'xmlns:t="{TABLE_NS}"', 'office:value-type="float" office:value="1"'),      # table: not bound at all
    (f'xmlns:table="{TABLE_NS}"', 'office:value="1"'),            # a value without a value type
    (f'xmlns:table="{TABLE_NS}"', 'table:formula="of:=1"'),       # a formula alone
    # the table prefix bound to another namespace: the cell reader reads table:… all the same
    (f'xmlns:t="{TABLE_NS}" xmlns:table="urn:example:x"', 'office:value-type="float" office:value="1"'),
])
def test_an_ods_bomb_however_its_namespace_and_cells_are_written_is_refused(tmp_path, monkeypatch, decl, cell):
    """The cell reader reads the elements named table:… as written, and a cell with a value or a
    formula whatever its value type: both the quick bound and the exact measure count them."""
    from generator.workbook import inspect as I
    monkeypatch.setattr(I, "MAX_ROW_CELLS", 1000)
    text = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {OFFICE} {decl} office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="回访记录">'
            f'<table:table-row table:number-rows-repeated="600"><table:table-cell {cell} '
            'table:number-columns-repeated="100"/></table:table-row></table:table>'
            "</office:spreadsheet></office:body></office:document-content>")
    p = tmp_path / "炸弹.ods"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", text)
        z.writestr("META-INF/manifest.xml", MANIFEST)
    with zipfile.ZipFile(p) as zf:
        assert not I._ods_bounded(I.Package(p, zf), "content.xml")
    with pytest.raises(ReadError, match="拒绝读取|不是有效的 XML"):
        read_workbook(p)
    if "urn:example:x" in decl:         # the command: one line, exit 2, before the reader allocates
        monkeypatch.undo()
        big = text.replace('number-rows-repeated="600"', 'number-rows-repeated="600000"')
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", big)
            z.writestr("META-INF/manifest.xml", MANIFEST)
        refused(p, "把前缀 table 用于别的命名空间", "拒绝读取")


def test_a_shared_strings_count_no_part_could_hold_is_refused_not_a_crash(tmp_path):
    """The cell reader sets aside room for uniqueCount strings before reading one: a count of
    10^12 aborted the process (exit 134, nothing said; a whole folder's run with it) - review 32."""
    import xlsxwriter           # writes every text into the shared strings, as Excel does
    src = tmp_path / "共享.xlsx"
    book = xlsxwriter.Workbook(str(src))
    sheet = book.add_worksheet("客户")
    for r, row in enumerate([["客户编号", "客户名称"], ["C0001", "张三"]]):
        sheet.write_row(r, 0, row)
    book.close()
    bad = corpus.rewrite(src, tmp_path / "计数.xlsx", lambda n, d: re.sub(
        rb'uniqueCount="\d+"', b'uniqueCount="999999999999"', d) if n.endswith("sharedStrings.xml") else d)
    assert b"999999999999" in zipfile.ZipFile(bad).read("xl/sharedStrings.xml")
    refused(bad, "sharedStrings.xml", "999999999999", "文件已损坏")


def test_an_ods_that_binds_table_elsewhere_is_refused_whether_or_not_the_bound_vouches(tmp_path):
    """The prefix table bound to another namespace on an element with nothing under it: refused
    the same way with and without a comment in the file (review 32: only the exact measure, which
    a comment sends the file to, refused it)."""
    rows = [ods_row([ods_cell("工号"), ods_cell("姓名")]), ods_row([ods_cell("S01"), ods_cell("张三")])]
    for comment in ("", "<!-- 备注 -->"):
        p = write_ods(tmp_path / f"绑定{len(comment)}.ods", {"人员": rows})
        text = zipfile.ZipFile(p).read("content.xml").decode()
        text = text.replace("<office:body>", f'{comment}<office:scripts xmlns:table="urn:x-other"/><office:body>')
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", text)
            z.writestr("META-INF/manifest.xml", MANIFEST)
        refused(p, "把前缀 table 用于别的命名空间", "拒绝读取")


X_NS = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


@pytest.mark.parametrize("far", [
    b'<row r="1048576"><c r="XFD1048576"><x:v>1</x:v></c></row>',                  # a value tag with a prefix
    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><x:t>a</x:t></is></c></row>',
    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><x:is><x:t>a</x:t></x:is></c></row>',
], ids=["x:v", "x:t", "x:is"])
def test_a_far_cell_whose_value_tag_has_a_prefix_is_found_not_read(tmp_path, far):
    """<x:v> in an unprefixed <c> (review 33): the sweep's counts of cells with a value cannot see
    it, so the cells are looked at again; the far cell is a warning and never reaches the reader
    (which would set aside room for the whole grid and abort)."""
    def change(d: bytes) -> bytes:
        d = re.sub(rb"<dimension[^>]*/>", b"", d)
        d = d.replace(b"<worksheet ", b"<worksheet " + X_NS + b" ", 1)
        return d.replace(b"</sheetData>", far + b"</sheetData>")
    p = changed(EXAMPLE, tmp_path / "前缀值.xlsx", change)
    got = findings(p)
    assert [(f["sheet"], f["cell"]) for f in got if f["rule"] == "DATA009"] == [("回访记录", "XFD1048576")]


def test_duplicate_zip_members_are_refused(tmp_path):
    """Two members of one name (review 33): the inspection read the first, the cell reader the
    last - a far cell, or a shared strings count, could hide in the second."""
    p = tmp_path / "同名.xlsx"
    part = records_part(EXAMPLE)
    with zipfile.ZipFile(EXAMPLE) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")         # zipfile warns of the duplicate name
            zout.writestr(part, zin.read(part))
    refused(p, "两个同名的部件", part, "拒绝读取")


@pytest.mark.parametrize("root, fine", [
    ('<!-- sst> --><sst uniqueCount="999999999999" count="1">', False),     # "sst" in a comment first
    ('<sst a=">" uniqueCount="999999999999">', False),                      # a '>' in a value before it
    ('<sst uniqueCount=" 999999999999">', True),        # the reader does not take it: sets nothing aside
    ('<sst uniqueCount="+999999999999">', True),
    ('<sst uniqueCount="1000000">', True),              # stale but harmless: room for a million
])
def test_the_shared_strings_count_is_read_as_an_xml_parser_reads_it(tmp_path, root, fine):
    """Review 33: the count read past comments and quoted '>' (the reader would abort); a count
    the reader does not take, or one that is stale but small, is no reason to refuse the file."""
    import xlsxwriter
    src = tmp_path / "源.xlsx"
    book = xlsxwriter.Workbook(str(src))
    book.add_worksheet("客户").write_row(0, 0, ["客户编号", "客户名称"])
    book.close()
    main = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    p = corpus.rewrite(src, tmp_path / "计数.xlsx", lambda n, d: re.sub(
        rb"<sst[^>]*>", root.replace("<sst", main, 1).encode(), d, count=1) if n.endswith("sharedStrings.xml") else d)
    if fine:
        assert all(f["rule"] != "DATA000" for f in findings(p))
    else:
        refused(p, "共享字符串", "文件已损坏")
