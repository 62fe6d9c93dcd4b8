"""Cells far from the data (a styled empty cell left at XFD1048576, a note far to the right):
a sheet written the plain way is judged with numpy, a stretch at a time, and the judgement is the
one made cell by cell (issue 27: such a sheet cost a Python step per cell, 7x calamine's read)."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from generator.workbook import inspect as I

HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships"><dimension ref="A1"/><sheetData>')
TAIL = b"</sheetData></worksheet>"


KINDS = ['<c r="{ref}"><v>1</v></c>', '<c r="{ref}" s="2"/>', '<c r="{ref}" t="inlineStr"><is><t>备注</t></is></c>',
         '<c r="{ref}" s="1"></c>', '<c r="{ref}"><f>A1</f></c>', '<c r="{ref}" t="s"><v></v></c>',
         "<c r='{ref}' s='3'><v>2</v></c>",
         '<c r="{ref}" t="inlineStr"><is><t>备注</t></is></c >',         # white space in the end tag
         '<c r="{ref}" s="2"/>\n  ',                   # white space after a tag (an indented sheet)
         '<c r="{ref}" s="1">\n  <v>4</v>\n</c>',
         '<c r="{ref}" t="str"><f>B1&amp;"row>"</f><v>arrow></v></c>']      # row> in a text: no row's end


def cell(ref: str, kind: int) -> bytes:
    return KINDS[kind].format(ref=ref).encode()


def sheet_xml(rows: dict[int, list[tuple[int, int]]]) -> bytes:
    return HEAD + b"".join(b'<row r="%d">' % r + b"".join(cell(I.column_letters(c) + str(r), k) for c, k in cells)
                           + b"</row>" for r, cells in sorted(rows.items())) + TAIL


def judged(tmp_path: Path, rows: dict[int, list[tuple[int, int]]], quick: bool, threads: bool = False) -> tuple:
    path = tmp_path / "far.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml(rows))
    with zipfile.ZipFile(path) as zf:
        pkg = I.Package(path, zf)
        sh = I.SheetInfo("回访记录", "xl/worksheets/sheet1.xml")
        if threads:                 # stretches measured on two threads (a sheet larger than one stretch)
            sh.size = 1 << 30
        try:
            if quick:
                assert I._valued_cells(pkg, sh.part) is not None      # the numpy way was taken
                I._far_cells(pkg, sh)
            else:
                I._judge_cells(pkg, sh, I._cell_positions(pkg, sh.part))
        except I.ReadError as e:
            return ("refused", str(e))
        return sh.outliers, sh.far_count, sh.spans


def sheets():
    near = st.tuples(st.integers(0, 8), st.integers(0, len(KINDS) - 1))
    far = st.tuples(st.sampled_from([40, 200, 16383]), st.integers(0, len(KINDS) - 1))
    row = st.lists(st.one_of(near, near, near, far), min_size=1, max_size=6, unique_by=lambda x: x[0]).map(
        lambda cells: sorted(cells))
    rows = st.dictionaries(st.one_of(st.integers(1, 60), st.sampled_from([5000, 1048576])), row, min_size=1,
                           max_size=30)
    return rows


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheets(), st.sampled_from([1 << 22, 300, 97]), st.booleans())
def test_the_numpy_judgement_is_the_cell_by_cell_one(tmp_path, monkeypatch, rows, chunk, threads):
    monkeypatch.setattr(I, "SCAN_CHUNK", chunk)         # stretches cut anywhere a read may end
    assert judged(tmp_path, rows, True, threads) == judged(tmp_path, rows, False)


def test_a_styled_empty_cell_at_the_end_of_the_grid_is_no_far_cell(tmp_path):
    rows = {r: [(c, 0) for c in range(6)] for r in range(1, 40)}
    rows[1048576] = [(16383, 1)]
    assert judged(tmp_path, rows, True) == ({}, 0, [])


def test_a_note_far_to_the_right_is_named_with_its_value(tmp_path):
    rows = {r: [(c, 0) for c in range(6)] for r in range(1, 40)}
    rows[1] = rows[1] + [(155, 2)]
    outliers, count, spans = judged(tmp_path, rows, True)
    assert outliers == {"EZ1": "备注"} and count == 1 and len(spans) == 1


@pytest.mark.parametrize("quick", [True, False], ids=["numpy", "逐格"])
def test_a_far_cell_whose_end_tag_has_a_space_is_cut_alone(tmp_path, quick):
    """</c > ends the far cell: the span left out of the normalized copy is that cell, not the
    cells after it up to the next </c> (the next row's, here)."""
    rows = {r: [(c, 0) for c in range(6)] for r in range(1, 40)}
    rows[1] = rows[1] + [(155, 7)]
    outliers, count, spans = judged(tmp_path, rows, quick)
    assert outliers == {"EZ1": "备注"} and count == 1
    (s, e), = spans
    assert sheet_xml(rows)[s:e] == cell("EZ1", 7)


@pytest.mark.parametrize("odd", [
    b'<row r="1"><c><v>1</v></c></row>',                     # a cell without a reference
    b'<row r="1"><x:c r="A1"><v>1</v></x:c></row>',           # a prefix
    b'<row r="1"><c r="A1" t="a>b"><v>1</v></c></row>',       # a '>' inside a value
    b'<row r="1"><c r="A1x"><v>1</v></c></row>',              # a reference written otherwise
])
def test_a_sheet_written_otherwise_is_looked_at_cell_by_cell(tmp_path, odd):
    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", HEAD + odd + TAIL)
    with zipfile.ZipFile(path) as zf:
        assert I._valued_cells(I.Package(path, zf), "xl/worksheets/sheet1.xml") is None


@pytest.mark.parametrize("extra", [
    b'<c s="1"> r="XFD1"><v>9</v></c>',            # text ending in '>' after a tag: its r="" is text
    b'<c r="XFD1" s="1"/>x><v>5</v>',              # a self-closing cell, then text ending in '>'
    b'<c r="XFD1" x="a>b"><v>7</v></c>',            # '>' inside an attribute value
], ids=["text-r", "closed-then-text", "gt-in-value"])
def test_text_after_a_cell_tag_is_judged_as_cell_by_cell(tmp_path, extra):
    """Whatever way the far-cell check takes, its judgement is the cell-by-cell one (helper 25:
    a '>' ending text after a tag was once taken for the tag's end, and a far cell reported and
    cut out of the copy where the reader has none)."""
    numpy, by_cell = both_ways(tmp_path, extra)
    assert numpy == by_cell


def both_ways(tmp_path: Path, extra: bytes) -> list:
    """(outliers, far count, spans) of a 40 x 6 sheet with `extra` at the end of row 1, judged by
    _far_cells (numpy where it can) and cell by cell."""
    body = b"".join(b'<row r="%d">' % r + b"".join(cell(I.column_letters(c) + str(r), 0) for c in range(6))
                    + (extra if r == 1 else b"") + b"</row>" for r in range(1, 41))
    path = tmp_path / "extra.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", HEAD + body + TAIL)
    got = []
    with zipfile.ZipFile(path) as zf:
        for quick in (True, False):
            pkg = I.Package(path, zf)
            sh = I.SheetInfo("回访记录", "xl/worksheets/sheet1.xml")
            if quick:
                I._far_cells(pkg, sh)
            else:
                I._judge_cells(pkg, sh, I._cell_positions(pkg, sh.part))
            got.append((sh.outliers, sh.far_count, sh.spans))
    return got


