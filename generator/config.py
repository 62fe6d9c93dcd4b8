"""Rules configuration: `huifang.toml` beside the workbooks or named by `--config`.

    profile = "sichuan"              # a named set of overrides

    [rules.OUT001]                   # any parameter of a rule, by its key
    min_attempts = 5
    [rules.MTH004]
    severity = "error"               # or "warning"
    [rules.PLN001]
    enabled = false

    [calendar.2027]                  # a year the calendar package does not know yet
    holidays = [2027-01-01, 2027-02-08]
    workdays = [2027-02-06]

    [questions]                      # replace a callback type's question bank
    私募产品回访 = [{short = "本人购买", text = "……", expected = "是"}]

    [firm.documents]                 # the firm's own 制度: a short key -> its full title
    "回访办法" = "某某证券股份有限公司客户回访管理办法（2024 年修订）"
    [firm.cite]                      # rule ID or group -> "document key article" (or a list)
    NEW001 = "回访办法 第十二条"
    independence = "回访办法 第五条"   # every rule of a group (a rule's own line wins)

Every value in force records where it came from; a wrong key or value is a ConfigError
naming it. The file is read as staff save it (UTF-8 with or without BOM, UTF-16 with BOM, GBK /
GB18030); it must be a regular file of at most 1 MB. Every number is bounded: windows by
durations.MAX (about five years in each unit), other parameters by NUMBER_BOUNDS of their unit.
"""
from __future__ import annotations

from generator.errors import HuifangError

import codecs
import math
import os
import re
import stat
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.names import shown as path_shown
from generator.workbook.questions import DEFAULT_BANKS, Question
from generator.workbook.values import norm_header
from generator.rules.durations import DAY, HOUR, MONTH, WORKDAY, Duration
from generator.rules.registry import ERROR, GROUPS, NO_FIRM, RULES, WARNING, Firm, Param, Rule

# a window given in days, working days or months may be written in any of them; hours stay hours
_DURATION_UNITS = {DAY: (DAY, WORKDAY, MONTH), WORKDAY: (DAY, WORKDAY, MONTH), MONTH: (DAY, WORKDAY, MONTH),
                   HOUR: (HOUR, DAY)}

CONFIG_NAME = "huifang.toml"
DEFAULT_ORIGIN = "默认值"
MAX_BYTES = 1 << 20                    # a rules configuration is a page of text, never a megabyte

# the range of a number parameter, by its unit: a share is a percentage, a count of calls stays
# human, a number of days at most about five years (as durations.MAX), an amount at most 1 万亿元
NUMBER_BOUNDS: dict[str, tuple[float, float]] = {"%": (0, 100), "次": (0, 1000), "天": (0, 1826),
                                                 "元": (0, 10 ** 12)}
OTHER_BOUND = (0, 10 ** 12)            # a number parameter of a unit not listed above
CALENDAR_YEARS = (1990, 2100)
MAX_SHORT, MAX_TEXT = 20, 300          # a question's column name and its text, in characters

PROFILES: dict[str, dict[str, dict[str, object]]] = {
    # 四川证监局 2011 年工作要求（投资顾问）: 投顾持续回访每季度至少一次（002 第十条(二)）
    "sichuan": {"IA003": {"period": "quarter"}},
}
PROFILE_NOTE = {"sichuan": "四川辖区：投顾持续回访每季度至少一次（002 第十条(二)）"}


class ConfigError(HuifangError):
    """A configuration that cannot be used. The message is Chinese and names the key."""


@dataclass
class RuleSettings:
    rule: Rule
    enabled: bool = True
    severity: str = ""
    values: dict[str, object] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, key: str):
        try:
            return self.__dict__["values"][key]
        except KeyError:
            raise AttributeError(key) from None


@dataclass(frozen=True)
class LedgerSettings:
    """[ledger]: where runs are recorded. `path` a SQLite file (relative to huifang.toml's folder),
    `url` a PostgreSQL server (postgresql://…); neither: huifang-ledger.sqlite beside the workbooks."""
    path: Path | None = None
    url: str | None = None


