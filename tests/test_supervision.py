"""督查 lists on the tiny database (tests/dashboard_db.py): exact items and units for fixed dates."""
from datetime import date

import pandas as pd
import pytest

from tests.dashboard_db import add_report, add_upload, make_db
from tracker import actions
from tracker import filters as f
from tracker import supervision as sv

MARCH = date(2024, 3, 31)
JULY = date(2024, 7, 31)


@pytest.fixture
def con(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    yield con
    con.close()


def listed(items):
    return [(r.row_id, r.category, r.status, bool(r.sent_back), None if pd.isna(r.days_overdue) else int(r.days_overdue))
            for r in items.itertuples()]


def units(frame):
    return [(r.unit_name, r.state, r.n_rows, r.n_reported, r.n_missing, r.missing_rows) for r in frame.itertuples()]


@pytest.mark.parametrize("text, expected", [
    ("2024-09-15", date(2024, 9, 15)), ("2024-02", date(2024, 2, 29)), (" 2024-12-31 ", date(2024, 12, 31)),
])
def test_parse_as_of(text, expected):
    assert sv.parse_as_of(text) == expected


@pytest.mark.parametrize("text, message", [("2024/09/15", "应为 YYYY-MM-DD"), ("2024-02-30", "不是有效日期"),
                                           ("2024-13", "month 13")])
def test_parse_as_of_refusals(text, message):
    with pytest.raises(ValueError, match=message):
        sv.parse_as_of(text)


def test_march_lists_the_behind_rate_and_one_unit_short(con):
    items = sv.supervision_items(con, MARCH)
    assert listed(items) == [("T2-330800", "滞后", "滞后", False, None)]
    assert sv.item_counts(items) == {"逾期": 0, "严重滞后": 0, "滞后": 1, "二次交办": 0}
    assert items.loc[0, "lead_unit"] == "市发改委" and items.loc[0, "due"] == date(2024, 12, 31)
    assert units(sv.unreported_units(con, MARCH)) == [("市经信局", "部分报送", 4, 3, 1, ["T4-330800"])]
    assert sv.unreported_units(con, MARCH).loc[0, "missing_items"] == "（一）完成一期"


def test_july_the_unreported_milestone_is_overdue_and_nobody_reported(con):
    items = sv.supervision_items(con, JULY)
    assert listed(items) == [("T4-330800", "逾期", "未报送", False, 31)]
    assert items.loc[0, "note"] == "本期未报送，已逾期31天且无完成记录"
    assert units(sv.unreported_units(con, JULY)) == [
        ("市经信局", "未报送", 4, 0, 4, ["T1-330800", "T3-330802", "T3-330803", "T4-330800"]),
        ("市发改委", "未报送", 1, 0, 1, ["T2-330800"])]
    assert sv.unreported_units(con, JULY).loc[0, "missing_items"] == (
        "（一）新增公共充电桩、（一）柯城区、衢江区充电桩（柯城区）、（一）柯城区、衢江区充电桩（衢江区）、（一）完成一期")


def test_the_as_of_day_decides_overdue_within_the_month(con):
    assert listed(sv.supervision_items(con, date(2024, 6, 30))) == []  # due that day: still on time
    add_upload(con, 2, "市经信局", "2024-07")
    add_report(con, 7, 2, 4, "330800", "2024-07", 1, 0, progress="一期施工中")
    assert listed(sv.supervision_items(con, date(2024, 7, 1))) == [("T4-330800", "逾期", "严重滞后", False, 1)]
    items = sv.supervision_items(con, date(2024, 7, 15))
    assert listed(items) == [("T4-330800", "逾期", "严重滞后", False, 15)]
    assert items.loc[0, "progress_text"] == "一期施工中"


def test_the_worst_come_first(con):
    add_upload(con, 2, "市经信局", "2024-09")
    add_report(con, 7, 2, 1, "330800", "2024-09", 1, 500)    # 50 % against 74.9 %: far behind
    add_report(con, 8, 2, 4, "330800", "2024-09", 1, 0)      # milestone past due: overdue
    add_report(con, 9, 2, 3, "330802", "2024-09", 1, 70)     # 70 % against 74.9 %: on pace
    add_report(con, 10, 2, 3, "330803", "2024-09", 1, 120)   # 60 %: behind
    add_upload(con, 3, "市发改委", "2024-09")
    add_report(con, 11, 3, 2, "330800", "2024-09", 1, 9.2)   # rate 8 % short: behind
    items = sv.supervision_items(con, date(2024, 9, 30))
    assert listed(items) == [("T4-330800", "逾期", "严重滞后", False, 92), ("T1-330800", "严重滞后", "严重滞后", False, None),
                             ("T3-330800", "滞后", "滞后", False, None), ("T2-330800", "滞后", "滞后", False, None)]
    assert sv.unreported_units(con, date(2024, 9, 30)).empty
    jurisdictions = sv.supervision_items(con, date(2024, 9, 30), f.Filters(jurisdictions=("330802", "330803")))
    assert listed(jurisdictions) == [("T3-330803", "滞后", "滞后", False, None)]


def test_sent_back_rows_stay_listed_until_closed_out(con):
    actions.send_back(con, 3, "330802", "王五", "数据不实", date(2024, 4, 30), date(2024, 3, 20))
    items = sv.supervision_items(con, MARCH, f.Filters(jurisdictions=("330802",)))
    assert listed(items) == [("T3-330802", "二次交办", "正常", True, None)]
    assert listed(sv.supervision_items(con, MARCH, categories=("二次交办",))) == []  # whole-city rows by default
    actions.send_back(con, 2, "330800", "王五", "请说明原因", date(2024, 3, 25), date(2024, 3, 20))
    items = sv.supervision_items(con, MARCH)
    assert listed(items) == [("T2-330800", "逾期", "滞后", True, 6)]
    assert listed(sv.supervision_items(con, MARCH, categories=("二次交办",))) == [("T2-330800", "逾期", "滞后", True, 6)]
    assert sv.item_counts(items) == {"逾期": 1, "严重滞后": 0, "滞后": 0, "二次交办": 1}
    actions.close_out(con, 2, "330800", "王五", "已整改", date(2024, 3, 30))
    assert listed(sv.supervision_items(con, MARCH)) == []


def test_a_closed_out_row_needs_no_report(con):
    actions.close_out(con, 4, "330800", "王五", "一期提前完成", date(2024, 3, 15))
    assert sv.unreported_units(con, MARCH).empty
    overview = sv.reporting_overview(con, MARCH)
    assert units(overview) == [("市发改委", "已报送", 1, 1, 0, []), ("市经信局", "已报送", 3, 3, 0, [])]


@pytest.mark.parametrize("filters, expected", [
    (f.Filters(units=("市发改委",)), []),
    (f.Filters(units=("市经信局",)), ["市经信局"]),
    (f.Filters(leaders=("张三",)), ["市经信局"]),
    (f.Filters(year=2023), []),
    (f.Filters(jurisdictions=("330803",)), []),
])
def test_filters_choose_units_and_rows(con, filters, expected):
    assert [u[0] for u in units(sv.unreported_units(con, MARCH, filters))] == expected


def test_unknown_category_names_the_valid_ones(con):
    with pytest.raises(ValueError, match="未知督查类别“超期”：可选逾期、严重滞后、滞后、二次交办"):
        sv.supervision_items(con, MARCH, categories=("超期",))


def test_describe_filters(con):
    assert sv.describe_filters(con, f.Filters()) == "全部"
    assert sv.describe_filters(con, f.Filters(2024, (1,), (1,), ("市发改委",), ("张三",), ("330802",)), ("逾期",)) == (
        "年度：2024；文件：衢测〔2024〕1号；政策领域：一、扩大有效投资政策；责任单位：市发改委；牵头市领导：张三；"
        "县（市、区）：柯城区；督查类别：逾期")
