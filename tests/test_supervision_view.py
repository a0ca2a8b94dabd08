"""The 督查 page's view: one status table, and the same lists and files as asked for one by one."""
import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.dashboard_db import make_db
from tracker import actions
from tracker import progress_queries as pq
from tracker import supervision as sv
from tracker import supervision_export as sx
from tracker.supervision_view import CHOICE_COLUMNS, supervision_view

JULY = date(2024, 7, 31)


@pytest.fixture
def con(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    actions.send_back(con, 3, "330802", "督查员", "请加快进度", date(2024, 8, 15), date(2024, 7, 10))
    yield con
    con.close()


def test_the_view_equals_the_lists_made_one_by_one(con):
    view = supervision_view(con, JULY, exports=True, every_row=True)
    pd.testing.assert_frame_equal(view.items, sv.supervision_items(con, JULY))
    pd.testing.assert_frame_equal(view.units, sv.unreported_units(con, JULY))
    status = pq.target_status(con, "2024-07", as_of_day=JULY)
    pd.testing.assert_frame_equal(view.choices, status[CHOICE_COLUMNS])
    assert view.filters_text == "全部"
    assert list(view.items["row_id"]) == ["T4-330800"]   # the milestone due 2024-06-30, not reported
    assert view.items_csv == sx.csv_bytes(sx.item_rows(view.items), sx.ITEM_HEADERS)
    assert view.units_csv == sx.csv_bytes(sx.unit_rows(view.units), sx.UNIT_HEADERS)
    sheet = load_workbook(io.BytesIO(view.xlsx))[sx.ITEMS_SHEET]
    assert sheet.cell(row=sx.FIRST_DATA_ROW, column=sx.ITEM_HEADERS.index("填报编号") + 1).value == "T4-330800"
    assert sheet.cell(row=sx.FIRST_DATA_ROW + 1, column=1).value is None


@pytest.mark.parametrize("day", [date(2024, 7, 15), JULY])
def test_the_picker_offers_the_listed_rows_unless_asked_for_every_row(con, day):
    for categories in ((), (sv.SENT_BACK,), (sv.BEHIND,)):
        listed = supervision_view(con, day, categories=categories)
        pd.testing.assert_frame_equal(listed.choices, listed.items[CHOICE_COLUMNS].reset_index(drop=True))
        every = supervision_view(con, day, categories=categories, every_row=True)
        pd.testing.assert_frame_equal(every.items, listed.items)
        assert len(every.choices) == 4 and set(listed.choices["target_id"]) <= set(every.choices["target_id"])
    assert list(supervision_view(con, JULY).choices["target_id"]) == [4]
    assert supervision_view(con, JULY, categories=(sv.BEHIND,)).choices.empty


def test_without_exports_no_files_are_made(con):
    view = supervision_view(con, JULY, categories=(sv.OVERDUE,))
    assert view.xlsx is view.items_csv is view.units_csv is None
    assert set(view.items["category"]) == {sv.OVERDUE}
    assert list(view.items.columns) == list(sx.PAGE_ITEM_COLUMNS)   # texts and plan details: for the downloads only


def test_a_given_status_table_is_not_changed(con):
    status = pq.target_status(con, "2024-07", as_of_day=JULY)
    before = status.copy()
    items = sv.supervision_items(con, JULY, status=status)
    pd.testing.assert_frame_equal(status, before)
    pd.testing.assert_frame_equal(items, sv.supervision_items(con, JULY))


@pytest.mark.parametrize("day", [date(2024, 7, 15), JULY])
def test_stored_and_judged_on_the_day_give_the_same_lists(con, day, tmp_path):
    """The month's last day reads the stored status table, another day judges on that day: both give
    what the lists made one by one from the full status table give."""
    for categories in ((), (sv.OVERDUE,), (sv.SENT_BACK,)):
        view = supervision_view(con, day, categories=categories, every_row=True)
        status = pq.live_status(con, "2024-07", as_of_day=day)
        full = sv.supervision_items(con, day, categories=categories, status=status)
        # an empty list with texts has the key types of pandas' merge with an empty frame (objects)
        same_types = not full.empty
        page = list(sx.PAGE_ITEM_COLUMNS)
        pd.testing.assert_frame_equal(view.items, full[page], check_dtype=same_types)
        pd.testing.assert_frame_equal(sv.supervision_items(con, day, categories=categories, status=status, columns=page),
                                      full[page], check_dtype=same_types)
        pd.testing.assert_frame_equal(view.choices, status[CHOICE_COLUMNS])
    stored = con.execute("SELECT count(*) FROM status_snapshots WHERE level = 'city'").fetchone()[0]
    assert stored == (1 if day == JULY else 0)


def test_the_page_table_of_the_narrow_list_is_that_of_the_full_one(con):
    """The page builds its table with item_rows from the list of its own columns: the same cells under its
    headers."""
    full = sx.item_rows(supervision_view(con, JULY, exports=True).items)
    narrow = sx.item_rows(supervision_view(con, JULY).items)
    assert [{h: row[h] for h in sx.PAGE_HEADERS} for row in narrow] == [{h: row[h] for h in sx.PAGE_HEADERS}
                                                                          for row in full]
    assert any(row["条目"] and row["目标"] for row in narrow)
    with pytest.raises(ValueError, match="not a column of the list: raw_text"):
        sv.supervision_items(con, JULY, columns=["row_id", "raw_text"])


def test_a_month_end_view_reads_the_data_version_once(con, monkeypatch):
    """The stored list and the stored 催报 rows are looked up with one fingerprint of the data (each costs a
    few milliseconds at province scale); a build checks it afresh, so the first view may read it again."""
    from tracker import status_store, supervision_view as view_module

    supervision_view(con, JULY)   # stores the tables
    calls = []

    def counted(c):
        calls.append(1)
        return real(c)

    real = status_store.data_version
    monkeypatch.setattr(status_store, "data_version", counted)
    monkeypatch.setattr(view_module, "data_version", counted)
    again = supervision_view(con, JULY)
    assert len(calls) == 1
    monkeypatch.undo()
    pd.testing.assert_frame_equal(again.items, supervision_view(con, JULY).items)
    pd.testing.assert_frame_equal(again.units, sv.unreported_units(con, JULY))
