"""`huifang rules`: the catalogue as people read it, with the values in force."""
from __future__ import annotations

from generator.config import Config
from generator.rules import GROUPS, ORDER, RULES, SEEDS, SEVERITY_LABEL
from generator.workbook.inspect import ReadError


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
    where = f"配置：{config.source}" if config.source else "配置：内置默认值"
    if config.profile:
        where += f"，方案 {config.profile}"
    lines.append(f"\n共 {len(RULES)} 条规则；{where}。huifang rules 编号 可查看一条规则的详情。")
    return "\n".join(lines).lstrip("\n")


def describe_rule(rule_id: str, config: Config) -> str:
    r = RULES.get(rule_id)
    if r is None:
        raise ReadError(f"没有规则 {rule_id}（huifang rules 可列出全部规则）")
    s = config.settings(rule_id)
    lines = [f"{r.id} {r.title}",
             f"级别：{SEVERITY_LABEL[s.severity]}" + ("" if s.severity == r.severity else f"（默认 {SEVERITY_LABEL[r.severity]}）")
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
    lines.append("依据：")
    for src in r.sources:
        lines.append(f"  {SEEDS[src.seed]} {src.article}".rstrip())
    return "\n".join(lines)
