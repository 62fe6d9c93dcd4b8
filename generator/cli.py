"""The `huifang` command line. Each command parses its options and calls one module."""
from __future__ import annotations

import functools
import os
import re
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from generator import __version__
from generator.cli_zh import install as _chinese
from generator.cli_zh import wide_formatter
from generator.errors import HuifangError
from generator.names import readable, shown
from generator.kinds import DOCUMENTS, FORMATS

_chinese()
# numpy's OpenBLAS starts a thread per core at import, which spins between calls; huifang does
# no linear algebra (numpy counts and gathers bytes and cells), so one is enough
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class Fail(HuifangError):
    """Exit 2 with one Chinese line on standard error."""


def friendly(fn):
    """Every way a command can fail ends in one Chinese line on stderr and exit status 2, never a
    traceback; a run stopped by a signal removes what it had half-written; the scratch of runs
    that were killed earlier is removed (generator.scratch)."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        from generator import scratch
        from generator.output import release_outputs
        scratch.install_signal_handlers()
        try:
            try:
                scratch.sweep_system_temp()
                return fn(*a, **kw)
            finally:
                scratch.check_stopped()     # a signal whose exception a finalizer swallowed
        except HuifangError as e:
            _fail_line(str(e))
        except BrokenPipeError:             # the reader of our output went away (| head): say nothing more
            _quiet_stdout()
            sys.exit(141)                   # as a shell reports a process ended by SIGPIPE
        except OSError as e:
            from generator.output import why
            where = f"{e.filename}：" if e.filename is not None else ""
            _fail_line(f"{where}{why(e)}，操作未完成，未留下不完整的文件")
        except MemoryError:
            _fail_line("内存不足，操作未完成，未留下不完整的文件；请关闭其他程序，或把工作簿分成几个较小的文件后重试")
        except KeyboardInterrupt as e:
            scratch.cleanup()
            release_outputs()
            click.echo("huifang：已中断，未写出不完整的文件", err=True)
            scratch.hard_exit(scratch.exit_status(e))
        except Exception as e:           # a defect of huifang itself: said in one line, the details in a file
            _fail_line(f"内部错误（{type(e).__name__}），操作未完成，未留下不完整的文件；{_crash_report(e)}")
        finally:
            scratch.cleanup()
            release_outputs()
    return wrapper


def _quiet_stdout() -> None:
    import os
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fail_line(message: str) -> None:
    """The one line of a command that failed: a file name that is not UTF-8 readable, a line break
    or other control character in it (a file named so) escaped."""
    from generator.workbook.values import one_line
    click.echo(f"huifang：{one_line(readable(message))}", err=True)
    sys.exit(2)


def _crash_report(e: Exception) -> str:
    """The traceback, for the maintainers, in a private file (HUIFANG_DEBUG=1 shows it instead)."""
    import os
    import tempfile
    import traceback
    text = "".join(traceback.format_exception(e))
    if os.environ.get("HUIFANG_DEBUG"):
        click.echo(text, err=True)
        return "详细信息见上"
    try:
        try:
            fd, path = tempfile.mkstemp(prefix="huifang-内部错误-", suffix=".txt")
        except UnicodeEncodeError:      # a file system encoding without Chinese (an ASCII locale)
            fd, path = tempfile.mkstemp(prefix="huifang-internal-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:     # a name not UTF-8
            fh.write(f"huifang {__version__}\n{text}")
    except OSError:
        return "请设置 HUIFANG_DEBUG=1 重试以查看详细信息"
    return f"详细信息已写入 {path}，请发给维护人员"


def parse_day(ctx, param, value):
    """Dates in options are written one way only: YYYY-MM-DD (2025-12-31)."""
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise click.BadParameter(f"“{value}”不是 YYYY-MM-DD 格式的日期（如 2025-12-31）")
    try:
        return date.fromisoformat(value)
    except ValueError:
        y, m, d = map(int, value.split("-"))
        why = f"没有 {m} 月" if not 1 <= m <= 12 else f"{y} 年 {m} 月没有 {d} 日"
        raise click.BadParameter(f"“{value}”格式正确，但不是实际存在的日期（{why}）") from None


DEFAULT_INPUT = "workbooks"


def input_paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The paths given, or the example workbooks folder `workbooks/` when none is given."""
    if paths:
        return paths
    if Path(DEFAULT_INPUT).is_dir():
        return (DEFAULT_INPUT,)
    raise Fail("请指定工作簿或文件夹（当前目录下没有 workbooks 文件夹）")


