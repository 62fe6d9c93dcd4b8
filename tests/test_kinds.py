"""Report formats and document kinds are declared once (generator/kinds.py); every declared one
has its writer, template, builder and jobs, and the command line offers exactly those."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator.documents.generate import FOLDERS, JOBS
from generator.documents.templates import BUILDERS, NAMES, TEMPLATE_DIR
from generator.kinds import DOCUMENTS, FORMATS
from generator.validate import WRITERS

ROOT = Path(__file__).resolve().parents[1]


def help_of(command: str) -> str:
    return subprocess.run([sys.executable, "-m", "generator.cli", command, "--help"], capture_output=True, text=True,
                          cwd=ROOT, env={"COLUMNS": "200", "PATH": ""}).stdout


def test_every_format_has_its_writer_and_the_cli_offers_exactly_them():
    assert set(WRITERS) == set(FORMATS)
    assert f"--format [{'|'.join(FORMATS)}]" in help_of("validate")


def test_every_document_kind_has_template_builder_jobs_and_folder():
    assert set(JOBS) == set(BUILDERS) == set(NAMES) == set(FOLDERS) == set(DOCUMENTS)
    for key, kind in DOCUMENTS.items():
        assert (TEMPLATE_DIR / kind.template).is_file(), kind
    text = help_of("generate")
    assert f"--kind [{'|'.join(DOCUMENTS)}]" in text
    assert all(d.title in "".join(text.split()) for d in DOCUMENTS.values())


def test_a_broken_pipe_is_quiet():
    p = subprocess.Popen([sys.executable, "-m", "generator.cli", "validate", "workbooks", "--as-of", "2025-12-31",
                          "--format", "json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait()
    assert err == "" and p.returncode in (0, 1)


def test_the_command_line_page_is_what_every_commands_help_says():
    import re

    from generator.cli import main
    from generator.site.reference import cli_page
    page = cli_page(main)
    for command in main.commands:
        assert f"## huifang {command}" in page
        options = set(re.findall(r"(--[a-z][a-z-]*)", help_of(command))) - {"--help"}
        assert options and all(f"`{o}`" in page for o in options), (command, options)
