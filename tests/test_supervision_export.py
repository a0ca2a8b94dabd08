"""The 督查清单 files read back cell by cell: xlsx with openpyxl, CSV with the csv module; and the CLI."""
import csv
import re
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.dashboard_db import add_report, add_upload, make_db
from tracker import supervision as sv
from tracker import supervision_export as sx
from tracker.__main__ import main as tracker_main

JULY = date(2024, 7, 31)
HYPERLINK = '=HYPERLINK("http://evil.example","点击")'
NOW = datetime(2024, 8, 1, 9, 0)


@pytest.fixture
def db(tmp_path):
    """The tiny database plus a March report on the milestone whose texts look like formulas."""
    path = tmp_path / "t.duckdb"
    con = make_db(path)
    add_upload(con, 2, "市经信局", "2024-03")
    add_report(con, 7, 2, 4, "330800", "2024-03", 1, None, progress=HYPERLINK, problems="@SUM(A1:A9)",
               next_steps="+1 加快进度")
    con.close()
    return path


@pytest.fixture
def con(db):
    from tracker.db import connect

    connection = connect(db)
    yield connection
    connection.close()


EXPECTED_ITEM = {
    "序号": 1, "督查类别": "逾期", "研判状态": "未报送", "条目": "（一）建设充电设施", "指标": "完成一期", "县（市、区）": "衢州市",
    "目标": "—", "累计完成值": None, "计量单位": None, "完成进度": None, "时序进度": 1, "截止日期": datetime(2024, 6, 30),
    "逾期天数": 31, "牵头单位": "市经信局", "牵头市领导": "张三", "研判说明": "本期未报送，已逾期31天且无完成记录",
    "进展情况": "'" + HYPERLINK, "存在问题": "'@SUM(A1:A9)", "督查记录": None, "二次交办": None, "文件": "衢测〔2024〕1号",
    "报送期": "2024年3月", "下步打算": "'+1 加快进度", "填报编号": "T4-330800",
}


def test_xlsx_items_sheet_cell_by_cell(con, tmp_path):
    out = tmp_path / "list.xlsx"
    items = sv.supervision_items(con, JULY)
    sx.write_xlsx(items, sv.unreported_units(con, JULY), out, JULY, "全部", now=NOW)
    wb = load_workbook(out)
    assert wb.sheetnames == ["督查清单", "未报送单位"]
    ws = wb["督查清单"]
    assert ws["A1"].value == "逾期及滞后事项督查清单（截至2024年7月31日）"
    assert ws["A2"].value == "截至2024年7月31日　筛选：全部　生成时间：2024-08-01 09:00"
    assert [c.value.replace("\n", "") for c in ws[3]] == list(sx.ITEM_HEADERS)   # two lines where narrow
    assert ws.max_row == 4
    assert dict(zip(sx.ITEM_HEADERS, (c.value for c in ws[4]))) == EXPECTED_ITEM
    for cell in ws[4]:
        assert cell.data_type != "f", cell.coordinate   # no formula anywhere
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
    status = ws.cell(row=4, column=sx.ITEM_HEADERS.index("研判状态") + 1)
    assert status.fill.fgColor.rgb == "00999999" and status.font.color.rgb == "001F1F1F"   # dark on grey
    category = ws.cell(row=4, column=2)
    assert category.fill.fgColor.rgb == "00D55E00"
    assert ws.cell(row=4, column=sx.ITEM_HEADERS.index("截止日期") + 1).number_format == "yyyy-mm-dd"
    assert ws.cell(row=4, column=sx.ITEM_HEADERS.index("时序进度") + 1).number_format == "0.0%"


def test_xlsx_layout_and_print_setup(con, tmp_path):
    out = tmp_path / "list.xlsx"
    sx.write_xlsx(sv.supervision_items(con, JULY), sv.unreported_units(con, JULY), out, JULY, "全部", now=NOW)
    for ws in load_workbook(out):
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref.startswith("A3:")
        assert ws.print_title_rows == "$1:$3"   # every page says what the list is (title, date, filters)
        assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws["A3"].font.bold and ws["A3"].fill.fgColor.rgb == "00DDEBF7"
        # every cell names its font: one without a name printed in a wider serif, dates came out as ###
        assert {c.font.name for row in ws.iter_rows() for c in row if c.value is not None} == {"Calibri"}
        assert (ws.page_margins.left, ws.page_margins.right) == (0.3, 0.3)
    ws = load_workbook(out)["督查清单"]
    assert ws.auto_filter.ref == "A3:X4"
    assert ws.print_area == "'督查清单'!$A$1:$S$4"   # the printout stops at 督查记录
    assert [ws.column_dimensions[c].width for c in "ABD"] == [5, 9, 14]   # "严重滞后" on one line
    assert [ws.column_dimensions[c].width for c in "KL"] == [8, 11]   # 时序进度 and 截止日期 whole, no ###


