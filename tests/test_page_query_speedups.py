"""The sped-up queries of the 数据质量 and 任务 pages give exactly the frames of their former versions
(tests/page_query_oracles.py): on the demo database, on the tiny hand-made one, and on the city-scale
synthetic database of the benchmark when it is cached on this machine."""
from __future__ import annotations

import shutil

import pytest

from tests import page_query_oracles as old
from tests.dashboard_db import make_db
from tests.status_checks import same
from tracker import filters as f
from tracker import queries, synthetic
from tracker import task_queries as tq
from tracker.db import connect
from tracker.settings import StatusSettings



@pytest.fixture(scope="module")
def demo(built_demo_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("speedups") / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def city():
    """The benchmark's city (tracker.synthetic.CITY): generated on first use (a few seconds), then cached."""
    con = connect(synthetic.cached_database(synthetic.CITY), read_only=True)
    yield con
    con.close()


@pytest.fixture
def tiny(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    yield con
    con.close()


DATA_QUALITY = ("loaded_documents", "counts_per_kind", "allocation_mismatches", "uploads", "upload_errors")


def check_data_quality(con) -> None:
    for name in DATA_QUALITY:
        same(_as_before(name, getattr(queries, name)(con)), getattr(old, name)(con))


def _as_before(name: str, frame):
    """The columns the old code gave (counts_per_kind has since gained each document's title)."""
    return frame.drop(columns="title") if name == "counts_per_kind" else frame


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
    # a spread of items and those with the most targets (every item took 15 s for the same checks)
    items = [r[0] for r in demo.execute(
        """SELECT DISTINCT item_id FROM targets WHERE item_id % 9 = 0 OR item_id IN (
               SELECT item_id FROM targets GROUP BY item_id ORDER BY count(*) DESC, item_id LIMIT 5)
           ORDER BY item_id""").fetchall()]
    check_notes(demo, items)
    # allocated targets, targets reported by jurisdictions without an allocation, and a spread of the rest
    allocated = [r[0] for r in demo.execute(
        "SELECT DISTINCT target_id FROM target_allocations ORDER BY 1 LIMIT 4").fetchall()]
    by_places = [r[0] for r in demo.execute(
        """SELECT DISTINCT p.target_id FROM progress_reports p JOIN targets t USING (target_id)
           JOIN items i USING (item_id) JOIN documents d USING (doc_id)
           WHERE p.jurisdiction_code <> d.city_code
             AND p.target_id NOT IN (SELECT target_id FROM target_allocations) ORDER BY 1 LIMIT 3""").fetchall()]
    others = [r[0] for r in demo.execute("SELECT target_id FROM targets WHERE target_id % 151 = 0 ORDER BY 1").fetchall()]
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
        "SELECT item_id FROM (SELECT DISTINCT item_id FROM targets) USING SAMPLE 10 ROWS (reservoir, 7) ORDER BY 1"
    ).fetchall()]
    check_notes(city, items)
    targets = [r[0] for r in city.execute(
        """SELECT target_id FROM (
               (SELECT DISTINCT target_id FROM target_allocations ORDER BY target_id LIMIT 3)
               UNION (SELECT target_id FROM targets ORDER BY target_id LIMIT 2)
               UNION (SELECT target_id FROM targets ORDER BY target_id DESC LIMIT 2)) ORDER BY 1""").fetchall()]
    year = f.year_options(city)[0]
    check_history(city, targets, [None, f"{year}-03"])


def test_counts_per_kind_leaves_out_documents_without_a_number_as_before(tiny):
    tiny.execute("INSERT INTO documents (doc_id, file_id, doc_number, title, year, kind, city_code) "
                 "VALUES (2, 1, NULL, '无文号', 2024, 'policy_plan', '330800')")
    tiny.execute("INSERT INTO items VALUES (9, 2, 'work_task', 1, '1．', NULL, '无文号任务', '正文', 0, 1, 0, 1)")
    same(_as_before("counts_per_kind", queries.counts_per_kind(tiny)), old.counts_per_kind(tiny))
    assert list(queries.counts_per_kind(tiny)["doc_number"]) == ["衢测〔2024〕1号"]
    tiny.execute("UPDATE documents SET doc_number = NULL")
    same(_as_before("counts_per_kind", queries.counts_per_kind(tiny)), old.counts_per_kind(tiny))
    check_data_quality(tiny)


# ---------------------------------------------------------------- allocations at city codes, sums, order

def _add_item(con, item_id: int, doc_id: int, label: str) -> None:
    con.execute("INSERT INTO items VALUES (?, ?, 'policy_measure', ?, ?, NULL, ?, '正文', 0, 1, 0, 1)",
                [item_id, doc_id, item_id, label, f"条目{item_id}"])


def _add_target(con, target_id: int, item_id: int, value: float | None, kind: str = "count", unit: str = "个") -> None:
    con.execute(
        "INSERT INTO targets (target_id, item_id, seq, indicator, raw, value, unit, base_unit, comparator, kind, "
        "due_date, source_start, source_end) VALUES (?, ?, ?, ?, '原文', ?, ?, '', '>=', ?, '2024-12-31', 0, 1)",
        [target_id, item_id, target_id, f"指标{target_id}", value, unit, kind])


def _allocate(con, target_id: int, *rows: tuple[str, float | None]) -> None:
    con.executemany("INSERT INTO target_allocations (target_id, jurisdiction_code, value) VALUES (?, ?, ?)",
                    [(target_id, code, value) for code, value in rows])


