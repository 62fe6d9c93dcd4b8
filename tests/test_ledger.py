"""Every check leaves evidence (issue 28): provenance in every report, stable finding identities,
the run ledger on SQLite and PostgreSQL, its hash chain, and new / open / fixed since a run.

The ledger tests run on SQLite and on the PostgreSQL server named by HUIFANG_TEST_PG_URL (.ci/run
starts one); in CI (CI=true or HUIFANG_REQUIRE_PG=1) that server is required, never skipped."""
from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Book, customer, record
from generator.config import load_config
from generator.rules.examples import answers
from generator.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("HUIFANG_TEST_PG_URL")
PG_REQUIRED = os.environ.get("CI") == "true" or os.environ.get("HUIFANG_REQUIRE_PG") == "1"


def huifang(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "generator.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ------------------------------------------------------------------ a unit that changes from run to run

def unit(folder: Path, missing: list[int], extra_rows: int = 0, shuffle: int | None = None) -> Path:
    """A unit whose customers in `missing` opened their accounts in March 2025 with no 新开户回访
    (one NEW001 each, judged 2025-06-30); the others had theirs."""
    folder.mkdir(parents=True, exist_ok=True)
    b = Book(folder)
    customers = [customer(客户编号=f"C{i:04d}", 开户日期=date(2025, 3, i)) for i in range(1, 7)]
    records = [{**{k: v for k, v in record().items() if k not in ("违规代客操作", "全权委托", "已提示风险")},
                **answers("新开户回访"), "记录编号": f"R{i:04d}", "客户编号": f"C{i:04d}", "回访类型": "新开户回访",
                "回访时间": datetime(2025, 3, i + 3, 10), "报告日期": date(2025, 3, i + 3),
                "提交审核日期": date(2025, 3, i + 3), "审核日期": date(2025, 3, i + 3)}
               for i in range(1, 7) if i not in missing]
    records += [record(记录编号=f"X{i:04d}", 客户编号="C0001") for i in range(extra_rows)]
    if shuffle is not None:
        random.Random(shuffle).shuffle(customers)
        random.Random(shuffle).shuffle(records)
    b.sheets["客户"], b.sheets["回访记录"] = customers, records
    path = folder / "营业部.xlsx"
    from synth import write_workbook
    write_workbook(path, b.sheets)
    return path


# ------------------------------------------------------------------ backends

@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request, tmp_path):
    """A folder for the workbooks whose huifang.toml (PostgreSQL: a schema of its own) names an
    empty ledger; yields (folder, connect) where connect() opens the ledger for tampering."""
    folder = tmp_path / "台账"
    folder.mkdir()
    if request.param == "sqlite":
        yield folder, lambda: sqlite3.connect(folder / "huifang-ledger.sqlite", isolation_level=None)
        return
    if not PG_URL:
        if PG_REQUIRED:
            pytest.fail("CI 须设置 HUIFANG_TEST_PG_URL（.ci/run 启动的 PostgreSQL 服务器）")
        pytest.skip("没有设置 HUIFANG_TEST_PG_URL：PostgreSQL 运行台账的测试只在有服务器时运行")
    import psycopg
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    (folder / "huifang.toml").write_text(f'[ledger]\nurl = "{url}"\n', encoding="utf-8")
    yield folder, lambda: psycopg.connect(url, autocommit=True)
    with psycopg.connect(PG_URL, autocommit=True) as c:
        c.execute(f"DROP SCHEMA {schema} CASCADE")


def record_runs(folder: Path, states: list[list[int]]) -> None:
    """Record one run per state (the customers without their callback), in this process."""
    from generator.ledger import track
    for missing in states:
        path = unit(folder, missing)
        config = load_config(folder / "huifang.toml" if (folder / "huifang.toml").exists() else None)
        report = validate_paths([path], config, date(2025, 6, 30))
        track(report, [str(path)], record=True)


