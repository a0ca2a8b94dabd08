"""Who reports a row, and what an upload says when it replaces a report another unit made for it.

The rule (tracker.reporting): each allocation row has one reporter, the place's own government or
管委会; the lead department reports the rows of places without one (市本级) and the whole-city row of
an unallocated target, which several lead departments of one item share. A row reported by two
units counts as its last upload says, and that upload names the unit and rows it replaced.
"""
import json

from loaders.progress_template import STATUS, VALUE, ROW_ID
from loaders.progress_upload import upload_file
from tests.progress_files import NOW, fill, row_ids, template
from tracker import task_queries as tq
from tracker.reporting import all_rows, resolve_unit, unit_rows

PERIOD = "2024-03"


def _upload(con, tmp_path, unit: str, values: dict[str, tuple[float, str]], name: str | None = None):
    path = template(con, tmp_path, unit, PERIOD)
    ids = row_ids(path)
    cells = {ids.index(rid) + 2: {VALUE: v, STATUS: s} for rid, (v, s) in values.items()}
    return upload_file(con, fill(path, tmp_path / (name or f"{unit}.xlsx"), cells), unit, "test", now=NOW)


def _second_lead(con, item_id: int, unit: str) -> None:
    """``unit`` leads ``item_id`` too (a 民生实事 project lists the 牵头单位 of all its rows)."""
    org_id = resolve_unit(con, unit).org_id
    con.execute("DELETE FROM assignments WHERE item_id = ? AND org_id = ?", [item_id, org_id])
    con.execute("INSERT INTO assignments (item_id, org_id, role, position, raw_name) VALUES (?, ?, 'lead', 9, ?)",
                [item_id, org_id, unit])


def test_each_allocation_row_has_one_reporter(con):
    # 民生实事 target 265: 市本级 is the lead department's row, each county's is its government's alone
    assert [(r.row_id, r.units) for r in all_rows(con, PERIOD, [265])] == [
        ("T265-330800-0", "市卫健委"), ("T265-330802", "柯城区政府"), ("T265-330803", "衢江区政府"),
        ("T265-330822", "常山县政府"), ("T265-330824", "开化县政府"), ("T265-330825", "龙游县政府"),
        ("T265-330881", "江山市政府")]
    # a target set for each county (116: 各县（市、区）入围“263共富农产品”2个以上): no row of the lead's
    lead = [r.row_id for r in unit_rows(con, resolve_unit(con, "市农业农村局"), "2024-10")
            if r.target_id in (91, 116, 117)]
    assert lead == []
    assert [r.row_id for r in unit_rows(con, resolve_unit(con, "柯城区政府"), "2024-10")
            if r.target_id in (91, 116, 117, 289)] == ["T91-330802", "T116-330802", "T117-330802", "T289-330802"]


def test_a_lead_department_sending_a_county_row_is_told_who_reports_it(con, tmp_path):
    # an old template of the lead department, or a row copied from a county's sheet
    path = template(con, tmp_path, "市农业农村局", "2024-10")
    n = len(row_ids(path))
    out = fill(path, tmp_path / "with_county_row.xlsx",
               {n + 2: {ROW_ID: "T116-330802", VALUE: 2, STATUS: "已完成"}})
    result = upload_file(con, out, "市农业农村局", "test", now=NOW)
    assert result.outcome == "rejected"
    assert [(p.row, p.column, p.message) for p in result.problems] == [(
        n + 2, ROW_ID, "填报编号“T116-330802”不在“市农业农村局”2024-10的报送范围内："
                       "该行由柯城区政府填报，请删除此行或重新下载本单位模板")]
    assert con.execute("SELECT count(*) FROM progress_reports").fetchone() == (0,)


