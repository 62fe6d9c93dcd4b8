"""`huifang rules`: the catalogue as people read it, with the values in force."""
from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import HuifangError
from generator.rules import GROUPS, ORDER, RULES, SEVERITY_LABEL
from generator.rules.registry import MODEL, NO_FIRM, Firm, Rule, layered
from generator.names import shown

if TYPE_CHECKING:                    # the settings are handed in; the catalogue never loads them
    from generator.config import Config


class UnknownRule(HuifangError):
    """`huifang rules ID` with an ID the catalogue does not have."""


def list_rules(config: Config) -> str:
    lines = []
    group = None
    for rid in ORDER:
        r = RULES[rid]
        s = config.settings(rid)
        if r.group != group:
            group = r.group
            lines.append(f"\n【{GROUPS[group]}】")
        state = SEVERITY_LABEL[s.severity] if s.enabled else "已停用"
        params = "，".join(f"{p.title} {p.show(s.values[p.key])}" for p in r.params)
        lines.append(f"  {rid:<8}{state:<4}{r.title}" + (f"（{params}）" if params else ""))
    where = f"配置：{shown(config.source)}" if config.source else "配置：内置默认值"
    if config.profile:
        where += f"，方案 {config.profile}"
    lines.append(f"\n共 {len(RULES)} 条规则；{where}。huifang rules 编号 可查看一条规则的详情和依据（按层级）。")
    cited = sum(1 for rid in RULES if config.firm.of(rid))
    lines.append(f"本公司制度：{cited} 条规则引用了 [firm] 中列出的本公司制度。" if cited else
                 "本公司制度：未配置（在 huifang.toml 的 [firm] 中列出后，发现先引用本公司制度的条款）。")
    return "\n".join(lines).lstrip("\n")


def describe_rule(rule_id: str, config: Config) -> str:
    r = RULES.get(rule_id)
    if r is None:
        raise UnknownRule(f"没有规则 {rule_id}（huifang rules 可列出全部规则）")
    s = config.settings(rule_id)
    lines = [f"{r.id} {r.title}",
             f"级别：{SEVERITY_LABEL[s.severity]}"
             + ("" if s.severity == r.severity else f"（默认 {SEVERITY_LABEL[r.severity]}）")
             + ("" if s.enabled else "，已停用"),
             f"分类：{GROUPS[r.group]}",
             f"检查：{r.text(s.values)}",
             f"处理：{r.fix}"]
    if r.params:
        lines.append("参数：")
        for p in r.params:
            src = f"；依据 {p.source}" if p.source else ""
            eff = f"；自 {p.effective} 起施行" if p.effective else ""
            lines.append(f"  {p.key} = {p.show(s.values[p.key])}（{p.title}，默认 {p.show(p.default)}，"
                         f"来源：{s.origins[p.key]}{src}{eff}）")
    lines.append("依据（按层级，约束力从高到低）：")
    lines += [f"  {line}" for line in source_lines(r, config.firm)]
    if any(s.layer == MODEL for s in r.layers):
        lines.append(f"  注：{NOT_BINDING}")
    for c in r.conflicts:
        lines += [f"范本不一致：{c.topic}", f"  {c.default}"]
        lines += [f"  {src.short()}：“{quote}”" for src, quote in c.quotes]
        lines.append(f"  改用另一种做法：在 huifang.toml 的 {c.switch}")
    return "\n".join(lines)


NOT_BINDING = "行业范本是其他公司的内部制度，只作参照，不约束本公司；本公司制度可在 huifang.toml 的 [firm] 中列出。"


def source_lines(r: Rule, firm: Firm = NO_FIRM) -> list[str]:
    """A rule's sources, one line each, labelled by layer: the firm's own 制度 first (when
    huifang.toml names them), then 法规/规章, 自律规则, 行业范本, 公司实务."""
    out = []
    for layer, group in layered(r.all_sources(firm)):
        out += [f"【{layer}】{s.cited()}" for s in group]
    return out
