"""Every rule: its failing and passing example, declared beside the rule (rule.example) and
shown on its rule page, built here as a small workbook.

The failing case must give exactly one finding of the rule, at the declared cell, with the
declared message; the passing case must give no finding of the rule.
"""
from __future__ import annotations

from datetime import date

import pytest

from generator.rules import ORDER, RULES
from generator.rules.examples import apply, as_of, base_sheets


def build(book, changes):
    book.sheets = apply(base_sheets(), changes)


def test_every_rule_has_an_example():
    missing = [rid for rid in ORDER if RULES[rid].example is None and rid not in NOTICES]
    assert missing == []


NOTICES = {"CAL001", "DATA009",
           "DATA010"}   # a notice about the run; a far cell, a twin sheet (tests/rule_cases.py builds them)
EXAMPLES = [rid for rid in ORDER if RULES[rid].example is not None]


@pytest.mark.parametrize("rid", EXAMPLES)
def test_rule_fails(book, rid):
    ex = RULES[rid].example
    build(book, ex.fails)
    found = book.findings(rid, as_of=as_of(ex), since=ex.since)
    assert len(found) == 1, [f.message for f in found]
    f = found[0]
    assert f.where == ex.cell
    assert ex.message in f.message
    assert f.severity == RULES[rid].severity


@pytest.mark.parametrize("rid", EXAMPLES)
def test_rule_passes(book, rid):
    ex = RULES[rid].example
    build(book, ex.passes)
    assert book.findings(rid, as_of=as_of(ex), since=ex.since) == []


def test_clean_unit_has_no_finding(book):
    assert book.findings(as_of=date(2025, 6, 30)) == []
