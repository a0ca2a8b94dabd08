"""The month's 汇总表 and its exports; formula-safe cells."""
import csv
from datetime import datetime

import pytest
from openpyxl import load_workbook

from loaders.progress_template import NEXT_STEPS, PROBLEMS, PROGRESS, STATUS, VALUE
from loaders.progress_upload import upload_file
from tests.progress_files import NOW, fill, template
from tracker.__main__ import main as tracker_main
from tracker.progress_summary import HEADERS, export_summary, summary
from tracker.reporting import all_rows, resolve_unit, unit_rows
from tracker.safe_cells import is_dangerous, neutralise, set_text

PERIOD = "2024-03"


def count_row(con):
    """(sheet row, reporting row) of 市发改委's first count target paced over the whole year."""
    rows = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)
    return next((i, r) for i, r in enumerate(rows, start=2)
                if r.kind == "count" and r.comparator == ">=" and not r.steps and r.due_date.isoformat() == "2024-12-31")


@pytest.fixture
def reported(con, tmp_path):
    n, row = count_row(con)
    tpl = template(con, tmp_path)
    f = fill(tpl, tmp_path / "3月.xlsx", {n: {VALUE: row.target_value, STATUS: "已完成", PROGRESS: "=HYPERLINK(\"x\")",
                                             PROBLEMS: "+1 问题", NEXT_STEPS: "@SUM(A1)"}})
    assert upload_file(con, f, "市发改委", uploaded_by="王五", now=NOW).outcome == "accepted"
    return row


def test_every_target_and_jurisdiction_is_a_row_and_unreported_ones_say_so(con):
    rows = summary(con, PERIOD)
    assert [r["填报编号"] for r in rows] == [r.row_id for r in all_rows(con, PERIOD)]
    assert {r["研判状态"] for r in rows} <= {"未报送", ""}
    assert all(r["累计完成值"] is None and r["数据性质"] == "" for r in rows)
    first = rows[0]
    assert (first["报送单位"], first["区域"], first["版本"], first["报送人"]) == ("市发改委", "衢州市", None, "")


def test_a_reported_row_shows_the_latest_report_and_who_sent_it(con, reported):
    [row] = [r for r in summary(con, PERIOD) if r["填报编号"] == reported.row_id]
    assert {k: row[k] for k in ("累计完成值", "报送状态", "研判状态", "完成比例", "进展情况", "存在问题", "下步打算",
                                "版本", "报送单位", "报送人", "报送时间", "来源文件", "数据性质")} == {
        "累计完成值": reported.target_value, "报送状态": "已完成", "研判状态": "已完成", "完成比例": 1.0,
        "进展情况": "=HYPERLINK(\"x\")", "存在问题": "+1 问题", "下步打算": "@SUM(A1)", "版本": 1,
        "报送单位": "市发改委", "报送人": "王五", "报送时间": NOW, "来源文件": "3月.xlsx", "数据性质": "正式报送"}
    # 2024 is a leap year: by 31 March 91 of 366 days have passed
    assert row["时序进度"] == round(91 / 366, 4)


def test_a_correction_replaces_the_row_and_a_later_month_does_not_count(con, reported, tmp_path):
    n, _ = count_row(con)
    tpl = template(con, tmp_path)
    half = reported.target_value / 2
    upload_file(con, fill(tpl, tmp_path / "更正.xlsx", {n: {VALUE: half}}), "市发改委", uploaded_by="王五",
                now=datetime(2024, 10, 9))
    [row] = [r for r in summary(con, PERIOD) if r["填报编号"] == reported.row_id]
    assert (row["累计完成值"], row["版本"], row["报送状态"], row["来源文件"]) == (half, 2, "", "更正.xlsx")
    assert row["研判状态"] == "正常"    # 50% done against 24.9% of the year
    [april] = [r for r in summary(con, "2024-04") if r["填报编号"] == reported.row_id]
    assert (april["研判状态"], april["累计完成值"]) == ("未报送", None)


