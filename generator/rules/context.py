"""What every rule check sees: the workbook, the period, the settings and the indexes.

The indexes are built once per workbook (a dictionary per key), so a rule joins records to
customers, staff and events by look-up, never by scanning.
"""
from __future__ import annotations

import copy
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from generator.roles import StaffRoles
from generator.workbook import contract as K
from generator.workbook.reader import Table, Workbook
from generator.rules.workdays import WorkCalendar


@dataclass(slots=True)
class Hit:
    """A finding a check yields: where it is, what the user reads, and the typed facts behind it."""
    sheet: str | None
    row: int | None
    column: str | None
    message: str
    customer: str | None = None
    due: date | None = None           # the deadline that applied
    actual: date | datetime | None = None   # what was done (or found), when there is one
    provisional: bool = False         # the deadline was computed with a provisional calendar
    cell: str | None = None           # a cell outside the mapped columns (DATA009)
    start: date | datetime | None = None   # deadline rules: the moment the window opened (the trigger)


@dataclass(slots=True)
class Due:
    """A deadline not yet passed with nothing done: the worklist, not a finding."""
    sheet: str | None
    row: int | None
    customer: str | None
    due: date
    callback: str
    message: str
    provisional: bool = False
    start: date | datetime | None = None   # the moment the window opened (the trigger)


def iso(d: date | datetime | None) -> str:
    if d is None:
        return "（空）"
    if isinstance(d, datetime):
        return d.strftime("%Y-%m-%d %H:%M") if (d.hour or d.minute) else d.strftime("%Y-%m-%d")
    return d.isoformat()


