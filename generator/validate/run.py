"""Run the rule catalogue over workbooks and build the report (cli.md, `huifang validate`)."""
from __future__ import annotations

import codecs
import functools
import gc
import io
import logging
import os
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter, eq
from pathlib import Path

from generator.workbook import contract as K
from generator.config import Config
from generator.errors import HuifangError
from generator.validate import keys
from generator.output import WORKBOOK_SUFFIXES, is_output_folder
from generator.workbook.reader import Workbook, read_workbook
from generator.rules import RULES, RUN_ORDER, SEVERITY_LABEL
from generator.rules.context import Context, Due, Hit
from generator.workbook.values import all_printable, clip_quotes, one_line, plain_digits, printable
from generator.rules.workdays import WorkCalendar
from generator.validate.provenance import header_lines, input_facts, stamp
from generator.names import shown
from generator.workbook.inspect import ReadError, trim_memory

class PeriodError(HuifangError):
    """A check period that ends before it starts."""


_SHEET_RANK = {name: i for i, name in enumerate(K.SHEET_ORDER)}
_SEVERITY = attrgetter("severity")


@dataclass(slots=True)
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
    source: str = ""             # the documents and articles it rests on, the firm's own first (source_text)
    id: str = ""                 # the stable identity (validate/identity.py)
    status: str | None = None    # against --since-run: new / open
    first_seen: date | None = None   # open: the check day of the run that first recorded it

    @property
    def overdue(self) -> bool:
        """A callback still not done after its deadline (a deadline rule's finding, as the status pages count them)."""
        return bool(self.days_late) and self.actual is None and RULES[self.rule].deadline is not None

    @property
    def title(self) -> str:
        return RULES[self.rule].title

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
        return keys.obj(keys.FINDING, self)


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
        return keys.obj(keys.PENDING, self)


@dataclass
class BookResult:
    path: Path
    book: Workbook
    ctx: Context
    findings: list[Finding] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    reduced: object = None          # what validate_paths(reduce=...) kept of the workbook's cells

    @property
    def unit(self) -> str:
        return self.book.unit

    def count(self, severity: str) -> int:
        return sum(map(eq, repeat(severity), map(_SEVERITY, self.findings)))     # (in C: 90,000 findings in 2 ms)


@dataclass
class Report:
    as_of: date
    since: date
    config: Config
    books: list[BookResult]
    skipped: list = field(default_factory=list)     # (path, reason) of files a folder run passed over
    inputs: list = field(default_factory=list)      # provenance.InputFile of each workbook read
    recorded: int | None = None     # --record: this run's number in the ledger
    recorded_hash: str | None = None    # --record: its entry's hash in the chain (an anchor outside the ledger)
    ledger: str | None = None       # where the ledger is
    since_run: int | None = None    # --since-run: the run compared with
    since_run_as_of: date | None = None
    fixed: list = field(default_factory=list)       # --since-run: findings of that run gone now (ledger.diff.Fixed)
    fail_on: str = "any"            # "new": exit status 1 only for new errors

    @functools.cached_property
    def provenance(self):
        from generator.validate.provenance import provenance
        return provenance(self)

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
        if self.fail_on == "new":
            return 1 if any(f.severity == "error" and f.status == "new" for f in self.findings) else 0
        return 1 if self.count("error") else 0

    def as_json(self) -> dict:
        out = {}
        for k in keys.REPORT:
            value = k.get(self)
            out[k.name] = [keys.obj(keys.ITEMS[k.name], v) for v in value] if k.type == "array" else value
        return out

    def write_json(self, out) -> None:
        """The JSON report written as it is encoded: one finding (pending item, skipped file) a line,
        a chunk at a time (keys.encoded), so its memory is that of a chunk, not of the whole report.
        `out` takes bytes (UTF-8) when it is a binary stream, else text."""
        put = _bytes_writer(out)
        encode = keys.encode
        last = len(keys.REPORT) - 1
        put(b"{\n")
        for i, k in enumerate(keys.REPORT):
            comma = "," if i < last else ""
            if k.type != "array":
                put(keys.utf8(f'  "{k.name}": {encode(k.get(self))}{comma}\n'))
                continue
            put(keys.utf8(f'  "{k.name}": ['))
            before = b"\n    "            # the first chunk's; a separator before every other
            for text in keys.encoded(keys.ITEMS[k.name], k.get(self), ",\n    "):
                put(before)
                put(text)
                before = b",\n    "
            put((b"\n  ]" if before == b",\n    " else b"]") + comma.encode("ascii") + b"\n")
        put(b"}\n")

    def to_json(self) -> str:
        buf = io.BytesIO()
        self.write_json(buf)
        return buf.getvalue().decode("utf-8")


