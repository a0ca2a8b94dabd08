"""Every page runs headless through AppTest.

Two databases: the tiny hand-made one of tests/dashboard_db.py, where every figure on a
page is known exactly, and the real one built from the shipped sources with the seeded
demo progress, where the pages must agree with the domain queries.
"""
import base64
import functools
import json
import re
import shutil

import duckdb
import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders.build import build
from tests.conftest import ROOT
from tests.dashboard_db import add_report, add_upload, make_db
from tracker import progress_queries as pq
from tracker import page_blocks as blocks, page_data, queries
from tracker import filters as queries_filters
from tracker.filters import Filters
from tracker.db import connect

PAGES = ["pages/overview.py", "pages/departments.py", "pages/jurisdictions.py", "pages/leaders.py",
         "pages/tasks.py", "pages/data_quality.py", "pages/loaded.py"]
TITLES = ["总览", "部门", "县（市、区）", "牵头市领导", "任务", "数据质量", "已加载文件"]


@pytest.fixture(scope="module")
def built_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("pages") / "tracker.duckdb"
    assert build(path).ok
    return path


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def real_db(built_db, tmp_path, monkeypatch):
    path = tmp_path / "tracker.duckdb"
    shutil.copy(built_db, path)
    monkeypatch.setenv("TRACKER_DB", str(path))
    return path


@pytest.fixture
def tiny_db(tmp_path, monkeypatch):
    path = tmp_path / "tiny.duckdb"
    make_db(path).close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    return path


def run(script: str = "dashboard.py", page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame(at: AppTest, *columns: str, nth: int = 0):
    """The nth table holding all these columns (AppTest does not expose a dataframe's key)."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) > nth, f"no table #{nth} with columns {columns}"
    return found[nth]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def headers(at: AppTest) -> list[str]:
    return [h.value for h in at.header]


# ---------------------------------------------------------------- the real database, demo progress


@pytest.mark.parametrize("page, title", zip(PAGES, TITLES))
def test_every_page_runs_on_the_real_database(real_db, page, title):
    at = run(page=page)
    assert at.title[0].value == title


def test_dashboard_opens_on_the_overview_at_the_latest_reported_month(real_db):
    at = run()
    assert at.title[0].value == "总览"
    assert at.selectbox(key="f_as_of").value == "2024-09"
    assert at.caption[0].value == "截至2024年9月，全市指标"
    assert "演示数据" in at.warning[0].value
    assert headers(at) == ["状态分布", "完成进度与时序进度", "最滞后的指标"]


def test_a_few_early_reports_for_a_new_month_do_not_move_everyone_to_it(real_db):
    """One unit's October upload made the dashboard open on October, nearly every target 未报送."""
    con = connect(real_db)
    try:
        con.execute("""INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by,
                                            outcome, n_rows, n_accepted, n_rejected)
                       VALUES (9001, '市商务局', '2024-10', 'x.xlsx', 'x', 'test', 'accepted', 1, 1, 0)""")
        add_report(con, 900001, 9001, 1, "330800", "2024-10", 1, 1)
    finally:
        con.close()
    con = connect(real_db, read_only=True)
    try:
        september = queries_filters.reporting_units(con, 2024)["2024-09"]
    finally:
        con.close()
    assert september > 30
    at = run()
    assert at.selectbox(key="f_as_of").value == "2024-09"
    assert at.selectbox(key="f_as_of").options[:4] == [
        "2024年12月 · 0家", "2024年11月 · 0家", "2024年10月 · 1家", f"2024年9月 · {september}家"]
    assert f"2024年9月已有{september}个单位报送" in [c.value for c in at.sidebar.caption]


def test_overview_cards_agree_with_the_status_query(real_db):
    con = connect(real_db)
    expected = pq.status_counts(pq.target_status(con, "2024-09"))
    con.close()
    at = run()
    assert metrics(at) == {k: str(v) for k, v in expected.items()}
    assert int(metrics(at)["指标"]) > 200


def test_jurisdictions_page_compares_people_s_congress_work(real_db):
    at = run(page="pages/jurisdictions.py")
    npc = frame(at, "县（市、区）", "年份")
    assert npc["县（市、区）"].tolist()[:3] == ["衢州市", "柯城区", "衢江区"]
    assert "杭州市" not in npc["县（市、区）"].tolist()
    at.multiselect(key="f_jurisdictions").select("330822")
    rerun(at)
    assert frame(at, "县（市、区）", "年份")["县（市、区）"].tolist() == ["衢州市", "常山县"]


def test_jurisdictions_page_shows_the_drinking_water_inquiry_with_its_sources(real_db):
    at = run(page="pages/jurisdictions.py")
    assert "专题询问：农村饮用水安全保障" in [h.value for h in at.subheader]
    inquiry = frame(at, "性质", "指标", "原句")
    assert len(inquiry) == 26
    assert inquiry[["性质", "年份", "县（市、区）", "指标", "数值", "单位", "条件"]].values.tolist()[:1] == [
        ["目标/计划", "2023—2025", "衢州市", "总投资", 24.9, "亿元", ""]]
    assert inquiry.loc[inquiry["指标"] == "开工率", ["性质", "数值", "条件"]].values.tolist() == [
        ["目标/计划", 70.0, "≥"], ["进展/现状", 46.4, ""]]
    assert {"原文", "来源文件", "起", "止"} <= set(inquiry.columns)
    # as a figure is said (开工率 ≥ 70 %), the texts without the PDF's blanks, the stations named, the
    # programme's money over its years, 约数 as text (not a column of empty check boxes)
    assert list(inquiry.columns[3:8]) == ["指标", "条件", "约数", "数值", "单位"]
    assert inquiry.loc[inquiry["指标"] == "开工率", "原文"].tolist() == ["省里要求年底开工率要达到70%以上", "项目开工率46.4%"]
    assert inquiry.loc[inquiry["县（市、区）"] == "衢江区", "原文"].tolist() == ["衢江区300万元"]
    assert inquiry["原文"].tolist()[1] == "我市计划实施17个城市管网延伸"
    assert inquiry["指标"].tolist()[5:8] == ["单村水站已审批并开工", "单村水站已审批未开工", "单村水站未完成审批"]
    assert inquiry.loc[inquiry["指标"].isin(["国企融资", "专项债和一般债"]), "年份"].tolist() == ["2023—2025"] * 2
    assert inquiry["约数"].tolist() == [""] * 26
    at.multiselect(key="f_jurisdictions").select("330822")
    rerun(at)
    kept = frame(at, "性质", "指标", "原句")
    assert kept["县（市、区）"].unique().tolist() == ["衢州市", "常山县"]
    assert kept.loc[kept["县（市、区）"] == "常山县", ["指标", "数值"]].values.tolist() == [["财政安排工作经费", 513.0]]


@pytest.mark.parametrize("limit", [None, 5, 100])
def test_the_heatmap_shows_the_first_targets_and_says_how_many_there_are(real_db, monkeypatch, limit):
    if limit:
        monkeypatch.setattr(page_data, "HEATMAP_TARGETS", limit)
    at = run(page="pages/jurisdictions.py")
    con = connect(real_db)
    try:
        year = max(r[0] for r in con.execute("SELECT year FROM documents WHERE year IS NOT NULL").fetchall())
        as_of = max(r[0] for r in con.execute("SELECT period FROM progress_reports WHERE period LIKE ?",
                                               [f"{year}-%"]).fetchall())
        expected = pq.completion_matrix(pq.live_status(con, as_of, Filters(year=year), level=pq.JURISDICTION))
    finally:
        con.close()
    heatmap, = [trace for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]
                if trace["type"] == "heatmap"]
    cut = [c.value for c in at.caption if "热力图显示前" in c.value]
    # 58 targets with rows of places (43, and 15 tasks tracked as a whole that county governments are listed on);
    # the heatmap keeps the 43 with a completion share in some place: not the 门诊 milestone nor the 14 of those
    # tasks no county has reported 已完成 (test_the_heatmap_rows_all_have_cells_and_name_their_list)
    assert expected.shape[1] == 43
    shown = limit or page_data.HEATMAP_TARGETS
    if shown < expected.shape[1]:
        assert cut == [f"共 {expected.shape[1]} 项指标，热力图显示前 {shown} 项；可在左侧按文件、政策领域或责任单位筛选，查看其余指标。"]
        assert len(heatmap["y"]) == shown
    else:
        assert cut == []
        assert len(heatmap["y"]) == expected.shape[1]
    assert heatmap["x"] == list(expected.index)


