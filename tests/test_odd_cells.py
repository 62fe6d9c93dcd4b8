"""The sweep finds the cells the cell reader does not tell about (an error value, a formula
without a cached result) from their markers, not by a step per cell (a column of formulas filled
down is common): it finds exactly what judging every cell finds."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from generator.workbook import inspect as I

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def every_cell(buf: bytes, nsdecl: bytes) -> dict[str, str]:
    """Each cell cut out, parsed and judged (the sweep looks only at the cells its markers point to)."""
    odd: dict[str, str] = {}
    for m in I._CELL_START.finditer(buf):
        if m.group(0).endswith(b"/>"):
            continue
        close = re.compile(b"</" + re.escape(m.group(1) or b"") + rb"c\s*>").search(buf, m.end())
        if close is None:
            continue
        I.judge_cell(buf[m.start():close.end()], odd, nsdecl)
    return odd


CELLS = [
    '<c r="{r}"><v>1</v></c>',
    '<c r="{r}" s="2"/>',
    '<c r="{r}"><f>A1+1</f><v>2</v></c>',
    '<c r="{r}"><f>A1+1</f></c>',
    '<c r="{r}"><f>A1+1</f><v></v></c>',
    '<c r="{r}"><f>A1+1</f><v/></c>',
    '<c r="{r}" t="str"><f>IF(A1,"","x")</f><v></v></c>',
    '<c r="{r}" t="str"><f t="shared" si="0"/><v>x</v></c>',
    '<c r="{r}"><f t="shared" si="0"/></c>',
    '<c r="{r}" t="e"><v>#DIV/0!</v></c>',
    "<c r='{r}' t='e'><f>1/0</f><v>#DIV/0!</v></c>",
    '<c r="{r}" t = "e"><v>#N/A</v></c>',
    '<c r="{r}" t="inlineStr"><is><t>t="e" and &lt;f&gt; a:f </t></is></c>',
    '<c r="{r}" t="inlineStr"><f>"x"</f><is><t>x</t></is></c>',
    '<x:c r="{r}"><x:f>A1</x:f></x:c>',
    '<x:c r="{r}"><x:f>A1</x:f><x:v>3</x:v></x:c>',
    '<x:c r="{r}" t="e"><x:v>#REF!</x:v></x:c>',
    '<c r="{r}">\n  <f>A1</f>\n</c>',
    '<c r="{r}"><f\t/></c>',
    '<c r="{r}" s="3" x:note=">" t="e"><v>#N/A</v></c>',        # a '>' in a value before t="e"
    '<c r="{r}"><f><![CDATA[1+<v>2]]></f></c>',                # a <v> that is text, not a result
    '<c r="{r}"><f>A1</f><v>1</v></c >',                        # white space in the end tag
    '<c r="{r}"><f>A1</f></c\n>',
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(CELLS) - 1), min_size=1, max_size=5), min_size=1, max_size=8),
       st.booleans())
def test_the_markers_find_what_judging_every_cell_finds(rows, row_prefix):
    out = []
    for i, kinds in enumerate(rows, 1):
        cells = "".join(CELLS[k].format(r=f"{'ABCDE'[j]}{i}") for j, k in enumerate(kinds))
        tag = "x:row" if row_prefix else "row"
        out.append(f'<{tag} r="{i}" spans="1:5">{cells}</{tag}>')
    buf = "".join(out).encode()
    found: dict[str, str] = {}
    I._find_odd(buf, found, NS)
    assert found == every_cell(buf, NS)


def test_a_column_of_formulas_with_results_costs_no_parse(monkeypatch):
    """A filled-down formula with its cached value is judged from its bytes: nothing is parsed."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><f t="shared" si="0"/><v>2</v></c></row>'
                    % (i, i, i) for i in range(1, 2001))
    monkeypatch.setattr(I.SafeET, "fromstring", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
    found: dict[str, str] = {}
    I._find_odd(rows, found, NS)
    assert found == {}
    assert re.search(rb"<f", rows)


PLAIN = CELLS[:8] + [                   # formula cells as spreadsheet programs write them, and odd ones
    '<c r="{r}"><f t="shared" ref="B1:B9" si="0">A1*2</f><v>4</v></c>',
    '<c r="{r}"><f t="shared" si="0"/></c>',
    '<c r="{r}" t="inlineStr"><f>"x"</f><is><t>x</t></is></c>',
    '<c r="{r}">\n  <f>A1</f>\n  <v>3</v>\n</c>',
    '<c r="{r}"><v>2</v><f>A1</f></c>',                        # the value before the formula
    '<c r="{r}"><f\t/><v>1</v></c>',
    '<c\tr="{r}"><f>A1</f><v>1</v></c>',                      # white space other than a space after <c
    '<c r="{r}" s="1" t="n"><f>SUM(A1:A3)</f><v> </v></c>',
    '<c r="{r}" t="inlineStr"><is><t>&lt;f&gt;A1&lt;/f&gt;&lt;v&gt;1</t></is></c>',
    '<c r="{r}"><f>A1</f><v>1</v></c >',                        # white space in the end tag
    '<c r="{r}"><f>A1</f></c\t>',
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(PLAIN) - 1), min_size=1, max_size=5), min_size=1, max_size=10))
def test_formulas_told_apart_all_at_once_find_what_judging_every_cell_finds(rows):
    """A stretch of formulas with no error type, prefix or CDATA: the cached ones are told apart at
    once (_plainly_cached); the findings are those of judging every cell."""
    buf = "".join(f'<row r="{i}">' + "".join(PLAIN[k].format(r=f"{'ABCDE'[j]}{i}") for j, k in enumerate(kinds))
                  + "</row>" for i, kinds in enumerate(rows, 1)).encode()
    found: dict[str, str] = {}
    I._find_odd(buf, found, NS)
    assert found == every_cell(buf, NS)