def _bytes_writer(out):
    """A writer of UTF-8 bytes to `out`: itself when it is binary; the bytes under standard output
    when it is UTF-8 and does not translate line ends (POSIX), once what it holds is out; else the
    text decoded, which the stream writes as it writes any text (a stream opened with
    newline="\r\n" ends each line with CR LF: a text stream does not tell how it ends lines)."""
    if isinstance(out, (io.RawIOBase, io.BufferedIOBase)):
        return out.write
    under = getattr(out, "buffer", None)
    try:
        encoding = codecs.lookup(getattr(out, "encoding", None) or "utf-8").name
    except LookupError:
        encoding = "ascii"
    if (isinstance(under, (io.RawIOBase, io.BufferedIOBase)) and os.linesep == "\n" and encoding == "utf-8"
            and out is sys.__stdout__):
        out.flush()
        return under.write
    if encoding in ("utf-8", "utf-16", "utf-32"):        # (a lone surrogate is escaped already)
        return lambda data: out.write(data.decode("utf-8"))
    # GBK (Chinese Windows), ASCII…: a character the stream has not is written as its JSON escape
    # (\u00e9, \ud83d\ude00) - they are only ever inside a JSON string - so the report stays JSON
    return lambda data: out.write(data.decode("utf-8").encode(encoding, _JSON_ESCAPE).decode(encoding))


def _json_escape(e: UnicodeEncodeError) -> tuple[str, int]:
    out = []
    for ch in e.object[e.start:e.end]:
        n = ord(ch)
        if n > 0xFFFF:
            n -= 0x10000
            out.append(f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}")
        else:
            out.append(f"\\u{n:04x}")
    return "".join(out), e.end


_JSON_ESCAPE = "huifang-json-escape"
codecs.register_error(_JSON_ESCAPE, _json_escape)


def source_text(rule_id: str, config: Config) -> str:
    """A rule's sources as one text under this configuration (the firm's 制度 first), built once
    per rule and configuration rather than once per finding; findings share the string."""
    text = config.cite_texts.get(rule_id)
    if text is None:
        text = config.cite_texts[rule_id] = RULES[rule_id].source_text(config.firm)
    return text


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
                    if f.startswith((".~huifang", LEDGER_FILE)) or f == ".huifang-output":
                        continue
                    if f.startswith("~$"):
                        skip.append((path, "Excel 或 WPS 打开文件时留下的锁文件"))
                    elif os.path.islink(path) and not os.path.exists(path):
                        skip.append((path, "符号链接打不开（指向的文件不存在，或链接成环）"))
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
    return _once(out, skip)


def _once(paths: list[Path], skip: list) -> list[Path]:
    """Each file once, however often it was named (twice, through a link, inside a folder also
    given): checked twice, its findings and its plans would count twice."""
    seen: set = set()
    out = []
    for p in paths:
        try:
            st = p.stat()
            key = (st.st_dev, st.st_ino) if st.st_ino else os.path.realpath(p)
        except OSError:
            key = os.path.realpath(p)       # unreadable: the reader says so
        if key in seen:
            skip.append((p, "与前面的输入是同一个文件"))
            continue
        seen.add(key)
        out.append(p)
    return out


def _unreadable(e: OSError) -> str:
    return "没有读取权限" if isinstance(e, PermissionError) else f"无法读取（{e.strerror or type(e).__name__}）"


def default_period(as_of: date | None, since: date | None) -> tuple[date, date]:
    as_of = as_of or date.today()
    return as_of, since or date(as_of.year, 1, 1)


