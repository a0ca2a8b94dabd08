"""Uploads: reading xlsx/xls/csv, every refusal, versions, idempotence, a rejected file changes nothing."""
import csv
import io
import math
from datetime import datetime

import pytest
import xlwt
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from loaders.__main__ import main as loaders_main
from loaders.progress_template import DATA_SHEET, HEADERS, META_SHEET, NEXT_STEPS, PROBLEMS, PROGRESS, ROW_ID, STATUS, VALUE
from loaders import progress_upload
from loaders.progress_upload import parse_number, upload_file
from loaders.sheet_reader import ERROR_HEADER, error_copy_path, write_error_copy
from tests.conftest import table_contents
from tests.progress_files import NOW, fill, template
from tracker.reporting import all_rows, parse_row_id, resolve_unit, unit_rows

PERIOD = "2024-03"


@pytest.fixture
def rows(con):
    return unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)


@pytest.fixture(scope="module")
def tpl(built_plain_db, tmp_path_factory):
    """市发改委's template for 2024-03, written once (every test's database is a copy of the same build)."""
    from tracker.db import connect

    con = connect(built_plain_db, read_only=True)
    try:
        return template(con, tmp_path_factory.mktemp("tpl"))
    finally:
        con.close()


def sheet_row(rows, kind: str, nth: int = 0) -> int:
    """Row number in the template of the nth row of a kind (count, rate …)."""
    return [i for i, r in enumerate(rows, start=2) if r.kind == kind][nth]


def upload(con, path, unit="市发改委", **kw):
    kw.setdefault("now", NOW)
    return upload_file(con, path, unit, uploaded_by="张三", **kw)


def reports(con):
    return con.execute("""SELECT target_id, jurisdiction_code, period, version, value, reported_status,
                                 progress_text, problems_text, next_steps_text
                          FROM progress_reports ORDER BY report_id""").fetchall()


# ---------------------------------------------------------------- accepted, unchanged, corrected


def test_an_accepted_upload_stores_exactly_what_was_reported(con, tmp_path, tpl, rows):
    c1, c2, rate = sheet_row(rows, "count"), sheet_row(rows, "count", 1), sheet_row(rows, "rate")
    f = fill(tpl, tmp_path / "f.xlsx", {
        c1: {VALUE: 300, STATUS: "正常", PROGRESS: "已开工 300 个", PROBLEMS: "无", NEXT_STEPS: "继续推进"},
        c2: {VALUE: " 1,200 ", STATUS: "滞后"},
        rate: {VALUE: "１２.５", STATUS: " 正常 "},
    })
    result = upload(con, f)
    assert result.outcome == "accepted"
    blank = len(rows) - 3
    assert result.summary() == f"市发改委 2024-03《f.xlsx》已接收：新增3条，空白未填{blank}行"
    t = {n: rows[n - 2] for n in (c1, c2, rate)}
    assert reports(con) == [
        (t[c1].target_id, "330800", PERIOD, 1, 300.0, "正常", "已开工 300 个", "无", "继续推进"),
        (t[c2].target_id, "330800", PERIOD, 1, 1200.0, "滞后", None, None, None),
        (t[rate].target_id, "330800", PERIOD, 1, 12.5, "正常", None, None, None),
    ]
    [upload_row] = con.execute("""SELECT upload_id, unit_name, period, file_name, uploaded_by, uploaded_at, is_demo,
                                         outcome, n_rows, n_accepted, n_rejected FROM uploads""").fetchall()
    assert upload_row == (1, "市发改委", PERIOD, "f.xlsx", "张三", NOW, False, "accepted", len(rows), 3, 0)
    # what a report came from: its upload's file, byte for byte, at its row
    row, content = con.execute(
        """SELECT p.source_row, f.content FROM progress_reports p JOIN uploads u USING (upload_id)
           JOIN upload_files f USING (file_sha256) WHERE p.value = 1200""").fetchone()
    assert row == c2 and content == f.read_bytes()
    cells = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(DATA_SHEET).to_python()
    header = cells[0]
    assert cells[row - 1][header.index(VALUE)] == " 1,200 " and cells[row - 1][header.index(ROW_ID)] == t[c2].row_id
    assert con.execute("SELECT n_bytes FROM upload_files").fetchall() == [(f.stat().st_size,)]


def test_reuploading_the_same_file_changes_nothing(con, tmp_path, tpl, rows):
    f = fill(tpl, tmp_path / "f.xlsx", {sheet_row(rows, "count"): {VALUE: 10, STATUS: "滞后"}})
    assert upload(con, f).outcome == "accepted"
    before = table_contents(con)
    again = upload(con, f, now=datetime(2024, 10, 9))
    assert again.outcome == "unchanged" and again.upload_id is None
    assert again.summary() == f"市发改委 2024-03《f.xlsx》内容与上次报送相同，未作改动：空白未填{len(rows) - 1}行"
    assert table_contents(con) == before


