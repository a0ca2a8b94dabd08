"""One task (item) in full: search, source text with target phrases, responsibility,
monthly history against the expected pace, and every note that was reported."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from typing import Callable, NamedTuple

import duckdb
import pandas as pd

from loaders.cn_numbers import plain_number
from loaders.each_county import SUMMED_KINDS, describe
from tracker import progress_queries as pq
from tracker import status as st_rules
from tracker.filters import NO_FILTERS, Filters, target_where
from tracker.reporting import LOCAL_KINDS, WHOLE_ITEM_NOTE, assigned_sql
from tracker.settings import StatusSettings


def search_items(con: duckdb.DuckDBPyConnection, words: str = "", filters: Filters = NO_FILTERS,
                 limit: int = 200) -> pd.DataFrame:
    """Items with targets (a task without a figure has its whole-item row, :mod:`loaders.whole_items`) whose title, text, indicator, raw phrase, unit, responsible units
    (lead or cooperating) or leaders contain every word.

    Words are split on white space; a number such as ``500``, a unit such as ``亩``, a
    department such as ``市发改委`` or a leader's name is just another word.
    Columns: item_id, doc_number, label, title, kind, n_targets, lead_unit, units, leaders.
    """
    where, params = target_where(filters)
    if not words.split():
        return _first_items(con, where, params, limit)
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


def _first_items(con: duckdb.DuckDBPyConnection, where: str, params: list, limit: int) -> pd.DataFrame:
    """:func:`search_items` without words: the first ``limit`` filtered items in document order. The
    page of items is chosen from (item, document, count) alone; titles, responsible units and leaders
    are looked up for those items only, and no target text is gathered (nothing is searched)."""
    return con.execute(
        f"""
        WITH picked AS MATERIALIZED (
            SELECT i.item_id, d.doc_id, count(t.target_id) AS n_targets
            FROM items i
            JOIN documents d USING (doc_id)
            JOIN targets t USING (item_id)
            WHERE {where}
            GROUP BY i.item_id, d.doc_id
            ORDER BY d.doc_id, i.item_id
            LIMIT {int(limit)}
        ),
        {pq.RESPONSIBILITY_CTES.replace("{items}", "picked")}
        SELECT p.item_id, d.doc_number, i.label, i.title, i.kind, p.n_targets,
               rs.lead_unit, rs.units, ld.leaders
        FROM picked p
        JOIN items i ON i.item_id = p.item_id
        JOIN documents d ON d.doc_id = p.doc_id
        LEFT JOIN responsible rs ON rs.item_id = p.item_id
        LEFT JOIN led ld ON ld.item_id = p.item_id
        ORDER BY p.doc_id, p.item_id
        """,
        params,
    ).df()


@dataclass(frozen=True)
class SourceSegment:
    text: str
    target_id: int | None  # set where the text is a target phrase


def item_source(con: duckdb.DuckDBPyConnection, item_id: int) -> list[SourceSegment]:
    """The item's text from the source file, cut into plain and target-phrase segments.

    Offsets come straight from ``items.source_start/end`` and ``targets.source_start/end``
    into ``source_files.content``. Line breaks of the PDF text are removed (they fall
    mid-word); page furniture stays, as printed.
    """
    row = con.execute(
        "SELECT f.content, i.source_start, i.source_end FROM items i JOIN documents d USING (doc_id) "
        "JOIN source_files f USING (file_id) WHERE i.item_id = ?",
        [item_id],
    ).fetchone()
    if row is None:
        return []
    content, start, end = row
    spans = con.execute(
        "SELECT target_id, source_start, source_end FROM targets WHERE item_id = ? ORDER BY source_start, seq",
        [item_id],
    ).fetchall()
    return cut_segments(content, start, end, spans)


def cut_segments(content: str, start: int, end: int, spans: list[tuple[int, int, int]]) -> list[SourceSegment]:
    """Cut ``content[start:end]`` at the (target_id, start, end) spans; overlaps keep the first."""
    segments: list[SourceSegment] = []
    position = start
    for target_id, s, e in sorted(spans, key=lambda x: (x[1], x[2])):
        s, e = max(s, position), min(e, end)
        if e <= s:
            continue
        if s > position:
            segments.append(SourceSegment(_join_lines(content[position:s]), None))
        segments.append(SourceSegment(_join_lines(content[s:e]), target_id))
        position = e
    if position < end:
        segments.append(SourceSegment(_join_lines(content[position:end]), None))
    return [s for s in segments if s.text]


def _join_lines(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


def item_detail(con: duckdb.DuckDBPyConnection, item_id: int) -> dict:
    """Header facts of an item: document, label, title, area, lead and cooperating units, leaders."""
    row = con.execute(
        """
        SELECT i.item_id, d.doc_number, d.title AS doc_title, i.label, i.title, i.kind,
               area.label || area.title AS area_title
        FROM items i JOIN documents d USING (doc_id) LEFT JOIN items area ON area.item_id = i.parent_item_id
        WHERE i.item_id = ?
        """,
        [item_id],
    ).df()
    if row.empty:
        return {}
    detail = row.iloc[0].to_dict()
    units = con.execute(
        "SELECT o.name, a.role FROM assignments a JOIN organisations o USING (org_id) "
        "WHERE a.item_id = ? ORDER BY a.position",
        [item_id],
    ).fetchall()
    detail["lead_units"] = [n for n, r in units if r == "lead"]
    detail["cooperating_units"] = [n for n, r in units if r != "lead"]
    detail["leaders"] = [r[0] for r in con.execute(
        "SELECT p.name FROM item_leaders l JOIN people p USING (person_id) WHERE l.item_id = ? ORDER BY l.position",
        [item_id],
    ).fetchall()]
    return detail


#: The targets of an item that the text sets for each county (loaders.each_county), with their city figure.
_EACH_COUNTY = """
SELECT t.seq, t.indicator, t.kind, t.value, t.unit, e.phrase, e.place_value, e.place_value_high, e.n_places, t.raw
FROM target_each_county e JOIN targets t USING (target_id) WHERE t.item_id = ? ORDER BY t.seq
"""


def each_county_notes(con: duckdb.DuckDBPyConnection, item_id: int) -> list[str]:
    """One line per target of the item set for each county: "指标2：各县（市、区）各2个以上，全市目标12个为推算
    （6个县（市、区）合计）" (the comparator as printed), so the page says what the city's figure is made of."""
    notes = []
    for seq, indicator, kind, value, unit, phrase, place, place_high, n, raw in con.execute(_EACH_COUNTY,
                                                                                           [item_id]).fetchall():
        each = describe(phrase, place, place_high, unit, raw)
        if value is None:
            city = f"全市在{n}个县（市、区）均完成时完成"
        elif kind in SUMMED_KINDS:
            city = f"全市目标{plain_number(value)}{unit}为推算（{n}个县（市、区）合计）"
        else:
            city = f"全市以{n}个县（市、区）中最差的一个计"
        notes.append(f"指标{seq}（{indicator}）：{each}，由各县（市、区）分别填报；{city}")
    return notes


