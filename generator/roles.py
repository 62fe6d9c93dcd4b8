"""Roles (人员.岗位) and who may do which duty: the one home of the independence policy.

The rules (IND001, IND002, IND003, PF002, OUT006), the planner (`huifang plan` choosing a
回访人员) and the site read the policy from here. Each duty says, as data with the seeds'
defaults:

- `roles`: whose work it is (the planner's first choice);
- `stand_in`: who may do it when none of `roles` is free (the planner's second choice);
- `barred`: who may never do it (the rules report it), with further bars for some callback
  types (`barred_for`: no 投资顾问 on a 投顾 callback);
- `not_person`: the one person it must not be, whatever the role (a callback: the customer's
  开发人员; a review: the record's own 回访人员).

A role in none of the lists may do the duty without a finding, but is never planned for it;
except for a duty marked `only` (reviewing records, approving plans): there only `roles` and
`stand_in` may do it, and its rule (IND003, PLN002) takes that list as its parameter `roles`,
with these defaults. Nobody approves their own work (`not_person`).
"""
from __future__ import annotations

from dataclasses import dataclass

# the contract's 岗位 values (contract.ROLES; tests/test_roles.py checks they are the same)
CALLER, SALES, ADVISER = "回访专员", "营销人员", "投资顾问"
SERVICE, SUPERVISOR, COMPLIANCE = "客户服务", "部门主管", "合规管理"

IA_KINDS = ("投顾新签约回访", "投顾持续回访",
            "解约回访")   # the callbacks of the investment-advice business (002 第九条)


@dataclass(frozen=True)
class Duty:
    key: str
    title: str                              # the duty as the manual names it
    column: str                             # where the workbook names who did it
    roles: tuple[str, ...]
    stand_in: tuple[str, ...] = ()
    barred: tuple[str, ...] = ()
    barred_for: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()   # (callback types, further barred roles)
    not_person: str = ""                    # the person it must not be (Chinese, for the manual)
    source: str = ""
    only: bool = False                      # only `roles` and `stand_in` may do it (a rule parameter)

    def permits(self, role: str | None, allowed: tuple[str, ...] | None = None) -> bool:
        """Whether a person of this role may do an `only` duty: never a barred role, and one of
        `allowed` (the rule's parameter; by default `roles` and `stand_in`). An unknown person
        (no role) is not judged here."""
        if role is None:
            return True
        allowed = self.roles + self.stand_in if allowed is None else tuple(allowed)
        return role not in self.barred and (not self.only or role in allowed)

    def barred_roles(self, kind: str | None = None) -> tuple[str, ...]:
        """The roles that may never do this duty (for a callback, of this type)."""
        extra = tuple(r for kinds, roles in self.barred_for if kind in kinds for r in roles)
        return self.barred + extra

    def allows(self, role: str | None, kind: str | None = None) -> bool:
        """Whether a person of this role may do the duty (for a callback, of this type). An unknown
        person (no role) is not judged here: DATA005 reports the missing 工号."""
        return role not in self.barred_roles(kind)

    def who(self) -> str:
        """Who does it, in a Chinese phrase:
        回访专员、客户服务，投资顾问、合规管理可以替代；投顾新签约回访、投顾持续回访不得由投资顾问执行."""
        text = "、".join(self.roles)
        if self.stand_in:
            text += f"，{'、'.join(self.stand_in)}可以替代"
        bars = [f"{'、'.join(kinds)}不得由{'、'.join(roles)}执行" for kinds, roles in self.barred_for]
        return "；".join([text, *bars])

    def planned(self, kind: str | None = None) -> tuple[tuple[str, ...], ...]:
        """The roles the planner draws from, in order of preference, those barred for `kind` left out."""
        barred = self.barred_roles(kind)
        return tuple(tuple(r for r in tier if r not in barred) for tier in (self.roles, self.stand_in))


CALLBACK = Duty(
    "callback", "执行回访", "回访记录.回访人员",
    roles=(CALLER, SERVICE), stand_in=(ADVISER, COMPLIANCE),
    barred=(SALES,), barred_for=((IA_KINDS, (ADVISER,)),),
    not_person="客户的开发人员",
    source="《私募投资基金募集行为管理办法》第三十条（由推介业务以外的人员回访）；"
           "经纪回访细则范本（银河版）第三条（独立性原则）、第四条（回访查询、"
           "提交和执行回访的人员为营销序列以外的人员）；"
           "投顾回访指引范本 第七条（回访专员不得从事客户招揽和投资顾问业务，严禁回访本人介绍开户或签约的客户）、"
           "第九条(二)3（解约回访是投顾回访）")