def test_changing_the_month_changes_the_overview(real_db):
    at = run()
    september = metrics(at)
    at.selectbox(key="f_as_of").select("2024-12")
    rerun(at)
    december = metrics(at)
    assert december["指标"] == september["指标"]
    assert int(december["未报送"]) > int(september["未报送"])  # nobody has reported December yet


def loaded_counts(path) -> tuple[int, int, int]:
    """Documents, items and quantified targets (the whole-item rows apart, :func:`loaded_whole_items`)."""
    con = connect(path)
    documents = queries.loaded_documents(con)
    whole = con.execute("SELECT count(*) FROM targets WHERE whole_item").fetchone()[0]
    con.close()
    return len(documents), int(documents["n_items"].sum()), int(documents["n_targets"].sum()) - whole


def loaded_whole_items(path) -> int:
    con = connect(path)
    try:
        return con.execute("SELECT count(*) FROM targets WHERE whole_item").fetchone()[0]
    finally:
        con.close()


def test_loaded_page_lists_documents_and_targets(real_db):
    n_docs, n_items, n_targets = loaded_counts(real_db)
    assert n_docs >= 7
    at = run("pages/loaded.py")
    assert (n_targets, loaded_whole_items(real_db)) == (299, 95)
    assert at.caption[0].value == f"共 {n_docs} 份文件，{n_items} 个条目，299 个量化指标，95 项整项任务（无量化指标）"
    documents = frame(at, "doc_number", "file_name")
    assert documents["doc_number"].tolist()[:3] == ["衢政发〔2024〕7号", "衢政办发〔2024〕9号", "衢政办发〔2024〕10号"]
    targets = frame(at, "item_label", "indicator")
    assert targets["item_label"].iloc[0] == "一、"


def test_choosing_another_document_changes_the_target_list(real_db):
    at = run("pages/loaded.py")
    first = frame(at, "item_label", "indicator")
    at.selectbox(key="doc_select").select(3).run()
    second = frame(at, "item_label", "indicator")
    assert second["item_label"].iloc[0] != first["item_label"].iloc[0]


def test_dashboard_builds_its_database_when_missing(tmp_path, monkeypatch):
    path = tmp_path / "new" / "tracker.duckdb"
    monkeypatch.setenv("TRACKER_DB", str(path))
    at = run(page="pages/data_quality.py")
    st.cache_resource.clear()
    n_docs, n_items, n_targets = loaded_counts(path)
    assert n_docs >= 7
    assert (n_targets, loaded_whole_items(path)) == (299, 95)
    assert at.caption[0].value == f"共 {n_docs} 份文件，{n_items} 个条目，299 个量化指标，95 项整项任务（无量化指标）"
    # a newcomer sees a living dashboard: the demo progress is there too, as `loaders build` adds it
    # (483 uploads: 367 before the whole-item rows, 116 more from the 14 units whose only rows are such tasks)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*), bool_and(is_demo) FROM uploads").fetchone() == (483, True)
    finally:
        con.close()


