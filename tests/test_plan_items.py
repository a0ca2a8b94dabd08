import json

import pytest

from loaders.documents import find_headers
from loaders.plan_items import (
    measure_runs, parse_policy_plan, parse_task_list, split_names, task_runs,
)
from loaders.text_clean import clean
from tests.conftest import ROOT

ANNOTATIONS = ROOT / "tests" / "fixtures" / "annotations"


@pytest.fixture(scope="module")
def gazette(gazette_path):
    return clean(gazette_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items(gazette):
    stops = [h.start for h in find_headers(gazette)]
    [plan_run] = measure_runs(gazette)
    [task_run] = task_runs(gazette)
    parsed = parse_policy_plan(gazette, plan_run, stops) + parse_task_list(gazette, task_run, stops)
    return {(i.kind, i.number): i for i in parsed}


def test_exact_structure(items):
    kinds = [k for k, _ in items]
    assert (kinds.count("policy_area"), kinds.count("policy_measure"), kinds.count("work_task")) == (8, 73, 130)
    assert all(not i.problems for i in items.values())


@pytest.mark.parametrize("fixture", ["policy_plan_7hao.json", "work_tasks_10hao.json"])
def test_units_and_leaders_match_the_hand_annotation(items, fixture):
    annotated = json.loads((ANNOTATIONS / fixture).read_text(encoding="utf-8"))["items"]
    for a in annotated:
        mine = items[(a["kind"], a["number"])]
        if "units" in a:
            assert mine.units_raw == a["units"], (a["kind"], a["number"])
        if "lead_leaders" in a:
            assert mine.leaders_raw == a["lead_leaders"], a["number"]
        if a.get("title"):
            assert mine.title == a["title"], (a["kind"], a["number"])


def test_areas(items):
    area = items[("policy_area", 7)]
    assert area.title == "乡村振兴和城乡一体化发展政策"
    assert area.units_raw == ["市农业农村局", "市发改委"]
    assert area.text.text.startswith("深入实施县城承载能力提升")
    assert area.text.text.endswith("2024年，全市城乡居民收入倍差持续下降。")


def test_measures_before_and_after_the_document_header(items):
    fourth, fifth = items[("policy_measure", 4)], items[("policy_measure", 5)]
    assert fourth.area_number == 1 and fifth.area_number == 1
    assert fourth.text.text.endswith("争取使用省级统筹林地定额2000亩。")
    assert "衢政发" not in fourth.text.text
    assert fifth.title == "加强用能要素保障"
    assert items[("policy_measure", 73)].area_number == 8


def test_task_with_units_wrapped_over_lines(items):
    task = items[("work_task", 4)]
    assert task.units_raw == ["市经信局", "市市场监管局", "市农业农村局", "市文旅局", "市营商办", "市税务局"]
    assert task.leaders_raw == ["田俊", "徐利水", "郑河江"]
    assert task.text.text == "迭代升级“四大专项”政策，优化兑现流程、消除落地卡点，力争为市场主体减负70亿元以上。"


def test_a_task_title_does_not_end_at_a_comma_inside_quotation_marks(items):
    """Found by QA: task 95 was titled 完善“人人有事做 (its first comma sits inside the quotation)."""
    assert items[("work_task", 95)].title == "完善“人人有事做，家家有收入”高质量就业创业体系"
    assert items[("work_task", 4)].title == "迭代升级“四大专项”政策"


def test_last_task_stops_before_the_following_table(items):
    task = items[("work_task", 130)]
    assert task.units_raw == ["市司法局"]
    assert task.text.text == "高位创成全国法治政府建设示范市。"


def test_item_text_points_back_to_the_source(gazette_path, items):
    raw = gazette_path.read_text(encoding="utf-8")
    task = items[("work_task", 2)]
    start, end = task.text.source_span()
    assert raw[start:end].replace("\n", "").replace(" ", "").startswith("积极争取和用好国家政策")
    assert raw[start:end].rstrip().endswith("160亿元以上。")


UNSEEN_PLAN = """前言文字。

一、数字经济政策（由市经信局牵头实施）

2025年，数字经济核心产业增加值增长12%以上。

（一）培育企业。新增规上企业

80家。（责任单位：市经信局、各县

（市、区）政府）

（二）建设园区。建成园区2个。（责

任单位：市发改委）

二、开放政策（由市商务局、市发改委牵头实施）

外贸出口增长5%。

（三）办展会。举办展会10场。（责任单位：

市商务局）
"""


def test_an_unseen_policy_plan():
    doc = clean(UNSEEN_PLAN)
    [run] = measure_runs(doc)
    parsed = parse_policy_plan(doc, run, [])
    assert [(i.kind, i.number, i.area_number, i.title, i.units_raw) for i in parsed] == [
        ("policy_area", 1, None, "数字经济政策", ["市经信局"]),
        ("policy_measure", 1, 1, "培育企业", ["市经信局", "各县（市、区）政府"]),
        ("policy_measure", 2, 1, "建设园区", ["市发改委"]),
        ("policy_area", 2, None, "开放政策", ["市商务局", "市发改委"]),
        ("policy_measure", 3, 2, "办展会", ["市商务局"]),
    ]
    assert parsed[0].text.text == "2025年，数字经济核心产业增加值增长12%以上。"


UNSEEN_TASKS = """1．推进项目建设，完成投资100亿元。

牵头市领导：张三

责任单位：市发改委、

市财政局

2．办好民生实事。

牵头市领导：李四、王五

责任单位：市民政局、西湖

区政府、上城区

政府

附件

序号 1 2 3
"""


def test_an_unseen_task_list():
    doc = clean(UNSEEN_TASKS)
    [run] = task_runs(doc)
    parsed = parse_task_list(doc, run, [])
    assert [(i.number, i.text.text, i.leaders_raw, i.units_raw) for i in parsed] == [
        (1, "推进项目建设，完成投资100亿元。", ["张三"], ["市发改委", "市财政局"]),
        (2, "办好民生实事。", ["李四", "王五"], ["市民政局", "西湖区政府", "上城区政府"]),
    ]


def test_numbered_lines_without_units_are_not_a_task_list():
    doc = clean("1．第一点。\n\n2．第二点。\n\n3．第三点。")
    assert task_runs(doc) == []


@pytest.mark.parametrize("text, names", [
    ("市发改委、市财政局", ["市发改委", "市财政局"]),
    ("市 发改委，市财政局；衢控集团", ["市发改委", "市财政局", "衢控集团"]),
    ("各县（市、区）政府、市民政局", ["各县（市、区）政府", "市民政局"]),
    ("", []),
])
def test_split_names(text, names):
    assert split_names(text) == names
