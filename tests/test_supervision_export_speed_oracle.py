"""The 督查清单 workbook written the fast way (rows as XML, :mod:`tracker.xlsx_rows`) against the way it
was written before (one openpyxl cell per value), kept below as the oracle.

Both files are compared part by part (every part of the zip but the creation time in docProps/core.xml
must be byte for byte the same) and read back cell by cell: values, types, number formats, fonts,
fills, alignment, borders, row heights, column widths, merged titles, freeze panes, autofilter, print
area, print titles and page set-up.
"""
from __future__ import annotations

import io
import zipfile
from copy import copy
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from tests.dashboard_db import add_report, add_upload, make_db
from tracker import print_setup, supervision as sv, supervision_export as sx, xlsx_rows
from tracker.formatting import day_label, period_label
from tracker.status import STATUS_COLORS

JULY = date(2024, 7, 31)
NOW = datetime(2024, 8, 1, 9, 0)

# ---------------------------------------------------------------------------- the oracle
# tracker.supervision_export.write_xlsx / write_table as they were before the rows were written as XML,
# with the print layout of tracker.print_setup since (set_text, cell_font, row_height, fit_a4, header_text and
# text_colour_on are shared).

from tracker.safe_cells import set_text  # noqa: E402

def old_row_height(values: list, widths: list[float]) -> float:
    # the row height is shared (tracker.print_setup, tested in tests/test_print_setup.py), like fit_a4
    return print_setup.row_height(values, widths, sx.BODY_SIZE)


def old_write_table(ws, title, subtitle, columns, rows, fills=None, printed_columns=None, number_formats=None):
    headers = [h for h, _ in columns]
    last_col = get_column_letter(len(columns))
    for r, text, font in ((sx.TITLE_ROW, title, print_setup.cell_font(14, bold=True)),
                          (sx.SUBTITLE_ROW, subtitle, print_setup.cell_font(color="595959"))):
        cell = ws.cell(row=r, column=1)
        set_text(cell, text)
        cell.font = font
        cell.alignment = Alignment(vertical="center")
        ws.merge_cells(f"A{r}:{get_column_letter(printed_columns or len(columns))}{r}")
    ws.row_dimensions[sx.TITLE_ROW].height = 24
    for c, (header, width) in enumerate(columns, start=1):
        cell = ws.cell(row=sx.HEADER_ROW, column=c)
        set_text(cell, print_setup.header_text(header, width, 10))
        cell.font = print_setup.cell_font(10, bold=True)
        cell.fill = sx._HEADER_FILL
        cell.border = sx._BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    fill_cache: dict[str, PatternFill] = {}
    formats = number_formats or {}
    widths = [w for _, w in columns]
    ws.row_dimensions[sx.HEADER_ROW].height = old_row_height([print_setup.header_text(h, w, 10) for h, w in columns],
                                                             widths)
    styled: dict = {}
    for r, row in enumerate(rows, start=sx.FIRST_DATA_ROW):
        ws.row_dimensions[r].height = old_row_height([row[h] for h in headers], widths)
        for c, header in enumerate(headers, start=1):
            cell = ws.cell(row=r, column=c)
            value = row[header]
            set_text(cell, value)
            number_format = ("yyyy-mm-dd hh:mm" if isinstance(value, datetime)
                             else "yyyy-mm-dd" if isinstance(value, date) else formats.get(header))
            colors = (fills or {}).get(header)
            color = colors[value].lstrip("#") if colors and value in colors else None
            key = (number_format, color)
            if key in styled:
                cell._style = copy(styled[key])
                continue
            cell.border = sx._BORDER
            cell.alignment = sx._WRAP
            cell.font = sx._BODY_FONT
            if number_format:
                cell.number_format = number_format
            if color:
                cell.fill = fill_cache.setdefault(color, PatternFill("solid", fgColor=color))
                cell.font = print_setup.cell_font(10, color=print_setup.text_colour_on(color), bold=True)
            styled[key] = copy(cell._style)
    last_row = max(sx.FIRST_DATA_ROW - 1 + len(rows), sx.HEADER_ROW)
    ws.freeze_panes = f"A{sx.FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{sx.HEADER_ROW}:{last_col}{last_row}"
    if printed_columns:
        ws.print_area = f"A1:{get_column_letter(printed_columns)}{last_row}"
    print_setup.fit_a4(ws, title_rows=f"{sx.TITLE_ROW}:{sx.HEADER_ROW}")
    ws.print_options.horizontalCentered = True


