"""A guard in front of the reader: is this a workbook we can safely read, and which cells
does the cell reader not show as they are?

It opens the .xlsx as a zip (never parsing it with entity expansion), refuses legacy and
encrypted files, XML with a DOCTYPE (entity bombs) and parts that inflate beyond a bound
(zip bombs), and streams each worksheet's XML once to find error values (#N/A) and formulas
that have no cached value: calamine shows both as empty cells.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

# Bounds: a year of a large broker is about a million records; its sheet inflates to ~1.5 GB.
MAX_PART_BYTES = 4 << 30          # any one part, inflated
MAX_TOTAL_BYTES = 8 << 30         # the whole workbook, inflated
MAX_RATIO = 400                   # inflated / compressed, for parts above RATIO_FLOOR
RATIO_FLOOR = 64 << 20
CHUNK = 1 << 22

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class ReadError(Exception):
    """A file that cannot be read at all. The message is one Chinese line naming the file."""


@dataclass
class SheetInfo:
    name: str
    part: str
    hidden: bool = False
    size: int = 0             # inflated size of its XML part
    # cell reference ("F12") -> Chinese reason, for cells the reader shows as empty
    odd_cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Inspection:
    sheets: list[SheetInfo]
    macros: bool = False


def _fail(path: Path, why: str) -> ReadError:
    return ReadError(f"{path}：{why}")


def inspect(path: Path, scan: bool = True) -> Inspection:
    """Check that `path` is a readable .xlsx and list its sheets. Raises ReadError.

    With scan=False the sheets' odd cells are left for `scan_sheets` (the reader runs that
    beside the parse); every safety check is still made here, before anything is parsed."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _fail(path, "找不到该文件") from None
    except OSError as e:
        raise _fail(path, f"无法访问（{e.strerror}）") from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(path, "这是一个文件夹，不是工作簿")
    if st.st_size == 0:
        raise _fail(path, "文件是空的（0 字节），不是工作簿")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except PermissionError:
        raise _fail(path, "没有读取权限") from None
    except OSError as e:
        raise _fail(path, f"无法读取（{e.strerror}）") from None
    if head.startswith(OLE_MAGIC):
        if _ole_encrypted(path):
            raise _fail(path, "工作簿设置了打开密码，请在 Excel 或 WPS 中取消密码后另存再校验")
        raise _fail(path, "这是旧版 Excel 97-2003（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再校验")
    if not head.startswith(b"PK"):
        raise _fail(path, "不是 Excel 工作簿（.xlsx）：文件内容不是 zip 格式，可能是改了扩展名的文本或 CSV")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _fail(path, "文件已损坏（zip 结构不完整，可能下载或复制时被截断）") from None
    with zf:
        return _inspect_zip(path, zf, scan)


