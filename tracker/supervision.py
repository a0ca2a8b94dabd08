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

import hashlib
import re
import uuid
from datetime import date
from typing import TYPE_CHECKING, Sequence

import duckdb
import numpy as np
import pandas as pd

from tracker import actions as sv_actions
from tracker import progress_queries as pq
from tracker import status as st_rules
from tracker.filters import NO_FILTERS, Filters, target_ids_where, target_where
from tracker.report_validity import OPEN_END, current_report_sql
from tracker.reporting import LOCAL_KINDS, assigned_sql, row_id
from tracker.settings import StatusSettings

if TYPE_CHECKING:
    from tracker.status_store import StatusScope

OVERDUE = "逾期"
FAR_BEHIND = st_rules.FAR_BEHIND
BEHIND = st_rules.BEHIND
SENT_BACK = "二次交办"
CATEGORIES = (OVERDUE, FAR_BEHIND, BEHIND, SENT_BACK)

NOT_REPORTED = "未报送"
PARTLY_REPORTED = "部分报送"

#: 进展情况 / 存在问题 / 下步打算 of the report a row was judged on (read from the reports, not the status table).
TEXT_COLUMNS = ["progress_text", "problems_text", "next_steps_text"]
#: The 督查清单's columns (what the downloads hold).
ITEM_COLUMNS = [*pq.STATUS_COLUMNS, "row_id", "category", "sent_back", "due", "days_overdue", *TEXT_COLUMNS]
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
    columns: Sequence[str] = tuple(ITEM_COLUMNS),
) -> pd.DataFrame:
    """The rows a supervisor chases on ``as_of``, worst first. Columns: :data:`ITEM_COLUMNS`, or those of
    ``columns`` (in that order; the reports' texts are read only when one of them is asked for).

    ``categories`` keeps rows of those 督查类别 (二次交办 keeps every sent-back row);
    empty keeps all. Order: category, days overdue (most first), gap to pace, document order.
    ``status``: the status table of the same arguments when the caller has it already
    (:func:`tracker.progress_queries.target_status` with ``as_of_day=as_of``); left unchanged.
    """
    _check_categories(categories)
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
    if _wants_texts(columns):
        items = _with_texts(con, items, period)
    items["_order"] = items["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    items["_days"] = items["days_overdue"].astype("float").fillna(-1)
    items["_gap"] = items["gap_points"].astype("float").fillna(-1e9)
    items = items.reset_index(drop=True).reset_index(names="_doc_order")
    items = items.sort_values(["_order", "_days", "_gap", "_doc_order"], ascending=[True, False, False, True])
    return items[list(columns)].reset_index(drop=True)


def _wants_texts(columns: Sequence[str]) -> bool:
    unknown = [c for c in columns if c not in ITEM_COLUMNS]
    if unknown:
        raise ValueError(f"not a column of the list: {', '.join(unknown)}")
    return any(c in TEXT_COLUMNS for c in columns)


def _check_categories(categories: tuple[str, ...]) -> None:
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"未知督查类别“{'、'.join(unknown)}”：可选{'、'.join(CATEGORIES)}")


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


_TEXT_KEYS = ["target_id", "jurisdiction_code", "report_period"]


def _with_texts(con, items: pd.DataFrame, period: str) -> pd.DataFrame:
    """进展情况 / 存在问题 / 下步打算 of the report the status was judged on: ``items`` (the caller's own frame,
    which may get the columns itself) with the three columns, numbered from 0."""
    periods = items["report_period"].dropna()
    if periods.empty:
        texts = pd.DataFrame(columns=[*_TEXT_KEYS, *TEXT_COLUMNS])
        merged = items.merge(texts, how="left", on=_TEXT_KEYS)
    else:
        texts = _texts(con, items, periods.min(), min(periods.max(), period))
        merged = _merged_texts(items, texts)
    for column in TEXT_COLUMNS:
        merged[column] = merged[column].astype(object).where(merged[column].notna(), None)
    return merged


