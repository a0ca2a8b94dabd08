"""The status table of an as-of month, judged once and stored: what the dashboard pages read.

Judging every target (:mod:`tracker.progress_queries`) reads the plans and the reports and runs
the status rules row by row group; at province scale that takes a second or more. The result
only changes when the data, the settings or the rules change, so it is kept in
``status_rows`` (one *snapshot* per as-of month, level, plan year and settings) and labelled
with the fingerprint of everything it was judged from (:func:`data_version` and
:data:`RULES_VERSION`). A page then filters and aggregates the stored rows in SQL.

A snapshot is built on first use, in one transaction that first checks the data it sees is the
data the caller saw; a snapshot of an older fingerprint is never read again and is deleted at
the next build. A read-only connection, or one inside a transaction of its own (whose data other
connections cannot see), gets the same rows judged on the spot, registered as a view under a name
of its own, so pages and exports run the same SQL either way (:class:`StatusScope`).

Only whole as-of months are stored (``as_of_day`` at the month's end) and only for the plan
year (or every year) the sidebar chooses; other filters are applied when reading.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from tracker.db import next_id, table_aggregates, write_transaction
from tracker.filters import Filters, target_ids_where
from tracker.settings import StatusSettings

#: How many snapshots of the current data are kept (the most recently built; older ones are rebuilt on use).
KEEP_SNAPSHOTS = 24

#: The modules whose code decides a stored row: a new release of any of them makes old snapshots stale.
_RULE_MODULES = ("status.py", "progress_queries.py", "actions.py", "reporting.py", "report_validity.py",
                 "status_store.py", "settings.py", "filters.py", "supervision.py")


def _rules_version() -> str:
    digest = hashlib.sha256()
    for name in _RULE_MODULES:
        digest.update((Path(__file__).with_name(name)).read_bytes())
    return digest.hexdigest()[:16]


RULES_VERSION = _rules_version()

#: What the plans are: files, documents, items, targets and their shares per place, responsibilities,
#: organisations, people, places, and the People's Congress counts (read again when their rules change:
#: loaders.npc_reports.refresh_facts gives them new ids)
#: (each "aggregate FROM table").
_PLAN_PARTS = ("count(*) FROM source_files", "max(loaded_at) FROM source_files", "count(*) FROM documents",
               "count(*) FROM items", "count(*) FROM targets", "max(target_id) FROM targets",
               "count(*) FROM target_allocations", "count(*) FROM assignments", "count(*) FROM item_leaders",
               "count(*) FROM organisations", "count(*) FROM people", "count(*) FROM jurisdictions",
               "max(fact_id) FROM npc_facts")
#: What else a status depends on: uploads (with their reports) and supervisors' actions.
_PROGRESS_PARTS = ("count(*) FROM uploads", "max(upload_id) FROM uploads",
                   "count(*) FROM supervision_actions", "max(action_id) FROM supervision_actions")


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """A fingerprint of everything a status depends on; it changes whenever plans are loaded,
    reports are uploaded (``progress_reports`` are only ever written with their upload) or
    supervisors act. Reads only small tables and counts, so it costs about a millisecond."""
    return _fingerprint(con, (*_PLAN_PARTS, *_PROGRESS_PARTS))


def plan_part(version: tuple) -> tuple:
    """The part of a :func:`data_version` that only loading plans changes (its first parts): uploads and
    actions leave it as it is."""
    return version[:len(_PLAN_PARTS)]


def _fingerprint(con: duckdb.DuckDBPyConnection, parts: tuple[str, ...]) -> tuple:
    """The values of ``parts`` as text, in order, in one statement (:func:`tracker.db.table_aggregates`)."""
    return tuple(table_aggregates(con, parts, cast="VARCHAR"))


@dataclass(frozen=True)
class SnapshotKey:
    as_of: str
    level: str
    scope: str            # "2024": the documents of that plan year; "all": every year
    settings_key: str
    data_version: str

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, as_of: str, level: str, year: int | None,
           settings: StatusSettings, version: tuple | None = None) -> "SnapshotKey":
        """``version``: :func:`data_version` of ``con``, when the caller has just read it."""
        return cls(as_of, level, "all" if year is None else str(int(year)),
                   json.dumps(asdict(settings), sort_keys=True, ensure_ascii=False),
                   json.dumps([RULES_VERSION, *(data_version(con) if version is None else version)],
                              ensure_ascii=False))

    @property
    def filters(self) -> Filters:
        return Filters(year=None if self.scope == "all" else int(self.scope))


def _find(con: duckdb.DuckDBPyConnection, key: SnapshotKey) -> int | None:
    row = con.execute("""SELECT snapshot_id FROM status_snapshots
                         WHERE as_of = ? AND level = ? AND scope = ? AND settings_key = ? AND data_version = ?""",
                      [key.as_of, key.level, key.scope, key.settings_key, key.data_version]).fetchone()
    return None if row is None else int(row[0])


def _writable(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('access_mode')").fetchone()[0] != "read_only"


def snapshot_id(con: duckdb.DuckDBPyConnection, as_of: str, level: str, year: int | None,
                settings: StatusSettings, version: tuple | None = None) -> int | None:
    """The stored snapshot for these arguments, built now if there is none; None when it cannot be
    stored (read-only connection, or ``con`` sees data other connections do not: judge on the spot).

    ``version``: :func:`data_version` of ``con`` as the caller read it, so that several lookups of one
    view share one fingerprint (and one version of the data). A build checks the data afresh: when it
    changed since, nothing is built and the caller judges on the spot."""
    key = SnapshotKey.of(con, as_of, level, year, settings, version)
    try:
        found = _find(con, key)
    except duckdb.CatalogException:
        if _writable(con):   # a writable connection creates the tables (tracker.db.connect)
            raise
        return None          # a file made before snapshots were stored, opened read-only: nothing to find
    if found is not None or not _writable(con):
        return found
    cursor = con.cursor()   # a transaction of its own, whatever ``con`` is in the middle of
    try:
        if SnapshotKey.of(cursor, as_of, level, year, settings) != key:
            return None      # ``con`` has uncommitted changes (or the data changed this instant)
        return write_transaction(cursor, lambda c: _build(c, key), label="status-snapshot")
    finally:
        cursor.close()


#: The snapshot level of the 催报 rows (:func:`tracker.supervision.reporting_rows`), kept in ``reporting_rows``.
REPORTING = "reporting"
#: Where each level's rows are stored.
_TABLES = {"city": "status_rows", "jurisdiction": "status_rows", REPORTING: "reporting_rows"}


def _build(con: duckdb.DuckDBPyConnection, key: SnapshotKey) -> int | None:
    from tracker.progress_queries import live_status
    from tracker.supervision import reporting_rows

    year = int(key.scope) if key.scope != "all" else None
    settings = StatusSettings(**json.loads(key.settings_key))
    if SnapshotKey.of(con, key.as_of, key.level, year, settings) != key:
        return None
    found = _find(con, key)
    if found is not None:
        return found
    if key.level == REPORTING:
        frame = reporting_rows(con, key.as_of, year, settings)
    else:
        frame = live_status(con, key.as_of, key.filters, settings, key.level)
        frame = frame.assign(row_order=range(len(frame)))[["row_order", *frame.columns]]
    new_id = next_id(con, "status_snapshots", "snapshot_id")   # before the deletes: a key is never re-used
    _delete(con, "data_version <> ?", [key.data_version])        # within a transaction (DuckDB refuses that)
    con.execute("INSERT INTO status_snapshots (snapshot_id, as_of, level, scope, settings_key, data_version, n_rows) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [new_id, key.as_of, key.level, key.scope, key.settings_key, key.data_version, len(frame)])
    name = f"status_build_{uuid.uuid4().hex}"
    con.register(name, frame)
    try:
        con.execute(f"INSERT INTO {_TABLES[key.level]} SELECT ?, * FROM {name}", [new_id])
    finally:
        con.unregister(name)
    _delete(con, f"snapshot_id NOT IN (SELECT snapshot_id FROM status_snapshots "
                 f"ORDER BY snapshot_id DESC LIMIT {KEEP_SNAPSHOTS})", [])
    return new_id


def _delete(con: duckdb.DuckDBPyConnection, where: str, params: list) -> None:
    for table in sorted(set(_TABLES.values())):
        con.execute(f"DELETE FROM {table} WHERE snapshot_id IN (SELECT snapshot_id FROM status_snapshots WHERE {where})",
                    params)
    con.execute(f"DELETE FROM status_snapshots WHERE {where}", params)


def clear(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every stored snapshot (they are rebuilt on use)."""
    _delete(con, "TRUE", [])


