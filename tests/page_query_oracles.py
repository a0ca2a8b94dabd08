"""The page queries of the 数据质量 and 任务 pages as they were before they were sped up (verbatim),
kept as oracles: tests/test_page_query_speedups.py holds the current functions to the same frames."""
from __future__ import annotations

import json
from datetime import date

import duckdb
import pandas as pd

from loaders.cn_numbers import PERCENT_UNITS
from tracker import progress_queries as pq
from tracker import status as st_rules
from tracker.filters import NO_FILTERS, Filters, target_where
from tracker.queries import ADDITIVE_KINDS
from tracker.reporting import all_rows
from tracker.settings import StatusSettings

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


def search_items(con: duckdb.DuckDBPyConnection, words: str = "", filters: Filters = NO_FILTERS,
                 limit: int = 200) -> pd.DataFrame:
    """Items with targets whose title, text, indicator, raw phrase, unit, responsible units
    (lead or cooperating) or leaders contain every word.

    Words are split on white space; a number such as ``500``, a unit such as ``亩``, a
    department such as ``市发改委`` or a leader's name is just another word.
    Columns: item_id, doc_number, label, title, kind, n_targets, lead_unit, units, leaders.
    """
    where, params = target_where(filters)
    conditions = []
    for word in words.split():
        conditions.append("contains(lower(coalesce(p.title, '') || coalesce(p.text, '') || coalesce(p.target_text, '') "
                          "|| coalesce(rs.units, '') || coalesce(ld.leaders, '')), ?)")
        params.append(word.lower())
    sql = f"""
        WITH picked AS MATERIALIZED (
            SELECT i.item_id, d.doc_id, d.doc_number, i.label, i.title, i.kind, i.text,
                   count(t.target_id) AS n_targets,
                   string_agg(t.indicator || t.raw || coalesce(t.unit, ''), '') AS target_text
            FROM items i
            JOIN documents d USING (doc_id)
            JOIN targets t USING (item_id)
            WHERE {where}
            GROUP BY i.item_id, d.doc_id, d.doc_number, i.label, i.title, i.kind, i.text
        ),
        {pq.RESPONSIBILITY_CTES.replace("{items}", "picked")}
        SELECT p.item_id, p.doc_number, p.label, p.title, p.kind, p.n_targets,
               rs.lead_unit, rs.units, ld.leaders
        FROM picked p
        LEFT JOIN responsible rs ON rs.item_id = p.item_id
        LEFT JOIN led ld ON ld.item_id = p.item_id
        WHERE {" AND ".join(conditions) if conditions else "TRUE"}
        ORDER BY p.doc_id, p.item_id
        LIMIT {int(limit)}
    """
    return con.execute(sql, params).df()


def target_history(con: duckdb.DuckDBPyConnection, target_id: int, jurisdiction_code: str | None = None,
                   as_of: str | None = None, settings: StatusSettings = StatusSettings()) -> pd.DataFrame:
    """Month by month for one target (whole-city row unless a jurisdiction is given).

    One row per month of the plan period up to ``as_of`` (default: the period end):
    period, reported (the report current in that month, latest version; NaN when none),
    expected (the expected share × target, for count and level targets; NaN for others),
    target. A jurisdiction's target is its allocation.

    A target reported per jurisdiction (allocated, or led by county governments) has no
    whole-city report: the whole-city months then add up the jurisdictions' reports as
    the status table does (:func:`tracker.progress_queries.summed_city_report`).
    """
    info = con.execute(
        """
        SELECT t.value, t.kind, t.comparator, t.steps, t.deadline, t.due_date, d.city_code,
               coalesce(d.period_start, make_date(d.year, 1, 1)) AS start,
               coalesce(d.period_end, make_date(d.year, 12, 31)) AS "end"
        FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id) WHERE t.target_id = ?
        """,
        [target_id],
    ).fetchone()
    if info is None:
        return pd.DataFrame(columns=["period", "reported", "expected", "target"])
    value, kind, comparator, steps_json, deadline, due_date, city_code, start, end = info
    last = st_rules.period_of(end) if as_of is None else min(as_of, st_rules.period_of(end))
    code = jurisdiction_code or city_code
    places = [r for r in all_rows(con, last, [target_id]) if r.jurisdiction_code != city_code]
    if code != city_code:
        value = next((r.target_value for r in places if r.jurisdiction_code == code), None)
    wanted = [code] + ([r.jurisdiction_code for r in places] if code == city_code else [])
    reports: dict[str, list[tuple[str, float | None, str | None]]] = {c: [] for c in wanted}
    for c, period, reported, status in con.execute(
        "SELECT jurisdiction_code, period, value, reported_status FROM latest_progress "
        "WHERE target_id = ? AND list_contains(?::VARCHAR[], jurisdiction_code) ORDER BY period",
        [target_id, wanted],
    ).fetchall():
        reports[c].append((period, reported, status))
    due = deadline or due_date or end
    if due < start:
        due = end
    steps = [(date.fromisoformat(d), float(p)) for d, p in json.loads(steps_json)] if steps_json else []
    targets = {code: value, **{r.jurisdiction_code: r.target_value for r in places}}

    def done(place):   # a report that records the work done stays current (tracker.status.done_on_record)
        return lambda report: st_rules.done_on_record(kind, comparator, targets.get(place), report[1], report[2],
                                                      settings)

    rows = []
    for month in range(1, 13):
        period = f"{start.year:04d}-{month:02d}"
        if period < st_rules.period_of(start) or period > last:
            continue
        expected = None
        if value is not None and kind in (st_rules.COUNT, st_rules.LEVEL):
            expected = st_rules.expected_share(st_rules.month_end(period), start, due, steps) * value
        own = _report_in(reports[code], period, settings, done(code))
        if own is not None:
            reported = own[1]
        elif code == city_code and places:
            latest = [_report_in(reports[r.jurisdiction_code], period, settings, done(r.jurisdiction_code))
                      for r in places]
            summed = pq.summed_city_report(
                kind, [None if r is None else pq.current_value(kind, r[0], r[1], period, settings, True)
                       for r in latest],
                [None if r is None else r[2] for r in latest], comparator)
            reported = None if summed is None else summed[0]
        else:
            reported = None
        rows.append({"period": period, "reported": reported, "expected": expected, "target": value})
    return pd.DataFrame(rows, columns=["period", "reported", "expected", "target"]).astype(
        {"reported": float, "expected": float, "target": float}
    )


