"""Read-only queries the pages use. Each takes a connection and returns a DataFrame."""
from __future__ import annotations

from collections.abc import Collection, Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from loaders.cn_numbers import PERCENT_UNITS
from tracker.formatting import kind_label as _kind_name
from tracker.report_validity import OPEN_END as _OPEN_END
from tracker.status import COUNT as _COUNT


def _table_frame(table: pa.Table, distinct: Collection[str] = (), order: np.ndarray | None = None,
                 columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``columns`` (default: all) of a query's Arrow result as a frame, rows in ``order`` (default: as
    they come).

    The same frame as ``.df()`` for text, floating point, timestamp, boolean and never-NULL integer
    columns, several times faster on tens of thousands of rows of text. Not for DATE columns or integers
    that can be NULL: Arrow gives those as objects and floats where ``.df()`` gives datetime64 and Int32.

    Columns are converted one by one, into blocks of their own (no copy into one block per dtype). Arrow
    makes each distinct string of a text column once, which pays where values repeat (units, periods,
    文号); ``distinct`` names the text columns whose values are mostly different (file names), where
    that look-up only costs. Rows are put in order after conversion: taking from a column of Python
    objects copies pointers, not strings."""
    frame = {}
    for name in table.column_names if columns is None else columns:
        values = table.column(name).to_pandas(deduplicate_objects=name not in distinct)
        frame[name] = values if order is None else values.to_numpy()[order]
    return pd.DataFrame(frame, copy=False)


def _row_order(table: pa.Table, keys: Sequence[str], descending: bool = False) -> np.ndarray:
    """The positions of ``table``'s rows sorted by ``keys`` (first key first), as ``ORDER BY keys`` would
    sort them: NOT NULL integer or timestamp columns that together tell every row apart (so ascending and
    descending orders are each other's reverse). Cheaper than an ORDER BY in SQL, which carries every
    text column through its sort."""
    order = np.lexsort([table.column(name).to_numpy() for name in reversed(keys)])
    return order[::-1] if descending else order


def loaded_documents(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every document with its counts of items and targets."""
    # Counts are taken per document first (narrow: doc_id and a number), then joined to the few
    # documents, rather than grouping every target row by all the document's text columns.
    return con.execute(
        """
        WITH item_counts AS (
            SELECT doc_id, count(*) AS n_items FROM items GROUP BY doc_id
        ),
        target_counts AS (
            SELECT i.doc_id, count(*) AS n_targets FROM targets t JOIN items i USING (item_id) GROUP BY i.doc_id
        )
        SELECT d.doc_id, d.doc_number, d.title, d.issuer, d.issue_date, d.kind, d.year,
               f.file_name, f.sha256,
               coalesce(ic.n_items, 0) AS n_items,
               coalesce(tc.n_targets, 0) AS n_targets
        FROM documents d
        JOIN source_files f USING (file_id)
        LEFT JOIN item_counts ic ON ic.doc_id = d.doc_id
        LEFT JOIN target_counts tc ON tc.doc_id = d.doc_id
        ORDER BY d.doc_id
        """
    ).df()


def whole_item_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many targets are tasks tracked as a whole (no figure of their own, :mod:`loaders.whole_items`)."""
    return con.execute("SELECT count(*) FROM targets WHERE whole_item").fetchone()[0]


def loaded_caption(documents: pd.DataFrame, n_whole: int) -> str:
    """"共 7 份文件，252 个条目，299 个量化指标，95 项整项任务（无量化指标）": the caption over the loaded documents."""
    n_targets = int(documents["n_targets"].sum())
    whole = f"，{n_whole} 项整项任务（无量化指标）" if n_whole else ""
    return f"共 {len(documents)} 份文件，{int(documents['n_items'].sum())} 个条目，{n_targets - n_whole} 个量化指标{whole}"


def item_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT d.doc_number, i.kind, count(*) AS n FROM items i JOIN documents d USING (doc_id) "
        "GROUP BY ALL ORDER BY d.doc_number, i.kind"
    ).df()


def target_register(con: duckdb.DuckDBPyConnection, doc_id: int | None = None) -> pd.DataFrame:
    """The targets with their item, lead unit and leaders; optionally of one document."""
    sql = "SELECT * FROM target_register"
    params: list = []
    if doc_id is not None:
        sql += " WHERE doc_id = ?"
        params.append(doc_id)
    return con.execute(sql + " ORDER BY doc_id, item_kind, item_number, seq", params).df()


def load_findings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT f.severity, d.doc_number, i.label, f.message, f.source_start, f.source_end "
        "FROM load_findings f LEFT JOIN documents d USING (doc_id) LEFT JOIN items i USING (item_id) "
        "ORDER BY f.severity DESC, d.doc_number, i.number"
    ).df()


# ---------------------------------------------------------------------------
# 数据质量


SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
UPLOAD_OUTCOME_LABELS = {"accepted": "已接收", "partial": "部分接收", "rejected": "已退回", "unchanged": "无变化"}


def counts_per_kind(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per document with items: number of items of each kind and of targets of each kind.

    Columns: doc_number, title (several documents may share a 文号: a plan and the tables attached to
    it), then one column per item kind and per target kind present
    (``item:<kind>`` / ``target:<kind>``), in a stable order.
    """
    # Counted per doc_id and kind, then named: no grouping by the document's text. Documents without a
    # 文号 are left out, as pandas' pivot_table (which this replaces, for its time) left them out.
    rows = con.execute(
        """
        WITH counted AS (
            SELECT doc_id, 'item:' || kind AS what, count(*) AS n FROM items GROUP BY ALL
            UNION ALL
            SELECT i.doc_id, 'target:' || t.kind, count(*) FROM items i JOIN targets t USING (item_id) GROUP BY ALL
        )
        SELECT d.doc_id, d.doc_number, d.title, c.what, c.n FROM counted c JOIN documents d USING (doc_id)
        WHERE d.doc_number IS NOT NULL
        ORDER BY d.doc_id
        """
    ).fetchall()
    if not rows:
        return pd.DataFrame(columns=["doc_number", "title"])
    numbers: dict[int, str] = {}
    titles: dict[int, str] = {}
    counts: dict[tuple[int, str], int] = {}
    for doc_id, doc_number, title, what, n in rows:
        numbers[doc_id], titles[doc_id] = doc_number, title
        counts[doc_id, what] = n
    kinds = {what for _, what in counts}
    order = [*sorted(c for c in kinds if c.startswith("item:")), *sorted(c for c in kinds if c.startswith("target:"))]
    frame = {"doc_number": list(numbers.values()), "title": list(titles.values())}
    for column in order:
        frame[column] = np.array([counts.get((doc_id, column), 0) for doc_id in numbers], dtype=np.int64)
    return pd.DataFrame(frame)


def kind_label(column: str) -> str:
    """"item:work_task" → "重点工作"; "target:count" → "数量类指标" (names: :data:`tracker.formatting.KIND_LABELS`)."""
    what, _, kind = column.partition(":")
    if what == "item":
        return _kind_name(kind)
    if what == "target":
        return _kind_name(kind) + "类指标"
    return column


def numbers_for_review(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Numbers in item texts the loader could not classify (role 'unclassified'), with context."""
    return con.execute(
        """
        SELECT d.doc_number, i.label, i.title, n.raw, n.reason,
               replace(substr(f.content, greatest(n.source_start - 15, 0) + 1,
                              n.source_end - greatest(n.source_start - 15, 0) + 15), chr(10), '') AS context,
               n.source_start, n.source_end
        FROM numbers n JOIN items i USING (item_id) JOIN documents d USING (doc_id) JOIN source_files f USING (file_id)
        WHERE n.role = 'unclassified'
        ORDER BY d.doc_id, i.item_id, n.source_start
        """
    ).df()


#: Target kinds whose allocations add up to the whole-city value (counts and levels);
#: rates and limits hold for each jurisdiction and never add up.
ADDITIVE_KINDS = ("count", "level")


def allocation_mismatches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Targets whose jurisdiction allocations do not add up to the whole-city value.

    Only counts and levels in additive units (:data:`ADDITIVE_KINDS`, no percentages):
    95 % in every county is not 685 % for the city, as in
    :func:`loaders.allocation_sheet.sum_findings`. An allocation to the document's own city
    (the whole-city figure itself) is not part of the sum.
    """
    city_codes = [code for code, in con.execute(
        "SELECT DISTINCT city_code FROM documents WHERE city_code IS NOT NULL").fetchall()]
    table = con.execute(
        _ALLOCATION_MISMATCHES_SQL,
        {"kinds": list(ADDITIVE_KINDS), "percent_units": list(PERCENT_UNITS), "city_codes": city_codes},
    ).fetch_arrow_table()
    # text, floats and counts only (see _table_frame); in the order of document, item and target
    return _table_frame(table, order=_row_order(table, ["doc_id", "item_id", "target_id"]),
                        columns=["doc_number", "label", "indicator", "city_value", "unit", "allocated",
                                 "n_allocations", "difference"])


# Every allocation of a target is summed in one plain aggregate over target_allocations (no join of its
# hundreds of thousands of rows). Only a target with an allocation at some document's city code (a
# constant list the scan filters on; seldom any) is summed apart, by way of the join, without the row at
# its own city's code. Either way a target's values are added in the order the join alone adds them.
_ALLOCATION_MISMATCHES_SQL = """
WITH at_city_codes AS MATERIALIZED (
    SELECT DISTINCT target_id FROM target_allocations WHERE list_contains($city_codes::VARCHAR[], jurisdiction_code)
),
sums AS (
    SELECT target_id, sum(value) AS allocated, count(value) AS n_allocations
    FROM target_allocations
    GROUP BY target_id
    HAVING target_id NOT IN (SELECT target_id FROM at_city_codes)
    UNION ALL
    SELECT a.target_id, sum(a.value), count(a.value)
    FROM (SELECT t.target_id, d.city_code
          FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id)
          WHERE t.target_id IN (SELECT target_id FROM at_city_codes)) c
    JOIN target_allocations a USING (target_id)
    WHERE a.jurisdiction_code IS DISTINCT FROM c.city_code
    GROUP BY a.target_id
)
SELECT d.doc_number, i.label, t.indicator, t.value AS city_value, t.unit,
       s.allocated, s.n_allocations, s.allocated - t.value AS difference, d.doc_id, i.item_id, t.target_id
FROM sums s JOIN targets t USING (target_id) JOIN items i USING (item_id) JOIN documents d USING (doc_id)
WHERE list_contains($kinds::VARCHAR[], t.kind) AND NOT list_contains($percent_units::VARCHAR[], coalesce(t.unit, ''))
  AND t.value IS NOT NULL
  AND abs(s.allocated - t.value) > 1e-6 * greatest(abs(t.value), 1)
"""


def uploads(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every upload, the latest first. Tens of thousands at province scale: read through Arrow (every
    column is text, a timestamp, a boolean or a NOT NULL integer, see :func:`_table_frame`) and sorted
    in numpy. Each upload has a file name of its own: no look-up for repeats there."""
    table = con.execute(
        "SELECT upload_id, unit_name, period, file_name, uploaded_by, uploaded_at, is_demo, outcome, "
        "n_rows, n_accepted, n_rejected, message FROM uploads"
    ).fetch_arrow_table()
    return _table_frame(table, distinct=("file_name",),
                        order=_row_order(table, ["uploaded_at", "upload_id"], descending=True))


def upload_errors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT e.upload_id, u.unit_name, u.period, u.file_name, e.sheet, e.row_number, e.column_name, e.message "
        "FROM upload_errors e JOIN uploads u USING (upload_id) ORDER BY e.upload_id DESC, e.sheet, e.row_number"
    ).df()




def falling_reports(con: duckdb.DuckDBPyConnection, as_of: str | None) -> pd.DataFrame:
    """The reports of count targets for the month ``as_of`` (their latest versions) whose cumulative value is
    below the report that counts for the latest earlier month of the same year reported for the target and
    place: a monthly figure typed in the cumulative column, or a typo (the upload stored it and said so,
    :class:`loaders.progress_upload.Fall`). Rate, level and limit targets can go down and are left out.

    The earlier report is the one whose ``valid_until`` is ``as_of`` (:mod:`tracker.report_validity`: the
    latest version of the pair's previous reported month; a replaced version ends at its own month). So the
    month's reports and one column of the year's are read and joined, no window over every report: a page
    query at province scale. Columns: target_id, indicator, jurisdiction_name, unit_name (who sent the
    report), period, value, unit, earlier_period, earlier_value; by target and place.
    """
    if not as_of:
        return con.execute("SELECT NULL::INTEGER AS target_id, NULL AS indicator, NULL AS jurisdiction_name, "
                           "NULL AS unit_name, NULL AS period, NULL::DOUBLE AS value, NULL AS unit, "
                           "NULL AS earlier_period, NULL::DOUBLE AS earlier_value LIMIT 0").df()
    return con.execute(
        f"""
        WITH reported AS (
            SELECT target_id, jurisdiction_code, period, value, upload_id FROM progress_reports
            WHERE period = $as_of AND coalesce(valid_until, '{_OPEN_END}') > $as_of AND value IS NOT NULL),
        earlier AS (
            SELECT target_id, jurisdiction_code, period, value FROM progress_reports
            WHERE period >= $first AND period < $as_of AND valid_until = $as_of AND value IS NOT NULL),
        fell AS (
            SELECT r.*, e.period AS earlier_period, e.value AS earlier_value
            FROM reported r JOIN earlier e USING (target_id, jurisdiction_code)
            WHERE r.value < e.value - 1e-9)
        SELECT f.target_id, t.indicator, coalesce(j.name, f.jurisdiction_code) AS jurisdiction_name, u.unit_name,
               f.period, f.value, t.unit, f.earlier_period, f.earlier_value
        FROM fell f
        JOIN targets t USING (target_id)
        JOIN uploads u USING (upload_id)
        LEFT JOIN jurisdictions j ON j.code = f.jurisdiction_code
        WHERE t.kind = '{_COUNT}'
        ORDER BY f.target_id, f.jurisdiction_code
        """, {"as_of": as_of, "first": f"{as_of[:4]}-01"}).df()
