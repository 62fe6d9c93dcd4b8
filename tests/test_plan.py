"""`huifang plan` on the example workbooks: what it plans, when, by whom, and what the copy says."""
import math
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.config import load_config
from generator.rules import RULES
from generator.rules.examples import answers
from generator.workbook.questions import DEFAULT_BANKS
from generator.validate import validate_paths
from generator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"
AS_OF, MONTH_END = date(2025, 12, 31), date(2026, 1, 31)


def plan(tmp_path, seed=1, name="out", src=EXAMPLE):
    out = tmp_path / name
    r = CliRunner().invoke(main, ["plan", str(src), "--month", "2026-01", "--as-of", "2025-12-31",
                                  "--seed", str(seed), "--out", str(out)])
    assert r.exit_code == 0, r.output
    copy = out / "工作簿" / "示例营业部_计划_2026-01.xlsx"
    return out, copy, r.output


def plan_rows(copy: Path) -> list[dict]:
    t = read_workbook(copy)["回访计划"]
    rows = [{n: t.col(n)[i] for n in ("计划编号", "客户编号", "回访类型", "回访方式", "计划日期", "回访人员",
                                      "回访目的")}
            for i in range(len(t))]
    return [r for r in rows if (r["计划编号"] or "").startswith("JH202601")]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    out, copy, text = plan(tmp)
    return out, copy, text, plan_rows(copy)


def test_every_due_and_overdue_trigger_is_planned_before_its_deadline(planned):
    out, copy, text, rows = planned
    report = validate_paths([EXAMPLE], load_config(None), AS_OF)
    by_key = {(r["客户编号"], r["回访类型"]): r for r in rows}
    due = [p for p in report.pending if p.due <= MONTH_END and RULES[p.rule].deadline]
    assert due, "the example has a callback falling due in January 2026"
    for p in due:
        r = by_key.get((p.customer, p.callback))
        assert r, f"{p.rule} {p.customer} {p.callback} not planned"
        assert r["计划日期"] <= p.due and r["计划日期"] > AS_OF
    overdue = [f for f in report.findings if RULES[f.rule].deadline and f.actual is None and f.customer]
    assert overdue
    for f in overdue:
        assert (f.customer, RULES[f.rule].deadline.callback) in by_key, f"{f.rule} {f.customer} not planned"
    assert "逾期未回访（补做）" in text and "本月到期" in text


def test_plan_days_are_working_days_of_the_month_and_methods_allowed(planned):
    from generator.rules.workdays import WorkCalendar
    cal = WorkCalendar()
    allowed = load_config(None).settings("MTH006").allowed
    for r in planned[3]:
        assert date(2026, 1, 1) <= r["计划日期"] <= MONTH_END and cal.is_workday(r["计划日期"])
        if r["回访类型"] in allowed:
            assert r["回访方式"] in allowed[r["回访类型"]]


def test_no_assignment_breaks_independence(planned):
    book = read_workbook(EXAMPLE)
    st, cu = book["人员"], book["客户"]
    role = dict(zip(st.col("工号"), st.col("岗位")))
    dev = dict(zip(cu.col("客户编号"), cu.col("开发人员")))
    rows = planned[3]
    assert all(r["回访人员"] for r in rows)
    for r in rows:
        assert role[r["回访人员"]] not in ("营销人员", "投资顾问"), r          # IND001
        assert r["回访人员"] != dev.get(r["客户编号"]), r                      # IND002
    load = {}
    for r in rows:
        load[r["回访人员"]] = load.get(r["回访人员"], 0) + 1
    assert max(load.values()) - min(load.values()) <= 1, load               # balanced


def test_sample_is_reproducible_and_meets_the_monthly_share(tmp_path, planned):
    _, _, text, rows = planned
    again = plan_rows(plan(tmp_path, seed=1, name="again")[1])
    assert [(r["客户编号"], r["回访类型"]) for r in rows] == [(r["客户编号"], r["回访类型"]) for r in again]
    other = plan_rows(plan(tmp_path, seed=99, name="other")[1])
    sample = {r["客户编号"] for r in rows if "抽样" in (r["回访目的"] or "")}
    assert sample and "种子 1" in text and "简单随机抽样" in text
    # the monthly quota of each share: the remaining need spread over the twelve months of 2026
    report = validate_paths([EXAMPLE], load_config(None), date(2026, 1, 1))
    ctx = report.books[0].ctx
    s = load_config(None).settings("STK001")
    from generator import periods
    f = RULES["STK001"].figures(ctx, s, periods.year(2026))
    need = math.ceil(s.min_share / 100 * len(f.base)) - len(f.done)
    stock = {r["客户编号"] for r in rows if r["回访类型"] == "存量回访"}
    assert len(stock & {ctx.customers.col("客户编号")[i] for i in f.base}) >= math.ceil(need / 12)
    assert {r["客户编号"] for r in other if "抽样" in (r["回访目的"] or "")} != sample or len(sample) < 2


