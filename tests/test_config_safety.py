"""huifang.toml as staff actually write it: Notepad's encodings, absurd numbers, odd keys and
names, paths that are not files. Each is used, or refused in one Chinese line naming the file
and the key; never a traceback, never a hang."""
from __future__ import annotations

import math
import os
import shutil
import threading
from datetime import date, datetime, time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.config import (
    MAX_BYTES,
    NUMBER_BOUNDS,
    Config,
    ConfigError,
    find_config,
    load_config,
)
from generator.rules.durations import MAX, Duration
from generator.rules.registry import RULES
from generator.workbook.contract import CALLBACK_TYPES, build_contract

ROOT = Path(__file__).resolve().parent.parent
WORKBOOK = ROOT / "workbooks" / "示例营业部.xlsx"


def write(tmp_path: Path, data: bytes | str, name: str = "huifang.toml") -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def refused(path: Path, *names: str) -> str:
    with pytest.raises(ConfigError) as e:
        load_config(path)
    message = str(e.value)
    assert "\n" not in message and str(path) in message
    for name in names:
        assert name in message, message
    return message


# --- encodings -------------------------------------------------------------------------------

CHINESE = """# 公司回访规则：最少拨打 5 次
[rules.OUT001]
min_attempts = 5
[rules.NEW001]
within = "七天"
[rules.MTH006]
allowed = { "销户回访" = ["电话", "面谈"] }
[questions]
"私募产品回访" = [{ short = "本人购买", text = "购买基金的全部行为是否由您本人进行？", expected = "是" }]
"""


@pytest.mark.parametrize("encoded", [
    CHINESE.encode("gbk"),
    CHINESE.replace("\n", "\r\n").encode("gbk"),             # Notepad, ANSI on Chinese Windows
    CHINESE.encode("gb18030"),
    b"\xef\xbb\xbf" + CHINESE.encode("utf-8"),                # Notepad, UTF-8 with BOM
    CHINESE.encode("utf-16"),                                 # Notepad, “Unicode”
    ("\ufeff" + CHINESE).encode("utf-16-be"),
    CHINESE.encode("utf-8"),
], ids=["gbk", "gbk-crlf", "gb18030", "utf8-bom", "utf16-le", "utf16-be", "utf8"])
def test_notepad_encodings_are_read(tmp_path, encoded):
    c = load_config(write(tmp_path, encoded))
    assert c.settings("OUT001").min_attempts == 5
    assert c.settings("NEW001").within == Duration(7, "天")
    assert c.settings("MTH006").allowed["销户回访"] == ["电话", "面谈"]
    assert c.banks["私募产品回访"][0].text == "购买基金的全部行为是否由您本人进行？"


def test_rules_command_shows_a_gbk_config(tmp_path):
    p = write(tmp_path, CHINESE.encode("gbk"))
    r = CliRunner().invoke(main, ["rules", "MTH006", "--config", str(p)])
    assert r.exit_code == 0, r.output
    assert "销户回访：电话、面谈" in r.stdout and f"来源：{p}" in r.stdout
    r = CliRunner().invoke(main, ["rules", "--config", str(p)])
    assert r.exit_code == 0 and "最少拨打次数 5 次" in r.stdout


def test_gbk_error_line_quotes_the_chinese(tmp_path):
    p = write(tmp_path, '[rules.OUT001]\nmin_attempts = "三次"\n'.encode("gbk"))
    refused(p, "rules.OUT001.min_attempts", "“三次”")


