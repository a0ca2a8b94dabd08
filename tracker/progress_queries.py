"""Targets against reported progress on an as-of month: the table every dashboard page reads.

:func:`target_status` gives one row per target and jurisdiction: the whole-city row of
each target (jurisdiction = the document's city) and one row per jurisdiction that
reports on it, as :func:`tracker.reporting.all_rows` defines them (a target's
allocations, and the county governments or zones listed on an unallocated item). For each row it takes the latest report for a period on or before the
as-of month (the latest version of that period) and lets :func:`tracker.status.judge`
decide the status. Nothing here re-derives a status.

Values are compared in the target's unit as written (``targets.value``/``unit``,
``target_allocations.value``), which is the unit the monthly reports use.

A target reported per jurisdiction only (allocated, or led by county governments or zones)
has no report of its own for the whole city (an allocated target's reports for the whole city,
made before it was split per county by :mod:`loaders.each_county`, stay on record uncounted). Its whole-city row is then made of the
jurisdictions' current reports once every jurisdiction has reported (otherwise it is
未报送): counts and levels add up; a milestone is done city-wide when every jurisdiction
reports it done; a rate or limit, which every place must reach, takes the value of the
place furthest from it (the lowest rate, the highest value under a ceiling); reported by
one place only (a target of one zone), it is that place's report.

A row whose target the rules cannot judge (e.g. a level below its baseline)
gets the status :data:`UNJUDGED` and the reason in ``note``.

Supervisors' actions (:mod:`tracker.actions`) on a row count from their date: a row closed
out (销号) is 已完成 (never overdue), with who closed it and why in ``note``; a row sent back
(二次交办) is judged against its new deadline when that extends the original one. Columns ``action`` … ``action_deadline`` say
which action is in force.
"""
from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from tracker import actions as sv_actions
from tracker import status as st_rules
from tracker.filters import NO_FILTERS, Filters, target_where
from tracker.report_validity import current_report_sql
from tracker.reporting import LOCAL_KINDS, assigned_sql
from tracker.settings import StatusSettings

CITY = "city"
JURISDICTION = "jurisdiction"
UNJUDGED = "无法研判"

#: Severity order for "most behind" lists: worst first.
SEVERITY = {st_rules.FAR_BEHIND: 0, st_rules.BEHIND: 1, st_rules.NOT_REPORTED: 2,
            UNJUDGED: 3, st_rules.ON_TRACK: 4, st_rules.COMPLETED: 5}

STATUS_COLUMNS = [
    "target_id", "level", "allocated", "jurisdiction_code", "jurisdiction_name",
    "doc_id", "doc_number", "doc_title", "item_id", "item_kind", "item_label", "item_title",
    "area_id", "area_title", "seq", "indicator", "raw", "kind", "comparator",
    "target_value", "target_value_high", "unit", "due_date", "lead_unit", "units", "leaders",
    "report_period", "reported_value", "reported_status", "unit_name", "is_demo",
    "status", "actual_share", "expected_share", "gap_points", "overdue", "note",
    "action", "action_id", "action_date", "action_by", "action_note", "action_deadline",
]


