"""The rule catalogue. Importing this package registers every rule in RULES."""
from . import coverage, data, deadlines, notices, process, records  # noqa: F401  (registration)
from .registry import ERROR, GROUPS, RULES, SEEDS, SEVERITY_LABEL, WARNING, Param, Rule, Source

ORDER = sorted(RULES, key=lambda rid: (list(GROUPS).index(RULES[rid].group), rid))

__all__ = ["RULES", "ORDER", "GROUPS", "SEEDS", "SEVERITY_LABEL", "ERROR", "WARNING", "Rule", "Param", "Source"]
