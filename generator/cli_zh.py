"""click's own words in Chinese, and its help laid out for Chinese.

click translates its messages with the standard `gettext` (the default domain, `messages`).
huifang ships that domain's Chinese catalogue (locale/zh_CN/LC_MESSAGES/messages.po, compiled
to messages.mo) and binds it at start, with Chinese as the language of messages: the product
speaks Chinese whatever the machine's locale. A message the catalogue lacks stays as click wrote
it (a new click release may add one: tests/test_cli.py shows it).
"""
from __future__ import annotations

import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"


def install() -> None:
    """click's messages from the Chinese catalogue (gettext's default domain, bound here)."""
    gettext.bindtextdomain("messages", str(LOCALE_DIR))
    gettext.textdomain("messages")
    os.environ["LANGUAGE"] = "zh_CN"        # GNU gettext's own variable: messages only, not formats


def compile_catalogue() -> bytes:
    """messages.mo as babel compiles messages.po (run `python -m generator.cli_zh` after editing it)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


# ------------------------------------------------------------------ help laid out by display width

def width(text: str) -> int:
    """Columns a text takes on a terminal: a Chinese character takes two."""
    from wcwidth import wcswidth
    n = wcswidth(text)
    return n if n >= 0 else len(text)


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most `columns` display columns; breaks at spaces in Latin text, anywhere
    between Chinese characters, never inside a Latin word that fits on a line."""
    from wcwidth import wcwidth
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line, used, word = "", 0, ""
        for ch in para + " ":
            if ch == " " or wcwidth(ch) == 2:
                piece = word + (ch if ch != " " else "")
                w = width(piece)
                if used + w > columns and line:
                    lines.append(line.rstrip())
                    line, used = "", 0
                line += piece + (" " if ch == " " else "")
                used += w + (1 if ch == " " else 0)
                word = ""
            else:
                word += ch
        lines.append(line.rstrip())
    return lines


def wide_formatter():
    """click's help formatter, measuring the option column and wrapping help by display width."""
    import click
    from click.formatting import iter_rows

    class WideFormatter(click.HelpFormatter):
        def write_dl(self, rows, col_max=30, col_spacing=2):
            rows = list(rows)
            first_width = min(max((width(a) for a, _ in rows), default=0), col_max) + col_spacing
            for first, second in iter_rows(rows, 2):
                self.write(" " * self.current_indent + first)
                if not second:
                    self.write("\n")
                    continue
                if width(first) <= first_width - col_spacing:
                    self.write(" " * (first_width - width(first)))
                else:
                    self.write("\n" + " " * (first_width + self.current_indent))
                lines = wrap(second, max(self.width - first_width - self.current_indent - 2, 20))
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    self.write(" " * (first_width + self.current_indent) + line + "\n")

    return WideFormatter


if __name__ == "__main__":
    PO.with_suffix(".mo").write_bytes(compile_catalogue())
