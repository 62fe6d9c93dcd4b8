"""A large sheet parsed in parts two at a time (workbook/parts.py) reads exactly as when it
is parsed whole: the same values at the same rows, the same findings, the same read path; and
nothing is left in the temporary folder. The parts are forced on small workbooks with
HUIFANG_SPLIT_BYTES=1 (every sheet split at its middle row), and into more parts with a
smaller part size."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

import corpus
import synth
from generator.workbook import columnar
from generator.workbook import parts as parts_mod
from generator.workbook.reader import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "workbooks").glob("*.xlsx"))


def snapshot(path: Path) -> dict:
    book = read_workbook(path)
    return {
        "tables": {name: (t.header_row, t.rows, t.cols, t.letters, t.extra, t.extra_letters)
                   for name, t in book.tables.items()},
        "problems": [(p.rule, p.sheet, p.row, p.column, p.message, p.cell) for p in book.problems],
        "paths": book.read_paths,
    }


def both(path: Path, monkeypatch, part_bytes: int | None = None) -> tuple[dict, dict, int]:
    """The workbook read whole and in parts, and how many sheets the parts served."""
    monkeypatch.setenv(parts_mod.SPLIT_ENV, "0")
    whole = snapshot(path)
    used = []
    real = columnar._load_parts

    def spy(*a, **k):
        got = real(*a, **k)
        used.append(len(a[0].books))
        return got
    monkeypatch.setattr(columnar, "_load_parts", spy)
    monkeypatch.setenv(parts_mod.SPLIT_ENV, "1")
    if part_bytes:
        monkeypatch.setattr(parts_mod, "PART_BYTES", part_bytes)
    split = snapshot(path)
    both.parts = used
    return whole, split, len(used)


def leftovers() -> list[str]:
    """The parts folders this test process left (other processes may be reading beside it)."""
    return [p.name for p in Path(tempfile.gettempdir()).glob(f"huifang-parts-{os.getpid()}.*")]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_examples_read_the_same_in_parts(path, monkeypatch):
    before = leftovers()
    whole, split, used = both(path, monkeypatch)
    assert split == whole
    assert used >= 1                # the records sheet at least went through the parts
    assert leftovers() == before


def large(tmp: Path, n: int, **kw) -> Path:
    path = tmp / f"大型-{n}.xlsx"
    synth.write_workbook(path, synth.large_sheets(n, max(1, n // 5)), **kw)
    return path


@pytest.mark.parametrize("part_bytes", [None, 60_000], ids=["两段", "八段"])
def test_a_generated_unit_reads_the_same_in_parts(tmp_path, monkeypatch, part_bytes):
    path = large(tmp_path, 3000)
    whole, split, used = both(path, monkeypatch, part_bytes)
    assert used == 3 and split == whole
    assert max(both.parts) == (8 if part_bytes else 2)
    assert split["tables"]["回访记录"][1] == list(range(2, 3002))


def test_title_rows_above_the_header(tmp_path, monkeypatch):
    path = large(tmp_path, 1000, title="大型营业部回访台账", title_rows=2)
    whole, split, used = both(path, monkeypatch)
    assert used and split == whole


def _records_changed(src: Path, dst: Path, fn) -> Path:
    part = corpus.sheet_parts(src)["回访记录"]
    return corpus.rewrite(src, dst, lambda n, d: fn(d) if n == part else d)


@pytest.mark.parametrize("part_bytes", [None, 40_000], ids=["两段", "多段"])
def test_blank_rows_and_an_empty_column_at_the_cut(tmp_path, monkeypatch, part_bytes):
    """Rows 400-700 blank (the first half ends in blank rows the parser leaves out) and one
    column written only in the second half."""
    src = large(tmp_path, 1000)

    def change(d: bytes) -> bytes:
        d = re.sub(rb'<row r="(\d+)"[^>]*>.*?</row>',
                   lambda m: b"" if 400 <= int(m.group(1)) <= 700 else m.group(0), d, flags=re.S)
        return re.sub(rb'<c r="C(\d+)"[^>]*?(?:/>|>.*?</c>)',
                      lambda m: b"" if int(m.group(1)) < 500 and int(m.group(1)) > 1 else m.group(0), d, flags=re.S)
    path = _records_changed(src, tmp_path / "空行.xlsx", change)
    whole, split, used = both(path, monkeypatch, part_bytes)
    assert used and split == whole


def test_rows_without_numbers_are_read_whole(tmp_path, monkeypatch):
    src = large(tmp_path, 600)
    path = _records_changed(src, tmp_path / "无行号.xlsx", lambda d: re.sub(rb'<row r="\d+"', b"<row", d))
    whole, split, used = both(path, monkeypatch)
    assert used == 2 and split == whole         # 客户 and 人员 in parts; 回访记录 whole
    assert leftovers() == []


def test_a_column_of_dates_in_one_half_and_text_in_the_other_reads_as_whole(tmp_path, monkeypatch):
    # the second half's 回访时间 written as text
    path = _times_as_text(large(tmp_path, 600), tmp_path / "混合.xlsx", lambda row: row >= 400, b"2025-03-01 10:00")
    whole, split, _ = both(path, monkeypatch)
    assert split == whole


def _times_as_text(src: Path, dst: Path, which, text: bytes) -> Path:
    """The workbook with the 回访时间 of the records whose rows `which` accepts written as `text`."""
    def change(d: bytes) -> bytes:
        def cell(m):
            if not which(int(m.group(2))):
                return m.group(0)
            return b'<c r="' + m.group(1) + m.group(2) + b'" t="inlineStr"><is><t>' + text + b"</t></is></c>"
        col = _letter_of(d, "回访时间".encode())
        return re.sub(rb'<c r="(' + col + rb')(\d+)"[^>]*?(?:/>|>.*?</c>)', cell, d, flags=re.S)
    return _records_changed(src, dst, change)


@pytest.mark.parametrize("where", ["one part", "both halves"])
def test_a_text_among_dates_goes_to_the_row_reader_without_a_whole_parse_first(tmp_path, monkeypatch, where):
    """One 回访时间 typed as text (a part's column mixes two kinds) or the halves of a column of two
    kinds: the whole sheet would mix them too, so the row reader reads it at once, as it reads the
    sheet unsplit, rather than after a parse of the whole sheet that fails the same way."""
    which = (lambda row: row == 500) if where == "one part" else (lambda row: row >= 400)
    path = _times_as_text(large(tmp_path, 600), tmp_path / "混合.xlsx", which, b"2025/3/1")
    whole, split, used = both(path, monkeypatch)
    assert split == whole and used
    assert split["paths"]["回访记录"][0] == "rows"
    parsed = []
    real = columnar.fastexcel.read_excel

    class Spy:          # the workbook itself may be opened (it lists the sheets), its sheet not parsed
        def __init__(self, p, *a, **k):
            self.path, self.reader = Path(p), real(p, *a, **k)
            self.sheet_names = self.reader.sheet_names

        def load_sheet(self, name, **kw):
            parsed.append((self.path, name))
            return self.reader.load_sheet(name, **kw)
    monkeypatch.setattr(columnar.fastexcel, "read_excel", Spy)
    snapshot(path)
    assert (path, "回访记录") not in parsed          # only the parts were given to the columnar parser
    assert parsed


def _letter_of(d: bytes, header: bytes) -> bytes:
    m = re.search(rb'<c r="([A-Z]+)1"[^>]*><is><t>' + re.escape(header) + rb"</t>", d)
    assert m, "header not found"
    return m.group(1)


def test_the_parts_are_only_for_sheets_past_the_threshold(tmp_path, monkeypatch):
    monkeypatch.delenv(parts_mod.SPLIT_ENV, raising=False)
    assert parts_mod.split_at() in (parts_mod.SPLIT_MIN, None)
    monkeypatch.setenv(parts_mod.SPLIT_ENV, "0")
    assert parts_mod.split_at() is None


def test_no_parts_where_the_temporary_folder_is_memory_or_full(tmp_path, monkeypatch):
    """Parts in a tmpfs /tmp would sit in the memory they are meant to spare; nor are they
    written where the disk has no room: the sheet is parsed whole (unless asked for by name)."""
    monkeypatch.delenv(parts_mod.SPLIT_ENV, raising=False)
    monkeypatch.setattr(parts_mod, "_mount_type", lambda folder: "tmpfs")
    assert not parts_mod.room_for(1000)
    monkeypatch.setattr(parts_mod, "_mount_type", lambda folder: "ext4")
    assert parts_mod.room_for(1000)
    assert not parts_mod.room_for(10**15)
    monkeypatch.setattr(parts_mod, "_mount_type", lambda folder: "tmpfs")
    monkeypatch.setenv(parts_mod.SPLIT_ENV, "1")
    assert parts_mod.room_for(1000)
    monkeypatch.setattr(parts_mod, "room_for", lambda size: False)
    path = large(tmp_path, 600)
    whole, split, used = both(path, monkeypatch)
    assert used == 0 and split == whole


def test_parts_are_parsed_while_the_sweep_goes_on_and_read_the_same(tmp_path, monkeypatch):
    """Each part written whole and measured safe is parsed at once (reader.Early), while the sweep
    of the rest goes on; the book is the same as when the sheet is parsed whole."""
    from generator.workbook import reader
    path = large(tmp_path, 3000)
    ready = []
    real = reader.Early.part_ready

    def spy(self, sh, k, book, marker):
        ready.append((sh.name, k))
        return real(self, sh, k, book, marker)
    monkeypatch.setattr(reader.Early, "part_ready", spy)
    whole, split, used = both(path, monkeypatch, 60_000)
    assert split == whole
    assert ("回访记录", 0) in ready and len([r for r in ready if r[0] == "回访记录"]) >= 5


def test_a_part_with_a_reference_outside_its_rows_waits_for_the_whole_sheet(tmp_path, monkeypatch):
    """A cell of an early row written with a reference far below, or far right: its part is not
    parsed before the sheet is judged (the far cell is then left out, DATA009, as without parts)."""
    from generator.workbook import reader
    src = large(tmp_path, 3000)

    def change(d: bytes) -> bytes:
        return d.replace(b'<row r="50">', b'<row r="50"><c r="XFD50" t="inlineStr"><is><t>x</t></is></c>', 1)
    path = _records_changed(src, tmp_path / "远.xlsx", change)
    ready = []
    real = reader.Early.part_ready
    monkeypatch.setattr(reader.Early, "part_ready", lambda self, sh, k, book, marker: (
        ready.append((sh.name, k)), real(self, sh, k, book, marker))[1])
    whole, split, used = both(path, monkeypatch, 60_000)
    assert split == whole
    assert ("回访记录", 0) not in ready
    assert any(p[0] == "DATA009" and p[5] == "XFD50" for p in split["problems"])


def test_a_row_moved_into_another_part_reads_as_whole(tmp_path, monkeypatch):
    """Row 60 moved after row 100 (its first cell written as the marker of old): the part holding
    it would start above its own first row; the sheet is parsed whole, every row in its place."""
    src = large(tmp_path, 600)

    def change(d: bytes) -> bytes:
        m = re.search(rb'<row r="60"[^>]*>.*?</row>', d, re.S)
        row = re.sub(rb'(<c r="A60"[^>]*><is><t>)[^<]*', rb"\1huifang", m.group(0))
        d = d.replace(m.group(0), b"")
        return re.sub(rb'(<row r="100"[^>]*>.*?</row>)', lambda k: k.group(1) + row, d, count=1, flags=re.S)
    path = _records_changed(src, tmp_path / "移行.xlsx", change)
    for part_bytes in (None, 20_000):
        whole, split, _ = both(path, monkeypatch, part_bytes)
        assert split == whole


@pytest.mark.parametrize("far", [b'<c r="XFD1048576" s="1"/>', b'<c r="EZ3000" s="1"/>'], ids=["网格末端", "远列"])
def test_an_empty_formatted_cell_far_away_keeps_the_sheet_in_parts(tmp_path, monkeypatch, far):
    """Excel's used range after a far cell was cleared: an empty formatted cell at XFD1048576 (or
    far to the right). The cells with values all lie within the data, so the parts are still
    parsed, and the sheet reads as it reads whole."""
    src = large(tmp_path, 3000)
    row = int(re.search(rb"\d+", far).group(0))
    path = _records_changed(src, tmp_path / "远处空格.xlsx", lambda d: re.sub(
        rb"</sheetData>", b'<row r="%d">' % row + far + b"</row></sheetData>", d) if row > 3001 else re.sub(
        rb'(<row r="3000"[^>]*>.*?)</row>', lambda m: m.group(1) + far + b"</row>", d, flags=re.S))
    whole, split, used = both(path, monkeypatch)
    assert split == whole and "回访记录" in whole["tables"]
    assert used == 3 and whole["paths"]["回访记录"][0] == "columns"


def test_the_records_are_filled_in_while_their_last_part_is_still_parsed(tmp_path, monkeypatch):
    """The largest sheet is filled a part at a time (reader._fill_parted): the last part's parse
    waits here until the first part's rows are in the table, which can only happen if the fill
    does not wait for every part; the book is still the one read whole."""
    import threading
    from generator.workbook import reader
    path = large(tmp_path, 3000)
    first_filled = threading.Event()
    real_parse, real_convert = columnar.parse_part, reader._convert
    waited = []

    def parse_part(book, sheet, k, header_row, marker=parts_mod.MARKER):
        if sheet == "回访记录" and k == 7:
            waited.append(first_filled.wait(20))
        return real_parse(book, sheet, k, header_row, marker)

    def convert(table, *a, **kw):
        real_convert(table, *a, **kw)
        if table.name == "回访记录":
            first_filled.set()
    monkeypatch.setattr(columnar, "parse_part", parse_part)
    monkeypatch.setattr(reader, "_convert", convert)
    whole, split, used = both(path, monkeypatch, 60_000)
    assert split == whole and max(both.parts) == 8
    assert waited == [True]


@pytest.mark.parametrize("k", [0, 5], ids=["第一段", "第六段"])
def test_a_part_that_fails_to_parse_has_the_sheet_parsed_whole(tmp_path, monkeypatch, k):
    """A part's parse fails (here: made to), after the parts before it were filled in: they are
    let go, the sheet is parsed whole by the columnar reader and reads as it reads whole; no
    part's file is left behind."""
    path = large(tmp_path, 3000)
    real_parse = columnar.parse_part

    def parse_part(book, sheet, j, header_row, marker=parts_mod.MARKER):
        if sheet == "回访记录" and j == k:
            raise RuntimeError("该段解析失败")
        return real_parse(book, sheet, j, header_row, marker)
    before = leftovers()
    monkeypatch.setattr(columnar, "parse_part", parse_part)
    whole, split, used = both(path, monkeypatch, 60_000)
    assert split == whole and split["paths"]["回访记录"] == ("columns", "")
    assert leftovers() == before


