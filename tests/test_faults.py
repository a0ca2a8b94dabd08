"""A process killed (SIGKILL) in the middle of an upload: the database opens, consistent, with the
upload fully in or fully out. Real subprocesses, real kills; tracker.db's TRACKER_PAUSE_AT hook
holds a process at a known point of the upload's write so the kill lands there."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import table_contents
from tests.reliability_files import PERIOD, ROOT, cli, filled
from tracker.db import connect

pytestmark = pytest.mark.timeout(120)
UNIT = "市发改委"


@pytest.fixture
def upload_file_and_rows(plain_db, tmp_path):
    con = connect(plain_db)
    try:
        return filled(con, tmp_path, UNIT, 7.0)
    finally:
        con.close()


def snapshot(db: Path):
    con = connect(db)   # replays the write-ahead log the killed process left
    try:
        contents = table_contents(con)
        audit = con.execute("SELECT count(*) FROM audit_log").fetchone() if "audit_log" in {
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} else None
        return contents, audit
    finally:
        con.close()


def stored(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM uploads), (SELECT count(*) FROM progress_reports)").fetchone()
    finally:
        con.close()


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the process never reached the pause"
        time.sleep(0.02)


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def upload(db: Path, path: Path, env: dict | None = None) -> subprocess.Popen:
    return cli("loaders", "upload", "--db", str(db), "--unit", UNIT, "--by", "张三", str(path), env=env)


def test_killed_before_commit_the_upload_is_fully_out(plain_db, tmp_path, upload_file_and_rows):
    path, n = upload_file_and_rows
    before = snapshot(plain_db)
    marker = tmp_path / "paused"
    proc = upload(plain_db, path, {"TRACKER_PAUSE_AT": "before-commit:upload", "TRACKER_PAUSE_FILE": str(marker)})
    wait_for(marker, proc)   # every row is written, inside the transaction
    kill(proc)
    assert snapshot(plain_db) == before
    again = upload(plain_db, path)   # and the unit can simply send it again
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0 and f"已接收：新增{n}条" in out, err
    assert stored(plain_db) == (1, n)


def test_killed_after_commit_the_upload_is_fully_in(plain_db, tmp_path, upload_file_and_rows):
    path, n = upload_file_and_rows
    marker = tmp_path / "paused"
    proc = upload(plain_db, path, {"TRACKER_PAUSE_AT": "after-commit:upload", "TRACKER_PAUSE_FILE": str(marker)})
    wait_for(marker, proc)   # committed, but the connection was never closed or checkpointed
    kill(proc)
    assert stored(plain_db) == (1, n)
    again = upload(plain_db, path)
    out, _ = again.communicate(timeout=60)
    assert "内容与上次报送相同，未作改动" in out and stored(plain_db) == (1, n)


def test_killed_at_random_moments_the_upload_is_all_or_nothing(plain_db, tmp_path, upload_file_and_rows):
    path, n = upload_file_and_rows
    rng = random.Random(8)
    seen = set()
    for _ in range(4):
        proc = upload(plain_db, path)
        time.sleep(rng.uniform(0.4, 1.6))   # from start-up to after the commit
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)   # it may have finished a moment before: then it exits with 0
        proc.communicate(timeout=30)
        assert proc.returncode in (0, -signal.SIGKILL), proc.returncode
        state = stored(plain_db)
        assert state in ((0, 0), (1, n)), state   # never an upload without its rows, never part of them
        seen.add(state)
    print(f"states seen after the kills: {sorted(seen)}")


def test_the_dashboard_killed_during_a_handed_over_upload_the_cli_finishes_it(plain_db, tmp_path,
                                                                              upload_file_and_rows):
    path, n = upload_file_and_rows
    marker = tmp_path / "paused"
    dashboard = subprocess.Popen(
        [sys.executable, "-c", "import sys; from tracker.app_db import _connection; "
         f"_connection({str(plain_db)!r}); print('ready', flush=True); sys.stdin.read()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "TRACKER_PAUSE_AT": "before-commit:upload", "TRACKER_PAUSE_FILE": str(marker)})
    assert dashboard.stdout.readline().strip() == "ready"
    assert not marker.exists()
    proc = upload(plain_db, path)
    wait_for(marker, dashboard)   # the dashboard is writing the CLI's upload
    kill(dashboard)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.startswith(f"{UNIT} {PERIOD}《{path.name}》已接收：新增{n}条"), (out, err)
    assert stored(plain_db) == (1, n)
