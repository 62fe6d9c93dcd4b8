"""Deadline rules: a trigger (a date of 客户 or an 事件) and a callback due within a window.

Each rule is data (its Deadline: trigger, callback, window parameter) plus one small function
that yields its triggers; `judge` does the rest, the same for all (rules.md, "Time semantics",
as the deadline issue refined it):

- the callback that counts is the earliest of the customer and the required type at or after
  the trigger (at or after its date-time when the trigger carries a time) that names this
  event in 关联事件 or names no event;
- on time: nothing; after the deadline: *late*, at the record; none and the deadline passed:
  *overdue*, at the trigger cell; none and not yet passed: *pending* (the worklist);
- deadlines are computed lazily: only for a trigger inside the checked period that still
  needs judging (a callback on time by any calendar needs none), so a mistyped far-future
  row cannot block today's run;
- a deadline that runs through a year with no official holiday arrangement is computed on the
  provisional calendar and says so (暂定).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from collections.abc import Callable, Iterable, Iterator

from generator.roles import CALLBACK
from generator.rules.examples import answers
from generator.rules.context import Context, Due, Hit, iso
from generator.rules.citations import NEW_ACCOUNT_WINDOW, PFM_CALLBACK
from generator.rules.registry import Deadline, ERROR, Example, Param, S, WARNING, adds, rule, sets
from generator.rules.durations import DAY, MONTH, WORKDAY, Duration

from generator.workbook import contract as K

SPECIAL_EVENTS = ("监管协查", "交易所重点监控", "身份信息变更", "对账单异议", "对账单未送达", "异常交易", "其他特殊")
STATEMENT_EVENTS = ("对账单异议", "对账单未送达")     # special only for customers with enough assets
PROVISIONAL_NOTE = "，暂定：按暂定日历计算"


class Trigger:
    __slots__ = ("sheet", "row", "column", "customer", "day", "moment", "label", "event", "accept")

    def __init__(self, sheet, row, column, customer, day, label, event=None, moment=None, accept=None):
        self.sheet, self.row, self.column, self.customer = sheet, row, column, customer
        self.day, self.label, self.event, self.moment = day, label, event, moment
        # a further test a callback must pass to count (PF002: by staff the independence policy allows)
        self.accept = accept


def window_text(d: Duration) -> str:
    if d.unit == WORKDAY and d.n == 1:
        return "次日"
    return f"{'' if d.unit == MONTH and d.n == 1 else ' '}{d.show()}内"


def judged(triggers_of: Callable[[Context, object], Iterable[Trigger]], dl: Deadline):
    """The check of a deadline rule: its triggers, judged against its window parameter."""
    def check(ctx: Context, s):
        yield from judge(ctx, triggers_of(ctx, s), dl, s.values[dl.param])
    return check


def judge(ctx: Context, triggers: Iterable[Trigger], dl: Deadline, window: Duration):
    """Yield Hit (late or overdue) and Due (pending) for each trigger."""
    kind = dl.callback
    what = ("完成" if dl.completed else "进行") + kind
    lo, hi = window.bounds()
    short, long = timedelta(days=lo), timedelta(days=hi)
    since, as_of = ctx.since, ctx.as_of
    within = window_text(window)
    for t in triggers:
        if t.day is None or t.customer is None or t.day > as_of or t.day + long < since:
            continue
        i = ctx.first_callback(t.customer, kind, completed=dl.completed, start=t.moment or t.day,
                               event=t.event, accept=t.accept)
        if i is not None and ctx.done_day(i) <= t.day + short:
            continue                                    # on time by any calendar: no deadline needed
        due, provisional = ctx.after(window, t.day)
        if due < since:
            continue
        note = PROVISIONAL_NOTE if provisional else ""
        head = f"{t.label} {iso(t.moment or t.day)} 起{within}"
        if i is not None:
            day = ctx.done_day(i)
            if day > due:
                yield ctx.rec_hit(i, "回访时间",
                                  f"{kind}晚了 {(day - due).days} 天：{head}应{what}（截止 {iso(due)}{note}），"
                                  f"实际 {iso(ctx.rec_time[i])}", due=due, actual=ctx.rec_time[i],
                                  provisional=provisional)
        elif due < as_of:
            yield Hit(t.sheet, t.row, t.column, f"{head}未{what}（截止 {iso(due)}{note}）", t.customer,
                      due=due, provisional=provisional, start=t.moment or t.day)
        else:
            yield Due(t.sheet, t.row, t.customer, due, kind, f"{head}应{what}（截止 {iso(due)}{note}）", provisional,
                      start=t.moment or t.day)


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
            timed = when if (when.hour or when.minute or when.second) else None
            yield Trigger("事件", rows[i], "事件时间", custs[i], when.date(),
                          f"{kinds[i]}事件 {ids[i] or ''}".rstrip(), ids[i], timed)


def within(default: Duration, source, legacy: str, **kw) -> Param:
    """The window parameter of a deadline rule: a Duration; `legacy` is the key older configurations used."""
    return Param("within", "回访时限", default, source=source, aliases=(legacy,), **kw)


@rule("NEW001", ERROR, "新开户回访超期",
      explain="客户开户后 {within}内{within_how}须完成新开户回访（回访结果不是“回访不可达”）。",
      fix="尽快完成回访并在回访记录中登记；已完成的，核对回访类型、客户编号和回访时间是否录对。",
      group="deadline", sources=[S("BRK"), S("001G", "第十七条"), S("001Z", "三、2")],
      params=[within(Duration(1, MONTH), S("001G", "第十七条"), "months")],
      conflicts=[NEW_ACCOUNT_WINDOW],
      sheet="客户", deadline=Deadline("开户日期", "新开户回访", completed=True),
      example=Example(fails=(sets('客户', 开户日期='2025-01-31'),
                             sets('回访记录', 回访类型='新开户回访', 回访时间='2025-03-03 10:00',
                                  **answers('新开户回访'))),
                      passes=(sets('客户', 开户日期='2025-01-31'),
                              sets('回访记录', 回访类型='新开户回访', 回访时间='2025-02-28 17:00',
                                   **answers('新开户回访'))), cell='回访记录!F2',
                      message='新开户回访晚了 3 天：开户日期 2025-01-31 起一个月内应完成新开户回访（截止 2025-02-28）'))
def new001(ctx: Context, s):
    return customer_triggers(ctx, "开户日期", "开户日期")


@rule("IA001", ERROR, "投顾新签约首次回访超期",
      explain="客户签订投资顾问协议后 {within}内须进行首次投顾新签约回访（任何回访结果都算进行过）。",
      fix="尽快安排回访；无法接通的也要登记回访记录（回访结果“回访不可达”，写明拨打次数）。",
      group="deadline", sources=[S("002", "第十条(一)")],
      params=[within(Duration(5, WORKDAY), S("002", "第十条(一)"), "working_days")], sheet="客户",
      deadline=Deadline("投顾签约日期", "投顾新签约回访", completed=False),
      example=Example(fails=(sets('客户', 投顾签约日期='2025-09-26'),
                             sets('回访记录', 回访类型='投顾新签约回访', 回访时间='2025-10-13 09:00',
                                  **answers('投顾新签约回访'))),
                      passes=(sets('客户', 投顾签约日期='2025-09-26'),
                              sets('回访记录', 回访类型='投顾新签约回访', 回访时间='2025-10-10 09:00',
                                   回访结果='回访不可达', 拨打次数=3)), cell='回访记录!F2', message='截止 2025-10-10',
                      as_of='2025-10-31'))
def ia001(ctx: Context, s):
    return customer_triggers(ctx, "投顾签约日期", "投顾签约日期")


@rule("IA002", ERROR, "投顾新签约回访未在一个月内完成",
      explain="客户签订投资顾问协议后 {within}内须完成投顾新签约回访（回访结果不是“回访不可达”）。",
      fix="继续联系客户直至完成回访，或改用面谈、信函等方式。",
      group="deadline", sources=[S("002", "第十条(一)")],
      params=[within(Duration(1, MONTH), S("002", "第十条(一)"), "months")], sheet="客户",
      deadline=Deadline("投顾签约日期", "投顾新签约回访", completed=True),
      example=Example(fails=(sets('客户', 投顾签约日期='2025-03-03'),
                             sets('回访记录', 回访类型='投顾新签约回访', 回访时间='2025-03-04 09:00',
                                  回访结果='回访不可达', 拨打次数=3)),
                      passes=(sets('客户', 投顾签约日期='2025-03-03'),
                              sets('回访记录', 回访类型='投顾新签约回访', 回访时间='2025-04-03 09:00',
                                   **answers('投顾新签约回访'))), cell='客户!O2',
                      message='投顾签约日期 2025-03-03 起一个月内未完成投顾新签约回访（截止 2025-04-03）'))
def ia002(ctx: Context, s):
    return customer_triggers(ctx, "投顾签约日期", "投顾签约日期")


@rule("SPC001", ERROR, "特殊回访超期",
      explain="发生监管协查、交易所重点监控、身份信息变更、异常交易或其他特殊事件后 {within}内须完成特殊回访；"
              "对账单异议、对账单未送达只对总资产达到 {min_assets}的客户触发。",
      fix="尽快完成特殊回访，并在回访记录的“关联事件”中填写事件编号。",
      group="deadline", sources=[S("BRK"), S("001G", "第十三条、第三十一条")],
      params=[within(Duration(3, DAY), S("001G", "第三十一条"), "days"),
              Param("min_assets", "对账单事件的总资产门槛", 100_000, unit="元",
                    source=S("001G", "第十三条(一)"))],
      sheet="事件", deadline=Deadline("监管协查、交易所重点监控等特殊事件", "特殊回访", completed=True),
      example=Example(fails=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='监管协查',
                                  事件时间='2025-05-08 10:00'),
                             sets('回访记录', 回访类型='特殊回访', 回访时间='2025-05-12 09:00')),
                      passes=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='监管协查',
                                   事件时间='2025-05-08 10:00'),
                              sets('回访记录', 回访类型='特殊回访', 回访时间='2025-05-11 20:00')), cell='回访记录!F2',
                      message='特殊回访晚了 1 天：'
                              '监管协查事件 E1 2025-05-08 10:00 起 3 天内应完成特殊回访（截止 2025-05-11）'))
def spc001(ctx: Context, s):
    assets, index = ctx.customers.col("总资产"), ctx.cust_index
    for t in event_triggers(ctx, SPECIAL_EVENTS):
        if t.label.startswith(STATEMENT_EVENTS):
            j = index.get(t.customer)
            if j is None or (assets[j] or 0) < s.min_assets:
                continue
        yield t


@rule("CLS001", ERROR, "销户回访超期",
      explain="客户销户后 {within}内须进行销户回访（任何回访结果都算进行过）。账户状态为“销户”的客户以销户日期为起点。",
      fix="尽快联系已销户客户了解原因，并登记回访记录。",
      group="deadline", sources=[S("BRK"), S("001Z", "三、2")],
      params=[within(Duration(2, DAY), S("001Z", "三、2"), "days")], sheet="客户",
      deadline=Deadline("销户日期（账户状态为销户）", "销户回访", completed=False),
      example=Example(fails=(sets('客户', 账户状态='销户', 销户日期='2025-05-20'),),
                      passes=(sets('客户', 账户状态='销户', 销户日期='2025-05-20'),
                              adds('回访记录', 记录编号='R2', 回访类型='销户回访', 回访时间='2025-05-22 09:00',
                                   拨打次数=3, 回访结果='回访不可达')), cell='客户!S2',
                      message='销户日期 2025-05-20 起 2 天内未进行销户回访（截止 2025-05-22）'))
def cls001(ctx: Context, s):
    state = ctx.customers.col("账户状态")
    return customer_triggers(ctx, "销户日期", "销户日期", keep=lambda i: state[i] == "销户")


@rule("DRM001", ERROR, "休眠客户回访超期",
      explain="客户最后交易日期起满 {idle}无交易即成为休眠客户，"
              "此后 {within}内须进行休眠客户回访（任何回访结果都算进行过）。"
              "已在此前销户或转出的客户不再回访。",
      fix="联系长期无交易的客户，了解原因并提示账户安全。",
      group="deadline", sources=[S("BRK"), S("001Z", "三、2")],
      params=[Param("idle", "无交易时长", Duration(6, MONTH), source=S("001Z", "三、2"),
                    aliases=("idle_months",)),
              within(Duration(15, DAY), S("001Z", "三、2"), "days")], sheet="客户",
      deadline=Deadline("最后交易日期起满无交易时长", "休眠客户回访", completed=False),
      example=Example(fails=(sets('客户', 最后交易日期='2024-12-01'),),
                      passes=(sets('客户', 最后交易日期='2024-12-01'),
                              adds('回访记录', 记录编号='R2', 回访类型='休眠客户回访', 回访时间='2025-06-16 09:00')),
                      cell='客户!T2', message='自 2025-06-01 起 15 天内未进行休眠客户回访（截止 2025-06-16）'))
def drm001(ctx: Context, s):
    idle = s.idle
    t = ctx.customers
    state, closed, custs = t.col("账户状态"), t.col("销户日期"), t.col("客户编号")
    for i, last in enumerate(t.col("最后交易日期")):
        if last is None:
            continue
        start = idle.after(last, ctx.cal)
        if start > ctx.as_of:
            continue
        if state[i] in K.LOST_STATES and (closed[i] is None or closed[i] <= start):
            continue
        yield Trigger("客户", t.rows[i], "最后交易日期", custs[i], start,
                      f"最后交易日期 {iso(last)} 满 {idle.show()}无交易，自")


@rule("AST001", ERROR, "资产异动回访超期",
      explain="客户大额转出资金后，须在 {within}内（默认为次日，"
              "即下一个工作日）进行资产异动回访（任何回访结果都算进行过）。",
      fix="当日汇总大额转出事件，次日逐一回访，并在“关联事件”中填写事件编号。",
      group="deadline", sources=[S("BRK"), S("001Z", "三、3")],
      params=[within(Duration(1, WORKDAY), S("001Z", "三、3"), "working_days")], sheet="事件",
      deadline=Deadline("大额转出事件", "资产异动回访", completed=False),
      example=Example(fails=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='大额转出',
                                  事件时间='2025-09-30 15:00'),
                             sets('回访记录', 回访类型='资产异动回访', 回访时间='2025-10-10 09:00')),
                      passes=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='大额转出',
                                   事件时间='2025-09-30 15:00'),
                              sets('回访记录', 回访类型='资产异动回访', 回访时间='2025-10-09 09:00')),
                      cell='回访记录!F2', message='起次日应进行资产异动回访（截止 2025-10-09）', as_of='2025-10-31'))
def ast001(ctx: Context, s):
    return event_triggers(ctx, ("大额转出",))


@rule("CMP001", WARNING, "投诉回访超期",
      explain="投诉办结后 {within}内应完成投诉回访，了解客户对处理结果是否满意。"
              "投顾回访指引范本第九条(二)1 规定了投诉回访，"
              "时限为公司实务。",
      fix="投诉办结后尽快回访，并在“关联事件”中填写投诉办结事件的编号。",
      group="deadline", sources=[S("002", "第九条(二)1"), S("CO", "时限为公司实务")],
      params=[within(Duration(5, WORKDAY), S("CO", "公司实务"), "working_days")], sheet="事件",
      deadline=Deadline("投诉办结事件", "投诉回访", completed=True),
      example=Example(fails=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='投诉办结',
                                  事件时间='2025-06-02 15:00'),
                             sets('回访记录', 回访类型='投诉回访', 回访时间='2025-06-10 09:00')),
                      passes=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='投诉办结',
                                   事件时间='2025-06-02 15:00'),
                              sets('回访记录', 回访类型='投诉回访', 回访时间='2025-06-09 09:00')), cell='回访记录!F2',
                      message='5 个工作日内应完成投诉回访（截止 2025-06-09）'))
def cmp001(ctx: Context, s):
    return event_triggers(ctx, ("投诉办结",))


@rule("TRM001", WARNING, "解约回访超期",
      explain="客户解除投资顾问协议后 {within}内应进行解约回访（任何回访结果都算进行过），了解解约原因和意见建议。"
              "投顾回访指引范本第九条(二)3 要求在客户解约时及时了解原因，时限为公司实务。",
      fix="联系解约客户了解原因和意见，登记回访类型为“解约回访”的记录。",
      group="deadline", sources=[S("002", "第九条(二)3"), S("CO", "时限为公司实务")],
      params=[within(Duration(5, WORKDAY), S("CO", "公司实务"), "working_days")], sheet="客户",
      deadline=Deadline("投顾解约日期", "解约回访", completed=False),
      example=Example(fails=(sets("客户", 投顾签约日期="2024-03-01", 投顾解约日期="2025-05-06"),),
                      passes=(sets("客户", 投顾签约日期="2024-03-01", 投顾解约日期="2025-05-06"),
                              adds("回访记录", 记录编号="R2", 回访类型="解约回访", 回访时间="2025-05-09 10:00")),
                      cell="客户!P2",
                      message="投顾解约日期 2025-05-06 起 5 个工作日内未进行解约回访（截止 2025-05-13）"))
def trm001(ctx: Context, s):
    return customer_triggers(ctx, "投顾解约日期", "投顾解约日期")


@rule("PF002", ERROR, "私募产品回访未在冷静期满后及时完成",
      explain="每笔私募认购都须在冷静期满后 {within}内完成一次有效的私募产品回访：在冷静期满之后进行、"
              "由营销人员以外的人员执行、"
              "客户作答（回访通过或不通过）。回访成功前基金合同不得确认，时限为公司实务。",
      fix="冷静期满后尽快由回访专员进行私募产品回访，在“关联事件”中填写认购事件编号；回访不成功的，不得确认合同。",
      group="private", sources=[S("PFI"), S("PFM", PFM_CALLBACK), S("000", "4.3"), S("CO", "时限为公司实务")],
      params=[within(Duration(5, WORKDAY), S("CO", "公司实务"), "working_days")], sheet="事件",
      deadline=Deadline("私募认购冷静期满", "私募产品回访", completed=True),
      example=Example(fails=(adds("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购",
                                  事件时间="2025-04-02 16:50"),),
                      passes=(adds("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购",
                                   事件时间="2025-04-02 16:50"),
                              adds("回访记录", 记录编号="R2", 回访类型="私募产品回访", 回访时间="2025-04-07 10:00",
                                   关联事件="E1", **answers("私募产品回访"))),
                      cell="事件!D2", message="冷静期满 2025-04-03 16:50 起 5 个工作日内未完成私募产品回访（截止 "
                                              "2025-04-11）"))
def pf002(ctx: Context, s):
    span = ctx.settings("PF001").hours.span()      # PF001's cooling-off, whether PF001 runs or not
    roles, staff = ctx.staff_roles(), ctx.records.col("回访人员")

    def independent(i):         # a callback by someone the policy bars from it does not count
        return CALLBACK.allows(roles.role(staff[i]), "私募产品回访")
    for t in event_triggers(ctx, ("私募认购",)):
        when = t.moment or datetime(t.day.year, t.day.month, t.day.day)
        end = when + span
        t.moment, t.day = end, end.date()
        t.label = f"{t.label} 的冷静期满"
        t.accept = independent
        yield t
