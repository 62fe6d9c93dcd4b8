"""Shapes filled with values give what lxml writes for the same element, byte for byte (xmlfill),
and the annotated copy's summary sheet, comments and links are the same whether written from
shapes or element by element."""
from __future__ import annotations

import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.validate import annotate as A
from generator.workbook import xmlfill

# any text, the characters lxml escapes and the ones it refuses often among them
texts = st.text(alphabet=st.one_of(st.sampled_from(list("&<>\"'\r\n\t %;]\ue000\ue002\ufffe\x01\x85\u2028")),
                                   st.characters(codec="utf-8"), st.characters()), max_size=30)


def element(a: str, b: str, c: str):
    el = etree.Element("c", r=a, s="3")
    t = etree.SubElement(etree.SubElement(el, "is"), "t")
    t.text = b
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    etree.SubElement(el, "v").text = c
    return el


@settings(max_examples=400, deadline=None)
@given(texts, texts, texts)
def test_a_filled_shape_is_what_lxml_writes(a, b, c):
    shape = xmlfill.Shape(element(xmlfill.attr(0), xmlfill.text(1), "%d " + xmlfill.text(2) + "%s"))
    assert shape.ok
    got = shape.fill((a, b, c))
    try:
        want = etree.tostring(element(a, b, "%d " + c + "%s"), encoding="unicode")
    except ValueError:                  # lxml refuses the text: the shape does not fill it either
        assert got is None
        return
    assert got == want


def test_a_shape_whose_own_text_holds_a_marker_character_is_not_used():
    el = element(xmlfill.attr(0), "规则\ue001标题", "x")
    assert not xmlfill.Shape(el).ok


def test_the_same_value_may_go_into_several_places():
    el = etree.Element("row", r=xmlfill.attr(0))
    for letter in "AB":
        etree.SubElement(el, "c", r=letter + xmlfill.attr(0))
    assert xmlfill.Shape(el).fill(("17",)) == '<row r="17"><c r="A17"/><c r="B17"/></row>'


def parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture
def nasty_book(book):
    """A workbook whose findings carry texts lxml escapes: & < > quotes, line breaks, spaces at
    the ends, a carriage return, a percent sign, a marker character; and a control character,
    which the summary shows as \\x01."""
    first = book.sheets["回访记录"][0]
    first["录音编号"] = None
    for name in [" R&1 ", "R<2>", 'R"3\'', "R\r4", "R%5%s", "R\ue0016", "R\n7"]:
        book.add("回访记录", **{**first, "记录编号": name})
    book.add("回访记录", **{**first, "记录编号": "R8", "客户编号": "C\x01"})     # a control character in a cell
    return book.write()


def test_the_summary_comments_and_links_are_the_same_written_from_shapes(nasty_book, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from generator.cli import main
    outs = []
    for fast in (True, False):
        monkeypatch.setattr(A, "FAST", fast)
        out = tmp_path / f"ann-{fast}"
        r = CliRunner().invoke(main, ["validate", str(nasty_book), "--as-of", "2025-12-31", "--annotate", str(out)])
        assert r.exit_code == 1, r.output
        copy, = out.glob("*.xlsx")
        outs.append(parts(copy))
    fast, slow = outs
    assert fast.keys() == slow.keys()
    for name in fast:
        assert fast[name] == slow[name], name
    summary = next(v for k, v in fast.items() if b"tabColor" in v)
    assert b"R&amp;1" in summary and b"R&lt;2&gt;" in summary and b"&#13;" in summary and b"C\\x01" in summary
    comments = next(v for k, v in fast.items() if "comments" in k)
    assert comments.count(b"<comment ") >= 8
    etree.fromstring(comments)          # well-formed
    etree.fromstring(summary)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts, texts, texts), max_size=8))
def test_rows_filled_together_are_each_filled_alone(rows):
    """fill_many escapes a marker's values of many rows in one call: the same texts as one row at
    a time, and None for exactly the rows lxml refuses."""
    shape = xmlfill.Shape(element(xmlfill.attr(0), xmlfill.text(1), xmlfill.text(2)))
    got = shape.fill_many(rows)
    assert got == [shape._fill_one(r) for r in rows]
    for r, text in zip(rows, got):
        try:
            want = etree.tostring(element(*r), encoding="unicode")
        except ValueError:
            assert text is None
            continue
        assert text == want


def test_texts_that_spell_markers_stay_texts(book, tmp_path):
    """A file name and a firm's citation holding the private-use characters the markers are made of
    (even spelling a marker of an earlier version) are written as they are: the copy is made, its
    summary names the file and cites the firm's 制度 word for word, nothing is put in their place."""
    import openpyxl
    from click.testing import CliRunner

    from generator.cli import main
    book.sheets["回访记录"][0]["录音编号"] = None
    src = book.write()
    odd = tmp_path / "台账\ue004\ue005\ue0000\ue001.xlsx"
    odd.write_bytes(src.read_bytes())
    title = "公司制度\ue0003\ue001\ue0009\ue001\ue004rows\ue005"
    cfg = tmp_path / "huifang.toml"
    cfg.write_text(f'[firm.documents]\nzd = "{title}"\n[firm.cite]\nMTH001 = "zd 第三条"\n', encoding="utf-8")
    out = tmp_path / "ann"
    r = CliRunner().invoke(main, ["validate", str(odd), "--as-of", "2025-12-31", "--config", str(cfg),
                                  "--annotate", str(out)])
    assert r.exit_code == 1 and "未写出标注副本" not in r.output, r.output
    copy, = out.glob("*.xlsx")
    ws = openpyxl.load_workbook(copy)["校验结果"]
    assert odd.name in ws["A2"].value
    row = next(row for row in ws.iter_rows(min_row=5, values_only=True) if row[1] == "MTH001")
    assert title in row[7] and "R0001" not in row[7]
    assert "R0001" in row[5]
