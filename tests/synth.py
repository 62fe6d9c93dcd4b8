"""Deterministic example and synthetic workbooks.

    python tests/synth.py examples workbooks/          # the committed example workbooks
    python tests/synth.py large out.xlsx --records 1000000 --customers 200000

The example unit is clean except for the deliberate breaches in EXAMPLE_BREACHES, which
`workbooks/README.md` lists and the tests compare with the validator's findings.
Needs xlsxwriter (the `test` or `bench` extra).
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from generator.workbook import contract as K
from generator.workbook.ids import USCC_CHARS, id_check_char, uscc_check_char
from generator.workbook.questions import DEFAULT_BANKS
from generator.rules.workdays import WorkCalendar, add_months

YEAR = 2025
AS_OF = date(2025, 12, 31)
CAL = WorkCalendar()

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
            "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力海燕鹏飞俊峰"
         "宇浩凯健云志国东晨欣怡子涵梓轩雨彤思远嘉")
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平街", "新华路", "长江路", "滨江大道")
COMPANIES = ("星河科技有限公司", "远航贸易有限公司", "A&B<贸易>有限公司", "青禾农业发展有限公司",
             "明德投资管理有限公司")

STAFF = [
    ("H001", "周敏", "回访专员"), ("H002", "孙丽", "回访专员"), ("H003", "钱进", "客户服务"),
    ("S001", "赵强", "营销人员"), ("S002", "吴峰", "营销人员"), ("T001", "郑文", "投资顾问"),
    ("M001", "冯建国", "部门主管"), ("G001", "陈清", "合规管理"),
]
CALLERS = ("H001", "H002", "H003")



def id_number(rng: random.Random, born: date, male: bool) -> str:
    body = f"{rng.choice(['110105', '310104', '440305', '510107', '330106'])}{born:%Y%m%d}{rng.randint(10, 99)}"
    body += str(rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8]))
    return body + id_check_char(body)


def uscc(rng: random.Random) -> str:
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
        rng.choice(USCC_CHARS) for _ in range(9))
    return body + uscc_check_char(body)


def at(d: date, rng: random.Random) -> datetime:
    return datetime.combine(d, time(rng.randint(9, 16), rng.choice((0, 10, 20, 30, 40, 50))))


def retime(r: dict, when: datetime) -> dict:
    """Set a record's 回访时间 and the report, submission and review dates that follow it."""
    r["回访时间"] = when
    day = when.date()
    if r.get("录音编号"):
        r["录音编号"] = f"LY{when:%Y%m%d}{r['录音编号'][-5:]}"
    for col, n in (("报告日期", 1), ("提交审核日期", 2)):
        d = day + timedelta(days=n)
        r[col] = d if d <= AS_OF else None
    review = CAL.add_working_days(r["提交审核日期"], 1) if r["提交审核日期"] else None
    if review and review <= AS_OF:
        r.update(审核人="M001", 审核日期=review, 审核意见="同意")
    else:
        r.update(审核人=None, 审核日期=None, 审核意见=None)
    if r.get("意见处理日期"):
        r["意见处理日期"] = min(CAL.add_working_days(day, 2), AS_OF)
    return r


