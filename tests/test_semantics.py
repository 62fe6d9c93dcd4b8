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


# ------------------------------------------------------------------ the year's edge (provisional calendar)

def test_a_signing_at_the_end_of_2026_is_pending_into_2027_on_the_provisional_calendar(book):
    book.sheets["客户"][0]["投顾签约日期"] = date(2026, 12, 29)
    book.sheets["回访记录"][0]["回访时间"] = datetime(2026, 6, 2, 10)
    r = book.report(as_of=date(2026, 12, 31))
    [p] = [p for p in r.pending if p.rule == "IA001"]
    assert p.due.year == 2027 and p.provisional and "暂定" in p.message
    assert r.as_json()["pending"][0]["provisional"] is True
    [notice] = [f for f in r.findings if f.rule == "CAL001"]
    assert "2027 年" in notice.message and "[calendar.2027]" in notice.message and notice.sheet is None


def test_a_callback_on_time_needs_no_calendar_at_all(book):
    book.sheets["客户"][0]["投顾签约日期"] = date(2026, 12, 29)
    book.add("回访记录", **record(记录编号="R2", 回访类型="投顾新签约回访", 回访时间=datetime(2026, 12, 30, 9),
                                  **{q: "是" for q in ("签约前风险测评", "签署风险揭示书", "协议真实合规")},
                                  投顾违规执业="否"))
    r = book.report(as_of=date(2026, 12, 31))
    mine = ("IA001", "IA002", "CAL001")
    assert [f.rule for f in r.findings if f.rule in mine] == [] and [p.rule for p in r.pending if p.rule in mine] == []


def test_a_unit_judged_in_2027_is_judged_not_refused(book):
    book.sheets["客户"][0].update(开户日期=date(2027, 1, 4), 投顾签约日期=date(2027, 2, 1))
    book.sheets["回访记录"][0]["回访时间"] = datetime(2027, 1, 5, 10)
    r = book.report(as_of=date(2027, 3, 31))
    ia001 = [f for f in r.findings if f.rule == "IA001"]
    # 5 February to 10 February: the Spring Festival
    assert len(ia001) == 1 and ia001[0].provisional and ia001[0].due == date(2027, 2, 12)
    assert any(f.rule == "CAL001" for f in r.findings)


def test_a_year_python_cannot_hold_is_a_data_finding_at_its_cell(book):
    book.sheets["客户"][0]["开户日期"] = date(9999, 12, 31)
    r = book.report(as_of=date(2025, 6, 30))
    [f] = [f for f in r.findings if f.rule == "DATA003"]
    assert f.where == "客户!N2" and "9999" in f.message
    assert r.exit_code == 1


# ------------------------------------------------------------------ which callback counts

def test_an_earlier_unnamed_callback_on_time_counts_before_a_later_named_one(book):
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="监管协查", 事件时间=datetime(2025, 5, 8, 10))
    book.add("回访记录", **record(记录编号="R2", 回访类型="特殊回访", 回访时间=datetime(2025, 5, 9, 9)))
    book.add("回访记录", **record(记录编号="R3", 回访类型="特殊回访", 回访时间=datetime(2025, 5, 22, 9), 关联事件="E1"))
    assert book.findings("SPC001") == []


def test_a_callback_naming_another_event_does_not_count(book):
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="监管协查", 事件时间=datetime(2025, 5, 8, 10))
    book.add("事件", 事件编号="E2", 客户编号="C0001", 事件类型="异常交易", 事件时间=datetime(2025, 5, 1, 10))
    book.add("回访记录", **record(记录编号="R2", 回访类型="特殊回访", 回访时间=datetime(2025, 5, 9, 9), 关联事件="E2"))
    [f] = [f for f in book.findings("SPC001") if "E1" in f.message]
    assert f.where == "事件!D2" and "未完成特殊回访" in f.message


def test_a_callback_before_the_trigger_time_of_the_same_day_does_not_count(book):
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="大额转出", 事件时间=datetime(2025, 6, 3, 15))
    book.add("回访记录", **record(记录编号="R2", 回访类型="资产异动回访", 回访时间=datetime(2025, 6, 3, 9)))
    [f] = book.findings("AST001")
    assert "2025-06-03 15:00" in f.message and f.due == date(2025, 6, 4)


# ------------------------------------------------------------------ PF001 honours the period; serial times

def test_a_void_private_fund_callback_of_an_earlier_year_is_not_reported_again(book):
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购", 事件时间=datetime(2024, 4, 2, 16, 50))
    book.add("回访记录", **record(记录编号="R2", 回访类型="私募产品回访", 回访时间=datetime(2024, 4, 3, 9)))
    assert book.findings("PF001", as_of=date(2025, 6, 30)) == []
    assert len(book.findings("PF001", as_of=date(2025, 6, 30), since=date(2024, 1, 1))) == 1