@dataclass
class Config:
    rules: dict[str, RuleSettings]
    banks: dict[str, tuple[Question, ...]]
    calendar_years: dict[int, dict[str, list[date]]]
    source: Path | None = None
    profile: str | None = None
    firm: Firm = NO_FIRM            # the firm's own 制度 and the articles each rule rests on ([firm])
    ledger: LedgerSettings = field(default_factory=lambda: LedgerSettings())
    # the parsed huifang.toml and where it came from: a worker process rebuilds this very configuration
    # from them (validate/pool.py), not by reading the file again
    raw: dict = field(default_factory=dict)
    where: str = ""
    cite_texts: dict = field(default_factory=dict, repr=False, compare=False)   # rule -> full citation, made once

    def settings(self, rule_id: str) -> RuleSettings:
        return self.rules[rule_id]


def find_config(paths: list[Path]) -> Path | None:
    """`huifang.toml` beside the first workbook, or inside the first folder given. Anything of
    that name counts, so that a folder or pipe called huifang.toml is refused rather than ignored."""
    for p in paths:
        try:
            here = p if p.is_dir() else p.parent
            cand = here / CONFIG_NAME
            if os.path.lexists(cand):
                return cand
        except OSError:                     # a folder we may not look into has no configuration for us
            continue
    return None


def load_config(path: Path | None) -> Config:
    raw: dict = {}
    if path is not None:
        raw = _parse(read_text(path), path)
    try:
        return config_from(raw, path_shown(path) if path else "", path)
    except RecursionError:                  # a value nested thousands deep
        raise ConfigError(f"{path_shown(path)}：配置文件嵌套过深") from None


_KINDS = ((stat.S_ISDIR, "文件夹"), (stat.S_ISFIFO, "命名管道"), (stat.S_ISCHR, "设备"), (stat.S_ISBLK, "设备"),
          (stat.S_ISSOCK, "套接字"))


def read_text(path: Path) -> str:
    """The text of a configuration file: a regular file of at most MAX_BYTES, decoded as staff
    save it. Never blocks on a pipe or device: the path is looked at before it is opened, and the
    file opened without waiting and looked at again, in case it was swapped in between."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        _regular(os.stat(path), path)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            _regular(os.fstat(fh.fileno()), path)
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path_shown(path)}：找不到配置文件") from None
    except OSError as e:
        raise ConfigError(f"{path_shown(path)}：无法读取配置文件（{e.strerror or e}）") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path_shown(path)}：配置文件超过 1 MB，不像是规则配置")
    return _decode(data, path)


def _regular(st: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "特殊文件")
        raise ConfigError(f"{path_shown(path)}：是{kind}，不是配置文件（应为 .toml 文本文件）")
    if st.st_size > MAX_BYTES:
        raise ConfigError(f"{path_shown(path)}：配置文件超过 1 MB，不像是规则配置")


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 with or without BOM; UTF-16 with BOM (Notepad's “Unicode”); otherwise GBK / GB18030,
    the ANSI of Chinese Windows."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{path_shown(path)}：配置文件的编码无法识别（请另存为 UTF-8 或 GBK 编码的文本）")


_TOML_REASON = {"Invalid statement": "无法识别的语句", "Expected '=' after a key in a key/value pair": "键后应有 =",
                "Invalid value": "无法识别的值", "Unclosed array": "列表缺少 ]", "Unclosed inline table": "表缺少 }",
                "Unterminated string": "字符串缺少结束引号", "Cannot declare": "重复定义",
                "Cannot overwrite a value": "重复定义",
                "Expected newline or end of document after a statement": "一行只能写一项",
                "Illegal character": "含有不允许的控制字符"}


def _parse(text: str, path: Path) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.fullmatch(r"(.*?) \(at line (\d+), column (\d+)\)", str(e))
        reason, at = (m[1], f"第 {m[2]} 行第 {m[3]} 列") if m else (str(e).split(" (at ")[0], "文件末尾")
        reason = next((zh for en, zh in _TOML_REASON.items() if reason.startswith(en)), reason)
        raise ConfigError(f"{path_shown(path)}：配置文件格式错误（{at}：{reason}）") from None
    except RecursionError:
        raise ConfigError(f"{path_shown(path)}：配置文件格式错误（嵌套过深）") from None
    except ValueError:                      # an integer of thousands of digits
        raise ConfigError(f"{path_shown(path)}：配置文件格式错误（数字过长）") from None


def shown(value) -> str:
    """A value as a one-line message quotes it: short, printable, never the repr of a whole table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "一个表"
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, int):
        return str(value) if abs(value) < 10 ** 15 else "过大的数"
    if isinstance(value, float):
        return f"{value:g}"
    if not isinstance(value, str):         # a date, a datetime or a time of day
        return value.isoformat() if hasattr(value, "isoformat") else type(value).__name__
    text = "".join(c if c.isprintable() else " " for c in value)
    return text if len(text) <= 30 else text[:30] + "…"


