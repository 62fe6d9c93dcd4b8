"""Rules on each callback record: private-fund cooling-off, independence, evidence, outcome."""
from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime
from functools import lru_cache

from generator.roles import CALLBACK, IA_KINDS, REVIEW, is_sales
from generator.rules.examples import answers
from generator.workbook import contract as K
from generator.rules.context import Context, Hit, by_time, iso
from generator.rules.deadlines import PROVISIONAL_NOTE
from generator.rules.durations import HOUR, WORKDAY, Duration
from generator.rules.citations import EMAIL_PRINT, PFM_CALLBACK, SMS_METHOD
from generator.rules.registry import ERROR, Example, Param, S, WARNING, adds, rule, sets


PF_KIND = "私募产品回访"
JUDGED = K.ANSWERED                 # results that mean the customer was actually asked


# ------------------------------------------------------------------ private fund

def cooling_off(ctx: Context, s) -> dict[int, tuple[str, datetime, datetime]]:
    """Records of 私募产品回访 inside the cooling-off period: index -> (event id, event time, end).

    The event is the one named in 关联事件, else the customer's latest 私募认购 at or before
    the callback. Such a record is void: it counts for no rule (the registry's `excludes` hook),
    whatever its date; PF001 reports the ones dated in the checked period.
    """
    span = s.hours.span()
    ev = ctx.events
    kinds, custs, ids, times = ev.col("事件类型"), ev.col("客户编号"), ev.col("事件编号"), ev.col("事件时间")
    by_cust: dict = {}
    for j, k in enumerate(kinds):
        if k == "私募认购" and times[j] is not None:
            by_cust.setdefault(custs[j], []).append(j)
    at = by_time(by_cust, times)    # customer -> (subscriptions sorted by time, their times)
    rec = ctx.records
    rkinds, rcusts, links = rec.col("回访类型"), rec.col("客户编号"), rec.col("关联事件")
    out = {}
    for i in [i for i, k in enumerate(rkinds) if k == PF_KIND]:      # the other types in one look
        when = ctx.rec_time[i]
        if when is None:
            continue
        j = ctx.event_index.get(links[i]) if links[i] else None
        if j is None or kinds[j] != "私募认购" or times[j] is None:
            lst, when_s = at.get(rcusts[i], ((), ()))
            k = bisect_right(when_s, when)        # the latest subscription at or before the callback
            if not k:
                continue
            j = lst[k - 1]
        end = times[j] + span
        if when < end:
            out[i] = (ids[j], times[j], end)
    return out


@rule("PF001", ERROR, "私募产品回访在冷静期内进行",
      explain="私募基金投资冷静期不少于 {hours}，自合同签署且资金到账（两者较晚者，即“私募认购”事件时间）起算。"
              "冷静期内进行的回访无效，不计入任何回访要求，须在冷静期满后重新回访。按日期和时间比较。",
      fix="冷静期满后重新进行私募产品回访，并登记新的回访记录。",
      group="private",
      sources=[S("PFI"), S("PFM", PFM_CALLBACK), S("000", "附件三 问题7")],
      params=[Param("hours", "冷静期", Duration(24, HOUR), source=S("PFM", "第二十九条"),
                    effective=date(2016, 7, 15))],
      sheet="回访记录", excludes=cooling_off,
      example=Example(fails=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='私募认购',
                                  事件时间='2025-04-02 16:50'),
                             sets('回访记录', 回访类型='私募产品回访', 回访时间='2025-04-03 12:50',
                                  **answers('私募产品回访'))),
                      passes=(adds('事件', 事件编号='E1', 客户编号='C0001', 事件类型='私募认购',
                                   事件时间='2025-04-02 16:50'),
                              sets('回访记录', 回访类型='私募产品回访', 回访时间='2025-04-03 16:50',
                                   **answers('私募产品回访'))), cell='回访记录!F2',
                      message='冷静期至 2025-04-03 16:50），本次回访无效'))
def pf001(ctx: Context, s):
    void = ctx.void_reason
    for i in [i for i in ctx.period_records() if i in void] if void else ():
        eid, start, end = void[i]
        yield ctx.rec_hit(i, "回访时间",
                          f"回访时间 {iso(ctx.rec_time[i])} 在冷静期内（私募认购 {eid or ''} 于 {iso(start)}，"
                          f"冷静期至 {iso(end)}），本次回访无效")


