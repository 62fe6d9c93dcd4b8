"""Validator speed against the plain read of the same cells, side by side in one run.

    python benchmarks/bench_validate.py                 # 100k and 1M records
    python benchmarks/bench_validate.py --sizes 10000 100000
    python benchmarks/bench_validate.py --skew 10000 40000   # one customer holding everything

For each size it writes a synthetic unit (customers = records / 5), then measures in
separate processes (so each has its own peak memory):
  read  - python-calamine reading every cell of every sheet (the fastest reader here)
  total - `validate_paths` (inspection, reading, typing, every rule), with the columnar read path
  rows  - the same with HUIFANG_READER=rows (every sheet through python-calamine's rows, as before issue 15)
in turn, for --repeat rounds (a slow spell of a shared machine hits all three), and prints the
medians of the seconds and peak RSS, their ratios and the range of each round's time ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

READ = """
import resource, sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
wb = CalamineWorkbook.from_path(sys.argv[1])
n = 0
for name in wb.sheet_names:
    for row in wb.get_sheet_by_name(name).iter_rows():
        n += len(row)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n)
"""

VALIDATE = """
import resource, sys, time
from datetime import date
from generator.config import load_config
from generator.validate import validate_paths
t = time.perf_counter()
r = validate_paths([sys.argv[1]], load_config(None), date(2025, 12, 31))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(r.findings))
"""


GENERATE_LOST = """
import resource, sys, tempfile, time
from datetime import date
from pathlib import Path
from generator.config import load_config
from generator.documents.generate import generate
t = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    generate([sys.argv[1]], Path(tmp) / "out", kinds=("lost",), config=load_config(None), today=date(2025, 12, 31))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0)
"""


def skew(sizes: list[int], folder: Path) -> None:
    """The same n events, callbacks, plans and contacts held by one customer or spread over n / 5."""
    from synth import skew_sheets, write_workbook
    print("| rows per sheet | uniform validate s | skewed validate s | ratio "
          "| uniform lost s | skewed lost s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        got = {}
        for skewed in (False, True):
            path = folder / f"skew-{n}-{'one' if skewed else 'spread'}.xlsx"
            if not path.exists():
                write_workbook(path, skew_sheets(n, skewed))
            got[skewed] = measure(VALIDATE, path)[0], measure(GENERATE_LOST, path)[0]
        (uv, ul), (sv, sl) = got[False], got[True]
        print(f"| {n:,} | {uv:.2f} | {sv:.2f} | {sv / uv:.2f} | {ul:.2f} | {sl:.2f} | {sl / ul:.2f} |", flush=True)


def measure(code: str, path: Path, **env: str) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "HUIFANG_READER": "", **env})
    secs, rss_kb, n = out.stdout.split()
    return float(secs), int(rss_kb) / 1024, int(n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="rounds of read / validate / row-reader validate (medians)")
    ap.add_argument("--no-rows", dest="rows", action="store_false", help="leave out the row-reader validate")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/huifang-bench"))
    ap.add_argument("--skew", type=int, nargs="+", metavar="N",
                    help="instead: one customer holding N events, callbacks, plans and contacts, against N spread out")
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    if a.skew:
        skew(a.skew, a.dir)
        return
    from synth import LARGE_VERSION, large_sheets, write_workbook
    rows = []
    for n in a.sizes:
        path = a.dir / f"unit-{n}-v{LARGE_VERSION}.xlsx"
        if not path.exists():
            t = time.perf_counter()
            write_workbook(path, large_sheets(n, max(1, n // 5)))
            print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
        runs = []            # the three measured in turn, round after round: a slow spell hits all three
        for _ in range(a.repeat):
            r_s, r_mb, cells = measure(READ, path)
            v_s, v_mb, findings = measure(VALIDATE, path)
            o_s, o_mb, o_findings = measure(VALIDATE, path, HUIFANG_READER="rows") if a.rows else (0.0, 0.0, findings)
            assert o_findings == findings, (o_findings, findings)
            runs.append((r_s, v_s, o_s, r_mb, v_mb, o_mb))
        r_s, v_s, o_s, r_mb, v_mb, o_mb = (statistics.median(x) for x in zip(*runs))
        each = [v / r for r, v, *_ in runs]
        rows.append({"records": n, "customers": max(1, n // 5), "cells": cells, "rounds": a.repeat,
                     "read_s": round(r_s, 2), "read_peak_mb": round(r_mb),
                     "validate_s": round(v_s, 2), "validate_peak_mb": round(v_mb),
                     "time_ratio": round(v_s / r_s, 2), "round_ratios": [round(x, 2) for x in each],
                     "memory_ratio": round(v_mb / r_mb, 2), "findings": findings,
                     "rows_validate_s": round(o_s, 2), "rows_peak_mb": round(o_mb),
                     "rows_time_ratio": round(o_s / r_s, 2)})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    print("\n| records | rounds | read s | validate s | time ratio | each round | read MB | validate MB | memory ratio "
          "| row-reader validate s | its ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        each = "–".join(f"{x:.2f}" for x in (min(r["round_ratios"]), max(r["round_ratios"])))
        print(f"| {r['records']:,} | {r['rounds']} | {r['read_s']} | {r['validate_s']} | {r['time_ratio']} | {each} | "
              f"{r['read_peak_mb']} | {r['validate_peak_mb']} | {r['memory_ratio']} | {r['rows_validate_s']} | "
              f"{r['rows_time_ratio']} |")
    if len(rows) > 1:
        a0, a1 = rows[0], rows[-1]
        print(f"\ngrowth: {a1['records'] / a0['records']:.0f}x records "
              f"-> {a1['validate_s'] / a0['validate_s']:.1f}x validate time")


if __name__ == "__main__":
    main()
