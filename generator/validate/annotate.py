"""`--annotate DIR`: a copy of each workbook with every finding's cell filled and commented,
and a summary sheet in front. The original is only read."""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from generator.output import PRIVATE_FILE, atomic_path, prepare_dir, unique_names
from generator.rules import RULES, SEVERITY_LABEL
from generator.validate import BookResult, Report
from generator.workbook.values import printable

FILL = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
SUMMARY = "校验结果"


def annotate(report: Report, out_dir: Path) -> list[Path]:
    """The copies carry everything the workbooks hold, so they are owner-only, like the documents."""
    out_dir = prepare_dir(Path(out_dir), [b.path for b in report.books], "annotate")
    written = []
    names = unique_names([(b.path.stem, b.path) for b in report.books])
    for b, name in zip(report.books, names):
        target = out_dir / f"{name}.校验{b.path.suffix}"
        annotate_book(b, report, target)
        written.append(target)
    return written


def _text(cell, value) -> None:
    """Write a value that stays text, never a formula (=, +, -, @ are kept as typed)."""
    if isinstance(value, str):
        value = printable(value)[:32767]
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def annotate_book(b: BookResult, report: Report, target: Path) -> None:
    keep_vba = b.path.suffix.lower() == ".xlsm"
    wb = load_workbook(b.path, keep_vba=keep_vba, rich_text=False)
    by_cell: dict[tuple, list] = defaultdict(list)
    for f in b.findings:
        if f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    names = {ws.title: ws for ws in wb.worksheets}
    real_name = {}
    for sheet in {s for s, _ in by_cell}:
        real_name[sheet] = sheet if sheet in names else next((n for n in names if n.replace(" ", "") == sheet), None)
    for (sheet, ref), found in by_cell.items():
        name = real_name.get(sheet)
        if name is None:
            continue
        cell = names[name][ref]
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
    wb.active = 0
    with atomic_path(target, PRIVATE_FILE) as tmp:
        wb.save(tmp)
