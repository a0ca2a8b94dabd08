"""Tasks and measures without a target of their own get one row, the task as a whole (loaders/whole_items.py):
the shipped seed, the row itself, who reports it, how the pages and exports say what it is, and a database built
before the rule."""
import json
from datetime import date

import duckdb
import pytest
from openpyxl import load_workbook

from loaders import build as build_module
from loaders.build import build
from loaders.progress_template import DATA_SHEET, HEADERS, INDICATOR, PROGRESS, STATUS
from loaders.progress_upload import upload_file
from loaders.text_clean import clean
from loaders.whole_items import raw_title_span, refresh_whole_items, title_span
from tests.old_schema import schema4_file
from tests.progress_files import fill, row_ids, template
from tracker import db
from tracker import page_data
from tracker import progress_queries as pq
from tracker import task_queries as tq
from tracker.db import connect
from tracker.filters import NO_FILTERS
from tracker.register_export import register_rows
from tracker.reporting import WHOLE_ITEM_NOTE, resolve_unit, unit_rows
from tracker.settings import StatusSettings

TASKS, MEASURES = "衢政办发〔2024〕10号", "衢政发〔2024〕7号"
#: The nine 牵头市领导 of 衢政办发〔2024〕10号.
LEADERS = ["周卫兵", "张晓峰", "徐利水", "徐张艳", "方世忠", "杨圆华", "田俊", "郑河江", "黄希和"]

_ROW = """
SELECT t.target_id, t.seq, t.indicator, t.raw, t.kind, t.value, t.unit, t.comparator, t.deadline, t.due_date,
       t.whole_item, i.title, f.content[t.source_start + 1 : t.source_end]
FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id) JOIN source_files f USING (file_id)
WHERE d.doc_number = ? AND i.kind = ? AND i.number = ? ORDER BY t.seq
"""


