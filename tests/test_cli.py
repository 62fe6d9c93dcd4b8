"""The command line as users meet it: exit codes, one-line errors, JSON, annotated copies."""
import hashlib
import os
import shutil
import re
import json
import subprocess
import tempfile
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workbooks"


def huifang(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_json_report_keys_and_exit_1(book):
    p = book.write()
    book.sheets["客户"][0]["开户日期"] = date(2025, 3, 10)
    p = book.write()
    r = huifang("validate", p, "--as-of", "2025-06-30", "--format", "json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["as_of"] == "2025-06-30"
    assert data["summary"] == {"files": 1, "errors": 1, "warnings": 0, "pending": 0}
    f = data["findings"][0]
    assert {k: f[k] for k in ("rule", "severity", "sheet", "row", "column", "customer")} == {
        "rule": "NEW001", "severity": "error", "sheet": "客户", "row": 2, "column": "开户日期", "customer": "C0001"}
    assert f["file"] == str(p)


def test_clean_workbook_exits_0_with_text_report(book):
    r = huifang("validate", book.write(), "--as-of", "2025-06-30")
    assert r.returncode == 0
    assert "错误 0 条，警告 0 条" in r.stdout


def test_text_report_names_cell_rule_and_fix(book):
    book.sheets["回访记录"][0]["录音编号"] = None
    r = huifang("validate", book.write(), "--as-of", "2025-06-30")
    assert "回访记录!K2  客户 C0001  [错误] MTH001 电话回访没有录音编号" in r.stdout
    assert "处理：在录音系统中找到对应录音" in r.stdout


@pytest.mark.parametrize("make, text", [
    (lambda d: d / "missing.xlsx", "找不到该文件"),
    (lambda d: (d / "a.xlsx").write_text("客户编号,客户名称\nC1,张三\n") and d / "a.xlsx", "不是 Excel 工作簿"),
    (lambda d: (d / "e.xlsx").write_bytes(b"") or d / "e.xlsx", "文件是空的"),
    (lambda d: ((d / "old.xls").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600), d / "old.xls")[1], "xls"),
])
def test_unreadable_input_is_one_line_and_exit_2(tmp_path, make, text):
    p = make(tmp_path)
    r = huifang("validate", p)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0] and str(p) in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_bad_option_is_exit_2_and_a_wrong_date_is_told_from_a_wrong_format():
    r = huifang("validate", "workbooks", "--as-of", "2025/12/01")
    assert r.returncode == 2 and "不是 YYYY-MM-DD" in r.stderr
    r = huifang("validate", "workbooks", "--as-of", "2025-13-01")
    assert r.returncode == 2 and "格式正确，但不是实际存在的日期（没有 13 月）" in r.stderr
    r = huifang("validate", "workbooks", "--as-of", "2025-02-29")
    assert r.returncode == 2 and "2025 年 2 月没有 29 日" in r.stderr


def test_help_is_laid_out_by_display_width_with_a_whole_summary_per_command():
    from generator.cli_zh import width
    r = huifang("--help")
    assert "plan      排出某月的回访计划（工作簿副本、附件二、计划说明）" in r.stdout and "plan ..." not in r.stdout
    r = huifang("validate", "--help")
    rows = [line for line in r.stdout.splitlines() if line.startswith("  --")]
    helps = {width(line[:m.start(2)]) for line in rows if (m := re.match(r"^(  \S.*?)  +(\S.*)$", line))}
    assert len(helps) == 1, (helps, rows)


