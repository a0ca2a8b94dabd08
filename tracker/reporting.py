"""Who reports what: the monthly reporting rows of each unit.

One reporting row is one target in one jurisdiction, identified by a row id such as
``T12-330800`` (target 12, whole city) or ``T40-330802`` (target 40, 柯城区's share).
The rules (templates, uploads, the summary and the demo data all use these):

* A unit that leads an item (``assignments.role = 'lead'``) reports each of the
  item's targets: one whole-city row (the city's jurisdiction code, from
  ``documents.city_code``) or, where ``target_allocations`` splits the target,
  the rows of the allocated places that have no local unit of their own (市本级,
  or a county whose government is not in the directory).
* A local unit (a county government, or a zone's 管委会: an organisation with a
  jurisdiction) reports only its own jurisdiction: its allocation rows of every
  allocated target, and its own row of every unallocated target of an item on
  which it is listed (lead or cooperating).
* So each allocation row has one reporter: the place's own government (or 管委会),
  never also the lead department. Were both to report it, the later upload would
  silently become the version that counts over the place's own figure. The lead
  department follows its places' rows on the pages and in the 汇总表 instead.
  (Several lead departments of one item still share its whole-city row; an upload
  that replaces another unit's report says so, :class:`loaders.progress_upload.UploadResult`.)
* A target whose document has no city, or that no unit leads, has no reporter;
  :func:`all_rows` still lists it (whole city) so the month's summary shows it.

Rows only appear from the month the target's period starts.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Iterable, NamedTuple

import duckdb

from tracker.status import month_end

LOCAL_KINDS = ("county_government", "zone_committee")

#: What a whole-item row is (``targets.whole_item``, :mod:`loaders.whole_items`): a task or measure whose text
#: gives no target of its own, reported by 进展情况 and 状态 (已完成 when done), not by a number.
WHOLE_ITEM_NOTE = "整项任务（无量化指标，年底前完成）"


def shown_indicator(indicator: str, whole_item: bool) -> str:
    """The indicator as the template, the 汇总表 and the upload's checks show it: a whole-item row's says what
    it is ("整项任务（无量化指标，年底前完成）：抓好南湖广场文旅综合体开业"), any other row's as stored."""
    return f"{WHOLE_ITEM_NOTE}：{indicator}" if whole_item else indicator


#: :func:`shown_indicator` in SQL, of a target ``t`` (our own SQL).
SHOWN_INDICATOR_SQL = f"CASE WHEN t.whole_item THEN '{WHOLE_ITEM_NOTE}：' || t.indicator ELSE t.indicator END"


class UnknownUnit(ValueError):
    """A unit name that matches no organisation (the message names close valid choices)."""


@dataclass(frozen=True)
class Unit:
    org_id: int
    name: str
    city_code: str | None
    kind: str
    jurisdiction_code: str | None


@dataclass(frozen=True)
class ReportingRow:
    row_id: str
    target_id: int
    jurisdiction_code: str
    jurisdiction_name: str
    doc_number: str | None
    item_label: str
    item_title: str
    indicator: str
    raw: str
    kind: str
    comparator: str
    target_value: float | None      # the allocation's value on an allocation row
    target_value_high: float | None
    unit: str
    due_date: date
    period_start: date | None
    period_end: date | None
    steps: tuple[tuple[date, float], ...]
    units: str                      # the reporting units, 、-joined ('' when nobody reports)
    whole_item: bool = False        # a task reported as a whole (indicator: :func:`shown_indicator`)

    @property
    def target_cell(self) -> float | str:
        """The target for a spreadsheet cell: a number, or text for a range ('' when none)."""
        if self.target_value is not None and self.comparator != "range":
            return self.target_value
        return self.target_text

    @property
    def target_text(self) -> str:
        """The target as people read it: 30000, 1000—5000, or '' for a milestone without one."""
        if self.target_value is None:
            return ""
        if self.comparator == "range" and self.target_value_high is not None:
            return f"{_num(self.target_value)}—{_num(self.target_value_high)}"
        return _num(self.target_value)


def row_id(target_id: int, jurisdiction_code: str) -> str:
    return f"T{target_id}-{jurisdiction_code}"


def parse_row_id(text: str) -> tuple[int, str] | None:
    """``"T12-330800"`` → (12, "330800"); None when it is not a row id."""
    if not text.startswith("T") or "-" not in text:
        return None
    head, _, code = text[1:].partition("-")
    if not head.isascii() or not head.isdigit() or not code:
        return None
    return int(head), code


# ---------------------------------------------------------------------------- units


