"""The columnar read path for .xlsx / .xlsm sheets (issue 15).

fastexcel parses a sheet with calamine's borrowing cell reader straight into Arrow columns, on
a thread that does not hold the GIL, about twice as fast as python-calamine's row objects.
This module gives the row reader (reader.py) the same raw values it would have seen, column by
column, so the conversion and every finding stay the row reader's own:

- The header row is found in the sheet's first rows read from its XML (a few kilobytes), so the
  sheet is parsed once, with the header row known and every column typed by what it holds.
- A column must hold one kind of value (numbers, text, dates or booleans, and blanks): fastexcel
  is asked to refuse a sheet where one does not, because coercing such a column would change
  values (a 身份证号码 typed as a number would lose its warning). Such sheets, merged cells in the
  data, or anything else this path cannot vouch for raise `Fallback`: the row reader reads them.
- Values are handed over as the row reader's: text shared by distinct value (one Python object
  per distinct text, not per cell), numbers as floats, dates as datetimes, a time of day as a time.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime
from pathlib import Path

import fastexcel
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from generator.workbook.parts import MARKER, Parts
from generator.workbook.inspect import _AFTER_NAME, MAX_COL, Package, _local, _rels, col_index
from generator.workbook.values import Encoded, plain_digits, take

logging.getLogger("fastexcel").setLevel(logging.ERROR)     # its dtype guesses are not the user's business
log = logging.getLogger("huifang.read")

_NO_DATE = datetime(1900, 1, 1)

np = pa = pc = None         # numpy and pyarrow: see arrow()


def arrow() -> None:
    """Import numpy and pyarrow (a quarter of a second at start-up). fastexcel itself does not
    need them to parse, so the reader calls this while the first sheet is being parsed."""
    global np, pa, pc
    if pc is None:
        import numpy
        import pyarrow
        import pyarrow.compute
        np, pa, pc = numpy, pyarrow, pyarrow.compute


class Fallback(Exception):
    """This sheet is for the row reader."""


class Readers:
    """fastexcel's readers of one workbook, kept for the next sheet. Opening a reader parses the
    workbook's shared strings and styles (as Excel, WPS and LibreOffice write 100,000 records,
    about a twelfth of a second), so the sheets share the readers rather than each opening the
    workbook again: one is opened for each sheet parsed while the others are busy (a sheet's load
    borrows its reader), at most one per thread. A reader whose load panicked is not used again.
    A reader holds the shared strings (tens of megabytes for a year of records): once `left`
    sheets have been loaded, none is kept for later (a sheet after that opens its own). close()
    lets go of them (and of the file they hold open)."""

    def __init__(self, source: Path) -> None:
        self.source = str(source)
        self.idle: list = []
        self.left: int | None = None    # the sheets still to be loaded whole, when the caller knows

    def _give_back(self, reader) -> None:
        if self.left is None or self.left > 0:
            self.idle.append(reader)
        else:                   # the last load: the reader another thread gave back goes too
            self.idle.clear()

    def _take(self):
        try:
            return self.idle.pop()
        except IndexError:
            return fastexcel.read_excel(self.source)

    def names(self) -> list[str]:
        """The workbook's sheet names, as the reader lists them."""
        reader = self._take()
        try:
            return list(reader.sheet_names)
        finally:
            self._give_back(reader)

    def load_sheet(self, sheet: str, **options):
        reader = self._take()
        if self.left is not None:
            self.left -= 1
        try:
            got = reader.load_sheet(sheet, **options)
        except Exception:       # the sheet refused (a column of mixed kinds…): the reader is as it was
            self._give_back(reader)
            raise
        self._give_back(reader)
        return got

    def close(self) -> None:
        self.idle.clear()


class MixedKinds(Fallback):
    """The parts of a column hold different kinds of value."""


class FastSheet:
    """A parsed sheet: its first rows as the row reader shows them, the header row's index in the
    sheet (0-based) and the sheet's data below the header as Arrow columns keyed by column index."""

    def __init__(self, head: list[list], header: int, columns: dict[int, pa.Array], names: dict[int, str]):
        self.head, self.header, self.columns, self.names = head, header, columns, names
        self.height = len(next(iter(columns.values()))) if columns else 0