def test_no_color_and_pipes_get_no_escapes(book):
    import os
    import pty
    wb = book.write()
    env = {**os.environ, "NO_COLOR": "1"}
    pid, fd = pty.fork()
    if pid == 0:                                          # the child: a terminal, but NO_COLOR set
        os.execvpe(sys.executable, [sys.executable, "-m", "generator.cli", "validate", str(wb),
                                    "--as-of", "2025-12-31"], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    assert "共 1 个工作簿".encode() in out and b"\x1b[" not in out
    r = huifang("validate", wb, "--as-of", "2025-12-31")
    assert "\x1b[" not in r.stdout


def test_the_text_report_leads_with_the_counts_then_errors_by_days_overdue():
    r = huifang("validate", "workbooks/示例营业部.xlsx", "--as-of", "2025-12-31")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("共 1 个工作簿：错误 31 条，警告 15 条")
    assert str(ROOT / "workbooks/示例营业部.xlsx") in r.stdout            # absolute, as every command prints
    errors, warnings = r.stdout.index("  错误（31 条）"), r.stdout.index("  警告（15 条）")
    assert errors < warnings
    days = [int(m) for m in re.findall(r"逾期 (\d+) 天", r.stdout[errors:warnings])]
    assert days == sorted(days, reverse=True) and days[0] >= 295
    assert "依据：CLS001 · 经纪业务管理规定；客户回访制度范本 三、2" in r.stdout and "依据：【" not in r.stdout
    r = huifang("validate", "workbooks/示例营业部.xlsx", "--as-of", "2025-12-31", "--verbose")
    assert "依据：【法规/规章】《关于加强证券经纪业务管理的规定》" in r.stdout


def test_json_findings_say_what_to_do():
    import json
    r = huifang("validate", "workbooks/示例营业部.xlsx", "--as-of", "2025-12-31", "--format", "json")
    data = json.loads(r.stdout)
    from generator.rules import RULES
    assert all(f["fix"] == RULES[f["rule"]].fix for f in data["findings"])


def test_a_blank_workbook_is_not_called_compliant(tmp_path):
    wb = tmp_path / "空白.xlsx"
    assert huifang("init", wb).returncode == 0
    r = huifang("validate", wb, "--as-of", "2025-12-31")
    assert r.returncode == 0 and "“客户”表中没有客户" in r.stdout


def test_annotate_writes_a_copy_and_leaves_the_input_untouched(book, tmp_path):
    book.sheets["回访记录"][0].update(录音编号=None, 处理结果="=1+1", 发现问题="@SUM(A1)")
    src = book.write()
    before = digest(src)
    out = tmp_path / "annotated"
    r = huifang("validate", src, "--as-of", "2025-06-30", "--annotate", out)
    assert r.returncode == 1
    assert digest(src) == before
    copy = out / f"{src.stem}.校验.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "校验结果"
    cell = wb["回访记录"]["K2"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "MTH001" in cell.comment.text
    summary = wb["校验结果"]
    assert summary["B5"].value == "MTH001" and summary["D5"].value == "回访记录!K2"
    # the summary prints as a table: landscape, one page wide, wrapped text, header row on every page
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.fitToWidth == 1
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.print_title_rows == "$4:$4"
    assert summary["F5"].alignment.wrap_text
    assert copy.stat().st_mode & 0o077 == 0
    # values that look like formulas stay text in the copy
    rec = wb["回访记录"]
    values = {rec.cell(1, j).value: rec.cell(2, j) for j in range(1, rec.max_column + 1)}
    assert values["处理结果"].data_type == "s" and values["处理结果"].value == "=1+1"


def test_annotate_refuses_the_input_folder(book):
    src = book.write()
    r = huifang("validate", src, "--annotate", src.parent)
    assert r.returncode == 2 and "输入所在的文件夹" in r.stderr


def test_folder_input_skips_lock_files(book):
    src = book.write()
    (src.parent / "~$lock.xlsx").write_bytes(b"junk")
    r = huifang("validate", src.parent, "--as-of", "2025-06-30", "--format", "json")
    assert json.loads(r.stdout)["summary"]["files"] == 1


ALLOWED = re.compile(r"--[a-z-]+|huifang|validate|generate|init|rules|site|valdate|bogus|xml|python|generator\.cli|"
                     r"YYYY-MM-DD|YYYY-MM|text|json|plan|record|seed|history|last|any|new|sqlite|ledger|preparer|"
                     r"supervisor|month|report|lost|"
                     r"LibreOffice|PDF|mkdocs|toml|doc_templates|xlsx|NEW001|Q3|Excel|WPS|[A-Z]{2,}\d{3}")


def english_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", ALLOWED.sub("", text))


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["generate", "--help"], ["site", "--help"],
                                  ["init", "--help"], ["rules", "--help"], ["generate"], ["valdate"],
                                  ["validate", "x", "--as-of", "2025/12/31"], ["validate", "x", "--format", "xml"],
                                  ["init"], ["validate", "--bogus"], ["plan", "--help"], ["plan", "x", "--out", "y"],
                                  ["plan", "x", "--month", "2026-01"]])
