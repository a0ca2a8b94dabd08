"""Benchmark of the dashboard pages: each page's script run through AppTest on the full database.

``python -m tracker.page_bench`` prints one line per page in the format of
:mod:`tracker.bench` (``page_overview=0.123s budget=1s ok``). The first run of a page
fills the query caches; the figure is the median of the warm reruns that follow a
cache clear of the data and the charts built from it (the connection stays open, as in a
running server), so it measures what a user waits for after a new upload. ``page_<page>_rerun``
(no budget) is a rerun with nothing changed: a click on another widget, a return from another page.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tracker.bench import _line
from tracker.db import ROOT

PAGES = ("overview", "departments", "jurisdictions", "leaders", "tasks", "data_quality", "supervision")
BUDGET_S = 1.0


def bench_pages(db_path: Path, repeats: int = 3, pages: tuple[str, ...] = PAGES) -> list[str]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tracker.page_blocks import forget_figures

    os.environ["TRACKER_DB"] = str(db_path)
    lines = []
    for page in pages:
        times = []
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.switch_page(f"pages/{page}.py")
        at.run()  # warm-up: opens the connection, imports plotly
        for _ in range(repeats):
            st.cache_data.clear()
            forget_figures()
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"page {page} failed: {[e.value for e in at.exception]}")
        lines.append(_line(f"page_{page}", statistics.median(times), budget=BUDGET_S))
        reruns = []   # for the record: a rerun with nothing changed (another widget, back from another page)
        for _ in range(repeats):
            start = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - start)
        lines.append(_line(f"page_{page}_rerun", statistics.median(reruns)))
    st.cache_resource.clear()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.page_bench")
    parser.add_argument("--db", type=Path, help="an existing database (default: build one from data/ in a temp dir)")
    parser.add_argument("--quick", action="store_true", help="one repeat per page")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    if args.db:
        lines = bench_pages(args.db, repeats)
    else:
        from loaders.build import build

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.duckdb"
            report = build(path)
            assert report.ok, report.errors
            lines = bench_pages(path, repeats)
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