def report_json(*args) -> tuple[int, dict, str]:
    r = huifang("validate", *args, "--as-of", "2025-06-30", "--format", "json")
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, (json.loads(r.stdout) if r.stdout else {}), r.stderr


# ------------------------------------------------------------------ provenance

def test_provenance_in_json_and_text(tmp_path):
    path = unit(tmp_path / "a", missing=[2])
    (tmp_path / "a" / "huifang.toml").write_text("[rules.OUT001]\nmin_attempts = 5\n", encoding="utf-8")
    code, rep, _ = report_json(path)
    run = rep["run"]
    assert code == 1 and run["version"] == __import__("generator").__version__
    assert len(run["rules_fingerprint"]) == 64 and len(run["parameters_fingerprint"]) == 64
    assert run["config"] == str(tmp_path / "a" / "huifang.toml")
    assert {"rule": "OUT001", "key": "min_attempts", "value": "5", "origin": run["config"]} in run["parameters"]
    assert {"year": 2025, "source": "official"} in run["calendar"]
    [inp] = run["inputs"]
    assert inp["file"] == str(path) and inp["sha256"] == digest(path) and inp["size"] == path.stat().st_size
    assert inp["modified"] == datetime.fromtimestamp(path.stat().st_mtime).isoformat(sep=" ", timespec="seconds")
    assert run["recorded"] is None and run["since_run"] is None and rep["fixed"] == []
    assert all(len(f["id"]) == 20 and f["status"] is None for f in rep["findings"])

    text = huifang("validate", path, "--as-of", "2025-06-30").stdout
    assert (f"huifang {run['version']} · 规则目录 {run['rules_fingerprint'][:12]}"
            f" · 参数 {run['parameters_fingerprint'][:12]}") in text
    assert "1 项不是默认值" in text and "日历 2025 官方" in text
    assert f"输入 {path}  SHA-256 {inp['sha256'][:16]}  {inp['size']:,} 字节  修改于 {inp['modified']}" in text
    assert "rules.OUT001.min_attempts = 5" in text


def test_fingerprints_follow_the_parameters_not_the_run(tmp_path):
    from generator.config import config_from
    from generator.validate.provenance import parameters_fingerprint, rules_fingerprint
    assert rules_fingerprint() == rules_fingerprint()
    base = parameters_fingerprint(config_from({}, ""))
    assert base == parameters_fingerprint(config_from({}, ""))
    assert base != parameters_fingerprint(config_from({"rules": {"OUT001": {"min_attempts": 5}}}, "x.toml"))
    assert base != parameters_fingerprint(config_from({"rules": {"PLN001": {"enabled": False}}}, "x.toml"))


def test_the_calendar_of_each_year_is_named():
    from generator.rules.workdays import WorkCalendar
    from generator.validate.provenance import calendar_years
    cal = WorkCalendar({2099: {"holidays": [], "workdays": []}})
    lo, hi = cal.known_years()
    cal.is_workday(date(hi + 1, 3, 2))
    got = {c.year: c.source for c in calendar_years(cal, date(2099, 1, 5), date(lo, 1, 1))}
    assert got[lo] == "official" and got[hi + 1] == "provisional" and got[2099] == "config"


# ------------------------------------------------------------------ identities

def _ids(path: Path) -> dict[str, tuple]:
    rep = validate_paths([path], load_config(None), date(2025, 6, 30))
    ids = [f.id for f in rep.findings]
    assert len(ids) == len(set(ids))
    return {f.id: (f.rule, f.customer, f.column) for f in rep.findings}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10 ** 6), extra=st.integers(0, 4))
def test_identities_survive_inserted_and_sorted_rows(tmp_path_factory, seed, extra):
    tmp = tmp_path_factory.mktemp("ids")
    plain = _ids(unit(tmp / "plain", missing=[1, 3, 5]))
    moved = _ids(unit(tmp / "moved", missing=[1, 3, 5], shuffle=seed))
    assert moved == plain
    grown = _ids(unit(tmp / "grown", missing=[1, 3, 5], extra_rows=extra, shuffle=seed))
    assert set(plain) <= set(grown)          # rows inserted: the old findings keep their identities


