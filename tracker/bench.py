"""Benchmarks: print one figure per line, ``name=VALUE budget=LIMIT ok|MISSED``.

Run with ``python -m tracker bench [--quick]`` (or ``python -m tracker.bench``). Exit status
is 0 whether budgets are met or not; a script reads the lines. Figures without a budget
(references measured in the same run, and figures for the record) print as ``name=VALUE``.

What is measured (issue 9):

* ``extract_and_load_all_sources`` — build a database from every shipped source (< 1 s);
* ``upload_20000_rows`` — :func:`loaders.progress_upload.upload_file` of a filled-in monthly
  template of 20,000 rows, end to end (≤ 1.5 × ``calamine_read_20000_rows``: python-calamine
  reading every sheet of the same file, the reads and uploads alternating);
* ``page_queries_<page>`` — every query a page runs on its first view after an upload, at province
  scale (≤ 150 ms and ≤ 3 × one plain aggregate scan of ``progress_reports``, counts and sums per
  month, timed right before the page's queries; ``aggregate_scan_progress`` is the median of those
  scans): the sidebar's months and the page's own queries,
  uncached. What reads the plans only (the sidebar's choices, the 县（市、区） page's People's Congress
  comparison, the 任务 page's search and item text, the 数据质量 page's document counts, numbers,
  allocation totals and findings) stays cached across uploads (:func:`tracker.app_db.cached_on_plans`): it runs on the first
  view after a plan load and is timed on lines of its own, ``plan_queries_<page>`` (``sidebar`` for
  the choices every page shows), with the same budget;
* ``page_<page>`` — each page script through AppTest at city scale (< 1 s; :mod:`tracker.page_bench`),
  the first view after new data; ``page_<page>_rerun`` (for the record) a rerun with nothing changed;
* ``overdue_export_xlsx_5000_rows`` — the 督查清单 workbook of 5,000 rows (< 2 s);
* ``page_peak_rss_overview`` — peak RSS (``VmHWM``) of a fresh process running the overview page
  through AppTest at province scale (< 600 MB).

Synthetic data (:mod:`tracker.synthetic`) is generated into files of its own under a cache
directory and reused by later runs; benchmarks that write work on a copy.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

MB = 1024 * 1024


def _line(name: str, value: float, budget: float | None = None, unit: str = "s") -> str:
    figure = f"{name}={_num(value)}{unit}"
    if budget is None:
        return figure
    return f"{figure} budget={_num(budget)}{unit} {'ok' if value <= budget else 'MISSED'}"


def _num(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 100 else f"{x:.0f}"


def _median_time(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass(frozen=True)
class Plan:
    """What one run measures and at which scale (tests pass tiny ones)."""

    repeats: int = 3
    city: str = "city"
    province: str = "province"
    upload_rows: int = 20_000
    export_rows: int = 5_000
    pages: tuple[str, ...] | None = None      # None: every page of tracker.page_bench.PAGES
    load: bool = True                         # extract and load the shipped sources
    rss: bool = True                          # the peak-RSS subprocess


# ---------------------------------------------------------------------------- extract and load


def bench_load(repeats: int = 3) -> list[str]:
    """Extract and load every shipped source into a fresh database file."""
    from loaders.build import build   # here: `python -m tracker` imports this module for its parser

    times, demo_times = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            report = build(Path(tmp) / "bench.duckdb", demo=False)
            times.append(time.perf_counter() - start)
            assert report.ok, report.errors
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            build(Path(tmp) / "bench.duckdb", demo=True)
            demo_times.append(time.perf_counter() - start)
    return [
        _line("extract_and_load_all_sources", statistics.median(times), budget=1.0),
        _line("build_with_demo_progress", statistics.median(demo_times)),
    ]


# ---------------------------------------------------------------------------- upload


def bench_upload(n_rows: int, repeats: int) -> list[str]:
    """Upload of an ``n_rows`` monthly file end to end against python-calamine reading it."""
    from python_calamine import CalamineWorkbook

    from loaders.progress_upload import upload_file
    from tracker import synthetic

    db, path, unit, period = synthetic.cached_upload(n_rows)

    def read() -> None:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()

    read()  # warm the page cache and the library
    # each upload right after a read of its own: the machine's speed drifts within minutes, and the
    # two medians then come from the same minutes
    reads, times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(max(repeats, 3)):
            reads.append(_median_time(read, 1))
            copy = Path(tmp) / "upload.duckdb"
            shutil.copy(db, copy)
            from tracker.db import connect

            con = connect(copy)
            try:
                start = time.perf_counter()
                result = upload_file(con, path, unit, "bench", period=period, now=datetime(2030, 1, 1))
                times.append(time.perf_counter() - start)
            finally:
                con.close()
            copy.unlink()
            if result.outcome != "accepted" or result.n_new != n_rows:
                raise RuntimeError(f"benchmark upload not accepted: {result.summary()} {result.problems[:3]}")
    value, reference = statistics.median(times), statistics.median(reads)
    return [_line(f"calamine_read_{n_rows}_rows", reference),
            _line(f"upload_{n_rows}_rows", value, budget=1.5 * reference)]


# ---------------------------------------------------------------------------- page queries


#: The pages whose plan-only queries (cached until plans are loaded) are timed on lines of their own.
PLAN_QUERY_PAGES = ("sidebar", "jurisdictions", "tasks", "data_quality")


def plan_queries(con, page: str) -> Callable[[], object]:
    """The queries of ``page`` that read the plans only, which the app caches until plans are loaded
    (:func:`tracker.app_db.cached_on_plans`), run on the first view after a plan load: the sidebar's
    choices (every page), the 县（市、区） page's People's Congress comparison, the 任务 page's search, item
    and source text, and the 数据质量 page's documents, counts, numbers for review and load findings."""
    from tracker import filters as f, npc_queries, npc_section, queries as q, task_queries as tq

    def sidebar():
        plans = f.plan_options(con)
        plans.documents_of(plans.years[0] if plans.years else None)
        f.area_options(con, ())
        f.jurisdiction_options(con)

    def jurisdictions():
        city = npc_section.plan_city(con)
        npc_queries.npc_comparison(con, None, city)
        npc_queries.npc_facts(con, None, city)

    def tasks():   # the page opens on the first item of an empty search
        found = tq.search_items(con, "", f.Filters(year=f.plan_options(con).years[0]))
        item_id = int(found["item_id"].iloc[0])
        tq.item_detail(con, item_id)
        tq.item_source(con, item_id)

    def data_quality():
        for query in (q.loaded_documents, q.counts_per_kind, q.numbers_for_review, q.allocation_mismatches,
                      q.load_findings):
            query(con)

    return {"sidebar": sidebar, "jurisdictions": jurisdictions, "tasks": tasks, "data_quality": data_quality}[page]


