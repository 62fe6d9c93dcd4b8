"""Writing outputs safely: whole or not at all, and never over anything huifang did not write.

Every output folder is new, empty, or one huifang wrote before: that one carries a marker
file (`.huifang-output`) listing what huifang put there. Anything else is refused with one
Chinese line, before a byte is written. A folder huifang did not create is never chmod-ed
and never replaced; an output is never written at or above an input workbook.
"""
from __future__ import annotations

from generator.errors import HuifangError

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

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
        fd, tmp = tempfile.mkstemp(prefix=".~huifang-", suffix=target.suffix, dir=target.parent)
    except OSError as e:
        raise OutputError(f"{target.parent}：无法写入（{e.strerror}）") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text(target: Path, text: str, mode: int = PRIVATE_FILE) -> None:
    with atomic_path(target, mode) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ where outputs may go

def _resolved(paths) -> list[Path]:
    return [Path(p).resolve() for p in paths]


def check_not_over_inputs(target: Path, inputs: list[Path]) -> None:
    """Refuse a target that is an input, or a folder that holds one (at any depth)."""
    real = Path(target).resolve()
    for p in _resolved(inputs):
        if real == p:
            raise OutputError(f"{target}：这是输入的工作簿，输出不能写到输入上")
        if real in p.parents:
            raise OutputError(f"{target}：此文件夹含有输入工作簿 {p.name}，输出不能写在输入所在的文件夹或其上级；"
                              "请另选一个新的输出文件夹")


def check_report_target(target: Path, inputs: list[Path]) -> None:
    """`--output FILE`: never an input, never anything that is or looks like a workbook."""
    target = Path(target)
    check_not_over_inputs(target, inputs)
    if target.suffix.lower() in WORKBOOK_SUFFIXES:
        raise OutputError(f"{target}：报告是文本，不能写成工作簿文件（{target.suffix}）；请用 .txt 或 .json")
    if target.is_dir():
        raise OutputError(f"{target}：这是一个文件夹；--output 需要一个文件名")
    if target.is_file():
        try:
            with open(target, "rb") as fh:
                head = fh.read(8)
        except OSError:
            head = b""
        if head.startswith(_MAGIC):
            raise OutputError(f"{target}：已有的文件是工作簿或其他二进制文件，不会覆盖它；请另选报告文件名")


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
    (folder / MARKER).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def prepare_dir(out: Path, inputs: list[Path], kind: str) -> Path:
    """Make `out` ready for outputs and return its real path.

    New: created owner-only and marked. Empty: marked (its permissions are left as they are).
    Marked by huifang before: used as it is. Anything else: OutputError, nothing written."""
    out = Path(out)
    check_not_over_inputs(out, inputs)
    real = out.resolve()
    if real.exists():
        if not real.is_dir():
            raise OutputError(f"{out}：已有同名文件，不是文件夹")
        if _manifest(real) is not None:
            return real
        if any(real.iterdir()):
            raise OutputError(f"{out}：文件夹不是空的，也不是 huifang 写出的输出文件夹；为免覆盖其中的文件，"
                              "请指定一个新的或空的文件夹")
        try:
            _mark(real, kind)
        except OSError as e:
            raise OutputError(f"{out}：无法写入（{e.strerror}）") from None
        return real
    try:
        real.mkdir(parents=True)
        os.chmod(real, PRIVATE_DIR)
        _mark(real, kind)
    except OSError as e:
        raise OutputError(f"{out}：无法创建文件夹（{e.strerror}）") from None
    return real


def _listing(folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink()]


def check_replaceable(out: Path, inputs: list[Path]) -> Path:
    """A folder that will be replaced whole (the site): new, empty, or holding only what huifang
    wrote there last time. Returns its real path."""
    out = Path(out)
    check_not_over_inputs(out, inputs)
    real = out.resolve()
    if not real.exists():
        return real
    if not real.is_dir():
        raise OutputError(f"{out}：已有同名文件，不是文件夹")
    present = _listing(real)
    if not present:
        return real
    manifest = _manifest(real)
    if manifest is None:
        raise OutputError(f"{out}：文件夹不是空的，也不是 huifang 构建的站点；为免删除其中的文件，请指定一个新的或空的文件夹")
    ours = set(manifest.get("files", ())) | {MARKER}
    foreign = sorted(set(present) - ours)
    if foreign:
        raise OutputError(f"{out}：文件夹中有不是 huifang 写出的文件（如 {foreign[0]}），不会替换这个文件夹；"
                          "请移走这些文件，或另选输出文件夹")
    return real


def replace_dir(built: Path, real: Path, kind: str) -> None:
    """Move a finished folder into place at `real` (checked by check_replaceable), marked."""
    _mark(built, kind, _listing(built))
    if real.exists() and _manifest(real) is None:
        # an empty folder the user made: fill it, never replace it
        for child in built.iterdir():
            os.replace(child, real / child.name)
        shutil.rmtree(built, ignore_errors=True)
    elif real.exists():
        old = real.parent / f".~huifang-old-{real.name}-{os.getpid()}"
        os.replace(real, old)
        try:
            os.replace(built, real)
        except OSError:
            os.replace(old, real)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        real.parent.mkdir(parents=True, exist_ok=True)
        os.replace(built, real)


def unique_names(keys: list[tuple[str, Path]]) -> list[str]:
    """A folder or file name per (name, source path), kept apart when two sources share a name.

    The first keeps the plain name; a later one adds its file name, then its folder, then a number."""
    used: set[str] = set()
    out = []
    for name, source in keys:
        candidates = [name, f"{name}（{source.stem}）", f"{name}（{source.parent.name}-{source.stem}）"]
        pick = next((c for c in candidates if c not in used), None)
        n = 2
        while pick is None:
            if f"{name}（{n}）" not in used:
                pick = f"{name}（{n}）"
            n += 1
        used.add(pick)
        out.append(pick)
    return out