def _rows(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- the shipped seed

def test_every_task_and_measure_of_the_seed_has_a_row_to_report_against(built_plain_db):
    assert _rows(built_plain_db, """
        SELECT d.doc_number, i.kind, count(*) FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id)
        WHERE t.whole_item GROUP BY ALL ORDER BY i.kind""") == [(MEASURES, "policy_measure", 26), (TASKS, "work_task", 69)]
    # appended after the 262 targets of the texts and the 37 of the 民生实事 sheet: no extracted id moved
    assert _rows(built_plain_db, "SELECT whole_item, count(*), min(target_id), max(target_id) FROM targets "
                                 "GROUP BY 1 ORDER BY 1") == [(False, 299, 1, 299), (True, 95, 300, 394)]
    assert _rows(built_plain_db, """
        SELECT count(*) FROM items i WHERE i.kind IN ('work_task', 'policy_measure')
          AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.item_id = i.item_id)""") == [(0,)]
    # one row each, on items that have no other target; a policy area or a 民生实事 project gets none
    assert _rows(built_plain_db, """
        SELECT count(DISTINCT t.item_id), count(*) FILTER (WHERE o.target_id IS NOT NULL)
        FROM targets t JOIN items i USING (item_id)
        LEFT JOIN targets o ON o.item_id = t.item_id AND o.target_id <> t.target_id
        WHERE t.whole_item AND i.kind IN ('work_task', 'policy_measure')""") == [(95, 0)]
    # kind milestone without a value, no stated deadline, due at the plan's end; the title's span in the source
    assert _rows(built_plain_db, """
        SELECT kind, value IS NULL, unit, comparator, deadline, due_date, seq, indicator = raw, count(*)
        FROM targets WHERE whole_item GROUP BY ALL""") == [("milestone", True, "", "=", None, date(2024, 12, 31), 1, True, 95)]
    for indicator, title, source in _rows(built_plain_db, """
            SELECT t.indicator, i.title, f.content[t.source_start + 1 : t.source_end]
            FROM targets t JOIN items i USING (item_id) JOIN documents d USING (doc_id)
            JOIN source_files f USING (file_id) WHERE t.whole_item"""):
        assert indicator == title.rstrip("。") and not indicator.endswith("。")
        assert "".join(clean(source).text.split()) == "".join(indicator.split())


def test_task_43_is_tracked_as_a_whole(built_plain_db):
    [(target_id, seq, indicator, raw, kind, value, unit, comparator, deadline, due, whole, title, source)] = _rows(
        built_plain_db, _ROW, (TASKS, "work_task", 43))
    assert (target_id, seq, indicator, raw, kind, value, unit, comparator, deadline, due, whole) == (
        341, 1, "抓好南湖广场文旅综合体开业", "抓好南湖广场文旅综合体开业", "milestone", None, "", "=", None,
        date(2024, 12, 31), True)
    assert title == indicator
    assert "".join(clean(source).text.split()) == "抓好南湖广场文旅综合体开业"
    assert [(r[0], r[2]) for r in _rows(built_plain_db, _ROW, (TASKS, "work_task", 92))] == [(363, "加强清洁能源开发利用")]
    assert [(r[0], r[2]) for r in _rows(built_plain_db, _ROW, (TASKS, "work_task", 130))] == [
        (394, "高位创成全国法治政府建设示范市")]
    assert [(r[0], r[2], r[10]) for r in _rows(built_plain_db, _ROW, (MEASURES, "policy_measure", 40))] == [
        (320, "加快构建现代化交通物流体系", True)]


def test_a_task_with_targets_of_its_own_gets_no_whole_item_row(built_plain_db):
    rows = _rows(built_plain_db, _ROW, (TASKS, "work_task", 5))
    assert [(r[0], r[2], r[4], r[10]) for r in rows] == [
        (154, "新增制造业中长期贷款", "count", False), (155, "“衢融通”在线融资规模", "level", False)]


# ---------------------------------------------------------------- reporting and the pages

def test_all_nine_leaders_have_rows_on_the_leaders_page(con):
    groups = page_data.groups(con, "2024-09", NO_FILTERS, StatusSettings(), "leaders")
    assert sorted(n for n in groups.mix.order if n != page_data.UNGROUPED["leaders"]) == sorted(LEADERS)
    ranking = groups.ranking.set_index("leaders")
    # 徐张艳 and 黄希和 lead only tasks without figures: one and three whole-item rows, none reported yet
    assert (ranking.loc["徐张艳", "指标"], ranking.loc["黄希和", "指标"]) == (1, 3)


def test_the_lead_department_reports_its_whole_item_rows(con, tmp_path):
    rows = unit_rows(con, resolve_unit(con, "市发改委"), "2024-10")
    whole = [r for r in rows if r.whole_item]
    assert (len(rows), len(whole)) == (45, 12)
    assert [r.row_id for r in whole][:3] == ["T300-330800", "T301-330800", "T314-330800"]
    first = whole[0]
    assert (first.indicator, first.raw, first.kind, first.target_cell, first.due_date) == (
        f"{WHOLE_ITEM_NOTE}：深化重点项目协调推进机制", "深化重点项目协调推进机制", "milestone", "",
        date(2024, 12, 31))
    path = template(con, tmp_path, "市发改委", "2024-10")
    ws = load_workbook(path, read_only=True)[DATA_SHEET]
    cells = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(cells) == 45
    assert cells["T300-330800"][HEADERS.index(INDICATOR)] == "整项任务（无量化指标，年底前完成）：深化重点项目协调推进机制"

    # reported by its status and words, no number: done is 已完成, under way is 正常
    ids = row_ids(path)
    filled = fill(path, tmp_path / "filled.xlsx", {
        ids.index("T300-330800") + 2: {STATUS: "已完成", PROGRESS: "机制已建立"},
        ids.index("T301-330800") + 2: {STATUS: "正常", PROGRESS: "按计划推进"}})
    result = upload_file(con, filled, "市发改委", "test", period="2024-10")
    assert (result.outcome, result.n_new) == ("accepted", 2), result.problems
    status = pq.target_status(con, "2024-10").set_index("target_id")
    assert list(status.loc[[300, 301, 314], "status"]) == ["已完成", "正常", "未报送"]


def test_the_register_and_the_task_page_say_it_is_a_whole_task(built_plain_db):
    con = connect(built_plain_db, read_only=True)
    try:
        rows = {r["目标编号"]: r for r in register_rows(con)}
        assert (rows[341]["指标"], rows[341]["原文"], rows[341]["类型"], rows[341]["目标值"], rows[341]["截止日期"]) == (
            "整项任务（无量化指标，年底前完成）：抓好南湖广场文旅综合体开业", "抓好南湖广场文旅综合体开业", "节点", None,
            date(2024, 12, 31))
        assert rows[154]["指标"] == "新增制造业中长期贷款"   # a target of the text: as stored
        item = con.execute("SELECT item_id FROM targets WHERE target_id = 341").fetchone()[0]
        assert tq.whole_item_notes(con, item) == [
            "指标1（抓好南湖广场文旅综合体开业）：整项任务（无量化指标，年底前完成）。原文没有数字或期限，本任务作为一个"
            "整体跟踪：责任单位每月报送进展情况和状态，完成后报“已完成”；2024年12月31日前未完成即为逾期。"]
        five = con.execute("SELECT item_id FROM targets WHERE target_id = 154").fetchone()[0]
        assert tq.whole_item_notes(con, five) == []
        # the task search finds it by its title
        found = tq.search_items(con, "南湖广场")
        assert list(found["label"]) == ["43．"] and list(found["n_targets"]) == [1]
    finally:
        con.close()


# ---------------------------------------------------------------- a database built before the rule

_COLUMNS = ("target_id, item_id, seq, indicator, raw, value, value_high, unit, base_value, base_value_high, base_unit, "
            "comparator, kind, tiers, steps, deadline, due_date, source_start, source_end")


@pytest.fixture
def old_db(tmp_path, monkeypatch):
    """A database as a build before the rule left it: schema 4 (no ``targets.whole_item``), no whole-item rows,
    and progress reported on its targets (two uploads, one a correction)."""
    path = tmp_path / "old.duckdb"
    with monkeypatch.context() as m:
        m.setattr(db, "SCHEMA_FILE", schema4_file(tmp_path))
        m.setattr(db, "SCHEMA_VERSION", 4)
        m.setattr(build_module, "refresh_whole_items", lambda con, on_stored=None: [])
        assert build(path, demo=False).ok
        con = connect(path)
        con.execute("INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome, "
                    "n_rows, n_accepted, n_rejected) VALUES (1, '市府办', '2024-03', 'a.xlsx', 'x', 't', 'accepted', 2, 2, 0), "
                    "(2, '市府办', '2024-03', 'b.xlsx', 'y', 't', 'accepted', 1, 1, 0)")
        con.execute("INSERT INTO progress_reports (report_id, upload_id, target_id, jurisdiction_code, period, version, "
                    "value, reported_status, progress_text, valid_until) VALUES "
                    "(1, 1, 154, '330800', '2024-03', 1, 10, '正常', '推进', '2024-03'), "   # corrected by report 3
                    "(2, 1, 299, '330800', '2024-03', 1, 1, '正常', NULL, NULL), "
                    "(3, 2, 154, '330800', '2024-03', 2, 12, '正常', '更正', NULL)")
        assert [r[0] for r in con.execute("DESCRIBE targets").fetchall()][-1] == "source_end"
        assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (4,)
        con.close()
    return path


def test_a_database_built_before_gets_the_rows_on_build_with_its_reports_intact(old_db, built_plain_db):
    before = _rows(old_db, "SELECT * FROM progress_reports ORDER BY report_id")
    uploads = _rows(old_db, "SELECT * FROM uploads ORDER BY upload_id")
    assert _rows(old_db, "SELECT count(*), max(target_id) FROM targets") == [(299, 299)]

    report = build(old_db, demo=False)
    assert report.ok and all(r.skipped for r in report.loaded)
    assert report.notices == ["95 项无量化指标的任务按整项任务跟踪（指标 300—394，年底前完成）"]
    assert _rows(old_db, "SELECT max(version) FROM schema_version") == [(db.SCHEMA_VERSION,)]
    assert _rows(old_db, "SELECT * FROM progress_reports ORDER BY report_id") == before
    assert _rows(old_db, "SELECT * FROM uploads ORDER BY upload_id") == uploads
    # the same target rows as a fresh build, ids and all
    fresh = _rows(built_plain_db, f"SELECT {_COLUMNS}, whole_item FROM targets ORDER BY target_id")
    assert _rows(old_db, f"SELECT {_COLUMNS}, whole_item FROM targets ORDER BY target_id") == fresh
    assert _rows(old_db, "SELECT action, target, details FROM audit_log WHERE action = 'whole_item_targets'") == [
        ("whole_item_targets", "targets", json.dumps({"targets": list(range(300, 395))}))]
    # the reports on record still count
    con = connect(old_db)
    try:
        assert pq.target_status(con, "2024-03").set_index("target_id").loc[154, "reported_value"] == 12.0
    finally:
        con.close()

    # a second build adds nothing: no transaction, no notice, no audit record
    audits = _rows(old_db, "SELECT count(*) FROM audit_log")
    again = build(old_db, demo=False)
    assert again.ok and again.notices == []
    assert _rows(old_db, f"SELECT {_COLUMNS}, whole_item FROM targets ORDER BY target_id") == fresh
    assert _rows(old_db, "SELECT count(*) FROM audit_log") == audits


def test_refresh_is_idempotent_and_a_fresh_build_writes_one_audit_record(plain_db):
    con = connect(plain_db)
    try:
        assert refresh_whole_items(con) == []
        assert con.execute("SELECT action, details FROM audit_log WHERE action = 'whole_item_targets'").fetchall() == [
            ("whole_item_targets", json.dumps({"targets": list(range(300, 395))}))]
    finally:
        con.close()


def test_a_demo_database_built_before_keeps_its_demo_and_gets_the_rows(tmp_path, monkeypatch, built_demo_db):
    """Demo progress made before the rule stays as it was (it is seeded once); the new rows are then 未报送."""
    path = tmp_path / "demo-old.duckdb"
    with monkeypatch.context() as m:
        m.setattr(build_module, "refresh_whole_items", lambda con, on_stored=None: [])
        assert build(path).ok
    reports = _rows(path, "SELECT * FROM progress_reports ORDER BY report_id")
    assert len(reports) == 4252
    assert build(path).ok
    assert _rows(path, "SELECT * FROM progress_reports ORDER BY report_id") == reports
    assert _rows(path, "SELECT count(*) FROM targets WHERE whole_item") == [(95,)]
    con = connect(path)
    try:
        status = pq.target_status(con, "2024-09").set_index("target_id")
        assert set(status[status.index >= 300]["status"]) == {"未报送"}
        assert set(status[status.index < 300]["status"]) != {"未报送"}
    finally:
        con.close()
    # a fresh build's demo reports on them too, deterministically
    assert _rows(built_demo_db, """SELECT count(*), count(DISTINCT r.target_id) FROM progress_reports r
                                   JOIN targets t USING (target_id) WHERE t.whole_item""") == [(996, 95)]


def test_a_title_is_read_straight_from_the_source_unless_furniture_breaks_it():
    """The span of a title read from the raw text (line breaks skipped) without cleaning the whole source again;
    a title broken by page furniture is left to the cleaned text, which gives the same kind of span."""
    raw = "43．抓好南湖\n\n广场文旅综合体开业。"
    assert raw_title_span(raw, 3, "抓好南湖广场文旅综合体开业") == (3, len(raw) - 1)
    broken = "43．抓好南湖\n\n市政府文件市政府文件\n广场文旅综合体开业。"
    assert raw_title_span(broken, 3, "抓好南湖广场文旅综合体开业") is None
    doc = clean(broken)
    assert title_span(doc.offsets, doc.text, 3, "抓好南湖广场文旅综合体开业") == (3, len(broken) - 1)
    assert raw_title_span(raw, 3, "抓好北湖") is None