def load_settings(config_file: str | None, paths: tuple[str, ...]):
    from generator.config import find_config, load_config
    path = Path(config_file) if config_file else find_config([Path(p) for p in paths])
    return load_config(path)


def period_options(fn):
    fn = click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="文件",
                      help="规则配置文件（默认：工作簿旁的 huifang.toml，或内置默认值）")(fn)
    fn = click.option("--since", callback=parse_day, metavar="YYYY-MM-DD",
                      help="检查期间的第一天（默认：检查日所在年的 1 月 1 日）")(fn)
    fn = click.option("--as-of", "as_of", callback=parse_day, metavar="YYYY-MM-DD", help="检查日（默认：今天）")(fn)
    return fn


def colors(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    import os
    return stream is not None and stream.isatty() and not os.environ.get("NO_COLOR")


def reading_progress(path: Path, size: int) -> None:
    """A line on standard error before a large workbook is read, so a long run is seen to be alive."""
    click.echo(f"huifang：正在读取 {shown(path)}（{size / 1e6:.0f} MB），请稍候……", err=True)


def long_lived() -> None:
    """The report and every cell behind it stay until the command ends: moved out of the cyclic
    collector's sight (gc.freeze), so that the ledger, the annotated copies and the report's
    encoding, which allocate an object or more per finding, do not traverse millions of cells again
    and again (0.25 s of a findings-heavy 100,000-record run). They are still freed by reference
    counting; the reader makes no reference cycles."""
    import gc
    gc.freeze()


def run_validation(paths, as_of, since, config_file, jobs: int = 1, reduce=None):
    from generator.validate import validate_paths
    paths = input_paths(paths)
    config = load_settings(config_file, paths)
    return validate_paths(list(paths), config, as_of, since, progress=reading_progress, jobs=jobs, reduce=reduce)


def ledger_options(fn):
    return click.option("--record", is_flag=True,
                        help="把本次运行（来历、各工作簿的条数、每条发现的标识和级别）记入运行台账"
                             "（默认：第一个输入所在文件夹的 huifang-ledger.sqlite，或 huifang.toml 的 [ledger]）")(fn)


def _lenient_streams() -> None:
    """Standard output and error never stop a command over a character they cannot encode (a file
    name that is not UTF-8, kept as surrogate escapes, under a strict UTF-8 locale; any Chinese
    under an ASCII locale): it is written escaped. The messages name files through shown() /
    readable(); this is the net under them."""
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors == "strict" or (errors == "surrogateescape" and not _utf8(stream)):   # (an ASCII locale)
            if not hasattr(stream, "reconfigure"):
                continue
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):     # closed, or a stream that cannot change now
                pass


def _utf8(stream) -> bool:
    import codecs
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8"
    except LookupError:
        return False


class ChineseContext(click.Context):
    formatter_class = wide_formatter()


class ChineseCommand(click.Command):
    context_class = ChineseContext


class ChineseGroup(click.Group):
    context_class = ChineseContext
    command_class = ChineseCommand

    def main(self, *a, **kw):
        _lenient_streams()
        try:
            return super().main(*a, standalone_mode=False, **kw)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("huifang：已取消", err=True)
            sys.exit(2)
        except click.ClickException as e:
            e.show()
            sys.exit(2)