@pytest.mark.parametrize("extra", [
    b'<!-- <c r="XFD1"> --><c r="G1"><v>1</v></c>',
    b'<![CDATA[<c r="XFD8">]]>',
    b'<?pi <c r="XFD1"> ?><c r="G1"><v>1</v></c>',
    b'<!-- </row><row r="9000"><c r="XFD9000"><v>1</v></c></row> --><c r="G1"><v>1</v></c>',
    b'<c r="XFD1" s="1"><!-- <v>0</v> --></c>',       # a styled cell whose only value is in a comment: empty
], ids=["comment", "cdata", "pi", "comment-with-rows", "value-in-comment"])
@pytest.mark.parametrize("chunk", [1 << 22, 50], ids=["whole", "cut-anywhere"])
def test_a_cell_written_inside_a_comment_cdata_or_instruction_is_no_cell(tmp_path, monkeypatch, extra, chunk):
    """The cell reader skips comments, CDATA sections and processing instructions: a `<c` inside
    one is no far cell, whichever way the check looks (helper 25: the cell-by-cell look took it for
    one, and cut from the copy a span reaching into the next row's cells), and wherever the text is
    cut into chunks."""
    monkeypatch.setattr(I, "CHUNK", chunk)
    monkeypatch.setattr(I, "SCAN_CHUNK", max(chunk, 97))
    assert both_ways(tmp_path, extra) == [({}, 0, []), ({}, 0, [])]


