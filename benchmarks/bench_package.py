"""`validate`, `validate --annotate` and `plan` on the same large workbook, as the command line runs them.

    python benchmarks/bench_package.py                      # 100k records, 3 rounds
    python benchmarks/bench_package.py --records 100000 --rounds 3 --flagged 100

The workbook is tests/synth.py's large unit (customers = records / 5); with --flagged N every Nth
record has no 录音编号, so the annotated copy marks cells all through the largest sheet (MTH001).
Each command runs in its own process under /usr/bin/time -v, the three in turn for each round
(a slow spell of a shared machine hits all three); the medians and ranges of wall time, CPU time
(user + system) and peak RSS are printed, and each command's ratio to validate.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))


def build(path: Path, n: int, flagged: int) -> None:
    from synth import large_sheets, write_workbook
    sheets = large_sheets(n, max(1, n // 5))
    records = sheets["回访记录"]

    def marked():
        for k, r in enumerate(records, 1):
            if flagged and k % flagged == 0:
                r = {**r, "录音编号": None}
            yield r
    sheets["回访记录"] = marked()
    write_workbook(path, sheets)


def timed(args: list[str]) -> tuple[float, float, int]:
    r = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "generator.cli", *args], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{args}: exit {r.returncode}\n{r.stderr[-2000:]}")

    def field(name):
        return re.search(rf"{name}: (.*)", r.stderr).group(1).strip()
    wall = field(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\)")
    parts = [float(x) for x in wall.split(":")]
    secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    cpu = float(field("User time \\(seconds\\)")) + float(field("System time \\(seconds\\)"))
    return secs, cpu, int(field("Maximum resident set size \\(kbytes\\)"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--flagged", type=int, default=100)
    ap.add_argument("--keep", type=Path, help="folder for the workbook (kept between runs)")
    ap.add_argument("--book", type=Path, help="instead: this workbook (e.g. one of benchmarks/datasets.py)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-package-"))
    folder = a.keep or tmp
    folder.mkdir(parents=True, exist_ok=True)
    book = a.book or folder / f"synth-{a.records}-flag{a.flagged}.xlsx"
    if not book.exists():
        build(book, a.records, a.flagged)
    commands = {
        "validate": ["validate", str(book), "--as-of", "2025-12-31"],
        "annotate": ["validate", str(book), "--as-of", "2025-12-31", "--annotate", "{out}"],
        "plan": ["plan", str(book), "--month", "2026-01", "--as-of", "2025-12-31", "--no-documents", "--out", "{out}"],
    }
    if "--no-documents" not in subprocess.run([sys.executable, "-m", "generator.cli", "plan", "--help"], cwd=ROOT,
                                              capture_output=True, text=True).stdout:
        commands["plan"].remove("--no-documents")
    got: dict[str, list] = {k: [] for k in commands}
    for i in range(a.rounds):
        for name, args in commands.items():
            out = tmp / f"{name}-{i}"
            got[name].append(timed([x.replace("{out}", str(out)) for x in args]))
            shutil.rmtree(out, ignore_errors=True)
    print(f"{book.name if a.book else f'{a.records:,} records, every {a.flagged}th without 录音编号'}, "
          f"{a.rounds} rounds; {book.stat().st_size >> 20} MB")
    print("| command | wall s (median, range) | CPU s (median, range) | max RSS MB (median, range) "
          "| wall / validate | CPU / validate | wall / validate, per round (median, range) "
          "| memory / validate, per round |")
    print("|---|---|---|---|---|---|---|---|")
    base = [statistics.median(x[k] for x in got["validate"]) for k in range(3)]
    for name, runs in got.items():
        cols = []
        for k, scale in ((0, 1), (1, 1), (2, 1024)):
            xs = [r[k] / scale for r in runs]
            cols.append(f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})" if k < 2 else
                        f"{statistics.median(xs):.0f} ({min(xs):.0f}–{max(xs):.0f})")
        med = [statistics.median(r[k] for r in runs) for k in range(2)]
        # each round's own ratio (the commands of a round ran one after another, under the same load)
        rounds = [r[0] / v[0] for r, v in zip(runs, got["validate"])]
        memory = [r[2] / v[2] for r, v in zip(runs, got["validate"])]
        print(f"| {name} | {' | '.join(cols)} | {med[0] / base[0]:.2f} | {med[1] / base[1]:.2f} "
              f"| {statistics.median(rounds):.2f} ({min(rounds):.2f}–{max(rounds):.2f}) "
              f"| {statistics.median(memory):.3f} ({min(memory):.3f}–{max(memory):.3f}) |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