# ------------------------------------------------------------------ independence

@rule("IND001", ERROR, "回访由营销人员执行",
      explain="回访须由独立于营销的人员执行：岗位为营销人员的员工不得回访；"
              "投顾的回访（" + "、".join(IA_KINDS) + "）也不得由投资顾问执行。"
              "私募产品回访由营销人员执行的，也在此报告。",
      fix="改由回访专员或客户服务人员重新回访，并登记新的回访记录。",
      group="independence",
      sources=[S("BRK"), S("PFM", "第三十条"), S("001G", "第三条（独立性原则）、第四条（营销序列员工以外的人员）"),
               S("002", "第七条、第九条(二)3")],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 回访人员='S001'),), passes=(sets('回访记录', 回访人员='H002'),),
                      cell='回访记录!G2', message='存量回访由营销人员 S001 执行，违反回访独立性要求'))
def ind001(ctx: Context, s):
    staff, kinds = ctx.records.col("回访人员"), ctx.records.col("回访类型")
    roles = ctx.staff_roles()
    barred = {k: roles.barred(CALLBACK, k) for k in set(kinds)}    # per 回访类型, the 工号 it bars
    for i in [i for i in ctx.period_records() if staff[i] in barred[kinds[i]]]:
        yield ctx.rec_hit(i, "回访人员",
                          f"{kinds[i] or '回访'}由{roles.role(staff[i])} {staff[i]} 执行，违反回访独立性要求")


@rule("IND002", ERROR, "回访由客户的开发人员执行",
      explain="回访人员须回避自己开发或服务的客户：回访人员不得是该客户的开发人员。",
      fix="改由其他回访人员重新回访。", group="independence", sources=[S("002", "第七条")], sheet="回访记录",
      example=Example(fails=(sets('客户', 开发人员='H002'), sets('回访记录', 回访人员='H002')),
                      passes=(sets('客户', 开发人员='H002'),), cell='回访记录!G2',
                      message='回访人员 H002 是客户 C0001 的开发人员，应当回避'))
def ind002(ctx: Context, s):
    staff, custs = ctx.records.col("回访人员"), ctx.records.col("客户编号")
    dev = ctx.customers.col("开发人员")
    developers = set(dev)           # a record by anyone else needs no look-up of its customer
    index = ctx.cust_index
    for i in [i for i in ctx.period_records() if staff[i] in developers]:
        j = index.get(custs[i])
        if j is not None and staff[i] is not None and dev[j] == staff[i]:
            yield ctx.rec_hit(i, "回访人员", f"回访人员 {staff[i]} 是客户 {custs[i]} 的开发人员，应当回避")


@rule("IND004", ERROR, "回访计划安排了不得回访的人员",
      explain="回访计划中的回访人员须是营销序列以外的人员：不得是营销人员；"
              + "、".join(IA_KINDS) + "不得安排投资顾问；"
              "也不得是该客户的开发人员。计划日期在检查期间内的计划都检查。",
      fix="改派回访专员或客户服务人员，更新回访计划的回访人员。",
      group="independence",
      sources=[S("BRK"), S("001G", "第四条（回访查询、提交和执行回访的人员为营销序列以外的人员）"),
               S("002", "第七条、第十一条")],
      sheet="回访计划",
      example=Example(fails=(adds("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="存量回访", 回访方式="电话",
                                  计划日期="2025-06-01", 回访人员="S001", 编制人="H001", 部门主管="M001"),),
                      passes=(adds("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="存量回访", 回访方式="电话",
                                   计划日期="2025-06-01", 回访人员="H002", 编制人="H001", 部门主管="M001"),),
                      cell="回访计划!I2", message="计划 P1 安排营销人员 S001 执行存量回访"))