def test_sending_an_earlier_file_again_does_not_undo_the_correction_made_since(con, tmp_path, tpl, rows):
    """Found by QA: file A, then correction B, then A again (picked from the folder by mistake) stored A's
    value as version 3 and said 已接收."""
    c, d = sheet_row(rows, "count"), sheet_row(rows, "count", 1)
    first = fill(tpl, tmp_path / "a.xlsx", {c: {VALUE: 5}, d: {VALUE: 7}})
    assert upload(con, first).outcome == "accepted"
    assert upload(con, fill(tpl, tmp_path / "b.xlsx", {c: {VALUE: 999}, d: {VALUE: 7}})).outcome == "accepted"
    before = table_contents(con)
    again = upload(con, first, now=datetime(2024, 10, 9))
    assert again.outcome == "rejected" and again.upload_id is None
    assert [str(p) for p in again.problems] == [
        "此文件与2024-10-08 09:30第1号上传的文件完全相同，此后其中1行已被更正（或由其他单位报送）："
        "再次上传会把它们改回这份文件的数值，本次未保存。如确需改回，请打开文件另存后重新上传"]
    assert table_contents(con) == before
    assert [r[4] for r in reports(con)] == [5.0, 7.0, 999.0]


def test_the_same_file_with_problems_is_recorded_once(con, tmp_path, tpl, rows):
    """Found by QA: each re-send of a partly accepted file added an upload (新增0条) and its errors again."""
    a, b = sheet_row(rows, "count"), sheet_row(rows, "count", 1)
    path = fill(tpl, tmp_path / "f.xlsx", {a: {VALUE: 5}, b: {VALUE: "五"}})
    assert upload(con, path, partial=True).outcome == "partial"
    again = upload(con, path, partial=True, now=datetime(2024, 10, 9))
    assert (again.outcome, again.upload_id, [p.row for p in again.problems]) == ("unchanged", None, [b])
    assert con.execute("SELECT count(*) FROM uploads").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM upload_errors").fetchone() == (1,)


def test_a_correction_adds_a_version_and_keeps_the_earlier_one(con, tmp_path, tpl, rows):
    a, b = sheet_row(rows, "count"), sheet_row(rows, "count", 1)
    first = fill(tpl, tmp_path / "first.xlsx", {a: {VALUE: 10}, b: {VALUE: 20}})
    second = fill(tpl, tmp_path / "second.xlsx", {a: {VALUE: 10}, b: {VALUE: 25, PROGRESS: "更正"}})
    upload(con, first)
    result = upload(con, second, now=datetime(2024, 10, 9, 15, 0))
    assert (result.outcome, result.n_new, result.n_unchanged) == ("accepted", 1, 1)
    # found by QA: a correction (here of 20 by 25; or 代报 over what the unit sent) said only 新增
    assert result.summary() == (f"市发改委 2024-03《second.xlsx》已接收：新增1条（其中更正1条），与上次相同1条，"
                                f"空白未填{len(rows) - 2}行")
    tb = rows[b - 2].target_id
    assert con.execute("""SELECT version, value, progress_text, u.file_name, u.uploaded_at FROM progress_reports
                          JOIN uploads u USING (upload_id) WHERE target_id = ? ORDER BY version""", [tb]).fetchall() == [
        (1, 20.0, None, "first.xlsx", NOW), (2, 25.0, "更正", "second.xlsx", datetime(2024, 10, 9, 15, 0))]
    assert con.execute("SELECT value, version FROM latest_progress WHERE target_id = ?", [tb]).fetchall() == [(25.0, 2)]
    # the first file sent again would undo the correction: refused (test_sending_an_earlier_file_again_…)
    assert upload(con, first, now=datetime(2024, 10, 10)).outcome == "rejected"
    assert con.execute("SELECT value, version FROM latest_progress WHERE target_id = ?", [tb]).fetchall() == [(25.0, 2)]


def _versions(con, target_id):
    return con.execute("SELECT version, value FROM progress_reports WHERE target_id = ? ORDER BY version",
                       [target_id]).fetchall()


def test_the_latest_versions_read_while_the_file_is_parsed_serve_the_write(con, tmp_path, tpl, rows, monkeypatch):
    a = sheet_row(rows, "count")
    upload(con, fill(tpl, tmp_path / "first.xlsx", {a: {VALUE: 10}}))
    loads = []
    real = progress_upload.Batch.load.__func__
    monkeypatch.setattr(progress_upload.Batch, "load", classmethod(lambda cls, *a: loads.append(a[1:]) or real(cls, *a)))
    result = upload(con, fill(tpl, tmp_path / "second.xlsx", {a: {VALUE: 25}}), period=PERIOD)
    assert (result.outcome, result.n_new) == ("accepted", 1)
    assert len(loads) == 1 and loads[0][0] == PERIOD and len(loads[0][1]) == len({r.target_id for r in rows})
    assert _versions(con, rows[a - 2].target_id) == [(1, 10.0), (2, 25.0)]


