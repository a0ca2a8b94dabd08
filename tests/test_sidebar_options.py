"""Sidebar options read from small tables give what the big ones would."""
from __future__ import annotations

import duckdb

from tracker import filters as f


def test_report_periods_are_the_periods_of_the_reports(built_demo_db):
    con = duckdb.connect(str(built_demo_db), read_only=True)
    try:
        every = [r[0] for r in con.execute("SELECT DISTINCT period FROM progress_reports ORDER BY period DESC").fetchall()]
        assert every and f.report_periods(con) == every
        for year in {int(p[:4]) for p in every} | {1999}:
            assert f.report_periods(con, year) == [p for p in every if p.startswith(f"{year}-")]
    finally:
        con.close()


def test_a_refused_upload_adds_no_period(con):
    con.execute("""INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, outcome,
                                        n_rows, n_accepted, n_rejected)
                   VALUES (990, '市发改委', '2031-05', 'x.xlsx', 'x', 'test', 'rejected', 3, 0, 3)""")
    assert "2031-05" not in f.report_periods(con)
    assert f.report_periods(con, 2031) == []