@pytest.fixture
def allocations(tiny):
    """The tiny database with a second city's plan (金华, 330700) and a plan without a city, whose targets
    are allocated to their own city, to another plan's city and to counties, in values whose sum depends
    on the order they are added in (1e16 + 1 - 1e16 is 0 in that order, 1 in another)."""
    con = tiny
    con.executemany("INSERT INTO jurisdictions VALUES (?, ?, ?, ?, ?)",
                    [("330700", "金华市", "金华", "city", None), ("330881", "江山市", "江山", "county_city", "330800")])
    con.execute("INSERT INTO documents (doc_id, file_id, doc_number, title, year, kind, city_code) VALUES "
                "(2, 1, '金测〔2024〕2号', '金华方案', 2024, 'policy_plan', '330700'), "
                "(3, 1, '无城〔2024〕3号', '无城市方案', 2024, 'policy_plan', NULL)")
    _add_item(con, 3, 2, "（一）")   # document 2's item numbered between document 1's items 2 and 4
    _add_item(con, 4, 1, "（二）")
    _add_item(con, 5, 3, "（一）")
    con.execute("DELETE FROM target_allocations")
    # document 1 (city 330800), item 2
    _allocate(con, 1, ("330802", 1e16), ("330800", 1000), ("330803", 1.0), ("330700", -1e16))  # own city left out
    _allocate(con, 3, ("330802", 100), ("330803", 200), ("330800", 300))   # adds up once the city's own row is out
    _add_target(con, 10, 2, 50)
    _allocate(con, 10, ("330800", 50))                                   # nothing but its own city: not listed
    _add_target(con, 16, 2, 5)
    _allocate(con, 16, ("330802", 1e16), ("330803", 1.0), ("330881", -1e16))   # no city code among them
    # document 1, item 4
    _add_target(con, 7, 4, 10)
    _allocate(con, 7, ("330802", 4), ("330803", None))                  # one value counted
    _add_target(con, 8, 4, 5)
    _allocate(con, 8, ("330802", None), ("330803", None))               # no value: not listed
    _add_target(con, 15, 4, 0.3)
    _allocate(con, 15, ("330802", 0.1), ("330803", 0.2))                # 0.30000000000000004: close enough
    # document 2 (city 330700), item 3
    _add_target(con, 11, 3, 1.0, kind="level")
    _allocate(con, 11, ("330700", 1.0), ("330800", 0.7), ("330802", 0.1))   # 330800 is another plan's city here
    _add_target(con, 12, 3, 3, unit="%")
    _allocate(con, 12, ("330802", 1), ("330803", 1))                    # a percentage: never added up
    # document 3 (no city): every allocation counts
    _add_target(con, 13, 5, 2)
    _allocate(con, 13, ("330800", 1), ("330802", 0.5))
    _add_target(con, 14, 5, None)
    _allocate(con, 14, ("330802", 1))                                   # no whole-city value: not checked
    return con


def test_allocation_mismatches_leave_out_only_a_plans_own_city_as_before(allocations):
    mismatches = queries.allocation_mismatches(allocations)
    same(mismatches, old.allocation_mismatches(allocations))
    assert mismatches[["doc_number", "indicator", "city_value", "allocated", "n_allocations"]].values.tolist() == [
        ["衢测〔2024〕1号", "新增公共充电桩", 1000, 0.0, 3],
        ["衢测〔2024〕1号", "指标16", 5, 0.0, 3],
        ["衢测〔2024〕1号", "指标7", 10, 4, 1],
        ["金测〔2024〕2号", "指标11", 1.0, 0.7999999999999999, 2],
        ["无城〔2024〕3号", "指标13", 2, 1.5, 2],
    ]
    check_data_quality(allocations)


def test_allocation_mismatches_without_any_city_code(tmp_path):
    con = connect(tmp_path / "no_city.duckdb")
    try:
        con.executemany("INSERT INTO jurisdictions VALUES (?, ?, ?, 'district', NULL)",
                        [("330802", "柯城区", "柯城"), ("330803", "衢江区", "衢江")])
        con.execute("INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (1, 'a.txt', 'x', 1, 'a')")
        con.execute("INSERT INTO documents (doc_id, file_id, doc_number, title, year, kind, city_code) "
                    "VALUES (1, 1, '无城〔2024〕1号', '无城市方案', 2024, 'policy_plan', NULL)")
        _add_item(con, 1, 1, "（一）")
        _add_target(con, 1, 1, 5)
        _allocate(con, 1, ("330802", 1e16), ("330803", 1.0))
        _add_target(con, 2, 1, 3)
        _allocate(con, 2, ("330802", 1), ("330803", 2))
        mismatches = queries.allocation_mismatches(con)
        same(mismatches, old.allocation_mismatches(con))
        assert mismatches[["indicator", "allocated"]].values.tolist() == [["指标1", 1e16]]
    finally:
        con.close()


def test_uploads_latest_first_then_by_number_as_before(tiny):
    tiny.executemany(
        "INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, uploaded_at, is_demo, "
        "outcome, n_rows, n_accepted, n_rejected, message) VALUES (?, ?, '2024-03', ?, ?, '王五', ?, ?, ?, 2, 1, 1, ?)",
        [(upload_id, unit, name, f"sha{upload_id}", at, demo, outcome, message)
         for upload_id, unit, name, at, demo, outcome, message in [
             (2, "市发改委", "a.xlsx", "2024-04-03 09:00:00", False, "partial", None),
             (3, "市发改委", "a.xlsx", "2024-04-01 08:00:00", False, "rejected", "缺少工作表"),
             (4, "市经信局", "b.xlsx", "2024-04-03 09:00:00", True, "accepted", None),
             (5, "市经信局", "c.xlsx", "2024-05-01 00:00:00", False, "unchanged", ""),
         ]])
    uploads = queries.uploads(tiny)
    same(uploads, old.uploads(tiny))
    assert uploads["upload_id"].tolist() == [5, 4, 2, 1, 3]
    check_data_quality(tiny)
