"""The stored status table (tracker.status_store) gives the rows judging on the spot gives, and the
SQL summaries (tracker.status_sql) give what their pandas namesakes give on the same rows."""
from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from tests.status_checks import close_out_and_send_back
from tracker import actions, filters as f, progress_queries as pq, status_sql as sq, status_store
from tracker.db import connect
from tracker.formatting import STATUS_TABLE_COLUMNS, status_table
from tracker.settings import StatusSettings
from tracker.status_store import StatusScope


@pytest.fixture
def demo(built_demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path)
    close_out_and_send_back(con)   # a supervisor's actions, so the action columns are exercised too
    yield con
    con.close()


def _filters(con) -> list[f.Filters]:
    year = f.year_options(con)[0]
    units = f.unit_options(con)
    leaders = f.leader_options(con)
    places = list(f.jurisdiction_options(con)["code"])
    docs = list(f.document_options(con, year)["doc_id"])
    return [f.Filters(), f.Filters(year=year), f.Filters(year=year, units=tuple(units[:2])),
            f.Filters(year=year, leaders=tuple(leaders[:1])), f.Filters(year=year, doc_ids=tuple(docs[:1])),
            f.Filters(year=year, jurisdictions=tuple(places[1:3]))]


def _same(stored: pd.DataFrame, live: pd.DataFrame, dtypes: bool = True) -> None:
    """Equal frames; ``dtypes=False`` for a part of the rows (a column with missing values elsewhere is Int32)."""
    pd.testing.assert_frame_equal(stored, live, check_dtype=dtypes and len(live) > 0, check_index_type=len(live) > 0)


@pytest.mark.parametrize("as_of", ["2024-03", "2024-06", "2024-12"])
def test_stored_rows_are_the_rows_judged_on_the_spot(demo, as_of):
    for filters in _filters(demo):
        for level in (None, pq.CITY, pq.JURISDICTION):
            stored = pq.target_status(demo, as_of, filters, level=level)
            live = pq.live_status(demo, as_of, filters, level=level or (pq.JURISDICTION if filters.jurisdictions
                                                                         else pq.CITY))
            _same(stored, live)
    n = demo.execute("SELECT count(*) FROM status_snapshots WHERE as_of = ?", [as_of]).fetchone()[0]
    assert n == 4   # city and jurisdiction rows, of all years and of the latest year
    acted = pq.target_status(demo, "2024-06", f.Filters(), level=pq.CITY)
    assert acted["action"].notna().sum() >= 1


def test_a_snapshot_follows_the_data(demo):
    before = pq.target_status(demo, "2024-06")
    row = before.iloc[0]
    assert row["status"] != "已完成" or row["action"] is not None
    actions.close_out(demo, int(row["target_id"]), row["jurisdiction_code"], "王五", "已验收", date(2024, 6, 1))
    after = pq.target_status(demo, "2024-06")
    assert after.iloc[0]["status"] == "已完成" and after.iloc[0]["action"] == "销号"
    _same(after, pq.live_status(demo, "2024-06"))
    # the snapshot of the older data is gone, the new one is the only one of that month and level
    versions = demo.execute("SELECT DISTINCT data_version FROM status_snapshots").fetchall()
    assert len(versions) == 1


def test_uploads_and_actions_change_the_data_version_but_not_the_plan_version(demo):
    from tests.dashboard_db import add_report, add_upload

    def versions():
        data = status_store.data_version(demo)
        return status_store.plan_part(data), data

    plans, data = versions()
    target, place = demo.execute("SELECT target_id, jurisdiction_code FROM progress_reports "
                                 "ORDER BY report_id DESC LIMIT 1").fetchone()   # not one the fixture acted on
    actions.close_out(demo, target, place, "王五", "已验收", date(2024, 6, 1))
    assert versions()[0] == plans and versions()[1] != data
    plans, data = versions()
    upload = demo.execute("SELECT max(upload_id) + 1 FROM uploads").fetchone()[0]
    add_upload(demo, upload, "市发改委", "2024-07")
    add_report(demo, demo.execute("SELECT max(report_id) + 1 FROM progress_reports").fetchone()[0], upload, target,
               place, "2024-07", 9, 5.0)   # a ninth version of that month: no earlier upload sent one
    assert versions()[0] == plans and versions()[1] != data
    plans, data = versions()
    demo.execute("DELETE FROM target_allocations WHERE target_id = (SELECT min(target_id) FROM target_allocations)")
    assert versions()[0] != plans and versions()[1] != data   # a target's shares per place are part of the plans
    plans, data = versions()
    demo.execute("INSERT INTO targets SELECT * REPLACE (target_id + 100000 AS target_id, seq + 100 AS seq) "
                 "FROM targets WHERE target_id = ?", [target])
    assert versions()[0] != plans and versions()[1] != data
    plans, data = versions()
    # a People's Congress report's counts read again (loaders.npc_reports.refresh_facts): as many, new ids
    demo.execute("INSERT INTO npc_facts SELECT * REPLACE (fact_id + 1000 AS fact_id) FROM npc_facts "
                 "WHERE fact_id = (SELECT max(fact_id) FROM npc_facts)")
    demo.execute("DELETE FROM npc_facts WHERE fact_id = (SELECT min(fact_id) FROM npc_facts)")
    assert versions()[0] != plans and versions()[1] != data


