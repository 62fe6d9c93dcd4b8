"""mkdocs hooks (mkdocs.yml: hooks): the rule pages, the downloads and the rule parameters
in the manual all come from the rule registry, so the manual and the validator agree.

In the manual's Markdown, ``[[NEW001.months]]`` is replaced by the value in force of that
parameter (``1 个月``), ``[[NEW001]]`` by a link to the rule page, ``[[questionnaires]]`` by the
question banks and ``[[deadlines]]`` by the table of deadline rules; ``[[worklist]]`` and
``[[planoverdue]]`` by the status page's look-ahead and the plan's spread of overdue callbacks;
``[[roles]]`` by who may do which duty (generator/roles.py).
"""
from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

from generator import roles, scratch
from generator.site import offline
from generator.config import Config, load_config
from generator.rules import GROUPS, ORDER, RULES, SEVERITY_LABEL
from generator.site.rulepage import sources_section

DOMAIN_WORDS = ("冷静期", "回访", "回访专员", "回访记录", "回访计划", "回访报告", "录音编号", "客户签字", "回执附件",
                "投顾", "投资顾问", "流失客户", "存量客户", "重点客户", "融资融券", "休眠客户", "大额转出", "工作日",
                "调休",
                "营销人员", "开发人员", "风控合规", "上报合规", "拨打次数", "回访不可达", "私募认购",
                # the rule titles' key words, which jieba would split (审核/人, 被/访人, 打印/件)
                "首次回访", "持续回访", "销户", "开户", "签约", "解约", "审核人", "被访人", "打印件", "不适用",
                "冷静期满", "检查日", "截止日", "工作表", "回执", "资产异动", "覆盖率", "录音", "双录")


def _teach_segmenter() -> None:
    """The callback vocabulary as whole words, so that a search for 冷静期 finds 冷静期.

    mkdocs-material segments Chinese with jieba when it is installed; jieba's dictionary takes
    about 1.5 s to load, so it is loaded here, for a build with the search index, and not when
    these hooks are merely imported."""
    try:
        import logging

        import jieba
    except ImportError:  # pragma: no cover
        return
    jieba.setLogLevel(logging.WARNING)
    from generator.workbook.contract import CALLBACK_TYPES, EVENT_TYPES
    for w in (*DOMAIN_WORDS, *CALLBACK_TYPES, *EVENT_TYPES):
        jieba.add_word(w, freq=200000)

EXTRA_KEY = "huifang_settings"     # mkdocs config.extra: the rules configuration in force
COMMANDS_KEY = "huifang_commands"  # mkdocs config.extra: the click group the command-line page describes
_TOKEN = re.compile(r"\[\[([A-Za-z]+\d*)(?:\.(\w+))?\]\]")


_CURRENT: list[Config] = []


def current() -> Config:
    """The rules configuration of the build in progress (set by on_config)."""
    return _CURRENT[-1] if _CURRENT else load_config(None)


def on_config(mkdocs_config, **kw):
    """`huifang site` hands its configuration over in config.extra; `mkdocs build` uses the defaults."""
    settings = mkdocs_config["extra"].get(EXTRA_KEY) or load_config(None)
    _CURRENT[:] = [settings]
    if "search" in mkdocs_config["plugins"] or "material/search" in mkdocs_config["plugins"]:
        _teach_segmenter()
    return mkdocs_config


def value(rule_id: str, key: str) -> str:
    p = RULES[rule_id].param(key)
    return p.show(current().settings(rule_id).values[p.key])


def rule_link(rule_id: str, page_dir: str) -> str:
    depth = page_dir.count("/") + 1 if page_dir else 0
    return f"[{rule_id} {RULES[rule_id].title}]({'../' * depth}rules/{rule_id}.md)"


RULE_BOOST = 10     # a rule's page comes before the manual pages that mention its words (tests/test_search.py)


