"""The one connection helper and schema set-up for the tracker database.

Functions take a connection as their first argument (sqlite-utils style); only
:func:`connect` opens one. ``schema.sql`` is the single definition of tables
and views; :data:`SCHEMA_VERSION` records which version a file was built with.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import random
import re
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import duckdb
import pyarrow as pa

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "tracker.duckdb"
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
#: 2: progress_reports.valid_until (tracker.report_validity). 3: progress_reports.source_row and the
#: upload_files table (the uploaded file kept instead of each row's cells as JSON). 4: npc_facts.topic, nature,
#: year_end, comparator (figures said at a People's Congress topical inquiry, as targets or status). 5: targets.whole_item
#: (a task or measure without a target of its own, reported as a whole: loaders.whole_items).
SCHEMA_VERSION = 5


def connect(path: Path | str = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database at ``path`` (":memory:" for a scratch one), creating the schema if needed."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
    if not read_only:
        ensure_schema(con)
    return con


#: DuckDB's memory cap (``memory_limit``); TRACKER_DUCKDB_MEMORY overrides it, e.g. "1GB".
DEFAULT_MEMORY_LIMIT = "400MB"
#: Worker threads: the servers have 2 cores; TRACKER_DUCKDB_THREADS overrides it.
DEFAULT_THREADS = 2


def duckdb_config() -> dict[str, str]:
    """Settings every connection opens with: a memory cap and a thread count fit for a small server."""
    return {"memory_limit": os.environ.get("TRACKER_DUCKDB_MEMORY") or DEFAULT_MEMORY_LIMIT,
            "threads": str(os.environ.get("TRACKER_DUCKDB_THREADS") or DEFAULT_THREADS)}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing; never drops or rewrites a table that holds data.

    A file this very ``schema.sql`` has run on (the view ``schema_fingerprint`` holds the file's
    SHA-256), at :data:`SCHEMA_VERSION` and with every table and view of it, is left as it is:
    running the file's 30 statements costs about 35 ms a connection, the check about 6 ms. Any
    change to ``schema.sql`` changes the fingerprint, so the file runs again.
    """
    sql = SCHEMA_FILE.read_text(encoding="utf-8")
    fingerprint = hashlib.sha256(sql.encode("utf-8")).hexdigest()
    if _schema_in_place(con, sql, fingerprint):
        return
    con.execute(sql)
    current = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    if current is None:
        con.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION])
    elif current < SCHEMA_VERSION:
        write_transaction(con, lambda c: _migrate(c, current))
        con.execute(sql)   # views over changed tables, bound anew
    # last: a failure above leaves the former fingerprint, so the next connection tries again
    con.execute(f"CREATE OR REPLACE VIEW {FINGERPRINT_VIEW} AS SELECT '{fingerprint}' AS sha256")   # hex digits


#: The view holding the SHA-256 of the ``schema.sql`` last run on a file (:func:`ensure_schema`).
FINGERPRINT_VIEW = "schema_fingerprint"
#: The tables and views ``schema.sql`` creates (their names).
_SCHEMA_OBJECT = re.compile(r"^CREATE (?:TABLE IF NOT EXISTS|OR REPLACE VIEW) (\w+)", re.MULTILINE)


def _schema_in_place(con: duckdb.DuckDBPyConnection, sql: str, fingerprint: str) -> bool:
    """Whether ``sql`` (of SHA-256 ``fingerprint``) has run on this file at :data:`SCHEMA_VERSION` and
    every table and view it creates is there and binds: one statement that names each of them (a
    missing one fails it). Cheaper than asking ``duckdb_tables()``, which costs ~20 ms on a new connection."""
    named = " UNION ALL ".join(f"(SELECT NULL, NULL FROM {name} LIMIT 0)" for name in _SCHEMA_OBJECT.findall(sql))
    try:
        found = dict(con.execute(
            f"SELECT 'version', max(version)::VARCHAR FROM schema_version "
            f"UNION ALL SELECT 'fingerprint', sha256 FROM {FINGERPRINT_VIEW} UNION ALL {named}").fetchall())
    except (duckdb.CatalogException, duckdb.BinderException):   # missing, or a view over a changed table
        return False
    return found.get("fingerprint") == fingerprint and found.get("version") == str(SCHEMA_VERSION)


