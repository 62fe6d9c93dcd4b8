"""Small workbooks built in each test: a clean unit that a test breaks on purpose."""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from generator.config import load_config
from synth import write_workbook
from generator.validate import validate_paths

from generator.rules.examples import CUSTOMER, RECORD, STAFF  # the clean example unit


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