@pytest.mark.parametrize("data", [b"a = 1\n\x80\xff\xfe\x81", b"\xef\xbb\xbfa = \"\xff\"", b"\xff\xfe\x00"])
def test_undecodable_file_is_one_chinese_line(tmp_path, data):
    refused(write(tmp_path, data), "编码无法识别")


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, names", [
    ("[rules.NEW001]\nwithin = 999999999\n", ("rules.NEW001.within", "不能超过 60个月")),
    ("[rules.NEW001]\nwithin = \"99999999个工作日\"\n", ("rules.NEW001.within", "不能超过 1300个工作日")),
    ("[rules.DRM001]\nidle = \"999999个月\"\n", ("rules.DRM001.idle", "不能超过 60个月")),
    ("[rules.DRM001]\nidle = \"1827天\"\n", ("rules.DRM001.idle", "不能超过 1826天")),
    ("[rules.DRM001]\nidle = \"300周\"\n", ("rules.DRM001.idle", "不能超过 1826天")),
    ("[rules.DRM001]\nidle = \"" + "9" * 5000 + "天\"\n", ("rules.DRM001.idle", "不能超过 1826天")),
    ("[rules.PF001]\nhours = 1e300\n", ("rules.PF001.hours", "不能超过 43824小时")),
    ("[rules.PF001]\nhours = inf\n", ("rules.PF001.hours", "非负整数")),
    ("[rules.PF001]\nhours = nan\n", ("rules.PF001.hours", "非负整数")),
    ("[rules.PF001]\nhours = 2025-01-01\n", ("rules.PF001.hours", "应为时长")),
    ("[rules.PF001]\nhours = [24]\n", ("rules.PF001.hours", "应为时长")),
    ("[rules.STK001]\nmin_share = nan\n", ("rules.STK001.min_share", "有限的数字")),
    ("[rules.STK001]\nmin_share = -inf\n", ("rules.STK001.min_share", "有限的数字")),
    ("[rules.STK001]\nmin_share = 150\n", ("rules.STK001.min_share", "不能超过 100%")),
    ("[rules.STK002]\nmin_share = -1\n", ("rules.STK002.min_share", "负数")),
    ("[rules.OUT001]\nmin_attempts = 1001\n", ("rules.OUT001.min_attempts", "不能超过 1000 次")),
    ("[rules.OUT001]\nmin_attempts = 99999999999999999999999999999999999\n", ("rules.OUT001.min_attempts", "过大的数")),
    ("[rules.OUT001]\nmin_attempts = 0x" + "f" * 5000 + "\n", ("rules.OUT001.min_attempts", "过大的数")),
    ("[rules.OUT001]\nmin_attempts = " + "9" * 5000 + "\n", ("数字过长",)),
    ("[rules.OUT001]\nmin_attempts = 3.5\n", ("rules.OUT001.min_attempts", "整数")),
    ("[rules.OUT001]\nmin_attempts = 1979-05-27T07:32:00\n", ("rules.OUT001.min_attempts", "1979-05-27T07:32:00")),
    ("[rules.OUT001]\nmin_attempts = {n = 5}\n", ("rules.OUT001.min_attempts", "一个表")),
    ("[rules.PLN001]\nwindow_days = 100000\n", ("rules.PLN001.window_days", "不能超过 1826 天")),
    ("[rules.KEY001]\nmin_assets = 1e20\n", ("rules.KEY001.min_assets", "不能超过")),
])
def test_numbers_are_bounded_and_typed(tmp_path, text, names):
    refused(write(tmp_path, text), *names)


def test_the_bounds_themselves_are_accepted(tmp_path):
    c = load_config(write(tmp_path, '[rules.NEW001]\nwithin = "1300个工作日"\n[rules.DRM001]\nidle = 60\n'
                                    'within = "1826天"\n[rules.PF001]\nhours = 43824\n[rules.STK001]\nmin_share = 100\n'
                                    '[rules.OUT001]\nmin_attempts = 1000\n'))
    assert c.settings("NEW001").within == Duration(1300, "个工作日")
    assert c.settings("DRM001").idle == Duration(60, "个月")
    assert c.settings("PF001").hours == Duration(43824, "小时")
    assert c.settings("STK001").min_share == 100.0 and c.settings("OUT001").min_attempts == 1000


def test_every_number_parameter_has_a_bound_its_default_keeps():
    for r in RULES.values():
        for p in r.params:
            if isinstance(p.default, Duration):
                assert p.default.n <= MAX[p.default.unit], (r.id, p.key)
            elif isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
                assert p.unit in NUMBER_BOUNDS, (r.id, p.key, p.unit)
                lo, hi = NUMBER_BOUNDS[p.unit]
                assert lo <= p.default <= hi, (r.id, p.key)


def test_largest_windows_still_validate(tmp_path):
    """Every window and number at its bound: the rules run to the end (findings, no overflow)."""
    lines = []
    for r in RULES.values():
        lines.append(f"[rules.{r.id}]")
        for p in r.params:
            if isinstance(p.default, Duration):
                lines.append(f"{p.key} = {MAX[p.default.unit]}")
            elif isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
                lines.append(f"{p.key} = {NUMBER_BOUNDS[p.unit][1]}")
    p = write(tmp_path, "\n".join(lines) + "\n")
    r = CliRunner().invoke(main, ["validate", str(WORKBOOK), "--config", str(p), "--as-of", "2025-12-31"])
    assert r.exit_code in (0, 1), r.output
    assert "Traceback" not in r.output


# --- calendar --------------------------------------------------------------------------------

