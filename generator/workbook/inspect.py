"""A guard in front of the reader: is this a workbook we can safely read, in which format, and
which cells does the cell reader not show as they are?

- The format is taken from the content, never the file name: .xlsx/.xlsm (zip with a workbook
  part), .xlsb, .ods, .xls and WPS .et (OLE). Encrypted files and other files are refused.
- A zip is never parsed with entity expansion: XML with a DOCTYPE or ENTITY anywhere in a part
  the reader uses is refused (entity bombs), and parts that inflate beyond a bound are refused
  before inflating (zip bombs). A damaged part huifang reads is one line naming it; a damaged
  part it does not need (docProps) is left alone.
- Parts are found as OPC says: the workbook through _rels/.rels, the sheets through the
  workbook's relationships, in transitional or strict (ISO 29500) namespaces, with any prefix,
  with backslashes in member names.
- Each worksheet's XML is streamed once, before it is parsed (`_sweep`), to find error values
  (#N/A) and formulas without a cached value (calamine shows both as empty): candidate cells are
  found by bytes and then parsed as XML, namespace-aware. A cached empty-string result
  (=IF(…,"")) is a value. The same pass reads every cell reference with numpy, a chunk at a time.
- A stray value far from the data (a note at XFD1048576) would make the cell reader allocate
  the whole rectangle it spans; from that pass's figures such cells are judged (the sheet's
  dimension, if it holds every reference, or the rows and columns of the cells with content),
  and only then looked at cell by cell and left out of a normalized copy the reader reads
  instead, each reported at its cell.
"""
from __future__ import annotations

from generator import scratch, zipparts
from generator.workbook import parts as parts_mod, xls
from generator.workbook.values import column_letter, column_number, plain_digits
from generator.errors import HuifangError
from generator.names import shown

import html
import os
from bisect import bisect_left
import re
from functools import lru_cache
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
import shutil
import stat
import zipfile
from xml.parsers import expat
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

np = None            # numpy, imported by the first sweep of a sheet

# Bounds: a year of a large broker is about a million records; its sheet inflates to ~1.5 GB.
MAX_PART_BYTES = 4 << 30          # any one part, inflated
MAX_TOTAL_BYTES = 8 << 30         # the whole workbook, inflated
MAX_RATIO = 400                   # inflated / compressed, for parts above RATIO_FLOOR
RATIO_FLOOR = 64 << 20
CHUNK = 1 << 22
SCAN_CHUNK = 1 << 22       # the sweep of a sheet: its references are read a chunk at a time with numpy
MAX_CELLS = 150_000_000           # the rectangle the cell reader may allocate (rows x columns)
WIDE = 256                        # a sheet dimension wider than this is checked cell by cell
MAX_ROW_CELLS = 50_000_000        # the same for the formats read as rows (.ods .xls .xlsb: ~100 bytes a cell)
MAX_ROW, MAX_COL = 1_048_576, 16_384   # the grid of Excel: XFD1048576 is its last cell

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLSX, XLSB, ODS, XLS = "xlsx", "xlsb", "ods", "xls"
FORMAT_LABEL = {XLSX: "Excel 工作簿（.xlsx）", XLSB: "Excel 二进制工作簿（.xlsb）", ODS: "OpenDocument 表格（.ods）",
                XLS: "Excel 97-2003 / WPS 工作簿（.xls / .et）"}
_OFFICE_DOC = re.compile(r"/officeDocument$")
_ENCRYPTED = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


class ReadError(HuifangError):
    """A file that cannot be read at all. The message is one Chinese line naming the file."""


class DamagedPart(ReadError):
    """A zip member that cannot be inflated (bad CRC, broken deflate stream)."""


# what zipfile and zlib raise for a member that cannot be inflated
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


def _damaged(path: Path, name: str, e: Exception) -> DamagedPart:
    return DamagedPart(f"{shown(path)}：其中 {name} 已损坏，无法解压（{_why(e)}）")


def _entities(path: Path, name: str) -> ReadError:
    return _fail(path, f"{name} 含有 XML 实体声明，可能是恶意构造的文件，拒绝读取")


@dataclass
class SheetInfo:
    name: str
    part: str
    hidden: bool = False
    size: int = 0             # inflated size of its XML part
    # cell reference ("F12") -> Chinese reason, for cells the reader shows as empty
    odd_cells: dict[str, str] = field(default_factory=dict)
    # cells far outside the data, left out of what the reader reads: reference -> value shown
    outliers: dict[str, str] = field(default_factory=dict)
    # byte spans of cells the next normalized copy leaves out (far cells, unconvertible dates)
    spans: list[tuple[int, int]] = field(default_factory=list)
    # merged ranges as ((first row, first column), (last row, last column)), 0-based, from the scan
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    far_count: int = 0        # how many cells were left out as far (more than `outliers` names)
    # number cells in a date format that are no date the columnar parser holds: reference (None:
    # a cell written without one) -> the number as written (inspect._big_numbers)
    big_numbers: dict[str | None, str] = field(default_factory=dict)
    narrow: bool = False      # the far-cell judgement found every cell with a value it keeps within WIDE columns
    parts: parts_mod.Parts | None = None      # a large sheet written in parts (parts.py)

    def drop_parts(self) -> None:
        if self.parts is not None:
            scratch.remove(self.parts.folder)
            self.parts = None


@dataclass
class Inspection:
    sheets: list[SheetInfo]
    macros: bool = False
    format: str = XLSX
    date1904: bool = False
    source: Path | None = None     # what the cell reader reads: the file, or a normalized copy
    book_part: str = "xl/workbook.xml"   # the workbook part inside `source`
    cleanup: Path | None = None    # a temporary folder to remove after reading
    sniffed_mismatch: bool = False  # the file name's extension does not say its format

    @property
    def cached_values(self) -> bool:
        """Whether error values and uncached formulas can be told apart from empty cells."""
        return self.format == XLSX

    def close(self) -> None:
        for sh in self.sheets:
            sh.drop_parts()
        if self.cleanup is not None:
            scratch.remove(self.cleanup)
            self.cleanup = None


def _fail(path: Path, why: str) -> ReadError:
    return ReadError(f"{shown(path)}：{why}")


def too_many_cells(path: Path, sheet: str, rows: int, cols: int, budget: int) -> ReadError:
    """A sheet whose cells span more than the reader can hold: named before anything is read."""
    return _fail(path, f"工作表“{sheet}”的内容分布在 {rows} 行 × {cols} 列（{rows * cols // 10_000} 万个单元格），"
                       f"超出读取上限 {budget // 10_000} 万个单元格，拒绝读取；"
                       "请删除远离数据区的行、列或其中的内容后再校验")


def rust_readable(info: Inspection, path: Path) -> None:
    """The cell readers (Rust) take a file name as UTF-8 text; a name that is not (surrogate
    escapes of other bytes) is handed to them as a link to the file in a private temporary folder."""
    src = info.source or path
    try:
        str(src).encode("utf-8")
        return
    except UnicodeEncodeError:
        pass
    folder = scratch.scratch_dir("read")
    link = folder / ("workbook" + "".join(ch for ch in Path(src).suffix if ch.isascii()))
    try:
        os.symlink(os.path.abspath(src), link)
    except OSError:
        try:
            shutil.copyfile(src, link)
        except OSError as e:
            scratch.remove(folder)
            raise _fail(path, f"无法准备读取（{e.strerror}）") from None
    if info.cleanup is not None:
        scratch.remove(info.cleanup)
    info.source, info.cleanup = link, folder


def inspect(path: Path, scan: bool = True, early=None) -> Inspection:
    """Check that `path` is a readable workbook and list its sheets. Raises ReadError.

    Each sheet's XML is streamed once (`_sweep`): its odd cells, merged ranges and the extent of
    its references are known, and every safety check made, before anything is parsed. (`scan` is
    kept for callers; the sweep is the one pass either way.)"""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _fail(path, "找不到该文件") from None
    except OSError as e:
        raise _fail(path, f"无法访问（{e.strerror}）") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(path, "这是一个文件夹，不是工作簿")
    if st.st_size == 0:
        raise _fail(path, "文件是空的（0 字节），不是工作簿")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except PermissionError:
        raise _fail(path, "没有读取权限") from None
    except OSError as e:
        raise _fail(path, f"无法读取（{e.strerror}）") from None
    suffix = path.suffix.lower()
    if head.startswith(OLE_MAGIC):
        if _ole_encrypted(path):
            raise _fail(path, "工作簿设置了打开密码，请在 Excel 或 WPS 中取消密码后另存再校验")
        return Inspection([], format=XLS, source=path, sniffed_mismatch=suffix not in (".xls", ".et"))
    if not head.startswith(b"PK"):
        raise _fail(path, "不是 Excel 工作簿：文件内容不是 zip 或 Excel 格式，可能是改了扩展名的文本或 CSV")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail(path, "文件已损坏（zip 结构不完整，可能下载或复制时被截断）") from None
    with zf:
        return _inspect_zip(path, zf, scan, early)


