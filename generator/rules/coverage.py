"""Yearly (or quarterly) coverage: 投顾持续回访, 存量回访 shares, 重点客户回访.

Each rule declares its figures (rule.figures: who is in the base, who is done, the target),
computed once and shared by the check and the status pages. A period is judged once as-of is
on or after its last day; before that the rules report progress as pending.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from generator import periods
from generator.periods import Period
from generator.rules.context import Context, Due, Hit, iso
from generator.rules.registry import ERROR, Example, Param, S, adds, rule, sets
from generator.workbook import contract as K

KEY_GRADES = ("重点", "VIP", "核心")


@dataclass
class Figure:
    """A coverage figure of one period: the base, who is done, the target share (%)."""
    rule: str
    label: str
    period: Period
    base: list[int]                 # customer indexes
    done: list[int]
    target: float
    missing: list[int] = field(default_factory=list)

    @property
    def share(self) -> float:
        return 100.0 * len(self.done) / len(self.base) if self.base else 100.0

    @property
    def met(self) -> bool:
        return self.share >= self.target


def _split(ctx: Context, rid: str, label: str, p: Period, base: list[int], target: float, *kinds: str) -> Figure:
    custs = ctx.customers.col("客户编号")
    served = set().union(*(ctx.customers_served(k, p.start, p.end) for k in kinds))
    done, missing = [], []
    for i in base:
        (done if custs[i] in served else missing).append(i)
    return Figure(rid, label, p, base, done, target, missing)


def judged_periods(ctx: Context, kind: str) -> list[Period]:
    return periods.between(kind, ctx.since, ctx.as_of)


# ------------------------------------------------------------------ 投顾持续回访

def ia003_figure(ctx: Context, s, p: Period) -> Figure:
    t = ctx.customers
    signed, ended = t.col("投顾签约日期"), t.col("投顾解约日期")
    base = [i for i, d in enumerate(signed)
            if d is not None and d < p.start and (ended[i] is None or ended[i] >= p.start)]
    return _split(ctx, "IA003", "投顾持续回访", p, base, 100.0, "投顾持续回访")


@rule("IA003", ERROR, "投顾持续回访不足",
      explain="投资顾问协议在某一期间内有效、且在该期间开始前签订的客户，检查周期为{period}："
              "每个周期内至少完成一次投顾持续回访。"
              "四川辖区（profile = \"sichuan\"）按季度检查（《四川证监局 2011 年工作要求（投资顾问）》，"
              "见投顾回访指引范本第十条(二)）。期间结束后才判定，之前在状态页显示进度。",
      fix="对名单中的签约客户安排投顾持续回访，回访内容包括服务满意度和投资顾问的执业规范。",
      group="coverage", sources=[S("002", "第十条(二)")],
      params=[Param("period", "检查周期", "year", source=S("002", "第十条(二)"), choices=("year", "quarter"))],
      sheet="客户", figures=ia003_figure,
      example=Example(fails=(sets("客户", 投顾签约日期="2024-03-01"),),
                      passes=(sets("客户", 投顾签约日期="2024-03-01"),
                              adds("回访记录", 记录编号="R2", 回访类型="投顾持续回访")),
                      cell="客户!O2", message="2025 年未完成投顾持续回访", as_of="2025-12-31"))
def ia003(ctx: Context, s):
    signed, custs, rows = ctx.customers.col("投顾签约日期"), ctx.customers.col("客户编号"), ctx.customers.rows
    for p in judged_periods(ctx, s.period):
        f = ia003_figure(ctx, s, p)
        for i in f.missing:
            if ctx.as_of >= p.end:
                yield Hit("客户", rows[i], "投顾签约日期",
                          f"{p.label}未完成投顾持续回访（投顾签约日期 {iso(signed[i])}，协议在该期间有效）", custs[i],
                          due=p.end)
            else:
                yield Due("客户", rows[i], custs[i], p.end, "投顾持续回访", f"{p.label}内应完成投顾持续回访")


# ------------------------------------------------------------------ 存量回访 shares

def stock_base(ctx: Context, p: Period, margin_only: bool) -> list[int]:
    """The 存量 base of a year: opened before it, not 休眠 / 中止交易, not lost before it."""
    t = ctx.customers
    opened, state, closed, margin = t.col("开户日期"), t.col("账户状态"), t.col("销户日期"), t.col("融资融券")
    out = []
    for i, d in enumerate(opened):
        if d is None or d >= p.start or state[i] in ("休眠", "中止交易"):
            continue
        if state[i] in K.LOST_STATES and (closed[i] is None or closed[i] < p.start):
            continue
        if margin_only and margin[i] != "是":
            continue
        out.append(i)
    return out


def stk001_figure(ctx: Context, s, p: Period) -> Figure:
    return _split(ctx, "STK001", "存量回访", p, stock_base(ctx, p, False), s.min_share, "存量回访")


def stk002_figure(ctx: Context, s, p: Period) -> Figure:
    return _split(ctx, "STK002", "融资融券客户存量回访", p, stock_base(ctx, p, True), s.min_share, "存量回访")


def _share_rule(ctx: Context, s, figure_of, who: str):
    for p in judged_periods(ctx, periods.YEAR):
        f = figure_of(ctx, s, p)
        if not f.base:
            continue
        text = f"{p.label}{who}存量回访覆盖 {f.share:.1f}%（{len(f.done)}/{len(f.base)} 户），目标不低于 {f.target:g}%"
        if f.met:
            continue
        if ctx.as_of >= p.end:
            yield Hit(None, None, None, text, due=p.end)
        else:
            yield Due(None, None, None, p.end, "存量回访", text)


@rule("STK001", ERROR, "存量回访覆盖率不足",
      explain="一年内完成存量回访的客户，占存量客户（该年之前开户、账户状态不是休眠或中止交易、"
              "该年之前未流失）的比例不低于 {min_share}。"
              "年度结束后判定，之前在状态页显示进度。",
      fix="按比例制定存量回访计划，优先回访长期未联系的客户。",
      group="coverage", sources=[S("BRK"), S("001G", "第二十条")],
      params=[Param("min_share", "最低覆盖比例", 10.0, unit="%", source=S("001G", "第二十条"))],
      figures=stk001_figure,
      example=Example(fails=(sets("回访记录", 回访类型="其他回访"),), cell="（整体）", as_of="2025-12-31",
                      message="2025 年存量回访覆盖 0.0%（0/1 户），目标不低于 10%"))
def stk001(ctx: Context, s):
    yield from _share_rule(ctx, s, stk001_figure, "")


@rule("STK002", ERROR, "融资融券客户存量回访覆盖率不足",
      explain="存量客户中开通融资融券的客户，一年内完成存量回访的比例不低于 {min_share}。年度结束后判定。",
      fix="在存量回访计划中单列融资融券客户，按比例安排。",
      group="coverage", sources=[S("BRK"), S("001G", "第二十条")],
      params=[Param("min_share", "最低覆盖比例", 15.0, unit="%", source=S("001G", "第二十条"))],
      figures=stk002_figure,
      example=Example(fails=(sets("客户", 融资融券="是"), sets("回访记录", 回访类型="其他回访")),
                      passes=(sets("客户", 融资融券="是"),), cell="（整体）", as_of="2025-12-31",
                      message="2025 年融资融券客户存量回访覆盖 0.0%（0/1 户），目标不低于 15%"))
def stk002(ctx: Context, s):
    yield from _share_rule(ctx, s, stk002_figure, "融资融券客户")


# ------------------------------------------------------------------ 重点客户回访

def key_reason(ctx: Context, s, i: int) -> tuple[str, str]:
    t = ctx.customers
    g = t.col("客户分级")[i]
    if g in KEY_GRADES:
        return "客户分级", f"客户分级为{g}"
    a = t.col("总资产")[i]
    if (a or 0) >= s.min_assets:
        return "总资产", f"总资产 {a:,.0f} 元"
    return "月均交易量", f"月均交易量 {t.col('月均交易量')[i]:,.0f} 元"


def key001_figure(ctx: Context, s, p: Period) -> Figure:
    t = ctx.customers
    grade, assets, volume = t.col("客户分级"), t.col("总资产"), t.col("月均交易量")
    opened, state, closed = t.col("开户日期"), t.col("账户状态"), t.col("销户日期")
    low_assets, low_volume = s.min_assets, s.min_volume
    key = [i for i, (g, a, v) in enumerate(zip(grade, assets, volume))
           if g in KEY_GRADES or (a or 0) >= low_assets or (v or 0) >= low_volume]
    base = [i for i in key if not (opened[i] is not None and opened[i] > p.end)
            and not (state[i] in K.LOST_STATES and closed[i] is not None and closed[i] < p.start)]
    return _split(ctx, "KEY001", "重点客户回访", p, base, 100.0, "重点客户回访", "新开户回访")


@rule("KEY001", ERROR, "重点客户未回访",
      explain="重点客户（客户分级为重点、VIP 或核心，或总资产达到 {min_assets}、"
              "月均交易量达到 {min_volume}）每年至少完成一次重点客户回访；"
              "当年已完成新开户回访的除外。年度结束后判定。",
      fix="为每位重点客户安排年度回访，可结合上门服务面谈进行。",
      group="coverage", sources=[S("BRK"), S("001G", "第十二条、第二十八条")],
      params=[Param("min_assets", "总资产门槛", 10_000_000, unit="元", source=S("001G", "第十二条")),
              Param("min_volume", "月均交易量门槛", 10_000_000, unit="元", source=S("001G", "第十二条"))],
      sheet="客户", figures=key001_figure,
      example=Example(fails=(sets("客户", 客户分级="VIP"),),
                      passes=(sets("客户", 客户分级="VIP"), adds("回访记录", 记录编号="R2", 回访类型="重点客户回访")),
                      cell="客户!M2", message="重点客户（客户分级为VIP）2025 年未完成重点客户回访", as_of="2025-12-31"))
def key001(ctx: Context, s):
    t = ctx.customers
    custs = t.col("客户编号")
    for p in judged_periods(ctx, periods.YEAR):
        for i in key001_figure(ctx, s, p).missing:
            column, why = key_reason(ctx, s, i)
            if ctx.as_of >= p.end:
                yield Hit("客户", t.rows[i], column, f"重点客户（{why}）{p.label}未完成重点客户回访", custs[i],
                          due=p.end)
            else:
                yield Due("客户", t.rows[i], custs[i], p.end, "重点客户回访",
                          f"重点客户（{why}）{p.label}内应完成重点客户回访")