def test_a_header_the_parser_renames_is_said_alike_in_parts(tmp_path, monkeypatch):
    """Two header cells with the same long text (the parser names the second "…_1"): the sheet
    goes to the row reader with the same, whole reason whether it was parsed in parts or whole."""
    src = large(tmp_path, 600)
    part = corpus.sheet_parts(src)["客户"]
    long = ("备注" * 70).encode()
    extra = b"".join(b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (ref, long) for ref in (b"AY", b"AZ"))
    path = corpus.rewrite(src, tmp_path / "重名表头.xlsx",
                          lambda n, d: d.replace(b"</row>", extra + b"</row>", 1) if n == part else d)
    whole, split, used = both(path, monkeypatch)
    assert split == whole and used
    assert whole["paths"]["客户"][0] == "rows" and len(whole["paths"]["客户"][1]) > 140     # not cut at 120


def test_a_large_sheet_written_with_a_prefix_is_read_whole_not_refused(tmp_path, monkeypatch):
    """A worksheet written <x:worksheet>… (some generators) is not written in parts: it is read
    whole, as it was before parts, rather than failing as an internal error (review 31)."""
    import corpus
    path = corpus.prefixed(large(tmp_path, 600), tmp_path / "前缀.xlsx")
    whole, split, used = both(path, monkeypatch)
    assert split == whole and not used
