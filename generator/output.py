"""Writing outputs safely: whole or not at all, and never over anything huifang did not write.

Every output folder is new, empty, or one huifang wrote before: that one carries a marker
file (`.huifang-output`) listing what huifang put there. Anything else is refused with one
Chinese line, before a byte is written. A folder huifang did not create is never chmod-ed
and never replaced; an output is never written at or above an input workbook.
"""
from __future__ import annotations

from generator.errors import HuifangError
from generator.names import shown

import errno
import hashlib
import json
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from generator import scratch

MARKER = ".huifang-output"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et")
_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


class OutputError(HuifangError):
    """An output that cannot be written. The message is Chinese and names the path."""


@contextmanager
def atomic_path(target: Path, mode: int = PRIVATE_FILE):
    """Yield a temporary path in the target's folder; on success it replaces the target."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = scratch.scratch_file("part", target.parent, target.suffix)
    except OSError as e:
        raise write_failure(target.parent, e) from None
    try:
        yield tmp
        os.chmod(tmp, mode)
        scratch.check_stopped()
        os.replace(tmp, target)
        scratch.forget(tmp)
    except OSError as e:
        scratch.remove(tmp)
        raise write_failure(target, e) from None
    except BaseException:
        scratch.remove(tmp)
        raise


_WHY = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
        errno.EPERM: "没有写入权限", errno.EROFS: "只读的文件系统", errno.ENAMETOOLONG: "文件名太长",
        errno.EIO: "读写设备出错", errno.ENOTDIR: "路径中有同名文件，不是文件夹"}


def why(e: OSError) -> str:
    """The reason of an OS error in Chinese (the system's own words when there is no translation)."""
    from generator import scratch
    if e.filename is None and not scratch.temp_usable():      # tempfile found no folder it may write in
        return ("没有可以写入的临时文件夹（TMPDIR、TEMP、TMP 所指的和系统的临时文件夹都不能写入），"
                "huifang 读写工作簿需要它；请把环境变量 TMPDIR 设为一个可写的文件夹后重试")
    return _WHY.get(e.errno, e.strerror or type(e).__name__)


def write_failure(path: Path, e: OSError) -> OutputError:
    """One line for a write that failed; the partial file is already removed."""
    return OutputError(f"{shown(path)}：无法写入（{why(e)}），未留下不完整的文件")


def write_text(target: Path, text: str, mode: int = PRIVATE_FILE) -> None:
    write_with(target, lambda fh: fh.write(text), mode)


def write_with(target: Path, writer, mode: int = PRIVATE_FILE, binary: bool = False) -> None:
    """`writer(stream)` writes the text of `target` (UTF-8), whole or not at all; with `binary`
    the stream takes the UTF-8 bytes themselves. A lone surrogate in the text (a file name that is
    not UTF-8, as Python keeps it) is written as its escape, \\udcff."""
    with atomic_path(target, mode) as tmp:
        with (open(tmp, "wb") if binary
              else open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="\n")) as fh:
            writer(fh)


# ------------------------------------------------------------------ where outputs may go

def _resolved(paths) -> list[Path]:
    return [Path(p).resolve() for p in paths]


def check_not_over_inputs(target: Path, inputs: list[Path]) -> None:
    """Refuse a target that is an input, or a folder that holds one (at any depth)."""
    real = Path(target).resolve()
    for p in _resolved(inputs):
        if real == p:
            raise OutputError(f"{shown(target)}：这是输入的工作簿，输出不能写到输入上")
        if real in p.parents:
            raise OutputError(f"{shown(target)}：此文件夹含有输入工作簿 {shown(p.name)}，"
                              "输出不能写在输入所在的文件夹或其上级；请另选一个新的输出文件夹")


def check_not_in_site(target: Path) -> None:
    """Refuse a target inside a site huifang built (at any depth): the site folder is published as
    it is, and reports, documents and copies carry customer data."""
    real = Path(target).resolve()
    for folder in real.parents:
        manifest = _manifest(folder)
        if manifest is not None and manifest.get("kind") == "site":
            raise OutputError(f"{shown(target)}：位于 huifang 写出的站点文件夹 {shown(folder)} 中，站点会原样发布，"
                              "不能写入报告、文书或工作簿副本；请另选文件夹")


