"""The rule registry: every rule is data (ID, severity, Chinese title and explanation, its
parameters with defaults and legal references, its sources) plus one small check function.

The validator, `huifang rules`, the annotated workbook and the site's rule pages all read
this one registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable

from generator.rules.durations import Duration

SEEDS = {
    "000": "私募基金客户回访管理规定及工作流程（含附件一至附件四）",
    "001": "经纪业务客户回访实施细则（汇编：中国银河证券经纪业务客户回访实施细则、证券客户回访制度等）",
    "002": "天风证券投资顾问客户回访工作指引",
    "003": "客户服务指引（含流失客户档案表）",
    "004": "基金代销业务客户服务流程",
    "PFM": "私募投资基金募集行为管理办法（2016）",
    "HOL": "全国年节及纪念日放假办法",
    "WB": "回访台账工作簿约定",
    "CO": "公司实务（非监管条文）",
}

ERROR, WARNING = "error", "warning"
SEVERITY_LABEL = {ERROR: "错误", WARNING: "警告"}


@dataclass(frozen=True)
class Source:
    seed: str
    article: str

    @property
    def document(self) -> str:
        return SEEDS[self.seed]

    def __str__(self) -> str:
        return f"{self.document} {self.article}".strip()

    def short(self) -> str:
        return f"{self.seed} {self.article}".strip()


@dataclass(frozen=True)
class Param:
    """A number a company may change. Its default carries its legal reference."""
    key: str                       # the key in huifang.toml
    title: str                     # Chinese label
    default: object
    unit: str = ""
    source: Source | None = None
    effective: date | None = None  # when the rule behind the default took effect
    choices: tuple = ()            # allowed values for a text parameter
    aliases: tuple[str, ...] = ()  # older keys still accepted in huifang.toml

    def show(self, value) -> str:
        if isinstance(value, Duration):
            return value.show()
        if isinstance(value, dict):
            return "；".join(f"{k}：{'、'.join(v)}" for k, v in value.items())
        if self.choices:
            return {"year": "每年", "quarter": "每季度", "month": "每月"}.get(value, str(value))
        if self.unit == "%":
            return f"{value:g}%"
        sep = " " if self.unit else ""
        if isinstance(value, (int, float)) and value >= 10000:
            return f"{value:,.0f}{sep}{self.unit}"
        if isinstance(value, float):
            return f"{value:g}{sep}{self.unit}"
        return f"{value}{sep}{self.unit}"


@dataclass(frozen=True)
class Deadline:
    """What a deadline rule judges: a trigger, the callback it requires, and its window (a
    Duration parameter). The manual's table of deadlines is generated from these."""
    trigger: str               # the trigger as the manual names it
    callback: str              # the 回访类型 that answers it
    completed: bool            # True: must be completed; False: any result counts as done
    param: str = "within"      # the key of the window parameter
    note: str = ""             # shown beside the window (e.g. the cooling-off)


@dataclass(frozen=True)
class Change:
    """One edit of the clean example unit (rules/examples.py): set cells of a sheet's first row,
    or add a row."""
    sheet: str
    values: dict
    add: bool = False


@dataclass(frozen=True)
class Example:
    """A rule's failing and passing case, used by its tests and shown on its rule page (示例)."""
    fails: tuple[Change, ...]
    passes: tuple[Change, ...] = ()
    cell: str = ""                 # where the finding points, e.g. 回访记录!F2
    message: str = ""              # a part of its message
    as_of: date = date(2025, 6, 30)
    since: date | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    explain: str          # what it checks, in Chinese
    fix: str              # what to do about a finding
    group: str
    sources: tuple[Source, ...]
    params: tuple[Param, ...] = ()
    sheet: str | None = None      # where its findings point
    check: Callable[..., Iterable] | None = field(default=None, compare=False)
    deadline: Deadline | None = None
    # a rule that changes which records count (PF001): (ctx, settings) -> {record index: reason}
    excludes: Callable | None = field(default=None, compare=False)
    # a coverage rule's figures, shared by its check and the status pages: (ctx, settings, period) -> Figure
    figures: Callable | None = field(default=None, compare=False)
    example: Example | None = None
    # what must have run before this rule's check: rule IDs, group keys (GROUPS), or "*" for every
    # rule that does not itself say "*" (CAL001 reads the years the others computed provisionally)
    after: tuple[str, ...] = ()

    @property
    def effective(self) -> date | None:
        """The latest date from which a parameter of the rule is in force: rows before it are not judged."""
        days = [p.effective for p in self.params if p.effective]
        return max(days) if days else None

    def source_text(self) -> str:
        return "；".join(str(s) for s in self.sources)

    def text(self, values: dict | None = None) -> str:
        """The explanation with the parameter values in force (defaults when none given)."""
        shown = {p.key: p.show((values or {}).get(p.key, p.default)) for p in self.params}
        return self.explain.format(**shown)

    def param(self, key: str) -> Param:
        for p in self.params:
            if p.key == key or key in p.aliases:
                return p
        raise KeyError(key)


