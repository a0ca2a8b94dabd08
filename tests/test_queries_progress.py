"""The dashboard's domain queries on a tiny hand-made database (tests/dashboard_db.py), exact values."""
import math

import pandas as pd

import pytest

from tests.dashboard_db import add_report, add_upload, make_db
from tracker import filters as f
from tracker import progress_queries as pq
from tracker import queries
from tracker import task_queries as tq
from tracker.settings import StatusSettings

MARCH_PACE = 91 / 366  # 2024-01-01 .. 2024-03-31, whole days inclusive
APRIL_PACE = 121 / 366


@pytest.fixture
def con(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    yield con
    con.close()


def by_target(frame):
    return {(r.target_id, r.jurisdiction_code): r for r in frame.itertuples()}


def test_city_rows_take_the_latest_version_and_judge_each_kind(con):
    status = pq.target_status(con, "2024-03")
    assert list(zip(status["target_id"], status["status"])) == [(2, "滞后"), (1, "正常"), (3, "正常"), (4, "未报送")]
    rows = by_target(status)
    count = rows[(1, "330800")]
    assert count.reported_value == 250  # version 2 replaces version 1
    assert count.actual_share == 0.25
    assert math.isclose(count.expected_share, MARCH_PACE)
    assert math.isclose(count.gap_points, (MARCH_PACE - 0.25) * 100)
    assert count.is_demo
    rate = rows[(2, "330800")]
    assert (rate.reported_value, rate.report_period, rate.gap_points) == (9, "2024-03", pytest.approx(10.0))
    assert rate.note == "最新值9，低于目标值10，差距10.0%"


def test_the_city_row_of_an_allocated_count_adds_up_the_jurisdictions(con):
    city = by_target(pq.target_status(con, "2024-03"))[(3, "330800")]
    assert (city.reported_value, city.unit_name) == (80, "各县（市、区）合计")
    assert math.isclose(city.actual_share, 80 / 300)


def test_a_missing_jurisdiction_report_leaves_the_city_row_unreported(con):
    add_upload(con, 2, "柯城区政府", "2024-04")
    add_report(con, 7, 2, 3, "330802", "2024-04", 1, 60)
    rows = by_target(pq.target_status(con, "2024-04", level=pq.JURISDICTION))
    assert rows[(3, "330802")].status == "正常"  # 60 of 100 against 33.1 %
    assert rows[(3, "330803")].status == "未报送"
    assert by_target(pq.target_status(con, "2024-04"))[(3, "330800")].status == "未报送"


def test_allocation_rows_are_judged_against_their_own_share(con):
    status = pq.target_status(con, "2024-03", level=pq.JURISDICTION)
    assert list(zip(status["jurisdiction_name"], status["target_value"], status["actual_share"])) == [
        ("柯城区", 100, 0.3), ("衢江区", 200, 0.25)]


def test_a_report_from_an_earlier_month_is_not_current_by_default(con):
    assert set(pq.target_status(con, "2024-04")["status"]) == {"未报送"}
    relaxed = pq.target_status(con, "2024-04", settings=StatusSettings(report_fresh_months=1))
    assert list(zip(relaxed["target_id"], relaxed["status"])) == [(2, "滞后"), (1, "滞后"), (3, "滞后"), (4, "未报送")]
    assert math.isclose(by_target(relaxed)[(1, "330800")].gap_points, (APRIL_PACE - 0.25) * 100)


def test_a_later_report_is_ignored_when_looking_at_an_earlier_month(con):
    rate = by_target(pq.target_status(con, "2024-02"))[(2, "330800")]
    assert (rate.reported_value, rate.status) == (8, "滞后")


def test_an_unreported_milestone_past_its_date_is_overdue(con):
    milestone = by_target(pq.target_status(con, "2024-07"))[(4, "330800")]
    assert (milestone.status, milestone.overdue) == ("未报送", True)


def test_a_milestone_reported_done_is_completed(con):
    add_upload(con, 2, "市经信局", "2024-05")
    add_report(con, 7, 2, 4, "330800", "2024-05", 1, 0, status="已完成")
    assert by_target(pq.target_status(con, "2024-05"))[(4, "330800")].status == "已完成"


@pytest.mark.parametrize(
    "filters, expected",
    [
        (f.Filters(), [2, 1, 3, 4]),
        (f.Filters(year=2023), []),
        (f.Filters(doc_ids=(1,)), [2, 1, 3, 4]),
        (f.Filters(area_ids=(1,)), [2, 1, 3, 4]),  # the area's own target and its measure's
        (f.Filters(units=("市发改委",)), [2, 1, 3, 4]),  # lead of the area, cooperating on the measure
        (f.Filters(units=("市经信局",)), [1, 3, 4]),
        (f.Filters(leaders=("张三",)), [1, 3, 4]),
        (f.Filters(leaders=("李四",)), []),
    ],
)
def test_filters_choose_targets(con, filters, expected):
    assert pq.target_status(con, "2024-03", filters)["target_id"].tolist() == expected


def test_a_jurisdiction_filter_shows_that_jurisdictions_allocation_rows(con):
    status = pq.target_status(con, "2024-03", f.Filters(jurisdictions=("330802",)))
    assert list(zip(status["target_id"], status["jurisdiction_code"], status["level"])) == [(3, "330802", "jurisdiction")]


def test_invalid_as_of_month_says_what_is_expected(con):
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        pq.target_status(con, "2024/03")


def test_status_counts_and_group_summary(con):
    status = pq.target_status(con, "2024-03")
    assert pq.status_counts(status) == {"指标": 4, "已完成": 0, "正常": 2, "滞后": 1, "严重滞后": 0, "未报送": 1}
    ranking = pq.group_summary(status, "lead_unit")
    assert ranking[["rank", "lead_unit", "指标", "正常", "滞后", "未报送"]].values.tolist() == [
        [1, "市经信局", 3, 2, 0, 1], [2, "市发改委", 1, 0, 1, 0]]
    assert ranking["正常率"].tolist() == [pytest.approx(2 / 3), 0.0]
    assert ranking.loc[0, "平均完成进度"] == pytest.approx((0.25 + 80 / 300) / 2)
    assert pq.group_summary(status, "leaders")[["leaders", "指标"]].values.tolist() == [["张三", 3]]


def test_most_behind_puts_the_worst_first(con):
    worst = pq.most_behind(pq.target_status(con, "2024-03"))
    assert list(zip(worst["target_id"], worst["status"])) == [(2, "滞后"), (4, "未报送")]


def test_completion_matrix_is_jurisdictions_by_targets(con):
    matrix = pq.completion_matrix(pq.target_status(con, "2024-03", level=pq.JURISDICTION))
    assert matrix.to_dict() == {"1号 （一）柯城区、衢江区充电桩": {"柯城区": 0.3, "衢江区": 0.25}}


@pytest.mark.parametrize("doc_number, doc_title, label, indicator, expected", [
    ("衢政办发〔2024〕10号", "2024年省政府十方面民生实事责任分解（衢州市）", "1", "免费接种流感疫苗", "省民生实事 1．免费接种流感疫苗"),
    ("衢政办发〔2024〕10号", "2024年市政府民生实事责任分解（衢州市）", "1", "“家门口青少年宫”", "市民生实事 1．“家门口青少年宫”"),
    ("衢政办发〔2024〕10号", "2024年政府工作报告重点工作责任分解", "29．", "动态储备工业熟地", "10号 29．动态储备工业熟地"),
    ("衢政发〔2024〕7号", "进一步推动经济高质量发展若干政策的实施方案", "（五十一）", "专项资金", "7号 （五十一）专项资金"),
    (None, "某某工作方案", "3.", "指标", "某某工作方案 3．指标"),
])
def test_heatmap_labels_name_the_document_and_number_items_in_one_style(doc_number, doc_title, label, indicator,
                                                                        expected):
    """QA: "1 “家门口青少年宫”" came after "33 …" (the provincial and the city 民生实事 lists both start at 1) and
    "29．" stood beside "1 ". The SQL of the stored status table gives the same label."""
    import duckdb

    assert pq.heatmap_label(doc_number, doc_title, label, indicator) == expected
    sql = duckdb.connect().execute(f"SELECT {pq.HEATMAP_LABEL_SQL} FROM (SELECT ?::VARCHAR AS doc_number, "
                                   "?::VARCHAR AS doc_title, ?::VARCHAR AS item_label, ?::VARCHAR AS indicator)",
                                   [doc_number, doc_title, label, indicator]).fetchone()[0]
    assert sql == expected


def test_a_target_without_a_share_anywhere_has_no_heatmap_row(con):
    """QA: "3 门诊全流程一次就诊“最多付一次”" (a milestone, judged done or not) was a heatmap row without a cell."""
    status = pq.target_status(con, "2024-03", level=pq.JURISDICTION)
    blank = status.assign(target_id=999, indicator="完成一期", actual_share=float("nan"))
    both = pd.concat([status, blank], ignore_index=True)
    assert list(pq.completion_matrix(both).columns) == ["1号 （一）柯城区、衢江区充电桩"]
    assert pq.blank_targets(both) == 1 and pq.blank_targets(status) == 0


def test_options_for_the_sidebar(con):
    assert f.year_options(con) == [2024]
    assert f.document_options(con)["label"].tolist() == ["衢测〔2024〕1号 测试实施方案"]
    assert f.area_options(con)["label"].tolist() == ["一、扩大有效投资政策"]
    assert f.unit_options(con) == ["市发改委", "市经信局"]
    assert f.leader_options(con) == ["张三"]
    assert f.jurisdiction_options(con)["name"].tolist() == ["柯城区", "衢江区"]
    assert f.report_periods(con, 2024) == ["2024-03", "2024-02"]


@pytest.mark.parametrize("words, expected", [("", [1, 2]), ("充电", [2]), ("1000", [2]), ("%", [1]),
                                               ("充电 300", [2]), ("充电 %", []), ("个", [2])])
def test_search_by_words_number_or_unit(con, words, expected):
    assert tq.search_items(con, words)["item_id"].tolist() == expected


def test_source_text_marks_target_phrases_by_offset(con):
    segments = tq.item_source(con, 2)
    assert [(s.text, s.target_id) for s in segments] == [
        ("（一）建设充电设施。新增公共充电", None), ("桩1000个", 1), ("，其中柯城区、衢江区", None), ("共300个", 3),
        ("；", None), ("6月底前完成一期", 4), ("。（责任单位：市经信局、市发改委）", None)]


def test_cut_segments_ignores_overlaps_and_spans_outside():
    segments = tq.cut_segments("abcdefgh", 1, 7, [(1, 2, 4), (2, 3, 5), (3, 7, 9)])
    assert [(s.text, s.target_id) for s in segments] == [("b", None), ("cd", 1), ("e", 2), ("fg", None)]


def test_item_detail_names_the_responsible(con):
    detail = tq.item_detail(con, 2)
    assert (detail["lead_units"], detail["cooperating_units"], detail["leaders"]) == (["市经信局"], ["市发改委"], ["张三"])
    assert detail["area_title"] == "一、扩大有效投资政策"


def test_history_has_every_month_with_the_expected_pace(con):
    history = tq.target_history(con, 1, None, "2024-04")
    assert history["period"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert history["reported"].fillna(-1).tolist() == [-1, -1, 250, -1]
    assert history["expected"].round(6).tolist() == [round(d / 366 * 1000, 6) for d in (31, 60, 91, 121)]
    assert history["target"].tolist() == [1000] * 4


def test_history_of_a_jurisdiction_uses_its_allocation(con):
    history = tq.target_history(con, 3, "330803", "2024-03")
    assert history["reported"].fillna(-1).tolist() == [-1, -1, 50]
    assert history["target"].tolist() == [200] * 3


def test_history_of_a_rate_has_no_pace_line(con):
    assert tq.target_history(con, 2, None, "2024-03")["expected"].isna().all()


def test_notes_keep_every_version(con):
    notes = tq.item_notes(con, 2)
    assert notes[["seq", "jurisdiction", "value", "version", "progress_text"]].values.tolist() == [
        [1, "衢州市", 250, 2, "更正：已建成250个"], [1, "衢州市", 100, 1, "已建成100个"],
        [2, "柯城区", 30, 1, None], [2, "衢江区", 50, 1, None]]
    assert set(notes["uploaded_by"]) == {"李四"}


def test_notes_stop_at_the_as_of_month(con):
    notes = tq.item_notes(con, 1, "2024-02")
    assert notes[["period", "seq", "value", "version"]].values.tolist() == [["2024-02", 1, 8, 1]]
    assert tq.item_notes(con, 1, "2024-03")["period"].tolist() == ["2024-03", "2024-02"]
    assert tq.item_notes(con, 2, "2024-02").empty


def test_allocation_totals_that_do_not_add_up(con):
    assert queries.allocation_mismatches(con).empty
    con.execute("UPDATE target_allocations SET value = 150 WHERE jurisdiction_code = '330803'")
    mismatch = queries.allocation_mismatches(con)
    assert mismatch[["indicator", "city_value", "allocated", "difference"]].values.tolist() == [
        ["柯城区、衢江区充电桩", 300, 250, -50]]


def test_counts_per_kind(con):
    counts = queries.counts_per_kind(con)
    assert counts.to_dict("records") == [{"doc_number": "衢测〔2024〕1号", "title": "测试实施方案", "item:policy_area": 1,
                                          "item:policy_measure": 1, "target:count": 2, "target:milestone": 1,
                                          "target:rate": 1}]
    assert queries.kind_label("target:count") == "数量类指标"


def test_numbers_for_review_show_their_context(con):
    con.execute("INSERT INTO numbers VALUES (2, '6月', 'unclassified', '未能归类', ?, ?)",
                [con.execute("SELECT source_start FROM targets WHERE target_id = 4").fetchone()[0],
                 con.execute("SELECT source_start + 2 FROM targets WHERE target_id = 4").fetchone()[0]])
    review = queries.numbers_for_review(con)
    assert review[["raw", "reason"]].values.tolist() == [["6月", "未能归类"]]
    assert review.loc[0, "context"] == "其中柯城区、衢江区共300个；6月底前完成一期。（责任单位：市经"


# ---------------------------------------------------------------- dashboard polish (screenshots)


def test_whole_city_history_adds_up_the_jurisdictions_as_the_status_table_does(con):
    # target 3 is reported by 柯城区 and 衢江区 only: the city months are their sums
    history = tq.target_history(con, 3, None, "2024-03")
    assert history["reported"].fillna(-1).tolist() == [-1, -1, 80]
    assert history["target"].tolist() == [300] * 3
    city = by_target(pq.target_status(con, "2024-03"))[(3, "330800")]
    assert history["reported"].iloc[-1] == city.reported_value
    # a month in which one jurisdiction has not reported has no city total, as in the status table
    add_upload(con, 2, "柯城区政府", "2024-04")
    add_report(con, 7, 2, 3, "330802", "2024-04", 1, 60)
    assert tq.target_history(con, 3, None, "2024-04")["reported"].fillna(-1).tolist() == [-1, -1, 80, -1]
    add_report(con, 8, 2, 3, "330803", "2024-04", 1, 70)
    assert tq.target_history(con, 3, None, "2024-04")["reported"].fillna(-1).tolist() == [-1, -1, 80, 130]
    assert by_target(pq.target_status(con, "2024-04"))[(3, "330800")].reported_value == 130


def test_whole_city_history_follows_the_freshness_setting(con):
    fresh = StatusSettings(report_fresh_months=1)
    assert tq.target_history(con, 3, None, "2024-04", fresh)["reported"].fillna(-1).tolist() == [-1, -1, 80, 80]


@pytest.mark.parametrize("values, statuses, kind, expected", [
    ([30.0, 50.0], [None, None], "count", (80.0, "各县（市、区）合计")),
    ([30.0, None], [None, None], "count", None),
    ([96.0, 90.0], [None, None], "rate", (90.0, "各县（市、区）最差值")),   # every place must reach it
    ([96.0, None], [None, None], "rate", None),
    ([30.0, 25.0], [None, None], "limit", (30.0, "各县（市、区）最差值")),   # the highest under a ceiling
    ([0.0, 0.0], ["已完成", "已完成"], "milestone", (0.0, "已完成")),
    ([0.0, 0.0], ["已完成", None], "milestone", (0.0, "各县（市、区）合计")),
    ([], [], "count", None),
])
def test_summed_city_report(values, statuses, kind, expected):
    assert pq.summed_city_report(kind, values, statuses) == expected


def test_summed_city_report_of_an_at_most_rate_takes_the_highest():
    assert pq.summed_city_report("rate", [3.0, 5.0], [None, None], "<=") == (5.0, pq.WORST_PLACE)


def test_the_city_row_of_a_rate_every_place_must_reach_takes_the_place_furthest_from_it(con):
    """A rate reported per place only (allocated: 随迁子女就读公办学校比例 ≥95% in each place, or led by one
    zone) was 未报送 city-wide every month, on 总览 and 部门, though every place had reported."""
    con.executemany("INSERT INTO target_allocations (target_id, jurisdiction_code, value) VALUES (?, ?, ?)",
                    [(2, "330802", 10), (2, "330803", 12)])
    add_upload(con, 2, "柯城区政府", "2024-04")
    add_report(con, 7, 2, 2, "330802", "2024-04", 1, 11, status="正常")
    assert by_target(pq.target_status(con, "2024-04"))[(2, "330800")].status == "未报送"   # 衢江区 missing
    add_upload(con, 3, "衢江区政府", "2024-04")
    add_report(con, 8, 3, 2, "330803", "2024-04", 1, 8.5, status="滞后")
    city = by_target(pq.target_status(con, "2024-04"))[(2, "330800")]
    assert (city.status, city.reported_value, city.unit_name, city.reported_status, city.report_period) == (
        "滞后", 8.5, pq.WORST_PLACE, pq.WORST_PLACE, "2024-04")
    assert city.note == "最新值8.5，低于目标值10，差距15.0%"
    # the whole-city reports of February and March were made before the target was allocated: kept, not
    # counted (an allocated target's city is its places, as in the status table)
    assert tq.target_history(con, 2, None, "2024-04")["reported"].fillna(-1).tolist() == [-1, -1, -1, 8.5]

    con.execute("DELETE FROM target_allocations WHERE target_id = 2 AND jurisdiction_code = '330803'")
    city = by_target(pq.target_status(con, "2024-04"))[(2, "330800")]   # one place: its report
    assert (city.status, city.reported_value, city.unit_name, city.reported_status) == ("正常", 11, "柯城区政府", "正常")


@pytest.mark.parametrize("kind, unit, listed", [
    ("count", "个", True), ("level", "个", True), ("rate", "%", False), ("limit", "%", False),
    ("count", "%", False),
])
def test_only_additive_targets_are_checked_against_their_allocations(con, kind, unit, listed):
    # 95 % in every county is not 190 % for the city (the 数据质量 page once listed 95 % vs 685)
    con.execute("UPDATE targets SET kind = ?, unit = ?, value = 95 WHERE target_id = 3", [kind, unit])
    con.execute("UPDATE target_allocations SET value = 95 WHERE target_id = 3")
    mismatch = queries.allocation_mismatches(con)
    assert mismatch[["indicator", "city_value", "allocated"]].values.tolist() == (
        [["柯城区、衢江区充电桩", 95, 190]] if listed else [])


@pytest.mark.parametrize("words, expected", [("市发改委", [1, 2]), ("市经信局", [2]), ("张三", [2]),
                                               ("市发改委 充电", [2]), ("市发改委 %", [1]), ("李四", [])])
def test_search_by_responsible_unit_or_leader(con, words, expected):
    assert tq.search_items(con, words)["item_id"].tolist() == expected


def test_search_results_name_every_responsible_unit(con):
    found = tq.search_items(con, "张三")
    assert found[["lead_unit", "units", "leaders"]].values.tolist() == [["市经信局", "市经信局、市发改委", "张三"]]


def test_a_count_allocated_zero_to_a_place_is_no_row_to_report_or_judge(con):
    """“市本级 0” in a 民生实事 table: 13 of 市本级's 22 rows were such zeros, reported 0 they were 已完成 and
    ranked 市本级 first among the places, unreported they were chased."""
    from datetime import date

    from tracker import supervision as sv
    from tracker.reporting import all_rows

    con.execute("UPDATE target_allocations SET value = 0 WHERE target_id = 3 AND jurisdiction_code = '330803'")
    assert [r.row_id for r in all_rows(con, "2024-04") if r.target_id == 3] == ["T3-330802"]
    add_upload(con, 2, "柯城区政府", "2024-04")
    add_report(con, 7, 2, 3, "330802", "2024-04", 1, 60)
    places = pq.target_status(con, "2024-04", level=pq.JURISDICTION)
    assert places[["target_id", "jurisdiction_code"]].values.tolist() == [[3, "330802"]]
    city = by_target(pq.target_status(con, "2024-04"))[(3, "330800")]
    assert (city.reported_value, city.unit_name) == (60, "各县（市、区）合计")   # the place that has work to do
    assert "T3-330803" not in {r for rows in sv.reporting_overview(con, date(2024, 4, 30))["missing_rows"]
                               for r in rows}
    con.execute("UPDATE targets SET kind = 'rate' WHERE target_id = 3")   # a rate of 0 is a level to hold
    assert [r.row_id for r in all_rows(con, "2024-04") if r.target_id == 3] == ["T3-330802", "T3-330803"]