def _report_in(reports: list[tuple[str, float | None, str | None]], period: str,
               settings: StatusSettings, done) -> tuple[str, float | None, str | None] | None:
    """The latest (period, value, status) on or before ``period`` that is current there (or records the
    work done), if any."""
    earlier = [r for r in reports if r[0] <= period]
    if not earlier or not (st_rules.report_is_current(earlier[-1][0], period, settings) or done(earlier[-1])):
        return None
    return earlier[-1]


def item_notes(con: duckdb.DuckDBPyConnection, item_id: int) -> pd.DataFrame:
    """Every report of the item's targets, corrections included: who sent what, when, and whether it
    counts (the 说明 column, written here with correlated subqueries over every report)."""
    return con.execute(
        """
        SELECT p.period, t.seq, t.indicator, coalesce(j.name, p.jurisdiction_code) AS jurisdiction,
               u.unit_name,
               CASE WHEN p.jurisdiction_code = d.city_code
                         AND (SELECT count(*) FROM target_allocations al WHERE al.target_id = p.target_id) > 0
                    THEN '分解到各县（市、区）前按全市报送，不再计入'
                    WHEN p.version = (SELECT max(q.version) FROM progress_reports q WHERE q.target_id = p.target_id
                                      AND q.jurisdiction_code = p.jurisdiction_code AND q.period = p.period)
                    THEN '当前有效'
                    ELSE (SELECT CASE WHEN v.unit_name = u.unit_name THEN '已更正（第' || q.version || '版有效）'
                                      ELSE '已被' || v.unit_name || '的第' || q.version || '版替换' END
                          FROM progress_reports q JOIN uploads v USING (upload_id)
                          WHERE q.target_id = p.target_id AND q.jurisdiction_code = p.jurisdiction_code
                            AND q.period = p.period ORDER BY q.version DESC LIMIT 1) END AS standing,
               p.value, t.unit, p.reported_status, p.progress_text, p.problems_text, p.next_steps_text,
               u.uploaded_by, u.uploaded_at, p.version, u.is_demo
        FROM progress_reports p
        JOIN uploads u USING (upload_id)
        JOIN targets t USING (target_id)
        JOIN items i USING (item_id)
        JOIN documents d ON d.doc_id = i.doc_id
        LEFT JOIN jurisdictions j ON j.code = p.jurisdiction_code
        WHERE t.item_id = ?
        ORDER BY p.period DESC, t.seq, p.jurisdiction_code, p.version DESC
        """,
        [item_id],
    ).df()


# ---------------------------------------------------------------- 督查 (tracker/supervision.py, supervision_view.py)
# As they were before the 督查 page's queries were sped up (verbatim but for the module prefixes):
# tests/test_supervision_speed.py holds the current functions to the same frames.

import uuid  # noqa: E402

from tracker import actions as sv_actions  # noqa: E402
from tracker import supervision as sv  # noqa: E402
from tracker.filters import target_ids_where  # noqa: E402
from tracker.report_validity import OPEN_END  # noqa: E402
from tracker.reporting import row_id  # noqa: E402


