"""Sidebar options read from small tables give what the big ones would."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from tests.dashboard_db import make_db
from tracker import filters as f
from tracker.sidebar import default_as_of


def test_report_periods_are_the_periods_of_the_reports(built_demo_db):
    con = duckdb.connect(str(built_demo_db), read_only=True)
    try:
        every = [r[0] for r in con.execute("SELECT DISTINCT period FROM progress_reports ORDER BY period DESC").fetchall()]
        assert every and f.report_periods(con) == every
        for year in {int(p[:4]) for p in every} | {1999}:
            assert f.report_periods(con, year) == [p for p in every if p.startswith(f"{year}-")]
    finally:
        con.close()


@pytest.mark.parametrize("periods, year, today, expected", [
    (["2024-09", "2024-08"], 2024, date(2030, 1, 1), "2024-09"),   # the latest month with reports
    ([], None, date(2024, 6, 15), None),                           # no plan year, no reports: nothing to show
    ([], 2025, date(2024, 6, 15), "2025-01"),                      # a plan year still to come: its first month
    ([], 2024, date(2024, 6, 15), "2024-06"),                      # this year: this month
    ([], 2023, date(2024, 6, 15), "2023-12"),                      # a past year without reports: its last month
])
def test_the_sidebar_opens_on_the_latest_reported_month_else_this_month_within_the_year(periods, year, today,
                                                                                        expected):
    assert default_as_of(periods, year, today) == expected


@pytest.mark.parametrize("units, expected", [
    ({"2024-10": 2, "2024-09": 40, "2024-08": 41}, "2024-09"),   # two units have sent October: September
    ({"2024-10": 21, "2024-09": 40, "2024-08": 41}, "2024-10"),   # half of them: October
    ({"2024-10": 1, "2024-09": 1, "2024-08": 1}, "2024-10"),
    ({}, "2024-10"),                                                # no counts: the latest month with reports
])
def test_the_sidebar_waits_for_half_the_units_before_opening_on_a_new_month(units, expected):
    assert default_as_of(["2024-10", "2024-09", "2024-08"], 2024, date(2024, 11, 3), units) == expected


def test_reporting_units_count_the_units_whose_reports_were_stored(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    try:
        con.execute("""INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by,
                                            outcome, n_rows, n_accepted, n_rejected) VALUES
                       (90, '市发改委', '2024-03', 'a.xlsx', 'a', 't', 'unchanged', 1, 0, 0),
                       (91, '市发改委', '2024-03', 'b.xlsx', 'b', 't', 'partial', 2, 1, 1),
                       (92, '市商务局', '2024-03', 'c.xlsx', 'c', 't', 'rejected', 1, 0, 1),
                       (93, '市商务局', '2025-01', 'd.xlsx', 'd', 't', 'accepted', 1, 1, 0)""")
        assert f.reporting_units(con, 2024) == {"2024-03": 2}   # 市经信局 (the fixture's upload) and 市发改委
        assert f.reporting_units(con) == {"2024-03": 2, "2025-01": 1}
    finally:
        con.close()


def test_a_refused_upload_adds_no_period(con):
    con.execute("""INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome,
                                        n_rows, n_accepted, n_rejected)
                   VALUES (990, '市发改委', '2031-05', 'x.xlsx', 'x', 'test', 'rejected', 3, 0, 3)""")
    assert "2031-05" not in f.report_periods(con)
    assert f.report_periods(con, 2031) == []


# The option queries as they were before :func:`tracker.filters.plan_options` worked them out in one pass (verbatim).

def _old_year_options(con):
    rows = con.execute(
        "SELECT DISTINCT d.year FROM documents d JOIN items i USING (doc_id) JOIN targets t USING (item_id) "
        "WHERE d.year IS NOT NULL ORDER BY d.year DESC"
    ).fetchall()
    return [r[0] for r in rows]


def _old_document_options(con, year=None):
    return con.execute(
        """
        SELECT d.doc_id, coalesce(d.doc_number || ' ', '') || d.title AS label
        FROM documents d
        WHERE EXISTS (SELECT 1 FROM items i JOIN targets t USING (item_id) WHERE i.doc_id = d.doc_id)
          AND (? IS NULL OR d.year = ?)
        ORDER BY d.doc_id
        """,
        [year, year],
    ).df()


def _old_unit_options(con):
    rows = con.execute(
        """
        WITH per_org AS (   -- (item, org) is unique, so a count per organisation counts items
            SELECT org_id, count(*) AS n FROM assignments
            WHERE item_id IN (SELECT item_id FROM targets) GROUP BY org_id
        )
        SELECT o.name FROM per_org JOIN organisations o USING (org_id)
        GROUP BY o.name ORDER BY sum(n) DESC, o.name
        """
    ).fetchall()
    return [r[0] for r in rows]


def _old_leader_options(con):
    rows = con.execute(
        """
        SELECT p.name FROM item_leaders l JOIN people p USING (person_id)
        WHERE l.item_id IN (SELECT item_id FROM targets)
        GROUP BY p.name ORDER BY count(*) DESC, p.name
        """
    ).fetchall()
    return [r[0] for r in rows]


def _same_options(con) -> None:
    assert f.year_options(con) == _old_year_options(con)
    assert f.unit_options(con) == _old_unit_options(con)
    assert f.leader_options(con) == _old_leader_options(con)
    for year in [None, *_old_year_options(con), 1999]:
        pd.testing.assert_frame_equal(f.document_options(con, year), _old_document_options(con, year))


def test_plan_options_are_the_options_each_query_gave(built_demo_db):
    con = duckdb.connect(str(built_demo_db), read_only=True)
    try:
        options = f.plan_options(con)
        assert options.years and len(options.units) > 20 and options.leaders
        _same_options(con)
    finally:
        con.close()


def test_plan_options_break_ties_by_name_and_leave_out_what_has_no_targets(tmp_path):
    con = make_db(tmp_path / "tiny.duckdb")
    try:
        before = f.plan_options(con)
        # a document without targets, one without a year, and departments/leaders tied on one item each
        con.execute("INSERT INTO documents SELECT * REPLACE (doc_id + 100 AS doc_id, doc_number || '-2' AS doc_number, "
                    "NULL AS year) FROM documents")
        con.execute("INSERT INTO items SELECT * REPLACE (item_id + 100 AS item_id, doc_id + 100 AS doc_id, "
                    "NULL AS parent_item_id) FROM items")
        con.execute("INSERT INTO targets SELECT * REPLACE (target_id + 100 AS target_id, item_id + 100 AS item_id) "
                    "FROM targets WHERE item_id = (SELECT min(item_id) FROM targets)")
        con.execute("INSERT INTO assignments SELECT * REPLACE (item_id + 100 AS item_id) FROM assignments "
                    "WHERE item_id = (SELECT min(item_id) FROM targets)")
        con.execute("INSERT INTO organisations SELECT * REPLACE (3 AS org_id, '市财政局' AS name) FROM organisations "
                    "WHERE org_id = 1")
        con.execute("INSERT INTO assignments SELECT * REPLACE (3 AS org_id) FROM assignments WHERE org_id = 2")
        con.execute("INSERT INTO documents SELECT * REPLACE (doc_id + 200 AS doc_id, NULL AS doc_number, "
                    "'没有指标的文件' AS title) FROM documents WHERE doc_id < 100")
        _same_options(con)
        after = f.plan_options(con)
        assert len(after.documents) == len(before.documents) * 2 and after.years == before.years
        assert after.units == ("市发改委", "市经信局", "市财政局")   # 3, 2 and 2 items: a tie goes by name
    finally:
        con.close()


@pytest.mark.parametrize("units, reported, option, caption", [
    (39, True, "2024年9月 · 39家", "2024年9月已有39个单位报送"),
    (0, False, "2024年9月 · 0家", "2024年9月尚无单位报送"),
    (0, True, "2024年9月", "2024年9月已有报送"),      # reports stored without an upload record
])
def test_month_options_fit_the_sidebar_and_the_caption_says_them_in_full(units, reported, option, caption):
    """QA: "2024年9月（39个单位已报送）" showed as "2024年9月（39个…" in the sidebar's box. An option is now at
    most a month and a count (what fits the box at 1440 px: "2024年12月 · 0家"), the caption under it the words."""
    from tracker.sidebar import month_caption, month_option

    assert month_option("2024-09", units, reported) == option
    assert month_caption("2024-09", units, reported) == caption
    assert len(month_option("2024-12", 123, True)) <= len("2024年12月 · 123家")
