"""Trends on the status pages (issue 28): per unit, errors and overdue callbacks over the month-ends
of the check period (without a ledger too) and over the recorded runs, new and fixed findings since
the previous run, and each unit's direction on the overview - as a user sees them in Chromium at
desktop, phone and dark (screenshots in tests/artifacts/trends-*.png)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import load_config
from generator.ledger.trends import unit_trends
from generator.rules import RULES
from generator.validate import validate_paths
from sitekit import ARTIFACTS, ROOT, build_example_site, chromium, needs_browser
from test_ledger import unit
from test_site import _serve

WORDS = {"better": "好转", "worse": "变差", "same": "持平"}


def huifang(*args, cwd=None):
    r = subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd or ROOT)
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """The example workbooks' site (no ledger: month-ends only) and the trends it was built from."""
    out = tmp_path_factory.mktemp("examples") / "site"
    report = build_example_site(out)
    return out, unit_trends(report)


@pytest.fixture(scope="module")
def recorded_site(tmp_path_factory):
    """A unit's site after two `site --record` runs of a changed workbook: C0001 and C0002 without
    their 新开户回访 at the first run; C0002, C0003 and C0004 at the second (C0001 fixed, two new)."""
    tmp = tmp_path_factory.mktemp("recorded")
    folder = tmp / "台账"
    for missing in ([1, 2], [2, 3, 4]):
        path = unit(folder, missing)
        r = huifang("site", path, "--as-of", "2025-06-30", "--out", tmp / "site", "--record")
        assert r.returncode == 0 and "已记入运行台账" in r.stdout, r.stderr
    return tmp / "site", path


def validate_counts(path: Path, day: str) -> tuple[int, int]:
    """(overdue callbacks, errors) as `huifang validate --as-of day --format json` reports them for
    the workbook as it stood that day: a copy without the callback records made later."""
    import openpyxl
    from datetime import datetime
    wb = openpyxl.load_workbook(path)
    ws = wb["回访记录"]
    col = next(c.column for c in ws[1] if c.value == "回访时间")
    end = datetime.fromisoformat(day + " 23:59:59")
    for r in range(ws.max_row, 1, -1):
        when = ws.cell(r, col).value
        if isinstance(when, datetime) and when > end:
            ws.delete_rows(r)
    stood = path.with_name(f"{path.stem}_{day}.xlsx")
    wb.save(stood)
    r = huifang("validate", stood, "--as-of", day, "--format", "json")
    rep = json.loads(r.stdout)
    overdue = sum(1 for f in rep["findings"]
                  if f["days_late"] and f["actual"] is None and RULES[f["rule"]].deadline is not None)
    return overdue, rep["summary"]["errors"]


def test_a_site_without_a_ledger_shows_month_ends_only(example_site):
    out, _ = example_site
    text = (out / "status" / "示例营业部.html").read_text(encoding="utf-8")
    assert "各月末的判定" in text and "各次记录的运行" not in text and "没有运行台账" in text


def test_an_unreadable_ledger_beside_the_workbooks_is_one_line(tmp_path):
    path = unit(tmp_path / "台账", missing=[1])
    (tmp_path / "台账" / "huifang-ledger.sqlite").write_bytes(b"not a database" * 100)
    r = huifang("site", path, "--as-of", "2025-06-30", "--out", tmp_path / "site")
    assert r.returncode == 2 and "huifang-ledger.sqlite" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "site").exists()


def test_the_ledger_views_name_no_customer(recorded_site):
    out, path = recorded_site
    from generator.workbook.reader import read_workbook
    names = {v for v in read_workbook(path)["客户"].col("客户名称") if v}
    section = _section((out / "status" / "测试营业部.html").read_text(encoding="utf-8"), "趋势")
    assert names and not any(n in section for n in names)
    assert not re.search(r"C\d{4}", section)


def _section(html: str, heading: str) -> str:
    start = html.index(f">{heading}<")
    end = html.find("<h2", start)
    return html[start:end if end > 0 else None]


def heads(page, tag: str) -> list[str]:
    """The headings a reader sees (without the ¶ of their permalinks)."""
    return [h.rstrip("¶").strip() for h in page.locator(tag).all_inner_texts()]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, folder: Path, path: str, **kw):
    server, base = _serve(folder)
    page = browser.new_page(**{"viewport": {"width": 1280, "height": 900}, **kw})
    page.set_default_timeout(60000)
    page.goto(f"{base}/status/{path}")
    return server, page


