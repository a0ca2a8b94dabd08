from pathlib import Path

import pytest

from loaders.npc_reports import NotAnNpcReport, extract_npc_report, stored_result, write_npc_report
from loaders.db_writer import LoadResult, load_reference
from loaders.organisations import Directory
from loaders.text_clean import clean
from tests.conftest import SOURCES
from tracker.db import connect
from tracker.npc_queries import npc_comparison, npc_facts, npc_tasks

REFERENCE = SOURCES.parent / "reference"
MAGAZINE, CHANGSHAN, KECHENG, HANGZHOU = (
    "000_4ec0b0851ef5408a.txt", "001_bcff957e004d4ffb.txt", "002_6a72c38e1faec660.txt", "003_beae5ab0991b87c0.txt")


@pytest.fixture(scope="module")
def directory():
    return Directory.from_reference(REFERENCE)


@pytest.fixture(scope="module")
def reports(directory):
    return {name: extract_npc_report(SOURCES / name, (SOURCES / name).read_text(encoding="utf-8"), directory)
            for name in (MAGAZINE, CHANGSHAN, KECHENG, HANGZHOU)}


@pytest.fixture(scope="module")
def con(reports, directory):
    con = connect(":memory:")
    load_reference(con, directory)
    for report in reports.values():
        write_npc_report(con, report)
    yield con
    con.close()


def facts_of(report, jurisdiction, metrics):
    found = {}
    for f in report.facts:
        if f.jurisdiction.name == jurisdiction and f.metric in metrics and f.metric not in found:
            found[f.metric] = (f.year, f.value, f.unit)
    return found


CORE = ("standing_meetings", "director_meetings", "reports_heard", "oversight_activities", "law_inspections",
        "inspections", "inquiries", "resolutions", "appointments", "normative_documents")


@pytest.mark.parametrize("county, expected", [
    ("柯城区", {"standing_meetings": 9, "director_meetings": 11, "reports_heard": 23, "oversight_activities": 23,
              "resolutions": 18, "normative_documents": 13, "appointments": 78}),
    ("衢江区", {"standing_meetings": 7, "director_meetings": 8, "reports_heard": 29, "oversight_activities": 28,
              "resolutions": 3, "appointments": 68}),
    ("龙游县", {"standing_meetings": 9, "director_meetings": 17, "reports_heard": 34, "resolutions": 39,
              "law_inspections": 5, "inspections": 4, "appointments": 59}),
    ("江山市", {"standing_meetings": 14, "director_meetings": 32, "reports_heard": 51, "resolutions": 20,
              "law_inspections": 6, "inquiries": 1, "inspections": 6, "appointments": 56}),
    ("常山县", {"resolutions": 20, "appointments": 40}),
    ("开化县", {"resolutions": 17, "appointments": 74}),
])
def test_counted_facts_of_each_county_in_the_2023_summaries(reports, county, expected):
    found = facts_of(reports[MAGAZINE], county, CORE)
    assert {k: v for k, (_, v, _) in found.items()} == expected
    assert {year for year, _, _ in found.values()} == {2023}


def test_the_city_and_its_suggestions(reports):
    city = facts_of(reports[MAGAZINE], "衢州市", ("suggestions", "inquiry_questions"))
    assert city == {"suggestions": (2023, 315, "件"), "inquiry_questions": (2023, 15, "个")}
    kecheng = facts_of(reports[MAGAZINE], "柯城区", ("suggestions", "satisfaction_rate"))
    assert kecheng == {"suggestions": (2023, 219, "件"), "satisfaction_rate": (2023, 100, "%")}


def values_of(report, jurisdiction: str, metric: str) -> list[float]:
    return [f.value for f in report.facts if f.jurisdiction.name == jurisdiction and f.metric == metric]


def test_the_number_of_motions_is_not_a_part_of_them_nor_opinions_gathered(reports):
    """议案建议 counts the deputies' motions and suggestions handled: not the key ones followed up, the
    awarded ones, the ones sent back, those between sessions, nor opinions gathered (意见建议, 对策建议)."""
    magazine = reports[MAGAZINE]
    assert values_of(magazine, "衢州市", "suggestions") == [315]   # not "2 件优秀议案", "19 件办理不满意的建议"
    assert values_of(magazine, "衢州市", "opinions") == [35]       # 提出对策建议 35 条
    assert values_of(magazine, "柯城区", "suggestions") == [219]   # not 闭会期间代表建议 2 件
    assert values_of(magazine, "开化县", "suggestions") == []      # 2 件议案被列为大会议案
    assert values_of(magazine, "江山市", "suggestions") == []      # 民生议案项目23件
    changshan = reports[CHANGSHAN]
    assert values_of(changshan, "常山县", "suggestions") == []     # 代表建议和检察建议衔接转化7件
    assert values_of(changshan, "常山县", "opinions") == [3064, 31, 157, 163]
    kecheng = reports[KECHENG]
    assert values_of(kecheng, "柯城区", "suggestions") == [112]    # not "对2件议案和10件重点建议进行跟踪督办"
    assert values_of(kecheng, "柯城区", "suggestions_resolved_rate") == [86.6]