def resolve_unit(con: duckdb.DuckDBPyConnection, name: str, city: str | None = None) -> Unit:
    """The organisation called ``name`` (or one of its aliases), optionally in ``city``.

    ``city`` is a jurisdiction name or code. Raises :class:`UnknownUnit` naming close
    valid choices, or when the name exists in several cities and ``city`` is not given.
    """
    wanted = (name or "").strip()
    city_code = _city_code(con, city) if city else None
    rows = con.execute(
        """SELECT DISTINCT o.org_id, o.name, o.city_code, o.kind, o.jurisdiction_code
           FROM organisations o LEFT JOIN org_aliases a USING (org_id)
           WHERE (o.name = ? OR a.alias = ?) AND (? IS NULL OR o.city_code = ?)
           ORDER BY o.org_id""",
        [wanted, wanted, city_code, city_code],
    ).fetchall()
    if len(rows) == 1:
        return Unit(*rows[0])
    if len(rows) > 1:
        cities = "、".join(_city_name(con, r[2]) for r in rows)
        raise UnknownUnit(f"单位“{wanted}”在多个城市都有（{cities}），请指明城市（--city）")
    raise UnknownUnit(unknown_unit_message(wanted, spellings(con, city_code)))


def unit_names(con: duckdb.DuckDBPyConnection, city_code: str | None = None) -> list[str]:
    """Every organisation's name (of one city, if given), sorted; aliases are not listed."""
    return sorted(set(spellings(con, city_code).values()))


def spellings(con: duckdb.DuckDBPyConnection, city_code: str | None = None) -> dict[str, str]:
    """Each organisation name and alias (of one city, if given) → the organisation's name."""
    rows = con.execute(
        """SELECT o.name, o.name FROM organisations o WHERE ? IS NULL OR o.city_code = ?
           UNION SELECT a.alias, o.name FROM org_aliases a JOIN organisations o USING (org_id)
           WHERE ? IS NULL OR o.city_code = ? ORDER BY 1""",
        [city_code, city_code, city_code, city_code],
    ).fetchall()
    return dict(rows)


def unknown_unit_message(name: str, choices: list[str] | dict[str, str]) -> str:
    """``未知单位“市发改局”，是否为“市发改委”？`` — close choices by difflib, else a few valid ones. ``choices``
    maps each spelling (name or alias) to its unit's name: a unit close under two spellings is named once."""
    canonical = choices if isinstance(choices, dict) else {c: c for c in choices}
    close = list(dict.fromkeys(canonical[c] for c in difflib.get_close_matches(name, list(canonical), n=3)))
    if close:
        return f"未知单位“{name}”，是否为" + "或".join(f"“{c}”" for c in close) + "？"
    names = sorted(set(canonical.values()))
    sample = "、".join(names[:8]) + ("等" if len(names) > 8 else "")
    return f"未知单位“{name}”。可选单位如：{sample}" if names else f"未知单位“{name}”：数据库中还没有单位"


def _city_code(con, city: str) -> str:
    row = con.execute("SELECT code FROM jurisdictions WHERE ? IN (code, name, short_name) AND kind = 'city'",
                      [city]).fetchone()
    if row is None:
        raise UnknownUnit(f"未知城市“{city}”")
    return row[0]


def _city_name(con, code: str | None) -> str:
    row = con.execute("SELECT name FROM jurisdictions WHERE code = ?", [code]).fetchone()
    return row[0] if row else str(code)


# ---------------------------------------------------------------------------- rows

#: An allocation of nothing to deliver: a count allocated 0 (“市本级 0” in a 民生实事 table) is no row to
#: report, judge or chase (reported 0 it was 已完成 and ranked 市本级 first; unreported it was chased).
_NOTHING_TO_DELIVER = "(al.value = 0 AND tgt.kind = 'count')"


