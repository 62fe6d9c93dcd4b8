"""The site's search finds the rule a staff member means: the real search box in Chromium, over
the built site opened from a folder (file://), as staff type their queries."""
from __future__ import annotations

import pytest

from generator.site.offline import patch_worker
from sitekit import ARTIFACTS, build_example_site, chromium, needs_browser

# what staff type, and the rule pages that must come first (any one of them)
QUERIES = {
    "新开户回访": {"NEW001"},
    "开户一个月": {"NEW001"},
    "冷静期": {"PF001", "PF002"},
    "销户回访": {"CLS001"},
    "投顾签约": {"IA001"},
    "投顾持续回访": {"IA003"},
    "录音": {"MTH001"},
    "休眠": {"DRM001"},
    "流失客户": {"LST001", "LST002", "LST003"},
    "重点客户": {"KEY001"},
    "投诉回访": {"CMP001"},
    "解约回访": {"TRM001"},
    "资产异动": {"AST001"},
    "营销人员": {"IND001"},
    "审核人": {"IND003"},
    "被访人": {"MTH005"},
    "拨打次数": {"OUT001"},
    "融资融券": {"STK002"},
    "证件号码": {"DATA006"},
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("search") / "site"
    build_example_site(out)
    return out


def test_the_search_worker_is_the_repaired_one(site):
    """material's worker cuts 新开户回访 into 新** 开户** 回* (缺少: 新*, 开户*); the build replaces that cut."""
    worker = next((site / "assets" / "javascripts" / "workers").glob("search.*.min.js")).read_text(encoding="utf-8")
    assert "huifangSegment(" in worker and '.join("* ")' not in worker
    assert patch_worker("no such code") is None


def test_rule_pages_are_boosted_in_the_index(site):
    import json
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    boosted = {d["location"].split("#")[0] for d in docs if d.get("boost", 1) > 1}
    assert "rules/NEW001.html" in boosted and not any(p.startswith(("manual/", "status/")) for p in boosted)
    text = " ".join(d["title"] + " " + d["text"] for d in docs).split("\u200b")
    for word in ("新开户回访", "冷静期", "投顾", "审核人", "被访人"):      # kept whole by jieba
        assert word in text, word


def _search(page, query: str) -> list[tuple[str, str]]:
    """(href, the “缺少: …” line if any) of each result group, best first, as the search box shows them."""
    box = page.locator("input.md-search__input")
    box.fill("")
    box.press("End")
    page.wait_for_function("!document.querySelector('.md-search-result__item')")
    box.fill(query)
    box.press("End")                              # the search listens to key events
    page.wait_for_selector(".md-search-result__item", timeout=30000)
    page.wait_for_timeout(150)                    # the list is drawn in one go; let it settle
    items = page.locator(".md-search-result__list > .md-search-result__item")
    return [(items.nth(k).locator("a.md-search-result__link").first.get_attribute("href"),
             " ".join(items.nth(k).locator(".md-search-result__terms").all_inner_texts()))
            for k in range(items.count())]


@needs_browser
def test_staff_queries_find_their_rule_first_and_nothing_is_missing(site):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60000)
        page.goto((site / "index.html").as_uri())
        page.locator("input.md-search__input").click()
        wrong, missing = {}, {}
        for query, rules in QUERIES.items():
            results = _search(page, query)
            top = results[0][0].split("#")[0].split("?")[0].rsplit("/", 1)[-1].removesuffix(".html")
            if top not in rules:
                wrong[query] = [h for h, _ in results[:5]]
            lost = [text for _, text in results if "缺少" in text]
            if lost:
                missing[query] = lost[:2]
            if query == "新开户回访":
                page.screenshot(path=str(ARTIFACTS / "search-file.png"))
        assert wrong == {}
        assert missing == {}