def test_duplicate_records_get_distinct_identities(book):
    book.sheets["回访记录"] = [record(), record(), record(记录编号="R0002", 录音编号=None)]
    rep = book.report()
    ids = [f.id for f in rep.findings]
    assert len(ids) == len(set(ids)) and any(f.rule == "DATA004" for f in rep.findings)


# ------------------------------------------------------------------ new / open / fixed

def test_new_open_fixed_over_three_recorded_runs(ledger):
    folder, _ = ledger
    unit(folder, missing=[1, 2])                                    # run 1: C0001, C0002 overdue
    code, rep, err = report_json(folder, "--record")
    assert code == 1 and rep["run"]["recorded"] == 1, err
    first = {f["customer"]: f["id"] for f in rep["findings"] if f["rule"] == "NEW001"}

    unit(folder, missing=[2, 3])                                    # run 2: C0001 done, C0003 new
    code, rep, err = report_json(folder, "--record", "--since-run", "last")
    assert code == 1 and rep["run"]["recorded"] == 2 and rep["run"]["since_run"] == 1, err
    assert "huifang-ledger" not in json.dumps(rep["skipped"], ensure_ascii=False)   # the ledger is no input
    marks = {f["customer"]: (f["status"], f["first_seen"]) for f in rep["findings"] if f["rule"] == "NEW001"}
    assert marks == {"C0002": ("open", "2025-06-30"), "C0003": ("new", None)}
    assert [(x["id"], x["rule"], x["customer"], x["status"]) for x in rep["fixed"] if x["rule"] == "NEW001"] == [
        (first["C0001"], "NEW001", "C0001", "fixed")]
    assert next(f["id"] for f in rep["findings"] if f["customer"] == "C0002") == first["C0002"]

    unit(folder, missing=[3])                                       # run 3: C0002 done
    code, rep, _ = report_json(folder, "--record", "--since-run", "last", "--fail-on", "new")
    assert code == 0                                                # errors remain, none is new
    assert {f["customer"]: f["status"] for f in rep["findings"] if f["rule"] == "NEW001"} == {"C0003": "open"}
    assert [x["customer"] for x in rep["fixed"] if x["rule"] == "NEW001"] == ["C0002"]
    code, rep, _ = report_json(folder, "--since-run", "1", "--fail-on", "new")
    assert code == 1                                                # against run 1, C0003 is new
    assert {x["customer"] for x in rep["fixed"] if x["rule"] == "NEW001"} == {"C0001", "C0002"}

    text = huifang("validate", folder, "--as-of", "2025-06-30", "--since-run", "2").stdout
    assert "自运行 #2（检查日 2025-06-30）以来新增 0 条，仍未改正 2 条，已改正 1 条" in text
    assert "〔仍未改正，首次 2025-06-30〕" in text and "自运行 #2 以来已改正 1 条：" in text
    assert "客户 C0002  [错误] NEW001" in text.split("自运行 #2 以来已改正")[1]

    listing = huifang("history", folder)
    assert listing.returncode == 0 and "共 3 次运行" in listing.stdout
    assert "#2  " in listing.stdout and "错误 2  警告" in listing.stdout and "新增 1  已改正 1" in listing.stdout


def test_fail_on_new_without_a_recorded_run_counts_every_error(tmp_path):
    path = unit(tmp_path / "a", missing=[1])
    code, rep, _ = report_json(path, "--record", "--fail-on", "new")
    assert code == 1 and all(f["status"] == "new" for f in rep["findings"])
    code, rep, _ = report_json(path, "--fail-on", "new")
    assert code == 0 and all(f["status"] == "open" for f in rep["findings"])


