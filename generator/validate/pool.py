"""Validate many workbooks on every core: a process pool (spawn-safe), each worker reducing its
workbook to what the report needs (findings, pending items, the workbook's unit, notes and read
paths, the input's facts), so the parent never holds a workbook's cells and its memory stays flat
in the number of workbooks. A caller that needs more of the cells (`huifang site`) hands
validate_paths a `reduce` function, which the workers run on each checked workbook.

The report is the same as one process makes (tests/test_pool.py compares them): the books in
the order of the paths, each book's findings in its own order, and the findings' identities
assigned in the parent from keys the workers computed, exactly as `validate.identity.assign` does.
"""
from __future__ import annotations

import gc
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool  # noqa: F401  (run.py falls back on it)
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from pathlib import Path

from generator.validate.identity import assign_keys, keys_of

@dataclass
class BookFacts:
    """What the report says of a workbook, without its cells (stands in for reader.Workbook)."""
    path: Path
    unit: str
    macros: bool = False
    format: str = "xlsx"
    notes: list[str] = field(default_factory=list)
    read_paths: dict[str, tuple[str, str]] = field(default_factory=dict)
    tables: dict = field(default_factory=dict)      # no cells: what reads them needs the single-process path

    def __getitem__(self, sheet: str):
        raise TypeError(f"a workbook checked in the process pool keeps no cells (sheet {sheet!r}): "
                        "validate_paths(..., jobs=1) without reduce for callers that read them")


@dataclass
class CalendarContext:
    """The context's one attribute a report reads (provenance: the calendar in use)."""
    cal: object


class _UsedCalendar:
    """The parent's calendar with the years the workers' deadlines went through (what provenance
    lists: `provisional_used` and the years of the days computed)."""

    def __init__(self, cal) -> None:
        self.cal = cal
        self.provisional_used: set[int] = set()
        self.years: set[int] = set()

    def add(self, provisional: set[int], years: set[int]) -> None:
        self.provisional_used |= provisional
        self.years |= years

    def years_used(self) -> set[int]:
        return self.years

    def source(self, year: int):
        return self.cal.source(year)


POOL_ABOVE = 4_000_000      # bytes of workbooks: below this, starting the workers costs more than they save


def worth_it(paths: list[Path]) -> bool:
    """Whether a pool pays for itself: two example workbooks take 0.7 s in one process and 1.5 s
    with workers to start (each imports the readers); a folder of large ones gains from every core."""
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return len(paths) >= 2 and total >= POOL_ABOVE


def jobs_wanted(n_books: int) -> int:
    """How many processes for n workbooks: one per core the process may use, at most one per book."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_books))


_state: dict = {}


def no_cells(result, config, as_of: date, since: date) -> None:
    """A reducer (validate_paths(reduce=...)) that keeps nothing of the cells: for callers that need
    only the findings, the pending items and the workbook's facts (the annotated copies, written from
    the input package), so that each workbook's cells are let go as soon as it is checked."""
    return None


def without_cells(result, reduced, ctx):
    """The BookResult with the workbook's facts in place of its cells (and `reduced`: what the
    caller's reducer kept of them)."""
    from generator.validate.run import BookResult
    book = result.book
    facts = BookFacts(book.path, book.unit, book.macros, book.format, book.notes, book.read_paths)
    return BookResult(result.path, facts, ctx, result.findings, result.pending, reduced)


def _worker_init(raw: dict, where: str, source: str | None, as_of: date, since: date, reduce=None) -> None:
    """The parent's configuration, rebuilt from the same parsed huifang.toml (never read again:
    a file edited meanwhile, or a configuration made in code, judges the same in every process)."""
    from generator.config import config_from
    from generator.rules.workdays import WorkCalendar
    from generator.workbook import contract as K
    from generator.workbook.parts import SPLIT_ENV
    os.environ[SPLIT_ENV] = "0"         # the pool keeps every core busy already: no sheet in parts
    gc.disable()        # a worker lives for one folder and the reader makes no cycles (run.paused_gc)
    config = config_from(raw, where, Path(source) if source else None)
    _state.update(config=config, contract=K.build_contract(config.banks), cal=WorkCalendar(config.calendar_years),
                  as_of=as_of, since=since, reduce=reduce)


def _one(path: Path):
    """Read and check one workbook; its facts, findings, pending items and identity keys (and what
    the caller's `reduce` keeps of it)."""
    from generator.validate.provenance import input_facts, stamp
    from generator.validate.run import check_book, paused_gc
    from generator.workbook.reader import read_workbook
    before = stamp(path)
    with paused_gc():
        book = read_workbook(path, _state["contract"])
        result = check_book(book, _state["config"], _state["as_of"], _state["since"], _state["cal"])
        keys = keys_of(result)
        cal = _state["cal"]
        used = (set(cal.provisional_used), cal.years_used())
        reduce = _state["reduce"]
        reduced = reduce(result, _state["config"], _state["as_of"], _state["since"]) if reduce else None
    return without_cells(result, reduced, None), keys, input_facts(path, before), used


def check_in_pool(paths: list[Path], config, as_of: date, since: date, cal, jobs: int, reduce=None):
    """BookResults (with BookFacts for the workbook, and what `reduce` kept) and input facts of every
    path, in order. A workbook that cannot be read raises its ReadError, the first in the order of
    the paths. `reduce(result, config, as_of, since)`, a module-level function, runs in the workers."""
    source = str(config.source) if config.source else None
    books, inputs, pairs = [], [], []
    used = _UsedCalendar(cal)
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_worker_init,
                             initargs=(config.raw, config.where, source, as_of, since, reduce)) as pool:
        try:
            for result, keys, facts_in, years in pool.map(_one, paths, chunksize=1):
                used.add(*years)
                result.ctx = CalendarContext(used)
                books.append(result)
                inputs.append(facts_in)
                pairs.extend(zip(result.findings, keys))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    assign_keys(pairs)
    return books, inputs
