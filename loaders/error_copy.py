"""The copy of an uploaded .xlsx with an 错误说明 column, written into the file's own XML.

openpyxl loads a whole workbook and saves it again: 11 s for a 20,000-row file, which the unit
waited for after every refused upload. Here every part of the file is copied as it is (the hidden
metadata sheet, the validations, the styles, the column widths), except that

* the data sheet gets one inline-text cell at the end of the header row and of each row with a
  problem, in the column after the last one used, 60 characters wide; its sheet protection is
  dropped (the unit edits the copy and uploads it again);
* ``xl/styles.xml`` gets a bold dark-red font and a light-red fill, and two cell formats using them.

:func:`xlsx_error_copy` returns None for a file whose XML it does not know how to edit safely
(namespace prefixes, cells without a reference, a problem row that has no row element, styles
without counts); the caller then goes the slow way through openpyxl. tests/test_error_copy.py
holds the result to that way.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from loaders.xlsx_guard import column_number
from tracker.safe_cells import neutralise

WIDTH = 60
FONT = b'<font><b val="1"/><color rgb="00C00000"/></font>'
FILL = b'<fill><patternFill patternType="solid"><fgColor rgb="00F8CBAD"/><bgColor rgb="00F8CBAD"/></patternFill></fill>'

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_PREFIXED = re.compile(rb"<\w+:(?:worksheet|sheetData|row|c|cols)\b")
_CELL_TAG = re.compile(rb"<c[\s/>]")
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]+"')
_ROW_TAG = re.compile(rb'<row r="([0-9]+)"[^>]*?(/?)>')
_SPANS = re.compile(rb' spans="[^"]*"')
_PROTECTION = re.compile(rb"<sheetProtection\b[^>]*/>")
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+[0-9]+):([A-Z]+)([0-9]+)"')


def xlsx_error_copy(path: Path, sheet_name: str, header_row: int, n_headers: int, messages: dict[int, str],
                    header: str, out: Path) -> Path | None:
    """Write the copy of ``path`` to ``out`` with ``header`` over the new column and ``messages``
    (sheet row number → text) in it; None when the file is not one this can edit (nothing written)."""
    with zipfile.ZipFile(path) as zf:
        part = sheet_part(zf, sheet_name)
        if part is None or "xl/styles.xml" not in zf.namelist():
            return None
        sheet = zf.read(part)
        styles = _with_styles(zf.read("xl/styles.xml"))
        if styles is None:
            return None
        styles, header_style, error_style = styles
        sheet = _with_column(sheet, header_row, n_headers, messages, header, header_style, error_style)
        if sheet is None:
            return None
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
            for info in zf.infolist():
                data = sheet if info.filename == part else styles if info.filename == "xl/styles.xml" else zf.read(info)
                copy.writestr(info.filename, data)
    return out


def sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member of the worksheet named ``sheet_name`` (by xl/workbook.xml and its relationships)."""
    try:
        workbook = fromstring(zf.read("xl/workbook.xml"))
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ValueError, SyntaxError):
        return None
    ids = [s.get(_REL_ID) for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet_name]
    if len(ids) != 1:
        return None
    targets = [r.get("Target") for r in rels.iter(f"{_PACKAGE}Relationship") if r.get("Id") == ids[0]]
    if len(targets) != 1 or not targets[0]:
        return None
    target = targets[0]
    name = posixpath.normpath(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return name if name in zf.namelist() else None


def _with_styles(styles: bytes) -> tuple[bytes, int, int] | None:
    """``styles`` with the font, the fill and two cell formats added; the formats' indexes."""
    added = {}
    for tag, item in ((b"fonts", FONT), (b"fills", FILL)):
        found = re.search(rb"<" + tag + rb' count="([0-9]+)"([^>]*)>(.*?)</' + tag + rb">", styles, re.S)
        if found is None:
            return None
        n = int(found.group(1))
        added[tag] = n
        styles = (styles[:found.start()] + b"<" + tag + b' count="' + str(n + 1).encode() + b'"' + found.group(2)
                  + b">" + found.group(3) + item + b"</" + tag + b">" + styles[found.end():])
    found = re.search(rb'<cellXfs count="([0-9]+)"([^>]*)>(.*?)</cellXfs>', styles, re.S)
    if found is None:
        return None
    n = int(found.group(1))
    xfs = (b'<xf numFmtId="0" fontId="%d" fillId="0" borderId="0" applyFont="1"/>' % added[b"fonts"]
           + b'<xf numFmtId="0" fontId="0" fillId="%d" borderId="0" applyFill="1"/>' % added[b"fills"])
    styles = (styles[:found.start()] + b'<cellXfs count="' + str(n + 2).encode() + b'"' + found.group(2) + b">"
              + found.group(3) + xfs + b"</cellXfs>" + styles[found.end():])
    return styles, n, n + 1


def _with_column(sheet: bytes, header_row: int, n_headers: int, messages: dict[int, str], header: str,
                 header_style: int, error_style: int) -> bytes | None:
    if _PREFIXED.search(sheet):
        return None
    if len(_CELL_TAG.findall(sheet)) != sheet.count(b'<c r="'):   # a cell without its reference
        return None
    used = max((column_number(c) for c in set(_CELL_COLUMN.findall(sheet))), default=0)
    column = max(used, n_headers) + 1
    letters = column_letters(column)
    texts = {header_row: (header, header_style)} | {n: (m, error_style) for n, m in messages.items() if n != header_row}
    rows = {int(m.group(1)): m for m in _ROW_TAG.finditer(sheet)}
    if any(n not in rows for n in texts):
        return None
    pieces, at = [], 0
    for n in sorted(texts):
        tag = rows[n]
        text, style = texts[n]
        cell = (b'<c r="%s%d" s="%d" t="inlineStr"><is><t xml:space="preserve">' % (letters, n, style)
                + escape(ILLEGAL_CHARACTERS_RE.sub("", str(neutralise(text)))).encode("utf-8") + b"</t></is></c>")
        opening = _SPANS.sub(b"", tag.group(0))
        if tag.group(2):                                   # <row r="5"/>: an empty row
            pieces += [sheet[at:tag.start()], opening[:-2] + b">" + cell + b"</row>"]
            at = tag.end()
        else:
            end = sheet.find(b"</row>", tag.end())
            if end < 0:
                return None
            pieces += [sheet[at:tag.start()], opening, sheet[tag.end():end], cell]
            at = end
    sheet = b"".join(pieces + [sheet[at:]])
    width = b'<col min="%d" max="%d" width="%d" customWidth="1"/>' % (column, column, WIDTH)
    if b"</cols>" in sheet:
        sheet = sheet.replace(b"</cols>", width + b"</cols>", 1)
    elif b"<sheetData" in sheet:
        sheet = sheet.replace(b"<sheetData", b"<cols>" + width + b"</cols><sheetData", 1)
    else:
        return None
    sheet = _PROTECTION.sub(b"", sheet)
    dimension = _DIMENSION.search(sheet)
    if dimension and column_number(dimension.group(2)) < column:
        sheet = (sheet[:dimension.start(2)] + letters + sheet[dimension.end(2):])
    return sheet


def column_letters(n: int) -> bytes:
    """1 → A, 27 → AA."""
    out = b""
    while n:
        n, rest = divmod(n - 1, 26)
        out = bytes([65 + rest]) + out
    return out