def _rows(con: duckdb.DuckDBPyConnection, as_of: str, filters: Filters, level: str,
          settings: StatusSettings, item_id: int | None = None) -> pd.DataFrame:
    """Every row (whole city and jurisdictions) of the filtered targets with its latest report.

    One query: the jurisdiction rows are those of :func:`tracker.reporting.all_rows` (same
    rules, :func:`tracker.reporting.assigned_sql`), and only the filtered targets' reports are
    read, in one pass (latest period, then latest version, on or before the as-of month).
    Only rows of ``level`` come back; a whole-city row without a current report of its own
    carries the jurisdictions' sum (:func:`summed_city_report`, the same rules in SQL).
    """
    where, params = target_where(filters)
    if item_id is not None:  # one item's targets only
        where, params = f"{where} AND i.item_id = ?", [*params, int(item_id)]
    # Narrow first (ids, numbers, reports), wide last: the descriptive columns (titles, units,
    # leaders) are joined only to the rows that come back, not to every jurisdiction row.
    sql = f"""
        WITH base AS MATERIALIZED (
            SELECT t.target_id, i.item_id, d.doc_id, t.seq, d.city_code, t.kind, t.comparator, t.value,
                   t.value_high, d.period_start AS stated_start,
                   EXISTS (SELECT 1 FROM target_allocations al WHERE al.target_id = t.target_id) AS by_places
            FROM targets t
            JOIN items i USING (item_id)
            JOIN documents d ON d.doc_id = i.doc_id
            WHERE {where}
        ),
        assigned AS ({assigned_sql('t.target_id IN (SELECT target_id FROM base)', pairs_only=True)}),
        places AS (   -- (target, jurisdiction) is unique in assigned and in target_allocations
            SELECT a.target_id, a.jurisdiction_code,
                   CASE WHEN al.target_id IS NULL THEN b.value ELSE al.value END AS target_value,
                   CASE WHEN al.target_id IS NULL THEN b.value_high END AS target_value_high
            FROM assigned a
            JOIN base b ON b.target_id = a.target_id
            LEFT JOIN target_allocations al ON al.target_id = a.target_id AND al.jurisdiction_code = a.jurisdiction_code
            WHERE (b.stated_start IS NULL OR b.stated_start <= ?)
              AND a.jurisdiction_code IS DISTINCT FROM b.city_code AND a.jurisdiction_code <> ''
        ),
        keys AS (
            SELECT target_id, 'city' AS level, city_code AS jurisdiction_code, kind, comparator,
                   value AS target_value, value_high AS target_value_high, by_places
            FROM base
            WHERE $level = 'city'
            UNION ALL
            SELECT p.target_id, 'jurisdiction', p.jurisdiction_code, b.kind, b.comparator, p.target_value,
                   p.target_value_high, false
            FROM places p JOIN base b USING (target_id)
        ),
        latest AS (
            -- the report that answers for the as-of month: on or before it, not yet replaced by a later
            -- period or version (progress_reports.valid_until, kept by tracker.report_validity)
            SELECT p.target_id, p.jurisdiction_code, p.period AS report_period, p.value AS reported_value,
                   p.reported_status, p.upload_id
            FROM progress_reports p
            WHERE {current_report_sql('$as_of', '$first_period')}
              AND p.target_id IN (SELECT target_id FROM base)
        ),
        joined AS (
            SELECT k.*, l.report_period, l.reported_value, l.reported_status, l.upload_id,
                   l.report_period IS NOT NULL AND ({_AGE} BETWEEN 0 AND $fresh OR {done_on_record_sql()}) AS is_current
            FROM keys k
            -- an allocated target's city row is its places' (summed): a report for the whole city made
            -- before the target was split (loaders.each_county) stays on record, not counted
            LEFT JOIN latest l ON l.target_id = k.target_id AND l.jurisdiction_code = k.jurisdiction_code
                              AND NOT k.by_places
        ),
        -- the whole-city report made of the jurisdictions' current reports (summed_city_report)
        summed AS (
            -- summed in jurisdiction order, as summed_city_report is given them: the same float whatever
            -- the rows (one item, the whole table) and the threads (sum() adds in the order rows arrive)
            SELECT j.target_id, bool_and(current_value IS NOT NULL) AS complete,
                   list_sum(list(current_value ORDER BY j.jurisdiction_code)) AS total,
                   min(current_value) AS lowest, max(current_value) AS highest,
                   count(*) AS n_places, min(j.upload_id) AS place_upload, min(j.reported_status) AS place_status,
                   bool_and(coalesce(j.reported_status = '{st_rules.COMPLETED}', false)) AS done,
                   bool_or(coalesce(u.is_demo, false)) AS demo
            FROM (SELECT target_id, jurisdiction_code, reported_status, upload_id,
                         CASE WHEN NOT is_current THEN NULL
                              WHEN reported_value IS NULL THEN CASE WHEN kind = '{st_rules.MILESTONE}' THEN 0.0 END
                              ELSE reported_value END AS current_value
                  FROM joined WHERE level = 'jurisdiction') j
            LEFT JOIN uploads u ON u.upload_id = j.upload_id
            WHERE $level = 'city'
            GROUP BY j.target_id
        ),
        result AS (
            SELECT j.*,
                   coalesce(s.complete AND j.level = 'city' AND NOT j.is_current, false) AS use_sum,
                   CASE WHEN j.kind NOT IN ('{st_rules.RATE}', '{st_rules.LIMIT}') THEN s.total
                        WHEN j.kind = '{st_rules.LIMIT}' OR j.comparator = '{st_rules.AT_MOST}' THEN s.highest
                        ELSE s.lowest END AS total,
                   j.kind IN ('{st_rules.RATE}', '{st_rules.LIMIT}') AS by_worst,
                   s.done, s.demo, CASE WHEN s.n_places = 1 THEN s.place_upload END AS place_upload, s.place_status
            FROM joined j
            LEFT JOIN summed s USING (target_id)
            WHERE j.level = $level
        ),
        allocated AS (
            SELECT DISTINCT target_id FROM target_allocations WHERE target_id IN (SELECT target_id FROM base)
        )
        SELECT r.target_id, r.level, r.jurisdiction_code, coalesce(jn.name, r.jurisdiction_code) AS jurisdiction_name,
               r.target_value, r.target_value_high,
               r.use_sum OR r.is_current AS is_current,
               CASE WHEN r.use_sum THEN $as_of ELSE r.report_period END AS report_period,
               CASE WHEN r.use_sum THEN r.total ELSE r.reported_value END AS reported_value,
               CASE WHEN NOT r.use_sum THEN r.reported_status
                    WHEN r.kind = '{st_rules.MILESTONE}' AND r.done THEN '{st_rules.COMPLETED}'
                    WHEN r.by_worst AND r.place_upload IS NOT NULL THEN r.place_status   -- the one place's report
                    WHEN r.by_worst THEN '{WORST_PLACE}' ELSE '{SUMMED}' END AS reported_status,
               CASE WHEN NOT r.use_sum THEN u.unit_name WHEN r.by_worst THEN coalesce(pu.unit_name, '{WORST_PLACE}')
                    ELSE '{SUMMED}' END AS unit_name,
               CASE WHEN r.use_sum THEN r.demo ELSE u.is_demo END AS is_demo,
               al.target_id IS NOT NULL AS allocated
        FROM result r
        JOIN base b ON b.target_id = r.target_id
        LEFT JOIN uploads u ON u.upload_id = r.upload_id
        LEFT JOIN uploads pu ON pu.upload_id = r.place_upload
        LEFT JOIN jurisdictions jn ON jn.code = r.jurisdiction_code
        LEFT JOIN allocated al ON al.target_id = r.target_id
        ORDER BY b.doc_id, b.item_id, b.seq, r.level DESC, r.jurisdiction_code
    """
    values = params + [list(LOCAL_KINDS), st_rules.month_end(as_of)]
    named = {"level": level, "fresh": settings.report_fresh_months, "tol": settings.about_tolerance_percent / 100,
             "as_of": as_of,
             "first_period": _first_period(con, where, params)}
    rows = con.execute(_numbered(sql, len(values), named), values + list(named.values())).df()
    # the descriptive columns once per target, not once per row (a province has ~9 rows per target)
    described = con.execute(_DESCRIBED.format(where=where), params).df()
    return rows.merge(described, on="target_id", how="left", validate="many_to_one")


