"""Targets the text sets for each county ("各县（市、区）…N个", loaders/each_county.py): the phrase rule,
what the writers store (the shipped seed and a tiny plan), reporting per county, and a database loaded
before the rule."""
import json
import shutil
from pathlib import Path

import pytest

from loaders.build import build
from loaders.each_county import (
    comparator_words, each_county_subject, each_county_task, legacy_reports_message, refresh_each_county, split,
)
from loaders.progress_template import STATUS, VALUE
from loaders.progress_upload import upload_file
from loaders.targets import extract_targets
from tests.conftest import ROOT
from tests.progress_files import fill, row_ids, template
from tracker import progress_queries as pq
from tracker import task_queries as tq
from tracker.db import connect
from tracker.register_export import register_rows
from tracker.reporting import all_rows, resolve_unit, unit_rows

COUNTIES = ["330802", "330803", "330822", "330824", "330825", "330881"]   # 柯城 衢江 常山 开化 龙游 江山


# ---------------------------------------------------------------- the phrase rule (pure)

@pytest.mark.parametrize("text, expected", [
    ("各县（市、区）配套建立县级“大三农”专项资金不低于 1亿元。", [("不低于 1亿元", "各县（市、区）")]),
    ("力争实现各县（市、区）入围“263共富农产品”2个以上。", [("2个以上", "各县（市、区）")]),
    # the subject does not carry over to the next clause: 60 villages are the city's
    ("支持各县（市、区）新建 1个党建联建共富综合体项目，明确 60个以上受益村。",
     [("1个", "各县（市、区）"), ("60个以上", None)]),
    ("鼓励各县（市、区）新建 2个示范村。", [("2个", None)]),                    # encouraged, not set
    ("各区块每年动态储备 1000—5000亩熟地。", [("1000—5000亩", None)]),         # zones, not counties
    ("流转县（市、区）制造业招商项目20个以上。", [("20个以上", None)]),          # no 各: the city's
    ("各县区分别新建 2个、3个驿站。", [("2个", None), ("3个", None)]),         # a figure each, not one for all
    ("各县级医院新增 10家。", [("10家", None)]),
    ("每县新建 1个急救站点。", [("1个", "每县")]),
    ("每个县（市、区）建成 1个急救站点。", []),   # the extractor reads 每个…1个 as a per-unit amount, no target
    ("各区、县（市）新增 3个社区。", [("3个", "各区、县（市）")]),
    ("全市及各县市区农村饮用水达标率达到95%以上。", [("达到95%以上", "各县市区")]),
])
def test_which_targets_are_set_for_each_county(text, expected):
    targets, _ = extract_targets(text, 2024)
    assert [(t.raw, t.each_county) for t in targets] == expected


def test_the_subject_is_read_from_the_clause_before_the_number():
    text = "各县（市、区）要结合本地实际，新建 5个项目"
    assert each_county_subject(text, text.index("5")) is None
    assert each_county_subject("各县（市、区）新建 5个", 10) == "各县（市、区）"


@pytest.mark.parametrize("text, expected", [
    ("①各县区至少一家二级以上医疗机构完成“信用就医”接口改造", "各县区"),
    ("①市人民医院继续深化信用就医应用", None),
    ("完成改造，鼓励各县（市、区）先行先试", None),
])
def test_a_task_without_a_number_set_for_each_county(text, expected):
    assert each_county_task(text) == expected


def test_split_multiplies_what_adds_up_and_keeps_what_every_place_must_reach():
    count = split(7, "count", "各县（市、区）", 1.0, None, 1e8, None, json.dumps([["floor", 1], ["aim", 2]]),
                  json.dumps([["2024-06-30", 0.5]]), COUNTIES, (10, 18))
    assert (count.value, count.base_value, json.loads(count.tiers), json.loads(count.steps)) == (
        6.0, 6e8, [["floor", 6], ["aim", 12]], [["2024-06-30", 3.0]])
    assert count.allocations == [(7, code, 1.0, 1e8, False, 10, 18) for code in COUNTIES]
    assert count.each_county == (7, "各县（市、区）", 1.0, None, 6)
    rate = split(8, "rate", "各县（市、区）", 95.0, None, 95.0, None, None, None, COUNTIES, (1, 2))
    assert (rate.value, rate.base_value) == (95.0, 95.0)
    assert {a[2] for a in rate.allocations} == {95.0}
    task = split(9, "milestone", "各县区", None, None, None, None, None, None, COUNTIES, (1, 2))
    assert task.value is None and {a[2] for a in task.allocations} == {None}


