"""What a report was judged from (issue 28): huifang's version, a fingerprint of the rule catalogue
and of the parameters in force (with where each came from), the calendar used per year, and for
each input its SHA-256, size and modification time.

The fingerprints are SHA-256 over a canonical JSON text (sorted keys, no spaces), so the same
rules and parameters give the same fingerprint on any machine and in any run.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from generator import __version__
from generator.names import shown

CHUNK = 1 << 20                     # inputs are hashed while streamed once, 1 MB at a time
CALENDAR_LABEL = {"official": "官方", "config": "配置", "provisional": "暂定"}


# what json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
# makes for each call, made once
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode


def canonical(value) -> str:
    """The one JSON text of a value: sorted keys, no spaces, dates and other values as text."""
    return _CANONICAL(value)


def digest(value) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class InputFile:
    file: str                       # as the user knows it (names.shown)
    sha256: str
    size: int
    modified: str                   # local time of the last modification, YYYY-MM-DD HH:MM:SS
    path: str = ""                  # as the system names it: two files can be shown alike (GBK and UTF-8 台账.xlsx)


def stamp(path: Path) -> tuple[int, int] | None:
    """Size and modification time (ns) of a file, taken before it is read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def input_facts(path: Path, before: tuple[int, int] | None = None) -> InputFile:
    """SHA-256, size and modification time of one input, read once in 1 MB chunks. The size and
    time are those of the file as it was opened (fstat), so the three belong together; with
    `before` (stamp() taken before the workbook was read) a file saved again meanwhile is refused,
    since the hash would not be that of the version judged."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        if before is not None and before != (st.st_size, st.st_mtime_ns):
            from generator.workbook.inspect import ReadError
            raise ReadError(f"{shown(path)}：校验期间文件被修改或另存了，报告无法说明校验的是哪个版本；"
                            "请等保存完成后重新运行")
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    when = datetime.fromtimestamp(st.st_mtime).isoformat(sep=" ", timespec="seconds")
    return InputFile(shown(path), h.hexdigest(), st.st_size, when, str(path))


@dataclass(frozen=True)
class Parameter:
    rule: str
    key: str
    value: str
    origin: str


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: str                     # official / config / provisional

    @property
    def label(self) -> str:
        return CALENDAR_LABEL.get(self.source, self.source)


def _text(value) -> str:
    if isinstance(value, (dict, list)):
        return canonical(value)
    show = getattr(value, "show", None)
    if callable(show):
        return show()
    return str(value)


def rules_fingerprint() -> str:
    """Every rule's id, severity, parameters with their defaults and sources, as text."""
    from generator.rules import RULES
    return digest([[r.id, r.severity, [[p.key, _text(p.default), p.unit, str(p.source or ""),
                                        str(p.effective or "")] for p in r.params],
                    [str(s) for s in r.sources]] for _, r in sorted(RULES.items())])


def parameters(config) -> list[Parameter]:
    """Every parameter in force, with where it came from; a rule switched off or given another
    severity is listed too (keys `enabled` and `severity`)."""
    origin = shown(config.source) if config.source else "配置文件"
    out = []
    for rid, s in sorted(config.rules.items()):
        if not s.enabled:
            out.append(Parameter(rid, "enabled", "false", origin))
        if s.severity != s.rule.severity:
            out.append(Parameter(rid, "severity", s.severity, origin))
        out += [Parameter(rid, key, _text(value), s.origins.get(key, "")) for key, value in s.values.items()]
    return out


def parameters_fingerprint(config) -> str:
    """The parameters in force and their origins, the question banks and the configured calendar years."""
    return digest({"parameters": [[p.rule, p.key, p.value, p.origin] for p in parameters(config)],
                   "questions": {kind: [[q.short, q.text, q.expected, q.required, q.source] for q in bank]
                                 for kind, bank in sorted(config.banks.items())},
                   "calendar": {str(y): {k: sorted(map(str, v)) for k, v in spec.items()}
                                for y, spec in sorted(config.calendar_years.items())},
                   "profile": config.profile})


def calendar_years(cal, as_of: date, since: date) -> list[CalendarYear]:
    """The calendar of every year of the check period and of every year a deadline went through."""
    years = set(range(since.year, as_of.year + 1)) | set(cal.provisional_used)
    years |= cal.years_used()
    return [CalendarYear(y, cal.source(y)) for y in sorted(years)]


@dataclass
class Provenance:
    version: str
    rules_fingerprint: str
    parameters_fingerprint: str
    config: str | None
    profile: str | None
    parameters: list[Parameter]
    calendar: list[CalendarYear]
    inputs: list[InputFile]

    @property
    def changed(self) -> list[Parameter]:
        """The parameters that are not the defaults."""
        from generator.config import DEFAULT_ORIGIN
        return [p for p in self.parameters if p.origin != DEFAULT_ORIGIN]


def provenance(report) -> Provenance:
    from generator.rules.workdays import WorkCalendar
    config = report.config
    cal = report.books[0].ctx.cal if report.books else WorkCalendar(config.calendar_years)
    return Provenance(__version__, rules_fingerprint(), parameters_fingerprint(config),
                      shown(config.source) if config.source else None, config.profile, parameters(config),
                      calendar_years(cal, report.as_of, report.since), list(report.inputs))


def header_lines(report) -> list[str]:
    """The text report's lines on what it was judged from."""
    p = report.provenance
    cal = "、".join(f"{c.year} {c.label}" for c in p.calendar)
    where = f"配置 {p.config}" if p.config else "内置默认值"
    changed = p.changed
    lines = [f"huifang {p.version} · 规则目录 {p.rules_fingerprint[:12]} · 参数 {p.parameters_fingerprint[:12]}"
             f"（{where}{f'，{len(changed)} 项不是默认值' if changed else ''}）· 日历 {cal}"]
    lines += [f"  参数 rules.{c.rule}.{c.key} = {c.value}（{c.origin}）" for c in changed[:10]]
    if len(changed) > 10:
        lines.append(f"  ……另有 {len(changed) - 10} 项，见 JSON 报告的 run.parameters")
    lines += [f"输入 {f.file}  SHA-256 {f.sha256[:16]}  {f.size:,} 字节  修改于 {f.modified}" for f in p.inputs]
    return lines
