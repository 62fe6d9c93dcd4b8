"""`huifang site`: the compliance status pages and the procedure manual, built with mkdocs.

The status pages show customers only by 客户编号 and masked name; every message passes
through the Masker, so no 证件号码, 手机 or full name reaches the built site or its search
index. The site is built into a temporary folder and moved into place whole.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
from collections import Counter
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from generator.site import hooks as sitehooks
from generator import periods
from generator import scratch
from generator.output import OutputError, check_replaceable, fit, replace_dir, write_failure
from generator.privacy import Masker, mask_name
from generator.rules.context import iso
from generator.rules import GROUPS, ORDER, RULES, SEVERITY_LABEL
from generator.site.svg import bars, shares
from generator import resources
from generator.validate import BookResult, Report
from generator.workbook.values import clip_quotes

WORKLIST_DAYS = 14
MAX_ROWS = 500          # rows per table on a status page; the report has them all
DEADLINE_GROUPS = ("deadline", "coverage")


def slug(unit: str) -> str:
    """A unit's page name: letters and digits kept, short enough for any file system."""
    return fit("".join(ch if ch.isalnum() else "-" for ch in unit).strip("-") or "unit", len("-99999.md"))


_ENTITY = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+!|~=$^%@:"}
_ENTITY.update({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITY)) + "]")
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f]+")


class PageText:
    """The one door through which workbook text enters a status page.

    Every value is masked (names, phones, ID numbers, e-mails), then clipped, then escaped for
    both HTML and Markdown: each character that either language treats specially becomes a
    character reference, so cell text is shown as typed and never becomes a tag, a link, an
    attribute list, a table column or a manual token."""

    def __init__(self, masker: Masker, quote_chars: int = 20) -> None:
        self.masker = masker
        self.quote_chars = quote_chars

    def __call__(self, value, clip: int | None = None) -> str:
        if value is None:
            return ""
        s = _BREAKS.sub(" ", self.masker(value)).strip()
        s = clip_quotes(s, self.quote_chars)
        if clip is not None and len(s) > clip:
            s = s[:clip] + "…"
        return _SPECIAL.sub(lambda m: _ENTITY[m.group(0)], s)

    def customer(self, code, name) -> str:
        if not code:
            return ""
        return self(f"{code} {mask_name(name)}".strip())


def _rule(rid: str) -> str:
    return f"[{rid}](../rules/{rid}.md)"


