"""Runs that are stopped, killed, crowded or starved of disk leave nothing behind, and names
made from cell text fit any file system (issue: every command as safe as `validate`)."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import customer, record

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"


def huifang(*args, cwd=None, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env={**os.environ, **(env or {})}, **kw)


def start(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "generator.cli", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def scratch_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith((".~huifang", "huifang-"))]


def wait_for(predicate, seconds=60.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the run never reached the point to stop it at")


@pytest.fixture(scope="module")
def many_records(tmp_path_factory) -> Path:
    """A unit of 2,000 callback records: generating its record forms takes long enough to stop it."""
    from synth import large_sheets, write_workbook
    path = tmp_path_factory.mktemp("many") / "大型营业部.xlsx"
    write_workbook(path, large_sheets(2000, 400))
    return path


def copy_example(tmp_path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLE, src / EXAMPLE.name)
    return src / EXAMPLE.name


# ------------------------------------------------------------------ names from cell text

def test_long_unit_and_record_ids_give_names_that_fit(book, tmp_path):
    unit = "很长的营业部名称" * 40                       # 960 bytes in UTF-8
    book.sheets["客户"] = [customer(营业部=unit)]
    book.sheets["回访记录"] = [record(记录编号="RC" + "号" * 200)]
    wb = book.write()
    for args in (("generate", wb, "--out", tmp_path / "docs"),
                 ("site", wb, "--as-of", "2025-06-30", "--out", tmp_path / "site"),
                 ("plan", wb, "--month", "2025-07", "--as-of", "2025-06-30", "--out", tmp_path / "plan")):
        r = huifang(*args)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr and "too long" not in r.stderr
    names = [p.name for p in tmp_path.rglob("*")]
    assert all(len(n.encode()) <= 255 for n in names)
    docs = [p.name for p in (tmp_path / "docs").rglob("*.docx")]
    assert any(n.startswith("RC号号号") for n in docs)                      # still readable
    assert any(p.name.startswith("很长的营业部名称") for p in (tmp_path / "docs").rglob("*") if p.is_dir())


def test_fit_keeps_long_names_apart_and_short_names_as_they_are():
    from generator.output import fit, fit_file
    a, b = "营业部" * 100 + "甲", "营业部" * 100 + "乙"
    assert fit("示例营业部") == "示例营业部"
    assert fit(a) != fit(b)
    assert len(fit(a).encode()) <= 255 and fit(a).startswith("营业部营业部")
    name = fit_file(a, "_回访计划_2025-09.docx")
    assert name.endswith("_回访计划_2025-09.docx") and len(name.encode()) <= 255


def test_cell_text_never_names_a_hidden_or_parent_folder():
    from generator.documents.generate import _safe
    assert _safe("..") == "未命名"
    assert not _safe(".~huifang-part-99999-x").startswith(".")
    assert _safe("a/../b") == "a_.._b"
    assert _safe("CON") == "_CON"


# ------------------------------------------------------------------ stopped and killed runs

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_site_build_cleans_up_at_once(tmp_path, sig):
    wb = copy_example(tmp_path)
    out = tmp_path / "站点"
    p = start("site", wb, "--as-of", "2025-12-31", "--out", out)
    wait_for(lambda: [q for q in tmp_path.glob(".~huifang-site-*") if (q / "docs" / "status").is_dir()])
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig, err
    assert "已中断" in err and "Traceback" not in err
    assert scratch_in(tmp_path) == [] and not out.exists()



@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_run_takes_back_its_ledger_entry(tmp_path, sig):
    """(helper 42) A run stopped while its outputs were written stayed in the ledger, the baseline
    of the next --since-run last though it has no report: its entry is taken back."""
    wb = copy_example(tmp_path)
    assert huifang("validate", wb, "--as-of", "2025-12-31", "--record").returncode == 1
    p = start("site", wb, "--as-of", "2025-12-31", "--out", tmp_path / "站点", "--record")
    # the run is recorded before the site is built: stopped while it is built
    wait_for(lambda: [q for q in tmp_path.glob(".~huifang-site-*") if (q / "docs" / "status").is_dir()])
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig and "Traceback" not in err, err
    listing = huifang("history", wb)
    assert listing.returncode == 0 and "共 1 次运行" in listing.stdout, listing.stdout
    assert huifang("history", wb, "--verify").returncode == 0

def test_a_killed_site_build_is_cleaned_by_the_next_run(tmp_path):
    wb = copy_example(tmp_path)
    out = tmp_path / "站点"
    p = start("site", wb, "--as-of", "2025-12-31", "--out", out)
    wait_for(lambda: [q for q in tmp_path.glob(".~huifang-site-*") if (q / "docs" / "status").is_dir()])
    p.kill()
    p.wait()
    assert scratch_in(tmp_path)                  # SIGKILL cannot be caught: the scratch is still there
    r = huifang("site", wb, "--as-of", "2025-12-31", "--out", out)
    assert r.returncode == 0, r.stderr
    assert scratch_in(tmp_path) == []
    assert (out / "index.html").is_file()


def test_a_killed_generate_leaves_no_partial_document_after_the_next_run(tmp_path, many_records):
    wb = many_records
    out = tmp_path / "文书"
    p = start("generate", wb, "--out", out, "--kind", "record")
    wait_for(lambda: len(list(out.rglob("*.docx"))) > 3)
    p.kill()
    p.wait()
    partial = [q for q in out.rglob(".~huifang-*")]
    r = huifang("generate", wb, "--out", out, "--kind", "record")
    assert r.returncode == 0, r.stderr
    assert scratch_in(out) == [], partial
    assert not any(q.exists() for q in partial)


def test_a_stopped_generate_removes_its_partial_document(tmp_path, many_records):
    wb = many_records
    before = digest(wb)
    out = tmp_path / "文书"
    p = start("generate", wb, "--out", out, "--kind", "record")
    wait_for(lambda: len(list(out.rglob("*.docx"))) > 3)
    p.terminate()
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and "已中断" in err and "Traceback" not in err
    assert scratch_in(out) == []
    assert digest(wb) == before


def test_scratch_of_dead_runs_in_the_temporary_folder_is_removed_and_live_ones_kept(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp / f"huifang-read-{dead}-abc"
    stale.mkdir()
    (stale / "workbook.xlsx").write_bytes(b"customer data")
    live = tmp / f"huifang-read-{os.getpid()}-abc"
    live.mkdir()
    foreign = tmp / "huifang-notes"
    foreign.mkdir()
    r = huifang("validate", EXAMPLE, "--as-of", "2025-12-31", env={"TMPDIR": str(tmp)})
    assert r.returncode == 1, r.stderr
    assert not stale.exists() and live.exists() and foreign.exists()
    assert not [q for q in tmp.iterdir() if q.name.startswith("huifang-") and q not in (live, foreign)]


def test_a_scratch_name_whose_process_id_was_reused_is_stale(tmp_path):
    from generator import scratch
    old = tmp_path / ".~huifang-part-1-x.docx"          # pid 1 lives, but started long before? no:
    old.write_text("x")
    os.utime(old, (0, 0))                                # written in 1970, before pid 1 started
    assert scratch._stale(old, 1, 86400) is (scratch._started(1) is not None)


# ------------------------------------------------------------------ runs at the same time

def test_three_site_builds_into_one_folder_take_turns(tmp_path):
    wb = copy_example(tmp_path)
    out = tmp_path / "站点"
    runs = [start("site", wb, "--as-of", "2025-12-31", "--out", out) for _ in range(3)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in runs]
    for code, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    assert any("正在写入" in err for _, err in results)
    assert (out / "index.html").is_file()
    assert scratch_in(tmp_path) == []


def test_a_run_that_waits_too_long_is_told_who_holds_the_folder(tmp_path):
    from generator.output import lock_output, release_outputs
    wb = copy_example(tmp_path)
    out = tmp_path / "文书"
    lock_output(out.resolve(), out)                    # this test's process holds the folder
    try:
        r = huifang("generate", wb, "--out", out, "--kind", "lost", env={"HUIFANG_LOCK_WAIT": "0.5"})
    finally:
        release_outputs()
    assert r.returncode == 2
    assert "另一个 huifang 进程" in r.stderr and f"进程号 {os.getpid()}" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()
    assert not list(tmp_path.glob(".~huifang-lock.*"))
    r = huifang("generate", wb, "--out", out, "--kind", "lost")
    assert r.returncode == 0, r.stderr


# ------------------------------------------------------------------ a full disk

@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system when this machine lets the tests mount one (root), else skip."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here; test_write_failures_are_one_line injects the error")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.parametrize("command", ["generate", "site", "validate"])
def test_a_full_disk_is_one_line_and_leaves_nothing(small_disk, tmp_path, command):
    wb = copy_example(tmp_path)
    before = digest(wb)
    with open(small_disk / "filler", "wb") as fh:       # the report needs a few KB: leave less
        try:
            fh.write(b"\0" * (3 << 20 if command == "validate" else 1 << 20))
        except OSError:
            pass
    args = {"generate": ("generate", wb, "--out", small_disk / "文书", "--kind", "record"),
            "site": ("site", wb, "--as-of", "2025-12-31", "--out", small_disk / "站点"),
            "validate": ("validate", wb, "--as-of", "2025-12-31", "--format", "json",
                         "--output", small_disk / "报告.json")}[command]
    r = huifang(*args)
    assert r.returncode == 2, r.stderr
    assert "磁盘空间不足" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert scratch_in(small_disk) == [] and scratch_in(tmp_path / "in") == []
    assert not (small_disk / "站点").exists() and not (small_disk / "报告.json").exists()
    assert digest(wb) == before


def test_write_failures_are_one_line(tmp_path, monkeypatch):
    """Where no file system can be mounted: the error injected where documents are written."""
    import errno

    from click.testing import CliRunner

    from generator.cli import main
    from generator.documents import render

    def full(self, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(render.FastTemplate, "save", full)
    wb = copy_example(tmp_path)
    r = CliRunner().invoke(main, ["generate", str(wb), "--out", str(tmp_path / "文书"), "--kind", "lost"])
    assert r.exit_code == 2
    assert "磁盘空间不足" in r.output and "Traceback" not in r.output
    assert scratch_in(tmp_path / "文书") == []


def test_a_defect_is_one_line_with_the_details_in_a_private_file(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from generator import cli
    from generator.validate import run

    def broken(*a, **kw):
        raise RuntimeError("a defect")
    monkeypatch.setattr(run, "check_book", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("HUIFANG_DEBUG", raising=False)
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    r = CliRunner().invoke(cli.main, ["validate", str(EXAMPLE), "--as-of", "2025-12-31"])
    assert r.exit_code == 2
    assert "内部错误（RuntimeError）" in r.output and "Traceback" not in r.output
    report = next(tmp_path.glob("huifang-内部错误-*.txt"))
    assert "a defect" in report.read_text(encoding="utf-8")
    assert (report.stat().st_mode & 0o777) == 0o600


def test_another_machines_scratch_on_a_shared_folder_is_left_until_it_is_a_day_old(tmp_path):
    from generator import scratch
    young = tmp_path / ".~huifang-site-99999.0000beef-abc"
    old = tmp_path / ".~huifang-site-99999.0000beef-def"
    for p in (young, old):
        p.mkdir()
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    assert scratch.HOST != "0000beef"
    assert scratch.sweep(tmp_path) == [old]
    assert young.exists() and not old.exists()


def test_a_workbook_saved_again_while_it_is_checked_is_refused_not_hashed_wrong(tmp_path, monkeypatch):
    """The report's SHA-256 must be that of the version judged: a file saved meanwhile is one line."""
    from datetime import date

    import pytest as _pytest

    from generator.config import load_config
    from generator.validate import run
    from generator.workbook.inspect import ReadError
    wb = copy_example(tmp_path)
    real = run.read_workbook

    def read_then_saved(path, contract=None):
        book = real(path, contract)
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))     # a clerk saves it again
        return book
    monkeypatch.setattr(run, "read_workbook", read_then_saved)
    with _pytest.raises(ReadError, match="校验期间文件被修改或另存了"):
        run.validate_paths([wb], load_config(None), date(2025, 12, 31))