def old_write_xlsx(items, units, out, as_of, filters_text, now=None):
    wb = Workbook()
    subtitle = f"截至{as_of.year}年{as_of.month}月{as_of.day}日　筛选：{filters_text}　" \
               f"生成时间：{(now or datetime.now()):%Y-%m-%d %H:%M}"
    ws = wb.active
    ws.title = sx.ITEMS_SHEET
    old_write_table(ws, f"{sx.ITEMS_TITLE}（截至{day_label(as_of)}）", subtitle, sx.ITEM_COLUMNS, sx.item_rows(items),
                    fills={"研判状态": STATUS_COLORS, "督查类别": sx._CATEGORY_COLORS}, printed_columns=sx.ITEM_PRINTED,
                    number_formats={header: "0.0%" for header in sx._PERCENT})
    units_ws = wb.create_sheet(sx.UNITS_SHEET)
    old_write_table(units_ws, f"{sx.UNITS_TITLE}（{period_label(f'{as_of:%Y-%m}')}，截至{day_label(as_of)}）",
                    subtitle, sx.UNIT_COLUMNS, sx.unit_rows(units), fills={"报送情况": sx._UNIT_STATE_COLORS})
    wb.save(out)


# ---------------------------------------------------------------------------- comparing files


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist() if i.filename != "docProps/core.xml"}


def _cell(cell) -> tuple:
    font, fill, al, b = cell.font, cell.fill, cell.alignment, cell.border
    return (cell.value, cell.data_type, cell.number_format, font.b, font.sz, font.color and font.color.rgb,
            fill.fill_type, fill.fgColor.rgb, al.wrap_text, al.vertical, al.horizontal,
            tuple((getattr(b, side).style, getattr(b, side).color and getattr(b, side).color.rgb)
                  for side in ("left", "right", "top", "bottom")))


def _describe(data: bytes) -> dict:
    wb = load_workbook(io.BytesIO(data))
    sheets = {}
    for ws in wb:
        sheets[ws.title] = {
            "cells": [[_cell(c) for c in row] for row in ws.iter_rows()],
            "dimension": ws.dimensions,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height is not None},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "print_area": ws.print_area,
            "print_titles": ws.print_title_rows,
            "page": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth,
                     ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage,
                     ws.print_options.horizontalCentered, ws.page_margins.left, ws.page_margins.right,
                     ws.oddFooter.center.text),
        }
    return {"names": wb.sheetnames, "sheets": sheets}


def assert_same_file(new: bytes, old: bytes) -> None:
    assert _describe(new) == _describe(old)
    new_parts, old_parts = _parts(new), _parts(old)
    assert list(new_parts) == list(old_parts)
    for name in old_parts:
        assert new_parts[name] == old_parts[name], name


# ---------------------------------------------------------------------------- the export itself


