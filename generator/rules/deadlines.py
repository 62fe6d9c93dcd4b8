"""Deadline rules: a trigger (a date of 客户 or an 事件) and a callback due within a time.

One helper judges them all (rules.md, "Time semantics"): for a trigger on or before as-of
whose deadline is on or after since, the earliest callback of the customer and type on or
after the trigger day counts. On time: nothing. After the deadline: *late*, at the record.
None and the deadline passed: *overdue*, at the trigger cell. None and not yet passed:
*pending* (the worklist).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable, Iterable, Iterator

from .context import Context, Due, Hit, iso
from generator.rules.workdays import add_months as _add_months
from .registry import ERROR, WARNING, Param, S, rule

SPECIAL_EVENTS = ("监管协查", "交易所重点监控", "身份信息变更", "对账单异议", "异常交易", "其他特殊")


class Trigger:
    __slots__ = ("sheet", "row", "column", "customer", "day", "label", "event")

    def __init__(self, sheet, row, column, customer, day, label, event=None):
        self.sheet, self.row, self.column, self.customer = sheet, row, column, customer
        self.day, self.label, self.event = day, label, event


def judge(ctx: Context, triggers: Iterable[Trigger], kind: str, *, completed: bool,
          due_of: Callable[[date], date], window: str):
    """Yield Hit (late or overdue) and Due (pending) for each trigger."""
    what = ("完成" if completed else "进行") + kind
    links = ctx.records.col("关联事件") if ctx.records.has("关联事件") else None
    for t in triggers:
        if t.day is None or t.customer is None or t.day > ctx.as_of:
            continue
        due = due_of(t.day)
        if due < ctx.since:
            continue
        found = ctx.callbacks(t.customer, kind, completed=completed, start=t.day)
        if t.event is not None and links is not None and found:
            named = [i for i in found if links[i] == t.event]
            found = named or [i for i in found if links[i] is None]
        head = f"{t.label} {iso(t.day)} 起{window}"
        if found:
            i = found[0]
            day = ctx.rec_day[i]
            if day > due:
                yield ctx.rec_hit(i, "回访时间",
                                  f"{kind}晚了 {(day - due).days} 天：{head}应{what}（截止 {iso(due)}），"
                                  f"实际 {iso(ctx.rec_time[i])}")
        elif due < ctx.as_of:
            yield Hit(t.sheet, t.row, t.column, f"{head}未{what}（截止 {iso(due)}）", t.customer)
        else:
            yield Due(t.sheet, t.row, t.customer, due, kind, f"{head}应{what}（截止 {iso(due)}）")


def customer_triggers(ctx: Context, column: str, label: str, keep=None) -> Iterator[Trigger]:
    t = ctx.customers
    if not t.has(column):
        return
    custs, rows = t.col("客户编号"), t.rows
    for i, d in enumerate(t.col(column)):
        if d is not None and (keep is None or keep(i)):
            yield Trigger("客户", rows[i], column, custs[i], d, label)


def event_triggers(ctx: Context, types: tuple[str, ...]) -> Iterator[Trigger]:
    t = ctx.events
    kinds, custs, ids, rows = t.col("事件类型"), t.col("客户编号"), t.col("事件编号"), t.rows
    for i, when in enumerate(t.col("事件时间")):
        if when is not None and kinds[i] in types:
            yield Trigger("事件", rows[i], "事件时间", custs[i], when.date(),
                          f"{kinds[i]}事件 {ids[i] or ''}".rstrip(), ids[i])


_MONTH = dict(unit="个月")
_WD = dict(unit="个工作日")
_DAY = dict(unit="天")


@rule("NEW001", ERROR, "新开户回访超期",
      explain="客户开户后 {months}内（至对应月份的同日，无同日取该月末日）须完成新开户回访（回访结果不是“回访不可达”）。",
      fix="尽快完成回访并在回访记录中登记；已完成的，核对回访类型、客户编号和回访时间是否录对。",
      group="deadline", sources=[S("001", "中国银河证券经纪业务客户回访实施细则 第十七条")],
      params=[Param("months", "回访时限", 1, **_MONTH, source=S("001", "银河 细则 第十七条"))], sheet="客户")
def new001(ctx: Context, s):
    n = s.months
    yield from judge(ctx, customer_triggers(ctx, "开户日期", "开户日期"), "新开户回访", completed=True,
                     due_of=lambda d: _add_months(d, n), window=f"{_months(n)}内")


@rule("IA001", ERROR, "投顾新签约首次回访超期",
      explain="客户签订投资顾问协议后 {working_days}内须进行首次投顾新签约回访（任何回访结果都算进行过）。",
      fix="尽快安排回访；无法接通的也要登记回访记录（回访结果“回访不可达”，写明拨打次数）。",
      group="deadline", sources=[S("002", "第十条(一)")],
      params=[Param("working_days", "首次回访时限", 5, **_WD, source=S("002", "第十条(一)"))], sheet="客户")
def ia001(ctx: Context, s):
    n = s.working_days
    yield from judge(ctx, customer_triggers(ctx, "投顾签约日期", "投顾签约日期"), "投顾新签约回访", completed=False,
                     due_of=lambda d: ctx.cal.add_working_days(d, n), window=f" {n} 个工作日内")


@rule("IA002", ERROR, "投顾新签约回访未在一个月内完成",
      explain="客户签订投资顾问协议后 {months}内须完成投顾新签约回访（回访结果不是“回访不可达”）。",
      fix="继续联系客户直至完成回访，或改用面谈、信函等方式。",
      group="deadline", sources=[S("002", "第十条(一)")],
      params=[Param("months", "完成时限", 1, **_MONTH, source=S("002", "第十条(一)"))], sheet="客户")
def ia002(ctx: Context, s):
    n = s.months
    yield from judge(ctx, customer_triggers(ctx, "投顾签约日期", "投顾签约日期"), "投顾新签约回访", completed=True,
                     due_of=lambda d: _add_months(d, n), window=f"{_months(n)}内")


@rule("SPC001", ERROR, "特殊回访超期",
      explain="发生监管协查、交易所重点监控、身份信息变更、对账单异议、异常交易或其他特殊事件后 {days}内须完成特殊回访。",
      fix="尽快完成特殊回访，并在回访记录的“关联事件”中填写事件编号。",
      group="deadline", sources=[S("001", "中国银河证券经纪业务客户回访实施细则 第三十一条")],
      params=[Param("days", "回访时限", 3, **_DAY, source=S("001", "银河 细则 第三十一条"))], sheet="事件")
def spc001(ctx: Context, s):
    n = s.days
    yield from judge(ctx, event_triggers(ctx, SPECIAL_EVENTS), "特殊回访", completed=True,
                     due_of=lambda d: d + timedelta(days=n), window=f" {n} 日内")


@rule("CLS001", ERROR, "销户回访超期",
      explain="客户销户后 {days}内须进行销户回访（任何回访结果都算进行过）。账户状态为“销户”的客户以销户日期为起点。",
      fix="尽快联系已销户客户了解原因，并登记回访记录。",
      group="deadline", sources=[S("001", "证券客户回访制度 三、2")],
      params=[Param("days", "回访时限", 2, **_DAY, source=S("001", "证券客户回访制度 三、2"))], sheet="客户")
def cls001(ctx: Context, s):
    n = s.days
    state = ctx.customers.col("账户状态")
    yield from judge(ctx, customer_triggers(ctx, "销户日期", "销户日期", keep=lambda i: state[i] == "销户"),
                     "销户回访", completed=False, due_of=lambda d: d + timedelta(days=n), window=f" {n} 日内")


@rule("DRM001", ERROR, "休眠客户回访超期",
      explain="客户最后交易日期起满 {idle_months}无交易即成为休眠客户，此后 {days}内须进行休眠客户回访（任何回访结果都算进行过）。"
              "已在此前销户或转出的客户不再回访。",
      fix="联系长期无交易的客户，了解原因并提示账户安全。",
      group="deadline", sources=[S("001", "证券客户回访制度 三、2")],
      params=[Param("idle_months", "无交易时长", 6, **_MONTH, source=S("001", "证券客户回访制度 三、2")),
              Param("days", "回访时限", 15, **_DAY, source=S("001", "证券客户回访制度 三、2"))], sheet="客户")
def drm001(ctx: Context, s):
    idle, n = s.idle_months, s.days
    t = ctx.customers
    state, closed, custs = t.col("账户状态"), t.col("销户日期"), t.col("客户编号")

    def triggers():
        for i, last in enumerate(t.col("最后交易日期")):
            if last is None:
                continue
            start = _add_months(last, idle)
            if start > ctx.as_of:
                continue
            if state[i] in ("销户", "转出") and (closed[i] is None or closed[i] <= start):
                continue
            yield Trigger("客户", t.rows[i], "最后交易日期", custs[i], start,
                          f"最后交易日期 {iso(last)} 满{_months(idle)}无交易，自")
    yield from judge(ctx, triggers(), "休眠客户回访", completed=False,
                     due_of=lambda d: d + timedelta(days=n), window=f" {n} 日内")


@rule("AST001", ERROR, "资产异动回访超期",
      explain="客户大额转出资金后，须在 {working_days}内（默认为次日，即下一个工作日）进行资产异动回访（任何回访结果都算进行过）。",
      fix="当日汇总大额转出事件，次日逐一回访，并在“关联事件”中填写事件编号。",
      group="deadline", sources=[S("001", "证券客户回访制度 三、3")],
      params=[Param("working_days", "回访时限", 1, **_WD, source=S("001", "证券客户回访制度 三、3"))], sheet="事件")
def ast001(ctx: Context, s):
    n = s.working_days
    yield from judge(ctx, event_triggers(ctx, ("大额转出",)), "资产异动回访", completed=False,
                     due_of=lambda d: ctx.cal.add_working_days(d, n),
                     window="次日" if n == 1 else f" {n} 个工作日内")


@rule("CMP001", WARNING, "投诉回访超期",
      explain="投诉办结后 {working_days}内应完成投诉回访，了解客户对处理结果是否满意。天风指引第九条(二)1 规定了投诉回访，"
              "时限为公司实务。",
      fix="投诉办结后尽快回访，并在“关联事件”中填写投诉办结事件的编号。",
      group="deadline", sources=[S("002", "第九条(二)1"), S("CO", "时限为公司实务")],
      params=[Param("working_days", "回访时限", 5, **_WD, source=S("CO", "公司实务"))], sheet="事件")
def cmp001(ctx: Context, s):
    n = s.working_days
    yield from judge(ctx, event_triggers(ctx, ("投诉办结",)), "投诉回访", completed=True,
                     due_of=lambda d: ctx.cal.add_working_days(d, n), window=f" {n} 个工作日内")


def _months(n: int) -> str:
    return "一个月" if n == 1 else f" {n} 个月"