def test_a_text_holding_row_ends_no_stretch(tmp_path, monkeypatch):
    """A text may hold `row>` ('>' needs no escape in a text): a stretch is never cut there, or a
    far cell split in two would be missed by the numpy look (helper 25), wherever the chunks end."""
    rows = {r: [(c, 0) for c in range(6)] for r in range(1, 30)}
    rows[1] = rows[1] + [(16383, len(KINDS) - 1)]        # a far formula cell whose text holds row>
    want = judged(tmp_path, rows, False)
    assert want[1] == 1
    for chunk in range(60, 420, 3):
        monkeypatch.setattr(I, "SCAN_CHUNK", chunk)
        monkeypatch.setattr(I, "CHUNK", chunk)
        assert judged(tmp_path, rows, True) == want, chunk
        assert judged(tmp_path, rows, False) == want, chunk


def test_a_far_cell_whose_cdata_holds_a_row_end_is_found_at_every_cut(tmp_path, monkeypatch):
    """A CDATA section in a far cell's text holding `</row>`: wherever a chunk ends, the cell is
    looked at whole (helper 26: a cut moved back to the CDATA's start split the cell, and it was
    missed)."""
    extra = b'<c r="XFD1" t="inlineStr"><is><t><![CDATA[a</row>b]]></t></is></c>'
    want = both_ways(tmp_path, extra)[1]
    assert want[1] == 1 and list(want[0]) == ["XFD1"]
    for chunk in range(60, 480, 7):
        monkeypatch.setattr(I, "CHUNK", chunk)
        monkeypatch.setattr(I, "SCAN_CHUNK", max(chunk, 97))
        assert both_ways(tmp_path, extra) == [want, want], chunk


