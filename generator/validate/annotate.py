"""`--annotate DIR`: a copy of each workbook with every finding's cell filled and commented,
and a summary sheet in front. The original is only read.

The copy is the same package with a few parts changed (workbook/package.py): the flagged cells
get a cell format with the severity's fill (cloned from the format they had), a classic comment
(comments part and VML drawing, merged with the sheet's own comments), and the summary sheet
校验结果 goes first: errors, then warnings, then what falls due later (待办), an autofilter on its
header row, wrapped text, links to the cells, printed landscape one page wide with the header on
every page. Everything else (VBA, drawings, shapes, extension lists) is copied byte for byte.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from lxml import etree

from generator.output import PRIVATE_FILE, OutputError, atomic_path, prepared_dir, unique_names
from generator.rules import RULES, SEVERITY_LABEL
from generator.validate import BookResult, Report
from generator.workbook import package as P
from generator.workbook import xmlfill
from generator.names import shown
from generator.workbook.values import all_printable, printable

FILL = {"error": "FFC7CE", "warning": "FFEB9C"}
SUMMARY = "校验结果"
COLUMNS = ("级别", "规则", "标题", "位置", "客户编号", "说明", "处理建议", "依据")
WIDTHS = (6, 9, 24, 16, 11, 60, 40, 40)
TAB = "FFC00000"                # the summary's tab colour
AUTHOR = "huifang"
VML = ("urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:office",
       "urn:schemas-microsoft-com:office:excel")


class NotAnnotated(Exception):
    """A copy that cannot be written for this workbook; the message says why (Chinese)."""


def annotate(report: Report, out_dir: Path, warn=None) -> list[Path]:
    """The copies carry everything the workbooks hold, so they are owner-only, like the documents.

    A workbook whose copy cannot be written (another format, a structure the writer cannot
    handle) is named through `warn` and skipped: the report stands without it."""
    with annotated(report, out_dir, warn) as written:
        return written


@contextmanager
def annotated(report: Report, out_dir: Path, warn=None):
    """annotate(), the copies written before the block and taken back when the block raises (the
    run's report could not be written after them): a run leaves its copies with its report or not
    at all. Yields the copies written."""
    from generator.validate.run import paused_gc
    with prepared_dir(Path(out_dir), [b.path for b in report.books], "annotate") as (out_dir, written):
        with paused_gc():       # a copy of 900,000 flagged cells keeps millions of objects alive until it is written
            _annotate(report, out_dir, warn, written)
        yield written


def _annotate(report: Report, out_dir: Path, warn, written: list[Path]) -> list[Path]:
    # named in UTF-8 (a GBK name decoded), with room for the ending: a name Excel took is never too long here
    names = unique_names([(shown(b.path.stem), b.path) for b in report.books], room=len(".校验.xlsx".encode()))
    for b, name in zip(report.books, names):
        suffix = b.path.suffix.lower() if b.path.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
        target = out_dir / f"{name}.校验{suffix}"
        try:
            annotate_book(b, report, target)
        except NotAnnotated as e:
            (warn or (lambda m: None))(f"{shown(b.path)}：未写出标注副本（{e}）；校验报告不受影响")
            continue
        except OutputError:
            raise
        except Exception as e:          # the writer meets a workbook it cannot copy
            (warn or (lambda m: None))(f"{shown(b.path)}：未写出标注副本（{type(e).__name__}：{str(e)[:80]}）；"
                                       "校验报告不受影响")
            continue
        written.append(target)
    return written


def annotate_book(b: BookResult, report: Report, target: Path) -> None:
    if b.book.format != "xlsx" or b.path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise NotAnnotated("标注副本只能按 .xlsx 写出，请把工作簿另存为 .xlsx 后再加 --annotate")
    try:
        with P.Workbook(b.path) as wb:
            link_of = _mark(wb, b)
            _summary(wb, b, report, link_of)
            with atomic_path(target, PRIVATE_FILE) as tmp:
                wb.save(tmp)
    except P.PackageError as e:
        raise NotAnnotated(str(e).removeprefix(f"{b.path}：")) from None


# ------------------------------------------------------------------ the flagged cells

def _mark(wb: P.Workbook, b: BookResult):
    """Fill and comment each finding's cell; returns link_of(finding): (real sheet name, cell) of a
    finding whose cell was marked, or None."""
    marks: dict[str, dict] = defaultdict(dict)          # part -> (row, col) -> findings, in report order
    scans: dict[str, P.SheetScan] = {}
    refs: dict = {}                                     # sheet name in the findings -> its SheetRef
    unmarked: set = set()                               # (sheet, cell) of findings whose cell is not marked
    for f in b.findings:
        if not f.cell:
            continue
        sheet = f.sheet
        sh = refs[sheet] if sheet in refs else refs.setdefault(sheet, wb.sheet(sheet))
        pos = P.split_ref(f.cell)
        if sh is None or not sh.part or pos is None:
            unmarked.add((sheet, f.cell))
            continue
        scan = scans.get(sh.part)
        if scan is None:
            scan = scans[sh.part] = wb.scan(sh.part)
        r, c = pos
        for r0, c0, r1, c1 in scan.merges:      # a cell of a merged range: marked at its first cell
            if r0 <= r <= r1 and c0 <= c <= c1:
                r, c = r0, c0
                break
        marks[sh.part].setdefault((r, c), []).append(f)
    for sh in wb.sheets:                    # the summary becomes the one selected tab
        if sh.part and sh.name != SUMMARY:
            if scans[sh.part].selected if sh.part in scans else wb.selected(sh.part):
                wb.unselect(sh)
    restyle = {k: _restyle(wb.styles, v) for k, v in FILL.items()}
    for part, cells in marks.items():
        edit = wb.edit_sheet(part)
        for (r, c), found in cells.items():
            if len(found) == 1:
                worst = found[0].severity
            else:
                worst = "error" if any(f.severity == "error" for f in found) else "warning"
            edit.at(r, c, restyle[worst])
        _comments(wb, part, cells, scans[part], edit)

    def link_of(f) -> tuple[str, str] | None:
        if not f.cell or (f.sheet, f.cell) in unmarked:
            return None
        return refs[f.sheet].name, f.cell
    return link_of


def _note(found: list) -> str:
    """A cell's comment: each of its findings, a line each."""
    return _notes([found])[0]


def _notes(cells: list) -> list[str]:
    """_note of each cell's findings, the search for control characters made once for them all."""
    texts = [f"{found[0].rule} {found[0].title}：{found[0].message}" if len(found) == 1
             else "\n".join(f"{f.rule} {f.title}：{f.message}" for f in found) for found in cells]
    if not all_printable(texts):
        texts = list(map(printable, texts))
    return [t if len(t) <= _NOTE_MAX else t[:_NOTE_MAX] for t in texts]


_NOTE_MAX = 30000       # characters of a comment


def _restyle(styles: P.Styles, rgb: str) -> P.Restyle:
    return P.Restyle(lambda base: styles.xf(base, fill=rgb))


def _comments(wb: P.Workbook, part: str, cells: dict, scan: P.SheetScan, edit: P.SheetEdit) -> None:
    """Classic comments (what Excel, WPS and LibreOffice all show), merged into the sheet's own."""
    targets = wb.targets(part)
    existing = next((p for t, p in targets.values() if t.endswith("/comments") and wb.exists(p)), None)
    if existing:
        shapes = _merge_comments(wb, existing, cells)
    else:
        shapes = _new_comments(wb, part, cells)
    if not shapes:
        return
    rid = scan.legacy_rid
    vml = targets.get(rid, (None, None))[1] if rid else None
    blocks = _fresh_blocks(wb, len(shapes))     # shape ids of their own: 1,024 a block (o:idmap)
    first = blocks[0] * 1024 + 1
    if vml and wb.exists(vml):
        data = _with_prefixes(wb, vml, wb.read(vml))
        m = _IDMAP.search(data)
        if m is None:       # no id blocks claimed (LibreOffice): it claims those of its ids, and ours
            root = re.search(rb"<xml\b[^>]*>", data)
            claim = sorted({_block(x) for x in _SHAPE_ID.findall(data)} | set(blocks))
            data = (data[:root.end()] + b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="'
                    + _numbers(claim) + b'"/></o:shapelayout>' + data[root.end():])
        else:
            have = m.group(2).strip()
            data = data[:m.start(2)] + (have + b"," if have else b"") + _numbers(blocks) + data[m.end(2):]
        body = b"".join(_shape(r, c, h, first + k) for k, (r, c, h) in enumerate(shapes))
        if b"_x0000_t202" not in data:
            body = _SHAPETYPE + body
        end = data.rfind(b"</xml>")
        if end == -1:
            raise P.PackageError(f"{wb.path}：其中 {vml} 不是可识别的批注绘图，无法合并批注")
        wb.replace[vml] = data[:end] + body + data[end:]
    else:
        vml = wb.new_part(str(PurePosixPath(wb.book_part).parent / "drawings" / "vmlDrawing{}.vml"))
        head = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                b'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
                b'<o:idmap v:ext="edit" data="' + _numbers(blocks) + b'"/></o:shapelayout>' + _SHAPETYPE)

        def write(out) -> None:
            out.write(head)
            for lo in range(0, len(shapes), _BATCH):
                out.write(b"".join(_shape(r, c, h, first + k)
                                   for k, (r, c, h) in enumerate(shapes[lo:lo + _BATCH], lo)))
            out.write(b"</xml>")
        wb.added[vml] = P.Streamed(write, head, size=len(shapes) * 700)
        rid = wb.add_rel(part, "vmlDrawing", vml)
        wb.content_type(vml, P.CT["vml"], default_ext="vml")
        edit.tail.append(P.add_legacy_drawing(rid, wb.rel_ns))


