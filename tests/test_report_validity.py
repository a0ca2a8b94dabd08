"""progress_reports.valid_until: the filter it makes possible equals the group-by it replaces."""
from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import dashboard_db
from tracker import report_validity
from tracker.db import SCHEMA_VERSION, connect

PERIODS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]


def _answering(con, as_of: str) -> set[tuple]:
    """(target, jurisdiction, period, version) that answers for ``as_of``, by valid_until."""
    return set(con.execute(
        f"SELECT target_id, jurisdiction_code, period, version FROM progress_reports p "
        f"WHERE {report_validity.current_report_sql('?')}".replace("?", f"'{as_of}'")).fetchall())


def _by_definition(con, as_of: str) -> set[tuple]:
    """The same, by its definition: the latest period on or before ``as_of``, its latest version."""
    return set(con.execute(
        """SELECT target_id, jurisdiction_code, last.period, last.version FROM (
               SELECT target_id, jurisdiction_code, max({'period': period, 'version': version}) AS last
               FROM progress_reports WHERE period <= ? GROUP BY ALL)""", [as_of]).fetchall())


def test_fixture_values(tmp_path):
    con = dashboard_db.make_db(tmp_path / "t.duckdb")
    rows = con.execute("SELECT target_id, jurisdiction_code, period, version, valid_until FROM progress_reports "
                       "ORDER BY target_id, jurisdiction_code, period, version").fetchall()
    assert rows == [
        (1, "330800", "2024-03", 1, "2024-03"),   # replaced by version 2 of the same month
        (1, "330800", "2024-03", 2, None),
        (2, "330800", "2024-02", 1, "2024-03"),   # answers for February only
        (2, "330800", "2024-03", 1, None),
        (3, "330802", "2024-03", 1, None),
        (3, "330803", "2024-03", 1, None),
    ]
    assert report_validity.stale_rows(con) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.sampled_from(["330802", "330803"]),
                          st.sampled_from(PERIODS)), min_size=1, max_size=25))
def test_filter_equals_latest_report_in_any_order(tmp_path_factory, reports):
    """Reports arrive in any order (late corrections, back-filled months): after each upload's
    refresh, every month's filter picks exactly the latest period's latest version."""
    con = dashboard_db.make_db(tmp_path_factory.mktemp("v") / "t.duckdb")
    report_id, upload_id = 1000, 1000
    for target, code, period in reports:
        upload_id += 1
        report_id += 1
        version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM progress_reports WHERE target_id = ? "
                              "AND jurisdiction_code = ? AND period = ?", [target, code, period]).fetchone()[0]
        dashboard_db.add_upload(con, upload_id, "柯城区人民政府", period)
        dashboard_db.add_report(con, report_id, upload_id, target, code, period, version, 1.0)
    assert report_validity.stale_rows(con) == 0
    for as_of in ["2023-12", *PERIODS, "2025-01"]:
        assert _answering(con, as_of) == _by_definition(con, as_of)


def test_refresh_all_repairs_any_damage(tmp_path):
    con = dashboard_db.make_db(tmp_path / "t.duckdb")
    con.execute("UPDATE progress_reports SET valid_until = '2000-01'")
    assert report_validity.stale_rows(con) == 6
    assert report_validity.refresh_all(con) == 6
    assert report_validity.stale_rows(con) == 0
    assert report_validity.refresh_all(con) == 0


def test_refresh_all_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(report_validity, "CHUNK_TARGETS", 1)   # one target per statement
    con = dashboard_db.make_db(tmp_path / "t.duckdb")
    con.execute("UPDATE progress_reports SET valid_until = NULL")
    assert report_validity.refresh_all(con) == 2
    assert report_validity.stale_rows(con) == 0


