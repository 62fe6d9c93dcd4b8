"""Data rules: every finding names its sheet, row and column."""
from __future__ import annotations

import re

from generator.workbook import contract as K
from generator.workbook.ids import id_card_problems, uscc_problem
from generator.rules.context import Context, Hit, iso
from generator.rules.registry import ERROR, Example, S, WARNING, adds, rule, sets


_CONTRACT_SRC = S("WB", "（站点“参考 → 工作簿约定”）")


def _reader_problems(ctx: Context, rule_id: str):
    for p in ctx.book.problems:
        if p.rule == rule_id:
            yield Hit(p.sheet, p.row, p.column, p.message, p.customer, cell=p.cell)


@rule("DATA001", ERROR, "缺少必需的工作表、列或必填值",
      explain="客户、人员、回访记录是必需的工作表；每张表的必填列（带 * 的表头）必须存在，必填单元格不能为空。",
      fix="补上缺少的工作表或列（可用 huifang init 生成的空白工作簿对照表头），或填写空着的必填单元格。",
      group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(sets('回访记录', 回访人员=None),), cell='回访记录!G2', message='必填项“回访人员”为空'))
def data001(ctx: Context, s):
    yield from _reader_problems(ctx, "DATA001")


@rule("DATA002", ERROR, "取值不在可选范围内",
      explain="下拉选项列只接受约定的取值（如回访方式只能是 电话 / 面谈 / 信函 / 电子邮件 / 电子问卷 / 短信）；"
              "“是/否”列也接受 √、Y、N。",
      fix="从单元格的下拉列表中选择一个取值。", group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(sets('回访记录', 回访方式='微信'),), passes=(sets('回访记录', 回访方式='电子问卷'),),
                      cell='回访记录!E2', message='“微信”不在可选值之内'))
def data002(ctx: Context, s):
    yield from _reader_problems(ctx, "DATA002")


@rule("DATA003", ERROR, "日期、时间或数字无法识别",
      explain="日期列接受 Excel 日期或 2025-03-05、2025/3/5、2025年3月5日 这样的文字；数字列接受 1,000,000 这样的文字。"
              "错误值（#N/A、#REF!）、没有计算结果的公式、数据区中的合并单元格也在此报告。",
      fix="改成能识别的日期或数字；公式单元格请在 Excel 中重新计算并保存。", group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(sets('回访记录', 回访时间='2025-02-30 10:00'),),
                      passes=(sets('回访记录', 回访时间='2025年6月2日 10:00'),), cell='回访记录!F2',
                      message='“2025-02-30 10:00”不是有效的日期'))
def data003(ctx: Context, s):
    yield from _reader_problems(ctx, "DATA003")


@rule("DATA004", ERROR, "编号重复",
      explain="客户编号、工号、事件编号、计划编号、记录编号在工作簿内必须唯一。",
      fix="给重复的行换一个新编号，或删除重复录入的行。", group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(adds('客户', 客户名称='李四'),), passes=(adds('客户', 客户编号='C0002'),), cell='客户!A3',
                      message='客户编号 C0001 重复（第 2 行已使用）'))
def data004(ctx: Context, s):
    for sheet, key in K.KEY_SHEETS.items():
        table = ctx.book[sheet]
        if not table.has(key):
            continue
        keys = table.col(key)
        distinct = set(keys)
        distinct.discard(None)
        if len(distinct) == len(keys) - keys.count(None):
            continue                        # no key written twice: no row to look at
        first: dict = {}
        custs = table.customer_codes()
        for i, k in enumerate(keys):
            if k is None:
                continue
            j = first.setdefault(k, i)
            if j != i:
                yield Hit(sheet, table.rows[i], key,
                          f"{key} {k} 重复（第 {table.rows[j]} 行已使用）", custs[i])


@rule("DATA005", ERROR, "引用了不存在的客户、人员或事件",
      explain="客户编号要在“客户”表中、工号要在“人员”表中、关联事件要在“事件”表中找得到。",
      fix="核对编号是否录错；如是新客户、新员工或新事件，先在对应的表中补录。", group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(sets('回访记录', 客户编号='C9999'),), cell='回访记录!B2',
                      message='客户编号 C9999 在“客户”表中不存在'))
def data005(ctx: Context, s):
    targets = {
        K.CUSTOMER: ("客户", ctx.cust_index),
        K.STAFF: ("人员", ctx.staff_index),
        K.EVENT: ("事件", ctx.event_index),
    }
    for table in ctx.book.tables.values():
        for col in table.spec.columns:
            if col.type not in targets or not table.has(col.name):
                continue
            where, index = targets[col.type]
            vals = table.col(col.name)
            unknown = {v for v in set(vals) if v is not None and v not in index}
            if not unknown:
                continue
            custs = table.customer_codes()
            for i, v in enumerate(vals):
                if v in unknown:
                    yield Hit(table.name, table.rows[i], col.name,
                              f"{col.name} {v} 在“{where}”表中不存在", custs[i])