def checked_period(as_of: date | None, since: date | None) -> tuple[date, date]:
    """default_period, refused (PeriodError) when it would end before it starts."""
    as_of, since = default_period(as_of, since)
    if since > as_of:
        raise PeriodError(f"--since {since} 晚于 --as-of {as_of}：检查期间的第一天不能晚于检查日")
    return as_of, since


LEDGER_FILE = "huifang-ledger.sqlite"     # the run ledger (and its journal) beside the workbooks is no input
JOBS_ENV = "HUIFANG_JOBS"     # processes for a folder where the caller allows several (1: this process only)
LARGE_FILE = 5_000_000      # bytes: a workbook this large takes seconds to read; `progress` is told first


def validate_paths(paths: list[str | Path], config: Config, as_of: date | None = None,
                   since: date | None = None, progress=None, jobs: int = 1, reduce=None) -> Report:
    """Read and check every workbook. Raises ReadError for a file that cannot be read.
    `progress(path, size)` is called before a large workbook is read.

    With `jobs` other than 1 (0: one per core) several workbooks are checked in a process pool
    (validate/pool.py): the report is the same, but each BookResult holds the workbook's facts
    (pool.BookFacts), not its cells, so only callers that need no cells (the text and JSON report,
    the ledger) ask for it.

    `reduce(result, config, as_of, since)` (a module-level function: it runs in the workers) reduces
    each checked workbook to what the caller needs of its cells, kept as the BookResult's `reduced`;
    with it, every BookResult holds the workbook's facts rather than its cells in one process too,
    so memory stays flat in the number of workbooks either way."""
    as_of, since = checked_period(as_of, since)
    contract = K.build_contract(config.banks)
    cal = WorkCalendar(config.calendar_years)
    books = []
    inputs = []
    skipped: list = []
    found = [path.absolute() for path in collect_paths(paths, skipped)]

    def announce(path: Path) -> bool:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if progress is not None and size >= LARGE_FILE:
            progress(path, size)
            return True
        return False
    forced = os.environ.get(JOBS_ENV, "")           # HUIFANG_JOBS: this many processes, however small the work
    if jobs != 1 and plain_digits(forced):
        jobs = int(forced)
    from generator.validate import pool
    from generator.validate.identity import assign_keys, keys_of
    if jobs != 1 and (plain_digits(forced) or pool.worth_it(found)):
        jobs = jobs or pool.jobs_wanted(len(found))
        if jobs > 1:
            any(announce(path) for path in found)       # the workers read side by side: said once
            try:
                books, inputs = pool.check_in_pool(found, config, as_of, since, cal, jobs, reduce)
                return Report(as_of, since, config, books, skipped, inputs)
            except pool.BrokenProcessPool as e:     # a worker killed (out of memory): this process does the work
                logging.getLogger("huifang.validate").debug("进程池中断（%s），改由一个进程校验", e)
                books, inputs = [], []
    pairs = []
    with paused_gc():           # over the whole folder: a collection per workbook would traverse the ones before
        for path in found:
            announce(path)
            before = stamp(path)
            book = read_workbook(path, contract)
            result = check_book(book, config, as_of, since, cal)
            if reduce is not None:      # the cells dropped now, as a worker of the pool drops them
                pairs.extend(zip(result.findings, keys_of(result)))
                result = pool.without_cells(result, reduce(result, config, as_of, since), pool.CalendarContext(cal))
                book = None             # not still held while the next workbook is read
                trim_memory()           # what the cells held handed back to the system
            books.append(result)
            inputs.append(input_facts(path, before))
        if reduce is None:          # still paused: a collection here would traverse every cell read
            assign_ids(books)
        else:
            assign_keys(pairs)
    return Report(as_of, since, config, books, skipped, inputs)


