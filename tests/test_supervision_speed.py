"""The sped-up 督查 page queries (tracker/supervision.py: stored_items, the texts lookup, reporting_overview;
tracker/supervision_view.py) give exactly the frames of their former versions (tests/page_query_oracles.py):
on the demo database with supervisors' actions added, stored and judged on the spot, and on the tiny
hand-made one, for many dates, filters, settings and categories."""
from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from tests import page_query_oracles as old
from tests.dashboard_db import add_report, add_upload, make_db
from tracker import actions
from tracker import filters as f
from tracker import supervision as sv
from tracker import supervision_export as sx
from tracker.db import connect
from tracker.settings import StatusSettings
from tracker.supervision_view import supervision_view

DEMO_DAYS = [date(2024, 1, 31), date(2024, 4, 30), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31),
             date(2024, 9, 15)]
SETTINGS = [StatusSettings(), StatusSettings(report_fresh_months=2)]
CATEGORY_CHOICES = [(), (sv.OVERDUE,), (sv.FAR_BEHIND,), (sv.BEHIND, sv.SENT_BACK), (sv.SENT_BACK,)]


def _settings_for(filters: f.Filters) -> list[StatusSettings]:
    """Every setting with the filters that decide which stored table is read (none or a year: its scope;
    places: the jurisdiction level); the default only with those that pick rows of it (documents, areas,
    units, leaders), which the settings do not change."""
    return SETTINGS if not (filters.doc_ids or filters.area_ids or filters.units or filters.leaders) else SETTINGS[:1]


def _assert_same_view(con, as_of, filters, settings, categories=(), exports=False, former=None) -> pd.DataFrame:
    """The view (without ``exports``: the list with the page's columns only) is the former one
    (``former``: the former lists of these arguments, when the caller has them already)."""
    view = supervision_view(con, as_of, filters, settings, categories, exports, every_row=True)
    choices, items, units = former or old.supervision_view_lists(con, as_of, filters, settings, categories)
    expected = items if exports else items[list(sx.PAGE_ITEM_COLUMNS)]
    # without texts there is no merge with an empty frame of texts, whose object keys the former list kept
    pd.testing.assert_frame_equal(view.items, expected, check_dtype=exports or expected["target_id"].dtype != object)
    pd.testing.assert_frame_equal(view.units, units)
    pd.testing.assert_frame_equal(view.choices, choices)
    return view.items


def _demo_filters(con) -> list[f.Filters]:
    year = f.year_options(con)[0]
    docs = tuple(int(d) for d in f.document_options(con, year)["doc_id"][:2])
    areas = tuple(int(a) for a in f.area_options(con, docs)["item_id"][:2])
    units, leaders = f.unit_options(con), f.leader_options(con)
    places = tuple(f.jurisdiction_options(con)["code"])
    return [f.Filters(), f.Filters(year=year), f.Filters(year=year, doc_ids=docs), f.Filters(year=year, area_ids=areas),
            f.Filters(year=year, units=tuple(units[:3])), f.Filters(year=year, leaders=tuple(leaders[:1])),
            f.Filters(year=year, jurisdictions=places[1:3]), f.Filters(jurisdictions=places[:1])]


@pytest.fixture(scope="module")
def demo_path(built_demo_db, tmp_path_factory):
    """The demo with rows sent back (deadline passed, still to come) and closed out, on a copy of its own."""
    path = tmp_path_factory.mktemp("supervision_speed") / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    con = connect(path)
    try:
        rows = con.execute("SELECT target_id, jurisdiction_code FROM progress_reports "
                           "GROUP BY ALL ORDER BY target_id, jurisdiction_code LIMIT 40").fetchall()
        for n, (target_id, code) in enumerate(rows[:24]):
            if n % 3 == 2:
                actions.close_out(con, target_id, code, "督查员", "已整改", date(2024, 3 + n % 9, 5))
            else:
                on = date(2024, 1 + n % 9, 10)
                deadline = date(2024, on.month + 1 + n % 4, 20)
                actions.send_back(con, target_id, code, "督查员", "请加快进度", deadline, on)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def demo(demo_path):
    """A writable connection: the status and 催报 rows are stored on first use and read back."""
    con = connect(demo_path)
    yield con
    con.close()