def check_report_target(target: Path, inputs: list[Path]) -> None:
    """`--output FILE`: never an input, never inside a site, never anything that is or looks like a workbook."""
    target = Path(target)
    check_not_over_inputs(target, inputs)
    check_not_in_site(target)
    if target.suffix.lower() in WORKBOOK_SUFFIXES:
        raise OutputError(f"{shown(target)}：报告是文本，不能写成工作簿文件（{target.suffix}）；请用 .txt 或 .json")
    if target.is_dir():
        raise OutputError(f"{shown(target)}：这是一个文件夹；--output 需要一个文件名")
    if target.is_file():
        try:
            with open(target, "rb") as fh:
                head = fh.read(8)
        except OSError:
            head = b""
        if head.startswith(_MAGIC):
            raise OutputError(f"{shown(target)}：已有的文件是工作簿或其他二进制文件，不会覆盖它；请另选报告文件名")


def _manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "huifang" else None


def is_output_folder(folder: Path) -> bool:
    """A folder huifang wrote (its marker is there): input scans skip it."""
    return (Path(folder) / MARKER).is_file()


def _mark(folder: Path, kind: str, files: list[str] | None = None) -> None:
    data = {"tool": "huifang", "kind": kind,
            "note": "此文件夹由 huifang 写出；huifang 只替换它自己写出的文件。"}
    if files is not None:
        data["files"] = sorted(files)
    # a file name that is not UTF-8 (a lone surrogate) as its JSON escape: it reads back as os.listdir names it
    (folder / MARKER).write_bytes(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8", "backslashreplace"))


@contextmanager
def prepared_dir(out: Path, inputs: list[Path], kind: str):
    """prepare_dir for a run that writes several files: yields (the folder's real path, a list the
    run appends each file it puts in place to). A run that cannot finish (an error, an interrupt)
    leaves nothing of its own: the folder it made goes whole, an empty one it took is empty again;
    in a folder of an earlier run, the folders it made and the files it added go (a file it wrote
    over one of the earlier run's is whole, and stays). What it found is told once it holds the
    folder's lock, so a run that waited for another never takes that one's folder for its own."""
    real, found = _prepare(out, inputs, kind)
    folders = {p.name for p in real.iterdir()} if found == "reused" else set()
    files = set(_listing(real)) if found == "reused" else set()
    put: list[Path] = []
    try:
        yield real, put
    except BaseException:
        if found == "created":
            shutil.rmtree(real, ignore_errors=True)
            raise
        for p in real.iterdir():
            if p.name not in folders and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
        for p in put + ([real / MARKER] if found == "adopted" else []):
            if str(p.relative_to(real)) not in files:
                try:
                    p.unlink()
                except OSError:
                    pass
        raise


_KIND_LABEL = {"site": "站点", "documents": "文书", "plan": "回访计划", "annotate": "标注副本"}


def prepare_dir(out: Path, inputs: list[Path], kind: str) -> Path:
    """Make `out` ready for outputs and return its real path.

    New: created owner-only and marked. Empty: marked (its permissions are left as they are).
    Marked by huifang before for the same kind of output: used as it is. Anything else (a folder
    another command wrote: the site, published as it is, must not take the documents' customer
    data), or a folder inside a site: OutputError, nothing written."""
    return _prepare(out, inputs, kind)[0]


def _prepare(out: Path, inputs: list[Path], kind: str) -> tuple[Path, str]:
    """prepare_dir, and what it found once it held the folder: "created", "adopted" (empty, marked
    now) or "reused" (an earlier run's)."""
    out = Path(out)
    check_not_over_inputs(out, inputs)
    check_not_in_site(out)
    real = out.resolve()
    lock_output(real, out)
    if real.exists():
        if not real.is_dir():
            raise OutputError(f"{shown(out)}：已有同名文件，不是文件夹")
        manifest = _manifest(real)
        if manifest is not None:
            was = manifest.get("kind")
            if was != kind:     # a site folder (published as it is) never takes documents or copies
                raise OutputError(f"{shown(out)}：这是 huifang 写出的{_KIND_LABEL.get(was, '其他输出')}文件夹，"
                                  f"不能再写入{_KIND_LABEL[kind]}；请另选一个新的或空的文件夹")
            scratch.sweep(real, recursive=True)
            return real, "reused"
        if any(real.iterdir()):
            raise OutputError(f"{shown(out)}：文件夹不是空的，也不是 huifang 写出的输出文件夹；为免覆盖其中的文件，"
                              "请指定一个新的或空的文件夹")
        try:
            _mark(real, kind)
        except OSError as e:
            raise OutputError(f"{shown(out)}：无法写入（{why(e)}）") from None
        return real, "adopted"
    try:
        real.mkdir(parents=True)
        os.chmod(real, PRIVATE_DIR)
        _mark(real, kind)
    except OSError as e:
        raise OutputError(f"{shown(out)}：无法创建文件夹（{why(e)}）") from None
    return real, "created"


def _listing(folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink()]


def check_replaceable(out: Path, inputs: list[Path]) -> Path:
    """A folder that will be replaced whole (the site): new, empty, or holding only what huifang
    wrote there last time. Returns its real path."""
    out = Path(out)
    check_not_over_inputs(out, inputs)
    real = out.resolve()
    lock_output(real, out)
    scratch.sweep(real.parent)
    if not real.exists():
        return real
    if not real.is_dir():
        raise OutputError(f"{shown(out)}：已有同名文件，不是文件夹")
    present = _listing(real)
    if not present:
        return real
    manifest = _manifest(real)
    if manifest is None:
        raise OutputError(f"{shown(out)}：文件夹不是空的，也不是 huifang 构建的站点；为免删除其中的文件，"
                          "请指定一个新的或空的文件夹")
    ours = set(manifest.get("files", ())) | {MARKER}
    foreign = sorted(set(present) - ours)
    if foreign:
        raise OutputError(f"{shown(out)}：文件夹中有不是 huifang 写出的文件（如 {foreign[0]}），不会替换这个文件夹；"
                          "请移走这些文件，或另选输出文件夹")
    return real


def replace_dir(built: Path, real: Path, kind: str) -> None:
    """Move a finished folder into place at `real` (checked by check_replaceable), marked."""
    _mark(built, kind, _listing(built))
    scratch.check_stopped()
    if real.exists() and _manifest(real) is None:
        # an empty folder the user made: fill it, never replace it
        for child in built.iterdir():
            os.replace(child, real / child.name)
        shutil.rmtree(built, ignore_errors=True)
    elif real.exists():
        old = scratch.scratch_dir("old", real.parent)
        os.replace(real, old / "site")
        try:
            os.replace(built, real)
        except OSError:
            os.replace(old / "site", real)
            raise
        scratch.remove(old)
    else:
        real.parent.mkdir(parents=True, exist_ok=True)
        os.replace(built, real)


def unique_names(keys: list[tuple[str, Path]], room: int = 0) -> list[str]:
    """A folder or file name per (name, source path), kept apart when two sources share a name.

    The first keeps the plain name; a later one adds its file name, then its folder, then a number.
    Names that differ only in case are kept apart too (Windows and macOS take them for one).
    Every name fits a file system with `room` bytes left for what the caller appends (see fit)."""
    used: set[str] = set()         # casefolded (a GBK file or folder name decoded: the names are UTF-8)
    out = []
    for name, source in keys:
        stem, folder = shown(source.stem), shown(source.parent.name)
        candidates = [fit(c, room) for c in (name, f"{name}（{stem}）", f"{name}（{folder}-{stem}）")]
        pick = next((c for c in candidates if c.casefold() not in used), None)
        n = 2
        while pick is None:
            if fit(f"{name}（{n}）", room).casefold() not in used:
                pick = fit(f"{name}（{n}）", room)
            n += 1
        used.add(pick.casefold())
        out.append(pick)
    return out


_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")      # device names on Windows


def windows_reserved(name: str) -> bool:
    """A name Windows keeps for a device (CON, nul.txt, COM1…): no file or folder may have it."""
    return _RESERVED.match(name) is not None


# ------------------------------------------------------------------ names that fit any file system

NAME_BYTES = 255        # one path component, in bytes (ext4, XFS, btrfs; NTFS counts 255 UTF-16 units)


def fit(name: str, room: int = 0, limit: int = NAME_BYTES) -> str:
    """`name` as a path component of at most `limit - room` bytes in UTF-8 (`room`: what the caller
    appends, such as `_回访计划_2025-09.docx`). A longer name keeps its beginning, readable, and
    ends with `~` and a short hash of the whole name, so two long names that share a beginning
    stay apart."""
    budget = limit - room
    if len(name.encode("utf-8", "surrogateescape")) <= budget:
        return name
    tag = "~" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    keep = budget - len(tag)
    cut = name.encode("utf-8", "surrogateescape")[:max(keep, 0)].decode("utf-8", "ignore")
    return cut.rstrip(" .") + tag


def fit_file(stem: str, tail: str) -> str:
    """A file name `stem + tail` (tail: a fixed ending such as `.docx`) within NAME_BYTES."""
    return fit(stem, len(tail.encode("utf-8"))) + tail


# ------------------------------------------------------------------ one writer per output

LOCK_WAIT_ENV, LOCK_WAIT = "HUIFANG_LOCK_WAIT", 600.0      # seconds a run waits for another (default)


def lock_wait() -> float:
    """HUIFANG_LOCK_WAIT, read when a lock is taken; a value that is not a number of seconds is one line."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return LOCK_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise OutputError(f"环境变量 {LOCK_WAIT_ENV}=“{text[:20]}”应为 0 到 86400 之间的秒数")
    return seconds
_locks: dict[Path, int] = {}


def lock_output(real: Path, named: Path) -> None:
    """Hold the output `real` for this run: another huifang writing into it is waited for (with a
    line on standard error), up to LOCK_WAIT seconds, then refused. The lock is a hidden file
    beside the output, removed when the run ends (release_outputs)."""
    real = Path(real)
    if real in _locks:
        return
    lock = real.parent / fit(LOCK_PREFIX + real.name)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    _drop_stale_locks(real.parent, lock)
    told = False
    wait = lock_wait()
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        except OSError:
            return              # a folder we may not write beside: the output itself will say so
        if not _try_lock(fd):
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() > deadline:
                raise OutputError(f"{shown(named)}：另一个 huifang 进程{holder}正在写入这个输出文件夹，"
                                  f"已等待 {wait:.0f} 秒；请等它结束后再运行") from None
            if not told:
                print(f"huifang：另一个 huifang 进程{holder}正在写入 {shown(named)}，等它完成后继续……",
                      file=sys.stderr, flush=True)
                told = True
            time.sleep(0.2)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except OSError:
            same = False
        if not same:            # the holder removed the file as we opened it: take the new one
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _locks[real] = fd
        _lock_paths[real] = lock
        return


_lock_paths: dict[Path, Path] = {}
LOCK_PREFIX = ".~huifang-lock."


def _try_lock(fd: int) -> bool:
    """An exclusive lock on the open lock file, without waiting: flock on POSIX, msvcrt's byte lock
    on Windows (a shared folder on a Windows server honours it too)."""
    try:
        import fcntl
    except ImportError:
        import msvcrt
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _drop_stale_locks(folder: Path, keep: Path) -> None:
    """Lock files of runs that were killed (nobody holds them) are removed (POSIX: where a file
    can be removed while it is open, so taking its lock first is safe)."""
    if os.name != "posix":
        return
    try:
        names = [e for e in folder.iterdir() if e.name.startswith(LOCK_PREFIX) and e != keep]
    except OSError:
        return
    for path in names:
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            if _try_lock(fd) and os.fstat(fd).st_ino == os.stat(path).st_ino:
                os.unlink(path)
        except OSError:
            pass
        finally:
            os.close(fd)


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        pid = os.read(fd, 20).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f"（进程号 {pid}）" if pid.isdigit() else ""


def release_outputs() -> None:
    """End of the run: remove the lock files and let a waiting run go on."""
    for real, fd in list(_locks.items()):
        path = _lock_paths.pop(real)
        if os.name == "posix":          # removed while held: a waiting run then sees a new file
            _unlink_quietly(path)
            os.close(fd)
        else:                           # Windows removes no open file: closed first
            os.close(fd)
            _unlink_quietly(path)
        del _locks[real]


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