def test_the_fingerprint_is_each_part_in_order(demo):
    """data_version is its parts' values as DuckDB writes them as text, in the order listed, each read on its own."""
    def one(part: str):
        return demo.execute(f"SELECT CAST((SELECT {part}) AS VARCHAR)").fetchone()[0]

    parts = (*status_store._PLAN_PARTS, *status_store._PROGRESS_PARTS)
    expected = tuple(one(part) for part in parts)
    assert status_store.data_version(demo) == expected
    assert expected[parts.index("count(*) FROM targets")] == str(demo.execute("SELECT count(*) FROM targets").fetchone()[0])
    assert expected[parts.index("max(action_id) FROM supervision_actions")] is not None   # the fixture acted


def test_settings_are_part_of_the_key(demo):
    strict = StatusSettings(report_fresh_months=1)
    _same(pq.target_status(demo, "2024-06", settings=strict), pq.live_status(demo, "2024-06", settings=strict))
    _same(pq.target_status(demo, "2024-06"), pq.live_status(demo, "2024-06"))
    assert demo.execute("SELECT count(DISTINCT settings_key) FROM status_snapshots").fetchone()[0] == 2


def test_uncommitted_changes_are_judged_on_the_spot(demo):
    pq.target_status(demo, "2024-06")            # a snapshot of the committed data
    row = pq.target_status(demo, "2024-06").iloc[1]
    demo.execute("BEGIN TRANSACTION")
    demo.execute("INSERT INTO supervision_actions (action_id, target_id, jurisdiction_code, kind, action_date, actor, "
                 "note) SELECT max(action_id) + 1, ?, ?, 'close_out', DATE '2024-06-01', '王五', '已验收' "
                 "FROM supervision_actions", [int(row["target_id"]), row["jurisdiction_code"]])
    inside = pq.target_status(demo, "2024-06")
    assert inside.iloc[1]["status"] == "已完成"
    demo.execute("ROLLBACK")
    assert pq.target_status(demo, "2024-06").iloc[1]["status"] == row["status"]


def test_a_read_only_connection_judges_on_the_spot(demo, tmp_path):
    expected = pq.live_status(demo, "2024-06")
    demo.close()
    con = duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True)
    try:
        _same(pq.target_status(con, "2024-06"), expected)
        assert con.execute("SELECT count(*) FROM status_snapshots").fetchone()[0] == 0
        with StatusScope(con, "2024-06", f.Filters(), StatusSettings(), pq.CITY) as scope:
            assert sq.counts(scope) == pq.status_counts(expected)
    finally:
        con.close()


def test_a_file_without_the_snapshot_tables_opened_read_only_judges_on_the_spot(demo, tmp_path):
    """A file an earlier version made (no snapshot tables), opened read-only, as the CLI exports open it."""
    expected = pq.live_status(demo, "2024-06")
    for table in ("status_rows", "reporting_rows", "status_snapshots"):
        demo.execute(f"DROP TABLE {table}")
    demo.close()
    con = duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True)
    try:
        assert status_store.snapshot_id(con, "2024-06", pq.CITY, None, StatusSettings()) is None
        _same(pq.target_status(con, "2024-06"), expected)
        with StatusScope(con, "2024-06", f.Filters(), StatusSettings(), pq.CITY) as scope:
            assert sq.counts(scope) == pq.status_counts(expected)
    finally:
        con.close()


def test_only_the_latest_snapshots_are_kept(demo, monkeypatch):
    monkeypatch.setattr(status_store, "KEEP_SNAPSHOTS", 3)
    for month in range(1, 7):
        pq.target_status(demo, f"2024-{month:02d}")
    kept = demo.execute("SELECT as_of FROM status_snapshots ORDER BY as_of").fetchall()
    assert kept == [("2024-04",), ("2024-05",), ("2024-06",)]
    assert demo.execute("SELECT count(DISTINCT snapshot_id) FROM status_rows").fetchone()[0] == 3


# ---------------------------------------------------------------------------- summaries in SQL


def _close(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_exact=False, rtol=1e-12, check_index_type=False)