# ---------------------------------------------------------------- the tiny database, exact figures


def test_overview_shows_exact_cards_and_the_demo_label(tiny_db):
    at = run()
    assert metrics(at) == {"指标": "4", "已完成": "0", "正常": "2", "滞后": "1", "严重滞后": "0", "未报送": "1"}
    assert at.caption[0].value == "截至2024年3月，全市指标"
    assert at.warning[0].value.startswith("演示数据")
    worst = frame(at, "说明")
    assert worst[["指标", "目标", "报送值", "状态"]].values.tolist() == [
        ["固定资产投资增长", "≥10%", "9%", "滞后"], ["完成一期", "—", "—", "未报送"]]


def test_real_reports_carry_no_demo_label(tiny_db):
    con = connect(tiny_db)
    con.execute("UPDATE uploads SET is_demo = false")
    con.close()
    assert not run().warning


@pytest.mark.parametrize(
    "key, choice, cards",
    [
        ("f_units", "市经信局", {"指标": "3", "正常": "2", "未报送": "1"}),
        ("f_leaders", "张三", {"指标": "3", "正常": "2", "未报送": "1"}),
        ("f_jurisdictions", "330803", {"指标": "1", "正常": "1", "未报送": "0"}),
    ],
)
def test_sidebar_filters_change_the_overview(tiny_db, key, choice, cards):
    at = run()
    at.multiselect(key=key).select(choice)
    rerun(at)
    shown = metrics(at)
    assert {k: shown[k] for k in cards} == cards


def test_a_filter_carries_over_to_the_other_pages(tiny_db):
    at = run()
    at.multiselect(key="f_units").select("市经信局")
    rerun(at)
    at.switch_page("pages/departments.py")
    rerun(at)
    ranking = frame(at, "排名", "牵头单位")
    assert ranking["牵头单位"].tolist() == ["市经信局"]


def test_changing_the_month_to_one_without_reports(tiny_db):
    at = run()
    assert at.selectbox(key="f_as_of").value == "2024-03"
    at.selectbox(key="f_as_of").select("2024-04")
    rerun(at)
    assert metrics(at)["未报送"] == "4"
    assert at.caption[0].value == "截至2024年4月，全市指标"


def test_an_upload_shows_up_at_once(tiny_db):
    at = run()
    assert metrics(at)["未报送"] == "1"
    con = connect(tiny_db)
    add_upload(con, 2, "市经信局", "2024-03")
    add_report(con, 7, 2, 4, "330800", "2024-03", 1, None, status="已完成")
    con.close()
    st.cache_resource.clear()  # the test wrote through its own connection; the app reopens the file
    rerun(at)
    assert (metrics(at)["未报送"], metrics(at)["已完成"]) == ("0", "1")


def test_departments_page_ranks_and_drills_down(tiny_db):
    at = run(page="pages/departments.py")
    ranking = frame(at, "排名", "牵头单位")
    assert ranking[["排名", "牵头单位", "指标", "正常", "滞后", "未报送"]].values.tolist() == [
        [1, "市经信局", 3, 2, 0, 1], [2, "市发改委", 1, 0, 1, 0]]
    assert frame(at, "说明")["指标"].tolist() == [
        "新增公共充电桩", "柯城区、衢江区充电桩", "完成一期"]
    at.selectbox(key="department_select").select("市发改委")
    rerun(at)
    assert frame(at, "说明")["指标"].tolist() == ["固定资产投资增长"]


def test_leaders_page(tiny_db):
    at = run(page="pages/leaders.py")
    ranking = frame(at, "排名", "牵头市领导")
    assert ranking[["排名", "牵头市领导", "指标", "正常", "未报送"]].values.tolist() == [
        ["1", "张三", 3, 2, 1], ["—", "（无牵头市领导）", 1, 0, 0]]   # target 2: its area names no leader
    assert len(frame(at, "说明")) == 3


def test_jurisdictions_page_shows_allocations_heatmap_and_npc_placeholder(tiny_db):
    at = run(page="pages/jurisdictions.py")
    assert headers(at) == ["县（市、区）排名", "完成度热力图", "分解任务与进度", "人大工作对比"]
    ranking = frame(at, "排名", "县（市、区）")
    assert ranking[["县（市、区）", "指标", "正常"]].values.tolist() == [["柯城区", 1, 1], ["衢江区", 1, 1]]
    targets = frame(at, "说明", "县（市、区）")
    assert targets[["县（市、区）", "目标", "报送值", "完成进度"]].values.tolist() == [["柯城区", "≥100个", "30个", 0.3]]
    assert any("人大常委会工作数据尚未加载" in i.value for i in at.info)  # the tiny database has no NPC facts


def test_task_page_searches_and_shows_one_task(tiny_db):
    at = run(page="pages/tasks.py")
    assert at.caption[0].value == "找到 2 项任务"
    at.text_input(key="task_search").input("充电")
    rerun(at)
    assert at.caption[0].value == "找到 1 项任务"
    assert at.header[0].value == "（一）建设充电设施"
    source = next(m.value for m in at.markdown if "<mark" in m.value)
    assert source.count("<mark") == 3 and 'data-target="1">桩1000个</mark>' in source
    responsibility = " ".join(m.value for m in at.markdown)
    assert "**牵头单位**  \n市经信局" in responsibility and "**牵头市领导**  \n张三" in responsibility
    targets = frame(at, "说明")
    assert targets[["指标", "报送值", "状态"]].values.tolist() == [
        ["新增公共充电桩", "250个", "正常"], ["柯城区、衢江区充电桩", "80个", "正常"], ["完成一期", "—", "未报送"]]
    assert len(frame(at, "说明", "县（市、区）")) == 2
    notes = frame(at, "版本", "进展情况")
    assert notes[["累计值", "版本", "进展情况", "存在问题"]].values.tolist()[:2] == [
        [250.0, 2, "更正：已建成250个", "选址难"], [100.0, 1, "已建成100个", "—"]]  # "—", never "None"


