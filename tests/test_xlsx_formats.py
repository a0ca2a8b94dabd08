"""Percent-formatted cells found in an .xlsx's own XML (loaders/xlsx_formats.py)."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from loaders.xlsx_formats import percent_rows, percent_styles, shows_percent


@pytest.mark.parametrize("code, percent", [
    ("0%", True), ("0.00%", True), ("0.0%;[Red]-0.0%", True), ("#,##0.0%", True),
    ('0.00"%"', False), ("0\\%", False), ("[$%-804]0", False), ("General", False), ("0.00", False),
    ("yyyy-mm-dd", False),
])
def test_shows_percent(code, percent):
    assert shows_percent(code) is percent


def _book(formats: dict[int, str | None], column: int = 3, sheet: str = "填报") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.cell(row=1, column=column, value="累计完成值")
    for row, fmt in formats.items():
        cell = ws.cell(row=row, column=column, value=0.16)
        if fmt is not None:
            cell.number_format = fmt
        ws.cell(row=row, column=column + 1, value=0.5).number_format = "0%"   # the next column: not asked for
    wb.create_sheet("其他").cell(row=2, column=column, value=0.3).number_format = "0%"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_rows_of_a_column_whose_cells_show_a_percentage():
    data = _book({2: "0%", 3: None, 4: "0.00%", 5: '0.00"%"', 6: "0.0%;[Red]-0.0%", 7: "0.00"})
    assert percent_rows(data, "填报", 3) == {2, 4, 6}
    assert percent_rows(data, "其他", 3) == {2}
    assert percent_rows(data, "填报", 1) == set()
    assert percent_rows(data, "没有", 3) == set()


def test_columns_past_z_are_found():
    assert percent_rows(_book({2: "0%", 3: None}, column=28), "填报", 28) == {2}


def test_percent_styles_are_read_from_the_cell_formats():
    styles = b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    assert percent_styles(styles) == frozenset()
    assert percent_styles(b'<numFmts count="1"><numFmt numFmtId="170" formatCode="0.0%"/>'
                          b'<numFmt numFmtId="171" formatCode="0.0&quot;%&quot;"/></numFmts>'
                          b'<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="170"/><xf numFmtId="9"/>'
                          b'<xf numFmtId="171"/></cellXfs>') == frozenset({1, 2})