GROUPS = {
    "data": "数据质量",
    "deadline": "回访时限",
    "coverage": "年度覆盖",
    "private": "私募产品",
    "independence": "独立性与回避",
    "evidence": "回访方式与留痕",
    "outcome": "结果处理",
    "process": "流程与审核",
    "lost": "流失客户",
    "notice": "提示",
}

RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, title: str, *, explain: str, fix: str, group: str,
         sources: Iterable[Source], params: Iterable[Param] = (), sheet: str | None = None,
         deadline: Deadline | None = None, excludes: Callable | None = None, figures: Callable | None = None,
         example: Example | None = None, after: Iterable[str] = ()):
    """Register the decorated function as the check of a rule.

    For a deadline rule the function yields the triggers, and the registry's judge (rules/
    deadlines.py) turns them into findings; every other function yields findings itself."""
    def deco(fn):
        if id in RULES:
            raise ValueError(f"duplicate rule {id}")
        check = fn
        if deadline is not None:
            from generator.rules.deadlines import judged
            check = judged(fn, deadline)
        RULES[id] = Rule(id, severity, title, explain, fix, group, tuple(sources), tuple(params), sheet, check,
                         deadline, excludes, figures, example, tuple(after))
        return fn
    return deco


def display_order(rules: dict[str, Rule]) -> list[str]:
    """The catalogue's order: by group as GROUPS lists them, then by ID (for people, not for running)."""
    groups = list(GROUPS)
    return sorted(rules, key=lambda rid: (groups.index(rules[rid].group), rid))


def run_order(rules: dict[str, Rule]) -> list[str]:
    """The order the rules run in: each after what it declares in `after`, otherwise in display
    order. A dependency on no known rule or group, or a cycle, is a ValueError (at import)."""
    from graphlib import CycleError, TopologicalSorter

    shown = display_order(rules)
    rank = {rid: k for k, rid in enumerate(shown)}
    last = [rid for rid in shown if "*" in rules[rid].after]
    graph: dict[str, set[str]] = {rid: set() for rid in shown}
    for rid in shown:
        for dep in rules[rid].after:
            if dep == "*":
                graph[rid] |= {o for o in shown if o not in last}
            elif dep in rules:
                graph[rid].add(dep)
            elif dep in GROUPS:
                graph[rid] |= {o for o in shown if rules[o].group == dep and o != rid}
            else:
                raise ValueError(f"rule {rid} runs after {dep!r}, which is neither a rule nor a group")
    sorter = TopologicalSorter(graph)
    try:
        sorter.prepare()
    except CycleError as e:
        raise ValueError(f"rules run after each other in a cycle: {' -> '.join(e.args[1])}") from None
    out: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=rank.__getitem__)
        out += ready
        sorter.done(*ready)
    return out


def sets(sheet: str, **values) -> Change:
    """Set cells of the sheet's first row of the clean example unit."""
    return Change(sheet, values)


def adds(sheet: str, **values) -> Change:
    """Add a row to a sheet of the clean example unit."""
    return Change(sheet, values, add=True)


def S(seed: str, article: str = "") -> Source:  # noqa: N802 - reads as data
    return Source(seed, article)