def _table(value, what: str, where: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}：{what} 应为表，而不是“{shown(value)}”")
    return value


def config_from(raw: dict, where: str, path: Path | None = None) -> Config:
    """The configuration a parsed huifang.toml describes; a ConfigError names the first wrong key."""
    unknown = set(raw) - {"profile", "rules", "calendar", "questions", "firm", "ledger"}
    if unknown:
        raise ConfigError(f"{where}：不认识的配置项“{shown(min(unknown))}”（可用：profile、rules、calendar、questions、"
                          "firm、ledger）")

    rules = {rid: RuleSettings(r, True, r.severity, {p.key: p.default for p in r.params},
                               {p.key: DEFAULT_ORIGIN for p in r.params})
             for rid, r in RULES.items()}
    profile = raw.get("profile")
    if profile is not None:
        if not isinstance(profile, str) or profile not in PROFILES:
            raise ConfigError(f"{where}：profile = “{shown(profile)}” 不存在（可用：{'、'.join(PROFILES)}）")
        for rid, overrides in PROFILES[profile].items():
            _apply(rules[rid], overrides, f"方案 {profile}", where)
    for rid, overrides in _table(raw.get("rules", {}), "[rules]", where).items():
        if rid.upper() not in rules:
            raise ConfigError(f"{where}：[rules.{shown(rid)}] 不是已知的规则编号（huifang rules 可列出全部规则）")
        _apply(rules[rid.upper()], _table(overrides, f"[rules.{shown(rid)}]", where), where, where)
    docs, cites = firm_documents(raw.get("firm", {}), where)
    return Config(rules, _banks(raw.get("questions", {}), where), _calendar(raw.get("calendar", {}), where),
                  path, profile, Firm.named(docs, cites), ledger_settings(raw.get("ledger", {}), where, path),
                  raw, where)


def _apply(s: RuleSettings, overrides: dict, origin: str, where: str) -> None:
    rid = s.rule.id
    for key, value in overrides.items():
        name = f"rules.{rid}.{shown(key)}"
        if key == "enabled":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}：{name} 应为 true 或 false，而不是 “{shown(value)}”")
            s.enabled = value
            continue
        if key == "severity":
            if not isinstance(value, str) or value not in (ERROR, WARNING):
                raise ConfigError(f"{where}：{name} 应为 \"error\" 或 \"warning\"，而不是 “{shown(value)}”")
            s.severity = value
            continue
        try:
            p = s.rule.param(key)
        except KeyError:
            keys = "、".join(["enabled", "severity", *(p.key for p in s.rule.params)])
            raise ConfigError(f"{where}：规则 {rid} 没有参数“{shown(key)}”（可用：{keys}）") from None
        name = f"rules.{rid}.{p.key}"
        default = p.default
        if isinstance(default, Duration):
            try:
                value = Duration.parse(value, default.unit)
            except ValueError as e:
                raise ConfigError(f"{where}：{name} {e}") from None
            if value.unit not in _DURATION_UNITS.get(default.unit, (default.unit,)):
                raise ConfigError(f"{where}：{name} 的单位应为{'或'.join(_DURATION_UNITS[default.unit])}，"
                                  f"而不是“{value.unit}”")
        elif isinstance(default, dict):
            value = {**default, **_methods_table(value, f"{where}：{name}")}
        elif isinstance(default, tuple):
            value = roles_list(value, f"{where}：{name}")
        elif p.choices:
            if not isinstance(value, str) or value not in p.choices:
                raise ConfigError(f"{where}：{name} 应为 {' 或 '.join(map(repr, p.choices))}，而不是 “{shown(value)}”")
        else:
            value = _number(p, value, f"{where}：{name}")
        s.values[p.key] = value
        s.origins[p.key] = origin


