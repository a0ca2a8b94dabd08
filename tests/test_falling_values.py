"""A cumulative value below the year's earlier report (a monthly figure typed as the year-to-date one, or a
typo): stored, and said per row by the upload, the command line and its audit record; listed on 数据质量."""
from datetime import datetime

import pytest

from loaders.__main__ import main as loaders_main
from loaders.progress_template import PROBLEMS, STATUS, VALUE
from loaders.progress_upload import upload_file
from tests.progress_files import NOW, fill, template
from tracker import queries
from tracker.reporting import resolve_unit, unit_rows

UNIT = "市发改委"


@pytest.fixture(scope="module")
def templates(built_plain_db, tmp_path_factory):
    """市发改委's templates of 2024-02, 2024-03, 2024-04, 2024-12 and 2025-02, written once."""
    from tracker.db import connect

    con = connect(built_plain_db, read_only=True)
    try:
        folder = tmp_path_factory.mktemp("tpl")
        return {p: template(con, folder, period=p) for p in ("2024-02", "2024-03", "2024-04", "2024-12", "2025-02")}
    finally:
        con.close()


@pytest.fixture
def rows(con):
    return unit_rows(con, resolve_unit(con, UNIT), "2024-03")


def at(rows, kind: str, nth: int = 0) -> tuple[int, object]:
    """(sheet row, ReportingRow) of the nth row of a kind."""
    return [(i, r) for i, r in enumerate(rows, start=2) if r.kind == kind][nth]


def send(con, templates, tmp_path, period, cells, name=None, now=NOW, **kw):
    path = fill(templates[period], tmp_path / (name or f"{period}.xlsx"), cells)
    return upload_file(con, path, UNIT, uploaded_by="张三", now=now, **kw)


def message(row, r, value, period, earlier):
    return (f"第{row}行 T{r.target_id}-{r.jurisdiction_code}：累计完成值{value}{r.unit}低于{period}报送的"
            f"{earlier}{r.unit}，请确认填写的是年初至今的累计数（若前期数据有误，请在“存在问题”中说明）")


def test_a_count_below_last_months_report_is_stored_and_said_per_row(con, templates, tmp_path, rows):
    (n1, c1), (n2, _) = at(rows, "count"), at(rows, "count", 1)
    assert send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 404}, n2: {VALUE: 50}}).falls == []
    result = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 30, STATUS: "正常"}, n2: {VALUE: 50.5}})
    assert result.outcome == "accepted" and result.n_new == 2
    assert [f.message() for f in result.falls] == [message(n1, c1, 30, "2024年2月", 404)]
    assert result.summary() == (f"{UNIT} 2024-03《2024-03.xlsx》已接收：新增2条，空白未填{len(rows) - 2}行，"
                                "1行累计完成值低于本年此前月份的报送数，请核对")
    # stored all the same, and the upload's stored message says so
    assert con.execute("""SELECT value FROM progress_reports WHERE target_id = ? AND period = '2024-03'""",
                       [c1.target_id]).fetchall() == [(30.0,)]
    assert con.execute("SELECT message FROM uploads WHERE upload_id = ?", [result.upload_id]).fetchone()[0] \
        == result.summary()


def test_an_equal_or_higher_value_is_no_fall(con, templates, tmp_path, rows):
    (n1, _), (n2, _) = at(rows, "count"), at(rows, "count", 1)
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 404}, n2: {VALUE: 50}})
    result = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 404}, n2: {VALUE: "50.0001"}})
    assert result.outcome == "accepted" and result.falls == []
    assert "低于" not in result.summary()


def test_rates_and_levels_may_go_down(con, templates, tmp_path, rows):
    kinds = {r.kind for r in rows}
    assert {"rate", "level"} <= kinds
    (rate, _), (level, _) = at(rows, "rate"), at(rows, "level")
    send(con, templates, tmp_path, "2024-02", {rate: {VALUE: 60}, level: {VALUE: 500}})
    result = send(con, templates, tmp_path, "2024-03", {rate: {VALUE: 40}, level: {VALUE: 100}})
    assert result.n_new == 2 and result.falls == []


def test_the_first_month_has_nothing_to_compare_with(con, templates, tmp_path, rows):
    (n1, _) = at(rows, "count")
    result = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 1}})
    assert result.n_new == 1 and result.falls == []


def test_the_year_starts_again_in_january(con, templates, tmp_path, rows):
    """The template asks for the year's cumulative figure (截至本月底的本年累计数): February below last December
    is no fall."""
    (n1, c1) = at(rows, "count")
    later = datetime(2025, 3, 10)
    # the templates of December and the next February hold the same rows as March's
    send(con, templates, tmp_path, "2024-12", {n1: {VALUE: 900}}, now=later)
    assert send(con, templates, tmp_path, "2025-02", {n1: {VALUE: 30}}, now=later).falls == []
    assert con.execute("SELECT count(*) FROM progress_reports WHERE target_id = ?", [c1.target_id]).fetchone()[0] == 2


