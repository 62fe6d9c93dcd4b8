"""居民身份证 and 统一社会信用代码: the verdict is python-stdnum's (birth date included), the fast
numpy path agrees with it, and DATA006 says what is wrong."""
from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings, strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from generator.workbook.ids import (USCC_CHARS, bad_id_cards, id_card_ok, id_card_problem, id_card_problems,
                                    id_check_char, uscc_ok, uscc_problem)
from synth import id_number


def stdnum_ric(n: str) -> bool:
    """stdnum.cn.ric.validate without its birth-place look-up (see generator/workbook/ids.py)."""
    n = ric.compact(n)
    try:
        if len(n) != 18:
            return False
        if not all(c in "0123456789" for c in n[:17]) or n[-1] != ric.calc_check_digit(n):
            return False
        ric.get_birth_date(n)
    except ValidationError:
        return False
    return True


def with_check(body: str) -> str:
    return body + id_check_char(body)


# numbers near the edges: real and impossible dates, a wrong check character, wrong length
bodies = st.builds(lambda place, y, m, d, seq: f"{place:06d}{y:04d}{m:02d}{d:02d}{seq:03d}",
                   st.integers(0, 999999), st.integers(0, 9999), st.integers(0, 19), st.integers(0, 39),
                   st.integers(0, 999))
cards = st.one_of(
    bodies.map(with_check),
    st.tuples(bodies, st.sampled_from("0123456789Xx")).map("".join),
    st.builds(lambda s, born, male: id_number(random.Random(s), born, male),
              st.integers(0, 2**32), st.dates(date(1900, 1, 1), date(2025, 12, 31)), st.booleans()),
    st.text(alphabet="0123456789Xx", min_size=16, max_size=19),
    st.text(min_size=18, max_size=18))


@settings(max_examples=500)
@given(st.lists(cards, max_size=30))
def test_the_verdict_is_stdnums_one_by_one_and_all_at_once(values):
    want = {v for v in values if not stdnum_ric(v)}
    assert {v for v in values if not id_card_ok(v)} == want
    assert bad_id_cards(values) == want
    assert set(id_card_problems(values)) == want


def test_each_problem_is_named():
    good = "11010519491231002X"
    assert id_card_problem(good) is None and id_card_problem(good.lower()) is None
    assert id_card_problem("1101051949123100") == "不是 18 位（16 位）"
    assert id_card_problem("11010519491231A02X") == "前 17 位不全是数字"
    assert id_card_problem("110105194912310021") == "校验位不符（按前 17 位应为 X）"
    feb30 = with_check("11010519490230002")
    assert id_card_problem(feb30) == "出生日期 1949-02-30 不存在"
    assert id_card_problem(with_check("11010520000229002")) is None       # a leap day
    assert id_card_problem(with_check("11010519000229002")) == "出生日期 1900-02-29 不存在"
    assert id_card_problems([feb30, good]) == {feb30: "出生日期 1949-02-30 不存在"}


def test_a_real_number_of_a_person_born_before_the_county_existed_is_accepted():
    """510107 (武侯区) exists since 1990: stdnum's birth-place check refuses this number, we do not."""
    n = with_check("51010719550101123")
    assert not ric.is_valid(n) and id_card_ok(n)


uscc_codes = st.one_of(
    st.text(alphabet=USCC_CHARS, min_size=17, max_size=17).map(lambda b: b + _uscc(b)),
    st.text(alphabet=USCC_CHARS + "IOSVZ", min_size=17, max_size=19),
    st.text(min_size=18, max_size=18))


def _uscc(body):
    from generator.workbook.ids import uscc_check_char
    return uscc_check_char(body)


@settings(max_examples=300)
@given(uscc_codes)
def test_uscc_agrees_with_stdnum_where_the_first_eight_are_digits(code):
    if code[:8].isascii() and code[:8].isdigit() and code == code.strip():
        assert uscc_ok(code) == uscc.is_valid(code)
    assert uscc_ok(code) == (uscc_problem(code) is None)


def test_uscc_problems_are_named_and_a_letter_authority_is_accepted():
    assert uscc_problem("91510100MA6123456") == "不是 18 位（17 位）"
    assert uscc_problem("91510100MA612345I7") == "含有不用于统一社会信用代码的字符“I”"
    body = "N2440105MA5A12345"
    assert uscc_ok(body + _uscc(body)) and not uscc.is_valid(body + _uscc(body))
    wrong = "0" if _uscc(body) != "0" else "1"
    assert uscc_problem(body + wrong) == f"校验码不符（按前 17 位应为 {_uscc(body)}）"
