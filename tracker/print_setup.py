"""How exported sheets print: A4, fitted to the page width, the header row repeated on every page.

Offices print the lists they are sent; one function so every export prints the same way.
"""
from __future__ import annotations

import math
import unicodedata

PAGE_FOOTER = "第 &P 页，共 &N 页"


def fit_a4(ws, *, landscape: bool = True, title_rows: str | None = "1:1", header: str | None = None,
           footer: str | None = PAGE_FOOTER) -> None:
    """A4 (landscape unless told), fit to width and as many pages tall as needed, ``title_rows`` repeated."""
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header:
        ws.oddHeader.center.text = header
    if footer:
        ws.oddFooter.center.text = footer


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


def row_height(values: list, widths: list[float], line_points: float = 13.0, max_lines: int = 6) -> float:
    """Points for a row whose wrapped text fits its columns (spreadsheets do not all grow rows themselves).

    ``line_points`` is one line of the sheet's font (13 for 10-point text, 14.5 for 11-point).
    """
    lines = 1
    for value, width in zip(values, widths):
        if isinstance(value, str) and value:
            room = max(width - 1, 1)
            if "\n" in value:
                needed = sum(max(1, math.ceil(text_width(part) / room)) for part in value.split("\n"))
            elif 2 * len(value) <= room:   # one line whatever its characters (each at most 2 wide)
                continue
            else:
                needed = math.ceil(text_width(value) / room)
            if needed > lines:
                lines = needed
                if lines >= max_lines:
                    break
    return min(lines, max_lines) * line_points + 3