def test_latest_versions_read_ahead_are_read_again_after_another_upload(con, tmp_path, tpl, rows, monkeypatch):
    """Another upload of the same rows lands while the file is parsed: the write reads the versions again."""
    a = sheet_row(rows, "count")
    real = progress_upload._prepared_on

    def overtaken(cursor, unit, period):
        found = real(cursor, unit, period)
        other = con.cursor()
        try:
            assert upload(other, fill(tpl, tmp_path / "other.xlsx", {a: {VALUE: 10}})).outcome == "accepted"
        finally:
            other.close()
        return found

    monkeypatch.setattr(progress_upload, "_prepared_on", overtaken)
    once = progress_upload.write_transaction   # in one attempt: not rescued by a retry after a key conflict
    monkeypatch.setattr(progress_upload, "write_transaction", lambda c, work, **kw: once(c, work, attempts=1, **kw))
    result = upload(con, fill(tpl, tmp_path / "mine.xlsx", {a: {VALUE: 25}}), period=PERIOD)
    assert (result.outcome, result.n_new, result.upload_id) == ("accepted", 1, 2)
    assert _versions(con, rows[a - 2].target_id) == [(1, 10.0), (2, 25.0)]


def test_a_batch_is_current_until_something_is_stored(con, tmp_path, tpl, rows):
    batch = progress_upload.Batch.load(con, PERIOD, [r.target_id for r in rows])
    assert batch.is_current(con)
    upload(con, fill(tpl, tmp_path / "f.xlsx", {sheet_row(rows, "count"): {VALUE: 10}}))
    assert not batch.is_current(con)
    assert progress_upload.Batch.load(con, PERIOD, [r.target_id for r in rows]).is_current(con)


def test_an_empty_template_changes_nothing_and_says_so(con, tpl, rows):
    before = table_contents(con)
    result = upload(con, tpl)
    assert result.outcome == "unchanged"
    assert result.summary() == f"市发改委 2024-03《{tpl.name}》没有填写任何数据，未作改动：空白未填{len(rows)}行"
    assert table_contents(con) == before


def test_a_milestone_can_be_reported_by_status_alone(con, tmp_path):
    unit = con.execute("""SELECT o.name FROM targets t JOIN assignments a USING (item_id) JOIN organisations o
                          USING (org_id) WHERE t.kind = 'milestone' AND t.value IS NULL AND a.role = 'lead'
                            AND o.kind = 'department' ORDER BY t.target_id LIMIT 1""").fetchone()[0]
    rows = unit_rows(con, resolve_unit(con, unit), PERIOD)
    r = next(i for i, row in enumerate(rows, start=2) if row.kind == "milestone" and row.target_value is None)
    f = fill(template(con, tmp_path, unit), tmp_path / "m.xlsx", {r: {STATUS: "已完成"}})
    assert upload(con, f, unit=unit).outcome == "accepted"
    assert con.execute("SELECT value, reported_status FROM progress_reports").fetchall() == [(None, "已完成")]


# ---------------------------------------------------------------- rows refused


def other_units_row(con) -> str:
    own = {r.target_id for r in unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)}
    other = unit_rows(con, resolve_unit(con, "市经信局"), PERIOD)
    return next(r.row_id for r in other if r.target_id not in own)


ROW_CASES = {
    "text for a number": ({VALUE: "约300"}, VALUE, "应填写数字，单位为“{unit}”，实际为“约300”"),
    "NaN": ({VALUE: "NaN"}, VALUE, "应填写数字，单位为“{unit}”，实际为“NaN”"),
    "infinity": ({VALUE: "1e999"}, VALUE, "“1e999”不是有效数字"),
    "negative count": ({VALUE: -5}, VALUE, "数值-5不能为负数"),
    "too big": ({VALUE: 2e12}, VALUE, "数值2000000000000过大（上限1000000000000），请检查计量单位"),
    "boolean": ({VALUE: True}, VALUE, "应填写数字，实际为逻辑值“TRUE”"),
    "date": ({VALUE: datetime(2024, 3, 1)}, VALUE,
             "应填写数字，实际为日期/时间“2024-03-01”（请把单元格格式设为“常规”或“数值”）"),
    "bad status": ({VALUE: 1, STATUS: "进行中"}, STATUS, "状态“进行中”无效，应为：已完成、正常、滞后、严重滞后"),
    "status without value": ({STATUS: "正常"}, VALUE, "请填写累计完成值（单位：{unit}）"),
    "text too long": ({VALUE: 1, PROGRESS: "字" * 2001}, PROGRESS, "内容过长（2001字），每格不超过2000字"),
    "unknown id": ({"填报编号": "T999999-330800", VALUE: 1}, "填报编号", "填报编号“T999999-330800”不存在：指标999999不在数据库中"),
    "bad id": ({"填报编号": "第一行", VALUE: 1}, "填报编号", "填报编号“第一行”格式不对，应形如 T12-330800（请勿改动模板中的编号）"),
    "no id": ({"填报编号": None, VALUE: 1}, "填报编号", "缺少填报编号：请勿删除或改动模板中的编号"),
}


@pytest.mark.parametrize("case", sorted(ROW_CASES))
def test_a_bad_row_rejects_the_file_and_leaves_the_database_as_it_was(con, tmp_path, tpl, rows, case):
    cells, column, message = ROW_CASES[case]
    r = sheet_row(rows, "count")
    upload(con, fill(tpl, tmp_path / "ok.xlsx", {r: {VALUE: 1}}))   # something already on record
    before = table_contents(con)
    result = upload(con, fill(tpl, tmp_path / "bad.xlsx", {r: cells}))
    assert result.outcome == "rejected" and not result.ok
    assert [str(p) for p in result.problems] == [
        f"工作表“填报”第{r}行“{column}”列：" + message.format(unit=rows[r - 2].unit)]
    assert table_contents(con) == before


