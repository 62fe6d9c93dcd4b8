"""mkdocs loads its hooks from a file; the work is in generator/sitehooks.py."""
from generator.sitehooks import on_files, on_page_markdown  # noqa: F401
