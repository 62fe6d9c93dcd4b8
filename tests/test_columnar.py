"""The columnar read path (fastexcel / Arrow) reads exactly what the row reader reads: the same
typed values of the same types, the same rows, the same findings at the same cells. Where it
cannot vouch for that (a column holding several kinds of value, merged cells in the data), the
sheet goes to the row reader, so the answer is still the same."""
from __future__ import annotations

from datetime import date, datetime, time

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.workbook import columnar, reader
from generator.workbook.reader import read_workbook

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def snapshot(path, monkeypatch, mode: str):
    monkeypatch.setenv(reader.COLUMNAR_ENV, mode)
    wb = read_workbook(path)
    tables = {}
    for name, t in wb.tables.items():
        cols = {c: [(type(v).__name__, v) for v in vals] for c, vals in t.cols.items()}
        extra = {c: [(type(v).__name__, v) for v in vals] for c, vals in t.extra.items()}
        tables[name] = (t.present, t.header_row, t.rows, cols, t.letters, extra, t.extra_letters)
    problems = sorted((p.rule, p.sheet, p.row or 0, p.column or "", p.message, p.customer or "", p.cell or "")
                      for p in wb.problems)
    return tables, problems, wb.notes


class Used:
    """Counts the sheets the columnar path filled (at once or a part at a time)."""

    def __init__(self, monkeypatch):
        self.sheets: list[str] = []
        for name in ("_fill_fast", "_fill_parted"):         # a sheet filled at once, or a part at a time
            monkeypatch.setattr(reader, name, self.counted(getattr(reader, name)))

    def counted(self, real):
        def fill(table, *a, **kw):
            real(table, *a, **kw)
            self.sheets.append(table.name)
        return fill


def same_both_ways(path, monkeypatch) -> list[str]:
    """Both paths read the same; the book says which path read each sheet, and a sheet the
    columnar path did not read was declined by design (a Fallback), never by a defect."""
    from generator.workbook.reader import COLUMNS, FALLBACK
    rows = snapshot(path, monkeypatch, "rows")
    used = Used(monkeypatch)
    fast = snapshot(path, monkeypatch, "")
    assert fast == rows
    monkeypatch.setenv("HUIFANG_READER", "")
    paths = read_workbook(path).read_paths
    assert sorted(s for s, (how, _) in paths.items() if how == COLUMNS) == sorted(set(used.sheets))
    assert all(why.startswith(FALLBACK) for how, why in paths.values() if how != COLUMNS), paths
    return used.sheets


@pytest.mark.parametrize("name", ["示例营业部.xlsx", "示例二营业部.xlsx"])
def test_examples_read_the_same_both_ways(name, monkeypatch):
    used = same_both_ways(ROOT / "workbooks" / name, monkeypatch)
    assert "回访记录" in used
    if name == "示例营业部.xlsx":      # its 客户 sheet has 最后交易日期 typed as text "2025/02/30" beside dates
        assert "客户" not in used


HEADERS = ["记录编号", "客户编号", "回访类型", "回访方式", "回访时间", "拨打次数", "客户签字", "报告日期", "回访人员",
           "录音编号", "本人购买", "客户意见"]
TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)   # what a cell can hold
ANY = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(["", " ", "\u3000", "2025/3/5", "２０２５年３月５日", "45000", "√", "是", "否", "N", "1,000",
                     "#N/A", "电话 ", "C0001", "110101199001011234"]),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18),
    st.sampled_from([1.2345678901234567e15, 110101199001011234, 13800000001, 45000.5, 0.0, -0.0, 1 / 3]),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2199, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(2199, 12, 31)),
    st.times(),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