class Context:
    def __init__(self, book: Workbook, as_of: date, since: date, cal: WorkCalendar, banks, settings) -> None:
        """`settings(rule id)`: the settings in force of any rule, enabled or not (config.settings).
        A rule that needs another rule's value reads it there (PF002 reads PF001's cooling-off)."""
        self.book = book
        self.as_of = as_of
        self.since = since
        self.cal = cal
        self.banks = banks
        self.settings = settings
        self.customers: Table = book["客户"]
        self.staff: Table = book["人员"]
        self.events: Table = book["事件"]
        self.plans: Table = book["回访计划"]
        self.records: Table = book["回访记录"]
        self.lost: Table = book["流失客户"]
        self.follow: Table = book["流失跟踪"]

        self.cust_index = _first_index(self.customers.col("客户编号"))
        self.staff_index = _first_index(self.staff.col("工号"))
        self.event_index = _first_index(self.events.col("事件编号"))

        rec = self.records
        times = rec.col("回访时间")
        self.rec_time: list[datetime | None] = times
        self.rec_day: list[date | None] = [t.date() if t is not None else None for t in times]
        self.rec_completed, self.notice_of, self.notices = _completion(rec, times, _sms_is_callback(settings))
        self.void: set[int] = set()     # records that do not count (PF001: inside cooling-off)
        self.void_reason: dict[int, object] = {}
        self._shared: dict = {}         # caches that do not depend on since (shared by for_rule copies)
        # years a deadline of this workbook was computed in provisionally: filled as rules compute
        # their windows, read by CAL001, which declares after=("*",) to run last
        self.provisional_years: set[int] = set()
        self._period: list[int] | None = None
        self._period_kind: dict | None = None

    def for_rule(self, since: date) -> Context:
        """The same workbook judged from a later first day (a rule's parameters in force from then)."""
        if since <= self.since:
            return self
        other = copy.copy(self)
        other.since = since
        other._period = None
        other._period_kind = None
        return other

    def provisional(self, start: date, end: date) -> bool:
        """Whether a working-day window start..end runs through a year of the provisional calendar
        (each such year is noted for the CAL001 notice)."""
        years = {y for y in range(start.year, end.year + 1) if self.cal.is_provisional(y)}
        self.provisional_years |= years
        return bool(years)

    def after(self, window, start: date) -> tuple[date, bool]:
        """The last day of a window (a Duration) from start, and whether it is provisional."""
        due = window.after(start, self.cal)
        return due, window.unit == "个工作日" and self.provisional(start, due)

    def done_day(self, i: int) -> date:
        """The day a callback was completed: its own, or for a refusal the day of the notice that followed."""
        j = self.notice_of.get(i)
        return self.rec_day[j] if j is not None else self.rec_day[i]

    # ------------------------------------------------------------------ helpers
    def period_records(self) -> list[int]:
        """Indexes of the records dated since .. as-of (computed once)."""
        if self._period is None:
            since, as_of = self.since, self.as_of
            self._period = [i for i, d in enumerate(self.rec_day) if d is not None and since <= d <= as_of]
        return self._period

    def period_records_of(self, kind: str) -> list[int]:
        """period_records() of one 回访类型 (the records grouped by type once)."""
        if self._period_kind is None:
            groups: dict = defaultdict(list)
            kinds = self.records.col("回访类型")
            for i in self.period_records():
                groups[kinds[i]].append(i)
            self._period_kind = dict(groups)
        return self._period_kind.get(kind, [])

    def _callbacks_by_kind(self) -> dict[str, list[int]]:
        """回访类型 -> its records that are callbacks, dated on or before as-of, with a 客户编号 (in
        row order). A notice (短信, or the letter after a refusal) is not a callback."""
        got = self._shared.get("callbacks")
        if got is None:
            as_of, notices = self.as_of, self.notices
            custs, kinds = self.records.col("客户编号"), self.records.col("回访类型")
            keep = [i for i, d in enumerate(self.rec_day) if d is not None and d <= as_of]
            if notices:
                keep = [i for i in keep if i not in notices]
            groups: dict = defaultdict(list)
            for i in keep:
                if custs[i] is not None:
                    groups[kinds[i]].append(i)
            groups.pop(None, None)
            got = self._shared["callbacks"] = dict(groups)
        return got

    def _by_kind(self, kind: str) -> list[tuple]:
        """[(客户编号, its callbacks of `kind`, sorted by time, their times)]: grouped for one type on
        the first look-up of that type, not for every type at once."""
        key = ("by_kind", kind)
        got = self._shared.get(key)
        if got is None:
            custs = self.records.col("客户编号")
            idx: dict = {}
            for i in self._callbacks_by_kind().get(kind, ()):
                lst = idx.get(custs[i])
                if lst is None:
                    idx[custs[i]] = [i]
                else:
                    lst.append(i)
            got = self._shared[key] = [(c, lst, when) for c, (lst, when) in by_time(idx, self.rec_time).items()]
        return got

    def by_customer_type(self) -> dict[tuple, tuple[list[int], list[datetime]]]:
        """(客户编号, 回访类型) -> (record indexes dated on or before as-of, sorted by time; their times)."""
        return {(c, k): (lst, when) for k in self._callbacks_by_kind() for c, lst, when in self._by_kind(k)}

    def _counting(self, kind: str, completed: bool, accept) -> dict:
        """客户编号 -> the records of one type that count (not void, completed when asked, accepted
        by `accept`), sorted by time, with their times. Built once per (type, completed, accept):
        every look-up is then a binary search, however many records one customer has. A list in
        which every record counts is shared with _by_kind, not copied."""
        key = ("counting", kind, completed, accept)
        got = self._shared.get(key)
        if got is None:
            times = self.rec_time
            groups = self._by_kind(kind)
            drop = self._dropped(groups, completed, accept)     # the records of this type that do not count
            got = {}
            for c, lst, when in groups:
                if drop.isdisjoint(lst):
                    got[c] = (lst, when)
                else:
                    keep = [i for i in lst if i not in drop]
                    if keep:
                        got[c] = (keep, [times[i] for i in keep])
            self._shared[key] = got
        return got

    def _dropped(self, groups, completed: bool, accept) -> set[int]:
        """The records of `groups` that do not count: void, not completed when asked, or not
        accepted by `accept` (asked only of the others)."""
        void = self.void
        drop = set(void)
        if completed:
            done = self.rec_completed
            drop.update(i for _, lst, _ in groups for i in lst if not done[i])
        if accept is not None:
            drop.update([i for _, lst, _ in groups for i in lst if i not in drop and not accept(i)])
        return drop

    def _linked(self, kind: str, completed: bool, accept) -> dict:
        """(客户编号, event named or None) -> the counting records naming that event (or none);
        built on the first look-up for an event."""
        key = ("linked", kind, completed, accept)
        got = self._shared.get(key)
        if got is None:
            links, times = self.records.col("关联事件"), self.rec_time
            groups: dict = {}
            for c, (lst, _) in self._counting(kind, completed, accept).items():
                for i in lst:
                    groups.setdefault((c, links[i]), []).append(i)
            got = self._shared[key] = by_time(groups, times, presorted=True)
        return got

    def first_callback(self, customer, kind: str, *, completed: bool, start: date | datetime,
                       event=None, accept=None) -> int | None:
        """The earliest record that counts at or after `start` (a day, or a moment). With `event`,
        only records naming that event or naming none count; `accept(i)` is a further test (the
        same function for every look-up of a rule)."""
        moment = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
        if event is None:
            found = (self._counting(kind, completed, accept).get(customer),)
        else:
            linked = self._linked(kind, completed, accept)
            found = (linked.get((customer, None)), linked.get((customer, event)))
        best = None
        for got in found:
            if got is None:
                continue
            lst, times = got
            k = bisect_left(times, moment)
            if k < len(lst) and (best is None or (times[k], lst[k]) < (self.rec_time[best], best)):
                best = lst[k]
        return best

    def customers_served(self, kind: str, start: date, end: date) -> set:
        """客户编号 of every customer with a completed record of `kind` that counts, dated start..end:
        the first such record on or after `start` falls on or before `end`, that is, some such record
        does (a later time is never an earlier day). One pass over the records of `kind` (the
        coverage figures ask it of every customer of their base)."""
        key = ("served", kind, start, end)
        got = self._shared.get(key)
        if got is None:
            moment = datetime(start.year, start.month, start.day)
            custs, times, day, done, void = (self.records.col("客户编号"), self.rec_time, self.rec_day,
                                             self.rec_completed, self.void)
            got = {custs[i] for i in self._callbacks_by_kind().get(kind, ())
                   if done[i] and times[i] >= moment and day[i] <= end and i not in void}
            self._shared[key] = got
        return got

    def staff_roles(self) -> StaffRoles:
        """工号 -> 岗位, and who may do which duty (generator/roles.py)."""
        got = self._shared.get("roles")
        if got is None:
            got = self._shared["roles"] = StaffRoles.of_table(self.staff)
        return got

    def rec_hit(self, i: int, column: str, message: str, **facts) -> Hit:
        return Hit("回访记录", self.records.rows[i], column, message, self.records.col("客户编号")[i], **facts)

    def rec_hitter(self, column: str):
        """rec_hit(i, column, message) as a function of i and message, the columns looked up once
        (for a rule that may find something on most records)."""
        rows, custs = self.records.rows, self.records.col("客户编号")
        return lambda i, message: Hit("回访记录", rows[i], column, message, custs[i])

    def rec_labeler(self):
        """rec_label as a function of i, the columns looked up once."""
        ids, rows = self.records.col("记录编号"), self.records.rows
        return lambda i: f"记录 {ids[i]}" if ids[i] else f"第 {rows[i]} 行记录"

    def rec_label(self, i: int) -> str:
        return self.rec_labeler()(i)