def test_help_and_usage_errors_speak_chinese(args):
    r = huifang(*args)
    text = r.stdout + r.stderr
    assert english_words(text) == [], text
    if args[-1] != "--help":
        assert r.returncode == 2


def test_help_shows_examples():
    for cmd in ("validate", "generate", "site", "init", "rules", "plan"):
        assert "示例：" in huifang(cmd, "--help").stdout


def test_option_dates_have_one_syntax(book):
    p = book.write()
    for bad in ("20251231", "2025/12/31", "2025-1-5"):
        r = huifang("validate", p, "--as-of", bad)
        assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr


def test_output_prints_a_summary_line(book, tmp_path):
    r = huifang("validate", book.write(), "--as-of", "2025-06-30", "--output", tmp_path / "r.txt")
    assert r.stdout == "" and "已写出报告" in r.stderr and "错误 0 条" in r.stderr


def test_clicks_chinese_comes_from_the_compiled_catalogue_and_covers_its_usage_errors():
    import gettext

    from babel.messages.pofile import read_po

    from generator.cli_zh import PO
    with open(PO.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    with open(PO, "rb") as fh:
        po = [m for m in read_po(fh) if m.id]
    assert po
    for m in po:                                   # the compiled catalogue says what the source says
        if m.pluralizable:
            assert [mo.ngettext(*m.id, n) for n in (1, 2)] == list(m.string), "run: python -m generator.cli_zh"
        else:
            assert mo.gettext(m.id) == m.string, "run: python -m generator.cli_zh"
    for args, text in ((["validate", "--nosuch"], "没有选项 '--nosuch'。"),
                       (["validate", "--format", "xml"], "不在 'text', 'json' 之中"),
                       (["generate"], "缺少选项 '--out'"),
                       (["validat"], "没有命令 'validat'"),
                       (["rules", "A", "B"], "多出了参数（B）")):
        r = huifang(*args)
        assert r.returncode == 2 and text in r.stderr, (args, r.stderr)
        assert "Usage" not in r.stderr and "Error" not in r.stderr and "用法：" in r.stderr, r.stderr


def test_no_click_module_is_patched():
    import click.core
    import click.types
    import gettext
    assert click.core._ is gettext.gettext and click.types.ngettext is gettext.ngettext


def test_a_large_workbook_is_announced_before_it_is_read(monkeypatch):
    from click.testing import CliRunner

    from generator.cli import main
    from generator.validate import run
    monkeypatch.setattr(run, "LARGE_FILE", 1)
    r = CliRunner().invoke(main, ["validate", str(EXAMPLES / "示例营业部.xlsx"), "--as-of", "2025-12-31"])
    assert "huifang：正在读取" in r.output and str(EXAMPLES / "示例营业部.xlsx") in r.output


def test_a_workbook_named_twice_is_checked_and_planned_once(tmp_path):
    """The same file given twice, through a link, or inside a folder also given: its findings are
    counted once, the repeats are listed as skipped, and plan writes one plan for it."""
    src = tmp_path / "营业部.xlsx"
    src.write_bytes((EXAMPLES / "示例营业部.xlsx").read_bytes())
    link = tmp_path / "链接.xlsx"
    link.symlink_to(src)
    once = json.loads(huifang("validate", src, "--as-of", "2025-12-31", "--format", "json").stdout)
    r = huifang("validate", src, link, tmp_path, "--as-of", "2025-12-31", "--format", "json")
    got = json.loads(r.stdout)
    assert got["summary"] == once["summary"] and got["summary"]["files"] == 1
    assert sorted(Path(s["file"]).name for s in got["skipped"]) == ["营业部.xlsx", "链接.xlsx", "链接.xlsx"]
    assert {s["reason"] for s in got["skipped"]} == {"与前面的输入是同一个文件"}
    r = huifang("plan", src, src, "--month", "2026-01", "--as-of", "2025-12-31", "--seed", "1",
                "--out", tmp_path / "计划")
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "计划" / "工作簿").glob("*.xlsx"))) == 1


