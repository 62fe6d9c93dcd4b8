"""`huifang plan`: next month's callback plan from what is due, overdue and still needed.

附件一 steps 2-3 (确定客户回访名单, 制订《客户回访计划》) and 002 第十一条 (the plan names
content, method, time, customers and the staff who call). For one month:

- every deadline rule's trigger that falls due by the month's end, and every overdue one not
  yet done, becomes a plan row of the callback type the rule requires, on a working day no
  later than the deadline (no earlier than the day after the window opened);
- the yearly shares' remaining need: a seeded simple random sample of 存量 customers not yet
  called this year (STK002's margin customers first, then STK001), enough to meet the target
  by the year's end spread evenly over the remaining months; key customers (KEY001) and 投顾
  customers (IA003) not yet called in their period, spread likewise;
- each row gets a 回访方式 the rule MTH006 allows, and a 回访人员 the independence policy
  (generator/roles.py) allows for that customer and type: a 回访专员 or 客户服务, else a
  stand-in (never a 营销人员, never a 投资顾问 for 投顾 types, never the customer's 开发人员), the
  eligible staff taking turns by load.

The workbook is copied with the rows appended to 回访计划 (the input is never written), the
month's plan document (附件二) is generated from the copy, and a summary is written and shown.
"""
from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from generator import periods
from generator.config import Config
from generator.output import OutputError, atomic_path, fit_file, prepared_dir, unique_names
from generator.periods import Period
from generator.roles import CALLBACK
from generator.rules import RULES
from generator.rules.context import Context, Due, Hit
from generator.rules.workdays import WorkCalendar
from generator.validate.run import checked_period, collect_paths, make_context, paused_gc, rule_hits
from generator.workbook import contract as K
from generator.names import shown
from generator.workbook.reader import Workbook, read_workbook

SHARE_RULES = ("STK002", "STK001")          # the margin share first: its customers count for both
SPREAD_RULES = ("KEY001", "IA003")
TOPICS = {"私募产品回访": "产品购买情况、风险揭示和冷静期", "新开户回访": "开户过程、风险揭示和服务情况",
          "投顾新签约回访": "签约过程、风险揭示和服务协议", "投顾持续回访": "投顾服务满意度和执业规范",
          "存量回访": "服务满意度和执业规范", "重点客户回访": "服务需求和满意度"}
OVERDUE_DAYS = 5                            # overdue callbacks are spread over the month's first working days
REASONS = {"overdue": "逾期未回访（补做）", "due": "本月到期", "share": "存量覆盖率抽样", "spread": "年度应回访名单"}


@dataclass
class PlanRow:
    customer: str
    kind: str
    reason: str                 # a key of REASONS
    rule: str
    due: date | None            # the deadline (deadline rules) or the period's end (coverage)
    earliest: date              # the first day the callback may be made
    purpose: str
    method: str = "电话"
    day: date | None = None
    staff: str | None = None
    first: str = "常规"
    id: str = ""


@dataclass
class BookPlan:
    book: Workbook
    month: Period
    rows: list[PlanRow] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)        # what the sample reaches, one line each
    notes: list[str] = field(default_factory=list)
    seed: int = 0
    preparer: str | None = None         # 编制人 and 部门主管: left for a person unless given
    supervisor: str | None = None


def parse_month(text: str) -> Period:
    try:
        p = periods.parse_period(text)
    except ValueError:
        p = None
    if p is None or p.kind != periods.MONTH:
        raise OutputError(f"--month “{text}”应为 YYYY-MM 格式的月份（如 2026-01）")
    return p


# ------------------------------------------------------------------ what to plan

