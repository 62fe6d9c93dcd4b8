"""The rule registry: every rule is data (ID, severity, Chinese title and explanation, its
parameters with defaults and legal references, its sources) plus one small check function.

The validator, `huifang rules`, the annotated workbook and the site's rule pages all read
this one registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable

SEEDS = {
    "000": "私募基金客户回访管理规定及工作流程（含附件一至附件四）",
    "001": "经纪业务客户回访实施细则（汇编：中国银河证券经纪业务客户回访实施细则、证券客户回访制度等）",
    "002": "天风证券投资顾问客户回访工作指引",
    "003": "客户服务指引（含流失客户档案表）",
    "004": "基金代销业务客户服务流程",
    "PFM": "私募投资基金募集行为管理办法（2016）",
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

    def show(self, value) -> str:
        if self.choices:
            return {"year": "每年", "quarter": "每季度"}.get(value, str(value))
        if self.unit == "%":
            return f"{value:g}%"
        sep = " " if self.unit else ""
        if isinstance(value, (int, float)) and value >= 10000:
            return f"{value:,.0f}{sep}{self.unit}"
        if isinstance(value, float):
            return f"{value:g}{sep}{self.unit}"
        return f"{value}{sep}{self.unit}"


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

    def text(self, values: dict | None = None) -> str:
        """The explanation with the parameter values in force (defaults when none given)."""
        shown = {p.key: p.show((values or {}).get(p.key, p.default)) for p in self.params}
        return self.explain.format(**shown)

    def param(self, key: str) -> Param:
        for p in self.params:
            if p.key == key:
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
}

RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, title: str, *, explain: str, fix: str, group: str,
         sources: Iterable[Source], params: Iterable[Param] = (), sheet: str | None = None):
    """Register the decorated function as the check of a rule."""
    def deco(fn):
        if id in RULES:
            raise ValueError(f"duplicate rule {id}")
        RULES[id] = Rule(id, severity, title, explain, fix, group, tuple(sources), tuple(params), sheet, fn)
        return fn
    return deco


def S(seed: str, article: str = "") -> Source:  # noqa: N802 - reads as data
    return Source(seed, article)
