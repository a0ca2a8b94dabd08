"""Delivered work cannot be undone: a report that records a target done stays current after its month.

Found by browser QA: a milestone reported 已完成 in July–September showed, as of October (no
reports yet), as 未报送 and overdue "无完成记录" at the top of the 督查清单, and 总览's 已完成
went from 30 to 0.
"""
from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest

from tests.dashboard_db import add_report, add_upload, make_db
from tracker import progress_queries as pq
from tracker import status as st
from tracker import supervision as sv
from tracker import task_queries as tq
from tracker.filters import Filters
from tracker.settings import StatusSettings

CASES = [
    # kind, comparator, target, value, reported status, done
    ("count", ">=", 1000.0, 1000.0, None, True),
    ("count", ">=", 1000.0, 999.5, "已完成", False),        # for a count the number decides
    ("count", ">=", 1000.0, None, "已完成", False),
    ("count", "=", 5.0, 5.0, None, True),
    ("count", "≈", 30000.0, 28500.0, None, True),            # 左右: within 5 % by default
    ("count", "≈", 30000.0, 28499.0, None, False),
    ("count", "range", 100.0, 100.0, None, True),           # a range count is done at its lower bound
    ("count", "<=", 10.0, 5.0, None, False),                # a cap is never done before its date
    ("count", ">=", None, None, "已完成", True),             # no number: judged done / not done
    ("count", ">=", 1000.0, math.nan, None, False),
    ("rate", ">=", 10.0, 12.0, None, False),                # rates and levels can fall back:
    ("level", ">=", 50.0, 60.0, None, False),               # the number alone is not enough
    ("limit", "<=", 3.0, 1.0, None, False),
    ("rate", ">=", 85.0, 86.0, "已完成", True),              # the unit says done and the number agrees
    ("rate", ">=", 85.0, 84.0, "已完成", False),
    ("rate", ">=", 85.0, None, "已完成", False),
    ("rate", "=", 85.0, 85.0, "已完成", True),
    ("rate", "≈", 10.0, 9.5, "已完成", True),               # 左右: within 5 % by default
    ("rate", "≈", 10.0, 9.4, "已完成", False),
    ("rate", "<=", 3.0, 2.0, "已完成", True),               # at most: under the cap
    ("rate", "<=", 3.0, 3.5, "已完成", False),
    ("rate", "range", 5.0, 6.0, "已完成", False),
    ("level", ">=", 50.0, 60.0, "已完成", True),
    ("limit", "<=", 25.0, 24.0, "已完成", True),
    ("limit", "<=", 25.0, 26.0, "已完成", False),
    ("limit", "≈", 3.0, 3.15, "已完成", True),
    ("rate", ">=", 85.0, 86.0, "正常", False),
    ("milestone", "=", None, None, "已完成", True),
    ("milestone", "=", None, None, "正常", False),
    ("milestone", "=", None, None, None, False),
    ("milestone", "=", 1.0, 1.0, None, True),
    ("milestone", "=", 1.0, 0.0, None, False),
    ("milestone", "range", None, None, "已完成", True),
]


@pytest.mark.parametrize("kind, comparator, target, value, status, done", CASES)
def test_done_on_record(kind, comparator, target, value, status, done):
    assert st.done_on_record(kind, comparator, target, value, status) is done


def test_the_tolerance_of_about_is_the_setting():
    assert st.done_on_record("count", "≈", 100.0, 90.0, None, StatusSettings(about_tolerance_percent=10.0))
    assert not st.done_on_record("count", "≈", 100.0, 90.0, None, StatusSettings(about_tolerance_percent=5.0))


def test_the_sql_says_what_done_on_record_says():
    con = duckdb.connect()
    con.execute("CREATE TABLE cases (id INTEGER, kind VARCHAR, comparator VARCHAR, target_value DOUBLE, "
                "reported_value DOUBLE, reported_status VARCHAR)")
    con.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?)",
                    [(i, k, c, t, v, s) for i, (k, c, t, v, s, _) in enumerate(CASES)])
    got = con.execute(f"SELECT k.id, {pq.done_on_record_sql('k', 'l', '0.05')} FROM cases k "
                      f"JOIN cases l USING (id) ORDER BY k.id").fetchall()
    assert [done for _, done in got] == [case[-1] for case in CASES]


