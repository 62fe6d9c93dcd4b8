"""Temporary files and folders that huifang recognises as its own, and removes.

Every scratch name carries the kind of scratch, the id of the process that made it and a short
hash of its machine's name: ``.~huifang-<kind>-<pid>.<host>-<random>`` beside or inside an output
(hidden), and ``huifang-<kind>-<pid>.<host>-<random>`` in the system's temporary folder. So:

- a run that ends normally, fails, or is stopped with SIGTERM/SIGINT removes its own scratch
  at once (`cleanup()`, called by the command line on every way out);
- a run killed with SIGKILL, or a machine that lost power, leaves scratch behind: the next run
  removes what it finds (`sweep()`) when the owner is gone: no live process has that id, or the
  process now holding the id started after the scratch was last written (the id was reused);
  scratch another machine made (an output on a shared folder) is removed only once a day old.

Nothing that does not match the pattern is ever removed.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

_HIDDEN = re.compile(r"^\.~huifang-([a-z]+)-(\d+)(?:\.([0-9a-f]{8}))?-")      # beside and inside outputs
_PLAIN = re.compile(r"^huifang-([a-z]+)-(\d+)(?:\.([0-9a-f]{8}))?-")            # in the system's temporary folder
# the machine: on a shared folder another machine's process ids mean nothing here
HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_mine: list[Path] = []          # scratch made by this process, newest last


def _prefix(kind: str, hidden: bool) -> str:
    return f"{'.~' if hidden else ''}huifang-{kind}-{os.getpid()}.{HOST}-"


def scratch_dir(kind: str, beside: Path | None = None, within: Path | None = None) -> Path:
    """A new private folder: hidden inside `beside` when given, else in `within`, else in the system's
    temp folder - or, when its path is not UTF-8, in one that is (utf8_temp: the cell readers, openpyxl
    and LibreOffice take UTF-8 paths only)."""
    if beside is None and within is None:
        within = utf8_temp()
    with holding():         # made and listed for removal as one step, whenever a signal comes
        path = Path(tempfile.mkdtemp(prefix=_prefix(kind, beside is not None), dir=beside or within))
        _mine.append(path)
    return path


def scratch_file(kind: str, folder: Path, suffix: str = "") -> Path:
    """A new empty private file, hidden inside `folder`."""
    with holding():
        fd, name = tempfile.mkstemp(prefix=_prefix(kind, True), suffix=suffix, dir=folder)
        os.close(fd)
        path = Path(name)
        _mine.append(path)
    return path


def forget(path: Path) -> None:
    """The scratch became an output (renamed into place) or was removed by its maker."""
    try:
        _mine.remove(Path(path))
    except ValueError:
        pass


def remove(path: Path) -> None:
    path = Path(path)
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        return
    forget(path)


def cleanup() -> None:
    """Remove every scratch this process made and still holds."""
    for path in reversed(list(_mine)):
        remove(path)
    _mine.clear()


# ------------------------------------------------------------------ the next run's sweep

def _started(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), where the system says (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])
        with open("/proc/stat") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True                 # no cheap, safe probe: keep it (the age rule below still applies)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def _stale(entry: Path, pid: int, stale_after: float, host: str | None = None) -> bool:
    try:
        mtime = entry.lstat().st_mtime
    except OSError:
        return False
    if host is not None and host != HOST:   # another machine's run: only its age says it is over
        return time.time() - mtime > stale_after
    if pid == os.getpid():
        return False
    if not _alive(pid):
        return True
    started = _started(pid)
    if started is not None and started > mtime + 1:
        return True                 # the id now belongs to a process younger than the scratch
    return os.name != "posix" and time.time() - mtime > stale_after


def sweep(folder: Path, recursive: bool = False, stale_after: float = 86400.0, hidden: bool = True) -> list[Path]:
    """Remove the scratch in `folder` whose owner is gone; return what was removed. Only hidden
    names (`.~huifang-…`) are looked at, except in the system's temporary folder."""
    pattern = _HIDDEN if hidden else _PLAIN
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m and _stale(entry, int(m.group(2)), stale_after, m.group(3)):
            remove(entry)
            if not entry.exists():
                removed.append(entry)
        elif recursive and not m and entry.is_dir() and not entry.is_symlink():
            removed += sweep(entry, True, stale_after, hidden)
    return removed


