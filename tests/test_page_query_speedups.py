"""The sped-up queries of the 数据质量 and 任务 pages give exactly the frames of their former versions
(tests/page_query_oracles.py): on the demo database, on the tiny hand-made one, and on the city-scale
synthetic database of the benchmark when it is cached on this machine."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests import page_query_oracles as old
from tests.dashboard_db import make_db
from tracker import filters as f
from tracker import queries
from tracker import task_queries as tq
from tracker.db import connect
from tracker.settings import StatusSettings

CITY_DB = Path("/tmp/tracker-bench-cache/synthetic-v2-city-1x1x1000x12-s7.duckdb")


@pytest.fixture(scope="module")
def demo(built_demo_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("speedups") / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def city():
    if not CITY_DB.exists():
        pytest.skip(f"{CITY_DB} is not cached here (python -m tracker bench builds it)")
    con = connect(CITY_DB, read_only=True)
    yield con
    con.close()


@pytest.fixture
def tiny(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    yield con
    con.close()


def same(new: pd.DataFrame, before: pd.DataFrame) -> None:
    """Equal frames, dtypes and index included, and None where None was (not NaN)."""
    pd.testing.assert_frame_equal(new, before, check_exact=True)
    for column in before.columns:
        if before[column].dtype == object:
            assert [type(v) for v in new[column]] == [type(v) for v in before[column]], column


DATA_QUALITY = ("loaded_documents", "counts_per_kind", "allocation_mismatches", "uploads", "upload_errors")


def check_data_quality(con) -> None:
    for name in DATA_QUALITY:
        same(getattr(queries, name)(con), getattr(old, name)(con))


def years(con) -> list[int | None]:
    return [None, *f.year_options(con)]


def check_search(con) -> None:
    for year in years(con):
        for limit in (200, 3, 0):
            filters = f.Filters(year=year)
            same(tq.search_items(con, "", filters, limit), old.search_items(con, "", filters, limit))
    units = f.unit_options(con)[:2]
    if units:
        filters = f.Filters(units=tuple(units))
        same(tq.search_items(con, " ", filters), old.search_items(con, " ", filters))


def check_notes(con, item_ids) -> None:
    for item_id in item_ids:
        same(tq.item_notes(con, int(item_id)), old.item_notes(con, int(item_id)))


def check_history(con, target_ids, periods) -> None:
    """Whole city (with two freshness settings), each jurisdiction the target is allocated to or reported
    for, the city's code given explicitly and a code the target has nothing to do with."""
    settings = (StatusSettings(), StatusSettings(report_fresh_months=1))
    for target_id in target_ids:
        codes = [None, "999999", *[r[0] for r in con.execute(
            """SELECT jurisdiction_code FROM target_allocations WHERE target_id = $1
               UNION SELECT jurisdiction_code FROM progress_reports WHERE target_id = $1
               UNION SELECT d.city_code FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id)
                     WHERE t.target_id = $1 AND d.city_code IS NOT NULL
               ORDER BY 1""", [int(target_id)]).fetchall()]]
        for as_of in periods:
            for code in codes:
                for setting in settings if code is None else settings[:1]:   # freshness matters for sums
                    same(tq.target_history(con, int(target_id), code, as_of, setting),
                         old.target_history(con, int(target_id), code, as_of, setting))


def test_data_quality_queries_on_the_demo_database(demo):
    check_data_quality(demo)


def test_data_quality_queries_on_an_empty_database(tmp_path):
    con = connect(tmp_path / "empty.duckdb")
    try:
        check_data_quality(con)
        check_search(con)
        check_notes(con, [1])
        check_history(con, [1], [None, "2024-06"])
    finally:
        con.close()


def test_data_quality_queries_on_the_tiny_database(tiny):
    check_data_quality(tiny)


def test_task_queries_on_the_tiny_database(tiny):
    check_search(tiny)
    check_notes(tiny, [1, 2, 3, 99])
    check_history(tiny, [1, 2, 3, 4, 99], [None, "2024-01", "2024-03", "2024-04", "2025-02"])


def test_task_queries_on_the_demo_database(demo):
    check_search(demo)
    items = [r[0] for r in demo.execute("SELECT DISTINCT item_id FROM targets ORDER BY item_id").fetchall()]
    check_notes(demo, items)
    # allocated targets, targets reported by jurisdictions without an allocation, and a spread of the rest
    allocated = [r[0] for r in demo.execute(
        "SELECT DISTINCT target_id FROM target_allocations ORDER BY 1 LIMIT 8").fetchall()]
    by_places = [r[0] for r in demo.execute(
        """SELECT DISTINCT p.target_id FROM progress_reports p JOIN targets t USING (target_id)
           JOIN items i USING (item_id) JOIN documents d USING (doc_id)
           WHERE p.jurisdiction_code <> d.city_code
             AND p.target_id NOT IN (SELECT target_id FROM target_allocations) ORDER BY 1 LIMIT 6""").fetchall()]
    others = [r[0] for r in demo.execute("SELECT target_id FROM targets WHERE target_id % 29 = 0 ORDER BY 1").fetchall()]
    assert allocated and by_places and others
    check_history(demo, [*allocated, *by_places, *others], [None, "2024-03"])


def test_notes_of_an_item_with_more_targets_than_lookups(demo, monkeypatch):
    item_id = demo.execute("SELECT item_id FROM targets GROUP BY item_id ORDER BY count(*) DESC, item_id LIMIT 1"
                           ).fetchone()[0]
    monkeypatch.setattr(tq, "NOTES_LOOKUP_MAX", 0)
    check_notes(demo, [item_id])


def test_data_quality_queries_on_the_city_benchmark(city):
    check_data_quality(city)


def test_task_queries_on_the_city_benchmark(city):
    check_search(city)
    items = [r[0] for r in city.execute(
        "SELECT item_id FROM (SELECT DISTINCT item_id FROM targets) USING SAMPLE 25 ROWS (reservoir, 7) ORDER BY 1"
    ).fetchall()]
    check_notes(city, items)
    targets = [r[0] for r in city.execute(
        """SELECT target_id FROM (
               (SELECT DISTINCT target_id FROM target_allocations ORDER BY target_id LIMIT 4)
               UNION (SELECT target_id FROM targets ORDER BY target_id LIMIT 4)
               UNION (SELECT target_id FROM targets ORDER BY target_id DESC LIMIT 4)) ORDER BY 1""").fetchall()]
    year = f.year_options(city)[0]
    check_history(city, targets, [None, f"{year}-03"])


def test_counts_per_kind_leaves_out_documents_without_a_number_as_before(tiny):
    tiny.execute("INSERT INTO documents (doc_id, file_id, doc_number, title, year, kind, city_code) "
                 "VALUES (2, 1, NULL, '无文号', 2024, 'policy_plan', '330800')")
    tiny.execute("INSERT INTO items VALUES (9, 2, 'work_task', 1, '1．', NULL, '无文号任务', '正文', 0, 1, 0, 1)")
    same(queries.counts_per_kind(tiny), old.counts_per_kind(tiny))
    assert list(queries.counts_per_kind(tiny)["doc_number"]) == ["衢测〔2024〕1号"]
    tiny.execute("UPDATE documents SET doc_number = NULL")
    same(queries.counts_per_kind(tiny), old.counts_per_kind(tiny))
    check_data_quality(tiny)
