"""`huifang site`: the compliance status pages and the procedure manual, built with mkdocs.

The status pages show customers only by 客户编号 and masked name; every message passes
through the Masker, so no 证件号码, 手机 or full name reaches the built site or its search
index. The site is built into a temporary folder and moved into place whole.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections import Counter
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from generator.site import hooks as sitehooks
from generator import periods
from generator.output import OutputError, check_replaceable, replace_dir
from generator.privacy import Masker, mask_name
from generator.rules import GROUPS, ORDER, RULES, SEVERITY_LABEL
from generator.site.svg import bars, shares
from generator import resources
from generator.validate import BookResult, Report
from generator.workbook.values import clip_quotes

WORKLIST_DAYS = 14
MAX_ROWS = 500          # rows per table on a status page; the report has them all
DEADLINE_GROUPS = ("deadline", "coverage")


def slug(unit: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in unit).strip("-") or "unit"


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

    def markdown(self) -> str:
        b, r, t = self.b, self.report, self.t
        f_dead = [f for f in b.findings if RULES[f.rule].group in DEADLINE_GROUPS]
        soon = [p for p in b.pending if p.due <= r.as_of + timedelta(days=WORKLIST_DAYS)]
        # the page title is given, escaped: mkdocs would otherwise take it from the heading unescaped
        lines = ["---", f"title: {json.dumps(t(b.unit), ensure_ascii=False)}", "---", "", f"# {t(b.unit)}", "", f"!!! info \"检查日 {r.as_of}\"",
                 f"    检查期间 {r.since} 至 {r.as_of}；工作簿 {t(b.path.name)}。", "",
                 f"错误 **{b.count('error')}** 条，警告 **{b.count('warning')}** 条，待办 **{len(b.pending)}** 项"
                 f"（其中 {WORKLIST_DAYS} 天内到期 {len(soon)} 项）。", ""]
        lines += ["## 逾期和迟到的回访", ""]
        if f_dead:
            lines += ["| 规则 | 客户 | 位置 | 说明 |", "|---|---|---|---|"]
            lines += [f"| {_rule(f.rule)} {RULES[f.rule].title} | {self.who(f.customer)} | {t(f.where)} | {t(f.message)} |"
                      for f in f_dead[:MAX_ROWS]]
            if len(f_dead) > MAX_ROWS:
                lines += ["", f"共 {len(f_dead)} 条，此处列出前 {MAX_ROWS} 条。"]
        else:
            lines.append("没有逾期或迟到的回访。")
        lines += ["", f"## {WORKLIST_DAYS} 天内到期的工作清单", ""]
        if soon:
            lines += ["| 截止日 | 客户 | 回访 | 说明 | 规则 |", "|---|---|---|---|---|"]
            lines += [f"| {p.due} | {self.who(p.customer)} | {t(p.callback)} | {t(p.message)} | {_rule(p.rule)} |"
                      for p in soon[:MAX_ROWS]]
            if len(soon) > MAX_ROWS:
                lines += ["", f"共 {len(soon)} 项，此处列出最早到期的 {MAX_ROWS} 项。"]
        else:
            lines.append(f"未来 {WORKLIST_DAYS} 天没有到期的回访。")
        later = len(b.pending) - len(soon)
        if later:
            lines += ["", f"另有 {later} 项在 {WORKLIST_DAYS} 天之后到期。"]
        lines += ["", "## 年度覆盖", ""]
        rows = self.shares
        if rows:
            lines += [shares(f"{r.as_of.year} 年覆盖率（虚线为目标）", [(a, share, goal) for a, share, goal, _ in rows]), ""]
            lines += ["| 指标 | 当前 | 目标 | 规则 |", "|---|---|---|---|"]
            lines += [f"| {a} | {share:.1f}% | {goal:g}% | {_rule(rid)} |" for a, share, goal, rid in rows]
        labels, values = self.monthly()
        lines += ["", "## 每月完成的回访", "", bars(f"{r.as_of.year} 年每月完成的回访（条）", labels, values), ""]
        lines += ["## 按规则统计", ""]
        per = Counter(f.rule for f in b.findings)
        if per:
            lines += ["| 规则 | 级别 | 分类 | 条数 |", "|---|---|---|---|"]
            lines += [f"| {_rule(rid)} {RULES[rid].title} | {SEVERITY_LABEL[RULES[rid].severity]} | {GROUPS[RULES[rid].group]} | {n} |"
                      for rid, n in sorted(per.items())]
        else:
            lines.append("没有发现问题。")
        missing = [f for f in b.findings if f.rule == "RPT001"]        # the rule's own judgement
        if missing:
            lines += ["", "!!! warning \"缺少的回访报告\"", ""]
            lines += [f"    - {t(f.message)}" for f in missing[:MAX_ROWS]]
        lines += ["", "## 全部发现", ""]
        if b.findings:
            shown = b.findings[:MAX_ROWS]
            lines += ["| 级别 | 规则 | 位置 | 客户 | 说明 |", "|---|---|---|---|---|"]
            lines += [f"| {SEVERITY_LABEL[f.severity]} | {_rule(f.rule)} | {t(f.where)} | {self.who(f.customer)} | {t(f.message)} |"
                      for f in shown]
            if len(b.findings) > len(shown):
                lines += ["", f"共 {len(b.findings)} 条，此处列出前 {len(shown)} 条；完整清单请运行 "
                              f"huifang validate {t(b.path.name)} --as-of {r.as_of} 或查看标注副本。"]
        else:
            lines.append("没有发现问题。")
        return "\n".join(lines) + "\n"


def overview(report: Report, pages: list[tuple[str, UnitPage]], t: PageText) -> str:
    lines = ["# 合规状态", "", f"!!! info \"检查日 {report.as_of}\"",
             f"    检查期间 {report.since} 至 {report.as_of}；共 {len(report.books)} 个工作簿。", "",
             "| 营业部 | 错误 | 警告 | 待办 | 14 天内到期 | 存量回访覆盖 | 融资融券覆盖 |", "|---|---|---|---|---|---|---|"]
    for name, page in pages:
        b = page.b
        soon = sum(1 for p in b.pending if p.due <= report.as_of + timedelta(days=WORKLIST_DAYS))
        sh = {rid: f"{s:.1f}%（目标 {t:g}%）" for _, s, t, rid in page.shares}
        lines.append(f"| [{t(b.unit)}]({name}.md) | {b.count('error')} | {b.count('warning')} | {len(b.pending)} | {soon} | "
                     f"{sh.get('STK001', '—')} | {sh.get('STK002', '—')} |")
    lines += ["", f"合计：错误 {report.count('error')} 条，警告 {report.count('warning')} 条，待办 {len(report.pending)} 项。",
              "", "年度覆盖率在当年 12 月 31 日判定；年中显示的是截至检查日的进度。"]
    return "\n".join(lines) + "\n"


def write_status(report: Report, docs: Path) -> None:
    status = docs / "status"
    status.mkdir(parents=True, exist_ok=True)
    text = PageText(Masker.for_books([b.book for b in report.books]))
    pages = []
    used: set = set()
    for b in report.books:
        name = slug(b.unit)
        while name in used:
            name += "-2"
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


def build_site(report: Report, out: Path) -> str:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    shown = out
    out = check_replaceable(Path(out), [b.path for b in report.books])
    try:    # beside the target, so the finished site moves into place by a rename
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".~huifang-site-", dir=out.parent))
    except OSError as e:
        raise OutputError(f"{shown}：无法写入（{e.strerror}）") from None
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
        try:
            build(cfg)
        except (MkDocsException, SystemExit) as e:
            why = "；".join(collect.messages[:3]) or str(e)
            raise OutputError(f"站点构建失败：{why}") from None
        try:
            replace_dir(built, out, "site")
        except OSError as e:
            raise OutputError(f"{shown}：无法写入站点（{e.strerror}）") from None
    finally:
        log.removeHandler(collect)
        shutil.rmtree(work, ignore_errors=True)
    n = sum(1 for _ in out.rglob("*.html"))
    return (f"已构建站点：{out}（{n} 个页面；检查日 {report.as_of}，错误 {report.count('error')} 条，"
            f"警告 {report.count('warning')} 条，待办 {len(report.pending)} 项）")
