"""Seeded demo progress (演示数据) for January–September 2024, so a first run shows a living dashboard.

Every unit reports its rows (:mod:`tracker.reporting`) each month, through the same
checks and write path as a real upload (:func:`validate_rows` then :func:`store`),
stored with ``uploads.is_demo = true``. Deterministic for a given seed:

* each target × jurisdiction row gets a pace — ahead, on pace, behind or far behind —
  and reports the cumulative value that pace gives against 时序进度;
* some units skip some months (未报送) and leave some rows blank;
* some monthly reports are corrected a day or two later (a second version);
* a row several units may report is sent by one of them (the county, for a county's share).

Random draws are keyed by strings (``random.Random(str)`` hashes with SHA-512), so
they do not depend on ``PYTHONHASHSEED`` or on the order rows are met.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import duckdb

from loaders.cn_numbers import COUNT_MEASURES

from loaders.progress_template import HEADERS, NEXT_STEPS, PROBLEMS, PROGRESS, STATUS, VALUE, row_cells
from loaders.progress_upload import Batch, store, validate_rows
from tracker.db import commit
from tracker.reporting import LOCAL_KINDS, ReportingRow, Unit, rows_by_unit
from tracker.status import (
    AT_MOST, COMPLETED, LIMIT, MILESTONE, NOT_REPORTED, ON_TRACK, RANGE, RATE, expected_share, judge, month_end,
)

DEMO_SEED = 2024
DEMO_PERIODS = tuple(f"2024-{m:02d}" for m in range(1, 10))
DEMO_BY = "演示数据"

P_SKIP_MONTH = 0.08      # a unit sends nothing this month
P_BLANK_ROW = 0.04       # a row left blank in a report that was sent
P_CORRECTION = 0.10      # a report corrected a few days later

# (name, probability, low, high): how fast a row moves relative to 时序进度
_PACES = (("ahead", 0.25, 1.10, 1.35), ("on", 0.40, 0.95, 1.05), ("behind", 0.25, 0.70, 0.90),
          ("far", 0.10, 0.35, 0.60))
_PROBLEMS = ("项目前期手续办理进度偏慢", "要素保障压力较大，资金到位不及时", "部分项目受天气影响施工延后",
             "企业投资意愿偏弱，签约转化较慢")
_NEXT = ("加强调度，每周跟踪重点项目进度", "协调解决用地、资金等要素问题", "压实责任，倒排工期，确保按期完成",
         "加大政策宣传和服务力度")


@dataclass(frozen=True)
class DemoReport:
    uploads: int
    reports: int
    skipped: bool = False


def seed_demo(con: duckdb.DuckDBPyConnection, seed: int = DEMO_SEED,
              periods: tuple[str, ...] = DEMO_PERIODS) -> DemoReport:
    """Add the demo uploads in one transaction; does nothing if demo data is already there."""
    if con.execute("SELECT count(*) FROM uploads WHERE is_demo").fetchone()[0]:
        return DemoReport(0, 0, skipped=True)
    known = {r[0] for r in con.execute("SELECT target_id FROM targets").fetchall()}
    n_uploads = n_reports = 0
    con.execute("BEGIN")
    try:
        batch = Batch.load(con)
        for period in periods:
            for unit, rows in _one_reporter_per_row(rows_by_unit(con, period)).items():
                key = f"{seed}:{unit.name}:{period}"
                if random.Random(key + ":skip").random() < P_SKIP_MONTH:
                    continue
                sent = _upload_time(key, period)
                cells = [_cells(seed, row, period) for row in rows]
                if random.Random(key + ":fix").random() < P_CORRECTION:
                    sends = [(cells, sent), (_corrected(key, cells), sent + timedelta(days=1, hours=2))]
                else:
                    sends = [(cells, sent)]
                for i, (version_cells, at) in enumerate(sends):
                    numbered = [(n, c) for n, c in enumerate(version_cells, start=2)]
                    reports, problems, n_blank = validate_rows(
                        "填报", list(HEADERS), numbered, {r.row_id: r for r in rows}, known, unit, period)
                    if problems:  # demo rows are generated to be valid; a problem here is a bug
                        raise RuntimeError(f"demo data failed its own checks: {problems[0]}")
                    name = f"演示数据-{unit.name}-{period}{'-更正' if i else ''}.xlsx"
                    digest = hashlib.sha256(json.dumps(version_cells, ensure_ascii=False, default=str)
                                            .encode("utf-8")).hexdigest()
                    result = store(con, unit, period, reports, file_name=name, sha256=digest, uploaded_by=DEMO_BY,
                                   uploaded_at=at, n_rows=len(numbered), n_blank=n_blank, is_demo=True,
                                   batch=batch)
                    n_uploads += result.upload_id is not None
                    n_reports += result.n_new
        batch.flush(con)
        commit(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return DemoReport(n_uploads, n_reports)


def _one_reporter_per_row(by_unit: dict[Unit, list[ReportingRow]]) -> dict[Unit, list[ReportingRow]]:
    """Where several units may report a row (a county's share of an allocated target, an item
    with two lead units), the demo has one send it — the county, else the first by name — so a
    correction is not undone by the other unit's report."""
    owner: dict[tuple[int, str], Unit] = {}
    for unit in sorted(by_unit, key=lambda u: (u.kind not in LOCAL_KINDS, u.name)):
        for r in by_unit[unit]:
            owner.setdefault((r.target_id, r.jurisdiction_code), unit)
    return {u: kept for u, rows in by_unit.items()
            if (kept := [r for r in rows if owner[(r.target_id, r.jurisdiction_code)] == u])}