class PartedSheet:
    """A sheet parsed in parts (parts.py), handed over part by part as each parse ends, so that
    the reader fills one part in while the next are still being parsed. `head`, `header` and
    `names` as FastSheet's; `first`: the sheet's first row with a value (0-based). `pieces`
    yields, in the sheet's order, (the Excel row of the part's first data row, its columns by
    index, its height). It raises MixedKinds (or fastexcel's own error) as soon as the parts so
    far hold two kinds of value in one column - what the whole sheet's parse would refuse - and
    PartsFailed when the parts cannot stand for the sheet."""

    def __init__(self, head: list[list], header: int, first: int, names: dict[int, str], pieces):
        self.head, self.header, self.first, self.names, self.pieces = head, header, first, names, pieces


class PartsFailed(Exception):
    """The parts of a sheet could not be read as the sheet (a part's parse failed, or it does not
    fit its rows): the sheet is parsed whole."""


def load(source: Path, part: str, book_part: str, sheet: str, rows: int, find_header, parsed=None,
         parts: Parts | None = None, early: dict | None = None,
         readers: Readers | None = None) -> FastSheet | PartedSheet:
    """Parse one sheet. `find_header(rows)` is the row reader's own header search; `parsed()`, if
    given, is called when the parse is over and only its Arrow columns remain to be made. With
    `parts` (parts.py) the sheet is parsed in parts, two at a time, and handed over at once as a
    PartedSheet (its first part's column names known). `readers`: the workbook's (Readers), if
    the caller keeps them."""
    head, first = head_rows(source, part, book_part, rows)
    if first is None:
        raise Fallback("no value in the first rows")
    h = find_header(head)
    if h is None or h < first:
        raise Fallback("no header row")
    if parts is not None and parts.rows[0] >= h + 3:    # the first marker row lies below the header
        pieces = _load_parts(parts, sheet, h, first, early)
        try:
            names = next(pieces)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except fastexcel.UnsupportedColumnTypeCombinationError as e:
            raise declined(e) from None
        except BaseException as e:      # the first part could not be parsed: the sheet is parsed whole
            log.debug("%s：工作表“%s”不分段解析（%s）", source, sheet, (str(e).splitlines() or [""])[0][:200])
        else:
            if parsed is not None:
                parsed()
            return PartedSheet(head, h, first, names, pieces)
    return load_whole(source, sheet, head, h, first, parsed, readers)


def load_whole(source: Path, sheet: str, head: list[list], h: int, first: int, parsed=None,
               readers: Readers | None = None) -> FastSheet:
    """The sheet parsed in one piece (`head`, `h` and `first` as load() found them)."""
    try:
        opened = readers or Readers(source)
        loaded = opened.load_sheet(sheet, header_row=h - first, schema_sample_rows=None, dtype_coercion="strict")
        if parsed is not None:
            parsed()
        batch = loaded.to_arrow()
        infos = loaded.selected_columns      # (available_columns() infers every dtype again)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    # a column of mixed kinds, a cell it cannot convert (a Rust panic is a BaseException)
    except BaseException as e:
        raise declined(e) from None
    del loaded
    arrow()
    columns = {c.absolute_index: batch.column(i) for i, c in enumerate(infos)}
    for arr in columns.values():
        if pa.types.is_timestamp(arr.type):
            check_dates(arr)
    names = {c.absolute_index: c.name for c in infos}
    return FastSheet(head, h, columns, names)


def parse_part(book: Path, sheet: str, k: int, header_row: int, marker: str = MARKER):
    """One part of a sheet (parts.py) parsed: its columns by index, its height and column infos."""
    got = fastexcel.read_excel(str(book)).load_sheet(
        sheet, header_row=header_row, schema_sample_rows=None, dtype_coercion="strict")
    batch, infos = got.to_arrow(), got.selected_columns
    del got                 # the part's cells go before the next part is parsed on this thread
    if k and (not infos or infos[0].absolute_index != 0 or infos[0].name != marker):
        raise Fallback("a part does not begin at its marker")
    return {c.absolute_index: batch.column(i) for i, c in enumerate(infos)}, batch.num_rows, infos


