"""Helpers the status and page-query equivalence tests share: exact frame comparison and the supervisors'
actions added to a copy of the demo database, so the action columns are exercised too."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tracker import actions


def same(new: pd.DataFrame, before: pd.DataFrame) -> None:
    """Equal frames, dtypes and index included, and None where None was (not NaN)."""
    pd.testing.assert_frame_equal(new, before, check_exact=True)
    for column in before.columns:
        if before[column].dtype == object:
            assert [type(v) for v in new[column]] == [type(v) for v in before[column]], column


def close_out_and_send_back(con) -> None:
    """A close-out of the first reported row and a send-back of the third."""
    rows = con.execute("SELECT target_id, jurisdiction_code FROM progress_reports ORDER BY report_id LIMIT 3").fetchall()
    actions.close_out(con, rows[0][0], rows[0][1], "王五", "年报确认已达标", date(2024, 3, 20))
    actions.send_back(con, rows[2][0], rows[2][1], "王五", "请核实", date(2024, 9, 30), date(2024, 4, 2))