#: CTEs ``responsible`` (item_id, lead_unit, units) and ``led`` (item_id, leaders) of the items in
#: the CTE named by ``{items}`` (a CTE with an item_id column): what the view ``target_register``
#: says, worked out only for those items.
RESPONSIBILITY_CTES = """
    responsible AS (
        SELECT a.item_id,
               arg_min(o.name, a.position) FILTER (WHERE a.role = 'lead') AS lead_unit,
               string_agg(o.name, '、' ORDER BY a.position) AS units
        FROM assignments a JOIN organisations o USING (org_id)
        WHERE a.item_id IN (SELECT item_id FROM {items})
        GROUP BY a.item_id
    ),
    led AS (
        SELECT l.item_id, string_agg(p.name, '、' ORDER BY l.position) AS leaders
        FROM item_leaders l JOIN people p USING (person_id)
        WHERE l.item_id IN (SELECT item_id FROM {items})
        GROUP BY l.item_id
    )"""

#: SQL (document alias ``d``): the first day of a plan, its stated start or else 1 January of its year.
PLAN_START_SQL = "coalesce(d.period_start, make_date(coalesce(d.year, year(d.issue_date)), 1, 1))"

#: Per filtered target: its document, item, policy area, responsible units and leaders.
_DESCRIBED = """
    WITH base AS MATERIALIZED (
        SELECT t.target_id, i.item_id
        FROM targets t
        JOIN items i USING (item_id)
        JOIN documents d ON d.doc_id = i.doc_id
        WHERE {where}
    ),""" + RESPONSIBILITY_CTES.replace("{items}", "base") + """
    SELECT t.target_id, d.doc_id, d.doc_number, d.title AS doc_title, d.city_code,
           """ + PLAN_START_SQL + """ AS period_start,
           coalesce(d.period_end, make_date(coalesce(d.year, year(d.issue_date)), 12, 31)) AS period_end,
           i.item_id, i.kind AS item_kind, i.number AS item_number, i.label AS item_label, i.title AS item_title,
           CASE WHEN i.kind = 'policy_area' THEN i.item_id ELSE area.item_id END AS area_id,
           CASE WHEN i.kind = 'policy_area' THEN i.label || i.title ELSE area.label || area.title END AS area_title,
           t.seq, t.indicator, t.raw, t.kind, t.comparator, t.value, t.value_high, t.unit,
           t.steps, t.deadline, t.due_date, rs.lead_unit, rs.units, ld.leaders
    FROM base b
    JOIN targets t ON t.target_id = b.target_id
    JOIN items i ON i.item_id = b.item_id
    JOIN documents d ON d.doc_id = i.doc_id
    LEFT JOIN items area ON area.item_id = i.parent_item_id
    LEFT JOIN responsible rs ON rs.item_id = i.item_id
    LEFT JOIN led ld ON ld.item_id = i.item_id
"""


def _first_period(con: duckdb.DuckDBPyConnection, where: str, params: list) -> str:
    """The earliest period a report on the filtered targets can have: the earliest stated start of
    their plans (uploads only take a target's rows from its plan's start), or '0000-00' when a plan
    has no stated start. A constant, so DuckDB skips the row groups of earlier months."""
    first = con.execute(f"""
        SELECT CASE WHEN bool_or(d.period_start IS NULL) THEN NULL ELSE strftime(min(d.period_start), '%Y-%m') END
        FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id
        WHERE {where}""", params).fetchone()[0]
    return first or "0000-00"


#: Months from a report's period to the as-of month, in SQL (both 'YYYY-MM').
_AGE = ("((CAST(left($as_of, 4) AS INTEGER) * 12 + CAST(substr($as_of, 6, 2) AS INTEGER))"
        " - (CAST(left(l.report_period, 4) AS INTEGER) * 12 + CAST(substr(l.report_period, 6, 2) AS INTEGER)))")