@pytest.mark.parametrize("year", ["²", "²⁰²⁷", "٢٠٢٧", "２０２７", "27", "1899", "2101", "02027", " 2027", "二〇二七"])
def test_calendar_years_are_four_ascii_digits(tmp_path, year):
    refused(write(tmp_path, f'[calendar."{year}"]\nholidays = []\n'), "[calendar.", "1990—2100")


@pytest.mark.parametrize("text, names", [
    ("[calendar.2027]\nholidays = [2027-01-01T00:00:00]\n", ("calendar.2027.holidays", "日期列表")),
    ("[calendar.2027]\nholidays = 2027-01-01\n", ("calendar.2027.holidays", "日期列表")),
    ("[calendar.2027]\nholidays = [2026-12-31]\n", ("calendar.2027.holidays", "不属于 2027 年")),
    ("[calendar.2027]\nholiday = [2027-01-01]\n", ("calendar.2027", "holiday")),
    ("calendar = [2027]\n", ("[calendar]", "应为表")),
    ("[calendar]\n2027 = [2027-01-01]\n", ("[calendar.2027]", "应为表")),
    ("[calendar.2027]\nholidays = [2027-02-06, 2027-01-01]\nworkdays = [2027-02-06]\n",     # (helper 42)
     ("calendar.2027", "2027-02-06 既列为放假（holidays）又列为上班（workdays）")),
])
def test_calendar_values_are_checked(tmp_path, text, names):
    refused(write(tmp_path, text), *names)


def test_calendar_year_is_used(tmp_path):
    c = load_config(write(tmp_path, "[calendar.2027]\nholidays = [2027-01-01]\nworkdays = [2027-02-06]\n"))
    assert c.calendar_years == {2027: {"holidays": [date(2027, 1, 1)], "workdays": [date(2027, 2, 6)]}}


# --- question names --------------------------------------------------------------------------

RECORD_COLUMNS = [c.name for c in build_contract({})["回访记录"].columns]


def bank(*shorts: str, kind: str = "私募产品回访") -> str:
    items = ", ".join(f'{{ short = "{s}", expected = "是" }}' for s in shorts)
    return f'[questions]\n"{kind}" = [{items}]\n'


@pytest.mark.parametrize("column", RECORD_COLUMNS)
def test_question_may_not_repeat_a_record_column(tmp_path, column):
    refused(write(tmp_path, bank(column)), "questions.私募产品回访 第 1 题", f"“{column}”", "重名")


@pytest.mark.parametrize("short", ["回访 结果", "＊回访结果", "回访结果（必填）", "回访结果："])
def test_question_repeating_a_column_as_the_reader_sees_it(tmp_path, short):
    refused(write(tmp_path, bank(short)), "“回访结果”", "重名")


@pytest.mark.parametrize("text, names", [
    (bank("本人购买", "本人 购买"), ("第 2 题", "另一题重名")),
    (bank(""), ("第 1 题", "空的")),
    (bank("  ＊ "), ("第 1 题", "空的")),
    (bank("问" * 21), ("第 1 题", "过长")),
    ('[questions]\n"私募产品回访" = [{ short = 5, expected = "是" }]\n', ("第 1 题的 short", "应为文字")),
    ('[questions]\n"私募产品回访" = [{ short = "a", expected = "是", required = "否" }]\n', ("required",)),
    ('[questions]\n"私募产品回访" = [{ short = "a", expected = "是", txt = "?" }]\n', ("txt",)),
    ('[questions]\n"私募产品回访" = [{ short = "a", expected = "对" }]\n', ("expected",)),
    ('[questions]\n"私募产品回访" = [{ short = "a", expected = "是", text = "' + "问" * 301 + '" }]\n',
     ("text", "过长")),
    ('[questions]\n"私募产品回访" = [{ short = "a\\u0007", expected = "是" }]\n', ("控制字符",)),
    (bank("a", kind="私募回访"), ("questions.私募回访", "不是回访类型")),
    ('[questions]\n"私募产品回访" = []\n', ("questions.私募产品回访", "问题列表")),
    ('[questions]\n"私募产品回访" = { short = "a" }\n', ("questions.私募产品回访", "问题列表")),
    ('questions = "本人购买"\n', ("[questions]", "应为表")),
])
def test_question_names_are_checked(tmp_path, text, names):
    refused(write(tmp_path, text), *names)


def test_question_names_are_normalised_and_shared_across_banks(tmp_path):
    text = bank(" 本人\u3000购买 ",
                "亲笔签名") + '"存量回访" = [{ short = "本人购买", expected = "否", text = """多行\n  问题""" }]\n'
    c = load_config(write(tmp_path, text))
    assert [q.short for q in c.banks["私募产品回访"]] == ["本人购买", "亲笔签名"]
    assert c.banks["存量回访"][0].short == "本人购买" and c.banks["存量回访"][0].text == "多行 问题"
    names = [col.name for col in build_contract(c.banks)["回访记录"].columns]
    assert names.count("本人购买") == 1


