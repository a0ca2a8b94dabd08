"""督查 lists for an as-of date: overdue, far-behind and behind items, items sent back, and the units
that have not reported for the period (催报).

Statuses come from :func:`tracker.progress_queries.target_status` (which already counts the
supervisors' actions, :mod:`tracker.actions`); nothing here re-judges a row. Each listed row
gets one 督查类别, the first that applies:

* 逾期 — ``overdue``: past its due date without completion, including rows that were not
  reported at all; and a row sent back (二次交办) whose new deadline has passed without a close-out
  (then ``due`` is the new deadline and ``overdue`` is set here, not by the status rules);
* 严重滞后 / 滞后 — the judged status;
* 二次交办 — sent back and not yet closed out, whatever its status (``sent_back`` marks every
  sent-back row, also those listed under another category).

The as-of date picks the reporting period (its month) and the day the rules judge on.
Filters mean what they mean on every page (:mod:`tracker.filters`): without jurisdictions the
whole-city rows, with jurisdictions those jurisdictions' rows.

Not-reported units: every unit that reports rows for the period (:mod:`tracker.reporting`)
whose rows (after the filters) lack a current report (a report for the period, or up to
``report_fresh_months`` earlier). A closed-out row needs no report. A row counts as reported
when anyone sent any report for it (a number, a status or text).
"""
from __future__ import annotations

import re
import uuid
from datetime import date

import duckdb
import pandas as pd

from tracker import actions as sv_actions
from tracker import progress_queries as pq
from tracker import status as st_rules
from tracker.filters import NO_FILTERS, Filters, target_ids_where, target_where
from tracker.report_validity import OPEN_END
from tracker.reporting import LOCAL_KINDS, assigned_sql, row_id
from tracker.settings import StatusSettings

OVERDUE = "逾期"
FAR_BEHIND = st_rules.FAR_BEHIND
BEHIND = st_rules.BEHIND
SENT_BACK = "二次交办"
CATEGORIES = (OVERDUE, FAR_BEHIND, BEHIND, SENT_BACK)

NOT_REPORTED = "未报送"
PARTLY_REPORTED = "部分报送"

ITEM_COLUMNS = [*pq.STATUS_COLUMNS, "row_id", "category", "sent_back", "due", "days_overdue",
                "progress_text", "problems_text", "next_steps_text"]
UNIT_COLUMNS = ["unit_name", "unit_kind", "jurisdiction_name", "n_rows", "n_reported", "n_missing", "state",
                "last_upload", "missing_rows", "missing_items"]

UNIT_KINDS = {"county_government": "县（市、区）政府", "zone_committee": "功能区管委会"}