def rule_page(rule_id: str) -> str:
    r = RULES[rule_id]
    s = current().settings(rule_id)
    lines = ["---", "search:", f"  boost: {RULE_BOOST}", "---", "", f"# {r.id} {r.title}", "",
             "| 级别 | 分类 | 状态 |", "|---|---|---|",
             f"| {SEVERITY_LABEL[s.severity]} | {GROUPS[r.group]} | {'启用' if s.enabled else '已停用'} |", "",
             "## 检查什么", "", r.text(s.values), "", "## 发现后怎么办", "", r.fix, ""]
    if r.params:
        lines += ["## 参数", "", "| 参数 | 含义 | 当前值 | 默认值 | 来源 | 依据 |", "|---|---|---|---|---|---|"]
        for p in r.params:
            basis = str(p.source) if p.source else ""
            if p.effective:
                basis += f"（{p.effective} 起施行）"
            lines.append(f"| `{p.key}` | {p.title} | {p.show(s.values[p.key])} | {p.show(p.default)} | "
                         f"{s.origins[p.key]} | {basis} |")
        lines += ["", "参数可在 `huifang.toml` 的 `[rules." + r.id + "]` 中修改。", ""]
    lines += sources_section(r, current().firm)
    if r.example is not None:
        lines += example_section(r)
    return "\n".join(lines)


def example_section(r) -> list[str]:
    """示例: the rule's own failing and passing case (the ones its tests build), as a reader follows them."""
    from generator.privacy import Masker
    from generator.rules.examples import CUSTOMER, RECORD, as_of, describe
    ex = r.example
    mask = Masker([CUSTOMER["客户名称"], RECORD["被访人"]])     # invented data, published as real data would be

    def md(text: str) -> str:
        return _md(mask(text))
    out = ["## 示例", "", "从一个干净的台账出发（一位客户 C0001、五名人员、一条合规的存量回访记录 R0001），"
                          f"检查日 {as_of(ex)}。", "",
           "**违反：**", ""]
    out += [f"- {md(line)}" for line in describe(ex.fails)]
    out += ["", f"报告 `{ex.cell}`：…{md(ex.message)}…", ""]
    if ex.passes:
        out += ["**改正后不再报告：**", ""] + [f"- {md(line)}" for line in describe(ex.passes)] + [""]
    return out


def _md(text: str) -> str:
    """Plain text in a Markdown line (examples are ours, but may hold * _ [ < characters)."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def rules_index() -> str:
    lines = ["# 规则目录", "", "`huifang validate` 按下列规则检查工作簿。每条规则有编号、级别、参数和依据；"
             "“错误”违反监管规定或公司制度，“警告”违反公司实务或数据质量要求。", ""]
    group = None
    for rid in ORDER:
        r = RULES[rid]
        if r.group != group:
            group = r.group
            lines += ["", f"## {GROUPS[group]}", "", "| 规则 | 级别 | 检查 |", "|---|---|---|"]
        s = current().settings(rid)
        lines.append(f"| [{rid}]({rid}.md) {r.title} | {SEVERITY_LABEL[s.severity] if s.enabled else '已停用'} | "
                     f"{r.text(s.values)} |")
    return "\n".join(lines) + "\n"


def questionnaires() -> str:
    out = []
    for kind, bank in current().banks.items():
        out += [f"### {kind}", "", "| 列名 | 问题 | 正常应答 | 必答 |", "|---|---|---|---|"]
        out += [f"| {q.short} | {q.text} | {q.expected} | {'是' if q.required else '否'} |" for q in bank]
        out.append("")
    return "\n".join(out)


def deadlines(page_dir: str) -> str:
    """The table of deadline rules, from each rule's Deadline and the values in force."""
    out = ["| 触发 | 应做的回访 | 时限 | 规则 |", "|---|---|---|---|"]
    for rid in ORDER:
        r = RULES[rid]
        dl = r.deadline
        if dl is None or not current().settings(rid).enabled:
            continue
        how = "须完成" if dl.completed else "任何结果"
        out.append(f"| {dl.trigger} | {dl.callback}（{how}） | {value(rid, dl.param)} | {rule_link(rid, page_dir)} |")
    return "\n".join(out) + "\n"