# --- other shapes ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, names", [
    ("rules = [1, 2]\n", ("[rules]", "应为表")),
    ("[rules]\nOUT001 = 5\n", ("[rules.OUT001]", "应为表")),
    ("[rules.OUT001]\nseverity = { level = \"error\" }\n", ("rules.OUT001.severity", "一个表")),
    ("[rules.OUT001]\nseverity = \"a\\nb\"\n", ("rules.OUT001.severity",)),
    ("[rules.OUT001]\nenabled = \"否\"\n", ("rules.OUT001.enabled", "true 或 false")),
    ("[rules.IA003]\nperiod = [\"year\"]\n", ("rules.IA003.period",)),
    ("[rules.MTH006]\nallowed = [\"电话\"]\n", ("rules.MTH006.allowed", "应为表")),
    ("[rules.MTH006]\nallowed = { \"销户回访\" = [[\"电话\"]] }\n", ("rules.MTH006.allowed.销户回访",)),
    ("profile = { name = \"sichuan\" }\n", ("profile",)),
    ("profile = [\"sichuan\"]\n", ("profile",)),
    ("[rules.\"OUT001\\n\"]\nenabled = false\n", ("[rules.OUT001 ]", "不是已知的规则编号")),
    ("a = " + "[" * 100000, ("格式错误", "嵌套过深")),
    ("a = " + "{b = " * 3000 + "1" + "}" * 3000, ("嵌套过深",)),
    ("[rules.OUT001\n", ("格式错误", "第 1 行")),
    ("min_attempts = 5\n", ("不认识的配置项“min_attempts”",)),
])
def test_unexpected_shapes_name_the_key(tmp_path, text, names):
    refused(write(tmp_path, text), *names)


def test_rule_ids_in_lower_case_are_understood(tmp_path):
    assert load_config(write(tmp_path, "[rules.out001]\nmin_attempts = 4\n")).settings("OUT001").min_attempts == 4


# --- paths that are not a file ----------------------------------------------------------------

def finishes(fn, *args, seconds: float = 20):
    """fn(*args) returns or raises within the time; its outcome (exception or value)."""
    box: list = []

    def run():
        try:
            box.append(fn(*args))
        except BaseException as e:           # handed to the test
            box.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert box, f"{fn.__name__} still waiting after {seconds} s"
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "huifang.toml"
    os.mkfifo(fifo)
    e = finishes(load_config, fifo)
    assert isinstance(e, ConfigError) and "命名管道" in str(e) and str(fifo) in str(e)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_fifo_beside_the_workbooks_is_refused(tmp_path):
    shutil.copy(WORKBOOK, tmp_path / WORKBOOK.name)
    os.mkfifo(tmp_path / "huifang.toml")
    for args in (["validate", str(tmp_path)], ["validate", str(tmp_path / WORKBOOK.name)]):
        r = finishes(CliRunner().invoke, main, args)
        assert r.exit_code == 2 and "命名管道" in r.stderr and "Traceback" not in r.output, r.output


def test_directory_and_device_are_refused(tmp_path):
    (tmp_path / "conf").mkdir()
    refused(tmp_path / "conf", "文件夹")
    if os.path.exists("/dev/zero"):
        assert "设备" in str(finishes(load_config, Path("/dev/zero")))


def test_missing_and_oversized_files(tmp_path):
    refused(tmp_path / "nothing.toml", "找不到配置文件")
    big = write(tmp_path, b"# " + b"x" * MAX_BYTES + b"\n")
    refused(big, "超过 1 MB")


def test_config_found_beside_the_workbooks_is_read_the_same_way(tmp_path):
    shutil.copy(WORKBOOK, tmp_path / WORKBOOK.name)
    cfg = write(tmp_path, '[rules.OUT001]\nmin_attempts = "三次"\n'.encode("gbk"))
    assert find_config([tmp_path / WORKBOOK.name]) == cfg == find_config([tmp_path])
    r = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert r.exit_code == 2 and "rules.OUT001.min_attempts" in r.stderr and "“三次”" in r.stderr
    assert str(cfg) in r.stderr and "Traceback" not in r.output
    cfg.write_bytes(CHINESE.encode("gbk"))
    assert load_config(find_config([tmp_path])).settings("OUT001").min_attempts == 5