def _migrate(con: duckdb.DuckDBPyConnection, current: int) -> None:
    """Bring a file made by an earlier version up to :data:`SCHEMA_VERSION`: columns are added and
    filled in, never dropped; one transaction, so a failure leaves the file as it was."""
    from tracker import report_validity

    # every column first, then the fills: DuckDB refuses to commit a transaction that alters a table
    # again after updating it
    if current < 2:
        con.execute("ALTER TABLE progress_reports ADD COLUMN IF NOT EXISTS valid_until VARCHAR")
    if current < 3:   # upload_files itself comes from schema.sql
        con.execute("ALTER TABLE progress_reports ADD COLUMN IF NOT EXISTS source_row INTEGER")
    if current < 4:   # stored counts are work counts (no topic) of what was done (status): the defaults
        for column in ("topic VARCHAR", "nature VARCHAR DEFAULT 'status'", "year_end INTEGER", "comparator VARCHAR"):
            con.execute(f"ALTER TABLE npc_facts ADD COLUMN IF NOT EXISTS {column}")
    if current < 5:   # the targets stored before are the text's own (the rows of whole items come with a build)
        con.execute("ALTER TABLE targets ADD COLUMN IF NOT EXISTS whole_item BOOLEAN DEFAULT false")
    if current < 2:
        report_validity.refresh_all(con)
    if current < 3:   # the rows of earlier reports, from the JSON of their cells
        con.execute("UPDATE progress_reports SET source_row = TRY_CAST(json_extract_string(raw_cells, '$.row') AS INTEGER) "
                    "WHERE raw_cells IS NOT NULL AND json_valid(raw_cells)")
    con.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION])


#: DuckDB's ``checkpoint_threshold`` while a batch of write transactions runs (:func:`checkpoints_deferred`).
BATCH_CHECKPOINT_THRESHOLD = "1GB"