def test_the_latest_earlier_month_counts_not_an_older_one_nor_its_replaced_version(con, templates, tmp_path, rows):
    (n1, c1) = at(rows, "count")
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 500}}, name="feb.xlsx")
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 200}}, name="feb-fixed.xlsx")   # February corrected
    result = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 300}})
    assert result.falls == []                              # above February's version that counts (200)
    result = send(con, templates, tmp_path, "2024-04", {n1: {VALUE: 250}})
    assert [f.message() for f in result.falls] == [message(n1, c1, 250, "2024年3月", 300)]


def test_a_correction_within_the_month_compares_with_the_earlier_month(con, templates, tmp_path, rows):
    """Not with the version of the same month it replaces: 404 in February, then 30 and 35 in March."""
    (n1, c1) = at(rows, "count")
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 404}})
    first = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 30}}, name="mar.xlsx")
    assert [f.message() for f in first.falls] == [message(n1, c1, 30, "2024年2月", 404)]
    second = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 35, PROBLEMS: "上月误报"}}, name="mar2.xlsx")
    assert second.n_corrections == 1
    assert [f.message() for f in second.falls] == [message(n1, c1, 35, "2024年2月", 404)]
    fixed = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 410}}, name="mar3.xlsx")
    assert fixed.n_corrections == 1 and fixed.falls == []      # above February, though below no March version
    assert con.execute("""SELECT version, value FROM progress_reports WHERE target_id = ? AND period = '2024-03'
                          ORDER BY version""", [c1.target_id]).fetchall() == [(1, 30.0), (2, 35.0), (3, 410.0)]


def test_the_audit_record_counts_the_falls(con, templates, tmp_path, rows):
    (n1, c1), (n2, c2) = at(rows, "count"), at(rows, "count", 1)
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 404}, n2: {VALUE: 50}})
    result = send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 30}, n2: {VALUE: 5}})
    import json
    details = json.loads(con.execute("SELECT details FROM audit_log WHERE target = ?",
                                     [f"upload:{result.upload_id}"]).fetchone()[0])
    assert details["n_falls"] == 2
    assert details["falls"] == [message(n1, c1, 30, "2024年2月", 404), message(n2, c2, 5, "2024年2月", 50)]


def test_the_command_line_prints_each_fall(con, templates, tmp_path, rows, plain_db, capsys, monkeypatch):
    (n1, c1) = at(rows, "count")
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 404}})
    con.close()
    path = fill(templates["2024-03"], tmp_path / "mar.xlsx", {n1: {VALUE: 30}})
    code = loaders_main(["upload", "--db", str(plain_db), "--unit", UNIT, "--by", "张三", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == "  注意：" + message(n1, c1, 30, "2024年2月", 404)
    assert "1行累计完成值低于本年此前月份的报送数，请核对" in out.splitlines()[-2]


# ---------------------------------------------------------------------------- 数据质量


def test_the_quality_list_holds_the_month_s_reports_below_their_earlier_month(con, templates, tmp_path, rows):
    (n1, c1), (n2, c2), (n3, _) = at(rows, "count"), at(rows, "count", 1), at(rows, "count", 2)
    (rate, _) = at(rows, "rate")
    send(con, templates, tmp_path, "2024-02", {n1: {VALUE: 404}, n2: {VALUE: 50}, n3: {VALUE: 10}, rate: {VALUE: 60}})
    send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 30}, n2: {VALUE: 60}, n3: {VALUE: 8}, rate: {VALUE: 50}})
    send(con, templates, tmp_path, "2024-03", {n3: {VALUE: 12}}, name="fixed.xlsx")   # n3 corrected: no fall now
    name = con.execute("SELECT name FROM jurisdictions WHERE code = '330800'").fetchone()[0]
    assert queries.falling_reports(con, "2024-03").to_dict("records") == [
        {"target_id": c1.target_id, "indicator": c1.indicator, "jurisdiction_name": name, "unit_name": UNIT,
         "period": "2024-03", "value": 30.0, "unit": c1.unit, "earlier_period": "2024-02", "earlier_value": 404.0}]
    # April's list: n2 below March's 60 (February's 50 does not count); n1 sent nothing in April. March's list
    # keeps n1 (its report still counts for March) until March is corrected
    send(con, templates, tmp_path, "2024-04", {n2: {VALUE: 55}, n3: {VALUE: 12}})
    assert [(r.target_id, r.value, r.earlier_period, r.earlier_value)
            for r in queries.falling_reports(con, "2024-04").itertuples()] == [(c2.target_id, 55.0, "2024-03", 60.0)]
    assert [r.target_id for r in queries.falling_reports(con, "2024-03").itertuples()] == [c1.target_id]
    send(con, templates, tmp_path, "2024-03", {n1: {VALUE: 430}}, name="fixed-n1.xlsx")
    assert queries.falling_reports(con, "2024-03").empty
    assert queries.falling_reports(con, "2024-02").empty                  # nothing earlier in the year
    assert queries.falling_reports(con, None).empty
    assert list(queries.falling_reports(con, None).columns) == list(queries.falling_reports(con, "2024-03").columns)