def test_a_row_of_another_unit_is_refused(con, tmp_path, tpl):
    rid = other_units_row(con)
    result = upload(con, fill(tpl, tmp_path / "f.xlsx", {2: {"填报编号": rid, VALUE: 1}}))
    reporter = all_rows(con, PERIOD, [parse_row_id(rid)[0]])
    assert [str(p) for p in result.problems] == [   # and who reports the row, so the unit knows where it belongs
        f"工作表“填报”第2行“填报编号”列：填报编号“{rid}”不在“市发改委”2024-03的报送范围内："
        f"该行由{next(r.units for r in reporter if r.row_id == rid)}填报，请删除此行或重新下载本单位模板"]


def test_a_negative_growth_rate_is_fine_but_not_below_minus_100_percent(con, tmp_path, tpl, rows):
    r = sheet_row(rows, "rate")
    assert rows[r - 2].unit == "%"
    assert upload(con, fill(tpl, tmp_path / "a.xlsx", {r: {VALUE: "-3.5%"}})).outcome == "accepted"
    result = upload(con, fill(tpl, tmp_path / "b.xlsx", {r: {VALUE: -150}}))
    assert [p.message for p in result.problems] == ["数值-150不能小于-100"]


def test_duplicate_rows_are_refused_naming_the_first(con, tmp_path, tpl, rows):
    rid = rows[0].row_id
    result = upload(con, fill(tpl, tmp_path / "f.xlsx", {2: {VALUE: 1}, 3: {"填报编号": rid, VALUE: 2}}))
    assert [str(p) for p in result.problems] == [f"工作表“填报”第3行“填报编号”列：填报编号“{rid}”与第2行重复"]


def test_every_problem_of_a_file_is_reported_at_once(con, tmp_path, tpl, rows):
    c = sheet_row(rows, "count")
    result = upload(con, fill(tpl, tmp_path / "f.xlsx", {c: {VALUE: "x", STATUS: "好"}, c + 1: {VALUE: -1}}))
    assert [(p.row, p.column) for p in result.problems] == [(c, VALUE), (c, STATUS), (c + 1, VALUE)]
    assert result.n_rejected == 2


@pytest.mark.parametrize("cell, expected", [
    (12, 12.0), (12.5, 12.5), ("１２３", 123.0), (" 1,200 ", 1200.0), ("－3", -3.0), ("−3", -3.0), ("3e2", 300.0),
    (".5", 0.5), ("", None), (None, None), ("  ", None),
])
def test_parse_number(cell, expected):
    assert parse_number(cell, "个") == expected


@pytest.mark.parametrize("cell", [float("nan"), float("inf"), "inf", "nan", "12个", "1.2.3", "12%", True])
def test_parse_number_refuses(cell):
    with pytest.raises(ValueError):
        parse_number(cell, "个")


@pytest.mark.parametrize("cell, expected", [
    ("1 200", 1200.0), ("12,345,678.5", 12345678.5), ("１，２００", 1200.0), ("- 3", -3.0),
    ("500\u200b", 500.0), ("\ufeff12", 12.0), ("'-2.5", -2.5),     # pasted invisibles; our own CSV prefix
])
def test_parse_number_of_what_offices_type_and_paste(cell, expected):
    assert parse_number(cell, "个") == expected


@pytest.mark.parametrize("cell", ["1,5", "12,34", "1,20", "1 5", "12,3456"])
def test_a_comma_or_space_that_groups_no_thousands_is_refused_not_dropped(cell):
    with pytest.raises(ValueError) as exc:
        parse_number(cell, "个")
    assert str(exc.value) == f"数字“{cell}”中的逗号或空格位置不对：千分位每三位一个（如 1,200），小数点请用“.”"


def test_minus_zero_is_zero():
    assert math.copysign(1, parse_number("-0", "个")) == 1.0


def test_a_percent_sign_is_accepted_for_a_percent_unit():
    assert parse_number("12.5%", "%") == 12.5


# ---------------------------------------------------------------- files refused


def broken_meta(key, value):
    return lambda tpl, out: fill(tpl, out, {2: {VALUE: 1}}, meta={key: value})


def test_a_file_of_another_type_is_refused(con, tmp_path):
    for name, message in [("报表.docx", "不支持的文件类型“.docx”：请上传 .xlsx、.xls 或 .csv 文件"),
                          ("报表", "不支持的文件类型（无扩展名）：请上传 .xlsx、.xls 或 .csv 文件"),
                          ("报表.xlsm", "不支持的文件类型“.xlsm”：请上传 .xlsx、.xls 或 .csv 文件")]:
        path = tmp_path / name
        path.write_bytes(b"PK\x03\x04 not really")
        result = upload(con, path)
        assert (result.outcome, [str(p) for p in result.problems]) == ("rejected", [message])


@pytest.mark.parametrize("case", ["version", "unit", "period mismatch", "period invalid", "future", "empty",
                                  "corrupt", "too big", "too many rows", "missing column", "no header",
                                  "csv without period", "unknown unit", "utf-16 csv", "missing file",
                                  "csv too long", "csv too many rows"])
