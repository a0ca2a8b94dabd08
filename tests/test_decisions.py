from datetime import date

import pytest

from loaders.decision_list import DECISION, DECISION_LIST, deadline_of, find_decision_lists
from loaders.extract import extract_file, to_json
from loaders.organisations import Directory
from loaders.text_clean import clean
from tests.conftest import ROOT

SEVEN = [
    (1, "衢州市公共数据授权运营管理实施细则（试行）", "市数据局", date(2024, 6, 30)),
    (2, "衢州市区国有土地上房屋征收与补偿办法", "市住建局", date(2024, 6, 30)),
    (3, "衢州市区国有土地上房屋征收补助和奖励标准", "市住建局", date(2024, 6, 30)),
    (4, "关于衢州市市域一体使用房票的指导意见", "市资源规划局", date(2024, 6, 30)),
    (5, "关于调整衢州市区被征地农民参加基本养老保险有关标准的通知", "市人力社保局", date(2024, 10, 31)),
    (6, "关于调整衢州市本级建设项目工伤保险缴费费率的通知", "市人力社保局", date(2024, 10, 31)),
    (7, "衢州市关于进一步健全职工基本医疗保险门诊共济保障机制实施办法", "市医保局", date(2024, 12, 31)),
]


@pytest.fixture(scope="module")
def doc(gazette_path):
    return clean(gazette_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extracted(gazette_path):
    return extract_file(gazette_path, Directory.from_reference(ROOT / "data" / "reference"))


def test_the_seven_decisions_with_owner_and_deadline(doc):
    [decisions] = find_decision_lists(doc)
    assert [(d.number, doc.text[slice(*d.name)], d.owner, d.deadline) for d in decisions] == SEVEN
    assert all(d.body == "市政府" and not d.problems for d in decisions)


@pytest.mark.parametrize("text, expected", [
    ("2024年6月底前", date(2024, 6, 30)),
    ("2024年10月底前", date(2024, 10, 31)),
    ("2024 年 12 月底前", date(2024, 12, 31)),
    ("2024年2月底前", date(2024, 2, 29)),
    ("2024年3月中旬", date(2024, 3, 20)),
    ("2024年3月上旬前", date(2024, 3, 10)),
    ("2024年5月15日前", date(2024, 5, 15)),
    ("2024年9月", date(2024, 9, 30)),
    ("2024年13月底前", None),
    ("年底前", None),
])
def test_deadline_of(text, expected):
    assert deadline_of(text) == expected


def test_a_column_that_cannot_be_cut_is_a_problem_not_a_guess():
    text = ("序号 1 2事项名称甲市数据条例乙市数据细则的补充决策主体市政府市政府决策承办单位市数据局市住建局"
            "法律政策依据无履行程序要求无计划完成时间2024年6月底前")
    [decisions] = find_decision_lists(clean(text))
    assert [d.number for d in decisions] == [1, 2]
    assert decisions[0].problems == [
        "事项名称无法切分为 2 项：甲市数据条例乙市数据细则的补充",
        "计划完成时间应有 2 个，找到 1 个",
    ]
    assert decisions[0].deadline is None and decisions[1].owner == "市住建局"


def test_decisions_are_extra_items_of_their_own_document(extracted):
    data = to_json(extracted)
    kinds = [i["kind"] for d in data["documents"] for i in d["items"]]
    assert [kinds.count(k) for k in ("policy_area", "policy_measure", "work_task", DECISION)] == [8, 73, 130, 7]
    [listing] = [d for d in data["documents"] if d["kind"] == DECISION_LIST]
    assert (listing["doc_number"], listing["date"]) == ("衢政办发〔2024〕12号", "2024-03-29")
    first = listing["items"][0]
    assert first["units"] == ["市数据局"]
    [target] = first["targets"]
    assert (target["kind"], target["value"], target["comparator"], target["deadline"], target["raw"]) == (
        "milestone", None, "=", "2024-06-30", "2024年6月底前")


def test_milestones_point_back_to_the_printed_date(extracted):
    raw = extracted.raw
    for document in extracted.documents:
        for item in document.items:
            if item.raw.kind != DECISION:
                continue
            [t] = item.targets
            s, e = item.raw.text.source_span(t.start, t.end)
            assert "".join(clean(raw[s:e]).text.split()) == t.raw
