"""The copy of an uploaded .xlsx with an 错误说明 column, written into the file's own XML.

openpyxl loads a whole workbook and saves it again: 11 s for a 20,000-row file, which the unit
waited for after every refused upload. Here every part of the file is copied as it is (the hidden
metadata sheet, the validations, the styles, the column widths), except that

* the data sheet gets one inline-text cell at the end of the header row and of each row with a
  problem, in the column after the last one used, :data:`WIDTH` characters wide, wrapped; its sheet
  protection is dropped (the unit edits the copy and uploads it again); a row whose texts (the message
  with them) need more room than its height gets taller (:func:`needed_heights`), so the unit can read
  what it typed on paper; the printed page header says the file was sent back and how many problems it has;
* ``xl/styles.xml`` gets a bold dark-red font and a light-red fill, and two wrapped cell formats using them.

:func:`xlsx_error_copy` returns None for a file whose XML it does not know how to edit safely
(namespace prefixes, cells without a reference, a problem row that has no row element, styles
without counts); the caller then goes the slow way through openpyxl. tests/test_error_copy.py
holds the result to that way.
"""
from __future__ import annotations

import html
import posixpath
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from loaders.xlsx_guard import column_number
from tracker.print_setup import row_height
from tracker.safe_cells import neutralise

WIDTH = 30
FONT = b'<font><b val="1"/><sz val="11"/><color rgb="00C00000"/><name val="Calibri"/><family val="2"/></font>'
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
_COL = re.compile(rb"<col\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\b(min|max|width)="([0-9.]+)"')
_HEIGHT = re.compile(rb'\sht="([0-9.]+)"')
_CUSTOM_HEIGHT = re.compile(rb'\scustomHeight="[^"]*"')
_ODD_HEADER = re.compile(rb"<oddHeader>(.*?)</oddHeader>", re.S)
#: A column without a width of its own (Excel's default).
DEFAULT_WIDTH = 8.43


def needed_heights(row_values: dict[int, list], messages: dict[int, str], widths: list[float],
                   current: dict[int, float | None]) -> dict[int, float]:
    """Sheet row → the height it needs where that is more than its ``current`` one: its texts
    (``row_values``, from column A, in columns of ``widths``) and its message in the :data:`WIDTH` column."""
    heights = {}
    one_line = row_height([], [])   # a row of one line keeps its height, whatever it is
    for n in set(row_values) | set(messages):
        values = list(row_values.get(n, []))[:len(widths)]
        values += [None] * (len(widths) - len(values)) + [messages.get(n)]
        needed = row_height(values, list(widths) + [WIDTH])
        if needed > max(current.get(n) or 0, one_line):
            heights[n] = needed
    return heights


def refused_header(header: str, n_problems: int) -> str:
    """The printed page header of an error copy: the template's, and that it was sent back."""
    return f"{header}（退回，共{n_problems}处错误，见“错误说明”列）"


def xlsx_error_copy(path: Path, sheet_name: str, header_row: int, n_headers: int, messages: dict[int, str],
                    header: str, out: Path, row_values: dict[int, list] | None = None,
                    n_problems: int | None = None) -> Path | None:
    """Write the copy of ``path`` to ``out`` with ``header`` over the new column and ``messages``
    (sheet row number → text) in it; None when the file is not one this can edit (nothing written).
    ``row_values`` (sheet row → its cells from column A) make rows as tall as their texts;
    ``n_problems`` goes into the printed page header (:func:`refused_header`)."""
    with zipfile.ZipFile(path) as zf:
        part = sheet_part(zf, sheet_name)
        if part is None or "xl/styles.xml" not in zf.namelist():
            return None
        sheet = zf.read(part)
        styles = _with_styles(zf.read("xl/styles.xml"))
        if styles is None:
            return None
        styles, header_style, error_style = styles
        sheet = _with_column(sheet, header_row, n_headers, messages, header, header_style, error_style,
                             row_values or {})
        if sheet is None:
            return None
        if n_problems is not None:
            sheet = _refused_header(sheet, n_problems)
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
    xfs = (b'<xf numFmtId="0" fontId="%d" fillId="0" borderId="0" applyFont="1" applyAlignment="1">'
           b'<alignment horizontal="center" vertical="center" wrapText="1"/></xf>' % added[b"fonts"]
           + b'<xf numFmtId="0" fontId="0" fillId="%d" borderId="0" applyFill="1" applyAlignment="1">'
             b'<alignment vertical="top" wrapText="1"/></xf>' % added[b"fills"])
    styles = (styles[:found.start()] + b'<cellXfs count="' + str(n + 2).encode() + b'"' + found.group(2) + b">"
              + found.group(3) + xfs + b"</cellXfs>" + styles[found.end():])
    return styles, n, n + 1


def _with_column(sheet: bytes, header_row: int, n_headers: int, messages: dict[int, str], header: str,
                 header_style: int, error_style: int, row_values: dict[int, list] | None = None) -> bytes | None:
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
    widths = _widths(sheet, column - 1)
    current = {}
    for n in rows:
        found = _HEIGHT.search(rows[n].group(0))
        current[n] = float(found.group(1)) if found else None
    heights = needed_heights({n: v for n, v in (row_values or {}).items() if n in rows},
                             {n: m for n, m in messages.items() if n != header_row}, widths, current)
    pieces, at = [], 0
    for n in sorted(set(texts) | set(heights)):
        tag = rows[n]
        opening = _SPANS.sub(b"", tag.group(0))
        if n in heights:
            opening = _CUSTOM_HEIGHT.sub(b"", _HEIGHT.sub(b"", opening))
            end = -2 if tag.group(2) else -1
            opening = opening[:end] + b' ht="%s" customHeight="1"' % repr(heights[n]).encode() + opening[end:]
        if n not in texts:
            pieces += [sheet[at:tag.start()], opening]
            at = tag.end()
            continue
        text, style = texts[n]
        cell = (b'<c r="%s%d" s="%d" t="inlineStr"><is><t xml:space="preserve">' % (letters, n, style)
                + escape(ILLEGAL_CHARACTERS_RE.sub("", str(neutralise(text)))).encode("utf-8") + b"</t></is></c>")
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


def _widths(sheet: bytes, n: int) -> list[float]:
    """Widths of columns 1..``n`` by the sheet's ``<col>`` elements (:data:`DEFAULT_WIDTH` where none)."""
    widths = [DEFAULT_WIDTH] * n
    cols = sheet[:sheet.find(b"<sheetData")]
    for col in _COL.findall(cols):
        found = {name: float(value) for name, value in _ATTRIBUTE.findall(col)}
        if {b"min", b"max", b"width"} <= found.keys():
            for c in range(int(found[b"min"]), min(int(found[b"max"]), n) + 1):
                widths[c - 1] = found[b"width"]
    return widths


def _refused_header(sheet: bytes, n_problems: int) -> bytes:
    """The sheet's printed page header says it was sent back (:func:`refused_header`), in its centre part."""
    found = _ODD_HEADER.search(sheet)
    if found is None:
        return sheet
    parts = re.split(r"(&[LCR])", html.unescape(found.group(1).decode("utf-8")))
    if "&C" in parts:
        i = parts.index("&C") + 1
        parts[i] = refused_header(parts[i], n_problems)
    else:
        parts += ["&C", refused_header("", n_problems)]
    return sheet[:found.start(1)] + escape("".join(parts)).encode("utf-8") + sheet[found.end(1):]


def column_letters(n: int) -> bytes:
    """1 → A, 27 → AA."""
    out = b""
    while n:
        n, rest = divmod(n - 1, 26)
        out = bytes([65 + rest]) + out
    return out