# ---------------------------------------------------------------- the shipped seed

def test_the_seed_targets_set_for_each_county(built_plain_db):
    con = connect(built_plain_db, read_only=True)
    try:
        assert con.execute("""SELECT e.target_id, t.indicator, t.raw, t.kind, t.value, t.base_value, t.unit,
                                     e.phrase, e.place_value, e.n_places
                              FROM target_each_county e JOIN targets t USING (target_id) ORDER BY 1""").fetchall() == [
            (91, "各县（市、区）配套建立县级“大三农”专项资金", "不低于 1亿元", "count", 6.0, 6e8, "亿元",
             "各县（市、区）", 1.0, 6),
            (116, "各县（市、区）入围“263共富农产品”", "2个以上", "count", 12.0, 12.0, "个", "各县（市、区）", 2.0, 6),
            (117, "支持各县（市、区）新建党建联建共富综合体项目", "1个", "count", 6.0, 6.0, "个", "各县（市、区）", 1.0, 6),
            (289, "门诊全流程一次就诊“最多付一次”", "①各县区至少一家二级以上医疗机构完成“信用就医”接口改造",
             "milestone", None, None, "", "各县区", None, 6),
        ]
        allocations = con.execute("""SELECT target_id, list(jurisdiction_code ORDER BY jurisdiction_code),
                                            list(DISTINCT value), list(DISTINCT base_value), bool_or(inferred)
                                     FROM target_allocations WHERE target_id IN (91, 116, 117, 289)
                                     GROUP BY 1 ORDER BY 1""").fetchall()
        assert allocations == [(91, COUNTIES, [1.0], [1e8], False), (116, COUNTIES, [2.0], [2.0], False),
                               (117, COUNTIES, [1.0], [1.0], False), (289, COUNTIES, [None], [None], False)]
        # the plan's allocations point at the target phrase as printed (raw text kept)
        spans = con.execute("""SELECT DISTINCT a.target_id, f.content[a.source_start + 1 : a.source_end], t.raw
                               FROM target_allocations a JOIN targets t USING (target_id) JOIN items i USING (item_id)
                               JOIN documents d USING (doc_id) JOIN source_files f USING (file_id)
                               WHERE a.target_id IN (91, 116, 117) ORDER BY 1""").fetchall()
        assert [(t, "".join(text.split())) for t, text, _ in spans] == [(91, "不低于1亿元"), (116, "2个以上"), (117, "1个")]
        # the 60 villages of the same sentence stay the city's
        assert con.execute("SELECT value, EXISTS (SELECT 1 FROM target_allocations WHERE target_id = 118) "
                           "FROM targets WHERE target_id = 118").fetchone() == (60.0, False)
    finally:
        con.close()


def test_the_register_and_the_task_page_say_each_county(built_plain_db):
    con = connect(built_plain_db, read_only=True)
    try:
        rows = {(r["目标编号"], r["县（市、区）"]): r for r in register_rows(con)}
        assert (rows[(91, "衢州市")]["目标值"], rows[(91, "衢州市")]["推算"]) == (6.0, "各县（市、区）各1亿元×6")
        assert (rows[(91, "柯城区")]["目标值"], rows[(91, "柯城区")]["推算"], rows[(91, "柯城区")]["责任单位"]) == (
            1.0, "", "柯城区政府")
        assert rows[(289, "衢州市")]["推算"] == "各县区均须完成"
        item = con.execute("SELECT item_id FROM targets WHERE target_id = 116").fetchone()[0]
        assert tq.each_county_notes(con, item) == [
            "指标1（各县（市、区）入围“263共富农产品”）：各县（市、区）各2个以上，由各县（市、区）分别填报；"
            "全市目标12个为推算（6个县（市、区）合计）",
            "指标2（支持各县（市、区）新建党建联建共富综合体项目）：各县（市、区）各1个，由各县（市、区）分别填报；"
            "全市目标6个为推算（6个县（市、区）合计）"]
    finally:
        con.close()


