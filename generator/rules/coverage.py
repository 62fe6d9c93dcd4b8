"""Yearly (or quarterly) coverage: 投顾持续回访, 存量回访 shares, 重点客户回访.

A period is judged once as-of is on or after its last day; before that the rules report
progress as pending (the status pages show it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .context import Context, Due, Hit, iso
from .registry import ERROR, Param, S, rule

LOST = ("销户", "转出")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def years(since: date, as_of: date) -> list[Period]:
    return [Period(f"{y} 年", date(y, 1, 1), date(y, 12, 31)) for y in range(since.year, as_of.year + 1)]


def quarters(since: date, as_of: date) -> list[Period]:
    out = []
    y, q = since.year, (since.month - 1) // 3
    while (y, q) <= (as_of.year, (as_of.month - 1) // 3):
        start = date(y, 3 * q + 1, 1)
        end = date(y + (q == 3), (3 * q + 3) % 12 + 1, 1)
        out.append(Period(f"{y} 年第{'一二三四'[q]}季度", start, end - timedelta(days=1)))
        y, q = (y + 1, 0) if q == 3 else (y, q + 1)
    return out


def _done(ctx: Context, customer, kind: str, p: Period) -> bool:
    return bool(ctx.callbacks(customer, kind, completed=True, start=p.start, end=p.end))


@rule("IA003", ERROR, "投顾持续回访不足",
      explain="投资顾问协议在某一年度内有效、且在该年度开始前签订的客户，检查周期为{period}：每个周期内至少完成一次投顾持续回访。"
              "四川辖区（profile = \"sichuan\"）按季度检查。年度（季度）结束后才判定，之前在状态页显示进度。",
      fix="对名单中的签约客户安排投顾持续回访，回访内容包括服务满意度和投资顾问的执业规范。",
      group="coverage", sources=[S("002", "第十条(二)")],
      params=[Param("period", "检查周期", "year", source=S("002", "第十条(二)"), choices=("year", "quarter"))],
      sheet="客户")
def ia003(ctx: Context, s):
    t = ctx.customers
    if not t.has("投顾签约日期"):
        return
    periods = quarters(ctx.since, ctx.as_of) if s.period == "quarter" else years(ctx.since, ctx.as_of)
    signed, ended, custs = t.col("投顾签约日期"), t.col("投顾解约日期"), t.col("客户编号")
    for p in periods:
        for i, d in enumerate(signed):
            if d is None or d >= p.start or (ended[i] is not None and ended[i] < p.start):
                continue
            c = custs[i]
            if _done(ctx, c, "投顾持续回访", p):
                continue
            if ctx.as_of >= p.end:
                yield Hit("客户", t.rows[i], "投顾签约日期",
                          f"{p.label}未完成投顾持续回访（投顾签约日期 {iso(d)}，协议在该期间有效）", c)
            else:
                yield Due("客户", t.rows[i], c, p.end, "投顾持续回访", f"{p.label}内应完成投顾持续回访")


def stock_base(ctx: Context, year: int) -> list[int]:
    """Customers of the 存量 base of a year: opened before it, not 休眠 / 中止交易, not lost before it."""
    t = ctx.customers
    start = date(year, 1, 1)
    opened, state, closed = t.col("开户日期"), t.col("账户状态"), t.col("销户日期")
    out = []
    for i, d in enumerate(opened):
        if d is None or d >= start or state[i] in ("休眠", "中止交易"):
            continue
        if state[i] in LOST and (closed[i] is None or closed[i] < start):
            continue
        out.append(i)
    return out


def stock_share(ctx: Context, year: int, margin_only: bool) -> tuple[int, int]:
    """(customers with a completed 存量回访 in the year, base)."""
    p = Period(f"{year} 年", date(year, 1, 1), date(year, 12, 31))
    base = stock_base(ctx, year)
    if margin_only:
        margin = ctx.customers.col("融资融券")
        base = [i for i in base if margin[i] == "是"]
    custs = ctx.customers.col("客户编号")
    done = sum(1 for i in base if _done(ctx, custs[i], "存量回访", p))
    return done, len(base)


def _share_rule(ctx: Context, minimum: float, margin_only: bool, who: str):
    for p in years(ctx.since, ctx.as_of):
        done, base = stock_share(ctx, p.start.year, margin_only)
        if base == 0:
            continue
        share = 100.0 * done / base
        text = f"{p.label}{who}存量回访覆盖 {share:.1f}%（{done}/{base} 户），目标不低于 {minimum:g}%"
        if ctx.as_of >= p.end:
            if share < minimum:
                yield Hit(None, None, None, text)
        elif share < minimum:
            yield Due(None, None, None, p.end, "存量回访", text)


@rule("STK001", ERROR, "存量回访覆盖率不足",
      explain="一年内完成存量回访的客户，占存量客户（该年之前开户、账户状态不是休眠或中止交易、该年之前未流失）的比例不低于 {min_share}。"
              "年度结束后判定，之前在状态页显示进度。",
      fix="按比例制定存量回访计划，优先回访长期未联系的客户。",
      group="coverage", sources=[S("001", "中国银河证券经纪业务客户回访实施细则 第二十条")],
      params=[Param("min_share", "最低覆盖比例", 10.0, unit="%", source=S("001", "银河 细则 第二十条"))])
def stk001(ctx: Context, s):
    yield from _share_rule(ctx, s.min_share, False, "")


@rule("STK002", ERROR, "融资融券客户存量回访覆盖率不足",
      explain="存量客户中开通融资融券的客户，一年内完成存量回访的比例不低于 {min_share}。年度结束后判定。",
      fix="在存量回访计划中单列融资融券客户，按比例安排。",
      group="coverage", sources=[S("001", "中国银河证券经纪业务客户回访实施细则 第二十条")],
      params=[Param("min_share", "最低覆盖比例", 15.0, unit="%", source=S("001", "银河 细则 第二十条"))])
def stk002(ctx: Context, s):
    yield from _share_rule(ctx, s.min_share, True, "融资融券客户")


def key_customers(ctx: Context, s) -> list[int]:
    t = ctx.customers
    grade, assets, volume = t.col("客户分级"), t.col("总资产"), t.col("月均交易量")
    out = []
    for i in range(len(t)):
        if (grade[i] in ("重点", "VIP", "核心") or (assets[i] or 0) >= s.min_assets
                or (volume[i] or 0) >= s.min_volume):
            out.append(i)
    return out


def key_reason(ctx: Context, s, i: int) -> tuple[str, str]:
    t = ctx.customers
    g = t.col("客户分级")[i]
    if g in ("重点", "VIP", "核心"):
        return "客户分级", f"客户分级为{g}"
    a = t.col("总资产")[i]
    if (a or 0) >= s.min_assets:
        return "总资产", f"总资产 {a:,.0f} 元"
    return "月均交易量", f"月均交易量 {t.col('月均交易量')[i]:,.0f} 元"


@rule("KEY001", ERROR, "重点客户未回访",
      explain="重点客户（客户分级为重点、VIP 或核心，或总资产达到 {min_assets}、月均交易量达到 {min_volume}）每年至少完成一次重点客户回访；"
              "当年已完成新开户回访的除外。年度结束后判定。",
      fix="为每位重点客户安排年度回访，可结合上门服务面谈进行。",
      group="coverage", sources=[S("001", "中国银河证券经纪业务客户回访实施细则 第十二条、第二十八条")],
      params=[Param("min_assets", "总资产门槛", 10_000_000, unit="元", source=S("001", "银河 细则 第十二条")),
              Param("min_volume", "月均交易量门槛", 10_000_000, unit="元", source=S("001", "银河 细则 第十二条"))],
      sheet="客户")
def key001(ctx: Context, s):
    t = ctx.customers
    opened, state, closed, custs = t.col("开户日期"), t.col("账户状态"), t.col("销户日期"), t.col("客户编号")
    keys = key_customers(ctx, s)
    for p in years(ctx.since, ctx.as_of):
        for i in keys:
            if opened[i] is not None and opened[i] > p.end:
                continue
            if state[i] in LOST and closed[i] is not None and closed[i] < p.start:
                continue
            c = custs[i]
            if _done(ctx, c, "重点客户回访", p) or _done(ctx, c, "新开户回访", p):
                continue
            column, why = key_reason(ctx, s, i)
            if ctx.as_of >= p.end:
                yield Hit("客户", t.rows[i], column, f"重点客户（{why}）{p.label}未完成重点客户回访", c)
            else:
                yield Due("客户", t.rows[i], c, p.end, "重点客户回访", f"重点客户（{why}）{p.label}内应完成重点客户回访")