@pytest.fixture
def frames(tmp_path):
    """Items and units of the tiny database, plus rows whose texts, numbers and dates are awkward."""
    con = make_db(tmp_path / "t.duckdb")
    add_upload(con, 2, "市经信局", "2024-03")
    add_report(con, 7, 2, 4, "330800", "2024-03", 1, None, progress='=HYPERLINK("http://evil.example","点")',
               problems="@SUM(A1:A9)", next_steps="+1 加快进度")
    items, units = sv.supervision_items(con, JULY), sv.unreported_units(con, JULY)
    con.close()
    base = items.iloc[0].to_dict()
    awkward = [
        dict(item_title=" 前后有空格 ", indicator="多行\n指标\n三行", progress_text="A&B <c> \"d\" 'e'",
             problems_text="－1（全角）", next_steps_text="\t=cmd", reported_value=1e20, actual_share=0.123456789,
             expected_share=float("nan"), due=date(2024, 1, 31), days_overdue=pd.NA, status="严重滞后",
             category=sv.FAR_BEHIND, sent_back=True, action="退回", action_date="2024-07-01", action_by="督查科",
             action_note="请补充", action_deadline="2024-08-15", lead_unit=None, leaders=None, doc_number=None),
        dict(item_title="很长" * 5000, indicator="😀 emoji 𠀀", progress_text="  ", problems_text="",
             next_steps_text="行一\r\n行二", reported_value=-0.0, actual_share=1.5, expected_share=0.0,
             due=datetime(2024, 2, 29, 13, 45), days_overdue=3, status="滞后", category=sv.BEHIND,
             report_period=None, unit="个&个", comparator=">="),
        dict(item_title="＝SUM(1)", indicator="＠提及", progress_text="-", problems_text="@",
             reported_value=3, due=pd.Timestamp("2024-05-01"), status="未报送", category=sv.OVERDUE,
             row_id="#N/A"),
    ]
    items = pd.concat([items, pd.DataFrame([{**base, **a} for a in awkward])], ignore_index=True)
    unit_base = units.iloc[0].to_dict()
    units = pd.DataFrame(units.to_dict("records") + [
        {**unit_base, "unit_name": "=A1", "state": sv.PARTLY_REPORTED, "last_upload": pd.Timestamp("2024-07-30 08:15:00"),
         "missing_items": "、".join(["（一）事项"] * 40)},
        {**unit_base, "unit_name": "县&区 <x>", "unit_kind": None, "jurisdiction_name": "柯城区",
         "last_upload": pd.NaT, "missing_items": ""},
    ])
    return items, units


def _both(items, units) -> tuple[bytes, bytes]:
    new, old = io.BytesIO(), io.BytesIO()
    sx.write_xlsx(items, units, new, JULY, "全部", now=NOW)
    old_write_xlsx(items, units, old, JULY, "全部", now=NOW)
    return new.getvalue(), old.getvalue()


def test_export_is_the_same_file_as_before(frames):
    assert_same_file(*_both(*frames))


def test_export_of_empty_lists_is_the_same_file_as_before(frames):
    items, units = frames
    assert_same_file(*_both(items.head(0), units.head(0)))


def test_export_to_a_path(frames, tmp_path):
    out = tmp_path / "list.xlsx"
    sx.write_xlsx(*frames, out, JULY, "全部", now=NOW)
    old = io.BytesIO()
    old_write_xlsx(*frames, old, JULY, "全部", now=NOW)
    assert_same_file(out.read_bytes(), old.getvalue())


