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

Every value in force records where it came from; a wrong key or value is a ConfigError
naming it.
"""
from __future__ import annotations

from generator.errors import HuifangError

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.workbook.questions import DEFAULT_BANKS, Question
from generator.rules.durations import DAY, HOUR, MONTH, WORKDAY, Duration
from generator.rules.registry import ERROR, RULES, WARNING, Rule

# a window given in days, working days or months may be written in any of them; hours stay hours
_DURATION_UNITS = {DAY: (DAY, WORKDAY, MONTH), WORKDAY: (DAY, WORKDAY, MONTH), MONTH: (DAY, WORKDAY, MONTH),
                   HOUR: (HOUR, DAY)}

CONFIG_NAME = "huifang.toml"
DEFAULT_ORIGIN = "默认值"

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


@dataclass
class Config:
    rules: dict[str, RuleSettings]
    banks: dict[str, tuple[Question, ...]]
    calendar_years: dict[int, dict[str, list[date]]]
    source: Path | None = None
    profile: str | None = None

    def settings(self, rule_id: str) -> RuleSettings:
        return self.rules[rule_id]


def default_config() -> Config:
    return load_config(None)


def find_config(paths: list[Path]) -> Path | None:
    """`huifang.toml` beside the first workbook, or inside the first folder given."""
    for p in paths:
        here = p if p.is_dir() else p.parent
        cand = here / CONFIG_NAME
        if cand.is_file():
            return cand
    return None


def load_config(path: Path | None) -> Config:
    raw: dict = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{path}：找不到配置文件") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}：配置文件格式错误（{e}）") from None
        except OSError as e:
            raise ConfigError(f"{path}：无法读取配置文件（{e.strerror}）") from None
    where = str(path) if path else ""
    unknown = set(raw) - {"profile", "rules", "calendar", "questions"}
    if unknown:
        raise ConfigError(f"{where}：不认识的配置项“{sorted(unknown)[0]}”（可用：profile、rules、calendar、questions）")

    rules = {rid: RuleSettings(r, True, r.severity, {p.key: p.default for p in r.params},
                               {p.key: DEFAULT_ORIGIN for p in r.params})
             for rid, r in RULES.items()}
    profile = raw.get("profile")
    if profile is not None:
        if profile not in PROFILES:
            raise ConfigError(f"{where}：profile = “{profile}” 不存在（可用：{'、'.join(PROFILES)}）")
        for rid, overrides in PROFILES[profile].items():
            _apply(rules[rid], overrides, f"方案 {profile}", where)
    rules_raw = raw.get("rules", {})
    if not isinstance(rules_raw, dict):
        raise ConfigError(f"{where}：[rules] 应为表")
    for rid, overrides in rules_raw.items():
        if rid not in rules:
            raise ConfigError(f"{where}：[rules.{rid}] 不是已知的规则编号（huifang rules 可列出全部规则）")
        if not isinstance(overrides, dict):
            raise ConfigError(f"{where}：[rules.{rid}] 应为表")
        _apply(rules[rid], overrides, where, where)
    return Config(rules, _banks(raw.get("questions", {}), where), _calendar(raw.get("calendar", {}), where),
                  path, profile)


def _apply(s: RuleSettings, overrides: dict, origin: str, where: str) -> None:
    rid = s.rule.id
    for key, value in overrides.items():
        if key == "enabled":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}：rules.{rid}.enabled 应为 true 或 false")
            s.enabled = value
            continue
        if key == "severity":
            if value not in (ERROR, WARNING):
                raise ConfigError(f"{where}：rules.{rid}.severity 应为 \"error\" 或 \"warning\"，而不是 “{value}”")
            s.severity = value
            continue
        try:
            p = s.rule.param(key)
        except KeyError:
            keys = "、".join(["enabled", "severity", *(p.key for p in s.rule.params)])
            raise ConfigError(f"{where}：规则 {rid} 没有参数“{key}”（可用：{keys}）") from None
        key = p.key
        default = p.default
        if isinstance(default, Duration):
            try:
                value = Duration.parse(value, default.unit)
            except ValueError as e:
                raise ConfigError(f"{where}：rules.{rid}.{key} {e}") from None
            if value.unit not in _DURATION_UNITS.get(default.unit, (default.unit,)):
                raise ConfigError(f"{where}：rules.{rid}.{key} 的单位应为{'或'.join(_DURATION_UNITS[default.unit])}，"
                                  f"而不是“{value.unit}”")
        elif isinstance(default, dict):
            value = {**default, **_methods_table(value, f"{where}：rules.{rid}.{key}")}
        elif p.choices:
            if value not in p.choices:
                raise ConfigError(f"{where}：rules.{rid}.{key} 应为 {' 或 '.join(map(repr, p.choices))}，而不是 “{value}”")
        elif isinstance(default, bool) or not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where}：rules.{rid}.{key} 应为数字，而不是 “{value}”")
        elif value < 0:
            raise ConfigError(f"{where}：rules.{rid}.{key} 不能为负数")
        elif isinstance(default, int) and not float(value).is_integer():
            raise ConfigError(f"{where}：rules.{rid}.{key} 应为整数，而不是 “{value}”")
        else:
            value = type(default)(value)
        s.values[key] = value
        s.origins[key] = origin


def _calendar(raw: dict, where: str) -> dict[int, dict[str, list[date]]]:
    out = {}
    for year, spec in raw.items():
        if not str(year).isdigit() or not isinstance(spec, dict):
            raise ConfigError(f"{where}：[calendar.{year}] 应为年份，如 [calendar.2027]")
        entry = {}
        for key in ("holidays", "workdays"):
            days = spec.get(key, [])
            if not isinstance(days, list) or not all(isinstance(d, date) for d in days):
                raise ConfigError(f"{where}：calendar.{year}.{key} 应为日期列表，如 [2027-01-01]")
            if any(d.year != int(year) for d in days):
                raise ConfigError(f"{where}：calendar.{year}.{key} 中有不属于 {year} 年的日期")
            entry[key] = days
        extra = set(spec) - {"holidays", "workdays"}
        if extra:
            raise ConfigError(f"{where}：calendar.{year} 不认识“{sorted(extra)[0]}”（可用：holidays、workdays）")
        out[int(year)] = entry
    return out


def _banks(raw: dict, where: str) -> dict[str, tuple[Question, ...]]:
    banks = dict(DEFAULT_BANKS)
    for kind, items in raw.items():
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}：questions.{kind} 应为问题列表")
        bank = []
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict) or "short" not in item or item.get("expected") not in ("是", "否"):
                raise ConfigError(f"{where}：questions.{kind} 第 {n} 题须有 short（列名）和 expected（“是”或“否”）")
            bank.append(Question(str(item["short"]), str(item.get("text", item["short"])), item["expected"],
                                 bool(item.get("required", True)), str(item.get("source", "公司配置"))))
        banks[kind] = tuple(bank)
    return banks


def _methods_table(value, where: str) -> dict[str, list[str]]:
    """A table of callback type -> allowed methods, as huifang.toml writes it:
    allowed = { "销户回访" = ["电话"], "休眠客户回访" = ["电话", "电子邮件"] }"""
    from generator.workbook.contract import CALLBACK_TYPES, METHODS
    if not isinstance(value, dict):
        raise ConfigError(f"{where} 应为表，如 {{ \"销户回访\" = [\"电话\"] }}")
    out = {}
    for kind, methods in value.items():
        if kind not in CALLBACK_TYPES:
            raise ConfigError(f"{where}：“{kind}”不是回访类型（可用：{'、'.join(CALLBACK_TYPES)}）")
        if not isinstance(methods, list) or not methods or any(m not in METHODS for m in methods):
            raise ConfigError(f"{where}.{kind} 应为回访方式列表，取自：{'、'.join(METHODS)}")
        out[kind] = list(methods)
    return out