@pytest.mark.parametrize("as_of", DEMO_DAYS)
def test_the_view_is_the_former_view_on_the_demo(demo, as_of):
    listed = 0
    for filters in _demo_filters(demo):
        for settings in _settings_for(filters):
            listed += len(_assert_same_view(demo, as_of, filters, settings))
    for categories in CATEGORY_CHOICES:
        _assert_same_view(demo, as_of, f.Filters(year=f.year_options(demo)[0]), StatusSettings(), categories)
    assert listed, "the demo lists rows on this day"


def test_the_demo_lists_what_the_fast_path_must_get_right(demo):
    """Not a vacuous comparison: sent-back rows (some past their new deadline), texts and several categories."""
    items = supervision_view(demo, date(2024, 9, 30), f.Filters(year=f.year_options(demo)[0]), exports=True).items
    assert items["sent_back"].any() and (items["sent_back"] & items["overdue"]).any()
    assert items["progress_text"].notna().any() and items["action_deadline"].notna().any()
    assert set(items["category"]) == set(sv.CATEGORIES)


def test_on_a_month_end_the_stored_rows_are_listed_in_sql(demo, monkeypatch):
    """The stored path works the categories out in SQL: the pandas rules are not called (and the result is
    still the former one)."""
    as_of, filters = date(2024, 12, 31), f.Filters(year=f.year_options(demo)[0])
    _, expected, _ = old.supervision_view_lists(demo, as_of, filters)

    def refuse(*args, **kwargs):
        raise AssertionError("judged row by row in Python")

    monkeypatch.setattr(sv, "supervision_items", refuse)
    with_texts = supervision_view(demo, as_of, filters, exports=True).items
    assert len(with_texts) > 0 and with_texts["progress_text"].notna().any()
    pd.testing.assert_frame_equal(with_texts, expected)
    pd.testing.assert_frame_equal(supervision_view(demo, as_of, filters).items, expected[list(sx.PAGE_ITEM_COLUMNS)])


@pytest.mark.parametrize("as_of", [date(2024, 6, 30), date(2024, 12, 31)])
def test_judged_on_the_spot_as_before(demo_path, tmp_path, as_of):
    """A read-only connection to a file without stored rows for these settings judges on the spot."""
    shutil.copy(demo_path, tmp_path / "read_only.duckdb")   # the module's writable connection holds demo_path
    con = connect(tmp_path / "read_only.duckdb", read_only=True)
    try:
        settings = StatusSettings(report_fresh_months=5)   # never stored: the writable tests use others
        for filters in _demo_filters(con)[:3]:
            _assert_same_view(con, as_of, filters, settings)
            pd.testing.assert_frame_equal(sv.reporting_overview(con, as_of, filters, settings),
                                          old.reporting_overview(con, as_of, filters, settings))
    finally:
        con.close()


@pytest.mark.parametrize("as_of", [date(2024, 3, 31), date(2024, 8, 20), date(2024, 12, 31)])
def test_the_lists_asked_for_alone_are_the_former_ones(demo, as_of):
    """supervision_items (its texts lookup) and reporting_overview, as exports and the briefing call them."""
    for filters in _demo_filters(demo)[:5]:
        for categories in ((), (sv.SENT_BACK,)):
            pd.testing.assert_frame_equal(sv.supervision_items(demo, as_of, filters, categories=categories),
                                          old.supervision_items(demo, as_of, filters, categories=categories))
        pd.testing.assert_frame_equal(sv.reporting_overview(demo, as_of, filters),
                                      old.reporting_overview(demo, as_of, filters))


# ---------------------------------------------------------------- the tiny database


