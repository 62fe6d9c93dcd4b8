"""`--annotate DIR`: a copy of each workbook with every finding's cell filled and commented,
and a summary sheet in front. The original is only read."""
from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from generator.output import PRIVATE_FILE, OutputError, atomic_path, prepare_dir, unique_names
from generator.workbook.inspect import col_index
from generator.rules import RULES, SEVERITY_LABEL
from generator.validate import BookResult, Report
from generator.workbook.values import printable

FILL = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
SUMMARY = "校验结果"


MAX_MERGED_CELLS = 1_000_000       # openpyxl makes an object per merged cell: beyond this, no copy


class NotAnnotated(Exception):
    """A copy that cannot be written for this workbook; the message says why (Chinese)."""


def annotate(report: Report, out_dir: Path, warn=None) -> list[Path]:
    """The copies carry everything the workbooks hold, so they are owner-only, like the documents.

    A workbook whose copy cannot be written (another format, a structure the writer cannot
    handle) is named through `warn` and skipped: the report stands without it."""
    out_dir = prepare_dir(Path(out_dir), [b.path for b in report.books], "annotate")
    written = []
    names = unique_names([(b.path.stem, b.path) for b in report.books])
    for b, name in zip(report.books, names):
        suffix = b.path.suffix.lower() if b.path.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
        target = out_dir / f"{name}.校验{suffix}"
        try:
            annotate_book(b, report, target)
        except NotAnnotated as e:
            (warn or (lambda m: None))(f"{b.path}：未写出标注副本（{e}）；校验报告不受影响")
            continue
        except OutputError:
            raise
        except Exception as e:          # the writer meets a workbook it cannot copy
            (warn or (lambda m: None))(f"{b.path}：未写出标注副本（{type(e).__name__}：{str(e)[:80]}）；校验报告不受影响")
            continue
        written.append(target)
    return written


def _merged_area(path: Path) -> int:
    """How many cells the workbook's merged ranges cover (read from the sheets' XML, not loaded)."""
    total = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if "worksheets/" in info.filename.replace("\\", "/") and info.filename.endswith(".xml"):
                with zf.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 22):
                        buf = tail + chunk
                        for a, r1, b, r2 in re.findall(rb'<(?:\w+:)?mergeCell\b[^>]*?ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', buf):
                            cols = col_index(b.decode()) - col_index(a.decode()) + 1
                            total += max(cols, 1) * max(int(r2) - int(r1) + 1, 1)
                        tail = buf[-256:]
    return total


def _printable(ws, last_row: int) -> None:
    """The summary sheet prints as a table: landscape A4, one page wide, wrapped text, the header
    row repeated on every page."""
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=4, max_row=last_row):
        for cell in row:
            cell.alignment = wrap
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "4:4"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def _writable(ws, ref: str):
    """The cell to mark: a cell inside a merged range is marked at the range's first cell."""
    cell = ws[ref]
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if ref in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def _text(cell, value) -> None:
    """Write a value that stays text, never a formula (=, +, -, @ are kept as typed)."""
    if isinstance(value, str):
        value = printable(value)[:32767]
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def annotate_book(b: BookResult, report: Report, target: Path) -> None:
    if b.book.format != "xlsx":
        raise NotAnnotated("标注副本只能按 .xlsx 写出，请把工作簿另存为 .xlsx 后再加 --annotate")
    if _merged_area(b.path) > MAX_MERGED_CELLS:
        raise NotAnnotated("合并单元格覆盖的范围过大，请取消数据区以外的大范围合并")
    keep_vba = b.path.suffix.lower() == ".xlsm"
    try:
        wb = load_workbook(b.path, keep_vba=keep_vba, rich_text=False)
    except Exception as e:
        raise NotAnnotated(f"写出副本的程序无法打开这个工作簿：{type(e).__name__}") from None
    by_cell: dict[tuple, list] = defaultdict(list)
    for f in b.findings:
        if f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    names = {ws.title: ws for ws in wb.worksheets}
    real_name = {}
    for sheet in {s for s, _ in by_cell}:
        real_name[sheet] = sheet if sheet in names else next((n for n in names if n.replace(" ", "") == sheet), None)
    marks: dict[tuple, tuple] = {}          # findings of a merged range go to its first cell, together
    for (sheet, ref), found in by_cell.items():
        name = real_name.get(sheet)
        if name is None:
            continue
        cell = _writable(names[name], ref)
        key = (name, cell.coordinate)
        marks[key] = (cell, marks.get(key, (cell, []))[1] + found)
    for cell, found in marks.values():
        worst = "error" if any(f.severity == "error" for f in found) else "warning"
        cell.fill = FILL[worst]
        text = printable("\n".join(f"{f.rule} {f.title}：{f.message}" for f in found))
        cell.comment = Comment(text[:30000], "huifang")
        cell.comment.width, cell.comment.height = 320, 40 + 20 * min(len(found) * 2, 12)

    if SUMMARY in names:
        del wb[SUMMARY]
    ws = wb.create_sheet(SUMMARY, 0)
    ws.sheet_properties.tabColor = "C00000"
    head = [f"校验结果：错误 {b.count('error')} 条，警告 {b.count('warning')} 条，待办 {len(b.pending)} 项",
            f"检查日 {report.as_of}，检查期间自 {report.since}；原文件 {b.path.name}"]
    for r, line in enumerate(head, 1):
        _text(ws.cell(r, 1), line)
        ws.cell(r, 1).font = Font(bold=r == 1, size=12 if r == 1 else 10)
    cols = ("级别", "规则", "标题", "位置", "客户编号", "说明", "处理建议", "依据")
    for j, h in enumerate(cols, 1):
        c = ws.cell(4, j, h)
        c.font = Font(bold=True)
    for i, f in enumerate(b.findings, 5):
        rule = RULES[f.rule]
        values = (SEVERITY_LABEL[f.severity], f.rule, rule.title, f.where, f.customer, f.message, rule.fix,
                  "；".join(str(s) for s in rule.sources))
        for j, v in enumerate(values, 1):
            _text(ws.cell(i, j), v)
        ws.cell(i, 1).fill = FILL[f.severity]
        if f.cell and real_name.get(f.sheet):
            link = ws.cell(i, 4)
            link.hyperlink = f"#'{real_name[f.sheet]}'!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    for j, w in enumerate((6, 9, 24, 16, 11, 60, 40, 40), 1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A5"
    _printable(ws, len(b.findings) + 4)
    wb.active = 0
    with atomic_path(target, PRIVATE_FILE) as tmp:
        wb.save(tmp)
