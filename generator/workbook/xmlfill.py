"""Many elements of one shape, written fast: the shape is built and serialized once by lxml with a
marker in each place a value goes (a text or an attribute value), and each element is then that
text with the values put in, escaped as lxml escapes them.

The annotated copy's summary sheet, its comments and its links are 90,000 elements each when
90,000 records have a finding; built element by element with lxml they cost about 50 µs a row.
tests/test_xmlfill.py checks that a filled shape is byte for byte what lxml writes for the same
element, whatever the text. A value lxml would refuse (a control character, a lone surrogate,
U+FFFE, U+FFFF) is not filled (`fill` returns None): the caller builds that one element with lxml,
which says what is wrong as before.
"""
from __future__ import annotations

import re
import secrets
from itertools import chain
from operator import itemgetter

from lxml import etree

# a marker holds a number drawn for this process: no text of a workbook or a configuration can
# spell one (the one in the element's own texts would be taken for a value's place)
_NONCE = secrets.token_hex(8)
_TEXT, _ATTR = "\ue000" + _NONCE + "%d\ue001", "\ue002" + _NONCE + "%d\ue003"
_SLOT = re.compile("\ue000" + _NONCE + "(\\d+)\ue001|\ue002" + _NONCE + "(\\d+)\ue003")
_MARKS = re.compile("[\ue000-\ue005]")
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(i: int) -> str:
    """The marker of value i where it is an element's text."""
    return _TEXT % i


def attr(i: int) -> str:
    """The marker of value i where it is an attribute's value."""
    return _ATTR % i


def place(name: str) -> str:
    """A marker for a place in a larger text (split() cuts there), spelt like no text can be."""
    return "\ue004" + _NONCE + name + "\ue005"


def escape_text(v: str) -> str:
    """A text as lxml (libxml2) writes it in UTF-8: &, <, > and carriage returns escaped."""
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attr(v: str) -> str:
    """An attribute value as lxml writes it between double quotes."""
    return (v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


class Shape:
    """An element serialized once with markers; `fill(values)` is the same element with values[i]
    where marker i was. `ok` is False when the shape cannot be used (a constant text of the element
    itself holds a marker character): the caller then builds every element with lxml."""

    def __init__(self, element) -> None:
        data = etree.tostring(element, encoding="unicode")
        pieces, order, kinds = [], [], {}
        pos = 0
        for m in _SLOT.finditer(data):
            pieces.append(data[pos:m.start()])
            i = int(m.group(1) if m.group(1) is not None else m.group(2))
            kind = "text" if m.group(1) is not None else "attr"
            if kinds.setdefault(i, kind) != kind:
                self.ok = False
                return
            order.append(i)
            pos = m.end()
        pieces.append(data[pos:])
        self.ok = not any(_MARKS.search(p) for p in pieces)
        self.format = "%s".join(p.replace("%", "%%") for p in pieces)
        self.size = max(kinds, default=-1) + 1
        self.escapes = [escape_attr if kinds.get(i) == "attr" else escape_text for i in range(self.size)]
        if len(order) > 1:
            self.pick = itemgetter(*order)
        else:               # itemgetter of one index gives the value, not a tuple
            self.pick = lambda v: tuple(v[i] for i in order)

    def fill(self, values) -> str | None:
        """The element's text with these values (str, one per marker number), or None when a value
        holds a character XML cannot carry."""
        return self.fill_many([values])[0]

    def fill_many(self, rows: list) -> list:
        """fill(values) of each of these rows, the values escaped a marker at a time: each marker's
        values joined by NUL (a character XML refuses, so no value holds one), escaped in one call
        and split again. None for every row when the shape is not ok."""
        if not rows or not self.ok:
            return [None] * len(rows)
        n = self.size
        if _REFUSED.search("".join(chain.from_iterable(r[:n] for r in rows))):
            return [self._fill_one(r) for r in rows]
        if not n:
            return [self.format % ()] * len(rows)
        cols = [escape("\0".join([r[i] for r in rows])).split("\0") for i, escape in enumerate(self.escapes)]
        fmt, pick = self.format, self.pick
        return [fmt % pick(t) for t in zip(*cols)]

    def _fill_one(self, values) -> str | None:
        if _REFUSED.search("".join(values[:self.size])):
            return None
        return self.format % self.pick([escape(v) for escape, v in zip(self.escapes, values)])


def fill_all(items: list) -> list:
    """[(shape, values)] to [shape.fill(values)], the items of each shape filled together (fill_many)."""
    out: list = [None] * len(items)
    groups: dict = {}
    for k, (shape, _) in enumerate(items):
        groups.setdefault(id(shape), (shape, []))[1].append(k)
    for shape, ks in groups.values():
        for k, text in zip(ks, shape.fill_many([items[k][1] for k in ks])):
            out[k] = text
    return out


def split(data: str, *markers: str) -> list[str]:
    """`data` cut at each marker (each must occur exactly once, in this order)."""
    out = []
    for m in markers:
        head, sep, data = data.partition(m)
        if not sep or m in data:
            raise ValueError(f"marker {m!r} not found once")
        out.append(head)
    out.append(data)
    return out