def test_recording_leaves_the_inputs_alone_and_holds_no_personal_data(tmp_path):
    path = unit(tmp_path / "a", missing=[1])
    before = digest(path)
    assert huifang("validate", path, "--as-of", "2025-06-30", "--record").returncode == 1
    assert digest(path) == before and sorted(p.name for p in path.parent.iterdir()) == ["huifang-ledger.sqlite",
                                                                                        "营业部.xlsx"]
    ledger_file = path.parent / "huifang-ledger.sqlite"
    assert ledger_file.stat().st_mode & 0o077 == 0
    dump = "\n".join(sqlite3.connect(ledger_file).iterdump())
    for secret in ("张三", "13800000001", "11010519491231002X", "未完成"):
        assert secret not in dump
    assert "C0001" in dump


# ------------------------------------------------------------------ the hash chain

TAMPER = {
    "edited finding": ("UPDATE ledger_findings SET severity = 'warning' WHERE run_id = 2", 2),
    "edited run": ("UPDATE ledger_runs SET errors = 0 WHERE id = 2", 2),
    "deleted run": ("DELETE FROM ledger_runs WHERE id = 2", 2),
    "deleted finding": ("DELETE FROM ledger_findings WHERE run_id = 3", 3),
    "reordered runs": ("UPDATE ledger_runs SET id = -1 WHERE id = 2; UPDATE ledger_runs SET id = 2 WHERE id = 3; "
                       "UPDATE ledger_runs SET id = 3 WHERE id = -1", 2),
    "deleted last run": ("DELETE FROM ledger_runs WHERE id = 3", 3),
}


@pytest.mark.parametrize("kind", TAMPER)
def test_verify_names_the_first_broken_entry(ledger, kind):
    folder, connect = ledger
    record_runs(folder, [[1, 2], [2, 3], [3]])
    ok = huifang("history", folder, "--verify")
    assert ok.returncode == 0 and "共 3 次运行，哈希链完整" in ok.stdout, ok.stderr
    sql, first = TAMPER[kind]
    c = connect()
    for statement in sql.split("; "):
        c.execute(statement)
    c.close()
    r = huifang("history", folder, "--verify")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and f"哈希链在第 {first} 条记录" in r.stderr, r.stderr


def test_concurrent_recording_never_forks_the_chain(ledger):
    folder, _ = ledger
    from generator.ledger import open_ledger, track
    from generator.ledger.chain import verify
    path = unit(folder, missing=[1])
    config = load_config(folder / "huifang.toml" if (folder / "huifang.toml").exists() else None)
    track(validate_paths([path], config, date(2025, 6, 30)), [str(path)], record=True)   # the schema exists
    reports = [validate_paths([path], config, date(2025, 6, 30)) for _ in range(4)]
    errors = []

    def go(rep):
        try:
            track(rep, [str(path)], record=True)
        except Exception as e:          # collected and asserted below
            errors.append(e)
    threads = [threading.Thread(target=go, args=(r,)) for r in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(r.recorded for r in reports) == [2, 3, 4, 5]
    store = open_ledger(config, [str(path)])
    try:
        assert verify(store) == 5
    finally:
        store.close()



def test_a_run_waiting_for_the_ledger_says_so_and_gives_up_after_the_lock_wait(ledger):
    """(helper 42) While another run holds the ledger's write lock a run that records waited a
    minute without a word. It says it waits, waits as long as for an output folder
    (HUIFANG_LOCK_WAIT), and then says why it stops."""
    folder, connect = ledger
    path = unit(folder, missing=[1])
    assert huifang("validate", path, "--as-of", "2025-06-30", "--record").returncode == 1
    c = connect()
    if isinstance(c, sqlite3.Connection):
        c.execute("BEGIN IMMEDIATE")
    else:
        c.execute("SELECT pg_advisory_lock(4878)")
    try:
        r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", str(path), "--as-of", "2025-06-30",
                            "--record"], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "HUIFANG_LOCK_WAIT": "1"})
    finally:
        c.close()
    assert r.returncode == 2, r.stderr
    assert "另一个 huifang 进程正在记录运行台账" in r.stderr and "另一个程序长时间占用着它" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert "共 1 次运行" in huifang("history", folder).stdout
    assert huifang("validate", path, "--as-of", "2025-06-30", "--record").returncode == 1

