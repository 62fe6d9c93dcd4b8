"""Editing a workbook package (.xlsx / .xlsm) in place of rebuilding it.

`huifang plan` and `validate --annotate` change a few rows or cells of a workbook that may hold a
million. Loading it whole (openpyxl) and saving it again costs many times the validation, and
loses what the loader does not know (shapes, extension lists). Here the copy is the same zip:

- every member the edit does not change is copied byte for byte, its compressed data included
  (never inflated and deflated again): VBA projects, drawings, shapes, extLst, everything;
- a worksheet that changes is streamed once: the rows the edit does not touch are copied as they
  are, the few it touches are parsed (lxml) and written back, new rows and cells are put in row
  and column order. The parts before and after the rows (dimension, views, merged cells,
  legacyDrawing, extLst) are small and are edited as XML trees (same content; lxml may write
  namespace declarations in another order). Nothing holds the sheet as a tree;
- the small parts (workbook, relationships, content types, styles, comments) are edited as trees.

The stream needs to tell rows apart by their bytes, which holds for every sheet a spreadsheet
program writes; a sheet whose rows hold XML comments, CDATA or processing instructions is
refused with one line rather than guessed at.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from collections.abc import Callable

from lxml import etree

from generator.names import shown
from generator.zipparts import DeflateWriter, copy_raw, deflate_level, like, member_name
from generator.errors import HuifangError
from generator.workbook.values import plain_digits
from generator.workbook.inspect import (MERGE_REF, DamagedPart, Package, col_index, column_letters as letters,
                                        end_tag)

MAIN_T = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAIN_S = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_T = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_S = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAX_ROW, MAX_COL = 1_048_576, 16_384
CHUNK = 1 << 22

# The prefixes lxml writes for a namespace the part does not declare where an element or attribute
# is added (the r:id of the summary's <sheet>, of a <legacyDrawing>): those openpyxl registers, in
# force whenever it had been imported. The copies must not depend on whether it was (validate no
# longer imports it): `r:id`, not `ns1:id`.
for _prefix, _uri in (("dcterms", "http://purl.org/dc/terms/"), ("dcmitype", "http://purl.org/dc/dcmitype/"),
                      ("cp", "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"),
                      ("c", "http://schemas.openxmlformats.org/drawingml/2006/chart"),
                      ("a", "http://schemas.openxmlformats.org/drawingml/2006/main"),
                      ("s", MAIN_T), ("r", REL_T),
                      ("vt", "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"),
                      ("xdr", "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"),
                      ("cdr", "http://schemas.openxmlformats.org/drawingml/2006/chartDrawing"),
                      ("cust", "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties")):
    etree.register_namespace(_prefix, _uri)
MAX_EDGE = 256 << 20          # what may stand before or after a sheet's rows (views, merges, links)

CT = {
    "worksheet": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "comments": "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml",
    "styles": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "vml": "application/vnd.openxmlformats-officedocument.vmlDrawing",
}

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)


class PackageError(HuifangError):
    """A copy that cannot be made by editing the package; the message is one Chinese line."""


def _parse(data: bytes, path: Path, name: str):
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise PackageError(f"{shown(path)}：其中 {name} 含有 XML 实体声明，不复制")
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        raise PackageError(f"{shown(path)}：其中 {name} 不是有效的 XML，无法复制") from None


def _tostring(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def cell_ref(row: int, col: int) -> str:
    """1-based row and column to "B7"."""
    return f"{_letters()[col - 1]}{row}" if 1 <= col <= MAX_COL else f"{letters(col - 1)}{row}"


def _letters() -> list[str]:
    """The letters of every column of Excel's grid, in order (openpyxl's, listed once)."""
    global _LETTERS, _INDEX
    if _LETTERS is None:
        _LETTERS = [letters(j) for j in range(MAX_COL)]
        _INDEX = {s: j for j, s in enumerate(_LETTERS, 1)}
    return _LETTERS


_LETTERS: list[str] | None = None
_INDEX: dict[str, int] = {}          # "B" -> 2


def _index() -> dict[str, int]:
    _letters()
    return _INDEX


_REF_TEXT = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def split_ref(ref: str) -> tuple[int, int] | None:
    """"B7" to (7, 2), 1-based; None for anything that is not a cell of a sheet."""
    head = ref.rstrip("0123456789")
    j = _index().get(head)
    tail = ref[len(head):]
    if j is not None and tail.isascii() and 0 < len(tail) <= 7 and tail[0] != "0":      # "B7" as it is written
        row = int(tail)
        return (row, j) if row <= MAX_ROW else None
    m = _REF_TEXT.fullmatch(ref.strip())
    if not m:
        return None
    row, col = int(m.group(2)), col_index(m.group(1).upper()) + 1
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL else None


def serial(d: date | datetime, date1904: bool = False) -> float:
    """A date as the number Excel stores."""
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    if not isinstance(d, datetime):
        d = datetime(d.year, d.month, d.day)
    delta = d - base
    return delta.days + delta.seconds / 86400


# ------------------------------------------------------------------ copying the zip

def raw_copy(src_fh, info: zipfile.ZipInfo, zout: zipfile.ZipFile) -> bool:
    """Copy a member's compressed bytes as they are (generator/zipparts.py). False when the member
    is stored in a way that cannot be copied so (the caller inflates and deflates it then)."""
    return copy_raw(src_fh, info, zout, lambda why: PackageError(f"{getattr(src_fh, 'name', '')}：{why}"))


def _fast(info: zipfile.ZipInfo, size: int) -> zipfile.ZipInfo:
    """A large streamed part is deflated at level 1: a third of the time of the default for about
    a fifth more bytes (119 MB of sheet XML: 0.4 s and 11 MB against 1.2 s and 9 MB)."""
    if size > FAST_ABOVE:
        deflate_level(info, 1)
    return info


FAST_ABOVE = 4 << 20        # bytes: a member this large is deflated fast (streamed: zlib-ng on a thread of its own)
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, DamagedPart)     # what a damaged member raises read


@contextmanager
def _member(zout: zipfile.ZipFile, info: zipfile.ZipInfo, size: int):
    """A member to stream about `size` bytes into, its writes gathered a megabyte at a time (_Batched):
    a large one deflated by zlib-ng at its level 2 (zipparts.DeflateWriter: the size of zlib's
    level 1 in 60 % of its time; zlib-ng's level 1 makes it 45 % larger), a small one by zipfile
    at its default level."""
    with (DeflateWriter(zout, info, 2, zip64=size > 1 << 30) if size > FAST_ABOVE else zout.open(info, "w")) as m:
        out = _Batched(m)
        yield out
        out.flush()


# ------------------------------------------------------------------ styles

class Styles:
    """styles.xml as a tree, with cell formats added on demand (each at most once)."""

    def __init__(self, root, ns: str) -> None:
        self.root, self.ns = root, ns
        self._cache: dict = {}
        self.changed = False

    def _q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def _list(self, tag: str, before: tuple[str, ...]):
        el = self.root.find(self._q(tag))
        if el is None:
            el = etree.Element(self._q(tag))
            for i, ch in enumerate(self.root):
                if _local(ch.tag) in before:
                    self.root.insert(i, el)
                    break
            else:
                self.root.append(el)
        return el

    _ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
              "tableStyles", "colors", "extLst")

    def _section(self, tag: str):
        """The section `tag`; one that is missing or empty gets its defaults first, which the
        formats already there refer to by number 0 (and a fill list its two reserved fills), so
        that what is added here never takes their numbers."""
        sec = self._list(tag, self._ORDER[self._ORDER.index(tag) + 1:])
        defaults = _DEFAULTS.get(tag)
        if defaults and not any(isinstance(ch.tag, str) for ch in sec):
            if tag == "cellXfs":            # its default format refers to font, fill and border 0
                for needed in ("fonts", "fills", "borders", "cellStyleXfs"):
                    self._section(needed)
            sec.extend(etree.fromstring(f'<w xmlns="{self.ns}">{"".join(defaults)}</w>'))
            sec.set("count", str(len(defaults)))
            self.changed = True
        return sec

    def _add(self, tag: str, el) -> int:
        sec = self._section(tag)
        sec.append(el)
        n = sum(1 for ch in sec if isinstance(ch.tag, str))
        sec.set("count", str(n))
        self.changed = True
        return n - 1

    def xfs(self) -> list:
        return [x for x in self._section("cellXfs") if _local(x.tag) == "xf"]

    def numfmt(self, code: str) -> int:
        key = ("numfmt", code)
        if key in self._cache:
            return self._cache[key]
        builtin = {"@": 49, "0": 1, "General": 0}
        if code in builtin:
            return builtin[code]
        sec = self._section("numFmts")
        fmts = [x for x in sec if _local(x.tag) == "numFmt" and plain_digits(x.get("numFmtId", ""))]
        ids = [int(x.get("numFmtId")) for x in fmts]
        found = next((int(x.get("numFmtId")) for x in fmts if x.get("formatCode") == code), None)
        if found is None:
            found = max([163, *ids]) + 1
            self._add("numFmts", etree.Element(self._q("numFmt"), numFmtId=str(found), formatCode=code))
        self._cache[key] = found
        return found

    def fill(self, rgb: str) -> int:
        key = ("fill", rgb)
        if key not in self._cache:
            f = etree.Element(self._q("fill"))
            p = etree.SubElement(f, self._q("patternFill"), patternType="solid")
            etree.SubElement(p, self._q("fgColor"), rgb="FF" + rgb)
            etree.SubElement(p, self._q("bgColor"), indexed="64")
            self._cache[key] = self._add("fills", f)
        return self._cache[key]

    def font(self, bold=False, size=None, color=None, underline=False) -> int:
        key = ("font", bold, size, color, underline)
        if key not in self._cache:
            fonts = [x for x in self._section("fonts") if _local(x.tag) == "font"]
            base = etree.fromstring(etree.tostring(fonts[0])) if fonts else etree.Element(self._q("font"))
            for ch in list(base):
                if _local(ch.tag) in ("b", "u", "color", "sz", "i", "strike"):
                    base.remove(ch)
            extra = []
            if bold:
                extra.append(etree.Element(self._q("b")))
            if underline:
                extra.append(etree.Element(self._q("u")))
            extra.append(etree.Element(self._q("sz"), val=str(size or 11)))
            if color:
                extra.append(etree.Element(self._q("color"), rgb="FF" + color))
            for i, e in enumerate(extra):
                base.insert(i, e)
            self._cache[key] = self._add("fonts", base)
        return self._cache[key]

    def xf(self, base: int, *, fill: str | None = None, numfmt: str | None = None, font: int | None = None,
           wrap: bool = False) -> int:
        """A cell format: the format `base` with the fill, number format, font or wrapping changed."""
        key = ("xf", base, fill, numfmt, font, wrap)
        if key in self._cache:
            return self._cache[key]
        xfs = self.xfs()
        src = xfs[base] if 0 <= base < len(xfs) else (xfs[0] if xfs else None)
        x = etree.fromstring(etree.tostring(src)) if src is not None else etree.Element(
            self._q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
        if fill is not None:
            x.set("fillId", str(self.fill(fill)))
            x.set("applyFill", "1")
        if numfmt is not None:
            x.set("numFmtId", str(self.numfmt(numfmt)))
            x.set("applyNumberFormat", "1")
        if font is not None:
            x.set("fontId", str(font))
            x.set("applyFont", "1")
        if wrap:
            al = x.find(self._q("alignment"))
            if al is None:
                al = etree.Element(self._q("alignment"))
                x.insert(0, al)
            al.set("wrapText", "1")
            al.set("vertical", "top")
            x.set("applyAlignment", "1")
        self._cache[key] = self._add("cellXfs", x)
        return self._cache[key]


_DEFAULTS = {         # what a section holds at the least, as Excel writes it (in the sheet's namespace)
    "fonts": ('<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',),
    "fills": ('<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>'),
    "borders": ("<border><left/><right/><top/><bottom/><diagonal/></border>",),
    "cellStyleXfs": ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',),
    "cellXfs": ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',),
}


def _blank_styles(ns: str) -> bytes:
    """A styles part of its defaults only (a workbook without one)."""
    sections = "".join(f'<{tag} count="{len(items)}">{"".join(items)}</{tag}>' for tag, items in _DEFAULTS.items())
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{ns}">{sections}'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>').encode()


# ------------------------------------------------------------------ cells

def set_text(c, text: str, ns: str) -> None:
    """The cell holds `text` as an inline string: never a formula, whatever it starts with."""
    _clear(c)
    c.set("t", "inlineStr")
    is_ = etree.SubElement(c, f"{{{ns}}}is")
    t = etree.SubElement(is_, f"{{{ns}}}t")
    t.text = text
    if text != text.strip() or "\n" in text:
        t.set(XML_SPACE, "preserve")


def set_number(c, value: float, ns: str) -> None:
    _clear(c)
    v = etree.SubElement(c, f"{{{ns}}}v")
    v.text = repr(value) if not float(value).is_integer() else str(int(value))


def _clear(c) -> None:
    for ch in list(c):
        c.remove(ch)
    c.attrib.pop("t", None)


# a change to one cell: called with the cell element (an empty <c r=…> if it was not there)
# and the format index it had or would have had
CellEdit = Callable[[object, int], None]


class Restyle:
    """A CellEdit that only gives the cell another format: `style(base)` is the new format of a
    cell whose format was `base`. A new empty cell it is given to is written without building it
    as XML (SheetEdit's rows, `_edit_cells`)."""

    def __init__(self, style: Callable[[int], int]) -> None:
        self.style = style
        self.memo: dict[int, int] = {}

    def of(self, base: int) -> int:
        """style(base), asked of `style` once per base format."""
        got = self.memo.get(base)
        if got is None:
            got = self.memo[base] = self.style(base)
        return got

    def __call__(self, c, base: int) -> None:
        c.set("s", str(self.of(base)))


@dataclass
class SheetEdit:
    """What changes in one worksheet."""
    # row -> (column, edit) for a row with one cell edited (90,000 flagged rows: no dict each), or
    # column -> edit for a row with more (columns() gives either as the dict)
    cells: dict[int, tuple | dict[int, CellEdit]] = field(default_factory=dict)
    unselect: bool = False                  # the tab is no longer selected (another sheet becomes active)
    tail: list[Callable] = field(default_factory=list)     # edits of the part after the rows: f(root, ns)

    def at(self, row: int, col: int, edit: CellEdit) -> None:
        have = self.cells.get(row)
        if have is None:
            self.cells[row] = (col, edit)
        elif type(have) is tuple:
            self.cells[row] = {have[0]: have[1], col: edit}
        else:
            have[col] = edit


def columns(edits) -> dict[int, CellEdit]:
    """A row's edits (SheetEdit.cells) as column -> edit."""
    return {edits[0]: edits[1]} if type(edits) is tuple else edits


@dataclass
class SheetScan:
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)     # r0, c0, r1, c1, 1-based
    legacy_rid: str | None = None
    selected: bool = False
    last_row: int = 0


_LEGACY = re.compile(rb'<(?:\w+:)?legacyDrawing\b[^>]*?\b\w+:id\s*=\s*["\']([^"\']*)["\']')
_ROW = re.compile(rb"<(\w+:)?row\b[^>]*?(/?)>")
_ROW_R = re.compile(rb'\sr\s*=\s*["\'](\d+)["\']')
_NSDECL = re.compile(rb'xmlns(:[\w.-]+)?\s*=\s*(?:"[^"]*"|\'[^\']*\')')         # a namespace declaration
_CELL_ROW = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr\s*=\s*["\']\$?[A-Za-z]{1,3}\$?(\d{1,7})["\']')   # a cell's row
_SHEETDATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData\s*>")
_ROOT_END = re.compile(rb"</(?:\w+:)?worksheet\s*>\s*$")
_SELECTED = re.compile(rb"\btabSelected\s*=\s*[\"'](1|true)[\"']")
_PLAIN = b'<c r="%s" s="%s"/>'
_UNSAFE = (b"<!", b"<?")          # comments, CDATA (and declarations), processing instructions
_ROW_ODD = re.compile(rb'<row(?! r=")')     # a row not written `<row r="…"`
_FILLED = re.compile(rb"<(?:[\w.-]+:)?(?:v|is|f)[\s>/]")      # a cell's value, text or formula
# a row's start tag as lxml writes it again (one space before each attribute, double quotes, nothing
# in a value that it would escape, no namespace declared on it), and one of its attributes
_PLAIN_ROW = re.compile(rb'<row(?: (?!xmlns)[\w:.-]+="[^"&<>\t\n\r]*")*>')
_ROW_ATTR = re.compile(rb' ([\w:.-]+)="[^"]*"')


def _end_of_rows(buf: bytes):
    """The match of </sheetData> in buf, or None: found with a plain search, then checked."""
    j = buf.find(b"sheetData")
    while j != -1:
        m = _SHEETDATA_END.match(buf, max(0, buf.rfind(b"<", max(0, j - 64), j)))
        if m is not None and m.end() > j:
            return m
        j = buf.find(b"sheetData", j + 9)
    return None


class Sheets:
    """The sheet streamer: one worksheet part in, the edited part out."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name

    def fail(self, why: str) -> PackageError:
        return PackageError(f"{shown(self.path)}：工作表部件 {self.name} {why}，无法写出副本")

    @staticmethod
    def scan(fh) -> SheetScan:
        """One pass over a sheet's bytes: merged ranges, the comment drawing, whether the tab is selected."""
        out = SheetScan()
        tail = b""
        first = True
        while chunk := fh.read(CHUNK):
            buf = tail + chunk
            if first:
                out.selected = _SELECTED.search(buf[:1 << 16]) is not None
                first = False
            if b"mergeCell" in buf:
                for m in MERGE_REF.finditer(buf):
                    a, r0 = col_index(m.group(1).decode()) + 1, int(m.group(2))
                    b, r1 = (col_index(m.group(3).decode()) + 1, int(m.group(4))) if m.group(3) else (a, r0)
                    out.merges.append((min(r0, r1), min(a, b), max(r0, r1), max(a, b)))
            if b"legacyDrawing" in buf and (m := _LEGACY.search(buf)):
                out.legacy_rid = m.group(1).decode()
            # a tag cut by the chunk's end is looked at again with the next chunk
            cut = buf.rfind(b"<")
            tail = buf[cut:] if cut != -1 and len(buf) - cut < 4096 else b""
        out.merges = sorted(set(out.merges))
        return out

    def edit(self, fh, out, edit: SheetEdit) -> None:
        """Stream the part from fh to out with the edit applied."""
        buf = b""

        def more() -> bytes:
            return fh.read(CHUNK)

        # ---- the part before the rows: parsed as a small tree
        while (m := _SHEETDATA.search(buf)) is None:
            chunk = more() if len(buf) <= MAX_EDGE else b""
            if not chunk:
                raise self.fail("中找不到 sheetData 或其前的内容过大")
            buf += chunk
        root_start = re.search(rb"<(\w+:)?worksheet\b[^>]*>", buf[:m.start()])
        if root_start is None:
            raise self.fail("不是工作表")
        self.root_tag = root_start.group(0)
        self.prefix = (root_start.group(1) or b"").decode()
        # the namespaces a row may use: the root's, and those <sheetData> declares (which win)
        decls = {d.group(1): d.group(0) for tag in (self.root_tag, m.group(0)) for d in _NSDECL.finditer(tag)}
        self.nsdecl = b" ".join(decls.values())
        out.write(buf[:root_start.start()])
        head = self._fragment(buf[root_start.end():m.start()])
        self.ns = etree.QName(head).namespace or MAIN_T
        self._head(head, edit)
        out.write(self.root_tag)
        out.write(self._inner(head))
        rows = sorted(edit.cells.items())
        self.cols = self._col_styles(head)
        if m.group(2):                                    # <sheetData/>: no rows
            out.write(m.group(0)[:-2].rstrip() + b">")
            self._new_rows(out, rows)
            out.write(f"</{self.prefix + ':' if self.prefix else ''}sheetData>".encode())
            buf = buf[m.end():]
        else:
            out.write(m.group(0))
            buf = buf[m.end():]
            buf = self._rows(buf, out, rows, more)
        # ---- the part after the rows: parsed as a small tree
        while chunk := more():
            buf += chunk
            if len(buf) > MAX_EDGE:
                raise self.fail("的行之后内容过大")
        end = _ROOT_END.search(buf)
        if end is None:
            raise self.fail("不完整")
        tail = self._fragment(buf[:end.start()])
        for f in edit.tail:
            f(tail, self.ns)
        out.write(self._inner(tail))
        out.write(buf[end.start():])

    # -- pieces

    def _fragment(self, data: bytes):
        """Sibling elements (with text between them) parsed under a copy of the sheet's root tag."""
        try:
            return etree.fromstring(self.root_tag + data + b"</" + self._root_name() + b">", _PARSER)
        except etree.XMLSyntaxError:
            raise self.fail("不是有效的 XML") from None

    def _root_name(self) -> bytes:
        return re.match(rb"<([\w:.-]+)", self.root_tag).group(1)

    def _inner(self, el) -> bytes:
        """What lies between the start and end tags of `el` as serialized."""
        data = etree.tostring(el, encoding="UTF-8", xml_declaration=False)
        if data.endswith(b"/>"):
            return b""
        start = data.index(b">") + 1
        return data[start:data.rindex(b"</")]

    def _head(self, head, edit: SheetEdit):
        if edit.unselect:
            for v in head.iter(f"{{{self.ns}}}sheetView"):
                v.attrib.pop("tabSelected", None)
        dim = head.find(f"{{{self.ns}}}dimension")
        if dim is not None and edit.cells:
            cols = [c for r in edit.cells.values() for c in columns(r)]
            r0, r1 = min(edit.cells), max(edit.cells)
            c0, c1 = min(cols), max(cols)
            parts = [split_ref(x) for x in dim.get("ref", "").split(":")]
            parts = [p for p in parts if p]
            if parts:
                r0, c0 = min(r0, *(p[0] for p in parts)), min(c0, *(p[1] for p in parts))
                r1, c1 = max(r1, *(p[0] for p in parts)), max(c1, *(p[1] for p in parts))
            dim.set("ref", f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}" if (r0, c0) != (r1, c1) else cell_ref(r0, c0))
        return dim

    def _col_styles(self, head) -> list[tuple[int, int, int]]:
        out = []
        for c in head.iter(f"{{{self.ns}}}col"):
            try:
                out.append((int(c.get("min", "0")), int(c.get("max", "0")), int(c.get("style", "0"))))
            except ValueError:
                continue
        return out

    def _base_style(self, row_el, col: int) -> int:
        if row_el is not None and row_el.get("customFormat") in ("1", "true") and plain_digits(row_el.get("s", "")):
            return int(row_el.get("s"))
        for a, b, s in self.cols:
            if a <= col <= b:
                return s
        return 0

    def _rows(self, buf: bytes, out, rows: list, more) -> bytes:
        """Copy the rows, editing the ones listed; returns what follows </sheetData>.

        Bytes are written in runs, from `done` up to where an edit begins. Where every row of a
        buffer starts `<row r="…"`, as spreadsheet programs write them, the next row to edit is
        found with one search; otherwise each row start is looked at for its number."""
        pending = list(reversed(rows))      # (row, {col: edit}) still to write, the next one last
        last = 0
        counted = False                     # a row without a number seen: later ones may count on
        pos = done = 0
        state = {}

        def refresh(keep: int) -> None:
            nonlocal buf, pos, done
            out.write(memoryview(buf)[done:keep])
            chunk = more()
            if not chunk:
                raise self.fail("不完整（没有 </sheetData>）")
            buf, pos, done = buf[keep:] + chunk, 0, 0
            look()

        def look() -> None:
            end = _end_of_rows(buf)
            limit = end.start() if end else len(buf)
            # "!" and "?" are looked for first (memchr): rare in a sheet's rows, so "<!" and "<?" seldom are
            if pending and any(buf.find(u[1:], 0, limit) != -1 and buf.find(u, 0, limit) != -1 for u in _UNSAFE):
                raise self.fail("的行中含有 XML 注释、CDATA 或处理指令")
            state.update(end=end, limit=limit, uniform=_ROW_ODD.search(buf, 0, limit) is None)

        look()
        while True:
            end, limit = state["end"], state["limit"]
            if not pending:
                # nothing left to change: copy up to the end of the rows without looking at them
                if end is not None:
                    out.write(memoryview(buf)[done:end.end()])
                    return buf[end.end():]
                refresh(max(done, len(buf) - 64))
                continue
            target = pending[-1][0]
            if state["uniform"]:
                j = buf.find(b'<row r="%d"' % target, pos, limit)
                if j != -1:
                    # the rows to edit that are here whole, one after the other, edited as the loop
                    # below would; the rows between them are copied as they are
                    edited = []
                    while True:
                        m = _ROW.match(buf, j, limit)
                        stop = self._row_stop(buf, m, limit) if m is not None and not m.group(2) else None
                        if stop is None:
                            break
                        last = target
                        edited += (memoryview(buf)[done:j], self._edit_row(buf[j:stop], target, pending.pop()[1]))
                        done = pos = stop
                        if not pending:
                            break
                        target = pending[-1][0]
                        j = buf.find(b'<row r="%d"' % target, pos, limit)
                        if j == -1:
                            break
                    if edited:
                        out.write(b"".join(edited))
                        continue
                    pos = j                 # the rows before it are copied as they are
                else:
                    k = buf.rfind(b'<row r="', pos, limit)
                    n = re.match(rb'<row r="(\d+)"', buf[k:k + 24]) if k != -1 else None
                    if n is not None and int(n.group(1)) < target:
                        last = int(n.group(1)) - 1
                        pos = k             # every row here comes before the target
                        if end is None:
                            refresh(k)
                            continue
            for m in _ROW.finditer(buf, pos, limit):
                rm = _ROW_R.search(m.group(0))
                stop = None
                if rm:
                    r = count = int(rm.group(1))
                else:
                    # a row without a number: the cell reader counts on from the row before, but puts
                    # the cells that have a reference where their reference says, and so does this edit
                    stop = self._row_stop(buf, m, limit)
                    if stop is None:        # the row goes on in the next chunk
                        refresh(m.start())
                        break
                    count = last + 1
                    r = self._cells_row(buf, m.end(), stop) or count
                    counted = True
                if r < target:
                    last = count
                    pos = m.end()           # the rest of this row is copied as it is, whatever chunk it is in
                    continue
                if stop is None:
                    stop = self._row_stop(buf, m, limit)
                    if stop is None:        # the row goes on in the next chunk
                        refresh(m.start())
                        break
                last = count
                out.write(memoryview(buf)[done:m.start()])
                if target < r:              # rows the sheet does not have: put before this one
                    if counted:             # a row put in would move the rows the reader counts
                        raise self.fail("的行未写行号，在其中补入新行会移动其后按顺序计数的行")
                    new = []
                    while pending and pending[-1][0] < r:
                        new.append(pending.pop())
                    self._new_rows(out, new)
                if pending and pending[-1][0] == r:
                    out.write(self._edit_row(buf[m.start():stop], r, pending.pop()[1]))
                else:
                    out.write(memoryview(buf)[m.start():stop])
                done = pos = stop
                break
            else:
                if end is not None:         # no row left at or after the target: the rest go last
                    out.write(memoryview(buf)[done:end.start()])
                    self._new_rows(out, list(reversed(pending)))
                    out.write(end.group(0))
                    return buf[end.end():]
                refresh(pos)

    @staticmethod
    def _row_stop(buf: bytes, m, limit: int) -> int | None:
        """Where the row whose start tag is `m` ends, if it ends in the buffer."""
        if m.group(2):
            return m.end()
        close = end_tag(m.group(1) or b"", b"row").search(buf, m.end(), limit)     # </row>, </row >
        return None if close is None else close.end()

    def _cells_row(self, buf: bytes, start: int, stop: int) -> int | None:
        """The row the references of the cells between start and stop name (None: no cell has one)."""
        got = {int(n) for n in _CELL_ROW.findall(buf, start, stop)}
        if len(got) > 1:
            raise self.fail("的一行（未写行号）中的单元格引用指向不同的行")
        return got.pop() if got else None

    def _edit_row(self, data: bytes, r: int, edits) -> bytes:
        """The row `data` (row r) with its edits (SheetEdit.cells: a tuple or a dict) applied."""
        if type(edits) is tuple:
            if self._plain and type(edits[1]) is Restyle:
                fast = self._restyle_new(data, r, edits[0], edits[1])
                if fast is not None:
                    return fast
            edits = columns(edits)
        fast = self._edit_cells(data, r, edits)
        if fast is not None:
            return fast
        wrap = self._wrapper(data)
        row = wrap[0] if len(wrap) else None
        if row is None or _local(row.tag) != "row":
            raise self.fail(f"的第 {r} 行不是有效的 XML")
        row.set("r", str(r))
        row.attrib.pop("spans", None)
        self._apply(row, r, edits)
        return self._inner(wrap)

    # a cell's start tag written otherwise than `<c r="` (<color, <charset… are no cells)
    _ODD_CELL = re.compile(rb'<c(?! r=")[\s/>]')

    def _edit_cells(self, data: bytes, r: int, edits: dict) -> bytes | None:
        """The row with only its edited cells written again, and the cells it lacks put in; the
        rest of its bytes as they are. None when the row is not written the regular way: the
        whole row is parsed then (`_apply`).

        Regular: `<row r="R"…</row>`, every cell written `<c r="`, an edited cell there once.
        A cell is cut from its `<c r="` to the first `>` (`/>`: the whole cell) or else to the
        first `</c>` after it, and parsed alone: a `>` inside an attribute value or a `</c >`
        cuts it wrongly, which does not parse as that one cell (`_UNSAFE` already keeps comments,
        CDATA and processing instructions out of the rows, so every `<` starts a tag). A new
        cell goes where `_apply` puts it (`_new_cell_at`); `spans` is dropped from the row
        then, as `_apply` does."""
        rs = b"%d" % r
        if not (data.startswith(b'<row r="' + rs + b'"') and data.endswith(b"</row>")):
            return None
        if self._ODD_CELL.search(data):
            return None
        cq = f"{{{self.ns}}}c"
        letters = _letters()
        row = head = None
        cells = []          # (col, where it starts, where it ends, its parsed wrapper or the new cell's ref)
        done = 0
        for col in sorted(edits):       # in column order, like _apply: new formats get the same numbers
            ref = letters[col - 1].encode() + rs
            key = b'<c r="' + ref + b'"'
            i = data.find(key)
            if i != -1:                                 # the cell is there
                stop = self._cell_end(data, i) if data.find(key, i + 1) == -1 else None
                wrap = self._one_cell(data[i:stop], cq, ref.decode()) if stop else None
                if wrap is None:
                    return None
            else:                                       # a new cell
                i = self._new_cell_at(data, rs, col)
                if i is None:
                    return None
                stop, wrap = i, ref
                if head is None:
                    head, row = self._row_head(data)
                    if head is None:
                        return None
            if i < done:
                return None
            cells.append((col, i, stop, wrap))
            done = stop
        # every cell found: only now are the edits called (once each, whichever path is taken)
        out = [head] if head else []                # the row's start tag without spans
        done = data.find(b">") + 1 if head else 0
        for col, i, stop, wrap in cells:
            if isinstance(wrap, bytes) and self._plain and type(edits[col]) is Restyle:
                # a new cell only given a format, once lxml was seen to write such a cell as _PLAIN
                out += (data[done:i], _PLAIN % (wrap, b"%d" % edits[col].of(self._base_style(row, col))))
                done = stop
                continue
            if isinstance(wrap, bytes):                # a new cell: its reference
                wrap, c = self._new_cell(cq, wrap.decode(), self._base_style(row, col))
            else:
                c = wrap[0]
            s = c.get("s", "0")
            edits[col](c, int(s) if plain_digits(s) else 0)
            cell = self._plain_blank(wrap, c)
            if cell is None:
                cell = self._inner(wrap)
            if wrap is self._blank_wrap and (b" xmlns" in cell or len(wrap) != 1 or wrap[0] is not c):
                self._blank_wrap = None                 # the edit declared a namespace or moved the cell
            out += (data[done:i], cell)
            done = stop
        out.append(data[done:])
        return b"".join(out)

    def _restyle_new(self, data: bytes, r: int, col: int, edit: Restyle) -> bytes | None:
        """The row with one new cell that only gets a format (a flagged empty cell: most of what an
        annotated copy changes), written as `_edit_cells` writes it, in fewer steps; None when the
        row or the cell is otherwise (the cell is there, the row is not written the regular way):
        `_edit_cells` then."""
        rs = b"%d" % r
        ref = _letters()[col - 1].encode() + rs
        if (not data.endswith(b"</row>") or data.find(b'<c r="' + ref + b'"') != -1
                or not data.startswith(b'<row r="' + rs + b'"') or self._ODD_CELL.search(data)):
            return None
        i = self._new_cell_at(data, rs, col)
        if i is None:
            return None
        head, row = self._row_head(data)
        if head is None:
            return None
        cell = _PLAIN % (ref, b"%d" % edit.of(self._base_style(row, col)))
        if head:
            return b"".join((head, data[data.find(b">") + 1:i], cell, data[i:]))
        return b"".join((data[:i], cell, data[i:]))

    def _new_cell_at(self, data: bytes, rs: bytes, col: int) -> int | None:
        """Where `_apply` puts a new cell of column `col`: after the nearest cell of an earlier
        column and the white space after it, or before the row's first cell when it has none.
        None when the row has no cell, or what comes there is neither a cell of a later column
        of this row nor the row's end tag (a cell cut wrongly, cells out of order there). In a
        row whose cells stand out of column order further on (which no spreadsheet program
        writes), `_apply` puts it after the last earlier cell in the row instead."""
        letters = _letters()
        for before in range(col - 1, 0, -1):
            j = data.find(b'<c r="' + letters[before - 1].encode() + rs + b'"')
            if j != -1:
                i = self._cell_end(data, j)
                if i is None:
                    return None
                while data[i] in b" \t\r\n":
                    i += 1
                break
        else:
            i = data.find(b'<c r="')
            if i == -1:
                return None
        if i == len(data) - 6:                      # </row>
            return i
        if not data.startswith(b'<c r="', i):
            return None
        ref = data[i + 6:data.find(b'"', i + 6)]
        after = _INDEX.get(ref[:-len(rs)].decode("latin-1")) if ref.endswith(rs) else None
        return i if after is not None and after > col else None

    @staticmethod
    def _cell_end(data: bytes, i: int) -> int | None:
        """Where the cell starting at i ends, if no `>` stands inside its attribute values; None
        when its end tag is written `</c >` (the row is then parsed whole: the next `</c>` would
        be another cell's, and a new cell put after it would stand out of column order)."""
        gt = data.find(b">", i)
        if gt == -1:
            return None
        if data[gt - 1] == 0x2F:                    # "/>"
            return gt + 1
        m = end_tag(b"", b"c").search(data, gt)          # </c>, </c >
        return None if m is None or m.end() - m.start() != 4 else m.end()

    def _one_cell(self, data: bytes, cq: str, ref: str):
        """The cell cut from a row, parsed in the wrapper, or None if the cut is not that one cell."""
        try:
            wrap = self._wrapper(data)
        except PackageError:
            return None
        if len(wrap) != 1 or wrap[0].tag != cq or wrap[0].get("r") != ref or wrap[0].tail:
            return None
        return wrap

    def _row_head(self, data: bytes) -> tuple[bytes | None, object]:
        """The row's start tag as it is to be written, and the row element when the format of a
        new cell may come from it (customFormat) or when spans is dropped (b"" and None: neither,
        the tag is left as it is; None: a tag that does not parse alone)."""
        end = data.find(b">") + 1
        custom = data.find(b"customFormat", 0, end) != -1
        if not custom and data.find(b"spans", 0, end) == -1:
            return b"", None
        tag = data[:end]
        if not custom and (plain := self._without_spans(tag)) is not None:
            return plain, None
        try:
            wrap = self._wrapper(tag[:-1] + b"/>")
        except PackageError:
            return None, None
        if len(wrap) != 1 or wrap[0].tag != f"{{{self.ns}}}row":
            return None, None
        row = wrap[0]
        if row.attrib.pop("spans", None) is None:
            return b"", row
        return self._inner(wrap)[:-2] + b">", row

    def _without_spans(self, tag: bytes) -> bytes | None:
        """A plain row tag (_PLAIN_ROW) without its spans attribute, byte for byte as lxml writes it
        then; None for any other tag (lxml parses it then, and refuses what is not XML: an attribute
        written twice, a prefix no one declared)."""
        if not _PLAIN_ROW.fullmatch(tag):
            return None
        attrs, pos = [], 4          # after "<row": the attributes one after the other
        while (m := _ROW_ATTR.match(tag, pos)) is not None:
            attrs.append(m)
            pos = m.end()
        names = [m.group(1) for m in attrs]
        if names.count(b"spans") != 1 or len(set(names)) != len(names):
            return None
        if self._bound is None:
            self._bound = {d.group(1)[1:] for d in _NSDECL.finditer(self.nsdecl) if d.group(1)} | {b"xml"}
        if any(n.partition(b":")[0] not in self._bound for n in names if b":" in n):
            return None
        spans = attrs[names.index(b"spans")]
        return tag[:spans.start()] + tag[spans.end():]

    _bound = None           # the namespace prefixes a row may use (the wrapper's declarations), and xml
    _blank_wrap = _blank_cell = None
    _plain = None           # whether lxml writes a new cell with only r and s as _PLAIN does (learnt once)

    def _plain_blank(self, wrap, c) -> bytes | None:
        """A new cell the edit gave only a format (`<c r="K7" s="12"/>`, a flagged empty cell) written
        without serializing it, once lxml has been seen to write such a cell that way in this sheet
        (not so where the sheet's namespace has a prefix); None otherwise."""
        if wrap is not self._blank_wrap or self._plain is False or len(c) or c.text is not None:
            return None
        if c.keys() != ["r", "s"] or len(wrap) != 1:
            return None
        r, s = c.get("r"), c.get("s")
        if not (plain_digits(s) and r.isalnum() and r.isascii()):
            return None
        got = _PLAIN % (r.encode(), s.encode())
        if self._plain is None:
            self._plain = self._inner(wrap) == got
            if not self._plain:
                return None
        return got

    def _new_cell(self, cq: str, ref: str, base: int):
        """A new cell `<c r="B7">` (with the format `base` if any) alone in a wrapper: the same
        element each time, emptied first, which costs a quarter of making one."""
        if self._blank_wrap is None:
            self._blank_wrap = etree.fromstring(b"<w " + self.nsdecl + b"/>", _PARSER)
            self._blank_cell = etree.SubElement(self._blank_wrap, cq)
        c = self._blank_cell
        c.clear()
        c.set("r", ref)
        if base:
            c.set("s", str(base))
        return self._blank_wrap, c

    def _wrapper(self, data: bytes):
        try:
            return etree.fromstring(b"<w " + self.nsdecl + b">" + data + b"</w>", _PARSER)
        except etree.XMLSyntaxError:
            raise self.fail("的行不是有效的 XML") from None

    def _apply(self, row, r: int, edits: dict) -> None:
        cq = f"{{{self.ns}}}c"
        cells = []
        col = 0
        _letters()
        rs = str(r)
        for c in row:
            if c.tag != cq:
                continue
            ref = c.get("r")
            j = _INDEX.get(ref[:-len(rs)]) if ref and ref.endswith(rs) else None
            if j is not None:           # written as it should be ("B7" in row 7): left as it is
                col = j
            else:
                pos = split_ref(ref) if ref else None
                if pos and pos[0] != r:     # the cell reader puts it in that other row: not moved here
                    raise self.fail(f"的第 {r} 行中有引用其他行的单元格（{ref[:20]}）")
                col = pos[1] if pos else col + 1
                c.set("r", cell_ref(r, col))
            cells.append((col, c))
        have = dict(cells)
        for col in sorted(edits):
            c = have.get(col)
            if c is None:
                base = self._base_style(row, col)
                c = etree.Element(cq, r=cell_ref(r, col))
                if base:
                    c.set("s", str(base))
                after = [el for k, el in cells if k < col]
                if after:
                    after[-1].addnext(c)
                else:
                    first = next((el for k, el in cells), None)
                    if first is not None:
                        first.addprevious(c)
                    else:
                        row.insert(0, c)
                cells = sorted(cells + [(col, c)], key=lambda x: x[0])
                have[col] = c
            s = c.get("s", "0")
            edits[col](c, int(s) if plain_digits(s) else 0)

    def _new_rows(self, out, rows: list) -> None:
        if not rows:
            return
        wrap = etree.fromstring(b"<w " + self.nsdecl + b"/>", _PARSER)
        for r, edits in rows:
            row = etree.SubElement(wrap, f"{{{self.ns}}}row", r=str(r))
            self._apply(row, r, columns(edits))
        out.write(self._inner(wrap))


# ------------------------------------------------------------------ the package

@dataclass
class SheetRef:
    name: str
    part: str
    element: object           # its <sheet> element in workbook.xml
    kind: str = "worksheet"   # or chartsheet, dialogsheet, macrosheet (the relationship type's last word)


class Workbook:
    """An open package to edit; `save(target)` writes the copy."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as e:
            raise PackageError(f"{shown(self.path)}：无法打开工作簿以写出副本（{type(e).__name__}）") from None
        self.pkg = Package(self.path, self.zf)
        self.replace: dict[str, bytes | None] = {}   # member -> new bytes (None: from its tree on save)
        self.added: dict[str, bytes] = {}
        self.dropped: set[str] = set()
        self.sheet_edits: dict[str, SheetEdit] = {}
        self._trees: dict[str, object] = {}
        self._scans: dict[str, SheetScan] = {}
        self.book_part = self._book_part()
        self.book = self.tree(self.book_part)
        self.ns = etree.QName(self.book).namespace or MAIN_T
        self.strict = self.ns == MAIN_S
        self.rel_ns = REL_S if self.strict else REL_T
        self.date1904 = any(el.get("date1904", "").lower() in ("1", "true")
                            for el in self.book.iter(f"{{{self.ns}}}workbookPr"))
        self.sheets = self._sheets()
        self._styles: Styles | None = None

    def close(self) -> None:
        self.zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- reading parts

    def read(self, name: str) -> bytes:
        if name in self.added:
            return self.added[name]
        try:
            return self.pkg.read(name)
        except HuifangError as e:
            raise PackageError(str(e)) from None

    def tree(self, name: str):
        """A small part as an XML tree; edits to it are written on save."""
        if name not in self._trees:
            self._trees[name] = _parse(self.read(name), self.path, name)
        return self._trees[name]

    def exists(self, name: str) -> bool:
        return (self.pkg.find(name) is not None and name not in self.dropped) or name in self.added

    def rel_type(self, kind: str) -> str:
        base = "http://purl.oclc.org/ooxml/officeDocument/relationships/" if self.strict else \
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        return base + kind

    @staticmethod
    def rels_name(part: str) -> str:
        p = PurePosixPath(part)
        return f"{p.parent}/_rels/{p.name}.rels".lstrip("./") if str(p.parent) != "." else f"_rels/{p.name}.rels"

    def rels(self, part: str, create: bool = True):
        """The relationships tree of a part (created empty when it has none, or None)."""
        name = self.rels_name(part)
        found = self.pkg.find(name)
        if found is not None:
            return self.tree(found)
        if name not in self._trees:
            if not create:
                return None
            self._trees[name] = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
            self.added[name] = b""
        return self._trees[name]

    def targets(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (type, part) of a part's internal relationships."""
        folder = str(PurePosixPath(part).parent)
        out = {}
        rels = self.rels(part, create=False)
        for rel in rels if rels is not None else ():
            if rel.get("TargetMode") == "External":
                continue
            t = rel.get("Target", "").replace("\\", "/")
            target = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(folder, t))
            out[rel.get("Id")] = (rel.get("Type", ""), self.pkg.find(target) or target)
        return out

    def add_rel(self, part: str, kind: str, target: str) -> str:
        rels = self.rels(part)
        ids = {r.get("Id") for r in rels}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        rel = etree.SubElement(rels, f"{{{PKG_REL}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", self.rel_type(kind))
        rel.set("Target", posixpath.relpath(target, str(PurePosixPath(part).parent)))
        self._touch(self.rels_name(part) if self.pkg.find(self.rels_name(part)) is None
                    else self.pkg.find(self.rels_name(part)))
        return rid

    def _touch(self, name: str) -> None:
        """A tree part that changed: written from its tree on save."""
        if name in self.added:
            return
        self.replace[name] = None

    def content_type(self, part: str, ctype: str, default_ext: str | None = None) -> None:
        name = self.pkg.find("[Content_Types].xml") or "[Content_Types].xml"
        types = self.tree(name)
        if default_ext:
            if not any(d.get("Extension", "").lower() == default_ext for d in types.iter(f"{{{CT_NS}}}Default")):
                el = etree.Element(f"{{{CT_NS}}}Default", Extension=default_ext, ContentType=ctype)
                types.insert(0, el)
        else:
            etree.SubElement(types, f"{{{CT_NS}}}Override", PartName="/" + part, ContentType=ctype)
        self._touch(name)

    def drop_content_type(self, part: str) -> None:
        name = self.pkg.find("[Content_Types].xml") or "[Content_Types].xml"
        types = self.tree(name)
        for o in list(types.iter(f"{{{CT_NS}}}Override")):
            if o.get("PartName", "").lstrip("/").lower() == part.lower():
                types.remove(o)
        self._touch(name)

    def new_part(self, pattern: str, first: str | None = None) -> str:
        """An unused part name: `first` if given and unused, else pattern with a number for its {}."""
        if first is not None and not self.exists(first) and self.pkg.find(first) is None:
            return first
        n = 1
        while self.exists(pattern.format(n)) or (self.pkg.find(pattern.format(n)) is not None):
            n += 1
        return pattern.format(n)

    def _book_part(self) -> str:
        rels = _parse(self.pkg.read(self.pkg.find("_rels/.rels")), self.path, "_rels/.rels") \
            if self.pkg.find("_rels/.rels") else None
        if rels is not None:
            for rel in rels:
                if rel.get("Type", "").endswith("/officeDocument"):
                    t = rel.get("Target", "").replace("\\", "/").lstrip("/")
                    if self.pkg.find(t):
                        return self.pkg.find(t)
        found = self.pkg.find("xl/workbook.xml")
        if found is None:
            raise PackageError(f"{shown(self.path)}：找不到工作簿部件，无法写出副本")
        return found

    def _sheets(self) -> list[SheetRef]:
        targets = self.targets(self.book_part)
        out = []
        for el in self.book.iter(f"{{{self.ns}}}sheet"):
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            typ, part = targets.get(rid, ("", ""))
            out.append(SheetRef(el.get("name", ""), self.pkg.find(part) or "", el, typ.rsplit("/", 1)[-1]))
        return out

    def sheet(self, name: str) -> SheetRef | None:
        from generator.workbook.values import norm_header
        found = next((s for s in self.sheets if s.name == name), None)
        return found or next((s for s in self.sheets if norm_header(s.name) == norm_header(name)), None)

    # -- styles

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = next((p for t, p in self.targets(self.book_part).values() if t.endswith("/styles")), None)
            if part is None or self.pkg.find(part) is None:
                part = self.new_part("xl/styles{}.xml", "xl/styles.xml")    # where openpyxl looks for it
                self.added[part] = _blank_styles(self.ns)
                self.add_rel(self.book_part, "styles", part)
                self.content_type(part, CT["styles"])
            self._styles = Styles(self.tree(part), self.ns)
            self._styles_part = part
        return self._styles

    # -- sheets

    def scan(self, part: str) -> SheetScan:
        """A sheet part of the input scanned once (Sheets.scan), however often it is asked for."""
        if part in self._scans:
            return self._scans[part]
        try:
            with self.pkg.chunks(part, CHUNK) as chunks:
                got = self._scans[part] = Sheets.scan(_Reader(chunks))
                return got
        except (*_DAMAGED, OSError) as e:
            raise PackageError(f"{shown(self.path)}：其中 {part} 已损坏，无法写出副本（{type(e).__name__}）") from None

    def selected(self, part: str) -> bool:
        """Whether the sheet's view has its tab selected (read from the part's first bytes only)."""
        try:
            with self.pkg.open(part) as fh:
                head = fh.read(1 << 16)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError):
            return False
        return _SELECTED.search(head) is not None

    def unselect(self, ref: SheetRef) -> None:
        """The sheet's tab is no longer selected: a worksheet through its stream, any other
        sheet (chart, dialog: small parts) as a tree."""
        if ref.kind == "worksheet":
            self.edit_sheet(ref.part).unselect = True
            return
        root = self.tree(ref.part)
        for v in root.iter():
            if _local(v.tag) == "sheetView":
                v.attrib.pop("tabSelected", None)
        self._touch(ref.part)

    def blank(self, part: str) -> bool:
        """Whether a worksheet has no value, text or formula in any cell (formatted empty rows and
        cells may be there): its rows read a chunk at a time."""
        tail = b""
        rows = False            # inside <sheetData> yet
        with self.pkg.chunks(part, CHUNK) as chunks:
            for chunk in chunks:
                buf = tail + chunk
                if not rows:
                    m = _SHEETDATA.search(buf)
                    if m is None:           # (what comes before the rows is kept whole, as Sheets.edit keeps it)
                        if len(buf) > MAX_EDGE:
                            return False
                        tail = buf
                        continue
                    if m.group(2):              # <sheetData/>
                        return True
                    buf, rows = buf[m.end():], True
                end = _end_of_rows(buf)
                if _FILLED.search(buf, 0, end.start() if end else len(buf)):
                    return False
                if end is not None:
                    return True
                tail = buf[-64:]
        return True

    def edit_sheet(self, part: str) -> SheetEdit:
        return self.sheet_edits.setdefault(part, SheetEdit())

    def add_sheet(self, name: str, data: bytes, front: bool = False) -> str:
        """A new worksheet part holding `data`; the sheet goes first (front) or last."""
        part = self.new_part(str(PurePosixPath(self.book_part).parent / "worksheets" / "sheet{}.xml"))
        self.added[part] = data
        rid = self.add_rel(self.book_part, "worksheet", part)
        self.content_type(part, CT["worksheet"])
        sheets_el = self.book.find(f"{{{self.ns}}}sheets")
        ids = [int(s.get("sheetId", "0")) for s in sheets_el if plain_digits(s.get("sheetId", ""))]
        el = etree.Element(f"{{{self.ns}}}sheet", name=name, sheetId=str(max([0, *ids]) + 1))
        el.set(f"{{{self.rel_ns}}}id", rid)
        if front:
            sheets_el.insert(0, el)
            self._shift_local_names(0, +1)
        else:
            sheets_el.append(el)
        self._touch(self.book_part)
        self.sheets = self._sheets()
        return part

    def remove_sheet(self, ref: SheetRef) -> None:
        index = self.sheets.index(ref)
        ref.element.getparent().remove(ref.element)
        for dn in list(self.book.iter(f"{{{self.ns}}}definedName")):
            if dn.get("localSheetId") == str(index):
                dn.getparent().remove(dn)
        self._shift_local_names(index, -1)
        rels = self.rels(self.book_part)
        for rel in list(rels):
            if rel.get("Id") == next((v for k, v in ref.element.attrib.items() if _local(k) == "id"), None):
                rels.remove(rel)
        self._touch(self.pkg.find(self.rels_name(self.book_part)) or self.rels_name(self.book_part))
        if ref.part:
            self.dropped.add(ref.part)
            if self.pkg.find(self.rels_name(ref.part)):
                self.dropped.add(self.pkg.find(self.rels_name(ref.part)))
            self.drop_content_type(ref.part)
        self._touch(self.book_part)
        self.sheets = self._sheets()

    def _shift_local_names(self, start: int, by: int) -> None:
        for dn in self.book.iter(f"{{{self.ns}}}definedName"):
            v = dn.get("localSheetId")
            if v is not None and plain_digits(v) and int(v) >= start:
                dn.set("localSheetId", str(int(v) + by))

    def activate_first(self) -> None:
        """The first sheet becomes the active, selected tab."""
        for v in self.book.iter(f"{{{self.ns}}}workbookView"):
            v.set("activeTab", "0")
            v.attrib.pop("firstSheet", None)
        self._touch(self.book_part)

    def defined_name(self, name: str, local: int, value: str, hidden: bool = False) -> None:
        names = self.book.find(f"{{{self.ns}}}definedNames")
        if names is None:
            names = etree.Element(f"{{{self.ns}}}definedNames")
            # where the schema puts it (CT_Workbook): after sheets, functionGroups, externalReferences
            after = [el for tag in ("sheets", "functionGroups", "externalReferences")
                     if (el := self.book.find(f"{{{self.ns}}}{tag}")) is not None][-1]
            after.addnext(names)
        for dn in list(names):
            if dn.get("name") == name and dn.get("localSheetId") == str(local):
                names.remove(dn)
        dn = etree.SubElement(names, f"{{{self.ns}}}definedName", name=name, localSheetId=str(local))
        if hidden:
            dn.set("hidden", "1")
        dn.text = value
        self._touch(self.book_part)

    # -- writing

    def save(self, target: Path) -> None:
        """Write the copy. The edited sheets are streamed first: the cell formats they add go into
        the styles part, which is written last."""
        if self.sheet_edits:
            self.styles                     # loaded (or made) before the parts that point to it are written
        for name in list(self.replace):
            if self.replace[name] is None and name in self._trees:
                self.replace[name] = _tostring(self._trees[name])
        for name in self.added:
            if name in self._trees and (not self.added[name] or name.endswith(".rels")):
                self.added[name] = _tostring(self._trees[name])
        styles = self.styles_part()
        try:
            with open(self.path, "rb") as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
                later = None
                for info in self.zf.infolist():
                    name = member_name(info.filename)
                    if name in self.dropped or self.pkg.infos.get(name) is not info:
                        continue
                    if name == styles:
                        later = info
                    elif name in self.sheet_edits:
                        self._write_sheet(info, name, zout)
                    elif name in self.replace:
                        zout.writestr(self._info(info), self.replace[name])
                    elif not raw_copy(src, info, zout):
                        zout.writestr(self._info(info), self.read(name))
                for name, data in self.added.items():
                    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    if name in self.sheet_edits:
                        with zout.open(info, "w") as out:
                            Sheets(self.path, name).edit(io.BytesIO(data), out, self.sheet_edits[name])
                    elif name in self.dropped or name == styles:
                        continue
                    elif isinstance(data, Streamed):
                        with _member(zout, info, data.size) as out:
                            data.write(out)
                    else:
                        zout.writestr(_fast(info, len(data)), data)
                if styles is not None:
                    data = _tostring(self._styles.root) if self._styles is not None and self._styles.changed else None
                    if later is not None:
                        if data is not None:
                            zout.writestr(self._info(later), data)
                        elif not raw_copy(src, later, zout):
                            zout.writestr(self._info(later), self.read(styles))
                    else:
                        zout.writestr(zipfile.ZipInfo(styles, (1980, 1, 1, 0, 0, 0)), data or self.added[styles],
                                      zipfile.ZIP_DEFLATED)
        except OSError as e:
            raise PackageError(f"{shown(target)}：无法写入（{e.strerror or type(e).__name__}）") from None

    def styles_part(self) -> str | None:
        if self._styles is not None:
            return self._styles_part
        return None

    @staticmethod
    def _info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
        out = like(info)
        out.compress_type = zipfile.ZIP_DEFLATED
        out.external_attr, out.create_system = info.external_attr, info.create_system
        return out

    def _write_sheet(self, info, name: str, zout) -> None:
        edit = self.sheet_edits[name]
        streamer = Sheets(self.path, name)
        try:
            # a row edited here and there: deflated a megabyte at a time
            with self.pkg.chunks(name, CHUNK) as chunks, _member(zout, self._info(info), info.file_size) as out:
                streamer.edit(_Reader(chunks), out, edit)
        except _DAMAGED as e:
            raise PackageError(f"{shown(self.path)}：其中 {name} 已损坏，无法写出副本（{type(e).__name__}）") from None


