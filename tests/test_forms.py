"""The four document kinds as a clerk prints them: LibreOffice renders each kind of the example
workbook to PDF, and the PDF text (pdftotext -layout) shows every one-line value whole on one line
(phones, ID numbers, dates, 工号), every label on one line and in Chinese, the 主观/客观 tick filled
from the workbook, the rule table's heading on every page it runs onto, and glyphs of a Simplified
Chinese face. Page images are kept in tests/artifacts/forms-*.png."""
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from generator.config import load_config
from generator.documents import generate as G
from generator.documents.render import FastTemplate, box, cn_date, cn_datetime
from generator.documents.templates import BUILDERS, NAMES, TEMPLATE_DIR
from generator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"
ARTIFACTS = ROOT / "tests" / "artifacts"
REQUIRED = bool(os.environ.get("HUIFANG_REQUIRE_SOFFICE"))
TOOLS = ("pdftotext", "pdffonts", "pdftoppm")

needs_pdf = pytest.mark.skipif(
    not REQUIRED and not (shutil.which("soffice") and all(shutil.which(t) for t in TOOLS)),
    reason="LibreOffice（soffice）或 poppler-utils（pdftotext、pdffonts、pdftoppm）未安装")


# ------------------------------------------------------------------ the templates themselves (no LibreOffice)

def test_every_label_is_chinese_and_every_loop_table_repeats_its_heading():
    for kind, build in BUILDERS.items():
        doc = build()
        body = doc.element.body
        text = re.sub(r"\{[{%].*?[%}]\}", "", "".join(body.itertext()))        # the text around the tags
        words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"huifang", "validate", "as", "of", "since", "HFJH"}
        assert not words, (kind, words)                 # labels in Chinese; only the command line quoted
        for t in doc.tables:
            loops = [tr for tr in t._tbl.tr_lst if "{%tr for" in "".join(tr.itertext())]
            if loops:
                heading = t._tbl.tr_lst[0]
                assert heading.trPr is not None and heading.trPr.find(qn("w:tblHeader")) is not None, kind
    assert "电子邮箱" in "".join(BUILDERS["record"]().element.body.itertext())
    assert "电子邮箱" in "".join(BUILDERS["lost"]().element.body.itertext())


def test_fonts_declare_songti_with_a_simplified_chinese_fallback():
    """宋体 for East Asian text, zh-CN, and the font table names SimSun and Noto Serif CJK SC with
    the GB2312 character set (86): Word and WPS without 宋体 substitute a Simplified Chinese face."""
    path = TEMPLATE_DIR / NAMES["lost"]
    with zipfile.ZipFile(path) as z:
        styles = z.read("word/styles.xml").decode()
        table = z.read("word/fontTable.xml").decode()
    assert 'w:eastAsia="SimSun"' in styles and 'w:eastAsia="zh-CN"' in styles
    for name in ("SimSun", "Noto Serif CJK SC"):
        entry = re.search(rf'<w:font w:name="{name}">(.*?)</w:font>', table, re.S)
        assert entry and '<w:charset w:val="86"/>' in entry.group(1), name


def test_soffice_runs_with_huifangs_fontconfig():
    conf = Path(G.soffice_env({})["FONTCONFIG_FILE"]) if G.SYSTEM_FONTS_CONF.is_file() else None
    if conf is None:
        pytest.skip("没有 fontconfig（/etc/fonts/fonts.conf）")
    assert conf.is_file() and "/etc/fonts/fonts.conf" in conf.read_text()
    assert G.soffice_env({"FONTCONFIG_FILE": "/mine.conf"})["FONTCONFIG_FILE"] == "/mine.conf"     # the user's kept
    if shutil.which("fc-match"):
        env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
        env = G.soffice_env(env)
        noto = "Noto Serif CJK" in subprocess.run(["fc-list"], capture_output=True, text=True).stdout
        for family, want in (("SimSun", "Noto Serif CJK SC"), ("宋体", "Noto Serif CJK SC"),
                             ("SimHei", "Noto Sans CJK SC"),
                             ("serif:lang=zh-cn", "Noto Serif CJK SC")):
            got = subprocess.run(["fc-match", "-f", "%{family[0]}", family], env=env, capture_output=True,
                                 text=True).stdout
            assert got == want or not noto, (family, got)
        latin = subprocess.run(["fc-match", "-f", "%{family[0]}", "Times New Roman"], env=env,
                               capture_output=True, text=True).stdout
        assert "CJK" not in latin                       # Latin text keeps a Latin face


# ------------------------------------------------------------------ LibreOffice

def pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    m = re.search(r"Pages:\s+(\d+)", info)
    return int(m.group(1)) if m else len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def on_one_line(value: str) -> re.Pattern:
    """`value` as it reads on one line of pdftotext -layout: LibreOffice spaces Chinese from Latin
    and digits (2025 年 6 月), so spaces may appear between characters, never a line break."""
    chars = [re.escape(c) for c in str(value) if not c.isspace()]
    return re.compile("[ ]*".join(chars))


def assert_whole(text: str, value, where: str) -> None:
    if value in (None, ""):
        return
    assert on_one_line(value).search(text), f"{where}：“{value}”不在同一行\n{text}"


def broken_dates(text: str) -> list[str]:
    """Lines with a piece of a date: a year with no month after it (2025 年 | 6 月 16 日), or a day
    with no month before it (2025 年 6 月 | 16 日)."""
    bad = []
    for ln in text.splitlines():
        year = any(not re.match(r"[ ]?\d{1,2}[ ]?月", ln[m.end():]) for m in re.finditer(r"\d{4}[ ]?年", ln))
        day = any(not ln[:m.start()].rstrip().endswith("月") for m in re.finditer(r"(?<![\d年月])\d{1,2}[ ]?日", ln))
        if year or day:
            bad.append(ln)
    return bad


LABELS = {
    "lost": ["客户姓名", "流失日期", "资产市值", "身份证号码", "固定电话", "电子邮箱", "服务员工", "联系地址",
             "流失主要原因", "其他需说明的情况", "联系时间", "联系员工"],
    "record": ["客户名称", "电子邮箱", "回访方式", "回访时间", "开户日期", "产品购买时间", "录音编号", "回访内容",
               "处理方式及结果", "遗留问题处理跟踪", "（现场回访需填写）", "回访记录人员", "主管领导审批"],
    "plan": ["序号", "客户名称", "回访方式", "回访目的", "回访主题", "计划时间", "回访人员"],
    "report": ["回访时间", "回访人员", "回访对象", "回访类型", "回访不通过", "回访不可达", "回访主要客户群及内容",
               "主管领导审核意见", "改善客户服务对策", "回访中遇到的问题"],
}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example workbook's plans, reports and lost-customer files, and its June record forms, in PDF."""
    out = tmp_path_factory.mktemp("forms") / "out"
    config = load_config(None)
    G.generate([EXAMPLE], out, kinds=("plan", "report", "lost"), pdf=True, config=config, today=date(2025, 12, 31))
    G.generate([EXAMPLE], out, kinds=("record",), period="2025-06", pdf=True, config=config, today=date(2025, 12, 31))
    unit = G.Unit(read_workbook(EXAMPLE), config)
    return out, unit


def pdfs(out: Path, kind: str) -> list[Path]:
    found = sorted((out / G.FOLDERS[kind]).rglob("*.pdf"))
    assert found, kind
    return found


def keep_pictures(pdf: Path, name: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)
    shots = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert shots and all(p.stat().st_size > 1000 for p in shots)
    return shots


def common_checks(kind: str, text: str, where: str) -> None:
    assert not re.search(r"(?i)e-?mail", text.replace("@example.com", "")), f"{where}：英文标签\n{text}"
    for label in LABELS[kind]:
        assert_whole(text, label, where)
    assert broken_dates(text) == [], f"{where}：日期断行 {broken_dates(text)}"
    assert "None" not in text and "{{" not in text


@needs_pdf
def test_lost_customer_files_print_each_value_on_one_line(example):
    out, u = example
    t = u.book["流失客户"]
    files = pdfs(out, "lost")
    assert len(files) == len([c for c in t.col("客户编号") if c])
    for i, code in enumerate(t.col("客户编号")):
        ctx = G.lost_context(u, i)
        pdf = out / G.FOLDERS["lost"] / u.name / f"{code}.pdf"
        text = pdf_text(pdf)
        common_checks("lost", text, pdf.name)
        for key in ("mobile", "phone", "id_number", "staff", "filler", "email"):
            assert_whole(text, ctx[key], f"{pdf.name} {key}")
        assert_whole(text, cn_date(ctx["lost_on"]), pdf.name)
        for c in ctx["contacts"]:
            assert_whole(text, cn_datetime(c["time"]), pdf.name)
            assert_whole(text, c["staff"], pdf.name)
        # the 原因分类 tick from the workbook; a blank one says so
        if ctx["category"]:
            other = "客观" if ctx["category"] == "主观" else "主观"
            assert on_one_line(f"☑{ctx['category']}　☐{other}").search(text.replace("　", " ")) or \
                on_one_line(f"☑{ctx['category']}").search(text), text
        else:
            assert "☑" not in text.split("原因分类")[1].splitlines()[0] and "未填写" in text
    keep_pictures(files[1], "forms-lost")


