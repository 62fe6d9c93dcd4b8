"""Every rule against its table of cases (tests/rule_cases.py): failing cases, passing near
misses and cases with non-default parameters, each a small workbook built from the clean unit."""
from __future__ import annotations

from datetime import date

import pytest

import corpus
from generator.config import load_config
from generator.rules import ORDER, RULES
from generator.rules.examples import apply, base_sheets
from rule_cases import CASES, Case

ALL = [(rid, case) for rid in ORDER for case in CASES.get(rid, ())]


def configured(case: Case, tmp_path):
    if not case.config:
        return None
    path = tmp_path / "huifang.toml"
    path.write_text(case.config, encoding="utf-8")
    return load_config(path)


def findings(book, tmp_path, rid: str, case: Case):
    from generator.validate import validate_paths
    book.sheets = apply(base_sheets(), case.changes)
    path = book.write()
    if case.far:
        path = corpus.plant_far_cell(path, tmp_path / "far.xlsx", case.far)
    if case.twin:
        import openpyxl
        wb = openpyxl.load_workbook(path)
        stale = wb.create_sheet(case.twin)
        stale.append(["记录编号", "客户编号", "回访类型"])
        stale.sheet_state = "hidden"
        path = tmp_path / "twin.xlsx"
        wb.save(path)
    since = date.fromisoformat(case.since) if case.since else None
    report = validate_paths([path], configured(case, tmp_path) or load_config(None), date.fromisoformat(case.as_of),
                            since)
    return [f for f in report.findings if f.rule == rid]


@pytest.mark.parametrize("rid, case", ALL, ids=[f"{rid}-{case.name}" for rid, case in ALL])
def test_case(book, tmp_path, rid, case):
    found = findings(book, tmp_path, rid, case)
    assert len(found) == case.hits, [f.message for f in found]
    if case.hits:
        assert case.message in found[0].message
        if case.cell:
            assert found[0].where == case.cell


def test_every_rule_has_failing_passing_and_configured_cases():
    """A failing case, a passing near miss, and for a rule with parameters a case where one of
    its parameters is not the default."""
    defaults = load_config(None)
    gaps = []
    for rid in ORDER:
        cases = CASES.get(rid, [])
        if not any(c.hits for c in cases):
            gaps.append(f"{rid}: no failing case")
        if not any(not c.hits for c in cases):
            gaps.append(f"{rid}: no passing near miss")
        if RULES[rid].params and not any(_changes_params(c, rid, defaults) for c in cases):
            gaps.append(f"{rid}: no case with a non-default parameter")
    assert gaps == []
    assert set(CASES) <= set(RULES)


CONFIGURED = [rid for rid in ORDER if any(c.config for c in CASES.get(rid, ()))]


@pytest.mark.parametrize("rid", CONFIGURED)
def test_the_configured_value_decides_a_case(book, tmp_path, rid):
    """At least one case of the rule comes out otherwise with the default settings: the
    parameter (or calendar) it configures is what decides it."""
    from dataclasses import replace
    differ = []
    for case in (c for c in CASES[rid] if c.config):
        default = findings(book, tmp_path, rid, replace(case, config=""))
        differ.append(len(default) != case.hits)
    assert any(differ)


def _changes_params(case: Case, rid: str, defaults) -> bool:
    if not case.config:
        return False
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huifang.toml"
        path.write_text(case.config, encoding="utf-8")
        values = load_config(path).settings(rid).values
    return values != defaults.settings(rid).values