def assigned_sql(targets: str = "TRUE", pairs_only: bool = False) -> str:
    """(org_id, target_id, jurisdiction_code) for every unit and row it reports, of the targets
    (alias ``t``) that satisfy ``targets`` (our own SQL, never user input). One parameter:
    :data:`LOCAL_KINDS`. :mod:`tracker.progress_queries` reads it too, so both apply the same rules.

    ``pairs_only``: (target_id, jurisdiction_code) once each, whoever reports it (the status table's
    rows): the same rules, without the per-unit distinct rows.
    """
    org, union = ("", "UNION ALL") if pairs_only else ("{org}.org_id, ", "UNION")
    branches = f"""
SELECT {org.format(org='a')}tgt.target_id, tgt.city_code AS jurisdiction_code
FROM tgt JOIN assignments a ON a.item_id = tgt.item_id AND a.role = 'lead'
JOIN orgs o ON o.org_id = a.org_id
WHERE NOT o.local AND NOT tgt.allocated AND tgt.city_code IS NOT NULL
{union}
SELECT {org.format(org='a')}tgt.target_id, al.jurisdiction_code
FROM tgt JOIN assignments a ON a.item_id = tgt.item_id AND a.role = 'lead'
JOIN orgs o ON o.org_id = a.org_id
JOIN target_allocations al ON al.target_id = tgt.target_id
WHERE NOT o.local AND NOT {_NOTHING_TO_DELIVER}
  -- a place with a local unit of its own reports its row itself (one reporter per row)
  AND NOT EXISTS (SELECT 1 FROM orgs lo WHERE lo.local AND lo.jurisdiction_code = al.jurisdiction_code)
{union}
SELECT {org.format(org='o')}al.target_id, al.jurisdiction_code
FROM target_allocations al JOIN orgs o ON o.local AND o.jurisdiction_code = al.jurisdiction_code
JOIN tgt ON tgt.target_id = al.target_id
WHERE NOT {_NOTHING_TO_DELIVER}
{union}
SELECT {org.format(org='o')}tgt.target_id, o.jurisdiction_code
FROM tgt JOIN assignments a ON a.item_id = tgt.item_id
JOIN orgs o ON o.org_id = a.org_id AND o.local
WHERE NOT tgt.allocated
"""
    if pairs_only:
        branches = f"SELECT DISTINCT target_id, jurisdiction_code FROM ({branches})"
    return f"""
WITH tgt AS (
    SELECT t.target_id, t.item_id, d.city_code, t.kind,
           EXISTS (SELECT 1 FROM target_allocations al WHERE al.target_id = t.target_id) AS allocated
    FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id
    WHERE {targets}
),
orgs AS (
    SELECT org_id, jurisdiction_code,
           kind IN (SELECT unnest(?::VARCHAR[])) AND jurisdiction_code IS NOT NULL AS local
    FROM organisations
)
{branches}"""


# (org_id, target_id, jurisdiction_code) for every unit and row it reports.
_ASSIGNED = assigned_sql()

# Some targets only (a list of ids), or all of them (NULL): two parameters, the same list twice.
_SOME_TARGETS = "(?::INTEGER[] IS NULL OR t.target_id IN (SELECT unnest(?::INTEGER[])))"

_ROWS_FROM = f"""
WITH assigned AS MATERIALIZED ({assigned_sql(_SOME_TARGETS)}),
mine AS (SELECT DISTINCT target_id, jurisdiction_code FROM assigned WHERE ? OR org_id = ?),
keys AS (
    SELECT a.target_id, a.jurisdiction_code, string_agg(o.name, '、' ORDER BY o.name) AS units
    FROM assigned a JOIN organisations o ON o.org_id = a.org_id
    SEMI JOIN mine m ON m.target_id = a.target_id AND m.jurisdiction_code = a.jurisdiction_code
    GROUP BY a.target_id, a.jurisdiction_code
    UNION ALL
    -- targets nobody reports: one whole-city row, so the summary shows them
    SELECT t.target_id, coalesce(d.city_code, ''), ''
    FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id
    WHERE ? AND {_SOME_TARGETS} AND t.target_id NOT IN (SELECT target_id FROM assigned)
)
SELECT {{columns}}
FROM keys k
JOIN targets t USING (target_id)
JOIN items i USING (item_id)
JOIN documents d ON d.doc_id = i.doc_id
LEFT JOIN jurisdictions j ON j.code = k.jurisdiction_code
LEFT JOIN target_allocations al ON al.target_id = k.target_id AND al.jurisdiction_code = k.jurisdiction_code
WHERE d.period_start IS NULL OR d.period_start <= ?
ORDER BY d.doc_id, i.item_id, t.seq, k.jurisdiction_code = coalesce(d.city_code, '') DESC, k.jurisdiction_code
"""
_ROWS = _ROWS_FROM.format(columns="""k.target_id, k.jurisdiction_code, coalesce(j.name, k.jurisdiction_code),
       d.doc_number, i.label, i.title, """ + SHOWN_INDICATOR_SQL + """, t.raw, t.kind, t.comparator,
       CASE WHEN al.target_id IS NULL THEN t.value ELSE al.value END,
       CASE WHEN al.target_id IS NULL THEN t.value_high END,
       t.unit, t.due_date, d.period_start, d.period_end, t.steps, k.units, coalesce(t.whole_item, false)""")


def unit_rows(con: duckdb.DuckDBPyConnection, unit: Unit, period: str) -> list[ReportingRow]:
    """The rows ``unit`` reports for ``period`` (YYYY-MM), in document order."""
    return _query(con, unit.org_id, False, period)


class RowKey(NamedTuple):
    """What an upload needs to check a row: which target and jurisdiction, its kind and unit, and the
    place's name and the indicator as the template shows them (:class:`ReportingRow` has the same fields)."""

    target_id: int
    jurisdiction_code: str
    kind: str
    unit: str
    jurisdiction_name: str
    indicator: str


