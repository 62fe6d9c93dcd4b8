"""customers_served answers in one pass over a type's records what its definition asks per customer:
the first completed record that counts on or after the first day falls on or before the last."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.config import load_config
from generator.validate import validate_paths
from generator.workbook import contract as K

WORKBOOKS = sorted((Path(__file__).resolve().parent.parent / "workbooks").glob("*.xlsx"))


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("as_of", [date(2025, 6, 30), date(2025, 12, 31)])
def test_served_is_the_first_callback_in_the_period(path, as_of):
    ctx = validate_paths([path], load_config(None), as_of).books[0].ctx
    customers = {c for c in ctx.customers.col("客户编号") if c is not None}
    asked = 0
    for kind in K.CALLBACK_TYPES:
        for start, end in ((date(2025, 1, 1), as_of), (date(2025, 4, 1), date(2025, 6, 30)),
                           (date(2024, 1, 1), date(2024, 12, 31))):
            served = ctx.customers_served(kind, start, end)
            first = {c: ctx.first_callback(c, kind, completed=True, start=start) for c in customers}
            assert served == {c for c, i in first.items() if i is not None and ctx.rec_day[i] <= end}, kind
            asked += len(served)
    assert asked        # the examples do serve customers
