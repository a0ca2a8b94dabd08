import json
import subprocess
import sys
from collections import Counter

import pytest

from loaders.extract import ExtractionError, extract_file, to_json
from loaders.organisations import Directory
from loaders.text_clean import clean
from tests.conftest import ROOT
from tests.target_scoring import score

REFERENCE = ROOT / "data" / "reference"


@pytest.fixture(scope="module")
def extracted(gazette_path):
    return to_json(extract_file(gazette_path, Directory.from_reference(REFERENCE)))


def test_documents_and_kinds(extracted):
    docs = [(d["doc_number"], d["kind"], len(d["items"])) for d in extracted["documents"]]
    assert docs[0] == ("衢政发〔2024〕7号", "policy_plan", 81)
    assert docs[2] == ("衢政办发〔2024〕10号", "task_decomposition", 130)
    kinds = Counter(i["kind"] for d in extracted["documents"] for i in d["items"])
    assert (kinds["policy_area"], kinds["policy_measure"], kinds["work_task"]) == (8, 73, 130)


def test_items_carry_canonical_units_and_counties(extracted):
    tasks = {i["number"]: i for i in extracted["documents"][2]["items"]}
    assert tasks[10]["units"] == ["市文旅局", "市城投集团", "柯城区政府", "衢江区政府", "龙游县政府"]
    assert tasks[10]["counties"] == ["柯城区", "衢江区", "龙游县"]
    assert tasks[5]["units"][0] == "市府办"
    measures = {i["number"]: i for i in extracted["documents"][0]["items"] if i["kind"] == "policy_measure"}
    assert measures[1]["area"] == "扩大有效投资政策"


def test_targets_point_back_to_their_source_text(gazette_path, extracted):
    raw = gazette_path.read_text(encoding="utf-8")
    for doc in extracted["documents"]:
        for item in doc["items"]:
            for t in item["targets"]:
                s, e = t["source"]
                source = "".join(clean(raw[s:e]).text.split())
                assert source == "".join(t["raw"].split()), t


def test_target_recall_and_precision_against_the_hand_annotation(extracted):
    found = {
        (i["kind"], i["number"]): i["targets"]
        for d in extracted["documents"] for i in d["items"]
    }
    result = score(found)
    assert result.annotated == 256
    assert result.recall >= 0.95, result.missed
    assert result.precision >= 0.95, result.extra


def test_unknown_kind_of_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "会议纪要.txt"
    path.write_text("这是一份会议纪要。\n\n没有编号的任务。\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match="会议纪要.txt"):
        extract_file(path, Directory.from_reference(REFERENCE))


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "scan.txt"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ExtractionError, match="UTF-8"):
        extract_file(path, Directory.from_reference(REFERENCE))


def test_cli_extract_prints_json(gazette_path):
    out = subprocess.run([sys.executable, "-m", "loaders", "extract", str(gazette_path)],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    data = json.loads(out.stdout)
    assert data["documents"][2]["items"][1]["lead_leaders"] == ["周卫兵", "郑河江"]


def test_cli_extract_missing_file_exit_code(tmp_path):
    out = subprocess.run([sys.executable, "-m", "loaders", "extract", str(tmp_path / "none.txt")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert "找不到文件" in out.stderr


@pytest.mark.parametrize("data, message", [
    (b"", "f.txt: 是空文件（没有文字）；请提供从 PDF 导出的 UTF-8 文本"),
    (" \n\t\n".encode(), "f.txt: 是空文件（没有文字）；请提供从 PDF 导出的 UTF-8 文本"),
    ("衢州市人民政府关于印发实施方案的通知".encode("gbk"),
     "f.txt: 不是 UTF-8 文本（第 0 字节无法解码，看来是 GBK 编码，请另存为 UTF-8）；请提供从 PDF 导出的 UTF-8 文本"),
    ("衢州市人民政府".encode("utf-16"),
     "f.txt: 不是 UTF-8 文本（第 0 字节无法解码，看来是 UTF-16 编码，请另存为 UTF-8）；请提供从 PDF 导出的 UTF-8 文本"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe",
     "f.txt: 不是 UTF-8 文本（第 10 字节无法解码，看来不是文本文件，可能是改了扩展名的其他文件）；请提供从 PDF 导出的 UTF-8 文本"),
])
def test_a_file_that_is_no_text_says_what_it_looks_like(tmp_path, data, message):
    """Found by QA: an empty file was told 找到 0 份带文号的文件; GBK and UTF-16 files only got a byte offset."""
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    with pytest.raises(ExtractionError) as exc:
        extract_file(path, Directory.from_reference(ROOT / "data" / "reference"))
    assert str(exc.value) == message