def ind004(ctx: Context, s):
    t = ctx.plans
    ids, custs, kinds = t.col("计划编号"), t.col("客户编号"), t.col("回访类型")
    days, who = t.col("计划日期"), t.col("回访人员")
    dev = ctx.customers.col("开发人员")
    roles = ctx.staff_roles()
    for i, w in enumerate(who):
        if w is None or (days[i] is not None and days[i] < ctx.since):
            continue
        j = ctx.cust_index.get(custs[i])
        if w in roles.barred(CALLBACK, kinds[i]):
            yield Hit("回访计划", t.rows[i], "回访人员",
                      f"计划 {ids[i] or ''} 安排{roles.role(w)} {w} 执行{kinds[i] or '回访'}，违反回访独立性要求",
                      custs[i])
        elif j is not None and dev[j] == w:
            yield Hit("回访计划", t.rows[i], "回访人员",
                      f"计划 {ids[i] or ''} 安排的回访人员 {w} 是客户 {custs[i]} 的开发人员，应当回避", custs[i])


# ------------------------------------------------------------------ evidence

def _method_records(ctx: Context, method: str, judged_only: bool) -> list[int]:
    methods, results = ctx.records.col("回访方式"), ctx.records.col("回访结果")
    if judged_only:
        return [i for i in ctx.period_records() if methods[i] == method and results[i] in JUDGED]
    return [i for i in ctx.period_records() if methods[i] == method]


@rule("MTH001", ERROR, "电话回访没有录音编号",
      explain="电话回访须全程录音，回访记录中填写录音编号（未接通的拨打也要录音留痕）。",
      fix="在录音系统中找到对应录音，补填录音编号；确实没有录音的，须重新回访。",
      group="evidence", sources=[S("BRK"), S("001", "第七条"), S("002", "第二条、第八条")], sheet="回访记录",
      example=Example(fails=(sets('回访记录', 录音编号=None),), cell='回访记录!K2',
                      message='记录 R0001 为电话回访，未填录音编号'))
def mth001(ctx: Context, s):
    rec = ctx.records.col("录音编号")
    hit, label = ctx.rec_hitter("录音编号"), ctx.rec_labeler()
    for i in _method_records(ctx, "电话", False):
        if rec[i] is None:
            yield hit(i, f"{label(i)} 为电话回访，未填录音编号")


@rule("MTH002", ERROR, "面谈回访没有客户签字",
      explain="面谈回访（回访结果为通过或不通过）须由客户在回访记录上签字确认，“客户签字”填“是”。",
      fix="请客户补签回访记录；无法补签的，改用电话回访并录音。",
      group="evidence", sources=[S("BRK"), S("001", "第七条")], sheet="回访记录",
      example=Example(fails=(sets('回访记录', 回访方式='面谈', 录音编号=None, 客户签字='否'),),
                      passes=(sets('回访记录', 回访方式='面谈', 客户签字='√'),), cell='回访记录!L2',
                      message='面谈回访，客户签字为“否”'))
def mth002(ctx: Context, s):
    sign = ctx.records.col("客户签字")
    hit, label = ctx.rec_hitter("客户签字"), ctx.rec_labeler()
    for i in _method_records(ctx, "面谈", True):
        if sign[i] != "是":
            yield hit(i, f"{label(i)} 为面谈回访，客户签字为“{sign[i] or '空'}”")


@rule("MTH003", ERROR, "信函回访缺客户签字或回执",
      explain="信函回访（回访结果为通过或不通过）须有客户签字的回函（“客户签字”为“是”），"
              "并归档邮局回执（“回执附件”为“是”）。",
      fix="归档客户签字的回函和邮局回执；缺失的，改用电话回访并录音。",
      group="evidence", sources=[S("BRK"), S("001", "第七条")], sheet="回访记录",
      example=Example(fails=(sets('回访记录', 回访方式='信函', 客户签字='是'),),
                      passes=(sets('回访记录', 回访方式='信函', 客户签字='是', 回执附件='Y'),), cell='回访记录!M2',
                      message='信函回访，缺回执附件'))
def mth003(ctx: Context, s):
    sign, receipt = ctx.records.col("客户签字"), ctx.records.col("回执附件")
    for i in _method_records(ctx, "信函", True):
        missing = [n for n, v in (("客户签字", sign[i]), ("回执附件", receipt[i])) if v != "是"]
        if missing:
            yield ctx.rec_hit(i, missing[0], f"{ctx.rec_label(i)} 为信函回访，缺{'和'.join(missing)}")


