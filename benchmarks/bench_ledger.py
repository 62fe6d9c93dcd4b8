"""What recording a run costs (issue 28: at most 10 % of validate's time at 100k records).

    python benchmarks/bench_ledger.py                   # 100k records, 5 rounds
    python benchmarks/bench_ledger.py --sizes 10000 --repeat 3

For each size it writes a synthetic unit as bench_validate.py does (customers = records / 5), then
measures in separate processes, alternating round after round (a slow spell of a shared machine
hits both):
  validate - `validate_paths` and the text report (which hashes each input for its provenance)
  record   - the same, then `--record` into a SQLite ledger that already holds the earlier rounds
and prints the medians and ranges of wall and CPU seconds, and their ratio. It also times the
input hashing alone (SHA-256 in 1 MB chunks), which every report pays.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

RUN = """
import sys, time
from datetime import date
from pathlib import Path
from generator.config import load_config, config_from
from generator.validate import validate_paths, render_text
record = sys.argv[2] == "record"
w, c = time.perf_counter(), time.process_time()
config = config_from({"ledger": {"path": sys.argv[3]}}, "bench") if record else load_config(None)
r = validate_paths([sys.argv[1]], config, date(2025, 12, 31))
if record:
    from generator.ledger import track
    track(r, [sys.argv[1]], record=True)
render_text(r)
print(time.perf_counter() - w, time.process_time() - c, len(r.findings))
"""

HASH = """
import sys, time
from pathlib import Path
from generator.validate.provenance import input_facts
w, c = time.perf_counter(), time.process_time()
input_facts(Path(sys.argv[1]))
print(time.perf_counter() - w, time.process_time() - c, 0)
"""


def measure(code: str, *args) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                         check=True, env={**os.environ, "HUIFANG_READER": ""})
    wall, cpu, n = out.stdout.split()
    return float(wall), float(cpu), int(n)


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/huifang-bench"))
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from synth import LARGE_VERSION, large_sheets, write_workbook
    print("| records | rounds | findings | validate wall s | record wall s | wall ratio "
          "| validate CPU s | record CPU s | CPU ratio | hashing the input s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in a.sizes:
        path = a.dir / f"unit-{n}-v{LARGE_VERSION}.xlsx"
        if not path.exists():
            write_workbook(path, large_sheets(n, max(1, n // 5)))
        with tempfile.TemporaryDirectory() as tmp:
            ledger = Path(tmp) / "huifang-ledger.sqlite"
            plain, recorded, hashing = [], [], []
            for i in range(a.repeat):
                pair = [("plain", plain), ("record", recorded)]
                for kind, into in (pair if i % 2 == 0 else pair[::-1]):
                    into.append(measure(RUN, path, kind, ledger))
                hashing.append(measure(HASH, path))
            findings = plain[0][2]
        pw, pc = [x[0] for x in plain], [x[1] for x in plain]
        rw, rc = [x[0] for x in recorded], [x[1] for x in recorded]
        wall_ratios = [r / p for p, r in zip(pw, rw)]
        cpu_ratios = [r / p for p, r in zip(pc, rc)]
        row = {"records": n, "rounds": a.repeat, "findings": findings, "size_mb": round(path.stat().st_size / 1e6, 1),
               "validate_wall": spread(pw), "record_wall": spread(rw), "wall_ratio": spread(wall_ratios),
               "validate_cpu": spread(pc), "record_cpu": spread(rc), "cpu_ratio": spread(cpu_ratios),
               "hash_wall": spread([x[0] for x in hashing])}
        print(f"| {n:,} | {a.repeat} | {findings} | {row['validate_wall']} | {row['record_wall']} "
              f"| {row['wall_ratio']} | {row['validate_cpu']} | {row['record_cpu']} | {row['cpu_ratio']} "
              f"| {row['hash_wall']} |", flush=True)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
