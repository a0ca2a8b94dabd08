"""Shared fixtures: paths to the shipped sources."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
GAZETTE_2024_3 = SOURCES / "004_d96df1f4540694e4.txt"


@pytest.fixture(scope="session")
def gazette_path() -> Path:
    return GAZETTE_2024_3


# ---------------------------------------------------------------- progress reporting (issue 5)
# One database built from the shipped sources per session (without demo data), copied per test.

import shutil  # noqa: E402

import duckdb  # noqa: E402


@pytest.fixture(scope="session")
def built_plain_db(tmp_path_factory) -> Path:
    """The shipped sources built once, without demo progress. Do not write to it: copy it."""
    from loaders.build import build

    path = tmp_path_factory.mktemp("plain") / "base.duckdb"
    report = build(path, demo=False)
    assert report.ok, report.errors
    return path


@pytest.fixture(scope="session")
def built_demo_db(built_plain_db, tmp_path_factory) -> Path:
    """The same with the demo progress seeded once. Do not write to it: copy it."""
    from loaders.demo_progress import seed_demo
    from tracker.db import connect

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    shutil.copy(built_plain_db, path)
    con = connect(path)
    try:
        seed_demo(con)
    finally:
        con.close()
    return path


@pytest.fixture
def plain_db(built_plain_db, tmp_path) -> Path:
    """A private copy of the built database (no demo data) for one test."""
    path = tmp_path / "tracker.duckdb"
    shutil.copy(built_plain_db, path)
    return path


@pytest.fixture
def con(plain_db):
    """A read-write connection to :func:`plain_db`."""
    from tracker.db import connect

    connection = connect(plain_db)
    yield connection
    connection.close()


PROGRESS_TABLES = ("uploads", "progress_reports", "upload_errors", "target_allocations", "upload_files")


def table_contents(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The content of every table, to compare a database before and after.

    The progress tables row by row (sorted); the others, which are large and which
    uploads never touch, by row count and an order-independent sum of row hashes.
    ``audit_log`` is left out: every attempt, a refused one too, adds its audit record
    (tests/test_audit.py checks those).
    """
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_name <> 'audit_log' ORDER BY 1").fetchall()]
    return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) if t in PROGRESS_TABLES
            else con.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} AS x").fetchone()
            for t in tables}
