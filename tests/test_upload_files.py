"""The uploaded file kept with its reports (schema 3): upload_files holds each stored file once per
content, every report its row in it; earlier reports get their row from the JSON they kept."""

import pytest

from loaders.progress_template import STATUS, VALUE
from loaders.progress_upload import upload_file
from tests import dashboard_db
from tests.accounts import cheap_hasher, make_people  # noqa: F401 (cheap_hasher: an autouse fixture)
from tests.conftest import table_contents
from tests.progress_files import NOW, fill, template
from tracker import unit_uploads
from tracker.auth import PermissionDenied
from tracker.db import SCHEMA_VERSION, connect

UNIT = "市发改委"


def upload(con, path, **kw):
    kw.setdefault("now", NOW)
    return upload_file(con, path, UNIT, uploaded_by="张三", **kw)


def files(con) -> list[tuple]:
    return con.execute("SELECT file_sha256, n_bytes, content FROM upload_files ORDER BY n_bytes").fetchall()


def test_each_upload_that_stores_keeps_its_file_once_per_content(con, tmp_path):
    tpl = template(con, tmp_path)
    a = fill(tpl, tmp_path / "a.xlsx", {2: {VALUE: 10}, 3: {VALUE: 20}})
    b = fill(tpl, tmp_path / "b.xlsx", {2: {VALUE: 11}, 3: {VALUE: 20}})
    first, second = upload(con, a), upload(con, b)
    before = table_contents(con)
    assert upload(con, b).outcome == "unchanged" and table_contents(con) == before   # nothing stored, no file
    assert upload(con, a).outcome == "rejected"         # a again would undo b: refused, nothing kept
    assert table_contents(con) == before
    third = upload(con, resaved(a, tmp_path / "a2.xlsx"))   # the same values in a file saved again: stored
    assert [r.outcome for r in (first, second, third)] == ["accepted"] * 3
    a2 = tmp_path / "a2.xlsx"
    assert sorted((n, bytes(c)) for _, n, c in files(con)) == sorted(
        (p.stat().st_size, p.read_bytes()) for p in (a, b, a2))
    rows = con.execute("""SELECT u.upload_id, p.target_id, p.source_row, f.content
                          FROM progress_reports p JOIN uploads u USING (upload_id) JOIN upload_files f USING (file_sha256)
                          ORDER BY p.report_id""").fetchall()
    t2, t3 = (con.execute("SELECT target_id FROM progress_reports WHERE source_row = ? LIMIT 1", [n]).fetchone()[0]
              for n in (2, 3))
    assert [(u, t, r, bytes(c)) for u, t, r, c in rows] == [
        (1, t2, 2, a.read_bytes()), (1, t3, 3, a.read_bytes()),
        (2, t2, 2, b.read_bytes()),                      # only the row that changed
        (3, t2, 2, a2.read_bytes())]


def resaved(path, out):
    """``path`` opened and saved again (new bytes, same cells), as an office program saves it."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.properties.lastModifiedBy = "另存者"   # openpyxl stamps `modified` with the time of saving: the same
    wb.save(out)                             # second as the original under load gave the same bytes
    assert out.read_bytes() != path.read_bytes()
    return out


def test_a_refused_file_is_not_kept_and_a_partial_one_is(con, tmp_path):
    tpl = template(con, tmp_path)
    bad = fill(tpl, tmp_path / "bad.xlsx", {2: {VALUE: 10}, 3: {VALUE: "很多"}})
    assert upload(con, bad).outcome == "rejected"
    assert files(con) == []
    result = upload(con, bad, partial=True)
    assert result.outcome == "partial" and [r[2] for r in files(con)] == [bad.read_bytes()]
    assert con.execute("SELECT source_row FROM progress_reports").fetchall() == [(2,)]
    assert con.execute("SELECT row_number FROM upload_errors").fetchall() == [(3,)]


def test_a_unit_downloads_its_own_original_file_and_nobody_else_s(con, tmp_path):
    people = make_people(con)
    tpl = template(con, tmp_path)
    f = fill(tpl, tmp_path / "三月.xlsx", {2: {VALUE: 10, STATUS: "正常"}})
    upload_id = upload(con, f).upload_id
    assert unit_uploads.original_file(con, people["fgw"], UNIT, upload_id) == ("三月.xlsx", f.read_bytes())
    assert unit_uploads.original_file(con, people["guanli"], UNIT, upload_id)[1] == f.read_bytes()
    assert con.execute("SELECT actor, action, target FROM audit_log WHERE action = 'export' ORDER BY audit_id"
                       ).fetchall() == [("fgw", "export", f"upload:{upload_id}"), ("guanli", "export", f"upload:{upload_id}")]
    with pytest.raises(PermissionDenied):
        unit_uploads.original_file(con, people["jxj"], UNIT, upload_id)      # another unit's account
    with pytest.raises(ValueError, match=f"“市经信局”没有编号为{upload_id}的上传记录"):
        unit_uploads.original_file(con, people["jxj"], "市经信局", upload_id)   # not one of its uploads
    with pytest.raises(PermissionDenied):
        unit_uploads.original_file(con, people["lingdao"], UNIT, upload_id)
    con.execute("DELETE FROM upload_files")
    with pytest.raises(ValueError, match=f"第{upload_id}次上传没有保存原文件"):
        unit_uploads.original_file(con, people["fgw"], UNIT, upload_id)


def test_demo_reports_keep_their_rows_without_a_file(built_demo_db):
    import duckdb

    con = duckdb.connect(str(built_demo_db), read_only=True)
    assert con.execute("SELECT count(*) FROM upload_files").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM progress_reports WHERE source_row IS NULL OR source_row < 2 "
                       "OR raw_cells IS NOT NULL").fetchone()[0] == 0


def test_migration_from_version_2_takes_the_rows_from_the_kept_json(tmp_path):
    path = tmp_path / "v2.duckdb"
    con = dashboard_db.make_db(path)
    con.execute("""UPDATE progress_reports SET raw_cells = CASE report_id
                       WHEN 1 THEN '{"row": 7, "填报编号": "T1-330800", "累计完成值": 5}'
                       WHEN 2 THEN '{"row": "x"}' WHEN 3 THEN 'not json' END""")
    before = con.execute("SELECT * EXCLUDE (source_row) FROM progress_reports ORDER BY report_id").fetchall()
    con.execute("ALTER TABLE progress_reports DROP COLUMN source_row")
    con.execute("DROP TABLE upload_files")
    con.execute("DELETE FROM schema_version")
    con.execute("INSERT INTO schema_version (version) VALUES (2)")
    con.close()

    con = connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION >= 3
    assert con.execute("SELECT * EXCLUDE (source_row) FROM progress_reports ORDER BY report_id").fetchall() == before
    assert con.execute("SELECT report_id, source_row FROM progress_reports ORDER BY report_id").fetchall() == [
        (1, 7), (2, None), (3, None), (4, None), (5, None), (6, None)]
    assert con.execute("SELECT count(*) FROM upload_files").fetchone()[0] == 0