# a note drawing's claim on shape ids: o:idmap data="1,2" (blocks of 1,024 ids each)
_IDMAP = re.compile(rb'(<(?:[\w.-]+:)?idmap\b[^>]*?\bdata\s*=\s*["\'])([\d,\s]*)(["\'])')
_VML_NS = {b"v": b"urn:schemas-microsoft-com:vml", b"o": b"urn:schemas-microsoft-com:office:office",
           b"x": b"urn:schemas-microsoft-com:office:excel"}


_SHAPE_ID = re.compile(rb"_x0000_s(\d{1,9})\b")


def _block(shape_id: bytes) -> int:
    """The block of 1,024 a numbered shape id (_x0000_s1025: 1) lies in."""
    return (int(shape_id) - 1) // 1024


def _numbers(blocks: list[int]) -> bytes:
    return ",".join(map(str, blocks)).encode()


def _fresh_blocks(wb: P.Workbook, n: int) -> list[int]:
    """Shape-id blocks no note drawing of the copy claims yet, enough for n notes (ids from
    block * 1024 + 1 on): Excel gives each drawing's blocks to its own shapes only."""
    used: set[int] = set()
    drawings = [wb.replace.get(name) or wb.read(name) for name in wb.pkg.infos if name.lower().endswith(".vml")]
    drawings += [d.head if isinstance(d, P.Streamed) else d for name, d in wb.added.items() if name.endswith(".vml")]
    for data in drawings:
        for m in _IDMAP.finditer(data):
            used.update(int(x) for x in re.findall(rb"\d+", m.group(2)))
        used.update(_block(x) for x in _SHAPE_ID.findall(data))     # ids a drawing has without claiming
    start = max(used, default=0) + 1
    return list(range(start, start + n // 1024 + 1))


def _with_prefixes(wb: P.Workbook, name: str, data: bytes) -> bytes:
    """The drawing with the v:, o: and x: prefixes our note shapes use declared on its root (a
    drawing written by openpyxl names them otherwise); a prefix it binds to something else is
    refused."""
    root = re.search(rb"<xml\b[^>]*>", data)
    if root is None:
        raise P.PackageError(f"{wb.path}：其中 {name} 不是可识别的批注绘图，无法合并批注")
    add = b""
    for prefix, uri in _VML_NS.items():
        m = re.search(rb"\sxmlns:" + prefix + rb"""\s*=\s*["']([^"']*)["']""", root.group(0))
        if m is None:
            add += b' xmlns:' + prefix + b'="' + uri + b'"'
        elif m.group(1) != uri:
            raise P.PackageError(f"{wb.path}：其中 {name} 的前缀 {prefix.decode()} 另有所指，无法合并批注")
    end = root.end() - (2 if root.group(0).endswith(b"/>") else 1)
    return data[:end] + add + data[end:] if add else data


def _note_height(n: int) -> int:
    """The note box's height for a cell with n findings."""
    return 40 + 20 * min(n * 2, 12)


def _merge_comments(wb: P.Workbook, existing: str, cells: dict) -> list:
    """Our comments added to the sheet's comments part (a tree); the note boxes still to draw."""
    ns = wb.ns
    q = lambda t: f"{{{ns}}}{t}"        # noqa: E731
    root = wb.tree(existing)
    wb._touch(existing)
    authors = root.find(q("authors"))
    if authors is None:
        authors = etree.Element(q("authors"))
        root.insert(0, authors)
    names = [a.text for a in authors]
    if AUTHOR not in names:
        etree.SubElement(authors, q("author")).text = AUTHOR
        names.append(AUTHOR)
    author = str(names.index(AUTHOR))
    clist = root.find(q("commentList"))
    if clist is None:
        clist = etree.SubElement(root, q("commentList"))
    have = {P.split_ref(c.get("ref", "")): c for c in clist}
    shapes = []
    for (r, c), found in sorted(cells.items()):
        text, n = _note(found), len(found)
        old = have.get((r, c))
        if old is not None:              # the cell's own comment stays, ours follows it
            body = old.find(q("text"))
            if body is None:
                body = etree.SubElement(old, q("text"))
            for t in body.findall(q("t")):
                run = etree.Element(q("r"))
                t.addprevious(run)
                run.append(t)
            run = etree.SubElement(body, q("r"))
            t = etree.SubElement(run, q("t"))
            t.text = "\n" + text
            t.set(P.XML_SPACE, "preserve")
            continue
        el = etree.SubElement(clist, q("comment"), ref=P.cell_ref(r, c), authorId=author)
        t = etree.SubElement(etree.SubElement(el, q("text")), q("t"))
        t.text = text
        t.set(P.XML_SPACE, "preserve")
        shapes.append((r, c, _note_height(n)))
    order = sorted(clist, key=lambda e: P.split_ref(e.get("ref", "")) or (0, 0))
    clist[:] = order
    return shapes


def _comment(ref: str, text: str):
    """One of our comments, for a comments part of our own (its namespace the default one)."""
    el = etree.Element("comment", ref=ref, authorId="0")
    t = etree.SubElement(etree.SubElement(el, "text"), "t")
    t.text = text
    t.set(P.XML_SPACE, "preserve")
    return el


def _new_comments(wb: P.Workbook, part: str, cells: dict) -> list:
    """A comments part of our own, streamed into the copy (a comment a shape, xmlfill)."""
    root = etree.Element(f"{{{wb.ns}}}comments", nsmap={None: wb.ns})
    etree.SubElement(etree.SubElement(root, "authors"), "author").text = AUTHOR
    etree.SubElement(root, "commentList").text = _ROWS
    pieces = xmlfill.split(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode(),
                           _ROWS)
    shape = xmlfill.Shape(_comment(xmlfill.attr(0), xmlfill.text(1)))
    places = sorted(cells)

    def write(out) -> None:
        out.write(pieces[0].encode())
        for lo in range(0, len(places), _BATCH):
            batch = places[lo:lo + _BATCH]
            rows = list(zip([P.cell_ref(r, c) for r, c in batch], _notes([cells[place] for place in batch])))
            texts = shape.fill_many(rows) if FAST else [None] * len(rows)
            out.write("".join(t if t is not None else _tostring(_comment(*v)) for t, v in zip(texts, rows)).encode())
        out.write(pieces[1].encode())
    name = wb.new_part(str(PurePosixPath(wb.book_part).parent / "comments{}.xml"))
    # a guess of its size (a cell's note is cut at 30,000 characters): large parts deflate fast, and
    # over a gigabyte get ZIP64 sizes (zipfile's own limit is twice that)
    size = sum(150 + min(len(found) * 600, 90_000) for found in cells.values())
    wb.added[name] = P.Streamed(write, size=size)
    wb.add_rel(part, "comments", name)
    wb.content_type(name, P.CT["comments"])
    return [(r, c, _note_height(len(cells[(r, c)]))) for r, c in places]


_SHAPETYPE = (b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _shape(r: int, c: int, height: int, sid: int) -> bytes:
    """A hidden note box beside the cell (row and column 1-based), 320 px wide."""
    rows = max(3, height // 20)
    return (f'<v:shape id="_x0000_s{sid}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:240pt;height:{height * 3 // 4}pt;z-index:{sid % 1024};visibility:hidden" '
            f'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            f'<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:Anchor>{c}, 15, {max(r - 2, 0)}, 10, {c + 4}, 15, {max(r - 2, 0) + rows}, 4</x:Anchor>'
            f'<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column>'
            f'</x:ClientData></v:shape>').encode()


# ------------------------------------------------------------------ the summary sheet

def _summary(wb: P.Workbook, b: BookResult, report: Report, link_of) -> None:
    """The summary sheet, streamed into the copy when it is saved (P.Streamed): a row per finding
    and per pending item, each from a shape serialized once (_Rows)."""
    name = _summary_name(wb)
    st = wb.styles
    wrap = st.xf(0, wrap=True)
    title = st.xf(0, font=st.font(bold=True, size=12))
    line = st.xf(0, font=st.font(size=10))
    head = st.xf(0, font=st.font(bold=True), wrap=True)
    level = {k: st.xf(0, fill=v, wrap=True) for k, v in FILL.items()}
    link = st.xf(0, font=st.font(color="0563C1", underline=True), wrap=True)
    findings = sorted(b.findings, key=lambda f: f.severity != "error")        # errors first, order kept
    last = len(findings) + len(b.pending) + 4
    linked = any(map(link_of, findings))
    counts = f"校验结果：错误 {b.count('error')} 条，警告 {b.count('warning')} 条，待办 {len(b.pending)} 项"
    ws = etree.Element(f"{{{wb.ns}}}worksheet", nsmap={None: wb.ns, "r": wb.rel_ns})
    ws.extend([
        _el("sheetPr", None, _el("tabColor", {"rgb": TAB}), _el("pageSetUpPr", {"fitToPage": "1"})),
        _el("dimension", {"ref": f"A1:H{last}"}),
        _el("sheetViews", None, _el("sheetView", {"tabSelected": "1", "workbookViewId": "0"},
            _el("pane", {"ySplit": "4", "topLeftCell": "A5", "activePane": "bottomLeft", "state": "frozen"}),
            _el("selection", {"pane": "bottomLeft", "activeCell": "A5", "sqref": "A5"}))),
        _el("sheetFormatPr", {"defaultRowHeight": "15"}),
        _el("cols", None, *(_el("col", {"min": str(j), "max": str(j), "width": str(w), "customWidth": "1"})
                            for j, w in enumerate(WIDTHS, 1))),
        _el("sheetData", None, _row(1, [counts], [title]),
            _row(2, [f"检查日 {report.as_of}，检查期间自 {report.since}；原文件 {shown(b.path.name)}"], [line]),
            _row(4, COLUMNS, [head] * len(COLUMNS))),
        _el("autoFilter", {"ref": f"A4:H{last}"})])
    ws[-2][-1].tail = _ROWS                     # the rows go after the header row
    if linked:
        ws.append(_el("hyperlinks"))
        ws[-1].text = _LINKS
    ws.extend([_el("printOptions", {"gridLines": "1"}),
               _el("pageMargins", {"left": "0.4", "right": "0.4", "top": "0.75", "bottom": "0.75",
                                   "header": "0.3", "footer": "0.3"}),
               _el("pageSetup", {"paperSize": "9", "orientation": "landscape", "fitToWidth": "1",
                                 "fitToHeight": "0"})])
    text = etree.tostring(ws, xml_declaration=True, encoding="UTF-8", standalone=True).decode()
    pieces = xmlfill.split(text, _ROWS, _LINKS) if linked else xmlfill.split(text, _ROWS)
    rows = _Rows(report, {"error": [level["error"], wrap, wrap, link, wrap, wrap, wrap, wrap],
                          "warning": [level["warning"], wrap, wrap, link, wrap, wrap, wrap, wrap]}, wrap)

    def write(out) -> None:
        out.write(pieces[0].encode())
        for chunk in rows.findings(findings, link_of):
            out.write(chunk.encode())
        for chunk in rows.pending(b.pending, len(findings) + 5):
            out.write(chunk.encode())
        out.write(pieces[1].encode())
        if linked:
            for chunk in rows.links(findings, link_of):
                out.write(chunk.encode())
            out.write(pieces[2].encode())

    wb.add_sheet(name, P.Streamed(write, size=(len(findings) + len(b.pending)) * 1500), front=True)
    quoted = "'" + name + "'"
    wb.defined_name("_xlnm._FilterDatabase", 0, f"{quoted}!$A$4:$H${last}", hidden=True)
    wb.defined_name("_xlnm.Print_Titles", 0, f"{quoted}!$4:$4")
    wb.activate_first()


def _summary_name(wb: P.Workbook) -> str:
    """校验结果, in place of the summary an earlier run put in (known by _OURS); a sheet of that
    name the user made is kept, and the summary goes beside it under a name of its own (again in
    place of the one an earlier run put there)."""
    sheets = {s.name.casefold(): s for s in wb.sheets}     # Excel tells sheet names apart regardless of case
    n = 1
    name = SUMMARY
    while name.casefold() in sheets:
        old = sheets[name.casefold()]
        try:
            with wb.pkg.open(old.part) as fh:
                head = fh.read(1 << 12)
            ours = all(mark.search(head) for mark in _OURS)
        except (KeyError, OSError, zipfile.BadZipFile, zlib.error, EOFError):
            ours = False
        if ours:
            wb.remove_sheet(old)
            break
        n += 1
        name = f"{SUMMARY}（huifang）" if n == 2 else f"{SUMMARY}（huifang {n - 1}）"
    return name


# an earlier summary, as _summary writes it and LibreOffice keeps it: the red tab, columns A to H,
# the first two columns WIDTHS wide (a user's sheet of that name has not all of these)
_OURS = (re.compile(rb'tabColor\b[^>]*rgb="' + TAB.encode() + rb'"'), re.compile(rb'<(?:\w+:)?dimension ref="A1:H\d+"'),
         *(re.compile(rb'<(?:\w+:)?col\b(?=[^>]*\bmin="%d")(?=[^>]*\bwidth="%d(?:\.0+)?")' % (j, w))
           for j, w in enumerate(WIDTHS[:2], 1)))


FAST = True                             # False: every row, comment and link built with lxml (tests compare)
_ROWS, _LINKS = xmlfill.place("rows"), xmlfill.place("links")    # where the rows and links go in a skeleton
_BATCH = 2000                           # rows a text


class _Rows:
    """The summary's rows and links as text, a batch at a time: a finding's row is its shape (one per
    rule, severity, link and which of its varying cells are empty or keep their spaces) with its
    row number, place, customer and message put in (xmlfill.Shape); when a value cannot go into a
    shape, that row is built with lxml."""

    def __init__(self, report: Report, styles: dict, wrap: int) -> None:
        self.firm = report.config.firm
        self.styles, self.wrap = styles, wrap
        self.cited: dict[str, str] = {}
        self.shapes: dict = {}

    def cites(self, rid: str) -> str:
        got = self.cited.get(rid)
        if got is None:
            got = self.cited[rid] = "；".join(str(s) for s in RULES[rid].cites(self.firm))
        return got

    def findings(self, findings: list, link_of):
        shapes = self.shapes
        for lo in range(0, len(findings), _BATCH):
            batch = findings[lo:lo + _BATCH]
            items, targets = [], []
            # the varying cells: place, customer, message (the rest are the rule's and the severity's)
            varying = zip(_column([f.where for f in batch]), _column([f.customer for f in batch]),
                          _column([f.message for f in batch]))
            for i, f, (where, customer, message) in zip(range(lo + 5, lo + 5 + len(batch)), batch, varying):
                target = link_of(f)
                key = (f.rule, f.severity, bool(target), None if where is None else _keeps(where),
                       None if customer is None else _keeps(customer), None if message is None else _keeps(message))
                shape = shapes.get(key)
                if shape is None:
                    shape = shapes[key] = self._shape(f, target, key[3:])
                items.append((shape, (str(i), where or "", customer or "", message or "")))
                targets.append(target)
            texts = xmlfill.fill_all(items) if FAST else [None] * len(items)
            yield "".join(t if t is not None else _tostring(_row(i, self._values(f), self._styles(f, target)))
                          for i, (t, f, target) in enumerate(zip(texts, batch, targets), lo + 5))

    def _values(self, f) -> tuple:
        rule = RULES[f.rule]
        return (SEVERITY_LABEL[f.severity], f.rule, rule.title, f.where, f.customer, f.message, rule.fix,
                self.cites(f.rule))

    def _styles(self, f, target) -> list:
        styles = self.styles[f.severity]
        return styles if target else [*styles[:3], self.wrap, *styles[4:]]

    def _shape(self, f, target, keeps) -> xmlfill.Shape:
        """The row of a finding of this rule and severity, its place, customer and message (cells D, E, F)
        marked, empty where `keeps` is None, with xml:space="preserve" where it is True."""
        texts = _texts(self._values(f))
        marked, flags = list(texts), [t is not None and _keeps(t) for t in texts]
        for k, (j, keep) in enumerate(zip(_VARYING, keeps), 1):
            marked[j] = None if keep is None else xmlfill.text(k)
            flags[j] = bool(keep)
        return xmlfill.Shape(_row_el(xmlfill.attr(0), marked, self._styles(f, target), flags))

    def pending(self, pending: list, first: int):
        out = []
        for i, p in enumerate(pending, first):     # then what falls due later
            rule = RULES[p.rule]
            where = f"{p.sheet}!第{p.row}行" if p.sheet and p.row else (p.sheet or "（整体）")
            values = ("待办", p.rule, rule.title, where, p.customer, f"{p.message}（截止 {p.due}）",
                      f"在 {p.due} 前完成{p.callback}", self.cites(p.rule))
            out.append(_tostring(_row(i, values, [self.wrap] * len(values))))
            if len(out) >= _BATCH:
                yield "".join(out)
                out = []
        if out:
            yield "".join(out)

    def links(self, findings: list, link_of):
        shape = xmlfill.Shape(_el("hyperlink", {"ref": "D" + xmlfill.attr(0), "location": xmlfill.attr(1),
                                                "display": xmlfill.attr(2)}))
        sheets: dict = {}           # a sheet's name as a link writes it: 'name'!
        for lo in range(0, len(findings), _BATCH):
            batch = findings[lo:lo + _BATCH]
            wheres = [str(f.where) for f in batch]
            wheres = [w[:255] for w in wheres] if all_printable(wheres) else [printable(w)[:255] for w in wheres]
            rows = []
            for i, target, where in zip(range(lo + 5, lo + 5 + len(batch)), map(link_of, batch), wheres):
                if target:
                    sheet = sheets.get(target[0])
                    if sheet is None:
                        sheet = sheets[target[0]] = "'" + target[0].replace("'", "''") + "'!"
                    rows.append((str(i), sheet + target[1], where))
            texts = shape.fill_many(rows) if FAST else [None] * len(rows)
            yield "".join(t if t is not None else _tostring(_el("hyperlink", {"ref": "D" + v[0], "location": v[1],
                                                                                "display": v[2]}))
                          for t, v in zip(texts, rows))


_VARYING = (3, 4, 5)        # a finding's place, customer and message


def _tostring(el) -> str:
    return etree.tostring(el, encoding="unicode")


def _text(v) -> str | None:
    """A value as a cell shows it: None for an empty cell."""
    return None if v is None or v == "" else printable(str(v))[:32767]


def _column(values: list) -> list:
    """_text of each value, the search for control characters made once for all of them."""
    texts = [None if v is None or v == "" else str(v) for v in values]
    if all_printable([t for t in texts if t is not None]):
        return [t if t is None or len(t) <= 32767 else t[:32767] for t in texts]
    return [None if t is None else printable(t)[:32767] for t in texts]


def _texts(values) -> list:
    return [_text(v) for v in values]


def _keeps(text: str) -> bool:
    """Whether a text needs xml:space="preserve" (spaces at its ends, a line break)."""
    return text != text.strip() or "\n" in text


def _el(tag: str, attrib: dict | None = None, *children):
    """An element of the sheet's default namespace (written without a prefix by the writer)."""
    el = etree.Element(tag, attrib or {})
    el.extend(children)
    return el


def _row(r: int, values, styles) -> etree._Element:
    texts = _texts(values)
    return _row_el(str(r), texts, styles, [t is not None and _keeps(t) for t in texts])


_LETTERS = " ABCDEFGH"


def _row_el(r: str, texts, styles, keeps) -> etree._Element:
    """A summary row: inline strings, xml:space="preserve" where `keeps` says so."""
    row = etree.Element("row", r=r)
    for j, (text, s, keep) in enumerate(zip(texts, styles, keeps), 1):
        c = etree.SubElement(row, "c", r=_LETTERS[j] + r, s=str(s))
        if text is None:
            continue
        c.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(c, "is"), "t")
        t.text = text
        if keep:
            t.set(P.XML_SPACE, "preserve")
    return row