def _sms_is_callback(settings) -> bool:
    """MTH006's switch `sms = "method"`: the firm's 制度 lists 短信 as a way of calling back (the
    seeds differ, see citations.SMS_METHOD); by default a 短信 is a notice only."""
    try:
        return settings("MTH006").values.get("sms") == "method"
    except (KeyError, AttributeError, TypeError):
        return False


def _completion(rec: Table, times: list, sms_counts: bool = False) -> tuple[list[bool], dict[int, int], set[int]]:
    """Which records complete a callback, and which are notices rather than callbacks.

    A callback is completed when the customer answered it (回访通过 or 回访不通过). A refusal
    (拒绝回访) is completed once a written notice (短信, 信函 or 电子邮件, same customer and
    type) follows it: 002 第三条(一), the customer's wish is respected and the notice carries
    the warnings. A 短信 is always a notice, never a callback; a letter or e-mail the customer did
    not answer is the notice of the refusal before it."""
    results, methods = rec.col("回访结果"), rec.col("回访方式")
    completed = [r in K.ANSWERED for r in results]
    notices = {i for i, m in enumerate(methods) if m == "短信"} if not sms_counts and "短信" in methods else set()
    notice_of: dict[int, int] = {}
    refusals = ([i for i, r in enumerate(results) if r == K.REFUSED and times[i] is not None]
                if K.REFUSED in results else [])          # `in`: a scan without a bytecode per record
    if refusals:
        custs, kinds = rec.col("客户编号"), rec.col("回访类型")
        candidates: dict[tuple, list[int]] = {}
        for j, m in enumerate(methods):
            if m in K.NOTICE_METHODS and results[j] not in K.ANSWERED and times[j] is not None:
                candidates.setdefault((custs[j], kinds[j]), []).append(j)
        at = by_time(candidates, times)
        for i in refusals:
            lst, when = at.get((custs[i], kinds[i]), ((), ()))
            for k in range(bisect_left(when, times[i]), len(lst)):    # the first notice at or after it
                j = lst[k]
                if j != i:
                    notice_of[i] = j
                    notices.add(j)
                    completed[i] = True
                    break
    return completed, notice_of, notices


def by_time(groups: dict, times: list, presorted: bool = False) -> dict:
    """key -> (its indexes sorted by time, their times): the pair a binary search needs.
    `presorted`: the lists are already in time order."""
    out = {}
    for key, lst in groups.items():
        if not presorted and len(lst) > 1:
            lst.sort(key=times.__getitem__)
        out[key] = (lst, [times[i] for i in lst])
    return out


def _first_index(keys: list) -> dict:
    """key -> index of its first row (DATA004 reports the later ones)."""
    out: dict = {}
    for i, k in enumerate(keys):
        if k is not None and k not in out:
            out[k] = i
    return out