@contextmanager
def checkpoints_deferred(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold DuckDB's automatic checkpoints back while a batch of write transactions runs; the threshold
    is restored after, and closing the connection writes the one checkpoint.

    DuckDB checkpoints at a COMMIT when the WAL plus the transaction's estimated size pass
    ``checkpoint_threshold`` (16 MiB). In DuckDB 1.4 the estimate counts the in-memory buffers of the
    indexes the transaction added to (primary, unique and foreign keys; 256 KiB a buffer), so storing
    one source file, a few hundred KB of WAL, triggers a checkpoint, and every checkpoint writes all
    indexes of the database again. A build is a batch of such transactions: one checkpoint at the end
    costs less than one after each large file. Commits stay durable through the WAL meanwhile.
    """
    before = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute(f"SET checkpoint_threshold = '{BATCH_CHECKPOINT_THRESHOLD}'")
    try:
        yield con
    finally:
        con.execute(f"SET checkpoint_threshold = '{before}'")


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """The next free integer key of ``table`` (tables and columns are ours, never user input)."""
    return con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()[0]


def next_ids(con: duckdb.DuckDBPyConnection, *keys: tuple[str, str]) -> list[int]:
    """:func:`next_id` of each ``(table, column)`` in ``keys``, in that order, read in one statement."""
    return table_aggregates(con, [f"coalesce(max({column}), 0) + 1 FROM {table}" for table, column in keys])


def table_aggregates(con: duckdb.DuckDBPyConnection, parts, cast: str | None = None) -> list:
    """The value of each ``"aggregate FROM table"`` of ``parts`` (ours, never user input), in order, read
    in one statement: a ``UNION ALL`` of one single-table aggregate each. A statement costs DuckDB about a
    millisecond however small, and one ``SELECT`` of that many scalar subqueries sends DuckDB 1.4's
    join-order optimizer through the orders of their cross product (30-60 ms for eleven).
    ``cast``: a type every value is cast to, for parts of different types."""
    def select(n: int, part: str) -> str:
        aggregate, table = part.split(" FROM ", 1)
        return f"SELECT {n} AS k, ({aggregate}){'::' + cast if cast else ''} FROM {table}"
    sql = " UNION ALL ".join(select(n, part) for n, part in enumerate(parts))
    return [value for _, value in sorted(con.execute(sql).fetchall())]


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], chunk: int = 500,
                columns: tuple[str, ...] | None = None) -> None:
    """``INSERT INTO table`` every row of ``rows`` (tuples in the table's column order, or of ``columns``):
    what ``executemany`` stores, without one statement per row (tables are ours).

    The rows go in as one Arrow table DuckDB scans: a statement of a few hundred rows of ``?`` took
    DuckDB four to five times longer to bind than the scan. Without ``columns`` the Arrow table goes in
    as a relation (by position), with them through a view registered for the statement (a view made and
    dropped costs about a millisecond more). Rows whose columns Arrow cannot type (a column mixing
    numbers and text, say) go in as ``VALUES``, ``chunk`` rows per statement."""
    if not rows:
        return
    into = f"{table} ({', '.join(columns)})" if columns else table
    try:
        data = pa.table({f"c{i}": pa.array([row[i] for row in rows]) for i in range(len(rows[0]))})
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        data = None
    if data is not None and columns is None:
        con.from_arrow(data).insert_into(table)
        return
    if data is not None:
        name = f"insert_rows_{uuid.uuid4().hex}"
        con.register(name, data)
        try:
            con.execute(f"INSERT INTO {into} SELECT * FROM {name}")
        finally:
            con.unregister(name)
        return
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        row = "(" + ", ".join("?" * len(part[0])) + ")"
        con.execute(f"INSERT INTO {into} VALUES {', '.join([row] * len(part))}",
                    [value for values in part for value in values])


# ---------------------------------------------------------------------------- writes and locks


class DatabaseBusy(RuntimeError):
    """Another process held the database file for longer than we were willing to wait."""


def is_write_conflict(exc: BaseException) -> bool:
    """A write-write conflict between two transactions of this process (retrying from the start fixes it).

    DuckDB raises TransactionException at COMMIT (or on an UPDATE of a row another open
    transaction changed); two transactions that both took ``max(id) + 1`` meet as a
    duplicate key, either at COMMIT or at INSERT once the other has committed.
    """
    if isinstance(exc, duckdb.TransactionException):
        return True
    return isinstance(exc, duckdb.ConstraintException) and "duplicate key" in str(exc).lower()


def write_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T],
                      attempts: int = 10, base_delay: float = 0.01, max_delay: float = 0.5, label: str = "") -> T:
    """``work(con)`` in one transaction, run again from the start after a write-write conflict.

    ``work`` must only read and write the database (it may run several times). On any
    other error the transaction is rolled back and the error raised: nothing is half-written.
    ``label`` names the kind of write for the fault-injection hook (``upload``).
    """
    for attempt in range(1, attempts + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            result = work(con)
            _pause_for_tests("before-commit", label)
            commit(con)
        except BaseException as exc:
            _rollback(con)
            if attempt < attempts and is_write_conflict(exc):
                time.sleep(min(max_delay, base_delay * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
                continue
            raise
        _pause_for_tests("after-commit", label)
        return result
    raise AssertionError("unreachable")


_commit_numbers = itertools.count(1)
_last_commit = 0


def commit(con: duckdb.DuckDBPyConnection) -> None:
    """COMMIT the transaction ``con`` holds and count it (:func:`commits`). Every writer that opens a
    transaction of its own ends it here."""
    global _last_commit
    con.execute("COMMIT")
    _last_commit = next(_commit_numbers)


def commits() -> int:
    """How many transactions :func:`commit` has committed in this process: the dashboard reads its data's
    fingerprint once per page run, and again after a commit (:mod:`tracker.app_db`)."""
    return _last_commit


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:   # a failed COMMIT has already ended the transaction
        pass


def _pause_for_tests(point: str, label: str) -> None:
    """Fault-injection hook for tests/test_faults.py: TRACKER_PAUSE_AT=before-commit|after-commit,
    optionally of one kind of write only (``before-commit:upload``).

    Writes the file named by TRACKER_PAUSE_FILE and sleeps, so a test can kill the
    process at a known point of a write. Unset in production, where it costs one lookup.
    """
    if os.environ.get("TRACKER_PAUSE_AT") in (point, f"{point}:{label}"):
        Path(os.environ["TRACKER_PAUSE_FILE"]).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(float(os.environ.get("TRACKER_PAUSE_SECONDS", "60")))


def is_lock_error(exc: BaseException) -> bool:
    """Another process holds the file (DuckDB lets one process at a time open it read-write)."""
    return isinstance(exc, duckdb.IOException) and "Could not set lock" in str(exc)


def connect_when_free(path: Path | str = DEFAULT_DB, read_only: bool = False, timeout: float = 60.0,
                      on_wait: Callable[[], None] | None = None) -> duckdb.DuckDBPyConnection:
    """:func:`connect`, waiting with back-off while another process holds the file.

    ``on_wait`` is called once, when the first attempt finds the file busy. Raises
    :class:`DatabaseBusy` (message in Chinese) after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    waited = False
    while True:
        try:
            return connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise
            if time.monotonic() + delay > deadline:
                raise DatabaseBusy(busy_message(path, timeout)) from exc
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 1.0)


def busy_message(path: Path | str, timeout: float) -> str:
    return f"数据库“{Path(path).name}”被其他程序占用，等待{timeout:g}秒后仍未释放，请稍后重试（数据未作任何改动）"
