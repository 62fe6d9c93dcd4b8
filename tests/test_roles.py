"""One home for roles and duty policy (generator/roles.py): the rules and the planner read it."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from generator import roles
from generator.cli import main
from generator.roles import ADVISER, CALLBACK, CALLER, COMPLIANCE, IA_KINDS, REVIEW, SALES, SERVICE, SUPERVISOR
from generator.workbook import contract as K
from generator.workbook.reader import read_workbook


def test_the_roles_are_the_contracts_and_the_ia_kinds_are_callback_types():
    assert {CALLER, SALES, ADVISER, SERVICE, SUPERVISOR, COMPLIANCE} == set(K.ROLES)
    assert set(IA_KINDS) <= set(K.CALLBACK_TYPES)
    for d in roles.DUTIES:
        named = set(d.roles) | set(d.stand_in) | set(d.barred) | {r for _, rs in d.barred_for for r in rs}
        assert named <= set(K.ROLES), d.key
        assert not set(d.roles + d.stand_in) & set(d.barred), d.key


@pytest.mark.parametrize("role, kind, ok", [
    (CALLER, "存量回访", True), (SERVICE, "投顾持续回访", True), (SALES, "存量回访", False),
    (SALES, "私募产品回访", False), (ADVISER, "存量回访", True), (ADVISER, "投顾新签约回访", False),
    (ADVISER, "投顾持续回访", False), (SUPERVISOR, "存量回访", True), (None, "投顾持续回访", True)])
def test_who_may_perform_a_callback(role, kind, ok):
    assert CALLBACK.allows(role, kind) is ok


def test_who_may_review():
    assert [r for r in K.ROLES if not REVIEW.allows(r)] == [SALES, ADVISER]


def _planned(book, tmp_path):
    out = tmp_path / "plan"
    r = CliRunner().invoke(main, ["plan", str(book.write()), "--month", "2026-01", "--as-of", "2025-12-31",
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    copy = next((out / "工作簿").glob("*.xlsx"))
    t = read_workbook(copy)["回访计划"]
    rows = {(t.col("客户编号")[i], t.col("回访类型")[i]): t.col("回访人员")[i] for i in range(len(t))}
    return rows, r.output, copy


def test_an_adviser_stands_in_but_never_on_an_advice_callback(book, tmp_path):
    """Nobody whose work callbacks are, only the 营销人员 who developed both customers and an
    投资顾问: the adviser takes the new-account callback, and the 投顾 callbacks stay unassigned
    (before roles.py, no row got anyone: the planner never looked beyond 回访专员 and 客户服务)."""
    book.sheets["人员"] = [r for r in book.sheets["人员"] if r["岗位"] in (SALES, ADVISER)]
    book.sheets["客户"][0].update(开户日期=date(2025, 12, 20))
    book.sheets["客户"].append({**book.sheets["客户"][0], "客户编号": "C0002", "证件号码": "110105194912310038",
                               "开户日期": date(2020, 1, 6), "投顾签约日期": date(2025, 12, 29)})
    book.sheets["回访记录"][0].update(回访人员="T001", 审核人=None, 审核日期=None)
    rows, output, copy = _planned(book, tmp_path)
    assert rows[("C0001", "新开户回访")] == "T001"
    assert rows[("C0002", "投顾新签约回访")] is None
    assert rows[("C0002", "投顾持续回访")] is None
    assert ("注意：2 行没有可安排的回访人员（可安排：回访专员、客户服务，投资顾问、合规管理可以替代；"
            "投顾新签约回访、投顾持续回访、解约回访不得由投资顾问执行；人员表中没有这样的员工，或只有客户的开发人员），"
            "回访人员留空，请指定") in output


def test_the_preferred_callers_come_first_and_never_the_developer(book, tmp_path):
    book.sheets["客户"][0].update(开户日期=date(2025, 12, 20), 开发人员="H001")
    rows, _, _ = _planned(book, tmp_path)
    assert rows[("C0001", "新开户回访")] == "H002"


def test_the_manual_shows_the_policy():
    from generator.site.hooks import on_page_markdown
    page = SimpleNamespace(file=SimpleNamespace(src_uri="manual/roles.md", generated_by=None))
    text = on_page_markdown("前\n\n[[roles]]\n", page)
    assert "| 执行回访 | 回访记录.回访人员 | 回访专员、客户服务 | 投资顾问、合规管理 |" in text
    assert ("| 审核回访记录 | 回访记录.审核人 | 部门主管、合规管理 | — "
            "| 营销人员、投资顾问；其他岗位；不得是本记录的回访人员 |") in text