def test_problems_solved_are_the_motions_resolved_only_in_a_sentence_that_counted_motions(reports):
    """"其中问题得到解决或者计划逐步解决的共97件" follows "代表提出的112件议案建议" in its sentence: some of them.
    Problems solved on surveys and visits ("组织集中研讨8次，…，解决问题30多个") count apart."""
    kecheng = reports[KECHENG]
    assert values_of(kecheng, "柯城区", "suggestions_resolved") == [97]
    assert values_of(kecheng, "柯城区", "problems_solved") == [30]
    magazine = reports[MAGAZINE]
    assert values_of(magazine, "衢州市", "problems_solved") == [20]      # 解决实际问题 20 个 (after 对策建议)
    assert values_of(magazine, "衢州市", "suggestions_resolved") == []
    assert values_of(magazine, "柯城区", "problems_solved") == [16, 39]
    assert values_of(reports[CHANGSHAN], "常山县", "problems_solved") == [21]   # after 意见建议, not motions


def test_problems_solved_led_by_the_verb_or_called_difficulties(reports):
    """"推动难题解决 107个" (难题 are problems too) and "有效解决开发区基础设施建设、…等一批“急难愁盼”问题
    40余个" (the verb 解决 leads the clause, farther back than the words next to the count)."""
    magazine = reports[MAGAZINE]
    assert values_of(magazine, "开化县", "problems_solved") == [107]
    assert values_of(magazine, "常山县", "problems_solved") == [40]
    changshan = next(f for f in magazine.facts if f.jurisdiction.name == "常山县" and f.metric == "problems_solved")
    assert (changshan.year, changshan.unit, changshan.approx) == (2023, "个", True)
    assert changshan.phrase.startswith("有效解决开发区基础设施建设")


@pytest.mark.parametrize("text, expected", [
    ("推动难题解决 107个。", [("problems_solved", 107.0)]),
    ("有效解决开发区基础设施建设、环境治理等一批“急难愁盼”问题 40余个。", [("problems_solved", 40.0)]),
    ("发现开发区基础设施建设、环境治理等方面的问题 40 个。", []),       # found, not solved
    ("解决开发区基础设施建设、环境治理、企业职工子女就学等 4 个方面的问题。", []),   # kinds of problems
    ("累计收集关于行政审批制度改革、优化营商环境等方面代表建议140余条。", [("opinions", 140.0)]),
    ("大会期间代表提出建议140件，全部按期办结。", [("suggestions", 140.0)]),
])
def test_problems_and_gathered_suggestions_in_small_texts(directory, text, expected):
    from loaders.npc_reports import _Scope, find_facts
    city = next(j for j in directory.jurisdictions if j.name == "衢州市")
    assert [(f.metric, f.value) for f in find_facts(text, [_Scope(0, city, 2023)])] == expected


def test_the_comparison_shows_the_number_of_motions(con):
    table = npc_comparison(con).set_index(["城市", "年份", "县（市、区）"])
    assert table.loc[("衢州市", 2019, "柯城区"), "议案建议"] == 112
    assert table.loc[("衢州市", 2019, "柯城区"), "议案建议得到解决"] == 97
    assert table.loc[("衢州市", 2019, "柯城区"), "推动解决问题"] == 30
    assert table.loc[("衢州市", 2023, "衢州市"), "议案建议"] == 315
    assert table.loc[("衢州市", 2023, "衢州市"), "收集、提出意见建议"] == 35


def test_questions_of_an_inquiry_are_not_inquiries_and_one_meeting_is_not_the_year(reports):
    """"询问问题 25 个" are the questions of one 专题询问 (counted in 次); "会议听取和审议了市政府 5 个报告"
    is one meeting's agenda, not the reports heard in the year."""
    magazine = reports[MAGAZINE]
    assert values_of(magazine, "开化县", "inquiry_questions") == [25]
    assert values_of(magazine, "开化县", "inquiries") == []
    assert values_of(magazine, "衢州市", "inquiry_questions") == [15]
    assert values_of(magazine, "江山市", "inquiries") == [1]
    assert values_of(magazine, "衢州市", "reports_heard") == []
    assert values_of(magazine, "柯城区", "reports_heard") == [23]