def _texts(con, items: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """The texts of the items' targets and places reported from ``first`` to ``last``: the latest version of
    each period (the one no later version replaced: valid_until), with any text. The places are constants so
    that the scan skips the other places' rows before it reads their texts."""
    codes = sorted(set(items["jurisdiction_code"].dropna()))
    return con.execute(
        f"""SELECT target_id, jurisdiction_code, period AS report_period, {', '.join(TEXT_COLUMNS)}
            FROM progress_reports
            WHERE period BETWEEN ? AND ? AND coalesce(valid_until, '{OPEN_END}') > period
              AND (progress_text IS NOT NULL OR problems_text IS NOT NULL OR next_steps_text IS NOT NULL)
              AND target_id IN (SELECT unnest(?::INTEGER[]))
              AND jurisdiction_code IN ({', '.join('?' * len(codes)) or 'NULL'})""",
        [first, last, sorted({int(t) for t in pd.unique(items["target_id"])}), *codes]).df()


def _merged_texts(items: pd.DataFrame, texts: pd.DataFrame) -> pd.DataFrame:
    """``items.merge(texts, how="left", on=_TEXT_KEYS)``, merging only the keys: when each key has at most one
    text row and the key types agree, the merged keys are the items' own keys in their order, so the text
    columns are added to the items as they are."""
    if any(items[k].dtype != texts[k].dtype for k in _TEXT_KEYS):
        return items.merge(texts, how="left", on=_TEXT_KEYS)
    found = items[_TEXT_KEYS].merge(texts, how="left", on=_TEXT_KEYS)
    if len(found) != len(items):   # a key with two text rows: the merge repeats the item, as it always did
        return items.merge(texts, how="left", on=_TEXT_KEYS)
    merged = items.reset_index(drop=True) if not _numbered(items) else items
    for column in TEXT_COLUMNS:
        merged[column] = found[column].to_numpy()
    return merged


def _numbered(frame: pd.DataFrame) -> bool:
    """Whether the frame's index is 0, 1, 2, … (what a merge gives)."""
    index = frame.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


# ---------------------------------------------------------------------------- items from a stored status table


#: The status rows the lists are made of (a superset: a completed row past its due date is read, not listed).
#: One parameter: the send-back label.
LISTED_ROWS = f"status IN ('{FAR_BEHIND}', '{BEHIND}') OR overdue OR action = ?"

_SEND_BACK_LABEL = sv_actions.KIND_LABELS[sv_actions.SEND_BACK]

#: The status columns the list is ordered by (_list_order) besides the ones worked out in SQL.
_ORDER_COLUMNS = ("gap_points",)

# The columns supervision_items adds, worked out in SQL by the same rules (_category, _due); the row id as
# tracker.reporting.row_id writes it (a missing code as Python prints None). {columns}: the status columns read.
_STORED_ITEMS_SQL = f"""
    WITH base AS (SELECT * FROM {{rows}} WHERE {LISTED_ROWS}),
    listed AS (SELECT *, coalesce(action = ?, false) AS sent_back, ?::DATE AS as_of_day FROM base),
    judged AS (
        SELECT *, coalesce(overdue, false) OR (sent_back AND action_deadline < as_of_day) AS overdue_now,
               coalesce(action_deadline, due_date) AS due
        FROM listed
    )
    SELECT {{columns}}, row_order, overdue_now, sent_back, due,
           'T' || target_id || '-' || coalesce(jurisdiction_code, 'None') AS row_id,
           CASE WHEN overdue_now AND status IS DISTINCT FROM '{st_rules.COMPLETED}' THEN '{OVERDUE}'
                WHEN status IN ('{FAR_BEHIND}', '{BEHIND}') THEN status
                WHEN sent_back THEN '{SENT_BACK}' END AS category,
           CASE WHEN overdue_now AND due IS NOT NULL THEN as_of_day - due END AS days_overdue
    FROM judged
"""


def stored_items(con: duckdb.DuckDBPyConnection, scope: StatusScope, as_of: date,
                 categories: tuple[str, ...] = (), columns: Sequence[str] = tuple(ITEM_COLUMNS)) -> pd.DataFrame:
    """:func:`supervision_items` of the status rows of ``scope`` (a :class:`tracker.status_store.StatusScope` of
    ``as_of``'s month, judged on its last day), reading only the rows that can be listed and of them only
    ``columns`` (and what orders them), with the category, due date and days overdue worked out in SQL.
    The same frame, column types included.

    A scope judged on the spot (no stored snapshot: its column types follow the frame) and a list left
    empty by the categories (whose column types are pandas' own quirks) take :func:`supervision_items` itself.
    """
    _check_categories(categories)
    texts = _wants_texts(columns)
    if scope.snapshot is None:
        return supervision_items(con, as_of, categories=categories, status=_listed_status(scope), columns=columns)
    read = [c for c in pq.STATUS_COLUMNS if c in columns or c in _ORDER_COLUMNS or (texts and c in _TEXT_KEYS)]
    frame = scope.df(_STORED_ITEMS_SQL.replace("{columns}", ", ".join(read)),
                     [_SEND_BACK_LABEL, _SEND_BACK_LABEL, as_of])
    keep = _kept(frame["category"], frame["sent_back"], categories).to_numpy()
    if not keep.any():   # read in full again: the empty list's column types are those of all its rows
        return supervision_items(con, as_of, categories=categories, status=_listed_status(scope), columns=columns)
    # the kept rows in list order, in one copy; stored_frame gives each row the values it gives it among all
    # the rows read (its column types follow the frame's, which the query decided)
    items = pq.stored_frame(frame.take(_list_order(frame, keep)))
    items["overdue"] = items["overdue_now"]
    items["due"] = items["due"].dt.date.where(items["due"].notna(), None)
    items["days_overdue"] = items["days_overdue"].astype("Int64")
    if texts:
        items = _with_texts(con, items, st_rules.period_of(as_of))
    return items[list(columns)]


def _listed_status(scope: StatusScope) -> pd.DataFrame:
    """The status rows of ``scope`` the lists can show, in the order they were judged."""
    return pq.stored_frame(scope.df(f"SELECT {', '.join(pq.STATUS_COLUMNS)} FROM {{rows}} WHERE {LISTED_ROWS} "
                                    "ORDER BY row_order", [_SEND_BACK_LABEL]))


def _kept(category: pd.Series, sent_back: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    """The listed rows (those with a category) of ``categories`` (二次交办: every sent-back row); all when empty."""
    keep = category.notna()
    if categories:
        keep &= category.isin(categories) | (sent_back & (SENT_BACK in categories))
    return keep


def _list_order(frame: pd.DataFrame, keep: np.ndarray) -> np.ndarray:
    """The positions of the kept rows in list order (:func:`supervision_items`): category, days overdue (most
    first), gap to pace (largest first), the order judged (unique: the sort is total)."""
    order = frame["category"].map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy()
    days = frame["days_overdue"].astype("float").fillna(-1).to_numpy()
    gap = frame["gap_points"].astype("float").fillna(-1e9).to_numpy()
    kept = np.flatnonzero(keep)
    return kept[np.lexsort((frame["row_order"].to_numpy()[kept], -gap[kept], -days[kept], order[kept]))]


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
    has a current report (for the period or up to ``report_fresh_months`` earlier), or its latest report
    records the work done (:func:`tracker.progress_queries.done_on_record_sql`: nothing more to ask for).

    The part of the 催报 list that depends only on the data, the period and the settings: stored per data
    version as a snapshot of level :data:`tracker.status_store.REPORTING`."""
    where, params = target_where(Filters(year=year))
    tol = repr(float(settings.about_tolerance_percent) / 100)
    sql = f"""
        WITH assigned AS MATERIALIZED ({assigned_sql(where)}),
        rows AS (
            SELECT a.org_id, a.target_id, a.jurisdiction_code, d.doc_id, i.item_id, t.seq,
                   a.jurisdiction_code = coalesce(d.city_code, '') AS city_row,
                   t.kind, t.comparator, coalesce(al.value, t.value) AS target_value
            FROM assigned a
            JOIN targets t ON t.target_id = a.target_id
            JOIN items i ON i.item_id = t.item_id
            JOIN documents d ON d.doc_id = i.doc_id
            LEFT JOIN target_allocations al ON al.target_id = a.target_id AND al.jurisdiction_code = a.jurisdiction_code
            WHERE d.period_start IS NULL OR d.period_start <= ?
        ),
        reported AS (
            SELECT DISTINCT target_id, jurisdiction_code FROM progress_reports
            WHERE period BETWEEN ? AND ? AND target_id IN (SELECT target_id FROM rows)
        ),
        done AS (   -- the latest report records the work done: nothing more to ask for
            SELECT DISTINCT r.target_id, r.jurisdiction_code
            FROM rows r
            JOIN (SELECT target_id, jurisdiction_code, period, valid_until, value AS reported_value, reported_status
                  FROM progress_reports) l ON l.target_id = r.target_id AND l.jurisdiction_code = r.jurisdiction_code
            WHERE {current_report_sql("?", alias="l")} AND {pq.done_on_record_sql("r", "l", tol)}
        )
        SELECT r.org_id, r.target_id, r.jurisdiction_code, r.doc_id, r.item_id, r.seq, r.city_row,
               rep.target_id IS NOT NULL OR dn.target_id IS NOT NULL AS reported
        FROM rows r
        LEFT JOIN reported rep ON rep.target_id = r.target_id AND rep.jurisdiction_code = r.jurisdiction_code
        LEFT JOIN done dn ON dn.target_id = r.target_id AND dn.jurisdiction_code = r.jurisdiction_code
    """
    return con.execute(sql, [*params, list(LOCAL_KINDS), st_rules.month_end(period),
                             _earliest_current(period, settings), period, period, period]).df()


def reporting_overview(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    version: tuple | None = None,
) -> pd.DataFrame:
    """Every reporting unit with its rows for the period and how many have a current report.

    ``filters.units`` keeps those units; the other filters keep their rows. Units left with
    no rows are dropped. Columns: :data:`UNIT_COLUMNS` (``state``: 已报送 / 部分报送 / 未报送).
    The rows come from :func:`reporting_rows`, stored once per data version (:mod:`tracker.status_store`;
    ``version``: the data version the caller read, see :func:`tracker.status_store.snapshot_id`).
    """
    from tracker import status_store

    period = st_rules.period_of(as_of)
    closed = [key for key, s in sv_actions.row_states(con, as_of).items() if s.kind == sv_actions.CLOSE_OUT]
    stored = status_store.snapshot_id(con, period, status_store.REPORTING, filters.year, settings, version)
    if stored is not None:
        return _overview(con, f"(SELECT * FROM reporting_rows WHERE snapshot_id = {int(stored)})", period,
                         filters, closed)
    cursor = con.cursor()   # the rows judged on the spot, registered where only this call sees them
    registered = f"reporting_live_{uuid.uuid4().hex}"
    try:
        cursor.register(registered, reporting_rows(con, period, filters.year, settings))
        return _overview(cursor, registered, period, filters, closed)
    finally:
        cursor.unregister(registered)
        cursor.close()


def _overview(con, source: str, period: str, filters: Filters, closed: list[tuple[int, str]]) -> pd.DataFrame:
    """:func:`reporting_overview` of the 催报 rows in ``source`` (a table or subquery of :func:`reporting_rows`)."""
    rows, params = _unit_rows_sql(source, filters, closed)
    units = con.execute(f"""
        WITH counted AS (
            SELECT org_id, count(*) AS n_rows, count_if(reported) AS n_reported FROM ({rows}) GROUP BY org_id
        ),
        last_upload AS (
            SELECT unit_name, max(uploaded_at) AS last_upload FROM uploads
            WHERE period = ? AND outcome <> 'rejected' GROUP BY unit_name
        )
        SELECT c.org_id, o.name, o.kind, coalesce(j.name, '') AS jurisdiction_name, c.n_rows, c.n_reported,
               lu.last_upload
        FROM counted c
        JOIN organisations o ON o.org_id = c.org_id
        LEFT JOIN jurisdictions j ON j.code = o.jurisdiction_code
        LEFT JOIN last_upload lu ON lu.unit_name = o.name
        ORDER BY o.name, o.org_id""", [*params, period]).fetchall()
    missing, first = _missing_rows(con, rows, params)
    labels = _row_labels(con, [key for keys in first.values() for key in keys])
    records = []
    for org_id, name, kind, place, n_rows, n_reported, last_upload in units:
        n_missing = n_rows - n_reported
        records.append({
            "unit_name": name, "unit_kind": UNIT_KINDS.get(kind, "市直单位"), "jurisdiction_name": place,
            "n_rows": n_rows, "n_reported": n_reported, "n_missing": n_missing,
            "state": "已报送" if not n_missing else (NOT_REPORTED if n_reported == 0 else PARTLY_REPORTED),
            "last_upload": last_upload, "missing_rows": missing.get(org_id, []),
            "missing_items": _short_list([labels[t, c] for t, c, _ in first.get(org_id, [])], n_missing),
        })
    frame = pd.DataFrame.from_records(records, columns=UNIT_COLUMNS)
    frame["_state"] = frame["state"].map({NOT_REPORTED: 0, PARTLY_REPORTED: 1, "已报送": 2})
    frame = frame.sort_values(["_state", "n_missing", "unit_name"], ascending=[True, False, True])
    return frame[UNIT_COLUMNS].reset_index(drop=True)


def _unit_rows_sql(source: str, filters: Filters, closed: list[tuple[int, str]]) -> tuple[str, list]:
    """The 催报 rows of ``source`` the filters keep, without the closed-out ones: (SQL, parameters). Only the
    conditions that apply are written, so the scan has nothing else to evaluate."""
    clauses, params = [], []
    if filters.jurisdictions:
        clauses.append("list_contains(?::VARCHAR[], jurisdiction_code)")
        params.append(list(filters.jurisdictions))
    if closed:
        clauses.append("(target_id, jurisdiction_code) NOT IN (SELECT (unnest(?::INTEGER[]), unnest(?::VARCHAR[])))")
        params += [[t for t, _ in closed], [c for _, c in closed]]
    # units choose the reporting units, not the items (tracker.filters): they keep the units' own rows
    kept, kept_params = target_ids_where(Filters(None, filters.doc_ids, filters.area_ids, (), filters.leaders))
    if kept != "TRUE":
        clauses.append(kept)
        params += kept_params
    if filters.units:
        clauses.append("org_id IN (SELECT org_id FROM organisations WHERE list_contains(?::VARCHAR[], name))")
        params.append(list(filters.units))
    return (f"SELECT org_id, target_id, jurisdiction_code, doc_id, item_id, seq, city_row, reported "
            f"FROM {source} WHERE {' AND '.join(clauses) or 'TRUE'}"), params


def _missing_rows(con, rows: str, params: list) -> tuple[dict[int, list[str]], dict[int, list[tuple]]]:
    """Per unit (org_id): the ids of its rows without a current report in document order (document, item,
    target, the whole-city row first, place), and (target_id, jurisdiction_code, item_id) of the first
    :data:`SHORT_LIST` of them. Sorted here: a few thousand rows, cheaper than a window and ordered lists in SQL."""
    found = con.execute(f"SELECT org_id, doc_id, item_id, seq, NOT city_row, jurisdiction_code, target_id "
                        f"FROM ({rows}) WHERE NOT reported", params).fetchall()
    found.sort()
    missing: dict[int, list[str]] = {}
    first: dict[int, list[tuple]] = {}
    for org_id, _, item_id, _, _, code, target_id in found:
        ids = missing.setdefault(org_id, [])
        ids.append(row_id(target_id, code))
        if len(ids) <= SHORT_LIST:
            first.setdefault(org_id, []).append((target_id, code, item_id))
    return missing, first


def _row_labels(con, keys: list[tuple[int, str, int]]) -> dict[tuple[int, str], str | None]:
    """(target_id, jurisdiction_code) → the row as the 催报 list names it: item label and indicator (a bare
    number as label gets a space, as :func:`tracker.formatting.item_name` writes it), and the place unless it
    is a city's own row."""
    return {(t, c): label for t, c, label in con.execute("""
        SELECT k.target_id, k.jurisdiction_code,
               i.label || CASE WHEN regexp_matches(i.label, '[0-9A-Za-z]$') THEN ' ' ELSE '' END || t.indicator
               || CASE WHEN k.jurisdiction_code IN (SELECT code FROM jurisdictions WHERE kind = 'city')
                       THEN '' ELSE '（' || coalesce(j.name, k.jurisdiction_code) || '）' END
        FROM (SELECT unnest(?::INTEGER[]) AS target_id, unnest(?::VARCHAR[]) AS jurisdiction_code,
                     unnest(?::INTEGER[]) AS item_id) k
        JOIN targets t ON t.target_id = k.target_id
        JOIN items i ON i.item_id = k.item_id
        LEFT JOIN jurisdictions j ON j.code = k.jurisdiction_code""",
        [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]).fetchall()}


def unreported_units(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    version: tuple | None = None,
) -> pd.DataFrame:
    """The 催报 list: units with at least one row lacking a current report; 未报送 first.
    ``version``: as :func:`reporting_overview`."""
    overview = reporting_overview(con, as_of, filters, settings, version)
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


#: Characters Windows does not allow in a file name (and white space), replaced in :func:`file_scope`.
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')
#: The most characters one filter takes in a file name (a longer one is cut, ending in …).
FILE_SCOPE_PART = 24


def file_scope(con: duckdb.DuckDBPyConnection, filters: Filters, categories: tuple[str, ...] = ()) -> str:
    """The filters in a few words for a file name (``市商务局_逾期``), "" without filters.

    Two lists exported with different filters must not get the same name in a user's download folder:
    the names show what each holds. Values only (a file name has no room for 责任单位：), every filter
    chosen (at most :data:`FILE_SCOPE_PART` characters each), no characters a file name cannot hold. A
    document goes by its 文号, or by its title where several loaded documents share the 文号 (衢政办发〔2024〕10号
    is the 重点工作 list and both 民生实事 tables). Where a name leaves values out (three units or more:
    ``市发改委、市经信局等3个单位``; a cut name) it ends in four characters of a digest of the whole choice,
    so two different choices never share a name.
    """
    parts: list[str] = []   # not the plan year: the file name's date says it
    elided = False

    def add(names: list[str], what: str, shown: int = 2) -> None:
        nonlocal elided
        text = "、".join(names[:shown]) + (f"等{len(names)}个{what}" if len(names) > shown else "")
        text = _NOT_IN_FILE_NAMES.sub("-", text).strip("-")
        if len(text) > FILE_SCOPE_PART:
            text = text[:FILE_SCOPE_PART - 1] + "…"
            elided = True
        elided = elided or len(names) > shown
        parts.append(text)

    if filters.doc_ids:
        add([r[0] for r in con.execute(
            "SELECT name FROM (SELECT doc_id, CASE WHEN doc_number IS NULL OR count(*) OVER (PARTITION BY doc_number) > 1 "
            "THEN title ELSE doc_number END AS name FROM documents) WHERE list_contains(?::INTEGER[], doc_id) "
            "ORDER BY doc_id", [list(filters.doc_ids)]).fetchall()], "文件")
    if filters.area_ids:
        add([r[0] for r in con.execute(
            "SELECT title FROM items WHERE list_contains(?::INTEGER[], item_id) ORDER BY item_id",
            [list(filters.area_ids)]).fetchall()], "领域")
    if filters.units:
        add(list(filters.units), "单位")
    if filters.leaders:
        add(list(filters.leaders), "市领导")
    if filters.jurisdictions:
        names = dict(con.execute("SELECT code, name FROM jurisdictions").fetchall())
        add([names.get(c, c) for c in filters.jurisdictions], "县（市、区）")
    if categories:
        add(list(categories), "类别", shown=len(categories))   # four at most, all short
    if elided:
        choice = repr((sorted(filters.doc_ids), sorted(filters.area_ids), sorted(filters.units),
                       sorted(filters.leaders), sorted(filters.jurisdictions), sorted(categories)))
        parts.append(hashlib.sha1(choice.encode()).hexdigest()[:4])
    return "_".join(parts)