def test_csv_export_has_a_bom_and_neutralised_text(con, reported, tmp_path):
    out = tmp_path / "汇总.csv"
    n = export_summary(con, PERIOD, out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert lines[0] == list(HEADERS) and len(lines) == n + 1 == len(all_rows(con, PERIOD)) + 1
    [line] = [line for line in lines if line[0] == reported.row_id]
    row = dict(zip(HEADERS, line))
    assert (row["进展情况"], row["存在问题"], row["下步打算"]) == ("'=HYPERLINK(\"x\")", "'+1 问题", "'@SUM(A1)")
    assert (row["报送时间"], row["截止日期"], row["时序进度"]) == ("2024-10-08 09:30:00", "2024-12-31", "0.2486")


def test_xlsx_export_keeps_text_as_text(con, reported, tmp_path):
    out = tmp_path / "汇总.xlsx"
    export_summary(con, PERIOD, out)
    ws = load_workbook(out)["汇总表"]
    assert [c.value for c in ws[1]] == list(HEADERS)
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    [r] = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == reported.row_id]
    cells = {h: ws.cell(row=r, column=c) for c, h in enumerate(HEADERS, start=1)}
    assert cells["进展情况"].value == "'=HYPERLINK(\"x\")" and cells["进展情况"].data_type == "s"
    assert cells["研判状态"].value == "已完成" and cells["研判状态"].fill.fgColor.rgb == "000072B2"
    assert cells["时序进度"].number_format == "0.0%"


def test_xlsx_prints_the_columns_through_next_steps_wrapped_on_a4_landscape(con, reported, tmp_path):
    out = tmp_path / "汇总.xlsx"
    n = export_summary(con, PERIOD, out)
    ws = load_workbook(out)["汇总表"]
    assert ws.print_area == f"'汇总表'!$A$1:$R${n + 1}" and ws.cell(row=1, column=18).value == "下步打算"
    assert ws.print_title_rows == "$1:$1"
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)   # 9: A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    [r] = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == reported.row_id]
    assert ws.cell(row=r, column=16).alignment.wrap_text is True
    # its note (研判说明, 16 wide: "完成目标的100.0%，时序进度24.9%，进度快于时序75.1个百分点") takes five
    # lines of 11-point text (6 Chinese characters a line)
    assert ws.cell(row=r, column=15).value.startswith("完成目标的100.0%")
    assert ws.row_dimensions[r].height == round(5 * 1.45 * 11 + 3, 2)
    assert (ws.page_margins.left, ws.page_margins.right) == (0.3, 0.3)
    assert {c.font.name for row in ws.iter_rows() for c in row} == {"Calibri"}


def test_export_refuses_other_formats(con, tmp_path):
    with pytest.raises(ValueError, match="不支持的导出格式“.pdf”"):
        export_summary(con, PERIOD, tmp_path / "x.pdf")


def test_cli_export(plain_db, tmp_path, capsys):
    out = tmp_path / "p.xlsx"
    assert tracker_main(["export", "progress", "--db", str(plain_db), "--period", "2024-06", "--out", str(out)]) == 0
    n = load_workbook(out)["汇总表"].max_row - 1
    assert capsys.readouterr().out == f"已导出 2024-06 进展汇总表：{n} 行 → {out}\n"
    assert tracker_main(["export", "progress", "--db", str(plain_db), "--period", "2024-06",
                         "--out", str(tmp_path / "p.txt")]) == 2
    assert "不支持的导出格式" in capsys.readouterr().err


def test_demo_reports_are_labelled(built_demo_db):
    from tracker.db import connect

    con = connect(built_demo_db, read_only=True)
    try:
        labels = {r["数据性质"] for r in summary(con, "2024-06")}
    finally:
        con.close()
    assert "演示数据" in labels and "正式报送" not in labels


# ---------------------------------------------------------------- safe cells


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+86 570", "'+86 570"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("\n=cmd", "'\n=cmd"), ("＝1+1", "'＝1+1"),
    ("正常推进", "正常推进"), ("3=3", "3=3"), ("", ""), ("a-b", "a-b"),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected
    assert is_dangerous(text) == (expected != text)


@pytest.mark.parametrize("value", [None, 3, -3.5, datetime(2024, 1, 1)])
def test_neutralise_leaves_non_text_alone(value):
    assert neutralise(value) == value


def test_set_text_never_writes_a_formula():
    from openpyxl import Workbook

    ws = Workbook().active
    set_text(ws["A1"], "=1+1")
    set_text(ws["A2"], -5)
    assert (ws["A1"].value, ws["A1"].data_type) == ("'=1+1", "s")
    assert (ws["A2"].value, ws["A2"].data_type) == (-5, "n")


