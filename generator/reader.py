"""The workbook reader: one read path for every command.

Each sheet is read once with python-calamine, the header row is found, columns are mapped by
header name in any order, and every column is turned into typed values in one pass over its
distinct values. What cannot be read becomes a `Problem` (DATA001/002/003) with its cell.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from . import contract as K
from .values import column_letter, convert_column, norm_header
from .xlsxcheck import ReadError, SheetInfo, inspect

HEADER_SCAN_ROWS = 30


@dataclass
class Problem:
    """A data finding the reader makes: DATA001 / DATA002 / DATA003."""
    rule: str
    sheet: str
    row: int | None
    column: str | None
    message: str
    customer: str | None = None


@dataclass
class Table:
    """One sheet as typed columns. `rows[i]` is the Excel row of the i-th data row."""
    spec: K.Sheet
    present: bool = False
    header_row: int | None = None
    rows: list[int] = field(default_factory=list)
    cols: dict[str, list] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    extra: dict[str, list] = field(default_factory=dict)
    extra_letters: dict[str, str] = field(default_factory=dict)
    hidden: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    def __len__(self) -> int:
        return len(self.rows)

    def col(self, name: str) -> list:
        """Typed values of a contract column; all None when the column is absent."""
        got = self.cols.get(name)
        if got is None:
            got = [None] * len(self.rows)
        return got

    def has(self, name: str) -> bool:
        return name in self.cols

    def letter(self, name: str) -> str | None:
        return self.letters.get(name)


@dataclass
class Workbook:
    path: Path
    tables: dict[str, Table]
    problems: list[Problem]
    macros: bool = False

    def __getitem__(self, sheet: str) -> Table:
        return self.tables[sheet]

    @property
    def unit(self) -> str:
        """The unit (营业部) the workbook belongs to: the most common 营业部 of 客户."""
        units = [u for u in self.tables["客户"].col("营业部") if u]
        if units:
            return max(set(units), key=units.count)
        return self.path.stem


def read_workbook(path: str | Path, contract: dict[str, K.Sheet] | None = None) -> Workbook:
    """Read a workbook. Raises ReadError (one Chinese line) when it cannot be read at all."""
    path = Path(path)
    contract = contract or K.CONTRACT
    info = inspect(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise ReadError(f"{path}：工作簿设置了打开密码，请取消密码后再校验") from None
    except (CalamineError, OSError, ValueError) as e:
        raise ReadError(f"{path}：文件已损坏，无法读取（{e}）") from None
    problems: list[Problem] = []
    by_name = {s.name: s for s in info.sheets}
    norm_names = {norm_header(s.name): s for s in info.sheets}
    tables: dict[str, Table] = {}
    with book:
        for spec in contract.values():
            sinfo = by_name.get(spec.name) or norm_names.get(norm_header(spec.name))
            table = Table(spec)
            tables[spec.name] = table
            if sinfo is None:
                if spec.required:
                    problems.append(Problem("DATA001", spec.name, None, None, _missing_sheet(spec.name, info.sheets)))
                continue
            try:
                sheet = book.get_sheet_by_name(sinfo.name)
                rows = sheet.to_python(skip_empty_area=False)
                merged = sheet.merged_cell_ranges or ()
            except CalamineError as e:
                raise ReadError(f"{path}：工作表“{sinfo.name}”无法读取（{e}）") from None
            _fill_table(table, rows, sinfo, merged, problems)
            table.hidden = sinfo.hidden
    return Workbook(path, tables, problems, info.macros)


def _missing_sheet(name: str, sheets: list[SheetInfo]) -> str:
    others = [s.name for s in sheets]
    near = difflib.get_close_matches(name, others, n=1, cutoff=0.5)
    near = near or [o for o in others if name in o or o in name]
    hint = f"（找到工作表“{near[0]}”，是否改了名？请改回“{name}”）" if near else ""
    return f"缺少必需的工作表“{name}”{hint}"


def _find_header(rows: list[list], spec: K.Sheet) -> int | None:
    known = spec.by_name
    need = 1 if len(spec.columns) <= 2 else 2
    first_nonempty = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if row.count("") == len(row):
            continue
        if first_nonempty is None:
            first_nonempty = i
        if sum(1 for v in row if norm_header(v) in known) >= need:
            return i
    return first_nonempty


def _fill_table(table: Table, rows: list[list], sinfo: SheetInfo, merged, problems: list[Problem]) -> None:
    spec = table.spec
    table.present = True
    first_problem = len(problems)
    try:
        _fill(table, rows, sinfo, merged, problems)
    finally:
        _name_customers(table, problems[first_problem:])


def _name_customers(table: Table, problems: list[Problem]) -> None:
    """Each problem of a data row names the row's 客户编号."""
    custs = table.cols.get("客户编号")
    if not custs or not problems:
        return
    pos = {r: i for i, r in enumerate(table.rows)}
    for p in problems:
        i = pos.get(p.row)
        if i is not None and p.customer is None:
            p.customer = custs[i]


