"""Build (or bring up to date) the tracker database from everything shipped under ``data/``."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from loaders.demo_progress import DemoReport, seed_demo
from loaders.each_county import Refreshed, refresh_each_county
from loaders.whole_items import Added, refresh_whole_items
from loaders.db_writer import LoadResult, OnStored, load_reference, write_file
from loaders.extract import ExtractionError, extract_file
from loaders.allocation_sheet import AllocationSheetError, load_allocation_file
from loaders.npc_reports import NotAnNpcReport, is_npc_source, load_npc_file
from loaders.organisations import Directory
from tracker import audit
from tracker.db import DATA_DIR, checkpoints_deferred, connect

log = logging.getLogger(__name__)
SOURCE_SUFFIXES = (".txt",)


@dataclass
class BuildReport:
    loaded: list[LoadResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)   # what the reference tables could not change
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

    Each file stored gets an audit record by ``actor`` in the transaction that stores it (:func:`_audit_load`),
    each file refused one of its own (:func:`_audit_refusal`).
    """
    directory = Directory.from_reference(data_dir / "reference")
    report = BuildReport(notices=load_reference(con, directory))
    for path in source_files(data_dir):
        try:
            if is_npc_source(path):
                report.loaded.append(load_npc_file(con, path, directory, _audit_load(actor, path)))
            else:
                report.loaded.append(write_file(con, extract_file(path, directory), _audit_load(actor, path)))
        except (ExtractionError, NotAnNpcReport) as exc:
            log.error("not loaded: %s", exc)
            report.errors.append(str(exc))
            _audit_refusal(con, actor, path, str(exc))
    # a database loaded before the rule on targets set for each county gets it now (loaders.each_county)
    for refreshed in refresh_each_county(con, _audit_split(actor)):
        report.notices.append(split_notice(refreshed))
    for path in allocation_files(data_dir):  # after the sources: sheets are checked against their text
        try:
            report.loaded.append(load_allocation_file(con, path, directory, _audit_load(actor, path)))
        except AllocationSheetError as exc:
            log.error("not loaded: %s", exc)
            report.errors.append(str(exc))
            _audit_refusal(con, actor, path, str(exc))
    # last, so their ids follow every target read from a text or a sheet: a task or measure without a target
    # of its own is reported as a whole (loaders.whole_items), in a fresh database and one built before alike
    added = refresh_whole_items(con, _audit_whole_items(actor))
    if added:
        report.notices.append(whole_items_notice(added))
    return report


def _audit_load(actor: str, path: Path) -> OnStored:
    """What a writer calls once ``path`` is stored: ``document_load``, in the transaction that stores the
    file, so the record commits with the rows (one commit per file, not two). A file skipped because it
    is already stored is not a write and leaves no record (writers do not call it then)."""
    def record(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
        action = "document_load" if result.documents else "npc_facts_refresh"   # no document: counts read again
        audit.record(con, actor, action, f"file:{path.name}", load_details(result), audit.file_sha256(path))
    return record


def _audit_split(actor: str):
    """What :func:`loaders.each_county.refresh_each_county` calls in its transaction: one audit record of
    the targets it split (and how many whole-city reports each keeps on record, no longer counted)."""
    def record(con: duckdb.DuckDBPyConnection, refreshed: list[Refreshed]) -> None:
        audit.record(con, actor, "each_county_split", "targets",
                     {"targets": [r.target_id for r in refreshed],
                      "city_reports_kept": {str(r.target_id): r.city_reports for r in refreshed if r.city_reports}})
    return record


def _audit_whole_items(actor: str):
    """What :func:`loaders.whole_items.refresh_whole_items` calls in its transaction: one audit record of the
    rows it added (their target ids)."""
    def record(con: duckdb.DuckDBPyConnection, added: list[Added]) -> None:
        audit.record(con, actor, "whole_item_targets", "targets", {"targets": [a.target_id for a in added]})
    return record


def whole_items_notice(added: list[Added]) -> str:
    """The console line for the rows :func:`loaders.whole_items.refresh_whole_items` added."""
    first, last = added[0].target_id, added[-1].target_id
    ids = f"指标 {first}" if first == last else f"指标 {first}—{last}"
    return f"{len(added)} 项无量化指标的任务按整项任务跟踪（{ids}，年底前完成）"


def split_notice(refreshed: Refreshed) -> str:
    """The console line for a stored target split by :func:`loaders.each_county.refresh_each_county`."""
    kept = f"；此前按全市填报的 {refreshed.city_reports} 条进展保留，不再计入全市进度" if refreshed.city_reports else ""
    return f"指标 {refreshed.target_id} 按“{refreshed.phrase}”分解到各县（市、区）{kept}"


def load_details(result: LoadResult) -> dict[str, int]:
    """The details of a ``document_load`` audit record (a People's Congress report's facts and tasks too)."""
    details = {"documents": result.documents, "items": result.items, "targets": result.targets}
    if result.facts or result.tasks:
        details |= {"facts": result.facts, "tasks": result.tasks}
    return details


def load_summary(result: LoadResult) -> str:
    """One line for the console: what loading a file stored (a People's Congress report has counts and
    tasks, not plan items and targets)."""
    if result.skipped:
        return "已存在，跳过"
    if not result.documents and result.facts:
        return f"已存在，按现行规则重新提取计数：{result.facts} 项"
    if result.facts or result.tasks:
        return f"{result.documents} 份人大报告，{result.facts} 项计数，{result.tasks} 项工作任务"
    return f"{result.documents} 份文件，{result.items} 个条目，{result.targets} 个指标"


def _audit_refusal(con, actor: str, path: Path, error: str) -> None:
    """``document_load_failed`` for a file refused, in a transaction of its own (nothing else was written)."""
    audit.record_now(con, actor, "document_load_failed", f"file:{path.name}", {"error": error}, audit.file_sha256(path))


def build(db_path: Path, data_dir: Path = DATA_DIR, demo: bool = True, actor: str = "system") -> BuildReport:
    """Load everything into the database at ``db_path``; with ``demo`` (the default) also add the demo progress once.

    The file is checkpointed once, when the connection closes (:func:`tracker.db.checkpoints_deferred`)."""
    con = connect(db_path)
    try:
        with checkpoints_deferred(con):
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
