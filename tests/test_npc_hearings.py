"""Figures said at a People's Congress topical inquiry (专题询问会): loaders/npc_hearings.py, their rows in
npc_facts and their query. The real case is 衢州人大 2023 no.6 (000), the rural drinking-water inquiry."""
from pathlib import Path

import pytest

from loaders.db_writer import load_reference
from loaders.npc_hearings import (TARGET, STATUS, Hearing, _clauses, _years, classify, find_hearing_facts,
                                  find_hearings, topic_core)
from loaders.npc_reports import _sentences, extract_npc_report, find_inquiry_facts, write_npc_report, _Scope
from loaders.organisations import Directory
from loaders.text_clean import clean, readable
from tests.conftest import SOURCES
from tracker.db import connect
from tracker.npc_queries import npc_comparison, npc_facts, npc_inquiry_facts

REFERENCE = SOURCES.parent / "reference"
MAGAZINE = "000_4ec0b0851ef5408a.txt"
OTHERS = ("001_bcff957e004d4ffb.txt", "002_6a72c38e1faec660.txt", "003_beae5ab0991b87c0.txt")
TOPIC = "农村饮用水安全保障"


@pytest.fixture(scope="module")
def directory():
    return Directory.from_reference(REFERENCE)


@pytest.fixture(scope="module")
def magazine(directory):
    return extract_npc_report(SOURCES / MAGAZINE, (SOURCES / MAGAZINE).read_text(encoding="utf-8"), directory)


@pytest.fixture(scope="module")
def con(magazine, directory):
    con = connect(":memory:")
    load_reference(con, directory)
    write_npc_report(con, magazine)
    for name in OTHERS:
        write_npc_report(con, extract_npc_report(SOURCES / name, (SOURCES / name).read_text(encoding="utf-8"),
                                                 directory))
    yield con
    con.close()


# (place, year, last year, nature, metric, value, unit, bound) of each figure, in source order
EXPECTED = [
    ("衢州市", 2023, 2025, TARGET, "investment", 24.9, "亿元", None),
    ("衢州市", 2023, 2025, TARGET, "pipe_extension_projects", 17, "个", None),
    ("衢州市", 2023, 2025, TARGET, "town_plant_projects", 10, "个", None),
    ("衢州市", 2023, 2025, TARGET, "village_station_projects", 472, "座", None),
    ("衢州市", 2023, None, TARGET, "start_rate", 70, "%", ">="),
    ("衢州市", 2023, None, STATUS, "projects_started", 219, "座", None),
    ("衢州市", 2023, None, STATUS, "projects_approved_not_started", 42, "座", None),
    ("衢州市", 2023, None, STATUS, "projects_not_approved", 211, "座", None),
    ("衢州市", 2023, None, STATUS, "approval_rate", 55.3, "%", None),
    ("衢州市", 2023, None, STATUS, "start_rate", 46.4, "%", None),
    ("衢州市", 2023, None, STATUS, "budget_funds", 3086, "万元", None),
    ("市本级", 2023, None, STATUS, "budget_funds", 210, "万元", None),
    ("柯城区", 2023, None, STATUS, "budget_funds", 278, "万元", None),
    ("衢江区", 2023, None, STATUS, "budget_funds", 300, "万元", None),
    ("龙游县", 2023, None, STATUS, "budget_funds", 550, "万元", None),
    ("江山市", 2023, None, STATUS, "budget_funds", 750, "万元", None),
    ("常山县", 2023, None, STATUS, "budget_funds", 513, "万元", None),
    ("开化县", 2023, None, STATUS, "budget_funds", 485, "万元", None),
    ("衢州市", 2024, None, TARGET, "budget_funds", 3604, "万元", None),
    ("衢州市", 2024, None, TARGET, "budget_funds_growth", 16.79, "%", None),
    ("衢州市", 2023, 2025, TARGET, "state_firm_financing", 13.78, "亿元", None),   # the programme's money
    ("衢州市", 2023, 2025, TARGET, "government_bonds", 5.88, "亿元", None),
    ("衢州市", 2023, None, STATUS, "higher_level_subsidy", 3.97, "亿元", None),
    ("衢州市", 2023, None, STATUS, "central_funds", 2.55, "亿元", None),
    ("衢州市", 2023, None, STATUS, "provincial_funds", 1.42, "亿元", None),
    ("衢州市", 2023, None, STATUS, "local_matching_funds", 1.27, "亿元", None),
]


