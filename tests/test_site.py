"""The built site: offline, private, the manual's numbers from the registry, working links."""
import functools
from html import unescape
import http.server
import json
import re
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from lxml import html as lxml_html

from generator.config import load_config
from generator.workbook.reader import read_workbook
from generator.cli import main
from generator.site.build import build_site
from generator.validate import validate_paths
from sitekit import ARTIFACTS, AS_OF, ROOT, build_example_site, chromium, needs_browser


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    build_example_site(out)
    return out


def secrets() -> set[str]:
    found = set()
    for f in (ROOT / "workbooks").glob("*.xlsx"):
        b = read_workbook(f)
        for sheet, cols in (("客户", ("证件号码", "手机", "客户名称", "电子邮箱")),
                            ("流失客户", ("证件号码", "手机", "客户名称")),
                            ("回访记录", ("被访人",))):
            for c in cols:
                found.update(v for v in b[sheet].col(c) if v)
    return found


def test_no_customer_data_anywhere_in_the_built_site(built):
    values = secrets()
    assert len(values) > 500
    leaks = {}
    for p in built.rglob("*"):
        if p.is_file() and p.suffix != ".xlsx" and p.suffix != ".docx":
            text = p.read_bytes().decode("utf-8", "ignore")
            for v in values:
                if v in text:
                    leaks.setdefault(v, p)
    assert leaks == {}


def test_rule_page_examples_show_no_phone_or_id_numbers(built):
    """The examples are invented, but a rule page shows them as the status pages would show real data."""
    for p in (built / "rules").glob("*.html"):
        text = unescape(p.read_text(encoding="utf-8"))
        assert not re.search(r"\d{11,}", text), p


def test_nothing_is_fetched_from_outside(built):
    for p in list(built.rglob("*.html")) + list(built.rglob("*.css")):
        text = p.read_text(encoding="utf-8", errors="ignore")
        assert not re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="https?://', text), p
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, p


def test_status_pages_have_the_as_of_date_and_link_findings_to_rule_pages(built):
    pages = list((built / "status").glob("*.html"))
    assert len(pages) >= 3
    for p in pages:
        assert "检查日 2025-12-31" in p.read_text(encoding="utf-8"), p
    unit = next(p for p in pages if "示例营业部" in p.read_text(encoding="utf-8") and p.name != "index.html")
    html = unescape(unit.read_text(encoding="utf-8"))
    assert 'href="../rules/NEW001.html"' in html
    assert (built / "rules" / "NEW001.html").is_file()
    assert "C0001 " in html and "*" in html                      # customers as code and masked name
    assert "<svg" in html                                          # charts drawn inline


def test_manual_numbers_come_from_the_registry(built, tmp_path):
    types = (built / "manual" / "types.html").read_text(encoding="utf-8")
    assert "5 个工作日" in types and "一个月" in types and "10%" in types and "24 小时" in types
    assert "[[" not in types
    cfg = tmp_path / "huifang.toml"
    cfg.write_text("[rules.STK001]\nmin_share = 12.5\n[rules.IA001]\nworking_days = 3\n", encoding="utf-8")
    report = validate_paths([ROOT / "workbooks"], load_config(cfg), date(2025, 12, 31))
    out = tmp_path / "site2"
    build_site(report, out, commands=main)
    types2 = (out / "manual" / "types.html").read_text(encoding="utf-8")
    assert "12.5%" in types2 and "3 个工作日" in types2
    assert "12.5%" in (out / "rules" / "STK001.html").read_text(encoding="utf-8")


def test_downloads_are_in_the_site(built):
    names = {p.name for p in (built / "downloads").iterdir()}
    assert {"回访台账_空白.xlsx", "附件三_客户回访记录表.docx"} <= names


def test_search_index_is_segmented_chinese(built):
    import json
    docs = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    text = " ".join(d["text"] for d in docs)
    assert "冷静期" in text and "\u200b" in text


@pytest.fixture(scope="module")
def browser_site(built):
    """Chromium and the built site served on localhost: (browser, base URL)."""
    server, base = _serve(built)
    try:
        with chromium() as browser:
            yield browser, base
    finally:
        server.shutdown()


@needs_browser
def test_browser_renders_links_and_searches(browser_site):
    browser, base = browser_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60000)
    outside = []
    page.on("request",
            lambda r: outside.append(r.url) if not r.url.startswith(base) and not r.url.startswith("data:") else None)
    page.goto(base + "/")
    h1 = page.locator("h1").first
    assert h1.inner_text().startswith("客户回访工作手册")
    # the glyphs are drawn: the heading is wider than a row of missing-glyph boxes would be tall
    assert h1.bounding_box()["width"] > 100
    page.goto(base + "/status/index.html")
    page.get_by_role("link", name="示例营业部", exact=True).first.click()
    page.wait_for_load_state()
    assert "检查日 2025-12-31" in page.content()
    page.screenshot(path=str(ARTIFACTS / "status-page.png"), full_page=True)
    page.locator('a[href$="rules/NEW001.html"]').first.click()
    page.wait_for_load_state()
    assert "NEW001 新开户回访超期" in page.locator("h1").first.inner_text()
    page.goto(base + "/")
    page.wait_for_load_state("networkidle")      # the search worker has fetched its index
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("冷静期")
    box.press("End")                             # the search listens to key events
    page.wait_for_selector(".md-search-result__item", timeout=60000)
    results = page.locator(".md-search-result__item").all_inner_texts()
    assert any("冷静期" in r for r in results)
    assert outside == []