_ENCRYPTED = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _ole_encrypted(path: Path) -> bool:
    """An OLE container holding an encrypted OOXML package (a workbook with an open password)."""
    with open(path, "rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if any(m in buf for m in _ENCRYPTED):
                return True
            tail = buf[-64:]
    return False


def _inspect_zip(path: Path, zf: zipfile.ZipFile, scan: bool = True) -> Inspection:
    infos = {i.filename: i for i in zf.infolist()}
    if "xl/workbook.xml" not in infos:
        raise _fail(path, "不是 Excel 工作簿（缺少 xl/workbook.xml），可能是其他软件的 zip 文件")
    total = 0
    for info in infos.values():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES or (
            info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise _fail(path, f"其中 {info.filename} 解压后达 {info.file_size >> 20} MB，超出安全上限，拒绝读取（疑似压缩炸弹）")
    if total > MAX_TOTAL_BYTES:
        raise _fail(path, f"解压后共 {total >> 20} MB，超出安全上限，拒绝读取")

    workbook = _small_xml(path, zf, "xl/workbook.xml")
    rels = _small_xml(path, zf, "xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in infos else None
    targets = {}
    if rels is not None:
        for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            if target.startswith("/"):
                part = target.lstrip("/")
            else:
                part = str(PurePosixPath("xl") / target)
            targets[rel.get("Id")] = os.path.normpath(part).replace(os.sep, "/")
    sheets = []
    for el in workbook.iter(f"{NS_MAIN}sheet"):
        name = el.get("name", "")
        part = targets.get(el.get(f"{NS_REL}id"), "")
        sheets.append(SheetInfo(name, part, el.get("state", "visible") != "visible"))
    sheet_parts = {sh.part for sh in sheets}
    for name in infos:
        if name.endswith((".xml", ".rels")) and name not in sheet_parts and name not in (
                "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            _no_doctype(path, zf, name)
    for sh in sheets:
        sh.size = infos[sh.part].file_size if sh.part in infos else 0
        if scan and sh.part in infos:
            sh.odd_cells = _scan_sheet(path, zf, sh.part)
    return Inspection(sheets, macros="xl/vbaProject.bin" in infos)


def scan_sheets(path: Path, sheets: list[SheetInfo]) -> None:
    """Fill each sheet's odd cells (error values, formulas without a cached value)."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for sh in sheets:
            if sh.part in names:
                sh.odd_cells = _scan_sheet(path, zf, sh.part)


def _small_xml(path: Path, zf: zipfile.ZipFile, name: str):
    data = zf.read(name)
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException:
        raise _fail(path, f"{name} 含有 XML 实体声明，可能是恶意构造的文件，拒绝读取") from None
    except SafeET.ParseError:
        raise _fail(path, f"{name} 不是有效的 XML，文件已损坏") from None


def _no_doctype(path: Path, zf: zipfile.ZipFile, name: str) -> None:
    with zf.open(name) as fh:
        head = fh.read(4096)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _fail(path, f"{name} 含有 XML 实体声明，可能是恶意构造的文件，拒绝读取")


_CELL_OPEN = re.compile(rb'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*?(/?)>')
_ERR_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _scan_sheet(path: Path, zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Stream a worksheet's XML once; return the cells with errors or uncached formulas."""
    odd: dict[str, str] = {}
    seen = 0
    tail = b""
    first = True
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            seen += len(chunk)
            if seen > MAX_PART_BYTES:
                raise _fail(path, f"{part} 解压后超出安全上限，拒绝读取（疑似压缩炸弹）")
            if first:
                if b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]:
                    raise _fail(path, f"{part} 含有 XML 实体声明，可能是恶意构造的文件，拒绝读取")
                first = False
            buf = tail + chunk
            # keep the last incomplete cell for the next round
            cut = buf.rfind(b"<c ")
            if cut == -1 or len(buf) - cut > 1 << 20:
                cut = max(len(buf) - 256, 0)
            work, tail = buf[:cut], buf[cut:]
            if b"<f" in work or b't="e"' in work:
                _find_odd(work, odd)
        if tail and (b"<f" in tail or b't="e"' in tail):
            _find_odd(tail, odd)
    return odd


def _find_odd(buf: bytes, odd: dict[str, str]) -> None:
    for marker in (b"<f", b't="e"'):
        pos = buf.find(marker)
        while pos != -1:
            start = buf.rfind(b"<c ", 0, pos + 1)
            end = buf.find(b"</c>", pos)
            if start != -1 and end != -1:
                cell = buf[start:end]
                m = _CELL_OPEN.match(cell)
                if m:
                    ref = m.group(1).decode()
                    if ref not in odd:
                        body = cell[m.end():]
                        if b't="e"' in cell[: m.end()]:
                            v = _ERR_VALUE.search(body)
                            shown = v.group(1).decode(errors="replace") if v else "错误"
                            odd[ref] = f"单元格是错误值 {shown}（通常是公式出错），请改正后再填"
                        elif b"<f" in body and not re.search(rb"<v>[^<]+</v>", body):
                            odd[ref] = "公式没有计算结果（缓存值），请在 Excel 或 WPS 中打开、重新计算并保存"
            pos = buf.find(marker, end if end != -1 else pos + 1)