class UnitPage:
    def __init__(self, b: BookResult, report: Report, text: PageText) -> None:
        self.b, self.report, self.t = b, report, text
        cust = b.book["客户"]
        self.names = dict(zip(cust.col("客户编号"), cust.col("客户名称")))

    def who(self, code) -> str:
        return self.t.customer(code, self.names.get(code))

    @cached_property
    def shares(self) -> list[tuple[str, float, float, str]]:
        """(label, share %, target %, rule) for the current period of every coverage rule: the rules'
        own figures (rule.figures), the same the check judges."""
        ctx, cfg = self.b.ctx, self.report.config
        out = []
        for rid in ORDER:
            r, s = RULES[rid], cfg.settings(rid)
            if r.figures is None or not s.enabled:
                continue
            f = r.figures(ctx, s, periods.containing(s.values.get("period", periods.YEAR), self.report.as_of))
            if f.base:
                out.append((f"{f.label}（{len(f.done)}/{len(f.base)}）", f.share, f.target, rid))
        return out

    def monthly(self) -> tuple[list[str], list[int]]:
        year = self.report.as_of.year
        counts = Counter(d.month for i, d in enumerate(self.b.ctx.rec_day)
                         if d is not None and d.year == year and d <= self.report.as_of and self.b.ctx.rec_completed[i])
        months = range(1, (self.report.as_of.month if self.report.as_of.year == year else 12) + 1)
        return [f"{m}月" for m in months], [counts[m] for m in months]

    # ------------------------------------------------------------------ who is involved
    @cached_property
    def _staff(self) -> dict:
        st = self.b.book["人员"]
        return {c: n for c, n in zip(st.col("工号"), st.col("姓名")) if c is not None}

    @cached_property
    def _record_at(self) -> dict[int, int]:
        return {r: i for i, r in enumerate(self.b.book["回访记录"].rows)}

    def person(self, code) -> str:
        if not code:
            return ""
        name = self._staff.get(code)
        return self.t(f"{name}（{code}）" if name else code)

    def involved(self, f) -> str:
        """Who to talk to about a finding: the record's 回访人员, else the customer's 开发人员."""
        if f.sheet == "回访记录" and f.row in self._record_at:
            who = self.b.book["回访记录"].col("回访人员")[self._record_at[f.row]]
            if who:
                return f"回访人员 {self.person(who)}"
        if f.customer:
            i = self.b.ctx.cust_index.get(f.customer)
            dev = self.b.book["客户"].col("开发人员")[i] if i is not None else None
            if dev:
                return f"开发人员 {self.person(dev)}"
        return ""

    # ------------------------------------------------------------------ sections
    def _undone(self) -> list:
        return [f for f in self.b.findings if RULES[f.rule].group in DEADLINE_GROUPS and f.actual is None and f.due]

    @cached_property
    def overdue(self) -> list:
        """Deadlines passed with nothing done (逾期, as the README defines it: the deadline is
        before the check date): the work to do now, the longest overdue first."""
        got = [f for f in self._undone() if f.due < self.report.as_of]
        return sorted(got, key=lambda f: (-(f.days_late or 0), f.due, f.customer or "", f.rule))

    @cached_property
    def due_today(self) -> list:
        """Findings whose deadline is the check date itself (a year's coverage judged on 12-31):
        not overdue yet, still to be done today; listed first among what falls due."""
        got = [f for f in self._undone() if f.due >= self.report.as_of]
        return sorted(got, key=lambda f: (f.due, f.severity != "error", f.customer or "", f.rule))

    @cached_property
    def late(self) -> list:
        got = [f for f in self.b.findings if RULES[f.rule].group in DEADLINE_GROUPS and f.actual is not None]
        return sorted(got, key=lambda f: (-(f.days_late or 0), f.customer or "", f.rule))

    @cached_property
    def soon(self) -> list:
        limit = self.report.as_of + timedelta(days=WORKLIST_DAYS)
        return [p for p in self.b.pending if p.due <= limit]

    @property
    def falling_due(self) -> int:
        """What falls due within WORKLIST_DAYS, today's findings included."""
        return len(self.due_today) + len(self.soon)

    def remaining(self, due) -> str:
        days = (due - self.report.as_of).days
        return "今天到期" if days <= 0 else f"{days} 天"

    def what(self, f) -> str:
        dl = RULES[f.rule].deadline
        return self.t(dl.callback if dl else RULES[f.rule].title)

    def markdown(self) -> str:
        b, r, t = self.b, self.report, self.t
        overdue, late, soon = self.overdue, self.late, self.soon
        shown = {id(f) for f in overdue} | {id(f) for f in late}
        others = sorted((f for f in b.findings if id(f) not in shown), key=lambda f: f.severity != "error")
        # the page title is given, escaped: mkdocs would otherwise take it from the heading unescaped
        lines = ["---", f"title: {json.dumps(t(b.unit), ensure_ascii=False)}", "---", "", f"# {t(b.unit)}", "",
                 summary_badges(b.count("error"), b.count("warning"), len(overdue), self.falling_due), "",
                 f"!!! info \"检查日 {r.as_of}\"",
                 f"    检查期间 {r.since} 至 {r.as_of}；工作簿 {t(b.path.name)}。待办共 {len(b.pending)} 项。", ""]
        lines += ["## 现在要做：逾期未完成", ""]
        if overdue:
            lines += [f"截止日已过、还没有完成的回访，逾期最久的在前（共 {len(overdue)} 项）。{WHO_NOTE}", ""]
            lines += work_table(("逾期", "客户", "应做的回访", "截止日", "相关人员", "怎么处理", "规则"), [
                (f.severity, [f"{f.days_late} 天", self.who(f.customer) or "（全营业部）", self.what(f), str(f.due),
                              self.involved(f), t(RULES[f.rule].fix), f"{_rule(f.rule)} {severity_badge(f.severity)}"])
                for f in overdue[:MAX_ROWS]])
            if len(overdue) > MAX_ROWS:
                lines += ["", f"共 {len(overdue)} 项，此处列出逾期最久的 {MAX_ROWS} 项。"]
        else:
            lines.append("没有逾期未完成的回访。")
        lines += ["", f"## 即将到期：{WORKLIST_DAYS} 天内", ""]
        today = self.due_today
        if today or soon:
            if today:
                lines += [f"截止日就是检查日的 {len(today)} 项还没有逾期，今天完成仍然及时；它们已计入上面的错误和警告。", ""]
            lines += work_table(("剩余", "截止日", "客户", "应做的回访", "说明", "规则"), [
                (f.severity, [self.remaining(f.due), str(f.due), self.who(f.customer) or "（全营业部）", self.what(f),
                              t(f.message), f"{_rule(f.rule)} {severity_badge(f.severity)}"]) for f in today[:MAX_ROWS]] + [
                ("due", [self.remaining(p.due), str(p.due), self.who(p.customer), t(p.callback), t(p.message),
                         _rule(p.rule)]) for p in soon[:max(0, MAX_ROWS - len(today))]])
        else:
            lines.append(f"未来 {WORKLIST_DAYS} 天没有到期的回访。")
        later = b.pending[len(soon):]         # pending is sorted by deadline: soon is its head
        if later:
            lines += ["", f'??? note "另有 {len(later)} 项在 {WORKLIST_DAYS} 天之后到期"', ""]
            lines += [f"    - {p.due}　{self.who(p.customer)}　{t(p.callback)}：{t(p.message)}" for p in later[:MAX_ROWS]]
        lines += ["", "## 已迟到：完成了，但晚于截止日", ""]
        if late:
            lines += [f"这些回访已经做了，不必再做；请查明迟到的原因，避免再次发生。{WHO_NOTE}", ""]
            lines += work_table(("迟到", "客户", "回访", "截止日", "实际", "相关人员", "规则"), [
                (f.severity, [f"{f.days_late} 天", self.who(f.customer), self.what(f), str(f.due), t(iso(f.actual) if f.actual is not None else ''),
                              self.involved(f), f"{_rule(f.rule)} {severity_badge(f.severity)}"]) for f in late[:MAX_ROWS]])
        else:
            lines.append("没有迟到的回访。")
        lines += ["", "## 年度覆盖", ""]
        rows = self.shares
        if rows:
            lines += [shares(f"{r.as_of.year} 年覆盖率（虚线为目标）", [(a, share, goal) for a, share, goal, _ in rows]), ""]
            lines += ["| 指标 | 当前 | 目标 | 规则 |", "|---|---|---|---|"]
            lines += [f"| {a} | {share:.1f}% | {goal:g}% | {_rule(rid)} |" for a, share, goal, rid in rows]
        else:
            lines.append("没有需要计算覆盖率的客户。")
        labels, values = self.monthly()
        lines += ["", "## 每月完成的回访", "", bars(f"{r.as_of.year} 年每月完成的回访（条）", labels, values), ""]
        lines += ["## 其他问题", ""]
        if others:
            lines += ["回访记录、流程和数据方面的问题，错误在前。", ""]
            lines += work_table(("级别", "规则", "位置", "客户", "说明", "怎么处理"), [
                (f.severity, [severity_badge(f.severity), f"{_rule(f.rule)} {t(RULES[f.rule].title)}", t(f.where),
                              self.who(f.customer), t(f.message), t(RULES[f.rule].fix)]) for f in others[:MAX_ROWS]])
            if len(others) > MAX_ROWS:
                lines += ["", f"共 {len(others)} 条，此处列出前 {MAX_ROWS} 条；完整清单请运行 "
                              f"huifang validate {t(b.path.name)} --as-of {r.as_of} 或查看标注副本。"]
        else:
            lines.append("没有其他问题。")
        lines += ["", "## 按规则统计", ""]
        per = Counter(f.rule for f in b.findings)
        if per:
            lines += ["| 规则 | 级别 | 分类 | 条数 |", "|---|---|---|---|"]
            lines += [f"| {_rule(rid)} {RULES[rid].title} | {SEVERITY_LABEL[RULES[rid].severity]} | {GROUPS[RULES[rid].group]} | {n} |"
                      for rid, n in sorted(per.items())]
        else:
            lines.append("没有发现问题。")
        return "\n".join(lines) + "\n"