def test_manual_has_no_hand_typed_rule_numbers():
    """Deadlines, shares and thresholds in the manual are [[RULE.param]] tokens, never typed."""
    pattern = re.compile(r"(?<![=\"\d])\d+(\.\d+)?\s*(个工作日|个月|天|日内|%|小时|次|元)")
    for page in (ROOT / "site").rglob("*.md"):
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            found = pattern.search(line)
            assert not found, f"{page.relative_to(ROOT)}:{n}: {found.group(0)}"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def _serve(folder: Path):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


_WRAPPED_JS = """() => {
  const lines = el => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top))).size; };
  return [...document.querySelectorAll('table.hf-work a[href*="rules/"], table.hf-work td[data-label="截止日"]')]
    .filter(el => lines(el) > 1).map(el => el.textContent);
}"""


def _wrapped(page) -> list[str]:
    """Rule IDs and dates in the worklists that the browser broke over two lines."""
    return page.evaluate(_WRAPPED_JS)


def _days(text: str) -> int:
    return int(re.search(r"(\d+)\s*天", text).group(1))


@needs_browser
def test_status_pages_lead_with_the_work_on_desktop_phone_and_dark(browser_site):
    """Screenshots (tests/artifacts/status-*.png) of the unit page at desktop, phone and dark;
    the worklist is overdue-first by days, rows carry severity badges, the overview is ranked by
    urgency, rows become labelled cards on a phone, chart text follows the dark scheme."""
    browser, base = browser_site
    # desktop
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/status/index.html")
    units = page.locator("table.hf-work").first.locator("tbody tr")      # the ranking (the trend table follows)
    overdue = [int(units.nth(k).locator("td").nth(1).inner_text()) for k in range(units.count())]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] > 0
    page.screenshot(path=str(ARTIFACTS / "status-overview-desktop.png"), full_page=True)
    page.goto(base + "/status/%E7%A4%BA%E4%BE%8B%E8%90%A5%E4%B8%9A%E9%83%A8.html")
    heads = page.locator("h2").all_inner_texts()
    assert heads[0].startswith("现在要做") and heads[1].startswith("即将到期") and heads[2].startswith("已迟到")
    assert page.locator(".hf-summary .hf-badge.hf-error").count() >= 2
    work = page.locator("table.hf-work").first.locator("tbody tr")
    assert work.count() > 1
    days = [_days(work.nth(k).locator("td").first.inner_text()) for k in range(work.count())]
    assert days == sorted(days, reverse=True), days
    for k in range(work.count()):
        row = work.nth(k)
        assert row.locator(".hf-badge.hf-error, .hf-badge.hf-warning").count() == 1
        assert row.locator('a[href*="rules/"]').count() == 1
        assert row.locator("td").nth(5).inner_text().strip()          # the fix is spelled out
    color = page.evaluate("getComputedStyle(document.querySelector('.hf-badge.hf-error')).backgroundColor")
    assert color == "rgb(198, 40, 40)"
    assert _wrapped(page) == []
    page.screenshot(path=str(ARTIFACTS / "status-desktop.png"), full_page=True)
    # phone: cards with labels, nothing wider than the screen but the scrolling chart
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone.goto(page.url)
    assert phone.evaluate("getComputedStyle(document.querySelector('table.hf-work thead')).display") == "none"
    assert phone.evaluate("getComputedStyle(document.querySelector('table.hf-work tbody tr')).display") == "block"
    label = phone.evaluate("getComputedStyle(document.querySelector('table.hf-work td'), '::before').content")
    assert "逾期" in label
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    svg_w = phone.evaluate("document.querySelector('.hf-chart svg').getBoundingClientRect().width")
    assert svg_w >= 560                                     # text keeps its size; the box scrolls
    assert _wrapped(phone) == []
    narrow = browser.new_page(viewport={"width": 800, "height": 900})       # a squeezed table, not yet cards
    narrow.goto(page.url)
    assert _wrapped(narrow) == []
    narrow.screenshot(path=str(ARTIFACTS / "status-narrow.png"), full_page=True)
    phone.screenshot(path=str(ARTIFACTS / "status-phone.png"), full_page=True)
    # dark
    dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    dark.goto(page.url)
    assert dark.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    rgb = dark.evaluate("getComputedStyle(document.querySelector('.hf-chart svg')).color")
    assert min(int(x) for x in re.findall(r"\d+", rgb)[:3]) > 150, rgb      # light text on the dark page
    dark.screenshot(path=str(ARTIFACTS / "status-dark.png"), full_page=True)