@pytest.fixture
def done_in_may(tmp_path):
    """The tiny database plus reports for 2024-05: the count (target 1) reaches 1000, the milestone
    (target 4) is reported 已完成, 柯城区 reaches its 100 of target 3 and 衢江区 has 150 of its 200."""
    con = make_db(tmp_path / "t.duckdb")
    add_upload(con, 2, "市经信局", "2024-05")
    add_report(con, 7, 2, 1, "330800", "2024-05", 1, 1000)
    add_report(con, 8, 2, 4, "330800", "2024-05", 1, None, status="已完成")
    add_report(con, 9, 2, 3, "330802", "2024-05", 1, 100)
    add_report(con, 10, 2, 3, "330803", "2024-05", 1, 150)
    yield con
    con.close()


def _statuses(con, as_of: str, level: str) -> dict[tuple[int, str], tuple[str, str | None]]:
    frame = pq.live_status(con, as_of, Filters(), level=level)
    return {(r.target_id, r.jurisdiction_code): (r.status, r.report_period) for r in frame.itertuples()}


def test_a_target_done_stays_done_in_later_months_without_reports(done_in_may):
    assert _statuses(done_in_may, "2024-07", "city") == {
        (1, "330800"): ("已完成", "2024-05"),
        (2, "330800"): ("未报送", "2024-03"),     # a rate of March: not current in July
        (3, "330800"): ("未报送", None),          # 衢江区 is not done: the city's sum is not there
        (4, "330800"): ("已完成", "2024-05"),     # after its due date (06-30): not overdue
    }
    assert _statuses(done_in_may, "2024-07", "jurisdiction") == {
        (3, "330802"): ("已完成", "2024-05"),
        (3, "330803"): ("未报送", "2024-05"),
    }


def test_a_finished_row_is_not_chased_for_a_report(done_in_may):
    overview = sv.reporting_overview(done_in_may, date(2024, 7, 31))
    assert [(r.unit_name, r.n_rows, r.n_reported, r.missing_rows) for r in overview.itertuples()] == [
        ("市发改委", 1, 0, ["T2-330800"]),
        ("市经信局", 4, 3, ["T3-330803"]),
    ]


def test_the_monthly_history_keeps_the_value_that_finished_the_work(done_in_may):
    history = tq.target_history(done_in_may, 1, as_of="2024-07")
    assert history["reported"].tolist()[2:] == [250.0, pytest.approx(math.nan, nan_ok=True), 1000.0, 1000.0,
                                                1000.0]
    county = tq.target_history(done_in_may, 3, "330802", as_of="2024-07")
    assert county["reported"].tolist()[4:] == [100.0, 100.0, 100.0]
    other = tq.target_history(done_in_may, 3, "330803", as_of="2024-07")
    assert other["reported"].tolist()[4:] == [150.0, pytest.approx(math.nan, nan_ok=True),
                                              pytest.approx(math.nan, nan_ok=True)]


def test_a_rate_reported_done_at_its_deadline_is_not_overdue_afterwards(tmp_path):
    """Found by QA: 新建项目开工率 (≥85 % by 2024-09-30) reported 86 and 已完成 in September was, in October,
    未报送 and overdue “无完成记录” on every page, the 汇总表 and the 督查清单. Reported 正常, it stays 未报送."""
    con = make_db(tmp_path / "t.duckdb")
    try:
        con.execute("UPDATE targets SET deadline = DATE '2024-09-30', due_date = DATE '2024-09-30' WHERE target_id = 2")
        add_upload(con, 2, "市发改委", "2024-09")
        add_report(con, 7, 2, 2, "330800", "2024-09", 1, 12, status="已完成")
        october = pq.live_status(con, "2024-10", Filters(), level="city").set_index("target_id").loc[2]
        assert (october.status, october.overdue, october.report_period) == ("已完成", False, "2024-09")
        assert october.note == "最新值12，已达到目标值10"
        assert not any(sv.supervision_items(con, date(2024, 10, 31))["target_id"] == 2)
        assert tq.target_history(con, 2, as_of="2024-10")["reported"].tolist()[8:] == [12.0, 12.0]

        add_report(con, 8, 2, 2, "330800", "2024-09", 2, 12, status="正常")   # a correction: not said to be done
        october = pq.live_status(con, "2024-10", Filters(), level="city").set_index("target_id").loc[2]
        assert (october.status, october.overdue) == ("未报送", True)
    finally:
        con.close()