def rows_of(facts):
    return [(f.jurisdiction.name, f.year, f.year_end, f.nature, f.metric, f.value, f.unit, f.comparator)
            for f in facts]


def test_the_drinking_water_inquiry_gives_exactly_these_figures(magazine):
    facts = magazine.hearing_facts
    assert rows_of(facts) == EXPECTED
    assert {(f.topic, f.body) for f in facts} == {(TOPIC, "衢州市人大常委会")}
    assert [f.approx for f in facts] == [False] * len(EXPECTED)
    assert facts[0].label == "总投资" and facts[11].label == "财政安排工作经费"
    assert facts[3].phrase == "10 个乡镇水厂和 472 座单村水站提升改造项目"
    assert facts[4].phrase == "省里要求年底开工率要达到 70% 以上"
    assert facts[13].phrase == "衢 江 区 300 万 元"   # as printed: the offsets point at it
    assert [f.label for f in facts[5:10]] == [
        "单村水站已审批并开工", "单村水站已审批未开工", "单村水站未完成审批", "审批完成率", "开工率"]


def test_the_programme_s_money_takes_the_programme_s_years(magazine):
    """The finance bureau's answer: "本轮…472 座单村水站提升改造任务，总投资约 24.9 亿元。为此，…一是…各县（市、区）
    拟通过国企融资筹措 13.78 亿元，全力争取专项债和一般债 5.88 亿元。二是…共争取上级财政补助 3.97 亿元…" (the four
    channels make the 24.9 亿元 of 2023—2025). The plans take the programme's years; what is secured stays as of
    the inquiry, and the 2024 budget of the paragraph before keeps its own year."""
    years = {(f.metric, f.value): (f.year, f.year_end) for f in magazine.hearing_facts}
    assert years[("state_firm_financing", 13.78)] == years[("government_bonds", 5.88)] == (2023, 2025)
    assert years[("higher_level_subsidy", 3.97)] == years[("local_matching_funds", 1.27)] == (2023, None)
    assert years[("budget_funds", 3604)] == (2024, None)


def test_the_figures_add_up_as_the_record_says(magazine):
    """Checks of the transcription: the places' budgets make the whole city's, the four channels of money
    make the programme's investment, central and provincial money the higher-level subsidy, and the
    stations started, approved and not approved make the 472 to upgrade."""
    value = {(f.jurisdiction.name, f.year, f.metric): f.value for f in magazine.hearing_facts}
    places = [v for (place, year, metric), v in value.items()
              if metric == "budget_funds" and year == 2023 and place != "衢州市"]
    assert len(places) == 7 and sum(places) == value[("衢州市", 2023, "budget_funds")] == 3086
    channels = ("state_firm_financing", "government_bonds", "higher_level_subsidy", "local_matching_funds")
    assert round(sum(value[("衢州市", 2023, m)] for m in channels), 2) == value[("衢州市", 2023, "investment")]
    assert round(value[("衢州市", 2023, "central_funds")] + value[("衢州市", 2023, "provincial_funds")], 2) == 3.97
    stations = ("projects_started", "projects_approved_not_started", "projects_not_approved")
    assert sum(value[("衢州市", 2023, m)] for m in stations) == value[("衢州市", 2023, "village_station_projects")]
    assert round(100 * (219 + 42) / 472, 1) == value[("衢州市", 2023, "approval_rate")]
    assert round(100 * 219 / 472, 1) == value[("衢州市", 2023, "start_rate")]


def test_every_figure_points_back_to_its_phrase_in_the_raw_text(magazine):
    raw = magazine.raw
    for f in magazine.hearing_facts:
        s, e = magazine.clean.source_span(*f.span)
        assert "".join(clean(raw[s:e]).text.split()) == "".join(f.phrase.split())
        ss, se = magazine.clean.source_span(*f.sentence_span)
        assert ss <= s and e <= se and f.phrase in f.sentence


def test_the_inquiry_record_runs_from_its_announcement_to_its_topic_s_last_mention(magazine):
    text = magazine.clean.text
    [hearing] = [h for h in find_hearings(text, _sentences(text), lambda pos: (magazine.jurisdiction, 2023))
                 if h.topic == TOPIC]
    assert text[hearing.start:].startswith("根据年度监督计划，衢州市人大常委会召开农村饮用水安全保障情况专题询问会。")
    # the last sentence that speaks of 农村饮用水; two sentences of the same answer later, a law begins
    assert text[:hearing.end].endswith("停水、断水等紧急类问题办结时限压缩到 24 小时。")
    assert text.index("浙江省人民代表大会常务委员会关于批准", hearing.end) - hearing.end < 200