def done_on_record_sql(row: str = "k", report: str = "l", tol: str = "$tol") -> str:
    """SQL: whether the latest report (alias ``report``: reported_value, reported_status) of a row (alias
    ``row``: kind, comparator, target_value) records the work done: a count that reached its target (as
    :func:`tracker.status.judge` reads counts, ``左右`` within ``tol``, a fraction), a milestone reported
    已完成 or reaching its number, a target without a number reported 已完成, a rate, level or limit reported
    已完成 with a number that meets it.

    Delivered work cannot be undone: such a report stays current after its month, so the target stays
    已完成 when the unit sends nothing more (instead of 未报送, overdue "无完成记录"), and the 催报 list
    does not ask for it again."""
    k, l = row, report
    value = f"CASE WHEN NOT isnan({l}.reported_value) THEN {l}.reported_value END"   # NaN is no value
    return f"""coalesce(CASE
        WHEN {k}.target_value IS NULL AND {k}.comparator <> '{st_rules.RANGE}'
            THEN {l}.reported_status = '{st_rules.COMPLETED}'
        WHEN {k}.kind = '{st_rules.MILESTONE}'
            THEN {l}.reported_status = '{st_rules.COMPLETED}' OR {value} >= {k}.target_value - 1e-9
        WHEN {k}.kind = '{st_rules.COUNT}'
             AND {k}.comparator IN ('{st_rules.AT_LEAST}', '{st_rules.EQUAL}', '{st_rules.RANGE}')
            THEN {value} >= {k}.target_value - 1e-9
        WHEN {k}.kind = '{st_rules.COUNT}' AND {k}.comparator = '{st_rules.ABOUT}'
            THEN {value} >= {k}.target_value - abs({k}.target_value) * {tol} - 1e-9
        WHEN {k}.kind IN ('{st_rules.RATE}', '{st_rules.LEVEL}', '{st_rules.LIMIT}')
             AND ({l}.reported_status IS DISTINCT FROM '{st_rules.COMPLETED}' OR {k}.comparator = '{st_rules.RANGE}')
            THEN false
        WHEN {k}.kind = '{st_rules.LIMIT}'
             OR ({k}.kind IN ('{st_rules.RATE}', '{st_rules.LEVEL}') AND {k}.comparator = '{st_rules.AT_MOST}')
            THEN {value} <= {k}.target_value
                 + CASE WHEN {k}.comparator = '{st_rules.ABOUT}' THEN abs({k}.target_value) * {tol} ELSE 0 END + 1e-9
        WHEN {k}.kind IN ('{st_rules.RATE}', '{st_rules.LEVEL}')
            THEN {value} >= {k}.target_value
                 - CASE WHEN {k}.comparator = '{st_rules.ABOUT}' THEN abs({k}.target_value) * {tol} ELSE 0 END - 1e-9
        ELSE false END, false)"""


def _numbered(sql: str, n_positional: int, named: dict) -> str:
    """``?`` → ``$1 … $n`` and ``$name`` → ``$n+1 …`` (DuckDB takes one style of parameter per query)."""
    parts = sql.split("?")
    out = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        out += f"${i}" + part
    assert len(parts) - 1 == n_positional, "parameter count"
    for i, name in enumerate(named, start=n_positional + 1):
        out = out.replace(f"${name}", f"${i}")
    return out


def _steps(raw: object, target: object, due: date | None) -> list[tuple[date, float]]:
    """Stated steps as (date, percent of the target), as :func:`tracker.status.expected_share` wants.

    The parser stores steps in the target's own unit ("一季度达到30%" of an 85 % target);
    a step on or after the due date is the target itself and is left to the end point.
    """
    if not isinstance(raw, str) or not raw or not isinstance(target, (int, float)) or not target:
        return []
    steps = []
    for d, value in json.loads(raw):
        day = date.fromisoformat(d)
        if due is None or day < due:
            steps.append((day, min(100.0, float(value) / float(target) * 100.0)))
    return steps


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x) or x is pd.NaT or (x is pd.NA)


def _date(x: object) -> date | None:
    if type(x) is date:
        return x
    if _missing(x):
        return None
    return pd.Timestamp(x).date()


def _is_current(row, as_of: str, settings: StatusSettings) -> bool:
    """Whether the row's latest report counts for ``as_of`` (report_is_current, worked out in :func:`_rows`)."""
    return bool(row.is_current)


def _current_value(row, as_of: str, settings: StatusSettings) -> float | None:
    """The value of the row's current report (as :func:`current_value`, with the currency from :func:`_rows`)."""
    if not row.is_current:
        return None
    if _missing(row.reported_value):
        return 0.0 if row.kind == st_rules.MILESTONE else None
    return float(row.reported_value)


def current_value(kind: str, report_period: object, reported_value: object, as_of: str,
                  settings: StatusSettings = StatusSettings(), done: bool = False) -> float | None:
    """The value a report for ``report_period`` counts with on ``as_of``.

    None if there is no report, it is not current (:func:`tracker.status.report_is_current`;
    ``done``: it records the work done, :func:`tracker.status.done_on_record`, and stays current)
    or its value cell was blank. A milestone's current report without a number counts as 0
    (reported, not done yet), as :func:`tracker.status.judge` expects.
    """
    if not isinstance(report_period, str) or not (
            st_rules.report_is_current(report_period, as_of, settings) or (done and report_period <= as_of)):
        return None
    if _missing(reported_value):
        return 0.0 if kind == st_rules.MILESTONE else None
    return float(reported_value)


#: 报送单位 / 报送状态 of a whole-city row added up from the jurisdictions' reports.
SUMMED = "各县（市、区）合计"
#: 报送单位 / 报送状态 of a whole-city rate or limit row that takes the value of the place furthest from it.
WORST_PLACE = "各县（市、区）最差值"


