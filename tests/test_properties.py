"""Property-based tests: the reader never raises, values round-trip, and the findings do not
depend on column order or title rows."""
from __future__ import annotations

import random
import re

import pytest
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Book, customer, record
from generator.config import load_config
from generator.workbook.reader import read_workbook
from generator.validate import validate_paths

CELL = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)).map(lambda t: t.replace(microsecond=0)),
    st.sampled_from(["2025-02-30", "２０２５年３月５日", "√", "N", "1,000,000", "#N/A", "=A1", " ", "\u3000", "电话 "]),
)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.dictionaries(st.sampled_from(["客户编号", "回访类型", "回访方式", "回访时间", "拨打次数", "客户签字",
                                        "报告日期",
                                        "回访结果", "录音编号", "本人购买"]), CELL, max_size=10))
def test_reader_never_raises_and_every_bad_cell_is_named(tmp_path_factory, cells):
    b = Book(tmp_path_factory.mktemp("p"))
    b.sheets["回访记录"][0].update(cells)
    book = read_workbook(b.write())
    for p in book.problems:
        assert p.rule.startswith("DATA") and p.sheet and p.message
        assert p.row == 2 or p.row == 1
    report = validate_paths([book.path], load_config(None), date(2025, 6, 30))
    for f in report.findings:
        assert f.sheet is None or f.row is not None


@SETTINGS
@given(st.datetimes(datetime(1990, 1, 1), datetime(2090, 12, 31)).map(lambda t: t.replace(second=0, microsecond=0)),
       st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30),
       st.floats(0, 1e12).map(lambda x: round(x, 2)))
def test_accepted_values_round_trip(tmp_path_factory, when, text, amount):
    b = Book(tmp_path_factory.mktemp("r"))
    b.sheets["回访记录"][0].update(回访时间=when, 客户意见=text)
    b.sheets["客户"][0].update(总资产=amount)
    book = read_workbook(b.write())
    assert book["回访记录"].col("回访时间") == [when]
    assert book["回访记录"].col("客户意见") == [text.strip() or None]
    assert book["客户"].col("总资产") == [amount]


def _breaches(b: Book) -> None:
    b.sheets["客户"][0].update(开户日期=date(2025, 3, 10), 手机="123")
    b.sheets["回访记录"][0].update(录音编号=None, 回访人员="S001", 回访方式="微信")
    b.add("客户", **customer(客户编号="C0002", 客户名称="李四", 投顾签约日期=date(2025, 4, 1)))
    b.add("回访记录",
          **record(记录编号="R0002", 客户编号="C0002", 回访类型="投顾新签约回访", 回访时间=datetime(2025, 4, 20, 9)))


@SETTINGS
@given(st.randoms(use_true_random=False), st.integers(0, 3))
def test_findings_do_not_depend_on_column_order_or_title_rows(tmp_path_factory, rnd, titles):
    base = Book(tmp_path_factory.mktemp("a"))
    _breaches(base)
    plain = validate_paths([base.write()], load_config(None), date(2025, 6, 30))

    def shuffled(sheet, cols):
        cols = list(cols)
        rnd.shuffle(cols)
        return cols
    other = Book(tmp_path_factory.mktemp("b"))
    _breaches(other)
    path = other.tmp / "shuffled.xlsx"
    from synth import write_workbook
    write_workbook(path, other.sheets, order=shuffled, title_rows=titles)
    moved = validate_paths([path], load_config(None), date(2025, 6, 30))
    def key(f, shift=0):
        return (f.rule, f.sheet, f.column, f.customer, f.message, None if f.row is None else f.row - shift)
    assert sorted(key(f, titles) for f in moved.findings) == sorted(key(f) for f in plain.findings)
    assert len(plain.findings) >= 6


# ------------------------------------------------------------------ identifiers (DATA006) and masking

from generator.privacy import Masker, mask_phone  # noqa: E402
from generator.workbook.ids import bad_id_cards, id_card_ok, uscc_ok  # noqa: E402
from synth import USCC_CHARS, id_number, uscc  # noqa: E402


@given(st.dates(date(1930, 1, 1), date(2010, 12, 31)), st.booleans(), st.integers(0, 2**32), st.integers(0, 16),
       st.integers(1, 9))
