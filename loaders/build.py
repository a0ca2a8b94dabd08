"""Build (or bring up to date) the tracker database from everything shipped under ``data/``."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from loaders.demo_progress import DemoReport, seed_demo
from loaders.db_writer import LoadResult, load_reference, write_file
from loaders.extract import ExtractionError, extract_file
from loaders.allocation_sheet import AllocationSheetError, load_allocation_file
from loaders.npc_reports import NotAnNpcReport, is_npc_source, load_npc_file
from loaders.organisations import Directory
from tracker import audit
from tracker.db import DATA_DIR, connect

log = logging.getLogger(__name__)
SOURCE_SUFFIXES = (".txt",)


@dataclass
class BuildReport:
    loaded: list[LoadResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    demo: DemoReport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def source_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(p for p in (data_dir / "sources").iterdir() if p.suffix in SOURCE_SUFFIXES)


def allocation_files(data_dir: Path = DATA_DIR) -> list[Path]:
    folder = data_dir / "allocations"
    return sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")) if folder.is_dir() else []


def load_sources(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR, actor: str = "system") -> BuildReport:
    """Load reference tables, every source file, then the allocation sheets; each file is all in or all out.

    Each file stored (or refused) gets an audit record by ``actor`` (:func:`_audit_load`).
    """
    directory = Directory.from_reference(data_dir / "reference")
    load_reference(con, directory)
    report = BuildReport()
    for path in source_files(data_dir):
        try:
            if is_npc_source(path):
                report.loaded.append(load_npc_file(con, path, directory))
            else:
                report.loaded.append(write_file(con, extract_file(path, directory)))
            _audit_load(con, actor, path, report.loaded[-1])
        except (ExtractionError, NotAnNpcReport) as exc:
            log.error("not loaded: %s", exc)
            report.errors.append(str(exc))
            _audit_load(con, actor, path, None, str(exc))
    for path in allocation_files(data_dir):  # after the sources: sheets are checked against their text
        try:
            report.loaded.append(load_allocation_file(con, path, directory))
            _audit_load(con, actor, path, report.loaded[-1])
        except AllocationSheetError as exc:
            log.error("not loaded: %s", exc)
            report.errors.append(str(exc))
            _audit_load(con, actor, path, None, str(exc))
    return report


def _audit_load(con, actor: str, path: Path, result: LoadResult | None, error: str | None = None) -> None:
    """``document_load`` for a file stored, ``document_load_failed`` for one refused; a file
    skipped because it is already stored is not a write and leaves no record."""
    if result is not None and result.skipped:
        return
    details = ({"error": error} if result is None else
               {"documents": result.documents, "items": result.items, "targets": result.targets})
    audit.record_now(con, actor, "document_load" if result is not None else "document_load_failed",
                     f"file:{path.name}", details, audit.file_sha256(path))


def build(db_path: Path, data_dir: Path = DATA_DIR, demo: bool = True, actor: str = "system") -> BuildReport:
    """Load everything into the database at ``db_path``; with ``demo`` (the default) also add the demo progress once."""
    con = connect(db_path)
    try:
        return build_into(con, data_dir, demo, actor)
    finally:
        con.close()


def build_into(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR, demo: bool = True,
               actor: str = "system") -> BuildReport:
    """:func:`build` on an open connection (the dashboard builds its own database this way)."""
    report = load_sources(con, data_dir, actor)
    if demo and report.ok:
        report.demo = seed_demo(con)
        if report.demo is not None and not report.demo.skipped:
            audit.record_now(con, actor, "demo_seed", "demo",
                             {"uploads": report.demo.uploads, "reports": report.demo.reports})
    return report