def summed_city_report(kind: str, values: list[float | None], statuses: list[object],
                       comparator: str = st_rules.AT_LEAST) -> tuple[float, str] | None:
    """The whole-city (value, reported status) made of every jurisdiction's current report.

    ``values`` and ``statuses``: one per jurisdiction that reports the target, its
    :func:`current_value` (None: no current report) and its reported status. Nothing
    (None) until every jurisdiction has reported. Counts, levels and milestones add up; a
    milestone is 已完成 when every jurisdiction says so. A rate or limit, which every
    place must reach, takes the value furthest from it: the highest for a limit or an
    at-most ``comparator``, else the lowest.
    """
    if not values or any(v is None for v in values):
        return None
    if kind in (st_rules.RATE, st_rules.LIMIT):
        highest = kind == st_rules.LIMIT or comparator == st_rules.AT_MOST
        return float(max(values) if highest else min(values)), WORST_PLACE
    done = kind == st_rules.MILESTONE and all(s == st_rules.COMPLETED for s in statuses)
    return float(sum(values)), st_rules.COMPLETED if done else SUMMED


def _judge_row(row, as_of: str, settings: StatusSettings, as_of_day: date | None = None,
               deadline_override: date | None = None) -> st_rules.Judgement:
    as_of_day = as_of_day or st_rules.month_end(as_of)
    value = _current_value(row, as_of, settings)
    if row.comparator == st_rules.RANGE and not _missing(row.target_value_high):
        target = (float(row.target_value), float(row.target_value_high))
        comparator = st_rules.RANGE
    else:
        target = None if _missing(row.target_value) else float(row.target_value)
        comparator = st_rules.AT_LEAST if row.comparator == st_rules.RANGE else row.comparator
    start, end = _date(row.period_start), _date(row.period_end)
    deadline = deadline_override or _date(row.deadline) or _date(row.due_date)
    if deadline is not None and deadline < start:
        deadline = None
    kind = row.kind
    if target is None and kind != st_rules.MILESTONE:
        kind = st_rules.MILESTONE  # a target without a number can only be judged as done / not done
    reported_done = _is_current(row, as_of, settings) and row.reported_status == st_rules.COMPLETED
    try:
        return st_rules.judge(
            kind, comparator, target, value, as_of_day, start, end,
            deadline=deadline, steps=_steps(row.steps, target, deadline or end), reported_done=bool(reported_done), settings=settings,
        )
    except (ValueError, TypeError) as exc:
        return st_rules.Judgement(UNJUDGED, None, 0.0, None, False, f"无法研判：{exc}")


def _judge_with_action(row, as_of: str, settings: StatusSettings, as_of_day: date,
                       state: sv_actions.RowState | None) -> st_rules.Judgement:
    """The status rules, then the supervisors' action in force on the row (if any)."""
    if state is None:
        return _judge_row(row, as_of, settings, as_of_day)
    if state.kind == sv_actions.SEND_BACK:
        # a new deadline later than the original one is an extension; an earlier one is only the
        # deadline for putting things right (tracker.supervision lists the row as overdue after it)
        original = _date(row.deadline) or _date(row.due_date)
        later = state.new_deadline if original is None or state.new_deadline > original else None
        j = _judge_row(row, as_of, settings, as_of_day, deadline_override=later)
        return st_rules.Judgement(j.status, j.actual_share, j.expected_share, j.gap_points, j.overdue,
                                  f"二次交办（{state.action_date}，新期限{state.new_deadline}）：{j.note}")
    j = _judge_row(row, as_of, settings, as_of_day)
    return st_rules.Judgement(st_rules.COMPLETED, j.actual_share, j.expected_share, None, False,
                              f"已销号（{state.action_date}，{state.actor}）：{state.note}")


def judge_inputs(frame: pd.DataFrame, settings: StatusSettings = StatusSettings()) -> pd.DataFrame:
    """The arguments :func:`_judge_row` gives :func:`tracker.status.judge`, as columns for
    :func:`tracker.status.judge_frame` (rows with stated steps carry the raw steps: judged one by one)."""
    kind = frame["kind"]
    current = frame["is_current"].astype("boolean").fillna(False).astype(bool)
    reported = pd.to_numeric(frame["reported_value"], errors="coerce").astype(float)
    value = reported.where(current)
    value = value.mask(current & reported.isna() & (kind == st_rules.MILESTONE), 0.0)
    high = pd.to_numeric(frame["target_value_high"], errors="coerce")
    target = pd.to_numeric(frame["target_value"], errors="coerce").astype(float)
    is_range = frame["comparator"] == st_rules.RANGE
    comparator = frame["comparator"].where(~is_range | high.notna(), st_rules.AT_LEAST)
    start = _datetimes(frame["period_start"])
    end = _datetimes(frame["period_end"])
    deadline = _datetimes(frame["deadline"]).fillna(_datetimes(frame["due_date"]))
    deadline = deadline.where(~(deadline < start))
    kind = kind.where(target.notna() | (is_range & high.notna()) | (kind == st_rules.MILESTONE), st_rules.MILESTONE)
    due = deadline.fillna(end)
    # stated steps are rare: parse only the rows that have some (iterating dates makes a Timestamp per cell)
    raw_steps = frame["steps"]
    stated = raw_steps.notna() & ~raw_steps.isin(["", "[]"])
    steps: list = [()] * len(frame)
    for position, raw, t, d in zip(np.flatnonzero(stated.to_numpy()), raw_steps[stated], target[stated],
                                   due[stated]):
        steps[position] = _parsed_steps(raw, t, d)
    return pd.DataFrame({
        "kind": kind, "comparator": comparator, "target_value": target, "target_value_high": high,
        "reported_value": value, "start": start, "end": end,
        "deadline": deadline, "steps": steps,
        "reported_done": current & (frame["reported_status"] == st_rules.COMPLETED),
    }, index=frame.index)


