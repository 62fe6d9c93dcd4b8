"""`huifang site`: the compliance status pages and the procedure manual, built with mkdocs.

The status pages show customers only by 客户编号 and masked name; every message passes
through the Masker, so no 证件号码, 手机 or full name reaches the built site or its search
index. The pages are laid out by the Jinja2 templates of generator/site/templates (unit.md.j2,
overview.md.j2, the shared pieces in _blocks.md.j2): Markdown with HTML blocks, in which every
{{ value }} that is not already page markup passes through the page's PageText (_page_value). The
site is built into a temporary folder and moved into place whole.
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

import jinja2
from markupsafe import Markup

from generator.site import hooks as sitehooks
from generator import scratch
from generator.output import OutputError, check_replaceable, fit, replace_dir, windows_reserved, write_failure
from generator.privacy import Masker, mask_name
from generator.rules.context import iso
from generator.rules import GROUPS, RULES, SEVERITY_LABEL
from generator.site.facts import DEADLINE_GROUPS, SiteFacts, facts_of, month_points
from generator.site.svg import bars, shares
from generator.site.trendview import TrendView, views
from generator.ledger.trends import UnitTrend, unit_trends
from generator import resources
from generator.validate import BookResult, Report
from generator.names import shown
from generator.workbook.values import clip_quotes

WORKLIST_DAYS = 14
MAX_ROWS = 500          # rows per table on a status page; the report has them all


def slug(unit: str, mask=None) -> str:
    """A unit's page name: the name masked (`mask`, the site's Masker: a phone or ID number in a
    unit's name never reaches a file name, a link or the search index), its letters and digits
    kept, short enough for any file system; never `index` (the overview) nor a name Windows keeps
    for a device."""
    text = mask(unit) if mask is not None else unit
    name = fit("".join(ch if ch.isalnum() else "-" for ch in text).strip("-") or "unit", len("-99999.md"))
    name = name.replace("~", "-")        # (fit's mark of a shortened name: plain in a link)
    return f"unit-{name}" if name.casefold() == "index" or windows_reserved(name) else name


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

    def __call__(self, value, clip: int | None = None) -> Markup:
        if value is None:
            return Markup("")
        s = _BREAKS.sub(" ", self.masker(value)).strip()
        s = clip_quotes(s, self.quote_chars)
        if clip is not None and len(s) > clip:
            s = s[:clip] + "…"
        return Markup(_SPECIAL.sub(lambda m: _ENTITY[m.group(0)], s))

    def customer(self, code, name) -> Markup:
        if not code:
            return Markup("")
        return self(f"{code} {mask_name(name)}".strip())


class UnitPage:
    """What a unit's status page shows (unit.md.j2 lays it out); `name` is its file name."""

    def __init__(self, b: BookResult, report: Report, text: PageText, name: str = "",
                 trend: TrendView | None = None, facts: SiteFacts | None = None) -> None:
        self.b, self.report, self.t, self.name, self.trend = b, report, text, name, trend
        self.facts = facts if facts is not None else facts_of(b, report)

    @property
    def href(self) -> Markup:
        """The link to this page: its file name is letters, digits and dashes of the masked unit
        name (slug), so it is written as it is, not masked or escaped again."""
        return Markup(self.name + ".md")

    def who(self, code) -> str:
        return self.t.customer(code, self.facts.customers.get(code))

    @property
    def shares(self) -> list[tuple[str, float, float, str]]:
        """(label, share %, target %, rule) for the current period of every coverage rule: the rules'
        own figures (rule.figures), the same the check judges."""
        return self.facts.shares

    def monthly(self) -> tuple[list[str], list[int]]:
        labels, values = self.facts.monthly
        return list(labels), list(values)

    # ------------------------------------------------------------------ who is involved
    @cached_property
    def _involved(self) -> dict[int, tuple]:
        return {id(f): got for f, got in zip(self.b.findings, self.facts.involved)}

    def person(self, code, name=None) -> str:
        if not code:
            return ""
        return self.t(f"{name}（{code}）" if name else code)

    def involved(self, f) -> str:
        """Who to talk to about a deadline finding: the record's 回访人员, else the customer's 开发人员."""
        got = self._involved.get(id(f))
        if got is None:
            return ""
        label, code, name = got
        return Markup(label + " ") + self.person(code, name)

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

    def fix(self, f) -> str:
        return self.t(RULES[f.rule].fix)

    def title(self, rid: str) -> str:
        return self.t(RULES[rid].title)

    @cached_property
    def others(self) -> list:
        """Findings not in the overdue or late worklists, errors first."""
        shown = {id(f) for f in self.overdue} | {id(f) for f in self.late}
        return sorted((f for f in self.b.findings if id(f) not in shown), key=lambda f: f.severity != "error")

    @cached_property
    def per_rule(self) -> list[tuple[str, int]]:
        return sorted(Counter(f.rule for f in self.b.findings).items())

    def monthly_chart(self) -> Markup:
        labels, values = self.monthly()
        return Markup(bars(f"{self.report.as_of.year} 年每月完成的回访（条）", labels, values))

    # ------------------------------------------------------------------ the overview's row
    @property
    def overdue_count(self) -> int:
        return len(self.overdue)

    @property
    def worst(self) -> str:
        b = self.b
        return "error" if self.overdue or b.count("error") else ("warning" if b.count("warning") else "ok")

    def share_of(self, rid: str) -> str:
        """A coverage rule's share now and its target, or a dash."""
        got = {r: f"{s:.1f}%（目标 {g:g}%）" for _, s, g, r in self.shares}
        return got.get(rid, "—")

    def markdown(self) -> str:
        return _render("unit.md.j2", t=self.t, page=self, b=self.b, r=self.report)