_DATE_RE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def parse_as_of(text: str) -> date:
    """``"2024-09-15"`` → that day; ``"2024-09"`` → its last day. ValueError says what is expected."""
    match = _DATE_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"截至日期“{text}”无效：应为 YYYY-MM-DD（如 2024-09-30）或 YYYY-MM")
    if match[3] is None:
        return st_rules.month_end(f"{match[1]}-{match[2]}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"截至日期“{text}”不是有效日期") from None


# ---------------------------------------------------------------------------- items


def supervision_items(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    categories: tuple[str, ...] = (),
    level: str | None = None,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows a supervisor chases on ``as_of``, worst first. Columns: :data:`ITEM_COLUMNS`.

    ``categories`` keeps rows of those 督查类别 (二次交办 keeps every sent-back row);
    empty keeps all. Order: category, days overdue (most first), gap to pace, document order.
    ``status``: the status table of the same arguments when the caller has it already
    (:func:`tracker.progress_queries.target_status` with ``as_of_day=as_of``); left unchanged.
    """
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"未知督查类别“{'、'.join(unknown)}”：可选{'、'.join(CATEGORIES)}")
    period = st_rules.period_of(as_of)
    if status is None:
        status = pq.target_status(con, period, filters, settings, level=level, as_of_day=as_of)
    else:
        status = status.copy()
    status["row_id"] = [row_id(int(t), c) for t, c in zip(status["target_id"], status["jurisdiction_code"])]
    status["sent_back"] = (status["action"] == sv_actions.KIND_LABELS[sv_actions.SEND_BACK]).fillna(False).astype(bool)
    past_new_deadline = [b and isinstance(d, date) and as_of > d
                         for b, d in zip(status["sent_back"], status["action_deadline"])]
    status["overdue"] = status["overdue"].astype(bool) | pd.Series(past_new_deadline, index=status.index, dtype=bool)
    status["category"] = [_category(s, o, b) for s, o, b in zip(status["status"], status["overdue"],
                                                                 status["sent_back"])]
    items = status[status["category"].notna()].copy()
    if categories:
        keep = items["category"].isin(categories) | (items["sent_back"] & (SENT_BACK in categories))
        items = items[keep]
    items["due"] = [_due(d, n) for d, n in zip(items["due_date"], items["action_deadline"])]
    items["days_overdue"] = pd.array([(as_of - d).days if o and d is not None else None
                                      for d, o in zip(items["due"], items["overdue"])], dtype="Int64")
    items = _with_texts(con, items, period)
    items["_order"] = items["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    items["_days"] = items["days_overdue"].astype("float").fillna(-1)
    items["_gap"] = items["gap_points"].astype("float").fillna(-1e9)
    items = items.reset_index(drop=True).reset_index(names="_doc_order")
    items = items.sort_values(["_order", "_days", "_gap", "_doc_order"], ascending=[True, False, False, True])
    return items[ITEM_COLUMNS].reset_index(drop=True)


def _category(status: str, overdue: bool, sent_back: bool) -> str | None:
    if overdue and status != st_rules.COMPLETED:
        return OVERDUE
    if status in (FAR_BEHIND, BEHIND):
        return status
    if sent_back:
        return SENT_BACK
    return None


def _due(due_date, new_deadline) -> date | None:
    if isinstance(new_deadline, date):
        return new_deadline
    if due_date is None or (isinstance(due_date, float) and due_date != due_date) or due_date is pd.NaT:
        return None
    return pd.Timestamp(due_date).date()


def _with_texts(con, items: pd.DataFrame, period: str) -> pd.DataFrame:
    """进展情况 / 存在问题 / 下步打算 of the report the status was judged on."""
    periods = items["report_period"].dropna()
    if periods.empty:
        texts = pd.DataFrame(columns=["target_id", "jurisdiction_code", "report_period", "progress_text",
                                      "problems_text", "next_steps_text"])
    else:   # the latest version of each period: the one no later version replaced (valid_until)
        texts = con.execute(
            f"""SELECT target_id, jurisdiction_code, period AS report_period, progress_text, problems_text,
                       next_steps_text
                FROM progress_reports
                WHERE period BETWEEN ? AND ? AND coalesce(valid_until, '{OPEN_END}') > period
                  AND (progress_text IS NOT NULL OR problems_text IS NOT NULL OR next_steps_text IS NOT NULL)
                  AND target_id IN (SELECT unnest(?::INTEGER[]))""",
            [periods.min(), min(periods.max(), period), sorted({int(t) for t in items["target_id"]})]).df()
    merged = items.merge(texts, how="left", on=["target_id", "jurisdiction_code", "report_period"])
    for column in ("progress_text", "problems_text", "next_steps_text"):
        merged[column] = merged[column].astype(object).where(merged[column].notna(), None)
    return merged


def item_counts(items: pd.DataFrame) -> dict[str, int]:
    """{"逾期": n, "严重滞后": n, "滞后": n, "二次交办": n}; 二次交办 counts every sent-back row."""
    counts = {c: int((items["category"] == c).sum()) for c in (OVERDUE, FAR_BEHIND, BEHIND)}
    counts[SENT_BACK] = int(items["sent_back"].sum())
    return counts


# ---------------------------------------------------------------------------- units (催报)


def reporting_rows(con: duckdb.DuckDBPyConnection, period: str, year: int | None,
                   settings: StatusSettings = StatusSettings()) -> pd.DataFrame:
    """Every unit (org_id) and row it reports for ``period`` (:func:`tracker.reporting.assigned_sql`, the
    rules of the monthly template), of the plans of ``year`` (None: every year), with ``reported``: the row
    has a current report (for the period or up to ``report_fresh_months`` earlier).

    The part of the 催报 list that depends only on the data, the period and the settings: stored per data
    version as a snapshot of level :data:`tracker.status_store.REPORTING`."""
    where, params = target_where(Filters(year=year))
    sql = f"""
        WITH assigned AS MATERIALIZED ({assigned_sql(where)}),
        rows AS (
            SELECT a.org_id, a.target_id, a.jurisdiction_code, d.doc_id, i.item_id, t.seq,
                   a.jurisdiction_code = coalesce(d.city_code, '') AS city_row
            FROM assigned a
            JOIN targets t ON t.target_id = a.target_id
            JOIN items i ON i.item_id = t.item_id
            JOIN documents d ON d.doc_id = i.doc_id
            WHERE d.period_start IS NULL OR d.period_start <= ?
        ),
        reported AS (
            SELECT DISTINCT target_id, jurisdiction_code FROM progress_reports
            WHERE period BETWEEN ? AND ? AND target_id IN (SELECT target_id FROM rows)
        )
        SELECT r.org_id, r.target_id, r.jurisdiction_code, r.doc_id, r.item_id, r.seq, r.city_row,
               rep.target_id IS NOT NULL AS reported
        FROM rows r
        LEFT JOIN reported rep ON rep.target_id = r.target_id AND rep.jurisdiction_code = r.jurisdiction_code
    """
    return con.execute(sql, [*params, list(LOCAL_KINDS), st_rules.month_end(period),
                             _earliest_current(period, settings), period]).df()


def reporting_overview(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
) -> pd.DataFrame:
    """Every reporting unit with its rows for the period and how many have a current report.

    ``filters.units`` keeps those units; the other filters keep their rows. Units left with
    no rows are dropped. Columns: :data:`UNIT_COLUMNS` (``state``: 已报送 / 部分报送 / 未报送).
    The rows come from :func:`reporting_rows`, stored once per data version (:mod:`tracker.status_store`).
    """
    from tracker import status_store

    period = st_rules.period_of(as_of)
    closed = [key for key, s in sv_actions.row_states(con, as_of).items() if s.kind == sv_actions.CLOSE_OUT]
    stored = status_store.snapshot_id(con, period, status_store.REPORTING, filters.year, settings)
    cursor = con.cursor()
    registered = None
    try:
        if stored is None:
            registered = f"reporting_live_{uuid.uuid4().hex}"
            cursor.register(registered, reporting_rows(con, period, filters.year, settings))
            source = registered
        else:
            source = f"(SELECT * FROM reporting_rows WHERE snapshot_id = {int(stored)})"
        # units choose the reporting units, not the items (tracker.filters), so they are left out here
        kept, params = target_ids_where(Filters(None, filters.doc_ids, filters.area_ids, (), filters.leaders))
        order = "r.doc_id, r.item_id, r.seq, r.city_row DESC, r.jurisdiction_code"
        sql = f"""
            WITH rows AS (
                SELECT * FROM {source}
                WHERE (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], jurisdiction_code))
                  AND (target_id, jurisdiction_code) NOT IN (SELECT (unnest(?::INTEGER[]), unnest(?::VARCHAR[])))
                  AND {kept}
            ),
            counted AS (
                SELECT org_id, count(*) AS n_rows, count(*) FILTER (WHERE reported) AS n_reported
                FROM rows GROUP BY org_id
            ),
            missing AS (
                SELECT r.*, row_number() OVER (PARTITION BY r.org_id ORDER BY {order}) AS place
                FROM rows r WHERE NOT r.reported
            ),
            missing_lists AS (   -- every row id; labels only for the first SHORT_LIST (what the list shows)
                SELECT r.org_id, list('T' || r.target_id || '-' || r.jurisdiction_code ORDER BY r.place) AS missing_rows,
                       list(i.label || t.indicator
                            || CASE WHEN r.jurisdiction_code IN (SELECT code FROM jurisdictions WHERE kind = 'city')
                                    THEN '' ELSE '（' || coalesce(j.name, r.jurisdiction_code) || '）' END
                            ORDER BY r.place) FILTER (WHERE r.place <= {SHORT_LIST}) AS missing_labels
                FROM missing r
                JOIN targets t ON t.target_id = r.target_id
                JOIN items i ON i.item_id = r.item_id
                LEFT JOIN jurisdictions j ON j.code = r.jurisdiction_code
                GROUP BY r.org_id
            ),
            last_upload AS (
                SELECT unit_name, max(uploaded_at) AS last_upload FROM uploads
                WHERE period = ? AND outcome <> 'rejected' GROUP BY unit_name
            )
            SELECT o.name, o.kind, coalesce(j.name, '') AS jurisdiction_name, c.n_rows, c.n_reported,
                   lu.last_upload, coalesce(m.missing_rows, []), coalesce(m.missing_labels, [])
            FROM counted c
            JOIN organisations o ON o.org_id = c.org_id
            LEFT JOIN missing_lists m ON m.org_id = c.org_id
            LEFT JOIN jurisdictions j ON j.code = o.jurisdiction_code
            LEFT JOIN last_upload lu ON lu.unit_name = o.name
            WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], o.name)
            ORDER BY o.name, o.org_id
        """
        jurisdictions, units = list(filters.jurisdictions), list(filters.units)
        rows = cursor.execute(sql, [jurisdictions, jurisdictions, [t for t, _ in closed], [c for _, c in closed],
                                    *params, period, units, units]).fetchall()
    finally:
        if registered:
            cursor.unregister(registered)
        cursor.close()
    records = []
    for name, kind, place, n_rows, n_reported, last_upload, missing, labels in rows:
        n_missing = n_rows - n_reported
        records.append({
            "unit_name": name, "unit_kind": UNIT_KINDS.get(kind, "市直单位"), "jurisdiction_name": place,
            "n_rows": n_rows, "n_reported": n_reported, "n_missing": n_missing,
            "state": "已报送" if not n_missing else (NOT_REPORTED if n_reported == 0 else PARTLY_REPORTED),
            "last_upload": last_upload, "missing_rows": list(missing), "missing_items": _short_list(labels, n_missing),
        })
    frame = pd.DataFrame.from_records(records, columns=UNIT_COLUMNS)
    frame["_state"] = frame["state"].map({NOT_REPORTED: 0, PARTLY_REPORTED: 1, "已报送": 2})
    frame = frame.sort_values(["_state", "n_missing", "unit_name"], ascending=[True, False, True])
    return frame[UNIT_COLUMNS].reset_index(drop=True)


def unreported_units(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
) -> pd.DataFrame:
    """The 催报 list: units with at least one row lacking a current report; 未报送 first."""
    overview = reporting_overview(con, as_of, filters, settings)
    return overview[overview["n_missing"] > 0].reset_index(drop=True)


def _earliest_current(period: str, settings: StatusSettings) -> str:
    """The earliest period whose report is still current for ``period``
    (:func:`tracker.status.report_is_current`: up to ``report_fresh_months`` earlier)."""
    end = st_rules.month_end(period)
    months = end.year * 12 + end.month - 1 - settings.report_fresh_months
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


#: How many missing items the 催报 list names before "等N项".
SHORT_LIST = 8


def _short_list(labels: list[str], total: int) -> str:
    """The first :data:`SHORT_LIST` of ``total`` labels, then "等N项" when there are more."""
    if total <= SHORT_LIST:
        return "、".join(labels)
    return "、".join(labels[:SHORT_LIST]) + f"等{total}项"


# ---------------------------------------------------------------------------- filters in words


def describe_filters(con: duckdb.DuckDBPyConnection, filters: Filters, categories: tuple[str, ...] = ()) -> str:
    """The filters as one line for a title row: ``文件：衢政发〔2024〕7号；责任单位：市发改委`` or 全部."""
    parts = []
    if filters.year is not None:
        parts.append(f"年度：{filters.year}")
    if filters.doc_ids:
        names = [r[0] for r in con.execute(
            "SELECT coalesce(doc_number, title) FROM documents WHERE list_contains(?::INTEGER[], doc_id) "
            "ORDER BY doc_id", [list(filters.doc_ids)]).fetchall()]
        parts.append("文件：" + "、".join(names))
    if filters.area_ids:
        names = [r[0] for r in con.execute(
            "SELECT label || title FROM items WHERE list_contains(?::INTEGER[], item_id) ORDER BY item_id",
            [list(filters.area_ids)]).fetchall()]
        parts.append("政策领域：" + "、".join(names))
    if filters.units:
        parts.append("责任单位：" + "、".join(filters.units))
    if filters.leaders:
        parts.append("牵头市领导：" + "、".join(filters.leaders))
    if filters.jurisdictions:
        names = dict(con.execute("SELECT code, name FROM jurisdictions").fetchall())
        parts.append("县（市、区）：" + "、".join(names.get(c, c) for c in filters.jurisdictions))
    if categories:
        parts.append("督查类别：" + "、".join(categories))
    return "；".join(parts) if parts else "全部"
