"""The 催报 list counted in SQL equals the same list built row by row from tracker.reporting's rows."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tracker import actions as sv_actions
from tracker import filters as f
from tracker import status as st_rules
from tracker import supervision as sv
from tracker.reporting import rows_by_unit
from tracker.settings import StatusSettings


def _by_rows(con, as_of: date, filters: f.Filters, settings: StatusSettings) -> list[tuple]:
    """The list as the earlier implementation built it: every unit's ReportingRows, in Python."""
    period = st_rules.period_of(as_of)
    where, params = f.target_where(f.Filters(filters.year, filters.doc_ids, filters.area_ids, (), filters.leaders))
    allowed = {r[0] for r in con.execute(
        f"SELECT t.target_id FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id "
        f"WHERE {where}", params).fetchall()}
    earliest = sv._earliest_current(period, settings)
    reported = set(con.execute("SELECT DISTINCT target_id, jurisdiction_code FROM progress_reports "
                               "WHERE period BETWEEN ? AND ?", [earliest, period]).fetchall())
    # the latest report on or before the period, which counts as reported when it records the work done
    latest = {(t, c): (v, s) for t, c, v, s in con.execute(
        "SELECT target_id, jurisdiction_code, value, reported_status FROM latest_progress WHERE period <= ? "
        "QUALIFY row_number() OVER (PARTITION BY target_id, jurisdiction_code ORDER BY period DESC) = 1",
        [period]).fetchall()}

    def done(r) -> bool:
        found = latest.get((r.target_id, r.jurisdiction_code))
        return found is not None and st_rules.done_on_record(r.kind, r.comparator, r.target_value, *found, settings)
    closed = {k for k, s in sv_actions.row_states(con, as_of).items() if s.kind == sv_actions.CLOSE_OUT}
    out = []
    for unit, rows in rows_by_unit(con, period, allowed).items():
        if filters.units and unit.name not in filters.units:
            continue
        rows = [r for r in rows if (not filters.jurisdictions or r.jurisdiction_code in filters.jurisdictions)
                and (r.target_id, r.jurisdiction_code) not in closed]
        if rows:
            missing = [r.row_id for r in rows if (r.target_id, r.jurisdiction_code) not in reported and not done(r)]
            out.append((unit.name, len(rows), len(rows) - len(missing), missing))
    return sorted(out)


def _by_sql(con, as_of: date, filters: f.Filters, settings: StatusSettings) -> list[tuple]:
    frame = sv.reporting_overview(con, as_of, filters, settings)
    return sorted(zip(frame["unit_name"], frame["n_rows"], frame["n_reported"], frame["missing_rows"]))


@pytest.mark.parametrize("as_of", [date(2024, 1, 31), date(2024, 4, 30), date(2024, 9, 15), date(2024, 12, 31)])
def test_same_as_row_by_row_on_the_demo(built_demo_db, as_of):
    con = duckdb.connect(str(built_demo_db), read_only=True)
    year = f.year_options(con)[0]
    units = f.unit_options(con)
    places = list(f.jurisdiction_options(con)["code"])
    for filters in (f.Filters(), f.Filters(year=year), f.Filters(year=year, units=tuple(units[:3])),
                    f.Filters(year=year, jurisdictions=tuple(places[:2]))):
        for settings in (StatusSettings(), StatusSettings(report_fresh_months=2)):
            expected = _by_rows(con, as_of, filters, settings)
            assert expected, "the demo has reporting units"
            assert _by_sql(con, as_of, filters, settings) == expected


def test_same_from_the_stored_rows(built_demo_db, tmp_path):
    """A writable connection stores the 催报 rows once (tracker.status_store, level 'reporting') and
    counts over them; the list is the one built row by row, and a close-out needs no new snapshot."""
    import shutil

    from tracker.db import connect

    path = tmp_path / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path)
    try:
        year = f.year_options(con)[0]
        units = f.unit_options(con)
        places = list(f.jurisdiction_options(con)["code"])
        as_of = date(2024, 9, 30)
        for filters in (f.Filters(year=year), f.Filters(year=year, units=tuple(units[:3])),
                        f.Filters(year=year, jurisdictions=tuple(places[:2])), f.Filters(year=year, leaders=("不存在",))):
            assert _by_sql(con, as_of, filters, StatusSettings()) == _by_rows(con, as_of, filters, StatusSettings())
        stored = con.execute("SELECT count(*) FROM status_snapshots WHERE level = 'reporting'").fetchone()[0]
        assert stored == 1
        missing = sv.reporting_overview(con, as_of, f.Filters(year=year))
        first = missing.loc[missing["n_missing"] > 0, "missing_rows"].iloc[0][0]
        target_id, code = first[1:].split("-", 1)
        sv_actions.close_out(con, int(target_id), code, "王五", "已验收", date(2024, 9, 1))
        after = _by_sql(con, as_of, f.Filters(year=year), StatusSettings())
        assert after == _by_rows(con, as_of, f.Filters(year=year), StatusSettings())
        assert all(first not in rows for *_, rows in after)
    finally:
        con.close()
