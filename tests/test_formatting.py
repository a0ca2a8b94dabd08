"""How numbers, shares and target phrases read on the dashboard."""
import math
import re

import pytest

from tracker import formatting as fmt
from tracker.task_queries import SourceSegment


@pytest.mark.parametrize("x, text", [(30000, "30,000"), (2.6, "2.6"), (0.1 + 0.2, "0.3"), (None, "—"),
                                     (math.nan, "—"), (-0.0, "0"), (1234.5, "1,234.5")])
def test_number(x, text):
    assert fmt.number(x) == text


@pytest.mark.parametrize("args, text", [((500, None, "个", ">="), "≥500个"), ((1000, 5000, "亩", "range"), "1,000—5,000亩"),
                                        ((25, None, "微克/立方米", "<="), "≤25微克/立方米"), ((3, None, "万亩", "≈"), "约3万亩"),
                                        ((2.6, None, "%", "="), "2.6%"), ((None, None, "", "="), "—")])
def test_target_text(args, text):
    assert fmt.target_text(*args) == text


def test_percent_points_and_periods():
    assert (fmt.percent(0.4524), fmt.percent(None), fmt.points(12.345), fmt.period_label("2024-09")) == (
        "45.2%", "—", "12.3个百分点", "2024年9月")


def test_source_html_escapes_and_marks():
    html = fmt.source_html([SourceSegment("<b>新增", None), SourceSegment("500个", 7)])
    assert html == ('<div style="line-height:1.9">&lt;b&gt;新增'
                    '<mark style="background:#FFE08A;padding:0 2px" data-target="7">500个</mark></div>')


# ---------------------------------------------------------------- no "None", no English, readable charts

from datetime import date, datetime  # noqa: E402

import pandas as pd  # noqa: E402

from tracker import charts  # noqa: E402


def test_display_table_shows_dashes_never_none():
    frame = pd.DataFrame({
        "name": ["市发改委", None], "n": [3, 4], "share": [0.4524, math.nan], "count": [9.0, math.nan],
        "day": pd.to_datetime(["2024-03-27", None]), "sent": [datetime(2024, 4, 3, 9, 0), ""],
        "due": [date(2024, 6, 30), None], "demo": [True, False],
    })
    table = fmt.display_table(frame, percents=("share",))
    assert table.to_dict("list") == {
        "name": ["市发改委", "—"], "n": [3, 4], "share": ["45.2%", "—"], "count": ["9", "—"],
        "day": ["2024-03-27", "—"], "sent": ["2024-04-03 09:00", "—"], "due": ["2024-06-30", "—"],
        "demo": [True, False]}
    assert frame["name"].tolist() == ["市发改委", None]  # the input is left alone


def test_blank_missing_leaves_empty_cells_never_none():
    # an upload's problems: a whole-file problem has no row or column
    problems = pd.DataFrame([{"工作表": "进展", "行": 12, "列": "本月累计值", "问题": "不是数字"},
                             {"工作表": None, "行": None, "列": None, "问题": "不是本单位的模板"}])
    assert fmt.blank_missing(problems).to_dict("list") == {
        "工作表": ["进展", ""], "行": ["12", ""], "列": ["本月累计值", ""], "问题": ["不是数字", "不是本单位的模板"]}
    accounts = pd.DataFrame({"unit": [None, "市发改委"], "active": [True, False], "n": [1, 2],
                             "changed": pd.to_datetime(["2024-04-03 09:00:05", None])})
    table = fmt.blank_missing(accounts)
    assert table.to_dict("list") == {"unit": ["", "市发改委"], "active": [True, False], "n": [1, 2],
                                     "changed": ["2024-04-03 09:00:05", ""]}
    assert table["n"].dtype.kind == "i" and accounts["unit"].tolist() == [None, "市发改委"]


def test_display_table_keeps_gapless_numbers_as_numbers():
    table = fmt.display_table(pd.DataFrame({"n": [1, 2], "x": [1.5, 2.0]}))
    assert table["n"].dtype.kind == "i" and table["x"].tolist() == [1.5, 2.0]


@pytest.mark.parametrize("x, text", [(pd.Timestamp("2024-03-27"), "2024-03-27"), (date(2024, 1, 12), "2024-01-12"),
                                     (None, "—"), (pd.NaT, "—"), ("", "—")])
def test_date_text(x, text):
    assert fmt.date_text(x) == text


@pytest.mark.parametrize("x, text", [(pd.Timestamp("2024-04-03 09:00:05"), "2024-04-03 09:00"),
                                     (datetime(2024, 10, 1, 17, 30), "2024-10-01 17:30"),
                                     (date(2024, 4, 3), "2024-04-03"), (None, "—"), ("", "—")])
def test_datetime_text(x, text):
    assert fmt.datetime_text(x) == text


@pytest.mark.parametrize("kind, label", [
    ("livelihood_allocation", "民生实事任务分解表"), ("livelihood_project", "民生实事项目"),
    ("decision_list", "重大行政决策事项目录"), ("decision", "重大行政决策"), ("work_report", "人大常委会工作报告"),
    ("bulletin", "人大工作简报"), ("count", "数量"), ("something_new", "其他"), (None, "—"),
])
def test_kind_labels_are_chinese(kind, label):
    assert fmt.kind_label(kind) == label


def test_every_kind_label_is_chinese():
    assert all(re.search(r"[A-Za-z_]", label) is None for label in fmt.KIND_LABELS.values())


def test_history_chart_names_its_value_axis_in_words():
    history = pd.DataFrame({"period": ["2024-01", "2024-02"], "reported": [30.0, math.nan],
                            "expected": [40.0, 80.0], "target": [500.0, 500.0]})
    fig = charts.history_chart(history, "1. 新增公共充电桩", "个")
    assert fig.layout.yaxis.title.text == "累计值（个）"
    assert charts.value_axis_title("") == "累计值"


def test_heatmap_draws_targets_as_horizontal_rows():
    long = "新建新能源汽车公共充电桩2万个以上并实现乡镇全覆盖"
    matrix = pd.DataFrame({"21 " + long: [0.5, 1.0], "22 同上另行" + long: [0.25, None]}, index=["柯城区", "衢江区"])
    fig = charts.completion_heatmap(matrix, "完成度")
    heat = fig.data[0]
    assert list(heat.x) == ["柯城区", "衢江区"]
    assert list(heat.y) == ["21 新建新能源汽车公共充电桩2万个以上并实现乡镇全覆盖", "22 同上另行新建新能源汽车公共充电桩2万个以上并实现乡镇…"]
    assert [list(row) for row in heat.z][0] == [0.5, 1.0]
    assert fig.layout.xaxis.tickangle == 0 and fig.layout.xaxis.side == "top"
    assert fig.layout.height == 140 + 22 * 2


def test_heatmap_labels_stay_distinct_when_cut():
    assert charts.HEATMAP_LABEL == 30
    assert charts.heatmap_labels(["a" * 30, "a" * 31, "a" * 32, "b"]) == ["a" * 30, "a" * 29 + "…", "a" * 29 + "…（2）", "b"]


@pytest.mark.parametrize("label, title, name", [("21", "新建公共充电桩", "21 新建公共充电桩"),
                                                ("（四十五）", "改善传统消费", "（四十五）改善传统消费"),
                                                ("一、", "扩大有效投资政策", "一、扩大有效投资政策"), ("3.", "x", "3.x"),
                                                (None, "标题", "标题")])
def test_item_name(label, title, name):
    assert fmt.item_name(label, title) == name
