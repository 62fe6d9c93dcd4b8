"""The status pages' templates (generator/site/templates): any text a template prints goes through
the page's PageText, so cell text forgotten unfiltered is still masked and escaped."""
from __future__ import annotations

from markupsafe import Markup

from generator.privacy import Masker
from generator.site.build import PageText, _ENV


def render(source: str, **values) -> str:
    return _ENV.from_string(source).render(t=PageText(Masker(["张三丰"])), **values)


def test_plain_text_is_masked_and_escaped_markup_is_kept():
    got = render("{{ cell }}|{{ safe }}|{{ n }}", cell="张三丰 13912345678 <b>[x](javascript:1)</b>",
                 safe=Markup("<span>ok</span>"), n=7)
    cell, safe, n = got.split("|")
    assert "张三丰" not in cell and "13912345678" not in cell
    assert "<b>" not in cell and "[x](" not in cell and "&lt;b&gt;" in cell
    assert safe == "<span>ok</span>" and n == "7"


def test_the_templates_ship_with_the_package():
    from importlib import resources
    names = {p.name for p in resources.files("generator.site").joinpath("templates").iterdir()}
    assert {"unit.md.j2", "overview.md.j2", "_blocks.md.j2"} <= names
