"""The ledger's entries and their hash chain: appending a run, verifying the chain, listing runs.

An entry is one run: its row in ledger_runs, its workbooks (ledger_books) and every finding's
identity, rule and severity (ledger_findings) - no names, phones, ID numbers or messages; the
客户编号 is kept. Its hash is SHA-256 over the hash of the entry before and the canonical JSON of
the entry (every column but the hash itself, workbooks by position, findings by identity), so
changing, deleting or reordering any entry, or any of its workbooks or findings, breaks the
chain at that entry; the head row keeps the number of runs and the last hash, so deleting the
last entries is seen too.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from generator.ledger.store import (BOOK_COLUMNS, FINDING_COLUMNS, GENESIS, RUN_COLUMNS, LedgerError, Store)
from generator.validate.provenance import canonical
from generator.names import shown


class BrokenChain(LedgerError):
    """`huifang history --verify` found an entry that is not what was recorded."""


def entry_text(run: dict, books: list[dict], findings: list[dict]) -> str:
    body = {"run": {k: v for k, v in run.items() if k != "hash"},
            "books": sorted(books, key=lambda b: b["position"]),
            "findings": sorted(findings, key=lambda f: f["id"])}
    return canonical(body)


def entry_hash(prev: str, text: str) -> str:
    return hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


def _day(d) -> str | None:
    if d is None:
        return None
    return d.date().isoformat() if isinstance(d, datetime) else d.isoformat()


# ------------------------------------------------------------------ reading

def latest_per_unit(store: Store, units) -> dict[str, int]:
    """The last run that judged each of these units."""
    want = set(units)
    return {u: rid for u, rid in store.rows("SELECT unit, MAX(run_id) FROM ledger_books GROUP BY unit") if u in want}


@dataclass(frozen=True)
class Recorded:
    """A finding as the ledger keeps it."""
    id: str
    rule: str
    severity: str
    unit: str
    sheet: str | None
    customer: str | None
    due: str | None
    overdue: int
    first_run: int


def findings_of(store: Store, run_id: int, units=None) -> dict[str, Recorded]:
    rows = store.rows("SELECT id, rule, severity, unit, sheet, customer, due, overdue, first_run "
                      "FROM ledger_findings WHERE run_id = ?", (run_id,))
    return {r[0]: Recorded(*r) for r in rows if units is None or r[3] in units}


def run_days(store: Store) -> dict[int, date]:
    """The check day (as-of) of every run."""
    return {rid: date.fromisoformat(d) for rid, d in store.rows("SELECT id, as_of FROM ledger_runs")}


def run_count(store: Store) -> int:
    head = store.head()
    return head[1] if head else 0


# ------------------------------------------------------------------ appending

def append_run(store: Store, report, command: str) -> tuple[int, str]:
    """Append the report as the next entry; its number and hash. The whole entry is one transaction
    that holds the ledger's lock, so concurrent runs line up one after the other."""
    with store.append(), store.contents():
        return _entry(store, report, command)


def take_back(store: Store, rid: int, digest: str) -> bool:
    """Remove entry `rid` (hash `digest`) again while it is still the last one, in one transaction:
    the chain ends where it ended before. False when another run has been recorded since."""
    with store.append():
        head = store.head()
        if head is None or head[1] != rid or head[2] != digest:
            return False
        prev = store.one("SELECT prev_hash FROM ledger_runs WHERE id = ?", (rid,))
        if prev is None:
            return False
        store.execute("DELETE FROM ledger_findings WHERE run_id = ?", (rid,))
        store.execute("DELETE FROM ledger_books WHERE run_id = ?", (rid,))
        store.execute("DELETE FROM ledger_runs WHERE id = ?", (rid,))
        store.execute("UPDATE ledger_head SET runs = ?, hash = ? WHERE id = 1", (rid - 1, prev[0]))
    return True


