"""Helpers for the reliability tests: fully filled upload files, subprocesses of the real CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from loaders.progress_template import PROGRESS, STATUS, VALUE
from tests.progress_files import fill, template
from tracker.reporting import resolve_unit, unit_rows
from tracker.status import MILESTONE

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2024-03"
UNITS = ("市发改委", "市经信局", "市商务局", "市科技局")


def filled(con, tmp_path: Path, unit: str, value: float = 1.0, name: str | None = None) -> tuple[Path, int]:
    """``unit``'s 2024-03 template with every row reported; the file and its number of rows.

    Every row's content depends on ``value`` (milestones too, through the progress text), so
    files made with different values differ on every row."""
    tpl = template(con, tmp_path, unit, PERIOD)
    rows = unit_rows(con, resolve_unit(con, unit), PERIOD)
    cells = {n: {STATUS: "正常", PROGRESS: f"进展{value:g}", **({} if r.kind == MILESTONE else {VALUE: value})}
             for n, r in enumerate(rows, start=2)}
    return fill(tpl, tmp_path / (name or f"{unit}-filled.xlsx"), cells), len(rows)


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """``python -m <args>`` started in the repository, output captured as text."""
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
