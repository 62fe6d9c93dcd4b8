"""Masking customer data for the published site: names as 张*, phones as 138****0001.

One Masker finds what staff type in any spelling: full-width digits and letters, separators inside a
phone or ID number (155-4045-0569, 110105 19491231 002X), full-width ＠ in e-mails, spaces or
zero-width characters inside a name. It runs on the whole text before anything is clipped,
so a clipped quote never shows the part of a number that masking would have hidden.
"""
from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SEP = r"[\s\-‐‑‒–—―－.·•/_]?"                 # one optional separator between digits
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{3})(?:" + _SEP + r"\d){14}" + _SEP + r"[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{3})(?:" + _SEP + r"\d){12}(?![0-9A-Za-z])")
# 统一社会信用代码 (GB 32100): 18 characters of 0-9 and the letters but I O S V Z, the 3rd to 8th
# the administrative division (digits); in either case, with a separator anywhere (913930 917092 UA29JX)
_C = "[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]"
_USCC = re.compile(r"(?<![0-9A-Za-z])(" + _C + _SEP + _C + ")(?:" + _SEP + r"\d){6}(?:" + _SEP + _C + "){8}"
                   + _SEP + "(" + _C + _SEP + _C + ")(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86" + _SEP + r")?(1\d{2})(?:" + _SEP + r"\d){4}" + _SEP
                     + r"(\d)" + _SEP + r"(\d)" + _SEP + r"(\d)" + _SEP + r"(\d)(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])\(?0\d{2,3}\)?[\s\-－]?\d{3,4}[\s\-－]?\d{4}(?![0-9])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*\s*@\s*([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*)")
_LONG_DIGITS = re.compile(r"(?<![0-9])(\d{3})\d{4,}(\d{2})?(?![0-9])")
_SPACE = re.compile(r"\s")


# full-width digits, letters and the signs of numbers and e-mails, one character for one, so
# that what is found in this key is replaced at the same place in the text as typed
_KEY = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_KEY[0x3000] = 0x20


def normalize(text) -> str:
    """The text as typed, without zero-width characters."""
    return _INVISIBLE.sub("", str(text))


def _key(text: str) -> str:
    return text.translate(_KEY)


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    name = _SPACE.sub("", _key(normalize(name)))
    if not name:
        return ""
    return name[0] + "*" * min(max(len(name) - 1, 1), 3)


def mask_phone(v: str | None) -> str:
    if not v:
        return ""
    s = re.sub(r"\D", "", _key(normalize(v)))
    return s[:3] + "****" + s[-4:] if len(s) >= 8 else "****"


def _splice(text: str, key: str, spans: list[tuple[int, int, str]]) -> tuple[str, str]:
    """Replace the same spans in the text and its key (they have equal lengths)."""
    if not spans:
        return text, key
    t, k, last = [], [], 0
    for start, end, repl in spans:
        t += (text[last:start], repl)
        k += (key[last:start], repl)
        last = end
    t.append(text[last:])
    k.append(key[last:])
    return "".join(t), "".join(k)


_PATTERNS = (
    (_EMAIL, lambda m: f"{m[1]}***@{m[2]}"),
    (_ID18, lambda m: m[1] + "*" * 15),
    (_USCC, lambda m: m[1] + "*" * 14 + m[2]),
    (_MOBILE, lambda m: f"{m[1]}****{m[2]}{m[3]}{m[4]}{m[5]}"),
    (_ID15, lambda m: m[1] + "*" * 12),
    (_LANDLINE, lambda m: "****"),
    (_LONG_DIGITS, lambda m: f"{m[1]}****{m[2] or ''}"),
)


def mask_numbers(text: str, key: str | None = None) -> str:
    """Phone, ID, USCC, e-mail and any long run of digits, found in the half-width key."""
    key = _key(text) if key is None else key
    for pattern, repl in _PATTERNS:
        text, key = _splice(text, key, [(m.start(), m.end(), repl(m)) for m in pattern.finditer(key)])
    return text


def book_names(book) -> set:
    """The names in a workbook a Masker masks: customers (current and lost) and the people called."""
    names: set = set()
    names.update(v for v in book["客户"].col("客户名称") if v)
    names.update(v for v in book["流失客户"].col("客户名称") if v)
    names.update(v for v in book["回访记录"].col("被访人") if v)
    return names


class Masker:
    """Replaces every customer name, ID number, phone and e-mail in a text.

    Names are matched on the text with its spaces removed (张 三, 张\u3000三 and 张三 alike),
    by a set look-up per position and name length: no giant regular expression, so a unit
    with a hundred thousand customers costs a set, not a compile."""

    def __init__(self, names=()) -> None:
        clean = {_SPACE.sub("", _key(normalize(n))) for n in names if n}
        self.names = {n for n in clean if len(n) >= 2}
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)

    @classmethod
    def for_books(cls, books) -> Masker:
        names: set[str] = set()
        for b in books:
            names |= book_names(b)
        return cls(names)

    def _mask_names(self, s: str, key: str) -> tuple[str, str]:
        if not self.names:
            return s, key
        pos = [i for i, ch in enumerate(key) if not ch.isspace()]
        compact = "".join(key[i] for i in pos)
        spans = []
        i = 0
        while i < len(compact):
            for n in self.lengths:
                if i + n <= len(compact) and compact[i:i + n] in self.names:
                    spans.append((pos[i], pos[i + n - 1] + 1, compact[i:i + n]))
                    i += n
                    break
            else:
                i += 1
        return _splice(s, key, [(start, end, mask_name(name)) for start, end, name in spans])

    def __call__(self, text) -> str:
        if text is None:
            return ""
        text = normalize(text)
        return mask_numbers(*self._mask_names(text, _key(text)))