@pytest.mark.parametrize("as_of", ["2024-04", "2024-12"])
def test_sql_summaries_equal_the_pandas_ones(demo, as_of):
    settings = StatusSettings()
    for filters in _filters(demo):
        for level in (pq.CITY, pq.JURISDICTION):
            frame = pq.live_status(demo, as_of, filters, settings, level)
            with StatusScope(demo, as_of, filters, settings, level) as scope:
                assert sq.counts(scope) == pq.status_counts(frame)
                assert sq.has_demo(scope) == pq.has_demo(frame)
                for by in ("lead_unit", "leaders", "doc_number", "area_title", "jurisdiction_name"):
                    _close(sq.ranking(scope, by), pq.group_summary(frame, by))
                    mix, order = sq.mix(scope, by)
                    if by in sq.LISTS:
                        exploded = frame.assign(**{by: frame[by].str.split("、")}).explode(by)
                        exploded = exploded[exploded[by].notna() & (exploded[by] != "")]
                    else:
                        exploded = frame
                    expected = pq.status_mix(exploded, by)
                    if len(expected):
                        _close(mix, expected)
                    assert len(mix) == len(expected)
                    assert order == list(dict.fromkeys(exploded[by].dropna()))
                    ranked, ranked_mix = sq.ranking_with_mix(scope, by)   # the pages' one scan for both
                    pd.testing.assert_frame_equal(ranked, sq.ranking(scope, by))
                    pd.testing.assert_frame_equal(ranked_mix, mix)
                    _close(sq.pace(scope, by), pq.pace_by_group(frame.dropna(subset=[by]), by))
                for n in (1, 15, 1000):
                    _same(sq.most_behind(scope, n), pq.most_behind(frame, n), dtypes=False)
                for value in frame["lead_unit"].dropna().unique()[:3]:
                    _same(sq.rows_of(scope, "lead_unit", value),
                          frame[frame["lead_unit"] == value].reset_index(drop=True), dtypes=False)
                    # the pages read only the columns of their table, which is the table of the full rows
                    table_rows = sq.rows_of(scope, "lead_unit", value, STATUS_TABLE_COLUMNS)
                    full = sq.rows_of(scope, "lead_unit", value)
                    pd.testing.assert_frame_equal(table_rows, full[list(STATUS_TABLE_COLUMNS)])
                    pd.testing.assert_frame_equal(status_table(table_rows, True), status_table(full, True))
                for value in frame["leaders"].dropna().str.split("、").explode().unique()[:3]:
                    mine = frame[frame["leaders"].fillna("").str.split("、").apply(lambda names: value in names)]
                    _same(sq.rows_of(scope, "leaders", value), mine.reset_index(drop=True), dtypes=False)
                if level == pq.JURISDICTION:
                    _same_matrix(scope, pq.completion_matrix(frame), frame)


def test_one_scan_for_ranking_and_mix_counts_rows_that_cannot_be_judged(demo):
    """ranking_with_mix is ranking and mix also with a 无法研判 row (a rule that raised) and with no rows."""
    pq.target_status(demo, "2024-06")
    demo.execute(f"""UPDATE status_rows SET status = '{pq.UNJUDGED}' WHERE rowid IN (
                         SELECT r.rowid FROM status_rows r JOIN status_snapshots USING (snapshot_id)
                         WHERE as_of = '2024-06' AND r.level = 'city' AND leaders <> '' AND lead_unit <> ''
                         ORDER BY row_order LIMIT 2)""")
    for filters in (f.Filters(), f.Filters(units=("没有这个单位",))):
        with StatusScope(demo, "2024-06", filters, StatusSettings(), pq.CITY) as scope:
            for by in ("lead_unit", "leaders"):
                ranked, mix = sq.ranking_with_mix(scope, by)
                pd.testing.assert_frame_equal(ranked, sq.ranking(scope, by))
                expected = sq.mix(scope, by)[0]
                pd.testing.assert_frame_equal(mix, expected, check_dtype=not expected.empty)
                assert (pq.UNJUDGED in set(mix["status"])) == (not expected.empty)
            counts, demo_rows = sq.counts_and_demo(scope)
            assert counts.get(pq.UNJUDGED, 0) == (2 if not filters.units else 0)
            assert demo_rows == (not filters.units)   # the demo progress is marked as such; no rows, no demo


def _same_matrix(scope: StatusScope, expected: pd.DataFrame, frame: pd.DataFrame) -> None:
    """The heatmap matrix, whole and cut to its first columns, is the pandas one (names and order included)."""
    whole, n_columns, n_blank = sq.completion_matrix(scope)
    assert n_columns == expected.shape[1] and n_blank == pq.blank_targets(frame)
    for matrix, wanted in [(whole, expected),
                           *((sq.completion_matrix(scope, k)[0], expected.iloc[:, :k]) for k in (0, 1, 3, n_columns + 5))]:
        pd.testing.assert_frame_equal(matrix, wanted, check_dtype=False, check_exact=False, rtol=1e-12,
                                      check_index_type=False, check_column_type=False)


def test_a_summary_refuses_a_column_that_is_not_one(demo):
    with StatusScope(demo, "2024-06", f.Filters(), StatusSettings(), pq.CITY) as scope:
        with pytest.raises(ValueError, match="not a status column"):
            sq.ranking(scope, "status; DROP TABLE targets")
