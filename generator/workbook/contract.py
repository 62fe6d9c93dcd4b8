"""The workbook contract (../shared/spec/workbook.md) declared once, as data.

The reader, `huifang init`, the data rules, the documents and the site all read it from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from generator.workbook.questions import DEFAULT_BANKS, Question, question_columns

# Column types
TEXT = "text"          # free text, kept as typed (stripped)
CODE = "code"          # an identifier or number string: NFKC, no inner spaces
DATE = "date"
DATETIME = "datetime"
INT = "int"
NUMBER = "number"
ENUM = "enum"
STAFF = "staff"        # a 工号 of 人员
CUSTOMER = "customer"  # a 客户编号 of 客户
EVENT = "event"        # a 事件编号 of 事件

TYPE_LABEL = {
    TEXT: "文本", CODE: "编码", DATE: "日期", DATETIME: "日期时间", INT: "整数",
    NUMBER: "金额（元）", ENUM: "下拉选项", STAFF: "人员工号", CUSTOMER: "客户编号", EVENT: "事件编号",
}

YES_NO = ("是", "否")

CALLBACK_TYPES = (
    "新开户回访", "存量回访", "投顾新签约回访", "投顾持续回访", "重点客户回访", "特殊回访",
    "销户回访", "休眠客户回访", "资产异动回访", "投诉回访", "解约回访", "私募产品回访", "其他回访",
)
METHODS = ("电话", "面谈", "信函", "电子邮件", "电子问卷", "短信")
RESULTS = ("回访通过", "回访不通过", "拒绝回访", "回访不可达")
UNREACHABLE = "回访不可达"
ANSWERED = ("回访通过", "回访不通过")          # the customer was asked: the callback is completed
REFUSED = "拒绝回访"                            # completed only once a notice follows it (002 第三条(一))
NOTICE_METHODS = ("短信", "信函", "电子邮件")     # how a refusing customer is told in writing
EVENT_TYPES = (
    "大额转出", "监管协查", "交易所重点监控", "身份信息变更", "对账单异议", "对账单未送达", "异常交易", "其他特殊",
    "投诉办结", "私募认购",
)
ROLES = ("回访专员", "营销人员", "投资顾问", "客户服务", "部门主管", "合规管理")
ACCOUNT_STATES = ("正常", "休眠", "中止交易", "销户", "转出")
LOST_STATES = ("销户", "转出")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    enum: tuple[str, ...] = ()
    note: str = ""
    width: int = 12

    @property
    def is_yes_no(self) -> bool:
        return self.enum == YES_NO

    def describe(self) -> str:
        """The Chinese note `init` puts on the header."""
        parts = [self.note] if self.note else []
        kind = TYPE_LABEL[self.type]
        if self.type == ENUM:
            kind += "：" + " / ".join(self.enum)
        elif self.type == DATE:
            kind += "，如 2025-03-05"
        elif self.type == DATETIME:
            kind += "，如 2025-03-05 14:30"
        parts.append("类型：" + kind)
        parts.append("必填" if self.required else "选填")
        return "\n".join(parts)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: str | None = None          # unique key column (DATA004)
    note: str = ""
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self.by_name[name]


def C(name, type=TEXT, required=False, enum=(), note="", width=12):  # upper-case: a table helper
    return Column(name, type, required, tuple(enum), note, width)


def _record_columns(questions: list[Question]) -> tuple[Column, ...]:
    base = (
        C("记录编号", CODE, True, note="本工作簿内唯一"),
        C("客户编号", CUSTOMER, True),
        C("回访类型", ENUM, True, CALLBACK_TYPES, width=16),
        C("关联事件", EVENT, note="事件触发的回访填写对应的事件编号"),
        C("回访方式", ENUM, True, METHODS),
        C("回访时间", DATETIME, True, note="实际回访的日期和时间", width=18),
        C("回访人员", STAFF, True, note="实际执行回访的人员工号"),
        C("被访人", TEXT),
        C("拨打次数", INT, note="电话回访的拨打次数"),
        C("回访结果", ENUM, True, RESULTS, width=14),
        C("录音编号", CODE, note="电话回访必填", width=16),
        C("客户签字", ENUM, enum=YES_NO, note="面谈、信函回访须为“是”"),
        C("回执附件", ENUM, enum=YES_NO, note="信函的邮局回执或电子邮件打印件已归档"),
    )
    qcols = tuple(
        C(q.short, ENUM, enum=YES_NO, note=f"问卷：{q.text}（应答“{q.expected}”）", width=10)
        for q in questions
    )
    tail = (
        C("服务态度", ENUM, enum=("很好", "较好", "差")),
        C("响应速度", ENUM, enum=("满意", "较满意", "不满意")),
        C("乱收费", ENUM, enum=("有", "没有")),
        C("整体满意度", ENUM, enum=("满意", "较满意", "不满意")),
        C("客户意见", TEXT, note="客户的意见和建议", width=24),
        C("意见处理日期", DATE, note="答复客户意见的日期"),
        C("发现问题", TEXT, note="回访中发现的违规或异常情况", width=24),
        C("是否投诉", ENUM, enum=YES_NO),
        C("上报合规日期", DATE, note="上报风控合规部门的日期"),
        C("处理结果", TEXT, width=24),
        C("遗留问题", TEXT, width=24),
        C("报告日期", DATE, note="汇总进《客户回访报告》的日期"),
        C("提交审核日期", DATE, note="提交部门主管审核的日期"),
        C("延期审批", ENUM, enum=YES_NO, note="部门主管同意延期一周提交"),
        C("审核人", STAFF),
        C("审核日期", DATE),
        C("审核意见", TEXT, width=24),
    )
    return base + qcols + tail


def build_contract(banks: dict[str, tuple[Question, ...]] = DEFAULT_BANKS) -> dict[str, Sheet]:
    questions = question_columns(banks)
    sheets = (
        Sheet("客户", (
            C("客户编号", CODE, True, note="本工作簿内唯一"),
            C("客户名称", TEXT, True, width=16),
            C("客户类别", ENUM, True, ("个人", "机构")),
            C("性别", ENUM, enum=("男", "女")),
            C("证件类型", ENUM, enum=("居民身份证", "护照", "港澳台居民通行证", "统一社会信用代码", "其他"), width=16),
            C("证件号码", CODE, note="居民身份证、统一社会信用代码为 18 位并校验末位", width=22),
            C("手机", CODE, note="11 位，以 1 开头", width=14),
            C("固定电话", CODE, width=14),
            C("电子邮箱", TEXT, width=22),
            C("联系地址", TEXT, width=28),
            C("营业部", TEXT, True, width=16),
            C("开发人员", STAFF, note="介绍或签约该客户的人员工号（回避之用）"),
            C("客户分级", ENUM, enum=("普通", "重点", "VIP", "核心")),
            C("开户日期", DATE, note="触发新开户回访"),
            C("投顾签约日期", DATE, note="触发投顾新签约回访和投顾持续回访", width=14),
            C("投顾解约日期", DATE, width=14),
            C("融资融券", ENUM, enum=YES_NO),
            C("账户状态", ENUM, enum=ACCOUNT_STATES, note="销户、转出即为流失客户"),
            C("销户日期", DATE, note="触发销户回访；转出客户的流失日期"),
            C("最后交易日期", DATE, note="六个月无交易触发休眠客户回访", width=14),
            C("总资产", NUMBER, width=16),
            C("月均交易量", NUMBER, width=16),
        ), required=True, key="客户编号", note="客户档案"),
        Sheet("人员", (
            C("工号", CODE, True, note="唯一"),
            C("姓名", TEXT, True),
            C("岗位", ENUM, True, ROLES),
            C("营业部", TEXT, width=16),
        ), required=True, key="工号"),
        Sheet("事件", (
            C("事件编号", CODE, True, note="唯一"),
            C("客户编号", CUSTOMER, True),
            C("事件类型", ENUM, True, EVENT_TYPES, width=14),
            C("事件时间", DATETIME, True, note="私募认购：合同签署与资金到账两者中较晚的时间（冷静期起点）", width=18),
            C("产品", TEXT, width=18),
            C("金额", NUMBER, width=16),
            C("说明", TEXT, width=24),
        ), key="事件编号", note="客户档案之外的回访触发事件"),
        Sheet("回访计划", (
            C("计划编号", CODE, True, note="唯一"),
            C("客户编号", CUSTOMER, True),
            C("回访类型", ENUM, True, CALLBACK_TYPES, width=16),
            C("回访方式", ENUM, True, METHODS),
            C("首次或常规", ENUM, enum=("首次", "常规")),
            C("回访目的", TEXT, width=20),
            C("回访主题", TEXT, width=20),
            C("计划日期", DATE, True),
            C("回访人员", STAFF),
            C("编制人", STAFF),
            C("部门主管", STAFF),
        ), key="计划编号", note="附件二 客户回访计划"),
        Sheet("回访记录", _record_columns(questions), required=True, key="记录编号",
              note="附件三 客户回访记录表"),
        Sheet("流失客户", (
            C("客户编号", CUSTOMER, True),
            C("客户名称", TEXT, width=16),
            C("性别", ENUM, enum=("男", "女")),
            C("流失日期", DATE, True),
            C("资产市值", NUMBER, width=16),
            C("类别", TEXT, note="如 白金卡 / 金卡 / 银卡"),
            C("证件号码", CODE, width=22),
            C("固定电话", CODE, width=14),
            C("手机", CODE, width=14),
            C("电子邮箱", TEXT, width=22),
            C("联系地址", TEXT, width=28),
            C("服务员工", STAFF),
            C("流失主要原因", TEXT, True, width=28),
            C("原因分类", ENUM, enum=("主观", "客观")),
            C("其他说明", TEXT, width=24),
            C("填表人", STAFF),
            C("营业部名称", TEXT, width=16),
        ), note="流失客户档案表"),
        Sheet("流失跟踪", (
            C("客户编号", CUSTOMER, True),
            C("联系时间", DATETIME, True, width=18),
            C("联系员工", STAFF, True),
            C("交流内容", TEXT, width=28),
            C("客户反应", TEXT, width=20),
            C("备注", TEXT, width=20),
        ), note="流失客户档案表的后续联系记录"),
        Sheet("回访报告", (
            C("报告期", CODE, True, note="2025、2025-Q3 或 2025-09"),
            C("部门", TEXT, True, width=16),
            C("行业", TEXT, width=12, note="写入报告“回访对象”栏，如 证券经纪、基金销售；不填则留空"),
            *(C(n, TEXT, width=24) for n in (
                "回访目的", "回访形式", "客户主要意见", "客户对产品评价", "客户对产品期望",
                "客户对服务评价", "客户对服务期望", "改善客户服务对策", "回访中遇到的问题", "备注",
                "主管领导审核意见")),
            C("编制人", STAFF),
            C("编制日期", DATE),
        ), note="附件四 客户回访报告的文字部分；数字由回访记录计算"),
    )
    return {s.name: s for s in sheets}


CONTRACT = build_contract()
SHEET_ORDER = tuple(CONTRACT)
KEY_SHEETS = {"客户": "客户编号", "人员": "工号", "事件": "事件编号", "回访计划": "计划编号", "回访记录": "记录编号"}
# which sheet a reference type points into
REFERENCE_TARGET = {CUSTOMER: ("客户", "客户编号"), STAFF: ("人员", "工号"), EVENT: ("事件", "事件编号")}
