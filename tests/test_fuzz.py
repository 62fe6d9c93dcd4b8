"""A seeded mutation loop over an example workbook, a fixed number of cases (the same cases on
any machine): whatever the bytes, every command (`validate`, `validate --annotate`, `plan`,
`generate`, and `site` on every SITE_EVERY-th case) ends with exit status 0, 1 or 2 and a Chinese
line, never a traceback, never the reader's catch-all for what it did not foresee, never an
internal error, leaves no scratch behind and does not touch its input."""
from __future__ import annotations

import contextlib
import io
import random
import re
import time
import zipfile
from pathlib import Path

import pytest

from generator.cli import main
from generator.workbook.reader import INTERNAL

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "workbooks" / "示例二营业部.xlsx"
CASES = 36
SITE_EVERY = 6
SNIPPETS = [b'<c r="XFD9"><v>1</v></c>', b'<mergeCell ref="A1:Z9999"/>', b"<!DOCTYPE x>",
            b'<c r="B2" t="e"><v>#N/A</v></c>',
            b'<c r="F3" s="2"><v>-1E+20</v></c>', b"<f>1/0</f>", b"&amp;", b"\x00", b"\xff\xfe", b'<row r="1048576">',
            b'<c r="A1" t="s"><v>99999</v></c>', b'<dimension ref="A1:XFD1048576"/>', b"</sheetData>", b'r="ZZZ0"']


def mutate(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 64))
    how = rng.randrange(6)
    if how == 0:
        return data[:i] + data[j:]                                   # delete
    if how == 1:
        return data[:i] + data[i:j] + data[i:]                       # duplicate
    if how == 2:
        return data[:i] + bytes([rng.choice(b'<>"=/&;# x0')]) + data[i + 1:]
    if how == 3:
        return data[:i] + rng.choice(SNIPPETS) + data[i:]            # insert
    if how == 4:
        return data[:i]                                              # truncate
    return re.sub(rb'r="([A-Z]+)(\d+)"', lambda m: b'r="%s%d"' % (m.group(1), int(m.group(2)) * rng.randint(1, 3000)),
                  data, count=rng.randint(1, 3))


def variant(path: Path, rng: random.Random) -> str:
    with zipfile.ZipFile(SOURCE) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    if rng.random() < 0.2:                                           # a flipped byte in the zip itself
        raw = bytearray(SOURCE.read_bytes())
        k = rng.randrange(len(raw))
        raw[k] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(raw))
        return f"zip byte {k}"
    name = rng.choice(sorted(parts))
    parts[name] = mutate(parts[name], rng)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return f"part {name}"


def run(args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 2
    return code, err.getvalue()


def commands(p: Path, out: Path, n: int) -> list[list[str]]:
    cmds = [["validate", str(p), "--as-of", "2025-12-31"],
            ["validate", str(p), "--as-of", "2025-12-31", "--annotate", str(out / "annotated")],
            ["plan", str(p), "--month", "2026-01", "--as-of", "2025-12-31", "--out", str(out / "plan")],
            ["generate", str(p), "--out", str(out / "docs"), "--kind", "report", "--kind", "lost"]]
    if n % SITE_EVERY == 0:
        cmds.append(["site", str(p), "--as-of", "2025-12-31", "--out", str(out / "site")])
    return cmds


def test_mutated_workbooks_never_crash(tmp_path, monkeypatch):
    import tempfile
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))
    rng = random.Random(20261123)
    for n in range(CASES):
        p = tmp_path / f"m{n}.xlsx"
        what = variant(p, rng)
        before = p.read_bytes()
        for args in commands(p, tmp_path / f"out{n}", n):
            t = time.monotonic()
            try:
                code, err = run(args)
            except Exception as e:                                   # a traceback a user would see
                pytest.fail(f"case {n} ({what}) {args[0]}: {type(e).__name__}: {e}")
            assert code in (0, 1, 2), (n, what, args, code, err)
            assert INTERNAL not in err and "内部错误" not in err, (n, what, args, err)
            assert time.monotonic() - t < 60, (n, what, args, "took too long")
            if code == 2:
                assert err.startswith("huifang：") and len(err.strip().splitlines()) == 1, (n, what, args, err)
        assert p.read_bytes() == before, (n, what, "the input was written to")
        left = [q for q in tmp_path.rglob("*") if q.name.startswith((".~huifang", "huifang-"))]
        assert left == [], (n, what, left)
