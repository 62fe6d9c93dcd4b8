"""The order the rules run in is declared (Rule.after), not the order of a dictionary; a rule
that needs another rule's value reads it from that rule's settings, not from a side effect."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from generator.config import load_config
from generator.rules import ORDER, RULES, RUN_ORDER
from generator.rules.examples import answers, apply, base_sheets
from generator.rules.registry import GROUPS, adds, run_order, sets


def test_run_order_puts_every_rule_after_what_it_declares():
    assert sorted(RUN_ORDER) == sorted(RULES)
    at = {rid: k for k, rid in enumerate(RUN_ORDER)}
    for rid, r in RULES.items():
        for dep in r.after:
            before = [o for o in RULES if (dep == "*" and "*" not in RULES[o].after) or o == dep
                      or (dep in GROUPS and RULES[o].group == dep and o != rid)]
            assert all(at[o] < at[rid] for o in before), (rid, dep)
    assert RUN_ORDER[-1] == "CAL001"


def test_cal001_runs_last_whatever_the_group_order(monkeypatch):
    """CAL001 reads the years the others computed provisionally: it runs last because it says so,
    not because 提示 is the last group."""
    import generator.rules.registry as reg
    monkeypatch.setattr(reg, "GROUPS", {"notice": "提示", **{k: v for k, v in GROUPS.items() if k != "notice"}})
    assert reg.display_order(RULES)[0] == "CAL001"
    assert reg.run_order(RULES)[-1] == "CAL001"


def _rules(**after):
    base = RULES["OUT003"]
    return {rid: replace(base, id=rid, after=tuple(deps)) for rid, deps in after.items()}


def test_a_cycle_is_an_error():
    with pytest.raises(ValueError, match="cycle"):
        run_order(_rules(A1=("B1",), B1=("C1",), C1=("A1",)))


def test_a_dependency_on_nothing_known_is_an_error():
    with pytest.raises(ValueError, match="neither a rule nor a group"):
        run_order(_rules(A1=("NOPE01",)))


def test_group_and_rule_dependencies_order_the_run():
    rules = _rules(A1=("B1",), B1=(), C1=())
    assert run_order(rules).index("A1") > run_order(rules).index("B1")
    rules = {**_rules(A1=("outcome",)), "Z9": replace(RULES["OUT003"], id="Z9", group="outcome")}
    assert run_order(rules) == ["Z9", "A1"]
    assert ORDER[0].startswith("DATA")


def _config(tmp_path, text):
    path = tmp_path / "huifang.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def _subscription_called_after(book, when):
    book.sheets = apply(base_sheets(), (
        adds("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购", 事件时间="2025-04-02 16:50"),
        sets("回访记录", 回访类型="私募产品回访", 回访时间=when, 关联事件="E1", **answers("私募产品回访"))))


@pytest.mark.parametrize("pf001", ["true", "false"])
def test_pf002_uses_pf001_hours_even_when_pf001_is_disabled(book, tmp_path, pf001):
    """A 48-hour cooling-off: a callback 41 hours after the subscription is inside it, so the
    subscription still wants its callback after the cooling-off, whether PF001 runs or not."""
    cfg = _config(tmp_path, f"[rules.PF001]\nhours = 48\nenabled = {pf001}\n")
    _subscription_called_after(book, "2025-04-04 10:00")
    found = book.findings("PF002", as_of=date(2025, 6, 30), config=cfg)
    assert [f.message for f in found] == [
        "私募认购事件 E1 的冷静期满 2025-04-04 16:50 起 5 个工作日内未完成私募产品回访（截止 2025-04-11）"]
    assert bool(book.findings("PF001", as_of=date(2025, 6, 30), config=cfg)) == (pf001 == "true")
    # the default 24 hours: the same callback comes after the cooling-off and counts
    assert book.findings("PF002", as_of=date(2025, 6, 30)) == []