@needs_browser
def test_overview_shows_each_units_direction_in_words(browser, example_site):
    out, trends = example_site
    server, page = _open(browser, out, "index.html")
    try:
        assert "趋势" in heads(page, "h2")
        rows = page.locator("table.hf-work").last.locator("tbody tr")
        shown = {rows.nth(k).locator("td").nth(0).inner_text().strip(): rows.nth(k).locator("td").nth(1).inner_text()
                 for k in range(rows.count())}
        assert {u: WORDS[t.direction] in w for u, (w) in shown.items() for t in trends if t.unit == u} == \
            {t.unit: True for t in trends}
        assert {t.direction for t in trends} <= set(WORDS)
        # the arrow has an accessible name saying what moved
        assert page.get_by_role("img", name="（逾期或错误增加）").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "trends-overview-desktop.png"), full_page=True)
    finally:
        server.shutdown()


@needs_browser
def test_unit_trends_after_two_recorded_runs_on_desktop_phone_and_dark(browser, recorded_site):
    out, path = recorded_site
    server, page = _open(browser, out, "%E6%B5%8B%E8%AF%95%E8%90%A5%E4%B8%9A%E9%83%A8.html")
    try:
        assert "趋势" in heads(page, "h2")
        assert {"各月末的判定", "各次记录的运行"} <= set(heads(page, "h3"))
        body = page.locator("article").inner_text()
        assert "新增 2 条发现，已改正 1 条" in body
        assert re.search(r"变差\s*↑", body)                                 # run #1: 2 errors, run #2: 3
        # the numbers behind the month-end chart, as a screen reader reaches them
        page.get_by_text("各月末的数字（表格）").click()
        month = page.locator("details", has_text="各月末的数字").locator("tr", has_text="2025-05-31")
        cells = [int(c) for c in month.locator("td").all_inner_texts()[1:]]
        assert tuple(cells) == validate_counts(path, "2025-05-31")
        page.get_by_text("各次运行的数字（表格）").click()
        run2 = page.locator("details", has_text="各次运行的数字").locator("tr", has_text="#2")
        got = run2.locator("td").all_inner_texts()
        assert got[-2:] == ["2", "1"] and got[4] == "3"                     # new, fixed; errors
        page.screenshot(path=str(ARTIFACTS / "trends-unit-desktop.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        phone.goto(page.url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.locator(".hf-chart svg").last.bounding_box()["width"] >= 560     # legible; the box scrolls
        assert phone.locator(".hf-dir").first.is_visible()
        phone.screenshot(path=str(ARTIFACTS / "trends-unit-phone.png"), full_page=True)
        phone.goto(page.url.rsplit("/", 1)[0] + "/index.html")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        cards = phone.locator("table.hf-work").last.locator("tbody tr")
        assert phone.evaluate("e => getComputedStyle(e).display", cards.first.element_handle()) == "block"
        assert "变差" in cards.first.inner_text() and "方向" in phone.evaluate(
            "e => getComputedStyle(e.querySelectorAll('td')[1], '::before').content", cards.first.element_handle())
        phone.screenshot(path=str(ARTIFACTS / "trends-overview-phone.png"), full_page=True)

        dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
        dark.goto(page.url)
        assert dark.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
        svg = dark.locator(".hf-chart svg").last.element_handle()
        rgb = dark.evaluate("e => getComputedStyle(e).color", svg)
        assert min(int(x) for x in re.findall(r"\d+", rgb)[:3]) > 150, rgb          # light text on the dark page
        bar = dark.evaluate("e => getComputedStyle(e.querySelector('rect.hf-s-overdue')).fill", svg)
        assert bar == "rgb(239, 83, 80)", bar                                        # the dark scheme's red
        dark.screenshot(path=str(ARTIFACTS / "trends-unit-dark.png"), full_page=True)
    finally:
        server.shutdown()


def test_a_month_end_is_judged_on_the_workbook_as_it_stood_then():
    """A callback made in June is not yet made at the end of May (not an error for lying in the
    future): the month-end counts are those of the records that existed by then."""
    from datetime import date

    from generator.ledger.trends import as_it_stood, month_points
    from generator.workbook.reader import read_workbook
    from sitekit import ROOT
    path = ROOT / "workbooks" / "示例营业部.xlsx"
    report = validate_paths([path], load_config(None), date(2025, 12, 31))
    points = month_points(report)["示例营业部"]
    book = read_workbook(path)
    may = as_it_stood(book, date(2025, 5, 31))
    assert len(may["回访记录"]) < len(book["回访记录"])
    assert all(t.date() <= date(2025, 5, 31) for t in may["回访记录"].col("回访时间") if t)
    assert points[0].errors < 20 and points[-1].errors == report.count("error")
