"""Workbooks as other programs write them, made from a clean one by rewriting its parts: the
corpus the reading tests (and the fuzz test) use. Each maker takes a source .xlsx and writes
the variant to `dst`."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

T_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
S_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
T_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
S_REL = b"http://purl.oclc.org/ooxml/officeDocument/relationships"


def rewrite(src: Path, dst: Path, change, rename=None) -> Path:
    """Copy a workbook zip, passing each part through change(name, bytes) -> bytes | None
    (None drops it) and its name through rename(name) -> name."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(rename(info.filename) if rename else info.filename, data)
    return dst


def sheet_parts(src: Path) -> dict[str, str]:
    """Sheet name -> part name, from workbook.xml and its relationships (transitional files)."""
    with zipfile.ZipFile(src) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = dict(re.findall(r'Id="(\w+)"[^>]*Target="([^"]+)"', rels))
    target.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(\w+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="(\w+)"', wb):
        t = target[rid]
        out[name] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def rewrite_sheet(src: Path, dst: Path, sheet: str, *changes, styles=None) -> Path:
    """Copy a workbook with the XML of `sheet` passed through each of `changes` (bytes -> bytes),
    in order, and xl/styles.xml through `styles`."""
    part = sheet_parts(src)[sheet]

    def change(name, data):
        if name == part:
            for c in changes:
                data = c(data)
        elif name == "xl/styles.xml" and styles:
            data = styles(data)
        return data
    return rewrite(src, dst, change)


def cell(ref: str, xml: bytes):
    """A change of a sheet's XML: the cell `ref` written as `xml`."""
    return lambda d: re.sub(rb'<c r="' + ref.encode() + rb'"[^>]*>.*?</c>', xml, d)


def number(ref: str, v: bytes):
    """A change of a sheet's XML: the cell `ref` keeps its style and holds the number `v`."""
    return lambda d: re.sub(rb'(<c r="' + ref.encode() + rb'"[^>]*>)<v>[^<]*</v>', rb"\1<v>" + v + b"</v>", d)


def strict(src: Path, dst: Path) -> Path:
    """ISO 29500 strict namespaces, as Excel's 'Strict Open XML' save writes them."""
    def change(name, data):
        if name.endswith((".xml", ".rels")):
            data = data.replace(T_MAIN, S_MAIN).replace(T_REL, S_REL)
            data = data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
                                b"http://purl.oclc.org/ooxml/officeDocument/relationships/")
        return data
    return rewrite(src, dst, change)


def backslashes(src: Path, dst: Path) -> Path:
    """Zip member names with backslashes, as some Windows zip writers store them."""
    return rewrite(src, dst, lambda n, d: d, rename=lambda n: n.replace("/", "\\"))


def moved_workbook(src: Path, dst: Path) -> Path:
    """The workbook part at a non-standard path (allowed by OPC): found through _rels/.rels."""
    def rename(n):
        return {"xl/workbook.xml": "xl/book.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/book.xml.rels"}.get(n, n)

    def change(n, d):
        if n == "_rels/.rels":
            return d.replace(b"xl/workbook.xml", b"xl/book.xml")
        if n == "[Content_Types].xml":
            return d.replace(b"/xl/workbook.xml", b"/xl/book.xml")
        return d
    return rewrite(src, dst, change, rename)


def prefixed(src: Path, dst: Path) -> Path:
    """Sheets written with an x: namespace prefix (as some generators do)."""
    def change(n, d):
        if re.match(r"xl/worksheets/sheet\d+\.xml", n):
            d = d.replace(b'xmlns="' + T_MAIN + b'"', b'xmlns:x="' + T_MAIN + b'"')
            d = re.sub(rb"<(/?)(?!\?)(?!x:)([A-Za-z]\w*)([\s>/])", rb"<\1x:\2\3", d)
        return d
    return rewrite(src, dst, change)


def date1904(src: Path, dst: Path) -> Path:
    def change(n, d):
        if n == "xl/workbook.xml":
            if b"<workbookPr" in d:
                d = re.sub(rb"<workbookPr\b", b'<workbookPr date1904="1"', d, count=1)
            else:
                d = d.replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>')
        return d
    return rewrite(src, dst, change)


def flip_byte(src: Path, dst: Path, member: str) -> Path:
    """One byte of a member's compressed data changed: a bad CRC or a broken deflate stream."""
    data = bytearray(Path(src).read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x55
    Path(dst).write_bytes(bytes(data))
    return dst


def plant_far_cell(src, dst, ref):
    """A stray cell (a space) far from the data of 回访记录, at `ref`, with the dimension saying so."""
    part = sheet_parts(src)["回访记录"]
    cell = f'<c r="{ref}" t="inlineStr"><is><t> </t></is></c>'.encode()
    row = int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))

    def change(name, data):
        if name != part:
            return data
        data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{ref}"/>'.encode(), data)
        if row == 1:
            return data.replace(b"</row>", cell + b"</row>", 1)
        return data.replace(b"</sheetData>", b'<row r="%d">' % row + cell + b"</row></sheetData>")
    return rewrite(src, dst, change)
