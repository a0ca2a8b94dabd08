import csv
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.issue4_data import built_db
from tracker.__main__ import main
from tracker.formatting import day_label
from tracker.print_setup import row_height
from tracker.register_export import COLUMNS, HEADERS

REQUIRED = ["文号", "序号", "指标", "原文", "县（市、区）", "目标值", "单位", "责任单位", "牵头市领导", "截止日期"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return built_db(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def csv_rows(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "目标清单.csv"
    assert main(["export", "targets", "--db", str(db), "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_headers_are_chinese_and_complete(csv_rows):
    assert list(csv_rows[0]) == HEADERS
    assert all(h in HEADERS for h in REQUIRED)


def test_whole_city_row_then_one_row_per_jurisdiction(csv_rows):
    rows = [r for r in csv_rows if r["指标"] == "“浙里快处”处理量"]
    assert [(r["县（市、区）"], r["目标值"]) for r in rows] == [
        ("衢州市", "36000"), ("市本级", "0"), ("柯城区", "8800"), ("衢江区", "4800"), ("常山县", "3900"),
        ("开化县", "2700"), ("龙游县", "4500"), ("江山市", "6900"), ("智慧新城", "0"), ("智造新城", "4700")]
    assert {r["文号"] for r in rows} == {"衢政办发〔2024〕10号"}
    assert rows[2]["责任单位"] == "柯城区政府" and rows[1]["责任单位"] == "市公安局"
    assert rows[0]["截止日期"] == "2024-12-31"


def test_decisions_and_tasks_are_in_the_register(csv_rows):
    [decision] = [r for r in csv_rows if r["文号"] == "衢政办发〔2024〕12号" and r["序号"] == "5．"]
    assert (decision["指标"], decision["原文"], decision["截止日期"], decision["责任单位"], decision["类型"]) == (
        "关于调整衢州市区被征地农民参加基本养老保险有关标准的通知", "2024年10月底前", "2024-10-31", "市人力社保局", "节点")
    task = next(r for r in csv_rows if r["文号"] == "衢政办发〔2024〕10号" and r["序号"] == "2．")
    assert (task["县（市、区）"], task["牵头市领导"], task["责任单位"]) == ("衢州市", "周卫兵、郑河江", "市发改委、市财政局")


def test_no_cell_can_run_as_a_formula(csv_rows):
    for row in csv_rows:
        assert not any(str(v).startswith(("=", "+", "@")) for v in row.values()), row


def test_xlsx_has_the_same_rows(db, tmp_path, csv_rows):
    out = tmp_path / "目标清单.xlsx"
    assert main(["export", "targets", "--db", str(db), "--out", str(out)]) == 0
    ws = load_workbook(out, read_only=True)["目标清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) - 1 == len(csv_rows)


def test_xlsx_prints_on_a4_landscape_with_the_header_on_every_page(db, tmp_path):
    out = tmp_path / "目标清单.xlsx"
    assert main(["export", "targets", "--db", str(db), "--out", str(out)]) == 0
    ws = load_workbook(out)["目标清单"]
    assert ws.print_title_rows == "$1:$1"
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)   # 9: A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.oddHeader.center.text == f"目标清单　导出日期：{day_label(date.today())}"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    # long texts wrap and each row is as tall as its longest text
    header = [c.value for c in ws[1]]
    first = [c.value for c in ws[2]]
    assert ws.cell(row=2, column=header.index("文件") + 1).alignment.wrap_text is True
    assert ws.row_dimensions[2].height == row_height(first, [w for _, w in COLUMNS]) > 2 * 1.45 * 11
    assert {c.font.name for row in ws.iter_rows() for c in row} == {"Calibri"}


def test_unknown_format_is_refused(db, tmp_path, capsys):
    assert main(["export", "targets", "--db", str(db), "--out", str(tmp_path / "x.pdf")]) == 2
    assert "不支持的导出格式“.pdf”" in capsys.readouterr().err
