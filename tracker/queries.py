"""Read-only queries the pages use. Each takes a connection and returns a DataFrame."""
from __future__ import annotations

import duckdb
import pandas as pd

from loaders.cn_numbers import PERCENT_UNITS
from tracker.formatting import kind_label as _kind_name

def loaded_documents(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every document with its counts of items and targets."""
    return con.execute(
        """
        SELECT d.doc_id, d.doc_number, d.title, d.issuer, d.issue_date, d.kind, d.year,
               f.file_name, f.sha256,
               count(DISTINCT i.item_id) AS n_items,
               count(t.target_id) AS n_targets
        FROM documents d
        JOIN source_files f USING (file_id)
        LEFT JOIN items i ON i.doc_id = d.doc_id
        LEFT JOIN targets t ON t.item_id = i.item_id
        GROUP BY ALL
        ORDER BY d.doc_id
        """
    ).df()


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


NUMBER_ROLE_LABELS = {
    "subsidy": "补助金额", "threshold": "门槛条件", "parameter": "政策参数", "name": "名称中的数字",
    "year": "年份", "date": "日期", "count_of_things": "事项数量", "unclassified": "待人工复核",
}
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
UPLOAD_OUTCOME_LABELS = {"accepted": "已接收", "partial": "部分接收", "rejected": "已退回", "unchanged": "无变化"}


def counts_per_kind(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per document with items: number of items of each kind and of targets of each kind.

    Columns: doc_number, then one column per item kind and per target kind present
    (``item:<kind>`` / ``target:<kind>``), in a stable order.
    """
    rows = con.execute(
        """
        SELECT d.doc_id, d.doc_number, 'item:' || i.kind AS what, count(*) AS n
        FROM documents d JOIN items i USING (doc_id) GROUP BY ALL
        UNION ALL
        SELECT d.doc_id, d.doc_number, 'target:' || t.kind, count(*)
        FROM documents d JOIN items i USING (doc_id) JOIN targets t USING (item_id) GROUP BY ALL
        """
    ).df()
    if rows.empty:
        return pd.DataFrame(columns=["doc_number"])
    wide = rows.pivot_table(index=["doc_id", "doc_number"], columns="what", values="n", fill_value=0, aggfunc="sum")
    wide = wide.reset_index().sort_values("doc_id").drop(columns="doc_id")
    wide.columns.name = None
    order = ["doc_number", *sorted(c for c in wide.columns if c.startswith("item:")),
             *sorted(c for c in wide.columns if c.startswith("target:"))]
    return wide[order].astype({c: int for c in order[1:]}).reset_index(drop=True)


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
    :func:`loaders.allocation_sheet.sum_findings`.
    """
    return con.execute(
        """
        WITH candidates AS (
            SELECT t.target_id, t.value, d.city_code
            FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id)
            WHERE list_contains(?::VARCHAR[], t.kind) AND NOT list_contains(?::VARCHAR[], coalesce(t.unit, ''))
              AND t.value IS NOT NULL
        ),
        sums AS (   -- narrow: one number per target, titles joined only to the mismatches
            SELECT a.target_id, sum(a.value) AS allocated, count(a.value) AS n_allocations
            FROM target_allocations a JOIN candidates c USING (target_id)
            WHERE a.jurisdiction_code IS DISTINCT FROM c.city_code
            GROUP BY a.target_id
            HAVING abs(sum(a.value) - any_value(c.value)) > 1e-6 * greatest(abs(any_value(c.value)), 1)
        )
        SELECT d.doc_number, i.label, t.indicator, t.value AS city_value, t.unit,
               s.allocated, s.n_allocations, s.allocated - t.value AS difference
        FROM sums s JOIN targets t USING (target_id) JOIN items i USING (item_id) JOIN documents d USING (doc_id)
        ORDER BY d.doc_id, i.item_id, t.target_id
        """,
        [list(ADDITIVE_KINDS), list(PERCENT_UNITS)],
    ).df()


def uploads(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT upload_id, unit_name, period, file_name, uploaded_by, uploaded_at, is_demo, outcome, "
        "n_rows, n_accepted, n_rejected, message FROM uploads ORDER BY uploaded_at DESC, upload_id DESC"
    ).df()


def upload_errors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT e.upload_id, u.unit_name, u.period, u.file_name, e.sheet, e.row_number, e.column_name, e.message "
        "FROM upload_errors e JOIN uploads u USING (upload_id) ORDER BY e.upload_id DESC, e.sheet, e.row_number"
    ).df()