@rule("MTH004", WARNING, "电子邮件回访没有归档打印件",
      explain="电子邮件回访（回访结果为通过或不通过）应将往来邮件打印归档，“回执附件”填“是”。",
      fix="打印客户回复的邮件并归档，补填“回执附件”。",
      group="evidence", sources=[S("BRK"), S("001", "第七条")], sheet="回访记录", conflicts=[EMAIL_PRINT],
      example=Example(fails=(sets('回访记录', 回访方式='电子邮件'),),
                      passes=(sets('回访记录', 回访方式='电子邮件', 回执附件='是'),), cell='回访记录!M2',
                      message='电子邮件回访，未归档邮件打印件'))
def mth004(ctx: Context, s):
    receipt = ctx.records.col("回执附件")
    hit, label = ctx.rec_hitter("回执附件"), ctx.rec_labeler()
    for i in _method_records(ctx, "电子邮件", True):
        if receipt[i] != "是":
            yield hit(i, f"{label(i)} 为电子邮件回访，未归档邮件打印件")


# ------------------------------------------------------------------ outcome

@rule("OUT001", ERROR, "回访不可达但拨打次数不足",
      explain="记为“回访不可达”之前，须至少拨打 {min_attempts}（不同时段）。",
      fix="继续拨打至规定次数，或改用信函、电子邮件等方式联系。",
      group="outcome", sources=[S("002", "第十五条(三)")],
      params=[Param("min_attempts", "最少拨打次数", 3, unit="次", source=S("002", "第十五条(三)"))],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 回访结果='回访不可达', 拨打次数=2),),
                      passes=(sets('回访记录', 回访结果='回访不可达', 拨打次数=3),), cell='回访记录!I2',
                      message='回访不可达，但拨打次数为 2 次，少于 3 次'))
def out001(ctx: Context, s):
    results, tries = ctx.records.col("回访结果"), ctx.records.col("拨打次数")
    for i in ctx.period_records():
        if results[i] == "回访不可达" and (tries[i] or 0) < s.min_attempts:
            yield ctx.rec_hit(i, "拨打次数", f"回访不可达，但拨打次数为 {tries[i] or 0} 次，少于 {s.min_attempts} 次")


@rule("OUT002", ERROR, "回访发现的问题未及时上报合规",
      explain="回访不通过，或回访中发现了问题（“发现问题”已填写），须立即上报风控合规部门："
              "上报合规日期不晚于回访后 {within}。",
      fix="将问题上报合规部门，填写上报日期和处理结果。",
      group="outcome",
      sources=[S("000", "4.3(3)"), S("002", "第十三条（回访跟踪及反馈）"), S("001Z", "三、3（应立即上报）")],
      params=[Param("within", "上报时限", Duration(1, WORKDAY), source=S("001Z", "三、3（应立即上报）"))],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 回访结果='回访不通过'),),
                      passes=(sets('回访记录', 回访结果='回访不通过', 上报合规日期='2025-06-03'),), cell='回访记录!AV2',
                      message='回访不通过，未填上报合规日期'))
def out002(ctx: Context, s):
    results, found, sent = ctx.records.col("回访结果"), ctx.records.col("发现问题"), ctx.records.col("上报合规日期")
    for i in ctx.period_records():
        if not (results[i] == "回访不通过" or found[i]):
            continue
        why = "回访不通过" if results[i] == "回访不通过" else f"发现问题“{found[i]}”"
        if sent[i] is None:
            yield ctx.rec_hit(i, "上报合规日期", f"{why}，未填上报合规日期")
            continue
        due, prov = ctx.after(s.within, ctx.rec_day[i])
        if sent[i] > due:
            note = PROVISIONAL_NOTE if prov else ""
            yield ctx.rec_hit(i, "上报合规日期",
                              f"{why}，{iso(sent[i])} 才上报合规，晚于 {iso(due)}{note}（应立即上报）",
                              due=due, actual=sent[i], provisional=prov)


@rule("OUT003", ERROR, "客户投诉没有处理结果",
      explain="回访中客户提出投诉的（“是否投诉”为“是”），须填写处理结果。",
      fix="按投诉处理流程办理，并填写处理结果。",
      group="outcome", sources=[S("002", "第十三条 7")], sheet="回访记录",
      example=Example(fails=(sets('回访记录', 是否投诉='是'),),
                      passes=(sets('回访记录', 是否投诉='是', 处理结果='已致歉并调整服务人员'),), cell='回访记录!AW2',
                      message='客户投诉，未填处理结果'))
