"""Seeded demo progress: deterministic, varied, stored as demo uploads through the upload write path."""
import shutil

import pytest

from loaders import build as build_module
from loaders.__main__ import main as loaders_main
from loaders.demo_progress import DEMO_PERIODS, demo_value, seed_demo
from tests.conftest import table_contents
from tracker.db import connect
from tracker.progress_summary import summary
from tracker.reporting import ReportingRow


@pytest.fixture(scope="module")
def demo(built_demo_db):
    con = connect(built_demo_db, read_only=True)
    yield con
    con.close()


def test_demo_uploads_cover_january_to_september_and_are_labelled(demo):
    assert DEMO_PERIODS == tuple(f"2024-{m:02d}" for m in range(1, 10))
    assert demo.execute("SELECT DISTINCT period FROM uploads ORDER BY 1").fetchall() == [(p,) for p in DEMO_PERIODS]
    assert demo.execute("SELECT DISTINCT is_demo, uploaded_by, outcome, n_rejected FROM uploads").fetchall() == [
        (True, "演示数据", "accepted", 0)]
    assert demo.execute("SELECT count(*) FROM upload_errors").fetchone() == (0,)


def test_every_reported_row_belongs_to_the_unit_that_sent_it(demo):
    from tracker.reporting import rows_by_unit

    sent = set(demo.execute("""SELECT DISTINCT u.unit_name, u.period, p.target_id, p.jurisdiction_code
                               FROM progress_reports p JOIN uploads u USING (upload_id)""").fetchall())
    allowed = {(unit.name, period, r.target_id, r.jurisdiction_code)
               for period in DEMO_PERIODS for unit, rows in rows_by_unit(demo, period).items() for r in rows}
    assert sent and sent <= allowed


def test_some_units_skip_some_months_and_some_reports_are_corrected(demo):
    units = demo.execute("SELECT count(DISTINCT unit_name) FROM uploads").fetchone()[0]
    sent = demo.execute("SELECT count(DISTINCT (unit_name, period)) FROM uploads").fetchone()[0]
    assert 0 < units * len(DEMO_PERIODS) - sent < units * len(DEMO_PERIODS) * 0.2
    corrections = demo.execute("SELECT count(*) FROM uploads WHERE file_name LIKE '%-更正.xlsx'").fetchone()[0]
    second = demo.execute("SELECT count(*) FROM progress_reports WHERE version = 2").fetchone()[0]
    assert corrections > 0 and second >= corrections
    assert demo.execute("SELECT max(version) FROM progress_reports").fetchone() == (2,)


def test_demo_rows_are_ahead_on_pace_and_behind(demo):
    statuses = [r["研判状态"] for r in summary(demo, "2024-06")]
    for status in ("正常", "滞后", "严重滞后", "未报送"):
        assert statuses.count(status) > 0, status
    assert statuses.count("正常") > statuses.count("严重滞后")


def test_every_row_with_a_reporter_and_a_target_is_reported_some_month(demo):
    reported = set(demo.execute("SELECT DISTINCT target_id, jurisdiction_code FROM progress_reports").fetchall())
    rows = [r for r in summary(demo, "2024-09") if r["报送单位"]]
    expected = {(int(r["填报编号"][1:].split("-")[0]), r["填报编号"].split("-", 1)[1]) for r in rows}
    missing = expected - reported
    assert len(missing) <= len(expected) * 0.02, sorted(missing)[:5]


def test_seeding_is_deterministic_and_runs_once(built_plain_db, tmp_path):
    contents = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.duckdb"
        shutil.copy(built_plain_db, path)
        con = connect(path)
        first = seed_demo(con, periods=("2024-01", "2024-02"))
        assert first.uploads > 0 and first.reports > 0 and not first.skipped
        snapshot = table_contents(con)
        assert seed_demo(con).skipped          # already there: nothing added
        assert table_contents(con) == snapshot
        contents.append(snapshot)
        con.close()
    assert contents[0] == contents[1]


def row(kind="count", comparator=">=", value=1000.0, high=None, unit="个", steps=()):
    from datetime import date

    return ReportingRow("T1-330800", 1, "330800", "衢州市", None, "1．", "t", "指标", "raw", kind, comparator,
                        value, high, unit, date(2024, 12, 31), date(2024, 1, 1), date(2024, 12, 31), steps, "市发改委")


@pytest.mark.parametrize("kind, comparator, pace, period, expected", [
    ("count", ">=", 1.0, "2024-06", (497.0, "正常")),         # 182/366 of 1000
    ("count", ">=", 0.5, "2024-06", (249.0, "严重滞后")),
    ("count", ">=", 1.35, "2024-09", (1000.0, "已完成")),     # 274/366 × 1.35 > 1: capped at the target
    ("rate", ">=", 1.0, "2024-03", (1000.0, "正常")),
    ("limit", "<=", 0.8, "2024-03", (1200.0, "滞后")),
    ("milestone", "=", 1.0, "2024-06", (497.0, "正常")),
])
def test_demo_values(kind, comparator, pace, period, expected):
    assert demo_value(row(kind, comparator), period, pace) == expected


def test_build_adds_the_demo_unless_told_not_to(plain_db, monkeypatch):
    calls = []
    monkeypatch.setattr(build_module, "seed_demo", lambda con: calls.append(con) or None)
    assert loaders_main(["build", "--db", str(plain_db), "--no-demo"]) == 0
    assert calls == []
    assert loaders_main(["build", "--db", str(plain_db)]) == 0
    assert len(calls) == 1


def test_the_plain_build_has_no_demo(built_plain_db):
    con = connect(built_plain_db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM uploads").fetchone() == (0,)
    finally:
        con.close()
