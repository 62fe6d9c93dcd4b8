"""Zip members written as compressed bytes already at hand, through the standard zipfile.

Two writers need this: the documents (a template's unchanging parts are deflated once, then
written into every document as they are) and the edited workbook copies (every part the edit
does not change is copied from the input without inflating and deflating it again). zipfile has
no public call for it, so this module uses its writer's bookkeeping (ZipInfo.FileHeader and the
archive's list of members), kept in this one place; zipfile itself writes the central directory
and ZIP64 records. tests/test_internals.py fails loudly if a Python release changes them.
"""
from __future__ import annotations

import queue
import threading
import zipfile
import zlib

from zlib_ng import zlib_ng

CHUNK = 1 << 20
DOCX_TIME = (2025, 1, 1, 0, 0, 0)       # documents carry no real time: the same bytes for the same data


class DeflatedPart:
    """A member's data deflated once (raw deflate), with what its headers need."""
    __slots__ = ("packed", "crc", "size")

    def __init__(self, data: bytes, level: int = 6) -> None:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        self.packed = c.compress(data) + c.flush()
        self.crc = zlib.crc32(data)
        self.size = len(data)


def _begin(zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    info.flag_bits &= ~0x08                         # sizes go in the local header: no data descriptor
    info.header_offset = zout.fp.tell()
    zout.fp.write(info.FileHeader(None))            # a ZIP64 extra field when the sizes need one


def _end(zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    zout.filelist.append(info)
    zout.NameToInfo[info.filename] = info
    zout.start_dir = zout.fp.tell()
    zout._didModify = True                           # so close() writes the central directory


def add_deflated(zout: zipfile.ZipFile, name: str, part: DeflatedPart, date_time=DOCX_TIME) -> None:
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    info.CRC, info.compress_size, info.file_size = part.crc, len(part.packed), part.size
    _begin(zout, info)
    zout.fp.write(part.packed)
    _end(zout, info)


def member_name(name: str) -> str:
    """A member's name as the standard writes it: forward slashes, no leading one (a zip made on
    Windows may say xl\\workbook.xml, which huifang reads, but Excel's other readers do not)."""
    return name.replace("\\", "/").lstrip("/")


def like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new member entry with the name (member_name) and time of `info` (a time before 1980 becomes 1980)."""
    name = member_name(info.filename)
    try:
        return zipfile.ZipInfo(name, info.date_time)
    except ValueError:
        return zipfile.ZipInfo(name)


def deflate_level(info: zipfile.ZipInfo, level: int) -> zipfile.ZipInfo:
    """The deflate level zipfile uses for this member when it is written through ZipFile.open."""
    try:
        info.compress_level = level         # Python 3.13 on
    except AttributeError:
        info._compresslevel = level         # what zipfile reads before 3.13
    return info


def _member_start(src_fh, info: zipfile.ZipInfo) -> int | None:
    """Offset of a member's compressed bytes (after its local header), or None if it has none."""
    src_fh.seek(info.header_offset)
    head = src_fh.read(30)
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        return None
    return info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")


def copy_raw(src_fh, info: zipfile.ZipInfo, zout: zipfile.ZipFile, fail) -> bool:
    """Copy a member of the archive open as `src_fh` with its compressed bytes as they are. False
    when it cannot be copied so (encrypted, no local header): the caller inflates and deflates it.
    `fail(why)` makes the error for a member cut short."""
    start = _member_start(src_fh, info) if not info.flag_bits & 0x1 else None
    if start is None:
        return False
    src_fh.seek(start)
    out = like(info)
    out.compress_type, out.external_attr, out.create_system = info.compress_type, info.external_attr, info.create_system
    out.flag_bits = info.flag_bits
    out.CRC, out.compress_size, out.file_size = info.CRC, info.compress_size, info.file_size
    _begin(zout, out)
    left = info.compress_size
    while left:
        block = src_fh.read(min(left, CHUNK))
        if not block:
            raise fail(f"其中 {info.filename} 不完整，无法复制")
        zout.fp.write(block)
        left -= len(block)
    _end(zout, out)
    return True


# ------------------------------------------------------------------ one large member, fast

def inflated(src_fh, info: zipfile.ZipInfo, size: int, fail):
    """A member's data, `size` bytes at a time, inflated by zlib-ng (a fifth faster than zlib, its
    CRC-32 five times faster) and checked against the member's CRC-32 at the end. None when the
    member is not plain deflate or stored (the caller reads it through zipfile). `fail(why)` makes
    the error for a member cut short or damaged."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start = _member_start(src_fh, info)
    if start is None:
        return None
    return _inflate(src_fh, info, start, size, fail)


def _inflate(src_fh, info, start: int, size: int, fail):
    src_fh.seek(start)
    left = info.compress_size
    crc = 0
    d = zlib_ng.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    pending = b""
    while True:
        if d is not None and pending:
            out = d.decompress(pending, size)
            pending = d.unconsumed_tail
        else:
            block = src_fh.read(min(left, CHUNK)) if left else b""
            left -= len(block)
            if not block and left:
                raise fail("数据不完整")
            if d is None:
                out = block
            elif block:
                out = d.decompress(block, size)
                pending = d.unconsumed_tail
            else:
                out = d.flush()
                if not out:
                    break
        if out:
            crc = zlib_ng.crc32(out, crc)
            yield out
        elif d is None and not left:
            break
        elif d is not None and not left and not pending and d.eof:
            break
    if crc != info.CRC:
        raise fail("校验和不符（CRC-32）")


def _close(zout: zipfile.ZipFile, info: zipfile.ZipInfo, crc: int, size: int, packed: int, zip64: bool) -> None:
    """A member written after its local header: the header written again with its CRC-32 and
    sizes (the same length: `zip64` as when it was first written), the member listed."""
    end = zout.fp.tell()
    info.CRC, info.file_size, info.compress_size = crc, size, packed
    zout.fp.seek(info.header_offset)
    zout.fp.write(info.FileHeader(zip64))
    zout.fp.seek(end)
    _end(zout, info)


class StoredWriter:
    """A member written uncompressed as its data comes, its CRC-32 by zlib-ng: the local header is
    written with room for ZIP64 sizes and filled in when the member is closed."""

    def __init__(self, zout: zipfile.ZipFile, name: str) -> None:
        self.zout = zout
        self.info = zipfile.ZipInfo(name, DOCX_TIME)
        self.info.compress_type = zipfile.ZIP_STORED
        self.info.external_attr = 0o600 << 16
        self.info.file_size = self.info.compress_size = 1 << 32     # a ZIP64 extra field, filled in at close
        self.info.CRC = 0
        self.crc = 0
        self.size = 0
        self.closed = False
        _begin(zout, self.info)

    def write(self, data: bytes) -> None:
        self.crc = zlib_ng.crc32(data, self.crc)
        self.size += len(data)
        self.zout.fp.write(data)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        _close(self.zout, self.info, self.crc, self.size, self.size, True)


class DeflateWriter:
    """A member deflated by zlib-ng as its data comes (two to three times zlib's speed at level 1:
    the annotated copy of 90,000 findings deflates 290 MB of XML), written as zipfile writes a member
    of unknown size to a seekable file: the local header first (ZIP64 sizes only when `zip64`, as
    zipfile's force_zip64), rewritten with the CRC-32 and sizes when the member is closed.

    The deflating is done on a thread of its own (zlib-ng lets go of the GIL), a few chunks
    behind the writer, so that the writer goes on building the next chunk meanwhile; an error
    there (a full disk) is raised at the writer's next write or at close."""

    QUEUED = 4              # chunks handed over and not yet deflated, at most (a megabyte each: _Batched)

    def __init__(self, zout: zipfile.ZipFile, info: zipfile.ZipInfo, level: int = 1, zip64: bool = False) -> None:
        if zout._writing:
            raise ValueError("another member of this archive is being written")
        self.zout, self.info, self.zip64 = zout, info, zip64
        info.compress_type = zipfile.ZIP_DEFLATED
        info.flag_bits = 0
        info.CRC = info.compress_size = info.file_size = 0
        if not info.external_attr:
            info.external_attr = 0o600 << 16
        zout.fp.seek(zout.start_dir)
        info.header_offset = zout.fp.tell()
        zout.fp.write(info.FileHeader(zip64))
        zout._didModify = True
        self.deflate = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
        self.crc = self.size = self.packed = 0
        self.closed = False
        self.queue: queue.Queue | None = None
        self.worker: threading.Thread | None = None
        self.error: BaseException | None = None
        self.abandoned = False          # the member is given up: the thread writes nothing more

    def write(self, data) -> None:
        if self.error is not None:
            raise self.error
        if not isinstance(data, bytes) and not (isinstance(data, memoryview) and isinstance(data.obj, bytes)):
            data = bytes(data)          # the caller may change it once this returns
        if self.worker is None:
            self.queue = queue.Queue(self.QUEUED)
            self.worker = threading.Thread(target=self._deflating, name="huifang-deflate", daemon=True)
            self.worker.start()
        self.queue.put(data)

    def _deflating(self) -> None:
        while (data := self.queue.get()) is not None and not self.abandoned:
            if self.error is not None:
                continue                # what comes after an error is dropped: the member is lost
            try:
                self._deflate(data)
            except BaseException as e:  # handed to the writer's thread
                self.error = e

    def _deflate(self, data) -> None:
        self.crc = zlib_ng.crc32(data, self.crc)
        self.size += len(data)
        out = self.deflate.compress(data)
        if out:
            self.packed += len(out)
            self.zout.fp.write(out)

    def _finish(self) -> None:
        """Wait for the chunks handed over to be deflated."""
        if self.worker is not None:
            self.queue.put(None)
            self.worker.join()
            self.worker = None

    def _abandon(self) -> None:
        """Stop the thread without deflating what it still holds; it writes nothing after the chunk
        in hand, even if waiting for it is cut short (a second Ctrl-C)."""
        self.abandoned = True
        if self.worker is not None:
            try:
                self.queue.put_nowait(None)
            except queue.Full:          # it takes the next chunk, sees `abandoned` and ends
                pass
            self.worker.join()
            self.worker = None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._finish()
        if self.error is not None:
            raise self.error
        out = self.deflate.flush()
        self.packed += len(out)
        self.zout.fp.write(out)
        if not self.zip64 and max(self.size, self.packed) > zipfile.ZIP64_LIMIT:
            raise zipfile.LargeZipFile("文件过大，需要 ZIP64（写出前估计不足）")
        _close(self.zout, self.info, self.crc, self.size, self.packed, self.zip64)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        else:                           # the member is abandoned: the thread stops with it
            self.closed = True
            self._abandon()