def plan_book(book: Workbook, config: Config, month: Period, as_of: date, since: date, seed: int,
              cal: WorkCalendar, preparer: str | None = None, supervisor: str | None = None) -> BookPlan:
    ctx = make_context(book, config, as_of, since, cal)
    plan = BookPlan(book, month, seed=seed, preparer=preparer, supervisor=supervisor)
    first_day = max(month.start, as_of + timedelta(days=1))
    days = [first_day + timedelta(days=k) for k in range((month.end - first_day).days + 1)]
    days = [d for d in days if cal.is_workday(d)]
    if not days:
        raise OutputError(f"{shown(book.path)}：{month.label}在检查日 {as_of} 之后没有工作日可排计划")
    planned = _already_planned(ctx, as_of)
    taken: set[tuple] = set()

    def add(row: PlanRow) -> None:
        key = (row.customer, row.kind)
        if key in taken or key in planned:
            return
        taken.add(key)
        plan.rows.append(row)

    for row in _deadline_rows(ctx, config, month):
        add(row)
    picked: set = {r.customer for r in plan.rows if r.kind == "存量回访"}
    for rid in SHARE_RULES:
        s = config.settings(rid)
        if s.enabled:
            for row in _share_rows(ctx, s, rid, month, first_day, seed, picked, plan, planned):
                add(row)
                picked.add(row.customer)
    for rid in SPREAD_RULES:
        s = config.settings(rid)
        if s.enabled:
            for row in _spread_rows(ctx, s, rid, month, first_day, seed, plan):
                add(row)
    _schedule(plan.rows, days)
    _methods(plan.rows, config)
    _assign(ctx, plan)
    _number(ctx, plan)
    seen = set(c for c in ctx.records.col("客户编号") if c is not None)
    for r in plan.rows:
        r.first = "常规" if r.customer in seen else "首次"
    return plan


def _already_planned(ctx: Context, as_of: date) -> set[tuple]:
    """(customer, type) of plan rows dated after as-of: planned already, not planned twice."""
    t = ctx.plans
    return {(c, k) for c, k, d in zip(t.col("客户编号"), t.col("回访类型"), t.col("计划日期"))
            if c is not None and k is not None and d is not None and d > as_of}


def _deadline_rows(ctx: Context, config: Config, month: Period):
    """Every trigger of a deadline rule due by the month's end, or overdue and not yet done."""
    for rid, _, hit in rule_hits(ctx, config, only=lambda r: r.deadline is not None):
        if hit.customer is None or hit.start is None:
            continue
        if isinstance(hit, Due):
            if hit.due > month.end:
                continue
            reason = "due"
        elif isinstance(hit, Hit) and hit.actual is None and hit.due is not None:
            reason = "overdue"
        else:
            continue
        dl = RULES[rid].deadline
        yield PlanRow(hit.customer, dl.callback, reason, rid, hit.due, _first_day(hit.start),
                      f"{dl.trigger}起应{dl.callback}（{rid}，截止 {hit.due}）")


def _first_day(start: date | datetime) -> date:
    """The first day a callback can be made on: the window's day, or the next day when the window
    opens at a time of day (a callback that day may come too early, e.g. inside a cooling-off)."""
    if not isinstance(start, datetime):
        return start
    return start.date() + timedelta(days=1 if start.time() != time() else 0)


def _months_left(month: Period, p: Period) -> int:
    """Months from this one to the end of period p, this one included."""
    return (p.end.year - month.start.year) * 12 + p.end.month - month.start.month + 1


def _seeded(seed: int, rid: str, p: Period, items: list) -> list:
    """A reproducible simple random order: the same seed, rule, period and list give the same order."""
    out = sorted(items)
    random.Random(f"{seed}:{rid}:{p.key}").shuffle(out)
    return out


def _share_rows(ctx: Context, s, rid: str, month: Period, first_day: date, seed: int, picked: set,
                plan: BookPlan, planned: set):
    rule = RULES[rid]
    p = periods.year(month.start.year)
    f = rule.figures(ctx, s, p)
    if not f.base:
        return
    custs = ctx.customers.col("客户编号")
    missing = [custs[i] for i in f.missing if custs[i] is not None]
    ahead = sum(1 for c in missing if c in picked or (c, "存量回访") in planned)
    need = max(0, math.ceil(f.target / 100 * len(f.base)) - len(f.done) - ahead)
    quota = math.ceil(need / _months_left(month, p)) if need else 0
    chosen = [c for c in _seeded(seed, rid, p, missing) if c not in picked and (c, "存量回访") not in planned][:quota]
    after = len(f.done) + ahead + len(chosen)
    plan.shares.append(f"{rid} {f.label}：已完成 {len(f.done)}/{len(f.base)} 户（{f.share:.1f}%），目标 {f.target:g}%；"
                       f"尚需 {need} 户，分 {_months_left(month, p)} 个月，本月抽取 {len(chosen)} 户"
                       f"（简单随机抽样，种子 {seed}）；本月计划完成后 {after}/{len(f.base)} 户"
                       f"（{100 * after / len(f.base):.1f}%）")
    for c in chosen:
        yield PlanRow(c, "存量回访", "share", rid, p.end, first_day,
                      f"存量客户抽样回访（{rid}，简单随机抽样，种子 {seed}）")