# ---------------------------------------------------------------------------- reading


class StatusScope:
    """The status rows of an as-of month and filters, as a relation SQL can read: ``{rows}`` in a
    query becomes a subquery over the stored snapshot (or over the rows judged on the spot).

    Use as a context manager: ``with StatusScope(con, as_of, filters, settings, level) as s:
    s.df("SELECT status, count(*) FROM {rows} GROUP BY status")``.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: str, filters: Filters,
                 settings: StatusSettings, level: str, snapshot: int | None = None,
                 version: tuple | None = None) -> None:
        """``snapshot``: the id :func:`snapshot_id` gave for these arguments, when the caller has it;
        ``version``: the data version the caller read, for looking it up (:func:`snapshot_id`)."""
        self.con, self.as_of, self.filters, self.settings, self.level = con, as_of, filters, settings, level
        self.snapshot, self.version = snapshot, version
        self._registered: str | None = None
        self._cursor: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> "StatusScope":
        if self.snapshot is None:
            self.snapshot = snapshot_id(self.con, self.as_of, self.level, self.filters.year, self.settings,
                                        self.version)
        self._cursor = self.con.cursor()
        if self.snapshot is None:
            from tracker.progress_queries import live_status

            frame = live_status(self.con, self.as_of, Filters(year=self.filters.year), self.settings, self.level)
            self._registered = f"status_live_{uuid.uuid4().hex}"
            self._cursor.register(self._registered, frame.assign(row_order=range(len(frame))))
            #: Every row of the snapshot (no filter but its year), for joins back to full rows.
            self.unfiltered = f"(SELECT * FROM {self._registered})"
        else:
            self.unfiltered = f"(SELECT * FROM status_rows WHERE snapshot_id = {int(self.snapshot)})"
        kept, params = target_ids_where(self.filters)
        clauses = [kept]
        if self.filters.jurisdictions:
            clauses.append("list_contains(?::VARCHAR[], jurisdiction_code)")
            params.append(list(self.filters.jurisdictions))
        self.rows = f"(SELECT * FROM {self.unfiltered} WHERE {' AND '.join(clauses)})"
        self.params = params
        return self

    def __exit__(self, *exc) -> None:
        if self._cursor is not None:
            if self._registered:
                self._cursor.unregister(self._registered)
            self._cursor.close()

    def execute(self, sql: str, params: list | None = None) -> duckdb.DuckDBPyConnection:
        """``sql`` with ``{rows}`` (once, before any ``?`` of ``params``) standing for the filtered status rows
        and ``{all}`` (any number of times) for :attr:`unfiltered`."""
        assert sql.count("{rows}") == 1, "one {rows} per query"
        sql = sql.replace("{rows}", self.rows).replace("{all}", self.unfiltered)
        return self._cursor.execute(sql, [*self.params, *(params or [])])

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """The result as a DataFrame, through Arrow (faster than ``.df()`` for wide rows of text), with the
        column types ``.df()`` gives (dates as ``datetime64[us]``)."""
        table = self.execute(sql, params).fetch_arrow_table()
        # dates become timestamps in Arrow (pandas would make them datetime64[ms], then astype: slower)
        dates = [i for i, field in enumerate(table.schema) if pa.types.is_date(field.type)]
        for i in dates:
            table = table.set_column(i, table.schema[i].name, table.column(i).cast(pa.timestamp("us")))
        frame = table.to_pandas(coerce_temporal_nanoseconds=False)
        for field, column in zip(table.schema, table.columns):
            if pa.types.is_integer(field.type) and column.null_count:   # .df() gives nullable integers
                frame[field.name] = frame[field.name].astype(f"Int{field.type.bit_width}")
        return frame