@pytest.fixture
def tiny(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    yield con
    con.close()


TINY_FILTERS = [f.Filters(), f.Filters(year=2024), f.Filters(jurisdictions=("330802", "330803")),
                f.Filters(units=("市经信局",)), f.Filters(leaders=("张三",)), f.Filters(doc_ids=(1,), area_ids=(1,))]


TINY_DAYS = [date(2024, 3, 15), date(2024, 3, 31), date(2024, 6, 30), date(2024, 7, 15), date(2024, 7, 31),
             date(2024, 9, 30), date(2024, 12, 31)]


@pytest.mark.parametrize("as_of", TINY_DAYS)
def test_the_tiny_database_as_before(tiny, as_of):
    """Sent back with a deadline passed and still to come, closed out, a text, a row never reported (no report
    period: the former merge's key types), lists emptied by the categories; on month ends and other days."""
    actions.send_back(tiny, 3, "330802", "王五", "数据不实", date(2024, 4, 30), date(2024, 3, 20))
    actions.send_back(tiny, 2, "330800", "王五", "请说明原因", date(2024, 3, 25), date(2024, 3, 20))
    actions.close_out(tiny, 1, "330800", "王五", "已整改", date(2024, 6, 1))
    add_upload(tiny, 2, "市经信局", "2024-09")
    add_report(tiny, 7, 2, 4, "330800", "2024-09", 1, 0, progress="一期施工中", problems="资金未到位")
    add_report(tiny, 8, 2, 3, "330803", "2024-09", 1, 120, next_steps="加快建设")
    for filters in TINY_FILTERS:
        for settings in _settings_for(filters):
            former = old.supervision_view_lists(tiny, as_of, filters, settings, ())   # once for both views
            # with the downloads (every column, the files written) for the filters that change which
            # rows and places are listed; the other filters only pick rows, which the page's list shows
            for exports in (False, True) if filters in TINY_FILTERS[:3] else (False,):
                _assert_same_view(tiny, as_of, filters, settings, exports=exports, former=former)
            pd.testing.assert_frame_equal(sv.reporting_overview(tiny, as_of, filters, settings),
                                          old.reporting_overview(tiny, as_of, filters, settings))
    for categories in CATEGORY_CHOICES[1:]:   # the categories pick among the rows whatever the filters
        _assert_same_view(tiny, as_of, f.Filters(), StatusSettings(), categories, exports=True)


def test_an_unreported_row_alone_keeps_the_former_types(tiny):
    """July: only the milestone never reported is listed; without a report period there are no texts to look
    up (the former merge with an empty frame of objects). The view still gives the former frame."""
    items = _assert_same_view(tiny, date(2024, 7, 31), f.Filters(), StatusSettings(), exports=True)
    assert list(items["row_id"]) == ["T4-330800"] and items["report_period"].isna().all()


def test_a_list_emptied_by_the_categories_keeps_the_former_types(tiny):
    for exports in (False, True):
        assert _assert_same_view(tiny, date(2024, 7, 31), f.Filters(), StatusSettings(), (sv.BEHIND,), exports).empty


# ---------------------------------------------------------------- merging the texts


def _items() -> pd.DataFrame:
    return pd.DataFrame({"target_id": pd.array([1, 2, 3], dtype="int32"), "jurisdiction_code": ["a", "b", "c"],
                         "report_period": ["2024-01", None, "2024-02"], "x": [1.5, 2.5, 3.5]}, index=[5, 7, 9])


def _texts(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*sv._TEXT_KEYS, *sv.TEXT_COLUMNS])
    return frame.astype({"target_id": "int32"})


@pytest.mark.parametrize("rows", [
    [],
    [(1, "a", "2024-01", "p", None, None)],
    [(1, "a", "2024-01", "p", None, None), (3, "c", "2024-02", None, "q", "r"), (3, "c", "2024-01", "z", "z", "z")],
    [(1, "a", "2024-01", "p", None, None), (1, "a", "2024-01", "p2", None, None)],   # a key twice: rows repeat
])
def test_merging_the_keys_only_is_the_merge(rows):
    items, texts = _items(), _texts(rows)
    expected = items.merge(texts, how="left", on=sv._TEXT_KEYS)
    pd.testing.assert_frame_equal(sv._merged_texts(items.copy(), texts), expected)


def test_keys_of_other_types_are_merged_as_before():
    items, texts = _items(), _texts([(1, "a", "2024-01", "p", None, None)]).astype({"target_id": "int64"})
    expected = items.merge(texts, how="left", on=sv._TEXT_KEYS)
    pd.testing.assert_frame_equal(sv._merged_texts(items.copy(), texts), expected)