def _datetimes(column: pd.Series) -> pd.Series:
    """A column as datetime64: as it is when DuckDB already gave datetime64 (to_datetime costs ms per call)."""
    return column if pd.api.types.is_datetime64_any_dtype(column) else pd.to_datetime(column)


def _parsed_steps(raw: object, target: float, due) -> object:
    """:func:`_steps` for :func:`judge_inputs`; steps it cannot read stay raw (judged one by one)."""
    if not isinstance(raw, str) or not raw or raw == "[]":
        return ()
    try:
        return _steps(raw, None if target != target else target, None if due is pd.NaT else due.date())
    except (ValueError, TypeError):
        return raw


def _judge_frame(frame: pd.DataFrame, as_of: str, settings: StatusSettings,
                 as_of_day: date, row_state: list) -> pd.DataFrame:
    """Every row's judgement: :func:`tracker.status.judge_frame`, one by one (:func:`_judge_with_action`)
    where an action is in force or the rules need it (ranges, arguments it cannot judge)."""
    inputs = judge_inputs(frame, settings)
    acted = [i for i, s in enumerate(row_state) if s is not None]
    if acted:  # the action decides: judge those rows one by one
        inputs["steps"] = inputs["steps"].astype(object)
        inputs.loc[inputs.index[acted], "steps"] = "action"

    def one_by_one(positions) -> list[st_rules.Judgement]:
        part = frame.iloc[list(positions)]
        # dates as datetime.date once per column (iterating datetime64 columns makes a Timestamp per cell)
        plain = part.assign(**{c: part[c].dt.date for c in ("period_start", "period_end", "deadline", "due_date")
                               if pd.api.types.is_datetime64_any_dtype(part[c])})
        return [_judge_with_action(row, as_of, settings, as_of_day, row_state[i])
                for i, row in zip(positions, plain.itertuples(index=False))]

    return st_rules.judge_frame(inputs, as_of_day, settings, fallback=one_by_one)


def target_status(
    con: duckdb.DuckDBPyConnection,
    as_of: str,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    level: str | None = None,
    as_of_day: date | None = None,
    item_id: int | None = None,
) -> pd.DataFrame:
    """One row per target and jurisdiction with the status on the as-of month (``YYYY-MM``).

    ``level``: ``"city"`` (whole-city rows), ``"jurisdiction"`` (jurisdiction rows) or
    None: city rows unless ``filters.jurisdictions`` is set, then those jurisdictions'
    rows. ``as_of_day``: judge on that day of the month instead of its last day.
    ``item_id``: only that item's targets (see :func:`item_status`).
    Columns: :data:`STATUS_COLUMNS`.

    Whole months of whole plan years are read from the stored snapshot
    (:mod:`tracker.status_store`, built on first use); the rest is judged on the spot
    (:func:`live_status`). Both give the same rows.
    """
    last_day = st_rules.month_end(as_of)  # validates the period, with a readable message
    if level is None:
        level = JURISDICTION if filters.jurisdictions else CITY
    if as_of_day in (None, last_day):
        from tracker import status_store

        stored = status_store.snapshot_id(con, as_of, level, filters.year, settings)
        if stored is not None:
            with status_store.StatusScope(con, as_of, filters, settings, level, snapshot=stored) as scope:
                return _stored_rows(scope, item_id)
    return live_status(con, as_of, filters, settings, level, as_of_day, item_id)


def _stored_rows(scope, item_id: int | None) -> pd.DataFrame:
    """The rows of a :class:`tracker.status_store.StatusScope` in the order they were judged, with the
    column types :func:`live_status` gives; ``item_id``: that item's rows only."""
    columns = ", ".join(STATUS_COLUMNS)
    if item_id is None:
        return stored_frame(scope.df(f"SELECT {columns} FROM {{rows}} ORDER BY row_order"))
    frame = stored_frame(scope.df(f"SELECT {columns} FROM {{rows}} WHERE item_id = ? ORDER BY row_order",
                                  [int(item_id)]))
    return frame if len(frame) else frame.astype(_empty_item_types(scope.con, scope.filters, item_id))


#: Whether an item has targets that ``filters`` keep whose policy area is unknown (``area_id`` as
#: :data:`_DESCRIBED` works it out). Parameters: those of the filters, then the item.
_AREA_UNKNOWN = """
SELECT bool_or(CASE WHEN i.kind = 'policy_area' THEN i.item_id ELSE area.item_id END IS NULL)
FROM targets t
JOIN items i USING (item_id)
JOIN documents d ON d.doc_id = i.doc_id
LEFT JOIN items area ON area.item_id = i.parent_item_id
WHERE {where} AND i.item_id = ?
"""


def _empty_item_types(con: duckdb.DuckDBPyConnection, filters: Filters, item_id: int) -> dict:
    """The column types of :func:`live_status`'s frame of an item without rows (none of the level, or
    none of the jurisdictions chosen) where they are not those of an empty :func:`stored_frame`: the
    judged columns, filled from empty lists, are float; ``area_id`` is a nullable integer when a target
    of the item has no area (the descriptive columns come from the item's targets, not from its rows)."""
    types = {"status": float, "overdue": float, "note": float}
    where, params = target_where(filters)
    if con.execute(_AREA_UNKNOWN.format(where=where), [*params, int(item_id)]).fetchone()[0]:
        types["area_id"] = "Int32"
    return types