def test_file_refusals_leave_the_database_as_it_was(con, tmp_path, tpl, rows, case):
    upload(con, fill(tpl, tmp_path / "ok.xlsx", {2: {VALUE: 1}}))
    before = table_contents(con)
    kw, unit = {}, "市发改委"
    path = tmp_path / "bad.xlsx"
    if case == "version":
        broken_meta("模板版本", "progress-0")(tpl, path)
        expected = "工作表“元数据”：模板版本“progress-0”与当前版本“progress-1”不符：请重新下载模板后填报"
    elif case == "unit":
        fill(tpl, path, {2: {VALUE: 1}})
        unit = "市经信局"
        expected = "工作表“元数据”：这是“市发改委”的模板，不能以“市经信局”的名义上传"
    elif case == "period mismatch":
        fill(tpl, path, {2: {VALUE: 1}})
        kw["period"] = "2024-04"
        expected = "工作表“元数据”：文件的报送期是2024-03，与所选报送期2024-04不一致"
    elif case == "period invalid":
        broken_meta("报送期", "2024-13")(tpl, path)
        expected = "报送期“2024-13”无效：应为“年-月”格式，如2024-03"
    elif case == "future":
        fill(tpl, path, {2: {VALUE: 1}})
        kw["now"] = datetime(2024, 2, 10)
        expected = "报送期2024-03尚未开始（今天是2024-02-10）"
    elif case == "empty":
        path = tmp_path / "bad.csv"
        path.write_bytes(b"")
        expected = "文件“bad.csv”是空文件"
    elif case == "corrupt":
        path.write_bytes(b"this is not a zip file at all")
        expected = "无法读取文件“bad.xlsx”：不是有效的 xlsx 文件或已损坏"
    elif case == "too big":
        fill(tpl, path, {2: {VALUE: 1}})
        kw["max_bytes"] = 2048
        expected = f"文件过大（{path.stat().st_size / 1024:.1f} KB）".replace(".0 KB）", " KB）") + "，上限为 2 KB，请删去多余内容或拆分后分批上传"
    elif case == "too many rows":
        fill(tpl, path, {2: {VALUE: 1}})
        kw["max_rows"] = 3
        expected = f"工作表“填报”：行数过多（约{len(rows)}行），每个文件最多3行，请拆分后分批上传"
    elif case == "missing column":
        wb = load_workbook(tpl)
        wb[DATA_SHEET]["K1"] = "自评"
        wb.save(path)
        expected = "工作表“填报”第1行：缺少列“状态”：请使用下发的模板，不要删除或改名表头"
    elif case == "no header":
        path = tmp_path / "bad.csv"
        path.write_text("甲,乙\n1,2\n", encoding="utf-8")
        kw["period"] = PERIOD
        expected = "文件“bad.csv”：找不到表头“填报编号”：请使用下发模板的表头，表头应在前10行内"
    elif case == "csv without period":
        path = tmp_path / "bad.csv"
        path.write_text(",".join(HEADERS) + "\n", encoding="utf-8")
        expected = "文件中没有模板信息（隐藏的“元数据”工作表），请指明报送期（如 --period 2024-03）"
    elif case == "unknown unit":
        fill(tpl, path, {2: {VALUE: 1}})
        unit = "市发改局"
        expected = "未知单位“市发改局”，是否为“市发改委”？"
    elif case == "missing file":
        expected = "找不到文件“bad.xlsx”"
    elif case in ("csv too long", "csv too many rows"):
        # too long: more lines than rows and header search allow (counted with the header line, before it is
        # looked for); too many rows: few lines, but more filled rows under the header than allowed
        path = tmp_path / "bad.csv"
        n, counted = (20, 21) if case == "csv too long" else (5, 5)
        write_csv(path, [[f"T{i}-330800", "", "", "", "", "", "", "", "", 1] for i in range(n)], "utf-8")
        kw["period"], kw["max_rows"] = PERIOD, 3
        expected = f"文件“bad.csv”：行数过多（约{counted}行），每个文件最多3行，请拆分后分批上传"
    else:
        path = tmp_path / "bad.csv"
        path.write_bytes((",".join(HEADERS) + "\n").encode("utf-16"))
        kw["period"] = PERIOD
        expected = "无法识别文件“bad.csv”的编码：请另存为 UTF-8 或 GBK 编码的 CSV"
    result = upload(con, path, unit=unit, **kw)
    assert result.outcome == "rejected"
    assert len(result.problems) == 1 and str(result.problems[0]).startswith(expected)
    assert table_contents(con) == before


# ---------------------------------------------------------------- other formats


def write_csv(path, rows, encoding):
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for r in rows:
            w.writerow(r)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_the_encodings_offices_use(con, tmp_path, rows, encoding):
    cells = [rows[0].row_id] + [""] * 8 + ["１５", "正常", "进展顺利", "", "下月完成"]
    path = write_csv(tmp_path / "r.csv", [cells], encoding)
    result = upload(con, path, period=PERIOD)
    assert result.outcome == "accepted", result.problems
    assert reports(con) == [(rows[0].target_id, "330800", PERIOD, 1, 15.0, "正常", "进展顺利", None, "下月完成")]


