"""Helpers for the progress tests: write templates and fill them in like a unit would (openpyxl)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from loaders.progress_template import DATA_SHEET, HEADERS, META_SHEET, make_template

NOW = datetime(2024, 10, 8, 9, 30)


def template(con, tmp_path: Path, unit: str = "市发改委", period: str = "2024-03") -> Path:
    out = tmp_path / f"{unit}-{period}.xlsx"
    make_template(con, unit, period, out, now=datetime(2024, 4, 1, 8, 0))
    return out


def fill(path: Path, out: Path, rows: dict[int, dict[str, object]], meta: dict[str, object] | None = None) -> Path:
    """Copy ``path`` to ``out`` with cells set: ``rows`` maps sheet row numbers to {header: value}."""
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    for r, cells in rows.items():
        for header, value in cells.items():
            cell = ws.cell(row=r, column=HEADERS.index(header) + 1)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"   # typed as text, as a unit could: "=…" stays a string, not a formula
    for key, value in (meta or {}).items():
        meta_ws = wb[META_SHEET]
        for row in meta_ws.iter_rows(min_row=1, max_row=7):
            if row[0].value == key:
                row[1].value = value
    wb.save(out)
    return out


def row_ids(path: Path) -> list[str]:
    ws = load_workbook(path, read_only=True)[DATA_SHEET]
    return [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
