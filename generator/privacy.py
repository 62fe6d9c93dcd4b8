"""Masking customer data for the published site: names as 张*, phones as 138****0001."""
from __future__ import annotations

import re

from .reader import Workbook

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8,9}(\d{2}[\dXx]|\d{3})?(?![0-9A-Za-z])")
_USCC = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2})[0-9A-HJ-NPQRTUWXY]{14}([0-9A-HJ-NPQRTUWXY]{2})(?![0-9A-Z])")
_MOBILE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9.\-]+)")
_LONG_DIGITS = re.compile(r"(?<!\d)(\d{3})\d{5,}(\d{2})(?!\d)")


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    name = str(name).strip()
    return name[0] + "*" * min(max(len(name) - 1, 1), 3)


def mask_phone(v: str | None) -> str:
    if not v:
        return ""
    s = re.sub(r"\D", "", str(v))
    return s[:3] + "****" + s[-4:] if len(s) >= 8 else "****"


class Masker:
    """Replaces every customer name, ID number, phone and e-mail of a workbook in a text."""

    def __init__(self, books: list[Workbook]) -> None:
        names: set[str] = set()
        for b in books:
            names.update(n for n in b["客户"].col("客户名称") if n)
            names.update(n for n in b["流失客户"].col("客户名称") if n)
            names.update(n for n in b["回访记录"].col("被访人") if n)
        names = {n for n in names if len(n) >= 2}
        self.names = sorted(names, key=len, reverse=True)
        self._re = re.compile("|".join(map(re.escape, self.names))) if self.names else None

    def __call__(self, text) -> str:
        if text is None:
            return ""
        s = str(text)
        if self._re is not None:
            s = self._re.sub(lambda m: mask_name(m.group(0)), s)
        s = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", s)
        s = _ID.sub(lambda m: m[1] + "********" + (m[2][-2:] if m[2] else ""), s)
        s = _USCC.sub(lambda m: m[1] + "*" * 14 + m[2], s)
        s = _MOBILE.sub(lambda m: f"{m[1]}****{m[2]}", s)
        return _LONG_DIGITS.sub(lambda m: f"{m[1]}****{m[2]}", s)