def _spread_rows(ctx: Context, s, rid: str, month: Period, first_day: date, seed: int, plan: BookPlan):
    rule = RULES[rid]
    kind = "重点客户回访" if rid == "KEY001" else "投顾持续回访"
    p = periods.containing(getattr(s, "period", periods.YEAR) if rid == "IA003" else periods.YEAR, month.start)
    f = rule.figures(ctx, s, p)
    custs = ctx.customers.col("客户编号")
    missing = [custs[i] for i in f.missing if custs[i] is not None]
    if not missing:
        return
    left = _months_left(month, p)
    quota = math.ceil(len(missing) / left)
    chosen = _seeded(seed, rid, p, missing)[:quota]
    plan.shares.append(f"{rid} {f.label}：{p.label}尚有 {len(missing)} 户未回访，分 {left} 个月，"
                       f"本月安排 {len(chosen)} 户")
    for c in chosen:
        yield PlanRow(c, kind, "spread", rid, p.end, first_day, f"{p.label}应完成{kind}（{rid}）")


# ------------------------------------------------------------------ when, how, who

def _schedule(rows: list[PlanRow], days: list[date]) -> None:
    """Each row on the least-loaded working day between its earliest day and its deadline; a row
    whose deadline has passed (or falls before any working day left) goes on the least loaded of
    the first OVERDUE_DAYS working days it may be made on."""
    load: Counter = Counter()
    order = sorted(rows, key=lambda r: (r.due or date.max, r.customer, r.kind))
    for r in order:
        ok = [d for d in days if d >= r.earliest and (r.due is None or d <= r.due)]
        if not ok:          # overdue: as soon as possible, spread over the first working days
            ok = [d for d in days if d >= r.earliest][:OVERDUE_DAYS] or days[-1:]
        r.day = min(ok, key=lambda d: (load[d], d))
        load[r.day] += 1


def _methods(rows: list[PlanRow], config: Config) -> None:
    allowed = config.settings("MTH006").allowed if config.settings("MTH006").enabled else {}
    for r in rows:
        ok = allowed.get(r.kind)
        r.method = "电话" if not ok or "电话" in ok else ok[0]


def _assign(ctx: Context, plan: BookPlan) -> None:
    """A caller for each row, as the independence policy allows (generator/roles.py): staff whose
    work callbacks are, or when none of them may call this customer, staff who may stand in (a
    投资顾问 never on a 投顾 callback, nobody on a customer they developed); the least loaded first."""
    staff = ctx.staff_roles()
    dev = ctx.customers.col("开发人员")
    load: Counter = Counter()
    missing = 0
    for r in sorted(plan.rows, key=lambda r: (r.day, r.customer, r.kind)):
        i = ctx.cust_index.get(r.customer)
        ok = staff.callers(r.kind, dev[i] if i is not None else None)
        if not ok:
            missing += 1
            continue
        r.staff = min(ok, key=lambda c: (load[c], c))
        load[r.staff] += 1
    if missing:
        plan.notes.append(f"{missing} 行没有可安排的回访人员（可安排：{CALLBACK.who()}；人员表中没有这样的员工，"
                          "或只有客户的开发人员），回访人员留空，请指定")


