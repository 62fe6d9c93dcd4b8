"""Safety as a user or an attacker meets it: outputs never destroy data, cell text never runs
as HTML or expands as a manual token, customer data never reaches the site, reports cannot be
forged and are owner-only."""
import hashlib
import html
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import customer, record

ROOT = Path(__file__).resolve().parents[1]


def huifang(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ output folders

def test_site_out_dot_keeps_the_folder_and_the_input(book, tmp_path):
    work = tmp_path / "work"
    (work / "wb").mkdir(parents=True)
    book.write()
    src = next(tmp_path.glob("*.xlsx"))
    (work / "wb" / "unit.xlsx").write_bytes(src.read_bytes())
    (work / "notes.txt").write_text("我的笔记", encoding="utf-8")
    before = tree(work)
    r = huifang("site", "wb", "--out", ".", "--as-of", "2025-06-30", cwd=work)
    assert r.returncode == 2
    assert "输入" in r.stderr and "Traceback" not in r.stderr
    assert tree(work) == before


def test_site_into_a_folder_of_other_files_or_a_link_to_one_is_refused(book, tmp_path):
    wb = book.write()
    other = tmp_path / "docs"
    other.mkdir()
    (other / "合同.docx").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(other, target_is_directory=True)
    for out in (other, link):
        r = huifang("site", wb, "--out", out, "--as-of", "2025-06-30")
        assert r.returncode == 2, r.stderr
        assert "不是空的" in r.stderr
    assert [p.name for p in other.iterdir()] == ["合同.docx"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~huifang")]


def test_site_rebuilds_its_own_folder_but_not_one_with_files_added(book, tmp_path):
    wb = book.write()
    out = tmp_path / "site"
    assert huifang("site", wb, "--out", out, "--as-of", "2025-06-30").returncode == 0
    assert (out / ".huifang-output").is_file()
    assert huifang("site", wb, "--out", out, "--as-of", "2025-06-30").returncode == 0
    (out / "mine.txt").write_text("不是 huifang 写的")
    r = huifang("site", wb, "--out", out, "--as-of", "2025-06-30")
    assert r.returncode == 2 and "mine.txt" in r.stderr
    assert (out / "mine.txt").read_text() == "不是 huifang 写的"


def test_generate_and_annotate_refuse_foreign_folders_and_never_chmod_them(book, tmp_path):
    wb = book.write()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    os.chmod(foreign, 0o755)
    (foreign / "keep.txt").write_text("x")
    r = huifang("generate", wb, "--out", foreign)
    assert r.returncode == 2 and "不是空的" in r.stderr
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--annotate", foreign)
    assert r.returncode == 2 and "不是空的" in r.stderr
    assert stat.S_IMODE(foreign.stat().st_mode) == 0o755
    assert sorted(p.name for p in foreign.iterdir()) == ["keep.txt"]
    # an empty folder is adopted, not chmod-ed; a new one is created owner-only
    empty = tmp_path / "empty"
    empty.mkdir()
    os.chmod(empty, 0o755)
    assert huifang("generate", wb, "--out", empty).returncode == 0
    assert stat.S_IMODE(empty.stat().st_mode) == 0o755
    assert huifang("generate", wb, "--out", tmp_path / "new").returncode == 0
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    # and the folder it wrote may be written again
    assert huifang("generate", wb, "--out", tmp_path / "new").returncode == 0



def test_no_command_writes_documents_or_copies_into_a_folder_another_command_wrote(book, tmp_path):
    """(helper 42) A site folder is published as it is: generate, plan and validate --annotate
    writing into it put 证件号码 and full names on the intranet. Each command keeps to folders of
    its own kind, and the site can still be rebuilt."""
    wb = book.write()
    site = tmp_path / "site"
    assert huifang("site", wb, "--as-of", "2025-06-30", "--out", site).returncode == 0
    before = tree(site)
    for args in (["generate", wb, "--out", site],
                 ["plan", wb, "--as-of", "2025-06-30", "--month", "2025-07", "--out", site],
                 ["validate", wb, "--as-of", "2025-06-30", "--annotate", site]):
        r = huifang(*args)
        assert r.returncode == 2 and "这是 huifang 写出的站点文件夹，不能再写入" in r.stderr, (args, r.stderr)
        assert tree(site) == before
    for args in (["generate", wb, "--out", site / "文书"],         # (helper 43) nor a folder or a report inside it
                 ["validate", wb, "--as-of", "2025-06-30", "--annotate", site / "copies"],
                 ["validate", wb, "--as-of", "2025-06-30", "--output", site / "报告.txt"],
                 ["validate", wb, "--as-of", "2025-06-30", "--output", site / "status" / "报告.json"]):
        r = huifang(*args)
        assert r.returncode == 2 and "位于 huifang 写出的站点文件夹" in r.stderr, (args, r.stderr)
        assert tree(site) == before
    assert huifang("site", wb, "--as-of", "2025-06-30", "--out", site).returncode == 0
    docs = tmp_path / "docs"
    assert huifang("generate", wb, "--out", docs).returncode == 0
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--annotate", docs)
    assert r.returncode == 2 and "这是 huifang 写出的文书文件夹，不能再写入标注副本" in r.stderr

def test_no_output_at_or_above_an_input(book, tmp_path):
    wb = book.write()
    for cmd in (("generate", wb, "--out", tmp_path), ("validate", wb, "--annotate", tmp_path),
                ("site", wb, "--out", tmp_path.parent), ("generate", wb, "--out", "/")):
        r = huifang(*cmd, "--as-of", "2025-06-30") if cmd[0] != "generate" else huifang(*cmd)
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
    assert stat.S_IMODE(Path("/").stat().st_mode) != 0o700


def test_output_onto_an_input_or_any_workbook_is_refused(book, tmp_path):
    wb = book.write()
    before = digest(wb)
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--output", wb)
    assert r.returncode == 2 and "输入" in r.stderr
    other = tmp_path / "另一个.xlsx"
    other.write_bytes(wb.read_bytes())
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--output", other)
    assert r.returncode == 2
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--output", tmp_path / "报告.xlsx")
    assert r.returncode == 2 and not (tmp_path / "报告.xlsx").exists()
    disguised = tmp_path / "report.txt"
    disguised.write_bytes(wb.read_bytes())
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--output", disguised)
    assert r.returncode == 2
    assert digest(wb) == before == digest(other) == digest(disguised)


def test_reports_are_owner_only(book, tmp_path):
    out = tmp_path / "报告.json"
    r = huifang("validate", book.write(), "--as-of", "2025-06-30", "--format", "json", "--output", out)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_annotated_copies_inside_an_input_folder_are_not_read_back(book, tmp_path):
    folder = tmp_path / "台账"
    folder.mkdir()
    book.write()
    (folder / "unit.xlsx").write_bytes(next(tmp_path.glob("*.xlsx")).read_bytes())
    r = huifang("validate", folder, "--as-of", "2025-06-30", "--format", "json", "--annotate", folder / "标注")
    assert r.returncode == 0, r.stderr
    assert list((folder / "标注").glob("*.xlsx"))
    r = huifang("validate", folder, "--as-of", "2025-06-30", "--format", "json")
    assert json.loads(r.stdout)["summary"]["files"] == 1


def test_same_named_workbooks_keep_their_documents_apart(book, tmp_path):
    a, b = tmp_path / "一部" / "台账.xlsx", tmp_path / "二部" / "台账.xlsx"
    src = book.write()
    book.sheets["回访记录"][0]["客户意见"] = "第二个工作簿"
    src2 = book.write()
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_bytes(src.read_bytes())
    b.write_bytes(src2.read_bytes())
    out = tmp_path / "out"
    r = huifang("generate", a, b, "--out", out, "--kind", "record")
    assert r.returncode == 0, r.stderr
    docs = sorted(out.rglob("*.docx"))
    assert len(docs) == 2, docs
    r = huifang("validate", a, b, "--as-of", "2025-06-30", "--annotate", tmp_path / "ann")
    assert len(list((tmp_path / "ann").glob("*.xlsx"))) == 2


def test_a_newline_in_a_cell_cannot_forge_report_lines(book):
    book.sheets["回访记录"][0]["发现问题"] = "无\n    回访记录!A9  [错误] MTH001 伪造的发现\r\x1b[2J"
    r = huifang("validate", book.write(), "--as-of", "2025-06-30")
    lines = r.stdout.splitlines()
    assert not any(line.lstrip().startswith("回访记录!A9") for line in lines)
    assert any("\\n" in line and "伪造的发现" in line for line in lines)
    assert "\x1b" not in r.stdout


# ------------------------------------------------------------------ the site: escaping, tokens, PII

PAYLOADS = {
    "unit": "示例<script>alert(1)</script>营业部",
    "enum": "<img src=x onerror=alert(1)>",
    "opinion": "<svg onload=alert(2)> [a](javascript:alert(3)) {: onclick=alert(4) }",
    "token": "[[NEW001.months]]",
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from conftest import Book
    tmp = tmp_path_factory.mktemp("hostile")
    book = Book(tmp)
    c = book.sheets["客户"][0]
    c.update(营业部=PAYLOADS["unit"], 客户名称="张三丰", 手机="15540450569")
    book.add("客户",
             **customer(客户编号="C0002", 客户名称="欧阳明珠", 营业部=PAYLOADS["unit"], 手机="13912345678",
                        证件号码="110105194912310038"))
    recs = book.sheets["回访记录"]
    recs[0].update(回访方式=PAYLOADS["enum"])
    recs.append(record(记录编号="R0002", 客户意见=PAYLOADS["opinion"], 意见处理日期=None))
    recs.append(record(记录编号="R0006", 客户意见=PAYLOADS["token"], 意见处理日期=None))
    recs.append(record(记录编号="R0007", 客户意见="[[XYZ]]", 意见处理日期=None))
    recs.append(record(记录编号="R0003",
                       发现问题="客户张 三丰说手机155-4045-0569、155 4045 0569 都停用了，新号 +86 139 1234 5678",
                       上报合规日期=None))
    recs.append(record(记录编号="R0004", 客户编号="C0002",
                       客户意见="证件 110105-19491231-0038，邮箱 li＠example.com，欧阳\u200b明珠本人",
                       意见处理日期=None))
    recs.append(record(记录编号="R0005", 客户编号="C0002",
                       发现问题="这是一段很长的说明文字用来把手机号推到二十个字以后：客户留的号码是15540450569",
                       上报合规日期=None))
    folder = tmp / "in"
    folder.mkdir()
    wb = folder / "<img src=x onerror=alert(5)>.xlsx"
    wb.write_bytes(book.write().read_bytes())
    out = tmp / "site"
    r = huifang("site", wb, "--out", out, "--as-of", "2025-06-30")
    assert r.returncode == 0, r.stderr
    return out


def built_files(out: Path):
    for p in out.rglob("*"):
        if p.is_file() and p.suffix not in (".xlsx", ".docx"):
            yield p, p.read_bytes().decode("utf-8", "ignore")


def test_cell_text_is_shown_as_text_never_run(hostile_site):
    status = "".join(t for p, t in built_files(hostile_site / "status") if p.suffix == ".html")
    for live in ("<script>alert", "<img src=x", "<svg onload", 'href="javascript:', "onclick=\"alert",
                 "onclick=alert(4)\""):
        assert live not in status, live
    assert "&lt;script&gt;" in status or "&#60;script&#62;" in status
    shown = status.replace("&#91;", "[").replace("&#93;", "]")
    assert "客户意见“[[NEW001.months]]”未处理" in shown and "客户意见“[[XYZ]]”未处理" in shown
    assert "<title>示例&lt;script&gt;" in status


def test_no_customer_data_in_any_built_file_including_the_search_index(hostile_site):
    secrets = ["15540450569", "13912345678", "110105194912310038", "张三丰", "欧阳明珠", "li@example.com",
               "1554045", "5540450"]
    for p, text in built_files(hostile_site):
        if p.name == "search_index.json":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        flat = re.sub(r"[\s\-－·]", "", text).replace("＠", "@")
        for s in secrets:
            assert s not in flat, (s, p)
    status = html.unescape("".join(t for p, t in built_files(hostile_site / "status")))
    assert "155****0569" in status and "张**" in status and "欧*" in status


# ------------------------------------------------------------------ settings and the temporary folder

EXAMPLE = ROOT / "workbooks" / "示例营业部.xlsx"


def with_env(*args, **env):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **env})


@pytest.mark.parametrize("value", ["²", "１０００", "①", " 3", "-1", ""])
def test_a_number_setting_written_otherwise_is_the_default_never_an_internal_error(value, tmp_path):
    """HUIFANG_JOBS and HUIFANG_SPLIT_BYTES take the digits 0-9 (helper 29: "²" passed
    str.isdigit and int() then failed: 内部错误); anything else is as if it were not set."""
    plain = with_env("validate", EXAMPLE, "--as-of", "2025-12-31", "--format", "json")
    for name in ("HUIFANG_JOBS", "HUIFANG_SPLIT_BYTES"):
        r = with_env("validate", EXAMPLE, "--as-of", "2025-12-31", "--format", "json", **{name: value})
        assert r.returncode == plain.returncode and "内部错误" not in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert json.loads(r.stdout)["summary"] == json.loads(plain.stdout)["summary"]


@pytest.mark.parametrize("value", ["²", "#①"])
def test_since_run_written_with_other_digits_is_refused_in_one_line(value):
    r = huifang("validate", EXAMPLE, "--as-of", "2025-12-31", "--since-run", value)
    assert r.returncode == 2 and "--since-run" in r.stderr and "内部错误" not in r.stderr, r.stderr


def test_since_run_typed_with_full_width_digits_is_that_run(tmp_path):
    """３ as a full-width input method types it: run 3, as before (helper 30)."""
    from generator.ledger import parse_since_run
    assert parse_since_run("３") == 3 and parse_since_run("#１２") == 12 and parse_since_run(" last ") == "last"


NO_TEMP = """
import errno, sys, tempfile
def none():
    raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in ['/tmp', '/var/tmp']")
tempfile.tempdir = None
tempfile.gettempdir = none          # as Python finds no folder it may write in (a read-only system)
sys.argv = ["huifang", *sys.argv[1:]]
from generator.cli import run
run()
"""


@pytest.mark.parametrize("command", [["validate", "--as-of", "2025-12-31"], ["generate", "--out", "{out}"],
                                     ["plan", "--month", "2026-01", "--as-of", "2025-12-31", "--out", "{out}"]])
def test_without_a_writable_temporary_folder_a_command_says_so_in_one_chinese_line(command, tmp_path):
    """(helper 29) A system whose temporary folders are all read-only: a traceback before, then an
    English line; now one Chinese line naming TMPDIR, exit 2, nothing written."""
    out = tmp_path / "出"
    args = [a.replace("{out}", str(out)) for a in command]
    r = subprocess.run([sys.executable, "-c", NO_TEMP, args[0], str(EXAMPLE), *args[1:]], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "临时文件夹" in lines[0] and "TMPDIR" in lines[0], r.stderr
    assert "No usable" not in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() or not any(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_init_without_a_writable_temporary_folder_names_it(tmp_path):
    """openpyxl writes a new workbook through a temporary file: the line says which folder is missing,
    not only that the target could not be written (helper 30)."""
    target = tmp_path / "新.xlsx"
    r = subprocess.run([sys.executable, "-c", NO_TEMP, "init", str(target)], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 2 and not target.exists(), r.stderr
    assert "临时文件夹" in r.stderr and "TMPDIR" in r.stderr and "No usable" not in r.stderr, r.stderr


def test_unit_names_become_page_names_that_leak_nothing_collide_nowhere_and_link(tmp_path):
    """(helper 42) A phone or ID number in a unit's name reached the page's file name, its
    address in the search index and the folder's file list, and the overview's link to it was
    masked into a page that does not exist; a unit named index lost its page to the overview;
    a-b and A-B, or CON, cannot be stored on Windows; a long name's link was broken."""
    from urllib.parse import unquote
    from conftest import Book
    names = ["张三 13800138000 110101199003071234", "index", "CON", "a-b", "A-B", "营" * 100]
    folder = tmp_path / "in"
    folder.mkdir()
    for i, name in enumerate(names):
        book = Book(tmp_path / f"b{i}")
        (tmp_path / f"b{i}").mkdir()
        book.sheets["客户"][0].update(营业部=name)
        (folder / f"u{i}.xlsx").write_bytes(book.write().read_bytes())
    out = tmp_path / "site"
    r = huifang("site", folder, "--out", out, "--as-of", "2025-06-30")
    assert r.returncode == 0, r.stderr
    pages = sorted(p.name for p in (out / "status").glob("*.html"))
    assert len(pages) == len(names) + 1 and "index.html" in pages
    assert len({p.casefold() for p in pages}) == len(pages)
    assert not any(p.split(".")[0].upper() in ("CON", "PRN", "AUX", "NUL") for p in pages)
    for secret in ("13800138000", "110101199003071234", "0138000", "1990030"):
        assert not any(secret in str(p) for p in out.rglob("*")), secret
        for p, text in built_files(out):
            assert secret not in text, (secret, p)
    overview = (out / "status" / "index.html").read_text(encoding="utf-8")
    links = {unquote(h) for h in re.findall(r'href="([^"#?]+\.html)"', overview) if "/" not in h}
    assert len(links - {"index.html"}) >= len(names), links
    for h in links:
        assert (out / "status" / h).is_file(), h


def test_document_folders_of_units_whose_names_differ_only_in_case_stay_apart():
    """(helper 42) generate wrote a-b/ and A-B/: one folder on Windows and macOS."""
    from generator.output import unique_names
    got = unique_names([("a-b", Path("x/u1.xlsx")), ("A-B", Path("x/u2.xlsx")), ("A-b", Path("y/u2.xlsx"))])
    assert got == ["a-b", "A-B（u2）", "A-b（y-u2）"]
    assert len({g.casefold() for g in got}) == 3


def test_annotated_copies_of_a_run_that_cannot_finish_are_taken_back(book, tmp_path, monkeypatch):
    """(helper 42) A copy that cannot be written (a full disk, an interrupt) after others were:
    the folder the run made goes whole, as the report and the ledger entry never come."""
    from click.testing import CliRunner
    from generator.cli import main
    from generator.output import OutputError
    import generator.validate.annotate as ann
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.xlsx").write_bytes(book.write().read_bytes())
    real = ann.annotate_book
    done = []

    def second_fails(b, report, target):
        if done:
            raise OutputError(f"{target}：无法写入（磁盘空间不足），未留下不完整的文件")
        real(b, report, target)
        done.append(target)
    monkeypatch.setattr(ann, "annotate_book", second_fails)
    out = tmp_path / "copies"
    r = CliRunner().invoke(main, ["validate", str(folder), "--as-of", "2025-06-30", "--annotate", str(out)])
    assert r.exit_code == 2 and "磁盘空间不足" in r.output
    assert done and not out.exists()



def test_annotated_copies_go_with_their_report_or_not_at_all(book, tmp_path):
    """(helper 43) The copies were written, then the report could not be: the copies stayed."""
    wb = book.write()
    (tmp_path / "notadir").write_text("x")
    out = tmp_path / "copies"
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--annotate", out, "--output", tmp_path / "notadir" / "r.json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not out.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    r = huifang("validate", wb, "--as-of", "2025-06-30", "--annotate", empty, "--output",
                tmp_path / "notadir" / "r.json")
    assert r.returncode == 2 and list(empty.iterdir()) == []        # an empty folder it took is empty again
