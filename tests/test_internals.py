"""The private parts of libraries huifang leans on, checked by name and behaviour, so that a
release that changes them fails here, loudly and with the place to mend, rather than as wrong
documents. pyproject.toml pins those libraries to the ranges tested."""
from __future__ import annotations

import io
import os
import zipfile
from importlib.metadata import version

import pytest
from packaging.specifiers import SpecifierSet

from generator.zipparts import DeflatedPart, add_deflated, copy_raw

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def pinned(name: str) -> SpecifierSet:
    import tomllib
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    spec = next(d for d in deps if d.split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip() == name)
    return SpecifierSet(spec[len(name):].split(";")[0].strip())


@pytest.mark.parametrize("name", ["docxtpl", "python-docx", "mkdocs-material"])
def test_installed_versions_are_within_the_pins(name):
    spec = pinned(name)
    assert str(spec) and "<" in str(spec), f"{name} must be pinned above: its internals are used"
    assert version(name) in spec, f"{name} {version(name)} is outside {spec}: check generator/documents/render.py"


def test_the_docxtpl_members_render_py_uses_are_there_and_behave():
    from docxtpl import DocxTemplate
    for member in ("init_docx", "render_init", "patch_xml", "get_xml", "resolve_listing", "fix_tables",
                   "fix_docpr_ids"):
        assert callable(getattr(DocxTemplate, member, None)), f"docxtpl lost DocxTemplate.{member}: see render.py"
    from generator.documents.templates import NAMES, TEMPLATE_DIR
    doc = DocxTemplate(str(TEMPLATE_DIR / NAMES["lost"]))
    doc.init_docx()
    doc.render_init()
    assert doc.docx._part.partname == "/word/document.xml"          # python-docx's private part
    assert doc.docx._element.body is not None
    patched = doc.patch_xml("<w:p><w:r><w:t>{{ a }}</w:t></w:r></w:p>")
    assert "{{ a }}" in patched and 'xml:space="preserve"' in patched


def test_members_written_as_compressed_bytes_make_a_valid_zip_and_zip64_past_65535_members():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        add_deflated(z, "word/文书.xml", DeflatedPart("<a>回访</a>".encode()))
        for k in range(70_000):                                 # more than the classic central directory holds
            add_deflated(z, f"p/{k}", DeflatedPart(b"x"))
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        assert z.testzip() is None
        assert z.read("word/文书.xml").decode() == "<a>回访</a>" and len(z.namelist()) == 70_001
    assert b"PK\x06\x06" in buf.getvalue()                       # the ZIP64 end record zipfile wrote


def test_a_member_copied_raw_reads_back_the_same():
    src = io.BytesIO()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/vbaProject.bin", bytes(range(256)) * 100)
        z.writestr("a.txt", "不变")
    src.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            assert copy_raw(src, info, zout, ValueError)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert z.testzip() is None and z.read("a.txt").decode() == "不变"
        assert z.read("xl/vbaProject.bin") == bytes(range(256)) * 100


def test_a_member_deflated_at_level_one_is_larger_than_at_nine_and_reads_back():
    import random

    from generator.zipparts import deflate_level
    rng = random.Random(1)
    words = ["回访", "记录", "客户", "C0001", "2025-06-30", "电话", "通过", '<c r="A1"><v>1</v></c>']
    data = "".join(rng.choice(words) for _ in range(200_000)).encode()
    sizes = {}
    for level in (1, 9):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            info = deflate_level(zipfile.ZipInfo("x.xml"), level)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w") as fh:
                fh.write(data)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            assert z.read("x.xml") == data
            sizes[level] = z.getinfo("x.xml").compress_size
    assert sizes[1] > sizes[9], "zipfile no longer takes the member's level: see generator/zipparts.py"


