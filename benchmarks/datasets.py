"""The benchmark's data sets, written once into a folder and reused (names carry a version).

    python benchmarks/datasets.py --records 100000            # the three data sets
    python benchmarks/datasets.py --folder 200 --records 2000  # a folder of 200 workbooks

- clean:    the synthetic unit (tests/synth.py `large_sheets`), written by xlsxwriter (which
            writes each sheet's <dimension>); few findings.
- findings: the same unit with a finding on most records (a phone callback without its 录音编号,
            MTH001, on nine records in ten).
- openpyxl: the clean unit written by openpyxl's write_only mode, which writes no <dimension>
            (the reader must find the sheet's extent itself), with its own way of writing dates.
- folder:   a folder of small units (each `--records` records), for the process pool.

Files as other programs write them (the field's, issue 27), each from the clean unit:
- libreoffice: saved again by LibreOffice (needs `soffice`): every text in shared strings,
            numbered as first met, so a later sheet's header is tens of thousands of items in.
- formulas: every 记录编号 a formula filled down (Excel's shared formula) with its cached value.
- far:      an empty formatted cell left at XFD1048576 on each sheet (Excel's used range after a
            far cell was cleared), under a <dimension> that spans the whole grid.
- ods:      the libreoffice file saved by LibreOffice as OpenDocument (.ods: read by rows, and
            opening it reads every sheet), as WPS and LibreOffice users may keep it.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

VERSION = 1         # bump when a data set changes, so a benchmark does not reuse an older file
KINDS = ("clean", "findings", "openpyxl")
FIELD = ("libreoffice", "formulas", "far", "ods")            # as other programs write them


def path_of(folder: Path, kind: str, n: int) -> Path:
    from synth import LARGE_VERSION
    return Path(folder) / f"{kind}-{n}-v{LARGE_VERSION}.{VERSION}.{'ods' if kind == 'ods' else 'xlsx'}"


def _with_findings(sheets: dict) -> dict:
    records = sheets["回访记录"]

    def changed():
        for k, r in enumerate(records):
            if k % 10:
                r = dict(r)
                r.pop("录音编号", None)
            yield r
    return {**sheets, "回访记录": changed()}


def _write_openpyxl(path: Path, sheets: dict) -> None:
    """The sheets in contract order, written by openpyxl write_only (no <dimension>), whole or not at all."""
    import openpyxl
    from generator.workbook import contract as K
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb = openpyxl.Workbook(write_only=True)
        for name, spec in K.build_contract().items():
            rows = sheets.get(name)
            if rows is None:
                continue
            ws = wb.create_sheet(name)
            cols = [c.name for c in spec.columns]
            ws.append(cols)
            for row in rows:
                ws.append([row.get(c) for c in cols])
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _rewritten(src: Path, path: Path, change) -> None:
    """A copy of src with each worksheet part passed through change(bytes) (tests/corpus.py's
    rewrite), whole or not at all."""
    import re
    from corpus import rewrite
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        rewrite(src, Path(tmp), lambda name, data: change(data) if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)
                else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _formulas(data: bytes) -> bytes:
    """Each text 记录编号 (R00000001 in column A of 回访记录) a filled-down formula with its value."""
    import re
    first = []

    def cell(m):
        row = int(m.group(1))
        if not first:
            first.append(row)
            f = b'<f t="shared" ref="A%d:A1048576" si="0">"R"&amp;TEXT(ROW()-1,"00000000")</f>' % row
        else:
            f = b'<f t="shared" si="0"/>'
        return b'<c r="A%d" t="str">%s<v>%s</v></c>' % (row, f, m.group(2))
    return re.sub(rb'<c r="A(\d+)" t="inlineStr"><is><t>(R\d{8})</t></is></c>', cell, data)


def _far(data: bytes) -> bytes:
    import re
    data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data, count=1)
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>', 1)


def _libreoffice(src: Path, path: Path, fmt: str = "xlsx") -> None:
    import shutil
    import subprocess
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit(f"the {path.name} data set needs LibreOffice (soffice)")
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
                        fmt, "--outdir", f"{tmp}/out", str(src)], check=True, capture_output=True, timeout=3600)
        os.replace(Path(tmp) / "out" / f"{src.stem}.{fmt}", path)


def make(folder: Path, kind: str, n: int) -> Path:
    from synth import large_sheets, write_workbook
    path = path_of(folder, kind, n)
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    if kind in FIELD:
        clean = make(folder, "clean", n)
        if kind == "libreoffice":
            _libreoffice(clean, path)
        elif kind == "ods":
            _libreoffice(make(folder, "libreoffice", n), path, "ods")
        else:
            _rewritten(clean, path, _formulas if kind == "formulas" else _far)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s",
              file=sys.stderr, flush=True)
        return path
    sheets = large_sheets(n, max(1, n // 5))
    if kind == "clean":
        write_workbook(path, sheets)
    elif kind == "findings":
        write_workbook(path, _with_findings(sheets))
    elif kind == "openpyxl":
        _write_openpyxl(path, sheets)
    else:
        raise ValueError(kind)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s",
          file=sys.stderr, flush=True)
    return path


def make_folder(folder: Path, books: int, n: int) -> Path:
    """`books` units of n records each (different seeds), in one folder."""
    from synth import LARGE_VERSION, large_sheets, write_workbook
    target = Path(folder) / f"folder-{books}x{n}-v{LARGE_VERSION}.{VERSION}"
    if (target / ".done").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    for k in range(books):
        p = target / f"营业部{k + 1:03d}.xlsx"
        if not p.exists():
            write_workbook(p, large_sheets(n, max(1, n // 5), seed=k + 1))
    (target / ".done").write_text("")
    print(f"wrote {target} in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS + FIELD)
    ap.add_argument("--folder", type=int, metavar="BOOKS", help="instead: a folder of BOOKS units")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/huifang-bench"))
    a = ap.parse_args()
    if a.folder:
        print(make_folder(a.dir, a.folder, a.records))
        return
    for kind in a.kinds:
        print(make(a.dir, kind, a.records))


if __name__ == "__main__":
    main()
