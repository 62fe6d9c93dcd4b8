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
        close = b"</" + (m.group(1) or b"") + b"c>"
        end = buf.find(close, m.end())
        if end == -1:
            continue
        I.judge_cell(buf[m.start():end + len(close)], odd, nsdecl)
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