def test_a_work_report_speaks_for_the_year_before(reports):
    r = reports[KECHENG]
    assert (r.kind, r.jurisdiction.name, str(r.report_date), r.year) == ("work_report", "柯城区", "2020-04-21", 2019)
    assert facts_of(r, "柯城区", ("standing_meetings", "appointments", "suggestions", "suggestions_resolved",
                                "suggestions_resolved_rate", "satisfaction_rate")) == {
        "standing_meetings": (2019, 14, "次"), "appointments": (2019, 111, "人次"),
        "suggestions_resolved": (2019, 97, "件"), "suggestions": (2019, 112, "件"),
        "suggestions_resolved_rate": (2019, 86.6, "%"), "satisfaction_rate": (2019, 99.1, "%")}
    changshan = reports[CHANGSHAN]
    assert facts_of(changshan, "常山县", ("standing_meetings", "law_inspections", "completion_rate")) == {
        "standing_meetings": (2023, 8, "次"), "law_inspections": (2023, 4, "部"), "completion_rate": (2023, 100, "%")}


def test_the_task_list_without_numbers(reports):
    tasks = reports[KECHENG].tasks
    assert [(t.year, t.label, t.title, t.body) for t in tasks] == [
        (2020, "(一)", "坚持强化理论武装，更加深刻领会根本政治制度优势", "柯城区人大常委会"),
        (2020, "(二)", "坚持依法民主决策，更加科学行使重大事项决定权", "柯城区人大常委会"),
        (2020, "(三)", "坚持回应社会关切，更加有力体现监督实效性", "柯城区人大常委会"),
        (2020, "(四)", "坚持践行群众路线，更加有效畅通人民民主渠道", "柯城区人大常委会"),
        (2020, "(五)", "坚持加强自身建设，更加高效提升人大工作水平", "柯城区人大常委会"),
    ]
    assert tasks[4].text.endswith("加强对乡镇人大工作的联系指导。")


def test_another_city_is_not_taken_for_quzhou(reports):
    r = reports[HANGZHOU]
    assert (r.jurisdiction.name, r.year) == ("杭州市", 2024)
    assert [(f.jurisdiction.name, f.metric, f.value, f.approx) for f in r.facts] == [
        ("杭州市", "consultations", 72, False), ("上城区", "opinions", 140, True)]
    assert r.hearing_facts == []   # no inquiry recorded: no plan figures invented


def test_suggestions_gathered_are_opinions_not_motions_handled(reports):
    """"累计收集关于…等方面代表建议140余条，第一时间交办给对口部门": suggestions gathered in an activity (as
    "共收集意见建议31条"), not the deputies' motions and suggestions handled in the year (议案建议)."""
    shangcheng = [f for f in reports[HANGZHOU].facts if f.jurisdiction.name == "上城区"]
    assert [(f.metric, f.label, f.value, f.unit, f.approx) for f in shangcheng] == [
        ("opinions", "收集、提出意见建议", 140, "条", True)]
    assert shangcheng[0].phrase.startswith("累计收集关于行政审批制度改革")


def test_every_fact_points_back_to_its_phrase(reports):
    for report in reports.values():
        for f in report.all_facts:
            s, e = report.clean.source_span(*f.span)
            assert "".join(clean(report.raw[s:e]).text.split()) == "".join(f.phrase.split())
            assert f.phrase in f.sentence


def test_a_text_that_is_no_report_is_refused(directory):
    with pytest.raises(NotAnNpcReport, match="不是人大报告或简报"):
        extract_npc_report(Path("x.txt"), "衢州市人民政府关于印发…的通知\n衢政发〔2024〕7号", directory)


def test_comparison_table_for_the_dashboard(con):
    table = npc_comparison(con, year=2023, city="衢州市")
    assert list(table["县（市、区）"]) == ["衢州市", "柯城区", "衢江区", "常山县", "开化县", "龙游县", "江山市"]
    kecheng = table.set_index("县（市、区）").loc["柯城区"]
    assert (kecheng["常委会会议"], kecheng["主任会议"], kecheng["任免国家机关工作人员"]) == (9, 11, 78)
    # 常山县 2023 is in the magazine and in its own report: the same figure told twice
    assert table.set_index("县（市、区）").loc["常山县", "常委会会议"] == 8
    assert set(npc_comparison(con, city="杭州市")["县（市、区）"]) == {"杭州市", "上城区"}


