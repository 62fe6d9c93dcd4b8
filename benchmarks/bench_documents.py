"""Documents per second: plain docxtpl (a fresh template per document) against huifang's
compiled path, side by side in one run, on the same contexts, with the text compared.

    python benchmarks/bench_documents.py --n 300
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import load_config  # noqa: E402
from generator.documents.generate import Unit, jobs  # noqa: E402
from generator.workbook.reader import read_workbook  # noqa: E402
from generator.documents.render import FastTemplate, render_plain  # noqa: E402
from generator.documents.templates import NAMES, TEMPLATE_DIR  # noqa: E402


def text_of(path: Path) -> str:
    from docx import Document
    d = Document(str(path))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="record forms per side")
    a = ap.parse_args()
    cfg = load_config(None)
    u = Unit(read_workbook(ROOT / "workbooks" / "示例营业部.xlsx"), cfg)
    work = [(k, make()) for k, _, make in jobs([u], ("record",), None, set(), cfg, date(2025, 12, 31))]
    work = (work * (a.n // len(work) + 1))[:a.n]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        for i, (kind, ctx) in enumerate(work):
            render_plain(TEMPLATE_DIR / NAMES[kind], ctx, tmp / f"plain-{i}.docx")
        plain = time.perf_counter() - t
        t = time.perf_counter()
        compiled = {k: FastTemplate(TEMPLATE_DIR / NAMES[k]) for k in {k for k, _ in work}}
        for i, (kind, ctx) in enumerate(work):
            compiled[kind].save(ctx, tmp / f"fast-{i}.docx")
        fast = time.perf_counter() - t
        same = all(text_of(tmp / f"plain-{i}.docx") == text_of(tmp / f"fast-{i}.docx") for i in range(len(work)))
    print(f"documents: {len(work)} record forms per side")
    print(f"plain docxtpl : {plain:.2f} s  {len(work) / plain:.1f} docs/s")
    print(f"huifang       : {fast:.2f} s  {len(work) / fast:.1f} docs/s")
    print(f"speed-up      : {plain / fast:.1f}x   same text (every document compared): {same}")


if __name__ == "__main__":
    main()
