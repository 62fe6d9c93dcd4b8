"""The reader: what staff really type, header detection, column order, init round trip."""
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.workbook import contract as K
from generator.workbook.blank import init_workbook
from generator.workbook.reader import read_workbook
from generator.workbook.values import convert_column

DATE_COL = K.CONTRACT["回访记录"].column("报告日期")
DT_COL = K.CONTRACT["回访记录"].column("回访时间")


@given(st.dates(date(1950, 1, 1), date(2100, 12, 31)),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}{m:02d}{d:02d}",
                        "{y}-{m}-{d}", " {y} 年 {m} 月 {d} 日 "]),
       st.booleans())
def test_every_date_form_reads_back(d, form, wide):
    text = form.format(y=d.year, m=d.month, d=d.day)
    if wide:  # full-width digits typed with a Chinese input method
        text = text.translate(str.maketrans("0123456789-/.", "０１２３４５６７８９－／．"))
    vals, bad = convert_column(DATE_COL, [text])
    assert bad == [] and vals == [d]


@given(st.datetimes(datetime(1950, 1, 1), datetime(2100, 12, 31)).map(lambda t: t.replace(second=0, microsecond=0)),
       st.sampled_from(["{t:%Y-%m-%d %H:%M}", "{t:%Y/%m/%d %H:%M}", "{t.year}年{t.month}月{t.day}日 {t.hour}:{t:%M}",
                        "{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分", "{t:%Y-%m-%dT%H:%M:%S}"]))
def test_every_datetime_form_reads_back(t, form):
    vals, bad = convert_column(DT_COL, [form.format(t=t)])
    assert bad == [] and vals == [t]


@given(st.text(max_size=30))
@settings(max_examples=300)
def test_any_text_in_a_date_cell_is_a_value_or_a_reason(text):
    vals, bad = convert_column(DATE_COL, [text])
    assert (vals[0] is None and len(bad) == 1 and bad[0][1]) or isinstance(vals[0], date) or not text.strip()


@pytest.mark.parametrize("text", ["2025-02-30", "2025-13-01", "三月五日", "2025/3", "25-3-5"])
def test_impossible_dates_are_reasons(text):
    vals, bad = convert_column(DATE_COL, [text])
    assert vals == [None] and "不是有效的日期" in bad[0][1] or "无法识别" in bad[0][1]


def test_numbers_codes_and_yes_no_as_typed():
    num = K.CONTRACT["客户"].column("总资产")
    assert convert_column(num, ["1,000,000", "１２３４.５", " 500 元", 3.0])[0] == [1e6, 1234.5, 500.0, 3.0]
    code = K.CONTRACT["客户"].column("客户编号")
    assert convert_column(code, ["Ｃ０００１", " C0002 ", 1234.0])[0] == ["C0001", "C0002", "1234"]
    yn = K.CONTRACT["回访记录"].column("客户签字")
    assert convert_column(yn, ["√", "Y", "n", "是", "否", "×", True])[0] == ["是", "是", "否", "是", "否", "否", "是"]


def _sheet(path, rows_by_sheet):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in rows_by_sheet.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


BASE = {
    "人员": [["工号", "姓名", "岗位"], ["H001", "周敏", "回访专员"]],
    "回访记录": [["记录编号", "客户编号", "回访类型", "回访方式", "回访时间", "回访人员", "回访结果"]],
}


def test_header_under_title_rows_and_merged_title(tmp_path):
    p = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws["A1"] = "示例营业部客户档案（2025 年）"
    ws.merge_cells("A1:F1")
    ws["A2"] = "制表：周敏"
    ws.append([])
    ws.append(["备注列", "营业部", "客户名称", "客户编号", "客户类别", "开户日期"])   # reordered, extra column
    ws.append(["老客户", "示例营业部", "张三", "C0001", "个人", "2025年3月5日"])
    for name, rows in BASE.items():
        s = wb.create_sheet(name)
        for r in rows:
            s.append(r)
    wb.save(p)
    book = read_workbook(p)
    t = book["客户"]
    assert t.header_row == 4 and t.rows == [5]
    assert t.col("客户编号") == ["C0001"] and t.col("开户日期") == [date(2025, 3, 5)]
    assert t.letter("客户编号") == "D"
    assert t.extra["备注列"] == ["老客户"]
    assert book.problems == []


def test_typo_in_header_suggests_the_contract_name(tmp_path):
    rows = dict(BASE)
    rows["客户"] = [["客户编号", "客户名称", "客户类别", "营业部"]]
    rows["回访记录"] = [["记录编号", "客户编号", "回访类型", "回访方式", "回访时刻", "回访人员", "回访结果"]]
    book = read_workbook(_sheet(tmp_path / "t.xlsx", rows))
    [p] = book.problems
    assert p.rule == "DATA001" and p.sheet == "回访记录" and p.column == "回访时间"
    assert "找到表头“回访时刻”，应为“回访时间”" in p.message


def test_missing_sheet_renamed(tmp_path):
    rows = {"客户": [["客户编号", "客户名称", "客户类别", "营业部"]], "人员": BASE["人员"],
            "回访记录表": BASE["回访记录"]}
    book = read_workbook(_sheet(tmp_path / "t.xlsx", rows))
    [p] = book.problems
    assert p.sheet == "回访记录" and "找到工作表“回访记录表”" in p.message


def test_init_round_trip_has_no_findings(tmp_path):
    p = init_workbook(tmp_path / "blank.xlsx")
    book = read_workbook(p)
    assert book.problems == []
    assert set(book.tables) == set(K.CONTRACT)
    assert all(t.present and t.header_row == 1 for t in book.tables.values())
    wb = openpyxl.load_workbook(p)
    assert wb["选项"].sheet_state == "hidden"
    ws = wb["回访记录"]
    assert ws.freeze_panes == "A2"
    assert "类型：下拉选项：电话 / 面谈 / 信函 / 电子邮件 / 电子问卷 / 短信" in ws["E1"].comment.text
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any(f.startswith("选项!") for f in formulas)          # 回访类型: 13 values through the list sheet
    assert '"电话,面谈,信函,电子邮件,电子问卷,短信"' in formulas


def test_init_refuses_to_overwrite(tmp_path):
    from generator.output import OutputError
    p = init_workbook(tmp_path / "blank.xlsx")
    with pytest.raises(OutputError, match="--force"):
        init_workbook(p)
    init_workbook(p, force=True)


@pytest.mark.skipif(not __import__("shutil").which("soffice")
                    and not __import__("os").environ.get("HUIFANG_REQUIRE_SOFFICE"),
                    reason="LibreOffice（soffice）未安装")
def test_init_workbook_opens_in_libreoffice(tmp_path):
    import re
    import subprocess
    import zipfile
    p = init_workbook(tmp_path / "blank.xlsx")
    profile = (tmp_path / "lo-profile").as_uri()
    r = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                        "ods",
                        "--outdir", str(tmp_path), str(p)],
                       capture_output=True, text=True, timeout=180)
    ods = tmp_path / "blank.ods"
    assert ods.exists(), r.stderr
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    names = re.findall(r'<table:table table:name="([^"]+)"', content)
    assert set(K.CONTRACT) <= set(names)
    assert content.count("<table:content-validation ") >= 20        # the dropdowns survived
