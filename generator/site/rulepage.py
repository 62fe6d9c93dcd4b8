"""The parts of a rule's page (站点“规则”) about what it rests on: its sources by layer, the
firm's own 制度 first, and the places where the seed documents disagree. generator/site/hooks.py
calls `sources_section` from its rule page."""
from __future__ import annotations

from generator.rules.catalog import NOT_BINDING, source_lines
from generator.rules.registry import MODEL, NO_FIRM, Firm, Rule


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def sources_section(r: Rule, firm: Firm = NO_FIRM) -> list[str]:
    """## 依据 (each source labelled by its layer) and ## 范本不一致 (each conflict: the default,
    both places quoted, the line that switches)."""
    out = ["## 依据", "", "按约束力从高到低；本公司制度在 `huifang.toml` 的 `[firm]` 中列出后排在最前。", ""]
    out += [f"- {_md(line)}" for line in source_lines(r, firm)]
    if any(s.layer == MODEL for s in r.layers):
        out += ["", NOT_BINDING]
    out.append("")
    for c in r.conflicts:
        out += [f"## 范本不一致：{c.topic}", "", "范本在这一点上说法不同：", ""]
        out += [f"- {_md(src.short())}：“{_md(quote)}”" for src, quote in c.quotes]
        out += ["", _md(c.default), "", f"改用另一种做法：在 `huifang.toml` 的 {_md(c.switch.split(' 中写 ')[0])} 中写 "
                f"`{c.switch.split(' 中写 ')[1]}`。", ""]
    return out