def sweep_system_temp() -> list[Path]:
    """Scratch of earlier runs in the system's temporary folder (copies of workbooks being read);
    nothing where the system has no temporary folder huifang may write in."""
    if not temp_usable():
        return []
    return sweep(Path(tempfile.gettempdir()), hidden=False)


def temp_usable() -> bool:
    """Whether Python finds a temporary folder it can write in (TMPDIR, TEMP, TMP, /tmp, /var/tmp…,
    the working folder): without one no workbook can be read."""
    try:
        tempfile.gettempdir()
    except OSError:         # FileNotFoundError: "No usable temporary directory found in [...]"
        return False
    return True


_SYSTEM_TEMP = ("/tmp", "/var/tmp", "/usr/tmp")


def utf8_temp() -> Path | None:
    """A temporary folder whose path is UTF-8, for the tools that cannot take another: openpyxl
    writes each sheet through a file lxml names in UTF-8, and LibreOffice reads its profile from a
    file: URL it does not decode. The system's temporary folder (TMPDIR…) when its path is UTF-8
    (as it nearly always is); else the first of the usual ones (/tmp, /var/tmp) huifang may write
    in; None when there is none."""
    candidates = [tempfile.gettempdir()] if temp_usable() else []
    candidates += [*_SYSTEM_TEMP, os.getcwd()] if os.name == "posix" else []
    for folder in candidates:
        try:
            folder.encode("utf-8")
        except UnicodeEncodeError:
            continue
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return Path(folder)
    return None


@contextmanager
def utf8_tempdir():
    """Within it, Python's temporary files go to utf8_temp() (what openpyxl saves through)."""
    folder = utf8_temp()
    if folder is None or str(folder) == tempfile.gettempdir():
        yield
        return
    was = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = was


# ------------------------------------------------------------------ signals

class Stopped(KeyboardInterrupt):
    """SIGTERM, SIGHUP or SIGINT arrived: unwind so every `finally` and scratch removal runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_stopped: int | None = None         # the signal that arrived, until the run ends


_holding = 0                        # holding() blocks the main thread is in


def _raise(signum, frame):
    global _stopped
    _stopped = signum
    if _holding:                    # raised when the block ends (holding)
        return
    raise Stopped(signum)


@contextmanager
def holding():
    """A signal that stops the run waits until the block ends (in the main thread, where signals
    are handled): a scratch made and listed for removal as one step. Raised between the two, the
    scratch stayed behind, unlisted (a partial document in the output folder, seen under load)."""
    global _holding
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if not _holding:
        check_stopped()


def check_stopped() -> None:
    """Raise Stopped again for a signal whose exception was lost: raised while a finalizer ran
    (a file closed by the garbage collector), Python only prints it and goes on. Called before
    an output is put in place and when a command ends."""
    if _stopped is not None:
        raise Stopped(_stopped)


def _unraisable(info) -> None:
    if isinstance(info.exc_value, Stopped):     # recorded in _stopped: raised at the next check
        return
    sys.__unraisablehook__(info)


def install_signal_handlers() -> None:
    """Turn the signals that stop a run into an exception (main thread only)."""
    global _stopped
    _stopped = None
    sys.unraisablehook = _unraisable
    names = ("SIGTERM", "SIGHUP", "SIGINT")
    for name in names:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            signal.signal(sig, _raise)
        except (ValueError, OSError):     # not the main thread, or not allowed here
            pass


def exit_status(e: BaseException) -> int:
    """128 + the signal number, as shells report a process stopped by a signal."""
    return 128 + (e.signum if isinstance(e, Stopped) else signal.SIGINT)


def hard_exit(status: int) -> None:
    """Leave at once, without waiting for worker threads still parsing a sheet."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)