def test_a_signal_raised_inside_a_finalizer_still_stops_the_run(tmp_path):
    """Ctrl-C that lands while the garbage collector closes a file raises inside a finalizer, where
    Python only prints the exception and goes on: the run still stops as interrupted (exit 130, one
    line, no traceback) and puts no copy in place."""
    out = tmp_path / "标注"
    code = f"""
import signal, sys
from generator import scratch
from generator.validate import annotate

class Closing:
    def __del__(self):
        scratch._raise(signal.SIGINT, None)     # as if the signal arrived here

real = annotate.annotate_book
def annotate_book(*a, **kw):
    Closing()
    return real(*a, **kw)
annotate.annotate_book = annotate_book
sys.argv = ["huifang", "validate", {str(EXAMPLE)!r}, "--as-of", "2025-12-31", "--annotate", {str(out)!r}]
from generator.cli import main
main()
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 130, r.stderr
    assert "已中断" in r.stderr and "Traceback" not in r.stderr and "Exception ignored" not in r.stderr
    assert not list(out.glob("*.xlsx")) and not scratch_in(tmp_path)


@pytest.mark.parametrize("make", ["file", "dir"])
def test_a_signal_between_making_a_scratch_and_listing_it_still_removes_it(tmp_path, monkeypatch, make):
    """SIGTERM handled just after the file or folder is made, before it is listed for removal (under
    load a partial document was left in the output folder): the signal waits for the listing."""
    import tempfile

    from generator import scratch
    real = {"file": tempfile.mkstemp, "dir": tempfile.mkdtemp}[make]

    def made_then_signalled(*a, **kw):
        got = real(*a, **kw)
        scratch._raise(signal.SIGTERM, None)        # as the handler runs between two bytecodes here
        return got
    monkeypatch.setattr(tempfile, {"file": "mkstemp", "dir": "mkdtemp"}[make], made_then_signalled)
    monkeypatch.setattr(scratch, "_stopped", None)
    with pytest.raises(scratch.Stopped):
        if make == "file":
            scratch.scratch_file("part", tmp_path, ".docx")
        else:
            scratch.scratch_dir("parts", tmp_path)
    assert list(tmp_path.iterdir())                 # it was made, and is listed:
    scratch.cleanup()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(scratch, "_stopped", None)
