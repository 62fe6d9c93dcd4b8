"""The four documents, read back with python-docx: every field, boxes, figures, escaping."""
import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document

from conftest import record
from generator.config import load_config
from generator.documents.generate import generate, parse_period
from generator.documents.render import FastTemplate, render_plain
from generator.documents.templates import NAMES, TEMPLATE_DIR, build_all

ROOT = Path(__file__).resolve().parents[1]


def text_of(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            seen = []
            for c in row.cells:
                if c._tc not in seen:
                    seen.append(c._tc)
                    parts.append(c.text)
    return "\n".join(parts)


@pytest.fixture
def unit(book):
    b = book
    b.sheets["客户"][0].update(客户名称="A&B<贸易>有限公司", 客户类别="机构", 联系地址="成都市人民路 1 号",
                               电子邮箱="ab@example.com",
                             账户状态="转出", 销户日期=date(2025, 3, 1), 证件号码="91510100MA61234567")
    b.sheets["回访记录"][0].update(回访方式="面谈", 客户签字="是", 录音编号=None, 客户意见="希望<更多>投教 & 路演",
                                   服务态度="很好", 响应速度="较满意", 乱收费="没有", 整体满意度="满意", 延期审批="是")
    b.add("回访记录", **record(记录编号="R0002", 回访类型="私募产品回访", 回访时间=datetime(2025, 6, 20, 15, 30),
                             关联事件="E1", 本人购买="是", 亲笔签名="是", 提示阅读合同="否", 知悉风险="是",
                               了解费用披露="是",
                             承担损失准备="是", 知悉冷静期="是", 知悉纠纷解决="是", 回访结果="回访不通过",
                             发现问题="销售未提示阅读合同", 上报合规日期=date(2025, 6, 21)))
    b.add("回访记录", **record(记录编号="R0003", 回访时间=datetime(2025, 9, 1, 9), 回访结果="回访不可达", 拨打次数=3))
    b.add("事件", 事件编号="E1", 客户编号="C0001", 事件类型="私募认购", 事件时间=datetime(2025, 6, 18, 10),
          产品="稳健一号",
          金额=1000000.0)
    b.add("回访计划", 计划编号="P1", 客户编号="C0001", 回访类型="存量回访", 回访方式="电话", 首次或常规="常规",
          回访目的="了解需求", 回访主题="服务满意度", 计划日期=date(2025, 6, 1), 回访人员="H001", 编制人="H001",
          部门主管="M001")
    b.add("回访报告", 报告期="2025-Q2", 部门="测试营业部", 回访目的="季度回访", 客户主要意见="希望增加路演",
          编制人="H001",
          编制日期=date(2025, 7, 2), 主管领导审核意见="同意")
    b.add("流失客户", 客户编号="C0001", 流失日期=date(2025, 3, 1), 资产市值=1234567.5, 类别="金卡", 服务员工="S001",
          流失主要原因="佣金费率高", 原因分类="主观", 填表人="H001", 营业部名称="测试营业部")
    b.add("流失跟踪", 客户编号="C0001", 联系时间=datetime(2025, 4, 2, 10, 5), 联系员工="H001", 交流内容="介绍新费率",
          客户反应="考虑")
    return b


def run(unit, tmp_path, **kw):
    out = tmp_path / "out"
    summary = generate([unit.write()], out, config=load_config(None), today=date(2025, 12, 31), **kw)
    return out, summary


def test_record_form_has_every_field(unit, tmp_path):
    out, summary = run(unit, tmp_path, kinds=["record"])
    assert "回访记录表：3 份" in summary
    t = text_of(out / "回访记录表/测试营业部/R0001_C0001.docx")
    for want in ["A&B<贸易>有限公司", "成都市人民路 1 号", "ab@example.com", "☐个人客户　☑机构客户",
                 "☐电话　☑面谈", "☑首次回访", "2025年6月2日 10:00", "回访通过", "☑A.很好", "☑B.较满意", "☑B.没有",
                 "☑A.满意", "希望<更多>投教 & 路演", "客户确认（签字或盖章）：已签字", "周敏（H001）",
                 "填写日期：2025年6月3日", "（经主管同意延期）", "冯建国（M001）", "日期：2025年6月5日",
                 "存量回访问卷"]:
        assert want in t, want
    assert "None" not in t and "{{" not in t and "{%" not in t
    pf = text_of(out / "回访记录表/测试营业部/R0002_C0001.docx")
    assert "购买基金的全部行为是否由您本人进行？\n☑是　☐否" in pf
    assert "销售人员是否提示您认真阅读并理解基金合同和风险揭示？\n☐是　☑否（异常）" in pf
    assert "产品购买时间\n2025年6月18日 10:00　稳健一号" in pf
    assert "☑常规回访" in pf and "☑1.产品推荐情况" in pf
    assert "提交日期：2025年6月21日　受理部门：风控合规部" in pf


def test_plan_report_and_ledger(unit, tmp_path):
    out, summary = run(unit, tmp_path)
    plan = text_of(out / "回访计划/测试营业部/测试营业部_回访计划_2025-06.docx")
    for want in ["部门：测试营业部", "编号：HFJH-202506", "A&B<贸易>有限公司\nC0001", "电话（☐首次☑常规）", "了解需求",
                 "服务满意度", "2025年6月1日", "编制人：周敏（H001）", "部门主管：冯建国（M001）"]:
        assert want in plan, want
    rep = text_of(out / "回访报告/测试营业部/测试营业部_回访报告_2025-Q2.docx")
    for want in ["2025年4月1日至2025年6月30日",
                 "共回访 1 个客户，其中采用电话回访 1 个客户，现场回访 1 个客户，有效回复的 1 个客户（回访记录 2 条）",
                 "存量回访\n1\n1\n1\n0\n0\n0", "私募产品回访\n1\n1\n0\n1\n0\n0", "合计\n2\n1\n1\n1\n0\n0",
                 "回访中发现问题 1 条，客户投诉 0 条，上报合规 1 条", "个人客户 0 户，机构客户 1 户", "希望增加路演",
                 "☐大客户回访　☑常规回访　☐投诉处理"]:
        assert want in rep, want
    led = text_of(out / "流失客户档案表/测试营业部/C0001.docx")
    for want in ["营业部名称：测试营业部", "填表人：周敏（H001）", "A&B<贸易>有限公司", "2025年3月1日", "1,234,567.50",
                 "金卡",
                 "91510100MA61234567", "13800000001", "赵强（S001）", "佣金费率高", "☑主观　☐客观",
                 "2025年4月2日 10:05",
                 "介绍新费率", "考虑"]:
        assert want in led, want
    for p in out.rglob("*.docx"):
        body = text_of(p)
        assert "None" not in body and "{{" not in body and "{%" not in body, p


def test_private_output_and_rerun_is_safe(unit, tmp_path):
    out, _ = run(unit, tmp_path)
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    files = sorted(out.rglob("*.docx"))
    assert all(p.stat().st_mode & 0o077 == 0 for p in files)
    run(unit, tmp_path)
    assert sorted(out.rglob("*.docx")) == files
    assert not [p for p in out.rglob("*") if p.name.startswith(".~huifang")]


def test_filters_by_kind_period_and_customer(unit, tmp_path):
    out, summary = run(unit, tmp_path, kinds=["record"], period="2025-09")
    assert [p.name for p in out.rglob("*.docx")] == ["R0003_C0001.docx"]
    from generator.output import OutputError
    with pytest.raises(OutputError, match="客户编号 C9999 不在"):
        run(unit, tmp_path / "x", kinds=["record"], customers=["C9999"])
    assert not (tmp_path / "x").exists()


def test_period_forms():
    assert parse_period("2025-Q3").start == date(2025, 7, 1) and parse_period("2025-Q4").end == date(2025, 12, 31)
    assert parse_period("2025-09").end == date(2025, 9, 30) and parse_period("2024-02").end == date(2024, 2, 29)


def test_sandbox_blocks_template_code(tmp_path):
    from docx import Document as New
    d = New()
    d.add_paragraph("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    p = tmp_path / "evil.docx"
    d.save(p)
    from generator.documents.render import TemplateError
    with pytest.raises(TemplateError, match="不允许的操作"):
        FastTemplate(p).save({}, tmp_path / "x.docx")


def test_fast_path_text_equals_plain_docxtpl(unit, tmp_path):
    from generator.documents.generate import Unit, jobs
    from generator.workbook.reader import read_workbook
    u = Unit(read_workbook(unit.write()), load_config(None))
    for kind, rel, make in jobs([u], ("record", "plan", "report", "lost"), None, set(), load_config(None),
                                date(2025, 12, 31)):
        ctx = make()
        a, b = tmp_path / "a.docx", tmp_path / "b.docx"
        render_plain(TEMPLATE_DIR / NAMES[kind], ctx, a)
        FastTemplate(TEMPLATE_DIR / NAMES[kind]).save(ctx, b)
        assert text_of(a) == text_of(b), rel
        assert formatting_of(a) == formatting_of(b), rel


def formatting_of(path) -> dict:
    """What a formatting regression would change: the page setup, every table's column widths and
    header rows, the fonts, sizes and bold of every run, and the styles and font table parts."""
    import zipfile

    from lxml import etree
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        parts = {n: z.read(n) for n in ("word/styles.xml", "word/fontTable.xml", "word/settings.xml")
                 if n in z.namelist()}

    def props(el, tag):
        found = el.find(tag)
        return etree.tostring(found) if found is not None else b""
    return {
        "page": [etree.tostring(s) for s in body.iter(w + "sectPr")],
        "tables": [([g.get(w + "w") for g in t.iter(w + "gridCol")],
                    [props(r, f"{w}trPr") for r in t.iter(w + "tr")]) for t in body.iter(w + "tbl")],
        "runs": sorted({props(r, f"{w}rPr") for r in body.iter(w + "r")}),
        "paragraphs": sorted({props(p, f"{w}pPr") for p in body.iter(w + "p")}),
        **parts,
    }


def test_templates_in_repo_are_what_the_builder_makes(tmp_path):
    build_all(tmp_path)
    for name in NAMES.values():
        assert text_of(tmp_path / name) == text_of(TEMPLATE_DIR / name)
        assert formatting_of(tmp_path / name) == formatting_of(TEMPLATE_DIR / name), name


@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("HUIFANG_REQUIRE_SOFFICE"),
                    reason="LibreOffice（soffice）未安装")
def test_each_kind_converts_to_pdf_with_pages(unit, tmp_path):
    import re
    out, summary = run(unit, tmp_path, pdf=True)
    assert "PDF：" in summary
    for folder in ("回访记录表", "回访计划", "回访报告", "流失客户档案表"):
        pdfs = list((out / folder).rglob("*.pdf"))
        assert pdfs, folder
        data = pdfs[0].read_bytes()
        assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 1


@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("HUIFANG_REQUIRE_SOFFICE"),
                    reason="LibreOffice（soffice）未安装")