def _number(ctx: Context, plan: BookPlan) -> None:
    used = {x for x in ctx.plans.col("计划编号") if x is not None}
    stem = f"JH{plan.month.start:%Y%m}-"
    n = 0
    plan.rows.sort(key=lambda r: (r.day, r.customer, r.kind))
    for r in plan.rows:
        n += 1
        while f"{stem}{n:04d}" in used:
            n += 1
        r.id = f"{stem}{n:04d}"


# ------------------------------------------------------------------ writing

COLUMNS = ("计划编号", "客户编号", "回访类型", "回访方式", "首次或常规", "回访目的", "回访主题", "计划日期", "回访人员",
           "编制人", "部门主管")


def write_copy(plan: BookPlan, target: Path) -> None:
    """The workbook with the plan rows appended to 回访计划, written whole to target.

    The copy is the same package with that sheet (and the styles) changed: every other part,
    VBA, drawings and shapes included, is copied byte for byte (workbook/package.py)."""
    from generator.workbook import package as P

    source = plan.book.path
    if source.suffix.lower() not in COPYABLE or plan.book.format != "xlsx":
        _refuse_copy(source)
    with P.Workbook(source) as wb:
        _plan_rows(wb, plan)
        with atomic_path(target) as tmp:
            wb.save(tmp)


MERGE_SHIFT = 1000       # plan rows start below a merged range in their way, unless it reaches this far


def _plan_rows(wb, plan: BookPlan) -> None:
    """The edits: headers the sheet lacks, then one row per plan row after the last data row."""
    from generator.workbook import package as P
    from generator.workbook.inspect import col_index

    table = plan.book["回访计划"]
    spec = K.CONTRACT["回访计划"]
    if table.present and table.header_row is not None:
        sheet = wb.sheet(table.name)
        if sheet is None or not sheet.part:
            raise OutputError(f"{shown(plan.book.path)}：找不到工作表“{table.name}”的部件，无法追加计划")
        part, header = sheet.part, table.header_row
        letters = {n: col_index(table.letter(n)) + 1 for n in COLUMNS if table.has(n)}
        taken = [*letters.values(), *(col_index(x) + 1 for x in table.extra_letters.values())]
        nxt = max(taken, default=0) + 1
        missing = [n for n in COLUMNS if n not in letters]
        if nxt + len(missing) - 1 > P.MAX_COL:
            raise OutputError(f"{shown(plan.book.path)}：工作表“{sheet.name}”已用到最后一列，无法再添加计划所需的列")
        edit = wb.edit_sheet(part)
        for n in missing:
            edit.at(header, nxt, _text(wb, n))
            letters[n] = nxt
            nxt += 1
        last = max(table.rows, default=header)
        row = _below_merges(wb, plan, sheet, part, last + 1, edit, sorted(letters.values()))
        if plan.rows:
            _grow_ranges(wb, sheet, part, edit, header, last, row + len(plan.rows) - 1)
    else:
        sheet, part = _empty_plan_sheet(wb, plan)
        edit = wb.edit_sheet(part)
        letters = {c.name: j for j, c in enumerate(spec.columns, 1)}
        for n, j in letters.items():
            edit.at(1, j, _text(wb, n))
        row = 2
        if sheet is not None:           # the workbook's own empty sheet: its merged cells are minded too
            head = [m for m in wb.scan(part).merges if m[0] <= 1 <= m[2] and m[1] <= len(letters)]
            if head:
                refs = "、".join(f"{P.cell_ref(m[0], m[1])}:{P.cell_ref(m[2], m[3])}" for m in head[:3])
                raise OutputError(f"{shown(plan.book.path)}：工作表“{sheet.name}”是空的，"
                                  f"但第一行有合并单元格（{refs}），表头写不进去；请取消合并后重试")
            row = _below_merges(wb, plan, sheet, part, row, edit, sorted(letters.values()))
    if row + len(plan.rows) - 1 > P.MAX_ROW:
        raise OutputError(f"{shown(plan.book.path)}：工作表“回访计划”没有足够的空行追加 {len(plan.rows)} 行计划")
    for r in plan.rows:
        for n, v in row_values(plan, r).items():
            if v is None:
                continue
            if isinstance(v, date):
                edit.at(row, letters[n], _date(wb, v))
            else:
                edit.at(row, letters[n], _text(wb, v, wrap=n == "回访目的"))
        row += 1