def test_a_task_tracked_as_a_whole_is_named_once_in_the_monthly_chart(real_db):
    """Found by review: a whole-item row's phrase is its indicator, so the 月度进度 list and chart read
    "1. 抓好南湖广场文旅综合体开业（抓好南湖广场文旅综合体开业）"."""
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("南湖广场文旅综合体开业")
    rerun(at)
    assert at.caption[0].value == "找到 1 项任务"
    assert at.selectbox(key="task_target").options == ["1. 抓好南湖广场文旅综合体开业"]
    assert blocks.target_label(2, "新增公共充电桩", "公共充电桩1000个") == "2. 新增公共充电桩（公共充电桩1000个）"
    assert blocks.target_label(1, "完成一期", "") == "1. 完成一期"


def test_task_page_history_follows_the_chosen_scope(tiny_db):
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("充电")
    rerun(at)
    at.selectbox(key="task_target").select(3)
    rerun(at)
    assert at.selectbox(key="task_scope").options == ["全市", "柯城区", "衢江区"]
    at.selectbox(key="task_scope").select("330803")
    rerun(at)
    assert not at.exception


def test_task_notes_stop_at_the_as_of_month(tiny_db):
    at = run()
    at.selectbox(key="f_as_of").select("2024-02")
    rerun(at)
    at.switch_page("pages/tasks.py")
    rerun(at)
    at.text_input(key="task_search").input("投资")
    rerun(at)
    notes = frame(at, "版本", "进展情况")
    assert notes[["报送期", "指标", "累计值", "版本"]].values.tolist() == [["2024-02", "固定资产投资增长", 8.0, 1]]
    assert "列出截至2024年2月的报送（含更正）；之后月份的报送不列出。" in [c.value for c in at.caption]


def test_task_history_of_a_milestone_says_why_there_is_no_chart(tiny_db):
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("充电")
    rerun(at)
    at.selectbox(key="task_target").select(4)
    rerun(at)
    assert "里程碑类指标按完成与否研判，无月度数值。" in [i.value for i in at.info]
    assert not at.get("plotly_chart")


def test_task_history_title_shows_the_chosen_scope_s_target(tiny_db):
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("充电")
    rerun(at)
    at.selectbox(key="task_target").select(3)
    rerun(at)
    assert chart(at)["layout"]["title"]["text"] == "2. 柯城区、衢江区充电桩（共300个）"
    at.selectbox(key="task_scope").select("330803")
    rerun(at)
    fig = chart(at)
    assert fig["layout"]["title"]["text"] == "2. 柯城区、衢江区充电桩（衢江区：≥200个）"
    assert _array(next(t for t in fig["data"] if t["name"] == "目标值")["y"]) == [200.0] * 3


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/departments.py", "pages/leaders.py",
                                  "pages/jurisdictions.py"])
def test_the_caption_names_the_chosen_counties(tiny_db, page):
    at = run()
    at.switch_page(page)
    rerun(at)
    scope = "各县（市、区）的任务" if page == "pages/jurisdictions.py" else "全市指标"
    assert at.caption[0].value == f"截至2024年3月，{scope}"
    at.multiselect(key="f_jurisdictions").select("330802")
    rerun(at)
    assert at.caption[0].value == "截至2024年3月，柯城区的任务"
    at.multiselect(key="f_jurisdictions").select("330803")
    rerun(at)
    assert at.caption[0].value == "截至2024年3月，柯城区、衢江区的任务"


def test_data_quality_page(tiny_db):
    at = run(page="pages/data_quality.py")
    assert headers(at) == ["已加载文件", "各类条目与指标数量", "待复核的数字（0）", "分解数之和与全市目标不一致（0）",
                           "加载时记录的问题（0）", "累计值低于前期的报送（0）", "上传记录（1）"]
    uploads = frame(at, "上传人")
    assert uploads[["报送单位", "数据类型", "结果"]].values.tolist() == [["市经信局", "演示数据", "已接收"]]
    kinds = frame(at, "政策领域")
    assert kinds.columns.tolist() == ["文号", "标题", "政策领域", "政策措施", "数量类指标", "节点类指标", "比率类指标"]


# ---------------------------------------------------------------- what the screenshots showed (polish)

import pandas as pd  # noqa: E402

from tracker import task_queries as tq  # noqa: E402
from tracker.formatting import KIND_LABELS  # noqa: E402


def chart(at: AppTest, nth: int = -1) -> dict:
    """The nth plotly figure of the page as the browser gets it (its JSON spec)."""
    return json.loads(at.get("plotly_chart")[nth].proto.spec)


def _array(values) -> list:
    """A plotly JSON array: a list, or {"dtype", "bdata"} (base64 of a typed array)."""
    if isinstance(values, dict):
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [None if isinstance(v, float) and v != v else v for v in values]


def bar_values(spec: dict) -> tuple[list, list]:
    """x and y of the figure's bars; NaN (no value that month) as None."""
    bars = next(t for t in spec["data"] if t["type"] == "bar")
    return _array(bars["x"]), _array(bars["y"])


