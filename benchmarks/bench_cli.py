"""huifang as users run it, against the bare reads of the same file, in alternating rounds.

    python benchmarks/bench_cli.py --records 100000 --rounds 5
    python benchmarks/bench_cli.py --folder 200 --rounds 3

Each command is a fresh process (imports included): `huifang validate FILE --format json --output
REPORT`, python-calamine reading every cell of every sheet (`iter_rows`), and fastexcel loading
every sheet into Arrow. Before the rounds each command runs once untimed, with bytecode written
as an installed package has it (environ()). Wall time, CPU time (user + system, of the child and its children:
resource.getrusage(RUSAGE_CHILDREN) around each run) and peak memory (max RSS of the run itself,
/usr/bin/time) are taken for each run; the commands take turns, round after round, so a slow spell
of the shared machine hits all of them. Printed: medians, each round's ratio range, per data set
(benchmarks/datasets.py).
With --folder: the folder validated by one process (HUIFANG_JOBS=1) and by the pool.
With --stages: two more commands show where huifang's time goes, each a fresh process as well:
the workbook read (reader.read_workbook) and nothing else, and the read with every rule judged
(run.check_book, no identities, no report); what the full command takes beyond them is the
findings' identities and the report.
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

# the stages (--stages): the process ends as the CLI's does, without the interpreter's clean-up
READ_ONLY = """
import os, sys
from generator.workbook.reader import read_workbook
read_workbook(sys.argv[1])
os._exit(0)
"""

READ_AND_RULES = """
import os, sys
from datetime import date
from generator.config import load_config
from generator.rules.workdays import WorkCalendar
from generator.validate import run
from generator.workbook.reader import read_workbook
config = load_config(None)
with run.paused_gc():
    book = read_workbook(sys.argv[1])
    run.check_book(book, config, date(2025, 12, 31), date(2025, 1, 1), WorkCalendar(config.calendar_years))
os._exit(0)
"""


def timed(cmd: list[str], env=None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system of the child and its children) and peak RSS (MB,
    /usr/bin/time's %M of the run itself) of one run of cmd."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], cwd=ROOT, capture_output=True, env=environ(env))
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{cmd}: exit {r.returncode}\n{r.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(r.stderr.decode().strip().splitlines()[-1]) / 1024


def environ(env: dict | None) -> dict:
    """The children's environment: bytecode is read and written (under PYCACHE), as after an
    install (pip compiles every module; an editable install writes them at the first run). A
    machine with PYTHONDONTWRITEBYTECODE set would otherwise compile huifang's modules from source
    on every run, a tenth of a second the bare reads (their modules compiled at install) never pay."""
    out = {**os.environ, **(env or {}), "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


PYCACHE = Path(tempfile.gettempdir()) / "huifang-bench-pycache"


def rounds(commands: dict[str, tuple[list[str], dict]], n: int) -> dict[str, list[tuple[float, float, float]]]:
    """Each command run once untimed (bytecode written, the file in the page cache), then n rounds."""
    for cmd, env in commands.values():
        timed(cmd, env)
    got: dict[str, list] = {k: [] for k in commands}
    for _ in range(n):
        for name, (cmd, env) in commands.items():
            got[name].append(timed(cmd, env))
    return got


def summary(label: str, got: dict, base: str) -> None:
    med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in got.items()}
    print(f"\n{label}")
    print("| command | wall s (median) | CPU s (median) | peak MB (median) | wall ratio to it (median; rounds) "
          "| memory ratio to it |")
    print("|---|---|---|---|---|---|")
    for k, (w, c, m) in med.items():
        each = [a[0] / b[0] for a, b in zip(got[base], got[k])]
        ratio = f"{med[base][0] / w:.2f} ({min(each):.2f}–{max(each):.2f})" if k != base else "–"
        mem = f"{med[base][2] / m:.2f}" if k != base else "–"
        print(f"| {k} | {w:.2f} | {c:.2f} | {m:.0f} | {ratio} | {mem} |", flush=True)


def main() -> None:
    import datasets
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kinds", nargs="+", default=list(datasets.KINDS),
                    choices=datasets.KINDS + datasets.FIELD)
    ap.add_argument("--folder", type=int, metavar="BOOKS",
                    help="instead: a folder of BOOKS workbooks of --records each")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/huifang-bench"))
    ap.add_argument("--stages", action="store_true",
                    help="also time huifang's read alone, and its read with the rules (no identities, no report)")
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
            summary(f"folder of {a.folder} workbooks x {a.records:,} records, {a.rounds} rounds", got,
                    "validate, pool")
            return
        for kind in a.kinds:
            path = str(datasets.make(a.dir, kind, a.records))
            commands = {
                "huifang validate": ([py, "-m", "generator.cli", "validate", path, "--as-of", "2025-12-31",
                                      "--format", "json", "--output", report], {}),
                "python-calamine iter_rows": ([py, "-c", CALAMINE, path], {}),
                "fastexcel → Arrow": ([py, "-c", FASTEXCEL, path], {}),
            }
            if a.stages:
                commands["huifang: read only"] = ([py, "-c", READ_ONLY, path], {})
                commands["huifang: read + rules"] = ([py, "-c", READ_AND_RULES, path], {})
            got = rounds(commands, a.rounds)
            summary(f"{kind}, {a.records:,} records, {a.rounds} rounds", got, "huifang validate")


if __name__ == "__main__":
    main()