def test_the_process_leaves_without_teardown_yet_with_every_output_whole(tmp_path):
    """The console script ends with os._exit once the command is over (cli.leave): the report on
    stdout and in its file is whole, and the exit status is the command's - as in-process."""
    from click.testing import CliRunner
    from generator.cli import main
    args = ["validate", str(EXAMPLES), "--as-of", "2025-12-31", "--format", "json"]
    inproc = CliRunner().invoke(main, args)
    piped = huifang(*args)
    assert piped.returncode == inproc.exit_code == 1
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "run"}  # noqa: E731
    assert strip(piped.stdout) == strip(inproc.stdout)
    out = tmp_path / "报告.json"
    written = huifang(*args, "--output", out)
    assert written.returncode == 1 and strip(out.read_text(encoding="utf-8")) == strip(inproc.stdout)
    assert "已写出报告" in written.stderr
    assert huifang("--version").returncode == 0
    assert huifang("validate", tmp_path / "没有.xlsx").returncode == 2


def test_main_called_in_process_ends_as_click_documents():
    """Only the console script and `python -m generator.cli` (cli.run) leave without teardown; a
    script or a test that calls main() gets SystemExit, its process goes on."""
    from generator.cli import main
    with pytest.raises(SystemExit) as e:
        main(["validate", str(EXAMPLES / "示例营业部.xlsx"), "--as-of", "2025-12-31", "--format", "json"])
    assert e.value.code == 1


def test_a_report_with_no_standard_output_says_so_in_one_line(tmp_path):
    """Standard output closed (>&-, or pythonw / a service without a console): the report has
    nowhere to go - one Chinese line and exit 2, no internal error; --output still works."""
    import os
    args = [sys.executable, "-m", "generator.cli", "validate", str(EXAMPLES), "--as-of", "2025-12-31"]
    before = set(Path(tempfile.gettempdir()).glob("huifang-内部错误-*"))
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, preexec_fn=lambda: os.close(1))
    assert r.returncode == 2 and "标准输出不可用" in r.stderr and "内部错误" not in r.stderr
    out = tmp_path / "报告.json"
    r = subprocess.run(args + ["--format", "json", "--output", str(out)], capture_output=True, text=True,
                       cwd=ROOT, preexec_fn=lambda: os.close(1))
    assert r.returncode == 1 and json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert set(Path(tempfile.gettempdir()).glob("huifang-内部错误-*")) == before


@pytest.mark.skipif(sys.platform != "linux", reason="a file name in other bytes than UTF-8: Linux only")
@pytest.mark.parametrize("name, seen", [(b"\xb2\xe2\xca\xd4.xlsx", "测试.xlsx"), (b"a\xff.xlsx", "a\\xff.xlsx")],
                         ids=["gbk", "neither"])
def test_a_file_name_that_is_not_utf8_reaches_every_output(tmp_path, name, seen):
    """A workbook unpacked on Linux from a Windows zip keeps its GBK name bytes (or bytes no codec
    reads): the reports (to a file and to standard output), the run ledger, the site and the plan's
    summary name it as the user knows it - decoded, or escaped - instead of stopping with an
    internal error."""
    import os
    import shutil
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "示例营业部.xlsx", os.fsdecode(os.fsencode(str(folder)) + b"/" + name))
    for fmt in ("json", "text"):
        r = huifang("validate", folder, "--as-of", "2025-12-31", "--format", fmt, "--output", tmp_path / f"r.{fmt}")
        assert r.returncode == 1 and "内部错误" not in r.stderr, r.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {f["file"] for f in data["findings"]} == {str(folder / seen)}
    assert data["run"]["inputs"][0]["file"] == str(folder / seen)
    assert f"{folder / seen}（示例营业部）" in (tmp_path / "r.text").read_text(encoding="utf-8")
    r = huifang("validate", folder, "--as-of", "2025-12-31", "--format", "json", "--record")
    assert r.returncode == 1 and "内部错误" not in r.stderr, r.stderr
    assert json.loads(r.stdout)["findings"][0]["file"] == str(folder / seen)
    r = huifang("site", folder, "--as-of", "2025-12-31", "--out", tmp_path / "site")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "site" / "status" / "示例营业部.html").read_text(encoding="utf-8")
    assert f"工作簿 {seen.replace(chr(92), '&#92;')}。" in page
    r = huifang("plan", folder, "--month", "2026-01", "--as-of", "2025-12-31", "--out", tmp_path / "plan")
    assert r.returncode == 0, r.stderr
    assert f"{folder / seen}：2026 年 1 月计划" in (tmp_path / "plan" / "计划说明.txt").read_text(encoding="utf-8")