@pytest.mark.parametrize("page, columns, rows", [
    ("pages/departments.py", ["牵头单位", "正常率", "平均完成进度", "平均时序进度"],
     [["市经信局", "66.7%", "25.8%", "24.9%"], ["市发改委", "0.0%", "—", "—"]]),  # a rate only: no mean progress
    ("pages/leaders.py", ["牵头市领导", "正常率", "平均完成进度"],
     [["张三", "66.7%", "25.8%"], ["（无牵头市领导）", "0.0%", "—"]]),  # target 2: its area names no leader
    ("pages/jurisdictions.py", ["县（市、区）", "正常率", "平均完成进度"],
     [["柯城区", "100.0%", "30.0%"], ["衢江区", "100.0%", "25.0%"]]),
])
def test_rankings_show_shares_and_dashes_never_none(tiny_db, page, columns, rows):
    ranking = frame(run(page=page), "排名", *columns)
    assert ranking[columns].values.tolist() == rows


def test_department_totals_match_the_overview(real_db):
    # target 272 (18 新（改）建城市雨水管网) names county governments only: it was on no department's list
    at = run()
    assert metrics(at)["指标"] == "394"   # 299 targets of the texts and sheets, 95 tasks tracked as a whole
    at.switch_page("pages/departments.py")
    rerun(at)
    ranking = frame(at, "排名", "牵头单位")
    assert int(ranking["指标"].sum()) == 394
    assert ranking[["排名", "牵头单位", "指标", "未报送"]].values.tolist()[-1] == ["—", "（无牵头单位）", 1, 1]
    at.selectbox(key="department_select").select("（无牵头单位）")
    rerun(at)
    assert frame(at, "说明")[["序号", "指标", "状态"]].values.tolist() == [["18", "新（改）建城市雨水管网", "未报送"]]


def test_leaders_page_lists_targets_without_a_leader(real_db):
    at = run()
    at.multiselect(key="f_jurisdictions").select("330802")
    rerun(at)
    at.switch_page("pages/leaders.py")
    rerun(at)
    assert "没有符合筛选条件的指标。" not in [i.value for i in at.info]
    ranking = frame(at, "排名", "牵头市领导")
    # 37: 柯城区's rows of targets 91, 116, 117 (7号 measures) and 289 (民生实事), set for each county; and the
    # rows of five tasks 柯城区政府 is listed on that are tracked as a whole, with their leaders
    assert ranking[["排名", "牵头市领导", "指标"]].values.tolist() == [
        ["1", "周卫兵", 1], ["2", "张晓峰", 1], ["3", "徐利水", 2], ["4", "杨圆华", 1], ["—", "（无牵头市领导）", 37]]
    at.selectbox(key="leader_select").select("（无牵头市领导）")
    rerun(at)
    assert len(frame(at, "说明", "县（市、区）")) == 37


def test_task_search_finds_responsible_units_and_leaders(tiny_db):
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("市发改委")
    rerun(at)
    assert at.caption[0].value == "找到 2 项任务"
    assert frame(at, "责任单位")[["序号", "牵头单位", "责任单位", "牵头市领导"]].values.tolist() == [
        ["一、", "市发改委", "市发改委", "—"], ["（一）", "市经信局", "市经信局、市发改委", "张三"]]


def test_task_history_of_the_whole_city_adds_up_the_jurisdictions(tiny_db):
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("充电")
    rerun(at)
    at.selectbox(key="task_target").select(3)
    rerun(at)
    assert at.selectbox(key="task_scope").value == ""  # 全市
    fig = chart(at)
    assert bar_values(fig) == (["2024-01", "2024-02", "2024-03"], [None, None, 80.0])
    assert fig["layout"]["yaxis"]["title"]["text"] == "累计值（个）"
    assert any("各县（市、区）当月报送之和" in c.value for c in at.caption)


def open_real_task(db, words: str, label: str) -> AppTest:
    """The 任务 page on ``db`` showing the item labelled ``label`` among those ``words`` find."""
    con = connect(db)
    found = tq.search_items(con, words)
    con.close()
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input(words)
    rerun(at)
    at.selectbox(key="task_select").select(found.loc[found["label"] == label, "item_id"].iloc[0])
    return rerun(at)


def test_the_real_task_page_draws_the_charging_piles_of_the_counties(real_db):
    # 民生实事 item 21 (充电桩) is reported by the counties only; its whole-city history was empty
    at = open_real_task(real_db, "充电桩 市发改委", "21")
    assert at.header[0].value == "21 新建新能源汽车公共充电桩2万个以上"
    assert bar_values(chart(at))[1] == [None, None, 112.0, 148.0, 186.0, 222.0, 261.0, 299.0, 336.0]


def test_the_task_page_says_a_target_is_set_for_each_county(real_db):
    # （五十九）: 各县（市、区）入围“263共富农产品”2个以上 is 12 for the city, made of six counties' 2
    at = open_real_task(real_db, "263共富农产品", "（五十九）")
    assert [i.value for i in at.info if i.value.startswith("指标")] == [
        "指标1（各县（市、区）入围“263共富农产品”）：各县（市、区）各2个以上，由各县（市、区）分别填报；"
        "全市目标12个为推算（6个县（市、区）合计）",
        "指标2（支持各县（市、区）新建党建联建共富综合体项目）：各县（市、区）各1个，由各县（市、区）分别填报；"
        "全市目标6个为推算（6个县（市、区）合计）"]


