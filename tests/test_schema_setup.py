"""tracker.db.connect sets the schema up: schema.sql runs on a new file and whenever it changed, a file
already set up by it is left as it is, and whatever is missing is created again."""
from __future__ import annotations

import hashlib

import duckdb
import pytest

from tests.old_schema import schema4_file
from tracker import db


def _fingerprint(con) -> str:
    return con.execute(f"SELECT sha256 FROM {db.FINGERPRINT_VIEW}").fetchone()[0]


def _objects(con) -> list[str]:
    return sorted(r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall())


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "t.duckdb"
    db.connect(path).close()
    return path


def migrated(path, table: str):
    """Open an older file (which migrates it) and check it is at the current version; the connection and
    ``table``'s columns, checked to be in the order a new file has them."""
    con = db.connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == db.SCHEMA_VERSION == 5
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    fresh = db.connect(":memory:")
    assert columns == [r[0] for r in fresh.execute(f"DESCRIBE {table}").fetchall()]   # in a new file's order
    fresh.close()
    return con, columns


def test_a_new_file_gets_every_table_and_view_and_the_fingerprint(path):
    sql = db.SCHEMA_FILE.read_text(encoding="utf-8")
    con = db.connect(path)
    assert _fingerprint(con) == hashlib.sha256(sql.encode("utf-8")).hexdigest()
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(db.SCHEMA_VERSION,)]
    assert _objects(con) == sorted([*db._SCHEMA_OBJECT.findall(sql), db.FINGERPRINT_VIEW])
    assert len(_objects(con)) == 33


def test_a_file_set_up_by_this_schema_is_left_as_it_is(path):
    """The schema's statements do not run again (a view changed by hand stays changed: nothing rewrites it)."""
    con = db.connect(path)
    con.execute("CREATE OR REPLACE VIEW latest_progress AS SELECT 1 AS marker")
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT * FROM latest_progress").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1


@pytest.mark.parametrize("drop", ["DROP TABLE upload_errors", "DROP VIEW target_register",
                                  f"DROP VIEW {db.FINGERPRINT_VIEW}"])
def test_whatever_is_missing_is_created_again(path, drop):
    con = db.connect(path)
    before = _objects(con)
    con.execute(drop)
    con.close()
    con = db.connect(path)
    assert _objects(con) == before
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1


def test_a_changed_schema_runs_again_and_keeps_the_data(path, tmp_path, monkeypatch):
    con = db.connect(path)
    con.execute("INSERT INTO jurisdictions VALUES ('330800', '衢州市', '衢州', 'city', NULL)")
    con.close()
    changed = tmp_path / "schema.sql"
    changed.write_text(db.SCHEMA_FILE.read_text(encoding="utf-8")
                       + "\nCREATE TABLE IF NOT EXISTS added_later (n INTEGER);\n", encoding="utf-8")
    monkeypatch.setattr(db, "SCHEMA_FILE", changed)
    con = db.connect(path)
    assert con.execute("SELECT count(*) FROM added_later").fetchone()[0] == 0
    assert con.execute("SELECT name FROM jurisdictions").fetchall() == [("衢州市",)]
    assert _fingerprint(con) == hashlib.sha256(changed.read_bytes()).hexdigest()


def test_an_older_version_is_migrated_even_with_the_same_fingerprint(path):
    con = db.connect(path)
    con.execute("ALTER TABLE progress_reports DROP COLUMN source_row")
    con.execute("UPDATE schema_version SET version = 2")
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == db.SCHEMA_VERSION
    assert "source_row" in [r[0] for r in con.execute("DESCRIBE progress_reports").fetchall()]


NPC_FACT = ("1, 1, '330800', '衢州市人大常委会', 2023, 'standing_meetings', '常委会会议', 9, '次', false, "
            "'召开常委会会议 9 次', '共召开常委会会议 9 次。', 10, 20, 8, 21")


def test_a_version_3_file_gets_the_inquiry_columns_of_npc_facts_and_keeps_its_counts(path):
    """Schema 4 adds npc_facts.topic, nature, year_end and comparator; the counts stored before are work
    counts (no topic) of what was done (status), and no row is lost or changed otherwise."""
    con = db.connect(path)
    con.execute("INSERT INTO jurisdictions VALUES ('330800', '衢州市', '衢州', 'city', NULL)")
    con.execute("INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (1, 'a.txt', 'x', 1, 'a')")
    con.execute("INSERT INTO npc_reports VALUES (1, 1, '衢州人大', 'bulletin', '330800', DATE '2023-12-07', 2023)")
    for column in ("comparator", "year_end", "nature", "topic"):
        con.execute(f"ALTER TABLE npc_facts DROP COLUMN {column}")
    con.execute(f"INSERT INTO npc_facts VALUES ({NPC_FACT})")
    con.execute("UPDATE schema_version SET version = 3")
    con.close()

    con, columns = migrated(path, "npc_facts")
    assert columns[-4:] == ["topic", "nature", "year_end", "comparator"]
    assert con.execute("SELECT * FROM npc_facts").fetchall() == [
        (1, 1, "330800", "衢州市人大常委会", 2023, "standing_meetings", "常委会会议", 9.0, "次", False,
         "召开常委会会议 9 次", "共召开常委会会议 9 次。", 10, 20, 8, 21, None, "status", None, None)]
    con.close()


def test_a_read_only_connection_changes_nothing(tmp_path):
    path = tmp_path / "bare.duckdb"
    duckdb.connect(str(path)).close()
    con = db.connect(path, read_only=True)
    assert _objects(con) == []


def test_a_version_4_file_gets_targets_whole_item_and_keeps_its_targets(tmp_path, monkeypatch):
    """Schema 5 adds targets.whole_item (loaders/whole_items.py); the targets stored before are the texts' own
    (false). DuckDB cannot drop a column of a table others refer to, so the version-4 file is made by the
    schema without it."""
    path = tmp_path / "v4.duckdb"
    with monkeypatch.context() as m:
        m.setattr(db, "SCHEMA_FILE", schema4_file(tmp_path))
        m.setattr(db, "SCHEMA_VERSION", 4)
        con = db.connect(path)
        con.execute("INSERT INTO jurisdictions VALUES ('330800', '衢州市', '衢州', 'city', NULL)")
        con.execute("INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (1, 'a.txt', 'x', 1, 'a')")
        con.execute("INSERT INTO documents (doc_id, file_id, title, kind) VALUES (1, 1, '计划', 'task_decomposition')")
        con.execute("INSERT INTO items VALUES (1, 1, 'work_task', 1, '1．', NULL, '任务', '任务', 0, 1, 0, 1)")
        con.execute("INSERT INTO targets VALUES (1, 1, 1, '新增', '5个', 5, NULL, '个', 5, NULL, '个', '=', 'count', "
                    "NULL, NULL, NULL, DATE '2024-12-31', 0, 1)")
        con.execute("INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome, "
                    "n_rows, n_accepted, n_rejected) VALUES (1, '市发改委', '2024-03', 'a.xlsx', 'x', 't', 'accepted', 1, 1, 0)")
        con.execute("INSERT INTO progress_reports (report_id, upload_id, target_id, jurisdiction_code, period, version, "
                    "value) VALUES (1, 1, 1, '330800', '2024-03', 1, 2)")
        con.close()

    con, columns = migrated(path, "targets")
    assert columns[-1] == "whole_item"
    assert con.execute("SELECT target_id, raw, whole_item FROM targets").fetchall() == [(1, "5个", False)]
    assert con.execute("SELECT target_id, value FROM progress_reports").fetchall() == [(1, 2.0)]
    con.close()
