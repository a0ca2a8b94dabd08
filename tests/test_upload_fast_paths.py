"""The fast paths of an upload give exactly what the plain ones give.

* :func:`loaders.xlsx_guard.scan_extent` (numpy) equals :func:`~loaders.xlsx_guard.extent_by_regex`;
* :func:`loaders.progress_upload.validate_rows` equals the cell-by-cell reference
  (tests/upload_reference.py) on random rows;
* :func:`loaders.sheet_reader._filled_rows` keeps exactly the rows that are not blank;
* :func:`tracker.reporting.unit_row_keys` holds the rows of :func:`~tracker.reporting.unit_rows`.
"""
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.progress_template import (
    IDENTITY_COLUMNS, INDICATOR, NEXT_STEPS, PLACE, PROBLEMS, PROGRESS, ROW_ID, STATUS, UNIT_COLUMN, VALUE,
)
from loaders.progress_upload import Report, validate_rows
from loaders.sheet_reader import _filled_rows, _meta
from loaders.xlsx_guard import Extent, _Extent, extent_by_regex, scan_extent
from tests.upload_reference import reference_validate_rows
from tracker.reporting import RowKey, Unit, reporting_units, unit_row_keys, unit_rows

FAST = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# ---------------------------------------------------------------- the guard's cell count


def test_scan_extent_exact_values():
    assert scan_extent(b'<row r="3"><c r="A1"/><c r=\'ZZZZ99999999\'/><c r="Q1"/></row><row/><row  x="1" r="7">') \
        == Extent(n_rows=3, max_row_ref=7, n_cells=3, n_refs=3, max_ref_row=99999999, max_ref_col=475254)
    assert scan_extent(b'<row r="12" x="<c r=\\"A3\\">"><c>') == Extent(1, 12, 2, 0, 0, 0)
    assert scan_extent(b"") == Extent(0, None, 0, 0, 0, 0)
    assert scan_extent(b'<c r="XFD40000">') == Extent(0, None, 1, 1, 40000, 16384)
    assert scan_extent(b'<rows r="5"><row\tr="12345678"><row r="1234567">') == Extent(2, 12345678, 0, 0, 0, 0)
    assert scan_extent(b'<row r="0010"><row r="9"><c r="A007"/><c r="B12"/><c r="C0"/>') == Extent(2, 10, 3, 3, 12, 3)
    assert scan_extent(b'<x:c r="A1">') is None                 # a prefix: left to the regexes
    assert scan_extent(b'<x:row r="1">') is None
    assert scan_extent(b'<row <row r="5">') is None               # one findall match swallows the next "<row"


@pytest.mark.parametrize("data, extent", [
    # references python-calamine reads (tests/test_upload_fuzz.py) but that are not plain: left to the regexes
    (b'<row r="1"><c r="AAAAA1"/>', Extent(1, 1, 1, 1, 1, 475255)),
    (b'<row r="1"><c r="AAAAAAAA1"/>', Extent(1, 1, 1, 1, 1, 8353082583)),
    (b'<row r="1"><c r="xfd1048576"/>', Extent(1, 1, 1, 1, 1048576, 16384)),
    (b'<row r="1"><c r="Zz3"/>', Extent(1, 1, 1, 1, 3, 702)),
    (b'<row r="1"><c r = "XFD1048576"/>', Extent(1, 1, 1, 1, 1048576, 16384)),
    (b'<row r="1"><c\tr\n=\n\'B9\'/>', Extent(1, 1, 1, 1, 9, 2)),
    (b'<row r="1"><c r="A123456789"/>', Extent(1, 1, 1, 1, 123456789, 1)),
    (b'<row r = "123456789"><c r="A1"/>', Extent(1, 123456789, 1, 1, 1, 1)),
    (b'<row r="1"><c r="x"/><c r="$A$1"/>', Extent(1, 1, 2, 0, 0, 0)),           # calamine refuses these
    (b'<row r="1"><c r="A1"/><t>a = b</t>', Extent(1, 1, 1, 1, 1, 1)),           # a blank by "=" in a text
])
def test_references_that_are_not_plain_go_to_the_regexes(data, extent):
    assert scan_extent(data) is None
    assert extent_by_regex(data) == extent

_TOKENS = [b'<c r="A1">', b'<c r="A007">', b' r="0099"', b' r="00000000"', b'<c r="B22"/>', b"<c>", b"<c/>", b"<c\t", b'<row r="5">', b"<row>", b"<row/>",
           b'<row spans="1:3" r="40000">', b' r="XFD40000"', b" r='Q7'", b' r="ABCDE1"', b' r="A123456789"', b' r="7"',
           b" r=\"A1'", b"\nr=\"C3\"", b"r=\"D4\"", b"</c>", b"</row>", b">", b"/>", b"<", b'"', b"'", b" ", b"\t",
           b"=", b"r", b"A", b"Z", b"9", b"0", b"<v>1</v>", b"<is><t>x</t></is>", b"<x:c ", b":row", b"\xe4\xb8\xad",
           b"<rowBreaks>", b"<cols>", b"<col/>", b' r = "B3"', b' r="c5"', b"=\n", b' r="zz9"', b' r="AAAAAAAA1"']