WHO_NOTE = "“相关人员”是记录的回访人员或客户的开发人员，可向其了解情况；回访由回访专员进行。"

_BADGE = {"error": ("hf-error", "错误"), "warning": ("hf-warning", "警告")}


def badge_of(severity: str) -> tuple[str, str]:
    """(class, label) of a severity badge."""
    return _BADGE.get(severity, ("hf-zero", SEVERITY_LABEL.get(severity, severity)))


def urgency(page: UnitPage) -> tuple:
    """Units in order of what needs doing: overdue work, then errors, then what falls due soon."""
    b = page.b
    return (-len(page.overdue), -b.count("error"), -page.falling_due, -b.count("warning"), b.unit)


def overview(report: Report, pages: list[UnitPage], t: PageText) -> str:
    return _render("overview.md.j2", t=t, report=report, pages=sorted(pages, key=urgency))


# ------------------------------------------------------------------ the templates

def _page_value(context, value):
    """Every {{ value }} of a status page template: page markup (a macro's output, PageText's result)
    as it is; any other text through the page's PageText, so no workbook text reaches a page
    unmasked or unescaped by being forgotten; numbers and dates as they print."""
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value
    if isinstance(value, str):
        return context["t"](value)
    return value


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("generator.site", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, finalize=jinja2.pass_context(_page_value))
    env.filters.update(
        # front matter: the page text as a JSON string, which is a YAML string
        title_json=jinja2.pass_context(lambda ctx, s: Markup(json.dumps(str(ctx["t"](s)), ensure_ascii=False))),
        day=lambda d: "" if d is None else iso(d),
        moment=lambda at: at.replace("T", " ")[:16],
        g=lambda x: f"{x:g}",
        shown=shown)      # a file name as the user knows it (not UTF-8: decoded as GB 18030, or escaped)
    env.globals.update(MAX_ROWS=MAX_ROWS, WORKLIST_DAYS=WORKLIST_DAYS, WHO_NOTE=WHO_NOTE, RULES=RULES,
                       GROUPS=GROUPS, SEVERITY_LABEL=SEVERITY_LABEL, badge_of=badge_of,
                       shares=lambda title, rows: Markup(shares(title, [(a, s, g) for a, s, g, _ in rows])))
    return env


_ENV = _environment()


def _render(template: str, **values) -> str:
    return _ENV.get_template(template).render(**values)


def write_status(report: Report, docs: Path, trends: list[UnitTrend] | None = None) -> None:
    """The overview and one page per workbook; `trends` (trendview.trends_for) default to the
    month-ends of the report's check period."""
    status = docs / "status"
    shown = views(unit_trends(report, months=month_points(report)) if trends is None else trends, report.as_of)
    status.mkdir(parents=True, exist_ok=True)
    facts = [facts_of(b, report) for b in report.books]
    text = PageText(Masker(set().union(*(f.names for f in facts))))     # a unit's names masked in every unit's text
    pages = []
    used: set = set()
    for b, f in zip(report.books, facts):
        name = base = slug(b.unit, text.masker)
        n = 1
        while name.casefold() in used:      # a-b and A-B are one file on Windows and macOS
            n += 1
            name = f"{base}-{n}"
        used.add(name.casefold())
        pages.append(UnitPage(b, report, text, name, shown[b.unit], f))
    for page in pages:
        (status / f"{page.name}.md").write_text(page.markdown(), encoding="utf-8")
    (status / "index.md").write_text(overview(report, pages, text), encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def build_site(report: Report, out: Path, commands, trends: list[UnitTrend] | None = None) -> str:
    """Build the site into `out` from the report; `commands` is the click group the command-line
    reference page describes (handed down by the caller, so this layer never imports the CLI);
    `trends` as write_status takes them."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    given = out
    out = check_replaceable(Path(out), [b.path for b in report.books])
    try:    # beside the target, so the finished site moves into place by a rename
        out.parent.mkdir(parents=True, exist_ok=True)
        work = scratch.scratch_dir("site", out.parent)
    except OSError as e:
        raise write_failure(given, e) from None
    collect = _Collect()
    log = logging.getLogger("mkdocs")
    log.addHandler(collect)
    try:
        docs = work / "docs"
        shutil.copytree(resources.path(resources.MANUAL), docs)
        write_status(report, docs, trends)
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
            raise write_failure(given, e) from None
    finally:
        log.removeHandler(collect)
        scratch.remove(work)
    n = sum(1 for _ in out.rglob("*.html"))
    return (f"已构建站点：{shown(out)}（{n} 个页面；检查日 {report.as_of}，错误 {report.count('error')} 条，"
            f"警告 {report.count('warning')} 条，待办 {len(report.pending)} 项）。"
            f"用浏览器打开 {shown(out / 'index.html')}；"
            "整个文件夹可以放到共享文件夹或 Web 服务器上")