def test_formula_texts_stay_text(frames):
    new, _ = _both(*frames)
    ws = load_workbook(io.BytesIO(new))[sx.ITEMS_SHEET]
    texts = [c.value for row in ws.iter_rows(min_row=sx.FIRST_DATA_ROW) for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://evil.example\",\"点\")" in texts and "'\t=cmd" in texts and "'－1（全角）" in texts
    assert "'＠提及" in texts and "'-" in texts and "'@" in texts and "（一）＝SUM(1)" in texts
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_rows_written_by_openpyxl_without_lxml(frames, monkeypatch):
    """Without lxml the export falls back to openpyxl cells (:func:`write_table`, as the briefing uses)."""
    monkeypatch.setattr(xlsx_rows, "UNAVAILABLE", True)
    assert_same_file(*_both(*frames))


# ---------------------------------------------------------------------------- one table, any values

COLUMNS = (("甲", 10), ("乙", 6), ("丙", 20))


def _tables(rows, **kw) -> tuple[bytes, bytes]:
    new_wb, old_wb = Workbook(), Workbook()
    xml = sx._write_table_xml(new_wb.active, "标题", "副标题", COLUMNS, rows, **kw)
    new = io.BytesIO()
    xlsx_rows.save_with_rows(new_wb, {new_wb.active: xml}, new)
    old_write_table(old_wb.active, "标题", "副标题", COLUMNS, rows, **kw)
    old = io.BytesIO()
    old_wb.save(old)
    return new.getvalue(), old.getvalue()


ODD_VALUES = [
    True, False, np.int64(7), np.float64(2.5), np.float32(0.25), Decimal("1.10"), time(8, 30), timedelta(hours=36),
    pd.Timestamp("2024-03-01 10:00"), float("inf"), float("-inf"), float("nan"), 2 ** 70, -5, 0.1 + 0.2,
    "#DIV/0!", "\r", "a\rb", "x\x7fy", "tab\tin", "\u3000全角空格\u3000", "&amp;", "]]>", "\ufeffbom",
    date(1900, 1, 15), datetime(1899, 12, 31), datetime(2024, 1, 1, 0, 0, 0, 500000),
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_odd_values_as_before(value):
    rows = [{"甲": value, "乙": "滞后", "丙": None}, {"甲": 1, "乙": value, "丙": value}]
    assert_same_file(*_tables(rows, fills={"乙": STATUS_COLORS}, number_formats={"丙": "0.0%"}))


@pytest.mark.parametrize("value", ["bad\x00char", "bell\x07", "\x1b[0m"], ids=repr)
def test_control_characters_raise_as_before(value):
    rows = [{"甲": "ok", "乙": None, "丙": value}]
    with pytest.raises(IllegalCharacterError):
        old_write_table(Workbook().active, "t", "s", COLUMNS, rows)
    with pytest.raises(IllegalCharacterError):
        sx._write_table_xml(Workbook().active, "t", "s", COLUMNS, rows)


def test_time_zones_raise_as_before():
    rows = [{"甲": datetime(2024, 1, 1, tzinfo=timezone.utc), "乙": None, "丙": None}]
    new_wb = Workbook()
    with pytest.raises(TypeError):
        xml = sx._write_table_xml(new_wb.active, "t", "s", COLUMNS, rows)
        xlsx_rows.save_with_rows(new_wb, {new_wb.active: xml}, io.BytesIO())
    old_wb = Workbook()
    old_write_table(old_wb.active, "t", "s", COLUMNS, rows)
    with pytest.raises(TypeError):
        old_wb.save(io.BytesIO())


_values = st.one_of(
    st.none(), st.text(max_size=60), st.sampled_from(["=1+1", " @x", "\n-1", "＋2", "滞后", "未报送", "严重滞后"]),
    st.integers(min_value=-10 ** 20, max_value=10 ** 20), st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 3, 1)), st.datetimes(min_value=datetime(1900, 3, 1)),
)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(st.lists(st.tuples(_values, _values, _values), max_size=6))
def test_any_rows_as_before(rows):
    rows = [dict(zip(("甲", "乙", "丙"), r)) for r in rows]
    try:
        old_write_table(Workbook().active, "t", "s", COLUMNS, rows, fills={"乙": STATUS_COLORS})
    except IllegalCharacterError:
        with pytest.raises(IllegalCharacterError):
            sx._write_table_xml(Workbook().active, "t", "s", COLUMNS, rows, fills={"乙": STATUS_COLORS})
        return
    assert_same_file(*_tables(rows, fills={"乙": STATUS_COLORS}, number_formats={"丙": "0.0%"}))


def test_dates_in_a_column_already_styled_by_a_number_as_before():
    """openpyxl registers a date's default number format when the value is set, even in a cell whose
    style is copied from an earlier one: the style table keeps that order."""
    rows = [{"甲": 5, "乙": None, "丙": 1}, {"甲": datetime(2024, 5, 6, 7, 8), "乙": date(2024, 1, 2), "丙": 2},
            {"甲": time(1, 2), "乙": "滞后", "丙": 3.5}]
    assert_same_file(*_tables(rows, fills={"乙": STATUS_COLORS},
                              number_formats={"甲": "yyyy-mm-dd hh:mm", "乙": "yyyy-mm-dd", "丙": "0.0%"}))


@settings(max_examples=500, derandomize=True, database=None)
@given(st.text(min_size=1, max_size=12))
def test_neutralise_only_changes_texts_starting_with_a_first_character(text):
    from tracker.safe_cells import FIRST_CHARACTERS, neutralise

    if text[0] not in FIRST_CHARACTERS:
        assert neutralise(text) is text
    for first in FIRST_CHARACTERS:   # and each of them can start a formula (alone or before one)
        assert neutralise(first + "=1") != first + "=1"