def test_every_record_form_of_the_examples_prints_on_one_page(tmp_path):
    """Every record form of the example workbooks, questionnaire or not, is one A4 page in
    LibreOffice; a Chinese serif face is used (Noto Serif CJK here, for 宋体/SimSun)."""
    import re
    out = tmp_path / "out"
    generate([ROOT / "workbooks"], out, kinds=("record",), pdf=True, config=load_config(None), today=date(2025, 12, 31))
    pdfs = list((out / "回访记录表").rglob("*.pdf"))
    docs = list((out / "回访记录表").rglob("*.docx"))
    assert len(pdfs) == len(docs) > 100
    pages = {p.name: len(re.findall(rb"/Type\s*/Page[^s]", p.read_bytes())) for p in pdfs}
    assert {n: k for n, k in pages.items() if k != 1} == {}
    fonts = set(re.findall(rb"/BaseFont\s*/\w+\+(\w+)", pdfs[0].read_bytes()))
    assert any(f.startswith(b"NotoSerifCJK") for f in fonts), fonts


def test_record_form_shows_what_a_reviewer_checks(unit, tmp_path):
    """Date-times for the callback and the purchase, 开户日期, the reply, 拨打次数 only for calls."""
    out, _ = run(unit, tmp_path, kinds=["record"])
    texts = {p.name: text_of(p) for p in (out / "回访记录表").rglob("*.docx")}
    pf = next(t for t in texts.values() if "私募产品回访" in t)
    assert "产品购买时间" in pf and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", pf.split("产品购买时间")[1])
    assert "开户日期" in pf
    onsite = next(t for t in texts.values() if "☑面谈" in t)
    assert "拨打" not in onsite