def _worklist() -> str:
    from generator.site.build import WORKLIST_DAYS
    return f"{WORKLIST_DAYS} 天"


def _plan_overdue() -> str:
    from generator.planning import OVERDUE_DAYS
    return f"{OVERDUE_DAYS} 个工作日"


# numbers of the product itself (not of a rule), written into the manual from the code that uses them
PRODUCT_NUMBERS = {"worklist": _worklist, "planoverdue": _plan_overdue, "roles": roles.markdown}


def on_page_markdown(markdown: str, page, **kw):
    """Expand the manual's tokens. Generated status pages are never expanded: their text
    comes from workbooks (and is escaped, so it could not form a token anyway)."""
    if page.file.src_uri.startswith("status/") or page.file.generated_by is not None:
        return markdown
    page_dir = str(Path(page.file.src_uri).parent).replace(".", "") if "/" in page.file.src_uri else ""

    def sub(m: re.Match) -> str:
        name, key = m.group(1), m.group(2)
        if name == "questionnaires":
            return questionnaires()
        if name == "deadlines":
            return deadlines(page_dir)
        if name in PRODUCT_NUMBERS:
            return PRODUCT_NUMBERS[name]()
        if name in RULES:
            return value(name, key) if key else rule_link(name, page_dir)
        raise ValueError(f"{page.file.src_uri}：未知的标记 {m.group(0)}")
    return _TOKEN.sub(sub, markdown)


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_WRAPPED = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n[ \\t]*(?=[{_CJK}])")
_VERBATIM = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>|<script\b.*?</script>)", re.S)


def join_wrapped_lines(html: str) -> str:
    """A line break between two Chinese characters in the Markdown source is not a space: the
    browser would show one (a stray gap inside a sentence). Code is left as it is."""
    parts = _VERBATIM.split(html)
    return "".join(p if k % 2 else _WRAPPED.sub("", p) for k, p in enumerate(parts))


def on_page_content(html: str, page, **kw):
    return join_wrapped_lines(html)


def on_files(files, config, **kw):
    for rid in RULES:
        files.append(File.generated(config, f"rules/{rid}.md", content=rule_page(rid)))
    files.append(File.generated(config, "rules/index.md", content=rules_index()))
    from generator.site.reference import cli_page, report_page, report_schema_text, workbook_page
    from generator.workbook.contract import build_contract
    files.append(File.generated(config, "reference/workbook.md",
                                content=workbook_page(build_contract(current().banks))))
    files.append(File.generated(config, "reference/cli.md", content=cli_page(config["extra"][COMMANDS_KEY])))
    files.append(File.generated(config, "reference/report.md", content=report_page()))
    files.append(File.generated(config, "reference/report.schema.json", content=report_schema_text()))
    if files.get_file_from_path("status/index.md") is None:
        files.append(File.generated(config, "status/index.md",
                                    content="# 合规状态\n\n运行 `huifang site 工作簿 --out 目录` "
                                            "生成各营业部的合规状态页。\n"))
    from generator.workbook.blank import init_workbook
    from generator.documents.templates import NAMES, TEMPLATE_DIR
    for name in NAMES.values():
        files.append(File.generated(config, f"downloads/{name}", abs_src_path=str(TEMPLATE_DIR / name)))
    tmp = scratch.scratch_dir("blank")
    try:
        blank = init_workbook(tmp / "回访台账_空白.xlsx", contract=None).read_bytes()
    finally:
        scratch.remove(tmp)
    files.append(File.generated(config, "downloads/回访台账_空白.xlsx", content=blank))
    offline.add_files(files, config)
    return files