def stored_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Status rows read back from ``status_rows`` with the column types :func:`live_status` gives (of the
    columns ``frame`` has)."""
    frame = frame.reset_index(drop=True)
    if "action_id" in frame:
        frame["action_id"] = frame["action_id"].astype("Int64")
    for column in ("action_date", "action_deadline"):
        if column in frame:
            values = frame[column]
            frame[column] = [None if _missing(v) else pd.Timestamp(v).date() for v in values] \
                if values.notna().any() else None
    for column in ("allocated", "is_demo", "overdue"):
        if column in frame:
            frame[column] = frame[column].astype(bool)
    return frame


def live_status(
    con: duckdb.DuckDBPyConnection,
    as_of: str,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    level: str = CITY,
    as_of_day: date | None = None,
    item_id: int | None = None,
) -> pd.DataFrame:
    """:func:`target_status` judged now from the plans and reports (``level`` given)."""
    last_day = st_rules.month_end(as_of)
    if as_of_day is None:
        as_of_day = last_day
    elif st_rules.period_of(as_of_day) != as_of:
        raise ValueError(f"as_of_day {as_of_day} is not in the as-of month {as_of}")
    frame = _rows(con, as_of, filters, level, settings, item_id)
    if filters.jurisdictions:
        frame = frame[frame["jurisdiction_code"].isin(filters.jurisdictions)]
    frame = frame.reset_index(drop=True)
    states = sv_actions.row_states(con, as_of_day)
    row_state = ([states.get((int(t), c)) for t, c in zip(frame["target_id"], frame["jurisdiction_code"])]
                 if states else [None] * len(frame))
    judged = _judge_frame(frame, as_of, settings, as_of_day, row_state)
    for column in ("status", "actual_share", "expected_share", "gap_points", "overdue", "note"):
        frame[column] = list(judged[column])
    for column in ("actual_share", "expected_share", "gap_points"):   # float even when every value is missing
        frame[column] = frame[column].astype(float)
    acted = [s for s in row_state if s is not None]
    for column, field in (("action", "label"), ("action_date", "action_date"), ("action_by", "actor"),
                          ("action_note", "note"), ("action_deadline", "new_deadline")):
        frame[column] = [getattr(s, field) if s else None for s in row_state] if acted else None
    frame["action_id"] = pd.array([s.action_id if s else None for s in row_state] if acted else [None] * len(frame),
                                  dtype="Int64")
    frame["is_demo"] = frame["is_demo"].astype("boolean").fillna(False).astype(bool)
    for column in STATUS_COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame[STATUS_COLUMNS]


def item_status(
    con: duckdb.DuckDBPyConnection,
    item_id: int,
    as_of: str,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    level: str | None = None,
    as_of_day: date | None = None,
) -> pd.DataFrame:
    """:func:`target_status` of one item's targets only: its rows of the stored snapshot (the rows the
    other pages read), or, when the month is not whole or cannot be stored, judged on the spot for that
    item only (picked in SQL, not from the whole table)."""
    return target_status(con, as_of, filters, settings, level, as_of_day, item_id=int(item_id))


# ---------------------------------------------------------------------------
# Summaries the pages show


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    """{"指标": n, "已完成": n, ...} in :data:`tracker.status.STATUSES` order (+ 无法研判 if any)."""
    counts = status["status"].value_counts()
    result = {"指标": int(len(status)), **{s: int(counts.get(s, 0)) for s in st_rules.STATUSES}}
    if counts.get(UNJUDGED, 0):
        result[UNJUDGED] = int(counts[UNJUDGED])
    return result


def status_mix(status: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts per group and status (long form: ``by``, status, n), statuses in display order."""
    if status.empty:
        return pd.DataFrame(columns=[by, "status", "n"])
    mix = status.groupby([by, "status"], sort=False).size().rename("n").reset_index()
    mix["status"] = pd.Categorical(mix["status"], categories=[*st_rules.STATUSES, UNJUDGED], ordered=True)
    return mix.sort_values([by, "status"]).reset_index(drop=True)


