"""Small workbooks built in each test: a clean unit that a test breaks on purpose."""
from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path

import pytest

from generator.config import load_config
from synth import write_workbook
from generator.validate import validate_paths

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
}


def customer(**kw) -> dict:
    return {**CUSTOMER, **kw}


def record(**kw) -> dict:
    return {**RECORD, **kw}


class Book:
    """A unit as dict rows; `.check()` writes it and returns the findings."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sheets = {"客户": [customer()], "人员": copy.deepcopy(STAFF), "回访记录": [record()]}
        self.n = 0

    def add(self, sheet: str, **row) -> dict:
        self.sheets.setdefault(sheet, []).append(row)
        return row

    def write(self, name: str = "unit.xlsx", **kw) -> Path:
        self.n += 1
        path = self.tmp / f"{self.n}-{name}"
        write_workbook(path, self.sheets, **kw)
        return path

    def report(self, as_of=date(2025, 6, 30), since=None, config=None):
        return validate_paths([self.write()], config or load_config(None), as_of, since)

    def findings(self, rule: str | None = None, **kw):
        r = self.report(**kw)
        return [f for f in r.findings if rule is None or f.rule == rule]


@pytest.fixture
def book(tmp_path) -> Book:
    return Book(tmp_path)
