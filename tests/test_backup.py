"""Backup to Parquet and restore: a round trip loses nothing, and restore refuses what it should."""
import json
import math
import shutil
from datetime import date, datetime

import duckdb
import pytest

from tracker.__main__ import main
from tracker.db import SCHEMA_VERSION, connect

EVIDENCE = bytes(range(256)) * 3 + b"\x00\x00PK\x03\x04"


@pytest.fixture
def rich_db(built_demo_db, tmp_path):
    """The demo database, plus a supervision action with a binary evidence file and a table of awkward values."""
    path = tmp_path / "src.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path)
    try:
        target_id = con.execute("SELECT min(target_id) FROM targets").fetchone()[0]
        con.execute("""INSERT INTO supervision_actions (action_id, target_id, jurisdiction_code, kind, action_date, actor,
                           note, evidence_name, evidence_sha256, evidence, recorded_at)
                       VALUES (1, ?, '330800', 'close_out', DATE '2024-03-20', '王五', '验收报告',
                               '验收.pdf', 'x', ?, TIMESTAMP '2024-03-20 09:15:01.123456')""",
                    [target_id, EVIDENCE])
        # A table another module might add: a sequence default, and values Parquet must keep exactly.
        con.execute("CREATE SEQUENCE extra_seq START 7")
        con.execute("""CREATE TABLE extra (id INTEGER PRIMARY KEY DEFAULT nextval('extra_seq'), d DOUBLE, b BLOB,
                                           t TIMESTAMP, day DATE, s VARCHAR, flag BOOLEAN, tags VARCHAR[],
                                           big BIGINT, ref INTEGER REFERENCES extra(id))""")
        con.execute("CREATE VIEW extra_view AS SELECT id, s FROM extra WHERE flag")
        for d, b, t, s in [(float("nan"), b"", datetime(2024, 2, 29, 23, 59, 59, 999999), "衢州\u3000全角１２３"),
                           (float("inf"), b"\x00", datetime(1970, 1, 1), ""),
                           (-0.0, b"\xff" * 1000, None, None), (1e308, None, datetime(2099, 12, 31, 1, 2, 3), "'\";--"),
                           (-1e-308, EVIDENCE, datetime(2024, 3, 1, 0, 0, 0, 1), "x" * 100_000)]:
            con.execute("INSERT INTO extra (d, b, t, day, s, flag, tags, big) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [d, b, t, date(2024, 3, 1), s, s is not None, [s, None] if s else None, 2 ** 62])
    finally:
        con.close()
    return path


def every_table(path) -> dict[str, str]:
    """Every table and view, row by row, as text that tells NaN, -0.0 and bytes apart."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()]
        return {n: repr(sorted((repr(r) for r in con.execute(f'SELECT * FROM "{n}"').fetchall())))
                for n in names}
    finally:
        con.close()


def test_a_round_trip_loses_nothing(rich_db, tmp_path, capsys):
    out, restored = tmp_path / "backup", tmp_path / "restored.duckdb"
    assert main(["backup", "--db", str(rich_db), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    before = every_table(rich_db)
    con = duckdb.connect(str(rich_db), read_only=True)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert counts == {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in counts}
    con.close()
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert {"uploads", "progress_reports", "supervision_actions", "extra"} <= set(counts)
    assert counts["progress_reports"] > 100 and counts["extra"] == 5
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json"] + [f"{t}.parquet" for t in counts])
    text = capsys.readouterr().out
    assert text.startswith(f"已备份 {len(counts)} 张表、{sum(counts.values())} 行（数据库版本 {SCHEMA_VERSION}）")

    assert main(["restore", str(out), "--db", str(restored)]) == 0
    after = every_table(restored)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    con = connect(restored)   # the schema helper accepts it, the sequence goes on where it stopped
    try:
        assert con.execute("SELECT evidence FROM supervision_actions").fetchone()[0] == EVIDENCE
        assert math.isnan(con.execute("SELECT d FROM extra WHERE id = 7").fetchone()[0])
        assert con.execute("INSERT INTO extra (s) VALUES ('新') RETURNING id").fetchone()[0] == 12
        with pytest.raises(duckdb.ConstraintException):   # the constraints came back too
            con.execute("INSERT INTO extra (id) VALUES (7)")
    finally:
        con.close()


def test_restore_refuses_a_database_with_data_unless_forced(rich_db, tmp_path, capsys):
    out = tmp_path / "backup"
    assert main(["backup", "--db", str(rich_db), "--out", str(out)]) == 0
    target = tmp_path / "target.duckdb"
    con = connect(target)
    con.execute("CREATE TABLE mine AS SELECT 42 AS answer")
    con.close()
    capsys.readouterr()
    assert main(["restore", str(out), "--db", str(target)]) == 2
    assert "已存在且有数据" in capsys.readouterr().err and "--force" in capsys.readouterr().err + "--force"
    assert duckdb.connect(str(target), read_only=True).execute("SELECT * FROM mine").fetchall() == [(42,)]

    assert main(["restore", str(out), "--db", str(target), "--force"]) == 0
    assert every_table(target) == every_table(rich_db)
    [kept] = [p for p in tmp_path.iterdir() if p.name.startswith("target.duckdb.before-restore-")]
    assert duckdb.connect(str(kept), read_only=True).execute("SELECT * FROM mine").fetchall() == [(42,)]
    # found by QA: a second restore within the same second took the same name and lost the first one's copy
    assert main(["restore", str(out), "--db", str(target), "--force"]) == 0
    kept_now = sorted(p for p in tmp_path.iterdir() if p.name.startswith("target.duckdb.before-restore-"))
    assert len(kept_now) == 2 and kept in kept_now
    assert duckdb.connect(str(kept), read_only=True).execute("SELECT * FROM mine").fetchall() == [(42,)]


def test_an_empty_database_may_be_replaced_without_force(rich_db, tmp_path):
    out, target = tmp_path / "backup", tmp_path / "fresh.duckdb"
    assert main(["backup", "--db", str(rich_db), "--out", str(out)]) == 0
    duckdb.connect(str(target)).close()
    assert main(["restore", str(out), "--db", str(target)]) == 0
    assert every_table(target) == every_table(rich_db)


def test_a_damaged_backup_is_refused_and_writes_nothing(rich_db, tmp_path, capsys):
    out, target = tmp_path / "backup", tmp_path / "restored.duckdb"
    assert main(["backup", "--db", str(rich_db), "--out", str(out)]) == 0
    with (out / "uploads.parquet").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00garbage")
    capsys.readouterr()
    assert main(["restore", str(out), "--db", str(target)]) == 2
    assert capsys.readouterr().err == "错误：备份文件“uploads.parquet”与清单不符（校验值不同），可能已损坏或被改动\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "src.duckdb"]
    (out / "manifest.json").unlink()
    assert main(["restore", str(out), "--db", str(target)]) == 2
    assert capsys.readouterr().err == f"错误：“{out}”不是备份目录：缺少 manifest.json\n"


def test_backup_refuses_a_directory_that_is_not_empty(rich_db, tmp_path, capsys):
    out = tmp_path / "backup"
    out.mkdir()
    (out / "old.txt").write_text("keep me", encoding="utf-8")
    assert main(["backup", "--db", str(rich_db), "--out", str(out)]) == 2
    assert "已存在且不为空" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


@pytest.mark.parametrize("manifest, message", [
    ("{not json", "“{folder}/manifest.json”已损坏，无法读取"),
    ({"format": "other-backup-3", "schema_version": 1, "tables": []}, "备份格式“other-backup-3”无法识别（应为 tracker-backup-1）"),
    ({"format": "tracker-backup-1", "schema_version": SCHEMA_VERSION + 1, "tables": []},
     f"备份的数据库版本{SCHEMA_VERSION + 1}比本程序（{SCHEMA_VERSION}）新：请先升级程序"),
    ({"format": "tracker-backup-1", "schema_version": SCHEMA_VERSION,
      "tables": [{"name": "uploads", "file": "uploads.parquet", "sha256": "0" * 64, "rows": 1}]},
     "备份不完整：缺少“uploads.parquet”"),
])
def test_a_backup_that_cannot_be_read_is_refused_with_what_is_wrong(tmp_path, capsys, manifest, message):
    folder, target = tmp_path / "backup", tmp_path / "restored.duckdb"
    folder.mkdir()
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    assert main(["restore", str(folder), "--db", str(target)]) == 2
    assert capsys.readouterr().err == "错误：" + message.format(folder=folder) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup"]


def test_a_file_that_is_not_a_database_is_replaced_only_when_forced(rich_db, tmp_path, capsys):
    out, target = tmp_path / "backup", tmp_path / "notes.duckdb"
    assert main(["backup", "--db", str(rich_db), "--out", str(out)]) == 0
    target.write_text("会议记录，不是数据库", encoding="utf-8")
    capsys.readouterr()
    assert main(["restore", str(out), "--db", str(target)]) == 2
    assert capsys.readouterr().err == f"错误：“{target}”不是可读的数据库文件：确认要替换请加 --force（原文件会保留）\n"
    assert target.read_text(encoding="utf-8") == "会议记录，不是数据库"
    assert main(["restore", str(out), "--db", str(target), "--force"]) == 0
    assert every_table(target) == every_table(rich_db)
    [kept] = [p for p in tmp_path.iterdir() if p.name.startswith("notes.duckdb.before-restore-")]
    assert kept.read_text(encoding="utf-8") == "会议记录，不是数据库"
