"""The JSON report, its JSON Schema and its reference page come from one declaration
(generator/validate/keys.py), and keys are only ever added."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from generator.site.reference import report_page
from generator.validate.keys import FINDING, ITEMS, OBJECTS, PENDING, REPORT, report_schema

ROOT = Path(__file__).resolve().parents[1]
STORED = sorted((ROOT / "tests" / "data").glob("report.schema.v*.json"))


@pytest.fixture(scope="module")
def report() -> dict:
    r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", "workbooks", "--as-of", "2025-12-31",
                        "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1, r.stderr
    return json.loads(r.stdout)


def test_a_real_report_is_valid_against_the_published_schema(report):
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert report["findings"] and report["pending"]


def test_every_key_written_is_declared_and_every_declared_key_is_written(report):
    assert list(report) == [k.name for k in REPORT]
    assert list(report["summary"]) == [k.name for k in OBJECTS["summary"]]
    assert all(list(f) == [k.name for k in FINDING] for f in report["findings"])
    assert all(list(p) == [k.name for k in PENDING] for p in report["pending"])


def _walk(schema: dict, path=()):
    yield path, schema.get("type")
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, (*path, name))
    if "items" in schema:
        yield from _walk(schema["items"], (*path, "[]"))


@pytest.mark.parametrize("stored", STORED, ids=[p.name for p in STORED])
def test_keys_are_only_added_never_renamed_dropped_or_retyped(stored):
    now = dict(_walk(report_schema()))
    for path, kind in _walk(json.loads(stored.read_text(encoding="utf-8"))):
        assert path in now, f"{'.'.join(path)} was in {stored.name} and is gone"
        assert now[path] == kind, f"{'.'.join(path)} changed type: {kind} -> {now[path]}"


def test_the_contract_keys_of_cli_md_are_in_the_schema():
    now = dict(_walk(report_schema()))
    for path in [("as_of",), ("summary", "files"), ("summary", "errors"), ("summary", "warnings"),
                 ("summary", "pending"), *[("findings", "[]", k) for k in
                                           ("rule", "severity", "file", "sheet", "row", "column", "customer",
                                            "message")],
                 *[("pending", "[]", k) for k in ("rule", "file", "sheet", "row", "customer", "due")]]:
        assert path in now, path


def test_the_streamed_report_is_the_same_object_as_the_whole_one():
    from generator.config import load_config
    from generator.validate import validate_paths
    from datetime import date
    rep = validate_paths([ROOT / "workbooks"], load_config(None), date(2025, 12, 31))
    assert json.loads(rep.to_json()) == json.loads(json.dumps(rep.as_json(), ensure_ascii=False))
    lines = rep.to_json().splitlines()
    assert sum(1 for line in lines if line.startswith('    {"rule"')) == len(rep.findings) + len(rep.pending)


def test_the_reference_page_names_every_key_and_its_sample_is_real_output():
    page = report_page()
    for keys in (REPORT, *ITEMS.values(), *OBJECTS.values()):
        for k in keys:
            assert f"| `{k.name}` |" in page
    sample = json.loads(page.split("```json\n")[1].split("```")[0])
    from generator.rules import RULES
    assert sample["source"] == RULES["NEW001"].source_text() and sample["fix"] == RULES["NEW001"].fix