WHO_NOTE = "“相关人员”是记录的回访人员或客户的开发人员，可向其了解情况；回访由回访专员进行。"

_BADGE = {"error": ("hf-error", "错误"), "warning": ("hf-warning", "警告")}


def severity_badge(severity: str) -> str:
    cls, label = _BADGE.get(severity, ("hf-zero", SEVERITY_LABEL.get(severity, severity)))
    return f'<span class="hf-badge {cls}">{label}</span>'


def summary_badges(errors: int, warnings: int, overdue: int, soon: int) -> str:
    def one(cls, label, n):
        return f'<span class="hf-badge {cls if n else "hf-zero"}">{label} {n}</span>'
    return ('<div class="hf-summary">' + one("hf-error", "逾期未完成", overdue) + one("hf-error", "错误", errors)
            + one("hf-warning", "警告", warnings) + one("hf-due", f"{WORKLIST_DAYS} 天内到期", soon) + "</div>")


NUM = ' class="hf-num"'


def work_table(heads: tuple[str, ...], rows: list[tuple[str, list[str]]]) -> list[str]:
    """A worklist as an HTML table whose cells carry their column name (a card on a phone).
    Cells are already escaped page text; `markdown="span"` lets the rule links resolve."""
    out = ['<table class="hf-work" markdown>', "<thead><tr>" + "".join(f"<th>{h}</th>" for h in heads) + "</tr></thead>",
           "<tbody markdown>"]
    for cls, cells in rows:
        tds = "".join(f'<td data-label="{h}"{NUM if k == 0 else ""} markdown="span">{c}</td>'
                      for k, (h, c) in enumerate(zip(heads, cells)))
        out.append(f'<tr class="hf-{cls}" markdown>{tds}</tr>')
    out += ["</tbody>", "</table>", ""]
    return out