# ------------------------------------------------------------------ a ledger that cannot be used

@pytest.mark.parametrize("setup, args, says", [
    (lambda d: (d / "huifang.toml").write_text('[ledger]\npath = "没有/这个/文件夹/l.sqlite"\n', encoding="utf-8"),
     ["--record"], "运行台账所在的文件夹不存在"),
    (lambda d: (d / "huifang-ledger.sqlite").write_bytes(b"not a database at all" * 100), ["--record"],
     "不是 SQLite 数据库文件"),
    (lambda d: None, ["--since-run", "last"], "找不到运行台账"),
    (lambda d: None, ["--record", "--since-run", "7"], "运行台账中没有运行 #7"),
    (lambda d: None, ["--since-run", "上次"], "应为 last 或运行编号"),
    (lambda d: (d / "huifang.toml").write_text('[ledger]\nurl = "mysql://x"\n', encoding="utf-8"), ["--record"],
     "ledger.url 应以 postgresql:// 开头"),
])
def test_a_ledger_that_cannot_be_used_is_one_line_and_exit_2(tmp_path, setup, args, says):
    path = unit(tmp_path / "a", missing=[1])
    setup(path.parent)
    before = digest(path)
    r = huifang("validate", path, "--as-of", "2025-06-30", *args)
    assert r.returncode == 2 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout and r.stdout == "" and digest(path) == before



@pytest.mark.parametrize("tamper, refused, says", [
    ("UPDATE ledger_head SET schema_version = 'abc'", {"history", "since", "record"}, "台账头的格式号 'abc' 不是数字"),
    ("UPDATE ledger_runs SET recorded_at = x'ff00'", {"history"}, "运行台账中有 huifang 读不懂的内容"),
    ("UPDATE ledger_runs SET as_of = 'not a day'", {"since"}, "运行台账中有 huifang 读不懂的内容"),
])
def test_a_ledger_holding_what_huifang_never_writes_is_one_line_naming_it(tmp_path, tamper, refused, says):
    """(helper 42) SQLite keeps any value in any column: one edited by hand or by another program
    was an internal error (TypeError) in history, validate --since-run and --record. What a
    command needs of such a value is refused in one line naming the ledger; what it does not
    need does not stop it."""
    path = unit(tmp_path / "a", missing=[1])
    assert huifang("validate", path, "--as-of", "2025-06-30", "--record").returncode == 1
    ledger = path.parent / "huifang-ledger.sqlite"
    c = sqlite3.connect(ledger)
    c.execute(tamper)
    c.commit()
    c.close()
    for name, args in (("history", ["history", path]),
                       ("since", ["validate", path, "--as-of", "2025-06-30", "--since-run", "last"]),
                       ("record", ["validate", path, "--as-of", "2025-06-30", "--record"])):
        r = huifang(*args)
        assert "Traceback" not in r.stderr and "内部错误" not in r.stderr, r.stderr
        if name in refused:
            assert r.returncode == 2 and says in r.stderr and str(ledger) in r.stderr, (args, r.stderr)
        else:
            assert r.returncode in (0, 1), (args, r.stderr)

def test_a_device_is_no_ledger(tmp_path):
    """(helper 42) /dev/null read as an empty ledger: "no runs yet", exit 0."""
    for args in (["history", "--ledger", os.devnull], ["history", "--ledger", os.devnull, "--verify"]):
        r = huifang(*args)
        assert r.returncode == 2 and "不是文件，不能用作运行台账" in r.stderr, r.stderr


def test_history_of_a_folder_without_a_ledger(tmp_path):
    unit(tmp_path / "a", missing=[])
    r = huifang("history", tmp_path / "a")
    assert r.returncode == 2 and "找不到运行台账" in r.stderr and "Traceback" not in r.stderr
    r = huifang("history", "--help")
    assert r.returncode == 0 and "--verify" in r.stdout