@contextmanager
def paused_gc():
    """No cyclic garbage collection while a workbook is read and checked.

    Reading a large unit allocates millions of container objects that all stay alive; the
    collector would traverse them again and again (10 s of 55 s at a million records) and
    find nothing, since the reader makes no reference cycles."""
    was = gc.isenabled()
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if not frozen:      # (unfreeze would also let go of what a caller froze before)
                # what was allocated meanwhile counts as old, as if it had survived collections:
                # enabled with a full youngest generation, the collector's first step would traverse it all
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def make_context(book: Workbook, config: Config, as_of: date, since: date, cal: WorkCalendar) -> Context:
    """The context every rule sees, with the records that count for no rule already set aside."""
    ctx = Context(book, as_of, since, cal, config.banks, config.settings)
    for rid in RUN_ORDER:                       # rules that change which records count run first
        s = config.settings(rid)
        if s.enabled and RULES[rid].excludes is not None:
            ctx.void_reason.update(RULES[rid].excludes(ctx, s))
    ctx.void = set(ctx.void_reason)
    return ctx


def rule_checks(ctx: Context, config: Config, only=None):
    """(rule id, settings, its Hits and Dues) of every enabled rule (those `only(rule)` accepts),
    each judged from the day its parameters took effect, each after the rules it declares (RUN_ORDER)."""
    for rid in RUN_ORDER:
        s = config.settings(rid)
        r = RULES[rid]
        if not s.enabled or (only is not None and not only(r)):
            continue
        view = ctx.for_rule(r.effective) if r.effective else ctx
        yield rid, s, r.check(view, s)


def rule_hits(ctx: Context, config: Config, only=None):
    """(rule id, settings, Hit or Due), one at a time, of rule_checks."""
    for rid, s, hits in rule_checks(ctx, config, only):
        for hit in hits:
            yield rid, s, hit


NO_CUSTOMERS = "“客户”表中没有客户，校验结果不能说明回访是否合规；请先填写客户、人员和回访记录"


def assign_ids(books: list[BookResult]) -> None:
    from generator.validate.identity import assign
    assign(books)


def check_book(book: Workbook, config: Config, as_of: date, since: date, cal: WorkCalendar) -> BookResult:
    if not len(book["客户"]) and NO_CUSTOMERS not in book.notes:
        book.notes.append(NO_CUSTOMERS)
    ctx = make_context(book, config, as_of, since, cal)
    result = BookResult(book.path, book, ctx)
    file = shown(book.path)         # a name that is not UTF-8 in a text every output can hold
    letters: dict = {}          # (sheet, column) -> its letter in the workbook
    for rid, s, hits in rule_checks(ctx, config):
        found = []
        for hit in hits:
            if type(hit) is Due:
                result.pending.append(Pending(rid, file, hit.sheet, hit.row, hit.customer, hit.due,
                                              hit.callback, hit.message, hit.provisional))
            else:
                found.append(hit)
        if found:
            result.findings += _findings(book, letters, rid, s.severity, file, found, as_of,
                                         source_text(rid, config))
    result.findings.sort(key=_order(book))
    result.pending.sort(key=lambda p: (p.due, p.customer or "", p.rule))
    return result


def _findings(book: Workbook, letters: dict, rid: str, severity: str, file: str, hits: list[Hit], as_of: date,
              source: str) -> list[Finding]:
    """The findings of one rule's hits (a rule may find something on most records: the per-rule
    facts are looked up once, and messages are searched for control characters all at once)."""
    plain = all_printable([h.message for h in hits])
    out = []
    for hit in hits:
        cell, sheet, row, column = hit.cell, hit.sheet, hit.row, hit.column
        if cell is None and sheet is not None and row is not None and column is not None:
            letter = letters.get((sheet, column), "")
            if letter == "":
                table = book.tables.get(sheet)
                letter = letters[sheet, column] = (table.letter(column) if table else None) or None
            if letter is not None:
                cell = f"{letter}{row}"
        late = None
        if hit.due is not None:
            day = hit.actual
            day = day.date() if isinstance(day, datetime) else (day or as_of)
            late = max((day - hit.due).days, 0)
        out.append(Finding(rid, severity, file, sheet, row, column, hit.customer,
                           hit.message if plain else printable(hit.message), cell,
                           hit.due, hit.actual, hit.provisional, late, source))
    return out


