"""Process rules: reporting, supervisor review, plans, lost customers."""
from __future__ import annotations

from datetime import date, timedelta

from generator.workbook import contract as K
from generator import periods
from generator.rules.context import Context, Due, Hit, iso
from generator.rules.deadlines import PROVISIONAL_NOTE
from generator.rules.durations import DAY, WORKDAY, Duration
from generator.roles import APPROVE_PLAN
from generator.rules.registry import ERROR, Example, Param, S, WARNING, adds, rule, sets


ISSUED_000 = date(2021, 6, 1)   # 000 私募基金客户回访管理规定: dated 2021-06-01, in force on issue


def _late_date(ctx: Context, i: int, column: str, got, due_prov, what: str):
    """A date column that must be on or before the due day: missing once it has passed, or late."""
    due, prov = due_prov
    note = PROVISIONAL_NOTE if prov else ""
    if got is None:
        if due < ctx.as_of:
            return ctx.rec_hit(i, column, f"回访时间 {iso(ctx.rec_day[i])}，未{what}（应于 {iso(due)} 前{note}）",
                               due=due, provisional=prov)
    elif got > due:
        return ctx.rec_hit(i, column, f"{what}日期 {iso(got)} 晚于 {iso(due)}{note}（回访时间 {iso(ctx.rec_day[i])}）",
                           due=due, actual=got, provisional=prov)
    return None


def _due_table(ctx: Context, days, window: Duration) -> dict:
    """Each distinct day -> (its due day, provisional): per distinct value, not per record."""
    return {d: ctx.after(window, d) for d in set(days) if d is not None}


@rule("PRC001", WARNING, "回访情况未及时报告",
      explain="回访人员应在回访后 {days}内（默认次日）将回访情况汇总报告，填写报告日期。",
      fix="汇总报告回访情况并填写报告日期。",
      group="process", sources=[S("000", "4.4(1)1)")],
      params=[Param("days", "报告时限", Duration(1, DAY), source=S("000", "4.4(1)1)"), effective=ISSUED_000)],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 报告日期='2025-06-05'),),
                      passes=(sets('回访记录', 报告日期='2025-06-03'),), cell='回访记录!AY2',
                      message='报告日期 2025-06-05 晚于 2025-06-03'))
def prc001(ctx: Context, s):
    got, days = ctx.records.col("报告日期"), ctx.rec_day
    due_of = _due_table(ctx, days, s.days)
    for i in ctx.period_records():
        due, g = due_of[days[i]], got[i]
        if g is None or g > due[0]:          # the common case, on time, costs two look-ups
            hit = _late_date(ctx, i, "报告日期", g, due, "报告")
            if hit:
                yield hit


@rule("PRC002", ERROR, "回访记录未按时提交审核",
      explain="回访记录应在回访后 {days}内提交部门主管审核；部门主管同意延期的（“延期审批”为“是”），"
              "最迟 {extended_days}。",
      fix="提交部门主管审核并填写提交审核日期；需延期的先取得主管同意。",
      group="process", sources=[S("000", "4.4(1)2)")],
      params=[Param("days", "提交时限", Duration(3, DAY), source=S("000", "4.4(1)2)"), effective=ISSUED_000),
              Param("extended_days", "延期后的提交时限", Duration(7, DAY), source=S("000", "4.4(1)2)"),
                    effective=ISSUED_000)],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 提交审核日期='2025-06-06'),),
                      passes=(sets('回访记录', 提交审核日期='2025-06-06', 延期审批='是'),), cell='回访记录!AZ2',
                      message='提交审核日期 2025-06-06 晚于 2025-06-05'))
def prc002(ctx: Context, s):
    got, ext, days = ctx.records.col("提交审核日期"), ctx.records.col("延期审批"), ctx.rec_day
    normal, extended = _due_table(ctx, days, s.days), _due_table(ctx, days, s.extended_days)
    for i in ctx.period_records():
        due = (extended if ext[i] == "是" else normal)[days[i]]
        g = got[i]
        if g is None or g > due[0]:
            hit = _late_date(ctx, i, "提交审核日期", g, due, "提交审核")
            if hit:
                yield hit