def test_written_copy_validates_without_data_findings_and_input_untouched(planned):
    out, copy, text, rows = planned
    before = EXAMPLE.read_bytes()
    def data(path):     # the example plants DATA breaches of its own: the copy adds none
        return sorted((f.rule, f.sheet, f.row, f.column, f.message)
                      for f in validate_paths([path], load_config(None), AS_OF).findings if f.rule.startswith("DATA"))
    assert data(copy) == data(EXAMPLE)
    assert EXAMPLE.read_bytes() == before
    docs = list((out / "文书" / "回访计划").rglob("*2026-01.docx"))
    assert len(docs) == 1
    from docx import Document
    doc_text = "\n".join(c.text for t in Document(str(docs[0])).tables for row in t.rows for c in row.cells)
    assert rows[0]["客户编号"] in doc_text
    assert (out / "计划说明.txt").read_text(encoding="utf-8").startswith(str(EXAMPLE))


def test_recording_the_planned_callbacks_clears_their_deadlines(planned, tmp_path):
    """Every planned callback recorded on its plan date: no deadline rule reports the planned
    trigger as overdue, and the ones due this month are on time."""
    _, copy, _, rows = planned
    done = tmp_path / "done.xlsx"
    shutil.copy(copy, done)
    t = read_workbook(done)["回访记录"]
    wb = openpyxl.load_workbook(done)
    ws = wb["回访记录"]
    col = {n: openpyxl.utils.column_index_from_string(t.letter(n)) for n in t.letters}
    r0 = max(t.rows) + 1
    for k, r in enumerate(rows):
        values = {"记录编号": f"RP{k:04d}", "客户编号": r["客户编号"], "回访类型": r["回访类型"],
                  "回访方式": r["回访方式"],
                  "回访时间": datetime.combine(r["计划日期"], time(10, 0)), "回访人员": r["回访人员"],
                  "被访人": "客户本人",
                  "回访结果": "回访通过", "录音编号": f"LYP{k:04d}",
                  **(answers(r["回访类型"]) if r["回访类型"] in DEFAULT_BANKS else {})}
        for n, v in values.items():
            if n in col:
                ws.cell(r0 + k, col[n], v)
    wb.save(done)
    before = validate_paths([copy], load_config(None), MONTH_END, date(2025, 1, 1))
    after = validate_paths([done], load_config(None), MONTH_END, date(2025, 1, 1))
    planned_keys = {(r["客户编号"], r["回访类型"]) for r in rows}

    def overdue(rep):
        return {(f.customer, RULES[f.rule].deadline.callback) for f in rep.findings
                if RULES[f.rule].deadline and f.actual is None} & planned_keys
    assert overdue(before) and overdue(after) == set()
    assert not [p for p in after.pending if (p.customer, p.callback) in planned_keys]
    due_this_month = {(p.customer, p.callback) for p in validate_paths([EXAMPLE], load_config(None), AS_OF).pending
                      if p.due <= MONTH_END and RULES[p.rule].deadline}
    late = {(f.customer, RULES[f.rule].deadline.callback) for f in after.findings if RULES[f.rule].deadline}
    assert not (late & due_this_month)


def test_plan_refuses_a_month_already_past_and_a_bad_month(tmp_path):
    r = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--month", "2025-06", "--as-of", "2025-12-31",
                                  "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "无法为该月排计划" in r.output
    r = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--month", "2026/13", "--out", str(tmp_path / "y")])
    assert r.exit_code == 2 and "YYYY-MM" in r.output


def test_a_workbook_without_a_plan_sheet_gets_one(book, tmp_path):
    """The clean unit has no 回访计划 sheet: the copy gains it, with headers the reader maps."""
    book.sheets["客户"][0].update(开户日期=date(2025, 12, 20))        # a new account: its callback falls due in January
    src = book.write()
    out = tmp_path / "plan"
    r = CliRunner().invoke(main, ["plan", str(src), "--month", "2026-01", "--as-of", "2025-12-31", "--out", str(out)])
    assert r.exit_code == 0, r.output
    copy = next((out / "工作簿").glob("*.xlsx"))
    rows = plan_rows(copy)
    new = [x for x in rows if x["回访类型"] == "新开户回访"]
    assert [x["客户编号"] for x in new] == ["C0001"]
    assert new[0]["计划日期"] <= date(2026, 1, 20) and new[0]["回访人员"] != "S001"        # not its 开发人员
    assert not [f for f in validate_paths([copy], load_config(None), AS_OF).findings
                if f.sheet == "回访计划" and f.rule.startswith("DATA")]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-40, 40), st.integers(-40, 40)), min_size=1, max_size=30),
       st.sets(st.integers(0, 30), min_size=1))
