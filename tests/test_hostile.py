"""A corpus of broken and hostile workbooks, made by code. Each case checks what the user
sees (one Chinese line naming the file, or a finding naming sheet and cell), the exit
status, bounded time, and that the input file is byte-for-byte unchanged."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import record
from generator.workbook import inspect as xlsxcheck
from generator.workbook.reader import read_workbook
from generator.workbook.inspect import ReadError

ROOT = Path(__file__).resolve().parents[1]


def huifang(*args):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def refused(path: Path, text: str, seconds: float = 30):
    before = sha(path) if path.is_file() else None
    t = time.perf_counter()
    r = huifang("validate", path, "--as-of", "2025-06-30")
    took = time.perf_counter() - t
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0] and str(path) in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert took < seconds
    if before:
        assert sha(path) == before


def findings(path: Path, as_of="2025-06-30"):
    before = sha(path)
    r = huifang("validate", path, "--as-of", as_of, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    assert sha(path) == before
    return json.loads(r.stdout)["findings"]


def rewrite(src: Path, dst: Path, change) -> Path:
    """Copy a workbook zip, passing each part through change(name, bytes) -> bytes | None."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def sheet_part(path: Path, name: str) -> str:
    return next(s.part for s in xlsxcheck.inspect(path).sheets if s.name == name)


# ------------------------------------------------------------------ files that cannot be read

def test_text_renamed(tmp_path):
    p = tmp_path / "名单.xlsx"
    p.write_text("这不是工作簿\n", encoding="utf-8")
    refused(p, "不是 Excel 工作簿")


def test_csv_renamed(tmp_path):
    p = tmp_path / "export.xlsx"
    p.write_text("客户编号,客户名称\nC0001,张三\n", encoding="gbk")
    refused(p, "可能是改了扩展名的文本或 CSV")


def test_truncated_zip(book, tmp_path):
    src = book.write()
    p = tmp_path / "cut.xlsx"
    p.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    refused(p, "zip 结构不完整")


def test_zip_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "other.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
    refused(p, "zip 中没有工作簿部件")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    refused(p, "文件是空的")


def test_folder_named_xlsx(tmp_path):
    p = tmp_path / "台账.xlsx"
    p.mkdir()
    refused(p, "这是一个文件夹")


def test_missing_path(tmp_path):
    refused(tmp_path / "nowhere.xlsx", "找不到该文件")


def test_unreadable_file(book, monkeypatch):
    p = book.write()

    def denied(*a, **kw):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(xlsxcheck, "open", denied, raising=False)
    with pytest.raises(ReadError, match="没有读取权限"):
        read_workbook(p)


def test_password_protected(book, tmp_path):
    import msoffcrypto
    src = book.write()
    p = tmp_path / "加密.xlsx"
    with open(src, "rb") as fin, open(p, "wb") as fout:
        f = msoffcrypto.OfficeFile(fin)
        f.encrypt("secret", fout)
    refused(p, "设置了打开密码")


def test_legacy_xls(tmp_path):
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("客户")
    ws.write(0, 0, "客户编号")
    p = tmp_path / "老台账.xls"
    wb.save(str(p))
    q = tmp_path / "改名.xlsx"
    shutil.copy(p, q)
    for f in (p, q):           # read by content, whatever the name says
        found = findings(f)
        assert any(x["rule"] == "DATA001" and "缺少必需的工作表“人员”" in x["message"] for x in found), found


def test_entity_bomb_is_refused_quickly(book, tmp_path):
    src = book.write()
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{"&lol%s;" % (i - 1 if i else "")}' * 10 + '">' for i in range(1, 10))
            + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    p = rewrite(src, tmp_path / "bomb.xlsx", lambda n, d: None if n == "xl/sharedStrings.xml" else d)
    with zipfile.ZipFile(p, "a") as z:
        z.writestr("xl/sharedStrings.xml", bomb)
    refused(p, "XML 实体声明", seconds=15)


def test_entity_in_a_sheet_is_refused(book, tmp_path):
    src = book.write()
    part = sheet_part(src, "回访记录")
    p = rewrite(src, tmp_path / "ent.xlsx",
                lambda n, d: d.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1) if n == part else d)
    refused(p, "XML 实体声明")


def test_zip_bomb_is_refused_before_inflating(book, tmp_path):
    src = book.write()
    part = sheet_part(src, "回访记录")
    filler = b"<!-- " + b"0" * (200 << 20) + b" -->"
    p = rewrite(src, tmp_path / "zipbomb.xlsx",
                lambda n, d: d.replace(b"<sheetData>", filler + b"<sheetData>", 1) if n == part else d)
    assert p.stat().st_size < 2 << 20
    refused(p, "疑似压缩炸弹", seconds=15)


# ------------------------------------------------------------------ workbooks read with findings