def out003(ctx: Context, s):
    comp, result = ctx.records.col("是否投诉"), ctx.records.col("处理结果")
    for i in ctx.period_records():
        if comp[i] == "是" and not result[i]:
            yield ctx.rec_hit(i, "处理结果", "客户投诉，未填处理结果")


@rule("OUT004", ERROR, "问卷答案异常却记为回访通过",
      explain="问卷中任一问题的回答与应答不符（如客户表示不是本人购买、未被提示风险），回访结果不能是“回访通过”，"
              "应记为“回访不通过”并上报。每个不符的答案是一条发现。",
      fix="将回访结果改为“回访不通过”，上报合规并跟进处理。",
      group="outcome", sources=[S("BRK"), S("000", "附件三"), S("001G", "第四十三条")],
      sheet="回访记录",
      example=Example(fails=(sets('客户', 开户日期='2025-05-01'),
                             sets('回访记录', 回访类型='新开户回访', 回访时间='2025-05-10 10:00',
                                  **answers('新开户回访', 已提示风险='否'))),
                      passes=(sets('客户', 开户日期='2025-05-01'),
                              sets('回访记录', 回访类型='新开户回访', 回访时间='2025-05-10 10:00',
                                   回访结果='回访不通过', 上报合规日期='2025-05-11',
                                   **answers('新开户回访', 已提示风险='否'))), cell='回访记录!Z2',
                      message='“开户时工作人员是否向您提示了投资风险？”回答“否”（应为“是”），回访结果却是回访通过'))
def out004(ctx: Context, s):
    rec = ctx.records
    results = rec.col("回访结果")
    for kind, bank in ctx.banks.items():
        cols = [(q, rec.col(q.short)) for q in bank if rec.has(q.short)]
        passed = [i for i in ctx.period_records_of(kind) if results[i] == "回访通过"]
        # question by question; the odd answers then in record order, each record's in question order
        odd = [(i, n) for n, vals, want in [(n, vals, q.expected) for n, (q, vals) in enumerate(cols)]
               for i in passed if vals[i] is not None and vals[i] != want]
        odd.sort()
        for i, n in odd:
            q, vals = cols[n]
            yield ctx.rec_hit(i, q.short, f"“{q.text}”回答“{vals[i]}”（应为“{q.expected}”），回访结果却是回访通过")


@rule("OUT005", WARNING, "客户意见未及时处理",
      explain="客户提出意见或建议的，应在回访后 {within}内答复处理，并填写意见处理日期。",
      fix="答复客户意见，填写意见处理日期。",
      group="outcome",
      sources=[S("002", "第五章 第十三条（回访跟踪及反馈：及时向客户反馈处理结果）"), S("CO", "时限为公司实务")],
      params=[Param("within", "处理时限", Duration(5, WORKDAY), source=S("CO", "公司实务，参照 002 第五章 第十三条"),
                    aliases=("working_days",))],
      sheet="回访记录",
      example=Example(fails=(sets('回访记录', 客户意见='希望增加投教活动'),),
                      passes=(sets('回访记录', 客户意见='希望增加投教活动', 意见处理日期='2025-06-09'),),
                      cell='回访记录!AS2', message='客户意见“希望增加投教活动”未处理（应于 2025-06-09 前）'))
def out005(ctx: Context, s):
    opinion, handled = ctx.records.col("客户意见"), ctx.records.col("意见处理日期")
    for i in ctx.period_records():
        if not opinion[i]:
            continue
        due, prov = ctx.after(s.within, ctx.rec_day[i])
        note = PROVISIONAL_NOTE if prov else ""
        if handled[i] is None and due < ctx.as_of:
            yield ctx.rec_hit(i, "意见处理日期", f"客户意见“{opinion[i]}”未处理（应于 {iso(due)} 前{note}）",
                              due=due, provisional=prov)
        elif handled[i] is not None and handled[i] > due:
            yield ctx.rec_hit(i, "意见处理日期", f"客户意见于 {iso(handled[i])} 处理，晚于 {iso(due)}{note}",
                              due=due, actual=handled[i], provisional=prov)