@pytest.mark.parametrize("name", OTHERS)
def test_no_inquiry_figures_are_invented_for_the_other_reports(directory, name):
    """001 names an inquiry (营商环境优化提升专题询问会) in one sentence; 002 and 003 hold none."""
    report = extract_npc_report(SOURCES / name, (SOURCES / name).read_text(encoding="utf-8"), directory)
    assert report.hearing_facts == []


def test_a_county_s_own_inquiry_in_the_magazine_gives_no_figures(magazine):
    """开化县's 茶产业发展 inquiry (14 members, 25 questions) is found but states no programme figures."""
    text = magazine.clean.text
    topics = [h.topic for h in find_hearings(text, _sentences(text), lambda pos: (magazine.jurisdiction, 2023))]
    assert topics == ["茶产业发展", TOPIC]
    assert {f.topic for f in magazine.hearing_facts} == {TOPIC}


# ---------------------------------------------------------------- small texts


def _facts(directory, text, place="衢州市", year=2023):
    own = next(j for j in directory.jurisdictions if j.name == place)
    city = own if own.kind == "city" else next(j for j in directory.jurisdictions if j.code == own.parent_code)
    family = [j for j in directory.jurisdictions if j.code == city.code or j.parent_code == city.code]
    return find_inquiry_facts(text, [_Scope(0, own, year)], family)


def test_a_hangzhou_inquiry_names_hangzhou_s_districts_and_its_own_year(directory):
    """Places come from the reference table: 上城区 is Hangzhou's; 衢江区 is not, and 市级 has no place in
    Hangzhou's reference (no 市本级 row), so those two figures are whose the text does not say: left out."""
    text = ("杭州市人大常委会召开城市更新工作专题询问会。2024 年全市安排城市更新工作经费 1200 万元，其中市级 200 万元，"
            "上城区 300 万元，衢江区 50 万元。城市更新项目已开工 30 个。")
    facts = _facts(directory, text, "杭州市", 2024)
    assert [(f.topic, f.body, f.jurisdiction.name, f.year, f.metric, f.value, f.nature) for f in facts] == [
        ("城市更新", "杭州市人大常委会", "杭州市", 2024, "budget_funds", 1200, STATUS),
        ("城市更新", "杭州市人大常委会", "上城区", 2024, "budget_funds", 300, STATUS),
        ("城市更新", "杭州市人大常委会", "杭州市", 2024, "projects_started", 30, STATUS),
    ]


def test_plans_and_status_bounds_ranges_and_the_round_s_years(directory):
    text = ("衢州市人大常委会召开农村饮用水安全保障情况专题询问会。我市计划从 2023 到 2025 年投资约 24.9 亿元。"
            "省里要求年底开工率要达到 70% 以上。截至目前，项目开工率 46.4%。"
            "2024 年，拟安排相关资金 3604 万元，较上年增长 16.79%。农村饮用水达标率为 100%。")
    facts = _facts(directory, text)
    assert rows_of(facts) == [
        ("衢州市", 2023, 2025, TARGET, "investment", 24.9, "亿元", None),
        ("衢州市", 2023, None, TARGET, "start_rate", 70, "%", ">="),
        ("衢州市", 2023, None, STATUS, "start_rate", 46.4, "%", None),
        ("衢州市", 2024, None, TARGET, "budget_funds", 3604, "万元", None),
        ("衢州市", 2024, None, TARGET, "budget_funds_growth", 16.79, "%", None),
    ]
    assert facts[0].approx   # 约


def test_an_unnamed_county_in_a_city_s_inquiry_is_left_out_but_a_county_s_own_is_kept(directory):
    city = ("衢州市人大常委会召开农村饮用水安全保障情况专题询问会。剩余由区财政兜底保障，确保总投资 3.3 亿元的农村饮用水项目顺利实施。"
            "柯城区投资 1.1 亿元用于农村饮用水项目。")
    assert [(f.jurisdiction.name, f.value) for f in _facts(directory, city)] == [("柯城区", 1.1)]
    county = "开化县人大常委会召开农村饮用水工作专题询问会。全县农村饮用水项目总投资 2.5 亿元。"
    assert [(f.jurisdiction.name, f.metric, f.value) for f in _facts(directory, county, "开化县")] == [
        ("开化县", "investment", 2.5)]


