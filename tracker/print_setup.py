"""How exported sheets print: A4, fitted to the page width, the header row repeated on every page.

Offices print the lists they are sent; one module so every export prints the same way, and so the
size its text comes out on paper can be worked out (:func:`printed_size`) without printing it.

Units: a column width is counted in the default font's digit (7 pixels of 11-point Calibri, the font
every cell here names, :func:`cell_font`); a Chinese character of 11-point text takes about 2.2 of them
(:data:`CJK_UNITS`), a line of text about 1.45 times the font size (:data:`LINE_SPACING`).
"""
from __future__ import annotations

import math
import re
import unicodedata

from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string, get_column_letter

PAGE_FOOTER = "第 &P 页，共 &N 页"
#: The font every exported cell names: a cell without a name gets whatever the office program substitutes
#: (LibreOffice a wider serif, so numbers showed ###). Carlito has its metrics where Calibri is missing.
FONT_NAME = "Calibri"
#: Width units a wide (Chinese) character of 11-point text takes, and a narrow one (Latin, digits).
CJK_UNITS = 2.2
NARROW_UNITS = 1.0
#: A line of wrapped text is about this many times the font size tall (LibreOffice with a Chinese font: 1.45).
LINE_SPACING = 1.45
#: The tallest row Excel allows (points).
MAX_ROW_POINTS = 409.0
#: Page margins in inches: narrow at the sides (the lists are wide), room for the header and footer.
SIDE_MARGIN, TOP_MARGIN, HEADER_MARGIN = 0.3, 0.55, 0.25
A4_POINTS = (595.28, 841.89)   # portrait width, height
#: The smallest printed text size (points) a list may come out at.
MIN_PRINTED_POINTS = 7.0


def cell_font(size: float = 11, **style) -> Font:
    """A font that names itself (:data:`FONT_NAME`) and its size; ``style``: bold, color, …"""
    return Font(name=FONT_NAME, size=size, **style)


def fit_a4(ws, *, landscape: bool = True, title_rows: str | None = "1:1", header: str | None = None,
           footer: str | None = PAGE_FOOTER) -> None:
    """A4 (landscape unless told), fit to width and as many pages tall as needed, ``title_rows`` repeated,
    narrow side margins."""
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left = margins.right = SIDE_MARGIN
    margins.top = margins.bottom = TOP_MARGIN
    margins.header = margins.footer = HEADER_MARGIN
    if header:
        ws.oddHeader.center.text = header
    if footer:
        ws.oddFooter.center.text = footer


def column_points(width: float) -> float:
    """Points a column of ``width`` takes on a sheet at 100 %: 7 pixels a unit and 5 of padding, at 96 dpi."""
    return (7 * width + 5) * 0.75


def print_scale(widths: list[float], *, landscape: bool = True, left: float = SIDE_MARGIN,
                right: float = SIDE_MARGIN) -> float:
    """The scale fitting columns of ``widths`` to the width of an A4 page (never above 1), in whole
    percent as office programs print it."""
    page = A4_POINTS[1] if landscape else A4_POINTS[0]
    room = page - 72 * (left + right)
    needed = sum(column_points(w) for w in widths)
    return min(100, math.floor(100 * room / needed)) / 100 if needed else 1.0


def printed_columns(ws) -> int:
    """How many columns of ``ws`` print: its print area's, else all it uses."""
    if ws.print_area:
        last = re.findall(r"\$?([A-Z]+)\$?\d+", ws.print_area.split(",")[0])[-1]
        return column_index_from_string(last)
    return ws.max_column


def printed_size(ws, first_row: int = 1) -> float:
    """Points the smallest text of ``ws`` (rows from ``first_row``, printed columns) comes out at on an A4
    page fitted to the width: the print scale times the font size."""
    n = printed_columns(ws)
    default = ws.sheet_format.defaultColWidth or 8.43
    widths = [ws.column_dimensions[get_column_letter(c)].width or default for c in range(1, n + 1)]
    landscape = ws.page_setup.orientation == ws.ORIENTATION_LANDSCAPE
    scale = print_scale(widths, landscape=landscape, left=ws.page_margins.left, right=ws.page_margins.right)
    sizes = [cell.font.sz or 11 for row in ws.iter_rows(min_row=first_row, max_col=n) for cell in row
             if cell.value is not None]
    return round(scale * min(sizes, default=11), 2)


