"""The run ledger's storage: one schema, written once, on SQLite (stdlib sqlite3, a file beside the
workbooks) or PostgreSQL (psycopg 3, one central ledger for all branches).

The SQL is written with `?` placeholders; the PostgreSQL backend turns them into `%s` in one
place (`Store.sql`). Every append runs in one transaction that first takes the ledger's lock,
so two runs recording at once never fork the hash chain: SQLite by BEGIN IMMEDIATE (the
database's write lock; another run that holds it is waited for, with a line saying so, as long as
for an output folder: HUIFANG_LOCK_WAIT), PostgreSQL by SELECT … FOR UPDATE on the
head row.
"""
from __future__ import annotations

import os
import re
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

from generator.names import shown
from generator.output import lock_wait
from generator.errors import HuifangError

SCHEMA_VERSION = 1
BUSY_SECONDS = 60
GENESIS = "0" * 64                  # the "hash before" the first entry

DDL = (
    """CREATE TABLE IF NOT EXISTS ledger_head (
        id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL, runs INTEGER NOT NULL, hash TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_runs (
        id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, as_of TEXT NOT NULL, since TEXT NOT NULL,
        version TEXT NOT NULL, rules_fingerprint TEXT NOT NULL, parameters_fingerprint TEXT NOT NULL,
        provenance TEXT NOT NULL, command TEXT NOT NULL,
        files INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, pending INTEGER NOT NULL,
        overdue INTEGER NOT NULL, new INTEGER NOT NULL, fixed INTEGER NOT NULL,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_books (
        run_id INTEGER NOT NULL, position INTEGER NOT NULL, file TEXT NOT NULL, unit TEXT NOT NULL,
        sha256 TEXT NOT NULL, size BIGINT NOT NULL, modified TEXT NOT NULL,
        errors INTEGER NOT NULL, warnings INTEGER NOT NULL, pending INTEGER NOT NULL, overdue INTEGER NOT NULL,
        new INTEGER NOT NULL, fixed INTEGER NOT NULL, PRIMARY KEY (run_id, position))""",
    """CREATE TABLE IF NOT EXISTS ledger_findings (
        run_id INTEGER NOT NULL, id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, unit TEXT NOT NULL,
        sheet TEXT, customer TEXT, due TEXT, overdue INTEGER NOT NULL, first_run INTEGER NOT NULL,
        PRIMARY KEY (run_id, id))""",
    "CREATE INDEX IF NOT EXISTS ledger_books_unit ON ledger_books (unit, run_id)",
)
RUN_COLUMNS = ("id", "recorded_at", "as_of", "since", "version", "rules_fingerprint", "parameters_fingerprint",
               "provenance", "command", "files", "errors", "warnings", "pending", "overdue", "new", "fixed",
               "prev_hash", "hash")
BOOK_COLUMNS = ("run_id", "position", "file", "unit", "sha256", "size", "modified", "errors", "warnings",
                "pending", "overdue", "new", "fixed")
FINDING_COLUMNS = ("run_id", "id", "rule", "severity", "unit", "sheet", "customer", "due", "overdue", "first_run")


class LedgerError(HuifangError):
    """A ledger that cannot be opened, read or written; one Chinese line naming it."""


class Store:
    """A connection to one ledger. `where` names it in messages (a path, or a URL without password)."""
    placeholder = "?"
    where = ""

    def sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    def rows(self, text: str, params=()) -> list[tuple]:
        with self._errors("读取"):
            return list(self.conn.execute(self.sql(text), tuple(params)).fetchall())

    def one(self, text: str, params=()):
        got = self.rows(text, params)
        return got[0] if got else None

    def execute(self, text: str, params=()) -> None:
        self.conn.execute(self.sql(text), tuple(params))

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        text = self.sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})")
        self.conn.cursor().executemany(text, rows)

    def has_schema(self) -> bool:
        raise NotImplementedError

    def head(self):
        """(schema version, runs, hash) of the head row, or None for a ledger without one."""
        if not self.has_schema():
            return None
        return self.one("SELECT schema_version, runs, hash FROM ledger_head WHERE id = 1")

    @contextmanager
    def _errors(self, doing: str):
        try:
            yield
        except LedgerError:
            raise
        except Exception as e:          # sqlite3.Error, psycopg.Error: said in one line
            if not _database_error(e):
                raise
            raise LedgerError(f"{shown(self.where)}：无法{doing}运行台账（{_reason(e)}）") from None

    @contextmanager
    def contents(self):
        """Work on what the ledger holds: a value of another type than huifang writes (SQLite keeps
        whatever a hand or another program put in a column) is one line naming the ledger, not
        an internal error."""
        try:
            yield self
        except LedgerError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as e:
            raise LedgerError(f"{shown(self.where)}：运行台账中有 huifang 读不懂的内容（{type(e).__name__}："
                              f"{str(e)[:60]}），可能已被改动或损坏；请用 huifang history --verify 核对，"
                              "核对无误时请把此消息发给维护人员") from None

    def create(self) -> None:
        for statement in DDL:
            self.execute(statement)
        self.execute("INSERT INTO ledger_head (id, schema_version, runs, hash) VALUES (1, ?, 0, ?) "
                     "ON CONFLICT (id) DO NOTHING", (SCHEMA_VERSION, GENESIS))

    def check_version(self) -> None:
        head = self.head()
        if head is not None and type(head[0]) is not int:
            raise LedgerError(f"{shown(self.where)}：运行台账已损坏（台账头的格式号 {str(head[0])[:20]!r} 不是数字），"
                              + _RECOVER)
        if head is not None and head[0] > SCHEMA_VERSION:
            raise LedgerError(f"{shown(self.where)}：运行台账由更新版本的 huifang 写出（格式 {head[0]}），"
                              "请升级 huifang")

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:               # closing a broken connection: nothing more to say
            pass