@rule("PRC003", ERROR, "提交后未及时审核",
      explain="回访记录提交后，部门主管应在 {within}内审核，填写审核人和审核日期（时限为公司实务）。",
      fix="部门主管审核回访记录，填写审核人、审核日期和审核意见。",
      group="process", sources=[S("000", "3.3、4.4(2)（主管审阅）"), S("CO", "审核时限为公司实务")],
      params=[Param("within", "审核时限", Duration(5, WORKDAY), source=S("CO", "公司实务"), aliases=("working_days",))],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 审核人=None, 审核日期=None),), cell='回访记录!BB2',
                      message='2025-06-04 提交审核，至 2025-06-11 仍无审核人'))
def prc003(ctx: Context, s):
    sent, who, when = ctx.records.col("提交审核日期"), ctx.records.col("审核人"), ctx.records.col("审核日期")
    due_of = _due_table(ctx, sent, s.within)
    for i in ctx.period_records():
        if sent[i] is None:
            continue
        due, prov = due_of[sent[i]]
        note = PROVISIONAL_NOTE if prov else ""
        if who[i] is not None and when[i] is not None and when[i] <= due:
            continue
        if who[i] is None or when[i] is None:
            if due < ctx.as_of:
                column = "审核人" if who[i] is None else "审核日期"
                yield ctx.rec_hit(i, column, f"{iso(sent[i])} 提交审核，至 {iso(due)}{note} 仍无{column}",
                                  due=due, provisional=prov)
        elif when[i] > due:
            yield ctx.rec_hit(i, "审核日期", f"{iso(sent[i])} 提交审核，{iso(when[i])} 才审核，晚于 {iso(due)}{note}",
                              due=due, actual=when[i], provisional=prov)


@rule("PLN001", ERROR, "回访计划未执行",
      explain="计划日期已过的回访计划，须有同一客户、同一回访类型、回访时间不早于计划日期前 {window_days}的回访记录。",
      fix="执行计划中的回访；计划取消的，在计划表中注明并删除该行。",
      group="process", sources=[S("000", "4.2、附件一（按计划回访）"), S("CO", "可提前的天数为公司实务")],
      params=[Param("window_days", "计划日期前可提前的天数", 30, unit="天", source=S("CO", "公司实务"))],
      sheet="回访计划",
      example=Example(fails=(adds('回访计划', 计划编号='P1', 客户编号='C0001', 回访类型='重点客户回访', 回访方式='电话',
                                  计划日期='2025-06-10'),),
                      passes=(adds('回访计划', 计划编号='P1', 客户编号='C0001', 回访类型='存量回访', 回访方式='电话',
                                   计划日期='2025-06-10'),), cell='回访计划!H2',
                      message='计划 P1 的重点客户回访（计划日期 2025-06-10）没有对应的回访记录'))
def pln001(ctx: Context, s):
    t = ctx.plans
    custs, kinds, ids = t.col("客户编号"), t.col("回访类型"), t.col("计划编号")
    for i, d in enumerate(t.col("计划日期")):
        if d is None or d < ctx.since or d >= ctx.as_of or custs[i] is None:
            continue
        start = d - timedelta(days=s.window_days)
        if ctx.first_callback(custs[i], kinds[i], completed=False, start=start) is None:
            yield Hit("回访计划", t.rows[i], "计划日期",
                      f"计划 {ids[i] or ''} 的{kinds[i]}（计划日期 {iso(d)}）没有对应的回访记录", custs[i])


@rule("LST001", ERROR, "流失客户未建档",
      explain="销户或转出的客户（总资产达到 {min_assets}的；门槛为 0 即全部）须在“流失客户”表建立流失客户档案。"
              "客户服务指引 5.5.3 要求为流失的高端客户建档；默认为全部流失客户建档，是公司实务的扩展，"
              "可按公司对高端客户的门槛调整。",
      fix="在“流失客户”表中补建档案，写明流失原因，并安排后续跟踪。",
      group="lost", sources=[S("003", "5.5.3（流失高端客户建档）"), S("CO", "默认扩展到全部流失客户")],
      params=[Param("min_assets", "建档的总资产门槛", 0, unit="元",
                    source=S("CO", "公司实务（003 5.5.3 只要求高端客户）"))],
      sheet="客户",
      example=Example(fails=(sets('客户', 账户状态='转出', 销户日期='2025-03-01'),),
                      passes=(sets('客户', 账户状态='转出', 销户日期='2025-03-01'),
                              adds('流失客户', 客户编号='C0001', 流失日期='2025-03-01', 流失主要原因='工作调动')),
                      cell='客户!R2', message='客户已转出（2025-03-01），“流失客户”表中没有档案'))