def test_xlsx_units_sheet(con, tmp_path):
    out = tmp_path / "list.xlsx"
    sx.write_xlsx(sv.supervision_items(con, JULY), sv.unreported_units(con, JULY), out, JULY, "全部", now=NOW)
    ws = load_workbook(out)["未报送单位"]
    assert ws["A1"].value == "未报送单位催报清单（2024年7月，截至2024年7月31日）"
    assert [c.value.replace("\n", "") for c in ws[3]] == list(sx.UNIT_HEADERS)
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=4)] == [
        [1, "市经信局", "市直单位", None, 4, 0, 4, "未报送", None,
         "（一）新增公共充电桩、（一）柯城区、衢江区充电桩（柯城区）、（一）柯城区、衢江区充电桩（衢江区）、（一）完成一期"],
        [2, "市发改委", "市直单位", None, 1, 0, 1, "未报送", None, "一、固定资产投资增长"],
    ]
    assert ws["H4"].fill.fgColor.rgb == "00999999"


def test_csv_has_a_bom_and_the_same_rows(con, tmp_path):
    n_items, n_units, out = sx.export_overdue(con, JULY, tmp_path / "list.csv")
    assert (n_items, n_units, out) == (1, 2, tmp_path / "list.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(sx.ITEM_HEADERS)
    assert dict(zip(rows[0], rows[1])) == {
        **{k: "" if v is None else str(v) for k, v in EXPECTED_ITEM.items()},
        "时序进度": "100.0%", "截止日期": "2024-06-30",
    }
    assert len(rows) == 2


def test_units_csv_bytes(con):
    text = sx.csv_bytes(sx.unit_rows(sv.unreported_units(con, JULY)), sx.UNIT_HEADERS).decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == list(sx.UNIT_HEADERS)
    assert [r[1] for r in rows[1:]] == ["市经信局", "市发改委"]


def test_a_directory_gets_a_dated_file_name(con, tmp_path):
    _, _, out = sx.export_overdue(con, JULY, tmp_path)
    assert out == tmp_path / "督查清单_2024-07-31.xlsx" and out.exists()
    assert sx.file_name("未报送单位", JULY, ".csv") == "未报送单位_2024-07-31.csv"
    with pytest.raises(ValueError, match="请用 .xlsx 或 .csv"):
        sx.export_overdue(con, JULY, tmp_path / "list.pdf")
    # the README's `--out exports/` on a fresh clone: a folder not made yet
    _, _, out = sx.export_overdue(con, JULY, tmp_path / "exports")
    assert out == tmp_path / "exports" / "督查清单_2024-07-31.xlsx" and out.exists()


def test_a_list_with_demo_figures_says_so_on_paper(built_demo_db, tmp_path):
    """Found by QA: the printed 督查清单 and 汇总表 did not say their figures were demo data."""
    import duckdb

    from tracker.progress_summary import export_summary

    con = duckdb.connect(str(built_demo_db), read_only=True)
    try:
        as_of = date(2024, 9, 30)
        sx.write_xlsx(sv.supervision_items(con, as_of), sv.unreported_units(con, as_of), tmp_path / "l.xlsx", as_of,
                      "全部", now=NOW)
        export_summary(con, "2024-09", tmp_path / "s.xlsx")
    finally:
        con.close()
    assert load_workbook(tmp_path / "l.xlsx")["督查清单"]["A2"].value == (
        "截至2024年9月30日　筛选：全部　生成时间：2024-08-01 09:00　含演示数据（不是真实报送）")
    assert load_workbook(tmp_path / "s.xlsx")["汇总表"].oddHeader.center.text == (
        "目标任务进展汇总表（2024年9月）　含演示数据（不是真实报送）")


def test_cli_export_overdue(db, tmp_path, capsys):
    out = tmp_path / "list.xlsx"
    assert tracker_main(["export", "overdue", "--db", str(db), "--as-of", "2024-07-31", "--out", str(out)]) == 0
    assert capsys.readouterr().out == (
        f"已导出截至2024-07-31的督查清单：1 项逾期、滞后或二次交办事项，2 个单位未报送 → {out}\n")
    assert load_workbook(out)["督查清单"]["X4"].value == "T4-330800"
    assert tracker_main(["export", "overdue", "--db", str(db), "--as-of", "2024/07/31", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("错误：截至日期“2024/07/31”无效")


def test_cli_export_briefing(db, tmp_path, capsys):
    out = tmp_path / "通报.docx"
    assert tracker_main(["export", "briefing", "--db", str(db), "--as-of", "2024-07", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"已导出截至2024-07的月度通报 → {out}\n"
    assert out.read_bytes()[:2] == b"PK" and "2024年7月" in "".join(p.text for p in Document(out).paragraphs)
    assert tracker_main(["export", "briefing", "--db", str(db), "--as-of", "2024-07", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.endswith("月度通报_2024-07.xlsx\n") and (tmp_path / "月度通报_2024-07.xlsx").exists()
    assert tracker_main(["export", "briefing", "--db", str(db), "--as-of", "2024-07", "--out", str(tmp_path / "x.pdf")]) == 2
    assert capsys.readouterr().err == "错误：不支持的通报格式“.pdf”：请用 .xlsx 或 .docx\n"


@pytest.mark.parametrize("what", ["briefing", "overdue"])
def test_cli_exports_refuse_a_day_before_the_plans_start(db, tmp_path, capsys, what):
    """Found by QA: the 月度通报 as of 2023-12 said all targets of 2024 were 未报送."""
    out = tmp_path / "x.xlsx"
    assert tracker_main(["export", what, "--db", str(db), "--as-of", "2023-12", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "错误：截至日期2023-12-31早于已加载计划的起始日期2024-01-01：那时还没有任务，请选2024-01或之后\n")
    assert not out.exists()
    assert tracker_main(["export", what, "--db", str(db), "--as-of", "2024-01-01", "--out", str(out)]) == 0


def test_file_names_say_what_the_filters_chose(con, tmp_path):
    """Found by QA: a 督查清单 for 市经信局 and one for every unit both downloaded as 督查清单_2024-07-31.xlsx,
    the second overwriting (or renamed by the browser to "(1)") the first in a user's downloads."""
    assert sv.file_scope(con, sv.Filters(year=2024)) == ""
    chosen = sv.Filters(year=2024, doc_ids=(1,), area_ids=(1,), units=("市经信局",), leaders=("张三",),
                        jurisdictions=("330802", "330803"))
    assert sv.file_scope(con, chosen, ("逾期", "滞后")) == "衢测〔2024〕1号_扩大有效投资政策_市经信局_张三_柯城区、衢江区_逾期、滞后"
    # three units: the first two named, and four characters of a digest so another three do not share the name
    many = sv.file_scope(con, sv.Filters(units=("市发改委", "市经信局", "市商务局/口岸办")))
    other = sv.file_scope(con, sv.Filters(units=("市发改委", "市经信局", "市财政局")))
    assert re.fullmatch("市发改委、市经信局等3个单位_[0-9a-f]{4}", many) and other[:-4] == many[:-4] and other != many
    assert sv.file_scope(con, sv.Filters(units=('市"测试"局: A/B',))) == "市-测试-局-A-B"
    # a long name is cut, and every filter keeps its place (the county and the category are not cut off)
    long = sv.file_scope(con, sv.Filters(units=("市" + "很" * 80 + "局",), jurisdictions=("330802",)), ("滞后",))
    assert re.fullmatch("市很{22}…_柯城区_滞后_[0-9a-f]{4}", long)
    assert sv.file_scope(con, sv.Filters(), ("逾期", "严重滞后", "滞后", "二次交办")) == "逾期、严重滞后、滞后、二次交办"
    # documents that share a 文号 go by their titles (衢政办发〔2024〕10号 is three documents)
    con.execute("INSERT INTO documents (doc_id, file_id, doc_number, title, issue_date, year, kind, city_code, "
                "period_start, period_end) VALUES (2, 1, '衢测〔2024〕1号', '测试民生实事', '2024-03-01', 2024, "
                "'livelihood_allocation', '330800', '2024-01-01', '2024-12-31')")
    assert [sv.file_scope(con, sv.Filters(doc_ids=(n,))) for n in (1, 2)] == ["测试实施方案", "测试民生实事"]
    assert sx.file_name("督查清单", JULY, ".xlsx", "市经信局_逾期") == "督查清单_市经信局_逾期_2024-07-31.xlsx"
    _, _, out = sx.export_overdue(con, JULY, tmp_path, sv.Filters(units=("市经信局",)), categories=("逾期",))
    assert out == tmp_path / "督查清单_市经信局_逾期_2024-07-31.xlsx" and out.exists()
    from tracker.briefing import export_briefing

    out = export_briefing(con, JULY, tmp_path, sv.Filters(jurisdictions=("330802",)))
    assert out == tmp_path / "月度通报_柯城区_2024-07.xlsx" and out.exists()


def test_the_units_sheet_is_labelled_without_the_categories(con, tmp_path):
    """QA: the 未报送单位 sheet of a 督查清单 exported for 逾期 said 督查类别：逾期, though its units are
    chosen by the other filters only; the 督查清单 sheet says it."""
    _, _, out = sx.export_overdue(con, JULY, tmp_path / "list.xlsx", sv.Filters(units=("市经信局",)),
                                  categories=("逾期",))
    book = load_workbook(out)
    assert "责任单位：市经信局；督查类别：逾期" in book["督查清单"]["A2"].value
    units = book["未报送单位"]["A2"].value
    assert "责任单位：市经信局" in units and "督查类别" not in units


def test_printed_headers_break_between_words_and_status_fills_keep_text_legible(con, tmp_path):
    """QA on paper: headers broke mid-word ("督查类/别", "研判状/态", "县（市/、区）") and 滞后 was white on
    orange. A header too wide for its column is broken between words, with a row tall enough for two lines
    (or its column widened, where its values broke too);
    a fill takes the text colour that contrasts more (dark on 滞后's orange, white on 已完成's blue)."""
    from tracker import print_setup as ps

    out = tmp_path / "list.xlsx"
    sx.write_xlsx(sv.supervision_items(con, JULY), sv.unreported_units(con, JULY), out, JULY, "全部", now=NOW)
    book = load_workbook(out)
    items = {c.value.replace("\n", ""): c.value for c in book["督查清单"][3]}
    assert items["县（市、区）"] == "县（市、\n区）" and items["累计完成值"] == "累计\n完成值"
    assert items["完成进度"] == "完成\n进度" and items["牵头市领导"] == "牵头\n市领导"
    widths = dict(sx.ITEM_COLUMNS)   # 督查类别 and 研判状态 are wide enough for "严重滞后" (it printed 严重滞/后)
    assert items["督查类别"] == "督查类别" and items["研判状态"] == "研判状态"
    assert all(ps.text_lines("严重滞后", widths[h], sx.BODY_SIZE) == 1 for h in ("督查类别", "研判状态"))
    assert items["条目"] == "条目" and items["截止日期"] == "截止日期"   # what fits stays on one line
    assert book["督查清单"].row_dimensions[3].height >= 2 * ps.LINE_SPACING * sx.BODY_SIZE
    units = {c.value.replace("\n", ""): c.value for c in book["未报送单位"][3]}
    assert units["县（市、区）"] == "县（市、\n区）" and units["缺报事项数"] == "缺报\n事项数"
    for header, width in sx.ITEM_COLUMNS + sx.UNIT_COLUMNS:   # each printed line fits its column
        assert all(ps.text_lines(line, width, sx.BODY_SIZE) == 1 for line in ps.header_text(header, width, sx.BODY_SIZE).split("\n")), header
    assert ps.text_colour_on("#E69F00") == ps.DARK_TEXT        # 滞后
    assert ps.text_colour_on("#0072B2") == "FFFFFF"            # 已完成
    assert ps.text_colour_on("00999999") == ps.DARK_TEXT       # openpyxl's ARGB, 未报送