def _upload_time(key: str, period: str) -> datetime:
    rng = random.Random(key + ":time")
    day = month_end(period) + timedelta(days=rng.randint(1, 6))
    return datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59)))


def _cells(seed: int, row: ReportingRow, period: str) -> list:
    """One template row as a unit would fill it in."""
    cells = row_cells(row)
    rng = random.Random(f"{seed}:{row.row_id}")
    pace = _pace(rng)
    if random.Random(f"{seed}:{row.row_id}:{period}:blank").random() < P_BLANK_ROW:
        return cells
    value, status = demo_value(row, period, pace)
    if value is None and status is None:
        return cells
    share_text = "" if value is None else f"累计完成{_fmt(value)}{row.unit}"
    text_rng = random.Random(f"{seed}:{row.row_id}:{period}:text")
    behind = pace < 0.95
    fill = {
        VALUE: value,
        STATUS: status,
        # a whole-item row's indicator says what the row is; its text names the task (its title, as raw)
        PROGRESS: f"{row.raw if row.whole_item else row.indicator}：{share_text or '按计划推进'}。",
        PROBLEMS: text_rng.choice(_PROBLEMS) if behind else "无",
        NEXT_STEPS: text_rng.choice(_NEXT),
    }
    for header, v in fill.items():
        cells[HEADERS.index(header)] = v
    return cells


def _pace(rng: random.Random) -> float:
    draw = rng.random()
    for _name, p, low, high in _PACES:
        if draw < p:
            return round(rng.uniform(low, high), 3)
        draw -= p
    return 1.0


def demo_value(row: ReportingRow, period: str, pace: float) -> tuple[float | None, str | None]:
    """The value and self-reported status a row with ``pace`` reports for ``period``."""
    as_of = month_end(period)
    start = row.period_start or date(row.due_date.year, 1, 1)
    end = row.period_end or row.due_date
    expected = _expected(row, as_of, start, end)
    target = row.target_value
    if row.kind == MILESTONE:
        done = expected * pace >= 1 or (target is None and expected * pace >= 0.999)
        value = None if target is None else _round(target * min(1.0, expected * pace), target)
        return value, COMPLETED if done else ON_TRACK
    if target is None:
        return None, None
    if row.kind == LIMIT or row.comparator == AT_MOST:
        value = _round(target * (2 - pace), target)
    elif row.kind == RATE:
        value = _round(target * (0.6 + 0.4 * pace), target)
    else:
        value = _round(target * min(1.0, expected * pace), target)
        if row.unit in COUNT_MEASURES:
            value = float(round(value))  # things counted one by one: 4 场 so far, not 3.56
    return value, _self_assessed(row, value, as_of, start, end)


def _expected(row: ReportingRow, as_of: date, start: date, end: date) -> float:
    due = row.due_date if start <= row.due_date else end
    try:
        return expected_share(as_of, start, due, row.steps)
    except ValueError:  # steps that do not fit the period: plain elapsed share
        return expected_share(as_of, start, due)


def _self_assessed(row: ReportingRow, value: float, as_of: date, start: date, end: date) -> str:
    target = (row.target_value, row.target_value_high) if row.comparator == RANGE else row.target_value
    try:
        status = judge(row.kind, row.comparator, target, value, as_of, start, end,
                       deadline=row.due_date if row.due_date != end else None, steps=row.steps).status
    except (ValueError, TypeError):
        return ON_TRACK
    return ON_TRACK if status == NOT_REPORTED else status


def _corrected(key: str, cells: list[list]) -> list[list]:
    """The same report with one or two values revised and marked 更正."""
    rng = random.Random(key + ":which")
    filled = [i for i, c in enumerate(cells) if isinstance(c[HEADERS.index(VALUE)], (int, float))
              and c[HEADERS.index(VALUE)] > 0]
    out = [list(c) for c in cells]
    for i in rng.sample(filled, k=min(len(filled), rng.randint(1, 2))):
        v = out[i][HEADERS.index(VALUE)]
        out[i][HEADERS.index(VALUE)] = _round(v * 1.05, v)
        out[i][HEADERS.index(PROGRESS)] = f"（更正）{out[i][HEADERS.index(PROGRESS)] or ''}"
    return out


def _round(x: float, scale: float) -> float:
    """Whole numbers for big targets, two decimals for small ones."""
    return float(round(x)) if abs(scale) >= 100 else round(x, 2)


def _fmt(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