@needs_pdf
def test_plans_print_dates_and_staff_whole(example):
    out, u = example
    files = pdfs(out, "plan")
    for pdf in files:
        month = re.search(r"_(\d{4}-\d{2})\.pdf$", pdf.name).group(1)
        idx = G.plan_months(u, None, set())
        rows = dict(idx)[month]
        ctx = G.plan_context(u, month, list(rows))
        text = "\n".join(pdf_text(pdf, p) for p in range(1, pages_of(pdf) + 1))
        common_checks("plan", text, pdf.name)
        for r in ctx["rows"]:
            assert_whole(text, f"{r['method']}（{box(r['first'], '首次')}首次{box(r['first'], '常规')}常规）", pdf.name)
            assert_whole(text, cn_date(r["date"]), pdf.name)
            assert_whole(text, r["caller"], pdf.name)
            assert_whole(text, r["code"], pdf.name)
        assert_whole(text, ctx["preparer"], pdf.name)
    keep_pictures(max(files, key=lambda p: p.stat().st_size), "forms-plan")


@needs_pdf
def test_record_forms_print_values_and_labels_whole(example):
    out, u = example
    files = pdfs(out, "record")
    t = u.book["回访记录"]
    by_id = {rid: i for i, rid in enumerate(t.col("记录编号"))}
    for pdf in files:
        i = by_id[pdf.name.split("_")[0]]
        ctx = G.record_context(u, i, "常规")
        text = pdf_text(pdf)
        assert pages_of(pdf) == 1, pdf.name
        common_checks("record", text, pdf.name)
        assert_whole(text, cn_datetime(ctx["r"]["time"]), pdf.name)
        assert_whole(text, cn_date(ctx["c"]["opened"]), pdf.name)
        for key in ("caller", "reviewer"):
            assert_whole(text, ctx["r"][key], pdf.name)
        assert_whole(text, ctx["r"]["id"], pdf.name)
        assert_whole(text, ctx["c"]["email"], pdf.name)
    keep_pictures(files[0], "forms-record")


@needs_pdf
def test_reports_print_whole_and_repeat_the_rule_table_heading(example, tmp_path):
    out, u = example
    files = pdfs(out, "report")
    for pdf in files:
        text = "\n".join(pdf_text(pdf, p) for p in range(1, pages_of(pdf) + 1))
        common_checks("report", text, pdf.name)
        # in the list of callers a name may end a line and its （工号） start the next (LibreOffice
        # breaks before an opening bracket whatever joiner stands there); neither breaks inside
        for name, code in re.findall(r"([\u4e00-\u9fff]{2,4})（([A-Z]\d{3})）", "".join(text.split())):
            assert_whole(text, name, pdf.name)
            assert_whole(text, f"（{code}）", pdf.name)
    keep_pictures(out / G.FOLDERS["report"] / u.name / f"{u.name}_回访报告_2025.pdf", "forms-report")

    # a report whose rule table runs over two pages: the heading is repeated at the top of page 2
    config = load_config(None)
    row = list(u.book["回访报告"].col("报告期")).index("2025")
    ctx = G.report_context(u, row, config, G.WorkCalendar(config.calendar_years), date(2025, 12, 31))
    ctx = dict(ctx, findings=[{"rule": f"TST{k:03d}", "title": f"测试规则第 {k} 条", "severity": "警告", "count": k}
                              for k in range(1, 61)])
    docx = tmp_path / "long_report.docx"
    FastTemplate(TEMPLATE_DIR / NAMES["report"]).save(ctx, docx)
    G.to_pdf([docx])
    pdf = docx.with_suffix(".pdf")
    n = pages_of(pdf)
    heading = re.compile(r"规则\s+内容\s+级别\s+条数")
    spans = [p for p in range(1, n + 1) if re.search(r"TST0\d\d", pdf_text(pdf, p))]
    assert len(spans) >= 2, spans
    for p in spans:
        assert heading.search(pdf_text(pdf, p)), f"第 {p} 页没有规则表的表头"
    keep_pictures(pdf, "forms-report-long")


# ------------------------------------------------------------------ glyphs

CJK_FONT = re.compile(r"CJK|SourceHan|Song|Sim|Hei|Kai|Ming|Gothic|WenQuanYi|wqy", re.I)


def embedded_fonts(pdf: Path) -> list[str]:
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [ln.split()[0].split("+")[-1] for ln in lines if ln.strip()]


def raster(pdf: Path) -> bytes:
    """Page 1 in grey at 100 dpi (PGM bytes)."""
    return subprocess.run(["pdftoppm", "-gray", "-r", "100", "-f", "1", "-l", "1", str(pdf)],       # to stdout
                          capture_output=True, check=True).stdout


