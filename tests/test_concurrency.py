"""Uploads at once: from threads over one connection (as Streamlit serves sessions), and from
separate processes while the dashboard holds the file or while they race for it."""
import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

import tracker.db
from loaders.progress_upload import upload_file
from tests.progress_files import NOW
from tests.reliability_files import PERIOD, UNITS, cli, filled
from tracker.db import connect, write_transaction

pytestmark = pytest.mark.timeout(120)


def counts(path) -> tuple[int, int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM uploads), (SELECT count(DISTINCT upload_id) FROM uploads), "
                           "(SELECT count(*) FROM progress_reports)").fetchone()
    finally:
        con.close()


# ---------------------------------------------------------------- write_transaction


def _insert_upload(c, upload_id: int, who: str) -> None:
    c.execute("""INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome,
                                      n_rows, n_accepted, n_rejected) VALUES (?, '市发改委', ?, 'f.xlsx', 'x', ?,
                                      'accepted', 1, 1, 0)""", [upload_id, PERIOD, who])


@pytest.mark.parametrize("when", ["before my insert", "after my insert"])
def test_a_write_conflict_is_retried_from_the_start(con, when):
    other, mine = con.cursor(), con.cursor()
    attempts = []

    def work(c):
        attempts.append(1)
        new_id = c.execute("SELECT coalesce(max(upload_id), 0) + 1 FROM uploads").fetchone()[0]
        if len(attempts) == 1 and when == "before my insert":
            _insert_upload(other, new_id, "另一会话")   # commits the same id first
        _insert_upload(c, new_id, "本会话")
        if len(attempts) == 1 and when == "after my insert":
            _insert_upload(other, new_id, "另一会话")
        return new_id

    assert write_transaction(mine, work) == 2
    assert len(attempts) == 2
    assert con.execute("SELECT upload_id, uploaded_by FROM uploads ORDER BY 1").fetchall() == [
        (1, "另一会话"), (2, "本会话")]


def test_a_retry_after_a_failed_commit_stores_exactly_what_it_was_given(con):
    """My COMMIT fails (another upload committed the same upload id, and a file, first); the retry writes
    the same file row again. With DuckDB 1.4.1 the rows appended by the failed transaction were not
    cleared: the retried values came back doubled ("hello" as "hellohello") or unreadable ("Invalid
    unicode"), or the retry met a duplicate key. 1.4.5 stores what it was given."""
    other, mine = con.cursor(), con.cursor()
    attempts = []

    def work(c):
        attempts.append(1)
        new_id = c.execute("SELECT coalesce(max(upload_id), 0) + 1 FROM uploads").fetchone()[0]
        _insert_upload(c, new_id, "本会话")
        c.execute("INSERT INTO upload_files (file_sha256, n_bytes, content) VALUES (?, ?, ?)",
                  ["9f86d081884c7d65", 5, b"hello"])
        if len(attempts) == 1:   # another upload commits the same id and a file of its own: my COMMIT fails
            other.execute("BEGIN TRANSACTION")
            _insert_upload(other, new_id, "另一会话")
            other.execute("INSERT INTO upload_files (file_sha256, n_bytes, content) VALUES ('a591a6d40bf42040', 5, "
                          "'world'::BLOB)")
            other.execute("COMMIT")
        return new_id

    assert write_transaction(mine, work) == 2
    assert len(attempts) == 2
    assert con.execute("SELECT file_sha256, n_bytes, content FROM upload_files ORDER BY 1").fetchall() == [
        ("9f86d081884c7d65", 5, b"hello"), ("a591a6d40bf42040", 5, b"world")]
    assert con.execute("SELECT upload_id, uploaded_by FROM uploads ORDER BY 1").fetchall() == [
        (1, "另一会话"), (2, "本会话")]