_RECOVER = "请用 huifang history --verify 核对；无法恢复时改用新的台账文件"


def _database_error(e: Exception) -> bool:
    return isinstance(e, (sqlite3.Error, OSError)) or type(e).__module__.startswith("psycopg")


def _reason(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    known = {"unable to open database file": "无法打开文件", "file is not a database": "不是 SQLite 数据库文件",
             "database is locked": "另一个程序长时间占用着它",
             "canceling statement due to lock timeout": "另一个程序长时间占用着它",
             "attempt to write a readonly database": "文件是只读的",
             "disk I/O error": "磁盘读写错误", "database disk image is malformed": "文件已损坏"}
    for en, zh in known.items():
        if text.startswith(en):
            return zh
    return text[:120]


class SQLiteStore(Store):
    def __init__(self, path: Path, create: bool) -> None:
        self.path = path
        self.where = str(path)
        if not create and not path.exists():
            raise LedgerError(f"{shown(path)}：找不到运行台账（先用 huifang validate --record 记录一次运行）")
        if create and path.parent and not path.parent.is_dir():
            raise LedgerError(f"{shown(path)}：运行台账所在的文件夹不存在")
        if path.exists() and not path.is_file():       # /dev/null, a folder, a pipe: SQLite would take it for empty
            raise LedgerError(f"{shown(path)}：不是文件，不能用作运行台账")
        with self._errors("打开"):
            if create and not path.exists():        # the ledger names customers by code: only its owner reads it
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            mode = "rwc" if create else "rw"
            self.conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True,
                                        timeout=BUSY_SECONDS, isolation_level=None)
            self.conn.execute("PRAGMA foreign_keys = ON")
            # a file that is no database says so here
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

    def has_schema(self) -> bool:
        return bool(self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_head'").fetchone())

    @contextmanager
    def append(self):
        """One write transaction holding the database's write lock from its start."""
        with self._errors("写入"):
            self._begin()
            try:
                self.create()
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")


    def _begin(self) -> None:
        """BEGIN IMMEDIATE: at once, or, while another run holds the ledger's write lock (recording
        its entry, or taking it back), after a line saying so, waiting as long as for an output
        folder (HUIFANG_LOCK_WAIT)."""
        self.conn.execute("PRAGMA busy_timeout = 100")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as e:
            if not str(e).startswith("database is locked"):
                raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
        _waiting(self.where)
        self.conn.execute(f"PRAGMA busy_timeout = {int(lock_wait() * 1000)}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")


def _waiting(where: str) -> None:
    print(f"huifang：另一个 huifang 进程正在记录运行台账 {shown(where)}，等它完成后继续……", file=sys.stderr, flush=True)


class PostgresStore(Store):
    placeholder = "%s"

    def __init__(self, url: str) -> None:
        self.where = _without_password(url)
        try:
            import psycopg
        except ImportError:
            raise LedgerError(f"{shown(self.where)}：使用 PostgreSQL 运行台账需要安装 psycopg"
                              "（pip install 'huifang[postgres]'）") from None
        with self._errors("连接"):
            self.conn = psycopg.connect(url, connect_timeout=15, autocommit=True)

    def has_schema(self) -> bool:
        return self.conn.execute("SELECT to_regclass('ledger_head')").fetchone()[0] is not None

    @contextmanager
    def append(self):
        """One transaction: the tables made under an advisory lock (two first runs at once), then the
        head row locked FOR UPDATE until commit."""
        with self._errors("写入"):
            with self.conn.transaction():
                # "huifang ledger", any fixed number; held by another run that records: said, then waited for
                if not self.one("SELECT pg_try_advisory_xact_lock(4878)")[0]:
                    _waiting(self.where)
                    self.execute(f"SET LOCAL lock_timeout = '{int(lock_wait() * 1000)}ms'")
                    self.execute("SELECT pg_advisory_xact_lock(4878)")
                    self.execute("SET LOCAL lock_timeout = 0")
                self.create()
                self.execute("SELECT runs FROM ledger_head WHERE id = 1 FOR UPDATE")
                yield self


def _without_password(url: str) -> str:
    """The URL as it may be shown: no password in the user part nor in the query (libpq takes both)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
    try:
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)
        netloc = (host[0].split(":", 1)[0] + "@" + host[1]) if len(host) == 2 else parts.netloc
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                           if k.lower() != "password"])
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1@", url).split("?", 1)[0]


def open_store(path: Path | None = None, url: str | None = None, create: bool = False) -> Store:
    store = PostgresStore(url) if url else SQLiteStore(path, create)
    try:
        with store._errors("读取"):
            store.check_version()
    except BaseException:
        store.close()
        raise
    return store