def _ole_encrypted(path: Path) -> bool:
    """An OLE container holding an encrypted OOXML package (a workbook with an open password)."""
    with open(path, "rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if any(m in buf for m in _ENCRYPTED):
                return True
            tail = buf[-64:]
    return False


# ------------------------------------------------------------------ the zip package

class Package:
    """A zip's members under normalized names (forward slashes, no leading slash)."""

    def __init__(self, path: Path, zf: zipfile.ZipFile) -> None:
        self.path, self.zf = path, zf
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            self.infos.setdefault(zipparts.member_name(info.filename), info)
        self.renamed = any(i.filename != n for n, i in self.infos.items())
        self.low = {n.lower(): n for n in self.infos}

    def find(self, name: str) -> str | None:
        name = zipparts.member_name(name)
        return name if name in self.infos else self.low.get(name.lower())

    def open(self, name: str):
        return self.zf.open(self.infos[name])

    @contextmanager
    def chunks(self, name: str, size: int):
        """A member's data `size` bytes at a time: inflated by zlib-ng straight from the file
        (zipparts.inflated), or through zipfile for what that does not take."""
        def fail(why):
            return _damaged(self.path, name, zipfile.BadZipFile(why))
        with open(self.path, "rb") as fh:
            got = zipparts.inflated(fh, self.infos[name], size, fail)
            if got is not None:
                yield got
                return
        with self.open(name) as member:
            yield iter(lambda: member.read(size), b"")

    def read(self, name: str) -> bytes:
        try:
            return self.zf.read(self.infos[name])
        except _DAMAGE as e:
            raise _damaged(self.path, name, e) from None


def _why(e: Exception) -> str:
    text = str(e)
    if "CRC" in text:
        return "校验和不符"
    if isinstance(e, zlib.error) or "compress" in text.lower():
        return "压缩数据错误"
    if isinstance(e, NotImplementedError):
        return "不支持的压缩方式"
    return text[:80] or type(e).__name__


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(pkg: Package, name: str):
    data = pkg.read(name)
    _no_entities(pkg.path, name, data)
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException:
        raise _entities(pkg.path, name) from None
    except SafeET.ParseError:
        raise _fail(pkg.path, f"{name} 不是有效的 XML，文件已损坏") from None


def _no_entities(path: Path, name: str, data: bytes) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _entities(path, name)


def _rels(pkg: Package, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of a part ("" for the package)."""
    folder = str(PurePosixPath(source).parent) if source else ""
    rels_name = (f"{folder}/_rels/{PurePosixPath(source).name}.rels" if source else "_rels/.rels").lstrip("./")
    found = pkg.find(rels_name)
    if found is None:
        return {}
    out = {}
    for rel in _xml(pkg, found).iter():
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "").replace("\\", "/")
        part = target.lstrip("/") if target.startswith("/") else os.path.normpath(
            str(PurePosixPath(folder) / target)).replace(os.sep, "/")
        out[rel.get("Id")] = (rel.get("Type", ""), part.lstrip("./") if part.startswith("./") else part)
    return out


def _inspect_zip(path: Path, zf: zipfile.ZipFile, scan: bool = True, early=None) -> Inspection:
    pkg = Package(path, zf)
    if len(pkg.infos) != len(zf.infolist()):
        seen: set[str] = set()
        twice = next(n for n in map(zipparts.member_name, (i.filename for i in zf.infolist()))
                     if n in seen or seen.add(n))
        raise _fail(path, f"zip 中有两个同名的部件 {twice[:80]}，不同的程序会读到不同的内容，文件已损坏，拒绝读取；"
                          "请在 Excel 或 WPS 中打开并另存后再校验")
    total = 0
    for name, info in pkg.infos.items():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES or (
            info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise _fail(path, f"其中 {name} 解压后达 {info.file_size >> 20} MB，超出安全上限，拒绝读取（疑似压缩炸弹）")
    if total > MAX_TOTAL_BYTES:
        raise _fail(path, f"解压后共 {total >> 20} MB，超出安全上限，拒绝读取")

    if (pkg.find("mimetype")
            and pkg.read(pkg.find("mimetype")).strip() == b"application/vnd.oasis.opendocument.spreadsheet"):
        content = pkg.find("content.xml")
        # bounded: no "<!" anywhere in it, its CRC right and every table within the budget (one pass)
        bounded = bool(content) and _ods_bounded(pkg, content)
        for name in ("content.xml", "styles.xml", "settings.xml", "meta.xml"):
            if pkg.find(name) and not (bounded and pkg.find(name) == content):
                _stream_no_entities(pkg, pkg.find(name))
        if content and not bounded:
            _ods_measured(pkg, content)
        return Inspection([], format=ODS, source=path, sniffed_mismatch=path.suffix.lower() != ".ods")

    book_part = None
    for typ, part in _rels(pkg, "").values():
        if _OFFICE_DOC.search(typ) and pkg.find(part):
            book_part = pkg.find(part)
            break
    book_part = book_part or pkg.find("xl/workbook.xml") or pkg.find("xl/workbook.bin")
    if book_part is None:
        if pkg.find("content.xml"):
            raise _fail(path, "这是 OpenDocument 以外的 zip 文件（有 content.xml 而没有工作簿），不是表格")
        raise _fail(path, "不是 Excel 工作簿（zip 中没有工作簿部件），可能是其他软件的 zip 文件")
    if book_part.endswith(".bin"):
        for name in pkg.infos:
            if name.endswith((".xml", ".rels")):
                _stream_no_entities(pkg, name)
        return Inspection([], format=XLSB, source=path, sniffed_mismatch=path.suffix.lower() != ".xlsb",
                          macros=any(n.endswith("vbaProject.bin") for n in pkg.infos))

    workbook = _xml(pkg, book_part)
    targets = {rid: part for rid, (_, part) in _rels(pkg, book_part).items()}
    date1904 = False
    sheets = []
    for el in workbook.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            part = pkg.find(targets.get(rid, "")) or ""
            sheets.append(SheetInfo(el.get("name", ""), part, el.get("state", "visible") != "visible"))
    sheet_parts = {sh.part for sh in sheets}
    for name in list(pkg.infos):
        if name.endswith((".xml", ".rels")) and name not in sheet_parts:
            if _needed(name, book_part):
                _stream_no_entities(pkg, name)
            else:
                _quietly_checked(pkg, name)
    for name in pkg.infos:
        if name.lower().endswith("sharedstrings.xml"):
            _shared_strings_count(pkg, name)
    for sh in sheets:
        sh.size = pkg.infos[sh.part].file_size if sh.part in pkg.infos else 0
    info = Inspection(sheets, macros=any(n.endswith("vbaProject.bin") for n in pkg.infos), format=XLSX,
                      date1904=date1904, source=path, sniffed_mismatch=path.suffix.lower() not in (".xlsx", ".xlsm"),
                      book_part=book_part)
    if pkg.renamed or book_part != "xl/workbook.xml":
        early = None            # the reader reads a normalized copy: nothing is parsed before it exists
    if early is not None:
        early.begin(info)
    dates = _date_formats(pkg) if sheets else None
    try:
        for sh in sheets:
            if sh.part in pkg.infos:
                _sweep(pkg, sh, early, dates)
    except BaseException:
        if early is not None:
            early.close()       # its parses done before their files go (Windows cannot delete an open file)
        info.close()            # the parts written for the sheets before
        raise
    standard = book_part == "xl/workbook.xml"
    if pkg.renamed or not standard or any(sh.outliers for sh in sheets):
        for sh in sheets:
            _drop(sh, early)        # written from the input as it is: the reader reads the copy
        _normalize(pkg, info, book_part)
    return info


def _shared_strings_count(pkg: Package, name: str) -> None:
    """The cell reader sets aside room for as many shared strings as the table's uniqueCount says,
    before reading one (a count of 10^12 aborts the process). The count is read from the root
    element as an XML parser reads it (past comments, instructions, any quoting), and taken as the
    reader takes it (plain digits; it ignores anything else); beyond ten million, a count more than
    the part's bytes could hold (each item takes at least five, `<si/>`) is a damaged file, refused."""
    got: list = []

    def start(tag, attrs):
        got.append(attrs.get("uniqueCount"))
        raise _Seen
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with pkg.open(name) as fh:
            while not got and (chunk := fh.read(1 << 16)):
                parser.Parse(chunk, False)
    except _Seen:
        pass
    except expat.ExpatError:
        return                  # not XML: the reader says so itself
    except _DAMAGE as e:
        raise _damaged(pkg.path, name, e) from None
    value = got[0] if got else None
    size = pkg.infos[name].file_size
    if value and plain_digits(value) and int(value) > max(size // 5 + 1, 10_000_000):
        raise _fail(pkg.path, f"其中 {name} 声明有 {int(value)} 个共享字符串，而它只有 {size} 字节，"
                              "文件已损坏，拒绝读取；请在 Excel 或 WPS 中打开并另存后再校验")


class _Seen(Exception):
    """The root element has been seen: parsing stops."""


def _needed(name: str, book_part: str) -> bool:
    """Parts the cell reader uses: the workbook's folder (sheets, strings, styles, rels) and the package rels."""
    top = book_part.split("/", 1)[0]
    return name.startswith(top + "/") or name in ("_rels/.rels", "[Content_Types].xml")


def _quietly_checked(pkg: Package, name: str) -> None:
    """A part huifang does not need (docProps, customXml): refused if it carries entities, and
    left alone if it is damaged (it is not copied into a normalized copy then)."""
    try:
        _stream_no_entities(pkg, name)
    except DamagedPart:
        pkg.infos.pop(name, None)
        pkg.renamed = True          # the reader gets a copy without the damaged part


def _stream_no_entities(pkg: Package, name: str) -> None:
    """Stream a whole part: refused if it declares entities anywhere; a damaged part is named."""
    tail = b""
    try:
        with pkg.open(name) as fh:
            while chunk := fh.read(CHUNK):
                buf = tail + chunk
                if b"<!DOCTYPE" in buf or b"<!ENTITY" in buf:
                    raise _entities(pkg.path, name)
                tail = buf[-16:]
    except _DAMAGE as e:
        raise _damaged(pkg.path, name, e) from None


# ------------------------------------------------------------------ the extent of an OpenDocument table

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


# attributes that give a cell a value as the cell reader reads it (not only office:value-type)
_ODS_VALUED = frozenset({"value-type", "value", "string-value", "date-value", "time-value", "boolean-value",
                         "formula"})


def _repeat(el, name: str) -> int:
    raw = el.get(f"{{{_ODS_TABLE}}}{name}", "1")
    try:
        return max(int(raw), 1)
    except ValueError:
        return 1


_ODS_CHUNK = 8 << 20
_ODS_REPEAT = re.compile(rb"number-(rows|columns)-repeated\s*=\s*[\"']([0-9]+)[\"']")


def _ods_bounded(pkg: Package, name: str) -> bool:
    """Whether every table of content.xml is within the budget by an upper bound on its extent,
    found a row at a time by byte searches (the exact measure walks every cell in Python: 20 s for
    100,000 records). A row counts as often as it repeats; a row of nothing but empty cells written
    `<table:table-cell/>` (LibreOffice repeats one to the sheet's end) counts only when a row with
    something follows it; a row's width is all its cells with every repeat, empty ones included.
    False (measure exactly) wherever the bound could miss what the reader reads: the prefix table
    not plainly bound to the table namespace, the namespace declared more than once, a comment or
    CDATA, a table inside a table, a repeat count that is not plain digits, or a bound beyond the
    budget."""
    ns = _ODS_TABLE.encode()
    row_end, table_end = b"</table:table-row>", b"</table:table>"
    row_tag, cell_tag, covered_tag = b"<table:table-row", b"<table:table-cell", b"<table:covered-table-cell"
    carry, done = b"", b""
    seen_ns = 0
    declared = False        # table: bound to the table namespace (the root's declarations read)
    table = None            # [rows so far, rows up to the last one with a value, widest row with a value]
    try:
        with pkg.chunks(name, _ODS_CHUNK) as chunks:
            for chunk in chunks:
                buf = carry + chunk
                if not declared:
                    # the cell reader reads the elements named table:… as written, whatever the
                    # prefix is bound to: the bound is of those, in a file that binds it plainly
                    if _ODS_TABLE_DECL_PLAIN.search(buf) is None:
                        if len(buf) > _ODS_CHUNK:
                            return False
                        carry = buf
                        continue
                    declared = True
                cut = buf.rfind(row_end)
                if cut == -1:
                    carry = buf
                    continue
                cut += len(row_end)
                done, carry = buf[:cut], buf[cut:]
                if done.find(b"!") != -1 and done.find(b"<!") != -1:
                    return False
                if not _ods_table_bound(done):
                    return False            # the exact measure refuses it, saying why
                seen_ns += done.count(ns)
                # where tables begin and end in this stretch: looked at only in the rows that hold one
                marks = sorted([m.start() for m in _ODS_TABLE_START.finditer(done)] + _all(done, table_end))
                at = 0
                while at < cut:
                    end = done.index(row_end, at) + len(row_end)
                    row = done[at:end]
                    here = bisect_left(marks, end) > bisect_left(marks, at)
                    at = end
                    if here and row.find(table_end) != -1:      # a table ended before this row began
                        k = row.rfind(table_end)
                        if (_ODS_TABLE_START.search(row, 0, k) or row.find(row_tag, 0, k) != -1
                                or row.find(cell_tag, 0, k) != -1 or row.find(covered_tag, 0, k) != -1):
                            return False                    # a table inside a cell
                        table = None
                        row = row[k:]
                    if here and _ODS_TABLE_START.search(row):
                        if table is not None or len(_ODS_TABLE_START.findall(row)) > 1:
                            return False                    # a table inside a table
                        table = [0, 0, 0]
                    if table is None:
                        continue
                    # the last cell with something: a value (office:value-type, office:value,
                    # office:date-value…), a formula, or content (an end tag)
                    last = max(row.rfind(b"value"), row.rfind(b"formula"), row.rfind(b"</table:table-cell"),
                               row.rfind(b"</table:covered-table-cell"))
                    stop = len(row)     # the cells after the last with something are left out of its width
                    if last != -1:
                        stop = min((x for x in (row.find(cell_tag, last), row.find(covered_tag, last)) if x != -1),
                                   default=stop)
                    begin = row.find(row_tag)       # (the table's column definitions repeat too)
                    if begin == -1:
                        return False
                    rows = columns = 0
                    if row.find(b"-repeated") != -1:
                        found = _ODS_REPEAT.findall(row)
                        if len(found) != row.count(b"-repeated"):
                            return False            # not plain digits (an entity, a sign…): measured exactly
                        if row.find(b"-repeated", 0, begin) != -1 or row.find(b"-repeated", stop) != -1:
                            found = [(m.group(1), m.group(2)) for m in _ODS_REPEAT.finditer(row)
                                     if m.group(1) == b"rows" or begin <= m.start() < stop]
                        for kind, value in found:
                            if kind == b"rows":
                                rows += int(value) - 1
                            else:
                                columns += int(value) - 1
                    table[0] += row.count(row_tag) + rows
                    if last != -1:
                        table[1] = table[0]
                        width = row.count(cell_tag, begin, stop) + row.count(covered_tag, begin, stop) + columns
                        table[2] = max(table[2], width)
                        if not _ods_within(table):
                            return False
        if (not declared or carry.find(row_tag) != -1 or (carry.find(b"!") != -1 and carry.find(b"<!") != -1)
                or not _ods_table_bound(carry)):
            return False
        return seen_ns + carry.count(ns) == 1
    except _DAMAGE:
        return False            # the exact measure says what is wrong


_ODS_TABLE_DECL = re.compile(rb"""xmlns:table\s*=\s*["']([^"']*)["']""")
_ODS_TABLE_DECL_PLAIN = re.compile(rb"""xmlns:table\s*=\s*["']""" + re.escape(_ODS_TABLE.encode()) + rb"""["']""")
_ODS_TABLE_START = re.compile(rb"<table:table[\s>/]")


def _ods_table_bound(buf: bytes) -> bool:
    """Whether every declaration of the prefix table in `buf` binds it to the table namespace."""
    return buf.find(b"xmlns:table") == -1 or all(v == _ODS_TABLE.encode() for v in _ODS_TABLE_DECL.findall(buf))


def _all(buf: bytes, needle: bytes) -> list[int]:
    """Where `needle` begins in `buf`, every time."""
    out, i = [], buf.find(needle)
    while i != -1:
        out.append(i)
        i = buf.find(needle, i + 1)
    return out


def _ods_within(table: list[int]) -> bool:
    rows, cols = table[1], table[2]
    return rows * cols <= MAX_ROW_CELLS and rows <= MAX_ROW and cols <= MAX_COL


def _ods_measured(pkg: Package, name: str) -> None:
    """Each table's extent as the cell reader will hold it, from content.xml streamed once (never
    loaded whole): repeated rows and cells count as often as they repeat where they hold a value
    (the reader expands those), while trailing empty repeats (LibreOffice writes a row of 1,016
    empty cells, repeated to the sheet's end) count for nothing, as the reader skips them.
    A table beyond the budget is refused, naming it."""
    stack: list = []
    table = None
    try:
        with pkg.open(name) as fh:
            for event, el in SafeET.iterparse(fh, events=("start-ns", "start", "end")):
                if event == "start-ns":
                    if el[0] == "table" and el[1] != _ODS_TABLE:
                        raise _fail(pkg.path, f"{name} 把前缀 table 用于别的命名空间（{el[1][:80]}），"
                                              "读取器会把这些元素当作表格读入，拒绝读取；"
                                              "请在 LibreOffice 或 WPS 中另存后再校验")
                    continue
                tag = _local(el.tag)
                if event == "start":
                    stack.append(el)
                    if tag == "table" and el.tag.startswith("{" + _ODS_TABLE) and table is None:
                        table = {"name": el.get(f"{{{_ODS_TABLE}}}name", ""), "el": el, "row": 0,
                                 "rows": None, "cols": None, "col": 0, "filled": False}
                    elif tag == "table-row" and table is not None:
                        table["col"], table["filled"] = 0, False
                    continue
                stack.pop()
                if table is None:
                    continue
                if tag in ("table-cell", "covered-table-cell") and stack and _local(stack[-1].tag) == "table-row":
                    rep = _repeat(el, "number-columns-repeated")
                    if (any(_local(k) in _ODS_VALUED for k in el.attrib) or len(el)
                            or (el.text or "").strip()):
                        a, b = table["col"], table["col"] + rep - 1
                        c = table["cols"]
                        table["cols"] = (min(c[0], a), max(c[1], b)) if c else (a, b)
                        table["filled"] = True
                    table["col"] += rep
                    el.clear()
                elif tag == "table-row":
                    rep = _repeat(el, "number-rows-repeated")
                    if table["filled"]:
                        a, b = table["row"], table["row"] + rep - 1
                        r = table["rows"]
                        table["rows"] = (min(r[0], a), max(r[1], b)) if r else (a, b)
                    table["row"] += rep
                    el.clear()
                    if stack:
                        stack[-1].remove(el)      # nothing of a row is kept once it is counted
                    if table["rows"] and table["cols"]:
                        _ods_budget(pkg.path, table)
                elif el is table["el"]:
                    table = None
                    el.clear()
    except (SafeET.ParseError, DefusedXmlException):
        raise _fail(pkg.path, f"{name} 不是有效的 XML，文件已损坏") from None
    except _DAMAGE as e:
        raise _damaged(pkg.path, name, e) from None


def _ods_budget(path: Path, table: dict) -> None:
    rows = table["rows"][1] - table["rows"][0] + 1
    cols = table["cols"][1] - table["cols"][0] + 1
    if rows * cols > MAX_ROW_CELLS or table["rows"][1] >= MAX_ROW or table["cols"][1] >= MAX_COL:
        raise too_many_cells(path, table["name"], rows, cols, MAX_ROW_CELLS)


# ------------------------------------------------------------------ far cells

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
# a cell or row tag, start or end, as the reader's XML parser reads it: any prefix, a `>` inside a
# quoted value is not the tag's end; an attribute r after white space or right after a quote
_CELL = re.compile(rb"<(/?)((?:[^\s<>/:]+:)?)(c|row)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
_REF = re.compile(rb'(?<=[\s"\'])r\s*=\s*["\']([A-Za-z]+)(\d+)["\']')
_ROW_REF = re.compile(rb'(?<=[\s"\'])r\s*=\s*["\'](\d+)["\']')


def col_index(letters: str) -> int:
    """0-based column of Excel letters (openpyxl's reading of them). Letters no spreadsheet has
    (more than three, or not letters) are past the last column: the guards refuse them as such."""
    try:
        return column_number(letters) - 1
    except ValueError:
        return BEYOND_COLUMNS


def _judge_extent(pkg: Package, sh: SheetInfo, ext: _Extent, head: bytes) -> None:
    """Decide from the sweep's figures whether the sheet may hold cells far outside the data (a
    note at XFD1048576 would make the cell reader allocate the whole rectangle it spans). Only
    then is it judged from the sweep's counts of the cells with a value (_judged_by_counts), and
    only where those show a cell that may be far, or cannot be had, and for references beyond
    Excel's grid, is the sheet inflated again to look at every cell with a value (`_far_cells`)."""
    if ext.beyond:
        return _far_cells(pkg, sh)
    rows_b, cols_b = ext.bound()
    if ext.unreferenced and rows_b * cols_b > MAX_CELLS:
        return _far_cells(pkg, sh)      # cells placed by counting: only their real positions can tell
    dim = _plausible_dimension(head, sh.size)
    if dim is not None and cols_b <= dim[1] and rows_b <= dim[0]:
        return                      # the dimension holds every reference and is a plausible one
    # no dimension, an implausible one, or one that does not hold every cell: the judgement of
    # _far_cells, made from the sweep's counts of the cells (written with content or not); only a
    # sheet where it finds a far cell, or a rectangle beyond the budget, is looked at cell by cell
    if not ext.rows:
        return
    rows = np.unique(np.concatenate(ext.rows))
    per_col = ext.per_col
    data_cols = np.flatnonzero(per_col >= max(2, len(rows) // 100))
    width = int(data_cols.max() if len(data_cols) else np.flatnonzero(per_col).max()) + 1
    far_col = per_col[max(width * 2, width + 30):].any()
    gap = (np.diff(rows) > max(1000, len(rows))).any()
    if far_col or gap or int(rows[-1]) * (int(np.flatnonzero(per_col).max()) + 1) > MAX_CELLS:
        if ext.valued is None or not _judged_by_counts(pkg, sh, ext.valued):
            _far_cells(pkg, sh)


def _plausible_dimension(head: bytes, size: int) -> tuple[int, int] | None:
    """(rows, columns) of the sheet's <dimension> where it is a plausible one (no wider than WIDE,
    not more rows than the sheet's bytes could hold), else None."""
    m = _DIMENSION.search(head)
    if m is None:
        return None
    letters, rows = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
    cols = col_index(letters.decode()) + 1
    if cols <= WIDE and (int(rows) < 100_000 or size >= int(rows) * 20):
        return int(rows), cols
    return None


def _counting_wanted(head: bytes, size: int) -> bool:
    """Whether the sweep counts the cells with a value (_valued): not where the sheet begins with a
    plausible dimension larger than one cell (Excel, WPS, LibreOffice and xlsxwriter write the
    true one), which settles the judgement whenever it holds every reference; if a reference lies
    outside it after all, the cells are looked at again (_far_cells)."""
    dim = _plausible_dimension(head, size)
    return dim is None or dim == (1, 1)


def _judged_by_counts(pkg: Package, sh: SheetInfo, valued: tuple) -> bool:
    """_judge_far's judgement made from the sweep's counts of the cells with a value (_valued),
    without inflating the sheet again: True where it finds no far cell (the budget checked and
    `narrow` set as _judge_far does); False where a cell may be far (only _far_cells can name it,
    and tell its value and place)."""
    per_col, rows, counts = valued
    if not sum(map(len, rows)):
        return True
    rows, back = np.unique(np.concatenate(rows), return_inverse=True)
    counts = np.bincount(back, weights=np.concatenate(counts)).astype(np.int64)
    data_cols = np.flatnonzero(per_col >= max(2, len(rows) // 100))
    width = int(data_cols.max() if len(data_cols) else np.flatnonzero(per_col).max()) + 1
    if per_col[max(width * 2, width + 30):].any():
        return False
    gaps = np.flatnonzero(np.diff(rows) > max(1000, len(rows)))
    if len(gaps) and int(counts[gaps[0] + 1:].sum()) <= 50:
        return False
    kept_rows, kept_cols = int(rows[-1]), int(np.flatnonzero(per_col).max()) + 1
    if kept_rows * kept_cols > MAX_CELLS:
        raise too_many_cells(pkg.path, sh.name, kept_rows, kept_cols, MAX_CELLS)
    sh.narrow = kept_cols <= WIDE
    return True


def _far_cells(pkg: Package, sh: SheetInfo) -> None:
    """Every cell with a value looked at once: references beyond Excel's grid are refused; cells far
    from the data are listed (left out of the normalized copy); the rest must fit the reader's budget.

    A sheet written the plain way (every cell and row with its reference, no prefix) is looked at
    with numpy a stretch at a time (`_valued_cells`): a styled empty cell left at XFD1048576, or a
    note far to the right, costs no Python step per cell; any other sheet cell by cell."""
    got = _valued_cells(pkg, sh.part, sh.size)
    if got is None:
        return _judge_cells(pkg, sh, _cell_positions(pkg, sh.part))
    c, r, starts = got
    _judge_far(pkg, sh, c, r, lambda at: _cells_at(pkg, sh.part, [(int(c[i]), int(r[i]), int(starts[i])) for i in at]))


def _judge_cells(pkg: Package, sh: SheetInfo, cells: list) -> None:
    """_far_cells from every valued cell as (column, row, start, end, value shown), found cell by cell."""
    for c, r, _, _, _ in cells:
        if c >= MAX_COL or not 1 <= r <= MAX_ROW:
            raise _fail(pkg.path, f"工作表“{sh.name}”中有 Excel 表格以外的单元格引用 {column_letters(c)}{r}"
                                  f"（Excel 最多 {MAX_ROW} 行、到 XFD 列），文件已损坏或是其他程序写错的，拒绝读取；"
                                  "请在 Excel 或 WPS 中打开并另存后再校验")
    _numpy()
    c = np.array([x[0] for x in cells], np.int64)
    r = np.array([x[1] for x in cells], np.int64)
    _judge_far(pkg, sh, c, r, lambda at: [cells[i] for i in at])


def _judge_far(pkg: Package, sh: SheetInfo, c, r, details) -> None:
    """The judgement of _far_cells from the columns (0-based) and rows of every cell with a value,
    in the sheet's order: a cell far right of the data's columns, or below a wide gap in its rows (a
    few cells only), is far; what is kept must fit the reader's budget. details(indexes) gives the
    far cells as (column, row, start, end, value shown)."""
    if not len(c):
        return
    rows = np.unique(r)
    per_col = np.bincount(c)
    data_cols = np.flatnonzero(per_col >= max(2, len(rows) // 100))
    width = int(data_cols.max() if len(data_cols) else np.flatnonzero(per_col).max()) + 1
    max_col = max(width * 2, width + 30)
    gaps = np.flatnonzero(np.diff(rows) > max(1000, len(rows)))
    far = c >= max_col
    if len(gaps):
        below = r >= rows[gaps[0] + 1]
        if int(below.sum()) <= 50:
            far |= below
    kept_rows = int(r[~far].max()) if (~far).any() else 0
    kept_cols = int(c[~far].max()) + 1 if (~far).any() else 1
    if kept_rows * kept_cols > MAX_CELLS:
        raise too_many_cells(pkg.path, sh.name, kept_rows, kept_cols, MAX_CELLS)
    sh.narrow = kept_cols <= WIDE
    at = np.flatnonzero(far)
    cells = details(at[np.lexsort((c[at], r[at]))].tolist())       # by row, then column (stable)
    listed = cells if len(cells) <= FAR_LISTED else cells[:1]
    sh.outliers = {f"{column_letters(col)}{row}": value for col, row, _, _, value in listed}
    sh.far_count = len(cells)
    sh.spans = [(s, e) for _, _, s, e, _ in cells]


FAR_LISTED = 10         # far cells named one by one; more are one finding at the first, with their number


def _valued_cells(pkg: Package, part: str, size: int = 0):
    """(0-based columns, rows, byte offsets) of the cells with a value (a <v> or <t> in them, as
    _cell_positions counts them) of a sheet written the plain way, found with numpy a stretch of
    whole rows at a time (on two threads for a sheet of `size` bytes beyond one stretch, as the
    sweep measures); None for any other sheet (a prefix, a cell without a reference or with
    two, a reference written otherwise or outside Excel's grid, a quote left open in a cell's tag)."""
    _numpy()
    cols, rows, starts = [], [], []
    pending: deque = deque()            # (offset of the stretch, its Future), in the sheet's order
    offset, tail = 0, b""

    def settle(keep: int) -> bool:
        while len(pending) > keep:
            at, fut = pending.popleft()
            got = fut.result()
            if got is None:
                return False
            cols.append(got[0])
            rows.append(got[1])
            starts.append(got[2] + at)
        return True
    try:
        with pkg.chunks(part, SCAN_CHUNK) as chunks, _measurers(size) as pool:
            for chunk in chunks:
                buf = tail + chunk
                cut = row_tag_end(buf, max(0, len(tail) - 3))      # the tail holds no row's end
                if cut == -1:
                    tail = buf
                    if len(tail) > 64 << 20:
                        return None
                    continue
                pending.append((offset, pool.submit(_stretch_cells, buf[:cut + 4], offset == 0)))
                offset += cut + 4
                tail = buf[cut + 4:]
                if not settle(_IN_FLIGHT):
                    return None
            if tail.strip():
                pending.append((offset, pool.submit(_stretch_cells, tail, offset == 0)))
            if not settle(0):
                return None
    except _DAMAGE as e:
        raise _damaged(pkg.path, part, e) from None
    if not cols:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(cols), np.concatenate(rows), np.concatenate(starts)


def _stretch_cells(buf: bytes, opening: bool = False):
    n = len(buf)
    if buf.find(b":", 0, n) != -1 and _PREFIXED_ANY.search(buf):
        return None
    a = np.frombuffer(buf + bytes(_PAD), np.uint8)
    lt = np.flatnonzero(a[:n] == 60)
    first = a[lt + 1]
    start = buf.find(b"?>", 0, 256) + 2 if opening and buf.find(b"<?xml", 0, 8) != -1 else 0   # the declaration
    if (((first == 33) | (first == 63)) & (lt >= start)).any():
        return None                     # <! or <?: a comment, CDATA or instruction, looked at cell by cell
    is_cell = (first == 99) & _ENDS_NAME[a[lt + 2]]
    cells = lt[is_cell]
    if not len(cells):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    after = np.flatnonzero(is_cell) + 1
    if after[-1] >= len(lt):
        return None                     # a cell's tag left open
    gt = np.flatnonzero(a[:n] == 62)
    k = np.searchsorted(gt, cells)
    if (k >= len(gt)).any():
        return None
    tag_end = gt[k]                     # the first '>' after each cell's start
    # where that '>' stands right before the next element (the way programs write sheets), it
    # ends the start tag: no '<' can stand in an attribute value, and no text follows the tag.
    # Elsewhere ('>' inside an attribute value, or white space or text after the tag) it ends
    # the tag only outside quotes, which the quotes up to it must show
    loose = np.flatnonzero(tag_end != lt[after] - 1)
    if len(loose):
        starts, ends = cells[loose], tag_end[loose]
        for quote in (34, 39):
            q = np.flatnonzero(a[:n] == quote)
            if len(q) and ((np.searchsorted(q, ends) - np.searchsorted(q, starts)) & 1).any():
                return None
    closed = a[tag_end - 1] == 47       # <c …/>: no value
    vt = lt[((first == 118) | (first == 116)) & _ENDS_NAME[a[lt + 2]]]       # <v …>, <t …>
    owner = np.searchsorted(cells, vt, side="right") - 1
    valued = np.zeros(len(cells), bool)
    valued[owner[owner >= 0]] = True
    if (valued & closed).any():
        return None                     # text ending in '/>' inside a cell: a cell with a value after all
    valued &= ~closed
    try:
        at = _r_values(a, n)
    except _Unusual:
        return None
    k = np.searchsorted(cells, at, side="right") - 1
    mine = (k >= 0) & (at < tag_end[np.maximum(k, 0)])
    at, k = at[mine], k[mine]
    if len(k) != len(cells) or (len(k) and (np.diff(k) != 1).any()) or (len(k) and k[0] != 0):
        return None                     # a cell without a reference, or with two
    col, row, letters, end = _refs(a, at)
    if ((letters < 1) | (letters > 3) | (end - letters < 1) | (end - letters > 7)).any():
        return None
    if ((a[at + end] != 34) & (a[at + end] != 39)).any():
        return None                     # more than letters and digits
    if ((col > MAX_COL) | (row < 1) | (row > MAX_ROW)).any():
        return None
    return col[valued] - 1, row[valued], cells[valued]


def _refs(a, at):
    """Each reference at `at` read as the cell reader reads it: (column 1-based, row, letters, length
    of letters and digits); letters in either case, at most 4 letters and 8 digits looked at."""
    col = np.zeros(len(at), np.int64)
    k = np.zeros(len(at), np.int64)
    more = np.ones(len(at), bool)
    for _ in range(4):                                              # letters: 4 or more is beyond XFD
        ch = a[at + k] & 0xDF                                       # either case, as the reader takes them
        more &= (ch >= 65) & (ch <= 90)
        col = np.where(more, col * 26 + ch - 64, col)
        k += more
    letters = k.copy()
    row = np.zeros(len(at), np.int64)
    more = np.ones(len(at), bool)
    for _ in range(8):                                              # digits: 8 or more is beyond row 1048576
        ch = a[at + k]
        more &= (ch >= 48) & (ch <= 57)
        row = np.where(more, row * 10 + ch - 48, row)
        k += more
    return col, row, letters, k


_PREFIXED_ANY = re.compile(rb"<(?:[\w.-]+):(?:c|row|v|t|is|f)[\s/>]")


def _cells_at(pkg: Package, part: str, found: list[tuple[int, int, int]]) -> list:
    """(column, row, start, end, value shown) of the cells starting at these offsets, read from the part."""
    if not found:
        return []
    want = sorted(found, key=lambda x: x[2])
    out = {}
    offset, buf = 0, b""
    i = 0
    with pkg.chunks(part, SCAN_CHUNK) as chunks:
        for chunk in chunks:
            buf += chunk
            while i < len(want):
                c, r, s = want[i]
                j = s - offset
                close = end_tag(b"", b"c").search(buf, j)                   # </c>, </c >
                if close is None:
                    break
                v = _VALUE.search(buf, j, close.start() + 1)
                out[s] = (c, r, s, offset + close.end(), v.group(1).decode("utf-8", "replace")[:20] if v else "")
                i += 1
            if i == len(want):
                break
            keep = min(want[i][2] - offset, len(buf))      # from the next cell wanted on, or nothing yet
            buf, offset = buf[keep:], offset + keep
    return [out[s] for _, _, s in found if s in out]


# what is not an element though it begins with '<': a comment, a CDATA section, a processing
# instruction (a `<c` written inside one is no cell); each up to its end, or to the end of the text
_MARKUP = re.compile(rb"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)", re.S)


def _blanked(work: bytes) -> bytes:
    """`work` with its comments, CDATA sections and processing instructions turned into spaces of
    the same length (offsets hold), so that the cell-by-cell look takes no `<c` inside one for a cell."""
    if b"<!" not in work and b"<?" not in work:
        return work
    return _MARKUP.sub(lambda m: b" " * len(m.group(0)), work)


def _outside_markup(buf: bytes, cut: int) -> int:
    """`cut`, or, when it falls inside a comment, CDATA section or processing instruction (one
    holding `</row>`), the end of the last row before that (the construct, and the cell it may
    stand in, then go whole into the next look); 0 when there is none."""
    if b"<!" not in buf and b"<?" not in buf:
        return cut
    while cut > 0:
        inside = None
        for m in _MARKUP.finditer(buf, 0, cut):
            if m.end() == cut and not m.group(0).endswith((b"-->", b"]]>", b"?>")):
                inside = m
        if inside is None:
            return cut
        i = row_tag_end(buf, 0, inside.start())
        cut = i + 4 if i != -1 else 0
    return cut


def _complete(buf: bytes, start: int = 0) -> int:
    """Where the last complete row ends in buf (0 when none does); from `start` on (what comes
    before was looked at already)."""
    i = row_tag_end(buf, start)
    return i + 4 if i != -1 else 0


_VALUE = re.compile(rb"<(?:\w+:)?(?:v|t)\b[^>]*>([^<]*)<")     # a cell's value or text, and what it shows
_SHOWN = re.compile(rb"[^<]*")
_ROW_TAG = re.compile(rb"</?(?:[\w.-]+:)?row>\Z")
_PREFIXED_ROW_TAG = re.compile(rb"</?[\w.-]+:row>")


def row_tag_end(buf: bytes, start: int = 0, end: int | None = None) -> int:
    """Where the last `row>` of buf[start:end] that ends a row's tag (</row>, <row>, </x:row>)
    begins; -1 when there is none. A text may hold `row>` ("arrow>": '>' needs no escape in a
    text) but never '<', so `</row>` and `<row>` are found as they are; a prefixed tag is told from
    a text by what stands before its ':'. A caller that looked at the bytes before `start` already
    passes it, so that a long row is not searched again with every chunk added to it."""
    end = len(buf) if end is None else end
    i, j = buf.rfind(b"</row>", start, end), buf.rfind(b"<row>", start, end)
    best = max(i + 2 if i != -1 else -1, j + 1 if j != -1 else -1)
    lo = best + 4 if best != -1 else start
    for _ in range(64):             # the last ":row>" after it is a prefixed tag, or some text's
        k = buf.rfind(b":row>", lo, end)
        if k == -1:
            return best
        if _ROW_TAG.search(buf, max(0, k - 256), k + 5):
            return k + 1
        end = k
    last = None                     # many texts holding ":row>": the tags among them found in one pass
    for last in _PREFIXED_ROW_TAG.finditer(buf, lo, end):
        pass
    return last.end() - 4 if last is not None else best


def _cell_positions(pkg: Package, part: str) -> list[tuple[int, int, int, int, str]]:
    """(column index, row, start, end, value shown) of every cell with a value, by byte offsets.
    A cell or row written without a reference is placed as the cell reader places it: after the
    one before."""
    out = []
    offset, tail = 0, b""
    row_no, col = 1, -1
    try:
        with pkg.open(part) as fh:
            while True:
                chunk = fh.read(CHUNK)
                buf = tail + chunk
                base = offset - len(tail)
                cut = len(buf) if not chunk else _complete(buf, max(0, len(tail) - 3))
                if chunk and cut == 0 and len(buf) < 64 << 20:
                    tail, offset = buf, offset + len(chunk)
                    continue
                cut = cut or buf.rfind(b">") + 1 or len(buf)
                if chunk and len(buf) < 64 << 20:
                    cut = _outside_markup(buf, cut)
                    if cut == 0:
                        tail, offset = buf, offset + len(chunk)
                        continue
                raw = buf[:cut]
                work = _blanked(raw)
                for m in _CELL.finditer(work):
                    if m.group(3) == b"row":        # the reader: a row's r sets the row, each end moves on one
                        if m.group(1):
                            row_no += 1
                            continue
                        got = _ROW_REF.findall(m.group(4))
                        row_no, col = (int(got[-1]) if got else row_no), -1
                        if m.group(5):
                            row_no += 1
                        continue
                    if m.group(1):                  # </c>
                        continue
                    refs = _REF.findall(m.group(4))
                    if refs:                        # (written twice: the last, as the reader takes it)
                        c, r = col_index(refs[-1][0].decode().upper()), int(refs[-1][1])
                    else:
                        c, r = col + 1, row_no
                    col = c
                    if m.group(5):       # <c .../>: no value
                        continue
                    close = end_tag(m.group(2), b"c").search(work, m.end())        # </c>, </c >, </x:c>
                    if close is None:
                        continue
                    v = _VALUE.search(work, m.end(), close.start() + 1)      # not one inside a comment
                    if v is None:
                        continue
                    shown = _SHOWN.match(raw, v.start(1)).group(0)
                    out.append((c, r, base + m.start(), base + close.end(), shown.decode("utf-8", "replace")[:20]))
                if not chunk:
                    break
                tail = buf[cut:]
                offset += len(chunk)
    except _DAMAGE as e:
        raise _damaged(pkg.path, part, e) from None
    return out


BEYOND_COLUMNS = 18_278       # past ZZZ: no spreadsheet has such a column


def column_letters(index: int) -> str:
    """Excel letters of a 0-based column (openpyxl), or a word for a column past every spreadsheet's."""
    return column_letter(index) if index < BEYOND_COLUMNS else "（ZZZ 之后的列）"


def _normalize(pkg: Package, info: Inspection, book_part: str) -> None:
    """A copy the cell reader can read: standard member names and workbook path, sound parts
    only, far cells left out. Written to a private temporary folder, removed after reading."""
    folder = scratch.scratch_dir("read")
    target = folder / "workbook.xlsx"
    spans = {sh.part: sh.spans for sh in info.sheets}
    moves = {}
    if book_part != "xl/workbook.xml":
        moves[book_part] = "xl/workbook.xml"
        rels = f"{PurePosixPath(book_part).parent}/_rels/{PurePosixPath(book_part).name}.rels"
        if pkg.find(rels):
            moves[pkg.find(rels)] = "xl/_rels/workbook.xml.rels"
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for name in pkg.infos:
                data = pkg.read(name) if not spans.get(name) else _cut(pkg, name, spans[name])
                if name == moves.get(name) or name not in moves:
                    new = name
                else:
                    new = moves[name]
                if name in moves and name.endswith(".rels"):
                    data = _absolute_targets(data, str(PurePosixPath(book_part).parent))
                if name == "_rels/.rels" and book_part in moves:
                    data = data.replace(book_part.encode(), b"xl/workbook.xml").replace(
                        b"/" + book_part.encode(), b"/xl/workbook.xml")
                out.writestr(new, data)
    except ReadError:
        scratch.remove(folder)
        raise
    except OSError as e:
        scratch.remove(folder)
        raise _fail(pkg.path, f"无法准备读取（{e.strerror}）") from None
    old = info.cleanup
    info.source, info.cleanup, info.book_part = target, folder, "xl/workbook.xml"
    info.sniffed_mismatch = False
    for sh in info.sheets:
        sh.part = moves.get(sh.part, sh.part)
        sh.spans = []                                   # applied
    if old is not None:
        scratch.remove(old)


def _absolute_targets(data: bytes, folder: str) -> bytes:
    """Relationship targets relative to a moved part become absolute, so they still resolve."""
    def fix(m):
        t = m.group(1).decode()
        if t.startswith("/") or "://" in t:
            return m.group(0)
        return b'Target="/' + os.path.normpath(f"{folder}/{t}").replace(os.sep, "/").encode() + b'"'
    return re.sub(rb'Target="([^"]*)"', fix, data)


def _cut(pkg: Package, name: str, spans: list[tuple[int, int]]) -> bytes:
    data = pkg.read(name)
    parts, last = [], 0
    for s, e in sorted(spans):
        parts.append(data[last:s])
        last = e
    parts.append(data[last:])
    return b"".join(parts)


# ------------------------------------------------------------------ odd cells



# a merged range as any producer writes it (either quote, `$`, spaces around `=`): the reader and the
# package editor (workbook/package.py) find merges the same way
MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["\']'
                       rb'\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?["\']')


class _Stretch:
    """What one stretch of complete rows holds (`_measure`): a pure function of its bytes, so the
    stretches of a sheet are measured on two threads and merged in order (`_Extent.merge`)."""
    __slots__ = ("errors", "beyond", "unusual", "max_col", "max_row", "min_row", "per_col", "rows", "cells",
                 "cell_refs", "row_starts", "row_ends", "row_refs", "widest", "first", "last", "has_rows",
                 "entities", "odd", "merges", "marks", "valued", "big")


class _Extent:
    """What the sweep learns of a sheet's cell references: whether one lies beyond Excel's grid,
    the largest column and row any reference names, the number of cells in each column, the
    distinct rows holding cells.

    A reference is read as the cell reader reads it: an attribute `r` in either quotes, with any
    white space around its `=`, letters in either case. Cells and rows written without a reference
    (the reader then counts on from the one before) are counted too: the rectangle the reader could
    make of them is bounded by the largest reference plus the most cells in one row (columns) and
    plus the rows without a reference (rows)."""

    def __init__(self) -> None:
        self.beyond = self.unusual = False
        self.max_col = self.max_row = 0
        self.min_row = MAX_ROW + 1
        self.per_col = np.zeros(MAX_COL + 1, np.int64)
        # the cells with a value (_valued): per column, and their rows with how many in each; None
        # once a stretch could not tell them (then only _far_cells can)
        self.valued: tuple | None = (np.zeros(MAX_COL + 1, np.int64), [], [])
        self.rows: list = []
        self.cells = self.cell_refs = 0         # cell elements, and those with a reference
        self.row_starts = self.row_refs = 0     # row elements, and those with a reference
        self.row_ends = 0                       # row end tags (the reader moves on a row at each)
        self.widest = 0                         # the most cell elements in one row
        self.carry = 0                          # cells of the row the last stretch ended in

    @property
    def unreferenced(self) -> bool:
        return self.cells > self.cell_refs or max(self.row_starts, self.row_ends) > self.row_refs

    def bound(self) -> tuple[int, int]:
        """Rows and columns of the largest rectangle the cell reader could make of this sheet."""
        cols = self.max_col + (self.widest if self.cells > self.cell_refs else 0)
        rows = self.max_row + max(0, max(self.row_starts, self.row_ends) - self.row_refs)
        return rows, cols

    def merge(self, got: _Stretch) -> None:
        """Add the next stretch's figures (stretches in the order of the sheet)."""
        self.beyond |= got.beyond
        self.unusual |= got.unusual
        if self.beyond or self.unusual:
            return
        if self.valued is not None:
            if got.valued is None:
                self.valued = None
            else:
                self.valued[0][:] += got.valued[0]
                self.valued[1].append(got.valued[1])
                self.valued[2].append(got.valued[2])
        self.max_col = max(self.max_col, got.max_col)
        self.max_row = max(self.max_row, got.max_row)
        if got.min_row:
            self.min_row = min(self.min_row, got.min_row)
        if got.per_col is not None:
            self.per_col += got.per_col
        if got.rows is not None:
            self.rows.append(got.rows)
        self.cells += got.cells
        self.cell_refs += got.cell_refs
        self.row_starts += got.row_starts
        self.row_ends += got.row_ends
        self.row_refs += got.row_refs
        if got.has_rows:        # a row continued from the stretch before ends at this one's first row
            self.widest = max(self.widest, self.carry + got.first, got.widest)
            self.carry = got.last
        else:
            self.carry += got.cells
            self.widest = max(self.widest, self.carry)


def _stretch(tail: bytes, chunk, cut: int, prefixed: bool, nsdecl: bytes, span=None, counting: bool = True,
             dates=None) -> _Stretch:
    """One stretch (the rows left over from the chunk before, then `chunk[:cut]`; of these only
    `span`, (start, end), where a part of the sheet begins inside it), copied once, in the
    measuring thread: measured (_measure), and searched for what the cell reader does not tell
    (_look): entity declarations, error values, formulas without a value, merged ranges; and the
    numbers in a date format the columnar parser reads as blank (_big_numbers, `dates`: the
    workbook's cell formats that are dates, or None)."""
    if span is None:
        padded = b"".join((tail, chunk[:cut], bytes(_PAD)))
    else:
        padded = b"".join((tail, chunk[:cut]))[span[0]:span[1]] + bytes(_PAD)
    n = len(padded) - _PAD
    got = _measure(padded, n, prefixed, counting, dates)
    got.entities = got.marks[0] and (padded.find(b"<!DOCTYPE", 0, n) != -1
                                     or padded.find(b"<!ENTITY", 0, n) != -1)
    got.odd, got.merges = {}, []
    if not got.entities:
        _look(padded, n, got.odd, nsdecl, got.merges, got.errors, got.marks)
    return got


def _measure(padded: bytes, n: int, prefixed: bool, counting: bool = True, dates=None) -> _Stretch:
    """The references and elements of one stretch (its `n` bytes, then _PAD zero bytes), all at
    once with numpy: never a Python step per cell (numpy lets go of the GIL meanwhile: two
    stretches are measured side by side)."""
    got = _Stretch()
    got.beyond = got.unusual = got.has_rows = False
    got.max_col = got.max_row = got.min_row = got.cells = got.cell_refs = got.row_starts = got.row_refs = 0
    got.row_ends = 0
    got.widest = got.first = got.last = 0
    got.per_col = got.rows = None
    got.big = ()
    a = np.frombuffer(padded, np.uint8)
    ee = np.flatnonzero((a[:n] | 32) == 101)                        # 'e' and 'E' (exponents: _big_numbers)
    ee = ee[ee >= 1]
    e = ee[a[ee] == 101]                                            # 'e' of t="e", t='e', t = "e"
    got.errors = bool((((a[e - 1] == 34) | (a[e - 1] == 39)) & (a[e + 1] == a[e - 1])).any())    # "e" or 'e'

    lt = np.flatnonzero(a[:n] == 60)                                # '<'
    first = a[lt + 1]
    ends = lt[first == 47]                                          # '</': the reader counts rows by their ends
    got.row_ends = int(((a[ends + 2] == 114) & (a[ends + 3] == 111) & (a[ends + 4] == 119)
                        & _ENDS_NAME[a[ends + 5]]).sum())
    # what _look searches for, told from the same tag starts (two-byte searches beginning with '<'
    # are slow where every row tag has a "false" in it, as LibreOffice writes them): `<!`, and an
    # element named f (`<f`, `<x:f` followed by what ends a name) or beginning with m (mergeCell)
    got.marks = _marks(a, lt, first)
    colon = np.flatnonzero(a[:n] == 58) if padded.find(b":", 0, n) != -1 else None     # (one memchr: most have none)
    if colon is not None:
        nxt = a[colon + 1]
        got.marks = (got.marks[0], got.marks[1] or bool(((nxt == 102) & _AFTER_F[a[colon + 2]]).any()),
                     got.marks[2] or bool((nxt == 109).any()))
    # <x:c …> (a prefix, on any element): the local name follows a ':' (text's colons count too: an upper bound)
    if not prefixed and colon is not None:
        prefixed = bool(((nxt == 99) & _ENDS_NAME[a[colon + 2]]).any()
                        or ((nxt == 114) & (a[colon + 2] == 111) & (a[colon + 3] == 119)
                            & _ENDS_NAME[a[colon + 4]]).any())
    if prefixed:
        lt = np.sort(np.concatenate([lt, colon if colon is not None else lt[:0]]))
        first = a[lt + 1]
    cell_at = np.flatnonzero(first == 99)                          # <c, then what ends a name
    cell_at = cell_at[_ENDS_NAME[a[lt[cell_at] + 2]]]
    cells = lt[cell_at]
    got.big = _big_numbers(padded, a, lt, first, cells, cell_at, ee, dates) if dates is not None else ()
    got.valued = None
    rows = lt[first == 114]
    rows = rows[(a[rows + 2] == 111) & (a[rows + 3] == 119) & _ENDS_NAME[a[rows + 4]]]
    got.cells, got.row_starts = len(cells), len(rows)
    if len(rows) and len(cells):
        per_row = np.diff(np.searchsorted(cells, np.r_[rows, n]))
        got.has_rows = True
        got.first = int(np.searchsorted(cells, rows[0]))
        got.widest, got.last = int(per_row.max()), int(per_row[-1])
    elif len(rows):
        got.has_rows = True
    try:
        at = _r_values(a, n)            # every attribute r, wherever it stands (twice on a cell: both)
    except _Unusual:
        got.unusual = True
        return got
    # the cells with a value counted (_valued) where wanted and where the tags can tell them: no
    # prefix on the sheet's elements (<x:c>, or <x:v> in a <c>), no comment or CDATA
    countable = counting and not prefixed and not got.marks[0] and not (
        colon is not None and _PREFIXED_ANY.search(padded, 0, n))
    if not len(at):
        if countable:
            got.valued = _valued(a, lt, first, cell_at, at, at, at)
        return got
    col, row, letters, k = _refs(a, at)
    cell = letters > 0
    if ((letters >= 4) | (k - letters >= 8) | (col > MAX_COL) | (row > MAX_ROW) | (cell & (row < 1))).any():
        got.beyond = True
        return got
    got.cell_refs = int(cell.sum())
    got.row_refs = len(cell) - got.cell_refs
    got.max_col, got.max_row, got.min_row = int(col.max()), int(row.max()), int(row.min())
    col, row = col[cell], row[cell]
    if countable:
        got.valued = _valued(a, lt, first, cell_at, at[cell], col, row)
    if len(col):
        if not (row[1:] >= row[:-1]).all():
            order = np.argsort(row, kind="stable")
            row = row[order]
        got.per_col = np.bincount(col - 1, minlength=MAX_COL + 1)
        got.rows = row[np.r_[True, row[1:] != row[:-1]]]
    return got


_CELL_ATTR = re.compile(rb"""\s(r|s|t)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _big_numbers(buf: bytes, a, lt, first, cells, cell_at, e, dates) -> list[tuple[str | None, str]]:
    """The number cells of one stretch in a date format (`dates`: per cell format, whether it is
    a date) whose number the columnar parser does not read as the row reader does: no date its
    calendar holds (about 9.6E+7 days and beyond, such as a phone number typed into a date
    column), inf, nan; fastexcel reads them as blank (nan as midnight), the row reader as the
    number (inspect and reader put that back). Found from how values are written: 8 digits or
    more before the point, an exponent, or a letter i or n first (few cells have any); only
    those cells' own tags are looked at, many at once with numpy, then each of the few in a date
    format parsed. (`cells`: the stretch's cell tags, lt[cell_at]. Gives (reference, or None where
    the cell has none; value as written).)"""
    vt = np.flatnonzero(first == 118)                               # <v…
    vt = vt[vt + 1 < len(lt)]
    after = a[lt[vt] + 2]
    spaced = _WS[after]                                             # <v xml:space="preserve">: rare
    vs = lt[vt] + 3                                                 # each value's first byte…
    if spaced.any():                                                # …after its tag's '>'
        gt = np.flatnonzero(a[:len(buf) - _PAD] == 62)
        inner = np.searchsorted(gt, lt[vt[spaced]])
        vs[spaced] = gt[np.minimum(inner, len(gt) - 1)] + 1
    keep = (after == 62) | spaced
    vt, vs = vt[keep], vs[keep]
    ve = lt[vt + 1]                                                 # …and its end
    ok = vs <= ve
    vt, vs, ve = vt[ok], vs[ok], ve[ok]
    sign = ((a[vs] == 45) | (a[vs] == 43)).astype(np.int64)         # '-', '+'
    lead = a[vs + sign] | 32
    pick = np.flatnonzero((lead == 105) | (lead == 110))           # i(nf), n(an)
    long = np.flatnonzero(ve - vs - sign >= 8)
    if len(long):
        start = vs[long] + sign[long]
        whole = np.ones(len(long), bool)
        for k in range(8):
            d = a[start + k]
            whole &= (d >= 48) & (d <= 57)
        pick = np.union1d(pick, long[whole])
    ex = e[(a[e - 1] - 48) < 10]                                    # an 'e' or 'E' after a digit
    if len(ex):                                                     # an exponent: 1E+20, 1.38e10, 1.38E10
        k = np.searchsorted(vs, ex, side="right") - 1
        inside = (k >= 0) & (ex < ve[np.maximum(k, 0)]) & (a[ex + 1] != 45)     # (not 1E-05)
        pick = np.union1d(pick, k[inside])
    if len(pick) > 64:                  # many (a column of phone numbers): those plainly not dated left out at once
        pick = pick[_dated(a, lt, cells, cell_at, lt[vt[pick]], dates)]
    values = [(vs[i], ve[i], lt[vt[i]]) for i in pick.tolist()]
    found = []
    owners = np.searchsorted(cells, [v[2] for v in values]) - 1 if values else []
    for (lo, hi, tag), owner in zip(values, owners):
        if owner < 0:
            continue
        start = cell_at[owner]
        own_end = lt[start + 1] if start + 1 < len(lt) else tag     # the cell's own tag (not its formula's t="shared")
        attrs: dict[bytes, bytes] = {}
        for m in _CELL_ATTR.finditer(buf, lt[start], own_end):
            attrs.setdefault(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
        if attrs.get(b"t", b"n") != b"n":
            continue
        fmt = attrs.get(b"s", b"0")
        k = int(fmt) if fmt.isdigit() else 0
        if k < len(dates) and dates[k]:
            ref = attrs.get(b"r")
            found.append((ref.decode("ascii", "replace") if ref is not None else None,
                          buf[lo:hi].decode("ascii", "replace")))
    return found


def _dated(a, lt, cells, cell_at, value_tags, dates):
    """Of the values whose tags begin at `value_tags`, those whose cell's own tag may name a date
    format: a plain s="N" naming one, or anything but a plain s (white space around '=', no s:
    format 0). A boolean mask."""
    owner = np.searchsorted(cells, value_tags) - 1
    known = owner >= 0
    at = cell_at[np.maximum(owner, 0)]
    tag_start = lt[at]
    tag_end = lt[np.minimum(at + 1, len(lt) - 1)]                  # the next tag begins after the cell's own
    span = np.where(known, tag_end - tag_start, 0)
    n, last = len(value_tags), len(a) - 1
    style = np.zeros(n, np.int64)
    found = np.zeros(n, bool)
    odd = np.zeros(n, bool)
    for k in range(1, int(span.max()) - 3 if n else 0):
        live = k + 3 < span
        here = np.where(live, tag_start + k, 0)
        at_s = live & (a[here] == 115) & _WS[a[here - 1]] & (a[here + 1] == 61)     # ` s=`
        quote = (a[here + 2] == 34) | (a[here + 2] == 39)
        odd |= live & (a[here] == 61) & (_WS[a[here - 1]] | _WS[a[here + 1]])       # white space at '='
        new = at_s & quote & ~found
        if new.any():
            value = np.zeros(n, np.int64)
            ok = new.copy()
            for j in range(10):
                d = a[np.minimum(here + 3 + j, last)].astype(np.int64)
                digit = (d >= 48) & (d <= 57) & ok
                value = np.where(digit, np.minimum(value * 10 + d - 48, 1 << 40), value)
                ok &= digit
            style = np.where(new, value, style)
            found |= new
    table = np.zeros(len(dates) + 1, bool)
    table[:len(dates)] = dates
    return known & (odd | table[np.where(found & (style < len(dates)), style, len(dates))] | (~found & table[0]))


def _valued(a, lt, first, idx, at, col, row):
    """Of one stretch's cells (`idx`: where they stand among the tag starts `lt`; `at`, `col`,
    `row`: their references, in order), those with a value - a <v> or <t> in them, not written
    <c …/> - as _stretch_cells tells them: (cells per 0-based column, their rows, cells in each
    row); None where the tags alone cannot tell (an instruction; text between tags; a cell without
    its one reference; a value outside a cell), and _far_cells looks again if it must. (A comment
    or CDATA: the caller does not ask.)"""
    pi = lt[first == 63]                                            # <?: only the XML declaration
    if len(pi) and (len(pi) > 1 or pi[0] > 3 or not (a[pi[0] + 2:pi[0] + 5] == (120, 109, 108)).all()
                    or not _WS[a[pi[0] + 5]]):
        return None
    if not len(idx):
        return np.zeros(MAX_COL + 1, np.int64), idx, idx
    if idx[-1] + 1 >= len(lt) or len(at) != len(idx):
        return None
    start, nxt = lt[idx], lt[idx + 1]                               # each cell's start, the tag after it
    if not ((at > start) & (at < nxt)).all() or (a[nxt - 1] != 62).any():
        return None                     # a reference not before the next tag, or text after the tag
    # the reference in the cell's own tag: no '>' between the cell's start and it. Written first,
    # `<c r="A1"` (every program does), there is no room for one: `r="` and the white space before
    # it are what _r_values found; anything else is looked at with every '>' of the stretch
    later = at - start > 6
    if later.any():
        gt = np.flatnonzero(a[:nxt[-1]] == 62)
        if (np.searchsorted(gt, at[later]) != np.searchsorted(gt, start[later])).any():
            return None
    closed = a[nxt - 2] == 47                                       # <c …/>
    is_vt = (first == 118) | (first == 116)                         # <v …>, <t …>
    # the plain way: what a cell holds begins right after its tag - </c> (nothing), <v>, or
    # <is><t> (an inline string) - and each value's tag is one of those: told from the next tags
    after = first[idx + 1]
    below = first[np.minimum(idx + 2, len(lt) - 1)]
    empty = ~closed & (after == 47)
    valued = ~closed & (((after == 118) & _ENDS_NAME[a[nxt + 2]]) | ((after == 105) & (below == 116)))
    if not (closed | empty | valued).all() or int(np.count_nonzero(is_vt)) != int(np.count_nonzero(valued)):
        vt = np.flatnonzero(is_vt)      # anything else (a formula, rich text…): each value's cell found
        vt = vt[_ENDS_NAME[a[lt[vt] + 2]]]
        owner = np.searchsorted(idx, vt, side="right") - 1          # the cell each stands in
        if len(owner) and owner[0] < 0:
            return None                 # a value before any cell of the stretch
        valued = np.zeros(len(idx), bool)
        valued[owner] = True
        if (valued & closed).any():
            return None
    r = row[valued]
    if len(r) and not (r[1:] >= r[:-1]).all():
        rows, counts = np.unique(r, return_counts=True)
    else:                               # rows in order, as programs write them
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else r
        rows, counts = r[starts], np.diff(np.r_[starts, len(r)])
    return np.bincount(col[valued] - 1, minlength=MAX_COL + 1), rows, counts


_PAD = 24
_WS = _ENDS_NAME = _AFTER_F = None     # byte classes (numpy lookup tables): _tables()
_BEFORE_NAME = bytearray(256)   # replaced by a numpy table in _tables()


def _numpy() -> None:
    """numpy and its byte tables, imported when a sheet is first swept (a quarter of a second)."""
    global np
    if np is None:
        import numpy
        np = numpy
        _tables()


def _tables() -> None:
    global _WS, _ENDS_NAME, _BEFORE_NAME, _AFTER_F
    _BEFORE_NAME = np.zeros(256, bool)
    _WS = np.zeros(256, bool)
    _WS[[9, 10, 12, 13, 32]] = True                                 # as the reader's XML parser counts white space
    _BEFORE_NAME[:] = _WS
    _BEFORE_NAME[[34, 39]] = True                                   # or right after the last value's quote
    _ENDS_NAME = _WS.copy()
    _ENDS_NAME[[47, 62]] = True                                     # '/' of <c/>, '>' of <c>
    _AFTER_F = np.zeros(256, bool)
    _AFTER_F[[ch[0] for ch in _AFTER_NAME]] = True                 # what _candidates takes after <f


_PREFIXED_ROOT = re.compile(rb"<\w+:worksheet\b")


class _Unusual(Exception):
    """References written in a way the sweep does not measure: the sheet is looked at cell by cell."""


def _r_values(a, n: int):
    """Offsets of the first character of every value of an attribute named r: ` r="`, ` r='`,
    `\tr = "`, `"r="` … (white space or the last value's quote before the name; any white space
    around `=`)."""
    eq = np.flatnonzero(a[:n] == 61)                                # '='
    eq = eq[eq >= 2]
    spaced = _WS[a[eq - 1]] | _WS[a[eq + 1]]
    plain = eq[~spaced]
    hit = plain[(a[plain - 1] == 114) & _BEFORE_NAME[a[plain - 2]] & ((a[plain + 1] == 34) | (a[plain + 1] == 39))] + 2
    if not spaced.any():
        return hit
    odd = eq[spaced]                                                # white space around '=': walk over it
    back = odd - 1
    fwd = odd + 1
    for _ in range(16):
        back = np.where((back > 0) & _WS[a[back]], back - 1, back)
        fwd = np.where((fwd < n) & _WS[a[fwd]], fwd + 1, fwd)
    if (_WS[a[back]] | _WS[a[np.minimum(fwd, n - 1)]]).any():
        raise _Unusual              # more white space than walked over
    ok = (a[back] == 114) & (back >= 1) & _BEFORE_NAME[a[np.maximum(back - 1, 0)]] & ((a[fwd] == 34) | (a[fwd] == 39))
    return np.sort(np.concatenate([hit, fwd[ok] + 1]))


def _sweep(pkg: Package, sh: SheetInfo, early=None, dates=None) -> None:
    """Stream a worksheet's XML once, before the cell reader parses it: entities are refused, the
    cells with errors or uncached formulas found, the merged ranges listed, and the extent of the
    cell references measured (_Extent), so that cells far from the data are judged without another
    pass (_judge_extent).

    This thread inflates the XML and cuts it into stretches of whole rows; two threads measure the
    stretches (numpy lets go of the GIL), at most a few at a time, merged in order."""
    _numpy()
    part = sh.part
    odd: dict[str, str] = {}
    merges: list = []
    big: dict[str | None, str] = {}
    ext = _Extent()
    seen = 0
    tail = head = b""
    nsdecl = b""
    prefixed = None
    counting = True
    pending: deque = deque()
    split = parts_mod.split_at()
    # parts only for the reader (`early` given): an inspection on its own leaves no files behind
    writer = (parts_mod.Writer(pkg, part, sh.size, parts_mod.how_many(sh.size))
              if early is not None and split and sh.size >= split and parts_mod.room_for(sh.size) else None)

    offset = 0                  # bytes of the sheet's XML handed to the measuring threads
    part_ext: dict[int, _Extent] = {}
    announced: set[int] = set()
    unsafe: list[int] = []
    wide: list[int] = []        # parts unsafe only for a reference past column WIDE: wait for _far_cells

    def settle(keep: int) -> None:
        while len(pending) > keep:
            start, end, fut = pending.popleft()
            got = fut.result()
            if got.entities:
                raise _entities(pkg.path, part)
            ext.merge(got)
            for ref, why in got.odd.items():
                odd.setdefault(ref, why)
            merges.extend(got.merges)
            big.update(got.big)
            if writer is not None:
                _announce(writer, start, end, got)

    def safe(k: int, first_row: int, next_row: int) -> bool:
        """Whether part k may be parsed now; if not, it is listed: a row out of its place (unsafe:
        the sheet is parsed whole), or only a far column (wide: it waits for _far_cells)."""
        got = part_ext.pop(k, None)
        if _part_safe(got, first_row, next_row):
            return True
        (wide if _part_safe(got, first_row, next_row, MAX_COL) else unsafe).append(k)
        return False

    def _announce(writer, start: int, end: int, got) -> None:
        """Measure the parts this stretch touches; hand each part written whole and measured to
        `early` once its own rectangle is safe for the cell reader."""
        starts = writer.starts
        if writer.failed or not starts:     # the sheet is not written in parts (a prefixed worksheet…)
            return
        k = next(j for j in range(len(starts) - 1, -1, -1) if starts[j] <= start)   # the one part it lies in
        part_ext.setdefault(k, _Extent()).merge(got)
        for k, book, stop in writer.finished():
            if k not in announced and stop <= end:
                announced.add(k)
                first_row = writer.rows[k - 1] if k else 1
                if safe(k, first_row, writer.rows[k]) and early is not None:
                    early.part_ready(sh, k, book, writer.marker)

    def submit(tail: bytes, chunk, cut: int) -> None:
        nonlocal offset
        size = len(tail) + cut
        cuts = [0, size]
        if writer is not None:
            known = len(writer.starts)
            writer.write(tail, chunk[:cut])
            # a part that begins inside this stretch: the stretch is measured in two, one for each part
            cuts[1:1] = [start - offset for start in writer.starts[known:] if 0 < start - offset < size]
        for lo, hi in zip(cuts, cuts[1:]):
            pending.append((offset + lo, offset + hi, pool.submit(
                _stretch, tail, chunk, cut, bool(prefixed), nsdecl, (lo, hi) if len(cuts) > 2 else None, counting,
                dates)))
        offset += size
        settle(_IN_FLIGHT)

    try:
        with pkg.chunks(part, SCAN_CHUNK) as chunks, _measurers(sh.size) as pool:
            for chunk in chunks:
                seen += len(chunk)
                if seen > MAX_PART_BYTES:
                    raise _fail(pkg.path, f"{part} 解压后超出安全上限，拒绝读取（疑似压缩炸弹）")
                if len(head) < 1 << 16:
                    head += chunk[:(1 << 16) - len(head)]
                    nsdecl = b" ".join(re.findall(rb'xmlns(?::\w+)?="[^"]*"', head))
                    prefixed = _PREFIXED_ROOT.search(head) is not None
                    counting = _counting_wanted(head, sh.size)
                cut = row_tag_end(chunk)
                if cut == -1:
                    if len(tail) + len(chunk) < 64 << 20:
                        tail += chunk           # no complete row yet: read on
                        continue
                    cut = chunk.rfind(b">")     # one huge row: cut between tags
                view = memoryview(chunk)
                cut = cut + (4 if view[cut:cut + 4] == b"row>" else 1) if cut != -1 else len(chunk)
                submit(tail, view, cut)
                tail = chunk[cut:]
            if tail:
                submit(tail, b"", 0)
            settle(0)
    except BaseException as e:
        if writer is not None:
            writer.abandon()
        if isinstance(e, _DAMAGE):
            raise _damaged(pkg.path, part, e) from None
        raise
    if writer is not None:
        sh.parts = writer.done()
        last = len(writer.rows)         # the last part: from its first row on, nothing above it
        if sh.parts is not None:
            safe(last, writer.rows[-1], MAX_ROW + 2)
            if unsafe:
                _drop(sh, early)
    if sh.size > SCAN_CHUNK:
        trim_memory()           # (0.3 ms a call: not for each small sheet of a folder)
    sh.odd_cells, sh.merges, sh.big_numbers = odd, merges, big
    if ext.unusual:
        _drop(sh, early)
        return _far_cells(pkg, sh)
    _judge_extent(pkg, sh, ext, head)
    # a part with a far reference is read in parts only when the judgement (the sweep's counts, or
    # _far_cells) found every cell with a value within the data (the far one an empty formatted
    # cell, which the reader leaves out)
    if sh.outliers or sh.spans or (wide and not sh.narrow):
        _drop(sh, early)


def _drop(sh: SheetInfo, early) -> None:
    """The sheet is not read in parts after all: their parses finished first (Windows cannot
    delete a file still open), then the parts removed."""
    if early is not None:
        early.settle(sh)
    sh.drop_parts()


def trim_memory() -> None:
    """Hand the memory a parse or a sweep leaves free back to the system (glibc keeps it per thread
    otherwise, so the parse of the next sheet on another thread could not reuse it, and it would
    sit under the next sheet's peak)."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None
def _part_safe(ext: _Extent | None, first_row: int, next_row: int, width: int = WIDE) -> bool:
    """Whether a part of a sheet (parts.py) may be parsed before the whole sheet is judged: every
    reference plainly written, inside the part's own rows (from `first_row` to before `next_row`,
    the next part's first) and no wider than a plausible sheet (`width` columns). Anything else
    waits for the judgement of the whole sheet."""
    if ext is None or ext.beyond or ext.unusual:
        return False
    rows_b, cols_b = ext.bound()
    return first_row <= ext.min_row and rows_b < next_row and cols_b <= width


_IN_FLIGHT = 3          # stretches measured or waiting while the next is inflated (4 MB each)


@contextmanager
def _measurers(size: int):
    """Where the stretches are measured: two threads for a sheet of several stretches, this one
    for a sheet of one (a folder of small workbooks starts no thread per sheet)."""
    if size <= SCAN_CHUNK:
        yield _Here()
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="huifang-sweep") as pool:
        yield pool


class _Here:
    """An executor that runs each call at once, in this thread."""

    def submit(self, fn, *args):
        done = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as e:
            done.set_exception(e)
        return done


def _look(buf: bytes, n: int, odd: dict, nsdecl: bytes, merges: list, errors: bool,
          marks: tuple[bool, bool, bool]) -> None:
    """One stretch of complete rows (`buf[:n]`), searched in place for what the cell reader does
    not tell: only in the rare stretch that has a formula, an error value or a merged range
    (`marks`: _marks of the stretch)."""
    if errors or marks[1]:
        _find_odd(buf, odd, nsdecl, n, errors)
    if marks[2] and buf.find(b"mergeCell", 0, n) != -1:
        _find_merges(buf[:n], merges)


def _marks(a, lt, first) -> tuple[bool, bool, bool]:
    """Of a stretch's tags (`lt`: the offsets of its '<', `first`: the byte after each), whether
    one begins `<!` (a comment, CDATA, a declaration), whether one is an element named f (a formula:
    `<f` then what ends a name, as _candidates takes it) and whether one names an element
    beginning with m (a merged range, `<mergeCell`). A prefixed name follows a ':' instead: the
    caller adds the colons'."""
    return (bool((first == 33).any()), bool(((first == 102) & _AFTER_F[a[lt + 2]]).any()),
            bool((first == 109).any()))


def _find_merges(buf: bytes, merges: list) -> None:
    for m in MERGE_REF.finditer(buf):
        c0, r0 = col_index(m.group(1).decode()), int(m.group(2)) - 1
        c1, r1 = (col_index(m.group(3).decode()), int(m.group(4)) - 1) if m.group(3) else (c0, r0)
        merges.append(((r0, c0), (r1, c1)))


_CELL_START = re.compile(rb"<(\w+:)?c\b[^>]*>")


def _find_odd(buf: bytes, odd: dict[str, str], nsdecl: bytes, n: int | None = None, errors: bool | None = None) -> None:
    """The cells with a formula or an error value, found from their markers (never a step per
    cell: a column of formulas filled down is common), each parsed as XML (namespace-aware) and
    judged, except a formula cell with a cached value, which is plainly no finding. `buf[:n]` is
    searched (what follows is zero bytes); `errors`: whether it may hold an error type (a quoted e).

    A stretch with formulas only (no `:f`, no error type, no CDATA or comment) has the formulas in
    plainly written cells with a cached value told apart all at once (_plainly_cached); the rest are
    looked at one by one."""
    if n is None:
        n = len(buf)
        buf = buf + bytes(_PAD)
    if errors is None:
        errors = buf.find(b'"e"', 0, n) != -1 or buf.find(b"'e'", 0, n) != -1
    marks = None
    if not errors and (buf.find(b"!", 0, n) == -1 or buf.find(b"<!", 0, n) == -1):    # ("!" by memchr first)
        marks = _formulas_to_judge(buf, n)
    if marks is None:
        marks = _candidates(buf)
    done = 0
    for at in marks:
        if at < done:
            continue                    # in the cell just judged
        start = _cell_start(buf, at)
        if start is None:
            continue
        m = _CELL_START.match(buf, start)
        if m.group(0).endswith(b"/>"):
            continue
        close = end_tag(m.group(1) or b"", b"c").search(buf, m.end())       # </c>, </c >, </x:c>
        if close is None:
            continue
        done = close.end()
        cell = buf[start:done]
        if _CACHED.search(cell) and not _ERROR_VALUE.search(cell) and cell.find(b"<!") == -1:
            continue                    # a formula with its result (a <v> in CDATA is none: parsed)
        judge_cell(cell, odd, nsdecl)


def judge_cell(cell: bytes, odd: dict[str, str], nsdecl: bytes) -> None:
    """One cell's XML parsed and judged: an error value or a formula without a cached result is
    put in `odd` under its reference (the first judgement of a reference stands)."""
    try:
        el = SafeET.fromstring(b"<root " + nsdecl + b">" + cell + b"</root>")[0]
    except (SafeET.ParseError, DefusedXmlException, IndexError, ValueError):
        return
    ref = el.get("r")
    if not ref or ref in odd:
        return
    children = {_local(ch.tag): ch for ch in el}
    if el.get("t") == "e":
        v = children.get("v")
        shown = (v.text or "错误") if v is not None else "错误"
        odd[ref] = f"单元格是错误值 {shown}（通常是公式出错），请改正后再填"
    elif "f" in children and "is" not in children:
        v = children.get("v")
        # a cached result, even the empty string of =IF(…,"") (t="str" with <v></v>), is a value;
        # an empty <v> of a number-typed cell is no result at all (openpyxl writes that)
        if v is None or (not (v.text or "") and el.get("t") not in ("str", "s", "inlineStr")):
            odd[ref] = "公式没有计算结果（缓存值），请在 Excel 或 WPS 中打开、重新计算并保存"


_ERROR_VALUE = re.compile(rb"t\s*=\s*[\"']e[\"']")


@lru_cache(maxsize=32)
def end_tag(prefix: bytes, name: bytes):
    """The end tag of an element `name` written with this prefix (b"" for none, else b"x:"), white
    space before its `>` too (`</c >` is as good XML as `</c>`)."""
    return re.compile(b"</" + re.escape(prefix) + re.escape(name) + rb"\s*>")


def _formulas_to_judge(buf: bytes, n: int) -> list[int] | None:
    """_candidates for `buf[:n]` (then _PAD zero bytes) without error types, comments or CDATA,
    found with numpy, less the formulas plainly written with a cached value (_plainly_cached);
    None where a formula has a prefix (`<x:f`: _candidates then)."""
    _numpy()
    a = np.frombuffer(buf, np.uint8)
    colon = np.flatnonzero(a[:n] == 58)
    if len(colon) and ((a[colon + 1] == 102) & _AFTER_F[a[colon + 2]]).any():
        return None
    lt = np.flatnonzero(a[:n] == 60)                                # '<': every one starts a tag here
    first = a[lt + 1]
    at = lt[(first == 102) & _AFTER_F[a[lt + 2]]]                   # <f followed by what ends a name
    return at[~_plainly_cached(a, lt, first, at)].tolist()


def _plainly_cached(a, lt, first, at):
    """Of the formula marks at `at` (offsets of `<f`, sorted, each in `lt`, the offsets of every
    `<`; `first` the byte after each), those that stand in a cell written the plain way with a
    cached value: the tag just before the mark is the cell's own (`<c ` or `<c>`, as _cell_start
    takes it) and a `<v>` with anything but `<` after it comes before the cell's end tag (`</c>`,
    `</c >`: as _CACHED finds in the cell _find_odd cuts). A mark in a prefixed cell is never plainly cached."""
    i = np.searchsorted(lt, at) - 1                                 # the tag before each mark
    before = lt[np.maximum(i, 0)]
    own = (i >= 0) & (a[before + 1] == 99) & ((a[before + 2] == 32) | (a[before + 2] == 62))
    ends = lt[first == 47]
    ends = ends[(a[ends + 2] == 99) & ((a[ends + 3] == 62) | _WS[a[ends + 3]])]     # </c>, </c >
    values = lt[first == 118]
    values = values[(a[values + 2] == 62) & (a[values + 3] != 60)]  # <v> and not at once </v>
    e = np.searchsorted(ends, at)
    v = np.searchsorted(values, at)
    ok = own & (e < len(ends)) & (v < len(values))
    ok[ok] = values[v[ok]] < ends[e[ok]]
    return ok


def _candidates(buf: bytes) -> list[int]:
    """Where a formula (<f>, <x:f …>) or an error type (t="e") may stand, in order (text that only
    looks so is judged with the cells): found by memchr-speed searches, the pattern for error types
    only where a quoted e is."""
    at = []
    for mark in (b"<f", b":f"):
        i = buf.find(mark)
        while i != -1:
            if buf[i + 2:i + 3] in _AFTER_NAME:
                at.append(i)
            i = buf.find(mark, i + 2)
    if buf.find(b'"e"') != -1 or buf.find(b"'e'") != -1:
        at += [m.start() for m in _ERROR_VALUE.finditer(buf)]
    at.sort()
    return at


_AFTER_NAME = (b" ", b"\t", b"\r", b"\n", b"/", b">")
_CACHED = re.compile(rb"<(?:\w+:)?v>[^<]")                         # a value that is not empty
_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?([\w.-]+)")


def _cell_start(buf: bytes, at: int) -> int | None:
    """Where the cell a marker at `at` stands in starts (its own start tag, or one a few tags
    back); None when the marker stands outside any cell (between cells, in a row's tag)."""
    j = buf.rfind(b"<", 0, at + 1 if buf[at:at + 1] != b"<" else at)
    if buf[j + 1:j + 3] in (b"c ", b"c>"):          # the usual: the tag before <f> is the cell's
        return j
    j = at + 1
    for _ in range(256):                # a cell's children are a few tags (f, v, is and its runs)
        j = buf.rfind(b"<", 0, j)
        if j == -1:
            return None
        tag = _TAG.match(buf, j)
        if tag is None:
            continue
        name = tag.group(2)
        if name == b"c":
            return None if tag.group(1) else (j if _CELL_START.match(buf, j) else None)
        if name in (b"row", b"sheetData"):
            return None
    return None


# ------------------------------------------------------------------ cells the cell reader cannot convert

# the error values python-calamine knows (xlsx/mod.rs, CellErrorType::from_str); any other one
# (#SPILL!, #CALC!, #FIELD!… of Excel 365) fails the whole sheet
CELL_READER_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})
# a number as calamine parses a cell typed t="n" (fast_float2): no white space, no underscores
_RUST_FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)\Z", re.I)


def rust_float(text: str) -> bool:
    """Whether the cell reader reads `text` (a number cell's value) as a number."""
    return _RUST_FLOAT.match(text) is not None


_CELL_TYPES = (None, b"n", b"s", b"b", b"e", b"str", b"inlineStr", b"d")
_BOOLEANS = ("0", "1", "true", "false", "")         # what calamine reads as a logical value
_V_TEXT = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>([^<]*)</(?:[\w.-]+:)?v\s*>")


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _style_kinds(pkg: Package) -> list[str]:
    """Per cell format (cellXfs) what calamine reads its numbers as (xlsx/mod.rs): a format of the
    file's own by its code (xls.custom_format_kind), a built-in one by its number; xls.DATETIME,
    xls.DURATION or ""."""
    name = pkg.find("xl/styles.xml")
    if name is None:
        return []
    root = _xml(pkg, name)
    custom = {el.get("numFmtId"): el.get("formatCode") for el in root.iter()
              if _local(el.tag) == "numFmt" and el.get("numFmtId") is not None and el.get("formatCode") is not None}
    out: list[str] = []
    for el in root.iter():
        if _local(el.tag) == "cellXfs":
            for xf in el:
                if _local(xf.tag) == "xf":
                    fid = xf.get("numFmtId")
                    if fid is None:
                        out.append("")
                    elif fid in custom:
                        out.append(xls.custom_format_kind(custom[fid]))
                    else:
                        out.append(xls.builtin_format_kind(int(fid)) if plain_digits(fid) and fid == str(int(fid))
                                   else "")
            break
    return out


def _date_formats(pkg: Package):
    """Per cell format, whether calamine reads its numbers as dates (numpy booleans); None when no
    format is a date, or the styles cannot be read (the reader will say what is wrong with them)."""
    try:
        kinds = _style_kinds(pkg)
    except Exception:
        return None
    if xls.DATETIME not in kinds:
        return None
    _numpy()
    return np.array([k == xls.DATETIME for k in kinds], bool)


HEADER_ROWS = 30           # the rows a header is looked for in (reader.HEADER_SCAN_ROWS)


def _shared_strings_held(pkg: Package, book_part: str) -> int:
    """How many strings the workbook's shared strings table (its relationship, else the part of
    that name beside the workbook) holds, as the cell reader counts them (each `si` element, by
    its local name, outside another); 0 where there is none or it is no XML."""
    name = next((pkg.find(part) for kind, part in _rels(pkg, book_part).values()
                 if kind.endswith("/sharedStrings") and pkg.find(part)), None)
    if name is None:
        folder = book_part.rsplit("/", 1)[0].lower() + "/" if "/" in book_part else ""
        name = next((n for n in pkg.infos if n.lower() == folder + "sharedstrings.xml"), None)
    if name is None:
        return 0
    depth = count = 0

    def start(tag, attrs):
        nonlocal depth, count
        if tag.rsplit(":", 1)[-1] == "si":
            count += depth == 0
            depth += 1

    def end(tag):
        nonlocal depth
        if tag.rsplit(":", 1)[-1] == "si":
            depth -= 1
    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        with pkg.open(name) as fh:
            while chunk := fh.read(1 << 16):
                parser.Parse(chunk, False)
    except expat.ExpatError:
        pass
    return count


def no_calendar(number: str) -> str:
    """The DATA003 message of a date-formatted number the cell reader cannot convert (.xlsx, .xls)."""
    return f"数值 {number} 不是任何日历能表示的日期，未读取；请改正"


def strip_unconvertible_cells(info: Inspection, sheet_name: str) -> dict[str, str | None]:
    """After the cell reader failed on a sheet: find the cells it cannot convert, leave them out
    of a new normalized copy, and return them (reference -> the DATA003 message; None where the
    sweep has already noted the cell, as it notes every error value). Those cells are:
    a number in a date or duration format that makes it panic (-1E+20; the same test as for .xls,
    xls.cell_value), an error value it does not know (#SPILL!), a cell typed as a number whose
    text is none, a shared string that is not in the table, and a cell of a type it does not know.
    Empty when there is none."""
    sh = next((s for s in info.sheets if s.name == sheet_name), None)
    if sh is None or not sh.part or info.format != XLSX:
        return {}
    src = info.source
    with zipfile.ZipFile(src) as zf:
        pkg = Package(src, zf)
        kinds = _style_kinds(pkg)
        part = pkg.read(sh.part)
        keep = []
        found: dict[str, str | None] = {}
        strings = None          # how many shared strings the table holds (counted at the first t="s")
        past: list[int] = []    # the rows of the cells pointing past it
        for c, r, start, end, _ in _cell_positions(pkg, sh.part):
            tag = part[start:part.find(b">", start, end) + 1 or end]
            t = re.search(rb'\st\s*=\s*["\']([^"\']*)["\']', tag)
            t = t.group(1) if t is not None else None
            v = _V_TEXT.search(part, start, end)
            if v is None:           # an inline string (<is><t>), or no value
                continue
            value = html.unescape(v.group(1).decode("utf-8", "replace"))      # whole: -1.2345678901234567E+20
            ref = f"{column_letters(c)}{r}"
            why = None
            if t == b"e":
                if value in CELL_READER_ERRORS:
                    continue
                why = f"单元格是错误值 {value}（通常是公式出错），请改正后再填"
            elif t not in _CELL_TYPES:
                why = f"单元格的类型“{t.decode('utf-8', 'replace')[:20]}”无法识别，未读取；请在 Excel 或 WPS 中重新填写"
            elif t == b"s":
                if strings is None:
                    strings = _shared_strings_held(pkg, info.book_part)
                # the cell reader takes an index that is no number it can hold (x, 1E30, 2**64) as
                # 0, and fails the sheet at one past the table
                if not plain_digits(value) or not strings <= int(value) < 1 << 64:
                    continue
                why = (f"单元格指向编号 {_clip(value)} 的共享文字，而共享文字表只有 {strings} 项"
                       "（文件已损坏），未读取；请在 Excel 或 WPS 中重新填写")
                past.append(r)
            elif t == b"b":
                if value.lower() in _BOOLEANS:
                    continue
                why = f"单元格标为逻辑值，内容“{_clip(value)}”却不是，未读取；请改正"
            elif t in (None, b"n"):
                if value == "":
                    continue                # empty: read as a blank
                if not rust_float(value):
                    if t is None:
                        continue            # read as text
                    why = f"单元格标为数字，内容“{_clip(value)}”却不是数字，未读取；请改正"
                else:
                    # only the number cells whose style is a date or duration format: the ones
                    # the reader converts (no style: not one)
                    m = re.search(rb'\ss\s*=\s*["\'](\d+)["\']', tag)
                    k = int(m.group(1)) if m else -1
                    kind = kinds[k] if 0 <= k < len(kinds) else ""
                    if not kind or xls.cell_value(float(value), kind, info.date1904) is not xls.PANIC:
                        continue
                    why = no_calendar(value)
            else:
                continue
            keep.append((start, end))
            found[ref] = None if (t == b"e" and ref in sh.odd_cells) else why
        # no table at all, or a cell past it where the header may be (the first rows): the text of
        # the sheet cannot be trusted, and the sheet is refused as the cell reader refuses it
        if not keep or (past and (not strings or min(past) <= HEADER_ROWS)):
            return {}
        sh.spans = keep
        sh.drop_parts()
        _normalize(pkg, info, info.book_part)
    return found
