"""The one connection helper and schema set-up for the tracker database.

Functions take a connection as their first argument (sqlite-utils style); only
:func:`connect` opens one. ``schema.sql`` is the single definition of tables
and views; :data:`SCHEMA_VERSION` records which version a file was built with.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "tracker.duckdb"
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = 1


def connect(path: Path | str = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database at ``path`` (":memory:" for a scratch one), creating the schema if needed."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing; never drops or rewrites a table that holds data."""
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    current = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    if current is None:
        con.execute("INSERT INTO schema_version (version) VALUES (?)", [SCHEMA_VERSION])


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """The next free integer key of ``table`` (tables and columns are ours, never user input)."""
    return con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()[0]
