"""mkdocs loads its hooks from a file; the work is in generator/site/hooks.py.

This file is an entry point, like the command line: a plain `mkdocs build` of the manual has no
`huifang site` to hand over the commands the command-line page describes, so they are taken here."""
from generator.site.hooks import COMMANDS_KEY, on_files, on_page_content, on_page_markdown  # noqa: F401
from generator.site.hooks import on_config as _on_config


def on_config(config, **kw):
    if COMMANDS_KEY not in config["extra"]:
        from generator.cli import main
        config["extra"][COMMANDS_KEY] = main
    return _on_config(config, **kw)