def lst001(ctx: Context, s):
    t = ctx.customers
    ledger = set(ctx.lost.col("客户编号"))
    state, closed, assets, custs = t.col("账户状态"), t.col("销户日期"), t.col("总资产"), t.col("客户编号")
    for i, st in enumerate(state):
        if st not in K.LOST_STATES or custs[i] in ledger:
            continue
        if closed[i] is not None and closed[i] < ctx.since:
            continue
        if (assets[i] or 0) >= s.min_assets:
            yield Hit("客户", t.rows[i], "账户状态",
                      f"客户已{st}（{iso(closed[i])}），“流失客户”表中没有档案", custs[i])


@rule("LST002", WARNING, "流失客户长期未跟踪",
      explain="建档的流失客户，应定期联系挽留：最近一次跟踪联系（没有则为流失日期）距检查日不超过 {days}（公司实务）。",
      fix="联系流失客户，在“流失跟踪”表中登记联系时间和交流内容。",
      group="lost", sources=[S("003", "5.5.3 4"), S("CO", "间隔为公司实务")],
      params=[Param("days", "跟踪间隔", Duration(90, DAY), source=S("CO", "公司实务"))], sheet="流失客户",
      example=Example(fails=(adds('流失客户', 客户编号='C0001', 流失日期='2025-03-01', 流失主要原因='工作调动'),),
                      passes=(adds('流失客户', 客户编号='C0001', 流失日期='2025-03-01', 流失主要原因='工作调动'),
                              adds('流失跟踪', 客户编号='C0001', 联系时间='2025-05-01 10:00', 联系员工='H001')),
                      cell='流失客户!D2', message='流失日期 2025-03-01 后没有跟踪联系，已超过 90 天'))
def lst002(ctx: Context, s):
    last: dict = {}
    f = ctx.follow
    for c, when in zip(f.col("客户编号"), f.col("联系时间")):
        if c is not None and when is not None and when.date() <= ctx.as_of:
            d = when.date()
            if c not in last or d > last[c]:
                last[c] = d
    t = ctx.lost
    custs = t.col("客户编号")
    for i, lost_on in enumerate(t.col("流失日期")):
        c = custs[i]
        ref = last.get(c) or lost_on
        if ref is None or ref > ctx.as_of:
            continue
        due = s.days.after(ref, ctx.cal)
        if due < ctx.as_of:
            what = f"最近一次跟踪联系在 {iso(ref)}" if c in last else f"流失日期 {iso(ref)} 后没有跟踪联系"
            yield Hit("流失客户", t.rows[i], "流失日期", f"{what}，已超过 {s.days.show()}", c, due=due)


@rule("RPT001", WARNING, "回访报告未按期编制",
      explain="有回访记录的每个报告期（{period}）结束后 {grace}内，应在“回访报告”表中登记该期的客户回访报告"
              "（报告期写 2025-09、2025-Q3 或 2025）。报告期结束前和宽限期内列为待办。"
              "缺少的报告指向“回访报告”表中应登记它的行（已有报告之后的空行，按报告期先后）；"
              "工作簿没有这张表时指向整个工作簿。",
      fix="编制该期的《客户回访报告》（附件四），在“回访报告”表中填写报告期、部门和文字部分；"
          "数字由 huifang generate 从回访记录计算。",
      group="process",
      sources=[S("000", "3.3、4.4(1)1)、附件四 客户回访报告"), S("002", "第十三条8（按季度撰写投顾客户回访工作报告）"),
               S("CO", "报告周期和编制时限为公司实务：范本只要求编制回访报告，没有统一的周期")],
      params=[Param("period", "报告周期", "month", source=S("CO", "公司实务"), choices=("month", "quarter", "year")),
              Param("grace", "编制时限", Duration(5, WORKDAY), source=S("CO", "公司实务"))],
      sheet="回访报告",
      example=Example(fails=(), passes=(adds("回访报告", 报告期="2025-06", 部门="测试营业部"),), cell="（整体）",
                      message="工作簿中没有“回访报告”表；"
                              "2025 年 6 月的回访报告没有登记（报告期 2025-06 结束后 5 个工作日内应编制，"
                              "截止 2025-07-07）",
                      as_of="2025-07-15"))