def run() -> None:
    """The console script and `python -m generator.cli`: the command (`main`, which tests and
    scripts call as click documents), then the process leaves without freeing what the command
    held one object at a time - the cells of a large workbook, a tenth of a second for 100,000
    records. By then every output is written and closed (the report and the copies are put in
    place whole, the ledger's connection is closed, every worker has ended); the logging handlers
    and the standard streams are flushed first."""
    try:
        main.main()
    except SystemExit as e:
        leave(e.code)       # here, while its traceback still holds the command's frame and all it refers to
    leave(0)


def leave(code) -> None:
    """End the process with sys.exit's status for `code`, without the interpreter's teardown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:                           # sys.exit("text"): the text on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    import logging

    from generator import scratch
    logging.shutdown()
    scratch.hard_exit(status & 0xFF)


@click.group(cls=ChineseGroup, help="回访台账：校验客户回访工作簿，生成附件文书，发布合规状态站点。",
             options_metavar="[选项]", subcommand_metavar="命令 [参数]...",
             epilog="示例：\n\n\b\n  huifang validate 台账/ --as-of 2025-12-31\n  huifang rules NEW001\n\n"
                    "每个命令的用法：huifang 命令 --help")
@click.version_option(__version__, prog_name="huifang", help="显示版本并退出。")
def main():
    pass


@main.command(short_help="写出空白回访台账工作簿",
              help="写出一个空白回访台账工作簿（全部工作表、表头批注、下拉选项、日期格式）。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang init 我的营业部.xlsx\n  huifang init 台账.xlsx --force")
@click.argument("file", type=click.Path(dir_okay=False), metavar="文件.xlsx")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="文件",
              help="规则配置（决定问卷列）")
@friendly
def init(file, force, config_file):
    from generator.config import load_config
    from generator.workbook.contract import build_contract
    from generator.workbook.blank import init_workbook
    config = load_config(Path(config_file) if config_file else None)
    init_workbook(Path(file), force, build_contract(config.banks))
    click.echo(f"已写出空白工作簿：{shown(Path(file).absolute())}")


@main.command(short_help="按规则目录校验工作簿（退出码 0 无错误、1 有错误、2 无法读取）",
              help="按规则目录校验工作簿。退出码：0 无错误，1 有错误，2 无法读取或调用有误。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang validate 台账/ --as-of 2025-12-31\n"
                     "  huifang validate 我的营业部.xlsx --format json --output 报告.json\n"
                     "  huifang validate 台账/ --annotate 标注/")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[工作簿或文件夹]...")
@period_options
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text",
              help="报告格式：" + "；".join(f"{f.key} {f.title}" for f in FORMATS.values()))
@click.option("--output", type=click.Path(dir_okay=False), metavar="文件", help="把报告写入文件，而不是标准输出")
@click.option("--annotate", type=click.Path(file_okay=False), metavar="文件夹",
              help="把标注了发现的工作簿副本写入此文件夹")
@click.option("--verbose", "-v", is_flag=True, help="文本报告中写出每条依据的完整文件名和条款")
@ledger_options
@click.option("--since-run", "since_run", metavar="last|运行编号",
              help="与运行台账中的一次运行对比：每条发现标为新增或仍未改正，并列出此后已改正的发现")
@click.option("--fail-on", "fail_on", type=click.Choice(["any", "new"]), default="any", show_default=True,
              help="any：有错误即退出码 1；"
                   "new：只有新增的错误才退出码 1（与 --since-run 或上一次记录的运行对比）")
@friendly
def validate(paths, as_of, since, config_file, fmt, output, annotate, verbose, record, since_run, fail_on):
    from generator.ledger import recording
    from generator.output import check_report_target, write_with
    from generator.validate import WRITERS, collect_paths
    from generator.validate.pool import no_cells
    if output:
        check_report_target(Path(output), collect_paths(input_paths(paths)))
    elif sys.stdout is None:        # closed (>&-), or no console at all (pythonw, a service)
        raise Fail("标准输出不可用（已关闭或没有控制台），校验报告无处可写；请用 --output 指定报告文件")
    # 0: a process per core; the annotated copies are written from the input packages, not the cells
    report = run_validation(paths, as_of, since, config_file, jobs=0, reduce=no_cells if annotate else None)
    long_lived()
    def render(stream):
        WRITERS[fmt](report, stream, color=output is None and colors(sys.stdout), verbose=verbose)
    # a run whose report or copies cannot be written takes back its ledger entry and its copies
    with (recording(report, input_paths(paths), record=record, since_run=since_run, fail_on=fail_on),
          annotated_copies(report, annotate)):
        if output:
            write_with(Path(output), render, binary=getattr(WRITERS[fmt], "binary", False))
            counts = (f"{len(report.books)} 个工作簿，错误 {report.count('error')} 条，"
                      f"警告 {report.count('warning')} 条，待办 {len(report.pending)} 项")
            click.echo(f"已写出报告：{shown(Path(output).absolute())}（{counts}）", err=True)
        else:
            try:
                render(sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:             # | head: the report's own exit status all the same
                _quiet_stdout()
    sys.exit(report.exit_code)


@contextmanager
def annotated_copies(report, folder):
    """validate --annotate's copies (annotate.annotated), said on standard error; none without the option."""
    if not folder:
        yield
        return
    from generator.validate.annotate import annotated
    with annotated(report, Path(folder), warn=lambda m: click.echo(f"huifang：{readable(m)}", err=True)) as written:
        click.echo(f"已写出标注副本 {len(written)} 个：{shown(Path(folder).absolute())}", err=True)
        yield


