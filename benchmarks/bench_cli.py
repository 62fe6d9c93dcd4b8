"""huifang as users run it, against the bare reads of the same file, in alternating rounds.

    python benchmarks/bench_cli.py --records 100000 --rounds 5
    python benchmarks/bench_cli.py --folder 200 --rounds 3

Each command is a fresh process (imports included): `huifang validate FILE --format json --output
REPORT`, python-calamine reading every cell of every sheet (`iter_rows`), and fastexcel loading
every sheet into Arrow. Wall time, CPU time (user + system, of the child and its children:
resource.getrusage(RUSAGE_CHILDREN) around each run) and peak memory (max RSS) are taken for each;
the commands take turns, round after round, so a slow spell of the shared machine hits all of
them. Printed: medians, each round's ratio range, per data set (benchmarks/datasets.py).
With --folder: the folder validated by one process (HUIFANG_JOBS=1) and by the pool.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
n = 0
for name in wb.sheet_names:
    for row in wb.get_sheet_by_name(name).iter_rows():
        n += len(row)
"""

FASTEXCEL = """
import sys
import fastexcel
r = fastexcel.read_excel(sys.argv[1])
for name in r.sheet_names:
    r.load_sheet(name).to_arrow()
"""


def timed(cmd: list[str], env=None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one run of cmd."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{cmd}: exit {r.returncode}\n{r.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024     # ru_maxrss of children: the largest child so far


def peak(cmd: list[str], env=None) -> float:
    """Peak RSS (MB) of one run, by /usr/bin/time (RUSAGE_CHILDREN keeps the largest child ever)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    return int(r.stderr.strip().splitlines()[-1]) / 1024


def rounds(commands: dict[str, tuple[list[str], dict]], n: int) -> dict[str, list[tuple[float, float]]]:
    got: dict[str, list] = {k: [] for k in commands}
    for _ in range(n):
        for name, (cmd, env) in commands.items():
            wall, cpu, _ = timed(cmd, env)
            got[name].append((wall, cpu))
    return got


def summary(label: str, got: dict, base: str, mem: dict[str, float]) -> None:
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in got.items()}
    print(f"\n{label}")
    print("| command | wall s (median) | CPU s (median) | peak MB | wall ratio to it (median; rounds) |")
    print("|---|---|---|---|---|")
    for k, (w, c) in med.items():
        each = [a[0] / b[0] for a, b in zip(got[base], got[k])]
        ratio = f"{med[base][0] / w:.2f} ({min(each):.2f}–{max(each):.2f})" if k != base else "–"
        print(f"| {k} | {w:.2f} | {c:.2f} | {mem.get(k, 0):.0f} | {ratio} |", flush=True)


def main() -> None:
    import datasets
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kinds", nargs="+", default=list(datasets.KINDS), choices=datasets.KINDS)
    ap.add_argument("--folder", type=int, metavar="BOOKS",
                    help="instead: a folder of BOOKS workbooks of --records each")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/huifang-bench"))
    a = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        report = str(Path(tmp) / "report.json")
        if a.folder:
            target = datasets.make_folder(a.dir, a.folder, a.records)
            validate = [py, "-m", "generator.cli", "validate", str(target), "--as-of", "2025-12-31",
                        "--format", "json", "--output", report]
            commands = {"validate, one process": (validate, {"HUIFANG_JOBS": "1"}), "validate, pool": (validate, {})}
            got = rounds(commands, a.rounds)
            mem = {k: peak(cmd, env) for k, (cmd, env) in commands.items()}
            summary(f"folder of {a.folder} workbooks x {a.records:,} records, {a.rounds} rounds", got,
                    "validate, pool", mem)
            return
        for kind in a.kinds:
            path = str(datasets.make(a.dir, kind, a.records))
            commands = {
                "huifang validate": ([py, "-m", "generator.cli", "validate", path, "--as-of", "2025-12-31",
                                      "--format", "json", "--output", report], {}),
                "python-calamine iter_rows": ([py, "-c", CALAMINE, path], {}),
                "fastexcel → Arrow": ([py, "-c", FASTEXCEL, path], {}),
            }
            got = rounds(commands, a.rounds)
            mem = {k: peak(cmd, env) for k, (cmd, env) in commands.items()}
            summary(f"{kind}, {a.records:,} records, {a.rounds} rounds", got, "huifang validate", mem)


if __name__ == "__main__":
    main()
