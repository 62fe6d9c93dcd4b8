"""The built site opened from a folder (file://, as an intranet share publishes it): every link
names a file that is there, and Chromium walks from the home page to a unit's status page, a
rule and the manual without a directory listing and without a request leaving the folder."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

from sitekit import ARTIFACTS, build_example_site, chromium, needs_browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("offline") / "site"
    build_example_site(out)
    return out


def _ids(page: Path, cache: dict) -> set[str]:
    if page not in cache:
        tree = lxml_html.fromstring(page.read_bytes())
        cache[page] = {e.get("id") for e in tree.iter() if isinstance(e.tag, str) and e.get("id")} | \
                      {e.get("name") for e in tree.iter("a") if e.get("name")}
    return cache[page]


def test_every_internal_link_resolves_to_a_file(site):
    """Status pages, rule pages, the manual's cross-links (made by the hooks), downloads, scripts,
    styles and pictures: each relative address is a file (a folder would be a directory listing
    over file://), and each #fragment is an element of the page it names."""
    broken, checked, ids = [], 0, {}
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]   # 404.html is a server's page
    assert len(pages) > 60
    for page in pages:
        tree = lxml_html.fromstring(page.read_bytes())
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            for attr in ("href", "src"):
                url = el.get(attr)
                if url is None or el.tag == "use":
                    continue
                parts = urlsplit(url)
                if parts.scheme or url.startswith("//"):
                    continue                       # outside links (test_site checks nothing is fetched)
                checked += 1
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                where = f"{page.relative_to(site)}: {el.tag} {attr}={url}"
                if not target.is_file():
                    broken.append(where)
                elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _ids(target, ids):
                    broken.append(where + "（没有这个锚点）")
    assert checked > 3000
    assert broken == []


def test_search_works_without_a_server(site):
    """The offline plugin's index as a script, and the Web Worker shim from the package."""
    assert (site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index = {")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<script src="assets/javascripts/iframe-worker.js">' in home and "unpkg" not in home
    assert (site / "assets" / "javascripts" / "iframe-worker.js").is_file()


@needs_browser
def test_chromium_walks_the_site_from_a_folder(site):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60000)
        outside = []
        page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "blob:", "about:"))
                else outside.append(r.url))
        page.goto((site / "index.html").as_uri())
        assert page.locator("h1").first.inner_text().startswith("客户回访工作手册")

        def follow(locator) -> None:
            locator.first.click()
            page.wait_for_load_state()
            assert page.url.endswith(".html") or ".html#" in page.url, page.url
            assert "Index of" not in page.title() and page.locator("article").count() == 1, page.url

        follow(page.get_by_role("link", name="合规状态"))
        assert page.locator("h1").first.inner_text().startswith("合规状态")
        follow(page.get_by_role("link", name="示例营业部", exact=True))
        assert "检查日 2025-12-31" in page.content()
        page.screenshot(path=str(ARTIFACTS / "offline-status.png"), full_page=True)
        follow(page.locator('table.hf-work a[href$="rules/NEW001.html"]'))
        assert page.locator("h1").first.inner_text().startswith("NEW001 新开户回访超期")
        follow(page.get_by_role("link", name="工作手册", exact=True).first)
        follow(page.locator('a[href$="types.html"]:visible'))
        follow(page.locator('article a[href*="rules/"]'))
        assert re.match(r"[A-Z]+\d{3} ", page.locator("h1").first.inner_text())
        follow(page.get_by_role("link", name="下载").first)
        assert page.locator('article a[href$=".xlsx"]').count() == 1
        # the search box, offline
        page.locator("input.md-search__input").click()
        page.locator("input.md-search__input").fill("冷静期")
        page.locator("input.md-search__input").press("End")
        page.wait_for_selector(".md-search-result__item")
        assert "PF00" in page.locator(".md-search-result__item").first.inner_text()
        assert outside == []
