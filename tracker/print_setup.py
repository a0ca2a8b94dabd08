"""How exported sheets print: A4, fitted to the page width, the header row repeated on every page.

Offices print the lists they are sent; one function so every export prints the same way.
"""
from __future__ import annotations

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
