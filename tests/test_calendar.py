"""Time semantics of rules.md, each with its own test."""
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from generator.rules.workdays import WorkCalendar, add_months

CAL = WorkCalendar()


def test_one_month_clamps_to_month_end():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 10), 1) == date(2025, 4, 10)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


def test_five_working_days_skip_the_national_holiday():
    # 26 Sep 2025 is a Friday; 28 Sep and 11 Oct are make-up working days (调休)
    assert CAL.add_working_days(date(2025, 9, 26), 5) == date(2025, 10, 10)


def test_next_working_day_after_30_september_is_9_october():
    assert CAL.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)


def test_make_up_working_day_counts():
    assert CAL.is_workday(date(2025, 9, 28))       # a Sunday worked in lieu
    assert not CAL.is_workday(date(2025, 10, 1))


def test_a_year_no_arrangement_covers_uses_the_provisional_calendar():
    cal = WorkCalendar()
    # 2027: the Spring Festival (除夕 5 February to 10 February) from the statutory holidays,
    # weekends, and no make-up working day
    assert cal.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)
    assert not cal.is_workday(date(2027, 10, 1)) and cal.is_workday(date(2027, 3, 1))
    assert cal.provisional_used == {2027} and cal.is_provisional(2027) and not cal.is_provisional(2025)
    # a year far ahead never stops the work either
    assert cal.add_working_days(date(2099, 3, 1), 3) == date(2099, 3, 4)


def test_configured_year_is_used():
    cal = WorkCalendar({2099: {"holidays": [date(2099, 3, 2)], "workdays": [date(2099, 3, 7)]}})
    # 2099-03-01 is a Sunday; 02 holiday; 03,04,05,06 work; 07 Saturday worked
    assert cal.add_working_days(date(2099, 3, 1), 5) == date(2099, 3, 7)


@given(st.dates(date(2005, 1, 1), date(2025, 12, 31)), st.integers(0, 40))
def test_add_months_never_overshoots_the_month(d, n):
    got = add_months(d, n)
    assert (got.year * 12 + got.month) - (d.year * 12 + d.month) == n
    assert got.day <= d.day


@given(st.dates(date(2005, 1, 1), date(2025, 12, 1)), st.integers(1, 10))
def test_working_day_deadline_is_a_workday_after_d(d, n):
    got = CAL.add_working_days(d, n)
    assert got > d and CAL.is_workday(got)