def test_interrupted_run_leaves_no_broken_file(unit, tmp_path, monkeypatch):
    calls = {"n": 0}
    real = FastTemplate.save

    def flaky(self, ctx, target):
        calls["n"] += 1
        if calls["n"] == 3:
            Path(target).write_bytes(b"PK\x03\x04half")      # a document half written ...
            raise KeyboardInterrupt                          # ... when the user presses Ctrl-C
        return real(self, ctx, target)
    monkeypatch.setattr(FastTemplate, "save", flaky)
    with pytest.raises(KeyboardInterrupt):
        run(unit, tmp_path, kinds=["record"])
    out = tmp_path / "out"
    files = list(out.rglob("*"))
    docs = [p for p in files if p.suffix == ".docx"]
    assert len(docs) == 2 and all(text_of(p) for p in docs)
    assert not [p for p in files if p.name.startswith(".~huifang")]


def test_edited_templates_and_broken_ones(unit, tmp_path):
    import subprocess
    import sys
    from docx import Document as New
    mine = tmp_path / "tpl"
    mine.mkdir()
    d = New()
    d.add_paragraph("我们自己的记录表：{{ c.name }}，{{ r.time|cn_date }}")
    d.save(mine / NAMES["record"])
    src = unit.write()
    r = subprocess.run([sys.executable, "-m", "generator.cli", "generate", src, "--out", tmp_path / "o", "--kind",
                        "record",
                        "--templates", mine], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    text = text_of(tmp_path / "o/回访记录表/测试营业部/R0001_C0001.docx")
    assert "我们自己的记录表：A&B<贸易>有限公司，2025年6月2日" in text
    d = New()
    d.add_paragraph("{{ c.name ")
    d.save(mine / NAMES["record"])
    r = subprocess.run([sys.executable, "-m", "generator.cli", "generate", src, "--out", tmp_path / "o2", "--kind",
                        "record",
                        "--templates", mine], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "模板" in r.stderr and "Traceback" not in r.stderr


def test_a_template_with_column_loops_keeps_the_table_fix_up(tmp_path):
    """The direct path is only taken when docxtpl's table fix-up cannot change anything."""
    from docx import Document
    d = Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "{%tc for x in xs %}"
    t.cell(0, 1).text = "{{ x }}{%tc endfor %}"
    p = tmp_path / "tc.docx"
    d.save(p)
    fast = FastTemplate(p)
    assert not fast.direct
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    render_plain(p, {"xs": ["甲", "乙", "丙"]}, a)
    fast.save({"xs": ["甲", "乙", "丙"]}, b)
    assert text_of(a) == text_of(b)
    for name in NAMES.values():            # the shipped templates take the direct path
        assert FastTemplate(TEMPLATE_DIR / name).direct, name


def test_generate_reports_progress_in_lines_when_not_a_terminal(unit, tmp_path, capsys, monkeypatch):
    from generator.documents import generate as G
    monkeypatch.setattr(G._Progress, "EVERY", 0.0)
    G.generate([unit.write()], tmp_path / "out", kinds=("record",), config=load_config(None),
               progress="lines", today=date(2025, 12, 31))
    err = capsys.readouterr().err
    assert "生成文书：" in err and " 份" in err


def test_report_lists_only_the_findings_of_its_period(book, tmp_path):
    """A new-account callback due in April and done late is a finding of April's report, not of
    March's (the account was opened then) nor of June's."""
    b = book
    b.sheets["客户"][0].update(开户日期=date(2025, 3, 3))
    b.add("回访记录", **record(记录编号="R0009", 回访类型="新开户回访", 回访时间=datetime(2025, 4, 20, 10)))
    b.add("回访报告", 报告期="2025-03", 部门="测试营业部", 编制人="H001", 编制日期=date(2025, 4, 2))
    b.add("回访报告", 报告期="2025-04", 部门="测试营业部", 编制人="H001", 编制日期=date(2025, 5, 2))
    b.add("回访报告", 报告期="2025-06", 部门="测试营业部", 编制人="H001", 编制日期=date(2025, 7, 2))
    out = tmp_path / "out"
    generate([b.write()], out, kinds=("report",), config=load_config(None), today=date(2025, 12, 31))
    text = {m: text_of(out / f"回访报告/测试营业部/测试营业部_回访报告_2025-{m}.docx") for m in ("03", "04", "06")}
    assert "NEW001" in text["04"] and "新开户回访超期" in text["04"]
    assert "NEW001" not in text["03"] and "NEW001" not in text["06"]


def test_a_control_character_in_a_cell_never_stops_the_documents(unit, tmp_path):
    """(helper 42) Word's line break pasted into Excel is kept as _x000B_: it has no place in the
    document's XML, which would not open. It is written as a space (a page break too); the other
    control characters are left out, and every document is written."""
    unit.sheets["客户"][0].update(客户名称="黄\x0b雨静\x0c公司\x01\x1f")
    unit.sheets["回访记录"][0].update(客户意见="意见\x07一\x0b二")
    out, summary = run(unit, tmp_path, kinds=["record", "lost"])
    docs = sorted(out.rglob("*.docx"))
    assert docs and "出错" not in summary
    text = "\n".join(text_of(d) for d in docs)
    assert "黄 雨静 公司" in text and "意见一 二" in text