def page_queries(con, page: str) -> Callable[[], object]:
    """Every query ``page`` runs on its first view after an upload with the sidebar's defaults (latest
    plan year and month), uncached; what reads the plans only is not re-read (:func:`plan_queries`)."""
    from tracker import filters as f
    from tracker import page_data, queries, task_queries as tq
    from tracker import progress_queries as pq
    from tracker.settings import StatusSettings
    from tracker.sidebar import default_as_of
    from tracker.status import month_end
    from tracker.supervision_view import supervision_view

    plans = f.plan_options(con)   # cached across uploads in the app: timed by plan_queries
    year = plans.years[0] if plans.years else None
    first_item = int(tq.search_items(con, "", f.Filters(year=year))["item_id"].iloc[0]) if page == "tasks" else None

    def sidebar():   # what tracker.sidebar.render reads that an upload changes
        periods = f.report_periods(con, year)
        f.month_options(con, year)
        return f.Filters(year=year), default_as_of(periods, year), StatusSettings()

    def overview():
        filters, as_of, settings = sidebar()
        return page_data.overview(con, as_of, filters, settings)

    def grouped(by: str, level: str | None = None):
        def page():
            filters, as_of, settings = sidebar()
            data = page_data.groups(con, as_of, filters, settings, by, level=level)
            if data.mix.order:   # the list of the first group, as the page's select box starts with
                page_data.group_rows(con, as_of, filters, settings, by, data.mix.order[0], level=level)
            if level == pq.JURISDICTION:
                page_data.completion_matrix(con, as_of, filters, settings)
            return data
        return page

    def tasks():   # the item the page opens on (search, item and source text: plan_queries)
        filters, as_of, settings = sidebar()
        item_id = first_item
        mine = pq.item_status(con, item_id, as_of, filters.without_jurisdictions(), settings)
        pq.item_status(con, item_id, as_of, filters.without_jurisdictions(), settings, level=pq.JURISDICTION)
        if len(mine):
            tq.target_history(con, int(mine["target_id"].iloc[0]), None, as_of, settings)
        tq.item_notes(con, item_id)

    def data_quality():
        _, as_of, _ = sidebar()
        for query in (queries.uploads, queries.upload_errors):   # the rest: plan_queries
            query(con)
        queries.falling_reports(con, as_of)

    def supervision():   # the page of an account without downloads (the export is measured on its own)
        filters, as_of, settings = sidebar()
        supervision_view(con, month_end(as_of), filters, settings, (), False)

    return {"overview": overview, "departments": grouped("lead_unit"), "leaders": grouped("leaders"),
            "jurisdictions": grouped("jurisdiction_name", pq.JURISDICTION),
            "tasks": tasks, "data_quality": data_quality, "supervision": supervision}[page]


