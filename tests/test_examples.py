"""The example workbooks report exactly the deliberate breaches of workbooks/README.md."""
import re
from datetime import date
from pathlib import Path

import synth
from generator.config import load_config
from generator.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]


def test_examples_are_what_the_script_writes(tmp_path):
    synth.write_examples(tmp_path)
    readme = (ROOT / "workbooks/README.md").read_text(encoding="utf-8")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme
    from generator.workbook.reader import read_workbook
    for name in ("示例营业部.xlsx", "示例二营业部.xlsx"):
        a, b = read_workbook(tmp_path / name), read_workbook(ROOT / "workbooks" / name)
        for sheet in a.tables:
            assert a[sheet].cols == b[sheet].cols, (name, sheet)


def test_examples_report_exactly_the_listed_breaches():
    report = validate_paths([ROOT / "workbooks"], load_config(None), date(2025, 12, 31))
    got = sorted((b.unit, f.rule, f.sheet, f.customer) for b in report.books for f in b.findings)
    listed = []
    for line in (ROOT / "workbooks/README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| ([A-Z]+\d{3}) .*? \| (\S+) \| (\S*) \|", line)
        if m:
            listed.append(("示例营业部", m[1], m[2], m[3] or None))
    assert got == sorted(listed)
    assert len(listed) >= 25
    assert [(p.rule, p.due) for p in report.pending] == [("NEW001", date(2026, 1, 22))]