@rule("OUT006", WARNING, "问卷未答全",
      explain="有规定问卷的回访（私募产品、新开户、投顾新签约、投顾持续、存量、"
              "重点客户回访）在回访结果为通过或不通过时，"
              "每个必答问题都应有“是”或“否”；新开户回访第十八条(八)各项、重点客户回访中关于营销人员的问题，"
              "在客户的开发人员是营销人员时必答。",
      fix="补填问卷答案（以录音或签字记录为准）。",
      group="outcome",
      sources=[S("BRK"), S("000", "附件三"), S("001G", "第十八条、第二十一条、第二十九条"),
               S("002", "第九条(一)1、2")],
      sheet="回访记录",
      example=Example(fails=(sets('客户', 开户日期='2025-05-01'),
                             sets('回访记录', 回访类型='新开户回访', 回访时间='2025-05-10 10:00',
                                  **answers('新开户回访', 全权委托=None))),
                      passes=(sets('客户', 开户日期='2025-05-01'),
                              sets('回访记录', 回访类型='新开户回访', 回访时间='2025-05-10 10:00',
                                   **answers('新开户回访'))), cell='回访记录!Y2',
                      message='新开户回访问卷缺 1 题：全权委托'))
def out006(ctx: Context, s):
    rec = ctx.records
    results, custs = rec.col("回访结果"), rec.col("客户编号")
    sales = None
    for kind, bank in ctx.banks.items():
        judged = [i for i in ctx.period_records_of(kind) if results[i] in JUDGED]
        missing: dict[int, list[str]] = {}
        # question by question: a record is looked at again only where an answer is missing
        for q in bank:
            if not q.required:
                continue
            vals = rec.col(q.short)
            blank = [i for i in judged if vals[i] is None]
            if blank and q.when:
                sales = by_sales_staff(ctx) if sales is None else sales
                blank = [i for i in blank if custs[i] in sales]
            for i in blank:
                missing.setdefault(i, []).append(q.short)
        for i in sorted(missing):
            gaps = missing[i]
            yield ctx.rec_hit(i, gaps[0], f"{kind}问卷缺 {len(gaps)} 题：{'、'.join(gaps)}")



def by_sales_staff(ctx: Context) -> set:
    """客户编号 of the customers whose 开发人员 is a 营销人员."""
    roles = ctx.staff_roles()
    return {c for c, dev in zip(ctx.customers.col("客户编号"), ctx.customers.col("开发人员"))
            if is_sales(roles.role(dev))}


@rule("IND003", ERROR, "审核人不独立",
      explain="回访记录的审核人须是岗位为 {roles} 的人员（人员表的岗位），不能是该记录的回访人员本人，"
              "也不能是营销人员、投资顾问或另一位回访专员。公司由客服总监审核的，把“客户服务”加入参数 roles。",
      fix="改由部门主管或合规管理人员审核，重新填写审核人、审核日期和审核意见。",
      group="independence",
      sources=[S("000", "3.3、4.4(1)2)、4.4(2)（部门主管、主管领导审阅）"),
               S("002", "第十三条5（客服总监、合规管理人员签字）")],
      params=[Param("roles", "可以审核的岗位", REVIEW.roles + REVIEW.stand_in, source=S("000", "3.3、4.4(2)"))],
      sheet="回访记录",
      example=Example(fails=(sets("回访记录", 审核人="H002"),), passes=(sets("回访记录", 审核人="M001"),),
                      cell="回访记录!BB2", message="审核人 H002 是客户服务，回访记录须由部门主管、合规管理审核"))
def ind003(ctx: Context, s):
    rec = ctx.records
    staff, reviewer = rec.col("回访人员"), rec.col("审核人")
    roles = ctx.staff_roles()
    refused = roles.refused(REVIEW, s.roles)
    for i in [i for i in ctx.period_records()
              if reviewer[i] is not None and (reviewer[i] == staff[i] or reviewer[i] in refused)]:
        r = reviewer[i]
        if r == staff[i]:
            yield ctx.rec_hit(i, "审核人", f"审核人 {r} 是本记录的回访人员，不能审核自己的回访")
        else:
            yield ctx.rec_hit(i, "审核人", f"审核人 {r} 是{roles.role(r)}，回访记录须由{'、'.join(s.roles)}审核")