def _fill(table: Table, rows: list[list], sinfo: SheetInfo, merged, problems: list[Problem]) -> None:
    spec = table.spec
    h = _find_header(rows, spec)
    if h is None:
        # an empty sheet: no header, no rows
        for col in spec.columns:
            if col.required:
                problems.append(Problem("DATA001", spec.name, 1, col.name, f"工作表“{spec.name}”是空的，缺少表头“{col.name}”"))
        return
    header = rows[h]
    table.header_row = h + 1
    mapped: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for j, v in enumerate(header):
        name = norm_header(v)
        if not name:
            continue
        if name in spec.by_name:
            if name in mapped:
                problems.append(Problem(
                    "DATA001", spec.name, h + 1, name,
                    f"表头“{name}”出现了两次（{column_letter(mapped[name])} 列和 {column_letter(j)} 列），"
                    f"只读取 {column_letter(mapped[name])} 列，请删除或改名重复的一列"))
                continue
            mapped[name] = j
        else:
            unknown.setdefault(str(v).strip(), j)
    for col in spec.columns:
        if col.required and col.name not in mapped:
            near = difflib.get_close_matches(col.name, list(unknown), n=1, cutoff=0.5)
            hint = f"（找到表头“{near[0]}”，应为“{col.name}”？）" if near else ""
            problems.append(Problem("DATA001", spec.name, h + 1, col.name,
                                    f"缺少必填列“{col.name}”{hint}"))

    width = len(header)
    names_at = {j: n for n, j in mapped.items()}
    for (r0, c0), (r1, c1) in merged:
        if r1 <= h or r0 >= len(rows):
            continue
        value = rows[r0][c0]
        for r in range(max(r0, h + 1), min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
        span = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
        problems.append(Problem(
            "DATA003", spec.name, max(r0, h + 1) + 1, names_at.get(c0),
            f"数据区内有合并单元格 {span}：已按首格的值读取其中每一行，请取消合并并逐行填写"))
    keep = [i for i in range(h + 1, len(rows)) if rows[i].count("") != width]
    data = [rows[i] for i in keep]
    del rows[:]
    table.rows = [i + 1 for i in keep]
    columns = list(zip(*data)) if data else [()] * width
    del data
    odd = sinfo.odd_cells
    odd_by_col: dict[int, list[tuple[int, str]]] = {}
    if odd:
        pos_of_row = {r: i for i, r in enumerate(table.rows)}
        for ref, why in odd.items():
            letters = ref.rstrip("0123456789")
            r = int(ref[len(letters):])
            if r in pos_of_row:
                odd_by_col.setdefault(_letter_index(letters), []).append((pos_of_row[r], why))
    for name, j in mapped.items():
        col = spec.by_name[name]
        letter = column_letter(j)
        table.letters[name] = letter
        vals, bad = convert_column(col, columns[j]) if j < len(columns) else ([None] * len(keep), [])
        columns[j] = None
        flagged = set()
        for i, why in odd_by_col.get(j, ()):
            problems.append(Problem("DATA003", spec.name, table.rows[i], name, why))
            vals[i] = None
            flagged.add(i)
        rule = "DATA002" if col.type == K.ENUM else "DATA003"
        for i, why, _raw in bad:
            if i not in flagged:
                problems.append(Problem(rule, spec.name, table.rows[i], name, f"{name}：{why}"))
                flagged.add(i)
        if col.required:
            for i in [i for i, v in enumerate(vals) if v is None]:
                if i not in flagged:
                    problems.append(Problem("DATA001", spec.name, table.rows[i], name, f"必填项“{name}”为空"))
        table.cols[name] = vals
    for name, j in unknown.items():
        table.extra[name] = list(columns[j]) if j < len(columns) and columns[j] is not None else []
        table.extra_letters[name] = column_letter(j)


def _letter_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


__all__ = ["read_workbook", "Workbook", "Table", "Problem", "ReadError"]