def test_xlsm_with_macros_is_read_and_macros_ignored(book, tmp_path):
    src = book.write()
    p = tmp_path / "宏.xlsm"

    def add_vba(name, data):
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>",
                                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                                b'</Types>')
        return data
    rewrite(src, p, add_vba)
    with zipfile.ZipFile(p, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0fake vba")
    assert findings(p) == []
    r = huifang("validate", p, "--as-of", "2025-06-30")
    assert "含宏" in r.stdout and r.returncode == 0


def test_sheets_reordered_and_hidden(book, tmp_path):
    p = book.write()
    wb = openpyxl.load_workbook(p)
    wb.move_sheet("回访记录", offset=-2)
    wb["人员"].sheet_state = "hidden"
    q = tmp_path / "moved.xlsx"
    wb.save(q)
    assert findings(q) == []


def test_renamed_sheet_and_header_typo(book, tmp_path):
    p = book.write()
    wb = openpyxl.load_workbook(p)
    wb["回访记录"].title = "回访记录表"
    wb["客户"]["N1"] = "开户时间"
    q = tmp_path / "renamed.xlsx"
    wb.save(q)
    got = findings(q)
    msgs = [(f["rule"], f["sheet"], f["message"]) for f in got]
    assert ("DATA001", "回访记录",
            "缺少必需的工作表“回访记录”（找到工作表“回访记录表”，是否改了名？请改回“回访记录”）") in msgs
    wb = openpyxl.load_workbook(p)
    wb["回访记录"]["F1"] = "回访时刻"
    wb.save(q)
    [f] = [f for f in findings(q) if f["rule"] == "DATA001"]
    assert f["cell"] == "F1" or f["row"] == 1
    assert "找到表头“回访时刻”，应为“回访时间”" in f["message"]


def test_duplicated_header(book, tmp_path):
    p = book.write()
    wb = openpyxl.load_workbook(p)
    ws = wb["回访记录"]
    ws.cell(1, ws.max_column + 1, "回访结果")
    q = tmp_path / "dup.xlsx"
    wb.save(q)
    [f] = findings(q)
    assert f["rule"] == "DATA001" and "表头“回访结果”出现了两次" in f["message"]


def test_merged_cells_in_data(book, tmp_path):
    book.add("回访记录", **record(记录编号="R0002", 回访时间=datetime(2025, 6, 3, 9)))
    p = book.write()
    wb = openpyxl.load_workbook(p)
    ws = wb["回访记录"]
    ws["B3"] = None
    ws.merge_cells("B2:B3")            # 客户编号 merged over two records
    q = tmp_path / "merged.xlsx"
    wb.save(q)
    got = findings(q)
    assert [(f["rule"], f["sheet"], f["row"], f["column"]) for f in got] == [("DATA003", "回访记录", 2, "客户编号")]
    assert "合并单元格 B2:B3" in got[0]["message"]
    assert read_workbook(q)["回访记录"].col("客户编号") == ["C0001", "C0001"]


def test_formula_without_cached_value_and_error_cells(book, tmp_path):
    p = book.write()
    wb = openpyxl.load_workbook(p)
    ws = wb["客户"]
    ws["U2"] = "=100000*2"          # 总资产: openpyxl writes no cached value
    ws["T2"] = "#N/A"               # 最后交易日期: an error value
    q = tmp_path / "formula.xlsx"
    wb.save(q)
    got = {(f["rule"], f["cell"]): f["message"] for f in findings(q)}
    assert "公式没有计算结果" in got[("DATA003", "U2")]
    assert "错误值 #N/A" in got[("DATA003", "T2")]


def test_long_cells_and_control_characters(book, tmp_path):
    import xlsxwriter  # noqa: F401  (the writer escapes control characters as _xHHHH_)
    book.sheets["客户"][0]["联系地址"] = "长" * 32767
    book.sheets["回访记录"][0]["回访方式"] = "电\x07话" + "很" * 200
    book.sheets["回访记录"][0]["处理结果"] = "=HYPERLINK(\"http://x\")"
    p = book.write()
    [f] = findings(p)
    assert f["rule"] == "DATA002" and "\\x07" in f["message"] and len(f["message"]) < 200
    assert read_workbook(p)["客户"].col("联系地址") == ["长" * 32767]
    out = tmp_path / "ann"
    r = huifang("validate", p, "--as-of", "2025-06-30", "--annotate", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    wb = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    rec = wb["回访记录"]
    heads = {rec.cell(1, j).value: rec.cell(2, j) for j in range(1, rec.max_column + 1)}
    assert heads["处理结果"].data_type == "s"


def test_million_empty_formatted_rows_after_the_data(book, tmp_path):
    src = book.write()
    part = sheet_part(src, "回访记录")
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>' % (n, n, n) for n in range(10, 1_000_010))
    p = rewrite(src, tmp_path / "tail.xlsx", lambda n,
                d: d.replace(b"</sheetData>", rows + b"</sheetData>") if n == part else d)
    t = time.perf_counter()
    assert findings(p) == []
    assert time.perf_counter() - t < 60
    assert len(read_workbook(p)["回访记录"]) == 1


def test_outputs_never_go_into_an_input_folder(book):
    src = book.write()
    r = huifang("generate", src, "--out", src.parent)
    assert r.returncode == 2 and "输入所在的文件夹" in r.stderr
    r = huifang("site", src, "--out", src.parent, "--as-of", "2025-06-30")
    assert r.returncode == 2 and "Traceback" not in r.stderr