_SHEET_KINDS = {"chartsheet": "图表工作表", "dialogsheet": "对话框工作表", "macrosheet": "宏表"}


def _empty_plan_sheet(wb, plan: BookPlan):
    """(sheet, part) the plan is written into with its header in row 1: the workbook's own 回访计划
    sheet when it is an empty worksheet (a second sheet of that name would be a name Excel refuses,
    and the one the reader reads would still be the empty one), else (None, a new sheet's part)."""
    sheet = wb.sheet("回访计划")
    if sheet is None:
        return None, wb.add_sheet("回访计划", (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                        f'<worksheet xmlns="{wb.ns}"><sheetData/></worksheet>').encode())
    if sheet.kind != "worksheet" or not sheet.part:
        kind = _SHEET_KINDS.get(sheet.kind, sheet.kind)
        raise OutputError(f"{shown(plan.book.path)}：“{sheet.name}”是{kind}，不是普通工作表，无法在其中追加计划；"
                          "请把它改名或删除后重试（huifang 会新建一张“回访计划”工作表）")
    if not wb.blank(sheet.part):
        raise OutputError(f"{shown(plan.book.path)}：工作表“{sheet.name}”中有内容，但找不到“回访计划”的表头，不知道计划"
                          "该写在哪里；请在第一行填上表头（计划编号、客户编号……，见 huifang init 的空白工作簿）后重试")
    return sheet, sheet.part


def row_values(plan: BookPlan, r: PlanRow) -> dict:
    """The 回访计划 cells of one plan row, by column."""
    return {"计划编号": r.id, "客户编号": r.customer, "回访类型": r.kind, "回访方式": r.method,
            "首次或常规": r.first, "回访目的": r.purpose, "回访主题": TOPICS.get(r.kind, "服务满意度"),
            "计划日期": r.day, "回访人员": r.staff, "编制人": plan.preparer, "部门主管": plan.supervisor}


def with_plan_rows(plan: BookPlan, copy: Path) -> Workbook:
    """The workbook already read, as its copy reads: the plan rows appended to its 回访计划 table
    in memory, so the plan document is made without reading the copy (and holding it) again."""
    from dataclasses import replace
    table = plan.book["回访计划"]
    n = len(table.rows)
    for name in COLUMNS:
        table.cols.setdefault(name, [None] * n)
    last = max(table.rows, default=table.header_row or 1)
    for k, r in enumerate(plan.rows, 1):
        values = row_values(plan, r)
        for name, column in table.cols.items():
            column.append(values.get(name))
        table.rows.append(last + k)
    table.present = True
    return replace(plan.book, path=copy)


def _text(wb, value: str, wrap: bool = False):
    """A cell edit: the value as text (format @, or wrapped at the top for long text)."""
    from generator.workbook import package as P
    from generator.workbook.values import printable

    def edit(c, base: int) -> None:
        P.set_text(c, printable(str(value))[:32767], wb.ns)
        c.set("s", str(wb.styles.xf(base, wrap=True) if wrap else wb.styles.xf(base, numfmt="@")))
    return edit


def _date(wb, value: date):
    from generator.workbook import package as P

    def edit(c, base: int) -> None:
        P.set_number(c, P.serial(value, wb.date1904), wb.ns)
        c.set("s", str(wb.styles.xf(base, numfmt="yyyy-mm-dd")))
    return edit