def whole_item_notes(con: duckdb.DuckDBPyConnection, item_id: int) -> list[str]:
    """One line per whole-item row of the item (:mod:`loaders.whole_items`): the task has no figure of its own,
    so the page says it is reported by words and status, done by the plan's end."""
    return [f"指标{seq}（{indicator}）：{WHOLE_ITEM_NOTE}。原文没有数字或期限，本任务作为一个整体跟踪："
            f"责任单位每月报送进展情况和状态，完成后报“已完成”；{due.year}年{due.month}月{due.day}日前未完成即为逾期。"
            for seq, indicator, due in con.execute(
                "SELECT seq, indicator, due_date FROM targets WHERE item_id = ? AND whole_item ORDER BY seq",
                [item_id]).fetchall()]


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
    info = con.execute(_TARGET_INFO, [target_id]).fetchone()
    if info is None:
        return pd.DataFrame(columns=["period", "reported", "expected", "target"])
    value, kind, comparator, steps_json, deadline, due_date, city_code, stated_start, start, end = info
    last = st_rules.period_of(end) if as_of is None else min(as_of, st_rules.period_of(end))
    code = jurisdiction_code or city_code
    rows = _target_rows(con, target_id, _TargetPlan(value, city_code, stated_start), last)
    places = [r for r in rows if r.jurisdiction_code != city_code]
    if code != city_code:
        value = next((r.target_value for r in places if r.jurisdiction_code == code), None)
    wanted = [code] + ([r.jurisdiction_code for r in places] if code == city_code else [])
    reports = _latest_reports(con, target_id, wanted)
    due = deadline or due_date or end
    if due < start:
        due = end
    steps = [(date.fromisoformat(d), float(p)) for d, p in json.loads(steps_json)] if steps_json else []
    values = {code: value, **{r.jurisdiction_code: r.target_value for r in places}}
    done = {place: functools.partial(_done, kind, comparator, values.get(place), settings) for place in wanted}
    # an allocated target's whole city is its places: a report for the whole city made before the target was
    # split per county (loaders.each_county) stays on record, not counted (as in the status table)
    by_places = code == city_code and con.execute(
        "SELECT EXISTS (SELECT 1 FROM target_allocations WHERE target_id = ?)", [target_id]).fetchone()[0]
    rows = []
    for month in range(1, 13):
        period = f"{start.year:04d}-{month:02d}"
        if period < st_rules.period_of(start) or period > last:
            continue
        expected = None
        if value is not None and kind in (st_rules.COUNT, st_rules.LEVEL):
            expected = st_rules.expected_share(st_rules.month_end(period), start, due, steps) * value
        own = None if by_places else _report_in(reports[code], period, settings, done[code])
        if own is not None:
            reported = own[1]
        elif code == city_code and places:
            latest = [_report_in(reports[r.jurisdiction_code], period, settings, done[r.jurisdiction_code])
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


#: What :func:`target_history` needs of one target (parameter: target_id); ``stated_start`` is the plan's
#: own start (NULL when it states none), ``start``/``end`` the period with the plan year filled in.
_TARGET_INFO = """
SELECT t.value, t.kind, t.comparator, t.steps, t.deadline, t.due_date, d.city_code, d.period_start AS stated_start,
       coalesce(d.period_start, make_date(d.year, 1, 1)) AS start,
       coalesce(d.period_end, make_date(d.year, 12, 31)) AS "end"
FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id) WHERE t.target_id = ?
"""

#: The reports of one target (parameter: target_id), every version, of uploads that exist. The scan is
#: quick only while ``target_id = constant`` is its only filter (a filter on one column, skipping row
#: groups): hence the MATERIALIZED CTE, so that no join filter is pushed into it (that reads every column
#: of millions of rows). The latest version of each period is picked in Python (:func:`_latest_reports`):
#: a window over a hundred rows costs more to plan than to run.
_TARGET_REPORTS = """
WITH p AS MATERIALIZED (
    SELECT upload_id, jurisdiction_code, period, version, value, reported_status
    FROM progress_reports WHERE target_id = ?
)
SELECT jurisdiction_code, period, version, value, reported_status FROM p SEMI JOIN uploads u USING (upload_id)
"""


def _latest_reports(con: duckdb.DuckDBPyConnection, target_id: int,
                    codes: list[str]) -> dict[str, list[tuple[str, float | None, str | None]]]:
    """Per jurisdiction of ``codes``: (period, value, reported status) of the latest version of each
    reported period, by period (what ``latest_progress`` gives for the target)."""
    wanted = set(codes)
    latest: dict[tuple[str, str], tuple[int, float | None, str | None]] = {}
    for code, period, version, value, status in con.execute(_TARGET_REPORTS, [int(target_id)]).fetchall():
        if code in wanted and ((code, period) not in latest or version > latest[code, period][0]):
            latest[code, period] = (version, value, status)
    reports: dict[str, list[tuple[str, float | None, str | None]]] = {c: [] for c in codes}
    for (code, period), (_, value, status) in sorted(latest.items(), key=lambda kv: kv[0][1]):
        reports[code].append((period, value, status))
    return reports


class _TargetPlan(NamedTuple):
    value: float | None             # the whole-city target
    city_code: str | None           # the plan's city
    stated_start: date | None       # the plan's stated start


class _TargetRow(NamedTuple):
    jurisdiction_code: str
    target_value: float | None


#: The (target, jurisdiction) pairs someone reports of one target, by the rules of
#: :func:`tracker.reporting.assigned_sql`. Parameters: target_id, LOCAL_KINDS.
_TARGET_PAIRS = assigned_sql("t.target_id = ?", pairs_only=True)


def _target_rows(con: duckdb.DuckDBPyConnection, target_id: int, plan: _TargetPlan, period: str) -> list[_TargetRow]:
    """(jurisdiction, target value) of every row of one target in ``period``, as
    :func:`tracker.reporting.all_rows` gives them for ``[target_id]`` (same rules, same order: the plan's
    city first, then by code), without names, texts and reporting units: the rows someone reports, or
    the whole-city row when nobody does; none before the plan's stated start. An allocated jurisdiction's
    target is its allocation."""
    target_id, last_day = int(target_id), st_rules.month_end(period)
    if plan.stated_start is not None and plan.stated_start > last_day:
        return []
    home = plan.city_code or ""
    codes = [code for _, code in con.execute(_TARGET_PAIRS, [target_id, list(LOCAL_KINDS)]).fetchall()] or [home]
    allocations = dict(con.execute("SELECT jurisdiction_code, value FROM target_allocations WHERE target_id = ?",
                                   [target_id]).fetchall())
    return [_TargetRow(code, allocations[code] if code in allocations else plan.value)
            for code in sorted(codes, key=lambda code: (code != home, code))]


def _report_in(reports: list[tuple[str, float | None, str | None]], period: str, settings: StatusSettings,
               done: Callable[[tuple], bool]) -> tuple[str, float | None, str | None] | None:
    """The latest (period, value, status) on or before ``period`` that is current there, if any: recent
    enough, or recording the work done (``done`` of it, :func:`tracker.status.done_on_record`)."""
    earlier = [r for r in reports if r[0] <= period]
    if not earlier or not (st_rules.report_is_current(earlier[-1][0], period, settings) or done(earlier[-1])):
        return None
    return earlier[-1]


def _done(kind: str, comparator: str, target: float | None, settings: StatusSettings, report: tuple) -> bool:
    """:func:`tracker.status.done_on_record` of a (period, value, status) report of a place with ``target``."""
    return st_rules.done_on_record(kind, comparator, target, report[1], report[2], settings)


#: Above this many targets in an item, :func:`item_notes` scans the reports once instead of looking
#: each target up (a statement with hundreds of branches takes longer to plan than the scan).
NOTES_LOOKUP_MAX = 64

#: Every report of one target (parameter: target_id), with the target a constant (see _TARGET_REPORTS).
_ONE_TARGET_REPORTS = "SELECT * FROM progress_reports WHERE target_id = ?"


def item_notes(con: duckdb.DuckDBPyConnection, item_id: int, as_of: str | None = None) -> pd.DataFrame:
    """Every report of the item's targets, corrections included: who sent what, when, and whether it
    counts (``standing``: 当前有效, replaced by a later version and by whom, or a whole-city report made
    before the target was allocated); with ``as_of`` (YYYY-MM) only the reports for that month and
    before, as the page's other figures are."""
    target_ids = [r[0] for r in con.execute(
        "SELECT target_id FROM targets WHERE item_id = ? ORDER BY target_id", [item_id]).fetchall()]
    if len(target_ids) <= NOTES_LOOKUP_MAX:
        # one lookup per target (_ONE_TARGET_REPORTS) instead of a scan of millions of rows
        reports = " UNION ALL ".join([_ONE_TARGET_REPORTS] * len(target_ids)) \
            or "SELECT * FROM progress_reports WHERE FALSE"
        params = [*target_ids, item_id]
    else:
        reports, params = "SELECT * FROM progress_reports", [item_id]
    frame = con.execute(
        f"""
        WITH p AS MATERIALIZED ({reports})
        SELECT p.period, t.seq, t.indicator, coalesce(j.name, p.jurisdiction_code) AS jurisdiction,
               u.unit_name, p.value, t.unit, p.reported_status, p.progress_text, p.problems_text,
               p.next_steps_text, u.uploaded_by, u.uploaded_at, p.version, u.is_demo,
               max(p.version) OVER w AS latest_version,
               arg_max(u.unit_name, p.version) OVER w AS latest_unit,
               p.jurisdiction_code = d.city_code
                   AND EXISTS (SELECT 1 FROM target_allocations al WHERE al.target_id = p.target_id) AS before_split
        FROM p
        JOIN uploads u USING (upload_id)
        JOIN targets t USING (target_id)
        JOIN items i USING (item_id)
        JOIN documents d ON d.doc_id = i.doc_id
        LEFT JOIN jurisdictions j ON j.code = p.jurisdiction_code
        WHERE t.item_id = ? AND (CAST(? AS VARCHAR) IS NULL OR p.period <= ?)
        WINDOW w AS (PARTITION BY p.target_id, p.jurisdiction_code, p.period)
        ORDER BY p.period DESC, t.seq, p.jurisdiction_code, p.version DESC
        """,
        [*params, as_of, as_of],
    ).df()
    frame.insert(5, "standing", pd.Series([
        _standing(v, latest, unit, latest_unit, split) for v, latest, unit, latest_unit, split in
        zip(frame["version"], frame["latest_version"], frame["unit_name"], frame["latest_unit"], frame["before_split"])],
        index=frame.index, dtype=object))   # text, also when there are no reports
    return frame.drop(columns=["latest_version", "latest_unit", "before_split"])


#: Who reports the rows of an allocated target (tracker.reporting: one reporter per row), as the page says it.
ALLOCATED_REPORTERS = ("分解到各县（市、区）的指标，各县（市、区）、功能区的数据由当地政府（管委会）填报，"
                       "市本级由牵头单位填报；牵头单位不代填各地数据，全市数由各地的报送得出。")

#: 说明 of a report made for the whole city of a target since allocated (loaders.each_county): kept, not counted.
BEFORE_SPLIT = "分解到各县（市、区）前按全市报送，不再计入"


def _standing(version: int, latest: int, unit: str, latest_unit: str, before_split: bool) -> str:
    """Whether a report counts for its month: 当前有效, 已更正（第2版） by its own unit, 已被柯城区政府的第2版替换
    by another, or not at all (a whole-city report of a target allocated since, :data:`BEFORE_SPLIT`)."""
    if before_split:
        return BEFORE_SPLIT
    if version == latest:
        return "当前有效"
    if latest_unit == unit:
        return f"已更正（第{latest}版有效）"
    return f"已被{latest_unit}的第{latest}版替换"
