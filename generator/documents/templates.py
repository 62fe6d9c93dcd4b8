"""Build the four appendix templates in doc_templates/ (python -m generator.documents.templates).

The templates are ordinary .docx files with docxtpl (Jinja) tags; staff may open and edit
them in Word or WPS. This script makes them reproducible: A4, 宋体 for East Asian text,
fixed-layout tables that keep their shape with long text.
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from docx import Document

from generator import resources
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from generator.kinds import DOCUMENTS

FONT = "SimSun"             # 宋体 by its family name: Word and WPS know both; fontconfig maps it to a Chinese serif
LATIN = "Times New Roman"
TEMPLATE_DIR = resources.path(resources.TEMPLATES)

NAMES = {key: kind.template for key, kind in DOCUMENTS.items()}       # kind -> template file (generator/kinds.py)


def _fonts(style_or_run, size=None, bold=None):
    f = style_or_run.font
    f.name = LATIN
    if size:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:eastAsia", "w:hint"):
        fonts.set(qn(attr), FONT if attr == "w:eastAsia" else "eastAsia")
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)


def new_document(landscape: bool = False, margins_cm: float = 2.0, size: float = 10.5) -> Document:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(margins_cm))
    sec.top_margin = sec.bottom_margin = Cm(margins_cm)
    normal = doc.styles["Normal"]
    _fonts(normal, size)
    _font_table(doc)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    # the document defaults, which every style inherits (table styles not from Normal): the fonts, and
    # the language that tells Word and WPS to use East Asian line breaking
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for old in defaults.findall(qn("w:lang")) + defaults.findall(qn("w:rFonts")):
        defaults.remove(old)
    defaults.insert(0, _element("w:rFonts", ascii=LATIN, hAnsi=LATIN, eastAsia=FONT, cs=LATIN))
    defaults.append(_element("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    return doc


def _element(tag: str, **attrs):
    """A WordprocessingML element with w: attributes."""
    e = OxmlElement(tag)
    for attr, val in attrs.items():
        e.set(qn(f"w:{attr}"), val)
    return e


# East Asian fonts in order of preference: 宋体 (SimSun on Windows, in WPS), then Noto Serif CJK SC
# (Linux, LibreOffice). The font table names the fallbacks and declares the GB2312 character set,
# so a program without 宋体 substitutes a Simplified Chinese face, not a Japanese one.
FALLBACKS = (("SimSun", "宋体", "02010600030101010101"),
             ("Noto Serif CJK SC", "Source Han Serif SC", "02020400000000000000"))


def _font_table(doc) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    part = next((r.target_part for r in doc.part.rels.values() if r.reltype == RT.FONT_TABLE), None)
    if part is None:
        return
    from lxml import etree
    root = etree.fromstring(part.blob)
    for old in root.findall(qn("w:font")):
        if old.get(qn("w:name")) in {name for name, _, _ in FALLBACKS}:
            root.remove(old)
    for k, (name, alt, panose) in enumerate(FALLBACKS):       # first in the table, in order of preference
        f = _element("w:font", name=name)
        for tag, val in (("altName", alt), ("panose1", panose), ("charset", "86"), ("family", "roman"),
                         ("pitch", "variable")):
            f.append(_element(f"w:{tag}", val=val))
        root.insert(k, f)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def title(doc, text, size=16):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(8)
    r = p.add_run(text)
    _fonts(r, size, True)
    return p


def line(doc, text, align=None, bold=False, space=2, before=0, size=None):
    p = doc.add_paragraph()
    if align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.paragraph_format.space_after = Pt(space)
    if before:
        p.paragraph_format.space_before = Pt(before)
    r = p.add_run(text)
    _fonts(r, size=size, bold=bold)
    return p


def table(doc, widths_cm: list[float], rows: int = 0):
    t = doc.add_table(rows=rows, cols=len(widths_cm))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tblpr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    grid = t._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(Cm(w).twips)))
    t._widths = widths_cm
    return t


def add_row(t, cells: list, bold=False, height_cm=None, keep=False, header=False):
    """A row; `keep`: the row is not split across pages and stays on the page of the next
    (the signature block of a form moves to a new page as a whole); `header`: a table heading,
    repeated at the top of every page the table runs onto (w:tblHeader), never split."""
    row = t.add_row()
    if header:
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        trpr.append(OxmlElement("w:tblHeader"))
    if keep:
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
    if height_cm:
        trpr = row._tr.get_or_add_trPr()
        h = OxmlElement("w:trHeight")
        h.set(qn("w:val"), str(int(Cm(height_cm).twips)))
        h.set(qn("w:hRule"), "atLeast")
        trpr.append(h)
    i = 0
    for spec in cells:
        text, span = (spec, 1) if not isinstance(spec, tuple) else spec
        cell = row.cells[i]
        if span > 1:
            cell = cell.merge(row.cells[i + span - 1])
        cell.width = Cm(sum(t._widths[i:i + span]))
        lines = text.split("\n")
        p = cell.paragraphs[0]
        for k, ln in enumerate(lines):
            if k:
                p = cell.add_paragraph()
            r = p.add_run(ln)
            _fonts(r, bold=bold)
            if keep:
                p.paragraph_format.keep_with_next = True
        i += span
    return row


def build_plan() -> Document:
    doc = new_document(landscape=True)
    title(doc, "客户回访计划")
    line(doc, "部门：{{ unit }}　　　　　　　　编号：{{ number }}　　　　　　　　计划月份：{{ month }}")
    # widths for the longest one-line values: 回访方式 电子问卷（☐首次☑常规）, 计划时间 2025年12月31日,
    # 回访人员 a three-character name with its 工号 (DejaVu Serif digits, the widest a LibreOffice
    # without Times New Roman uses)
    t = table(doc, [1.2, 3.3, 5.0, 4.6, 4.4, 3.8, 3.4])
    add_row(t, ["序号", "客户名称", "回访方式", "回访目的", "回访主题", "计划时间", "回访人员"], bold=True, header=True)
    add_row(t, ["{%tr for r in rows %}"])
    add_row(t, ["{{ r.seq }}", "{{ r.customer }}\n{{ r.code }}",
                "{{ r.method }}（{{ box(r.first, '首次') }}首次{{ box(r.first, '常规') }}常规）\n{{ r.kind }}",
                "{{ r.purpose }}", "{{ r.topic }}", "{{ r.date|cn_date }}", "{{ r.caller }}"])
    add_row(t, ["{%tr endfor %}"])
    doc.add_paragraph()
    line(doc, "编制人：{{ preparer }}　　　　　　　　部门主管：{{ supervisor }}　　　　　　　　共 {{ rows|length }} 项")
    return doc


def build_record() -> Document:
    """The record form (附件三) on one A4 page: 10 pt, 1.5 cm margins, label columns wide enough
    for their labels, the signature block rows kept together with the note below them."""
    doc = new_document(margins_cm=1.5, size=10)
    title(doc, "客户回访记录表", size=15)
    line(doc, "记录编号：{{ r.id }}　　客户编号：{{ c.code }}　　回访类型：{{ r.kind }}", align="right")
    W = [2.5, 5.6, 2.9, 7.0]
    t = table(doc, W)
    add_row(t, ["客户名称", "{{ c.name }}", "地址", "{{ c.address }}"])
    add_row(t, ["被访人", "{{ r.respondent }}", "职务", "{{ r.position }}"])
    add_row(t, ["电子邮箱", "{{ c.email }}", "类别",
                "{{ box(c.category, '个人') }}个人客户　{{ box(c.category, '机构') }}机构客户"])
    add_row(t,
            ["回访方式",
             ("{{ box(r.method, '电话') }}电话　{{ box(r.method, '面谈') }}面谈　{{ box(r.method, '信函') }}信函　"
                         "{{ box(r.method, '电子邮件') }}电子邮件　{{ box(r.method, '电子问卷') }}电子问卷　"
                         "{{ box(r.method, '短信') }}短信　"
                         "｜　{{ box(r.round, '首次') }}首次回访　{{ box(r.round, '常规') }}常规回访", 3)])
    add_row(t, ["回访时间", "{{ r.time|cn_datetime }}", "回访结果", "{{ r.result }}"])
    add_row(t, ["开户日期", "{{ c.opened|cn_date }}", "产品购买时间", "{{ r.purchase|cn_datetime }}　{{ r.product }}"])
    add_row(t,
            ["录音编号", ("{{ r.recording }}{% if r.method == '电话' and r.attempts %}　拨打 {{ r.attempts }} "
                          "次{% endif %}", 3)])
    add_row(t,
            ["回访内容",
             ("{{ box(r.topics, '产品推荐情况') }}1.产品推荐情况　{{ box(r.topics, '产品购买情况') }}2.产品购买情况　"
                         "{{ box(r.topics, '公司服务情况') }}3.公司服务情况　"
                         "{{ box(r.topics, '风险披露情况') }}4.风险披露情况　"
                         "{{ box(r.topics, '其他') }}5.其他", 3)])
    line(doc, "客户回访内容记录", bold=True, before=4)
    line(doc, "1、产品推荐与购买情况评价（{{ r.bank_name }}）：")
    q = table(doc, [1.3, 12.7, 4.0])
    add_row(q, ["序号", "问题", "客户回答"], bold=True, header=True)
    add_row(q, ["{%tr for q in r.questions %}"])
    add_row(q,
            ["{{ loop.index }}", "{{ q.text }}",
             "{{ box(q.answer, '是') }}是　{{ box(q.answer, '否') }}否{{ q.flag }}"])
    add_row(q, ["{%tr endfor %}"])
    line(doc, "{% if not r.questions %}（本类回访没有规定问卷）{% endif %}")
    line(doc, "2、公司服务响应情况和评价：")
    s = table(doc, [5.0, 13.0])
    add_row(s, ["一、销售的服务态度",
                "{{ box(r.attitude, '很好') }}A.很好　{{ box(r.attitude, '较好') }}B.较好　"
                "{{ box(r.attitude, '差') }}C.差"])
    add_row(s, ["二、客户服务的响应速度",
                "{{ box(r.speed, '满意') }}A.满意　{{ box(r.speed, '较满意') }}B.较满意　"
                "{{ box(r.speed, '不满意') }}C.不满意"])
    add_row(s, ["三、是否存在乱收费现象", "{{ box(r.fees, '有') }}A.有　{{ box(r.fees, '没有') }}B.没有"])
    add_row(s, ["四、服务的整体满意度",
                "{{ box(r.overall, '满意') }}A.满意　{{ box(r.overall, '较满意') }}B.较满意　"
                "{{ box(r.overall, '不满意') }}C.不满意"])
    line(doc, "3、意见和建议：")
    o = table(doc, [18.0])
    add_row(o, ["{{ r.opinion }}"], height_cm=1.0)
    t2 = table(doc, [3.8, 14.2])
    add_row(t2, ["发现问题", "{{ r.finding }}"], height_cm=0.8)
    add_row(t2, ["处理方式及结果", "{{ r.handling }}"], height_cm=0.8)
    add_row(t2,
            ["答复记录", "{% if r.answered %}{{ r.answered|cn_date }}答复客户："
                         "{{ r.handling }}{% elif r.opinion %}尚未答复"
                         "{% endif %}　是否投诉：{{ r.complaint }}"])
    add_row(t2,
            ["遗留问题处理跟踪", "遗留问题：{{ r.open_issue }}　提交日期：{{ r.escalated|cn_date }}　受理部门："
                                 "{{ r.receiver }}\n"
                              "解决结果跟踪：{{ r.followup }}"])
    add_row(t2,
            ["客户意见\n（现场回访需填写）",
             "{{ r.onsite_opinion }}\n客户确认（签字或盖章）：{{ r.signed }}　　日期：{{ r.signed_date|cn_date }}"],
            height_cm=1.0, keep=True)
    add_row(t2,
            ["回访记录人员", "{{ r.caller }}　　填写日期：{{ r.reported|cn_date }}　　提交审核："
                             "{{ r.submitted|cn_date }}"
                             "{% if r.extended %}（经主管同意延期）{% endif %}"], keep=True)
    add_row(t2, ["主管领导审批", "{{ r.reviewer }}　{{ r.review_note }}　　日期：{{ r.reviewed|cn_date }}"], keep=True)
    note = line(doc, "注：1. 此单用于回访服务时填写。2. 此单由回访人员填写，回访结束后提交部门主管审批后归档。"
                     "3. 现场回访完毕后，请客户签名或盖章确认。", before=4, size=9)
    note.paragraph_format.keep_together = True
    return doc


def build_report() -> Document:
    doc = new_document()
    title(doc, "客户回访报告")
    line(doc, "部门：{{ unit }}　　　　报告期：{{ period }}　　　　日期：{{ prepared|cn_date }}")
    t = table(doc, [3.2, 13.8])
    add_row(t, ["回访时间", "{{ start|cn_date }}至{{ end|cn_date }}"])
    add_row(t, ["回访人员", "{{ callers }}"])
    add_row(t, ["回访对象", "个人客户 {{ persons }} 户，机构客户 {{ orgs }} 户\n行业：{{ industry }}　类别："
                        "{{ box(audience, '行业用户') }}行业用户{{ box(audience, '管理部门') }}管理部门"
                        "{{ box(audience, '直接用户') }}直接用户{{ box(audience, '经销商') }}经销商"])
    add_row(t, ["回访目的", "{{ purpose }}"])
    add_row(t, ["回访形式", "{{ box(forms, '大客户回访') }}大客户回访　{{ box(forms, '常规回访') }}常规回访　"
                        "{{ box(forms, '投诉处理') }}投诉处理\n{{ form_text }}"])
    add_row(t, ["回访结果", "共回访 {{ total }} 个客户，其中采用电话回访 {{ phone }} 个客户，"
                            "现场回访 {{ onsite }} 个客户，"
                        "有效回复的 {{ effective }} 个客户（回访记录 {{ records }} 条）。"])
    doc.add_paragraph()
    line(doc, "按回访类型统计", bold=True)
    k = table(doc, [3.6, 1.9, 1.9, 2.3, 2.4, 2.4, 2.5])
    add_row(k, ["回访类型", "记录数", "客户数", "回访通过", "回访不通过", "拒绝回访", "回访不可达"], bold=True,
            header=True)
    add_row(k, ["{%tr for s in by_type %}"])
    add_row(k, ["{{ s.kind }}", "{{ s.records }}", "{{ s.customers }}", "{{ s.passed }}", "{{ s.failed }}",
                "{{ s.refused }}", "{{ s.unreachable }}"])
    add_row(k, ["{%tr endfor %}"])
    add_row(k,
            ["合计", "{{ records }}", "{{ total }}", "{{ passed }}", "{{ failed }}", "{{ refused }}",
             "{{ unreachable }}"],
            bold=True)
    doc.add_paragraph()
    line(doc, "本期发现的问题", bold=True)
    line(doc, "回访中发现问题 {{ issues }} 条，客户投诉 {{ complaints }} 条，上报合规 {{ escalated }} 条；"
              "按规则目录校验（检查日 {{ as_of|cn_date }}）："
              "本期的发现（截止日或回访记录在本报告期内）错误 {{ errors }} 条，"
              "警告 {{ warnings }} 条；截至检查日的全部发现错误 {{ all_errors }} 条，警告 {{ all_warnings }} 条"
              "（与 huifang validate --as-of {{ as_of }} --since {{ start }} 的报告相同）。下表列本期的发现。")
    f = table(doc, [2.4, 9.6, 2.5, 2.5])
    add_row(f, ["规则", "内容", "级别", "条数"], bold=True, header=True)
    add_row(f, ["{%tr for x in findings %}"])
    add_row(f, ["{{ x.rule }}", "{{ x.title }}", "{{ x.severity }}", "{{ x.count }}"])
    add_row(f, ["{%tr endfor %}"])
    doc.add_paragraph()
    t3 = table(doc, [4.3, 12.7])        # 回访主要客户群及内容 on one line
    for label, key in (("回访主要客户群及内容", "groups"), ("客户主要意见", "opinions"),
                       ("客户对产品评价", "product_view"),
                       ("客户对产品期望", "product_hope"), ("客户对服务评价", "service_view"),
                       ("客户对服务期望", "service_hope"), ("改善客户服务对策", "measures"),
                       ("回访中遇到的问题", "problems"), ("备注/说明", "note"), ("主管领导审核意见", "review")):
        add_row(t3, [label, "{{ %s }}" % key], height_cm=1.0)  # noqa: UP031 - the braces are Jinja's
    line(doc, "编制人：{{ preparer }}")
    return doc


def build_lost() -> Document:
    """The lost-customer file (流失客户档案表): 10 pt, 1.6 cm margins. The grid has a narrow second
    column so that the upper rows pair a 4-character label with a value wide enough for a phone
    number or 工号, and the lower rows a longer label (其他需说明的情况) on one line; the third pair
    holds the widest values (身份证号码 of 18 characters, dates, e-mail)."""
    doc = new_document(margins_cm=1.6, size=10)
    title(doc, "流失客户档案表")
    line(doc, "营业部名称：{{ unit }}　　　　　　填表人：{{ filler }}")
    t = table(doc, [2.0, 1.4, 2.1, 1.9, 3.1, 2.3, 5.0])
    add_row(t, ["客户姓名", ("{{ name }}", 2), "性别", "{{ sex }}", "流失日期", "{{ lost_on|cn_date }}"])
    add_row(t, ["资产市值", ("{{ assets|money }}", 2), "类别", "{{ grade }}", "身份证号码", "{{ id_number }}"])
    add_row(t, ["固定电话", ("{{ phone }}", 2), "手机", "{{ mobile }}", "电子邮箱", "{{ email }}"])
    add_row(t, ["服务员工", ("{{ staff }}", 2), "联系地址", ("{{ address }}", 3)])
    add_row(t,
            [("流失主要原因", 2), ("{{ reason }}\n原因分类："
                                   "{{ box(category, '主观') }}主观　{{ box(category, '客观') }}客观"
                                   "{% if not category %}　（工作簿中未填写）{% endif %}", 5)], height_cm=1.2)
    add_row(t, [("其他需说明的情况", 2), ("{{ note }}", 5)], height_cm=1.0)
    doc.add_paragraph()
    line(doc, "后续联系记录", bold=True)
    f = table(doc, [5.0, 3.2, 4.6, 2.6, 2.4])          # 联系时间 2025年12月31日 23:59 on one line
    add_row(f, ["联系时间", "联系员工", "交流内容", "客户反应", "备注"], bold=True, header=True)
    add_row(f, ["{%tr for x in contacts %}"])
    add_row(f, ["{{ x.time|cn_datetime }}", "{{ x.staff }}", "{{ x.content }}", "{{ x.reaction }}", "{{ x.note }}"])
    add_row(f, ["{%tr endfor %}"])
    line(doc, "{% if not contacts %}（尚无后续联系记录）{% endif %}")
    return doc


BUILDERS = {"plan": build_plan, "record": build_record, "report": build_report, "lost": build_lost}


def build_all(folder: Path = TEMPLATE_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind, build in BUILDERS.items():
        doc = build()
        doc.core_properties.title = DOCUMENTS[kind].title
        doc.core_properties.author = "huifang"
        doc.core_properties.created = doc.core_properties.modified = datetime(2025, 1, 1)
        doc.core_properties.last_modified_by = "huifang"
        p = folder / NAMES[kind]
        doc.save(p)
        out.append(p)
    return out


if __name__ == "__main__":
    for p in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_DIR):
        print(p)