def group_summary(status: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: targets, count per status, on-pace share, mean progress and pace; ranked.

    ``by`` may be a column of several names joined by 、 (``leaders``, ``units``): a
    target then counts for each name. Ranking: share of targets done or on pace
    (已完成 + 正常) highest first, then fewer 严重滞后, then name.
    Columns: rank, <by>, 指标, one per status, 正常率, 平均完成进度, 平均时序进度.
    """
    frame = status.copy()
    if by in ("leaders", "units"):
        frame[by] = frame[by].fillna("").str.split("、")
        frame = frame.explode(by)
    frame = frame[frame[by].notna() & (frame[by] != "")]
    columns = ["rank", by, "指标", *st_rules.STATUSES, "正常率", "平均完成进度", "平均时序进度"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    counts = pd.crosstab(frame[by], frame["status"]).reindex(columns=list(st_rules.STATUSES), fill_value=0)
    summary = counts.copy()
    summary.insert(0, "指标", frame.groupby(by).size().reindex(summary.index))
    summary["正常率"] = (counts[st_rules.COMPLETED] + counts[st_rules.ON_TRACK]) / summary["指标"]
    paced = frame[frame["kind"].isin([st_rules.COUNT, st_rules.LEVEL])]
    summary["平均完成进度"] = paced.groupby(by)["actual_share"].mean().reindex(summary.index)
    summary["平均时序进度"] = paced.groupby(by)["expected_share"].mean().reindex(summary.index)
    summary = summary.reset_index().rename(columns={"index": by})
    summary = summary.sort_values(["正常率", st_rules.FAR_BEHIND, "平均完成进度", by],
                                  ascending=[False, True, False, True], na_position="last")
    summary.insert(0, "rank", range(1, len(summary) + 1))
    summary.columns.name = None
    return summary[columns].reset_index(drop=True)


def most_behind(status: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The worst rows: 严重滞后, then 滞后, then 未报送; within a status the largest gap first."""
    bad = status[status["status"].isin([st_rules.FAR_BEHIND, st_rules.BEHIND, st_rules.NOT_REPORTED])].copy()
    bad["_severity"] = bad["status"].map(SEVERITY)
    bad["_gap"] = bad["gap_points"].astype(float).fillna(-1e9)
    bad = bad.sort_values(["_severity", "overdue", "_gap", "target_id"], ascending=[True, False, False, True])
    return bad.drop(columns=["_severity", "_gap"]).head(n).reset_index(drop=True)


def pace_by_group(status: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean progress (完成进度) and mean pace (时序进度) of count and level targets per group."""
    paced = status[status["kind"].isin([st_rules.COUNT, st_rules.LEVEL]) & status["actual_share"].notna()]
    if paced.empty:
        return pd.DataFrame(columns=[by, "完成进度", "时序进度", "指标"])
    out = paced.groupby(by, sort=False).agg(
        完成进度=("actual_share", "mean"), 时序进度=("expected_share", "mean"), 指标=("target_id", "size")
    )
    return out.reset_index()


def document_tag(doc_number: str | None, doc_title: str | None) -> str:
    """A document in a few characters, for a label that must tell its items from another document's: the
    民生实事 lists by whose they are ("省民生实事", "市民生实事": both are 衢政办发〔2024〕10号 and both number
    their projects from 1), another document by the end of its 文号 ("7号", "10号"), else its title's start.
    :data:`DOCUMENT_TAG_SQL` is the same in SQL."""
    title = doc_title or ""
    if "民生实事" in title:
        return ("省" if "省政府" in title else "市" if "市政府" in title else "") + "民生实事"
    found = re.search("〕(.+)$", doc_number or "")
    return found.group(1) if found else (doc_number or title[:6])


def heatmap_label(doc_number: str | None, doc_title: str | None, item_label: str, indicator: str) -> str:
    """A target on the heatmap: "市民生实事 1．“家门口青少年宫”", "10号 29．动态储备工业熟地",
    "7号 （五十一）各县（市、区）配套…": the document's :func:`document_tag`, then the item's number in
    one style (a bare "1" and "29．" both as "N．"), then the indicator. :data:`HEATMAP_LABEL_SQL` is the same
    in SQL."""
    number = re.fullmatch("([0-9]+)[．.、]?", item_label)
    return f"{document_tag(doc_number, doc_title)} {number.group(1) + '．' if number else item_label}{indicator}"


DOCUMENT_TAG_SQL = """CASE WHEN contains(coalesce(doc_title, ''), '民生实事')
        THEN (CASE WHEN contains(doc_title, '省政府') THEN '省' WHEN contains(doc_title, '市政府') THEN '市' ELSE '' END)
             || '民生实事'
        ELSE coalesce(nullif(regexp_extract(coalesce(doc_number, ''), '〕(.+)$', 1), ''), doc_number,
                      left(coalesce(doc_title, ''), 6)) END"""
HEATMAP_LABEL_SQL = f"""({DOCUMENT_TAG_SQL}) || ' ' ||
    (CASE WHEN regexp_full_match(item_label, '[0-9]+[．.、]?') THEN regexp_extract(item_label, '^[0-9]+') || '．'
          ELSE item_label END) || indicator"""


def completion_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """Jurisdictions × targets of completion share (actual_share), for the heatmap.

    Rows: jurisdiction names in the order given; columns: :func:`heatmap_label` of each target with a
    share in at least one place (a milestone, judged done or not, or a target no place has reported
    has no cell to colour: a row of the heatmap without any cell said nothing).
    Empty cells (no allocation, no report) stay NaN.
    """
    if status.empty:
        return pd.DataFrame()
    frame = status.assign(column=[heatmap_label(*row) for row in zip(
        status["doc_number"], status["doc_title"], status["item_label"], status["indicator"])])
    order_rows = list(dict.fromkeys(frame["jurisdiction_name"]))
    valued = set(frame.loc[frame["actual_share"].notna(), "column"])
    order_cols = [c for c in dict.fromkeys(frame["column"]) if c in valued]
    matrix = frame.pivot_table(index="jurisdiction_name", columns="column", values="actual_share", aggfunc="mean")
    return matrix.reindex(index=order_rows, columns=order_cols)


def blank_targets(status: pd.DataFrame) -> int:
    """How many targets of ``status`` (jurisdiction rows) have no share in any place, and so no row on the
    heatmap (:func:`completion_matrix`)."""
    if status.empty:
        return 0
    shares = status.groupby("target_id")["actual_share"].count()
    return int((shares == 0).sum())


def has_demo(status: pd.DataFrame) -> bool:
    return bool(status["is_demo"].any()) if len(status) else False
