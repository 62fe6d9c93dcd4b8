"""The workbook reader: one read path for every command.

Each sheet is parsed once, the header row is found, columns are mapped by header name in any
order, and every column is turned into typed values in one pass over its distinct values. What
cannot be read becomes a `Problem` (DATA001/002/003) with its cell.

An .xlsx sheet is parsed into columns (columnar.py: fastexcel into Arrow); every other format,
and any .xlsx sheet that path cannot vouch for (a column holding several kinds of value, merged
cells in the data), is read as rows by python-calamine. Both hand the same raw values to the
same header mapping and conversion below (`_map_header`, `_convert`), so the findings are the
same (tests/test_columnar.py). HUIFANG_READER=rows reads every sheet as rows.
"""
from __future__ import annotations

import difflib
import logging
import os
import re
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager, nullcontext
from concurrent.futures import ThreadPoolExecutor, wait
from collections import Counter
from functools import cached_property, partial
from bisect import bisect_left
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook, PasswordError, SheetVisibleEnum

from generator.workbook import contract as K, xls
from generator.workbook.values import (Encoded, column_letter, convert_column, convert_encoded, norm_header, take)
from generator.workbook.inspect import (FORMAT_LABEL, HEADER_ROWS, MAX_ROW_CELLS, ODS, XLS, XLSX, too_many_cells,
                                        ReadError, SheetInfo, trim_memory, col_index, inspect, rust_float,
                                        rust_readable, shown, no_calendar, strip_unconvertible_cells)

log = logging.getLogger("huifang.reader")

HEADER_SCAN_ROWS = HEADER_ROWS     # the rows the header is looked for in
CHUNK_ROWS = 20_000


class UndeclaredColumn(KeyError):
    """A program asked for a column the workbook contract does not declare (a bug, not bad input)."""


@dataclass
class Problem:
    """A data finding the reader makes: DATA001 / DATA002 / DATA003."""
    rule: str
    sheet: str
    row: int | None
    column: str | None
    message: str
    customer: str | None = None
    cell: str | None = None         # for a cell outside the mapped columns (DATA009)


@dataclass
class Table:
    """One sheet as typed columns. `rows[i]` is the Excel row of the i-th data row."""
    spec: K.Sheet
    present: bool = False
    header_row: int | None = None
    rows: list[int] = field(default_factory=list)
    cols: dict[str, list] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    extra: dict[str, list] = field(default_factory=dict)
    extra_letters: dict[str, str] = field(default_factory=dict)
    hidden: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    def __len__(self) -> int:
        return len(self.rows)

    def _declared(self, name: str) -> None:
        if name not in self.spec.by_name:
            raise UndeclaredColumn(f"工作表“{self.spec.name}”的约定中没有列“{name}”")

    def col(self, name: str) -> list:
        """Typed values of a contract column; all None when the workbook lacks the column.
        A name the contract does not declare raises at once: a typo cannot make a rule silently dead."""
        got = self.cols.get(name)
        if got is None:
            self._declared(name)
            got = [None] * len(self.rows)
        return got

    def has(self, name: str) -> bool:
        if name in self.cols:
            return True
        self._declared(name)
        return False

    def customer_codes(self) -> list:
        """The 客户编号 of each row, for sheets that have one (all None for 人员)."""
        return self.col("客户编号") if "客户编号" in self.spec.by_name else [None] * len(self.rows)

    def letter(self, name: str) -> str | None:
        got = self.letters.get(name)
        if got is None:
            self._declared(name)
        return got


@dataclass
class Workbook:
    path: Path
    tables: dict[str, Table]
    problems: list[Problem]
    macros: bool = False
    format: str = "xlsx"
    notes: list[str] = field(default_factory=list)     # what this format cannot show, said once
    # contract sheet -> (COLUMNS or ROWS, why the row reader read it): no silent fallback
    read_paths: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __getitem__(self, sheet: str) -> Table:
        return self.tables[sheet]

    @cached_property
    def unit(self) -> str:
        """The unit (营业部) the workbook belongs to: the most common 营业部 of 客户 (the first
        written of equally common ones); worked out once, since every finding asks for it."""
        units = Counter(u for u in self.tables["客户"].col("营业部") if u)
        if units:
            return units.most_common(1)[0][0]
        return self.path.stem


def read_workbook(path: str | Path, contract: dict[str, K.Sheet] | None = None) -> Workbook:
    """Read a workbook. Raises ReadError (one Chinese line) when it cannot be read at all.

    Every safety check runs first (workbook/inspect.py, which also finds the error cells and
    uncached formulas in the same pass over each sheet's XML). Then the sheets are parsed on two
    threads (the parsers release the GIL): the largest first, and the others once the largest is
    parsed, so that nothing else is held in memory at its peak. The largest is filled in while the
    others are parsed. A sheet the row reader reads is streamed in chunks of rows into typed
    columns, so its Python copy never exists whole beside the parser's own.
    Whatever the cell reader raises (an error, a Rust panic) becomes one line naming the file.
    """
    path = Path(path)
    contract = contract or K.CONTRACT
    early = Early(path, contract) if os.environ.get(COLUMNAR_ENV, "") != ROWS else None
    with _rust_panics_silenced():       # parts of a sheet may be parsed while inspect() sweeps it
        try:
            info = inspect(path, early=early)
        except BaseException:
            if early is not None:
                early.close()
            raise
        try:
            rust_readable(info, path)
            return _read(path, info, contract, early)
        except (ReadError, KeyboardInterrupt, MemoryError):
            raise
        except Exception as e:          # never a traceback for a file: say which, and what broke
            raise ReadError(f"{shown(path)}：{INTERNAL}（{type(e).__name__}：{str(e)[:80]}），"
                            "请把此文件发给维护人员") from None
        finally:
            if early is not None:
                early.close()
            info.close()