def swept(tmp_path: Path, rows: dict, monkeypatch) -> tuple:
    """The sweep's own judgement (the one pass every sheet gets), and whether it inflated the
    sheet a second time to look at its cells with a value."""
    path = tmp_path / "swept.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml(rows))
    again = []
    real = I._far_cells
    monkeypatch.setattr(I, "_far_cells", lambda *a: again.append(1) or real(*a))
    with zipfile.ZipFile(path) as zf:
        pkg = I.Package(path, zf)
        sh = I.SheetInfo("回访记录", "xl/worksheets/sheet1.xml")
        sh.size = zf.getinfo(sh.part).file_size
        try:
            I._sweep(pkg, sh)
        except I.ReadError as e:
            return ("refused", str(e).replace(str(path), str(tmp_path / "far.xlsx"))), bool(again), sh.narrow
    monkeypatch.setattr(I, "_far_cells", real)
    return (sh.outliers, sh.far_count, sh.spans), bool(again), sh.narrow


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheets(), st.integers(1, 40))
def test_the_sweeps_counts_judge_far_cells_as_looking_again_does(tmp_path, rows, pieces):
    """The sweep counts the cells with a value as it measures (_valued, stretch by stretch): where
    the counts show no far cell, looking at every cell again (_far_cells) finds none either, the
    budget and `narrow` come out the same; where a cell with a value may be far, they say so."""
    I._numpy()
    xml = sheet_xml(rows)
    ext, at = I._Extent(), 0
    step = max(1, len(xml) // pieces)
    while at < len(xml):                # stretches of whole rows, as the sweep cuts them
        end = xml.find(b"</row>", at + step)
        end = len(xml) if end == -1 else end + len(b"</row>")
        ext.merge(I._stretch(b"", xml[at:end], end - at, False, b""))
        at = end
    path = tmp_path / "far.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(path) as zf:
        pkg = I.Package(path, zf)
        by_counts, again = (I.SheetInfo("回访记录", "xl/worksheets/sheet1.xml") for _ in range(2))
        try:
            I._far_cells(pkg, again)
            exact = (again.outliers, again.far_count, again.spans, again.narrow)
        except I.ReadError as e:
            exact = ("refused", str(e))
        if ext.valued is None:                      # text between tags (an indented sheet): cannot tell
            assert any(k in (8, 9) for cells in rows.values() for _, k in cells)
            return
        try:
            told = I._judged_by_counts(pkg, by_counts, ext.valued)
        except I.ReadError as e:
            assert exact == ("refused", str(e))
            return
    if told:
        assert exact == ({}, 0, [], by_counts.narrow)
    else:
        assert exact[0] == "refused" or exact[1] > 0


def test_a_styled_empty_cell_at_the_end_of_the_grid_costs_no_second_pass(tmp_path, monkeypatch):
    """Excel's used range after a far cell was cleared: a styled empty cell at XFD1048576 under a
    dimension spanning the grid. The sweep's counts tell it has no value: no second pass."""
    rows = {r: [(c, 0) for c in range(6)] for r in range(1, 40)}
    rows[1048576] = [(16383, 1)]
    assert swept(tmp_path, rows, monkeypatch) == (({}, 0, []), False, True)
    rows[1048576] = [(16383, 2)]                # a note there: looked at again, and named
    got, again, _ = swept(tmp_path, rows, monkeypatch)
    assert again and got[0] == {"XFD1048576": "备注"}


@pytest.mark.parametrize("stretch", [
    b'<row r="100"><c r="XFC100" s="1"/><c> r="A100"><v>1</v></c></row>',       # text that looks like a reference
    b'<?xml version="1.0"?><worksheet><sheetData><?xml-note <c r="GR1"><v>1</v></c>?>'
    b'<row r="1"><c r="A1"><v>1</v></c></row>',                                    # an instruction
], ids=["text", "instruction"])
def test_a_stretch_the_tags_cannot_vouch_for_is_looked_at_again(stretch):
    """Review 33: what only looks like a cell's reference or cells leaves the counts to _far_cells."""
    I._numpy()
    assert I._stretch(b"", stretch, len(stretch), False, b"").valued is None


def test_a_sheet_with_its_true_dimension_is_not_counted_and_a_cell_beyond_it_still_found(tmp_path, monkeypatch):
    """Excel, WPS, LibreOffice and xlsxwriter write the sheet's true <dimension>: the sweep does not
    count cells with a value there (it would cost every such sheet); a note beyond the dimension is
    found all the same, by looking again."""
    rows = {r: [(c, 0) for c in range(6)] for r in range(1, 40)}
    counted = []
    real = I._valued
    monkeypatch.setattr(I, "_valued", lambda *a: counted.append(1) or real(*a))
    monkeypatch.setattr(sys.modules[__name__], "HEAD", HEAD.replace(b'<dimension ref="A1"/>',
                                                                     b'<dimension ref="A1:F39"/>'))
    assert swept(tmp_path, rows, monkeypatch) == (({}, 0, []), False, False) and not counted
    rows[1048576] = [(16383, 2)]                # a note far beyond the dimension
    got, again, _ = swept(tmp_path, rows, monkeypatch)
    assert again and got[0] == {"XFD1048576": "备注"} and not counted
