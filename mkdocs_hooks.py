"""mkdocs loads its hooks from a file; the work is in generator/site/hooks.py."""
from generator.site.hooks import on_config, on_files, on_page_content, on_page_markdown  # noqa: F401
