"""Large tables written into an openpyxl workbook as XML text, not as one Cell object per value.

openpyxl spends most of a big export creating a Cell per value, styling it, and then turning each
one back into XML through lxml. For plain values (text, whole and finite numbers, dates, blanks)
this module writes the ``<row>``/``<c>`` elements of the data rows itself, exactly as openpyxl's
writer (with lxml) would: inline strings, ASCII output with character references, the same
``t``/``s`` attributes and number formatting. Anything unusual (other types, control characters,
``\\r``, infinities) is written by openpyxl's own cell writer, one cell at a time.

Use: put the title and header cells on the sheet as usual, call :func:`register_cell_styles`, build
the rows with :func:`rows_xml`, and save with :func:`save_with_rows`, which lets openpyxl write the
workbook and then places the rows into each sheet's ``<sheetData>``.
"""
from __future__ import annotations

import io
import math
import re
from copy import copy
from datetime import date, datetime
from typing import Callable
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import openpyxl
from openpyxl.cell import Cell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TIME_TYPES
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from tracker.print_setup import row_height
from tracker.safe_cells import FIRST_CHARACTERS, neutralise, set_text

#: The rows are written the way openpyxl writes them through lxml; without lxml, write cells instead.
UNAVAILABLE = not openpyxl.LXML

#: Longest text openpyxl keeps in a cell (it cuts the rest).
_MAX_TEXT = 32767
#: Text openpyxl refuses (control characters) or that lxml writes specially: left to openpyxl.
_UNUSUAL = re.compile(ILLEGAL_CHARACTERS_RE.pattern + r"|[\r\ud800-\udfff\ufffe\uffff]")
_ESCAPES = re.compile("[&<>]")
_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def scratch_cell(ws, row: int, column: int) -> Cell:
    """A cell of ``ws`` that is not in the sheet: for styling or writing one value."""
    return Cell(ws, row=row, column=column)


def register_cell_styles(ws) -> None:
    """Give the styled cells already on ``ws`` their style ids in the order openpyxl's writer meets them.

    Style ids are handed out as cells are written; registering the sheet's own cells before the
    rows of :func:`rows_xml` keeps the workbook's style table in the order of an all-openpyxl file.
    """
    for _, cell in sorted(ws._cells.items()):
        if cell.has_style:
            cell.style_id


def rows_xml(ws, first_row: int, headers: list[str], widths: list[float], rows: list[dict],
             style: Callable, style_key: Callable, column_formats: list, column_colors: list,
             font_size: float = 11) -> str:
    """The ``<row>`` elements of ``rows`` (dicts keyed by ``headers``) from sheet row ``first_row`` on.

    Each row gets :func:`tracker.print_setup.row_height` (text of ``font_size`` points); every text is neutralised
    (:mod:`tracker.safe_cells`). ``style_key(value, column format, column colours)`` names the style
    of a cell; ``style(key, value, row, column)`` styles a scratch cell for a key met the first time
    and returns its style array. Plain values (str, int, float, None) take the column's format and
    colour without calling ``style_key``.
    """
    wb = ws.parent
    epoch = wb.epoch
    iso_dates = wb.iso_dates
    cell_styles = wb._cell_styles
    letters = [get_column_letter(c) for c in range(1, len(headers) + 1)]
    columns = list(zip(range(len(headers)), letters, column_formats, column_colors))
    ids: dict = {}
    arrays: dict = {}
    time_types: set = set()
    out: list[str] = []
    append = out.append
    for r, row in enumerate(rows, start=first_row):
        values = [row[h] for h in headers]
        append(f'<row r="{r}" ht="{safe_string(float(row_height(values, widths, font_size)))}" customHeight="1">')
        for c, letter, number_format, colors in columns:
            value = values[c]
            t = type(value)
            if t is str or value is None or t is int or t is float:
                key = (number_format, colors[value].lstrip("#") if colors and value in colors else None)
            else:
                if t not in time_types and isinstance(value, TIME_TYPES):
                    # a date put in a cell registers openpyxl's default format for its type first
                    scratch_cell(ws, r, c + 1).value = value
                    time_types.add(t)
                key = style_key(value, number_format, colors)
            s = ids.get(key)
            if s is None:
                arrays[key] = style(key, value, r, c + 1)
                s = ids[key] = cell_styles.add(arrays[key])
            if value is None:
                append(f'<c r="{letter}{r}" s="{s}" t="n"></c>')
            elif t is str:
                if value and value[0] in FIRST_CHARACTERS:
                    value = neutralise(value)
                if len(value) > _MAX_TEXT:
                    value = value[:_MAX_TEXT]
                if not value:
                    append(f'<c r="{letter}{r}" s="{s}" t="inlineStr"></c>')
                elif _UNUSUAL.search(value):
                    append(_openpyxl_cell(ws, r, c + 1, values[c], arrays[key]))
                else:
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    if "&" in value or "<" in value or ">" in value:
                        value = _ESCAPES.sub(_entity, value)
                    append(f'<c r="{letter}{r}" s="{s}" t="inlineStr"><is><t{space}>{value}</t></is></c>')
            elif t is int or (t is float and math.isfinite(value)):
                append(f'<c r="{letter}{r}" s="{s}" t="n"><v>{"%.16g" % value}</v></c>')
            elif (t is date or (t is datetime and value.tzinfo is None)) and not iso_dates:
                append(f'<c r="{letter}{r}" s="{s}" t="n"><v>{safe_string(to_excel(value, epoch))}</v></c>')
            else:
                append(_openpyxl_cell(ws, r, c + 1, value, arrays[key]))
        append("</row>")
    return "".join(out)


def _entity(match: re.Match) -> str:
    return _ENTITY[match.group()]


def _openpyxl_cell(ws, row: int, column: int, value, style_array) -> str:
    """One cell written by openpyxl itself (raises what openpyxl raises for the value)."""
    from lxml.etree import xmlfile

    cell = scratch_cell(ws, row, column)
    set_text(cell, value)
    cell._style = copy(style_array)
    buffer = io.BytesIO()
    with xmlfile(buffer) as xf:
        write_cell(xf, ws, cell, cell.has_style)
    return buffer.getvalue().decode("ascii")


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+[0-9]+:[A-Z]+)[0-9]+"/>')


def save_with_rows(wb, sheet_rows: dict, out) -> None:
    """Save ``wb`` to ``out`` (path or binary stream) with ``sheet_rows[ws] = (rows XML, last row)``
    placed at the end of each sheet's data (after the rows openpyxl wrote itself)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    parts = {ws.path[1:]: rows for ws, rows in sheet_rows.items() if rows[0]}
    with ZipFile(buffer) as source, ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in parts:
                data = _splice(data, *parts[info.filename])
            entry = ZipInfo(info.filename, info.date_time)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.create_system = info.create_system
            archive.writestr(entry, data)


def _splice(sheet: bytes, rows: str, last_row: int) -> bytes:
    head, end, tail = sheet.partition(b"</sheetData>")
    if not end or b"</sheetData>" in tail:
        raise RuntimeError("unexpected worksheet XML: no single </sheetData>")
    head, n = _DIMENSION.subn(lambda m: b'<dimension ref="%s%d"/>' % (m.group(1), last_row), head, count=1)
    if n != 1:
        raise RuntimeError("unexpected worksheet XML: no <dimension ref>")
    return head + rows.encode("ascii", "xmlcharrefreplace") + end + tail
