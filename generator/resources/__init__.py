"""The files huifang needs at run time, inside the package: the .docx templates, the manual's
Markdown and the mkdocs configuration. In the repository they live at the top level
(doc_templates/, site/, mkdocs.yml) and are linked here; a wheel carries copies, so every
command runs from any folder after `pip install`."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def path(name: str) -> Path:
    """A resource as a file-system path (the package is installed as files, never zipped)."""
    return Path(str(files(__name__) / name))


TEMPLATES = "doc_templates"
MANUAL = "site"
MKDOCS = "mkdocs.yml"
HOOKS = "mkdocs_hooks.py"
