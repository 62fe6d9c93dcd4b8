"""The one base of every failure a user is told about in one Chinese line (exit status 2).

Each layer raises its own subclass (ReadError, ConfigError, OutputError, TemplateError, ...)
with a Chinese message that names the file, and the sheet, cell, template or line where known.
The command line turns any of them into that line; nothing else needs to know the list.
"""
from __future__ import annotations


class HuifangError(Exception):
    """A failure the user can act on. str(e) is one Chinese line naming what failed."""