def _load_parts(parts: Parts, sheet: str, h: int, first: int, early: dict | None = None):
    """The parts parsed two at a time (the parser lets go of the GIL), a generator: first the
    first part's column names, then each part in order as PartedSheet.pieces gives it. The first
    part's data rows are Excel rows h+2 .., each later part's begin at its row in `parts.rows`
    (the blank rows a part ends in, which the parser leaves out, are left out: they are blank).
    `early` holds the parts already being parsed while the sweep went on: index -> (header row,
    Future). Closing the generator waits for the parses under way (their files go next)."""
    early = early or {}
    starts = [h + 2] + parts.rows
    kinds = _Kinds()
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="huifang-part")
    futures = []
    try:
        for k, book in enumerate(parts.books):
            header_row = h - first if k == 0 else 0
            got = early.get(k)
            futures.append(got[1] if got is not None and got[0] == header_row
                           else pool.submit(parse_part, book, sheet, k, header_row, parts.marker))
        for k, fut in enumerate(futures):
            try:
                cols, n, infos = fut.result()
            except (KeyboardInterrupt, SystemExit, MemoryError, fastexcel.UnsupportedColumnTypeCombinationError):
                raise
            except BaseException as e:
                raise PartsFailed(f"part {k + 1}: {(str(e).splitlines() or [''])[0][:200]}") from None
            futures[k] = None
            if k == 0:
                yield {c.absolute_index: c.name for c in infos}
            if k + 1 < len(starts) and n > starts[k + 1] - starts[k]:
                raise PartsFailed("a part is longer than its rows")
            arrow()
            kinds.add(cols)
            for arr in cols.values():
                if pa.types.is_timestamp(arr.type):
                    check_dates(arr)
            yield starts[k], cols, n
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        wait([f for f in futures if f is not None])     # the early parses too, before their files go


class _Kinds:
    """The kinds of value each column has held in the parts so far: one kind, as the whole sheet's
    strict parse demands (whole and decimal numbers count as one); a part whose text is all empty
    counts as blank beside another kind, as the whole parse makes it."""

    def __init__(self) -> None:
        self.all: dict[int, set] = {}
        self.valued: dict[int, set] = {}

    def add(self, cols: dict) -> None:
        for c, arr in cols.items():
            if pa.types.is_null(arr.type):
                continue
            self.all.setdefault(c, set()).add(arr.type)
            if not _all_blank_text(arr):
                self.valued.setdefault(c, set()).add(arr.type)
            if not (_one_kind(self.all[c]) or _one_kind(self.valued.get(c, set()))):
                raise MixedKinds(f"the parts hold different kinds: {sorted(map(str, self.all[c]))}")


def _one_kind(types: set) -> bool:
    return len(types) <= 1 or all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types)


def _all_blank_text(arr) -> bool:
    """A text column of empty texts only (beside another kind, the whole parse makes them blanks)."""
    return ((pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))
            and (arr.null_count == len(arr) or not pc.any(pc.not_equal(arr, "")).as_py()))


def declined(e: BaseException) -> Fallback:
    """The Fallback that sends a sheet to the row reader for what the parser raised (its reason
    the same every run: _sorted_sets)."""
    return Fallback(_sorted_sets(str(e))[:200])