# ---------------------------------------------------------------- the same statuses as the pages


def test_the_summary_judges_each_row_as_the_pages_do(built_demo_db):
    """Found by QA: milestones reported 正常 without a number, items closed out or sent back, and targets
    done earlier were 未报送 in the 汇总表 while the pages said otherwise."""
    import duckdb

    from tracker import progress_queries as pq
    from tracker.filters import NO_FILTERS

    con = duckdb.connect(str(built_demo_db), read_only=True)
    try:
        pages = {}
        for level in (pq.CITY, pq.JURISDICTION):
            for r in pq.live_status(con, "2024-09", NO_FILTERS, level=level).itertuples():
                pages[f"T{r.target_id}-{r.jurisdiction_code}"] = r.status
        rows = summary(con, "2024-09")   # the rows units report (no whole-city sums of allocations)
        assert len(rows) == 631 and len(pages) == 674   # 122 and 125 rows of tasks tracked as a whole
        assert {r["填报编号"]: r["研判状态"] for r in rows} == {r["填报编号"]: pages[r["填报编号"]] for r in rows}
    finally:
        con.close()


def test_a_closed_out_item_and_a_milestone_reported_on_track_read_as_on_the_pages(tmp_path):
    from datetime import date

    from tests.dashboard_db import add_report, add_upload, make_db
    from tracker import actions

    con = make_db(tmp_path / "t.duckdb")
    try:
        add_upload(con, 2, "市经信局", "2024-03")
        add_report(con, 7, 2, 4, "330800", "2024-03", 1, None, status="正常")      # a milestone on track
        actions.close_out(con, 2, "330800", "王五", "年报确认已达标", date(2024, 3, 28), now=datetime(2024, 4, 2))
        rows = {r["填报编号"]: (r["研判状态"], r["研判说明"]) for r in summary(con, "2024-03")}
        assert rows["T4-330800"] == ("正常", "未完成，距截止还有91天")
        assert rows["T2-330800"] == ("已完成", "已销号（2024-03-28，王五）：年报确认已达标")
    finally:
        con.close()


def test_exports_judge_with_the_configured_thresholds(built_demo_db, tmp_path, monkeypatch, capsys):
    """Found by QA: with report_fresh_months = 1 in data/settings.json the pages judged October on the
    September reports, while the 汇总表, the 督查清单 and the 月度通报 (command line, and the 汇总表 button)
    used the built-in defaults: every row 未报送, “未报送267项”."""
    import shutil

    import duckdb
    from docx import Document

    from tracker import progress_queries as pq
    from tracker import settings as tracker_settings
    from tracker.filters import NO_FILTERS
    from tracker.settings import load_settings

    db = tmp_path / "demo.duckdb"
    shutil.copy(built_demo_db, db)
    configured = tmp_path / "settings.json"
    configured.write_text('{"report_fresh_months": 1, "behind_points": 10}', encoding="utf-8")
    monkeypatch.setattr(tracker_settings, "DEFAULT_SETTINGS_PATH", configured)
    settings = load_settings(configured)

    con = duckdb.connect(str(db), read_only=True)
    try:
        frames = [pq.live_status(con, "2024-10", NO_FILTERS, settings, level=level)
                  for level in (pq.CITY, pq.JURISDICTION)]
        pages = {f"T{r.target_id}-{r.jurisdiction_code}": r.status for frame in frames for r in frame.itertuples()}
        city = pq.status_counts(frames[0])
    finally:
        con.close()
    assert pages["T1-330800"] != "未报送"

    out = tmp_path / "汇总表.xlsx"
    assert tracker_main(["export", "progress", "--db", str(db), "--period", "2024-10", "--out", str(out)]) == 0
    sheet = load_workbook(out)["汇总表"]
    header = [c.value for c in sheet[1]]
    ids, judged = header.index("填报编号"), header.index("研判状态")
    rows = {r[ids]: r[judged] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows == {row_id: pages[row_id] for row_id in rows}

    docx = tmp_path / "通报.docx"
    assert tracker_main(["export", "briefing", "--db", str(db), "--as-of", "2024-10", "--out", str(docx)]) == 0
    text = "\n".join(p.text for p in Document(docx).paragraphs)
    assert f"未报送{city['未报送']}项" in text and f"正常{city['正常']}项" in text
    capsys.readouterr()