def test_the_task_page_says_a_task_without_figures_is_tracked_as_a_whole(real_db):
    # 43．抓好南湖广场文旅综合体开业: no number, no date; its row is the task as a whole (loaders/whole_items.py)
    at = open_real_task(real_db, "南湖广场", "43．")
    assert at.header[0].value == "43．抓好南湖广场文旅综合体开业"
    assert [i.value for i in at.info if i.value.startswith("指标")] == [
        "指标1（抓好南湖广场文旅综合体开业）：整项任务（无量化指标，年底前完成）。原文没有数字或期限，本任务作为一个"
        "整体跟踪：责任单位每月报送进展情况和状态，完成后报“已完成”；2024年12月31日前未完成即为逾期。"]


def test_supervision_upload_times_are_one_type(tiny_db):
    con = connect(tiny_db)
    add_upload(con, 2, "市经信局", "2024-04")
    con.close()
    at = run()
    at.selectbox(key="f_as_of").select("2024-04")
    rerun(at)
    at.switch_page("pages/supervision.py")
    rerun(at)
    units = frame(at, "最近上传时间")
    assert units[["报送单位", "最近上传时间"]].values.tolist() == [["市经信局", "2024-04-03 09:00"], ["市发改委", "—"]]


def test_loaded_page_writes_targets_and_dates_as_people_read_them(real_db):
    at = run("pages/loaded.py")
    documents = frame(at, "doc_number", "file_name")
    assert documents[["doc_number", "issue_date", "kind"]].values.tolist()[0] == ["衢政发〔2024〕7号", "2024-03-27",
                                                                                   "政策实施方案"]
    assert documents["issuer"].tolist()[-1] == "—"
    targets = frame(at, "item_label", "indicator")
    first = targets[targets["raw"] == "1500亿元以上"]
    assert first[["target", "kind"]].values.tolist() == [["≥1,500亿元", "数量"]]


def _cells(table: pd.DataFrame) -> list:
    return [x for column in table.columns for x in table[column].tolist()]


@pytest.mark.parametrize("page", ["pages/loaded.py", "pages/data_quality.py", "pages/jurisdictions.py",
                                  "pages/departments.py", "pages/leaders.py"])
def test_no_kind_code_or_missing_value_reaches_a_table(real_db, page):
    at = run(page=page)
    codes = set(KIND_LABELS) | {"npc_reports", "npc_facts"}
    for table in (d.value for d in at.dataframe):
        if {"完成进度", "时序进度"} <= set(table.columns):
            table = table.drop(columns=["完成进度", "时序进度"])  # progress bars: an empty bar, never "None"
        assert not any(c in codes or re.fullmatch(r"(item|target):\w+", str(c)) for c in table.columns)
        cells = _cells(table)
        assert not [x for x in cells if x is None or (isinstance(x, float) and x != x)], table.columns.tolist()
        assert not [x for x in cells if isinstance(x, str) and x in codes]


# ---------------------------------------------------------------- the data fingerprint, once per page run


@pytest.fixture
def fingerprint_reads(monkeypatch):
    """How many times the dashboard read the data's fingerprint (tracker.app_db's own reads)."""
    from tracker import app_db

    reads = []
    read = app_db.data_version
    monkeypatch.setattr(app_db, "data_version", lambda con: reads.append(1) or read(con))
    return reads


def test_a_page_run_reads_the_fingerprint_once(tiny_db, fingerprint_reads, monkeypatch):
    """The 任务 page makes several cached calls (sidebar and page); one read serves them all in a run. (The
    first run reads again after its commits: the account set up, the month's status tables stored.)"""
    from tracker import app_db

    at = run(page="pages/tasks.py")
    fingerprint_reads.clear()
    rerun(at)
    assert len(fingerprint_reads) == 1
    monkeypatch.setattr(app_db, "_run_marker", lambda: None)   # as if every call were a run of its own
    fingerprint_reads.clear()
    rerun(at)
    assert len(fingerprint_reads) > 5


def test_a_commit_within_a_run_is_read_again(tiny_db, fingerprint_reads, monkeypatch):
    """Within one run the fingerprint is read again after a commit of this process (a supervisor's action,
    an upload), so what the run shows after it includes it; outside a run it is read every time."""
    from datetime import date

    from tracker import actions, app_db

    con = connect(tiny_db)
    this_run = object()
    monkeypatch.setattr(app_db, "_run_marker", lambda: this_run)
    first = app_db.run_data_version(con)
    assert app_db.run_data_version(con) == first and len(fingerprint_reads) == 1
    actions.close_out(con, 1, "330800", "王五", "已验收", date(2024, 6, 1))
    after = app_db.run_data_version(con)
    assert after != first and len(fingerprint_reads) == 2
    monkeypatch.setattr(app_db, "_run_marker", lambda: object())   # the next run
    assert app_db.run_data_version(con) == after and len(fingerprint_reads) == 3
    monkeypatch.setattr(app_db, "_run_marker", lambda: None)        # no run: a CLI, a test
    app_db.run_data_version(con)
    app_db.run_data_version(con)
    assert len(fingerprint_reads) == 5
    con.close()


# ---------------------------------------------------------------- charts built once per distinct input


def test_a_rerun_draws_the_charts_it_built_before(tiny_db, monkeypatch):
    """The 总览 charts are built once for the same figures (plotly express takes ~0.1 s a chart) and drawn
    the same; other figures (another month) build new ones."""
    from tracker import charts

    built = []

    def counted(build):
        @functools.wraps(build)
        def counting(*args):
            built.append(build.__name__)
            return build(*args)
        return counting

    for name in ("status_bars", "pace_bars"):
        monkeypatch.setattr(charts, name, counted(getattr(charts, name)))
    at = run()
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert sorted(built) == ["pace_bars", "status_bars", "status_bars"] and len(specs) == 3
    built.clear()
    rerun(at)
    assert built == [] and [c.proto.spec for c in at.get("plotly_chart")] == specs
    at.selectbox(key="f_as_of").select("2024-02")   # only a rate reported: no pace chart
    rerun(at)
    assert built == ["status_bars", "status_bars"]
    february = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(february) == 2 and not set(february) & set(specs)