QUERY_PAGES = ("overview", "departments", "jurisdictions", "leaders", "tasks", "data_quality", "supervision")
SCAN_SQL = "SELECT period, count(*), sum(value) FROM progress_reports GROUP BY period"


def page_query_budget(scan_seconds: float) -> float:
    """A page's queries may take 150 ms, and no more than 3 × one plain aggregate scan timed beside them."""
    return min(0.150, 3 * scan_seconds)


def bench_page_queries(db: Path, repeats: int, pages: tuple[str, ...] = QUERY_PAGES) -> list[str]:
    """Each page's queries on (a copy of) ``db`` whose status tables for the sidebar's default month are
    stored, as the dashboard stores them on the first view after the data changes (that build is
    timed on its own: ``status_snapshot_build_*``)."""
    from tracker.db import connect

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "province.duckdb"
        shutil.copy(db, copy)
        lines = bench_snapshot_build(copy)
        con = connect(copy, read_only=True)
        try:
            scan = lambda: con.execute(SCAN_SQL).fetchall()  # noqa: E731
            scan()
            # each page against a scan timed right before it: the machine's speed drifts over the
            # seconds the pages take, so a reference taken once at the start made their ratios drift too
            timed, references = [], []
            for kind, page in [*(("plan", p) for p in ("sidebar", *(p for p in pages if p in PLAN_QUERY_PAGES))),
                               *(("page", p) for p in pages)]:
                run = plan_queries(con, page) if kind == "plan" else page_queries(con, page)
                run()  # warm: DuckDB's buffers, imports
                reference = _median_time(scan, max(repeats, 5))
                references.append(reference)
                timed.append(_line(f"{kind}_queries_{page}", _median_time(run, repeats),
                                   budget=page_query_budget(reference)))
            lines.append(_line("aggregate_scan_progress", statistics.median(references)))
            return lines + timed
        finally:
            con.close()


def bench_snapshot_build(db: Path) -> list[str]:
    """Judge and store the status table of the sidebar's default year and month, city and jurisdiction rows,
    and the 催报 rows (:mod:`tracker.status_store`): what the first page view after an upload waits for.
    Writes to ``db``."""
    from tracker import filters as f, status_store
    from tracker.db import connect
    from tracker.settings import StatusSettings
    from tracker.sidebar import default_as_of

    con = connect(db)
    try:
        year = f.year_options(con)[0]
        as_of = default_as_of(f.report_periods(con, year), year)
        lines = []
        for level in ("city", "jurisdiction", status_store.REPORTING):
            start = time.perf_counter()
            if status_store.snapshot_id(con, as_of, level, year, StatusSettings()) is None:
                raise RuntimeError("the status snapshot was not stored")
            lines.append(_line(f"status_snapshot_build_{level}", time.perf_counter() - start))
        return lines
    finally:
        con.close()


# ---------------------------------------------------------------------------- overdue export


