"""Read paths side by side: is a columnar reader worth adopting? (issue 15)

    pip install polars       # fastexcel and pyarrow are huifang's dependencies; polars only for this measurement
    python benchmarks/bench_columnar.py /tmp/huifang-bench/unit-100000-v2.xlsx

Each path runs in its own process (its own peak memory), on the same file:
  iter_rows        python-calamine reading every cell of every sheet (bench_validate's baseline)
  huifang          huifang's reader: inspection, header mapping and typed columns (the columnar path
                   since issue 15; HUIFANG_READER=rows gives the row reader)
  fastexcel+arrow  fastexcel to Arrow, each column to Python with pyarrow's to_pylist, then typed
  fastexcel+polars the same through polars' to_list, without and with the typing
The typing is huifang's own `convert_column`, so the last lines show what a columnar read would
save while the rules stay row-wise Python.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMON = """
import resource, sys, time
t = time.perf_counter()
"""
END = """
print(f"{time.perf_counter() - t:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")
"""

PATHS = {
    "iter_rows": """
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
for name in wb.sheet_names:
    for row in wb.get_sheet_by_name(name).iter_rows():
        pass
""",
    "huifang": """
from generator.workbook.reader import read_workbook
read_workbook(sys.argv[1])
""",
}
FAST = """
import fastexcel
{imports}
from generator.workbook import contract as K
from generator.workbook.values import convert_column, norm_header
r = fastexcel.read_excel(sys.argv[1])
for name in r.sheet_names:
    spec = K.CONTRACT.get(name)
    table = r.load_sheet(name, header_row=0, schema_sample_rows=None).to_arrow()
    for j, field in enumerate(table.schema):
        values = {to_list}
        col = spec.by_name.get(norm_header(field.name)) if spec else None
        if {typed} and col is not None:
            convert_column(col, values)
"""
PATHS["fastexcel+arrow, typed"] = FAST.format(imports="", to_list="table.column(j).to_pylist()", typed=True)
PATHS["fastexcel+polars"] = FAST.format(imports="import polars as pl",
                                        to_list="pl.from_arrow(table.column(j)).to_list()", typed=False)
PATHS["fastexcel+polars, typed"] = FAST.format(imports="import polars as pl",
                                               to_list="pl.from_arrow(table.column(j)).to_list()", typed=True)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print("| read path | seconds | peak MB |\n|---|---|---|")
    for label, code in PATHS.items():
        out = subprocess.run([sys.executable, "-c", COMMON + code + END, sys.argv[1]], capture_output=True, text=True,
                             cwd=ROOT)
        if out.returncode:
            print(f"| {label} | failed: {out.stderr.strip().splitlines()[-1][:80]} | |")
            continue
        secs, mb = out.stdout.split()[-2:]
        print(f"| {label} | {secs} | {mb} |", flush=True)


if __name__ == "__main__":
    main()