@FAST
@given(st.lists(st.sampled_from(_TOKENS), max_size=40))
def test_scan_extent_equals_the_regexes(tokens):
    data = b"".join(tokens)
    fast = scan_extent(data)
    assert fast is None or fast == extent_by_regex(data)


@FAST
@given(st.binary(max_size=300))
def test_scan_extent_equals_the_regexes_on_any_bytes(data):
    fast = scan_extent(data)
    assert fast is None or fast == extent_by_regex(data)


def _grid_by_regex(xml: bytes, chunk: int) -> tuple[int, int]:
    import loaders.xlsx_guard as guard

    saved = guard.scan_extent
    guard.scan_extent = lambda data: None
    try:
        return _grid(xml, chunk)
    finally:
        guard.scan_extent = saved


def _grid(xml: bytes, chunk: int, parallel: bool = False) -> tuple[int, int]:
    extent = _Extent(parallel=parallel)
    for i in range(0, len(xml), chunk):
        extent.feed(xml[i:i + chunk])
    extent.feed(b"", final=True)
    return extent.grid()


@pytest.mark.parametrize("xml, grid", [
    (b'<sheetData><row r="1"><c r="A1"/><c r="N1"/></row><row r="2"><c r="B2"/></row></sheetData>', (2, 14)),
    (b'<sheetData><row r="1"><c r="A1"/><c/><c/></row><row><c/><c/><c/><c/></row></sheetData>', (2, 5)),  # no r=
    (b'<sheetData><row r="40000"/><row r="3"><c r="XFD3"/></row></sheetData>', (40000, 16384)),
])
def test_extent_grid_equals_the_regexes(xml, grid):
    for chunk in (7, 64, 1 << 20):
        assert _grid(xml, chunk) == _grid(xml, chunk, parallel=True) == _grid_by_regex(xml, chunk) == grid


@FAST
@given(st.lists(st.sampled_from(_TOKENS), max_size=60), st.integers(1, 40))
def test_extent_scanned_on_the_pool_equals_in_order(tokens, chunk):
    """Slices scanned on the thread pool (some of them left to the regexes) add up as in order."""
    xml = b"".join(tokens)
    assert _grid(xml, chunk, parallel=True) == _grid(xml, chunk)


# ---------------------------------------------------------------- validation and row keys


UNIT = Unit(1, "市发改委", "330800", "department", None)
EXPECTED = {f"T{t}-330800": RowKey(t, "330800", kind, unit, "衢州市", f"指标{t}") for t, kind, unit in
            [(1, "count", "个"), (2, "rate", "%"), (3, "milestone", ""), (4, "amount", "亿元"), (5, "rate", "")]}
KEPT = (ROW_ID, VALUE, STATUS, PROGRESS, PROBLEMS, NEXT_STEPS)
_CELL = st.one_of(st.none(), st.sampled_from(["", " ", "正常", " 滞后 ", "已完成", "１２", "1,200", "12.5%", "abc", "T1-330800",
                                               "Ｔ2-330800", "T9-330800", " T3-330800 ", "x" * 2001, "nan", "1e400",
                                               "衢州市", " 衢州市", "柯城区", "指标1", "指 标2", "个", "%", "亿元"]),
                  st.text(max_size=6), st.floats(allow_nan=True), st.integers(-10**20, 10**20), st.booleans(),
                  st.just(date(2024, 1, 2)), st.just(datetime(2024, 1, 2, 3, 4)), st.just(time(5, 6)))


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.lists(st.lists(_CELL, min_size=0, max_size=11), max_size=12), st.permutations(list(KEPT)),
       st.integers(min_value=0, max_value=2), st.sampled_from([(), IDENTITY_COLUMNS, (INDICATOR,), (UNIT_COLUMN, PLACE)]))
def test_validate_rows_equals_the_reference(cells, order, extra, identity):
    header = list(order) + ["其他"] * extra + list(identity)
    rows = [(n, c) for n, c in enumerate(cells, start=2)]
    percent = {n for n in range(2, 2 + len(rows), 3)}   # some rows' value cells formatted as percentages
    got = validate_rows("填报", header, rows, EXPECTED, {1, 2, 3, 4, 5, 6}, UNIT, "2024-03", percent)
    want = reference_validate_rows("填报", header, rows, EXPECTED, {1, 2, 3, 4, 5, 6}, UNIT, "2024-03", percent)
    assert ([tuple(r) for r in got[0]], got[1], got[2]) == want


