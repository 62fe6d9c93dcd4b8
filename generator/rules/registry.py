"""The rule registry: every rule is data (ID, severity, Chinese title and explanation, its
parameters with defaults and legal references, its sources) plus one small check function.

The validator, `huifang rules`, the annotated workbook and the site's rule pages all read
this one registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from collections.abc import Callable, Iterable

from generator.rules.durations import Duration, counted_how

# The layers a citation comes from, most binding first. A firm's own 制度 (named in huifang.toml,
# [firm]) is cited before everything else; then what binds every firm (法规/规章, 自律规则); then the
# industry's model rules (行业范本: the seed documents, which are other firms' internal rules and bind
# nobody but show common practice); then huifang's own defaults (公司实务) where no text sets a number.
FIRM, REGULATION, SELF_REGULATION, MODEL, PRACTICE = "本公司制度", "法规/规章", "自律规则", "行业范本", "公司实务"
LAYERS = (FIRM, REGULATION, SELF_REGULATION, MODEL, PRACTICE)


@dataclass(frozen=True)
class Doc:
    """A document a rule rests on: its title as a compliance officer may cite it, a short name for
    the text report, its layer, and (for a regulation) the seed document and article that cite it."""
    title: str
    short: str
    layer: str
    cited_in: str = ""

    def __str__(self) -> str:
        return self.title


SEEDS: dict[str, Doc] = {
    # 行业范本: the seed documents (../seeds), named as the models they are, never as binding
    "000": Doc("私募基金客户回访管理规定及工作流程（范本，含附件一至附件四）", "私募回访规定范本", MODEL),
    "001": Doc("证券公司经纪业务客户回访实施细则（范本，2017 年修订）", "经纪回访细则范本", MODEL),
    "001G": Doc("证券公司经纪业务客户回访实施细则（范本，中国银河证券版）", "经纪回访细则范本（银河版）", MODEL),
    "001Z": Doc("证券公司客户回访制度（范本）", "客户回访制度范本", MODEL),
    "002": Doc("投资顾问客户回访工作指引（范本，天风证券版）", "投顾回访指引范本", MODEL),
    "003": Doc("营业部客户服务指引（范本，含流失客户档案表）", "客户服务指引范本", MODEL),
    "004": Doc("基金代销业务客户服务流程（范本）", "基金代销服务流程范本", MODEL),
    # 法规/规章 and 自律规则, as the seed documents cite them
    "BRK": Doc("《关于加强证券经纪业务管理的规定》（中国证监会公告〔2010〕11 号）", "经纪业务管理规定", REGULATION,
               "经纪回访细则范本 第一条、银河版 第一条"),
    "SUIT": Doc("《证券期货投资者适当性管理办法》（中国证监会令第 130 号）", "适当性管理办法", REGULATION,
                "经纪回访细则范本 第一条、私募回访规定范本 1"),
    "PFI": Doc("《私募投资基金监督管理暂行办法》（中国证监会令第 105 号）", "私募监管暂行办法", REGULATION,
               "私募回访规定范本 1"),
    "SC11": Doc("《四川证监局 2011 年工作要求（投资顾问）》（仅四川辖区）", "四川证监局工作要求", REGULATION,
                "投顾回访指引范本 第十条(二)"),
    "HOL": Doc("《全国年节及纪念日放假办法》（国务院）", "放假办法", REGULATION),
    "PFM": Doc("《私募投资基金募集行为管理办法》（中国证券投资基金业协会，2016）", "募集行为办法", SELF_REGULATION,
               ""),
    "SACS": Doc("《证券经营机构投资者适当性管理实施指引（试行）》（中国证券业协会）", "适当性实施指引", SELF_REGULATION,
                "经纪回访细则范本 第一条"),
    # huifang's own
    "WB": Doc("回访台账工作簿约定（huifang）", "工作簿约定", PRACTICE),
    "CO": Doc("huifang 默认的公司实务（非监管条文，可在 huifang.toml 中修改）", "公司实务", PRACTICE),
}

ERROR, WARNING = "error", "warning"
SEVERITY_LABEL = {ERROR: "错误", WARNING: "警告"}


@dataclass(frozen=True)
class Source:
    seed: str
    article: str = ""
    own: Doc | None = None          # a firm's own document (huifang.toml [firm]), not a seed

    @property
    def doc(self) -> Doc:
        return self.own or SEEDS[self.seed]

    @property
    def document(self) -> str:
        return self.doc.title

    @property
    def layer(self) -> str:
        return self.doc.layer

    def cited(self) -> str:
        """The document and article, with where the seeds cite a regulation: no layer label."""
        d = self.doc
        where = f"（见{d.cited_in}）" if d.cited_in else ""
        return f"{d.title} {self.article}".strip() + where

    def __str__(self) -> str:
        return f"【{self.layer}】{self.cited()}"

    def short(self) -> str:
        return f"{self.doc.short} {self.article}".strip()


@dataclass(frozen=True)
class Firm:
    """The firm's own 制度 as huifang.toml [firm] names them: per rule, its articles (Sources of
    the firm's documents). Part of a configuration (Config.firm), handed to whatever cites."""
    cites: dict[str, tuple[Source, ...]] = field(default_factory=dict)

    def of(self, rule_id: str) -> tuple[Source, ...]:
        return self.cites.get(rule_id, ())

    @classmethod
    def named(cls, docs: dict[str, str], cites: dict[str, tuple[tuple[str, str], ...]]) -> Firm:
        """From `docs` (key -> title) and `cites` (rule ID -> ((document key, article), ...))."""
        own = {k: Doc(title, k, FIRM) for k, title in docs.items()}
        return cls({rid: tuple(Source(f"FIRM:{k}", a, own[k]) for k, a in pairs) for rid, pairs in cites.items()})