def rpt001(ctx: Context, s):
    have = set()
    for label in ctx.book["回访报告"].col("报告期"):
        try:
            have.add(periods.parse_period(label).key)
        except ValueError:
            pass
    active = {periods.containing(s.period, d).key for d in set(ctx.rec_day) if d is not None}
    reports = ctx.book["回访报告"]
    row = (reports.rows[-1] if reports.rows else reports.header_row or 1) + 1    # where the next report goes
    for p in periods.between(s.period, ctx.since, ctx.as_of):
        if p.end >= ctx.as_of or p.key not in active or p.key in have:
            continue
        due, prov = ctx.after(s.grace, p.end)
        note = PROVISIONAL_NOTE if prov else ""
        text = f"{p.label}的回访报告没有登记（报告期 {p.key} 结束后 {s.grace.show()}内应编制，截止 {iso(due)}{note}）"
        if due < ctx.as_of:
            if reports.present:
                yield Hit("回访报告", row, "报告期", text, due=due, provisional=prov)
                row += 1
            else:                       # no sheet to point into: the workbook as a whole
                yield Hit(None, None, None, f"工作簿中没有“回访报告”表；{text}", due=due, provisional=prov)
        else:
            yield Due("回访报告", None, None, due, "回访报告", text, prov)


@rule("RPT003", WARNING, "回访报告编制晚于期限",
      explain="“回访报告”表中登记的报告，编制日期应在报告期结束后 RPT001 的编制时限内；"
              "晚于期限的在此报告（报告期按该行自己的写法：月、季或年）。",
      fix="按期编制回访报告；已晚的，在备注中写明原因，并检查下一期的编制安排。",
      group="process",
      sources=[S("000", "4.4(1)1)、附件四 客户回访报告"), S("CO", "编制时限为公司实务（见 RPT001）")],
      sheet="回访报告", after=("RPT001",),
      example=Example(fails=(adds("回访报告", 报告期="2025-05", 部门="测试营业部", 编制日期="2025-06-17",
                                  主管领导审核意见="同意"),),
                      passes=(adds("回访报告", 报告期="2025-05", 部门="测试营业部", 编制日期="2025-06-06",
                                   主管领导审核意见="同意"),),
                      cell="回访报告!P2", message="2025 年 5 月的回访报告编制日期 2025-06-17 晚于 2025-06-09"))
def rpt003(ctx: Context, s):
    grace = ctx.settings("RPT001").grace          # RPT001's window, whether RPT001 runs or not
    t = ctx.book["回访报告"]
    for i, (label, made) in enumerate(zip(t.col("报告期"), t.col("编制日期"))):
        if made is None or made > ctx.as_of:
            continue
        try:
            p = periods.parse_period(label)
        except (ValueError, TypeError):
            continue
        due, prov = ctx.after(grace, p.end)
        if made > due and due >= ctx.since:
            note = PROVISIONAL_NOTE if prov else ""
            yield Hit("回访报告", t.rows[i], "编制日期",
                      f"{p.label}的回访报告编制日期 {iso(made)} 晚于 {iso(due)}{note}"
                      f"（报告期 {p.key} 结束后 {grace.show()}内应编制）", due=due, actual=made, provisional=prov)


@rule("PLN002", WARNING, "回访计划没有部门主管审批",
      explain="回访计划须经审批：“回访计划”表的每一行都应在“部门主管”列填写审批人，审批人的岗位须是 {roles}，"
              "不能是营销人员，也不能是该计划的编制人本人。",
      fix="提交部门主管审批回访计划，并填写部门主管的工号。",
      group="process",
      sources=[S("000", "附件二 客户回访计划（编制人、部门主管分别签字）"), S("002", "第十一条（回访计划上报审批）")],
      params=[Param("roles", "可以审批计划的岗位", APPROVE_PLAN.roles + APPROVE_PLAN.stand_in,
                    source=S("000", "附件二"))],
      sheet="回访计划",
      example=Example(fails=(adds("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="存量回访", 回访方式="电话",
                                  计划日期="2025-06-01", 编制人="H001", 部门主管="H001"),),
                      passes=(adds("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="存量回访", 回访方式="电话",
                                   计划日期="2025-06-01", 部门主管="M001"),),
                      cell="回访计划!K2", message="计划 P1 由编制人 H001 自己审批"))
