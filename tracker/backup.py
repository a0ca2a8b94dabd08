"""Backup to Parquet and restore: every table, row for row, with a manifest.

:func:`backup` writes one Parquet file per table of the database (every base table,
those added by later modules too) from one consistent snapshot, and
``manifest.json``: the schema version, each table's row count, columns, the SHA-256
of its file and the statement that created it, and the views, indexes and sequences.
The directory appears complete or not at all (it is written under a temporary name
and renamed).

:func:`restore` checks the files against the manifest, rebuilds a database from the
stored statements and rows in one transaction, in a new file next to the target,
checks the row counts, and only then moves it into place. It refuses to replace a
database that holds data unless ``force=True``; the replaced file is kept beside the
new one (``<name>.before-restore-<time>``), never deleted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from tracker.db import SCHEMA_VERSION, is_lock_error

FORMAT = "tracker-backup-1"
MANIFEST = "manifest.json"


class BackupError(ValueError):
    """A backup or restore that cannot be done (message in Chinese)."""


def backup(con: duckdb.DuckDBPyConnection, out: Path) -> dict:
    """Write every table of ``con`` to ``out`` as Parquet plus ``manifest.json``; returns the manifest."""
    out = Path(out).absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"备份目录“{out}”已存在且不为空：请指定一个新目录（每次备份一个目录）")
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        con.execute("BEGIN TRANSACTION")   # one snapshot for every table
        try:
            manifest = _write_tables(con, partial)
        finally:
            con.execute("ROLLBACK")
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str),
                                        encoding="utf-8")
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> dict:
    tables = []
    for name, sql in _tables_in_order(con):
        file = f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM {_ident(name)}) TO {_literal(folder / file)} (FORMAT parquet, COMPRESSION zstd)")
        columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                              "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall()
        tables.append({"name": name, "rows": con.execute(f"SELECT count(*) FROM {_ident(name)}").fetchone()[0],
                       "file": file, "sha256": _sha256(folder / file), "columns": [list(c) for c in columns],
                       "sql": sql})
    version = None
    if any(t["name"] == "schema_version" for t in tables):
        version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return {
        "format": FORMAT,
        "schema_version": version,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "duckdb_version": duckdb.__version__,
        "tables": tables,
        "views": [{"name": n, "sql": s} for n, s in con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND database_name = current_database() "
            "AND schema_name = 'main' ORDER BY view_oid").fetchall()],
        "indexes": [{"name": n, "sql": s} for n, s in con.execute(
            "SELECT index_name, sql FROM duckdb_indexes() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND sql IS NOT NULL ORDER BY index_oid").fetchall()],
        # a sequence's statement starts it at the next value it would hand out
        "sequences": [{"name": n, "sql": s} for n, s in con.execute(
            "SELECT sequence_name, sql FROM duckdb_sequences() WHERE NOT temporary "
            "AND database_name = current_database() AND schema_name = 'main' ORDER BY sequence_oid").fetchall()],
    }


def _tables_in_order(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Base tables, each after the tables its foreign keys point to."""
    tables = dict(con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE NOT internal AND NOT temporary "
                              "AND database_name = current_database() AND schema_name = 'main' ORDER BY table_name"
                              ).fetchall())
    refs: dict[str, set[str]] = {t: set() for t in tables}
    for table, referenced in con.execute(
            "SELECT table_name, referenced_table FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY' "
            "AND database_name = current_database() AND schema_name = 'main'").fetchall():
        if table in refs and referenced in tables and referenced != table:
            refs[table].add(referenced)
    ordered: list[str] = []
    while refs:
        ready = sorted(t for t, deps in refs.items() if deps <= set(ordered))
        if not ready:   # a cycle cannot be built by CREATE TABLE; keep the rest alphabetical
            ready = sorted(refs)
        for t in ready:
            ordered.append(t)
            del refs[t]
    return [(t, tables[t]) for t in ordered]


# ---------------------------------------------------------------------------- restore