def _entry(store: Store, report, command: str) -> tuple[int, str]:
    _, n, prev = store.head()
    rid = n + 1
    units = {b.unit for b in report.books}
    before = {u: findings_of(store, r, {u}) for u, r in latest_per_unit(store, units).items()}
    days = {}
    for b in report.books:
        old = before.get(b.unit, {})
        days.update((f.id, old.get(f.id)) for f in b.findings)
    findings, books = [], []
    new_total = fixed_total = 0
    seen_units: set[str] = set()
    ids_of_unit: dict[str, set] = {}
    for x in report.books:
        ids_of_unit.setdefault(x.unit, set()).update(f.id for f in x.findings)
    facts_of = {i.path or i.file: i for i in report.inputs}
    for pos, b in enumerate(report.books, 1):
        old = before.get(b.unit, {})
        ids = {f.id for f in b.findings}
        new = sum(1 for i in ids if i not in old)
        # findings of the unit's last run gone now: counted once per unit, on its first workbook
        fixed = 0 if b.unit in seen_units else sum(1 for i in old if i not in ids_of_unit[b.unit])
        seen_units.add(b.unit)
        new_total += new
        fixed_total += fixed
        facts = facts_of.get(str(b.path))
        books.append(dict(zip(BOOK_COLUMNS, (
            rid, pos, shown(b.path), b.unit, facts.sha256 if facts else "", facts.size if facts else 0,
            facts.modified if facts else "", b.count("error"), b.count("warning"), len(b.pending),
            sum(1 for f in b.findings if f.overdue), new, fixed))))
        for f in b.findings:
            was = days.get(f.id)
            findings.append(dict(zip(FINDING_COLUMNS, (
                rid, f.id, f.rule, f.severity, b.unit, f.sheet, f.customer, _day(f.due), int(f.overdue),
                was.first_run if was else rid))))
    from generator.validate.keys import RUN, obj
    kept = {k: v for k, v in obj(RUN, report).items()
            if k not in ("recorded", "recorded_hash", "ledger", "since_run")}
    run = dict(zip(RUN_COLUMNS, (
        rid, datetime.now().astimezone().isoformat(timespec="seconds"), report.as_of.isoformat(),
        report.since.isoformat(), kept["version"], kept["rules_fingerprint"], kept["parameters_fingerprint"],
        canonical(kept), command, len(report.books), report.count("error"), report.count("warning"),
        len(report.pending), sum(b["overdue"] for b in books), new_total, fixed_total, prev, "")))
    run["hash"] = entry_hash(prev, entry_text(run, books, findings))
    store.insert("ledger_runs", RUN_COLUMNS, [tuple(run[c] for c in RUN_COLUMNS)])
    store.insert("ledger_books", BOOK_COLUMNS, [tuple(b[c] for c in BOOK_COLUMNS) for b in books])
    store.insert("ledger_findings", FINDING_COLUMNS, [tuple(f[c] for c in FINDING_COLUMNS) for f in findings])
    store.execute("UPDATE ledger_head SET runs = ?, hash = ? WHERE id = 1", (rid, run["hash"]))
    return rid, run["hash"]


# ------------------------------------------------------------------ verifying

def verify(store: Store) -> int:
    """The number of runs when every entry is as recorded; BrokenChain naming the first one that
    is not, otherwise."""
    head = store.head()
    if head is None:
        raise LedgerError(f"{store.where}：不是 huifang 的运行台账（没有台账头）")
    books: dict[int, list[dict]] = defaultdict(list)
    for row in store.rows(f"SELECT {', '.join(BOOK_COLUMNS)} FROM ledger_books"):
        books[row[0]].append(dict(zip(BOOK_COLUMNS, row)))
    prev, n = GENESIS, 0
    for row in store.rows(f"SELECT {', '.join(RUN_COLUMNS)} FROM ledger_runs ORDER BY id"):
        run = dict(zip(RUN_COLUMNS, row))
        n += 1
        at = f"{store.where}：哈希链在第 {n} 条记录（运行 #{run['id']}）处断开"
        if run["id"] != n:
            raise BrokenChain(f"{at}：应为运行 #{n}，此前的记录被删除或调换了顺序；此后的记录都不能证明未被改动")
        findings = [dict(zip(FINDING_COLUMNS, r)) for r in store.rows(
            f"SELECT {', '.join(FINDING_COLUMNS)} FROM ledger_findings WHERE run_id = ?", (run["id"],))]
        if run["prev_hash"] != prev:
            raise BrokenChain(f"{at}：与前一条记录的哈希不符，前一条被改动、删除或调换了顺序；"
                              "此后的记录都不能证明未被改动")
        if entry_hash(prev, entry_text(run, books.get(run["id"], []), findings)) != run["hash"]:
            raise BrokenChain(f"{at}：内容（运行、工作簿或发现）与记录时的哈希不符，已被改动；"
                              "此后的记录都不能证明未被改动")
        prev = run["hash"]
    if head[1] != n or head[2] != prev:
        raise BrokenChain(f"{store.where}：哈希链在第 {n + 1} 条记录处断开：台账头记有 {head[1]} 次运行、实有 {n} 次，"
                          "最后的记录被删除或台账头被改动")
    return n


# ------------------------------------------------------------------ listing

@dataclass(frozen=True)
class RunRow:
    id: int
    recorded_at: str
    as_of: str
    command: str
    files: int
    errors: int
    warnings: int
    new: int
    fixed: int


def runs(store: Store) -> list[RunRow]:
    if store.head() is None:
        return []
    return [RunRow(*r) for r in store.rows(
        "SELECT id, recorded_at, as_of, command, files, errors, warnings, new, fixed FROM ledger_runs ORDER BY id")]
