"""as-of, since, pending and the yearly judgement of rules.md."""
from datetime import date, datetime

from conftest import record
from generator.config import load_config


def test_overdue_message_and_cell_match_the_contract(book):
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    f = book.findings("NEW001", as_of=date(2025, 6, 30))[0]
    assert (f.sheet, f.row, f.column, f.customer) == ("客户", 2, "开户日期", "C0001")
    assert f.message == "开户日期 2025-03-10 起一个月内未完成新开户回访（截止 2025-04-10）"


def test_deadline_day_itself_is_still_pending(book):
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    r = book.report(as_of=date(2025, 4, 10))
    assert [f for f in r.findings if f.rule == "NEW001"] == []
    [p] = [p for p in r.pending if p.rule == "NEW001"]
    assert (p.customer, p.due, p.sheet, p.row) == ("C0001", date(2025, 4, 10), "客户", 2)
    assert r.as_json()["pending"][0]["due"] == "2025-04-10"


def test_day_after_deadline_is_overdue(book):
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    assert len(book.findings("NEW001", as_of=date(2025, 4, 11))) == 1


def test_since_skips_triggers_whose_deadline_is_before_it(book):
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    assert book.findings("NEW001", as_of=date(2025, 6, 30), since=date(2025, 4, 11)) == []
    assert len(book.findings("NEW001", as_of=date(2025, 6, 30), since=date(2025, 4, 10))) == 1


def test_older_records_still_count_as_evidence(book):
    book.sheets["客户"][0]["投顾签约日期"] = date(2024, 12, 20)
    book.add("回访记录", **record(记录编号="R2", 回访类型="投顾新签约回访", 回访时间=datetime(2024, 12, 23, 9)))
    assert book.findings("IA001", as_of=date(2025, 6, 30)) == []
    assert book.findings("IA002", as_of=date(2025, 6, 30)) == []


def test_record_rules_check_only_records_since(book):
    book.sheets["回访记录"][0]["回访人员"] = "S001"
    assert book.findings("IND001", as_of=date(2025, 6, 30), since=date(2025, 6, 3)) == []


def test_yearly_rule_waits_for_the_year_end(book):
    book.sheets["客户"][0]["客户分级"] = "核心"
    r = book.report(as_of=date(2025, 12, 30))
    assert [f for f in r.findings if f.rule == "KEY001"] == []
    assert [p.due for p in r.pending if p.rule == "KEY001"] == [date(2025, 12, 31)]
    assert len(book.findings("KEY001", as_of=date(2025, 12, 31))) == 1


def test_cooling_off_compares_date_times_and_void_callback_does_not_count(book):
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购", 事件时间=datetime(2025, 4, 2, 16, 50))
    book.sheets["回访记录"][0].update(回访类型="私募产品回访", 回访时间=datetime(2025, 4, 3, 16, 49))
    [f] = book.findings("PF001", as_of=date(2025, 6, 30))
    assert "2025-04-03 16:49" in f.message


def test_event_callback_prefers_the_named_event(book):
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="大额转出", 事件时间=datetime(2025, 6, 2, 15))
    book.add("事件", 事件编号="E2", 客户编号="C0001", 事件类型="大额转出", 事件时间=datetime(2025, 6, 9, 15))
    book.sheets["回访记录"][0].update(回访类型="资产异动回访", 回访时间=datetime(2025, 6, 10, 9), 关联事件="E2")
    [f] = book.findings("AST001", as_of=date(2025, 6, 30))
    assert f.sheet == "事件" and f.row == 2 and "E1" in f.message


def test_sichuan_profile_checks_each_quarter(book, tmp_path):
    cfg = tmp_path / "huifang.toml"
    cfg.write_text('profile = "sichuan"\n', encoding="utf-8")
    book.sheets["客户"][0]["投顾签约日期"] = date(2024, 3, 1)
    book.add("回访记录", **record(记录编号="R2", 回访类型="投顾持续回访", 回访时间=datetime(2025, 5, 5, 9)))
    found = book.findings("IA003", as_of=date(2025, 12, 31), config=load_config(cfg))
    assert [f.message[:11] for f in found] == ["2025 年第一季度未", "2025 年第三季度未", "2025 年第四季度未"]
    assert book.findings("IA003", as_of=date(2025, 12, 31)) == []