def write(path, grid, titles=0, col0=0, blank_rows=(), merge=None, shared=True):
    """The 回访记录 sheet (and an empty 客户/人员, which the contract requires) written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "回访记录"
    for k in range(titles):
        ws.cell(1 + k, 1 + col0, f"标题 {k + 1}")
    r = titles + 1
    for row in grid:
        while r in blank_rows:
            r += 1
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(r, 1 + col0 + j, v)
        r += 1
    if merge:
        ws.merge_cells(merge)
    wb.create_sheet("客户").append(["客户编号", "客户名称"])
    wb.create_sheet("人员").append(["工号", "姓名"])
    wb.save(path)
    return path


@SETTINGS
@given(st.lists(st.sampled_from(HEADERS + ["备注", None]), min_size=1, max_size=8, unique=True),
       st.data(), st.integers(0, 3), st.integers(0, 2), st.sets(st.integers(1, 12), max_size=3))
def test_any_cells_read_the_same_both_ways(tmp_path_factory, monkeypatch, header, data, titles, col0, blanks):
    n = data.draw(st.integers(0, 6))
    grid = [header] + [[data.draw(ANY) for _ in header] for _ in range(n)]
    path = write(tmp_path_factory.mktemp("c") / "mixed.xlsx", grid, titles, col0, blanks)
    same_both_ways(path, monkeypatch)


KINDS = {
    "回访时间": st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
    "报告日期": st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    "拨打次数": st.integers(0, 9),
    "客户编号": st.from_regex(r"C\d{4}", fullmatch=True),
    "回访类型": st.sampled_from(["新开户回访", "存量回访", "不存在的类型"]),
    "客户意见": TEXT,
    "客户签字": st.booleans(),
}


@SETTINGS
@given(st.data(), st.integers(1, 30), st.integers(0, 2), st.sets(st.integers(2, 20), max_size=4))
def test_uniform_columns_take_the_columnar_path_and_read_the_same(tmp_path_factory, monkeypatch, data, n, titles,
                                                                   blanks):
    names = list(KINDS)
    grid = [names] + [[data.draw(st.one_of(st.none(), KINDS[c])) for c in names] for _ in range(n)]
    path = write(tmp_path_factory.mktemp("u") / "uniform.xlsx", grid, titles, 0, blanks)
    assert "回访记录" in same_both_ways(path, monkeypatch)


def test_a_column_of_numbers_and_text_goes_to_the_row_reader_and_keeps_its_warning(tmp_path, monkeypatch):
    """An ID typed as a number beside IDs typed as text: the 15-digit warning must survive."""
    grid = [["记录编号", "客户编号", "回访时间"], ["R1", "C0001", datetime(2025, 3, 5, 10)],
            ["R2", 1.2345678901234567e17, datetime(2025, 3, 6, 10)]]
    path = write(tmp_path / "ids.xlsx", grid)
    used = same_both_ways(path, monkeypatch)
    assert "回访记录" not in used
    book = read_workbook(path)
    assert any(p.row == 3 and p.column == "客户编号" and "15 位有效数字" in p.message for p in book.problems)


def test_merged_cells_in_the_data_go_to_the_row_reader(tmp_path, monkeypatch):
    grid = [["记录编号", "客户编号"], ["R1", "C0001"], ["R2", None], ["R3", "C0003"]]
    path = write(tmp_path / "merged.xlsx", grid, merge="B2:B3")
    assert "回访记录" not in same_both_ways(path, monkeypatch)
    assert read_workbook(path)["回访记录"].col("客户编号") == ["C0001", "C0001", "C0003"]


def test_a_merged_title_above_the_header_stays_columnar(tmp_path, monkeypatch):
    grid = [["记录编号", "客户编号"], ["R1", "C0001"]]
    path = write(tmp_path / "title.xlsx", grid, titles=1, merge="A1:B1")
    assert "回访记录" in same_both_ways(path, monkeypatch)


def test_head_rows_read_shared_inline_and_formula_strings(tmp_path):
    grid = [["记录编号", "客户编号"], ["R1", "C0001"]]
    path = write(tmp_path / "s.xlsx", grid, titles=2, col0=2)
    rows, first = columnar.head_rows(path, "xl/worksheets/sheet1.xml", "xl/workbook.xml", 30)
    assert first == 0
    assert rows[2][2:4] == ["记录编号", "客户编号"] and rows[3][2:4] == ["R1", "C0001"]
    assert rows[0][2] == "标题 1" and all(v == "" for v in rows[10])


def test_time_of_day_cells_read_as_times(tmp_path, monkeypatch):
    grid = [["记录编号", "回访时间"], ["R1", time(10, 30)], ["R2", time(11, 0)]]
    path = write(tmp_path / "t.xlsx", grid)
    same_both_ways(path, monkeypatch)
    assert any("只有时间" in p.message for p in read_workbook(path).problems)


@pytest.mark.parametrize("split", ["0", "1"], ids=["整表", "分段"])
def test_the_largest_sheet_is_filled_first_yet_problems_come_in_sheet_order(tmp_path, monkeypatch, split):
    """Memory peaks while the largest sheet is parsed, so the others are parsed after it and it is
    filled first; in parts (parts.py) it holds two parts at a time, so the others are parsed beside
    it and it is filled last. Either way the problems are given sheet by sheet, in the contract's order."""
    monkeypatch.setenv("HUIFANG_SPLIT_BYTES", split)
    grid = [["记录编号", "客户编号", "回访时间"]] + [[f"R{k}", f"C{k:04d}",
                                                      datetime(2025, 3, 5, 10)] for k in range(1, 200)]
    grid[50][1] = None                                          # 回访记录 row 51: 客户编号 empty
    path = write(tmp_path / "order.xlsx", grid)
    wb = openpyxl.load_workbook(path)
    wb["客户"].append([None, "张三"])                            # 客户 row 2: 客户编号 empty
    wb.save(path)
    used = Used(monkeypatch)
    book = read_workbook(path)
    assert (used.sheets[-1] if split == "1" else used.sheets[0]) == "回访记录"
    where = [(p.sheet, p.row, p.column) for p in book.problems if p.rule == "DATA001"]
    assert ("客户", 2, "客户编号") in where and ("回访记录", 51, "客户编号") in where
    sheets = [p.sheet for p in book.problems]
    assert sheets.index("回访记录") > max(i for i, s in enumerate(sheets) if s == "客户")


