"""Rendering docxtpl templates: sandboxed, autoescaped, and compiled once per template.

`FastTemplate` does what `DocxTemplate.render` + `save` do for a template without
pictures or sub-documents, but prepares everything that does not depend on the context
once: the template's zip parts, its patched XML and the compiled Jinja template. Each
document is then one Jinja render, docxtpl's own table fix-up, and one zip write. The
text of the result is the same as plain docxtpl's (tests/test_documents.py checks it).
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

BOX_ON, BOX_OFF = "☑", "☐"


def cn_date(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, (date, datetime)):
        return f"{v.year}年{v.month}月{v.day}日"
    return str(v)


def cn_datetime(v) -> str:
    if isinstance(v, datetime):
        return f"{v.year}年{v.month}月{v.day}日 {v:%H:%M}"
    return cn_date(v)


def money(v) -> str:
    if v is None or v == "":
        return ""
    return f"{v:,.2f}"


def box(value, option) -> str:
    """☑ when `value` is `option` (or contains it, for a list or set), else ☐."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return BOX_ON if option in value else BOX_OFF
    return BOX_ON if value == option else BOX_OFF


def make_env() -> SandboxedEnvironment:
    """Templates are edited by staff: a sandbox, autoescape on, None shown as blank."""
    env = SandboxedEnvironment(autoescape=True, finalize=lambda v: "" if v is None else v)
    env.filters.update(cn_date=cn_date, cn_datetime=cn_datetime, money=money)
    env.globals.update(box=box)
    return env


def render_plain(template: Path, context: dict, target: Path) -> None:
    """Plain docxtpl: a fresh template per document (the benchmark's baseline)."""
    tpl = DocxTemplate(str(template))
    tpl.render(context, make_env(), autoescape=True)
    tpl.save(str(target))


_P_OPEN = re.compile(r"<w:p([ >])")
_P_BACK = re.compile(r"\n<w:p([ >])")


class FastTemplate:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.env = make_env()
        self._doc = DocxTemplate(str(path))
        self._doc.init_docx()
        self._doc.render_init()
        part = self._doc.docx._part
        self.part_name = part.partname.lstrip("/")
        xml = self._doc.patch_xml(self._doc.get_xml())
        self.template = self.env.from_string(_P_OPEN.sub(r"\n<w:p\1", xml))
        self.root = self._doc.docx._element
        # a template whose tables fix_tables cannot change and that holds no pictures needs neither
        # the re-parse nor the id renumbering: its rendered body is spliced between the document's
        # bytes before and after the body, serialized once here
        self.direct = "docPr" not in xml and _tables_fixed(xml)
        body = self.root.body
        mark = etree.Element(body.tag)            # an empty body: serialized as <w:body/> in the root
        self.root.replace(body, mark)
        try:
            whole = etree.tostring(self.root, encoding="UTF-8", standalone=True)
        finally:
            self.root.replace(mark, body)
        self.head, _, self.tail = whole.partition(b"<w:body/>")
        self.direct = self.direct and bool(self.tail)
        self._checked = False
        with zipfile.ZipFile(path) as z:
            parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
        for name, data in parts:
            if re.match(r"word/(header|footer)\d*\.xml", name) and b"{" in data:
                raise ValueError(f"{path}：页眉页脚中的模板标记暂不支持")
        # the parts that do not change are deflated once, here
        self.parts = [(name, None if name == self.part_name else _deflate(data)) for name, data in parts]

    def render_xml(self, context: dict) -> bytes:
        doc = self._doc
        dst = self.template.render(context)
        dst = _P_BACK.sub(r"<w:p\1", dst)
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if "\t" in dst or "\a" in dst or "\n" in dst or "\f" in dst:
            dst = doc.resolve_listing(dst)   # a no-op when none of these characters is present
        if self.direct:
            if not self._checked:       # the first document of a run is parsed, strictly, once
                etree.fromstring(dst.encode("utf-8"))
                self._checked = True
            return self.head + _BODY_NS.sub(b"<w:body>", dst.encode("utf-8"), 1) + self.tail
        tree = doc.fix_tables(dst)
        doc.docx_ids_index = 1000
        doc.fix_docpr_ids(tree)
        body = self.root.body
        self.root.replace(body, tree)
        try:
            return etree.tostring(self.root, encoding="UTF-8", standalone=True)
        finally:
            self.root.replace(tree, body)

    def save(self, context: dict, target) -> None:
        xml = self.render_xml(context)
        entries = [(name, packed or _deflate(xml, 1)) for name, packed in self.parts]
        with open(target, "wb") as fh:
            fh.write(_zip(entries))


_BODY_NS = re.compile(rb"<w:body[^>]*>")
_JINJA_OPEN = re.compile(r"{%-?\s*(?:for|if)\b")
_JINJA_CLOSE = re.compile(r"{%-?\s*end(?:for|if)\b")


def _tables_fixed(xml: str) -> bool:
    """Whether docxtpl's table fix-up is a no-op for every rendering of this (patched) template body:
    no column loops (`{%tc`), cell spans not templated, and in every table no row wider than the grid
    and some row outside every loop and condition exactly as wide (so repeating or dropping the
    looped rows never changes the grid)."""
    if re.search(r"{%-?\s*tc\b", xml) or re.search(r"<w:gridSpan[^>]*{", xml):
        return False
    try:
        tree = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return False
    ns = "{" + tree.nsmap.get("w", "") + "}"

    def span(tr) -> int:
        n = 0
        for tc in tr.findall(ns + "tc"):
            g = tc.find(f"{ns}tcPr/{ns}gridSpan")
            n += int(g.get(ns + "val")) if g is not None else 1
        return n

    for t in tree.iter(ns + "tbl"):
        grid = t.find(ns + "tblGrid")
        width = len(grid.findall(ns + "gridCol")) if grid is not None else 0
        depth, static = 0, 0
        for child in t:
            if child.tag == ns + "tr":
                n = span(child)
                if n > width:
                    return False
                if depth == 0:
                    static = max(static, n)
            text = (child.tail or "")
            depth += len(_JINJA_OPEN.findall(text)) - len(_JINJA_CLOSE.findall(text))
        if (t.text or "").strip() or static != width:
            return False
    return True


_DOS_TIME, _DOS_DATE = 0, (2025 - 1980) << 9 | 1 << 5 | 1     # 2025-01-01 00:00, as docx files carry no real time


def _deflate(data: bytes, level: int = 6) -> tuple[bytes, int, int, bytes]:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data), b""


def _zip(entries: list[tuple[str, tuple[bytes, int, int, bytes]]]) -> bytes:
    """A zip archive of already-deflated members (the format of zipfile's own output)."""
    out, central = [], []
    offset = 0
    for name, (packed, crc, size, _) in entries:
        raw = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, _DOS_TIME, _DOS_DATE, crc, len(packed), size,
                           len(raw), 0) + raw
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, _DOS_TIME, _DOS_DATE, crc,
                                   len(packed), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        out += (head, packed)
        offset += len(head) + len(packed)
    cd = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(cd), offset, 0)
    return b"".join(out) + cd + end