class Early:
    """The parts of a large sheet (parts.py) parsed while the sweep goes on: inspect hands over each
    part written whole and measured safe (`part_ready`); the columnar reader takes the parses it
    finds here and parses the rest itself. Only a contract sheet read by its own name."""

    def __init__(self, path: Path, contract: dict) -> None:
        self.path, self.contract = path, contract
        self.pool = None
        self.book_part = "xl/workbook.xml"
        self.headers: dict[str, tuple[int, int] | None] = {}
        self.parses: dict[str, dict[int, tuple]] = {}       # sheet part -> index -> (header row, Future)

    def begin(self, info) -> None:
        self.book_part = info.book_part

    def part_ready(self, sh: SheetInfo, k: int, book: Path, marker: str) -> None:
        spec = self.contract.get(sh.name)
        if spec is None or sh.hidden:
            return
        from generator.workbook import columnar
        if sh.part not in self.headers:
            try:
                head, first = columnar.head_rows(self.path, sh.part, self.book_part, HEADER_SCAN_ROWS)
                h = _find_header(head, spec) if first is not None else None
            except Exception:       # the reader will meet it again, and say what it is
                h = first = None
            self.headers[sh.part] = (h, first) if h is not None and h >= first else None
        got = self.headers[sh.part]
        if got is None:
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="huifang-early")
        header_row = got[0] - got[1] if k == 0 else 0
        self.parses.setdefault(sh.part, {})[k] = (header_row, self.pool.submit(
            columnar.parse_part, book, sh.name, k, header_row, marker))

    def settle(self, sh: SheetInfo) -> None:
        """Wait for the parses of this sheet's parts (their files are about to go)."""
        futures = [f for _, f in self.parses.pop(sh.part, {}).values()]
        if futures:
            wait(futures)

    def of(self, sinfo: SheetInfo) -> dict:
        return self.parses.get(sinfo.part, {}) if sinfo.parts is not None else {}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.parses.clear()


INTERNAL = "读取时遇到程序未能处理的内容"


# The cell reader's panic reports are held back (_rust_panics_silenced); a backtrace in each would
# only make them long, and an old .xls may panic on every row (workbook/xls.py reads those rows).
# Rust reads this once, at the process's first panic.
os.environ["RUST_BACKTRACE"] = "0"
# the cell reader's warning about a time of 23:59:60 (a leap second in an ISO date cell) would
# only reach standard error
warnings.filterwarnings("ignore", message="ignored leap-second", category=UserWarning)


