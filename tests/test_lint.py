"""`ruff check` passes over the sources (the rules and line length in pyproject.toml), and every
`# noqa` names a rule that is raised there: CI runs the tests, so CI runs the linter."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("ruff", reason="ruff is in the [test] extra")


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *args], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8")


def test_ruff_check_passes():
    r = ruff()
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_stale_noqa():
    r = ruff("--extend-select", "RUF100")
    assert r.returncode == 0, r.stdout + r.stderr
