"""The keys of the JSON report, declared once: the report is written from these declarations,
and its reference page and JSON Schema (site: 参考 → 校验报告) are generated from them.

Keys are only ever added (cli.md); tests/test_report_schema.py holds the published schema
of every earlier release and fails when a key is renamed, dropped or changes its type.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice, repeat
from json.encoder import encode_basestring
from operator import attrgetter, is_
from typing import Any
from collections.abc import Callable, Iterable, Iterator

from generator.rules import RULES
from generator.names import shown


@dataclass(frozen=True)
class Key:
    name: str
    type: str            # JSON Schema type: "string", "integer", "boolean", "object", "array"
    doc: str             # what it means, in Chinese
    get: Callable[[Any], Any]
    nullable: bool = False
    format: str = ""     # "date", "date-time" (written as "YYYY-MM-DD HH:MM")
    enum: tuple = ()


def _day(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="minutes")
    return v.isoformat() if isinstance(v, date) else str(v)


class Via:
    """A key's value made from one attribute of the item: `read` gets the attribute (a C getter),
    `make` the value from it. A chunk of items that share the attribute (one rule's findings share
    their rule; most findings have no due date) makes the value once (encoded)."""
    __slots__ = ("read", "make")

    def __init__(self, read: Callable[[Any], Any], make: Callable[[Any], Any]) -> None:
        self.read, self.make = read, make

    def __call__(self, item):
        return self.make(self.read(item))


def _title(rid):
    return RULES[rid].title


def _fix(rid):
    return RULES[rid].fix


FINDING: tuple[Key, ...] = (
    Key("rule", "string", "规则编号（如 NEW001）", attrgetter("rule")),
    Key("severity", "string", "`error`（违反监管规定或公司制度）或 `warning`（违反公司实务或数据质量要求）",
        attrgetter("severity"), enum=("error", "warning")),
    Key("file", "string", "工作簿的绝对路径", attrgetter("file")),
    Key("sheet", "string", "发现所在的工作表；整体指标（如存量回访覆盖率）为 null", attrgetter("sheet"), nullable=True),
    Key("row", "integer", "Excel 行号（从 1 起）", attrgetter("row"), nullable=True),
    Key("column", "string", "列名（表头）", attrgetter("column"), nullable=True),
    Key("customer", "string", "涉及的客户编号，没有则为 null", attrgetter("customer"), nullable=True),
    Key("message", "string", "说明：哪条记录、哪个日期、差了什么", attrgetter("message")),
    Key("title", "string", "规则标题", Via(attrgetter("rule"), _title)),
    Key("cell", "string", "单元格（如 F12），列已知时才有", attrgetter("cell"), nullable=True),
    Key("source", "string", "所依据的文件和条款（全文）", attrgetter("source")),
    Key("due", "string", "适用的截止日（时限类、年度类规则）", Via(attrgetter("due"), _day), nullable=True,
        format="date"),
    Key("actual", "string", "实际回访时间（迟到的回访）；逾期未做为 null", Via(attrgetter("actual"), _day),
        nullable=True, format="date-time"),
    Key("days_late", "integer", "超过截止日的天数：迟到的按实际回访日，逾期的按检查日", attrgetter("days_late"),
        nullable=True),
    Key("provisional", "boolean", "截止日按暂定日历计算（该年度的官方放假安排尚未收录）", attrgetter("provisional")),
    Key("fix", "string", "处理：发现之后怎么办", Via(attrgetter("rule"), _fix)),
    Key("id", "string", "发现的标识：由规则、营业部、工作表、记录自身的编号（记录编号、客户编号等，不是行号）、"
                        "列和截止日算出，"
        "插入或排序行不会改变它", attrgetter("id")),
    Key("status", "string", "与 --since-run 指定的运行相比：`new` 新增、`open` 仍未改正；没有对比时为 null",
        attrgetter("status"), nullable=True, enum=("new", "open", "fixed")),
    Key("first_seen", "string", "仍未改正的发现首次记入运行台账的那次运行的检查日；没有对比或新增时为 null",
        Via(attrgetter("first_seen"), _day), nullable=True, format="date"),
)

PENDING: tuple[Key, ...] = (
    Key("rule", "string", "规则编号", attrgetter("rule")),
    Key("file", "string", "工作簿的绝对路径", attrgetter("file")),
    Key("sheet", "string", "触发所在的工作表", attrgetter("sheet"), nullable=True),
    Key("row", "integer", "触发所在的 Excel 行号", attrgetter("row"), nullable=True),
    Key("customer", "string", "客户编号", attrgetter("customer"), nullable=True),
    Key("due", "string", "截止日", Via(attrgetter("due"), _day), format="date"),
    Key("callback", "string", "应做的回访类型", attrgetter("callback")),
    Key("message", "string", "说明", attrgetter("message")),
    Key("provisional", "boolean", "截止日按暂定日历计算", attrgetter("provisional")),
)

SKIPPED: tuple[Key, ...] = (
    Key("file", "string", "跳过的文件或文件夹", lambda s: shown(s[0])),
    Key("reason", "string", "跳过的原因", lambda s: s[1]),
)

SUMMARY: tuple[Key, ...] = (
    Key("files", "integer", "校验的工作簿数", lambda r: len(r.books)),
    Key("errors", "integer", "“错误”级发现的条数", lambda r: r.count("error")),
    Key("warnings", "integer", "“警告”级发现的条数", lambda r: r.count("warning")),
    Key("pending", "integer", "待办（截止日未到）的项数", lambda r: len(r.pending)),
)

INPUT: tuple[Key, ...] = (
    Key("file", "string", "输入工作簿的绝对路径", attrgetter("file")),
    Key("sha256", "string", "文件内容的 SHA-256（十六进制）", lambda i: i.sha256),
    Key("size", "integer", "文件大小（字节）", attrgetter("size")),
    Key("modified", "string", "文件的修改时间（本机时间 YYYY-MM-DD HH:MM:SS）", attrgetter("modified")),
)

PARAMETER: tuple[Key, ...] = (
    Key("rule", "string", "规则编号", attrgetter("rule")),
    Key("key", "string", "参数键（huifang.toml 中 [rules.规则编号] 下的键；`enabled`、`severity` 表示停用或改了级别）",
        attrgetter("key")),
    Key("value", "string", "生效的值（文字）", attrgetter("value")),
    Key("origin", "string", "来源：默认值、方案或配置文件", attrgetter("origin")),
)

CALENDAR: tuple[Key, ...] = (
    Key("year", "integer", "年份", attrgetter("year")),
    Key("source", "string", "`official` 国务院公布的安排（chinese-calendar）、"
                            "`config` huifang.toml 的 [calendar.年份]、"
        "`provisional` 暂定（周末加法定节日，无调休）", attrgetter("source"),
        enum=("official", "config", "provisional")),
)

RUN: tuple[Key, ...] = (
    Key("version", "string", "huifang 的版本", attrgetter("provenance.version")),
    Key("rules_fingerprint", "string", "规则目录的指纹（每条规则的编号、级别、参数及默认值、依据的 SHA-256）",
        attrgetter("provenance.rules_fingerprint")),
    Key("parameters_fingerprint", "string", "生效参数的指纹（参数值及来源、问卷、配置的日历的 SHA-256）",
        attrgetter("provenance.parameters_fingerprint")),
    Key("config", "string", "使用的配置文件；内置默认值为 null", attrgetter("provenance.config"), nullable=True),
    Key("profile", "string", "配置的方案（profile）", attrgetter("provenance.profile"), nullable=True),
    Key("parameters", "array", "生效的每个参数及其来源",
        lambda r: [obj(PARAMETER, p) for p in r.provenance.parameters]),
    Key("calendar", "array", "各年份使用的工作日历", lambda r: [obj(CALENDAR, c) for c in r.provenance.calendar]),
    Key("inputs", "array", "每个输入工作簿的 SHA-256、大小和修改时间",
        lambda r: [obj(INPUT, i) for i in r.provenance.inputs]),
    Key("recorded", "integer", "--record：本次运行在运行台账中的编号；未记录为 null", attrgetter("recorded"),
        nullable=True),
    Key("ledger", "string", "运行台账的位置（SQLite 文件，或不含密码的 PostgreSQL 地址）", attrgetter("ledger"),
        nullable=True),
    Key("recorded_hash", "string", "--record：本次记录在哈希链中的 SHA-256；报送或存档的报告带着它，"
        "日后可核对运行台账没有被整条重算", attrgetter("recorded_hash"), nullable=True),
    Key("since_run", "integer", "--since-run：对比的运行编号；没有对比为 null", attrgetter("since_run"), nullable=True),
)

FIXED: tuple[Key, ...] = (
    Key("id", "string", "发现的标识（同 findings 中的 id）", attrgetter("id")),
    Key("rule", "string", "规则编号", attrgetter("rule")),
    Key("severity", "string", "当时的级别", attrgetter("severity"), enum=("error", "warning")),
    Key("unit", "string", "营业部", attrgetter("unit")),
    Key("sheet", "string", "工作表", attrgetter("sheet"), nullable=True),
    Key("customer", "string", "客户编号", attrgetter("customer"), nullable=True),
    Key("due", "string", "当时适用的截止日", lambda x: _day(x.due), nullable=True, format="date"),
    Key("first_seen", "string", "首次记入运行台账的那次运行的检查日", lambda x: _day(x.first_seen), nullable=True,
        format="date"),
    Key("status", "string", "总是 `fixed`", lambda x: "fixed", enum=("fixed",)),
)

# the report object: scalar keys first, then the lists (written one item a line)
REPORT: tuple[Key, ...] = (
    Key("as_of", "string", "检查日", lambda r: r.as_of.isoformat(), format="date"),
    Key("since", "string", "检查期间的第一天", lambda r: r.since.isoformat(), format="date"),
    Key("summary", "object", "条数合计", lambda r: obj(SUMMARY, r)),
    Key("findings", "array", "发现，每条一个对象（见下表）", attrgetter("findings")),
    Key("pending", "array", "待办：截止日未到、还没有完成的回访（工作清单），不是发现", attrgetter("pending")),
    Key("skipped", "array", "对文件夹运行时跳过的文件及原因", attrgetter("skipped")),
    Key("run", "object", "本次运行的来历：版本、规则目录和参数的指纹、日历、每个输入文件的 SHA-256（见下表）",
        lambda r: obj(RUN, r)),
    Key("fixed", "array", "--since-run：对比的运行中有、本次已没有的发现（只含本次校验的营业部）；没有对比时为空列表",
        attrgetter("fixed")),
)
ITEMS = {"findings": FINDING, "pending": PENDING, "skipped": SKIPPED, "fixed": FIXED,
         "inputs": INPUT, "parameters": PARAMETER, "calendar": CALENDAR}
OBJECTS = {"summary": SUMMARY, "run": RUN}


def obj(keys: tuple[Key, ...], item) -> dict:
    return {k.name: k.get(item) for k in keys}


# the report's encoder (", " between items, ": " after a key), and the same with a line break in its
# item separator: the C encoder escapes every line break inside a string, so in its text of a list
# of values each ",\n" is a separator
encode = json.JSONEncoder(ensure_ascii=False).encode
_encode_split = json.JSONEncoder(ensure_ascii=False, separators=(",\n", ": ")).encode
CHUNK = 2000        # items encoded at a time: the memory is that of a chunk, not of the whole list


def encoded(keys: tuple[Key, ...], items: Iterable, sep: str) -> Iterator[bytes]:
    """The items, each as `encode(obj(keys, item))` writes it, byte for byte (UTF-8), joined by
    `sep`: one text per CHUNK items. Instead of a dict built and encoded per item, a chunk is put
    together a key at a time: a value the whole chunk shares (one object: a rule's title, source
    and fix, the file, null) is encoded once, and so is the text between two values that vary;
    the values that vary are encoded a key at a time by the C encoder (texts and whole numbers
    without a Python call per value) and made UTF-8 in one go. The long texts a rule's findings
    share are thus never encoded to UTF-8 again per finding."""
    names = [k.name for k in keys]
    assert len(set(names)) == len(names), names         # a dict keeps one value a name
    heads = [("{" if i == 0 else ", ") + encode(n) + ": " for i, n in enumerate(names)]
    reads = [(k.get.read, k.get.make) if isinstance(k.get, Via) else (k.get, None) for k in keys]
    between = utf8(sep)
    it = iter(items)
    while chunk := list(islice(it, CHUNK)):
        fixed, varying = [], []     # the text before each value that varies (and the end); those values
        text = ""
        for (read, make), head in zip(reads, heads):
            col = list(map(read, chunk))
            first = col[0]
            if all(map(is_, col, repeat(first))):
                text += head + encode(first if make is None else make(first))
                continue
            fixed.append(text + head)
            varying.append(col if make is None else list(map(make, col)))
            text = ""
        fixed.append(text + "}")
        tokens = _tokens(varying)
        if tokens is None:          # a value with items of its own (not a scalar): each item by itself
            yield utf8(sep.join(encode(obj(keys, item)) for item in chunk))
            continue
        n = len(chunk)
        # JSON text has no line break (the encoder escapes those in strings), and in UTF-8 no other
        # character has a byte 0x0A: the values are made UTF-8 together and split apart again
        flat = utf8("\n".join(tokens)).split(b"\n") if tokens else []
        columns = []
        for j, piece in enumerate(fixed[:-1]):
            columns += (repeat(utf8(piece)), flat[j * n:(j + 1) * n])
        columns.append(repeat(utf8(fixed[-1]), n))
        yield between.join(map(b"".join, zip(*columns)))


def utf8(text: str) -> bytes:
    """JSON text as UTF-8. A lone surrogate (a file name that is not UTF-8, as Python keeps it) has
    no UTF-8: it is written as its JSON escape (\\udcff), which reads back as the same name."""
    return text.encode("utf-8", "backslashreplace")


def _tokens(columns: list[list]) -> list[str] | None:
    """The JSON text of every value, a column after another; None when a value has items of its own."""
    out: list[str] = []
    for col in columns:
        kinds = set(map(type, col))
        if kinds == _TEXT:
            out += map(encode_basestring, col)      # what the encoder writes for a str (ensure_ascii=False)
        elif kinds == _WHOLE:
            out += map(int.__repr__, col)
        else:
            got = _encode_split(col)[1:-1].split(",\n")
            if len(got) != len(col):
                return None
            out += got
    return out


_TEXT, _WHOLE = {str}, {int}


def _schema_of(key: Key) -> dict:
    if key.type == "array":
        out = {"type": "array", "items": object_schema(ITEMS[key.name])}
    elif key.type == "object":
        out = object_schema(OBJECTS[key.name])
    else:
        out = {"type": [key.type, "null"] if key.nullable else key.type}
        if key.format == "date":
            out["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
        elif key.format == "date-time":
            out["pattern"] = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$"
        if key.enum:
            out["enum"] = list(key.enum) + ([None] if key.nullable else [])
    out["description"] = key.doc
    return out


def object_schema(keys: tuple[Key, ...]) -> dict:
    return {"type": "object", "properties": {k.name: _schema_of(k) for k in keys},
            "required": [k.name for k in keys], "additionalProperties": True}


def report_schema() -> dict:
    """JSON Schema (draft 2020-12) of `huifang validate --format json`."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "huifang 校验报告",
            "description": "huifang validate --format json 的输出；键只增加，不改名、不删除。",
            **object_schema(REPORT)}
