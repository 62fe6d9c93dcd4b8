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
