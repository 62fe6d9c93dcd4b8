"""Run the rule catalogue over workbooks and build the report (cli.md, `huifang validate`)."""
from __future__ import annotations

import gc
import json
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from generator.workbook import contract as K
from generator.config import Config
from generator.output import WORKBOOK_SUFFIXES, is_output_folder
from generator.workbook.reader import Workbook, read_workbook
from generator.rules import ORDER, RULES, SEVERITY_LABEL
from generator.rules.context import Context, Due, Hit
from generator.workbook.values import clip_quotes, one_line, printable
from generator.rules.workdays import WorkCalendar
from generator.workbook.inspect import ReadError, shown

_SHEET_RANK = {name: i for i, name in enumerate(K.SHEET_ORDER)}


@dataclass
class Finding:
    rule: str
    severity: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    customer: str | None
    message: str
    cell: str | None = None      # "F12" when the column is known
    due: date | None = None      # the deadline that applied
    actual: date | datetime | None = None    # what was done, when it was done
    provisional: bool = False    # the deadline came from a provisional calendar
    days_late: int | None = None  # past the deadline: when it was done, or (overdue) on the day of the check

    @property
    def title(self) -> str:
        return RULES[self.rule].title

    @property
    def source(self) -> str:
        """The documents and articles the rule rests on."""
        return RULES[self.rule].source_text()


    @property
    def where(self) -> str:
        if self.sheet is None:
            return "（整体）"
        if self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.row:
            return f"{self.sheet}!第{self.row}行" + (f"（{self.column}）" if self.column else "")
        return self.sheet

    def as_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "file": self.file, "sheet": self.sheet,
                "row": self.row, "column": self.column, "customer": self.customer, "message": self.message,
                "title": self.title, "cell": self.cell, "source": self.source,
                "due": self.due.isoformat() if self.due else None,
                "actual": self.actual.isoformat(sep=" ", timespec="minutes") if isinstance(self.actual, datetime)
                else (self.actual.isoformat() if self.actual else None),
                "days_late": self.days_late, "provisional": self.provisional}


@dataclass
class Pending:
    rule: str
    file: str
    sheet: str | None
    row: int | None
    customer: str | None
    due: date
    callback: str
    message: str
    provisional: bool = False

    def as_json(self) -> dict:
        return {"rule": self.rule, "file": self.file, "sheet": self.sheet, "row": self.row,
                "customer": self.customer, "due": self.due.isoformat(), "callback": self.callback,
                "message": self.message, "provisional": self.provisional}


@dataclass
class BookResult:
    path: Path
    book: Workbook
    ctx: Context
    findings: list[Finding] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.book.unit

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


@dataclass
class Report:
    as_of: date
    since: date
    config: Config
    books: list[BookResult]
    skipped: list = field(default_factory=list)     # (path, reason) of files a folder run passed over

    @property
    def findings(self) -> list[Finding]:
        return [f for b in self.books for f in b.findings]

    @property
    def pending(self) -> list[Pending]:
        return [p for b in self.books for p in b.pending]

    def count(self, severity: str) -> int:
        return sum(b.count(severity) for b in self.books)

    @property
    def exit_code(self) -> int:
        return 1 if self.count("error") else 0

    def as_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat(),
            "summary": {"files": len(self.books), "errors": self.count("error"),
                        "warnings": self.count("warning"), "pending": len(self.pending)},
            "findings": [f.as_json() for f in self.findings],
            "pending": [p.as_json() for p in self.pending],
            "skipped": [{"file": str(p), "reason": why} for p, why in self.skipped],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2)


