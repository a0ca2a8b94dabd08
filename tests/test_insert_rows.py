"""tracker.db.insert_rows stores what executemany stores: every row, NULLs, dates, in any number of chunks."""
from datetime import date

import duckdb
import pytest

from tracker.db import insert_rows

ROWS = [(1, "市发改委", None, date(2024, 1, 31), 1.5), (2, "柯城区", "330802", None, None),
        (3, "'; DROP TABLE t; --", "x", date(2024, 12, 31), -0.0), (4, "", None, None, 1e300),
        (5, "江山市", "330881", date(2025, 2, 28), 3.0)]


@pytest.mark.parametrize("chunk", [1, 2, 5, 500])
def test_the_rows_are_those_executemany_stores(chunk):
    con = duckdb.connect()
    for name in ("t", "u"):
        con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR, code VARCHAR, day DATE, v DOUBLE)")
    insert_rows(con, "t", ROWS, chunk=chunk)
    con.executemany("INSERT INTO u VALUES (?, ?, ?, ?, ?)", ROWS)
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == con.execute("SELECT * FROM u ORDER BY id").fetchall()
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == ROWS


def test_a_bad_row_stores_nothing_of_its_statement():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR)")
    with pytest.raises(duckdb.ConstraintException):
        insert_rows(con, "t", [(1, "a"), (1, "b")])
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_no_rows_is_no_statement():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER)")
    insert_rows(con, "t", [])
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_a_column_arrow_cannot_type_goes_in_as_values():
    """A column mixing numbers and text (Arrow refuses it) still goes in: DuckDB casts each value."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER, label VARCHAR, v DOUBLE)")
    rows = [(1, "一", 1), (2, 3, 2.5), (3, None, None)]
    insert_rows(con, "t", rows, chunk=2)
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [(1, "一", 1.0), (2, "3", 2.5), (3, None, None)]


def test_named_columns_and_a_column_of_nulls_only():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER, note VARCHAR DEFAULT '无', day DATE, flag BOOLEAN)")
    insert_rows(con, "t", [(2, None, True), (1, None, None)], columns=("id", "day", "flag"))
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [(1, "无", None, None), (2, "无", None, True)]


def test_next_ids_reads_each_key_in_the_order_given():
    from tracker.db import connect, next_id, next_ids

    con = connect(":memory:")
    assert next_ids(con, ("source_files", "file_id"), ("documents", "doc_id")) == [1, 1]
    con.execute("INSERT INTO organisations VALUES (7, '市发改委', NULL, 'department', NULL, true)")
    con.execute("INSERT INTO people VALUES (3, '张三', NULL)")
    keys = [("people", "person_id"), ("source_files", "file_id"), ("organisations", "org_id"), ("people", "person_id")]
    assert next_ids(con, *keys) == [4, 1, 8, 4]
    assert next_ids(con, *keys) == [next_id(con, table, column) for table, column in keys]
    con.close()


def test_with_and_without_column_names_the_same_rows_and_the_caller_s_transaction():
    con = duckdb.connect()
    for name in ("t", "u"):
        con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR, code VARCHAR, day DATE, v DOUBLE)")
    insert_rows(con, "t", ROWS)
    insert_rows(con, "u", ROWS, columns=("id", "name", "code", "day", "v"))
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == ROWS
    assert con.execute("SELECT * FROM u ORDER BY id").fetchall() == ROWS
    con.execute("BEGIN")
    insert_rows(con, "t", [(6, "衢江区", None, None, None)])
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 5