NO_FIRM = Firm()


def layered(sources) -> list[tuple[str, list[Source]]]:
    """Sources grouped by layer, most binding first (layers with none left out)."""
    return [(layer, [s for s in sources if s.layer == layer]) for layer in LAYERS
            if any(s.layer == layer for s in sources)]


@dataclass(frozen=True)
class Conflict:
    """Two seed documents that disagree on something a rule decides: what huifang does by
    default and why, both places quoted (document + article), and the one line that switches."""
    topic: str
    default: str                       # what huifang does, and why (stricter / named by the spec)
    quotes: tuple[tuple[Source, str], ...]
    switch: str                        # the huifang.toml line that chooses the other reading


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
    labels: tuple[tuple[str, str], ...] = ()   # how a choice is shown (choice, Chinese)

    def show(self, value) -> str:
        if isinstance(value, Duration):
            return value.show()
        if isinstance(value, (tuple, list)):          # a list of roles
            return "、".join(value)
        if isinstance(value, dict):
            return "；".join(f"{k}：{'、'.join(v)}" for k, v in value.items())
        if self.choices:
            if dict(self.labels).get(value):
                return dict(self.labels)[value]
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
    layers: tuple[Source, ...]     # every source, each labelled by its layer
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
    conflicts: tuple[Conflict, ...] = ()

    @property
    def sources(self) -> tuple[Source, ...]:
        """What the rule cites of the catalogue (no firm's own 制度): see `cites`."""
        return self.cites()

    def cites(self, firm: Firm = NO_FIRM) -> tuple[Source, ...]:
        """What a finding cites: the firm's own articles first (when its huifang.toml names them),
        then the most binding layer of the rule's sources; when that names no article (a regulation
        as the seeds cite it, whole), also the next layer that does."""
        groups = [group for _, group in layered(self.layers)]
        out = list(groups[0]) if groups else []
        if groups and not any(s.article for s in groups[0]):
            out += next((g for g in groups[1:] if any(s.article for s in g)), [])
        return firm.of(self.id) + tuple(out)

    def all_sources(self, firm: Firm = NO_FIRM) -> tuple[Source, ...]:
        """Every source, the firm's first, then by layer."""
        return firm.of(self.id) + tuple(s for _, group in layered(self.layers) for s in group)

    @property
    def effective(self) -> date | None:
        """The latest date from which a parameter of the rule is in force: rows before it are not judged."""
        days = [p.effective for p in self.params if p.effective]
        return max(days) if days else None

    def source_text(self, firm: Firm = NO_FIRM) -> str:
        """Every source in one line, each labelled by its layer, the firm's own first."""
        return "；".join(str(s) for s in self.all_sources(firm))

    def text(self, values: dict | None = None) -> str:
        """The explanation with the parameter values in force (defaults when none given); a
        duration's `{key_how}` says how that duration is counted (a month to the same day, working
        days…), so the text follows a firm that counts in other units."""
        shown = {}
        for p in self.params:
            value = (values or {}).get(p.key, p.default)
            shown[p.key] = p.show(value)
            shown[f"{p.key}_how"] = counted_how(value)
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
         example: Example | None = None, after: Iterable[str] = (), conflicts: Iterable[Conflict] = ()):
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
                         deadline, excludes, figures, example, tuple(after), tuple(conflicts))
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


def S(seed: str, article: str = "") -> Source:  # upper-case: reads as data
    return Source(seed, article)
