"""A folder validated by a process pool gives the report one process gives: the same books in the
same order, the same findings, identities, pending items and provenance, text and JSON alike; a
workbook that cannot be read is the same one line and exit 2."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workbooks"


def huifang(*args, **env):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=180, env={**os.environ, **env})


def folder(tmp_path: Path) -> Path:
    top = tmp_path / "台账"
    (top / "二部").mkdir(parents=True)
    for k, src in enumerate(sorted(EXAMPLES.glob("*.xlsx"))):
        shutil.copy(src, top / src.name)
        shutil.copy(src, top / "二部" / f"副本{k}.xlsx")     # the same unit twice: identities told apart alike
    (top / "说明.txt").write_text("x", encoding="utf-8")
    return top


def test_the_pool_gives_the_report_of_one_process(tmp_path):
    top = folder(tmp_path)
    got = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.json"
        r = huifang("validate", top, "--as-of", "2025-12-31", "--format", "json", "--output", out, HUIFANG_JOBS=jobs)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        text = huifang("validate", top, "--as-of", "2025-12-31", "--verbose", HUIFANG_JOBS=jobs)
        got[jobs] = out.read_bytes(), text.stdout, text.returncode
    assert got["1"] == got["2"]
    report = json.loads(got["2"][0])
    assert len({f["id"] for f in report["findings"]}) == len(report["findings"]) > 0
    assert len({f["file"] for f in report["findings"]}) == 2     # the two copies of the unit with findings


def test_a_workbook_that_cannot_be_read_is_one_line_from_the_pool(tmp_path):
    top = folder(tmp_path)
    (top / "坏.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    lines = {}
    for jobs in ("1", "2"):
        r = huifang("validate", top, "--as-of", "2025-12-31", HUIFANG_JOBS=jobs)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "坏.xlsx" in r.stderr
        lines[jobs] = r.stderr
    assert lines["1"] == lines["2"]


def test_workers_judge_with_the_parents_configuration_even_one_made_in_code(tmp_path, monkeypatch):
    """A configuration not read from a file (source None) reaches the workers as it is."""
    import json
    import shutil
    from datetime import date
    from pathlib import Path

    from generator.config import config_from
    from generator.validate import validate_paths
    root = Path(__file__).resolve().parents[1] / "workbooks"
    for name in ("示例营业部.xlsx", "示例二营业部.xlsx"):
        shutil.copy(root / name, tmp_path / name)
    config = config_from({"rules": {"DRM001": {"enabled": False}, "NEW001": {"severity": "warning"}}}, "代码中的配置")
    reports = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("HUIFANG_JOBS", jobs)
        reports[jobs] = json.loads(validate_paths([tmp_path], config, date(2025, 12, 31), jobs=0).to_json())
    one, pooled = reports["1"], reports["2"]
    assert not any(f["rule"] == "DRM001" for f in pooled["findings"])
    assert {f["severity"] for f in pooled["findings"] if f["rule"] == "NEW001"} == {"warning"}
    assert pooled["findings"] == one["findings"]


def test_annotated_copies_from_the_pool_are_those_of_one_process(tmp_path):
    """--annotate needs no cells (the copies are edited from the input packages): a folder is
    checked by the pool, each workbook's cells let go once checked, and every copy is byte for
    byte the one a single process writes, with the same report."""
    import zipfile
    top = folder(tmp_path)
    got = {}
    for jobs in ("1", "2"):
        out, report = tmp_path / f"ann{jobs}", tmp_path / f"r{jobs}.json"
        r = huifang("validate", top, "--as-of", "2025-12-31", "--annotate", out, "--format", "json",
                    "--output", report, HUIFANG_JOBS=jobs)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        copies = {}
        for p in sorted(out.rglob("*.xlsx")):
            with zipfile.ZipFile(p) as z:
                copies[p.relative_to(out)] = {n: z.read(n) for n in z.namelist()}
        got[jobs] = copies, json.loads(report.read_text(encoding="utf-8"))["findings"]
    assert len(got["1"][0]) == 2 * len(list(EXAMPLES.glob("*.xlsx")))
    assert got["1"] == got["2"]