def _number(p: Param, value, name: str) -> int | float:
    """A number parameter: a finite number within the bounds of its unit, an integer where the
    default is one."""
    if isinstance(p.default, bool) or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} 应为数字，而不是 “{shown(value)}”")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{name} 应为有限的数字，而不是 {shown(value)}")
    lo, hi = NUMBER_BOUNDS.get(p.unit, OTHER_BOUND)
    if value < lo:
        raise ConfigError(f"{name} 不能为负数" if lo == 0 else f"{name} 不能小于 {p.show(lo)}")
    if value > hi:
        raise ConfigError(f"{name} 不能超过 {p.show(hi)}，而不是 {shown(value)}")
    if isinstance(p.default, int) and not float(value).is_integer():
        raise ConfigError(f"{name} 应为整数，而不是 {shown(value)}")
    return type(p.default)(value)


def _calendar(raw, where: str) -> dict[int, dict[str, list[date]]]:
    out = {}
    lo, hi = CALENDAR_YEARS
    for year, spec in _table(raw, "[calendar]", where).items():
        if not re.fullmatch(r"[0-9]{4}", year) or not lo <= int(year) <= hi:
            raise ConfigError(f"{where}：[calendar.{shown(year)}] 应为 {lo}—{hi} 之间的年份，如 [calendar.2027]")
        spec = _table(spec, f"[calendar.{year}]", where)
        extra = set(spec) - {"holidays", "workdays"}
        if extra:
            raise ConfigError(f"{where}：calendar.{year} 不认识“{shown(min(extra))}”（可用：holidays、workdays）")
        entry = {}
        for key in ("holidays", "workdays"):
            days = spec.get(key, [])
            # a datetime is a date too, but would never equal a day of the calendar
            if not isinstance(days, list) or not all(type(d) is date for d in days):
                raise ConfigError(f"{where}：calendar.{year}.{key} 应为日期列表，如 [2027-01-01]")
            if any(d.year != int(year) for d in days):
                raise ConfigError(f"{where}：calendar.{year}.{key} 中有不属于 {year} 年的日期")
            entry[key] = days
        both = set(entry["holidays"]) & set(entry["workdays"])
        if both:
            raise ConfigError(f"{where}：calendar.{year} 中 {min(both)} 既列为放假（holidays）又列为上班（workdays），"
                              "请只保留一处")
        out[int(year)] = entry
    return out


_QUESTION_KEYS = ("short", "text", "expected", "required", "source")