def bench_export(db: Path, n_rows: int, repeats: int) -> list[str]:
    """The 督查清单 xlsx of ``n_rows`` items (real rows of the synthetic province, repeated if fewer)."""
    import io

    import pandas as pd

    from tracker import filters as f, supervision as sv
    from tracker.db import connect
    from tracker.settings import StatusSettings
    from tracker.status import month_end
    from tracker.supervision_export import write_xlsx

    con = connect(db, read_only=True)
    try:
        year = f.year_options(con)[0]
        as_of = month_end(f.report_periods(con, year)[0])
        filters = f.Filters(year=year)
        items = sv.supervision_items(con, as_of, filters, StatusSettings(), ())
        units = sv.unreported_units(con, as_of, filters, StatusSettings())
    finally:
        con.close()
    if items.empty:
        raise RuntimeError("no supervision items to export")
    items = pd.concat([items] * (n_rows // len(items) + 1), ignore_index=True).head(n_rows)
    value = _median_time(lambda: write_xlsx(items, units, io.BytesIO(), as_of, "全部"), repeats)
    return [_line(f"overdue_export_xlsx_{n_rows}_rows", value, budget=2.0)]


# ---------------------------------------------------------------------------- pages and memory


def bench_app_pages(db: Path, repeats: int, pages: tuple[str, ...] | None) -> list[str]:
    from tracker import page_bench

    _quiet_admin()
    with tempfile.TemporaryDirectory() as tmp:   # the app writes (first admin account): work on a copy
        copy = Path(tmp) / "city.duckdb"
        shutil.copy(db, copy)
        return page_bench.bench_pages(copy, repeats, pages or page_bench.PAGES)


def _quiet_admin() -> None:
    """The app's first run creates ``admin`` and prints a generated password unless one is set:
    on a throwaway copy, set one (random, never shown) so the benchmark output stays figures only."""
    import secrets

    os.environ.setdefault("TRACKER_ADMIN_PASSWORD", secrets.token_urlsafe(24))


@contextmanager
def _quiet_streamlit():
    """The page queries call the app's cached functions outside a Streamlit server, and Streamlit warns
    about it ("No runtime found", "missing ScriptRunContext") each time: errors only, in this process,
    while the benchmarks run. (Streamlit resets its loggers' levels whenever a page run parses its
    config, so levels would not hold.)"""
    before = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(before)


def bench_rss(db: Path, page: str = "overview", budget_mb: float = 600) -> list[str]:
    """Peak RSS of a fresh process that runs ``page`` through AppTest on (a copy of) ``db``."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "province.duckdb"
        shutil.copy(db, copy)
        done = subprocess.run([sys.executable, "-m", "tracker.bench", "--rss-child", str(copy), page],
                              capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                              timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"peak-RSS run failed: {done.stderr[-2000:]}")
    peak_mb = float(done.stdout.strip().splitlines()[-1])
    return [_line(f"page_peak_rss_{page}", peak_mb, budget=budget_mb, unit="MB")]


def _rss_child(db: str, page: str) -> int:
    """Run one page through AppTest; print the process's peak RSS in MB (:func:`peak_rss_mb`)."""
    from streamlit.testing.v1 import AppTest

    from tracker.db import ROOT

    os.environ["TRACKER_DB"] = db
    _quiet_admin()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.switch_page(f"pages/{page}.py")
    at.run()
    if at.exception:
        print([e.value for e in at.exception], file=sys.stderr)
        return 1
    print(peak_rss_mb())
    return 0


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: ``VmHWM`` of /proc/self/status on Linux.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark into a child across fork and
    exec (``setmax_mm_hiwater_rss`` at exec), so a child of a big benchmark process reported the
    parent's peak, not its own.
    """
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KB on Linux


# ---------------------------------------------------------------------------- the run


def run(plan: Plan = Plan(), out=None) -> list[str]:
    """Every benchmark of ``plan``, printing each line to ``out`` (default stdout) as it comes."""
    out = out or sys.stdout
    lines: list[str] = []

    def emit(new: list[str]) -> None:
        for line in new:
            print(line, file=out, flush=True)
        lines.extend(new)

    with _quiet_streamlit():
        _run(plan, emit)
    return lines


def _run(plan: Plan, emit: Callable[[list[str]], None]) -> None:
    from tracker import synthetic

    if plan.load:
        emit(bench_load(plan.repeats))
    start = time.perf_counter()
    city = synthetic.cached_database(synthetic.SCALES[plan.city])
    province = synthetic.cached_database(synthetic.SCALES[plan.province])
    emit([_line("synthetic_data_ready", time.perf_counter() - start)])
    emit(bench_upload(plan.upload_rows, plan.repeats))
    query_pages = QUERY_PAGES if plan.pages is None else tuple(p for p in QUERY_PAGES if p in plan.pages)
    emit(bench_page_queries(province, plan.repeats, query_pages))
    emit(bench_app_pages(city, plan.repeats, plan.pages))
    emit(bench_export(province, plan.export_rows, plan.repeats))
    if plan.rss:
        emit(bench_rss(province))


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="python -m tracker bench")
    parser.add_argument("--quick", action="store_true", help="one repeat of each measurement (under a minute "
                        "once the synthetic data is cached)")
    parser.add_argument("--rss-child", nargs=2, metavar=("DB", "PAGE"), help=argparse.SUPPRESS)
    return parser


def run_command(args: argparse.Namespace) -> int:
    if args.rss_child:
        return _rss_child(*args.rss_child)
    run(Plan(repeats=1 if args.quick else 3))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(argparse.ArgumentParser(prog="python -m tracker.bench")).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
