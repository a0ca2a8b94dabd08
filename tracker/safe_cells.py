"""Make text safe to put in a spreadsheet cell: it must never turn into a formula.

Text that people uploaded (or typed into a document) is exported to xlsx and csv
files that others open in Excel or WPS. A cell starting with ``= + - @`` (or a tab
or carriage return, which some programs strip before reading the rest) would run
as a formula there (CSV/formula injection). :func:`neutralise` prefixes such text
with an apostrophe, which spreadsheet programs show as plain text; everything else
is returned unchanged. Numbers, dates and None are not text and pass through.

Used by every export (progress summary, supervision lists) and by the templates.
"""
from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

#: Characters that make a spreadsheet program read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Full-width forms some input methods produce; WPS treats a few of them like the ASCII ones.
_WIDE_TRIGGERS = ("＝", "＋", "－", "＠")
#: A text whose first character is none of these is never changed by :func:`neutralise` (a quick test
#: for writers of many cells).
FIRST_CHARACTERS = frozenset(FORMULA_TRIGGERS + _WIDE_TRIGGERS + (" ", "\n"))


def is_dangerous(text: str) -> bool:
    """Whether ``text`` would start a formula (leading spaces and newlines are skipped)."""
    stripped = text.lstrip(" \n")
    return stripped.startswith(FORMULA_TRIGGERS + _WIDE_TRIGGERS) or text.startswith(FORMULA_TRIGGERS)


def neutralise(value: Any) -> Any:
    """``"=1+1"`` → ``"'=1+1"``; other text, numbers, dates and None unchanged."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text :func:`neutralise` was given: ``"'=1+1"`` → ``"=1+1"``; any other text unchanged.

    For files of ours coming back (a CSV copy with error notes, filled in and uploaded again): in
    an office program a leading apostrophe is typed, not stored, so stored text that starts with
    one before a formula character is our own prefix.
    """
    if text[:1] == "'" and is_dangerous(text[1:]):
        return text[1:]
    return text


def set_text(cell, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; text is neutralised and always stored as text.

    (openpyxl itself treats any string starting with ``=`` as a formula.)
    """
    value = neutralise(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def csv_cell(value: Any) -> Any:
    """A value as a CSV field: blank for None, ISO dates, floats without trailing zeros, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return neutralise(value)


def write_bom_csv(out: Path, headers: Iterable[str], rows: Iterable[dict]) -> None:
    """CSV in UTF-8 with a byte-order mark (Excel and WPS on Windows need it for Chinese), one row per dict."""
    headers = list(headers)
    with Path(out).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([csv_cell(row[h]) for h in headers])