def _banks(raw, where: str) -> dict[str, tuple[Question, ...]]:
    """The question banks: a bank of the configuration replaces the type's default bank. A short
    name is a column of 回访记录 (as the reader normalises headers), so it may not repeat another
    column of the sheet or another question of its bank; banks of different types may share one,
    as the default banks do (one column, answered for each type by its own bank)."""
    from generator.workbook.contract import CALLBACK_TYPES, build_contract
    banks = dict(DEFAULT_BANKS)
    raw = _table(raw, "[questions]", where)
    fixed = {norm_header(c.name) for c in build_contract({})["回访记录"].columns} if raw else set()
    for kind, items in raw.items():
        name = f"questions.{shown(kind)}"
        if kind not in CALLBACK_TYPES:
            raise ConfigError(f"{where}：{name}：“{shown(kind)}”不是回访类型（可用：{'、'.join(CALLBACK_TYPES)}）")
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}：{name} 应为问题列表，如 [{{short = \"本人购买\", expected = \"是\"}}]")
        bank: list[Question] = []
        for n, item in enumerate(items, 1):
            at = f"{where}：{name} 第 {n} 题"
            if not isinstance(item, dict) or "short" not in item or item.get("expected") not in ("是", "否"):
                raise ConfigError(f"{at}须有 short（列名）和 expected（“是”或“否”）")
            extra = set(item) - set(_QUESTION_KEYS)
            if extra:
                raise ConfigError(f"{at}不认识“{shown(min(extra))}”（可用：{'、'.join(_QUESTION_KEYS)}）")
            short = norm_header(_text(item["short"], f"{at}的 short", MAX_SHORT))
            if not short:
                raise ConfigError(f"{at}的 short 是空的")
            if short in fixed:
                raise ConfigError(f"{at}的 short “{short}”与回访记录表的列“{short}”重名，请换一个列名")
            if any(q.short == short for q in bank):
                raise ConfigError(f"{at}的 short “{short}”与本类回访的另一题重名")
            text = _text(item.get("text", short), f"{at}的 text", MAX_TEXT) or short
            required = item.get("required", True)
            if not isinstance(required, bool):
                raise ConfigError(f"{at}的 required 应为 true 或 false，而不是 “{shown(required)}”")
            source = _text(item.get("source", "公司配置"), f"{at}的 source", MAX_TEXT)
            bank.append(Question(short, text, item["expected"], required, source))
        banks[kind] = tuple(bank)
    return banks


def _text(value, name: str, most: int) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name} 应为文字，而不是 “{shown(value)}”")
    if len(value) > most:
        raise ConfigError(f"{name} 过长（{len(value)} 字，最多 {most} 字）")
    if any(unicodedata.category(c) == "Cc" and not c.isspace() for c in value):
        raise ConfigError(f"{name} 含有控制字符")
    return " ".join(value.split())            # a multi-line string becomes one line


def _methods_table(value, where: str) -> dict[str, list[str]]:
    """A table of callback type -> allowed methods, as huifang.toml writes it:
    allowed = { "销户回访" = ["电话"], "休眠客户回访" = ["电话", "电子邮件"] }"""
    from generator.workbook.contract import CALLBACK_TYPES, METHODS
    if not isinstance(value, dict):
        raise ConfigError(f"{where} 应为表，如 {{ \"销户回访\" = [\"电话\"] }}")
    out = {}
    for kind, methods in value.items():
        if kind not in CALLBACK_TYPES:
            raise ConfigError(f"{where}：“{shown(kind)}”不是回访类型（可用：{'、'.join(CALLBACK_TYPES)}）")
        if (not isinstance(methods, list) or not methods
                or any(not isinstance(m, str) or m not in METHODS for m in methods)):
            raise ConfigError(f"{where}.{kind} 应为回访方式列表，取自：{'、'.join(METHODS)}")
        out[kind] = list(methods)
    return out


# ------------------------------------------------------------------ roles and the firm's documents

def roles_list(value, name: str) -> tuple[str, ...]:
    """A list of 岗位 (IND003, PLN002 `roles`): at least one, each one of the contract's roles."""
    from generator.workbook.contract import ROLES
    if (not isinstance(value, list) or not value or len(value) > len(ROLES)
            or any(not isinstance(r, str) or r not in ROLES for r in value)):
        raise ConfigError(f"{name} 应为岗位列表，取自：{'、'.join(ROLES)}，如 [\"部门主管\", \"合规管理\"]")
    return tuple(dict.fromkeys(value))


MAX_DOCUMENTS, MAX_TITLE, MAX_CITE, MAX_CITES = 30, 100, 60, 10
_FIRM_KEYS = ("documents", "cite")


def firm_documents(raw, where: str) -> tuple[dict[str, str], dict[str, tuple[tuple[str, str], ...]]]:
    """[firm]: the firm's own 制度 (`documents`: key -> title) and which of their articles each
    rule rests on (`cite`: a rule ID or a group -> "key article" or a list of them). A group's
    line applies to every rule of it that has no line of its own."""
    raw = _table(raw, "[firm]", where)
    extra = set(raw) - set(_FIRM_KEYS)
    if extra:
        raise ConfigError(f"{where}：firm 不认识“{shown(min(extra))}”（可用：{'、'.join(_FIRM_KEYS)}）")
    docs: dict[str, str] = {}
    given = _table(raw.get("documents", {}), "[firm.documents]", where)
    if len(given) > MAX_DOCUMENTS:
        raise ConfigError(f"{where}：firm.documents 最多 {MAX_DOCUMENTS} 份文件，而不是 {len(given)} 份")
    for key, title in given.items():
        name = f"firm.documents.{shown(key)}"
        k = _text(key, f"{where}：{name} 的名称", MAX_SHORT)
        if not k or any(c.isspace() for c in key):
            raise ConfigError(f"{where}：{name} 的名称不能为空，也不能含空格（如 回访办法）")
        docs[k] = _text(title, f"{where}：{name}", MAX_TITLE)
        if not docs[k]:
            raise ConfigError(f"{where}：{name} 应写文件的全称，"
                              "如 \"某某证券股份有限公司客户回访管理办法（2024 年修订）\"")
    cites = _table(raw.get("cite", {}), "[firm.cite]", where)
    if cites and not docs:
        raise ConfigError(f"{where}：firm.cite 引用了本公司制度，但 [firm.documents] 中没有列出任何文件")
    by_group, by_rule = {}, {}
    groups = {**{g: g for g in GROUPS}, **{zh: g for g, zh in GROUPS.items()}}
    for target, value in cites.items():
        name = f"firm.cite.{shown(target)}"
        pairs = _cites(value, docs, f"{where}：{name}")
        if target.upper() in RULES:
            by_rule[target.upper()] = pairs
        elif target in groups:
            by_group[groups[target]] = pairs
        else:
            raise ConfigError(f"{where}：{name}：“{shown(target)}”既不是规则编号，也不是规则分类"
                              f"（分类可用：{'、'.join(GROUPS)}）")
    out = {rid: by_rule.get(rid) or by_group[r.group] for rid, r in RULES.items()
           if rid in by_rule or r.group in by_group}
    return docs, out


def _cites(value, docs: dict[str, str], name: str) -> tuple[tuple[str, str], ...]:
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > MAX_CITES:
        raise ConfigError(f"{name} 应为 1 至 {MAX_CITES} 处条款")
    out = []
    for item in items:
        text = _text(item, name, MAX_CITE)
        key, _, article = text.partition(" ")
        if key not in docs:
            if len(docs) != 1:
                raise ConfigError(f"{name}：“{shown(text)}”应以 [firm.documents] 中的文件名开头"
                                  f"（可用：{'、'.join(docs)}），如 \"{next(iter(docs))} 第十二条\"")
            key, article = next(iter(docs)), text          # one document: the article alone will do
        if not article.strip():
            raise ConfigError(f"{name}：“{shown(text)}”没有写条款，如 \"{key} 第十二条\"")
        out.append((key, article.strip()))
    return tuple(out)


MAX_LEDGER_PATH, MAX_LEDGER_URL = 1000, 2000   # characters
_LEDGER_KEYS = ("path", "url")


def ledger_settings(raw, where: str, config_path: Path | None = None) -> LedgerSettings:
    """The [ledger] table: `path` (a SQLite file) or `url` (postgresql://…), not both."""
    raw = _table(raw, "[ledger]", where)
    extra = set(raw) - set(_LEDGER_KEYS)
    if extra:
        raise ConfigError(f"{where}：ledger 不认识“{shown(min(extra))}”（可用：path、url）")
    if "path" in raw and "url" in raw:
        raise ConfigError(f"{where}：ledger.path 和 ledger.url 只能写一项（SQLite 文件或 PostgreSQL 服务器）")
    if "path" in raw:
        text = _text(raw["path"], f"{where}：ledger.path", MAX_LEDGER_PATH)
        if not text:
            raise ConfigError(f"{where}：ledger.path 是空的")
        path = Path(text).expanduser()
        if not path.is_absolute() and config_path is not None:
            path = config_path.parent / path
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".toml"):
            raise ConfigError(f"{where}：ledger.path 不能是工作簿或配置文件（{shown(text)}），请用 .sqlite 文件")
        return LedgerSettings(path=path)
    if "url" in raw:
        url = _text(raw["url"], f"{where}：ledger.url", MAX_LEDGER_URL)
        if not re.match(r"postgres(ql)?://", url):
            raise ConfigError(f"{where}：ledger.url 应以 postgresql:// 开头，如 \"postgresql://用户@服务器/数据库\"")
        return LedgerSettings(url=url)
    return LedgerSettings()