_IDENTITY_CELLS = st.sampled_from([None, "", "衢州市", " 衢 州 市", "柯城区", "指标1", "指标2", "指标１", "'指标1", "个", "%",
                                   "亿元", 3.0])


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(EXPECTED)), st.sampled_from([None, 5.0, "正常"]),
                          _IDENTITY_CELLS, _IDENTITY_CELLS, _IDENTITY_CELLS), max_size=8),
       st.sampled_from([IDENTITY_COLUMNS, (INDICATOR,), (UNIT_COLUMN, PLACE)]), st.booleans())
def test_identity_checks_equal_the_reference(rows, identity, short):
    """Rows with valid ids and every kind of identity cell (equal, spaced, another place or indicator, blank),
    the template's three columns (compared at once) or some of them; ``short``: a row cut before them."""
    header = list(KEPT) + list(identity)
    rows = [(n, [rid, value, None, None, None, None, *cells[:len(identity)]][:7 if short and n % 2 else None])
            for n, (rid, value, *cells) in enumerate(rows, start=2)]
    got = validate_rows("填报", header, rows, EXPECTED, {1, 2, 3, 4, 5}, UNIT, "2024-03")
    want = reference_validate_rows("填报", header, rows, EXPECTED, {1, 2, 3, 4, 5}, UNIT, "2024-03")
    assert ([tuple(r) for r in got[0]], got[1], got[2]) == want


def test_a_row_whose_place_indicator_or_unit_contradicts_its_id_is_refused():
    header = list(KEPT) + list(IDENTITY_COLUMNS)
    rows = [(2, ["T1-330800", 5.0, None, None, None, None, "衢州市", "指标1", "个"]),     # as the template wrote it
            (3, ["T2-330800", 6.0, None, None, None, None, " 衢州市", "指 标２", "%"]),    # spaces, full-width: fine
            (4, ["T4-330800", 7.0, None, None, None, None, "衢州市", "指标1", "个"]),      # the row of T1, moved
            (5, ["T5-330800", 8.0, None, None, None, None, "柯城区", "指标5", None]),      # another place; unit emptied
            (6, ["T3-330800", None, None, None, None, None, "柯城区", "指标9", "个"])]     # blank: not a report
    reports, problems, blank = validate_rows("填报", header, rows, EXPECTED, {1, 2, 3, 4, 5}, UNIT, "2024-03")
    assert [(r.target_id, r.value) for r in reports] == [(1, 5.0), (2, 6.0)] and blank == 1
    assert [str(p) for p in problems] == [
        "工作表“填报”第4行“指标”列：本行指标为“指标1”，而填报编号T4-330800的指标是“指标4”："
        "请勿调换行、改动编号或只选部分列排序；如模板是旧版，请重新下载本月模板",
        "工作表“填报”第5行“区域”列：本行区域为“柯城区”，而填报编号T5-330800的区域是“衢州市”："
        "请勿调换行、改动编号或只选部分列排序；如模板是旧版，请重新下载本月模板",
    ]


def test_validate_rows_exact_report():
    header = list(KEPT)
    reports, problems, blank = validate_rows("填报", header, [(2, ["T1-330800", 12.0, " 正常", "进展 ", None, ""]),
                                                           (3, ["T2-330800", "", "", "", "", ""])],
                                             EXPECTED, {1, 2}, UNIT, "2024-03")
    assert reports == [Report(1, "330800", 12.0, "正常", "进展", None, None, 2, "count", "个")]
    assert problems == [] and blank == 1


# ---------------------------------------------------------------- blank rows and the metadata sheet


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.lists(st.lists(_CELL, min_size=0, max_size=5), max_size=10), st.integers(min_value=0, max_value=5))
def test_filled_rows_keeps_the_rows_with_a_cell_neither_none_nor_empty(cells, key):
    want = [(n, r) for n, r in enumerate(cells, start=3) if any(c is not None and c != "" for c in r)]
    assert _filled_rows(cells, 3, key) == want


def test_filled_rows_exact_values():
    rows = [["T1", None], [None, None], ["", ""], [None, " "], ["", 0.0], [], [" ", None], [None, ""]]
    assert _filled_rows(rows, 2, 0) == [(2, ["T1", None]), (5, [None, " "]), (6, ["", 0.0]), (8, [" ", None])]


def test_meta_reads_the_keys_above_the_row_ids():
    cells = [["模板版本", "progress-1"], ["填报单位", " 市发改委 "], [None, None], ["报送期", 202403.0], ["行数"],
             ["填报编号", None], ["T1-330800", None], ["模板版本", "progress-0"]]
    assert _meta(cells, "填报编号") == {"模板版本": "progress-1", "填报单位": "市发改委", "报送期": "202403", "行数": ""}


# ---------------------------------------------------------------- rows a unit reports


def test_unit_row_keys_hold_the_rows_of_unit_rows(con):
    for unit in reporting_units(con):
        for period in ("2023-01", "2024-03", "2025-12"):
            keys = unit_row_keys(con, unit, period)
            assert keys == {r.row_id: RowKey(r.target_id, r.jurisdiction_code, r.kind, r.unit, r.jurisdiction_name,
                                             r.indicator)
                            for r in unit_rows(con, unit, period)}