# ---------------------------------------------------------------- a page opened by its address right after a start


@pytest.fixture
def fresh_server(monkeypatch):
    """As right after a start: until the first st.navigation of a process, Streamlit serves the pages/
    folder by itself and runs a page asked for by its address on its own."""
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)


@pytest.mark.parametrize("page, title", [("pages/jurisdictions.py", "县（市、区）"), ("pages/tasks.py", "任务")])
def test_a_page_opened_by_its_address_after_a_start_runs_through_the_dashboard(tiny_db, fresh_server, page, title):
    """It ran alone: no sidebar (filters, sign-in), Streamlit's own menu of every file (admin and upload too)."""
    at = run(page=page)
    assert at.title[0].value == title
    assert at.multiselect(key="f_jurisdictions").value == [] and at.sidebar.text_input(key="signin_user")
    assert at.selectbox(key="f_as_of").value == "2024-03"


def test_without_demo_mode_a_page_opened_by_its_address_after_a_start_asks_to_sign_in(tiny_db, fresh_server,
                                                                                       monkeypatch):
    monkeypatch.setenv("TRACKER_DEMO_MODE", "off")
    at = run(page="pages/overview.py")
    assert at.title[0].value == "衢州市政策目标跟踪" and not at.metric
    assert at.info[0].value == "请在左侧登录后查看。账号由系统管理员开设。"


def test_streamlit_s_own_words_are_chinese(tiny_db):
    """Every selectbox says 无可选项 when its list is empty (Streamlit: "No options to select."); every chart's
    toolbar speaks Chinese (plotly: "Download plot as a PNG", "Zoom", "Reset axes") and shows no plotly logo."""
    import json

    at = run()
    boxes = at.sidebar.selectbox
    assert [b.proto.placeholder for b in boxes] == ["无可选项"] * len(boxes) and boxes
    at.switch_page("pages/tasks.py")
    rerun(at)
    assert {b.proto.placeholder for b in at.main.selectbox} == {"无可选项"}
    at.switch_page("pages/overview.py")
    rerun(at)
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        config = json.loads(chart.proto.config)
        assert config["locale"] == "zh-CN" and config["displaylogo"] is False
        words = config["locales"]["zh-CN"]["dictionary"]
        assert (words["Download plot as a PNG"], words["Zoom"], words["Reset axes"]) == ("下载图表（PNG）", "缩放",
                                                                                       "重置坐标轴")


def test_the_tables_own_csv_button_is_hidden_from_a_role_that_may_not_export(tiny_db):
    """Exports need 市领导, 督查 or 系统管理员 (README, Accounts); a visitor in demo mode or a clerk saw every table's
    "Download as CSV" button all the same. CSS hides it for them (read back in Chromium: tests/e2e)."""
    from tests.accounts import PASSWORD
    from tracker import auth, widget_text

    def styles(at: AppTest) -> list[str]:
        return [m.value for m in at.markdown if m.value.startswith("<style>")]

    assert widget_text.NO_TABLE_DOWNLOAD_CSS in styles(run())   # a visitor (demo mode)
    con = connect(tiny_db)
    try:
        clerk = auth.create_account(con, "os:tester", "fgw", "发改委填报员", auth.DEPARTMENT, PASSWORD, unit="市发改委")
        leader = auth.create_account(con, "os:tester", "lingdao", "市领导", auth.LEADERSHIP, PASSWORD)
    finally:
        con.close()
    for account, hidden in ((clerk, True), (leader, False)):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.session_state["account"] = account
        rerun(at)
        assert (widget_text.NO_TABLE_DOWNLOAD_CSS in styles(at)) is hidden
        assert widget_text.CSS in styles(at)


def test_the_task_page_says_who_sent_each_report_and_which_counts(real_db):
    # 柯城区's row of 116 reported by the lead department (before each row had one reporter), then by
    # 柯城区政府; and a whole-city report made before the target was split by county
    from tracker import report_validity

    con = connect(real_db)
    item = con.execute("SELECT item_id FROM targets WHERE target_id = 116").fetchone()[0]
    version = con.execute("""SELECT coalesce(max(version), 0) FROM progress_reports
                             WHERE target_id = 116 AND jurisdiction_code = '330802' AND period = '2024-03'""").fetchone()[0]
    city = con.execute("""SELECT coalesce(max(version), 0) FROM progress_reports
                          WHERE target_id = 116 AND jurisdiction_code = '330800' AND period = '2024-03'""").fetchone()[0]
    upload, report = con.execute("SELECT max(upload_id), (SELECT max(report_id) FROM progress_reports) FROM uploads").fetchone()
    for n, unit in ((1, "市农业农村局"), (2, "柯城区政府")):
        con.execute("INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, uploaded_at, "
                    "outcome, n_rows, n_accepted, n_rejected) VALUES (?, ?, '2024-03', 'a.xlsx', ?, 'qa', ?, "
                    "'accepted', 1, 1, 0)", [upload + n, unit, f"sha{n}", f"2024-04-0{n} 09:00:00"])
    con.execute("INSERT INTO progress_reports (report_id, upload_id, target_id, jurisdiction_code, period, version, value, "
                "reported_status) VALUES (?, ?, 116, '330802', '2024-03', ?, 2, '已完成'), "
                "(?, ?, 116, '330802', '2024-03', ?, 1, '正常'), (?, ?, 116, '330800', '2024-03', ?, 1, '滞后')",
                [report + 1, upload + 1, version + 1, report + 2, upload + 2, version + 2, report + 3, upload + 1,
                 city + 1])
    report_validity.refresh_uploads(con, {upload + 1, upload + 2})
    con.close()
    at = run(page="pages/tasks.py")
    at.text_input(key="task_search").input("263共富农产品")
    rerun(at)
    at.selectbox(key="task_select").select(item)
    rerun(at)
    notes = frame(at, "报送单位", "说明")
    assert list(notes.columns[:6]) == ["报送期", "指标序号", "指标", "范围", "报送单位", "说明"]
    mine = notes[notes["报送人"] == "qa"]
    assert mine[["范围", "报送单位", "累计值", "说明"]].values.tolist() == [
        ["衢州市", "市农业农村局", 1.0, "分解到各县（市、区）前按全市报送，不再计入"],
        ["柯城区", "柯城区政府", 1.0, "当前有效"],
        ["柯城区", "市农业农村局", 2.0, f"已被柯城区政府的第{version + 2}版替换"]]
    assert tq.ALLOCATED_REPORTERS in [c.value for c in at.caption]


