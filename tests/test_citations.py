"""Citations a compliance officer at any firm can sign (issue 25): every source labelled by its
layer, the seed documents named as the models they are, the firm's own 制度 cited first when
huifang.toml names them, and the corrected articles."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.config import ConfigError, load_config
from generator.rules import RULES
from generator.rules.registry import LAYERS, MODEL, PRACTICE

ROOT = Path(__file__).resolve().parents[1]
FIRM_TOML = """
[firm.documents]
"回访办法" = "某某证券股份有限公司客户回访管理办法（2024 年修订）"
[firm.cite]
MTH001 = "回访办法 第十二条"
independence = "回访办法 第五条"
"""
NAMED = ("中国银河证券", "天风证券")


def no_binding_other_firm(text: str) -> list[str]:
    """Placeholders, and named firms outside a parenthesis that says 范本."""
    bad = [m for m in re.findall(r"xx证券|XX证券|ｘｘ证券", text)]
    for name in NAMED:
        for m in re.finditer(name, text):
            opened = text.rfind("（", 0, m.start())
            closed = text.find("）", m.end())
            if opened < 0 or closed < 0 or "范本" not in text[opened:closed] or "）" in text[opened:m.start()]:
                bad.append(text[max(0, m.start() - 30):m.end() + 10])
    return bad


@pytest.fixture(autouse=True)
def _unbind():
    yield
    load_config(None)            # no firm documents for the tests that follow


def test_every_source_is_labelled_and_no_rule_cites_a_placeholder_or_another_firm_as_binding():
    for rid, r in RULES.items():
        assert r.layers, rid
        assert all(s.layer in LAYERS for s in r.layers), rid
        text = r.source_text()
        assert not no_binding_other_firm(text), (rid, text)
        assert text.startswith("【"), rid


def test_huifang_rules_shows_the_layers_and_names_no_other_firm_as_binding():
    out = CliRunner().invoke(main, ["rules"]).output
    assert not no_binding_other_firm(out)
    for rid in RULES:
        one = CliRunner().invoke(main, ["rules", rid])
        assert one.exit_code == 0, one.output
        assert "依据（按层级" in one.output and "【" in one.output
        assert not no_binding_other_firm(one.output), rid


def test_the_rule_pages_name_no_other_firm_as_binding():
    from generator.site.hooks import rule_page
    for rid in RULES:
        page = rule_page(rid)
        assert not no_binding_other_firm(page), rid
        assert "## 依据" in page


def test_the_example_reports_name_no_other_firm_as_binding():
    r = CliRunner().invoke(main, ["validate", str(ROOT / "workbooks"), "--as-of", "2025-12-31", "--format", "json"])
    assert r.exit_code == 1, r.output
    assert not no_binding_other_firm(r.output)
    report = json.loads(r.output)
    assert report["findings"] and all(isinstance(f["source"], str) and f["source"] for f in report["findings"])


def test_pf001_and_pf002_cite_the_same_articles_of_the_fundraising_measures():
    """One duty, one citation: 第二十九条 (cooling-off) and 第三十条 (callback after it)."""
    def pfm(rid):
        return [s.article for s in RULES[rid].layers if s.seed == "PFM"]
    assert pfm("PF001") == pfm("PF002") == ["第二十九条、第三十条"]
    assert "第三十一条" not in RULES["PF002"].source_text()
    assert RULES["PF001"].param("hours").source.article == "第二十九条"


def test_rpt001_no_longer_rests_on_the_monthly_client_group_analysis():
    """003 5.4 第10项 is the monthly analysis of the client group, not the callback report: the
    cadence and the window are 公司实务."""
    r = RULES["RPT001"]
    assert not any(s.seed == "003" for s in r.layers)
    assert {r.param("period").source.layer, r.param("grace").source.layer} == {PRACTICE}
    assert any(s.seed == "000" and "附件四" in s.article for s in r.layers)
    assert any(s.seed == "002" and "第十三条8" in s.article for s in r.layers)


def test_the_independence_rules_cite_the_articles_that_hold_the_duties():
    assert any(s.seed == "002" and "第九条(二)3" in s.article for s in RULES["IND001"].layers)
    assert any(s.seed == "001G" and "第四条" in s.article for s in RULES["IND004"].layers)
    assert any(s.seed == "000" and "4.4(1)2)" in s.article for s in RULES["IND003"].layers)
    assert any(s.seed == "000" and "附件二" in s.article for s in RULES["PLN002"].layers)


def test_the_seed_documents_are_models():
    for seed in ("000", "001", "001G", "001Z", "002", "003", "004"):
        from generator.rules.registry import SEEDS
        assert SEEDS[seed].layer == MODEL and "范本" in SEEDS[seed].title


def test_the_seed_conflicts_are_stated_with_both_places_and_a_switch():
    from generator.site.hooks import rule_page
    for rid, topic in (("NEW001", "新开户回访的时限"), ("MTH006", "短信算不算回访"),
                       ("MTH004", "电子邮件回访缺打印件")):
        page = rule_page(rid)
        assert f"## 范本不一致：{topic}" in page, rid
        c = RULES[rid].conflicts[0]
        for src, quote in c.quotes:
            assert src.article in page and quote[:10] in page
    assert "第十七条" in rule_page("NEW001") and "三、2" in rule_page("NEW001")


def test_mth004_is_a_warning_unless_the_firm_switches_it(book, tmp_path):
    from generator.validate import validate_paths
    from datetime import date
    book.sheets["回访记录"][0].update(回访方式="电子邮件", 录音编号=None)
    path = book.write()
    report = validate_paths([path], load_config(None), date(2025, 6, 30), None)
    assert [f.severity for f in report.findings if f.rule == "MTH004"] == ["warning"]
    cfg = tmp_path / "huifang.toml"
    cfg.write_text('[rules.MTH004]\nseverity = "error"\n', encoding="utf-8")
    report = validate_paths([path], load_config(cfg), date(2025, 6, 30), None)
    assert [f.severity for f in report.findings if f.rule == "MTH004"] == ["error"]


def test_a_firms_documents_are_cited_first_in_the_text_report_the_json_and_the_rule_page(book, tmp_path):
    book.sheets["回访记录"][0].update(录音编号=None, 回访人员="S001")
    folder = tmp_path / "in"
    folder.mkdir()
    path = book.write()
    target = folder / path.name
    target.write_bytes(path.read_bytes())
    (folder / "huifang.toml").write_text(FIRM_TOML, encoding="utf-8")
    text = CliRunner().invoke(main, ["validate", str(target), "--as-of", "2025-06-30"])
    assert text.exit_code == 1, text.output
    assert "MTH001 · 回访办法 第十二条；经纪业务管理规定" in text.output
    assert "IND001 · 回访办法 第五条" in text.output
    js = CliRunner().invoke(main, ["validate", str(target), "--as-of", "2025-06-30", "--format", "json"])
    found = {f["rule"]: f["source"] for f in json.loads(js.output)["findings"]}
    assert found["MTH001"].startswith("【本公司制度】某某证券股份有限公司客户回访管理办法（2024 年修订） 第十二条；"
                                      "【法规/规章】")
    assert found["IND001"].startswith("【本公司制度】某某证券股份有限公司客户回访管理办法（2024 年修订） 第五条")
    from generator.site import hooks
    hooks._CURRENT[:] = [load_config(folder / "huifang.toml")]     # as `huifang site` hands it over
    try:
        page = hooks.rule_page("MTH001")
    finally:
        hooks._CURRENT.clear()
    basis = page[page.index("## 依据"):]
    assert basis.index("【本公司制度】某某证券") < basis.index("【法规/规章】")
    rules = CliRunner().invoke(main, ["rules", "MTH001", "--config", str(folder / "huifang.toml")])
    assert "【本公司制度】某某证券股份有限公司客户回访管理办法（2024 年修订） 第十二条" in rules.output


def test_without_a_firm_table_nothing_is_cited_as_the_firms_and_configurations_do_not_leak(tmp_path):
    """The firm's 制度 belong to the configuration that names them: loading another one in the same
    process (a test, a worker, a second unit) changes nothing of the first."""
    cfg = tmp_path / "huifang.toml"
    cfg.write_text(FIRM_TOML, encoding="utf-8")
    firm = load_config(cfg)
    plain = load_config(None)
    assert RULES["MTH001"].cites(firm.firm)[0].layer == "本公司制度"
    assert RULES["MTH001"].cites(plain.firm)[0].layer != "本公司制度"
    assert "本公司制度" not in RULES["MTH001"].source_text(plain.firm)
    assert RULES["MTH001"].source_text(firm.firm).startswith("【本公司制度】")     # still, after the second load


@pytest.mark.parametrize("toml, says", [
    ('[firm.cite]\nMTH001 = "回访办法 第十二条"\n',
     "firm.cite 引用了本公司制度，但 [firm.documents] 中没有列出任何文件"),
    ('[firm.documents]\n"A" = "甲"\n"B" = "乙"\n[firm.cite]\nMTH001 = "C 第一条"\n',
     "firm.cite.MTH001：“C 第一条”应以 [firm.documents] 中的文件名开头"),
    ('[firm.documents]\n"A" = "甲"\n[firm.cite]\nXYZ999 = "A 第一条"\n',
     "firm.cite.XYZ999：“XYZ999”既不是规则编号，也不是规则分类"),
    ('[firm.documents]\n"A" = "甲"\n[firm.cite]\nMTH001 = "A"\n', "没有写条款"),
    ('[firm]\nname = "某某"\n', "firm 不认识“name”"),
    ('[firm.documents]\n"A" = 3\n', "firm.documents.A 应为文字"),
    ('[rules.IND003]\nroles = ["总经理"]\n', "rules.IND003.roles 应为岗位列表"),
    ('[rules.MTH006]\nsms = "yes"\n', "rules.MTH006.sms 应为"),
])
def test_a_wrong_firm_table_is_one_chinese_line_naming_the_key(tmp_path, toml, says):
    cfg = tmp_path / "huifang.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    assert says in str(e.value) and "\n" not in str(e.value)
    r = CliRunner().invoke(main, ["rules", "--config", str(cfg)])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_one_document_needs_no_key_before_the_article(tmp_path):
    cfg = tmp_path / "huifang.toml"
    cfg.write_text('[firm.documents]\n"办法" = "某某证券客户回访管理办法"\n[firm.cite]\n"回访时限" = "第八条"\n',
                   encoding="utf-8")
    config = load_config(cfg)
    assert [(s.doc.short, s.article) for s in config.firm.of("NEW001")] == [("办法", "第八条")]
    assert RULES["NEW001"].cites(config.firm)[0].short() == "办法 第八条"