SELF = ("本人", "客户本人", "本人接听")


@rule("MTH005", ERROR, "个人客户的被访人不是客户本人",
      explain="个人客户的回访对象必须是客户本人：“被访人”填写时，应为客户名称，或写“本人”“客户本人”。",
      fix="联系客户本人重新回访；被访人填写有误的，改为客户本人的姓名。",
      group="evidence", sources=[S("BRK"), S("001G", "第三条、第四条（回访的对象必须是客户本人）")],
      sheet="回访记录",
      example=Example(fails=(sets("回访记录", 被访人="李四（客户配偶）"),), passes=(sets("回访记录", 被访人="本人"),),
                      cell="回访记录!H2", message="被访人“李四（客户配偶）”不是客户本人"))
def mth005(ctx: Context, s):
    rec = ctx.records
    who, custs = rec.col("被访人"), rec.col("客户编号")
    names, cats = ctx.customers.col("客户名称"), ctx.customers.col("客户类别")
    index = ctx.cust_index
    bare = lru_cache(maxsize=None)(lambda text: "".join(text.split()))   # each distinct text stripped once
    # 本人 as written, the common case, is passed over in one look (its text has no space to strip)
    for i in [i for i in ctx.period_records() if who[i] and who[i] not in SELF]:
        w = who[i]
        j = index.get(custs[i])
        if j is None or cats[j] != "个人":
            continue
        pw = bare(w)
        if pw in SELF or pw == bare(names[j] or ""):
            continue
        yield ctx.rec_hit(i, "被访人", f"被访人“{w}”不是客户本人（客户名称 {names[j]}）")


DEFAULT_METHODS = {"销户回访": ["电话"], "资产异动回访": ["电话"], "休眠客户回访": ["电话", "电子邮件"]}


@rule("MTH006", ERROR, "回访方式不适用于该回访类型",
      explain="部分回访类型只能用规定的方式：{allowed}；其他类型可用电话、面谈、信函、电子邮件、电子问卷。"
              "短信：{sms}（拒绝回访后按客户意愿发出的短信通知不在此报告）。",
      fix="按规定的方式重新回访并登记。",
      group="evidence",
      sources=[S("BRK"), S("001Z", "三、2（销户：电话；长期无交易：电话或电邮）、三、3（资产转出：电话）"),
               S("002", "第三条(一)（短信是对不愿接受回访的客户的告知方式）")],
      params=[Param("allowed", "各回访类型允许的方式", DEFAULT_METHODS,
                    source=S("001Z", "三、2、三、3")),
              Param("sms", "短信是否算回访", "notice", choices=("notice", "method"),
                    labels=(("notice", "只是通知，不算回访（不能用短信回访）"), ("method", "算回访方式")),
                    source=S("002", "第三条(一)"))],
      sheet="回访记录", conflicts=[SMS_METHOD],
      example=Example(fails=(sets("回访记录", 回访方式="短信", 录音编号=None),),
                      passes=(sets("回访记录", 回访方式="电子问卷"),),
                      cell="回访记录!E2", message="存量回访不能用短信"))
def mth006(ctx: Context, s):
    rec = ctx.records
    kinds, methods = rec.col("回访类型"), rec.col("回访方式")
    allowed = s.allowed
    notices_of_refusals = set(ctx.notice_of.values())       # the customer asked not to be called
    # only the types with a list of methods, and 短信 of any type when it is no callback, can be found:
    # those records by type (grouped once), not every record
    candidates = [i for k in allowed for i in ctx.period_records_of(k)]
    if s.sms == "notice" and "短信" in methods:
        candidates += [i for i in ctx.period_records() if methods[i] == "短信" and kinds[i] not in allowed]
    candidates.sort()
    for i in candidates:
        k, m = kinds[i], methods[i]
        if k is None or m is None or i in notices_of_refusals:
            continue
        ok = allowed.get(k)
        if ok is not None and m not in ok:
            yield ctx.rec_hit(i, "回访方式", f"{k}只能用{'或'.join(ok)}，本记录为{m}")
        elif ok is None and m == "短信" and s.sms == "notice":
            yield ctx.rec_hit(i, "回访方式", f"{k}不能用短信：短信只是通知，不是回访")