@contextmanager
def _rust_panics_silenced():
    """The cell reader's Rust code prints a panic report on standard error before Python sees the
    exception; huifang says what went wrong itself, so such reports are held back (anything else
    written there meanwhile is passed on)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            held.seek(0)
            text = held.read().decode("utf-8", "replace")
            if text.strip():
                text = _without_panics(text)
            if text.strip():
                sys.stderr.write(text)


_PANIC_LINE = re.compile(r"thread '[^\n]*' [^\n]*panicked at ")


def _without_panics(text: str) -> str:
    """Standard error's text without the Rust panic reports in it: each report's first line, its
    message line, and the backtrace and note lines after it (one pass, however many panics)."""
    if "panicked at " not in text:
        return text
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    k = 0
    while k < len(lines):
        if _PANIC_LINE.match(lines[k]):
            if out and out[-1] in ("\n", "\r\n"):     # a report begins with a line break of its own
                out.pop()
            k += 2 if lines[k].rstrip().endswith(":") else 1      # (the message on a line of its own)
            while k < len(lines) and (lines[k].startswith((" ", "\t", "note: ")) or lines[k] == "stack backtrace:\n"):
                k += 1
            continue
        out.append(lines[k])
        k += 1
    return "".join(out)


def _open(info, path: Path):
    """The cell reader on the inspected source; by content when the name does not say the format."""
    src = info.source or path
    if info.sniffed_mismatch:
        with open(src, "rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    return CalamineWorkbook.from_path(str(src))


class _Books:
    """python-calamine's workbook of one source, opened as few times as the read allows. Where
    opening it reads every sheet (OpenDocument and the old .xls: a second and a half for 100,000
    records) there is one, shared, and closed once the last sheet asked for has been taken; where a
    sheet is read when it is asked for (.xlsx, .xlsb) there is one per thread, as each sheet's read
    borrows its workbook. `left`: the sheets still to be asked for."""

    def __init__(self, info, path: Path) -> None:
        self.info, self.path = info, path
        self.eager = info.format in (ODS, XLS)
        self.left = 0
        self.lock = threading.Lock()
        self.held: dict[tuple, CalamineWorkbook] = {}

    def _key(self) -> tuple:
        return (None if self.eager else threading.get_ident(), str(self.info.source or self.path))

    def names(self) -> tuple[list[str], set[str]]:
        """The sheets' names, and the names of the hidden ones (a workbook that reads its sheets
        when asked is not kept open for them: the cell reader seldom reads .xlsx by rows)."""
        with self.lock:
            book = self._book() if self.eager else _open(self.info, self.path)
            try:
                hidden = {m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
                return list(book.sheet_names), hidden
            finally:
                if not self.eager:
                    book.close()

    def _book(self) -> CalamineWorkbook:
        key = self._key()
        book = self.held.get(key)
        if book is None:
            book = self.held[key] = _open(self.info, self.path)
        return book

    def sheet(self, name: str):
        with self.lock if self.eager else nullcontext():
            key = self._key()
            book = self._book()
            try:
                return book.get_sheet_by_name(name)
            except Exception:
                raise
            except BaseException:       # a panic: not used again
                self.held.pop(key, None)
                raise
            finally:
                self.left -= 1
                if self.eager and self.left <= 0:
                    self.close()

    def close(self) -> None:
        books, self.held = list(self.held.values()), {}
        for book in books:
            book.close()


def _calamine_failure(path: Path, e: BaseException, sheet: str | None = None) -> ReadError:
    where = f"工作表“{sheet}”" if sheet else "文件"
    if isinstance(e, PasswordError):
        return ReadError(f"{shown(path)}：工作簿设置了打开密码，请取消密码后再校验")
    text = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
    return ReadError(f"{shown(path)}：{where}已损坏或含有无法读取的内容，无法读取（{text}）")


def _guarded(fn, path: Path, sheet: str | None = None):
    """Run a call into the cell reader; its failures, panics included, become a ReadError."""
    try:
        return fn()
    except ReadError:
        raise
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as e:          # python-calamine raises a PanicException (a BaseException) on a Rust panic
        raise _calamine_failure(path, e, sheet) from None


def _read(path: Path, info, contract, early: Early | None = None) -> Workbook:
    books = _Books(info, path)
    readers = None
    try:
        if info.format == XLSX:
            from generator.workbook import columnar      # fastexcel, loaded only for the format that uses it
            # the sheets parsed whole share the readers (opening one parses the shared strings): the
            # first one lists the sheets (the inspection has read which are hidden)
            readers = columnar.Readers(info.source or path)
            try:
                names, hidden = readers.names(), {s.name for s in info.sheets if s.hidden}
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except BaseException:       # the row reader says why it cannot be read, or reads it
                names, hidden = _guarded(books.names, path)
        else:
            names, hidden = _guarded(books.names, path)
        return _read_columns(path, info, contract, early, books, readers, names, hidden)
    finally:
        if readers is not None:
            readers.close()
        books.close()


def _read_columns(path: Path, info, contract, early, books: _Books, readers, names: list[str],
                  hidden: set[str]) -> Workbook:
    if info.format == XLSX:
        from generator.workbook import columnar
    if not info.sheets:           # formats the inspection does not open itself: the reader lists the sheets
        info.sheets = [SheetInfo(n, "", n in hidden) for n in names]
    problems: list[Problem] = []
    present = [s for s in info.sheets if s.name in names]
    tables: dict[str, Table] = {}
    wanted: list[tuple[K.Sheet, SheetInfo]] = []
    for spec in contract.values():
        sinfo, others = _pick_sheet(spec.name, present)
        tables[spec.name] = Table(spec)
        if sinfo is None:
            if spec.required:
                problems.append(Problem("DATA001", spec.name, None, None, _missing_sheet(spec.name, info.sheets)))
            continue
        if others:
            problems.append(Problem("DATA010", spec.name, None, None, _twin_sheets(sinfo, others)))
        wanted.append((spec, sinfo))
        books.left += 1
        for ref, value in sinfo.outliers.items():
            if sinfo.far_count > len(sinfo.outliers):
                what = (f"单元格 {ref}（“{value}”）等 {sinfo.far_count} 个单元格远离数据区，都未读取；"
                        "请删除它们或移到数据区内")
            else:
                what = f"单元格 {ref}（“{value}”）远离数据区，未读取；请删除它或移到数据区内"
            problems.append(Problem("DATA009", spec.name, int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), None,
                                    what, cell=ref))

    def parse(sinfo: SheetInfo):
        def load():
            sheet = books.sheet(sinfo.name)
            if sheet.height * sheet.width > MAX_ROW_CELLS:      # before any cell becomes a Python object
                raise too_many_cells(path, sinfo.name, sheet.height, sheet.width, MAX_ROW_CELLS)
            return sheet
        return _guarded(load, path, sinfo.name)

    def by_rows(sinfo: SheetInfo, why: str):
        read_paths[sinfo.name] = (ROWS, why)
        log.debug("%s：工作表“%s”按行读取（%s）", path, sinfo.name, why)
        return parse(sinfo)

    def parse_columns(spec: K.Sheet, sinfo: SheetInfo, parsed=None):
        """The columnar path where it can vouch for the values; python-calamine's rows otherwise
        (each sheet's path and the reason are kept in `read_paths`, and logged at debug level).
        `parsed()` is called once the parser has let go of its cells."""
        why = _not_columnar(info, sinfo)
        if why is None:
            try:
                sheet = columnar.load(info.source or path, sinfo.part, info.book_part, sinfo.name,
                                      HEADER_SCAN_ROWS, lambda rows: _find_header(rows, spec), parsed, sinfo.parts,
                                      early.of(sinfo) if early is not None else None, readers)
                read_paths[sinfo.name] = (COLUMNS, "")
                return sheet
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            # Fallback, or anything the quick look did not expect: the row reader decides
            except BaseException as e:
                return declined(sinfo, e)
        return by_rows(sinfo, why)

    def declined(sinfo: SheetInfo, e: BaseException):
        """The row reader for a sheet the columnar path declined (a Fallback) or could not read;
        the first line of the reason is kept (`-v` shows it)."""
        first = (str(e).splitlines() or [""])[0][:120]
        return by_rows(sinfo, f"{FALLBACK}{first}" if isinstance(e, columnar.Fallback)
                       else f"{UNEXPECTED}（{type(e).__name__}）：{first}")

    def fill(table: Table, sheet, sinfo: SheetInfo, found: list[Problem]) -> None:
        if info.format == XLSX and isinstance(sheet, columnar.PartedSheet):
            try:
                return _fill_parted(table, sheet, sinfo, found, info.date1904)
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except (columnar.MixedKinds, columnar.fastexcel.UnsupportedColumnTypeCombinationError) as e:
                sheet = declined(sinfo, columnar.declined(e))       # as when the parts were joined
            except columnar.Fallback as e:      # the header or merged cells, as _fill_fast says it
                sheet = by_rows(sinfo, f"{FALLBACK}{e}")
            except columnar.PartsFailed as e:   # the sheet is parsed whole
                log.debug("%s：工作表“%s”不分段解析（%s）", path, sinfo.name, e)
                sheet = whole_columns(sheet, sinfo)
        if info.format == XLSX and isinstance(sheet, columnar.FastSheet):
            try:
                return _fill_fast(table, sheet, sinfo, found, info.date1904)
            except columnar.Fallback as e:
                sheet = by_rows(sinfo, f"{FALLBACK}{e}")
        _fill(table, sheet, sinfo, found, info.date1904)

    def whole_columns(parted, sinfo: SheetInfo):
        """A sheet whose parts failed, parsed in one piece (or by rows, where that cannot be)."""
        try:
            return columnar.load_whole(info.source or path, sinfo.name, parted.head, parted.header,
                                       parted.first, readers=readers)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as e:
            return declined(sinfo, e)

    # Memory peaks while the largest sheet is parsed (the parser holds its cells twice over). The
    # other sheets are parsed only once that parse is over, while its cells become Arrow columns
    # and are filled in; nothing else is held beside the peak, and the work still overlaps.
    order = sorted(wanted, key=lambda w: -w[1].size)
    largest_parsed = threading.Event()
    # A largest sheet in parts (parts.py) holds only two parts' cells at a time: the other sheets
    # are parsed beside it at once, and filled in while its parts are parsed (it is filled last).
    in_parts = bool(order) and order[0][1].parts is not None and _not_columnar(info, order[0][1]) is None
    if readers is not None:     # the sheets parsed whole (at most): no reader is kept after the last
        readers.left = sum(_not_columnar(info, s) is None for _, s in (order[1:] if in_parts else order))
    if in_parts:
        largest_parsed.set()
    read_paths: dict[str, tuple[str, str]] = {}

    def parse_largest(spec: K.Sheet, sinfo: SheetInfo):
        try:
            return parse_columns(spec, sinfo, largest_parsed.set)
        finally:
            largest_parsed.set()

    def parse_after_largest(spec: K.Sheet, sinfo: SheetInfo):
        largest_parsed.wait()
        return parse_columns(spec, sinfo)

    with ThreadPoolExecutor(max_workers=2) as pool:
        parsed = {}
        if order:
            parsed[order[0][0].name] = pool.submit(parse_largest, *order[0])
        for spec, sinfo in order[1:]:
            parsed[spec.name] = pool.submit(parse_after_largest, spec, sinfo)
        if info.format == XLSX:
            columnar.arrow()        # Arrow and numpy load here, while the largest sheet is parsed
        found: dict[str, list[Problem]] = {}       # each sheet's problems, given in sheet order below
        rest = [w for w in wanted if not order or w is not order[0]]
        for spec, sinfo in (rest + order[:1] if in_parts else order[:1] + rest):
            table = tables[spec.name]
            mine = found[spec.name] = []
            sheet = None
            try:
                try:
                    sheet = parsed.pop(spec.name).result()
                    _guarded(partial(fill, table, sheet, sinfo, mine), path, sinfo.name)
                except ReadError as failed:
                    # a cell the cell reader cannot convert (a date no calendar holds such as -1E+20,
                    # an error value it does not know such as #SPILL!) fails the sheet: such cells are
                    # read around (.xls: its rows with xlrd; .xlsx: left out of a copy read once more)
                    # and reported each at its cell
                    if info.format == XLS:      # the rows it panics on read with xlrd
                        if sheet is None:       # the sheet itself could not be read: no row to retry
                            raise
                        failed = failed.with_traceback(None)    # (its frames hold the first pass's rows)
                        mine.clear()
                        table = tables[spec.name] = Table(spec)
                        rows = xls.Rows(info.source or path, sinfo.name)
                        try:        # the parsed sheet's rows read once more
                            _guarded(partial(_fill, table, sheet, sinfo, mine, info.date1904, rows), path, sinfo.name)
                        except ReadError:
                            raise failed from None
                        finally:
                            rows.close()
                    else:
                        bad = strip_unconvertible_cells(info, sinfo.name)
                        if not bad:
                            raise
                        mine.clear()
                        table = tables[spec.name] = Table(spec)
                        for ref, why in bad.items():
                            if why is not None:
                                sinfo.odd_cells[ref] = why
                        sheet = parse(sinfo)
                        _guarded(partial(_fill, table, sheet, sinfo, mine, info.date1904), path, sinfo.name)
            finally:
                _name_customers(table, mine)
            table.hidden = sinfo.hidden
            sheet = None            # the parsed sheet goes before the next is filled
            trim_memory()
        for spec, _ in wanted:
            problems.extend(found[spec.name])

    notes = []
    if not info.cached_values:
        notes.append(f"{FORMAT_LABEL[info.format]}中无法区分公式出错、没有计算结果的公式和空单元格，这些单元格按空白处理；"
                     "需要核对公式时请另存为 .xlsx 再校验")
    return Workbook(path, tables, problems, info.macros, info.format, notes,
                    {spec.name: read_paths[sinfo.name] for spec, sinfo in wanted if sinfo.name in read_paths})


COLUMNAR_ENV = "HUIFANG_READER"      # "rows" reads every sheet with python-calamine's rows (for comparisons)




COLUMNS, ROWS = "columns", "rows"     # the two read paths, as Workbook.read_paths names them
FALLBACK = "按列读取未能担保："           # a sheet the columnar path declines by design (mixed column, merged data…)
UNEXPECTED = "按列读取出错"              # anything else: a defect of that path, shown in --verbose, failed by tests


def _not_columnar(info, sinfo: SheetInfo) -> str | None:
    """Why a sheet cannot go the columnar path, or None when it can."""
    if info.format != XLSX:
        return f"{FORMAT_LABEL[info.format]}只按行读取"
    if not sinfo.part:
        return "找不到工作表的 XML 部件"
    if os.environ.get(COLUMNAR_ENV, "") == "rows":
        return f"环境变量 {COLUMNAR_ENV}=rows"
    return None


def _pick_sheet(name: str, sheets: list[SheetInfo]) -> tuple[SheetInfo | None, list[SheetInfo]]:
    """The sheet read as the contract's sheet `name`, and the other sheets whose names are the same
    but for width and spaces (a stale hidden copy beside the one in use). Of several, a visible one
    is read, the one spelled exactly as the contract first."""
    key = norm_header(name)
    same = [s for s in sheets if norm_header(s.name) == key]
    if not same:
        return None, []
    best = min(same, key=lambda s: (s.hidden, s.name != name))
    return best, [s for s in same if s is not best]


def _twin_sheets(read: SheetInfo, others: list[SheetInfo]) -> str:
    def label(s: SheetInfo) -> str:
        return f"“{s.name}”" + ("（隐藏）" if s.hidden else "")
    return (f"有 {len(others) + 1} 张工作表的名称只差空格或全角半角：读取了{label(read)}，未读取"
            + "、".join(label(s) for s in others) + "；请删除或改名多余的工作表")


def _missing_sheet(name: str, sheets: list[SheetInfo]) -> str:
    others = [s.name for s in sheets]
    near = difflib.get_close_matches(name, others, n=1, cutoff=0.5)
    near = near or [o for o in others if name in o or o in name]
    hint = f"（找到工作表“{near[0]}”，是否改了名？请改回“{name}”）" if near else ""
    return f"缺少必需的工作表“{name}”{hint}"


def _find_header(rows: list[list], spec: K.Sheet) -> int | None:
    known = spec.by_name
    need = 1 if len(spec.columns) <= 2 else 2
    first_nonempty = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if row.count("") == len(row):
            continue
        if first_nonempty is None:
            first_nonempty = i
        if sum(1 for v in row if norm_header(v) in known) >= need:
            return i
    return first_nonempty


def _name_customers(table: Table, problems: list[Problem]) -> None:
    """Each problem of a data row names the row's 客户编号."""
    custs = table.cols.get("客户编号")
    if not custs or not problems:
        return
    pos = {r: i for i, r in enumerate(table.rows)}
    for p in problems:
        i = pos.get(p.row)
        if i is not None and p.customer is None:
            p.customer = custs[i]


def _fill(table: Table, sheet, sinfo: SheetInfo, problems: list[Problem], date1904: bool = False,
          recover=None) -> None:
    """Fill a table from python-calamine's rows, in chunks. `recover` (xls.Rows) reads the rows
    the cell reader panics on."""
    spec = table.spec
    table.present = True
    col0 = sheet.start[1] if sheet.start else 0          # iter_rows skips empty leading columns
    odd = _odd_cells(sinfo, col0)

    def lost(row: int) -> None:
        problems.append(Problem("DATA003", spec.name, row, None,
                                f"第 {row} 行有设成日期格式的单元格写着日历上没有的数（如 -1E+20），这一行无法读取，"
                                "已跳过；请改正这一行"))
    rows_iter = sheet.iter_rows() if recover is None else _past_panics(sheet, recover, col0, odd, lost)
    head = list(islice(rows_iter, HEADER_SCAN_ROWS))
    h = _find_header(head, spec)
    if h is None:
        _empty_sheet(spec, problems)
        return
    mapped, unknown = _map_header(table, head[h], h, col0, problems)
    names_at = {j: n for n, j in mapped.items()}

    # merged cells inside the data: filled down from their first cell, reported once each
    merges = []
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        if r1 <= h:
            continue
        merges.append((r0, c0 - col0, r1, c1 - col0))
        problems.append(Problem(
            "DATA003", spec.name, max(r0, h + 1) + 1, names_at.get(c0 - col0),
            f"数据区内有合并单元格 {column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}："
            "已按首格的值读取其中每一行，请取消合并并逐行填写"))
    merge_top: dict[tuple[int, int], object] = {}
    width = len(head[h])
    r = h + 1                                  # 0-based sheet row of the next data row
    pending = head[h + 1:]
    del head
    while True:
        chunk = pending if pending else list(islice(rows_iter, CHUNK_ROWS))
        pending = None
        if not chunk:
            break
        if merges:
            _fill_merged(chunk, r, merges, merge_top)
        keep = [k for k, row in enumerate(chunk) if row.count("") != len(row)]
        if len(keep) != len(chunk):
            data = [chunk[k] for k in keep]
        else:
            data = chunk
        excel_rows = [r + k + 1 for k in keep]
        r += len(chunk)
        table.rows.extend(excel_rows)
        if not data:
            continue
        if any(len(row) < width for row in data):
            data = [row + [""] * (width - len(row)) if len(row) < width else row for row in data]
        columns = list(zip(*data))
        del data, chunk
        _convert(table, mapped, columns.__getitem__, excel_rows, odd, problems, date1904)
        for name, j in unknown.items():
            table.extra[name].extend(columns[j])
        del columns


def _past_panics(sheet, recover, col0: int, odd: dict[int, dict[int, str]], lost):
    """python-calamine's rows, each row it panics on read by `recover` instead: the cells it
    leaves out become odd cells (DATA003 at each). Where xlrd cannot read the file either, the
    row is left out and `lost(excel row)` told. The cell reader goes on after a panic with the
    next row; where it stops short, the panic stands."""
    it = sheet.iter_rows()
    r, last = 0, (sheet.end[0] if sheet.end else -1)
    while True:
        try:
            row = next(it)
        except StopIteration:
            if r <= last:
                raise ReadError(f"读取在第 {r + 1} 行中止") from None
            return
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException:       # a PanicException
            try:
                row, bad = recover.row(r, col0, sheet.width)
            except xls.Unreadable:
                row, bad = [""] * sheet.width, {}
                lost(r + 1)
            for j, value in bad.items():
                odd.setdefault(j, {})[r + 1] = no_calendar(value)
        yield row
        r += 1


def _fill_fast(table: Table, fast, sinfo: SheetInfo, problems: list[Problem], date1904: bool = False) -> None:
    """Fill a table from a sheet parsed into columns (workbook/columnar.py). Raises Fallback,
    before changing anything, where the columns are not what the row reader would have read."""
    from generator.workbook import columnar
    h = fast.header
    header = fast.head[h]
    _check_fast_header(header, fast.names, sinfo, h)
    table.present = True
    fixes = _unconverted(sinfo, h, date1904)
    if fixes:
        fixes = _read_fixes(fixes, fast.columns, sinfo, range(h + 2, h + 2 + fast.height))
    keep = _with_fixed_rows(columnar.nonempty_rows(list(fast.columns.values())), fixes, h + 2, fast.height,
                            fast.columns)
    whole = len(keep) == fast.height
    rows = (keep + (h + 2)).tolist()
    fixed = _fixes_placed(fixes, rows)
    mapped, unknown = _map_header(table, header, h, 0, problems)
    odd = _odd_cells(sinfo, 0)
    table.rows.extend(rows)

    instants = {j for name, j in mapped.items() if table.spec.by_name[name].type == K.DATETIME}

    def column(j: int) -> list:
        arr = fast.columns.pop(j)
        got = columnar.values(arr if whole else arr.take(keep), instants=j in instants)
        return _patched(got, fixed[j]) if j in fixed else got
    _convert(table, mapped, column, table.rows, odd, problems, date1904)
    for name, j in unknown.items():
        arr = fast.columns.pop(j)
        got = columnar.values(arr if whole else arr.take(keep), empty="")
        table.extra[name].extend(_patched(got, fixed[j], "") if j in fixed else got)
    fast.columns.clear()


def _check_fast_header(header: list, names: dict, sinfo: SheetInfo, h: int) -> None:
    """Fallback where the parser named a column otherwise than the header row says, or merged
    cells reach into the data."""
    from generator.workbook import columnar
    for j, v in enumerate(header):
        if type(v) is str and norm_header(v) and norm_header(names.get(j)) != norm_header(v):
            raise columnar.Fallback(f"header {j} read as {names.get(j)!r}")
    if any(r1 > h for (_, _), (r1, _) in sinfo.merges):
        raise columnar.Fallback("merged cells in the data")


def _fill_parted(table: Table, parted, sinfo: SheetInfo, problems: list[Problem], date1904: bool = False) -> None:
    """_fill_fast for a sheet parsed in parts: each part filled in as its parse ends (the next
    parts are parsed meanwhile). The values, rows and problems are those of _fill_fast on the
    joined parts, in the same order; nothing is changed when a part raises (Fallback,
    PartsFailed: the caller reads the sheet another way)."""
    from generator.workbook import columnar
    pieces = parted.pieces
    try:
        h = parted.header
        header = parted.head[h]
        _check_fast_header(header, parted.names, sinfo, h)
        filled = Table(table.spec)
        filled.present = True
        mine: list[Problem] = []
        mapped, unknown = _map_header(filled, header, h, 0, mine)
        odd = _odd_cells(sinfo, 0)
        fixes = _unconverted(sinfo, h, date1904)
        instants = {j for name, j in mapped.items() if table.spec.by_name[name].type == K.DATETIME}
        placed: dict = {}
        fixes_placed = 0            # of `fixes`, those put back in the parts so far
        for start, cols, n in pieces:
            keep = columnar.nonempty_rows(list(cols.values()))
            mine_fixes = _read_fixes({j: {r: v for r, v in at.items() if start <= r < start + n}
                                      for j, at in fixes.items()}, cols, sinfo) if fixes else {}
            if mine_fixes:
                keep = _with_fixed_rows(keep, mine_fixes, start, n, cols)
            whole = len(keep) == n
            rows = (keep + start).tolist()
            fixed = _fixes_placed(mine_fixes, rows) if mine_fixes else {}
            fixes_placed += sum(map(len, fixed.values()))
            filled.rows.extend(rows)

            def column(j: int, empty=None) -> list:
                arr = cols.pop(j, None)
                if arr is None:
                    got = [empty] * len(rows)
                else:
                    got = columnar.values(arr if whole else arr.take(keep), empty=empty, instants=j in instants)
                return _patched(got, fixed[j], empty) if j in fixed else got
            _convert(filled, mapped, column, rows, odd, placed, date1904)
            for name, j in unknown.items():
                filled.extra[name].extend(column(j, ""))
            cols.clear()
        if fixes and not _far(sinfo) and sum(map(len, fixes.values())) != fixes_placed:
            raise columnar.Fallback("a date-formatted number past the parts' rows")
    finally:
        pieces.close()
    problems.extend(mine)
    for key in sorted(placed):
        problems.extend(placed[key])
    table.__dict__.update(filled.__dict__)


def _unconverted(sinfo: SheetInfo, h: int, date1904: bool) -> dict[int, dict[int, tuple]]:
    """The number cells in a date format below the header row that fastexcel does not read as the
    row reader does (no date its calendar holds, inf, nan: inspect._big_numbers), with the value
    the row reader gives them (xls.cell_value: the number itself, or a date): column index ->
    Excel row -> (value, whether it replaces a value fastexcel read). Fallback for such a cell
    written without a reference (it cannot be placed)."""
    from generator.workbook import columnar
    fixes: dict[int, dict[int, tuple]] = {}
    for ref, text in sinfo.big_numbers.items():
        if ref is None:
            raise columnar.Fallback("a date-formatted number in a cell without a reference")
        letters = ref.rstrip("0123456789").upper()
        row = int(ref[len(letters):] or 0)
        if row <= h + 1 or not letters:
            continue
        if not rust_float(text):    # text to the cell reader (' 5', '1_0'): read alike both ways
            continue
        got = xls.cell_value(float(text), xls.DATETIME, date1904)
        if got is not xls.PANIC:    # (PANIC fails the parse: the sheet is read around the cell)
            # the value, and whether it replaces what fastexcel read (nan: midnight) or only a blank
            # (a cell written twice, the last one a date, is read as that date both ways)
            fixes.setdefault(col_index(letters), {})[row] = (got, text.lstrip("+-").lower() == "nan")
    return fixes


def _with_fixed_rows(keep, fixes: dict[int, dict[int, tuple]], first: int, height: int, cols: dict):
    """The parsed rows to keep (`keep`, counted from Excel row `first`) with those whose only value
    is such a number (fastexcel read it as blank, so the row as empty): the row reader reads it."""
    extra = {r - first for j, at in fixes.items() if j in cols for r in at if 0 <= r - first < height}
    if not extra:
        return keep
    import numpy as np
    return np.union1d(keep, np.fromiter(extra, dtype=keep.dtype, count=len(extra)))


def _fixes_placed(fixes: dict[int, dict[int, tuple]], rows: list[int]) -> dict[int, dict[int, tuple]]:
    """`fixes` (column -> Excel row -> value) as column -> index among `rows` -> value; Fallback
    where a row was left out (a row whose only value is such a number reads as blank)."""
    from generator.workbook import columnar
    placed: dict[int, dict[int, tuple]] = {}
    for j, at in fixes.items():
        for row, v in at.items():
            k = bisect_left(rows, row)
            if k == len(rows) or rows[k] != row:
                raise columnar.Fallback("a row holding only a date-formatted number read as blank")
            placed.setdefault(j, {})[k] = v
    return placed


def _patched(raw, at: dict[int, tuple], empty=None) -> list:
    """A column's raw values (a blank is `empty`: "" in a column outside the contract) with the
    cells `at` (index -> (value, whether it replaces a value read, not only a blank)) set."""
    if isinstance(raw, Encoded):
        raw = take(raw.distinct + [empty], raw.idx)
    for k, (v, always) in at.items():
        if always or raw[k] is None or raw[k] == empty:
            raw[k] = v
    return raw


def _far(sinfo: SheetInfo) -> bool:
    """Whether cells far from the data were left out of what is read (DATA009)."""
    return bool(sinfo.outliers or sinfo.far_count)


def _read_fixes(fixes: dict[int, dict[int, tuple]], cols: dict, sinfo: SheetInfo, rows=None):
    """The fixes of cells the parse holds: where cells far from the data were left out (the copy
    read has not got them), those outside the parsed columns or `rows` are dropped with them."""
    if not _far(sinfo):
        return fixes
    return {j: kept for j, at in fixes.items() if j in cols
            for kept in [{r: v for r, v in at.items() if rows is None or r in rows}] if kept}


def _empty_sheet(spec: K.Sheet, problems: list[Problem]) -> None:
    for col in spec.columns:
        if col.required:
            problems.append(Problem("DATA001", spec.name, 1, col.name,
                                    f"工作表“{spec.name}”是空的，缺少表头“{col.name}”"))


def _map_header(table: Table, header: list, h: int, col0: int, problems: list[Problem]) -> tuple[dict, dict]:
    """Contract columns and other columns of the header row h (0-based): name -> index in `header`."""
    spec = table.spec
    table.header_row = h + 1
    mapped: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for j, v in enumerate(header):
        name = norm_header(v)
        if not name:
            continue
        if name in spec.by_name:
            if name in mapped:
                a, b = column_letter(col0 + mapped[name]), column_letter(col0 + j)
                problems.append(Problem("DATA001", spec.name, h + 1, name,
                                        f"表头“{name}”出现了两次（{a} 列和 {b} 列），只读取 {a} 列，"
                                        "请删除或改名重复的一列"))
                continue
            mapped[name] = j
        else:
            unknown.setdefault(str(v).strip(), j)
    for col in spec.columns:
        if col.required and col.name not in mapped:
            near = difflib.get_close_matches(col.name, list(unknown), n=1, cutoff=0.5)
            hint = f"（找到表头“{near[0]}”，应为“{col.name}”？）" if near else ""
            problems.append(Problem("DATA001", spec.name, h + 1, col.name, f"缺少必填列“{col.name}”{hint}"))
    for name, j in mapped.items():
        table.letters[name] = column_letter(col0 + j)
        table.cols[name] = []
    for name, j in unknown.items():
        table.extra_letters[name] = column_letter(col0 + j)
        table.extra[name] = []
    return mapped, unknown


def _odd_cells(sinfo: SheetInfo, col0: int) -> dict[int, dict[int, str]]:
    """Error values and formulas without a cached value: column index -> excel row -> reason."""
    odd: dict[int, dict[int, str]] = {}
    for ref, why in sinfo.odd_cells.items():
        letters = ref.rstrip("0123456789")
        odd.setdefault(col_index(letters) - col0, {})[int(ref[len(letters):])] = why
    return odd


def _convert(table: Table, mapped: dict[str, int], column, excel_rows: list[int], odd, problems: list[Problem] | dict,
             date1904: bool) -> None:
    """Typed values of each mapped column (`column(j)` gives its raw values), with a finding for
    each cell that cannot be read and each required cell left empty. `problems` is a list, or a
    dict that gathers the problems of a sheet filled a part at a time under (column's place,
    kind), so that sorted they come in the order of the sheet filled at once."""
    spec = table.spec
    required = {name for name in mapped if spec.by_name[name].required}
    for place, (name, j) in enumerate(mapped.items()):
        col = spec.by_name[name]
        raw = column(j)
        vals, bad = (convert_encoded(col, *raw, date1904) if isinstance(raw, Encoded)
                     else convert_column(col, raw, date1904))
        flagged = set()
        found: tuple[list, list, list] = ([], [], [])      # odd cells, unreadable cells, required cells left empty
        odd_here = odd.get(j)
        if odd_here:
            for k, row_no in enumerate(excel_rows):
                why = odd_here.get(row_no)
                if why is not None:
                    found[0].append(Problem("DATA003", spec.name, row_no, name, why))
                    vals[k] = None
                    flagged.add(k)
        rule = "DATA002" if col.type == K.ENUM else "DATA003"
        for k, why, _raw in bad:
            if k not in flagged:
                found[1].append(Problem(rule, spec.name, excel_rows[k], name, f"{name}：{why}"))
                flagged.add(k)
        if name in required and None in vals:
            for k, v in enumerate(vals):
                if v is None and k not in flagged:
                    found[2].append(Problem("DATA001", spec.name, excel_rows[k], name, f"必填项“{name}”为空"))
        for kind, got in enumerate(found):
            if got:
                (problems if isinstance(problems, list) else problems.setdefault((place, kind), [])).extend(got)
        table.cols[name].extend(vals)


def _fill_merged(chunk: list[list], r: int, merges, top: dict) -> None:
    """Write each merged range's first value into its other cells (rows of this chunk)."""
    last = r + len(chunk) - 1
    for r0, c0, r1, c1 in merges:
        if r1 < r or r0 > last:
            continue
        if (r0, c0) not in top:
            top[(r0, c0)] = chunk[r0 - r][c0] if r0 >= r and c0 >= 0 and c0 < len(chunk[r0 - r]) else ""
        value = top[(r0, c0)]
        for rr in range(max(r0, r), min(r1, last) + 1):
            row = chunk[rr - r]
            for c in range(max(c0, 0), min(c1, len(row) - 1) + 1):
                row[c] = value


__all__ = ["read_workbook", "Workbook", "Table", "Problem", "ReadError"]
