"""The clean example unit every rule's example starts from (a customer, five staff, one
callback), and the builder that applies a rule's Example to it. The tests build each rule's
failing and passing workbook from here, and the rule pages show the same example (示例)."""
from __future__ import annotations

import copy
from datetime import date, datetime

from generator.workbook import contract as K
from generator.workbook.questions import DEFAULT_BANKS
from generator.rules.registry import Change, Example

STAFF = [
    {"工号": "H001", "姓名": "周敏", "岗位": "回访专员"},
    {"工号": "H002", "姓名": "孙丽", "岗位": "客户服务"},
    {"工号": "S001", "姓名": "赵强", "岗位": "营销人员"},
    {"工号": "T001", "姓名": "郑文", "岗位": "投资顾问"},
    {"工号": "M001", "姓名": "冯建国", "岗位": "部门主管"},
]
CUSTOMER = {
    "客户编号": "C0001", "客户名称": "张三", "客户类别": "个人", "性别": "男", "证件类型": "居民身份证",
    "证件号码": "11010519491231002X", "手机": "13800000001", "营业部": "测试营业部", "开发人员": "S001",
    "客户分级": "普通", "开户日期": date(2020, 1, 6), "融资融券": "否", "账户状态": "正常",
    "最后交易日期": date(2025, 6, 20), "总资产": 100000.0, "月均交易量": 5000.0,
}
RECORD = {
    "记录编号": "R0001", "客户编号": "C0001", "回访类型": "存量回访", "回访方式": "电话",
    "回访时间": datetime(2025, 6, 2, 10, 0), "回访人员": "H001", "被访人": "张三", "拨打次数": 1,
    "回访结果": "回访通过", "录音编号": "LY0001", "报告日期": date(2025, 6, 3), "提交审核日期": date(2025, 6, 4),
    "审核人": "M001", "审核日期": date(2025, 6, 5),
    "违规代客操作": "否", "全权委托": "否", "已提示风险": "是",         # the 存量回访 questionnaire, answered
}
# rows a Change adds start from these (so an added record is a complete, clean one)
ADD_BASE = {"客户": CUSTOMER, "回访记录": RECORD}


def answers(kind: str, **changes) -> dict:
    """A questionnaire answered as a clean callback answers it, with some answers changed."""
    return {**{q.short: q.expected for q in DEFAULT_BANKS[kind]}, **changes}


def base_sheets() -> dict[str, list[dict]]:
    return {"客户": [dict(CUSTOMER)], "人员": copy.deepcopy(STAFF), "回访记录": [dict(RECORD)]}


def _typed(sheet: str, values: dict) -> dict:
    """ISO text in date columns becomes a real date (as Excel stores it); anything else is kept."""
    spec = K.CONTRACT.get(sheet)
    out = {}
    for k, v in values.items():
        col = spec.by_name.get(k) if spec else None
        if isinstance(v, str) and col is not None and col.type in (K.DATE, K.DATETIME):
            try:
                dt = datetime.fromisoformat(v)
                v = dt if col.type == K.DATETIME else dt.date()
            except ValueError:
                pass
        out[k] = v
    return out


def apply(sheets: dict[str, list[dict]], changes: tuple[Change, ...]) -> dict[str, list[dict]]:
    for ch in changes:
        values = _typed(ch.sheet, ch.values)
        rows = sheets.setdefault(ch.sheet, [])
        if ch.add:
            rows.append({**ADD_BASE.get(ch.sheet, {}), **values})
        elif rows:
            rows[0].update(values)
        else:
            rows.append(values)
    return sheets


def as_of(ex: Example) -> date:
    return ex.as_of if isinstance(ex.as_of, date) else date.fromisoformat(ex.as_of)


def shown(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return "（空）" if value is None else str(value)


def describe(changes: tuple[Change, ...]) -> list[str]:
    """Each change as a line a person reads: 回访记录 第 1 行：回访方式 = 微信。"""
    out = []
    for ch in changes:
        where = f"“{ch.sheet}”表新增一行" if ch.add else f"“{ch.sheet}”表第 1 行"
        out.append(f"{where}：" + "，".join(f"{k} = {shown(v)}" for k, v in ch.values.items()))
    return out