def test_a_figure_said_again_is_kept_once_where_first_said(directory):
    text = ("衢州市人大常委会召开农村饮用水安全保障情况专题询问会。我市计划实施 472 座单村水站提升改造项目。"
            "截至目前，472 个单村水站已完成审批并开工建设的有 219 座。本轮农村饮用水改造任务共 472 座单村水站。")
    facts = _facts(directory, text)
    assert [(f.metric, f.value, f.unit, f.nature) for f in facts] == [
        ("village_station_projects", 472, "座", TARGET), ("projects_started", 219, "座", STATUS)]
    assert facts[0].phrase == "我市计划实施 472 座单村水站提升改造项目。"


def test_counts_of_projects_are_named_after_the_one_programme_their_sentence_states(directory):
    text = ("衢州市人大常委会召开农村饮用水安全保障情况专题询问会。截至目前，17 个城市管网延伸项目已开工 9 个，未完成审批的 8 个。"
            "农村饮用水项目已开工 30 个。农村饮用水 10 个乡镇水厂和 472 座单村水站中已开工 200 座。")
    assert [(f.metric, f.value, f.label) for f in _facts(directory, text)] == [
        ("pipe_extension_projects", 17, "城市管网延伸项目"),
        ("projects_started", 9, "城市管网延伸已审批并开工"), ("projects_not_approved", 8, "城市管网延伸未完成审批"),
        ("projects_started", 30, "项目已审批并开工"),            # no programme named
        ("projects_started", 200, "项目已审批并开工"),           # two named: whose, the sentence does not say
    ]


def test_money_plans_after_the_programme_s_investment_take_its_years_to_the_paragraph_s_end(directory):
    question = "衢州市人大常委会召开农村饮用水安全保障情况专题询问会。我市农村饮用水计划从 2023 到 2025 年投资 24.9 亿元。"
    answer = ("本轮农村饮用水工程总投资约 24.9 亿元。各县（市、区）拟通过国企融资筹措 13.78 亿元。"
              "共争取上级财政补助 3.97 亿元。")
    after = "各县（市、区）农村饮用水拟通过国企融资筹措 2 亿元。"
    family = [j for j in directory.jurisdictions if j.code == "330800" or j.parent_code == "330800"]
    own = next(j for j in family if j.code == "330800")
    text = question + answer + after
    years = lambda starts: [(f.value, f.year, f.year_end) for f in find_inquiry_facts(
        text, [_Scope(0, own, 2023)], family, starts) if f.metric != "investment"]
    # one paragraph: the money planned after the restated investment is the programme's; the subsidy
    # secured stays as of the inquiry
    assert years(()) == [(13.78, 2023, 2025), (3.97, 2023, None), (2, 2023, 2025)]
    # the answer ends a printed line: the next paragraph's plan is of the inquiry's year
    assert years((0, len(question), len(question + answer))) == [(13.78, 2023, 2025), (3.97, 2023, None),
                                                                  (2, 2023, None)]
    stated = question + "本轮总投资约 24.9 亿元。2024 年农村饮用水拟通过国企融资筹措 1 亿元。"
    assert [(f.value, f.year, f.year_end) for f in find_inquiry_facts(stated, [_Scope(0, own, 2023)], family)
            if f.metric != "investment"] == [(1, 2024, None)]   # a year of its own


def test_a_stock_named_before_its_count_is_no_programme(directory):
    """"乡镇水厂 15 座" are the plants monitored today, not the programme's "10 个乡镇水厂" to build."""
    text = ("衢州市人大常委会召开农村饮用水安全保障情况专题询问会。对农村饮用水在册的 588 座水厂开展监测，其中，城市水厂 6 座、"
            "乡镇水厂 15 座、单村（联村）水站 567 座。")
    assert _facts(directory, text) == []


def test_no_inquiry_no_figures(directory):
    assert _facts(directory, "衢州市人大常委会听取农村饮用水工作报告。我市计划投资 24.9 亿元。") == []


@pytest.mark.parametrize("topic, core", [
    ("农村饮用水安全保障", "农村饮用水"), ("茶产业发展", "茶产业"), ("营商环境优化提升", "营商环境"), ("城市更新", "城市更新"),
    ("工作", "工作")])
def test_topic_core(topic, core):
    assert topic_core(topic) == core