def _order(book: Workbook):
    ranks: dict = {}        # (sheet, column) -> where the sheet and the column come

    def rank(sheet, column) -> tuple:
        table = book.tables.get(sheet) if sheet else None
        if table is not None and column:
            letter = table.letter(column) or ""
            col_rank = (len(letter), letter)
        else:
            col_rank = (0, "")
        return sheet is not None, _SHEET_RANK.get(sheet, 99), col_rank

    def key(f: Finding):
        where = ranks.get((f.sheet, f.column))
        if where is None:
            where = ranks[f.sheet, f.column] = rank(f.sheet, f.column)
        return (where[0], where[1], f.row or 0, where[2], f.rule)
    return key


# ------------------------------------------------------------------ text report

def urgency(f: Finding) -> tuple:
    """Most urgent first: callbacks still not done, longest overdue first; then late ones; then the
    rest in sheet order (the sort is stable)."""
    if f.days_late is not None and f.actual is None:
        return (0, -f.days_late)
    if f.days_late is not None:
        return (1, -f.days_late)
    return (2, 0)


def brief_source(rule_id: str, config: Config) -> str:
    """The rule and the articles it rests on, short: the full titles are in --verbose and JSON."""
    return f"{rule_id} · " + "；".join(s.short() for s in RULES[rule_id].cites(config.firm))


def _book_counts(b: BookResult) -> str:
    return f"错误 {b.count('error')} 条，警告 {b.count('warning')} 条，待办 {len(b.pending)} 项"


def render_text(report: Report, color: bool = False, verbose: bool = False) -> str:
    """The report as staff read it: the counts first, then per workbook its errors before its
    warnings, the longest overdue first; `verbose` adds the full title of every source."""
    return "".join(line + "\n" for line in text_lines(report, color, verbose))


def text_lines(report: Report, color: bool = False, verbose: bool = False):
    """The lines of render_text, one at a time (a report of 90,000 findings is written as it is
    made, never held whole)."""
    import click

    def style(text, **kw):
        return click.style(text, **kw) if color else text

    summary = (f"共 {len(report.books)} 个工作簿：错误 {report.count('error')} 条，警告 {report.count('warning')} 条，"
               f"待办 {len(report.pending)} 项（检查日 {report.as_of}，检查期间自 {report.since}）")
    yield style(summary, bold=True, fg="red" if report.exit_code else "green")
    said: dict = {}

    def per_rule(f: Finding) -> tuple[str, str]:
        """A finding's 处理 and 依据 lines, worked out once per rule (and, with `verbose`, source text)."""
        key = (f.rule, f.source) if verbose else f.rule
        two = said.get(key)
        if two is None:
            cited = f.source if verbose else brief_source(f.rule, report.config)
            two = said[key] = (style(f"        处理：{RULES[f.rule].fix}", dim=True),
                               style(f"        依据：{cited}", dim=True))
        return two
    if len(report.books) > 1:
        yield from [f"  {one_line(shown(b.path))}（{one_line(b.unit)}）：{_book_counts(b)}" for b in report.books]
    yield from [style(one_line(line), dim=True) for line in header_lines(report)]
    yield from [one_line(line) for line in _ledger_lines(report)]
    yield ""
    for b in report.books:
        yield style(one_line(f"{shown(b.path)}（{b.unit}）：{_book_counts(b)}"), bold=True)
        if b.book.macros:
            yield "  注意：工作簿含宏，huifang 只读取数据，不运行宏"
        for note in b.book.notes:
            yield f"  注意：{note}"
        if verbose and b.book.read_paths:
            fast = [s for s, (how, _) in b.book.read_paths.items() if how == "columns"]
            yield ("  读取：" + "；".join(
                ([f"{'、'.join(fast)} 按列读取"] if fast else [])
                + [f"{s} 按行读取（{one_line(why)}）" for s, (how, why) in b.book.read_paths.items() if how == "rows"]))
        if not b.findings:
            yield style("  没有发现问题", fg="green")
        for severity in ("error", "warning"):
            found = sorted((f for f in b.findings if f.severity == severity), key=urgency)
            if not found:
                continue
            label = SEVERITY_LABEL[severity]
            yield style(f"  {label}（{len(found)} 条）", bold=True)
            for f in found:
                tag = style(f"[{label}]", fg="red" if severity == "error" else "yellow", bold=True)
                who = f"  客户 {one_line(f.customer)}" if f.customer else ""
                when = ""
                if f.days_late:
                    when = f"  {'逾期' if f.actual is None else '迟到'} {f.days_late} 天"
                yield f"    {one_line(f.where)}{who}  {tag} {f.rule} {f.title}{when}{_mark(f, style)}"
                yield f"        {one_line(clip_quotes(f.message, 40))}"
                yield from per_rule(f)
        if b.pending:
            yield (f"  待办 {len(b.pending)} 项（截止日未到），最近的："
                         + one_line("；".join(f"{p.customer or ''} {p.callback} 截止 {p.due}" for p in b.pending[:3])))
        yield ""
    yield from _fixed_lines(report)
    if report.skipped:
        yield f"跳过的文件 {len(report.skipped)} 个："
        yield from [f"  {one_line(shown(p))}：{why}" for p, why in report.skipped]
        yield ""
    per_rule = Counter(f.rule for f in report.findings)
    if per_rule:
        yield "按规则统计："
        yield from [f"  {rid:<8}{n:>5} 条  {RULES[rid].title}" for rid, n in sorted(per_rule.items())]
    if report.findings and not verbose:
        yield (style("（依据中的 000–004 是行业范本的编号，"
                           "全文见 huifang rules 规则编号，或加 --verbose）", dim=True))
    yield style(summary, bold=True, fg="red" if report.exit_code else "green")