@pytest.mark.parametrize("zip64", [False, True])
def test_a_member_deflated_by_zlib_ng_between_members_zipfile_writes_reads_back(zip64, tmp_path):
    """zipparts.DeflateWriter uses zipfile's bookkeeping (start_dir, _writing, FileHeader): a member
    written by it between two that zipfile writes, and the archive closed by zipfile, read back by
    zipfile and by the unzip command line's test."""
    import shutil
    import subprocess

    from generator.zipparts import DeflateWriter
    data = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 60_000))
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", b"<a/>")
        with DeflateWriter(z, zipfile.ZipInfo("xl/worksheets/sheet1.xml", (1980, 1, 1, 0, 0, 0)), 2, zip64) as w:
            for k in range(0, len(data), 65536):
                w.write(data[k:k + 65536])
        z.writestr("b.xml", b"<b/>")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.read("xl/worksheets/sheet1.xml") == data and z.read("b.xml") == b"<b/>"
        assert z.getinfo("xl/worksheets/sheet1.xml").compress_size < len(data) // 4
    if shutil.which("unzip"):
        assert subprocess.run(["unzip", "-tq", str(path)], capture_output=True).returncode == 0


def test_a_member_deflated_on_its_thread_takes_each_chunk_as_it_was_handed_over(tmp_path):
    """DeflateWriter deflates on a thread of its own, chunks behind the writer: a chunk the writer
    reuses (a bytearray changed after write returns) is deflated as it was when handed over, and
    the member holds every chunk in order."""
    from generator.zipparts import DeflateWriter
    buf = bytearray(1 << 16)
    want = []
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        with DeflateWriter(z, zipfile.ZipInfo("m.xml", (1980, 1, 1, 0, 0, 0)), 2) as w:
            for k in range(200):
                buf[:] = bytes([k % 251]) * len(buf)
                want.append(bytes(buf))
                w.write(buf)
                w.write(memoryview(want[-1])[:100])
    with zipfile.ZipFile(path) as z:
        assert z.read("m.xml") == b"".join(x + x[:100] for x in want)


def test_a_failure_while_deflating_is_raised_to_the_writer_and_nothing_waits_forever(tmp_path):
    """A write that fails on the deflating thread (a full disk) is raised at the writer's next
    write or at close, not lost; the thread does not keep the process waiting."""
    from generator.zipparts import DeflateWriter
    path = tmp_path / "x.zip"
    z = zipfile.ZipFile(path, "w")
    real = z.fp

    class Full:
        def __getattr__(self, name):
            return getattr(real, name)

        def write(self, data):
            raise OSError(28, "No space left on device")
    w = DeflateWriter(z, zipfile.ZipInfo("m.xml", (1980, 1, 1, 0, 0, 0)), 2)
    z.fp = Full()
    with pytest.raises(OSError, match="No space"):
        with w:
            for k in range(400):
                w.write(os.urandom(1 << 16))
    assert w.worker is None             # stopped and joined
    z.fp = None                         # the archive is abandoned, as the copy's writer abandons it
    real.close()


def test_a_member_given_up_midway_stops_its_thread_and_writes_nothing_more(tmp_path):
    """Ctrl-C while a member is written: leaving the `with` stops the deflating thread without
    deflating the chunks it still holds, and nothing is written to the archive's file after."""
    import time

    from generator.zipparts import DeflateWriter
    z = zipfile.ZipFile(tmp_path / "x.zip", "w")
    real = z.fp
    writes = []

    class Slow:
        def __getattr__(self, name):
            return getattr(real, name)

        def write(self, data):
            time.sleep(0.01)
            writes.append(time.monotonic())
            return real.write(data)
    w = DeflateWriter(z, zipfile.ZipInfo("m.xml", (1980, 1, 1, 0, 0, 0)), 2)
    z.fp = Slow()
    with pytest.raises(KeyboardInterrupt):
        with w:
            for k in range(200):
                w.write(os.urandom(1 << 16))
                if k == 20:
                    raise KeyboardInterrupt
    left = time.monotonic()
    assert w.worker is None and w.abandoned
    time.sleep(0.1)
    assert not [t for t in writes if t > left]
    z.fp = None
    real.close()