def collect_paths(paths: list[str | Path], skipped: list | None = None) -> list[Path]:
    """Files and folders to workbooks: every workbook (.xlsx .xlsm .xls .xlsb .ods .et) under a
    folder. Lock files (~$), other files, the folders huifang wrote and the folders and files the
    user may not read (a colleague's folder on a share) are skipped; each one is appended to
    `skipped` as (path, reason) when a list is given."""
    out: list[Path] = []
    skip = skipped if skipped is not None else []

    def denied(e: OSError) -> None:
        skip.append((Path(e.filename) if e.filename else p, _unreadable(e)))

    for p in map(Path, paths):
        if p.is_dir() and p.suffix.lower() not in WORKBOOK_SUFFIXES:
            found = []
            for root, dirs, files in os.walk(p, onerror=denied):
                keep = []
                for d in sorted(dirs):
                    if d.startswith(".~huifang"):
                        continue
                    try:
                        ours = is_output_folder(Path(root) / d)
                    except OSError as e:
                        skip.append((Path(root) / d, _unreadable(e)))
                        continue
                    if ours:
                        skip.append((Path(root) / d, "huifang 写出的文件夹"))
                    else:
                        keep.append(d)
                dirs[:] = keep
                for f in sorted(files):
                    path = Path(root) / f
                    if f.startswith(".~huifang") or f == ".huifang-output":
                        continue
                    if f.startswith("~$"):
                        skip.append((path, "Excel 或 WPS 打开文件时留下的锁文件"))
                    elif path.suffix.lower() not in WORKBOOK_SUFFIXES:
                        skip.append((path, f"不是工作簿（{path.suffix or '没有扩展名'}）"))
                    elif not os.access(path, os.R_OK):
                        skip.append((path, "没有读取权限"))
                    else:
                        found.append(path)
            found.sort()
            if not found:
                raise ReadError(f"{shown(p)}：文件夹中没有可以读取的工作簿（.xlsx、.xls、.et、.ods 等）")
            out.extend(found)
        else:
            out.append(p)
    return out


def _unreadable(e: OSError) -> str:
    return "没有读取权限" if isinstance(e, PermissionError) else f"无法读取（{e.strerror or type(e).__name__}）"


def default_period(as_of: date | None, since: date | None) -> tuple[date, date]:
    as_of = as_of or date.today()
    return as_of, since or date(as_of.year, 1, 1)


def validate_paths(paths: list[str | Path], config: Config, as_of: date | None = None,
                   since: date | None = None) -> Report:
    """Read and check every workbook. Raises ReadError for a file that cannot be read."""
    as_of, since = default_period(as_of, since)
    if since > as_of:
        raise ValueError(f"--since {since} 晚于 --as-of {as_of}")
    contract = K.build_contract(config.banks)
    cal = WorkCalendar(config.calendar_years)
    books = []
    skipped: list = []
    for path in collect_paths(paths, skipped):
        with paused_gc():
            book = read_workbook(path, contract)
            books.append(check_book(book, config, as_of, since, cal))
    return Report(as_of, since, config, books, skipped)


