"""huifang.toml: overrides, profiles, severities, and clear errors naming the key."""
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.config import ConfigError, load_config


def write(tmp_path, text):
    p = tmp_path / "huifang.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_override_records_its_origin(tmp_path):
    p = write(tmp_path, "[rules.OUT001]\nmin_attempts = 5\n[rules.MTH004]\nseverity = \"error\"\n")
    c = load_config(p)
    assert c.settings("OUT001").min_attempts == 5
    assert c.settings("OUT001").origins["min_attempts"] == str(p)
    assert c.settings("MTH004").severity == "error"


def test_profile_sets_quarterly_callbacks(tmp_path):
    c = load_config(write(tmp_path, 'profile = "sichuan"\n'))
    assert c.settings("IA003").period == "quarter"
    assert c.settings("IA003").origins["period"] == "方案 sichuan"


@pytest.mark.parametrize("text, names", [
    ("[rules.OUT001]\nmin_attemps = 5\n", "min_attemps"),
    ("[rules.XYZ001]\nenabled = false\n", "XYZ001"),
    ("[rules.OUT001]\nmin_attempts = \"三\"\n", "rules.OUT001.min_attempts"),
    ("[rules.IA003]\nperiod = \"month\"\n", "rules.IA003.period"),
    ("profile = \"beijing\"\n", "beijing"),
    ("[calendar.2027]\nholidays = [\"2027-01-01\"]\n", "calendar.2027.holidays"),
    ("[rules.OUT001\n", "格式错误"),
])
def test_wrong_key_or_value_names_it(tmp_path, text, names):
    with pytest.raises(ConfigError, match=names.replace(".", r"\.")):
        load_config(write(tmp_path, text))


def test_rules_command_shows_values_in_force(tmp_path):
    p = write(tmp_path, "[rules.OUT001]\nmin_attempts = 5\n[rules.PLN001]\nenabled = false\n")
    out = CliRunner().invoke(main, ["rules", "--config", str(p)]).output
    assert "OUT001  错误  回访不可达但拨打次数不足（最少拨打次数 5 次）" in out
    assert "PLN001  已停用" in out
    one = CliRunner().invoke(main, ["rules", "OUT001", "--config", str(p)]).output
    assert f"min_attempts = 5 次（最少拨打次数，默认 3 次，来源：{p}" in one
    assert "须至少拨打 5 次" in one



@pytest.mark.parametrize("within, how", [("10个工作日", "按工作日计算"), ("45天", "按自然日计算"),
                                         ("2个月", "按月计算，至对应月份的同日")])
def test_a_rules_text_says_how_its_duration_is_counted_in_the_unit_in_force(tmp_path, within, how):
    """(helper 42) NEW001 counted in working days still said it was counted by months."""
    p = write(tmp_path, f'[rules.NEW001]\nwithin = "{within}"\n')
    one = CliRunner().invoke(main, ["rules", "NEW001", "--config", str(p)]).output
    check = next(line for line in one.splitlines() if line.startswith("检查："))
    assert how in check and check.count("计算") == 1, check


def test_disabled_rule_gives_no_finding(book, tmp_path):
    book.sheets["回访记录"][0]["录音编号"] = None
    c = load_config(write(tmp_path, "[rules.MTH001]\nenabled = false\n"))
    assert book.findings("MTH001", config=c) == []