def test_site_records_its_run(tmp_path, monkeypatch):
    """`site --record` records the run once the site is built."""
    from click.testing import CliRunner

    from generator.cli import main
    path = unit(tmp_path / "a", missing=[1])
    r = CliRunner().invoke(main, ["site", str(path), "--as-of", "2025-06-30", "--out", str(tmp_path / "site"),
                                  "--record"])
    assert r.exit_code == 0 and "已记入运行台账：运行 #1" in r.output, r.output
    assert (tmp_path / "site" / "index.html").is_file()
    assert "site" in huifang("history", path).stdout



def test_a_run_whose_outputs_could_not_be_written_is_not_recorded(ledger, tmp_path, monkeypatch):
    """(helper 42) validate --record whose annotated copies, report or site could not be written
    (exit 2) was in the ledger all the same: a run without a report, which the next --since-run
    last compared with. Its entry is taken back when the outputs fail."""
    from click.testing import CliRunner

    from generator.cli import main
    from generator.output import OutputError
    folder, _ = ledger
    unit(folder, missing=[1])
    assert report_json(folder, "--record")[1]["run"]["recorded"] == 1
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    r = huifang("validate", folder, "--as-of", "2025-06-30", "--record", "--annotate", foreign)
    assert r.returncode == 2 and "不是空的" in r.stderr
    import generator.site.build as build

    def fails(*a, **kw):
        raise OutputError("站点：无法写入（磁盘空间不足），未留下不完整的文件")
    monkeypatch.setattr(build, "build_site", fails)
    r = CliRunner().invoke(main, ["site", str(folder), "--as-of", "2025-06-30", "--out", str(tmp_path / "site"),
                                  "--record"])
    assert r.exit_code == 2 and "磁盘空间不足" in r.output
    if os.path.exists("/dev/full"):        # (helper 43) a full disk is said as such, not blamed on the ledger
        with open("/dev/full", "w") as full:
            r = subprocess.run([sys.executable, "-m", "generator.cli", "validate", str(folder), "--as-of", "2025-06-30",
                                "--record"], stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert r.returncode == 2 and "运行台账" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    listing = huifang("history", folder)
    assert listing.returncode == 0 and "共 1 次运行" in listing.stdout, listing.stdout
    code, rep, _ = report_json(folder, "--record", "--since-run", "last")
    assert rep["run"]["recorded"] == 2 and rep["run"]["since_run"] == 1
    assert huifang("history", folder, "--verify").returncode == 0

# ------------------------------------------------------------------ trends for the status pages

def test_unit_trends_over_runs_and_month_ends(ledger):
    from generator.ledger import open_ledger
    from generator.ledger.trends import month_ends, unit_trends
    folder, _ = ledger
    record_runs(folder, [[1, 2], [2, 3, 4], [3]])
    path = folder / "营业部.xlsx"
    config = load_config(folder / "huifang.toml" if (folder / "huifang.toml").exists() else None)
    report = validate_paths([path], config, date(2025, 6, 30))
    store = open_ledger(config, [str(path)])
    try:
        [trend] = unit_trends(report, store)
    finally:
        store.close()
    assert trend.unit == "测试营业部"
    assert [(p.run, p.errors, p.overdue) for p in trend.runs] == [(1, 2, 2), (2, 3, 3), (3, 1, 1)]
    assert [(p.new, p.fixed) for p in trend.runs][1:] == [(2, 1), (0, 2)]
    assert trend.new == 0 and trend.fixed == 2 and trend.direction == "better"
    assert month_ends(date(2025, 1, 15), date(2025, 6, 30))[::5] == [date(2025, 1, 31), date(2025, 6, 30)]
    # C0003 opened 2025-03-03: its 新开户回访 was due 2025-04-03, overdue from the April month-end on
    assert [(m.month_end.month, m.overdue) for m in trend.months] == [(1, 0), (2, 0), (3, 0), (4, 1), (5, 1), (6, 1)]


def test_units_are_ranked_by_urgency(tmp_path):
    from generator.ledger.trends import MonthPoint, UnitTrend, unit_trends
    calm = UnitTrend("甲", months=[MonthPoint(date(2025, 5, 31), 3, 0), MonthPoint(date(2025, 6, 30), 1, 0)])
    late = UnitTrend("乙", months=[MonthPoint(date(2025, 5, 31), 0, 0), MonthPoint(date(2025, 6, 30), 2, 2)])
    assert sorted([calm, late], key=lambda t: t.urgency) == [late, calm]
    assert (calm.direction, late.direction) == ("better", "worse")
    assert unit_trends() == []


def test_a_recorded_report_carries_its_entrys_hash_as_an_anchor_outside_the_ledger(tmp_path):
    import re
    """A report filed or mailed with its entry's hash shows later whether the chain was recomputed."""
    path = unit(tmp_path / "a", missing=[1])
    r = huifang("validate", path, "--as-of", "2025-06-30", "--format", "json", "--record")
    data = json.loads(r.stdout)
    anchor = data["run"]["recorded_hash"]
    assert re.fullmatch(r"[0-9a-f]{64}", anchor)
    db = next(path.parent.glob("huifang-ledger.sqlite"))
    with sqlite3.connect(db) as c:
        stored = c.execute("SELECT hash FROM ledger_runs WHERE id = ?", (data["run"]["recorded"],)).fetchone()[0]
    assert stored == anchor
    text = huifang("validate", path, "--as-of", "2025-06-30", "--record").stdout
    assert re.search(r"已记入运行台账：运行 #2（.*），记录的哈希 [0-9a-f]{64}", text)


def test_an_entry_is_taken_back_only_while_it_is_the_last(tmp_path):
    """The chain ends where it ended before; an entry another run has recorded after stays."""
    from generator.ledger import open_ledger
    from generator.ledger.chain import append_run, take_back, verify
    path = unit(tmp_path / "a", missing=[1])
    config = load_config(None)
    report = validate_paths([path], config, date(2025, 6, 30))
    store = open_ledger(config, [str(path)], create=True)
    try:
        first = append_run(store, report, "validate")
        second = append_run(store, report, "validate")
        assert not take_back(store, *first)             # no longer the last
        assert take_back(store, *second) and verify(store) == 1
        assert take_back(store, *first) and verify(store) == 0
        assert append_run(store, report, "validate")[0] == 1 and verify(store) == 1
    finally:
        store.close()


@pytest.mark.parametrize("tamper", ["UPDATE ledger_runs SET recorded_at = x'ff00'",
                                    "UPDATE ledger_runs SET as_of = 'abc'"])
def test_a_site_over_a_ledger_it_cannot_read_shows_its_month_trends(tmp_path, tamper):
    """(helper 43) The site crashed (TypeError while its pages were written) over a run whose time
    was a blob, and published counts that were text. The trends over runs are extra: said in one
    line, and the site shows its month-end trends."""
    path = unit(tmp_path / "a", missing=[1])
    assert huifang("validate", path, "--as-of", "2025-06-30", "--record").returncode == 1
    c = sqlite3.connect(path.parent / "huifang-ledger.sqlite")
    c.execute(tamper)
    c.commit()
    c.close()
    r = huifang("site", path, "--as-of", "2025-06-30", "--out", tmp_path / "site")
    assert r.returncode == 0 and "运行台账中有 huifang 读不懂的内容" in r.stderr, r.stderr
    assert "本次站点只显示各月末的趋势" in r.stderr and (tmp_path / "site" / "index.html").is_file()
    r = huifang("site", path, "--as-of", "2025-06-30", "--out", tmp_path / "site2", "--record")
    assert r.returncode == 2 and "运行台账中有 huifang 读不懂的内容" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "site2").exists()
