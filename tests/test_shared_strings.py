"""The header search reads only the shared strings it needs (issue 27: LibreOffice, WPS and
openpyxl number strings as they first occur, so a sheet's header may be tens of thousands of items
in): counted by their start tags, the wanted ones parsed, the same texts as parsing every item."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings, strategies as st

from generator.workbook import columnar

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
ITEMS = [
    "<si><t>客户编号</t></si>",
    '<si><t xml:space="preserve"> 空格 </t></si>',
    "<si/>",
    "<si ><t>回访&amp;记录</t></si>",
    "<si>\n  <t>换行</t>\n</si>",
    "<si><r><rPr><b/></rPr><t>富</t></r><r><t>文本</t></r></si>",
    '<si><t>ふりがな</t><rPh sb="0" eb="1"><t>フ</t></rPh><phoneticPr fontId="1"/></si>',
    "<si><t>&lt;si&gt; 不是标签</t></si>",
    "<si><t></t></si>",
]


def book(items: list[str], root: str = f'<sst xmlns="{MAIN}" count="9">', end: str = "</sst>") -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   + root + "".join(items) + end)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def every_item(z: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    with z.open("xl/sharedStrings.xml") as fh:
        return columnar._parsed_items(fh, wanted, max(wanted))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(ITEMS) - 1), min_size=1, max_size=40), st.data())
def test_the_wanted_items_read_alike_either_way(kinds, data):
    z = book([ITEMS[k] for k in kinds])
    wanted = data.draw(st.sets(st.integers(0, len(kinds) - 1), min_size=1, max_size=5))
    assert columnar._shared_strings(z, "xl/workbook.xml", wanted) == every_item(z, wanted)


@pytest.mark.parametrize("root, items, end", [
    (f'<x:sst xmlns:x="{MAIN}">', ["<x:si><x:t>前缀</x:t></x:si>", "<x:si><x:t>甲</x:t></x:si>"], "</x:sst>"),
    (f'<sst xmlns="{MAIN}">', ["<si><t>甲</t></si>", "<!-- <si><t>乙</t></si> -->", "<si><t>丙</t></si>"], "</sst>"),
    (f'<sst xmlns="{MAIN}">', ["<si><t><![CDATA[<si>]]></t></si>", "<si><t>丁</t></si>"], "</sst>"),
    (f'<sst xmlns="{MAIN}">', ["<si><t>甲</t></si >", "<si><t>乙</t></si >"], "</sst>"),
    (f'<sst xmlns="{MAIN}" xmlns:x="{MAIN}">', ["<x:si><x:t>甲</x:t></x:si>", "<x:si><x:t>乙</x:t></x:si>"], "</sst>"),
    (f'<sst xmlns="{MAIN}" xmlns:q="urn:q">', ['<si q:a="/>"><t>甲</t></si>', '<si q:a="/>"><t>乙</t></si>'], "</sst>"),
])
def test_a_part_written_otherwise_is_parsed_item_by_item(root, items, end):
    z = book(items, root, end)
    assert columnar._shared_strings(z, "xl/workbook.xml", {1}) == every_item(z, {1})


def test_a_header_far_into_a_large_table_is_found_without_parsing_the_items_before():
    items = [f"<si><t>第{i}项</t></si>" for i in range(200_000)] + ["<si><t>回访日期</t></si>"]
    z = book(items)
    assert columnar._shared_strings(z, "xl/workbook.xml", {3, 200_000}) == {3: "第3项", 200_000: "回访日期"}
    with pytest.raises(columnar.Fallback):
        columnar._shared_strings(z, "xl/workbook.xml", {200_001})


def test_items_cut_by_the_read_chunks_are_all_counted():
    """Items whose start tags straddle a chunk of the read, at every offset."""
    for pad in range(0, 12):
        items = ["<si><t>" + "x" * (pad + k % 7) + f"{k}</t></si>" for k in range(120_000)]
        z = book(items)
        assert columnar._shared_strings(z, "xl/workbook.xml", {100_000, 119_999}) == every_item(z, {100_000, 119_999})