@contextmanager
def paused_gc():
    """No cyclic garbage collection while a workbook is read and checked.

    Reading a large unit allocates millions of container objects that all stay alive; the
    collector would traverse them again and again (10 s of 55 s at a million records) and
    find nothing, since the reader makes no reference cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def make_context(book: Workbook, config: Config, as_of: date, since: date, cal: WorkCalendar) -> Context:
    """The context every rule sees, with the records that count for no rule already set aside."""
    ctx = Context(book, as_of, since, cal, config.banks)
    for rid in ORDER:                       # rules that change which records count run first
        s = config.settings(rid)
        if s.enabled and RULES[rid].excludes is not None:
            ctx.void_reason.update(RULES[rid].excludes(ctx, s))
    ctx.void = set(ctx.void_reason)
    return ctx


def rule_hits(ctx: Context, config: Config, only=None):
    """(rule id, settings, Hit or Due) of every enabled rule (those `only(rule)` accepts), each
    judged from the day its parameters took effect, in catalogue order."""
    for rid in ORDER:
        s = config.settings(rid)
        r = RULES[rid]
        if not s.enabled or (only is not None and not only(r)):
            continue
        view = ctx.for_rule(r.effective) if r.effective else ctx
        for hit in r.check(view, s):
            yield rid, s, hit


def check_book(book: Workbook, config: Config, as_of: date, since: date, cal: WorkCalendar) -> BookResult:
    ctx = make_context(book, config, as_of, since, cal)
    result = BookResult(book.path, book, ctx)
    file = str(book.path)
    for rid, s, hit in rule_hits(ctx, config):
        if isinstance(hit, Due):
            result.pending.append(Pending(rid, file, hit.sheet, hit.row, hit.customer, hit.due,
                                          hit.callback, hit.message, hit.provisional))
        else:
            result.findings.append(_finding(book, rid, s.severity, file, hit, as_of))
    result.findings.sort(key=_order(book))
    result.pending.sort(key=lambda p: (p.due, p.customer or "", p.rule))
    return result


def _finding(book: Workbook, rid: str, severity: str, file: str, hit: Hit, as_of: date) -> Finding:
    cell = hit.cell
    if cell is None and hit.sheet is not None and hit.row is not None and hit.column is not None:
        table = book.tables.get(hit.sheet)
        letter = table.letter(hit.column) if table else None
        if letter:
            cell = f"{letter}{hit.row}"
    late = None
    if hit.due is not None:
        day = hit.actual.date() if isinstance(hit.actual, datetime) else (hit.actual or as_of)
        late = max((day - hit.due).days, 0)
    return Finding(rid, severity, file, hit.sheet, hit.row, hit.column, hit.customer, printable(hit.message), cell,
                   hit.due, hit.actual, hit.provisional, late)


def _order(book: Workbook):
    def key(f: Finding):
        table = book.tables.get(f.sheet) if f.sheet else None
        col_rank = 0
        if table is not None and f.column:
            letter = table.letter(f.column) or ""
            col_rank = (len(letter), letter)
        else:
            col_rank = (0, "")
        return (f.sheet is not None, _SHEET_RANK.get(f.sheet, 99), f.row or 0, col_rank, f.rule)
    return key


# ------------------------------------------------------------------ text report

def render_text(report: Report, color: bool = False) -> str:
    import click

    def style(text, **kw):
        return click.style(text, **kw) if color else text

    lines: list[str] = []
    for b in report.books:
        lines.append(style(one_line(f"{b.path}（{b.unit}）"), bold=True))
        if b.book.macros:
            lines.append("  注意：工作簿含宏，huifang 只读取数据，不运行宏")
        for note in b.book.notes:
            lines.append(f"  注意：{note}")
        if not b.findings:
            lines.append(style("  没有发现问题", fg="green"))
        current = object()
        for f in b.findings:
            if f.sheet != current:
                current = f.sheet
                lines.append(style(f"  【{f.sheet or '整体指标'}】", bold=True))
            sev = SEVERITY_LABEL[f.severity]
            tag = style(f"[{sev}]", fg="red" if f.severity == "error" else "yellow", bold=True)
            who = f"  客户 {one_line(f.customer)}" if f.customer else ""
            lines.append(f"    {one_line(f.where)}{who}  {tag} {f.rule} {f.title}")
            lines.append(f"        {one_line(clip_quotes(f.message, 40))}")
            lines.append(style(f"        处理：{RULES[f.rule].fix}", dim=True))
            lines.append(style(f"        依据：{f.source}", dim=True))
        if b.pending:
            lines.append(f"  待办 {len(b.pending)} 项（截止日未到），最近的："
                         + one_line("；".join(f"{p.customer or ''} {p.callback} 截止 {p.due}" for p in b.pending[:3])))
        lines.append("")
    if report.skipped:
        lines.append(f"跳过的文件 {len(report.skipped)} 个：")
        lines += [f"  {one_line(str(p))}：{why}" for p, why in report.skipped]
        lines.append("")
    per_rule = Counter(f.rule for f in report.findings)
    if per_rule:
        lines.append("按规则统计：")
        lines += [f"  {rid:<8}{n:>5} 条  {RULES[rid].title}" for rid, n in sorted(per_rule.items())]
    summary = (f"共 {len(report.books)} 个工作簿：错误 {report.count('error')} 条，警告 {report.count('warning')} 条，"
               f"待办 {len(report.pending)} 项（检查日 {report.as_of}，检查期间自 {report.since}）")
    lines.append(style(summary, bold=True, fg="red" if report.exit_code else "green"))
    return "\n".join(lines) + "\n"