def test_xls_files_are_read(con, tmp_path, rows):
    wb = xlwt.Workbook()
    ws = wb.add_sheet(DATA_SHEET, cell_overwrite_ok=True)
    for c, h in enumerate(HEADERS):
        ws.write(0, c, h)
    ws.write(1, 0, rows[0].row_id)
    ws.write(1, HEADERS.index(VALUE), 42)
    ws.write(1, HEADERS.index(STATUS), "滞后")
    ws.write(2, 0, rows[1].row_id)
    ws.write(2, HEADERS.index(VALUE), "abc")
    path = tmp_path / "r.xls"
    wb.save(str(path))
    result = upload(con, path, period=PERIOD)
    assert [str(p) for p in result.problems] == [
        f"工作表“填报”第3行“累计完成值”列：应填写数字，单位为“{rows[1].unit}”，实际为“abc”"]
    copy = write_error_copy(path, result.sheet, result.problems, error_copy_path(path))
    assert copy.name == "r.错误说明.xlsx"
    ws2 = load_workbook(copy)[DATA_SHEET]
    assert [c.value for c in ws2[3]][-1] == f"“累计完成值”列：应填写数字，单位为“{rows[1].unit}”，实际为“abc”"
    ws.write(2, HEADERS.index(VALUE), 7)
    wb.save(str(path))
    assert upload(con, path, period=PERIOD).outcome == "accepted"
    assert [(r[4], r[5]) for r in reports(con)] == [(42.0, "滞后"), (7.0, None)]


# ---------------------------------------------------------------- error copy, partial, CLI


def test_the_error_copy_of_an_xlsx_keeps_the_file_and_adds_the_messages(con, tmp_path, tpl, rows):
    c = sheet_row(rows, "count")
    path = fill(tpl, tmp_path / "f.xlsx", {c: {VALUE: "一百", STATUS: "好"}})
    result = upload(con, path)
    out = write_error_copy(path, result.sheet, result.problems, error_copy_path(path))
    wb = load_workbook(out)
    ws = wb[DATA_SHEET]
    assert ws.cell(row=1, column=len(HEADERS) + 1).value == ERROR_HEADER
    message = ws.cell(row=c, column=len(HEADERS) + 1).value
    assert message == ("“累计完成值”列：应填写数字，单位为“个”，实际为“一百”；"
                       "“状态”列：状态“好”无效，应为：已完成、正常、滞后、严重滞后").replace("个", rows[c - 2].unit)
    assert ws.cell(row=c, column=len(HEADERS) + 1).fill.fgColor.rgb == "00F8CBAD"
    assert wb[META_SHEET].sheet_state == "hidden"


def test_the_error_copy_of_a_csv_is_a_csv(con, tmp_path, rows):
    path = write_csv(tmp_path / "r.csv", [[rows[0].row_id] + [""] * 8 + ["-1", "", "=cmd", "", ""]], "utf-8")
    result = upload(con, path, period=PERIOD)
    out = write_error_copy(path, result.sheet, result.problems, error_copy_path(path))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == list(HEADERS) + [ERROR_HEADER]
    assert lines[1][HEADERS.index(PROGRESS)] == "'=cmd"
    assert lines[1][-1] == "“累计完成值”列：数值-1不能为负数"


def test_a_csv_error_copy_filled_in_and_sent_again_stores_the_text_as_typed(con, tmp_path, rows):
    """The copy keeps numbers plain and the file's line numbers; our apostrophe before a formula
    character does not end up in the database."""
    good = [rows[0].row_id] + [""] * 8 + ["-2.5" if rows[0].unit == "%" else "3", "", "-同比下降", "", "+加大招商"]
    bad = [rows[1].row_id] + [""] * 8 + ["五", "正常", "", "", ""]
    path = tmp_path / "r.csv"
    path.write_text("\ufeff进展填报\n" + ",".join(HEADERS) + "\n" + "\n".join(
        ",".join(r) for r in (good, [""] * len(HEADERS), bad)) + "\n", encoding="utf-8")
    result = upload(con, path, period=PERIOD)
    assert [(p.row, p.column) for p in result.problems] == [(5, VALUE)]
    out = write_error_copy(path, result.sheet, result.problems, error_copy_path(path))
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[1] == list(HEADERS) + [ERROR_HEADER]                 # line 2, as in the file
    assert lines[2][HEADERS.index(VALUE)] == good[HEADERS.index(VALUE)]      # a number stays a number
    assert lines[2][HEADERS.index(PROGRESS)] == "'-同比下降"                  # text is neutralised
    assert lines[4][0] == rows[1].row_id and lines[4][-1].startswith("“累计完成值”列：")   # 第5行 is line 5
    lines[4][HEADERS.index(VALUE)] = "5"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(line[:-1] for line in lines)
    assert upload(con, fixed, period=PERIOD).outcome == "accepted"
    assert [(r[6], r[8]) for r in reports(con)] == [("-同比下降", "+加大招商"), (None, None)]