def test_a_column_of_formulas_with_results_takes_no_step_per_cell(monkeypatch):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d" t="str"><f t="shared" si="0"/><v>R%d</v></c>'
                    b'<c r="C%d"><f>B%d</f></c></row>' % (i, i, i, i, i, i) for i in range(1, 2001))
    steps = []
    real = I._cell_start
    monkeypatch.setattr(I, "_cell_start", lambda buf, at: steps.append(at) or real(buf, at))
    found: dict[str, str] = {}
    I._find_odd(rows, found, NS)
    assert len(found) == 2000 and set(found) == {f"C{i}" for i in range(1, 2001)}       # no cached value
    assert len(steps) == 2000                   # only the cells without one were looked at


def test_an_error_written_with_spaces_around_the_equals_sign_is_found_by_the_sweep(tmp_path):
    """t = "e" (white space around "=") on a sheet without formulas: the sweep's first look lets
    no quoted e pass, so the cell is reported as the error value it is, not as an empty cell."""
    import zipfile
    from pathlib import Path
    from generator.workbook.reader import read_workbook
    src = Path(__file__).resolve().parents[1] / "workbooks" / "示例营业部.xlsx"
    dst = tmp_path / "错误值.xlsx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "xl/worksheets/sheet5.xml":
                data = re.sub(rb'<c r="B2"[^>]*?(?:/>|>.*?</c>)', b'<c r="B2" t = "e"><v>#N/A</v></c>', data,
                              count=1, flags=re.S)
            out.writestr(name, data)
    got = [(p.rule, p.row, p.column, p.message) for p in read_workbook(dst).problems if p.sheet == "回访记录"]
    assert ("DATA003", 2, "客户编号", "单元格是错误值 #N/A（通常是公式出错），请改正后再填") in got


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(CELLS) - 1), min_size=1, max_size=5), min_size=1, max_size=8),
       st.booleans(), st.sampled_from(["", "<mergeCells><mergeCell ref=\"A1:B2\"/></mergeCells>",
                                       "<x:mergeCells><x:mergeCell ref=\"C3:D4\"/></x:mergeCells>"]),
       st.booleans())
def test_a_stretch_written_as_libreoffice_writes_rows_is_searched_as_the_cells_are(rows, row_prefix, merges, lo):
    """The sweep tells from its tag starts whether a stretch may hold a formula, a comment or a
    merged range (LibreOffice puts a "false" in every row tag: a search for "<f" then walks all of
    it): what it finds is what searching the whole stretch finds."""
    I._numpy()
    attrs = ' customFormat="false" ht="15" hidden="false" customHeight="false" outlineLevel="0" collapsed="false"'
    out = []
    for i, kinds in enumerate(rows, 1):
        cells = "".join(CELLS[k].format(r=f"{'ABCDE'[j]}{i}") for j, k in enumerate(kinds))
        tag = "x:row" if row_prefix else "row"
        out.append(f'<{tag} r="{i}"{attrs if lo else ""}>{cells}</{tag}>')
    buf = ("".join(out) + merges).encode()
    got = I._stretch(b"", buf, len(buf), row_prefix, NS)
    expected: dict[str, str] = {}
    I._find_odd(buf, expected, NS)
    assert got.odd == expected
    wanted: list = []
    I._find_merges(buf, wanted)
    assert got.merges == wanted and bool(wanted) == bool(merges)