@rule("DATA006", WARNING, "证件号码校验位不符",
      explain="证件类型为居民身份证时，号码须为 18 位、前 17 位为数字、第 7 至 14 位是存在的出生日期，"
              "并符合 GB 11643 的校验位；"
              "为统一社会信用代码时，须为 18 位、只用 GB 32100 规定的字符并符合校验码。发现中写明是位数、"
              "出生日期还是校验位不对。"
              "未填证件类型时，个人客户按居民身份证、机构客户按统一社会信用代码校验。",
      fix="对照客户证件原件核对号码。", group="data",
      sources=[S("CO", "GB 11643-1999 公民身份号码；GB 32100-2015 法人和其他组织统一社会信用代码编码规则")],
      example=Example(fails=(sets('客户', 证件号码='110105194912310021'),),
                      passes=(sets('客户', 证件号码='11010519491231002x'),), cell='客户!F2',
                      message='居民身份证号码 110105194912310021 校验位不符（按前 17 位应为 X）'))
def data006(ctx: Context, s):
    t = ctx.customers
    kinds, cats, custs, numbers = t.col("证件类型"), t.col("客户类别"), t.col("客户编号"), t.col("证件号码")
    implied = {"个人": "居民身份证", "机构": "统一社会信用代码"}
    kind_of = [k or implied.get(c) for k, c in zip(kinds, cats)]
    bad_cards = id_card_problems(v for v, k in zip(numbers, kind_of) if v is not None and k == "居民身份证")
    for i, v in enumerate(numbers):
        if v is None:
            continue
        kind = kind_of[i]
        if kind == "居民身份证" and v in bad_cards:
            yield Hit("客户", t.rows[i], "证件号码", f"居民身份证号码 {v} {bad_cards[v]}", custs[i])
        elif kind == "统一社会信用代码" and (problem := uscc_problem(v)):
            yield Hit("客户", t.rows[i], "证件号码", f"统一社会信用代码 {v} {problem}", custs[i])


_MOBILE = re.compile(r"^1\d{10}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


@rule("DATA007", WARNING, "手机号码或电子邮箱格式不对",
      explain="手机须为以 1 开头的 11 位数字；电子邮箱须形如 name@example.com。客户表和流失客户表都检查。",
      fix="向客户核实联系方式后更正。", group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(sets('客户', 手机='1380000000'),), passes=(sets('客户', 手机='13800000001'),),
                      cell='客户!G2', message='手机 1380000000 不是以 1 开头的 11 位数字'))
def data007(ctx: Context, s):
    for table in (ctx.customers, ctx.lost):
        custs = table.col("客户编号")
        for name, pattern, what in (("手机", _MOBILE, "不是以 1 开头的 11 位数字"), ("电子邮箱", _EMAIL, "格式不对")):
            if not table.has(name):
                continue
            vals = table.col(name)
            bad = {v for v in set(vals) if v is not None and not pattern.match(v)}
            if bad:
                for i, v in enumerate(vals):
                    if v in bad:
                        yield Hit(table.name, table.rows[i], name, f"{name} {v} {what}", custs[i])


@rule("DATA008", ERROR, "回访时间晚于检查日或早于开户日期",
      explain="回访时间不能在检查日（as-of）之后，也不能早于该客户的开户日期。",
      fix="核对回访时间是否录错（年份、月日颠倒是常见原因）。", group="data", sources=[_CONTRACT_SRC],
      example=Example(fails=(sets('回访记录', 回访时间='2025-07-05 09:00'),), cell='回访记录!F2',
                      message='晚于检查日 2025-06-30'))
def data008(ctx: Context, s):
    opened = ctx.customers.col("开户日期")
    custs = ctx.records.col("客户编号")
    as_of, index = ctx.as_of, ctx.cust_index
    for i, d in enumerate(ctx.rec_day):
        if d is None:
            continue
        if d > as_of:
            yield ctx.rec_hit(i, "回访时间", f"回访时间 {iso(ctx.rec_time[i])} 晚于检查日 {iso(ctx.as_of)}")
            continue
        j = index.get(custs[i])
        if j is not None and opened[j] is not None and d < opened[j]:
            yield ctx.rec_hit(i, "回访时间", f"回访时间 {iso(ctx.rec_time[i])} 早于该客户的开户日期 {iso(opened[j])}")


@rule("DATA009", WARNING, "远离数据区的孤立单元格",
      explain="工作表中远离数据区的单元格（如在 XFD1048576 处的一个空格或备注）会让读取器按整个矩形分配内存；"
              "huifang 不读取这样的单元格，并在此指出它的位置。",
      fix="删除该单元格的内容（选中后按 Delete），或把备注移到数据区旁边。", group="data", sources=[_CONTRACT_SRC])
def data009(ctx: Context, s):
    yield from _reader_problems(ctx, "DATA009")


@rule("DATA010", WARNING, "名称只差空格或全角半角的工作表",
      explain="两张工作表的名称只差空格或全角、半角（如一张旧的“回访记录”被隐藏，另一张“回访记录　”末尾多了全角空格），"
              "huifang 读取可见的一张（名称完全相同的优先），并在此指出没有读取的那一张。",
      fix="删除不用的那张工作表，或给它改一个不同的名称，免得别人填错表。", group="data", sources=[_CONTRACT_SRC])
def data010(ctx: Context, s):
    yield from _reader_problems(ctx, "DATA010")
