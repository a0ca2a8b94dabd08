"""``python -m tracker bench``: the output format, on tiny data (the real scales run by hand)."""
import io
import logging
import re
import statistics

import pytest

from tracker import bench

LINE = re.compile(r"^(?P<name>[a-z0-9_]+)=(?P<value>-?[0-9.]+)(?P<unit>s|MB)"
                  r"(?: budget=(?P<budget>[0-9.]+)(?P=unit) (?P<verdict>ok|MISSED))?$")


def test_line_format():
    assert bench._line("x", 0.5, 1.0) == "x=0.500s budget=1.000s ok"
    assert bench._line("x", 2.0, 1.0) == "x=2.000s budget=1.000s MISSED"
    assert bench._line("rss", 412.3, 600, unit="MB") == "rss=412MB budget=600MB ok"
    assert bench._line("ref", 0.01) == "ref=0.010s"


def test_quick_run_on_tiny_data(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_BENCH_CACHE", str(tmp_path / "cache"))
    # the page benchmark points the app at its copy and sets an admin password: restored after the test
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "unused.duckdb"))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "bench-only-password-123")
    plan = bench.Plan(repeats=1, city="tiny", province="tiny", upload_rows=200, export_rows=50,
                      pages=("overview",), load=False, rss=False)
    out = io.StringIO()
    lines = bench.run(plan, out=out)
    assert out.getvalue().splitlines() == lines
    parsed = {}
    for line in lines:
        m = LINE.match(line)
        assert m, f"not a benchmark line: {line!r}"
        parsed[m["name"]] = m
        if m["budget"] is not None:
            assert (float(m["value"]) <= float(m["budget"])) == (m["verdict"] == "ok")
    assert set(parsed) == {"synthetic_data_ready", "calamine_read_200_rows", "upload_200_rows",
                           "aggregate_scan_progress", "plan_queries_sidebar", "page_queries_overview", "page_overview",
                           "page_overview_rerun",
                           "overdue_export_xlsx_50_rows", "status_snapshot_build_city",
                           "status_snapshot_build_jurisdiction", "status_snapshot_build_reporting"}
    # budgets are ratios to references measured in the same run where the issue says so
    assert float(parsed["upload_200_rows"]["budget"]) == pytest.approx(
        1.5 * float(parsed["calamine_read_200_rows"]["value"]), abs=0.002)
    # each query line's budget is 3 × a scan timed right before it (capped at 150 ms);
    # aggregate_scan_progress prints the median of those scans
    query_budgets = [float(parsed[name]["budget"]) for name in ("plan_queries_sidebar", "page_queries_overview")]
    assert all(b <= 0.150 for b in query_budgets)
    if max(query_budgets) < 0.150:
        assert float(parsed["aggregate_scan_progress"]["value"]) == pytest.approx(
            statistics.median(b / 3 for b in query_budgets), abs=0.001)
    assert parsed["page_overview"]["budget"] == "1.000"
    assert logging.root.manager.disable == logging.NOTSET   # warnings are back on after the run


def test_warnings_are_silenced_while_the_benchmarks_run():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    log = logging.getLogger("streamlit.bench-test")
    log.addHandler(handler)
    log.propagate = False
    try:
        with bench._quiet_streamlit():
            log.warning("No runtime found, using MemoryCacheStorageManager")
            log.error("a real error")
        log.warning("after the run")
    finally:
        log.removeHandler(handler)
    assert [r.getMessage() for r in records] == ["a real error", "after the run"]


def test_page_query_budget_is_three_scans_capped_at_150_ms():
    assert bench.page_query_budget(0.010) == pytest.approx(0.030)
    assert bench.page_query_budget(0.049) == pytest.approx(0.147)
    assert bench.page_query_budget(0.051) == 0.150


def test_cli_has_bench():
    from tracker.__main__ import build_parser

    args = build_parser().parse_args(["bench", "--quick"])
    assert args.quick and args.handler is bench.run_command


def test_peak_rss_of_a_child_is_its_own_not_its_parents():
    """Linux hands a parent's ru_maxrss to its child across exec; the benchmark's child reads VmHWM."""
    import subprocess
    import sys
    from pathlib import Path

    ballast = bytearray(400 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):   # touch every page: resident
        ballast[i] = 1
    code = ("import resource; from tracker.bench import peak_rss_mb; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, peak_rss_mb())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(bench.__file__).resolve().parent.parent)
    inherited, own = map(float, done.stdout.split())
    del ballast
    assert own < 200   # an interpreter that imported the benchmark module, not the 400 MB parent
    print(f"ru_maxrss={inherited:.0f}MB VmHWM={own:.0f}MB")   # on Linux the first is the parent's
