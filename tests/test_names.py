"""Sheet and column names are declared once, in the workbook contract: a name the contract does
not declare raises at once, and no source file asks for one."""
import ast
from pathlib import Path

import pytest

from generator.workbook import contract as K
from generator.workbook.reader import Table, UndeclaredColumn

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {c.name for s in K.CONTRACT.values() for c in s.columns}


def test_an_undeclared_column_raises():
    t = Table(K.CONTRACT["回访记录"])
    assert t.col("回访时间") == [] and not t.has("回访时间")
    for ask in (t.col, t.has, t.letter):
        with pytest.raises(UndeclaredColumn, match="回访时刻"):
            ask("回访时刻")


def literal_names():
    """(file, line, method, name) of every literal name passed to .col / .has / .letter or used as a sheet."""
    for f in (ROOT / "generator").rglob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("col", "has", "letter") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                yield f.relative_to(ROOT), node.lineno, node.func.attr, node.args[0].value
            if (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                    and isinstance(node.slice.value, str) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "book"):
                yield f.relative_to(ROOT), node.lineno, "sheet", node.slice.value


def test_every_name_the_code_asks_for_is_declared():
    seen = list(literal_names())
    assert len(seen) > 150
    bad = [(str(f), n, m, name) for f, n, m, name in seen
           if (m == "sheet" and name not in K.CONTRACT) or (m != "sheet" and name not in COLUMNS)]
    assert bad == []
