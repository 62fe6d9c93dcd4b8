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
