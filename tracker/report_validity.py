"""Which as-of months each progress report answers for: ``progress_reports.valid_until``.

A report for period P (version v) of a target and jurisdiction answers for every as-of month
from P up to, not including, ``valid_until``:

* the pair's next reported period, when a later period has a report;
* P itself, once a later version of P replaces it (it then answers for no month);
* NULL while nothing has replaced it.

So "the latest report on or before month M" — what every dashboard page shows — is a filter,
``period <= M AND coalesce(valid_until, '9999-99') > M``, that DuckDB runs as a scan skipping
the row groups of other months, instead of a group-by over every report ever made.

The column is derived: every write of ``progress_reports`` calls :func:`refresh_uploads` (or
:func:`refresh_all`) in its own transaction, and :func:`stale_rows` says whether any row
disagrees with the definition (tests, and the migration that added the column).
"""
from __future__ import annotations

from typing import Iterable

import duckdb

#: Sorts after every 'YYYY-MM' period: "no end".
OPEN_END = "9999-99"

#: The column's definition for the rows of the pairs ``{pairs}`` selects (target_id, jurisdiction_code).
_DERIVED = """
SELECT r.report_id,
       CASE WHEN r.version < max(r.version) OVER (PARTITION BY r.target_id, r.jurisdiction_code, r.period)
            THEN r.period
            ELSE lead(r.period) OVER (PARTITION BY r.target_id, r.jurisdiction_code ORDER BY r.period, r.version)
       END AS valid_until
FROM progress_reports r
WHERE {rows}
"""

_UPDATE = f"""
UPDATE progress_reports SET valid_until = v.valid_until
FROM ({_DERIVED}) v
WHERE progress_reports.report_id = v.report_id
  AND progress_reports.valid_until IS DISTINCT FROM v.valid_until
"""

_OF_UPLOADS = """(r.target_id, r.jurisdiction_code) IN (
    SELECT (target_id, jurisdiction_code) FROM progress_reports
    WHERE list_contains(?::INTEGER[], upload_id))"""

#: Target ids per statement of :func:`refresh_all`, so a province-sized table stays within memory.
CHUNK_TARGETS = 20_000


def current_report_sql(as_of: str = "$as_of", first: str | None = None, alias: str = "p") -> str:
    """SQL condition: the report (alias ``alias``) answers for ``as_of`` (a parameter or literal).

    ``first``: the earliest period that can matter (a parameter or literal), so the scan skips
    the row groups of earlier months.
    """
    low = f"{alias}.period BETWEEN {first} AND {as_of}" if first else f"{alias}.period <= {as_of}"
    return f"({low} AND coalesce({alias}.valid_until, '{OPEN_END}') > {as_of})"


def refresh_uploads(con: duckdb.DuckDBPyConnection, upload_ids: Iterable[int]) -> int:
    """Recompute ``valid_until`` for every pair the reports of ``upload_ids`` touch; returns rows changed.

    Call it inside the transaction that inserted those reports.
    """
    ids = sorted({int(u) for u in upload_ids})
    if not ids:
        return 0
    sql = _UPDATE.format(rows=_OF_UPLOADS)
    return _changed(con.execute(sql, [ids]))


def refresh_all(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute ``valid_until`` for every report (a migration, a restore); returns rows changed."""
    sql = _UPDATE.format(rows="r.target_id BETWEEN ? AND ?")
    return sum(_changed(con.execute(sql, chunk)) for chunk in _target_chunks(con))


def stale_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Reports whose ``valid_until`` disagrees with its definition (0 when every write refreshed it)."""
    sql = f"""SELECT count(*) FROM progress_reports p
              JOIN ({_DERIVED.format(rows='r.target_id BETWEEN ? AND ?')}) v USING (report_id)
              WHERE p.valid_until IS DISTINCT FROM v.valid_until"""
    return sum(con.execute(sql, chunk).fetchone()[0] for chunk in _target_chunks(con))


def _target_chunks(con: duckdb.DuckDBPyConnection) -> list[list[int]]:
    """[first, last] target ids of :data:`CHUNK_TARGETS` each, covering every report."""
    low, high = con.execute("SELECT min(target_id), max(target_id) FROM progress_reports").fetchone()
    if low is None:
        return []
    return [[start, start + CHUNK_TARGETS - 1] for start in range(low, high + 1, CHUNK_TARGETS)]


def _changed(result: duckdb.DuckDBPyConnection) -> int:
    row = result.fetchone()
    return int(row[0]) if row else 0