def test_the_error_copy_of_an_xls_keeps_the_template_s_metadata(con, tmp_path, tpl, rows):
    """An .xls (here the template saved as .xls, metadata sheet and all) comes back as an .xlsx that uploads
    as the template does, without naming the period."""
    c = sheet_row(rows, "count")
    wb_in = load_workbook(fill(tpl, tmp_path / "f.xlsx", {c: {VALUE: "五", PROGRESS: "-外贸订单减少"}}))
    xls = xlwt.Workbook()
    for ws_in in wb_in.worksheets:
        ws = xls.add_sheet(ws_in.title)
        for r, row in enumerate(ws_in.iter_rows(values_only=True)):
            for k, value in enumerate(row):
                if value is not None:
                    ws.write(r, k, value)
    path = tmp_path / "f.xls"
    xls.save(str(path))
    result = upload(con, path)
    assert (result.outcome, result.period, [p.row for p in result.problems]) == ("rejected", PERIOD, [c])
    copy = write_error_copy(path, result.sheet, result.problems, error_copy_path(path))
    wb = load_workbook(copy)
    assert wb[META_SHEET].sheet_state == "hidden"
    wb[DATA_SHEET].cell(row=c, column=HEADERS.index(VALUE) + 1).value = 5
    wb.save(copy)
    result = upload(con, copy)
    assert (result.outcome, result.period) == ("accepted", PERIOD), result.problems
    assert reports(con) == [(rows[c - 2].target_id, "330800", PERIOD, 1, 5.0, None, "-外贸订单减少", None, None)]


def test_an_xls_saved_under_the_name_xlsx_is_read_as_xls(con, tmp_path, rows):
    wb = xlwt.Workbook()
    ws = wb.add_sheet(DATA_SHEET)
    for c, h in enumerate(HEADERS):
        ws.write(0, c, h)
    ws.write(1, 0, rows[0].row_id)
    ws.write(1, HEADERS.index(VALUE), 42)
    path = tmp_path / "r.xlsx"
    wb.save(str(path))
    result = upload(con, path, period=PERIOD)
    assert (result.outcome, result.sheet.kind) == ("accepted", "xls"), result.problems
    assert [r[4] for r in reports(con)] == [42.0]


def test_pasted_invisible_characters_and_a_lower_case_id_are_read_as_meant(con, tmp_path, tpl, rows):
    a, b = sheet_row(rows, "count"), sheet_row(rows, "count", 1)
    path = fill(tpl, tmp_path / "f.xlsx", {a: {ROW_ID: rows[a - 2].row_id + "\u200b", VALUE: "\ufeff12",
                                              STATUS: "正常\u200b"},
                                          b: {ROW_ID: rows[b - 2].row_id.lower(), VALUE: 7}})
    result = upload(con, path)
    assert result.outcome == "accepted", result.problems
    assert [(r[0], r[4], r[5]) for r in reports(con)] == [
        (rows[a - 2].target_id, 12.0, "正常"), (rows[b - 2].target_id, 7.0, None)]


def test_rows_whose_ids_were_swapped_are_refused_not_stored_under_each_other(con, tmp_path, tpl, rows):
    """Found by QA: two ids swapped (or a sort over some columns only) put each figure on the other target."""
    a, b = sheet_row(rows, "count"), sheet_row(rows, "rate")
    path = fill(tpl, tmp_path / "f.xlsx", {a: {ROW_ID: rows[b - 2].row_id, VALUE: 6.5},
                                          b: {ROW_ID: rows[a - 2].row_id, VALUE: 650}})
    result = upload(con, path)
    assert result.outcome == "rejected" and reports(con) == []
    assert [(p.row, p.column) for p in result.problems] == [(a, "指标"), (b, "指标")]
    assert result.problems[0].message.startswith(
        f"本行指标为“{rows[a - 2].indicator}”，而填报编号{rows[b - 2].row_id}的指标是“{rows[b - 2].indicator}”")


def test_a_percentage_typed_in_a_cell_is_read_as_the_sheet_shows_it(con, tmp_path, tpl, rows):
    """Found by QA: "16%" typed in Excel is 0.16 in a cell formatted 0%; it was stored as 0.16 for a target in %."""
    rate = next(n for n, r in enumerate(rows, start=2) if r.unit == "%")
    count = sheet_row(rows, "count")
    wb = load_workbook(tpl)
    ws = wb[DATA_SHEET]
    column = HEADERS.index(VALUE) + 1
    for n, value, fmt in ((rate, 0.16, "0%"), (count, 0.5, "0.0%")):
        cell = ws.cell(row=n, column=column)
        cell.value, cell.number_format = value, fmt
    path = tmp_path / "f.xlsx"
    wb.save(path)
    result = upload(con, path, partial=True)
    assert [(p.row, p.message) for p in result.problems] == [
        (count, f"单元格是百分比格式（显示为50%），而本行计量单位为“{rows[count - 2].unit}”：请把单元格格式设为“常规”或“数值”后填写")]
    assert con.execute("SELECT target_id, value FROM progress_reports").fetchall() == [
        (rows[rate - 2].target_id, 16.0)]


