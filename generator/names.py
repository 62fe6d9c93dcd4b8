"""File names as the user knows them, in every output.

A name in another byte encoding than the system's (GBK bytes from a Windows zip unpacked on
Linux) reaches Python with surrogate escapes, which no UTF-8 output can hold: reports, the run
ledger, the site and every message name files through shown() (a path) or readable() (a text).
"""
from __future__ import annotations

import os
import re


def shown(path) -> str:
    """A file name as the user knows it. A name in another byte encoding than the system's (GBK
    bytes from a Windows zip unpacked on Linux) reaches Python with surrogate escapes. Each part of
    the path is looked at by itself (a GBK file in a UTF-8 folder): a part that is not UTF-8 is
    shown decoded as GB 18030 when its bytes are that, else the bytes that are not UTF-8 are
    escaped (a\\xff); the text always has UTF-8."""
    text = str(path)
    if _has_utf8(text):
        return text
    return "/".join(map(_shown_part, text.split("/"))) if os.sep == "/" else _shown_part(text)


_BYTES = re.compile("[\udc80-\udcff]+")      # bytes Python could not decode, as it keeps them


def readable(text: str) -> str:
    """A message that may quote a file name that is not UTF-8 (its bytes as surrogate escapes):
    each run of such bytes decoded as UTF-8 or GB 18030 when it is that, else escaped; the text
    always has UTF-8. (shown() reads a path part by part, which a message cannot be.)"""
    if _has_utf8(text):
        return text
    return _runs(text, lambda raw: _decoded(raw) or _escaped(raw))


def _shown_part(part: str) -> str:
    if _has_utf8(part):
        return part
    try:
        # UTF-8 first: under an ASCII locale (LC_ALL=C, PYTHONUTF8=0) Python escapes every non-ASCII
        # byte, UTF-8 names too; then GB 18030, the whole part (GBK bytes can hold what reads as a
        # UTF-8 character: 台 is CC A8, U+0328)
        whole = _decoded(part.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:      # a lone surrogate that stands for no byte
        whole = None
    return whole if whole is not None else _runs(part, _escaped)


def _has_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _decoded(raw: bytes) -> str | None:
    """The bytes as UTF-8 or GB 18030 text; None when they are neither."""
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def _escaped(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def _runs(text: str, bytes_text) -> str:
    """`text` with each run of surrogate-escaped bytes replaced by bytes_text(its bytes), and any
    other lone surrogate escaped."""
    text = _BYTES.sub(lambda m: bytes_text(m.group(0).encode("utf-8", "surrogateescape")), text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