def pln002(ctx: Context, s):
    t = ctx.plans
    ids, custs, days = t.col("计划编号"), t.col("客户编号"), t.col("计划日期")
    boss, made_by = t.col("部门主管"), t.col("编制人")
    roles = ctx.staff_roles()
    for i, d in enumerate(days):
        if d is not None and d < ctx.since:
            continue
        b, plan = boss[i], f"计划 {ids[i] or ''}"
        if b is None:
            yield Hit("回访计划", t.rows[i], "部门主管", f"{plan} 没有部门主管审批（部门主管为空）", custs[i])
        elif b == made_by[i]:
            yield Hit("回访计划", t.rows[i], "部门主管", f"{plan} 由编制人 {b} 自己审批", custs[i])
        elif roles.known(b) and not APPROVE_PLAN.permits(roles.role(b), s.roles):
            yield Hit("回访计划", t.rows[i], "部门主管",
                      f"{plan} 的审批人 {b} 是{roles.role(b)}，回访计划须由{'、'.join(s.roles)}审批", custs[i])


@rule("LST003", WARNING, "流失客户档案不完整",
      explain="流失客户档案应写明原因分类（主观或客观）和服务员工，便于分析流失原因和安排挽留。",
      fix="补填“流失客户”表的原因分类和服务员工。",
      group="lost", sources=[S("003", "5.5.3（流失客户档案表）")], sheet="流失客户",
      example=Example(fails=(adds("流失客户", 客户编号="C0001", 流失日期="2025-03-01", 流失主要原因="工作调动"),
                             adds("流失跟踪", 客户编号="C0001", 联系时间="2025-06-01 10:00", 联系员工="H001")),
                      passes=(adds("流失客户", 客户编号="C0001", 流失日期="2025-03-01", 流失主要原因="工作调动",
                                   原因分类="客观", 服务员工="H002"),
                              adds("流失跟踪", 客户编号="C0001", 联系时间="2025-06-01 10:00", 联系员工="H001")),
                      cell="流失客户!N2", message="流失客户档案缺原因分类、服务员工"))
def lst003(ctx: Context, s):
    t = ctx.lost
    custs, kinds, staff = t.col("客户编号"), t.col("原因分类"), t.col("服务员工")
    for i in range(len(t)):
        missing = [n for n, v in (("原因分类", kinds[i]), ("服务员工", staff[i])) if v is None]
        if missing:
            yield Hit("流失客户", t.rows[i], missing[0], f"流失客户档案缺{'、'.join(missing)}", custs[i])


@rule("RPT002", WARNING, "回访报告没有主管领导审核意见",
      explain="编制完成（已填编制日期）的客户回访报告应有主管领导审核意见。",
      fix="请主管领导审阅回访报告，填写审核意见。",
      group="process", sources=[S("000", "3.3（主管领导审阅）、附件四 客户回访报告")], sheet="回访报告",
      example=Example(fails=(adds("回访报告", 报告期="2025-05", 部门="测试营业部", 编制日期="2025-06-05"),),
                      passes=(adds("回访报告", 报告期="2025-05", 部门="测试营业部", 编制日期="2025-06-05",
                                   主管领导审核意见="同意"),),
                      cell="回访报告!N2", message="2025-05 的回访报告没有主管领导审核意见"))
def rpt002(ctx: Context, s):
    t = ctx.book["回访报告"]
    labels, made, review = t.col("报告期"), t.col("编制日期"), t.col("主管领导审核意见")
    for i in range(len(t)):
        if made[i] is not None and made[i] <= ctx.as_of and made[i] >= ctx.since and not review[i]:
            yield Hit("回访报告", t.rows[i], "主管领导审核意见",
                      f"{labels[i] or ''} 的回访报告没有主管领导审核意见（编制日期 {iso(made[i])}）")
