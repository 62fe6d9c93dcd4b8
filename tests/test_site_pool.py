"""`huifang site` over a folder in a process pool (issue 27): each worker reduces its workbook to
the status pages' facts (site/facts.py); the site is byte for byte the one a single process builds,
and one Masker over every workbook's names still masks a name of one unit in another's text."""
from __future__ import annotations

from hypothesis import given, strategies as st

from generator.privacy import Masker

NAME = st.text(alphabet="张王李赵刘陈杨黄周吴三四五六七八九", min_size=2, max_size=4)


@given(st.lists(NAME, min_size=1, max_size=6), NAME, st.text(alphabet="见了，的 ", max_size=6))
def test_a_name_at_the_end_of_a_text_is_masked_whatever_longer_names_there_are(names, last, before):
    mask = Masker([*names, last])
    shown = mask(before + last)         # used to raise IndexError when a longer name was known
    assert last not in shown.replace(" ", "") and shown.startswith(before)
