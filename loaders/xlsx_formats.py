"""Which cells of an .xlsx sheet show their number as a percentage (and which hold formulas).

python-calamine gives a cell's value, not its number format: a clerk who types ``16%`` in Excel or
WPS stores 0.16 in a cell formatted ``0%``, and the sheet shows "16%". For a target measured in %
the upload must read 16, as the clerk sees it (a CSV of the same sheet says "16%"). This module
finds those cells from the file's own XML: the cell formats (``xl/styles.xml``, ``cellXfs``) whose
number format scales by 100, then the sheet's cells with one of those formats. A workbook without
any such format (every template as we write it) costs one read of its styles.

The file has passed :func:`loaders.xlsx_guard.check_xlsx` (sizes, entities, well-formed zip)
before this module reads it.
"""
from __future__ import annotations

import io
import re
import zipfile

from loaders.error_copy import column_letters, sheet_part

#: Built-in number formats that show a percentage (0%, 0.00%).
BUILTIN_PERCENT = frozenset({9, 10})

_NUM_FMT = re.compile(rb'<numFmt\b[^>]*?\bnumFmtId="([0-9]+)"[^>]*?\bformatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*?)/?>")
_NUM_FMT_ID = re.compile(rb'\bnumFmtId="([0-9]+)"')
_STYLE = re.compile(rb'\bs="([0-9]+)"')
#: What a format code says literally rather than as a format: "quoted text", \escaped characters,
#: [colours and conditions].
_LITERAL = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def shows_percent(format_code: str) -> bool:
    """Whether a number format code scales its number by 100 (``0%``, ``0.0%;[Red]-0.0%``), not a
    quoted or escaped % sign (``0.00"%"``, ``0\\%``)."""
    return "%" in _LITERAL.sub("", format_code)


def percent_styles(styles: bytes) -> frozenset[int]:
    """Indexes of the cell formats (``cellXfs``) of ``styles`` (xl/styles.xml) that show a percentage."""
    codes = {int(i): _unescape(code) for i, code in _NUM_FMT.findall(styles)}
    percent_ids = set(BUILTIN_PERCENT) | {i for i, code in codes.items() if shows_percent(code)}
    found = _CELL_XFS.search(styles)
    if found is None:
        return frozenset()
    styles_found = set()
    for index, attributes in enumerate(_XF.findall(found.group(1))):
        fmt = _NUM_FMT_ID.search(attributes)
        if fmt is not None and int(fmt.group(1)) in percent_ids:
            styles_found.add(index)
    return frozenset(styles_found)


def percent_rows(data: bytes, sheet_name: str, column: int) -> set[int]:
    """Row numbers (1-based) of the cells in ``column`` (1-based) of sheet ``sheet_name`` of the .xlsx
    ``data`` whose format shows a percentage; empty when the workbook has no such format or the sheet
    is not found."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        try:
            styles = zf.read("xl/styles.xml")
        except KeyError:
            return set()
        wanted = percent_styles(styles)
        if not wanted:
            return set()
        part = sheet_part(zf, sheet_name)
        if part is None:
            return set()
        sheet = zf.read(part)
    cell = re.compile(rb'<c\s+(?:[^>]*?\s)?r="' + column_letters(column) + rb'([0-9]+)"([^>]*)>')
    marks = {str(i).encode() for i in wanted}
    rows = set()
    for found in cell.finditer(sheet):
        style = _STYLE.search(found.group(0))
        if style is not None and style.group(1) in marks:
            rows.add(int(found.group(1)))
    return rows


def formula_rows(data: bytes, sheet_name: str, column: int) -> set[int]:
    """Row numbers (1-based) of the cells in ``column`` (1-based) of sheet ``sheet_name`` of the .xlsx ``data``
    that hold a formula (``<f>``), with or without a stored result; empty when the sheet is not found.

    Read only to explain an empty value cell: a formula written by a program that does not calculate
    (no stored result) reads as empty."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = sheet_part(zf, sheet_name)
        if part is None:
            return set()
        sheet = zf.read(part)
    if b"<f" not in sheet:
        return set()
    cell = re.compile(rb'<c\s+(?:[^>]*?\s)?r="' + column_letters(column) + rb'([0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', re.S)
    return {int(found.group(1)) for found in cell.finditer(sheet)
            if found.group(2) is not None and re.search(rb"<f[\s/>]", found.group(2))}


def _unescape(code: bytes) -> str:
    return (code.decode("utf-8", "replace").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
            .replace("&apos;", "'").replace("&amp;", "&"))