def _grow_ranges(wb, sheet, part: str, edit, header: int, last: int, new_last: int) -> None:
    """A table (xl/tables) over the plan sheet's data, the sheet's autoFilter and the filter's hidden
    name reach down over the appended rows, as Excel grows a table when rows are typed below it. Only
    a range that starts at the header row and covers the data to its last row grows; a table with a
    totals row, a range over something else, and a table whose new rows would take in a merged range
    or another table (which Excel removes the table for) are left as they are."""
    from lxml import etree

    from generator.workbook import package as P

    def box(ref: str | None):
        ends = (ref or "").replace("$", "").split(":")
        first, end = (P.split_ref(ends[0]), P.split_ref(ends[1])) if len(ends) == 2 else (None, None)
        return None if first is None or end is None else (*first, *end)

    def grown(b) -> str | None:
        """The range (a box) reaching down to new_last, or None where it does not grow."""
        if b is None or b[0] != header or not last <= b[2] < new_last:
            return None
        return f"{P.cell_ref(b[0], b[1])}:{P.cell_ref(new_last, b[3])}"

    def autofilter(root, ns) -> None:
        for af in root.findall(f"{{{ns}}}autoFilter"):
            if (ref := grown(box(af.get("ref")))) is not None:
                af.set("ref", ref)

    tables = [(target, wb.tree(target)) for kind, target in wb.targets(part).values()
              if kind.endswith("/table") and wb.exists(target)]
    boxes = [box(root.get("ref")) for _, root in tables]
    taken = [*wb.scan(part).merges, *filter(None, boxes)]
    for (target, root), b in zip(tables, boxes):
        if root.get("totalsRowCount", "0") != "0" or (ref := grown(b)) is None:
            continue
        gained = (b[2] + 1, b[1], new_last, b[3])
        if any(o != b and o[0] <= gained[2] and o[2] >= gained[0] and o[1] <= gained[3] and o[3] >= gained[1]
               for o in taken):
            continue
        root.set("ref", ref)
        autofilter(root, etree.QName(root).namespace)
        wb._touch(target)
    edit.tail.append(autofilter)
    local = str(wb.sheets.index(sheet))
    names = wb.book.find(f"{{{wb.ns}}}definedNames")
    for dn in names if names is not None else ():
        if dn.get("name") == "_xlnm._FilterDatabase" and dn.get("localSheetId") == local and dn.text:
            where, bang, ref = dn.text.rpartition("!")
            if bang and (ref := grown(box(ref))) is not None:
                dn.text = where + "!" + re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)
                wb._touch(wb.book_part)


def _below_merges(wb, plan: BookPlan, sheet, part: str, row: int, edit, cols: list[int]) -> int:
    """The first plan row: below any merged range the rows would write into. A range reaching
    more than MERGE_SHIFT rows below is unmerged instead (its first cell keeps its value); the
    plan's notes say which."""
    from generator.workbook import package as P

    merges = wb.scan(part).merges
    n = max(len(plan.rows), 1)
    lo, hi = min(cols), max(cols)

    def blocking(r0):
        return [m for m in merges if m[0] <= r0 + n - 1 and m[2] >= r0 and m[1] <= hi and m[3] >= lo]

    start = row
    while (found := blocking(row)) and max(m[2] for m in found) + 1 - start <= MERGE_SHIFT:
        row = max(m[2] for m in found) + 1
    found = blocking(row)
    if found:
        row = start
        found = blocking(row)
        refs = {f"{P.cell_ref(m[0], m[1])}:{P.cell_ref(m[2], m[3])}" for m in found}

        def unmerge(root, ns):
            for mc in list(root.iter(f"{{{ns}}}mergeCell")):
                if mc.get("ref", "").replace("$", "") in refs:
                    mc.getparent().remove(mc)
            for mcs in list(root.iter(f"{{{ns}}}mergeCells")):
                if len(mcs) == 0:
                    mcs.getparent().remove(mcs)
                else:
                    mcs.set("count", str(len(mcs)))
        edit.tail.append(unmerge)
        plan.notes.append(f"工作表“{sheet.name}”的合并单元格 {'、'.join(sorted(refs))} 与追加的计划行重叠，"
                          f"已在副本中取消合并（左上角单元格的内容保留），计划行从第 {row} 行起")
    elif row != start:
        plan.notes.append(f"工作表“{sheet.name}”第 {start} 行起有合并单元格，计划行从其下方第 {row} 行起写入")
    return row


COPYABLE = (".xlsx", ".xlsm")            # the workbooks whose package can be copied with the plan rows added


def _refuse_copy(source: Path) -> None:
    raise OutputError(f"{shown(source)}：只能在 .xlsx / .xlsm 工作簿的副本中追加计划行；"
                      "请先用 Excel 或 WPS 另存为 .xlsx 再运行")