def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"“{folder}”不是备份目录：缺少 {MANIFEST}") from None
    except ValueError:
        raise BackupError(f"“{folder / MANIFEST}”已损坏，无法读取") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式“{manifest.get('format')}”无法识别（应为 {FORMAT}）")
    if (manifest.get("schema_version") or 0) > SCHEMA_VERSION:
        raise BackupError(f"备份的数据库版本{manifest['schema_version']}比本程序（{SCHEMA_VERSION}）新：请先升级程序")
    for t in manifest["tables"]:
        path = folder / t["file"]
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少“{t['file']}”")
        if _sha256(path) != t["sha256"]:
            raise BackupError(f"备份文件“{t['file']}”与清单不符（校验值不同），可能已损坏或被改动")
    return manifest


def restore(folder: Path, db: Path, force: bool = False) -> dict:
    """Rebuild the database at ``db`` from the backup in ``folder``; returns the manifest."""
    folder, db = Path(folder).absolute(), Path(db).absolute()
    manifest = read_manifest(folder)
    if db.exists() and _holds_data(db, force) and not force:
        raise BackupError(f"数据库“{db}”已存在且有数据：恢复会替换它。确认要替换请加 --force（原文件会保留为备份）")
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = db.with_name(f".{db.name}.restoring-{os.getpid()}")
    for f in (fresh, _wal(fresh)):
        f.unlink(missing_ok=True)
    try:
        _rebuild(folder, fresh, manifest)
        if db.exists():
            kept = _kept_name(db)
            if _wal(db).exists():
                os.replace(_wal(db), _wal(kept))
            os.replace(db, kept)
        os.replace(fresh, db)
    finally:
        for f in (fresh, _wal(fresh)):
            f.unlink(missing_ok=True)
    return manifest


def _kept_name(db: Path) -> Path:
    """Where the replaced database goes: a name no earlier restore took (two within a second, or two processes
    at once, each keep theirs: the process id and a counter tell them apart)."""
    base = f"{db.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    kept, n = db.with_name(base), 1
    while kept.exists() or _wal(kept).exists():
        n += 1
        kept = db.with_name(f"{base}-{n}")
    return kept


def _rebuild(folder: Path, path: Path, manifest: dict) -> None:
    """Build a new file (no transaction needed: a failure deletes it, success renames it into place)."""
    con = duckdb.connect(str(path))
    try:
        for s in manifest["sequences"]:
            con.execute(s["sql"])
        for t in manifest["tables"]:
            con.execute(t["sql"])
            columns = ", ".join(_ident(c) for c, _ in t["columns"])
            con.execute(f"INSERT INTO {_ident(t['name'])} ({columns}) SELECT {columns} FROM read_parquet(?)",
                        [str(folder / t["file"])])
        _create_views(con, manifest["views"])
        for i in manifest["indexes"]:
            con.execute(i["sql"])
        for t in manifest["tables"]:
            n = con.execute(f"SELECT count(*) FROM {_ident(t['name'])}").fetchone()[0]
            if n != t["rows"]:
                raise BackupError(f"恢复后“{t['name']}”有{n}行，清单为{t['rows']}行：恢复已取消")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _create_views(con: duckdb.DuckDBPyConnection, views: list[dict]) -> None:
    """Views in an order that works (a view may read another one)."""
    pending = list(views)
    while pending:
        failed = []
        for v in pending:
            try:
                con.execute(v["sql"])
            except duckdb.CatalogException:
                failed.append(v)
        if len(failed) == len(pending):
            con.execute(failed[0]["sql"])   # raises the real error
        pending = failed


def _holds_data(db: Path, force: bool) -> bool:
    """Whether ``db`` has any row; refuses a file another process has open, even with ``force``."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            raise BackupError(f"数据库“{db}”正被其他程序（如看板）使用：请先停止它再恢复") from None
        if force:
            return True
        raise BackupError(f"“{db}”不是可读的数据库文件：确认要替换请加 --force（原文件会保留）") from None
    try:
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall():
            if con.execute(f"SELECT count(*) FROM {_ident(name)}").fetchone()[0]:
                return True
        return False
    finally:
        con.close()


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest().hex()