class Streamed:
    """A part written only when the copy is saved, by `write(out)`, so that a large part (the summary
    sheet, comments and note drawing of 90,000 findings: 190 MB) is never held whole. `head` is its
    beginning, for what looks into the parts already added; `size` a guess of its length (a large
    part is deflated fast; over a gigabyte it gets ZIP64 sizes)."""
    __slots__ = ("write", "head", "size")

    def __init__(self, write, head: bytes = b"", size: int = 0) -> None:
        self.write, self.head, self.size = write, head, size


class _Reader:
    """read() over a member's chunks (inspect.Package.chunks: inflated by zlib-ng, CRC-32 checked)."""

    def __init__(self, chunks) -> None:
        self.chunks = chunks

    def read(self, size: int = -1) -> bytes:
        return next(self.chunks, b"")


class _Batched:
    """Writes gathered into about a megabyte before they reach the member's deflater (an edited
    row between copied runs would otherwise be two deflate calls of a few hundred bytes each)."""

    def __init__(self, out, size: int = 1 << 20) -> None:
        self.out, self.size = out, size
        self.parts: list = []
        self.held = 0

    def write(self, data) -> None:
        if len(data) >= self.size:
            self.flush()
            self.out.write(data)
            return
        self.parts.append(data)         # a memoryview of bytes (which do not change) joined as it is
        self.held += len(data)
        if self.held >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.out.write(b"".join(self.parts))
            self.parts, self.held = [], 0


def add_legacy_drawing(rid: str, rel_ns: str):
    """A tail edit: <legacyDrawing r:id=…/> put where the schema wants it."""
    after = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts",
             "extLst")

    def edit(root, ns):
        el = etree.Element(f"{{{ns}}}legacyDrawing")
        el.set(f"{{{rel_ns}}}id", rid)
        for ch in root:
            if _local(ch.tag) in after:
                ch.addprevious(el)
                break
        else:
            root.append(el)
    return edit


__all__ = ["Workbook", "SheetEdit", "Styles", "Streamed", "PackageError", "set_text", "set_number", "serial",
           "cell_ref", "split_ref", "add_legacy_drawing", "raw_copy"]
