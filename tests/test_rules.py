"""Every rule: a failing case and a passing case, each built from a small workbook.

A case mutates the clean unit of conftest.py. The failing case must give exactly the
expected finding (rule, cell, message); the passing case must give no finding of the rule.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest

from conftest import customer, record
from generator.workbook.questions import DEFAULT_BANKS
from generator.rules import RULES

D = date
T = datetime
END = date(2025, 12, 31)


def answers(kind: str, **changes) -> dict:
    return {**{q.short: q.expected for q in DEFAULT_BANKS[kind]}, **changes}


def set_customer(**kw):
    def f(b):
        b.sheets["客户"][0].update(kw)
    return f


def set_record(**kw):
    def f(b):
        b.sheets["回访记录"][0].update(kw)
    return f


def add(sheet, **row):
    def f(b):
        b.add(sheet, **row)
    return f


def both(*fs):
    def f(b):
        for g in fs:
            g(b)
    return f


NEW_CUST = set_customer(开户日期=D(2025, 5, 1))
NEW_REC = dict(回访类型="新开户回访", 回访时间=T(2025, 5, 10, 10), **answers("新开户回访"))
EV = dict(事件编号="E1", 客户编号="C0001")

# rule, failing mutation, passing mutation, as_of, cell of the finding, text in its message
CASES = [
    ("DATA001", set_record(回访人员=None), None, None, "回访记录!G2", "必填项“回访人员”为空"),
    ("DATA002", set_record(回访方式="微信"), set_record(回访方式="电子问卷"), None, "回访记录!E2", "“微信”不在可选值之内"),
    ("DATA003", set_record(回访时间="2025-02-30 10:00"), set_record(回访时间="2025年6月2日 10:00"), None,
     "回访记录!F2", "“2025-02-30 10:00”不是有效的日期"),
    ("DATA004", add("客户", **customer(客户名称="李四")), add("客户", **customer(客户编号="C0002")), None,
     "客户!A3", "客户编号 C0001 重复（第 2 行已使用）"),
    ("DATA005", set_record(客户编号="C9999"), None, None, "回访记录!B2", "客户编号 C9999 在“客户”表中不存在"),
    ("DATA006", set_customer(证件号码="110105194912310021"), set_customer(证件号码="11010519491231002x"), None,
     "客户!F2", "居民身份证号码 110105194912310021 不是 18 位或校验位不符"),
    ("DATA007", set_customer(手机="1380000000"), set_customer(手机="13800000001"), None,
     "客户!G2", "手机 1380000000 不是以 1 开头的 11 位数字"),
    ("DATA008", set_record(回访时间=T(2025, 7, 5, 9)), None, None, "回访记录!F2", "晚于检查日 2025-06-30"),
    ("NEW001", both(set_customer(开户日期=D(2025, 1, 31)), set_record(**{**NEW_REC, "回访时间": T(2025, 3, 3, 10)})),
     both(set_customer(开户日期=D(2025, 1, 31)), set_record(**{**NEW_REC, "回访时间": T(2025, 2, 28, 17)})), None,
     "回访记录!F2", "新开户回访晚了 3 天：开户日期 2025-01-31 起一个月内应完成新开户回访（截止 2025-02-28）"),
    ("IA001", both(set_customer(投顾签约日期=D(2025, 9, 26)),
                   set_record(回访类型="投顾新签约回访", 回访时间=T(2025, 10, 13, 9), **answers("投顾新签约回访"))),
     both(set_customer(投顾签约日期=D(2025, 9, 26)),
          set_record(回访类型="投顾新签约回访", 回访时间=T(2025, 10, 10, 9), 回访结果="回访不可达", 拨打次数=3)),
     D(2025, 10, 31), "回访记录!F2", "截止 2025-10-10"),
    ("IA002", both(set_customer(投顾签约日期=D(2025, 3, 3)),
                   set_record(回访类型="投顾新签约回访", 回访时间=T(2025, 3, 4, 9), 回访结果="回访不可达", 拨打次数=3)),
     both(set_customer(投顾签约日期=D(2025, 3, 3)),
          set_record(回访类型="投顾新签约回访", 回访时间=T(2025, 4, 3, 9), **answers("投顾新签约回访"))),
     None, "客户!O2", "投顾签约日期 2025-03-03 起一个月内未完成投顾新签约回访（截止 2025-04-03）"),
    ("IA003", set_customer(投顾签约日期=D(2024, 3, 1)),
     both(set_customer(投顾签约日期=D(2024, 3, 1)), add("回访记录", **record(记录编号="R2", 回访类型="投顾持续回访"))),
     END, "客户!O2", "2025 年未完成投顾持续回访"),
    ("SPC001", both(add("事件", **EV, 事件类型="监管协查", 事件时间=T(2025, 5, 8, 10)),
                    set_record(回访类型="特殊回访", 回访时间=T(2025, 5, 12, 9))),
     both(add("事件", **EV, 事件类型="监管协查", 事件时间=T(2025, 5, 8, 10)),
          set_record(回访类型="特殊回访", 回访时间=T(2025, 5, 11, 20))),
     None, "回访记录!F2", "特殊回访晚了 1 天：监管协查事件 E1 2025-05-08 起 3 日内应完成特殊回访（截止 2025-05-11）"),
    ("CLS001", set_customer(账户状态="销户", 销户日期=D(2025, 5, 20)),
     both(set_customer(账户状态="销户", 销户日期=D(2025, 5, 20)),
          add("回访记录", **record(记录编号="R2", 回访类型="销户回访", 回访时间=T(2025, 5, 22, 9), 回访结果="回访不可达", 拨打次数=3))),
     None, "客户!S2", "销户日期 2025-05-20 起 2 日内未进行销户回访（截止 2025-05-22）"),
    ("DRM001", set_customer(最后交易日期=D(2024, 12, 1)),
     both(set_customer(最后交易日期=D(2024, 12, 1)),
          add("回访记录", **record(记录编号="R2", 回访类型="休眠客户回访", 回访时间=T(2025, 6, 16, 9)))),
     None, "客户!T2", "自 2025-06-01 起 15 日内未进行休眠客户回访（截止 2025-06-16）"),
    ("AST001", both(add("事件", **EV, 事件类型="大额转出", 事件时间=T(2025, 9, 30, 15)),
                    set_record(回访类型="资产异动回访", 回访时间=T(2025, 10, 10, 9))),
     both(add("事件", **EV, 事件类型="大额转出", 事件时间=T(2025, 9, 30, 15)),
          set_record(回访类型="资产异动回访", 回访时间=T(2025, 10, 9, 9))),
     D(2025, 10, 31), "回访记录!F2", "次日应进行资产异动回访（截止 2025-10-09）"),
    ("CMP001", both(add("事件", **EV, 事件类型="投诉办结", 事件时间=T(2025, 6, 2, 15)),
                    set_record(回访类型="投诉回访", 回访时间=T(2025, 6, 10, 9))),
     both(add("事件", **EV, 事件类型="投诉办结", 事件时间=T(2025, 6, 2, 15)),
          set_record(回访类型="投诉回访", 回访时间=T(2025, 6, 9, 9))),
     None, "回访记录!F2", "5 个工作日内应完成投诉回访（截止 2025-06-09）"),
    ("STK001", set_record(回访类型="其他回访"), None, END, "（整体）", "2025 年存量回访覆盖 0.0%（0/1 户），目标不低于 10%"),
    ("STK002", both(set_customer(融资融券="是"), set_record(回访类型="其他回访")), set_customer(融资融券="是"), END,
     "（整体）", "2025 年融资融券客户存量回访覆盖 0.0%（0/1 户），目标不低于 15%"),
    ("KEY001", set_customer(客户分级="VIP"),
     both(set_customer(客户分级="VIP"), add("回访记录", **record(记录编号="R2", 回访类型="重点客户回访"))), END,
     "客户!M2", "重点客户（客户分级为VIP）2025 年未完成重点客户回访"),
    ("PF001", both(add("事件", **EV, 事件类型="私募认购", 事件时间=T(2025, 4, 2, 16, 50)),
                   set_record(回访类型="私募产品回访", 回访时间=T(2025, 4, 3, 12, 50), **answers("私募产品回访"))),
     both(add("事件", **EV, 事件类型="私募认购", 事件时间=T(2025, 4, 2, 16, 50)),
          set_record(回访类型="私募产品回访", 回访时间=T(2025, 4, 3, 16, 50), **answers("私募产品回访"))),
     None, "回访记录!F2", "冷静期至 2025-04-03 16:50），本次回访无效"),
    ("IND001", set_record(回访人员="S001"), set_record(回访人员="H002"), None, "回访记录!G2",
     "存量回访由营销人员 S001 执行，违反回访独立性要求"),
    ("IND002", both(set_customer(开发人员="H002"), set_record(回访人员="H002")), set_customer(开发人员="H002"), None,
     "回访记录!G2", "回访人员 H002 是客户 C0001 的开发人员，应当回避"),
    ("MTH001", set_record(录音编号=None), None, None, "回访记录!K2", "记录 R0001为电话回访，未填录音编号"),
    ("MTH002", set_record(回访方式="面谈", 录音编号=None, 客户签字="否"), set_record(回访方式="面谈", 客户签字="√"), None,
     "回访记录!L2", "面谈回访，客户签字为“否”"),
    ("MTH003", set_record(回访方式="信函", 客户签字="是"), set_record(回访方式="信函", 客户签字="是", 回执附件="Y"), None,
     "回访记录!M2", "信函回访，缺回执附件"),
    ("MTH004", set_record(回访方式="电子邮件"), set_record(回访方式="电子邮件", 回执附件="是"), None,
     "回访记录!M2", "电子邮件回访，未归档邮件打印件"),
    ("OUT001", set_record(回访结果="回访不可达", 拨打次数=2), set_record(回访结果="回访不可达", 拨打次数=3), None,
     "回访记录!I2", "回访不可达，但拨打次数为 2 次，少于 3 次"),
    ("OUT002", set_record(回访结果="回访不通过"), set_record(回访结果="回访不通过", 上报合规日期=D(2025, 6, 3)), None,
     "回访记录!AP2", "回访不通过，未填上报合规日期"),
    ("OUT003", set_record(是否投诉="是"), set_record(是否投诉="是", 处理结果="已致歉并调整服务人员"), None,
     "回访记录!AQ2", "客户投诉，未填处理结果"),
    ("OUT004", both(NEW_CUST, set_record(**{**NEW_REC, "已提示风险": "否"})),
     both(NEW_CUST, set_record(**{**NEW_REC, "已提示风险": "否", "回访结果": "回访不通过", "上报合规日期": D(2025, 5, 11)})), None,
     "回访记录!Z2", "“开户时工作人员是否向您提示了投资风险？”回答“否”（应为“是”），回访结果却是回访通过"),
    ("OUT005", set_record(客户意见="希望增加投教活动"), set_record(客户意见="希望增加投教活动", 意见处理日期=D(2025, 6, 9)), None,
     "回访记录!AM2", "客户意见“希望增加投教活动”未处理（应于 2025-06-09 前）"),
    ("OUT006", both(NEW_CUST, set_record(**{**NEW_REC, "全权委托": None})), both(NEW_CUST, set_record(**NEW_REC)), None,
     "回访记录!Y2", "新开户回访问卷缺 1 题：全权委托"),
    ("PRC001", set_record(报告日期=D(2025, 6, 5)), set_record(报告日期=D(2025, 6, 3)), None,
     "回访记录!AS2", "报告日期 2025-06-05 晚于 2025-06-03"),
    ("PRC002", set_record(提交审核日期=D(2025, 6, 6)), set_record(提交审核日期=D(2025, 6, 6), 延期审批="是"), None,
     "回访记录!AT2", "提交审核日期 2025-06-06 晚于 2025-06-05"),
    ("PRC003", set_record(审核人=None, 审核日期=None), None, None, "回访记录!AV2", "2025-06-04 提交审核，至 2025-06-11 仍无审核人"),
    ("PLN001", add("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="重点客户回访", 回访方式="电话", 计划日期=D(2025, 6, 10)),
     add("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="存量回访", 回访方式="电话", 计划日期=D(2025, 6, 10)), None,
     "回访计划!H2", "计划 P1 的重点客户回访（计划日期 2025-06-10）没有对应的回访记录"),
    ("LST001", set_customer(账户状态="转出", 销户日期=D(2025, 3, 1)),
     both(set_customer(账户状态="转出", 销户日期=D(2025, 3, 1)),
          add("流失客户", 客户编号="C0001", 流失日期=D(2025, 3, 1), 流失主要原因="工作调动")), None,
     "客户!R2", "客户已转出（2025-03-01），“流失客户”表中没有档案"),
    ("LST002", add("流失客户", 客户编号="C0001", 流失日期=D(2025, 3, 1), 流失主要原因="工作调动"),
     both(add("流失客户", 客户编号="C0001", 流失日期=D(2025, 3, 1), 流失主要原因="工作调动"),
          add("流失跟踪", 客户编号="C0001", 联系时间=T(2025, 5, 1, 10), 联系员工="H001")), None,
     "流失客户!D2", "流失日期 2025-03-01 后没有跟踪联系，已超过 90 天"),
]


def test_every_rule_has_a_case():
    assert sorted(c[0] for c in CASES) == sorted(RULES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_fails(book, case):
    rule, breaks, _, as_of, where, text = case
    breaks(book)
    found = book.findings(rule, as_of=as_of or date(2025, 6, 30))
    assert len(found) == 1, [f.message for f in found]
    f = found[0]
    assert f.where == where
    assert text in f.message
    assert f.severity == RULES[rule].severity


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_passes(book, case):
    rule, _, fixes, as_of, _, _ = case
    if fixes:
        fixes(book)
    assert book.findings(rule, as_of=as_of or date(2025, 6, 30)) == []


def test_clean_unit_has_no_finding(book):
    assert book.findings(as_of=date(2025, 6, 30)) == []