def test_migration_from_version_1_fills_the_column_and_keeps_every_row(tmp_path):
    path = tmp_path / "old.duckdb"
    con = dashboard_db.make_db(path)
    before = con.execute("SELECT * EXCLUDE (valid_until, source_row) FROM progress_reports ORDER BY report_id").fetchall()
    # what a version-1 file looks like: no valid_until (nor what version 3 added)
    con.execute("ALTER TABLE progress_reports DROP COLUMN source_row")
    con.execute("ALTER TABLE progress_reports DROP COLUMN valid_until")
    con.execute("DROP TABLE upload_files")
    con.execute("DELETE FROM schema_version")
    con.execute("INSERT INTO schema_version (version) VALUES (1)")
    con.close()

    con = connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("SELECT * EXCLUDE (valid_until, source_row) FROM progress_reports ORDER BY report_id"
                       ).fetchall() == before
    # the columns in the order a new file has them
    assert [c[0] for c in con.execute("DESCRIBE progress_reports").fetchall()][-2:] == ["valid_until", "source_row"]
    assert report_validity.stale_rows(con) == 0
    assert con.execute("SELECT count(*) FROM progress_reports WHERE valid_until IS NOT NULL").fetchone()[0] == 2
    assert con.execute("SELECT count(*), count(valid_until) FROM latest_progress").fetchone() == (5, 1)
    con.close()
    # opening it again migrates nothing twice
    con = connect(path)
    assert con.execute("SELECT count(*) FROM schema_version WHERE version = ?", [SCHEMA_VERSION]).fetchone()[0] == 1


def test_read_only_connection_of_an_old_file_is_not_migrated(tmp_path):
    path = tmp_path / "old.duckdb"
    con = dashboard_db.make_db(path)
    con.execute("ALTER TABLE progress_reports DROP COLUMN source_row")
    con.execute("ALTER TABLE progress_reports DROP COLUMN valid_until")
    con.execute("UPDATE schema_version SET version = 1")
    con.close()
    ro = connect(path, read_only=True)
    assert "valid_until" not in [c[0] for c in ro.execute("DESCRIBE progress_reports").fetchall()]
    ro.close()


def test_demo_uploads_keep_it_current(built_demo_db):
    """The demo data goes through the real write path (loaders.progress_upload.Batch.flush)."""
    con = duckdb.connect(str(built_demo_db), read_only=True)
    assert report_validity.stale_rows(con) == 0
    replaced = con.execute("SELECT count(*) FROM progress_reports WHERE valid_until IS NOT NULL").fetchone()[0]
    assert replaced > 0
    for as_of in ["2024-01", "2024-05", "2024-09", "2024-12"]:
        assert _answering(con, as_of) == _by_definition(con, as_of)


def test_a_version_1_backup_restores_and_is_brought_up_to_date(tmp_path):
    from tracker import backup

    old = tmp_path / "old.duckdb"
    con = dashboard_db.make_db(old)
    before = con.execute("SELECT * EXCLUDE (valid_until, source_row) FROM progress_reports ORDER BY report_id").fetchall()
    con.execute("DROP VIEW latest_progress")   # the view reads p.*: recreated with the old columns below
    con.execute("ALTER TABLE progress_reports DROP COLUMN source_row")
    con.execute("ALTER TABLE progress_reports DROP COLUMN valid_until")
    con.execute("DROP TABLE upload_files")
    con.execute("UPDATE schema_version SET version = 1")
    con.execute("""CREATE VIEW latest_progress AS
        SELECT p.*, u.unit_name, u.uploaded_by, u.uploaded_at, u.file_name, u.is_demo
        FROM progress_reports p JOIN uploads u USING (upload_id)
        QUALIFY row_number() OVER (PARTITION BY p.target_id, p.jurisdiction_code, p.period
                                   ORDER BY p.version DESC) = 1""")
    manifest = backup.backup(con, tmp_path / "bk")
    con.close()
    assert manifest["schema_version"] == 1

    restored = tmp_path / "restored.duckdb"
    backup.restore(tmp_path / "bk", restored)
    con = connect(restored)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("SELECT * EXCLUDE (valid_until, source_row) FROM progress_reports ORDER BY report_id"
                       ).fetchall() == before
    assert report_validity.stale_rows(con) == 0
    assert con.execute("SELECT count(*) FROM latest_progress").fetchone()[0] == 5