REVIEW = Duty(
    "review", "审核回访记录", "回访记录.审核人",
    roles=(SUPERVISOR, COMPLIANCE), barred=(SALES, ADVISER), only=True,
    not_person="本记录的回访人员",
    source="私募回访规定范本 3.3、4.4(1)2)、4.4(2)（部门主管、主管领导审阅）；投顾回访指引范本 第十三条5（客服总监、"
           "合规管理人员签字）。"
           "由谁审核是 IND003 的参数 roles")
APPROVE_PLAN = Duty(
    "approve_plan", "审批回访计划", "回访计划.部门主管",
    roles=(SUPERVISOR,), barred=(SALES,), only=True,
    not_person="本计划的编制人",
    source="私募回访规定范本 附件二（编制人与部门主管分别签字）；"
           "投顾回访指引范本 第十一条（回访计划上报营业部总经理审批）。"
           "由谁审批是 PLN002 的参数 roles")

DUTIES = (CALLBACK, REVIEW, APPROVE_PLAN)


def is_sales(role: str | None) -> bool:
    """A 营销人员: the role every independence rule keeps away from the customers' callbacks."""
    return role == SALES


class StaffRoles:
    """工号 -> 岗位 of a workbook's 人员 sheet (the first row of a 工号, as the rules index it)."""

    def __init__(self, ids: list, roles: list) -> None:
        self.of: dict = {}
        for i, r in zip(ids, roles):
            if i is not None and i not in self.of:
                self.of[i] = r
        self._verdicts: dict = {}

    def barred(self, duty: Duty, kind: str | None = None) -> frozenset:
        """The 工号 of the staff whose role may never do `duty` (for a callback, of `kind`):
        `w in barred(duty, kind)` is `known(w) and not duty.allows(role(w), kind)`, the verdict
        worked out once per role and kind, not once per record."""
        key = ("allows", duty.key, kind)
        got = self._verdicts.get(key)
        if got is None:
            roles = duty.barred_roles(kind)
            got = self._verdicts[key] = frozenset(w for w, r in self.of.items() if r in roles)
        return got

    def refused(self, duty: Duty, allowed: tuple[str, ...] | None = None) -> frozenset:
        """The 工号 of the staff `duty.permits` refuses (an `only` duty, `allowed` the rule's
        parameter): `w in refused(duty, allowed)` is `known(w) and not duty.permits(role(w), allowed)`."""
        key = ("permits", duty.key, None if allowed is None else tuple(allowed))
        got = self._verdicts.get(key)
        if got is None:
            got = self._verdicts[key] = frozenset(w for w, r in self.of.items() if not duty.permits(r, allowed))
        return got

    @classmethod
    def of_table(cls, staff) -> StaffRoles:
        return cls(staff.col("工号"), staff.col("岗位"))

    def role(self, who) -> str | None:
        return self.of.get(who)

    def known(self, who) -> bool:
        return who in self.of

    def callers(self, kind: str | None, developer=None) -> list:
        """The staff the planner may give a callback of `kind` to: those whose work it is, or if none
        of them may, those who may stand in (sorted by 工号 within each)."""
        for tier in CALLBACK.planned(kind):
            ok = sorted(w for w, r in self.of.items() if r in tier and w != developer)
            if ok:
                return ok
        return []


def table() -> list[tuple[str, str, str, str, str]]:
    """The policy as rows a page shows: duty, column, whose work, may stand in, may not."""
    def barred(d: Duty) -> str:
        parts = ["、".join(d.barred)] if d.barred else []
        parts += [f"{'、'.join(kinds)}：{'、'.join(roles)}" for kinds, roles in d.barred_for]
        if d.only:
            parts.append("其他岗位")
        if d.not_person:
            parts.append(f"不得是{d.not_person}")
        return "；".join(parts) or "—"
    return [(d.title, d.column, "、".join(d.roles), "、".join(d.stand_in) or "—", barred(d)) for d in DUTIES]


def markdown() -> str:
    """The policy as a Markdown table for the site (参考 → 岗位与回避)."""
    lines = ["| 职责 | 登记在 | 由谁负责 | 可以替代 | 不允许 |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in table()]
    lines += ["", "依据：", ""] + [f"- {d.title}：{d.source}" for d in DUTIES]
    return "\n".join(lines)


__all__ = ["CALLBACK", "REVIEW", "APPROVE_PLAN", "DUTIES", "IA_KINDS", "Duty", "StaffRoles", "is_sales",
           "table", "markdown", "CALLER", "SALES", "ADVISER", "SERVICE", "SUPERVISOR", "COMPLIANCE"]