def test_a_county_government_reports_its_share_of_the_seed_targets(con):
    rows = {r.row_id: r for r in unit_rows(con, resolve_unit(con, "江山市政府"), "2024-10")}
    assert {k: rows[k].target_value for k in ("T91-330881", "T116-330881", "T117-330881", "T289-330881")} == {
        "T91-330881": 1.0, "T116-330881": 2.0, "T117-330881": 1.0, "T289-330881": None}
    # each county's row is the county government's alone: the lead department reports none of them
    lead = {r.row_id for r in unit_rows(con, resolve_unit(con, "市农业农村局"), "2024-10")}
    assert not {f"T{t}-{c}" for t in (116, 117) for c in COUNTIES} & lead and "T117-330800" not in lead
    assert [(r.row_id, r.units) for r in all_rows(con, "2024-10", [117])] == [
        ("T117-330802", "柯城区政府"), ("T117-330803", "衢江区政府"), ("T117-330822", "常山县政府"),
        ("T117-330824", "开化县政府"), ("T117-330825", "龙游县政府"), ("T117-330881", "江山市政府")]


# ---------------------------------------------------------------- a tiny plan, end to end

TINY = """衢州市人民政府办公室
关于印发2024年政府工作报告重点工作
责任分解的通知
衢政办发〔2024〕99号
各县（市、区）人民政府，市政府各部门、直属各单位：
现印发给你们，请认真贯彻执行。各县（市、区）要结合本地实际，抓好落实。
衢州市人民政府办公室
2024 年 3 月 4 日
1．支持各县（市、区）新建 1个共富工坊，全市培训农民3000人次以上。
牵头市领导：徐张艳
责任单位：市农业农村局
2．鼓励各县（市、区）建设 2个示范村，各县（市、区）农村饮用水达标率达到95%以上。
牵头市领导：徐张艳
责任单位：市水利局
"""


@pytest.fixture
def tiny(tmp_path):
    data = tmp_path / "data"
    (data / "sources").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "reference", data / "reference")
    (data / "sources" / "tiny.txt").write_text(TINY, encoding="utf-8")
    report = build(tmp_path / "t.duckdb", data, demo=False)
    assert report.ok, report.errors
    con = connect(tmp_path / "t.duckdb")
    yield con
    con.close()


def _report(con, tmp_path, unit: str, values: dict[str, tuple[float, str]], period: str = "2024-10") -> None:
    path = template(con, tmp_path, unit, period)
    ids = row_ids(path)
    cells = {ids.index(rid) + 2: {VALUE: v, STATUS: s} for rid, (v, s) in values.items()}
    result = upload_file(con, fill(path, tmp_path / f"{unit}-filled.xlsx", cells), unit, "test", period=period)
    assert (result.outcome, result.n_new) == ("accepted", len(values)), result.problems


def test_a_tiny_plan_from_text_to_the_city_row(tiny, tmp_path):
    con = tiny
    targets = con.execute("""SELECT t.raw, t.kind, t.value, e.place_value FROM targets t
                             LEFT JOIN target_each_county e USING (target_id) ORDER BY t.target_id""").fetchall()
    assert targets == [("1个", "count", 6.0, 1.0), ("3000人次以上", "count", 3000.0, None),
                       ("2个", "count", 2.0, None), ("达到95%以上", "rate", 95.0, 95.0)]
    workshop, _, _, rate = [r[0] for r in con.execute("SELECT target_id FROM targets ORDER BY 1").fetchall()]
    # the county government's template holds its rows of both targets set for each county, and only those
    path = template(con, tmp_path, "柯城区政府", "2024-10")
    assert row_ids(path) == [f"T{workshop}-330802", f"T{rate}-330802"]
    # the city row is the counties' sum once every county has reported (one county's 1 is not 已完成)
    _report(con, tmp_path, "柯城区政府", {f"T{workshop}-330802": (1, "已完成"), f"T{rate}-330802": (97, "正常")})
    city = pq.target_status(con, "2024-10").set_index("target_id")
    assert city.loc[workshop, "status"] == "未报送" and city.loc[rate, "status"] == "未报送"
    for code, name in [("330803", "衢江区政府"), ("330822", "常山县政府"), ("330824", "开化县政府"),
                       ("330825", "龙游县政府"), ("330881", "江山市政府")]:
        (tmp_path / name).mkdir()
        _report(con, tmp_path / name, name, {f"T{workshop}-{code}": (1, "已完成"),
                                             f"T{rate}-{code}": (94 if code == "330881" else 96, "正常")})
    city = pq.target_status(con, "2024-10").set_index("target_id")
    assert (city.loc[workshop, "reported_value"], city.loc[workshop, "status"], city.loc[workshop, "unit_name"]) == (
        6.0, "已完成", pq.SUMMED)
    assert (city.loc[rate, "reported_value"], city.loc[rate, "unit_name"]) == (94.0, pq.WORST_PLACE)


