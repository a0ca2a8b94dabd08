"""Synthetic data shaped like the real thing, for benchmarks: a city or a whole province.

``generate(path, scale)`` writes a database of its own (never :data:`tracker.db.DEFAULT_DB`):

* **city** — one city (衢州市), one plan year, about 1,000 targets, its 9 county-level
  jurisdictions (市本级, six districts and counties, two zones) and 12 months of reports;
* **province** — 11 cities × 5 plan years: roughly 6 million ``progress_reports`` rows.

Shape, per city and year: four documents (a plan, a task decomposition and two livelihood
allocation tables) with policy areas and work tasks of two targets each; target kinds in the
real mix (mostly counts, then rates, a few levels, limits and milestones); about nine in ten
targets allocated over the 9 jurisdictions (reported by each county government; counts and
levels add up to the city's value, except about one in twelve, as in the real tables), the rest
reported for the whole city by the lead department; a few units not reporting some months and
about one report in ten corrected (version 2). Values follow the elapsed share of the year with
noise, so every status occurs.

Everything is made in SQL (``range`` + ``hash``), so the same scale and seed give the same rows
and a province takes seconds, not minutes. :func:`cached_province` keeps the province file
between runs under a cache directory keyed by :data:`GENERATOR_VERSION`.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker import report_validity
from tracker.db import DEFAULT_DB, SCHEMA_VERSION, connect

#: Bump when the generated data changes shape, so cached files are rebuilt.
GENERATOR_VERSION = 3

#: Zhejiang's 11 cities (code, name).
CITIES = (("330800", "衢州市"), ("330100", "杭州市"), ("330200", "宁波市"), ("330300", "温州市"),
          ("330400", "嘉兴市"), ("330500", "湖州市"), ("330600", "绍兴市"), ("330700", "金华市"),
          ("330900", "舟山市"), ("331000", "台州市"), ("331100", "丽水市"))

#: The nine county-level jurisdictions of each city: (code suffix, name suffix, kind).
PLACES = (("-0", "市本级", "city_level"), ("02", "甲区", "district"), ("03", "乙区", "district"),
          ("22", "丙县", "county"), ("24", "丁县", "county"), ("25", "戊县", "county"),
          ("81", "己市", "county_city"), ("-ZZ", "智造新城", "zone"), ("-ZH", "智慧新城", "zone"))

DOC_KINDS = ("policy_plan", "task_decomposition", "livelihood_allocation", "livelihood_allocation")
N_DEPARTMENTS = 40
N_LEADERS = 9


@dataclass(frozen=True)
class Scale:
    name: str
    cities: int
    years: tuple[int, ...]
    targets_per_year: int      # per city (a multiple of 8: four documents of tasks with two targets)
    months: int = 12           # months reported in each year
    seed: int = 7


CITY = Scale("city", 1, (2024,), 1000)
PROVINCE = Scale("province", 11, (2020, 2021, 2022, 2023, 2024), 1000)
#: A few hundred rows, for tests.
TINY = Scale("tiny", 2, (2023, 2024), 48, months=3)
SCALES = {s.name: s for s in (CITY, PROVINCE, TINY)}


class RealDatabase(ValueError):
    """Refusal to write synthetic rows into the real database."""


def generate(path: Path | str, scale: Scale = CITY) -> dict[str, int]:
    """Write a fresh database with ``scale``'s synthetic data to ``path``; returns row counts per table.

    Refuses the default database and any file that already exists (delete it first).
    """
    path = Path(path)
    if path.resolve() == DEFAULT_DB.resolve() or os.environ.get("TRACKER_DB") and \
            path.resolve() == Path(os.environ["TRACKER_DB"]).resolve():
        raise RealDatabase(f"refusing to write synthetic data into the real database {path}")
    if path.exists():
        raise FileExistsError(f"{path} exists: synthetic data goes only into a new file")
    if scale.targets_per_year % 8:
        raise ValueError("targets_per_year must be a multiple of 8")
    con = connect(path)
    try:
        con.execute("SET enable_progress_bar = false")
        # an offline generator, not the app: millions of rows and their unique indexes need more
        # than the app's memory cap (tracker.db.DEFAULT_MEMORY_LIMIT)
        con.execute("SET memory_limit = '6GB'")
        _fill(con, scale)   # no transaction around it: a new file, deleted by the caller if this fails
        con.execute("CHECKPOINT")
        return counts(con)
    finally:
        con.close()


TABLES = ("jurisdictions", "source_files", "documents", "items", "targets", "organisations", "people",
          "assignments", "item_leaders", "target_allocations", "uploads", "progress_reports")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _fill(con: duckdb.DuckDBPyConnection, s: Scale) -> None:
    n_docs = len(DOC_KINDS)
    tasks_per_doc = s.targets_per_year // n_docs // 2
    areas_per_doc = 6
    con.execute("CREATE TEMP TABLE p_city AS SELECT * FROM (VALUES " +
                ", ".join(f"({i}, '{c}', '{n}')" for i, (c, n) in enumerate(CITIES[:s.cities])) +
                ") v(ci, code, name)")
    con.execute("CREATE TEMP TABLE p_year AS SELECT * FROM (VALUES " +
                ", ".join(f"({i}, {y})" for i, y in enumerate(s.years)) + ") v(yi, year)")
    con.execute("CREATE TEMP TABLE p_place AS SELECT * FROM (VALUES " +
                ", ".join(f"({i}, '{c}', '{n}', '{k}')" for i, (c, n, k) in enumerate(PLACES)) +
                ") v(pi, suffix, pname, kind)")
    n_years = len(s.years)
    # ---------------------------------------------------------------- places and organisations
    con.execute("""INSERT INTO jurisdictions
        SELECT code, name, replace(name, '市', ''), 'city', NULL FROM p_city
        UNION ALL
        SELECT CASE WHEN suffix LIKE '-%' THEN c.code || suffix ELSE left(c.code, 4) || suffix END,
               CASE WHEN kind = 'city_level' THEN pname ELSE left(c.name, 2) || pname END,
               pname, kind, c.code
        FROM p_city c, p_place""")
    con.execute(f"""INSERT INTO organisations
        SELECT c.ci * 100 + d.i + 1, c.name || '部门' || lpad((d.i + 1)::VARCHAR, 2, '0'), c.code, 'department', NULL, true
        FROM p_city c, range({N_DEPARTMENTS}) d(i)
        UNION ALL
        SELECT c.ci * 100 + 60 + p.pi, j.name || CASE WHEN p.kind = 'zone' THEN '管委会' ELSE '政府' END, c.code,
               CASE WHEN p.kind = 'zone' THEN 'zone_committee' ELSE 'county_government' END, j.code, true
        FROM p_city c, p_place p JOIN jurisdictions j ON j.short_name = p.pname
        WHERE j.parent_code = c.code""")
    con.execute(f"""INSERT INTO people
        SELECT c.ci * 100 + l.i + 1, '领导' || c.ci || '_' || (l.i + 1), c.code FROM p_city c, range({N_LEADERS}) l(i)""")
    # ---------------------------------------------------------------- documents, items, targets
    con.execute(f"""INSERT INTO source_files
        SELECT c.ci * {n_years} + y.yi + 1, 'synthetic_' || c.code || '_' || y.year || '.txt',
               sha256('synthetic-{s.seed}-' || c.code || '-' || y.year), 20000,
               repeat('衢', 20000), TIMESTAMP '2024-01-01'
        FROM p_city c, p_year y""")
    con.execute(f"""INSERT INTO documents
        SELECT (c.ci * {n_years} + y.yi) * {n_docs} + k.i + 1, c.ci * {n_years} + y.yi + 1,
               c.name[1:1] || '政发〔' || y.year || '〕' || (k.i + 1) || '号',
               y.year || '年' || c.name || ['政策实施方案', '重点工作责任分解', '省民生实事责任分解', '市民生实事责任分解'][k.i + 1],
               NULL, c.name || '人民政府', make_date(y.year, 1, 15), y.year,
               ['policy_plan', 'task_decomposition', 'livelihood_allocation', 'livelihood_allocation'][k.i + 1],
               c.code, make_date(y.year, 1, 1), make_date(y.year, 12, 31), 0, 100
        FROM p_city c, p_year y, range({n_docs}) k(i)""")
    # items: areas_per_doc policy areas, then tasks_per_doc work tasks (each under an area)
    per_doc = areas_per_doc + tasks_per_doc
    con.execute(f"""INSERT INTO items
        SELECT (d.doc_id - 1) * {per_doc} + n.i + 1, d.doc_id,
               CASE WHEN n.i < {areas_per_doc} THEN 'policy_area' ELSE 'work_task' END,
               CASE WHEN n.i < {areas_per_doc} THEN n.i + 1 ELSE n.i - {areas_per_doc} + 1 END,
               CASE WHEN n.i < {areas_per_doc} THEN ['一','二','三','四','五','六'][n.i + 1] || '、'
                    ELSE (n.i - {areas_per_doc} + 1) || '．' END,
               CASE WHEN n.i < {areas_per_doc} THEN NULL
                    ELSE (d.doc_id - 1) * {per_doc} + (n.i % {areas_per_doc}) + 1 END,
               CASE WHEN n.i < {areas_per_doc} THEN '政策领域' || (n.i + 1) ELSE '重点任务' || (n.i - {areas_per_doc} + 1) END,
               '推进重点任务，新增项目若干，责任单位：某部门。', n.i * 100, n.i * 100 + 99, n.i * 100, n.i * 100 + 99
        FROM documents d, range({per_doc}) n(i)""")
    # a pseudo-random number in [0, 1) from a target id and a salt
    con.execute(f"CREATE TEMP MACRO rnd(x, salt) AS (hash(x * 7919 + salt * 104729 + {s.seed}) % 1000000) / 1e6")
    con.execute("""INSERT INTO targets (target_id, item_id, seq, indicator, raw, value, value_high, unit, base_value,
                                   base_value_high, base_unit, comparator, kind, tiers, steps, deadline, due_date,
                                   source_start, source_end)
        SELECT (i.item_id - 1) * 2 + q.seq AS target_id, i.item_id, q.seq,
               kinds.indicator, kinds.indicator || coalesce(kinds.val::VARCHAR, '') || kinds.unit, kinds.val, NULL, kinds.unit,
               kinds.val, NULL, kinds.unit, kinds.comparator, k.kind, NULL,
               CASE WHEN rnd(i.item_id * 2 + q.seq, 9) < 0.05 AND k.kind = 'count'
                    THEN '[["' || d.year || '-03-31", ' || kinds.val * 0.2 || '], ["' || d.year || '-06-30", '
                         || kinds.val * 0.5 || '], ["' || d.year || '-09-30", ' || kinds.val * 0.75 || ']]' END,
               CASE WHEN k.kind = 'milestone' THEN make_date(d.year, 6 + (q.seq * 3), 30) END,
               CASE WHEN k.kind = 'milestone' THEN make_date(d.year, 6 + (q.seq * 3), 30) ELSE d.period_end END,
               0, 10
        FROM items i JOIN documents d USING (doc_id), range(1, 3) q(seq),
        LATERAL (SELECT r, CASE WHEN r < 0.74 THEN 'count' WHEN r < 0.92 THEN 'rate' WHEN r < 0.95 THEN 'level'
                                WHEN r < 0.97 THEN 'limit' ELSE 'milestone' END AS kind
                 FROM (SELECT rnd(i.item_id * 2 + q.seq, 1) AS r)) k,
        LATERAL (SELECT
            CASE k.kind WHEN 'count' THEN '新增项目' WHEN 'rate' THEN '达标率' WHEN 'level' THEN '总量'
                        WHEN 'limit' THEN '能耗强度' ELSE '建成' END AS indicator,
            CASE k.kind WHEN 'count' THEN round(90 + rnd(i.item_id * 2 + q.seq, 2) * 9000)
                        WHEN 'rate' THEN round(80 + rnd(i.item_id * 2 + q.seq, 2) * 19)
                        WHEN 'level' THEN round(1000 + rnd(i.item_id * 2 + q.seq, 2) * 9000)
                        WHEN 'limit' THEN round(0.3 + rnd(i.item_id * 2 + q.seq, 2), 2) ELSE NULL END AS val,
            CASE k.kind WHEN 'count' THEN '个' WHEN 'rate' THEN '%' WHEN 'level' THEN '万吨'
                        WHEN 'limit' THEN '吨标煤/万元' ELSE '' END AS unit,
            CASE k.kind WHEN 'limit' THEN '<=' ELSE '>=' END AS comparator) kinds
        WHERE i.kind = 'work_task'""")
    # responsibility: one lead department, one or two cooperating, one leader; local governments
    # listed on the items whose targets are allocated
    con.execute(f"""CREATE TEMP TABLE p_item AS
        SELECT i.item_id, c.ci, c.code AS city_code,
               c.ci * 100 + 1 + (hash(i.item_id * 31 + {s.seed}) % {N_DEPARTMENTS}) AS lead_org,
               c.ci * 100 + 1 + (hash(i.item_id * 37 + {s.seed}) % {N_DEPARTMENTS}) AS coop_org,
               rnd(i.item_id, 5) < 0.9 AS allocated
        FROM items i JOIN documents d USING (doc_id) JOIN p_city c ON c.code = d.city_code
        WHERE i.kind = 'work_task'""")
    con.execute("""INSERT INTO assignments
        SELECT item_id, lead_org, 'lead', 1, '部门' FROM p_item
        UNION ALL SELECT item_id, coop_org, 'cooperate', 2, '部门' FROM p_item WHERE coop_org <> lead_org
        UNION ALL SELECT p.item_id, o.org_id, 'cooperate', 3 + p2.pi, o.name
        FROM p_item p JOIN organisations o ON o.city_code = p.city_code AND o.jurisdiction_code IS NOT NULL
        JOIN jurisdictions j ON j.code = o.jurisdiction_code JOIN p_place p2 ON p2.pname = j.short_name
        WHERE p.allocated""")
    con.execute(f"""INSERT INTO item_leaders
        SELECT item_id, ci * 100 + 1 + (hash(item_id * 41 + {s.seed}) % {N_LEADERS}), 1 FROM p_item""")
    # counts and levels split over the places by random weights (whole numbers: the first places get
    # the floor of their share, the last the rest), so they add up to the city's value, except about one
    # target in twelve whose last place is given a few percent more or less, as in the real allocation
    # tables (where a county commits to more, or a share is left out); rates and limits apply everywhere
    con.execute("""INSERT INTO target_allocations
        WITH shares AS (
            SELECT t.target_id, j.code, t.kind, t.value, p.pi,
                   0.6 + 0.8 * rnd(t.target_id, 100 + p.pi) AS w
            FROM targets t JOIN p_item pi USING (item_id)
            JOIN jurisdictions j ON j.parent_code = pi.city_code JOIN p_place p ON p.pname = j.short_name
            WHERE pi.allocated
        ),
        split AS (
            SELECT *, floor(value * w / sum(w) OVER (PARTITION BY target_id)) AS share,
                   pi = max(pi) OVER (PARTITION BY target_id) AS last,
                   rnd(target_id, 99) AS off
            FROM shares
        )
        SELECT target_id, code,
               CASE WHEN kind NOT IN ('count', 'level') THEN value
                    WHEN NOT last THEN share
                    ELSE greatest(0, value - (sum(share) OVER (PARTITION BY target_id) - share)
                                     + CASE WHEN off < 0.05 THEN round(value * 0.03) + 1
                                            WHEN off < 0.08 THEN -(round(value * 0.03) + 1) ELSE 0 END) END,
               NULL, false, 0, 10
        FROM split""")
    # ---------------------------------------------------------------- monthly reports
    # every reporting row (target × jurisdiction; whole city for unallocated targets) and its reporter
    con.execute("""CREATE TEMP TABLE p_row AS
        SELECT t.target_id, a.jurisdiction_code, o.org_id, d.year, t.kind, a.value AS target_value, t.unit,
               rnd(t.target_id * 16 + hash(a.jurisdiction_code) % 16, 11) AS pace
        FROM targets t JOIN p_item pi USING (item_id) JOIN items i USING (item_id) JOIN documents d USING (doc_id)
        JOIN target_allocations a ON a.target_id = t.target_id
        JOIN organisations o ON o.jurisdiction_code = a.jurisdiction_code
        UNION ALL
        SELECT t.target_id, pi.city_code, pi.lead_org, d.year, t.kind, t.value, t.unit, rnd(t.target_id, 11)
        FROM targets t JOIN p_item pi USING (item_id) JOIN items i USING (item_id) JOIN documents d USING (doc_id)
        WHERE NOT pi.allocated""")
    # one upload per reporter and month (a few reporters skip a month: about 3 %)
    con.execute(f"""CREATE TEMP TABLE p_upload AS
        SELECT row_number() OVER (ORDER BY y.year, m.m, r.org_id) AS upload_id, r.org_id, y.year, m.m,
               y.year || '-' || lpad(m.m::VARCHAR, 2, '0') AS period
        FROM (SELECT DISTINCT org_id FROM p_row) r, p_year y, range(1, {s.months} + 1) m(m)
        WHERE rnd(r.org_id * 1000 + y.year * 13 + m.m, 21) >= 0.03""")
    # report ids: the upload's block (upload_id × stride) + the row's place among its reporter's rows
    # of the year × 2 + version - 1; unique and deterministic without sorting millions of rows
    stride = 2 * con.execute("SELECT coalesce(max(n), 1) FROM (SELECT count(*) AS n FROM p_row GROUP BY org_id, year)"
                             ).fetchone()[0]
    con.execute("""CREATE OR REPLACE TEMP TABLE p_row AS
        SELECT *, row_number() OVER (PARTITION BY org_id, year ORDER BY target_id, jurisdiction_code) - 1 AS place
        FROM p_row""")
    con.execute("""INSERT INTO uploads
        SELECT u.upload_id, o.name, u.period, o.name || '_' || u.period || '.xlsx',
               sha256('upload-' || u.upload_id), 'synthetic', make_timestamp(u.year, u.m, 28, 9, 0, 0) + INTERVAL 3 DAY,
               false, 'accepted', 0, 0, 0, '合成数据'
        FROM p_upload u JOIN organisations o USING (org_id)""")
    # cumulative value: share of the year elapsed × the row's pace (0.6 – 1.3) × target, with noise
    con.execute(f"""INSERT INTO progress_reports
        SELECT u.upload_id * {stride} + r.place * 2 + v.version - 1,
               u.upload_id, r.target_id, r.jurisdiction_code, u.period, v.version,
               CASE WHEN r.kind = 'milestone' THEN CASE WHEN u.m >= 9 AND r.pace > 0.3 THEN 1 ELSE 0 END
                    WHEN r.kind IN ('rate', 'limit') THEN round(r.target_value * (0.85 + 0.25 * r.pace) + v.version * 0.1, 2)
                    ELSE round(r.target_value * u.m / 12 * (0.6 + 0.7 * r.pace) + v.version, 1) END,
               CASE WHEN r.kind = 'milestone' AND u.m >= 9 AND r.pace > 0.3 THEN '已完成' ELSE '正常' END,
               CASE WHEN r.pace < 0.5 THEN '按计划推进，本月完成阶段任务。' END,
               CASE WHEN r.pace < 0.2 THEN '资金到位较慢。' END,
               NULL, NULL, NULL,
               r.place + 2                                  -- source_row: its row in the unit's file
        FROM p_upload u JOIN p_row r ON r.org_id = u.org_id AND r.year = u.year,
             range(1, CASE WHEN rnd(r.target_id * 100 + u.m + hash(r.jurisdiction_code) % 97, 31) < 0.1
                           THEN 3 ELSE 2 END) v(version)
        ORDER BY u.upload_id""")
    report_validity.refresh_all(con)
    con.execute("""UPDATE uploads SET n_rows = c.n, n_accepted = c.n
                   FROM (SELECT upload_id, count(*) AS n FROM progress_reports GROUP BY upload_id) c
                   WHERE uploads.upload_id = c.upload_id""")


# ---------------------------------------------------------------------------- cache


def cache_dir() -> Path:
    """Where generated files are kept between runs (``TRACKER_BENCH_CACHE`` overrides)."""
    base = os.environ.get("TRACKER_BENCH_CACHE") or os.path.join(tempfile.gettempdir(), "tracker-bench-cache")
    return Path(base)


def cached_database(scale: Scale) -> Path:
    """The file of ``scale``, generated on first use and kept under :func:`cache_dir`.

    The name carries the generator version, the schema version and the scale, so a change of any
    makes a new file.
    Benchmarks must only read it (or copy it before writing).
    """
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"synthetic-v{GENERATOR_VERSION}-schema{SCHEMA_VERSION}-{scale.name}-{scale.cities}x{len(scale.years)}"
                     f"x{scale.targets_per_year}x{scale.months}-s{scale.seed}.duckdb")
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.unlink(missing_ok=True)
        generate(partial, scale)
        partial.rename(path)
        Path(str(partial) + ".wal").unlink(missing_ok=True)
    return path


def cached_upload(n_rows: int) -> tuple[Path, Path, str, str]:
    """A database and a filled-in monthly template of ``n_rows`` rows for one county government.

    Returns (database, xlsx, unit name, period). The database is one city with enough targets
    that one county government reports ``n_rows`` rows, with last month's reports already in;
    the file reports the month after (new versions for every row). Both are cached like
    :func:`cached_database`; copy the database before uploading into it.
    """
    targets = max(48, -(-n_rows * 10 // 8 // 8) * 8)     # a county reports about nine in ten targets
    scale = Scale(f"upload{n_rows}", 1, (2024,), targets, months=1)
    db = cached_database(scale)
    path = db.with_name(db.stem + ".xlsx")
    con = connect(db, read_only=True)
    try:
        unit, rows, period = _busiest_unit(con, "2024-02")
        if len(rows) < n_rows:
            raise RuntimeError(f"the synthetic county reports {len(rows)} rows, fewer than {n_rows}")
    finally:
        con.close()
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.partial.xlsx")
        write_filled_template(rows[:n_rows], unit, period, partial)
        partial.rename(path)
    return db, path, unit.name, period


def _busiest_unit(con: duckdb.DuckDBPyConnection, period: str):
    from tracker.reporting import reporting_units, unit_rows

    best = None
    for unit in reporting_units(con):
        if unit.jurisdiction_code is None:
            continue
        rows = unit_rows(con, unit, period)
        if best is None or len(rows) > len(best[1]):
            best = (unit, rows, period)
    return best


def write_filled_template(rows, unit, period: str, out: Path) -> None:
    """A template as a unit sends it back: every row filled in (value, status, three texts).

    Written with openpyxl's write-only mode (no styles or protection, which uploads ignore).
    """
    from openpyxl import Workbook

    from loaders.progress_template import (DATA_SHEET, HEADERS, META_IDS_FROM, META_PERIOD, META_ROWS,
                                           META_SHEET, META_UNIT, META_VERSION, ROW_ID, TEMPLATE_VERSION)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.append(list(HEADERS))
    for i, r in enumerate(rows):
        target = r.target_value if isinstance(r.target_value, (int, float)) else None
        value = round(target * (0.4 + (i % 7) / 10), 1) if target else (1 if r.kind == "milestone" else 10)
        ws.append([r.row_id, r.doc_number, f"{r.item_label}{r.item_title}", r.indicator, r.raw,
                   r.jurisdiction_name, r.target_cell, r.unit, r.due_date, value, "正常",
                   f"第{i + 1}项按计划推进，本月完成阶段任务。", "资金到位较慢。" if i % 5 == 0 else None,
                   "加快推进。"])
    meta = wb.create_sheet(META_SHEET)
    for key, value in ((META_VERSION, TEMPLATE_VERSION), (META_UNIT, unit.name), ("城市代码", unit.city_code),
                       (META_PERIOD, period), ("生成时间", "2024-02-01 09:00:00"), (META_ROWS, len(rows))):
        meta.append([key, value])
    for _ in range(META_IDS_FROM - 7):
        meta.append([])
    meta.append([ROW_ID])
    for r in rows:
        meta.append([r.row_id])
    wb.save(out)
