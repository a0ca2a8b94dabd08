"""The 任务 page's queries, sped up, give exactly what they gave before.

* :func:`tracker.progress_queries.item_status` reads an item's rows from the stored status snapshot
  (:mod:`tracker.status_store`) when the as-of day is the month's end: they are the rows
  :func:`tracker.progress_queries.live_status` judges for that item alone (same columns, types, order and
  values), for every item, both levels, several months, with filters and supervisors' actions.
* :func:`tracker.task_queries.target_history` gives the frames of its former version
  (tests/page_query_oracles.py), here on plans the demo does not have (a stated start, no city).
"""
from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from tests import page_query_oracles as old
from tests.dashboard_db import add_report, add_upload, make_db
from tests.status_checks import close_out_and_send_back, same
from tracker import actions, filters as f, progress_queries as pq, status_store
from tracker import task_queries as tq
from tracker.db import connect
from tracker.settings import StatusSettings

MONTHS = ("2024-01", "2024-06", "2024-12")
ABSENT_ITEM = 10 ** 6


@pytest.fixture(scope="module")
def demo_path(built_demo_db, tmp_path_factory):
    """The demo database with supervisors' actions (a close-out and a send-back)."""
    path = tmp_path_factory.mktemp("task_speed") / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path)
    close_out_and_send_back(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def demo(demo_path):
    """Writable, so that snapshots are stored."""
    con = connect(demo_path)
    yield con
    con.close()


def _items(con) -> list[int]:
    return [r[0] for r in con.execute("SELECT DISTINCT item_id FROM targets ORDER BY 1").fetchall()]


def _telling_items(con) -> list[int]:
    """Items of every kind of row: allocated targets, targets reported per jurisdiction without an
    allocation, rows a supervisor acted on, summed whole-city rows; a spread of the rest; an item nobody has."""
    allocated = con.execute("SELECT DISTINCT t.item_id FROM target_allocations JOIN targets t USING (target_id) "
                            "ORDER BY 1 LIMIT 4").fetchall()
    by_places = con.execute(
        """SELECT DISTINCT t.item_id FROM progress_reports p JOIN targets t USING (target_id)
           JOIN items i USING (item_id) JOIN documents d USING (doc_id)
           WHERE p.jurisdiction_code <> d.city_code AND p.target_id NOT IN (SELECT target_id FROM target_allocations)
           ORDER BY 1 LIMIT 3""").fetchall()
    acted = con.execute("SELECT DISTINCT t.item_id FROM supervision_actions JOIN targets t USING (target_id)").fetchall()
    city = pq.live_status(con, "2024-06", level=pq.CITY)
    summed = city.loc[city["unit_name"] == pq.SUMMED, "item_id"].drop_duplicates().head(3)
    chosen = {r[0] for r in [*allocated, *by_places, *acted]} | {int(i) for i in summed}
    assert len(acted) == 2 and len(summed) and allocated and by_places
    return sorted(chosen | set(_items(con)[::60])) + [ABSENT_ITEM]


def _filters(con) -> list[f.Filters]:
    """No filter, the plan year, and the year with units, leaders, a document, areas or jurisdictions."""
    year = f.year_options(con)[0]
    units = f.unit_options(con)
    leaders = f.leader_options(con)
    places = list(f.jurisdiction_options(con)["code"])
    docs = list(f.document_options(con, year)["doc_id"])
    areas = list(f.area_options(con, ())["item_id"])
    return [f.Filters(), f.Filters(year=year), f.Filters(year=year, units=tuple(units[:2])),
            f.Filters(year=year, leaders=tuple(leaders[:1])), f.Filters(year=year, doc_ids=tuple(docs[:1])),
            f.Filters(year=year, area_ids=tuple(areas[:2])), f.Filters(year=year, jurisdictions=tuple(places[1:3]))]


def _level(filters: f.Filters, level: str | None) -> str:
    return level or (pq.JURISDICTION if filters.jurisdictions else pq.CITY)


@pytest.mark.parametrize("as_of", MONTHS)
def test_an_items_stored_rows_are_the_rows_judged_for_it_alone(demo, as_of):
    """Every filter in mid-year; at the year's start and end (other statuses) the unfiltered table, the
    year and chosen places (the filters that change which snapshot and level are read)."""
    items = _telling_items(demo)
    every = _filters(demo)
    n_kept = 0
    for filters in every if as_of == "2024-06" else [every[0], every[1], every[-1]]:
        # level None is CITY, or JURISDICTION with jurisdictions chosen: asked once, with them
        for level in (pq.CITY, pq.JURISDICTION) + ((None,) if filters.jurisdictions else ()):
            # the items this filter keeps, from the whole table judged on the spot: each is judged alone; of
            # the items it drops (no rows either way) one is judged alone, the rest must have no stored rows
            kept = set(pq.live_status(demo, as_of, filters, level=_level(filters, level))["item_id"])
            dropped = [i for i in items if i not in kept]
            for item_id in items:
                mine = pq.item_status(demo, item_id, as_of, filters, level=level)
                if item_id in kept or item_id == dropped[0]:
                    same(mine, pq.live_status(demo, as_of, filters, level=_level(filters, level), item_id=item_id))
                else:
                    assert mine.empty, item_id
            n_kept += len(kept & set(items))
    assert n_kept > len(items)
    scopes = demo.execute("SELECT DISTINCT scope FROM status_snapshots WHERE as_of = ?", [as_of]).fetchall()
    assert sorted(scopes) == [("2024",), ("all",)]   # read from the snapshots of both year scopes


def test_every_items_stored_rows_are_its_rows_of_the_whole_table(demo):
    """Every item, cheaply: its rows of the whole table judged on the spot (values exact; a slice of the
    whole frame keeps the whole frame's column types), and together every row of the table."""
    as_of, filters = "2024-09", f.Filters(year=f.year_options(demo)[0])   # the page's default filter
    for level in (pq.CITY, pq.JURISDICTION):
        whole = pq.live_status(demo, as_of, filters, level=level)
        parts = []
        for item_id in _items(demo):
            mine = pq.item_status(demo, item_id, as_of, filters, level=level)
            expected = whole[whole["item_id"] == item_id].reset_index(drop=True)
            if len(expected):
                pd.testing.assert_frame_equal(mine, expected, check_exact=True, check_dtype=False)
            parts.append(mine)
        assert sum(len(p) for p in parts) == len(whole) > 0


def test_summed_city_rows_do_not_depend_on_which_rows_are_judged(demo):
    """The whole-city sum of the jurisdictions' reports is added in jurisdiction order, so one item's rows, the
    whole table and the month's history give the same float (a sum of floats depends on the order of adding)."""
    n_summed = 0
    for as_of in MONTHS:
        whole = pq.live_status(demo, as_of, level=pq.CITY)
        summed = whole[whole["unit_name"] == pq.SUMMED]
        n_summed += len(summed)
        for row in summed.itertuples():
            alone = pq.live_status(demo, as_of, level=pq.CITY, item_id=row.item_id)
            assert alone.loc[alone["target_id"] == row.target_id, "reported_value"].tolist() == [row.reported_value]
            history = tq.target_history(demo, int(row.target_id), None, as_of)
            assert history["reported"].iloc[-1] == row.reported_value
    assert n_summed


def test_a_day_within_the_month_is_judged_on_the_spot(demo):
    item_id = _telling_items(demo)[0]
    day = date(2024, 6, 10)
    for level in (pq.CITY, pq.JURISDICTION):
        same(pq.item_status(demo, item_id, "2024-06", level=level, as_of_day=day),
             pq.live_status(demo, "2024-06", level=level, as_of_day=day, item_id=item_id))


def test_a_read_only_connection_without_snapshots_judges_on_the_spot(demo_path, tmp_path):
    path = tmp_path / "read_only.duckdb"
    shutil.copy(demo_path, path)
    writable = connect(path)
    status_store.clear(writable)
    writable.close()
    con = duckdb.connect(str(path), read_only=True)
    try:
        for item_id in _telling_items(con)[:4]:
            for level in (pq.CITY, pq.JURISDICTION):
                same(pq.item_status(con, item_id, "2024-06", level=level),
                     pq.live_status(con, "2024-06", level=level, item_id=item_id))
        assert con.execute("SELECT count(*) FROM status_snapshots").fetchone()[0] == 0
    finally:
        con.close()


def test_an_items_rows_follow_a_supervisors_action(demo_path, tmp_path):
    path = tmp_path / "acted.duckdb"
    shutil.copy(demo_path, path)
    con = connect(path)
    try:
        row = pq.target_status(con, "2024-06", level=pq.CITY).iloc[-1]
        item_id = int(row["item_id"])
        assert pq.item_status(con, item_id, "2024-06").iloc[-1]["action"] is None
        actions.close_out(con, int(row["target_id"]), row["jurisdiction_code"], "王五", "已验收", date(2024, 6, 1))
        after = pq.item_status(con, item_id, "2024-06")
        assert after.iloc[-1]["status"] == "已完成" and after.iloc[-1]["action"] == "销号"
        same(after, pq.live_status(con, "2024-06", item_id=item_id))
    finally:
        con.close()


# ---------------------------------------------------------------------------- target_history


@pytest.fixture
def plans(tmp_path):
    """The tiny database whose plan states its start (April), and a plan without a city: an item led by a
    department and a county government (an allocated target, with an allocation without a value, and an
    unallocated one) and an item nobody leads, with reports of several versions."""
    con = make_db(tmp_path / "plans.duckdb")
    con.execute("UPDATE documents SET period_start = DATE '2024-04-01'")
    con.execute("INSERT INTO documents (doc_id, file_id, doc_number, title, year, kind, city_code) "
                "VALUES (2, 1, '无城〔2024〕2号', '无城市方案', 2024, 'policy_plan', NULL)")
    for item_id in (9, 10):
        con.execute("INSERT INTO items VALUES (?, 2, 'policy_measure', ?, '（一）', NULL, '条目', '正文', 0, 1, 0, 1)",
                    [item_id, item_id])
    for target_id, item_id, value in ((20, 9, 10.0), (21, 9, 4.0), (22, 10, 3.0)):
        con.execute(
            "INSERT INTO targets (target_id, item_id, seq, indicator, raw, value, unit, base_unit, comparator, kind, "
            "due_date, source_start, source_end) VALUES (?, ?, ?, ?, '原文', ?, '个', '', '>=', 'count', "
            "'2024-12-31', 0, 1)", [target_id, item_id, target_id, f"指标{target_id}", value])
    con.execute("INSERT INTO target_allocations (target_id, jurisdiction_code, value) VALUES (20, '330802', 6), "
                "(20, '330803', NULL)")
    con.execute("INSERT INTO organisations VALUES (3, '柯城区政府', '330800', 'county_government', '330802', true)")
    con.execute("INSERT INTO assignments VALUES (9, 1, 'lead', 1, '市发改委'), (9, 3, 'lead', 2, '柯城区政府')")
    add_upload(con, 2, "柯城区政府", "2024-05")
    for report_id, (target_id, code, period, version, value) in enumerate([
            (20, "330802", "2024-04", 1, 2), (20, "330802", "2024-05", 1, 3), (20, "330802", "2024-05", 2, 3.5),
            (20, "330803", "2024-05", 1, 0.1), (21, "330802", "2024-04", 1, 1), (21, "330802", "2024-06", 1, 2),
            (22, "", "2024-05", 1, 1), (1, "330802", "2024-05", 1, 7)], start=100):
        add_report(con, report_id, 2, target_id, code, period, version, value)
    return con


def test_history_of_plans_with_a_stated_start_or_without_a_city(plans):
    targets = [r[0] for r in plans.execute("SELECT target_id FROM targets ORDER BY 1").fetchall()]
    fresh = StatusSettings(report_fresh_months=2)
    for target_id in targets:
        for as_of in (None, "2024-03", "2024-05"):
            for code, settings in ((None, StatusSettings()), (None, fresh), ("330800", fresh), ("330802", fresh),
                                   ("330803", fresh), ("", fresh), ("999999", StatusSettings())):
                same(tq.target_history(plans, target_id, code, as_of, settings),
                     old.target_history(plans, target_id, code, as_of, settings))
    assert tq.target_history(plans, targets[0], None, "2024-03").empty   # before the plan's stated start
