"""`huifang generate --templates DIR` with templates staff broke, by accident or on purpose.

Each hostile template is the shipped record form with Jinja text put into a paragraph (or a
damaged copy of it). What the user sees: exit 2, one Chinese line naming the template (and the
line and paragraph text where there is one), no traceback, no output folder (the template is
filled once in memory before the folder is made), inputs unchanged, and fast.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.documents import render
from generator.documents.render import FastTemplate, TemplateError, render_plain
from generator.documents.templates import NAMES, TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "workbooks" / "示例二营业部.xlsx"
RECORD = NAMES["record"]


def templates_with(tmp: Path, jinja: str | None = None, *, raw: bytes | None = None) -> Path:
    """A templates folder: the shipped four, the record form given `jinja` in a paragraph of its own
    before the title (or replaced by the bytes `raw`)."""
    folder = tmp / "tpl"
    shutil.copytree(TEMPLATE_DIR, folder)
    if raw is not None:
        (folder / RECORD).write_bytes(raw)
    elif jinja is not None:
        doc = Document(str(folder / RECORD))
        doc.paragraphs[0].insert_paragraph_before(f"自定义：{jinja}")
        doc.save(str(folder / RECORD))
    return folder


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def generate(tmp: Path, folder: Path, *extra: str):
    out = tmp / "out"
    before = digest(folder), hashlib.sha256(BOOK.read_bytes()).hexdigest()
    t = time.monotonic()
    r = CliRunner().invoke(main, ["generate", str(BOOK), "--out", str(out), "--kind", "record",
                                  "--templates", str(folder), *extra])
    took = time.monotonic() - t
    assert (digest(folder), hashlib.sha256(BOOK.read_bytes()).hexdigest()) == before      # inputs untouched
    return r, out, took


def refused(tmp: Path, folder: Path, pattern: str, seconds: float = 5.0) -> str:
    """The run fails with one Chinese line matching `pattern`, fast, before any output folder."""
    r, out, took = generate(tmp, folder)
    err = r.stderr
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    assert "Traceback" not in r.output + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert f"模板 {folder / RECORD}" in line, line
    assert re.search(pattern, line), line
    assert not out.exists(), sorted(out.rglob("*"))
    assert took < seconds, took
    return line


# ------------------------------------------------------------------ damaged files

def _rezip(src: Path, change) -> bytes:
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as o:
        for info in z.infolist():
            data = change(info.filename, z.read(info.filename))
            if data is not None:
                o.writestr(info.filename, data)
    return buf.getvalue()


SHIPPED = (TEMPLATE_DIR / RECORD).read_bytes()
DAMAGED = {
    "empty": b"",
    "truncated": SHIPPED[: len(SHIPPED) // 2],
    "broken_document_xml": _rezip(TEMPLATE_DIR / RECORD,
                                  lambda n, d: d[: len(d) // 2] if n == "word/document.xml" else d),
    "no_document_xml": _rezip(TEMPLATE_DIR / RECORD, lambda n, d: None if n == "word/document.xml" else d),
    "a_workbook": BOOK.read_bytes(),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_a_damaged_template_is_named_before_any_output(tmp_path, case):
    refused(tmp_path, templates_with(tmp_path, raw=DAMAGED[case]), r"已损坏（.+）")


# ------------------------------------------------------------------ errors in the marks

MISTAKES = {
    "{{ 1/0 }}": "除数为零",
    '{{ "abc"|money }}': "过滤器 money 不能用于文字“abc”",
    "{{ c.name|round }}": "过滤器 round 不能用于文字",           # a text field given to a number filter
    "{{ r.kind|nosuch }}": "没有名为 nosuch 的过滤器",
    "{% if r.kind %}{{ r.kind|nosuch }}{% endif %}": "没有名为 nosuch 的过滤器",    # found at fill time
    "{{ r.kind is nosuch }}": "没有名为 nosuch 的测试",
    "{{ c.name ": "缺少 }}",
    "{% for x in r.questions %}": "标记没有结束",
    "{{ c.name.nothing.deeper }}": "找不到数据项",
    "{{ c.nmae }}": "找不到数据项",             # (helper 42) a misspelt field was blank in every document
    "{% if r.kidn %}x{% endif %}": "找不到数据项",
}


@pytest.mark.parametrize("jinja", sorted(MISTAKES))
def test_a_mistake_in_a_mark_names_template_line_and_paragraph(tmp_path, jinja):
    line = refused(tmp_path, templates_with(tmp_path, jinja), MISTAKES[jinja])
    m = re.search(r"第 (\d+) 行（“([^”]*)”）", line)
    assert m, line
    assert m[2].startswith("自定义：" + jinja[:8]), line          # the paragraph staff can search for in Word


# ------------------------------------------------------------------ bounds

BOUNDS = {
    "recursive_macro": ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}", "嵌套调用超出限制"),
    "huge_range": ("{% for i in range(10**9) %}{{ i }}{% endfor %}", "range .*超出限制"),
    "string_times_huge": ("{{ 'x' * 10**10 }}", "乘法.*超出限制"),
    "list_times_huge": ("{{ ([1] * 10**9)|length }}", "乘法.*超出限制"),
    "nested_loops": ("{% for i in range(10000) %}{% for j in range(10000) %}{{ i }}{% endfor %}{% endfor %}",
                     "循环和调用次数超出限制|文书内容超出限制"),
    "silent_nested_loops": ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
                            "循环和调用次数超出限制"),
    "doubling_concat": ("{% set s = 'x' * 100000 %}{% set s = s ~ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s %}{{ s }}",
                        "连接.*超出限制"),
    "huge_power": ("{{ 9 ** 999999 }}", "乘方.*超出限制"),
    "huge_width": ("{{ '{:>999999999}'.format(c.name) }}", "格式宽度.*超出限制"),
    "huge_center": ("{{ c.name.center(10**9) }}", "宽度.*超出限制"),
    "huge_percent": ("{{ '%0999999999d' % 1 }}", "格式宽度.*超出限制"),
    "huge_replace": ("{{ ('x' * 100000)|replace('', 'yyyyyyyyyy') }}", "replace.*超出限制"),
    "shared_nested_list": ("{% set a = [1] * 100000 %}{% set b = [a, a, a, a, a, a, a, a, a, a, a] %}{{ b }}",
                           "列表超出限制"),
    "big_document": ("{% for i in range(10000) %}{% for j in range(90) %}{{ 'x' * 100000 }}{% endfor %}{% endfor %}",
                     "文书内容超出限制"),
}


@pytest.mark.parametrize("case", sorted(BOUNDS))
def test_a_bound_breached_is_one_line_fast_and_nothing_written(tmp_path, case):
    jinja, pattern = BOUNDS[case]
    line = refused(tmp_path, templates_with(tmp_path, jinja), pattern, seconds=6.0)
    assert re.search(r"第 \d+ 行（“自定义：", line), line


def test_the_clock_stops_a_long_document(tmp_path, monkeypatch):
    """Loops that stay under the step bound but take too long: the per-document time budget."""
    monkeypatch.setattr(render, "MAX_STEPS", 10**9)
    monkeypatch.setattr(render, "TIME_LIMIT", 0.5)
    folder = templates_with(tmp_path, "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}")
    refused(tmp_path, folder, r"时间超出限制（0.5 秒）", seconds=4.0)


# ------------------------------------------------------------------ the sandbox

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ c.__class__.__init__.__globals__['os'].system('true') }}",
    "{{ box.__globals__['__builtins__']['open']('/etc/passwd').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ r.questions.append(1) }}",
    "{{ c.update({'name': 1}) }}",
]


@pytest.mark.parametrize("jinja", ESCAPES)
def test_the_sandbox_holds(tmp_path, jinja):
    refused(tmp_path, templates_with(tmp_path, jinja), "不允许的操作|找不到数据项")


# ------------------------------------------------------------------ the rest of the run

def test_a_failure_with_some_data_only_leaves_whole_documents(tmp_path):
    """A template that fails only on a later document: the run stops there with the line; the
    documents written before are whole, no temporary file is left, and a re-run works."""
    folder = templates_with(tmp_path, "{% if loop_guard is not defined and r.id == 'R2' %}{{ 1/0 }}{% endif %}")
    first = CliRunner().invoke(main, ["generate", str(BOOK), "--out", str(tmp_path / "probe"), "--kind", "record"])
    assert first.exit_code == 0, first.output
    ids = sorted(p.stem.split("_")[0] for p in (tmp_path / "probe").rglob("*.docx"))
    doc = Document(str(folder / RECORD))
    doc.paragraphs[0].text = "自定义：{%% if r.id == '%s' %%}{{ 1/0 }}{%% endif %%}" % ids[len(ids) // 2]  # noqa: UP031 - braces are Jinja's
    doc.save(str(folder / RECORD))
    r, out, _ = generate(tmp_path, folder)
    assert r.exit_code == 2 and "除数为零" in r.stderr and "Traceback" not in r.stderr + r.output
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith(".~huifang")]
    docs = [p for p in files if p.suffix == ".docx"]
    assert 0 < len(docs) < len(ids)
    assert all(Document(str(p)).paragraphs for p in docs)
    assert {p.name for p in files} - {p.name for p in docs} == {".huifang-output"}


def test_unchanged_templates_still_fill(tmp_path):
    r, out, _ = generate(tmp_path, templates_with(tmp_path))
    assert r.exit_code == 0, r.output
    assert list(out.rglob("*.docx"))


def test_plain_docxtpl_path_is_guarded_too(tmp_path):
    folder = templates_with(tmp_path, "{{ 'x' * 10**10 }}")
    with pytest.raises(TemplateError, match=r"第 \d+ 行.*超出限制"):
        render_plain(folder / RECORD, {}, tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()
    broken = templates_with(tmp_path / "b", raw=b"")
    with pytest.raises(TemplateError, match="已损坏"):
        render_plain(broken / RECORD, {}, tmp_path / "x.docx")


def test_marks_in_a_header_are_refused_with_a_line(tmp_path):
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "{{ c.name }}"
    doc.add_paragraph("正文")
    doc.save(str(tmp_path / "h.docx"))
    with pytest.raises(TemplateError, match="页眉页脚"):
        FastTemplate(tmp_path / "h.docx")


def test_markup_that_breaks_the_document_xml(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ c.name|safe }}")
    doc.save(str(tmp_path / "safe.docx"))
    with pytest.raises(TemplateError, match="不是有效的 Word XML"):
        FastTemplate(tmp_path / "safe.docx").render_xml({"c": {"name": "<b>"}})


# ------------------------------------------------------------------ anything staff may type

PIECES = ["{{ ", " }}", "{% ", " %}", "for x in ", "range(", "10**9", "'x' * ", "9 ** 99999", ")", "(", " ~ ", "|money",
          "|round", "|join", "|nosuch", "1/0", "c.name", "r.questions", "endfor", "if ", "endif", "macro m()",
          "m()", "endmacro", " * ", " + ", "[1]", "'%099999d' % 1", ".__class__", "loop.index", "-", "}", "{", "}}}"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12))
def test_any_text_in_a_template_fills_or_fails_in_one_line(tmp_path, pieces):
    doc = Document()
    doc.add_paragraph("".join(pieces))
    path = tmp_path / "any.docx"
    doc.save(str(path))
    t = time.monotonic()
    try:
        FastTemplate(path).render_xml({"c": {"name": "甲公司"}, "r": {"questions": [{"text": "问"}]}})
    except TemplateError as e:
        assert str(e).startswith(f"模板 {path}") and "\n" not in str(e)
    assert time.monotonic() - t < 3.0
