"""What the site's tests share: the example site built at 2025-12-31, and Chromium."""
from __future__ import annotations

import contextlib
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from generator.config import load_config
from generator.cli import main
from generator.site.build import build_site
from generator.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
AS_OF = date(2025, 12, 31)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
needs_browser = pytest.mark.skipif(not CHROMIUM and not os.environ.get("HUIFANG_REQUIRE_BROWSER"),
                                   reason="Chromium 未安装")


def build_example_site(out: Path):
    """The site of the example workbooks; returns the report it was built from."""
    report = validate_paths([ROOT / "workbooks"], load_config(None), AS_OF)
    assert "已构建站点" in build_site(report, out, commands=main)
    return report


@contextlib.contextmanager
def chromium():
    """The system Chromium driven by playwright."""
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()
