"""The run ledger (issue 28): every check leaves evidence.

`validate --record` / `site --record` append the run to the ledger (chain.py) - a SQLite file
beside the workbooks by default, or the PostgreSQL server of `[ledger] url`; `--since-run`
marks each finding new or still open against a recorded run and lists the ones fixed since
(diff.py); `huifang history` lists the runs and `--verify` checks the hash chain.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from generator.names import shown
from generator.ledger.store import LedgerError, open_store

LEDGER_FILE = "huifang-ledger.sqlite"

__all__ = ["LEDGER_FILE", "LedgerError", "locate", "open_ledger", "recording", "track", "history_text", "verify_text"]


def locate(config, paths) -> tuple[Path | None, str | None]:
    """(SQLite path, PostgreSQL URL) of the ledger: `[ledger] url` or `path`, else huifang-ledger.sqlite
    in the first input's folder."""
    settings = config.ledger
    if settings.url:
        return None, settings.url
    if settings.path:
        return settings.path, None
    first = Path(paths[0]) if paths else Path(".")
    folder = first if first.is_dir() else first.parent
    return (folder / LEDGER_FILE).absolute(), None


def open_ledger(config, paths, create: bool = False, ledger: str | None = None):
    """`ledger` (a SQLite file named on the command line) wins over the configuration."""
    if ledger:
        return open_store(Path(ledger).absolute(), None, create)
    path, url = locate(config, paths)
    return open_store(path, url, create)


def parse_since_run(value: str | None):
    """`last`, a run number, or None."""
    if value is None:
        return None
    text = value.strip().lower()
    if text == "last":
        return "last"
    if text.lstrip("#").isdecimal() and int(text.lstrip("#")) > 0:     # 3 or ３ (full-width input), not ²
        return int(text.lstrip("#"))
    raise LedgerError(f"--since-run “{value}”应为 last 或运行编号（如 3，huifang history 可列出）")


def track(report, paths, record: bool = False, since_run: str | None = None, fail_on: str = "any",
          command: str = "validate") -> None:
    """recording() with nothing written under it: the run recorded at once."""
    with recording(report, paths, record, since_run, fail_on, command):
        pass


@contextmanager
def recording(report, paths, record: bool = False, since_run: str | None = None, fail_on: str = "any",
              command: str = "validate"):
    """Compare the report with a recorded run and/or record it; sets the report's marks, `fixed`,
    `recorded` and `ledger`. `--fail-on new` without `--since-run` compares with the last run.

    The run is recorded before the block (the report names its entry's number and hash), in one
    short transaction; the block writes the run's outputs. When it raises (a report or copies that
    could not be written, a stop), the entry is taken back while it is still the last one, so a run
    without outputs is not what the next --since-run last compares with. Yields the ledger (None
    when nothing was recorded)."""
    from generator.ledger import chain, diff
    report.fail_on = fail_on
    wanted = parse_since_run(since_run)
    if wanted is None and fail_on == "new":
        wanted = "last"
    if not record and wanted is None:
        yield None
        return
    store = open_ledger(report.config, paths, create=record)
    try:
        report.ledger = store.where
        if wanted is not None:
            with store.contents():
                diff.compare(report, store, wanted)
        if record:
            report.recorded, report.recorded_hash = chain.append_run(store, report, command)
    except BaseException:
        store.close()
        raise
    if not record:
        store.close()
        yield None
        return
    try:
        yield store
    except BaseException:
        try:
            taken = chain.take_back(store, report.recorded, report.recorded_hash)
        except Exception:           # the ledger itself failing now: the error of the outputs is the one to say
            taken = False
        if not taken:
            print(f"huifang：本次运行已记入运行台账 #{report.recorded}（{shown(store.where)}），"
                  "此后已有其他运行记入，未能撤回", file=sys.stderr, flush=True)
        raise
    finally:
        store.close()


def history_text(config, paths, ledger: str | None = None) -> str:
    from generator.ledger import chain
    store = open_ledger(config, paths, ledger=ledger)
    try:
        with store.contents():
            rows = chain.runs(store)
            where = store.where
            if not rows:
                return f"运行台账 {shown(where)} 中还没有运行记录"
            lines = [f"运行台账 {shown(where)}：共 {len(rows)} 次运行"]
            for r in rows:
                lines.append(f"  #{r.id}  {r.recorded_at.replace('T', ' ')}  检查日 {r.as_of}  {r.command}  "
                             f"工作簿 {r.files}  错误 {r.errors}  警告 {r.warnings}  新增 {r.new}  已改正 {r.fixed}")
            return "\n".join(lines)
    finally:
        store.close()


def verify_text(config, paths, ledger: str | None = None) -> str:
    """One line when the chain holds; BrokenChain (exit 2) naming the first broken entry otherwise."""
    from generator.ledger import chain
    store = open_ledger(config, paths, ledger=ledger)
    try:
        with store.contents():
            n = chain.verify(store)
        return f"运行台账 {store.where}：共 {n} 次运行，哈希链完整，没有记录被改动、删除或调换顺序"
    finally:
        store.close()