def test_schedule_keeps_each_row_inside_its_window_when_it_can(windows, workdays):
    """Any earliest day and deadline: the plan day is a working day of the month, inside
    [earliest, deadline] whenever such a working day exists, else among the first days it may be made on."""
    from generator.planning import OVERDUE_DAYS, PlanRow, _schedule
    start = date(2026, 1, 1)
    days = sorted(start + timedelta(days=k) for k in workdays)
    rows = [PlanRow("C", "存量回访", "due", "X", start + timedelta(days=d), start + timedelta(days=e), "")
            for e, d in windows]
    _schedule(rows, days)
    for r in rows:
        assert r.day in days
        inside = [d for d in days if r.earliest <= d <= r.due]
        if inside:
            assert r.day in inside
        else:
            later = [d for d in days if d >= r.earliest]
            assert r.day in (later[:OVERDUE_DAYS] or days[-1:])


def test_a_workbook_that_cannot_be_copied_is_refused_before_any_output(tmp_path):
    src = tmp_path / "台账.ods"
    src.write_bytes(b"PK\x03\x04not really")
    r = CliRunner().invoke(main, ["plan", str(src), "--month", "2026-01", "--as-of", "2025-12-31",
                                  "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "另存为 .xlsx" in r.output
    assert not (tmp_path / "out").exists()


def test_the_plan_document_made_in_memory_is_the_one_the_copy_gives(planned, tmp_path):
    """plan builds 附件二 from the workbook it already read plus its rows, not by reading the copy
    again; the document is the same as `generate` makes from the copy."""
    import docx
    out, copy, _, rows = planned
    made = next((out / "文书").rglob("*_回访计划_2026-01.docx"))
    r = CliRunner().invoke(main, ["generate", str(copy), "--out", str(tmp_path / "again"), "--kind", "plan",
                                  "--period", "2026-01"])
    assert r.exit_code == 0, r.output
    again = next((tmp_path / "again").rglob("*_回访计划_2026-01.docx"))

    def text(p):
        d = docx.Document(p)
        return [c.text for t in d.tables for row in t.rows for c in row.cells] + [p.text for p in d.paragraphs]
    assert text(made) == text(again)
    assert sum(1 for c in text(made) if c.endswith("回访") and "（" in c) == len(rows)     # a 方式/类型 cell per row


def test_a_period_that_starts_after_the_check_day_is_refused_before_anything_is_written(tmp_path):
    """(helper 42) As validate and site refuse it."""
    r = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--month", "2026-01", "--as-of", "2025-12-31",
                                  "--since", "2026-06-01", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "--since 2026-06-01 晚于 --as-of 2025-12-31" in r.output
    assert not (tmp_path / "out").exists()


def test_a_plan_whose_documents_fail_leaves_nothing_of_its_own(tmp_path, monkeypatch):
    """(helper 42) The copies are written before the documents: when those fail (a template, a
    full disk, an interrupt), the folder this plan made goes whole, and in an earlier plan's
    folder only what this plan wrote goes."""
    from generator.documents import generate as gen
    from generator.output import OutputError

    def fails(*a, **kw):
        raise OutputError("文书：无法写入（磁盘空间不足），未留下不完整的文件")
    monkeypatch.setattr(gen, "generate", fails)
    args = ["plan", str(EXAMPLE), "--month", "2026-01", "--as-of", "2025-12-31", "--out"]
    r = CliRunner().invoke(main, args + [str(tmp_path / "new")])
    assert r.exit_code == 2 and "磁盘空间不足" in r.output
    assert not (tmp_path / "new").exists()
    monkeypatch.undo()
    earlier = tmp_path / "earlier"
    r = CliRunner().invoke(main, args[:3] + ["2025-12", "--as-of", "2025-11-30", "--out", str(earlier)])
    assert r.exit_code == 0, r.output
    before = sorted(str(p.relative_to(earlier)) for p in earlier.rglob("*"))
    monkeypatch.setattr(gen, "generate", fails)
    r = CliRunner().invoke(main, args + [str(earlier)])
    assert r.exit_code == 2
    assert sorted(str(p.relative_to(earlier)) for p in earlier.rglob("*")) == before
