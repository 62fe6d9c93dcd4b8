"""The rule catalogue. Importing this package registers every rule in RULES.

ORDER is the catalogue's order (groups, then IDs: what people read); RUN_ORDER is the order the
checks run in, each rule after the rules it declares in `after`."""
from . import coverage, data, deadlines, notices, process, records  # noqa: F401  (registration)
from .registry import (ERROR, GROUPS, RULES, SEEDS, SEVERITY_LABEL, WARNING, Param, Rule, Source, display_order,
                       run_order)

ORDER = display_order(RULES)
RUN_ORDER = run_order(RULES)

__all__ = ["RULES", "ORDER", "RUN_ORDER", "GROUPS", "SEEDS", "SEVERITY_LABEL", "ERROR", "WARNING", "Rule", "Param",
           "Source"]