@pytest.mark.parametrize("prefix, suffix, unit, sentence, expected", [
    ("", "单村水站提升改造项目", "座", "实施472座单村水站提升改造项目", "village_station_projects"),
    ("", "单村水站", "座", "全市有472座单村水站", None),                      # no projects in the sentence
    ("乡镇水厂和", "单村水站提升改造项目", "座", "10个乡镇水厂和472座单村水站提升改造项目", "village_station_projects"),
    ("单村水站已完成审批并开工建设的有", "", "座", "…", "projects_started"),
    ("已完成审批未开工建设的", "", "座", "…", "projects_approved_not_started"),
    ("未完成审批的", "", "座", "…", "projects_not_approved"),
    ("审批完成率", "", "%", "…", "approval_rate"),
    ("审批完成率", "", "座", "…", None),                                       # a rate is in %
    ("共争取上级财政补助", "", "亿元", "…", "higher_level_subsidy"),
    ("投入约", "", "万元", "…", None),
])
def test_classify(prefix, suffix, unit, sentence, expected):
    assert classify(prefix, suffix, unit, sentence) == expected


def test_clauses_and_years():
    text = "我市计划实施17个城市管网延伸、10个乡镇水厂”“其中中央资金2.55亿元、省级资金1.42亿元，执法检查、视察"
    assert [text[a:b] for a, b in _clauses(text)] == [
        "我市计划实施17个城市管网延伸", "10个乡镇水厂”", "“其中中央资金2.55亿元", "省级资金1.42亿元", "执法检查、视察"]
    assert _years("我市计划从2023到2025年投资", "投资24.9亿元", 2022) == (2023, 2025)
    assert _years("2023-2025年行动方案。2024年拟安排", "安排3604万元", 2023) == (2024, None)
    assert _years("省里要求", "年底开工率要达到70%以上", 2023) == (2023, None)
    assert _years("", "x", 2023) == (2023, None)


# ---------------------------------------------------------------- stored rows and queries


def test_the_inquiry_s_rows_and_their_query(con):
    table = npc_inquiry_facts(con, "衢州市")
    assert len(table) == len(EXPECTED) and set(table["专题"]) == {TOPIC}
    first = table.iloc[0]
    assert (first["性质"], first["年份"], first["县（市、区）"], first["指标"], first["数值"], first["单位"]) == (
        "目标/计划", "2023—2025", "衢州市", "总投资", 24.9, "亿元")
    rate = table[table["metric"] == "start_rate"]
    assert rate[["性质", "年份", "数值", "条件"]].values.tolist() == [
        ["目标/计划", "2023", 70.0, "≥"], ["进展/现状", "2023", 46.4, ""]]
    budgets = table[(table["metric"] == "budget_funds") & (table["年份"] == "2023")]
    assert budgets["县（市、区）"].tolist() == ["衢州市", "市本级", "柯城区", "衢江区", "龙游县", "江山市", "常山县", "开化县"]
    content = con.execute("SELECT content FROM source_files WHERE file_name = ?", [MAGAZINE]).fetchone()[0]
    for row in table.itertuples():
        assert readable(clean(content[row.起:row.止]).text) == row.原文
    assert table["原文"].tolist()[1] == "我市计划实施17个城市管网延伸"           # printed "“我市计划实施 17 个城市管网延伸"
    shown = table.set_index("数值")
    assert shown.loc[46.4, "原文"] == "项目开工率46.4%"                              # printed "项 目 开 工 率 46.4%"
    assert shown.loc[300.0, "原文"] == "衢江区300万元"                                # printed "衢 江 区 300 万 元"
    assert shown.loc[3086.0, "原文"] == "2023年全市各级财政部门共安排水利等职能部门相关工作经费3086万元"
    assert shown.loc[300.0, "原句"].startswith("据统计，2023年全市各级财政部门共安排")
    assert " " not in "".join(table["原句"])
    assert table.loc[table["metric"] == "projects_started", "指标"].tolist() == ["单村水站已审批并开工"]
    assert table.loc[table["metric"].isin(["state_firm_financing", "government_bonds"]), "年份"].tolist() == [
        "2023—2025", "2023—2025"]
    assert set(table["约数"]) == {""}   # text, not a column of empty check boxes
    assert npc_inquiry_facts(con, "杭州市").empty


def test_the_inquiry_s_figures_stay_out_of_the_work_counts(con):
    assert "budget_funds" not in set(npc_facts(con)["metric"])
    comparison = npc_comparison(con, year=2023, city="衢州市")
    assert not {"总投资", "财政安排工作经费", "开工率"} & set(comparison.columns)
    assert "市本级" not in set(comparison["县（市、区）"])
    stored = con.execute("SELECT nature, count(*) FROM npc_facts WHERE topic IS NULL GROUP BY nature").fetchall()
    assert stored == [("status", 83)]   # 51 + 15 + 15 + 2 work counts, all of what was done