def with_face(src: Path, target: Path, face: str, lang: str) -> None:
    """A copy of a .docx whose East Asian font and language are `face` and `lang` everywhere."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in ("word/document.xml", "word/styles.xml"):
                data = data.decode().replace('w:eastAsia="SimSun"', f'w:eastAsia="{face}"') \
                    .replace('w:eastAsia="zh-CN"', f'w:eastAsia="{lang}"').encode()
            zout.writestr(item, data)


@needs_pdf
def test_every_kind_draws_simplified_chinese_glyphs(example, tmp_path):
    """The fonts in every PDF are Chinese serif faces (Noto Serif CJK for 宋体, never KR/TC/HK, never
    a sans face standing in for 宋体); and the glyphs are those of the SC face: a page drawn with 宋体
    is pixel for pixel the page drawn with Noto Serif CJK SC, and differs from the page drawn with the
    JP face (户, 骨, 直 have other shapes in Japanese).

    LibreOffice names a font taken from a TrueType collection (the Noto CJK .ttc that Debian ships)
    by the collection's shared CFF table, NotoSerifCJKjp-..., whichever face of the collection it
    uses; hence the pixel comparison rather than the name alone."""
    out, u = example
    for kind in ("lost", "plan", "record", "report"):
        for pdf in pdfs(out, kind)[:3]:
            cjk = [f for f in embedded_fonts(pdf) if CJK_FONT.search(f)]
            assert cjk, (pdf.name, embedded_fonts(pdf))
            for f in cjk:
                assert re.search(r"SC|CJKsc|SourceHanSerifSC|NotoSerifCJK", f), (pdf.name, f)
                assert not re.search(r"CJK(kr|tc|hk)|Sans", f), (pdf.name, f)
    src = out / G.FOLDERS["lost"] / u.name / f"{u.book['流失客户'].col('客户编号')[1]}.docx"
    docs = {"songti": tmp_path / "songti.docx", "sc": tmp_path / "sc.docx", "jp": tmp_path / "jp.docx"}
    shutil.copy(src, docs["songti"])
    with_face(src, docs["sc"], "Noto Serif CJK SC", "zh-CN")
    with_face(src, docs["jp"], "Noto Serif CJK JP", "ja-JP")
    G.to_pdf(list(docs.values()))
    pages = {k: raster(p.with_suffix(".pdf")) for k, p in docs.items()}
    assert pages["songti"] == pages["sc"], "宋体的字形不是 Noto Serif CJK SC 的字形"
    assert pages["songti"] != pages["jp"], "比较不出 SC 与 JP 字形的差别"


@needs_pdf
def test_the_longest_values_still_fit_on_one_line(example, tmp_path):
    """The widest values a form holds, in the widest digits LibreOffice may substitute (DejaVu Serif):
    an 18-character ID ending in X, a fixed line with area code, the last day of the year with a
    time, a three-character name with its 工号, 电子问卷 with the round boxes."""
    out, u = example
    lost = dict(G.lost_context(u, 1), id_number="11010519491231002X", phone="0755-88886666", mobile="19999999999",
                lost_on=date(2025, 12, 31), staff="欧阳晓（S001）", filler="欧阳晓（H001）", assets=99999999.99,
                email="wang.wu@example.com")   # longer e-mail addresses wrap at a dot
    lost["contacts"] = [dict(lost["contacts"][0], time=datetime(2025, 12, 31, 23, 59), staff="欧阳晓（H001）")]
    month, idx = G.plan_months(u, None, set())[0]
    plan = G.plan_context(u, month, list(idx))
    plan["rows"] = [dict(r, method="电子问卷", first="首次", date=date(2025, 12, 31), caller="欧阳晓（H003）")
                    for r in plan["rows"]]
    docs = {"lost": tmp_path / "lost.docx", "plan": tmp_path / "plan.docx"}
    for kind, ctx in (("lost", lost), ("plan", plan)):
        FastTemplate(TEMPLATE_DIR / NAMES[kind]).save(ctx, docs[kind])
    G.to_pdf(list(docs.values()))
    text = pdf_text(docs["lost"].with_suffix(".pdf"))
    common_checks("lost", text, "lost")
    for value in ("11010519491231002X", "0755-88886666", "19999999999", "2025年12月31日", "欧阳晓（S001）",
                  "欧阳晓（H001）", "99,999,999.99", "wang.wu@example.com", "2025年12月31日 23:59"):
        assert_whole(text, value, "lost")
    text = pdf_text(docs["plan"].with_suffix(".pdf"))
    common_checks("plan", text, "plan")
    for value in ("电子问卷（☑首次☐常规）", "2025年12月31日", "欧阳晓（H003）"):
        assert_whole(text, value, "plan")
    keep_pictures(docs["lost"].with_suffix(".pdf"), "forms-lost-longest")
