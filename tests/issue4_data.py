"""Small real databases for the issue-4 tests: reference tables, seed 004 and what hangs on it."""
from __future__ import annotations

import shutil
from pathlib import Path

from loaders.build import load_sources
from tests.conftest import ROOT
from tracker.db import connect

DATA = ROOT / "data"
GAZETTE = "004_d96df1f4540694e4.txt"
ALLOCATIONS = DATA / "allocations" / "2024_民生实事.xlsx"


def data_dir(tmp: Path, sources: tuple[str, ...] = (GAZETTE,), allocations: bool = True) -> Path:
    """A copy of ``data/`` holding only the given sources (and the allocation sheet)."""
    (tmp / "sources").mkdir(parents=True)
    shutil.copytree(DATA / "reference", tmp / "reference")
    for name in sources:
        shutil.copy(DATA / "sources" / name, tmp / "sources" / name)
    if allocations:
        (tmp / "allocations").mkdir()
        shutil.copy(ALLOCATIONS, tmp / "allocations" / ALLOCATIONS.name)
    return tmp


def built_db(tmp: Path, sources: tuple[str, ...] = (GAZETTE,), allocations: bool = True) -> Path:
    folder = data_dir(tmp / "data", sources, allocations)
    path = tmp / "tracker.duckdb"
    con = connect(path)
    try:
        report = load_sources(con, folder)
        assert report.ok, report.errors
    finally:
        con.close()
    return path
