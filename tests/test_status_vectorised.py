"""tracker.status.judge_frame gives, row for row, what tracker.status.judge gives (through
tracker.progress_queries._judge_row), on every row of the demo database and of a synthetic city."""
import math

import pandas as pd
import pytest

from tracker import progress_queries as pq
from tracker import status as st
from tracker import synthetic
from tracker.db import connect
from tracker.filters import NO_FILTERS
from tracker.settings import StatusSettings

SETTINGS = (StatusSettings(), StatusSettings(behind_points=2.0, far_behind_points=10.0, near_deadline_days=0,
                                             about_tolerance_percent=10.0, report_fresh_months=2))


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return b is not None and abs(float(a) - float(b)) <= 1e-9
    return a == b


def _check_every_row(con, as_of: str, settings: StatusSettings) -> int:
    day = st.month_end(as_of)
    checked = 0
    for level in (pq.CITY, pq.JURISDICTION):
        frame = pq._rows(con, as_of, NO_FILTERS, level, settings).reset_index(drop=True)
        used = []

        def reference(positions):
            used.extend(positions)
            return [pq._judge_row(row, as_of, settings, day) for row in frame.iloc[list(positions)].itertuples()]

        vector = st.judge_frame(pq.judge_inputs(frame, settings), day, settings, fallback=reference)
        for i, row in enumerate(frame.itertuples()):
            j = pq._judge_row(row, as_of, settings, day)
            got = vector.iloc[i]
            for field, name in (("status", "status"), ("overdue", "overdue"), ("gap_points", "gap_points"),
                                ("actual_share", "actual_share"), ("expected_share", "expected_share"),
                                ("note", "note")):
                assert _same(getattr(j, field), got[name]), (level, i, field, getattr(j, field), got[name], row)
        assert len(used) <= len(frame) // 5 + 5, "most rows are judged in arrays"
        checked += len(frame)
    return checked


@pytest.fixture(scope="module")
def demo_con(built_demo_db):
    con = connect(built_demo_db, read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("settings", SETTINGS)
def test_demo_database_every_row(demo_con, settings):
    periods = [p for (p,) in demo_con.execute("SELECT DISTINCT period FROM progress_reports ORDER BY 1").fetchall()]
    assert periods
    for as_of in {periods[0], periods[len(periods) // 2], periods[-1]}:
        assert _check_every_row(demo_con, as_of, settings) > 0


@pytest.fixture(scope="module")
def city_con(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "city.duckdb"
    synthetic.generate(path, synthetic.TINY)
    con = connect(path, read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("settings", SETTINGS)
def test_synthetic_city_every_row(city_con, settings):
    periods = [p for (p,) in city_con.execute("SELECT DISTINCT period FROM progress_reports ORDER BY 1").fetchall()]
    for as_of in periods:
        assert _check_every_row(city_con, as_of, settings) > 0


def test_hand_made_rows_match_judge():
    """The rarer shapes: ≈, <=, =, limits, zero targets, baselines, deadlines before/after, no report."""
    as_of = st.month_end("2024-06")
    rows = []
    for kind in st.KINDS:
        for comparator in st.COMPARATORS:
            for target in (0.0, 50.0, -10.0, float("nan")):
                for value in (None, 0.0, 25.0, 49.99999999999, 50.0, 80.0):
                    for deadline in (None, "2024-06-30", "2024-05-01", "2024-07-15", "2023-12-01"):
                        for done in (False, True):
                            rows.append(dict(kind=kind, comparator=comparator, target_value=target,
                                             target_value_high=100.0 if comparator == st.RANGE else float("nan"),
                                             reported_value=float("nan") if value is None else value,
                                             start=pd.Timestamp("2024-01-01"), end=pd.Timestamp("2024-12-31"),
                                             deadline=pd.Timestamp(deadline) if deadline else pd.NaT,
                                             steps=[(st.month_end("2024-03"), 30.0)] if done and value == 25.0 else (),
                                             reported_done=done, baseline=5.0 if kind == st.LEVEL and done else 0.0))
    frame = pd.DataFrame(rows)

    def safe(positions):
        out = []
        for i in positions:
            try:
                out.append(st._default_fallback(frame, as_of, StatusSettings())([i])[0])
            except (ValueError, TypeError) as exc:
                out.append(st.Judgement("err", None, 0.0, None, False, str(exc)))
        return out

    vector = st.judge_frame(frame, as_of, fallback=safe)
    reference = safe(range(len(frame)))
    for i, j in enumerate(reference):
        got = vector.iloc[i]
        for field in ("status", "overdue", "gap_points", "actual_share", "expected_share", "note"):
            assert _same(getattr(j, field), got[field]), (i, field, getattr(j, field), got[field], rows[i])