@main.command(short_help="列出规则目录，或说明一条规则",
              help="列出规则目录，或说明一条规则：检查什么、参数及默认值、依据。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang rules\n  huifang rules NEW001")
@click.argument("rule_id", required=False, metavar="[规则编号]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="文件",
              help="显示此配置下生效的参数值")
@friendly
def rules(rule_id, config_file):
    from generator.rules.catalog import describe_rule, list_rules
    config = load_settings(config_file, ())
    if rule_id:
        click.echo(readable(describe_rule(rule_id.upper(), config)))
    else:
        click.echo(readable(list_rules(config)))


@main.command(short_help="填写四种附件文书（计划、记录表、报告、流失档案）",
              help="用工作簿数据填写四种附件文书：回访计划、回访记录表、回访报告、流失客户档案表。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang generate 台账/ --out 文书/\n"
                     "  huifang generate 台账/ --out 文书/ --kind record --period 2025-09 --pdf")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[工作簿或文件夹]...")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="文件夹", help="输出文件夹")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(list(DOCUMENTS)),
              help="只生成这些种类（可重复）：" + "、".join(f"{d.key} {d.title}" for d in DOCUMENTS.values()))
@click.option("--period", metavar="报告期", help="只生成该期间的文书：2025、2025-Q3 或 2025-09")
@click.option("--customer", "customers", multiple=True, metavar="客户编号",
              help="只生成这些客户的文书（客户编号，可重复）")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转换为 PDF")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="文件", help="规则配置（决定问卷）")
@click.option("--templates", type=click.Path(file_okay=False, exists=True), metavar="文件夹",
              help="使用此文件夹中（修改过的）模板，文件名同 doc_templates/")
@friendly
def generate(paths, out, kinds, period, customers, pdf, config_file, templates):
    from generator.documents.generate import generate as run
    from generator.documents.templates import TEMPLATE_DIR
    paths = input_paths(paths)
    config = load_settings(config_file, paths)
    summary = run(list(paths), Path(out), kinds=kinds, period=period, customers=customers, pdf=pdf,
                  config=config, progress="bar" if sys.stderr.isatty() else "lines",
                  templates=Path(templates) if templates else TEMPLATE_DIR)
    click.echo(readable(summary))