# ---------------------------------------------------------------- a database loaded before the rule

def _unsplit(con, target_id: int, value: float) -> None:
    """The target as a build before the rule stored it: the city's figure as printed, no allocations."""
    con.execute("DELETE FROM target_allocations WHERE target_id = ?", [target_id])
    con.execute("DELETE FROM target_each_county WHERE target_id = ?", [target_id])
    con.execute("UPDATE targets SET value = ?, base_value = ? WHERE target_id = ?", [value, value, target_id])


def test_a_database_loaded_before_the_rule_is_split_and_keeps_its_city_reports(con):
    _unsplit(con, 117, 1.0)
    con.execute("INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome, "
                "n_rows, n_accepted, n_rejected) VALUES (1, '市农业农村局', '2024-03', 'a.xlsx', 'x', 't', 'accepted', 1, 1, 0)")
    con.execute("INSERT INTO progress_reports (report_id, upload_id, target_id, jurisdiction_code, period, version, "
                "value, reported_status) VALUES (1, 1, 117, '330800', '2024-03', 1, 1, '已完成')")
    assert pq.target_status(con, "2024-03").set_index("target_id").loc[117, "status"] == "已完成"   # the old trouble
    before = con.execute("SELECT * FROM progress_reports").fetchall()

    refreshed = refresh_each_county(con)
    assert [(r.target_id, r.phrase, r.city_reports) for r in refreshed] == [(117, "各县（市、区）", 1)]
    assert con.execute("SELECT value FROM targets WHERE target_id = 117").fetchone() == (6.0,)
    assert con.execute("SELECT count(*) FROM target_allocations WHERE target_id = 117").fetchone() == (6,)
    assert con.execute("SELECT * FROM progress_reports").fetchall() == before          # kept as reported
    assert con.execute("SELECT message FROM load_findings WHERE message LIKE '指标 117 %'").fetchall() == [
        (legacy_reports_message(117, "各县（市、区）", 1),)]
    city = pq.target_status(con, "2024-03").set_index("target_id").loc[117]
    assert (city.status, city.target_value) == ("未报送", 6.0)    # the counties have not reported
    assert refresh_each_county(con) == []                            # once only


def test_build_splits_a_stored_target_with_an_audit_record(plain_db):
    con = connect(plain_db)
    try:
        _unsplit(con, 91, 1.0)
        con.execute("UPDATE targets SET base_value = 1e8 WHERE target_id = 91")
    finally:
        con.close()
    report = build(plain_db, demo=False)
    assert report.notices == ["指标 91 按“各县（市、区）”分解到各县（市、区）"]
    con = connect(plain_db, read_only=True)
    try:
        assert con.execute("SELECT value, base_value FROM targets WHERE target_id = 91").fetchone() == (6.0, 6e8)
        assert con.execute("SELECT action, details FROM audit_log WHERE action = 'each_county_split'").fetchall() == [
            ("each_county_split", json.dumps({"city_reports_kept": {}, "targets": [91]}))]
    finally:
        con.close()


def test_the_task_page_keeps_the_comparator_of_each_countys_figure(built_plain_db):
    # 91: 各县（市、区）配套建立县级“大三农”专项资金不低于 1亿元 — each county at least 1亿元, not exactly
    con = connect(built_plain_db, read_only=True)
    try:
        item = con.execute("SELECT item_id FROM targets WHERE target_id = 91").fetchone()[0]
        assert [n for n in tq.each_county_notes(con, item) if "大三农" in n] == [
            "指标2（各县（市、区）配套建立县级“大三农”专项资金）：各县（市、区）各不低于1亿元，由各县（市、区）分别填报；"
            "全市目标6亿元为推算（6个县（市、区）合计）"]
    finally:
        con.close()
    assert comparator_words("控制在1%以内") == ("控制在", "以内")
    assert comparator_words("1个") == ("", "")