class _Widths(dict):
    """Character → its width (2 for wide and full-width characters), worked out once per character."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_WIDTHS = _Widths()


def text_width(text: str) -> int:
    """Width in spreadsheet character units: a Chinese character takes two."""
    if text.isascii():
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))   # C-level loop; __missing__ fills the table


def text_lines(text: str, width: float, font_size: float = 11) -> int:
    """Lines ``text`` wraps into in a column of ``width`` at ``font_size`` points (each ``\\n`` starts one).

    A wide character takes :data:`CJK_UNITS` at 11 points; a line holds the column less a unit of padding,
    counted in whole wide characters (one that does not fit goes to the next line): exact for Chinese
    text, a line too many rather than too few when narrow characters are mixed in.
    """
    factor = font_size / 11
    wide, narrow = CJK_UNITS * factor, NARROW_UNITS * factor
    room = max(width - 1, 1)
    per_line = max(math.floor(room / wide), 1) * wide
    lines = 0
    for part in text.split("\n"):
        n = len(part)
        n_wide = text_width(part) - n
        units = n_wide * wide + (n - n_wide) * narrow
        lines += 1 if units <= room else math.ceil(units / per_line)
    return lines


def row_height(values: list, widths: list[float], font_size: float = 11,
               max_points: float = MAX_ROW_POINTS) -> float:
    """Points for a row whose wrapped text fits its columns (spreadsheets do not all grow rows themselves):
    the most lines any of its texts takes (:func:`text_lines`), :data:`LINE_SPACING` each, and 3 of padding;
    at most ``max_points`` (Excel's limit)."""
    lines = 1
    widest = CJK_UNITS * font_size / 11   # width units a character takes at most
    for value, width in zip(values, widths):
        if isinstance(value, str) and value:
            if "\n" not in value and widest * len(value) <= width - 1:
                continue
            lines = max(lines, text_lines(value, width, font_size))
    return min(round(lines * LINE_SPACING * font_size + 3, 2), max_points)


def header_text(header: str, width: float, font_size: float = 11) -> str:
    """A column heading as printed: as it is where it fits on one line (:func:`text_lines`), else broken
    between words onto two lines: after "、" ("县（市、" / "区）"), else after its first two characters,
    the first word of these headings ("督查" / "类别", "累计" / "完成值"). Left to the office program, the
    line broke wherever the column ended ("督查类" / "别", "县（市" / "、区）")."""
    if "\n" in header or text_lines(header, width, font_size) == 1 or len(header) < 4:
        return header
    cut = header.index("、") + 1 if "、" in header[:-1] else 2
    return f"{header[:cut]}\n{header[cut:]}"


def _luminance(rgb: str) -> float:
    """Relative luminance (WCAG 2) of a colour written "RRGGBB" (a "#" or an alpha byte in front is ignored)."""
    rgb = rgb.lstrip("#")[-6:]
    channels = [int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


#: Text on a coloured fill: white, or this near-black where it reads better.
DARK_TEXT = "1F1F1F"


def text_colour_on(fill: str) -> str:
    """The text colour ("RRGGBB") that reads best on ``fill``: white or :data:`DARK_TEXT`, whichever contrasts
    more (WCAG contrast ratio). White on the 滞后 orange (#E69F00, 2.1:1) or the 未报送 grey (2.8:1) was hard
    to read on paper; dark text there is 8–10:1, while the 已完成 blue keeps white."""
    light = _luminance(fill)
    white = 1.05 / (light + 0.05)
    dark = (light + 0.05) / (_luminance(DARK_TEXT) + 0.05)
    return "FFFFFF" if white >= dark else DARK_TEXT
