"""Every output counts the same findings; a document that shows a subset says so and gives both
numbers; a request that yields no document says why and exits 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"


def huifang(*args):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def test_the_annual_report_gives_the_periods_findings_and_the_validators_count(tmp_path):
    r = huifang("validate", EXAMPLE, "--as-of", "2025-12-31", "--format", "json")
    summary = json.loads(r.stdout)["summary"]
    r = huifang("generate", EXAMPLE, "--out", tmp_path / "docs", "--kind", "report", "--period", "2025")
    assert r.returncode == 0, r.stderr
    doc = docx.Document(next((tmp_path / "docs").rglob("*_回访报告_2025.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert (f"截至检查日的全部发现错误 {summary['errors']} 条，警告 {summary['warnings']} 条"
            "（与 huifang validate --as-of 2025-12-31 --since 2025-01-01 的报告相同）") in text
    assert "本期的发现（截止日或回访记录在本报告期内）错误" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any("行业：证券经纪" in c for c in cells)               # as the workbook's 回访报告 row says


def test_an_unknown_customer_writes_nothing_and_says_so(tmp_path):
    r = huifang("generate", EXAMPLE, "--out", tmp_path / "docs", "--customer", "C9999")
    assert r.returncode == 2
    assert "客户编号 C9999 不在" in r.stderr and "没有写出" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "docs").exists()


def test_a_period_without_a_report_row_writes_nothing_and_lists_the_periods_there_are(tmp_path):
    r = huifang("generate", EXAMPLE, "--out", tmp_path / "docs", "--kind", "report", "--period", "2025-12")
    assert r.returncode == 2
    assert "“回访报告”表中没有报告期在 2025 年 12 月内的行" in r.stderr and "已登记的报告期：2025、" in r.stderr
    assert not (tmp_path / "docs").exists()


def test_text_json_annotated_copy_and_status_page_count_the_same(tmp_path):
    """The same findings, counted the same way, in every output of the same run of the examples."""
    import re

    import openpyxl
    args = ("workbooks", "--as-of", "2025-12-31")
    data = json.loads(huifang("validate", *args, "--format", "json").stdout)
    per_file = {}
    for f in data["findings"]:
        per_file.setdefault(Path(f["file"]).name, [0, 0])[f["severity"] == "warning"] += 1
    text = huifang("validate", *args, "--annotate", tmp_path / "ann").stdout
    for name, (errors, warnings) in per_file.items():
        assert re.search(rf"{re.escape(name)}（[^）]+）：错误 {errors} 条，警告 {warnings} 条",
                         text), (name, text[:800])
        copy = tmp_path / "ann" / name.replace(".xlsx", ".校验.xlsx")
        head = openpyxl.load_workbook(copy, read_only=True)["校验结果"]["A1"].value
        assert head.startswith(f"校验结果：错误 {errors} 条，警告 {warnings} 条"), head
    s = data["summary"]
    assert text.splitlines()[0].startswith(f"共 2 个工作簿：错误 {s['errors']} 条，警告 {s['warnings']} 条")
    assert (s["errors"], s["warnings"]) == tuple(map(sum, zip(*per_file.values())))
    r = huifang("site", *args, "--out", tmp_path / "site")
    assert f"错误 {s['errors']} 条，警告 {s['warnings']} 条" in r.stdout, r.stdout