def summary(plan: BookPlan, copy: Path) -> str:
    lines = [f"{shown(plan.book.path)}：{plan.month.label}计划 {len(plan.rows)} 行，写入 {shown(copy)}"]
    by_reason = Counter(r.reason for r in plan.rows)
    lines.append("  按来由：" + ("；".join(f"{REASONS[k]} {n} 行" for k, n in by_reason.items()) or "无"))
    by_kind = Counter(r.kind for r in plan.rows)
    lines.append("  按类型：" + ("；".join(f"{k} {n} 行" for k, n in by_kind.most_common()) or "无"))
    by_staff = Counter(r.staff or "（未安排）" for r in plan.rows)
    lines.append("  按回访人员：" + ("；".join(f"{k} {n} 行" for k, n in sorted(by_staff.items())) or "无"))
    late = [r for r in plan.rows if r.due is not None and r.day is not None and r.day > r.due]
    if late:
        lines.append(f"  其中 {len(late)} 行截止日已过或在本月第一个可排日之前，"
                     f"已排在本月最初的 {OVERDUE_DAYS} 个工作日内，请优先处理")
    for s in plan.shares:
        lines.append(f"  {s}")
    if plan.rows and not plan.supervisor:
        lines.append("  编制人、部门主管留空：核对后填写并报部门主管审批（未填写部门主管时 PLN002 会提示）")
    for n in plan.notes:
        lines.append(f"  注意：{n}")
    return "\n".join(lines)


def run_plan(paths, out: Path, month_text: str, *, config: Config, as_of: date | None, since: date | None,
             seed: int, preparer: str | None = None, supervisor: str | None = None, documents: bool = True) -> str:
    month = parse_month(month_text)
    as_of, since = checked_period(as_of, since)
    if as_of >= month.end:
        raise OutputError(f"检查日 {as_of} 不早于 {month.label}的最后一天，无法为该月排计划；"
                          "请用 --as-of 指定月初之前的日期")
    files = collect_paths(paths)
    if not files:
        raise OutputError("没有找到可用的工作簿")
    for f in files:                 # refused before the output folder is made
        if f.suffix.lower() not in COPYABLE:
            _refuse_copy(f)
    contract = K.build_contract(config.banks)
    cal = WorkCalendar(config.calendar_years)
    with prepared_dir(Path(out), files, "plan") as (out, put):
        return _plan_into(out, files, contract, config, month, as_of, since, seed, cal, preparer, supervisor,
                          documents, put)


def _plan_into(out: Path, files, contract, config, month, as_of, since, seed, cal, preparer, supervisor,
               documents: bool, put: list[Path]) -> str:
    from generator.documents.generate import generate
    books_dir = out / "工作簿"
    names = unique_names([(shown(f.stem), f) for f in files])     # (a GBK name's copy is named in UTF-8)
    texts, planned = [], []
    for f, name in zip(files, names):
        with paused_gc():       # as validate reads: the collector would traverse every cell again and again
            book = read_workbook(f, contract)
            plan = plan_book(book, config, month, as_of, since, seed, cal, preparer, supervisor)
            suffix = ".xlsm" if f.suffix.lower() == ".xlsm" else ".xlsx"
            target = books_dir / fit_file(name, f"_计划_{month.key}{suffix}")
            write_copy(plan, target)
            put.append(target)
            texts.append(summary(plan, target))
            if plan.rows and documents:
                planned.append(with_plan_rows(plan, target))
            del book, plan
    if planned:
        texts.append(generate([b.path for b in planned], out / "文书", kinds=("plan",), period=month.key,
                              config=config, today=as_of, books=planned))
    elif documents:
        texts.append(f"{month.label}没有需要安排的回访，未生成《客户回访计划》")
    text = "\n".join(texts)
    with atomic_path(out / "计划说明.txt") as tmp:
        Path(tmp).write_text(text + "\n", encoding="utf-8", errors="backslashreplace")
    return text


__all__ = ["run_plan", "plan_book", "write_copy", "parse_month", "PlanRow", "BookPlan"]