def supervision_items(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    categories: tuple[str, ...] = (),
    level: str | None = None,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    unknown = [c for c in categories if c not in sv.CATEGORIES]
    if unknown:
        raise ValueError(f"未知督查类别“{'、'.join(unknown)}”：可选{'、'.join(sv.CATEGORIES)}")
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
    status["category"] = [_sv_category(s, o, b) for s, o, b in zip(status["status"], status["overdue"],
                                                                    status["sent_back"])]
    items = status[status["category"].notna()].copy()
    if categories:
        keep = items["category"].isin(categories) | (items["sent_back"] & (sv.SENT_BACK in categories))
        items = items[keep]
    items["due"] = [_sv_due(d, n) for d, n in zip(items["due_date"], items["action_deadline"])]
    items["days_overdue"] = pd.array([(as_of - d).days if o and d is not None else None
                                      for d, o in zip(items["due"], items["overdue"])], dtype="Int64")
    items = _sv_with_texts(con, items, period)
    items["_order"] = items["category"].map({c: i for i, c in enumerate(sv.CATEGORIES)})
    items["_days"] = items["days_overdue"].astype("float").fillna(-1)
    items["_gap"] = items["gap_points"].astype("float").fillna(-1e9)
    items = items.reset_index(drop=True).reset_index(names="_doc_order")
    items = items.sort_values(["_order", "_days", "_gap", "_doc_order"], ascending=[True, False, False, True])
    return items[sv.ITEM_COLUMNS].reset_index(drop=True)


def _sv_category(status: str, overdue: bool, sent_back: bool) -> str | None:
    if overdue and status != st_rules.COMPLETED:
        return sv.OVERDUE
    if status in (sv.FAR_BEHIND, sv.BEHIND):
        return status
    if sent_back:
        return sv.SENT_BACK
    return None


def _sv_due(due_date, new_deadline) -> date | None:
    if isinstance(new_deadline, date):
        return new_deadline
    if due_date is None or (isinstance(due_date, float) and due_date != due_date) or due_date is pd.NaT:
        return None
    return pd.Timestamp(due_date).date()


def _sv_with_texts(con, items: pd.DataFrame, period: str) -> pd.DataFrame:
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


def reporting_overview(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
) -> pd.DataFrame:
    from tracker import status_store

    period = st_rules.period_of(as_of)
    closed = [key for key, s in sv_actions.row_states(con, as_of).items() if s.kind == sv_actions.CLOSE_OUT]
    stored = status_store.snapshot_id(con, period, status_store.REPORTING, filters.year, settings)
    cursor = con.cursor()
    registered = None
    try:
        if stored is None:
            registered = f"reporting_live_{uuid.uuid4().hex}"
            cursor.register(registered, sv.reporting_rows(con, period, filters.year, settings))
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
                       list(i.label || CASE WHEN regexp_matches(i.label, '[0-9A-Za-z]$') THEN ' ' ELSE '' END
                            || t.indicator
                            || CASE WHEN r.jurisdiction_code IN (SELECT code FROM jurisdictions WHERE kind = 'city')
                                    THEN '' ELSE '（' || coalesce(j.name, r.jurisdiction_code) || '）' END
                            ORDER BY r.place) FILTER (WHERE r.place <= {sv.SHORT_LIST}) AS missing_labels
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
            "unit_name": name, "unit_kind": sv.UNIT_KINDS.get(kind, "市直单位"), "jurisdiction_name": place,
            "n_rows": n_rows, "n_reported": n_reported, "n_missing": n_missing,
            "state": "已报送" if not n_missing else (sv.NOT_REPORTED if n_reported == 0 else sv.PARTLY_REPORTED),
            "last_upload": last_upload, "missing_rows": list(missing),
            "missing_items": sv._short_list(labels, n_missing),
        })
    frame = pd.DataFrame.from_records(records, columns=sv.UNIT_COLUMNS)
    frame["_state"] = frame["state"].map({sv.NOT_REPORTED: 0, sv.PARTLY_REPORTED: 1, "已报送": 2})
    frame = frame.sort_values(["_state", "n_missing", "unit_name"], ascending=[True, False, True])
    return frame[sv.UNIT_COLUMNS].reset_index(drop=True)


def supervision_view_lists(con: duckdb.DuckDBPyConnection, as_of: date, filters: Filters = NO_FILTERS,
                           settings: StatusSettings = StatusSettings(),
                           categories: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(choices, items, units) of tracker.supervision_view.supervision_view, as it made them."""
    from tracker.status import month_end
    from tracker.status_store import StatusScope
    from tracker.supervision_view import CHOICE_COLUMNS

    period = st_rules.period_of(as_of)
    if as_of == month_end(period):
        level = pq.JURISDICTION if filters.jurisdictions else pq.CITY
        with StatusScope(con, period, filters, settings, level) as scope:
            listed = pq.stored_frame(scope.df(f"""
                SELECT {', '.join(pq.STATUS_COLUMNS)} FROM {{rows}}
                WHERE status IN ('{sv.FAR_BEHIND}', '{sv.BEHIND}') OR overdue OR action = ?
                ORDER BY row_order""", [sv_actions.KIND_LABELS[sv_actions.SEND_BACK]]))
            choices = scope.df(f"SELECT {', '.join(CHOICE_COLUMNS)} FROM {{rows}} ORDER BY row_order")
    else:
        listed = pq.target_status(con, period, filters, settings, as_of_day=as_of)
        choices = listed[CHOICE_COLUMNS]
    items = supervision_items(con, as_of, filters, settings, categories, status=listed)
    units = reporting_overview(con, as_of, filters, settings)
    return choices, items, units[units["n_missing"] > 0].reset_index(drop=True)