def test_id_card_check_digit_catches_every_single_digit_error(born, male, seed, pos, delta):
    good = id_number(random.Random(seed), born, male)
    assert id_card_ok(good) and id_card_ok(good.lower())
    bad = good[:pos] + str((int(good[pos]) + delta) % 10) + good[pos + 1:]
    assert not id_card_ok(bad)
    assert bad_id_cards([good, good.lower(), bad]) == {bad}


@given(st.lists(st.one_of(
    st.text(alphabet="0123456789Xx", min_size=16, max_size=19),
    st.text(min_size=18, max_size=18),
    st.builds(lambda s, born, male: id_number(random.Random(s), born, male),
              st.integers(0, 2**32), st.dates(date(1930, 1, 1), date(2010, 12, 31)), st.booleans()))))
def test_batch_id_check_refuses_exactly_what_the_single_check_refuses(values):
    assert bad_id_cards(values) == {v for v in values if not id_card_ok(v)}


@given(st.integers(0, 2**32), st.integers(0, 16), st.integers(1, 30))
def test_uscc_check_character_catches_every_single_substitution(seed, pos, delta):
    good = uscc(random.Random(seed))
    assert uscc_ok(good)
    c = USCC_CHARS[(USCC_CHARS.index(good[pos]) + delta) % 31]
    assert not uscc_ok(good[:pos] + c + good[pos + 1:])


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True), st.integers(0, 2**32), st.text(max_size=10))
def test_masker_hides_phones_and_id_numbers_in_any_message(phone, seed, noise):
    ident = id_number(random.Random(seed), date(1980, 5, 6), True)

    class Empty:
        def __getitem__(self, sheet):
            class T:
                def col(self, name):
                    return []
            return T()
    mask = Masker([Empty()])
    text = mask(f"{noise}手机 {phone}，证件号码 {ident}{noise}")
    assert phone not in text and ident not in text
    assert mask_phone(phone) in text



@given(st.integers(0, 2**32), st.booleans(), st.lists(st.tuples(st.integers(1, 17), st.sampled_from(" -/－　")),
                                                      max_size=3, unique_by=lambda x: x[0]),
       st.text(alphabet="客户回访意见，。 :", max_size=10))
def test_masker_hides_a_credit_code_in_either_case_and_with_separators(seed, lower, cuts, noise):
    """(helper 42) 913930 917092 UA29JX, 913930-917092-UA29JX or a code in lower case showed 15 of
    its 18 characters on the site: only its first two and last two are left."""
    code = uscc(random.Random(seed))
    typed = code.lower() if lower else code
    for at, sep in sorted(cuts, reverse=True):
        typed = typed[:at] + sep + typed[at:]
    text = Masker([])(f"{noise}客户意见：代码 {typed}，{noise}")
    plain = re.sub(r"[\s\-/－]", "", text).upper()
    assert all(code[i:i + 5] not in plain for i in range(1, 13))

# ---- column letters: the reader's own, what openpyxl's helpers give (validate does not import openpyxl)

def test_column_letters_are_openpyxls_for_every_column():
    from openpyxl.utils import get_column_letter
    from generator.workbook.values import column_letter
    assert [column_letter(i) for i in range(18278)] == [get_column_letter(i + 1) for i in range(18278)]
    for bad in (-1, 18278):
        with pytest.raises(ValueError):
            column_letter(bad)


@given(st.text(alphabet="abcdxyzABCDXYZ019 $:", max_size=5))     # references are ASCII (read by rb"[A-Za-z]+")
def test_column_numbers_are_openpyxls(letters):
    from openpyxl.utils import column_index_from_string
    from generator.workbook.values import column_number
    try:
        want = column_index_from_string(letters)
    except ValueError:
        with pytest.raises(ValueError):
            column_number(letters)
    else:
        assert column_number(letters) == want


def test_validate_does_not_import_openpyxl(book):
    import subprocess
    import sys
    path = book.write()
    code = ("import sys; from generator.validate import validate_paths; from generator.config import load_config; "
            f"validate_paths([{str(path)!r}], load_config(None)); "
            "print(sorted(m for m in sys.modules if m.startswith('openpyxl')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
