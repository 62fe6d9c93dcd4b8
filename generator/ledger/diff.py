"""What changed since a recorded run (`--since-run last|ID`): each finding of the report is new
or still open (with the check day of the run that first recorded it), and the findings of that
run gone now are fixed - only for the units this report judged (a unit not checked now is not
fixed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from generator.ledger.chain import findings_of, run_count, run_days
from generator.ledger.store import LedgerError, Store


@dataclass(frozen=True)
class Fixed:
    id: str
    rule: str
    severity: str
    unit: str
    sheet: str | None
    customer: str | None
    due: date | None
    first_seen: date | None


def baseline(store: Store, wanted) -> int | None:
    """The run to compare with: the last one (None when there is none yet) or the one named."""
    n = run_count(store)
    if wanted == "last":
        return n or None
    if not 1 <= wanted <= n:
        raise LedgerError(f"{store.where}：运行台账中没有运行 #{wanted}（共 {n} 次，huifang history 可列出）")
    return wanted


def compare(report, store: Store, wanted) -> None:
    run = baseline(store, wanted)
    if run is None:                     # nothing recorded yet: every finding is new
        for f in report.findings:
            f.status = "new"
        return
    days = run_days(store)
    units = {b.unit for b in report.books}
    before = findings_of(store, run, units)
    now = set()
    for f in report.findings:
        now.add(f.id)
        was = before.get(f.id)
        if was is None:
            f.status = "new"
        else:
            f.status, f.first_seen = "open", days.get(was.first_run)
    report.since_run, report.since_run_as_of = run, days.get(run)
    report.fixed = sorted((Fixed(r.id, r.rule, r.severity, r.unit, r.sheet, r.customer,
                                 date.fromisoformat(r.due) if r.due else None, days.get(r.first_run))
                           for r in before.values() if r.id not in now),
                          key=lambda x: (x.unit, x.sheet or "", x.customer or "", x.rule, x.id))