# --- the command line ------------------------------------------------------------------------

CLI_CASES = [
    ("[rules.NEW001]\nwithin = \"99999999个工作日\"\n", "rules.NEW001.within"),
    ("[rules.STK001]\nmin_share = 150\n", "rules.STK001.min_share"),
    ("[rules.OUT001]\nmin_attempts = 1e999\n", "rules.OUT001.min_attempts"),
    ("[calendar.\"²\"]\nholidays = []\n", "[calendar.²]"),
    (bank("回访结果"), "questions.私募产品回访"),
    ("[rules.OUT001]\nseverity = { a = 1 }\n", "rules.OUT001.severity"),
    ("\xff\xfe\x00".encode("latin-1") + b"\x00\xd8", "编码"),
]


@pytest.mark.parametrize("text, key", CLI_CASES)
@pytest.mark.parametrize("command", [["rules"], ["validate", str(WORKBOOK)]], ids=["rules", "validate"])
def test_cli_refuses_in_one_chinese_line(tmp_path, text, key, command):
    p = write(tmp_path, text)
    r = CliRunner().invoke(main, [*command, "--config", str(p)])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and str(p) in lines[0], r.stderr
    assert "Traceback" not in r.output and r.stdout == ""


# --- arbitrary documents ---------------------------------------------------------------------

PARAM_KEYS = sorted({p.key for r in RULES.values() for p in r.params} | {"enabled", "severity"})
WORDS = ["error", "warning", "year", "quarter", "是", "否", "7天", "5个工作日", "1个月", "24小时", "次日", "三周",
         "99999999个工作日", "999999个月", "²", "sichuan", "电话", "销户回访", "", "\n", "\x00"]
leaves = st.one_of(
    st.booleans(), st.integers(min_value=-10 ** 40, max_value=10 ** 40), st.integers(min_value=-5, max_value=2000),
    st.floats(), st.dates(), st.datetimes(), st.times(), st.text(max_size=12), st.sampled_from(WORDS),
    st.sampled_from(RECORD_COLUMNS))
keys = st.one_of(st.text(max_size=8), st.sampled_from(PARAM_KEYS + ["short", "text", "expected", "required", "source",
                                                                    "holidays", "workdays", *CALLBACK_TYPES]))
values = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(keys, inner, max_size=4)), max_leaves=12)
question = st.fixed_dictionaries({"short": st.one_of(st.sampled_from(RECORD_COLUMNS + ["本人购买", "问题甲"]), values),
                                  "expected": st.one_of(st.sampled_from(["是", "否"]), values)},
                                 optional={"text": values, "required": values, "source": values, "x": values})
documents = st.fixed_dictionaries({}, optional={
    "profile": st.one_of(st.just("sichuan"), values),
    "rules": st.one_of(st.dictionaries(st.one_of(st.sampled_from(sorted(RULES)), st.text(max_size=6)),
                                       st.one_of(st.dictionaries(keys, values, max_size=4), values), max_size=4),
                       values),
    "calendar": st.one_of(st.dictionaries(
        st.one_of(st.sampled_from(["2027", "2030", "1899", "²", "２０２７"]), st.text(max_size=5)),
        st.one_of(st.fixed_dictionaries({}, optional={"holidays": st.one_of(st.lists(st.dates(), max_size=3), values),
                                                      "workdays": values}), values), max_size=3), values),
    "questions": st.one_of(st.dictionaries(st.one_of(st.sampled_from(CALLBACK_TYPES), st.text(max_size=6)),
                                           st.one_of(st.lists(st.one_of(question, values), max_size=4), values),
                                           max_size=3), values),
    "x": values,
})


def toml_key(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, (date, datetime, time)):
        return v.isoformat()
    if isinstance(v, str):
        return toml_key(v)
    if isinstance(v, list):
        return "[" + ", ".join(map(toml_value, v)) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_any_document_gives_a_config_or_a_config_error(tmp_path_factory, doc):
    p = tmp_path_factory.mktemp("doc") / "huifang.toml"
    p.write_text("\n".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in doc.items()) + "\n", encoding="utf-8")
    try:
        assert isinstance(load_config(p), Config)
    except ConfigError as e:
        assert "\n" not in str(e) and str(p) in str(e)


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.binary(max_size=200), st.text(max_size=100).map(lambda s: s.encode("gb18030"))))
def test_any_bytes_give_a_config_or_a_config_error(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("bytes") / "huifang.toml"
    p.write_bytes(data)
    try:
        assert isinstance(load_config(p), Config)
    except ConfigError as e:
        assert "\n" not in str(e) and str(p) in str(e)