@main.command(short_help="构建回访工作手册与合规状态站点",
              help="校验工作簿，写出合规状态页，并用 mkdocs 构建回访工作手册站点。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang site 台账/ --as-of 2025-12-31 --out 站点/")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[工作簿或文件夹]...")
@period_options
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="文件夹", help="站点输出文件夹")
@ledger_options
@friendly
def site(paths, as_of, since, config_file, out, record):
    from generator.ledger import recording
    from generator.output import check_replaceable
    from generator.site.build import build_site
    from generator.site.facts import site_facts
    from generator.site.trendview import trends_for
    report = run_validation(paths, as_of, since, config_file, jobs=0, reduce=site_facts)
    if record:
        check_replaceable(Path(out), [b.path for b in report.books])
    # the entry is written first, so the site's trends include this run, and kept once the site is built
    with recording(report, input_paths(paths), record=record, command="site") as ledger:
        trends = trends_for(report, input_paths(paths), ledger)
        click.echo(readable(build_site(report, Path(out), commands=main, trends=trends)))
    if record:
        click.echo(f"已记入运行台账：运行 #{report.recorded}（{shown(report.ledger)}），"
                   f"记录的哈希 {report.recorded_hash}")


@main.command(short_help="排出某月的回访计划（工作簿副本、附件二、计划说明）",
              help="由到期、逾期的回访和年度覆盖要求，排出某月的回访计划：写出追加了计划行的工作簿副本、"
                   "附件二《客户回访计划》和计划说明（输入的工作簿不会被改动）。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang plan 台账/ --month 2026-01 --out 计划/\n"
                     "  huifang plan 示例营业部.xlsx --month 2026-01 --as-of 2025-12-31 --seed 7 --out 计划/")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[工作簿或文件夹]...")
@period_options
@click.option("--month", required=True, metavar="YYYY-MM", help="计划月份（如 2026-01）")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="文件夹", help="输出文件夹")
@click.option("--seed", type=int, default=1, show_default=True, metavar="整数",
              help="存量回访抽样的随机种子（同一种子、同一数据得到同一名单）")
@click.option("--preparer", metavar="工号", help="计划的编制人（默认留空，由编制人填写）")
@click.option("--supervisor", metavar="工号", help="审批计划的部门主管（默认留空）")
@friendly
def plan(paths, as_of, since, config_file, month, out, seed, preparer, supervisor):
    from generator.planning import run_plan
    paths = input_paths(paths)
    config = load_settings(config_file, paths)
    click.echo(readable(run_plan(list(paths), Path(out), month, config=config, as_of=as_of, since=since, seed=seed,
                                  preparer=preparer, supervisor=supervisor)))


@main.command(short_help="列出运行台账中的运行，或核对其哈希链",
              help="列出运行台账中记录的运行（编号、时间、检查日、工作簿数、错误、警告、新增、改正），"
                   "或用 --verify 核对哈希链：记录被改动、删除或调换顺序时指出第一条，退出码 2。",
              options_metavar="[选项]",
              epilog="示例：\n\n\b\n  huifang history 台账/\n  huifang history 台账/ --verify\n"
                     "  huifang history --ledger 台账/huifang-ledger.sqlite --verify")
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[工作簿或文件夹]...")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="文件",
              help="配置文件（其中的 [ledger]；默认：工作簿旁的 huifang.toml）")
@click.option("--ledger", type=click.Path(dir_okay=False), metavar="文件", help="直接指定运行台账文件（.sqlite）")
@click.option("--verify", is_flag=True, help="核对哈希链，而不是列出运行")
@friendly
def history(paths, config_file, ledger, verify):
    from generator.ledger import history_text, verify_text
    if not ledger:
        paths = input_paths(paths)
    config = load_settings(config_file, paths)
    click.echo(readable((verify_text if verify else history_text)(config, paths, ledger=ledger)))


if __name__ == "__main__":
    run()