def test_no_stray_spaces_where_chinese_markdown_lines_wrap(built):
    """A sentence wrapped over two source lines shows without a gap (outside code)."""
    cjk = "\u4e00-\u9fff\uff00-\uffef\u3000-\u303f"
    found = []
    for p in built.rglob("*.html"):
        html = re.sub(r"<(pre|code|script)\b.*?</\1>", "\x00", p.read_text(encoding="utf-8"), flags=re.S)
        found += [(p.relative_to(built), m.group(0)) for m in re.finditer(f"[{cjk}][ \\t]*\\n[ \\t]*[{cjk}]", html)]
    assert found == []


def _numbers_in_markdown(text: str) -> list[int]:
    """The numbers of the numbered lines, in order (outside fenced code)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        m = re.match(r"\s{0,7}(\d+)\.\s", line)
        if m and not fenced:
            out.append(int(m.group(1)))
    return out


def test_manual_numbered_lists_stay_lists(built):
    """Every numbered line of the manual's Markdown is an item of an ordered list on the page, and
    shows the number it was written with (a list restarted without a blank line would run its
    steps into one paragraph, or number them from 1 again)."""
    pages = sorted((ROOT / "site").rglob("*.md"))
    assert any(p.name == "workflow.md" for p in pages)
    for md in pages:
        written = _numbers_in_markdown(md.read_text(encoding="utf-8"))
        tree = lxml_html.fromstring((built / md.relative_to(ROOT / "site")).with_suffix(".html").read_bytes())
        article = tree.find_class("md-content")[0]
        shown = []
        for ol in article.iter("ol"):
            start = int(ol.get("start", "1"))
            shown += [start + k for k, _ in enumerate(li for li in ol if li.tag == "li")]
        assert shown == written, md.relative_to(ROOT)
        for li in article.iter("li"):
            # no numbered step swallowed into the text of another
            assert not re.search(r"。\s*\d+\.\s*\S", li.text_content()), (md.relative_to(ROOT), li.text_content()[:80])


def _badges(page: Path) -> dict[str, int]:
    tree = lxml_html.fromstring(page.read_bytes())
    text = " ".join(b.text_content() for b in tree.find_class("hf-summary")[0].find_class("hf-badge"))
    return {k: int(n) for k, n in re.findall(r"(逾期未完成|错误|警告|14 天内到期) (\d+)", text)}


def test_status_badges_count_what_validate_reports(built):
    """For the same workbooks and date, each unit page's 错误 and 警告 badges, and the overview's,
    are the counts of `huifang validate --format json`."""
    run = subprocess.run([sys.executable, "-m", "generator.cli", "validate", "workbooks", "--as-of", str(AS_OF),
                          "--format", "json"], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    per_book: dict[str, dict[str, int]] = {}
    for f in report["findings"]:
        counts = per_book.setdefault(Path(f["file"]).name, {"错误": 0, "警告": 0})
        counts["错误" if f["severity"] == "error" else "警告"] += 1
    units = [p for p in (built / "status").glob("*.html") if p.name != "index.html"]
    assert len(units) == report["summary"]["files"] == 2
    for page in units:
        book = re.search(r"工作簿 (\S+?\.xlsx)", unescape(page.read_text(encoding="utf-8"))).group(1)
        got = _badges(page)
        assert {k: got[k] for k in ("错误", "警告")} == per_book.get(book, {"错误": 0, "警告": 0}), book
    overview = _badges(built / "status" / "index.html")
    assert (overview["错误"], overview["警告"]) == (report["summary"]["errors"], report["summary"]["warnings"])
    assert per_book["示例营业部.xlsx"]["错误"] > 0


def _rows(table) -> list[dict[str, str]]:
    return [{td.get("data-label"): " ".join(td.text_content().split()) for td in tr.iter("td")}
            for tr in table.iter("tr") if tr.find("td") is not None]


def test_a_deadline_on_the_check_date_is_due_today_not_overdue(built):
    """逾期 is a deadline already passed (README): KEY001/IA003 judged on 12-31 are due today on
    2025-12-31, counted with what falls due; who does the callback is said once, not in each row."""
    page = built / "status" / "示例营业部.html"
    tree = lxml_html.fromstring(page.read_bytes())
    overdue, due = (_rows(t) for t in tree.find_class("hf-work")[:2])
    assert overdue and all(r["截止日"] < str(AS_OF) and r["逾期"] != "0 天" for r in overdue)
    today = [r for r in due if r["剩余"] == "今天到期"]
    assert {r["规则"].split()[0] for r in today} == {"KEY001", "IA003"}
    assert all(r["截止日"] == str(AS_OF) for r in today)
    badges = _badges(page)
    assert badges["逾期未完成"] == len(overdue) and badges["14 天内到期"] == len(due)
    text = unescape(page.read_text(encoding="utf-8"))
    people = [r["相关人员"] for t in tree.find_class("hf-work") for r in _rows(t) if "相关人员" in r]
    assert people and not any("回访专员" in p for p in people)
    assert text.count("回访由回访专员进行") == 2          # above the overdue and the late table