def test_a_cell_merged_over_several_rows_is_refused_on_each(con, tmp_path, tpl, rows):
    """Found by QA: a status merged over three rows was stored on the first only, the others without one."""
    a = sheet_row(rows, "count")
    wb = load_workbook(fill(tpl, tmp_path / "f.xlsx", {a: {VALUE: 5, STATUS: "正常"}, a + 1: {VALUE: 6},
                                                       a + 2: {}, a + 5: {VALUE: 7}}))
    ws = wb[DATA_SHEET]
    ws.protection.sheet = False
    status = HEADERS.index(STATUS) + 1
    ws.merge_cells(start_row=a, start_column=status, end_row=a + 2, end_column=status)
    ws.merge_cells(start_row=a + 4, start_column=status + 1, end_row=a + 4, end_column=status + 2)  # one row: fine
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    message = f"第{a}—{a + 2}行的“状态”是合并单元格，只有第{a}行存有内容：请取消合并，逐行填写"
    result = upload(con, path, partial=True)
    assert [(p.row, p.column, p.message) for p in result.problems] == [(n, STATUS, message) for n in (a, a + 1, a + 2)]
    assert (result.outcome, result.n_new, result.n_blank) == ("partial", 1, len(rows) - 4)
    assert [(r[0], r[4]) for r in reports(con)] == [(rows[a + 3].target_id, 7.0)]


def test_a_formula_without_a_stored_result_is_named_as_such(con, tmp_path, tpl, rows):
    """Found by QA: a formula written by a program that does not calculate reads as an empty cell, and the
    message asked to fill in a value that the clerk could see in the cell."""
    from loaders.progress_upload import FORMULA_WITHOUT_RESULT

    a, b = sheet_row(rows, "count"), sheet_row(rows, "count", 1)
    wb = load_workbook(tpl)
    ws = wb[DATA_SHEET]
    ws.cell(row=a, column=HEADERS.index(VALUE) + 1).value = "=300+220"
    ws.cell(row=a, column=HEADERS.index(STATUS) + 1).value = "正常"
    ws.cell(row=b, column=HEADERS.index(STATUS) + 1).value = "正常"          # no value, no formula
    path = tmp_path / "f.xlsx"
    wb.save(path)
    result = upload(con, path)
    assert [(p.row, p.message) for p in result.problems] == [
        (a, FORMULA_WITHOUT_RESULT), (b, f"请填写累计完成值（单位：{rows[b - 2].unit}）")]


def test_a_filled_in_copy_of_the_data_sheet_is_pointed_at(con, tmp_path, tpl, rows):
    """Found by QA: the clerk filled a copy (填报 Copy) and left 填报 blank; the upload said nothing was filled."""
    wb = load_workbook(tpl)
    copy = wb.copy_worksheet(wb[DATA_SHEET])
    copy.cell(row=sheet_row(rows, "count"), column=HEADERS.index(VALUE) + 1).value = 5
    path = tmp_path / "f.xlsx"
    wb.save(path)
    result = upload(con, path)
    assert (result.outcome, [str(p) for p in result.problems]) == ("rejected", [
        f"工作表“填报”没有填写任何数据，而文件中还有工作表“{copy.title}”：系统只读取“填报”工作表，"
        "请在其中填写（或删去它，把填好的工作表改名为“填报”）后再上传"])
    assert reports(con) == []


def test_partial_mode_stores_the_good_rows_and_records_the_bad(con, tmp_path, tpl, rows):
    a, b = sheet_row(rows, "count"), sheet_row(rows, "count", 1)
    result = upload(con, fill(tpl, tmp_path / "f.xlsx", {a: {VALUE: 5}, b: {VALUE: "五"}}), partial=True)
    assert (result.outcome, result.n_new, result.n_rejected) == ("partial", 1, 1)
    assert con.execute("SELECT outcome, n_accepted, n_rejected FROM uploads").fetchall() == [("partial", 1, 1)]
    assert con.execute("SELECT upload_id, sheet, row_number, column_name FROM upload_errors").fetchall() == [
        (1, "填报", b, "累计完成值")]
    assert [r[4] for r in reports(con)] == [5.0]


def test_cli_upload(plain_db, tmp_path, capsys):
    from tracker.db import connect

    con = connect(plain_db)
    rows = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)
    tpl = template(con, tmp_path)
    con.close()
    bad = fill(tpl, tmp_path / "bad.xlsx", {2: {VALUE: "很多"}})
    args = ["upload", "--db", str(plain_db), "--unit", "市发改委", "--by", "李四"]
    assert loaders_main(args + [str(bad)]) == 1
    out = capsys.readouterr()
    assert out.out == "市发改委 2024-03《bad.xlsx》未接收：发现1个问题（涉及1行）\n"
    assert f"工作表“填报”第2行“累计完成值”列：应填写数字，单位为“{rows[0].unit}”，实际为“很多”" in out.err
    assert (tmp_path / "bad.错误说明.xlsx").is_file()
    good = fill(tpl, tmp_path / "good.xlsx", {2: {VALUE: 3}})
    assert loaders_main(args + [str(good)]) == 0
    assert capsys.readouterr().out == f"市发改委 2024-03《good.xlsx》已接收：新增1条，空白未填{len(rows) - 1}行\n"
    assert loaders_main(args + [str(good)]) == 0
    assert "未作改动" in capsys.readouterr().out
    con = connect(plain_db)
    assert con.execute("SELECT uploaded_by, file_name FROM uploads").fetchall() == [("李四", "good.xlsx")]
    con.close()