def test_another_error_is_not_retried_and_leaves_nothing(con):
    attempts = []

    def work(c):
        attempts.append(1)
        _insert_upload(c, 1, "本会话")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        write_transaction(con, work)
    assert attempts == [1]
    assert con.execute("SELECT count(*) FROM uploads").fetchone() == (0,)
    _insert_upload(con, 1, "之后")   # the connection is usable: no transaction left open


def test_a_conflict_that_never_clears_is_raised_after_the_last_attempt(con):
    def work(c):
        raise duckdb.TransactionException("Conflict on update!")

    with pytest.raises(duckdb.TransactionException):
        write_transaction(con, work, attempts=3, base_delay=0)


# ---------------------------------------------------------------- threads


def test_uploads_from_many_threads_over_one_connection_all_commit(plain_db, tmp_path, monkeypatch):
    con = connect(plain_db)
    conflicts = []
    real = tracker.db.is_write_conflict
    monkeypatch.setattr(tracker.db, "is_write_conflict", lambda exc: conflicts.append(exc) or real(exc))
    jobs = []   # (unit, file, rows): each unit twice, the second file a correction; no two files share a value
    for i, unit in enumerate(UNITS):
        for value in (i + 1.0, i + 11.0):
            path, n = filled(con, tmp_path, unit, value, name=f"{unit}-{value}.xlsx")
            jobs.append((unit, path, n))
    start = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def one(i, unit, path):
        cursor = con.cursor()   # what tracker.app_db.get_connection hands each session
        try:
            start.wait()
            results[i] = upload_file(cursor, path, unit, uploaded_by=unit, now=NOW)
        except BaseException as exc:   # noqa: BLE001 - the test reports any
            errors.append(exc)
        finally:
            cursor.close()

    threads = [threading.Thread(target=one, args=(i, unit, path)) for i, (unit, path, _) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [r.outcome for r in results] == ["accepted"] * len(jobs)
    assert [r.n_new for r in results] == [n for _, _, n in jobs]
    total = sum(n for _, _, n in jobs)
    assert con.execute("SELECT count(*), count(DISTINCT upload_id) FROM uploads").fetchone() == (len(jobs), len(jobs))
    assert con.execute("SELECT count(*), count(DISTINCT report_id) FROM progress_reports").fetchone() == (total, total)
    # every row's versions are 1, 2, … n without a gap or a double (a row two units lead has four)
    assert con.execute("""SELECT count(*) FROM (SELECT list(version ORDER BY version) v FROM progress_reports
                          GROUP BY target_id, jurisdiction_code) WHERE v <> range(1, len(v) + 1)""").fetchone() == (0,)
    # what each retried write stored is what it was given (DuckDB 1.4.1 kept the rows a failed commit had
    # appended: test_a_retry_after_a_failed_commit_stores_exactly_what_it_was_given)
    assert sorted(con.execute("SELECT unit_name, file_name FROM uploads").fetchall()) == \
        sorted((unit, path.name) for unit, path, _ in jobs)
    assert sorted(con.execute("SELECT file_sha256, content FROM upload_files").fetchall()) == \
        sorted((hashlib.sha256(path.read_bytes()).hexdigest(), path.read_bytes()) for _, path, _ in jobs)
    assert con.execute("""SELECT count(*) FROM progress_reports
                          WHERE jurisdiction_code NOT IN (SELECT code FROM jurisdictions) OR period <> ?""",
                       [PERIOD]).fetchone() == (0,)
    print(f"{len(conflicts)} write conflicts retried")
    con.close()


# ---------------------------------------------------------------- processes


def _prepare(plain_db, tmp_path) -> tuple[list[tuple[str, Path, int]], int]:
    con = connect(plain_db)
    try:
        jobs = [(unit, *filled(con, tmp_path, unit, value=i + 1.0)) for i, unit in enumerate(UNITS)]
    finally:
        con.close()
    return jobs, sum(n for _, _, n in jobs)


def _run_together(db: Path, jobs, tmp_path: Path) -> dict[str, tuple[int, str, str]]:
    procs = {unit: cli("loaders", "upload", "--db", str(db), "--unit", unit, "--by", unit, str(path))
             for unit, path, _ in jobs}
    procs["export"] = cli("tracker", "export", "progress", "--db", str(db), "--period", PERIOD,
                          "--out", str(tmp_path / "汇总.xlsx"))
    procs["backup"] = cli("tracker", "backup", "--db", str(db), "--out", str(tmp_path / "backup"))
    done = {}
    for name, p in procs.items():
        out, err = p.communicate(timeout=90)
        done[name] = (p.returncode, out, err)
    return done


def _check(done, jobs, db: Path, tmp_path: Path, total: int) -> None:
    for unit, path, n in jobs:
        code, out, err = done[unit]
        assert code == 0, err
        assert out.startswith(f"{unit} {PERIOD}《{path.name}》已接收：新增{n}条"), out
    assert done["export"][0] == 0 and "已导出 2024-03 进展汇总表" in done["export"][1], done["export"]
    assert done["backup"][0] == 0 and "已备份" in done["backup"][1], done["backup"]
    assert (tmp_path / "汇总.xlsx").stat().st_size > 0 and (tmp_path / "backup" / "manifest.json").exists()
    assert counts(db) == (len(jobs), len(jobs), total)


def test_four_processes_and_an_export_while_the_dashboard_holds_the_file(plain_db, tmp_path):
    jobs, total = _prepare(plain_db, tmp_path)
    # The dashboard's own connection code (tracker.app_db), in a process of its own, holding the file.
    dashboard = subprocess.Popen(
        [sys.executable, "-c", "import sys; from tracker.app_db import _connection; "
         f"_connection({str(plain_db)!r}); print('ready', flush=True); sys.stdin.read()"],
        cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        assert dashboard.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException, match="Could not set lock"):   # it does hold the file
            duckdb.connect(str(plain_db), read_only=True)
        done = _run_together(plain_db, jobs, tmp_path)
    finally:
        dashboard.stdin.close()
        dashboard.wait(30)
    _check(done, jobs, plain_db, tmp_path, total)
    for unit, _, _ in jobs:
        assert "正在等待" not in done[unit][2]   # handed over at once, never waited on the lock


def test_four_processes_and_an_export_racing_for_the_file(plain_db, tmp_path):
    jobs, total = _prepare(plain_db, tmp_path)
    done = _run_together(plain_db, jobs, tmp_path)
    _check(done, jobs, plain_db, tmp_path, total)


# ---------------------------------------------------------------- the inbox itself


def test_a_command_is_handed_to_the_process_that_serves_the_file(plain_db, tmp_path, capsys, monkeypatch):
    import argparse
    import json
    import socket

    from tracker import inbox

    con = connect(plain_db)
    server = inbox.serve(plain_db, con)
    try:
        assert inbox.serve(plain_db, con) is server   # once per file
        monkeypatch.setattr(inbox, "connect_when_free", lambda *a, **k: pytest.fail("opened the file itself"))
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        args = argparse.Namespace(db=plain_db, out=Path("relative.csv"), handler=print)
        assert inbox.run(plain_db, "export-targets", args) == 0
        assert "已导出目标清单" in capsys.readouterr().out
        assert (elsewhere / "relative.csv").stat().st_size > 0   # a relative path means the caller's directory
        with socket.socket(socket.AF_UNIX) as s:   # only the listed commands run
            s.connect(str(inbox.socket_path(plain_db)))
            s.sendall(json.dumps({"command": "rm -rf", "args": {}}).encode())
            s.shutdown(socket.SHUT_WR)
            reply = json.loads(b"".join(iter(lambda: s.recv(65536), b"")))
        assert reply["code"] == 1 and "unknown command 'rm -rf'" in reply["err"]
    finally:
        server.stop()
        con.close()
    assert not inbox.socket_path(plain_db).exists()