def test_a_path_is_shown_part_by_part():
    """A GBK file in a UTF-8 folder keeps the folder as it is; a GBK folder whose bytes hold what
    reads as a UTF-8 character (台 is CC A8, U+0328) is decoded whole; bytes no codec reads are
    escaped; the text always has UTF-8."""
    import os
    from generator.names import readable, shown
    assert shown(os.fsdecode("/tmp/台账/".encode() + b"\xb2\xe2\xca\xd4.xlsx")) == "/tmp/台账/测试.xlsx"
    assert shown(os.fsdecode(b"/d/\xcc\xa8\xd5\xcb/ok.xlsx")) == "/d/台账/ok.xlsx"
    assert shown(os.fsdecode(b"/d/a\xff.xlsx")) == "/d/a\\xff.xlsx"
    assert shown("/d/x\ud800.xlsx").encode("utf-8") == b"/d/x\\ud800.xlsx"
    assert readable(os.fsdecode(b"/d/\xb2\xe2\xca\xd4.xlsx") + "：文件已存在") == "/d/测试.xlsx：文件已存在"


GBK_DIR = b"\xcc\xa8\xd5\xcb"           # 台账 in GBK


def gbk(folder: Path, name: bytes) -> Path:
    import os
    return Path(os.fsdecode(os.fsencode(str(folder)) + b"/" + name))


@pytest.mark.skipif(sys.platform != "linux", reason="a file name in other bytes than UTF-8: Linux only")
def test_paths_that_are_not_utf8_anywhere_else(tmp_path):
    """A configuration file, an output folder, TMPDIR and standard output under a strict UTF-8
    locale meet a GBK name: every command says what it did, naming it decoded, and leaves nothing
    behind in TMPDIR; an annotated copy of a workbook with a long (legal) name is still written."""
    import os
    import shutil
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}       # standard output as strict as a zh_CN.UTF-8 desktop

    def run(*args, **extra):
        r = subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                           text=True, cwd=ROOT, env={**env, **extra})
        assert "内部错误" not in r.stderr and "Traceback" not in r.stderr, r.stderr
        return r
    book = tmp_path / "ok.xlsx"
    shutil.copy(EXAMPLES / "示例营业部.xlsx", book)
    config = gbk(tmp_path, GBK_DIR + b".toml")
    config.write_text("[rules.OUT001]\nmin_attempts = 5\n", encoding="utf-8")
    r = run("validate", book, "--as-of", "2025-12-31", "--config", config, "--format", "json")
    assert r.returncode == 1 and json.loads(r.stdout)["run"]["config"] == str(tmp_path / "台账.toml")
    r = run("plan", book, "--month", "2026-01", "--as-of", "2025-12-31", "--out", gbk(tmp_path, GBK_DIR))
    assert r.returncode == 0 and f"写入 {tmp_path / '台账' / '工作簿' / 'ok_计划_2026-01.xlsx'}" in r.stdout
    r = run("init", gbk(tmp_path, GBK_DIR + b".xlsx"))
    assert r.returncode == 0 and f"已写出空白工作簿：{tmp_path / '台账.xlsx'}" in r.stdout
    r = run("init", gbk(tmp_path, GBK_DIR + b".xlsx"))
    assert r.returncode == 2 and f"{tmp_path / '台账.xlsx'}：文件已存在" in r.stderr
    temp = gbk(tmp_path, b"T" + GBK_DIR)
    temp.mkdir()
    assert run("init", tmp_path / "blank.xlsx", TMPDIR=str(temp)).returncode == 0
    r = run("validate", book, "--as-of", "2025-12-31", "--record", "--output", tmp_path / "r.txt", TMPDIR=str(temp))
    assert r.returncode == 1 and not os.listdir(temp)
    long = tmp_path / "长" / ("测" * 83 + ".xlsx")          # 249 bytes: a name Linux takes
    long.parent.mkdir()
    shutil.copy(book, long)
    r = run("validate", long.parent, "--as-of", "2025-12-31", "--annotate", tmp_path / "ann", "--format", "json")
    assert r.returncode == 1 and len(list((tmp_path / "ann").glob("*.校验.xlsx"))) == 1, r.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="a file name in other bytes than UTF-8: Linux only")