# The (row id, RowKey) pairs of one unit: the rows of :data:`_ROWS` with ``everything`` false,
# without what only a template shows (names, texts, the other reporting units) and unordered.
_UNIT_KEYS = f"""
WITH assigned AS ({_ASSIGNED}),
mine AS (SELECT DISTINCT target_id, jurisdiction_code FROM assigned WHERE org_id = ?)
SELECT 'T' || m.target_id || '-' || m.jurisdiction_code, m.target_id, m.jurisdiction_code, t.kind, t.unit,
       coalesce(j.name, m.jurisdiction_code), {SHOWN_INDICATOR_SQL}
FROM mine m
JOIN targets t USING (target_id)
JOIN items i USING (item_id)
JOIN documents d ON d.doc_id = i.doc_id
LEFT JOIN jurisdictions j ON j.code = m.jurisdiction_code
WHERE d.period_start IS NULL OR d.period_start <= ?
"""


def unit_row_keys(con: duckdb.DuckDBPyConnection, unit: Unit, period: str) -> dict[str, RowKey]:
    """Row id → :class:`RowKey` of the rows ``unit`` reports (the fast path of an upload):
    the same rows as :func:`unit_rows`, in no particular order."""
    rows = con.execute(_UNIT_KEYS, [list(LOCAL_KINDS), unit.org_id, month_end(period)]).fetchall()
    return {r[0]: RowKey(*r[1:]) for r in rows}


def all_rows(con: duckdb.DuckDBPyConnection, period: str,
             target_ids: Iterable[int] | None = None) -> list[ReportingRow]:
    """Every target × jurisdiction row for ``period``, reported by someone or not (of some targets, if given)."""
    return _query(con, -1, True, period, target_ids)


def rows_by_unit(con: duckdb.DuckDBPyConnection, period: str,
                 target_ids: Iterable[int] | None = None) -> dict[Unit, list[ReportingRow]]:
    """Every reporting unit with its rows for ``period`` (of some targets, if given; for bulk work like the demo)."""
    by_key = {(r.target_id, r.jurisdiction_code): r for r in all_rows(con, period, target_ids)}
    units = {u.org_id: u for u in reporting_units(con)}
    result: dict[Unit, list[ReportingRow]] = {u: [] for u in units.values()}
    pairs = con.execute(f"WITH assigned AS ({_ASSIGNED}) SELECT org_id, target_id, jurisdiction_code FROM assigned",
                        [list(LOCAL_KINDS)]).fetchall()
    order = {key: i for i, key in enumerate(by_key)}
    for org_id, target_id, code in sorted(pairs, key=lambda p: order.get((p[1], p[2]), -1)):
        row = by_key.get((target_id, code))
        if row is not None:
            result[units[org_id]].append(row)
    return {u: rows for u, rows in result.items() if rows}


def row_reporters(con: duckdb.DuckDBPyConnection, target_ids: Iterable[int]) -> dict[str, str]:
    """Row id → the units that report it (、-joined), for the rows of some targets: to tell a unit
    that sends a row it does not report who does."""
    ids = sorted({int(t) for t in target_ids})
    if not ids:
        return {}
    rows = con.execute(
        f"""WITH assigned AS ({assigned_sql(_SOME_TARGETS)})
            SELECT a.target_id, a.jurisdiction_code, string_agg(DISTINCT o.name, '、' ORDER BY o.name)
            FROM assigned a JOIN organisations o USING (org_id) GROUP BY ALL""",
        [ids, ids, list(LOCAL_KINDS)]).fetchall()
    return {row_id(t, code): names for t, code, names in rows}


def reporting_units(con: duckdb.DuckDBPyConnection) -> list[Unit]:
    """Every unit that reports at least one row, by name."""
    rows = con.execute(
        f"""WITH assigned AS ({_ASSIGNED})
            SELECT DISTINCT o.org_id, o.name, o.city_code, o.kind, o.jurisdiction_code
            FROM assigned JOIN organisations o USING (org_id) ORDER BY o.name, o.org_id""",
        [list(LOCAL_KINDS)],
    ).fetchall()
    return [Unit(*r) for r in rows]


def _query(con, org_id: int, everything: bool, period: str,
           target_ids: Iterable[int] | None = None) -> list[ReportingRow]:
    last_day = month_end(period)
    ids = None if target_ids is None else sorted(int(t) for t in target_ids)
    rows = con.execute(_ROWS, [ids, ids, list(LOCAL_KINDS), everything, org_id, everything, ids, ids,
                               last_day]).fetchall()
    return [
        ReportingRow(row_id(r[0], r[1]), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                     r[10], r[11], r[12], r[13], r[14], r[15], _steps(r[16]), r[17], r[18])
        for r in rows
    ]


def _steps(text: str | None) -> tuple[tuple[date, float], ...]:
    if not text:
        return ()
    return tuple((date.fromisoformat(d), float(p)) for d, p in json.loads(text))


def _num(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