def _sorted_sets(text: str) -> str:
    """fastexcel names the kinds a column mixes as a Rust hash set ("{DateTime, String}"), in an
    order that changes from one process to the next: sorted, the reason is the same every run."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", text)


# ---------------------------------------------------------------- the first rows, from the XML

def head_rows(source: Path, part: str, book_part: str, n: int) -> tuple[list[list], int | None]:
    """The sheet's first n rows (0-based rows 0..n-1) as python-calamine's iter_rows gives them,
    with columns counted from A, and the first row holding any value (None if none does).

    Only the first rows of the sheet's XML are parsed, and of the shared strings only as many as
    they refer to, with defusedxml (no DTD, no entities: the inspection refused them in every
    other part already)."""
    cells: list[tuple[int, int, object]] = []        # (row, column, value)
    wanted: dict[int, list[tuple[int, int]]] = {}   # shared string index -> cells
    with zipfile.ZipFile(source) as zf:
        with zf.open(part) as fh:
            row_no = -1
            for el in _ends(fh, "row"):
                r = el.get("r")
                row_no = int(r) - 1 if r and plain_digits(r) else row_no + 1
                if row_no >= n:
                    break
                col = -1
                for c in el:
                    if _local(c.tag) != "c":
                        continue
                    ref = c.get("r")
                    col = _column(ref) if ref else col + 1
                    kind = c.get("t", "n")
                    if kind == "inlineStr":
                        got = c.find("{*}is")
                        cells.append((row_no, col, _text(got) if got is not None else ""))
                        continue
                    v = c.find("{*}v")
                    if v is None or v.text is None:
                        if kind == "str" and v is not None:
                            cells.append((row_no, col, ""))
                        continue
                    if kind == "s":
                        wanted.setdefault(int(v.text), []).append((row_no, col))
                    elif kind == "str":
                        cells.append((row_no, col, v.text))
                    elif kind == "b":
                        cells.append((row_no, col, v.text.strip() == "1"))
                    elif kind == "e":
                        cells.append((row_no, col, ""))
                    else:
                        try:
                            cells.append((row_no, col, float(v.text)))
                        except ValueError:
                            cells.append((row_no, col, v.text))
                el.clear()
        if wanted:
            for i, text in _shared_strings(zf, book_part, set(wanted)).items():
                for row_no, col in wanted[i]:
                    cells.append((row_no, col, text))
    width = max((c for _, c, _ in cells), default=-1) + 1
    rows = [[""] * width for _ in range(n)]
    for r, c, v in cells:
        rows[r][c] = v
    return rows, min((r for r, _, _ in cells), default=None)


_CELL_REF = re.compile(r"([A-Z]{1,3})[1-9]\d{0,6}")


def _column(ref: str) -> int:
    """The column of a cell reference; anything but a reference inside Excel's grid is for the row
    reader (which refuses it as damaged), never a rectangle allocated here."""
    m = _CELL_REF.fullmatch(ref)
    col = col_index(m.group(1)) if m else MAX_COL
    if col >= MAX_COL:
        raise Fallback(f"cell reference {ref[:20]!r}")
    return col


def _ends(fh, name: str):
    """The elements called `name` (any namespace) of an XML stream, as each ends."""
    try:
        for _, el in SafeET.iterparse(fh, events=("end",)):
            if _local(el.tag) == name:
                yield el
    except (SafeET.ParseError, DefusedXmlException) as e:
        raise Fallback(f"XML: {e}") from None


def _text(node) -> str:
    """The text of a plain or rich string (<is>, <si>), without its phonetic runs (<rPh>)."""
    out = []
    for ch in node:
        name = _local(ch.tag)
        if name == "t":
            out.append(ch.text or "")
        elif name == "r":
            out.extend(t.text or "" for t in ch if _local(t.tag) == "t")
    return "".join(out)


def _shared_strings(zf: zipfile.ZipFile, book_part: str, wanted: set[int]) -> dict[int, str]:
    """The shared strings numbered `wanted` (the same for a sheet's header search while its parts
    are parsed and when it is loaded: looked up once per file and version)."""
    try:
        st = os.stat(zf.filename)
    except (OSError, TypeError, ValueError):
        return _read_shared_strings(zf, book_part, wanted)
    key = (zf.filename, st.st_mtime_ns, st.st_size, book_part, frozenset(wanted))
    with _KNOWN_LOCK:
        got = _KNOWN.get(key)
    if isinstance(got, Fallback):
        raise Fallback(str(got))
    if got is None:
        try:
            got = _read_shared_strings(zf, book_part, wanted)
        except Fallback as e:           # known too: not read again for the sheet's next header search
            with _KNOWN_LOCK:
                _KNOWN[key] = e
            raise
        with _KNOWN_LOCK:
            _KNOWN[key] = got
            while len(_KNOWN) > 16:
                _KNOWN.pop(next(iter(_KNOWN)))
    return dict(got)


_KNOWN: dict = {}
_KNOWN_LOCK = threading.Lock()


def _read_shared_strings(zf: zipfile.ZipFile, book_part: str, wanted: set[int]) -> dict[int, str]:
    """The shared strings numbered `wanted`, from the part the workbook's relationships name.

    The items before the last one wanted are counted, not parsed: their start tags are found by
    memchr-speed searches (LibreOffice, WPS and openpyxl number strings as they first occur, so
    a header's strings may stand tens of thousands of items in), and only the wanted items are
    parsed, with defusedxml. A part written otherwise (a prefix, comments or processing
    instructions among the items) is parsed item by item."""
    pkg = Package(Path(zf.filename or ""), zf)
    name = next((pkg.find(part) for typ, part in _rels(pkg, book_part).values()
                 if typ.endswith("/sharedStrings") and pkg.find(part)), None)
    if name is None:
        raise Fallback("no shared strings")
    last = max(wanted)
    with pkg.open(name) as fh:
        got = _counted_items(fh, last)
    if got is None:
        with pkg.open(name) as fh:
            return _parsed_items(fh, wanted, last)
    data, starts, nsdecl = got
    if last >= len(starts):
        raise Fallback("shared string index out of range")
    out: dict[int, str] = {}
    for i in wanted:
        s = starts[i]
        tag_end = data.find(b">", s)
        if data[s:tag_end + 1] not in (b"<si>", b"<si/>"):       # attributes on an item: item by item
            with pkg.open(name) as fh:
                return _parsed_items(fh, wanted, last)
        if data[tag_end - 1] == 0x2F:                    # <si/>: an empty text
            out[i] = ""
            continue
        end = data.find(b"</si>", tag_end)
        try:
            si = SafeET.fromstring(b"<w " + nsdecl + b">" + data[s:end + 5] + b"</w>")[0]
        except (SafeET.ParseError, DefusedXmlException, IndexError) as e:
            raise Fallback(f"shared string {i}: {e}") from None
        out[i] = _text(si)
    return out


def _counted_items(fh, last: int):
    """(the part's bytes up to the end of item `last`, where each item starts, the namespace
    declarations of the root), or None for a part not written the plain way."""
    data = bytearray()
    starts: list[int] = []
    pos = 0
    nsdecl = None
    while True:
        chunk = fh.read(1 << 20)
        data += chunk
        if nsdecl is None:
            root = re.search(rb"<(\w+:)?sst\b[^>]*>", data)
            if root is None:
                if not chunk or len(data) > 1 << 16:
                    return None
                continue
            if root.group(1):
                return None                     # <x:sst>: item by item
            nsdecl = b" ".join(re.findall(rb'xmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|\'[^\']*\')', root.group(0)))
            pos = root.end()
        stop = len(data) if not chunk else max(pos, len(data) - 8)     # a tag cut by the chunk's end: next time
        if any(data.find(odd, pos, stop) != -1 for odd in (b"<!", b"<?", b":si", b"</si ")):
            return None                 # comments, CDATA, prefixed items, end tags with spaces
        i = data.find(b"<si", pos, stop)
        while i != -1 and len(starts) <= last:
            if data[i + 3:i + 4] in _AFTER_NAME:
                starts.append(i)
            i = data.find(b"<si", i + 3, stop)
        pos = max(pos, stop - 2) if i == -1 else i      # a tag begun before stop is looked at again
        if len(starts) > last:
            end = data.find(b"</si>", starts[last])
            gt = data.find(b">", starts[last])
            if gt != -1 and (data[gt - 1] == 0x2F or end != -1):
                return data, starts, nsdecl
        if not chunk:
            return data, starts, nsdecl


def _parsed_items(fh, wanted: set[int], last: int) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, si in enumerate(_ends(fh, "si")):
        if i in wanted:
            out[i] = _text(si)
        si.clear()
        if i >= last:
            break
    if last not in out:
        raise Fallback("shared string index out of range")
    return out


# ---------------------------------------------------------------- Arrow columns to the row reader's values

def nonempty_rows(columns: list[pa.Array]) -> np.ndarray:
    """Indexes of the rows with a value in any column (an empty text counts as empty)."""
    arrow()
    if not columns:
        return np.arange(0)
    any_value = None
    for arr in columns:
        if pa.types.is_null(arr.type):
            continue
        has = arr.is_valid()
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            has = pc.and_(has, pc.not_equal(arr, "")).fill_null(False)
        any_value = has if any_value is None else pc.or_(any_value, has)
    if any_value is None:
        return np.arange(0)
    return np.flatnonzero(any_value.to_numpy(zero_copy_only=False))


def values(arr: pa.Array, empty=None, instants: bool = False):
    """The row reader's raw values of one column; a blank cell is `empty`.

    Text, and dates that repeat, come as (distinct values, index of each cell's value, with
    len(distinct) for a blank): the conversion then works once per distinct value and the cells
    share its objects (values.convert_encoded). Other kinds come as a list. With `instants` (a
    date-and-time column) a date cell at midnight comes as a midnight datetime, which is what the
    conversion makes of python-calamine's date."""
    arrow()
    t = arr.type
    n = len(arr)
    if pa.types.is_null(t):
        return [empty] * n
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        enc = arr.dictionary_encode()
        return _encoded(enc.dictionary.to_pylist(), enc.indices, empty)
    if pa.types.is_timestamp(t):
        enc = arr.dictionary_encode()
        if 2 * len(enc.dictionary) <= n:     # days that repeat (报告日期, 审核日期): one object per day
            return _encoded(_dates(enc.dictionary, instants), enc.indices, empty)
        out = _dates(arr, instants)
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        out = _numbers(arr.cast(pa.float64()))
    else:
        out = arr.to_pylist()
    if empty is not None and arr.null_count:
        out = [empty if v is None else v for v in out]
    return out


def _encoded(distinct: list, indices: pa.Array, empty):
    idx = indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
    if empty is not None:
        return take(distinct + [empty], idx)
    return Encoded(distinct, idx)


def _numbers(arr: pa.Array) -> list:
    got = arr.to_numpy(zero_copy_only=False)
    if not arr.null_count:
        return got.tolist()
    objects = got.astype(object)
    objects[arr.is_null().to_numpy(zero_copy_only=False)] = None
    return objects.tolist()


def check_dates(arr: pa.Array) -> None:
    """A date Python cannot hold (after 9999, or before year 1: an ISO date cell of year 0) is
    for the row reader, which reports it at its cell."""
    arrow()
    ms = arr.cast(pa.timestamp("ms")).cast(pa.int64())
    high, low = pc.max(ms).as_py(), pc.min(ms).as_py()
    if high is not None and high > _LAST_MS:
        raise Fallback("a date after 9999")
    if low is not None and low < _FIRST_MS:
        raise Fallback("a date before year 1")


_LAST_MS = int((datetime(9999, 12, 31, 23, 59, 59) - datetime(1970, 1, 1)).total_seconds() * 1000)
_FIRST_MS = int((datetime(1, 1, 1) - datetime(1970, 1, 1)).total_seconds() * 1000)


def _dates(arr: pa.Array, instants: bool = False) -> list:
    """As python-calamine gives date cells: a date at midnight, a datetime otherwise, a time of day
    (a value before 1900) as a time; with `instants`, midnight stays a datetime."""
    got = arr.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)      # NaT for a blank
    early = got < np.datetime64(_NO_DATE)
    if instants:
        midnight = np.zeros(len(got), dtype=bool)
    else:
        days = got.astype("datetime64[D]")
        midnight = days == got
        if not early.any() and (midnight | np.isnat(got)).all():
            return days.tolist()
    out = got.tolist()
    for i in np.flatnonzero(midnight | early).tolist():
        v = out[i]
        out[i] = v.time() if v < _NO_DATE else v.date()
    return out