@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("HUIFANG_REQUIRE_SOFFICE"),
                    reason="LibreOffice（soffice）未安装")
def test_pdfs_into_a_folder_that_is_not_utf8_with_such_a_tmpdir(tmp_path):
    """LibreOffice cannot open a document in a GBK folder, and does not decode such a TMPDIR: the
    PDFs are still made beside their documents, and nothing is left in or beside TMPDIR."""
    import os
    temp = gbk(tmp_path, b"T" + GBK_DIR)
    temp.mkdir()
    out = gbk(tmp_path, b"o" + GBK_DIR)
    r = subprocess.run([sys.executable, "-m", "generator.cli", "generate", EXAMPLES / "示例营业部.xlsx",
                        "--kind", "lost", "--pdf", "--out", out], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "TMPDIR": str(temp), "PYTHONIOENCODING": "utf-8"})
    assert r.returncode == 0, r.stderr
    docs = sorted(out.rglob("*.docx"))
    assert docs and all(d.with_suffix(".pdf").is_file() for d in docs)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([temp.name, out.name])
    assert [p.name for p in temp.iterdir()] in ([], ["jieba.cache"])


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_links_that_lead_nowhere_are_skipped_for_what_they_are(tmp_path):
    """In a folder, a link to a file that is gone, two links to each other and a link loop of
    folders are skipped as links that cannot be opened (not as files huifang may not read, nor as
    files that are not workbooks); the workbook beside them is checked."""
    import os
    import shutil
    shutil.copy(EXAMPLES / "示例营业部.xlsx", tmp_path / "ok.xlsx")
    os.symlink(tmp_path / "gone.xlsx", tmp_path / "x.xlsx")
    os.symlink("b.xlsx", tmp_path / "a.xlsx")
    os.symlink("a.xlsx", tmp_path / "b.xlsx")
    os.symlink("e", tmp_path / "d")
    os.symlink("d", tmp_path / "e")
    r = huifang("validate", tmp_path, "--as-of", "2025-12-31", "--format", "json")
    skipped = {Path(s["file"]).name: s["reason"] for s in json.loads(r.stdout)["skipped"]}
    assert r.returncode == 1 and json.loads(r.stdout)["summary"]["files"] == 1
    assert skipped == dict.fromkeys(["x.xlsx", "a.xlsx", "b.xlsx", "d", "e"],
                                    "符号链接打不开（指向的文件不存在，或链接成环）")


