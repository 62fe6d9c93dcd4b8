"""Rendering docxtpl templates: sandboxed, autoescaped, and compiled once per template.

`FastTemplate` does what `DocxTemplate.render` + `save` do for a template without
pictures or sub-documents, but prepares everything that does not depend on the context
once: the template's zip parts, its patched XML and the compiled Jinja template. Each
document is then one Jinja render, docxtpl's own table fix-up, and one zip write. The
text of the result is the same as plain docxtpl's (tests/test_documents.py checks it).
"""
from __future__ import annotations

import re
import zipfile
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
            self.parts = [(info, z.read(info.filename)) for info in z.infolist()]
        for info, data in self.parts:
            if re.match(r"word/(header|footer)\d*\.xml", info.filename) and b"{" in data:
                raise ValueError(f"{path}：页眉页脚中的模板标记暂不支持")

    def render_xml(self, context: dict) -> bytes:
        doc = self._doc
        dst = self.template.render(context)
        dst = _P_BACK.sub(r"<w:p\1", dst)
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        dst = doc.resolve_listing(dst)
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
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for info, data in self.parts:
                z.writestr(info, xml if info.filename == self.part_name else data)
