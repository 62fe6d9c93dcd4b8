"""`huifang site` over a folder in a process pool (issue 27): each worker reduces its workbook to
the status pages' facts (site/facts.py); the site is byte for byte the one a single process builds,
and one Masker over every workbook's names still masks a name of one unit in another's text."""
from __future__ import annotations

from hypothesis import given, strategies as st

from generator.privacy import Masker

NAME = st.text(alphabet="张王李赵刘陈杨黄周吴三四五六七八九", min_size=2, max_size=4)


@given(st.lists(NAME, min_size=1, max_size=6), NAME, st.text(alphabet="见了，的 ", max_size=6))
def test_a_name_at_the_end_of_a_text_is_masked_whatever_longer_names_there_are(names, last, before):
    mask = Masker([*names, last])
    shown = mask(before + last)         # used to raise IndexError when a longer name was known
    assert last not in shown.replace(" ", "") and shown.startswith(before)


# ------------------------------------------------------------------ the site over a folder, pool or not

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

from conftest import customer, record  # noqa: E402
from synth import write_workbook  # noqa: E402
from generator.rules.examples import STAFF  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECRET = "欧阳锋"       # a customer of 甲营业部 only, named in a free-text cell of 乙营业部


def huifang(*args, **env):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, **env})


def folder(tmp_path: Path) -> Path:
    top = tmp_path / "台账"
    top.mkdir()
    for src in sorted((ROOT / "workbooks").glob("*.xlsx")):     # findings, trends, people involved
        shutil.copy(src, top / src.name)
    write_workbook(top / "甲.xlsx", {"客户": [customer(客户编号="A0001", 客户名称=SECRET, 营业部="甲营业部")],
                                    "人员": STAFF, "回访记录": [record(客户编号="A0001", 被访人=SECRET)]})
    write_workbook(top / "乙.xlsx", {"客户": [customer(营业部="乙营业部")], "人员": STAFF,
                                    "回访记录": [record(发现问题=f"客户说{SECRET}也在问这只产品")]})
    return top


def contents(site: Path) -> dict:
    """Every file's bytes; a workbook's by its parts, less the creation time openpyxl stamps on it."""
    out = {}
    for p in sorted(site.rglob("*")):
        if p.is_file():
            if p.suffix == ".xlsx":
                with zipfile.ZipFile(p) as z:
                    out[p.relative_to(site)] = {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
            else:
                out[p.relative_to(site)] = p.read_bytes()
    return out


def test_the_site_of_a_folder_is_the_same_from_the_pool_and_masks_one_units_names_in_anothers(tmp_path):
    top = folder(tmp_path)
    before = {p.name: p.read_bytes() for p in top.iterdir()}
    sites = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"站点{jobs}"
        r = huifang("site", top, "--as-of", "2025-12-31", "--out", out, HUIFANG_JOBS=jobs)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert r.stdout.startswith(f"已构建站点：{out}（")
        sites[jobs] = contents(out)
        page = (out / "status" / "乙营业部.html").read_text(encoding="utf-8")
        assert "客户说欧&#42;&#42;也在问" in page       # the finding quoting the cell is on the page, masked
        for path, data in sites[jobs].items():
            if isinstance(data, bytes):
                assert SECRET.encode() not in data and "\\u6b27\\u9633\\u950b" not in data.decode("latin-1"), path
    assert sites["1"].keys() == sites["2"].keys()
    assert [p for p in sites["1"] if sites["1"][p] != sites["2"][p]] == []
    assert {p.name: p.read_bytes() for p in top.iterdir()} == before       # inputs untouched, nothing left


def test_site_facts_come_from_the_workers_without_cells(tmp_path, monkeypatch):
    """With HUIFANG_JOBS=2 the workbooks are checked in the pool, and no BookResult keeps cells."""
    from datetime import date

    from generator.config import load_config
    from generator.site.facts import SiteFacts, site_facts
    from generator.validate import pool, validate_paths
    top = folder(tmp_path)
    calls = []
    real = pool.check_in_pool
    monkeypatch.setattr(pool, "check_in_pool", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    reports = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("HUIFANG_JOBS", jobs)
        reports[jobs] = validate_paths([top], load_config(None), date(2025, 12, 31), jobs=0, reduce=site_facts)
    assert len(calls) == 1
    for report in reports.values():
        assert all(isinstance(b.book, pool.BookFacts) and isinstance(b.reduced, SiteFacts) for b in report.books)
    assert [b.reduced for b in reports["1"].books] == [b.reduced for b in reports["2"].books]
    assert reports["1"].to_json() == reports["2"].to_json()
