"""Writing outputs whole or not at all: a temporary file beside the target, then a rename."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


class OutputError(Exception):
    """An output that cannot be written. The message is Chinese and names the path."""


@contextmanager
def atomic_path(target: Path, mode: int = 0o644):
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


def write_text(target: Path, text: str, mode: int = 0o644) -> None:
    with atomic_path(target, mode) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_not_input(out_dir: Path, inputs: list[Path]) -> None:
    """Refuse to write outputs into a folder that holds an input workbook."""
    out = Path(out_dir).resolve()
    for p in inputs:
        if Path(p).resolve().parent == out:
            raise OutputError(f"{out_dir}：输出文件夹与输入工作簿 {p} 在同一文件夹，请另选输出文件夹")