def urgency(page: "UnitPage") -> tuple:
    """Units in order of what needs doing: overdue work, then errors, then what falls due soon."""
    b = page.b
    return (-len(page.overdue), -b.count("error"), -page.falling_due, -b.count("warning"), b.unit)


def overview(report: Report, pages: list[tuple[str, UnitPage]], t: PageText) -> str:
    lines = ["# 合规状态", "", summary_badges(report.count("error"), report.count("warning"),
                                             sum(len(p.overdue) for _, p in pages), sum(p.falling_due for _, p in pages)),
             "", f"!!! info \"检查日 {report.as_of}\"",
             f"    检查期间 {report.since} 至 {report.as_of}；共 {len(report.books)} 个工作簿。营业部按紧急程度排列："
             "逾期未完成的回访最多的在前。", ""]
    rows = []
    for name, page in sorted(pages, key=lambda np: urgency(np[1])):
        b = page.b
        sh = {rid: f"{s:.1f}%（目标 {g:g}%）" for _, s, g, rid in page.shares}
        worst = "error" if page.overdue or b.count("error") else ("warning" if b.count("warning") else "ok")
        rows.append((worst, [f"[{t(b.unit)}]({name}.md)", _count(len(page.overdue), "hf-error"),
                             _count(b.count("error"), "hf-error"), _count(b.count("warning"), "hf-warning"),
                             _count(page.falling_due, "hf-due"), t(sh.get("STK001", "—")), t(sh.get("STK002", "—"))]))
    lines += work_table(("营业部", "逾期未完成", "错误", "警告", f"{WORKLIST_DAYS} 天内到期", "存量回访覆盖", "融资融券覆盖"), rows)
    lines += ["", f"合计：错误 {report.count('error')} 条，警告 {report.count('warning')} 条，待办 {len(report.pending)} 项。",
              "", "年度覆盖率在当年 12 月 31 日判定；年中显示的是截至检查日的进度。"]
    return "\n".join(lines) + "\n"


def _count(n: int, cls: str) -> str:
    return f'<span class="hf-badge {cls if n else "hf-zero"}">{n}</span>'


def write_status(report: Report, docs: Path) -> None:
    status = docs / "status"
    status.mkdir(parents=True, exist_ok=True)
    text = PageText(Masker.for_books([b.book for b in report.books]))
    pages = []
    used: set = set()
    for b in report.books:
        name = base = slug(b.unit)
        n = 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        pages.append((name, UnitPage(b, report, text)))
    for name, page in pages:
        (status / f"{name}.md").write_text(page.markdown(), encoding="utf-8")
    (status / "index.md").write_text(overview(report, pages, text), encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def build_site(report: Report, out: Path, commands) -> str:
    """Build the site into `out` from the report; `commands` is the click group the command-line
    reference page describes (handed down by the caller, so this layer never imports the CLI)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    shown = out
    out = check_replaceable(Path(out), [b.path for b in report.books])
    try:    # beside the target, so the finished site moves into place by a rename
        out.parent.mkdir(parents=True, exist_ok=True)
        work = scratch.scratch_dir("site", out.parent)
    except OSError as e:
        raise write_failure(shown, e) from None
    collect = _Collect()
    log = logging.getLogger("mkdocs")
    log.addHandler(collect)
    try:
        docs = work / "docs"
        shutil.copytree(resources.path(resources.MANUAL), docs)
        write_status(report, docs)
        built = work / "site"
        cfg = load_config(config_file=str(resources.path(resources.MKDOCS)), docs_dir=str(docs), site_dir=str(built),
                          strict=True, hooks=[str(resources.path(resources.HOOKS))])
        cfg["extra"][sitehooks.EXTRA_KEY] = report.config
        cfg["extra"][sitehooks.COMMANDS_KEY] = commands
        try:
            build(cfg)
        except (MkDocsException, SystemExit) as e:
            why = "；".join(collect.messages[:3]) or str(e)
            raise OutputError(f"站点构建失败：{why}") from None
        try:
            replace_dir(built, out, "site")
        except OSError as e:
            raise write_failure(shown, e) from None
    finally:
        log.removeHandler(collect)
        scratch.remove(work)
    n = sum(1 for _ in out.rglob("*.html"))
    return (f"已构建站点：{out}（{n} 个页面；检查日 {report.as_of}，错误 {report.count('error')} 条，"
            f"警告 {report.count('warning')} 条，待办 {len(report.pending)} 项）。用浏览器打开 {out / 'index.html'}；"
            "整个文件夹可以放到共享文件夹或 Web 服务器上")