def test_the_task_page_caption_says_what_it_shows_with_a_county_chosen(tiny_db):
    """QA: with 柯城区 chosen the 任务 page said "柯城区的任务" over the whole city's rows: one task's page
    shows the whole city and every place, whatever the sidebar's 县（市、区）, and says so."""
    at = run()
    at.multiselect(key="f_jurisdictions").select("330802")
    rerun(at)
    at.switch_page("pages/tasks.py")
    rerun(at)
    at.text_input(key="task_search").input("充电")
    rerun(at)
    captions = [c.value for c in at.caption]
    assert "截至2024年3月，柯城区的任务" not in captions
    assert "截至2024年3月，全市指标及各县（市、区）的分解（本页不按侧栏所选柯城区筛选）" in captions
    assert frame(at, "说明")["指标"].tolist()[0] == "新增公共充电桩"   # the whole city's row, as captioned
    assert frame(at, "说明", "县（市、区）")["县（市、区）"].tolist() == ["柯城区", "衢江区"]
    at.multiselect(key="f_jurisdictions").set_value([])
    rerun(at)
    assert "截至2024年3月，全市指标及各县（市、区）的分解" in [c.value for c in at.caption]


def _column_layout(at: AppTest, *columns: str) -> tuple[list[str], dict]:
    """The shown column order and the column config (by heading) of the first table holding ``columns``."""
    element = next(d for d in at.dataframe if set(columns) <= set(d.value.columns))
    config = json.loads(element.proto.columns or "{}")
    return list(element.proto.column_order), {c.get("label", k): c for k, c in config.items()}


@pytest.mark.parametrize("page, lead", [("pages/overview.py", []), ("pages/departments.py", []),
                                        ("pages/leaders.py", []), ("pages/jurisdictions.py", ["县（市、区）"])])
def test_status_tables_show_the_key_columns_first_and_bound_the_long_texts(tiny_db, page, lead):
    """QA at 1440 px: 状态, 目标, 报送值 and 完成进度 were off-screen to the right of 文件, 条目 and a long 指标,
    and 完成进度 was cut ("9…"). They now come right after 序号 and 指标; long texts have a bounded width."""
    at = run(page=page)
    order, config = _column_layout(at, "说明", "完成进度", *lead)
    assert order[:len(lead) + 7] == [*lead, "序号", "指标", "状态", "完成进度", "目标", "报送值", "时序进度"]
    assert set(order) >= {"文件", "条目", "说明", "牵头单位", "牵头市领导"}
    for column in ("指标", "条目", "说明"):
        assert config[column]["width"] == 240, column
    assert config["完成进度"]["width"] >= 120   # wide enough for "110.47%" beside its bar
    assert config["序号"]["width"] >= 80        # "（四十五）" was cut to "（四十" on the 任务 page


def test_the_heatmap_rows_all_have_cells_and_name_their_list(real_db):
    """QA on the real plans: "3 门诊全流程一次就诊“最多付一次”" (a milestone) was a row without any cell, and
    "1 “家门口青少年宫”" (the city's list) followed "33 …" (the province's), with "29．" beside "1 "."""
    at = run(page="pages/jurisdictions.py")
    heatmap, = [trace for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]
                if trace["type"] == "heatmap"]
    labels = list(heatmap["customdata"][i][0] for i in range(len(heatmap["customdata"])))
    assert not any("门诊全流程一次就诊" in label for label in labels)
    assert "另有 15 项指标没有完成度（节点类指标按完成与否研判，或尚无县（市、区）报送），未列入热力图，见下方“分解任务与进度”。" in [
        c.value for c in at.caption]
    assert {"省民生实事 1．免费接种流感疫苗", "省民生实事 33．“浙里快处”处理量", "市民生实事 1．“家门口青少年宫”",
            "10号 29．动态储备工业熟地"} <= set(labels)
    assert all(re.match(r"(省民生实事|市民生实事|\d+号) ([0-9]+．|（[一二三四五六七八九十百]+）)\S", label) for label in labels), labels
    z = heatmap["z"]   # targets × places; a 2-D typed array comes as {"dtype", "bdata", "shape"}
    cells = (np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(
        [int(n) for n in str(z["shape"]).split(",")]) if isinstance(z, dict)
        else np.array([[np.nan if v is None else v for v in row] for row in z], dtype=float))
    assert cells.shape[0] == len(labels) and not np.isnan(cells).all(axis=1).any()   # every target row has a cell