class Unit:
    """Builds one unit's sheets as lists of row dicts."""

    def __init__(self, name: str, seed: int, n_customers: int, prefix: str = "C") -> None:
        self.name = name
        self.rng = random.Random(seed)
        self.n = n_customers
        self.prefix = prefix
        self.sheets: dict[str, list[dict]] = {s: [] for s in K.SHEET_ORDER}
        self.sheets["人员"] = [{"工号": c, "姓名": n, "岗位": r, "营业部": name} for c, n, r in STAFF]
        self._rec = 0
        self._evt = 0
        self._plan = 0

    # -------------------------------------------------------------- helpers
    def record(self, cust: dict, kind: str, when: datetime, *, result="回访通过", method=None,
               event=None, plan=False, **extra) -> dict:
        rng = self.rng
        self._rec += 1
        if method is None:
            method = rng.choices(("电话", "面谈", "信函", "电子邮件", "电子问卷", "短信"), (70, 10, 5, 5, 5, 5))[0]
            if method == "短信":            # a text message is a notice, not a callback (MTH006)
                method = "电子问卷"
            if result == "回访不可达" or kind in ("销户回访", "资产异动回访"):
                method = "电话"
            elif kind == "休眠客户回访" and method not in ("电话", "电子邮件"):
                method = "电话"
        judged = result in ("回访通过", "回访不通过")
        day = when.date()
        r = {
            "记录编号": f"R{self.prefix}{self._rec:06d}", "客户编号": cust["客户编号"], "回访类型": kind,
            "关联事件": event, "回访方式": method, "回访时间": when,
            "回访人员": rng.choice(CALLERS), "被访人": cust["客户名称"],
            "拨打次数": 3 if result == "回访不可达" else (1 if method == "电话" else None),
            "回访结果": result,
            "录音编号": f"LY{when:%Y%m%d}{self._rec:05d}" if method == "电话" else None,
            "客户签字": "是" if method in ("面谈", "信函") and judged else None,
            "回执附件": "是" if method in ("信函", "电子邮件") and judged else None,
        }
        if judged:
            for q in DEFAULT_BANKS.get(kind, ()):
                r[q.short] = q.expected
            r.update({"服务态度": rng.choice(("很好", "较好")), "响应速度": rng.choice(("满意", "较满意")),
                      "乱收费": "没有", "整体满意度": rng.choice(("满意", "较满意"))})
            if rng.random() < 0.08:
                r["客户意见"] = rng.choice(("希望增加线上投教活动", "建议交易软件增加条件单功能",
                                            "希望营业部延长服务时间"))
                r["意见处理日期"] = min(CAL.add_working_days(day, 2), AS_OF)
        r["是否投诉"] = "否" if judged else None
        retime(r, when)
        r.update(extra)
        self.sheets["回访记录"].append(r)
        if plan:
            self.plan(cust, kind, method, day - timedelta(days=rng.randint(0, 10)))
        return r

    def plan(self, cust: dict, kind: str, method: str, day: date, first=False) -> dict:
        self._plan += 1
        p = {"计划编号": f"P{self.prefix}{self._plan:05d}", "客户编号": cust["客户编号"], "回访类型": kind,
             "回访方式": method, "首次或常规": "首次" if first else "常规",
             "回访目的": "了解客户服务需求，提示投资风险", "回访主题": kind, "计划日期": day,
             "回访人员": self.rng.choice(CALLERS), "编制人": "H001", "部门主管": "M001"}
        self.sheets["回访计划"].append(p)
        return p

    def event(self, cust: dict, kind: str, when: datetime, **extra) -> dict:
        self._evt += 1
        e = {"事件编号": f"E{self.prefix}{self._evt:05d}", "客户编号": cust["客户编号"], "事件类型": kind,
             "事件时间": when, **extra}
        self.sheets["事件"].append(e)
        return e

    # -------------------------------------------------------------- the unit
    def build(self) -> Unit:
        rng = self.rng
        customers = self.sheets["客户"]
        for k in range(1, self.n + 1):
            org = rng.random() < 0.06
            male = rng.random() < 0.5
            new = k > self.n * 0.6
            if new:
                opened = date(YEAR, 1, 2) + timedelta(days=rng.randint(0, 320))
            else:
                opened = date(rng.randint(2016, 2024), rng.randint(1, 12), rng.randint(1, 28))
            name = (rng.choice(COMPANIES[:2] + COMPANIES[3:]) if org
                    else rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""))
            c = {
                "客户编号": f"{self.prefix}{k:04d}", "客户名称": name, "客户类别": "机构" if org else "个人",
                "性别": None if org else ("男" if male else "女"),
                "证件类型": "统一社会信用代码" if org else "居民身份证",
                "证件号码": uscc(rng) if org else id_number(rng,
                                                            date(rng.randint(1955, 2000), rng.randint(1, 12),
                                                                 rng.randint(1, 28)), male),
                "手机": f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "固定电话": f"028-{rng.randint(80000000, 89999999)}" if rng.random() < 0.3 else None,
                "电子邮箱": f"user{k}@example.com" if rng.random() < 0.4 else None,
                "联系地址": f"成都市{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                "营业部": self.name, "开发人员": rng.choice(("S001", "S002")),
                "客户分级": "普通", "开户日期": opened, "融资融券": "是" if (not new and rng.random() < 0.3) else "否",
                "账户状态": "正常",
                "最后交易日期": date(YEAR, rng.randint(7, 12), rng.randint(1, 28)),
                "总资产": round(rng.uniform(10_000, 5_000_000), 2), "月均交易量": round(rng.uniform(0, 3_000_000), 2),
            }
            if c["最后交易日期"] < opened:
                c["最后交易日期"] = opened
            customers.append(c)
            if new:
                self.record(c, "新开户回访", at(opened + timedelta(days=rng.randint(1, 20)), rng))
        old = [c for c in customers if c["开户日期"].year < YEAR]

        # dormant and suspended accounts (taken out of the 存量 base)
        for c in old[:5]:
            c["账户状态"] = "休眠"
            c["最后交易日期"] = date(YEAR, rng.randint(1, 5), rng.randint(1, 28))
            start = add_months(c["最后交易日期"], 6)
            self.record(c, "休眠客户回访", at(start + timedelta(days=rng.randint(1, 10)), rng),
                        result=rng.choice(("回访通过", "回访不可达")))
        for c in old[5:7]:
            c["账户状态"] = "中止交易"
        # lost customers: closed or transferred in the year, with a ledger and follow-ups
        for j, c in enumerate(old[7:13]):
            c["账户状态"] = "销户" if j < 4 else "转出"
            c["销户日期"] = date(YEAR, rng.randint(2, 10), rng.randint(1, 28))
            c["最后交易日期"] = c["销户日期"] - timedelta(days=10)
            c["总资产"] = 0.0
            if c["账户状态"] == "销户":
                self.record(c, "销户回访", at(c["销户日期"] + timedelta(days=rng.randint(0, 1)), rng))
            self.lost(c, c["销户日期"] + timedelta(days=3))
        # key customers
        for c in old[13:23]:
            c["客户分级"] = rng.choice(("重点", "VIP", "核心"))
        for c in old[23:25]:
            c["总资产"] = 12_500_000.0
        # 投顾 contracts: signed in 2024 (持续回访 due in 2025) and in 2025 (新签约回访)
        for c in old[25:33]:
            c["投顾签约日期"] = date(2024, rng.randint(1, 10), rng.randint(1, 28))
            c["开发人员"] = "T001"
        new = [c for c in customers if c["开户日期"].year == YEAR]
        for c in [c for c in new if c["开户日期"] < date(YEAR, 11, 1)][:12]:
            c["投顾签约日期"] = c["开户日期"] + timedelta(days=rng.randint(1, 10))
            c["开发人员"] = "T001"
        # margin accounts among old customers are already set; events
        for c in rng.sample(old[25:], 8):
            e = self.event(c, "大额转出", at(date(YEAR, rng.randint(1, 11), rng.randint(1, 28)), rng),
                           金额=float(rng.randint(50, 500) * 10000), 说明="单日转出超过 50 万元")
            self.record(c, "资产异动回访", at(CAL.next_working_day(e["事件时间"].date()), rng), event=e["事件编号"])
        for kind in ("监管协查", "交易所重点监控", "身份信息变更", "对账单异议", "异常交易", "其他特殊"):
            c = rng.choice(old[25:])
            e = self.event(c, kind, at(date(YEAR, rng.randint(1, 11), rng.randint(1, 28)), rng), 说明=f"{kind}事项")
            when = at(e["事件时间"].date() + timedelta(days=rng.randint(0, 2)), rng)
            self.record(c, "特殊回访", max(when, e["事件时间"] + timedelta(hours=1)),   # a callback follows its event
                        event=e["事件编号"], method="电话")
        for c in rng.sample(old[25:], 3):
            e = self.event(c, "投诉办结", at(date(YEAR, rng.randint(1, 11), rng.randint(1, 28)), rng),
                           说明="客户投诉交易系统卡顿，已答复办结")
            self.record(c, "投诉回访", at(CAL.add_working_days(e["事件时间"].date(), rng.randint(1, 4)), rng),
                        event=e["事件编号"], method="电话")
        for c in rng.sample(old[25:] + new[12:], 10):
            when = at(max(date(YEAR, rng.randint(1, 11), rng.randint(1, 25)), c["开户日期"] + timedelta(days=1)), rng)
            e = self.event(c, "私募认购", when, 产品="示例稳健一号私募证券投资基金",
                           金额=float(rng.choice((100, 200, 300, 500)) * 10000), 说明="合同签署且资金到账")
            self.record(c, "私募产品回访", when + timedelta(days=rng.randint(2, 5), hours=1), event=e["事件编号"],
                        method="电话")
        return self

    def lost(self, c: dict, filed: date) -> None:
        rng = self.rng
        self.sheets["流失客户"].append({
            "客户编号": c["客户编号"], "客户名称": c["客户名称"], "性别": c["性别"], "流失日期": c["销户日期"],
            "资产市值": round(rng.uniform(50_000, 2_000_000), 2), "类别": rng.choice(("白金卡", "金卡", "银卡")),
            "证件号码": c["证件号码"], "固定电话": c["固定电话"], "手机": c["手机"], "电子邮箱": c["电子邮箱"],
            "联系地址": c["联系地址"], "服务员工": c["开发人员"],
            "流失主要原因": rng.choice(("佣金费率高于同业", "工作调动离开本地", "资金另作他用",
                                        "对服务响应速度不满意")),
            "原因分类": rng.choice(("主观", "客观")), "其他说明": None, "填表人": "H001", "营业部名称": self.name,
        })
        day = filed
        while True:
            day = day + timedelta(days=rng.randint(40, 80))
            if day > AS_OF - timedelta(days=5):
                day = AS_OF - timedelta(days=rng.randint(5, 30))
            self.sheets["流失跟踪"].append({
                "客户编号": c["客户编号"], "联系时间": at(day, rng), "联系员工": "H001",
                "交流内容": rng.choice(("介绍新的佣金方案", "邀请参加投资策略会", "了解资金去向与需求")),
                "客户反应": rng.choice(("表示考虑", "暂无回流意向", "愿意再次沟通")), "备注": None})
            if day >= AS_OF - timedelta(days=60):
                break

    def coverage(self) -> Unit:
        """The yearly callbacks: 存量回访 shares, key customers, 投顾持续回访, with plans."""
        rng = self.rng
        customers = self.sheets["客户"]
        base = [c for c in customers if c["开户日期"].year < YEAR and c["账户状态"] not in ("休眠", "中止交易")]
        margin = [c for c in base if c["融资融券"] == "是"]
        chosen = {c["客户编号"]: c for c in rng.sample(base, max(1, len(base) // 5))}
        chosen.update({c["客户编号"]: c for c in rng.sample(margin, max(1, len(margin) // 4))} if margin else {})
        for c in chosen.values():
            self.record(c, "存量回访", at(date(YEAR, rng.randint(2, 11), rng.randint(1, 28)), rng), plan=True)
        for c in customers:
            if c["开户日期"].year < YEAR and (c["客户分级"] in ("重点", "VIP", "核心") or c["总资产"] >= 10_000_000):
                self.record(c, "重点客户回访", at(date(YEAR, rng.randint(2, 11), rng.randint(1, 28)), rng),
                            method=rng.choice(("面谈", "电话")), plan=True)
            if c.get("投顾签约日期"):
                signed = c["投顾签约日期"]
                if signed.year < YEAR:
                    self.record(c, "投顾持续回访", at(date(YEAR, rng.randint(2, 11), rng.randint(1, 28)), rng),
                                method="电话", plan=True)
                else:
                    self.record(c, "投顾新签约回访", at(CAL.add_working_days(signed, rng.randint(1, 4)), rng),
                                method="电话")
        return self

    def reports(self) -> Unit:
        common = {"部门": self.name, "行业": "证券经纪", "编制人": "H001"}
        self.sheets["回访报告"] = [
            {**common, "报告期": f"{YEAR}", "编制日期": date(YEAR, 12, 31),
             "回访目的": "了解客户对服务的评价，核实开户、签约和产品销售的合规性，提示投资风险",
             "回访形式": "以电话回访为主，辅以面谈、信函和电子邮件",
             "客户主要意见": "希望增加线上投教活动；建议交易软件增加条件单功能",
             "客户对产品评价": "对私募产品的信息披露总体满意", "客户对产品期望": "希望提供更多中低风险产品",
             "客户对服务评价": "对服务态度和响应速度总体满意", "客户对服务期望": "希望营业部延长服务时间",
             "改善客户服务对策": "每月举办一次线上投教直播；优化回访排班",
             "回访中遇到的问题": "部分客户多次拨打无法接通",
             "备注": None, "主管领导审核意见": "同意，请按对策落实"},
            {**common, "报告期": f"{YEAR}-Q4", "编制日期": date(YEAR, 12, 31),
             "回访目的": "季度回访总结", "回访形式": "电话回访", "客户主要意见": "无重大意见",
             "主管领导审核意见": "同意"},
            {**common, "报告期": f"{YEAR}-11", "编制日期": date(YEAR, 12, 5),
             "回访目的": "月度回访总结", "回访形式": "电话回访", "客户主要意见": "无重大意见",
             "主管领导审核意见": "同意"},
        ]
        # the monthly reports of January to October (RPT001: within 5 working days of each month's end)
        self.sheets["回访报告"] += [
            {**common, "报告期": f"{YEAR}-{m:02d}", "编制日期": CAL.add_working_days(date(YEAR, m + 1, 1), 2),
             "回访目的": "月度回访总结", "回访形式": "电话回访", "客户主要意见": "无重大意见",
             "主管领导审核意见": "同意"}
            for m in range(1, 11)]
        return self


# ------------------------------------------------------------------ deliberate breaches

def _cust(u: Unit, code: str) -> dict:
    return next(c for c in u.sheets["客户"] if c["客户编号"] == code)


def _recs(u: Unit, code: str, kind: str) -> list[dict]:
    return [r for r in u.sheets["回访记录"] if r["客户编号"] == code and r["回访类型"] == kind]


def _drop(u: Unit, rows: list[dict], sheet: str = "回访记录") -> None:
    ids = {id(r) for r in rows}
    u.sheets[sheet] = [r for r in u.sheets[sheet] if id(r) not in ids]


def _stock_target(u: Unit, skip: set) -> dict:
    """A customer with a 存量回访 and no other role in the breaches."""
    for r in u.sheets["回访记录"]:
        if r["回访类型"] == "存量回访" and r["客户编号"] not in skip:
            c = _cust(u, r["客户编号"])
            if c["开发人员"] in ("S001", "S002") and c["客户分级"] == "普通":
                skip.add(c["客户编号"])
                return r
    raise LookupError("no 存量回访 left")


def inject_breaches(u: Unit) -> list[tuple[str, str, str | None, str]]:
    """Break the clean unit on purpose. Returns (rule, sheet, customer, what) per breach."""
    out = []
    used: set = set()
    custs = u.sheets["客户"]
    new = [c for c in custs if c["开户日期"].year == YEAR and not c.get("投顾签约日期")]
    used.update(c["客户编号"] for c in custs if c.get("投顾签约日期"))

    def take_new():
        c = next(c for c in new if c["客户编号"] not in used and c["开户日期"] < date(YEAR, 10, 1))
        used.add(c["客户编号"])
        return c

    # NEW001 overdue: no 新开户回访 at all
    c = take_new()
    c["开户日期"] = date(YEAR, 3, 10)
    _drop(u, _recs(u, c["客户编号"], "新开户回访"))
    out.append(("NEW001", "客户", c["客户编号"], "开户日期 2025-03-10，全年没有新开户回访（逾期）"))
    # NEW001 late: 31 Jan + one month = 28 Feb; the callback on 3 Mar is late
    c = take_new()
    c["开户日期"] = date(YEAR, 1, 31)
    r = _recs(u, c["客户编号"], "新开户回访")[0]
    retime(r, datetime(YEAR, 3, 3, 10, 0))
    out.append(("NEW001", "回访记录", c["客户编号"], "1 月 31 日开户，3 月 3 日才回访（截止 2 月 28 日，迟到）"))
    # OUT004: a risk question answered 否 but 回访通过
    c = take_new()
    _recs(u, c["客户编号"], "新开户回访")[0]["已提示风险"] = "否"
    out.append(("OUT004", "回访记录", c["客户编号"], "新开户回访问卷“已提示风险”答“否”，仍记为回访通过"))
    # OUT006: a questionnaire left half empty
    c = take_new()
    r = _recs(u, c["客户编号"], "新开户回访")[0]
    r["本人设置密码"] = r["全权委托"] = None
    out.append(("OUT006", "回访记录", c["客户编号"], "新开户回访问卷缺两题"))

    # IA001 late: signed Fri 26 Sep 2025, five working days end on 10 Oct (national holiday)
    ia_new = [c for c in custs if c.get("投顾签约日期") and c["投顾签约日期"].year == YEAR]
    c = ia_new[0]
    c["开户日期"] = min(c["开户日期"], date(YEAR, 9, 1))
    retime(_recs(u, c["客户编号"], "新开户回访")[0], at(c["开户日期"] + timedelta(days=3), u.rng))
    c["投顾签约日期"] = date(YEAR, 9, 26)
    retime(_recs(u, c["客户编号"], "投顾新签约回访")[0], datetime(YEAR, 10, 13, 15, 0))
    out.append(("IA001", "回访记录", c["客户编号"], "9 月 26 日签约，10 月 13 日首次回访（截止 10 月 10 日）"))
    # IA003: a 2024 contract without 投顾持续回访 in 2025
    ia_old = [c for c in custs if c.get("投顾签约日期") and c["投顾签约日期"].year < YEAR]
    c = ia_old[0]
    recs = _recs(u, c["客户编号"], "投顾持续回访")
    _drop(u, recs)
    _drop(u, [p for p in u.sheets["回访计划"] if p["客户编号"] == c["客户编号"] and p["回访类型"] == "投顾持续回访"],
          "回访计划")
    out.append(("IA003", "客户", c["客户编号"], "2024 年签约的投顾客户，2025 年没有投顾持续回访"))

    # KEY001: a VIP without 重点客户回访
    key = next(c for c in custs if c["客户分级"] in ("VIP", "核心", "重点"))
    used.add(key["客户编号"])
    _drop(u, _recs(u, key["客户编号"], "重点客户回访"))
    _drop(u, [p for p in u.sheets["回访计划"] if p["客户编号"] == key["客户编号"] and p["回访类型"] == "重点客户回访"],
          "回访计划")
    out.append(("KEY001", "客户", key["客户编号"], f"客户分级为{key['客户分级']}，2025 年没有重点客户回访"))

    # events
    events = u.sheets["事件"]
    e = next(e for e in events if e["事件类型"] == "监管协查")
    _drop(u, [r for r in u.sheets["回访记录"] if r["关联事件"] == e["事件编号"]])
    out.append(("SPC001", "事件", e["客户编号"], f"监管协查事件 {e['事件编号']} 后没有特殊回访"))
    e = next(e for e in events if e["事件类型"] == "大额转出")
    e["事件时间"] = datetime(YEAR, 9, 30, 14, 20)
    r = next(r for r in u.sheets["回访记录"] if r["关联事件"] == e["事件编号"])
    retime(r, datetime(YEAR, 10, 10, 9, 30))
    out.append(("AST001", "回访记录", e["客户编号"], "9 月 30 日大额转出，次日应为 10 月 9 日，10 月 10 日才回访"))
    e = next(e for e in events if e["事件类型"] == "投诉办结")
    r = next(r for r in u.sheets["回访记录"] if r["关联事件"] == e["事件编号"])
    retime(r, at(CAL.add_working_days(e["事件时间"].date(), 7), u.rng))
    out.append(("CMP001", "回访记录", e["客户编号"], "投诉办结后第 7 个工作日才回访（时限 5 个工作日）"))
    e = next(e for e in events if e["事件类型"] == "私募认购")
    r = next(r for r in u.sheets["回访记录"] if r["关联事件"] == e["事件编号"])
    retime(r, e["事件时间"] + timedelta(hours=20))
    out.append(("PF001", "回访记录", e["客户编号"], "私募认购后 20 小时即回访，仍在 24 小时冷静期内"))
    out.append(("PF002", "事件", e["客户编号"], "上述回访无效，冷静期满后没有重新回访"))
    # SPC001 for a statement that did not reach a customer with enough assets (and none for a small one)
    rich = next(c for c in custs if c["客户编号"] not in used and (c.get("总资产") or 0) >= 100_000
                and c["账户状态"] == "正常")
    poor = next(c for c in custs if c["客户编号"] not in used and (c.get("总资产") or 0) < 100_000
                and c["账户状态"] == "正常")
    used.update((rich["客户编号"], poor["客户编号"]))
    for c in (rich, poor):
        u.event(c, "对账单未送达", datetime(YEAR, 11, 3, 10, 0), 说明="月度对账单被退回")
    out.append(("SPC001", "事件", rich["客户编号"], "对账单未送达（总资产 10 万元以上），3 日内没有特殊回访"))

    # lost customers
    lost = [c for c in custs if c["账户状态"] == "销户"]
    c = lost[0]
    _drop(u, _recs(u, c["客户编号"], "销户回访"))
    out.append(("CLS001", "客户", c["客户编号"], "销户后没有销户回访"))
    c = lost[1]
    trail = [f for f in u.sheets["流失跟踪"] if f["客户编号"] == c["客户编号"]]
    _drop(u, trail, "流失跟踪")
    c["销户日期"] = date(YEAR, 5, 20)
    c["最后交易日期"] = date(YEAR, 5, 10)
    retime(_recs(u, c["客户编号"], "销户回访")[0], datetime(YEAR, 5, 21, 10, 0))
    u.sheets["流失跟踪"].append({"客户编号": c["客户编号"], "联系时间": datetime(YEAR, 8, 1, 10, 0),
                                 "联系员工": "H001", "交流内容": "了解资金去向", "客户反应": "暂无回流意向"})
    for row in u.sheets["流失客户"]:
        if row["客户编号"] == c["客户编号"]:
            row["流失日期"] = c["销户日期"]
    out.append(("LST002", "流失客户", c["客户编号"], "最近一次跟踪联系在 8 月 1 日，超过 90 天"))
    gone = [c for c in custs if c["账户状态"] == "转出"][0]
    _drop(u, [row for row in u.sheets["流失客户"] if row["客户编号"] == gone["客户编号"]], "流失客户")
    _drop(u, [f for f in u.sheets["流失跟踪"] if f["客户编号"] == gone["客户编号"]], "流失跟踪")
    out.append(("LST001", "客户", gone["客户编号"], "已转出，流失客户表中没有档案"))

    # TRM001: an advisory contract ended without a termination callback
    ia_keep = next(c for c in ia_old[1:] if _recs(u, c["客户编号"], "投顾持续回访"))
    used.add(ia_keep["客户编号"])
    ia_keep["投顾解约日期"] = date(YEAR, 11, 14)
    out.append(("TRM001", "客户", ia_keep["客户编号"], "11 月 14 日解约，5 个工作日内没有解约回访"))
    # OUT006: a new customer of sales staff whose 第十八条(八) questions were skipped
    c = next(c for c in new if c["客户编号"] not in used and c.get("开发人员") in ("S001", "S002")
             and _recs(u, c["客户编号"], "新开户回访") and c["开户日期"] < date(YEAR, 10, 1))
    used.add(c["客户编号"])
    r = _recs(u, c["客户编号"], "新开户回访")[0]
    r["出示执业证书"] = r["代理或代客理财"] = r["超越授权"] = None
    out.append(("OUT006", "回访记录", c["客户编号"], "营销人员开发的新客户，第十八条(八)三题未答"))

    # dormant customer with no callback
    dorm = next(c for c in custs if c["账户状态"] == "休眠")
    _drop(u, _recs(u, dorm["客户编号"], "休眠客户回访"))
    dorm["最后交易日期"] = date(YEAR, 4, 1)
    out.append(("DRM001", "客户", dorm["客户编号"], "4 月 1 日后无交易，10 月 1 日起 15 日内没有休眠客户回访"))

    # record-level breaches on 存量回访 records of otherwise uninvolved customers
    used.update(e["客户编号"] for e in events)
    r = _stock_target(u, used)
    r["回访人员"] = "S002" if _cust(u, r["客户编号"])["开发人员"] == "S001" else "S001"
    out.append(("IND001", "回访记录", r["客户编号"], "存量回访由营销人员执行"))
    r = _stock_target(u, used)
    _cust(u, r["客户编号"])["开发人员"] = "H003"
    r["回访人员"] = "H003"
    out.append(("IND002", "回访记录", r["客户编号"], "回访人员是该客户的开发人员"))
    r = _stock_target(u, used)
    r.update(回访方式="电话", 录音编号=None, 拨打次数=1, 客户签字=None, 回执附件=None)
    out.append(("MTH001", "回访记录", r["客户编号"], "电话回访没有录音编号"))
    r = _stock_target(u, used)
    r.update(回访方式="面谈", 录音编号=None, 拨打次数=None, 客户签字="否", 回执附件=None)
    out.append(("MTH002", "回访记录", r["客户编号"], "面谈回访客户签字为“否”"))
    r = _stock_target(u, used)
    r.update(回访方式="电子邮件", 录音编号=None, 拨打次数=None, 客户签字=None, 回执附件=None)
    out.append(("MTH004", "回访记录", r["客户编号"], "电子邮件回访未归档打印件"))
    r = _stock_target(u, used)
    r.update(回访结果="回访不通过", 发现问题="客户反映营销人员曾承诺保本收益", 处理结果="已核实并约谈相关人员")
    out.append(("OUT002", "回访记录", r["客户编号"], "回访不通过且发现问题，未上报合规"))
    r = _stock_target(u, used)
    r.update(客户意见="希望提供港股通交易培训", 意见处理日期=None)
    out.append(("OUT005", "回访记录", r["客户编号"], "客户意见没有处理日期"))
    r = _stock_target(u, used)
    r.update(提交审核日期=r["回访时间"].date() + timedelta(days=6), 延期审批=None)
    r["审核日期"] = CAL.add_working_days(r["提交审核日期"], 1)
    out.append(("PRC002", "回访记录", r["客户编号"], "回访后第 6 天才提交审核，未经延期审批"))
    r = _stock_target(u, used)
    r["回访方式"] = "微信"
    out.append(("DATA002", "回访记录", r["客户编号"], "回访方式填了“微信”"))
    # an extra unreachable attempt with too few tries, before a completed callback
    r = _stock_target(u, used)
    c = _cust(u, r["客户编号"])
    u.record(c, "存量回访", r["回访时间"] - timedelta(days=2), result="回访不可达", method="电话", 拨打次数=1)
    out.append(("OUT001", "回访记录", c["客户编号"], "回访不可达，只拨打了 1 次"))
    r = _stock_target(u, used)
    r["审核人"] = r["回访人员"]
    out.append(("IND003", "回访记录", r["客户编号"], "回访人员审核自己的回访记录"))
    r = _stock_target(u, used)
    r["被访人"] = "王某（客户之子）"
    out.append(("MTH005", "回访记录", r["客户编号"], "被访人是客户之子，不是客户本人"))
    r = next(r for r in u.sheets["回访记录"] if r["回访类型"] == "休眠客户回访" and r["回访结果"] == "回访通过")
    r.update(回访方式="面谈", 录音编号=None, 拨打次数=None, 客户签字="是", 回执附件=None)
    out.append(("MTH006", "回访记录", r["客户编号"], "休眠客户回访用了面谈（只能电话或电子邮件）"))
    r = _stock_target(u, used)
    r.update(发现问题="客户反映营销人员曾承诺收益", 上报合规日期=r["回访时间"].date() + timedelta(days=10))
    out.append(("OUT002", "回访记录", r["客户编号"], "发现问题 10 天后才上报合规（应立即上报）"))
    # a plan row without its supervisor, a ledger row without its cause, a report nobody reviewed
    plan = next(p for p in u.sheets["回访计划"] if p["计划日期"] >= date(YEAR, 1, 1) and p.get("部门主管"))
    plan["部门主管"] = None
    out.append(("PLN002", "回访计划", plan["客户编号"], "回访计划没有部门主管审批"))
    row = next(row for row in u.sheets["流失客户"] if row.get("原因分类"))
    row["原因分类"] = None
    out.append(("LST003", "流失客户", row["客户编号"], "流失客户档案没有原因分类"))
    rep = next(r for r in u.sheets["回访报告"] if r["报告期"] == f"{YEAR}-10")
    rep["主管领导审核意见"] = None
    out.append(("RPT002", "回访报告", None, "2025 年 10 月的回访报告没有主管领导审核意见"))
    # the duties the seeds hold beyond the first catalogue (issue 25)
    rep = next(r for r in u.sheets["回访报告"] if r["报告期"] == f"{YEAR}-09")
    rep["编制日期"] = date(YEAR, 10, 24)
    out.append(("RPT003", "回访报告", None, "2025 年 9 月的回访报告 10 月 24 日才编制（期限为 10 月 14 日）"))
    plan = next(p for p in u.sheets["回访计划"] if p["计划日期"] >= date(YEAR, 1, 1) and p.get("部门主管")
                and p["客户编号"] not in used)
    plan["部门主管"] = plan["编制人"]
    out.append(("PLN002", "回访计划", plan["客户编号"], "回访计划由编制人自己审批"))
    plan = next(p for p in u.sheets["回访计划"] if p["计划日期"] >= date(YEAR, 1, 1) and p.get("部门主管") == "M001"
                and p["客户编号"] not in used and p["回访类型"] not in ("投顾新签约回访", "投顾持续回访", "解约回访"))
    plan["回访人员"] = "S001"
    out.append(("IND004", "回访计划", plan["客户编号"], "回访计划安排营销人员回访"))
    r = _stock_target(u, used)
    r["审核人"] = next(h for h in ("H001", "H002") if h != r["回访人员"])
    out.append(("IND003", "回访记录", r["客户编号"], "另一位回访专员审核回访记录（审核须由部门主管或合规管理）"))
    c = next(c for c in custs if c["客户编号"] not in used and not c.get("投顾签约日期") and c["账户状态"] == "正常"
             and c["开户日期"].year < YEAR and c["客户分级"] == "普通")
    used.add(c["客户编号"])
    c.update(投顾签约日期=date(YEAR - 1, 5, 6), 投顾解约日期=date(YEAR, 8, 4))
    u.record(c, "投顾持续回访", datetime(YEAR, 3, 12, 10), method="电话", 回访人员="H001")
    u.record(c, "解约回访", datetime(YEAR, 8, 6, 10), method="电话", 回访人员="T001")
    out.append(("IND001", "回访记录", c["客户编号"], "解约回访由投资顾问执行"))

    # a plan never carried out
    r = _stock_target(u, used)
    c = _cust(u, r["客户编号"])
    u.plan(c, "重点客户回访", "面谈", date(YEAR, 11, 15))
    out.append(("PLN001", "回访计划", c["客户编号"], "11 月 15 日计划的回访没有执行"))

    # data quality in 客户
    plain = [c for c in custs if c["客户编号"] not in used and c["账户状态"] == "正常" and c["客户类别"] == "个人"
             and c["开户日期"].year < YEAR and c["客户分级"] == "普通"]
    c = plain[0]
    c["证件号码"] = c["证件号码"][:17] + ("0" if c["证件号码"][17] != "0" else "1")
    out.append(("DATA006", "客户", c["客户编号"], "身份证号码校验位错误"))
    c = plain[1]
    c["手机"] = c["手机"][:10]
    out.append(("DATA007", "客户", c["客户编号"], "手机只有 10 位"))
    c = plain[2]
    c["最后交易日期"] = "2025/02/30"
    out.append(("DATA003", "客户", c["客户编号"], "最后交易日期写成 2025/02/30"))

    # a monthly report never compiled
    u.sheets["回访报告"] = [r for r in u.sheets["回访报告"] if r["报告期"] != f"{YEAR}-08"]
    out.append(("RPT001", "回访报告", None, "2025 年 8 月的回访报告没有登记"))

    # pending: opened and signed at the end of the year (no finding, listed as 待办)
    c = take_new()
    c["开户日期"] = date(YEAR, 12, 22)
    _drop(u, _recs(u, c["客户编号"], "新开户回访"))
    return sorted(out)


# ------------------------------------------------------------------ writing

def write_workbook(path: Path, sheets: dict[str, list[dict]], banks=DEFAULT_BANKS, title: str | None = None,
                   order=None, title_rows: int = 0) -> None:
    """Write the sheets with xlsxwriter (constant memory), whole or not at all.

    `order(sheet, columns)` may reorder the columns; `title_rows` puts that many title lines
    above every header (both for tests: findings must not depend on them)."""
    import xlsxwriter

    contract = K.build_contract(banks)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_numbers": False,
                                       "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"created": datetime(2025, 1, 1), "author": "huifang",
                           "title": "回访台账"})  # reproducible bytes
        fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
        fmt_dt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        fmt_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        fmt_title = wb.add_format({"bold": True, "font_size": 14})
        for name, spec in contract.items():
            rows = sheets.get(name)
            if rows is None:
                continue
            ws = wb.add_worksheet(name)
            start = 0
            if title and name == "客户":
                ws.write(0, 0, f"{title} 客户档案", fmt_title)
                start = 2
            for k in range(title_rows):
                ws.write(start + k, 0, f"{name}（第 {k + 1} 行标题）", fmt_title)
            start += title_rows
            cols = list(spec.columns) if order is None else list(order(name, list(spec.columns)))
            for j, col in enumerate(cols):
                ws.write(start, j, col.name, fmt_head)
                ws.set_column(j, j, col.width)
            for i, row in enumerate(rows, start + 1):
                for j, col in enumerate(cols):
                    v = row.get(col.name)
                    if v is None:
                        continue
                    if isinstance(v, datetime):
                        ws.write_datetime(i, j, v, fmt_dt)
                    elif isinstance(v, date):
                        ws.write_datetime(i, j, datetime.combine(v, time()), fmt_date)
                    elif isinstance(v, str):
                        ws.write_string(i, j, v)
                    else:
                        ws.write_number(i, j, v)
            ws.freeze_panes(start + 1, 0)
        wb.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def example_units() -> list[tuple[Unit, list]]:
    main = Unit("示例营业部", 2025, 200).build().coverage().reports()
    breaches = inject_breaches(main)
    second = Unit("示例二营业部", 7, 60, prefix="D").build().coverage().reports()
    return [(main, breaches), (second, [])]


def write_examples(folder: Path) -> list[tuple[str, str, str | None, str]]:
    folder = Path(folder)
    all_breaches = []
    units = example_units()
    for unit, breaches in units:
        write_workbook(folder / f"{unit.name}.xlsx", unit.sheets, title=unit.name if breaches else None)
        all_breaches.extend((unit.name, *b) for b in breaches)
    (folder / "README.md").write_text(examples_readme(units, all_breaches), encoding="utf-8")
    return all_breaches


def examples_readme(units, breaches) -> str:
    from generator.rules import RULES
    lines = [
        "# 示例工作簿",
        "",
        "这些工作簿由 `python tests/synth.py examples workbooks/` 确定地生成（虚构的营业部、客户和人员，"
        "证件号码、手机均为虚构），`huifang` 不带参数时以它们为默认输入。检查日按 2025-12-31：",
        "",
        "    huifang validate workbooks/ --as-of 2025-12-31",
        "",
        "| 工作簿 | 客户 | 回访记录 | 回访计划 | 事件 | 流失客户 |",
        "|---|---|---|---|---|---|",
    ]
    for unit, _ in units:
        n = {k: len(v) for k, v in unit.sheets.items()}
        lines.append(f"| {unit.name}.xlsx | {n['客户']} | {n['回访记录']} | {n['回访计划']} | {n['事件']} | "
                     f"{n['流失客户']} |")
    lines += [
        "",
        "“示例二营业部”没有任何问题；“示例营业部”故意留下了下表的问题，校验结果应当恰好是这些"
        "（测试 `tests/test_examples.py` 逐条核对）。另有 1 项待办：12 月 22 日开户的客户，新开户回访截止 2026-01-22。",
        "",
        "| 规则 | 工作表 | 客户编号 | 故意留下的问题 |",
        "|---|---|---|---|",
    ]
    for unit, rule, sheet, cust, what in breaches:
        lines.append(f"| {rule} {RULES[rule].title} | {sheet} | {cust or ''} | {what} |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ large synthetic unit

STOCK_ANSWERS = {q.short: q.expected for q in DEFAULT_BANKS["存量回访"]}
LARGE_VERSION = 2       # bump when large_sheets changes, so benchmarks do not reuse an older file


def large_sheets(n_records: int, n_customers: int, seed: int = 1):
    """A clean-looking large unit, produced row by row (nothing held in memory)."""
    rng = random.Random(seed)
    staff = [{"工号": c, "姓名": n, "岗位": r, "营业部": "大型营业部"} for c, n, r in STAFF]

    def customers():
        for k in range(1, n_customers + 1):
            opened = date(2015, 1, 1) + timedelta(days=(k * 7919) % 3600)
            yield {"客户编号": f"C{k:07d}", "客户名称": rng.choice(SURNAMES) + rng.choice(GIVEN), "客户类别": "个人",
                   "性别": "男" if k % 2 else "女", "证件类型": "居民身份证",
                   "证件号码": id_number(rng, date(1960 + k % 40, 1 + k % 12, 1 + k % 28), k % 2 == 1),
                   "手机": f"139{k:08d}", "营业部": "大型营业部", "开发人员": "S001", "客户分级": "普通",
                   "开户日期": opened, "融资融券": "是" if k % 5 == 0 else "否", "账户状态": "正常",
                   "最后交易日期": date(YEAR, 7 + k % 6, 1 + k % 28), "总资产": float(10000 + k % 900000),
                   "月均交易量": float(k % 500000)}

    def records():
        t0 = datetime(YEAR, 1, 2, 9)
        for k in range(1, n_records + 1):
            when = t0 + timedelta(minutes=(k * 37) % (350 * 24 * 60))
            c = f"C{1 + (k * 7) % n_customers:07d}"
            yield {"记录编号": f"R{k:08d}", "客户编号": c, "回访类型": "存量回访", "回访方式": "电话",
                   "回访时间": when, "回访人员": CALLERS[k % 3], "被访人": "客户本人", "拨打次数": 1,
                   "回访结果": "回访通过", "录音编号": f"LY{k:09d}", "服务态度": "很好", "响应速度": "满意",
                   "乱收费": "没有", "整体满意度": "满意", "是否投诉": "否", **STOCK_ANSWERS,
                   "报告日期": when.date() + timedelta(days=1), "提交审核日期": when.date() + timedelta(days=2),
                   "审核人": "M001", "审核日期": when.date() + timedelta(days=3), "审核意见": "同意"}

    return {"客户": customers(), "人员": staff, "回访记录": records()}


def skew_sheets(n: int, skewed: bool, seed: int = 1):
    """n 私募认购 events, n callbacks, n plans and n lost-customer contacts; with `skewed` one
    customer holds all of them (the case a per-customer scan makes quadratic), else they are
    spread over n / 5 customers. Rows are produced one by one."""
    rng = random.Random(seed)
    n_cust = max(1, n // 5)
    who = (lambda k: "C0000001") if skewed else (lambda k: f"C{1 + (k * 7) % n_cust:07d}")
    staff = [{"工号": c, "姓名": nm, "岗位": r, "营业部": "偏斜营业部"} for c, nm, r in STAFF]
    t0 = datetime(YEAR, 1, 2, 9)

    def when(k: int) -> datetime:
        return t0 + timedelta(minutes=(k * 37) % (300 * 24 * 60))

    def customers():
        for k in range(1, n_cust + 1):
            yield {"客户编号": f"C{k:07d}", "客户名称": rng.choice(SURNAMES) + rng.choice(GIVEN), "客户类别": "个人",
                   "营业部": "偏斜营业部", "开发人员": "S001", "客户分级": "普通", "开户日期": date(2015, 1, 1),
                   "账户状态": "正常", "总资产": 50000.0}

    def events():
        for k in range(1, n + 1):
            yield {"事件编号": f"E{k:08d}", "客户编号": who(k), "事件类型": "私募认购", "事件时间": when(k),
                   "产品": "星河一号私募", "金额": 1_000_000.0}

    def records():
        answers = {q.short: q.expected for q in DEFAULT_BANKS["私募产品回访"]}
        for k in range(1, n + 1):
            refused = k % 10 == 0
            yield {"记录编号": f"R{k:08d}", "客户编号": who(k), "回访类型": "私募产品回访",
                   "关联事件": f"E{k:08d}" if k % 2 else None, "回访方式": "电话",
                   "回访时间": when(k) + timedelta(hours=30), "回访人员": CALLERS[k % 3], "被访人": "客户本人",
                   "拨打次数": 1, "回访结果": "拒绝回访" if refused else "回访通过", "录音编号": f"LY{k:09d}",
                   **({} if refused else answers)}
            if refused:
                yield {"记录编号": f"N{k:08d}", "客户编号": who(k), "回访类型": "私募产品回访", "回访方式": "短信",
                       "回访时间": when(k) + timedelta(hours=31), "回访人员": CALLERS[k % 3], "回访结果": "回访通过"}

    def plans():
        for k in range(1, n + 1):
            yield {"计划编号": f"P{k:08d}", "客户编号": who(k), "回访类型": "私募产品回访", "回访方式": "电话",
                   "计划日期": (when(k) + timedelta(hours=30)).date(), "回访人员": CALLERS[k % 3]}

    def lost():
        for c in ({"C0000001"} if skewed else {who(k) for k in range(1, n + 1)}):
            yield {"客户编号": c, "流失日期": date(YEAR, 1, 2), "流失主要原因": "资金需求", "服务员工": "S001"}

    def follow():
        for k in range(1, n + 1):
            yield {"客户编号": who(k), "联系时间": when(k), "联系员工": "S001", "交流内容": "了解资金安排"}

    return {"客户": customers(), "人员": staff, "事件": events(), "回访记录": records(), "回访计划": plans(),
            "流失客户": lost(), "流失跟踪": follow()}


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "examples":
        breaches = write_examples(Path(argv[1]))
        for b in breaches:
            print(*b[:3], sep="\t")
        return 0
    if len(argv) >= 2 and argv[0] == "large":
        import argparse
        ap = argparse.ArgumentParser(prog="tests/synth.py large")
        ap.add_argument("out")
        ap.add_argument("--records", type=int, default=100_000)
        ap.add_argument("--customers", type=int, default=20_000)
        a = ap.parse_args(argv[1:])
        write_workbook(Path(a.out), large_sheets(a.records, a.customers))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