@pytest.mark.skipif(sys.platform != "linux", reason="a file name in other bytes than UTF-8: Linux only")
def test_gbk_names_in_the_ledger_messages_and_a_gbk_tmpdir(tmp_path):
    """(helper 35) A GBK 台账.xlsx beside a UTF-8 台账.xlsx: the run ledger keeps each file's own
    SHA-256. The ledger's and the outputs' folders are named decoded in every line (台 is CC A8 in
    GBK, which reads as a UTF-8 character: only a path read part by part comes out right). A GBK
    TMPDIR does not stop the reading of a GBK-named workbook."""
    import sqlite3
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def run(*args, **extra):
        r = subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                           text=True, cwd=ROOT, env={**env, **extra})
        assert "内部错误" not in r.stderr and "Traceback" not in r.stderr, r.stderr
        return r
    folder = gbk(tmp_path, GBK_DIR)
    folder.mkdir()
    shutil.copy(EXAMPLES / "示例营业部.xlsx", gbk(folder, GBK_DIR + b".xlsx"))
    shutil.copy(EXAMPLES / "示例二营业部.xlsx", folder / "台账.xlsx")
    r = run("validate", folder, "--as-of", "2025-12-31", "--record")
    assert r.returncode == 1 and f"已记入运行台账：运行 #1（{tmp_path / '台账' / 'huifang-ledger.sqlite'}）" in r.stdout
    with sqlite3.connect(folder / "huifang-ledger.sqlite") as db:
        got = dict(db.execute("select unit, sha256 from ledger_books"))
    assert got == {unit: digest(EXAMPLES / f"{unit}.xlsx") for unit in ("示例营业部", "示例二营业部")}
    r = run("history", folder)
    assert r.returncode == 0 and f"运行台账 {tmp_path / '台账' / 'huifang-ledger.sqlite'}：共 1 次运行" in r.stdout
    r = run("site", EXAMPLES / "示例营业部.xlsx", "--as-of", "2025-12-31", "--out", gbk(tmp_path, b"s" + GBK_DIR))
    assert r.returncode == 0 and f"已构建站点：{tmp_path / 's台账'}（" in r.stdout
    temp = gbk(tmp_path, b"T" + GBK_DIR)
    temp.mkdir()
    r = run("validate", gbk(folder, GBK_DIR + b".xlsx"), "--as-of", "2025-12-31", TMPDIR=str(temp))
    assert r.returncode == 1 and "示例营业部" in r.stdout


@pytest.mark.parametrize("encoding", ["gbk", "ascii", "latin-1"])
def test_json_on_standard_output_in_another_encoding_stays_json(book, encoding):
    """(helper 35) Standard output in GBK (Chinese Windows, redirected), ASCII or Latin-1: a
    character it has not (an emoji in a 客户编号) is written as its JSON escape, not as Python's."""
    book.sheets["回访记录"][0]["客户编号"] = "C😀é"
    r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", str(book.write()), "--as-of", "2025-06-30",
                        "--format", "json"], capture_output=True, cwd=ROOT,
                       env={**os.environ, "PYTHONIOENCODING": encoding})
    assert r.returncode == 1, r.stderr
    found = json.loads(r.stdout.decode(encoding))["findings"]
    assert any(f["customer"] == "C😀é" for f in found)


@pytest.mark.skipif(sys.platform != "linux", reason="the C locale of a Linux server")
def test_an_ascii_locale_neither_stops_nor_garbles_names(tmp_path):
    """(helper 35) LC_ALL=C with Python's UTF-8 mode and locale coercion off (a service, cron): file
    names come in escaped, standard output is ASCII. The text report is written (Chinese escaped,
    no traceback), JSON stays JSON, and the report file names the workbooks as they are (UTF-8)."""
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    env.pop("PYTHONIOENCODING", None)
    run = [sys.executable, "-m", "generator.cli", "validate", str(EXAMPLES), "--as-of", "2025-12-31"]
    r = subprocess.run(run, capture_output=True, cwd=ROOT, env=env)
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"\\u5171 2 \\u4e2a" in r.stdout, r.stderr
    r = subprocess.run(run + ["--format", "json"], capture_output=True, cwd=ROOT, env=env)
    assert r.returncode == 1 and json.loads(r.stdout)["summary"]["files"] == 2
    r = subprocess.run(run + ["--format", "json", "--output", str(tmp_path / "r.json")], capture_output=True,
                       cwd=ROOT, env=env)
    files = {f["file"] for f in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["run"]["inputs"]}
    assert r.returncode == 1 and files == {str(EXAMPLES / "示例营业部.xlsx"), str(EXAMPLES / "示例二营业部.xlsx")}
