"""`huifang init FILE.xlsx`: a blank workbook staff can fill at once."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from generator.workbook import contract as K
from generator import scratch
from generator.output import OutputError, atomic_path
from generator.names import shown

LISTS = "选项"        # the hidden sheet that holds long dropdown lists
ROWS = 5000           # rows that get dropdowns and formats
HEAD_REQUIRED = PatternFill("solid", fgColor="F8CBAD")
HEAD_OPTIONAL = PatternFill("solid", fgColor="DDEBF7")
FIRM_NOTE = ("依据：校验发现先引用本公司制度，再引用法规。"
             "在本台账旁的 huifang.toml 中用 [firm.documents] 写本公司制度的全称，"
             "用 [firm.cite] 写每条规则（或一类规则）对应的条款；未配置时只引用法规和行业范本。"
             "详见手册“回访原则 → 依据与本公司制度”。")


def init_workbook(path: Path, force: bool = False, contract: dict[str, K.Sheet] | None = None) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{shown(path)}：请使用 .xlsx 扩展名")
    if path.exists() and not force:
        raise OutputError(f"{shown(path)}：文件已存在；如要覆盖，请加 --force")
    contract = contract or K.CONTRACT
    wb = Workbook()
    wb.remove(wb.active)
    lists = wb.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    list_ref: dict[tuple, str] = {}
    for spec in contract.values():
        ws = wb.create_sheet(spec.name)
        for j, col in enumerate(spec.columns, 1):
            letter = get_column_letter(j)
            cell = ws.cell(1, j, f"{col.name}*" if col.required else col.name)   # * marks a required column
            cell.font = Font(bold=True)
            cell.fill = HEAD_REQUIRED if col.required else HEAD_OPTIONAL
            cell.alignment = Alignment(horizontal="center", vertical="center")
            note = Comment(col.describe(), "huifang")
            note.width, note.height = 260, 110
            cell.comment = note
            ws.column_dimensions[letter].width = max(col.width, len(col.name) * 2 + 2)
            rng = f"{letter}2:{letter}{ROWS + 1}"
            if col.type == K.ENUM:
                formula = '"' + ",".join(col.enum) + '"'
                if len(formula) > 250 or len(col.enum) > 8:
                    key = col.enum
                    if key not in list_ref:
                        k = len(list_ref) + 1
                        lcol = get_column_letter(k)
                        lists.cell(1, k, col.name)
                        for r, v in enumerate(col.enum, 2):
                            lists.cell(r, k, v)
                        list_ref[key] = f"{LISTS}!${lcol}$2:${lcol}${len(col.enum) + 1}"
                    formula = list_ref[key]
                dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle="取值不在选项中",
                                    error=f"{col.name}只能取：{' / '.join(col.enum)}"[:255],
                                    promptTitle=col.name[:32], prompt=col.describe()[:255], showInputMessage=True)
                dv.add(rng)
                ws.add_data_validation(dv)
            elif col.type in (K.DATE, K.DATETIME):
                ws.column_dimensions[letter].number_format = "yyyy-mm-dd" if col.type == K.DATE else "yyyy-mm-dd hh:mm"
            elif col.type in (K.CODE, K.STAFF, K.CUSTOMER, K.EVENT):
                # identifiers stay text: leading zeros and 18-digit ID numbers survive
                ws.column_dimensions[letter].number_format = "@"
        ws.freeze_panes = "A2"
        ws.row_dimensions[1].height = 22
    first = wb[next(iter(contract))]["A1"]
    first.comment = Comment(first.comment.text + "\n\n" + FIRM_NOTE, "huifang")
    first.comment.width, first.comment.height = 300, 220
    wb.move_sheet(LISTS, offset=len(wb.sheetnames))
    wb.active = 0
    with atomic_path(path, 0o644) as tmp, scratch.utf8_tempdir():     # (openpyxl's sheet files: a TMPDIR not UTF-8)
        wb.save(tmp)
    return path