def test_facts_and_tasks_keep_their_source(con):
    facts = npc_facts(con, year=2019)
    first = facts.iloc[0]
    content = con.execute("SELECT content FROM source_files WHERE file_name = ?", [first["来源文件"]]).fetchone()[0]
    assert "".join(content[first["起"]:first["止"]].split()) == "共召开常委会会议14次"
    tasks = npc_tasks(con, year=2020)
    assert list(tasks["责任主体"].unique()) == ["柯城区人大常委会"] and len(tasks) == 5


def test_a_report_is_stored_once(con, reports):
    assert write_npc_report(con, reports[HANGZHOU]) == (False, 0, 0)


def test_stored_result_counts_a_report_as_one_document_with_its_facts_and_tasks(reports):
    # 51 counted facts of the committees' work and 26 figures of the drinking-water inquiry
    assert (len(reports[MAGAZINE].facts), len(reports[MAGAZINE].hearing_facts)) == (51, 26)
    assert stored_result(reports[MAGAZINE]) == LoadResult(MAGAZINE, skipped=False, documents=1, facts=77, tasks=0)
    assert stored_result(reports[CHANGSHAN]) == LoadResult(CHANGSHAN, skipped=False, documents=1, facts=15, tasks=0)


def test_on_stored_runs_in_the_report_s_transaction(reports, directory):
    con = connect(":memory:")
    load_reference(con, directory)
    seen = []
    write_npc_report(con, reports[CHANGSHAN],
                     lambda c, result: seen.append((result, c.execute("SELECT count(*) FROM npc_facts").fetchone()[0])))
    assert seen == [(stored_result(reports[CHANGSHAN]), 15)]

    def fail(c, result):
        raise RuntimeError("audit failed")
    with pytest.raises(RuntimeError):
        write_npc_report(con, reports[KECHENG], fail)
    assert con.execute("SELECT file_name FROM source_files").fetchall() == [(CHANGSHAN,)]   # nothing of KECHENG
    con.close()


def test_sentences_and_clauses_of_a_bulletin_line():
    from loaders.npc_reports import _clauses, _sentences

    text = "全年共召开常委会会议8次，听取审议报告25个、开展执法检查4次；督办代表建议112件。余下"
    assert _sentences(text) == [(0, 32), (32, 43), (43, 45)]
    assert _sentences("") == [] and _sentences("无句号") == [(0, 3)]
    assert _clauses(text, 0, 32) == [(0, 12), (13, 22), (23, 32)]   # 、 cuts only after a count
    assert _clauses("安排3个、5项：完成", 0, 10) == [(0, 4), (5, 7), (8, 10)]


def test_the_comparison_shows_a_year_s_total_not_one_activity_s_figure(con):
    """常山县 2023: 提出意见建议 3064 条 in its own report is the year's; 立法意见建议 157 条 (first loaded, from
    the magazine), 31 and 163 are single activities. A count shows the largest of a place's figures."""
    table = npc_comparison(con, year=2023, city="衢州市").set_index("县（市、区）")
    assert table.loc["常山县", "收集、提出意见建议"] == 3064
    assert table.loc["常山县", "推动解决问题"] == 40        # 40余 (magazine) against 21 (its own report)
    assert table.loc["柯城区", "推动解决问题"] == 39        # 协调解决问题 16 个, 推动 39 个问题得到解决
    assert table.loc["开化县", "推动解决问题"] == 107
    assert table.loc["柯城区", "满意率"] == 100
    facts = npc_facts(con, year=2023, city="衢州市")
    assert sorted(facts[(facts["县（市、区）"] == "常山县") & (facts["metric"] == "opinions")]["数值"]) == [
        31, 157, 157, 163, 3064]   # every figure stays in the facts (157 in both reports)


def test_one_figure_each_largest_count_first_rate():
    import pandas as pd
    from tracker.npc_queries import _one_figure_each

    facts = pd.DataFrame({
        "城市": ["甲市"] * 6, "年份": [2023] * 6, "县（市、区）": ["甲市", "甲市", "甲市", "乙县", "甲市", "甲市"],
        "metric": ["opinions", "opinions", "opinions", "opinions", "satisfaction_rate", "satisfaction_rate"],
        "数值": [157.0, 3064.0, 3064.0, 5.0, 97.4, 100.0], "单位": ["条", "条", "条", "条", "%", "%"],
        "原句": ["a", "b", "c", "d", "e", "f"]})
    chosen = _one_figure_each(facts)
    assert chosen[["县（市、区）", "metric", "数值", "原句"]].values.tolist() == [
        ["甲市", "opinions", 3064.0, "b"],            # the largest; of equal ones the first
        ["乙县", "opinions", 5.0, "d"],
        ["甲市", "satisfaction_rate", 97.4, "e"]]     # a rate: the first