def test_an_upload_replacing_another_units_report_names_the_unit_and_rows(con, tmp_path):
    _second_lead(con, 1, "市经信局")          # item 1 is 市发改委's; now 市经信局 leads it too
    rows = [r.row_id for r in unit_rows(con, resolve_unit(con, "市发改委"), PERIOD) if r.target_id in
            {t for (t,) in con.execute("SELECT target_id FROM targets WHERE item_id = 1").fetchall()}]
    assert len(rows) == 3
    first = _upload(con, tmp_path, "市发改委", {rows[0]: (10, "正常"), rows[1]: (20, "正常")})
    assert first.replaced == {}
    # 市发改委 corrects its own row: a correction, nobody else's report replaced
    own = _upload(con, tmp_path, "市发改委", {rows[0]: (11, "正常"), rows[1]: (20, "正常")}, "again.xlsx")
    assert (own.n_corrections, own.replaced) == (1, {})
    notes = tq.item_notes(con, 1)
    assert notes[notes["seq"] == notes["seq"].min()][["unit_name", "version", "standing"]].values.tolist() == [
        ["市发改委", 2, "当前有效"], ["市发改委", 1, "已更正（第2版有效）"]]
    second = _upload(con, tmp_path, "市经信局", {rows[0]: (12, "正常"), rows[1]: (21, "滞后"), rows[2]: (5, "正常")})
    assert second.replaced == {"市发改委": [rows[0], rows[1]]}
    said = f"其中2条替换了市发改委报送的数据：{rows[0]}、{rows[1]}"
    assert second.summary() == (f"市经信局 {PERIOD}《市经信局.xlsx》已接收：新增3条（其中更正2条），{said}"
                                f"，空白未填{len(row_ids(template(con, tmp_path, '市经信局', PERIOD))) - 3}行")
    # the stored message and the audit record say it too
    assert said in con.execute("SELECT message FROM uploads WHERE upload_id = ?", [second.upload_id]).fetchone()[0]
    details = json.loads(con.execute("SELECT details FROM audit_log WHERE target = ?",
                                     [f"upload:{second.upload_id}"]).fetchone()[0])
    assert details["replaced"] == [f"市发改委：{rows[0]}、{rows[1]}"]
    assert "replaced" not in json.loads(con.execute("SELECT details FROM audit_log WHERE target = ?",
                                                    [f"upload:{own.upload_id}"]).fetchone()[0])
    # the task's notes: who sent each version and which one counts
    notes = tq.item_notes(con, 1)
    first_row = notes[notes["jurisdiction"] == "衢州市"].sort_values(["seq", "version"])
    assert first_row[first_row["seq"] == first_row["seq"].min()][["unit_name", "version", "value", "standing"]
                                                                 ].values.tolist() == [
        ["市发改委", 1, 10.0, "已被市经信局的第3版替换"], ["市发改委", 2, 11.0, "已被市经信局的第3版替换"],
        ["市经信局", 3, 12.0, "当前有效"]]
    last = notes[(notes["jurisdiction"] == "衢州市") & (notes["seq"] == notes["seq"].max())]
    assert last[["unit_name", "version", "standing"]].values.tolist() == [["市经信局", 1, "当前有效"]]


def test_a_county_replacing_the_lead_departments_old_report_of_its_row_is_told(con, tmp_path):
    # a report the lead department made of 柯城区's row before each row had one reporter
    con.execute("INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome, "
                "n_rows, n_accepted, n_rejected) VALUES (1, '市农业农村局', '2024-03', 'a.xlsx', 'x', 't', "
                "'accepted', 1, 1, 0)")
    con.execute("INSERT INTO progress_reports (report_id, upload_id, target_id, jurisdiction_code, period, version, "
                "value, reported_status) VALUES (1, 1, 116, '330802', '2024-03', 1, 2, '已完成'), "
                "(2, 1, 116, '330800', '2024-03', 1, 1, '滞后')")
    result = _upload(con, tmp_path, "柯城区政府", {"T116-330802": (1, "正常")})
    assert result.replaced == {"市农业农村局": ["T116-330802"]}
    assert "其中1条替换了市农业农村局报送的数据：T116-330802" in result.summary()
    item = con.execute("SELECT item_id FROM targets WHERE target_id = 116").fetchone()[0]
    notes = tq.item_notes(con, item)
    assert notes[notes["seq"] == 1][["jurisdiction", "unit_name", "version", "value", "standing"]].values.tolist() == [
        ["衢州市", "市农业农村局", 1, 1.0, "分解到各县（市、区）前按全市报送，不再计入"],
        ["柯城区", "柯城区政府", 2, 1.0, "当前有效"],
        ["柯城区", "市农业农村局", 1, 2.0, "已被柯城区政府的第2版替换"]]