def _ledger_lines(report: Report) -> list[str]:
    out = []
    if report.recorded is not None:
        out.append(f"已记入运行台账：运行 #{report.recorded}（{shown(report.ledger)}），"
                   f"记录的哈希 {report.recorded_hash}")
    if report.since_run is not None or report.fail_on == "new" or any(f.status for f in report.findings):
        new = sum(1 for f in report.findings if f.status == "new")
        still = sum(1 for f in report.findings if f.status == "open")
        base = (f"自运行 #{report.since_run}（检查日 {report.since_run_as_of}）以来" if report.since_run is not None
                else "运行台账中还没有可对比的运行，全部发现都算新增；")
        out.append(f"{base}新增 {new} 条，仍未改正 {still} 条，已改正 {len(report.fixed)} 条"
                   + ("；退出码只计新增的错误（--fail-on new）" if report.fail_on == "new" else ""))
    return out


def _mark(f: Finding, style) -> str:
    if f.status == "new":
        return "  " + style("〔新增〕", fg="magenta", bold=True)
    if f.status == "open":
        return f"  〔仍未改正，首次 {f.first_seen}〕" if f.first_seen else "  〔仍未改正〕"
    return ""


def _fixed_lines(report: Report) -> list[str]:
    if not report.fixed:
        return []
    lines = [f"自运行 #{report.since_run} 以来已改正 {len(report.fixed)} 条："]
    for x in report.fixed:
        where = x.sheet or "（整体）"
        who = f"  客户 {x.customer}" if x.customer else ""
        label = SEVERITY_LABEL.get(x.severity, x.severity)
        title = RULES[x.rule].title if x.rule in RULES else ""
        lines.append(one_line(f"  {x.unit}  {where}{who}  [{label}] {x.rule} {title}"
                              + (f"  截止 {x.due}" if x.due else "")
                              + (f"  首次 {x.first_seen}" if x.first_seen else "")))
    lines.append("")
    return lines


def _write_text(report: Report, stream, color: bool = False, verbose: bool = False) -> None:
    batch: list[str] = []
    for line in text_lines(report, color=color, verbose=verbose):
        batch.append(line)
        if len(batch) >= 4096:
            stream.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        stream.write("\n".join(batch) + "\n")


def _write_json(report: Report, stream, color: bool = False, verbose: bool = False) -> None:
    report.write_json(stream)


_write_json.binary = True       # to a file: written as the UTF-8 bytes it is made of (write_with(binary=True))


WRITERS = {"text": _write_text, "json": _write_json}      # per report format of generator/kinds.py
