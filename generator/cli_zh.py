"""click's own words in Chinese: usage lines, help boilerplate and usage errors.

click translates its messages through gettext, bound in each of its modules as `_` and
`ngettext`; huifang speaks Chinese, so those names are pointed at this table. A message not in
the table stays as click wrote it (a new click release may add one: tests/test_cli.py shows it)."""
from __future__ import annotations

import importlib

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在 {choices} 之中。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "Aborted!": "已取消。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
}


def _(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular if n == 1 else plural)


def install() -> None:
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


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