def test_a_time_stored_as_a_plain_serial_number_is_read_to_the_second(book, tmp_path):
    import openpyxl
    book.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购", 事件时间=datetime(2023, 3, 14, 14))
    book.add("回访记录", **record(记录编号="R2", 回访类型="私募产品回访", 回访时间=datetime(2023, 3, 15, 14)))
    path = book.write()
    wb = openpyxl.load_workbook(path)
    ws = wb["回访记录"]
    col = [c.value for c in ws[1]].index("回访时间") + 1
    ws.cell(3, col).value = 45000.583333333336        # 2023-03-15 14:00 as LibreOffice stores a pasted value
    ws.cell(3, col).number_format = "General"
    wb.save(path)
    from generator.validate import validate_paths
    r = validate_paths([path], load_config(None), date(2023, 6, 30))
    assert [f for f in r.findings if f.rule == "PF001"] == []


def test_an_id_number_stored_as_a_number_says_excel_kept_15_digits(book):
    book.sheets["客户"][0]["证件号码"] = 110105194912310038
    [f] = book.findings("DATA003")
    assert "15 位" in f.message and "文本" in f.message and f.where == "客户!F2"
    assert book.findings("DATA006") == []


# ------------------------------------------------------------------ windows as durations

def test_a_window_can_be_written_with_its_unit(book, tmp_path):
    from generator.config import ConfigError
    import pytest
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    book.sheets["回访记录"][0].update(回访类型="新开户回访", 回访时间=datetime(2025, 3, 20, 10))
    cfg = tmp_path / "huifang.toml"
    for within, late in (('"7天"', True), ('"10个工作日"', False), ('"1个月"', False), ("7", False)):
        cfg.write_text(f"[rules.NEW001]\nwithin = {within}\n", encoding="utf-8")
        found = book.findings("NEW001", config=load_config(cfg))
        assert bool(found) == late, within
    cfg.write_text('[rules.AST001]\nwithin = "次日"\n[rules.NEW001]\nmonths = 2\n', encoding="utf-8")
    c = load_config(cfg)
    assert str(c.settings("AST001").within) == "1个工作日" and str(c.settings("NEW001").within) == "2个月"
    cfg.write_text('[rules.NEW001]\nwithin = "两周半"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="rules.NEW001.within"):
        load_config(cfg)


def test_generate_and_site_run_with_a_year_9999_cell(book, tmp_path):
    import subprocess
    import sys
    book.sheets["回访记录"][0]["报告日期"] = date(9999, 1, 1)
    book.sheets["客户"][0]["投顾签约日期"] = date(2026, 12, 29)
    wb = book.write()
    for args in (("generate", wb, "--out", tmp_path / "docs"),
                 ("validate", wb, "--as-of", "2026-12-31"),
                 ("site", wb, "--as-of", "2026-12-31", "--out", tmp_path / "site")):
        r = subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True)
        assert r.returncode in (0, 1), (args, r.stderr)
        assert "Traceback" not in r.stderr


# ------------------------------------------------------------------ a refusal completes only with a written notice

def test_a_refusal_completes_a_callback_once_a_notice_follows(book):
    book.sheets["客户"][0]["开户日期"] = date(2025, 5, 6)
    book.add("回访记录",
             **record(记录编号="R2", 回访类型="新开户回访", 回访时间=datetime(2025, 5, 8, 10), 回访结果="拒绝回访",
                                  拨打次数=1))
    [f] = book.findings("NEW001")
    assert "未完成新开户回访" in f.message                       # a refusal alone is not completed
    book.add("回访记录",
             **record(记录编号="R3", 回访类型="新开户回访", 回访方式="短信", 回访时间=datetime(2025, 5, 8, 11),
                                  回访结果="拒绝回访", 录音编号=None, 拨打次数=None))
    assert book.findings("NEW001") == []                        # the notice completes it, on time
    assert book.findings("MTH006") == []                        # and a notice after a refusal may be a text message


def test_a_text_message_alone_is_not_a_callback(book):
    book.sheets["客户"][0]["开户日期"] = date(2025, 5, 6)
    book.add("回访记录",
             **record(记录编号="R2", 回访类型="新开户回访", 回访方式="短信", 回访时间=datetime(2025, 5, 8, 10),
                                  录音编号=None))
    assert len(book.findings("NEW001")) == 1 and len(book.findings("MTH006")) == 1


def test_the_text_report_names_the_article_of_each_finding(book):
    import subprocess
    import sys
    book.sheets["回访记录"][0]["录音编号"] = None
    r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", str(book.write()), "--as-of", "2025-06-30",
                        "--verbose"], capture_output=True, text=True)
    assert "依据：【法规/规章】《关于加强证券经纪业务管理的规定》" in r.stdout
    assert "【行业范本】证券公司经纪业务客户回访实施细则（范本，2017 年修订） 第七条" in r.stdout