def test_when_the_largest_sheet_cannot_go_columnar_the_others_do_not_wait_forever(tmp_path, monkeypatch):
    import threading

    grid = [["记录编号", "客户编号"]] + [[f"R{k}", f"C{k:04d}"] for k in range(1, 50)]
    path = write(tmp_path / "fails.xlsx", grid)
    expected = snapshot(path, monkeypatch, "rows")

    def broken(*a, **kw):
        raise RuntimeError("fastexcel failed")
    monkeypatch.setattr(columnar.fastexcel, "read_excel", broken)
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("book", snapshot(path, monkeypatch, "")), daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the reader waited forever for the largest sheet"
    assert got["book"] == expected


def test_repeated_dates_are_read_once_each_and_the_same_both_ways(tmp_path, monkeypatch):
    """A date column whose days repeat is handed over by distinct day (one object per day, shared by
    its cells): the values, the midnight rule of a date-and-time column and the time-only finding
    stay the row reader's."""
    days = [date(2025, 3, 5), date(2025, 3, 6), None, date(2025, 3, 5)]
    times = [datetime(2025, 3, 5), datetime(2025, 3, 5, 10, 30), time(9, 0), None]
    grid = [["记录编号", "回访时间", "报告日期"]] + [[f"R{k}", times[k % 4], days[k % 4]] for k in range(40)]
    path = write(tmp_path / "days.xlsx", grid)
    assert "回访记录" in same_both_ways(path, monkeypatch)
    t = read_workbook(path)["回访记录"]
    reported = t.col("报告日期")
    assert reported[:4] == [date(2025, 3, 5), date(2025, 3, 6), None, date(2025, 3, 5)]
    assert reported[0] is reported[3] is reported[4]                   # one object per distinct day
    assert t.col("回访时间")[:2] == [datetime(2025, 3, 5), datetime(2025, 3, 5, 10, 30)]


def test_the_sheets_parsed_whole_share_the_workbooks_shared_strings(monkeypatch):
    """Opening the workbook parses its shared strings (Excel, WPS and LibreOffice keep every text
    there): the sheets share one open workbook per thread rather than each opening it again, and
    read the same as the row reader reads them."""
    from generator.workbook.reader import COLUMNS
    path = ROOT / "workbooks" / "示例营业部.xlsx"
    opened = []
    real = columnar.fastexcel.read_excel

    def counting(source, *a, **kw):
        opened.append(source)
        return real(source, *a, **kw)
    monkeypatch.setattr(columnar.fastexcel, "read_excel", counting)
    book = read_workbook(path)
    columnar_sheets = [s for s, (how, _) in book.read_paths.items() if how == COLUMNS]
    assert len(columnar_sheets) >= 5
    assert 1 <= len(opened) <= 2                # one per thread of the pool
    monkeypatch.setattr(columnar.fastexcel, "read_excel", real)
    assert snapshot(path, monkeypatch, "") == snapshot(path, monkeypatch, "rows")


def test_no_reader_is_kept_after_the_last_sheet_even_when_two_were_loading(monkeypatch):
    """Two sheets loading at once open two readers; once the last sheet is loaded neither is
    kept (each holds the workbook's shared strings) - review 32."""
    import threading
    both = threading.Barrier(2, timeout=10)

    class Reader:
        sheet_names = ["甲", "乙", "丙"]

        def load_sheet(self, name, **kw):
            if name != "丙":
                both.wait()             # the first two loads overlap: two readers
            return name
    monkeypatch.setattr(columnar.fastexcel, "read_excel", lambda source: Reader())
    readers = columnar.Readers(ROOT / "workbooks" / "示例营业部.xlsx")
    readers.left = 3
    threads = [threading.Thread(target=readers.load_sheet, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(readers.idle) == 2
    readers.load_sheet("丙")            # the last: neither reader is kept
    assert readers.left == 0 and readers.idle == []
