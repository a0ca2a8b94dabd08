"""The dashboard's database: one cached connection per process, built on first run,
and cached query results that are invalidated as soon as the data changes.

``cached(func, *args)`` calls ``func(connection, *args)`` through ``st.cache_data``,
keyed on the database path and :func:`tracker.status_store.data_version`: a cheap
fingerprint of plans, allocations, uploads (reports are only written with theirs) and
supervision actions, the same one stored status tables are keyed on. An upload therefore
shows up on the next rerun without anyone clearing a cache. (It reads small tables only:
a fingerprint that counted the reports read a province's 6 million rows on every call.)

The fingerprint is read once per page run (about 5 ms; a page makes up to a dozen cached
calls) and read again in that run after any commit of this process (:func:`tracker.db.commits`),
so a page that uploads shows its upload further down. Other processes cannot write the file
while the dashboard holds it (their uploads and exports run here, :mod:`tracker.inbox`).
"""
from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from typing import Any, Callable

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from tracker import db, inbox
from tracker.db import DEFAULT_DB, connect_when_free
from tracker.status_store import data_version, plan_part


def database_path() -> Path:
    """The database the dashboard serves (``TRACKER_DB`` overrides the default under data/)."""
    return Path(os.environ.get("TRACKER_DB", DEFAULT_DB))


@st.cache_resource(show_spinner="正在从 data/ 中的源文件建立数据库…")
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    from loaders.build import build_into
    from tracker.auth import ensure_admin

    con = connect_when_free(path, timeout=120)   # a CLI command may hold the file for a moment
    if con.execute("SELECT count(*) FROM source_files").fetchone()[0] == 0:
        build_into(con)   # the shipped sources and, as `python -m loaders build` does, the demo progress
    ensure_admin(con)   # first run: the account admin (README: 账号与权限)
    inbox.serve(path, con)   # from now on CLI uploads and exports run here (tracker/inbox.py)
    return con


def get_connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the process-wide connection (cursors are safe to use per thread)."""
    return _connection(str(database_path())).cursor()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(qualname: str, db: str, version: tuple, args: tuple, kwargs: tuple) -> Any:
    module, name = qualname.rsplit(".", 1)
    func = getattr(importlib.import_module(module), name)
    return func(get_connection(), *args, **dict(kwargs))


def cached(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func(connection, *args, **kwargs)``, cached until the data changes.

    ``func`` must be a module-level function of the tracker package taking the
    connection first; arguments must be hashable values (str, int, tuples,
    frozen dataclasses such as :class:`tracker.filters.Filters`).
    """
    return _cached(func, False, args, kwargs)


def cached_on_plans(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """:func:`cached` for a ``func`` that reads the plans only (documents, items, targets, responsibilities,
    places): cached until plans are loaded, so an upload or a supervisor's action leaves it cached."""
    return _cached(func, True, args, kwargs)


def _cached(func: Callable[..., Any], plans_only: bool, args: tuple, kwargs: dict) -> Any:
    con = get_connection()
    version = run_data_version(con)
    qualname = f"{func.__module__}.{func.__qualname__}"
    return _cached_call(qualname, str(database_path()), plan_part(version) if plans_only else version, args,
                        tuple(sorted(kwargs.items())))


_run = threading.local()   # each session's page runs on a thread of its own


def run_data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """:func:`tracker.status_store.data_version`, read once per page run and database, and again after a
    commit of this process (outside a page run: every time)."""
    marker = _run_marker()
    key = (str(database_path()), db.commits())
    memo = getattr(_run, "memo", None)
    if marker is not None and memo is not None and memo[0] is marker and memo[1] == key:
        return memo[2]
    version = data_version(con)
    if marker is not None:
        _run.memo = (marker, key, version)   # holds the marker, so no other run's can be the same object
    return version


def _run_marker() -> object | None:
    """An object that stays the same for one page run and only for it (Streamlit makes each run a new set
    of widget ids); None outside a run, or if Streamlit no longer has it."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "widget_ids_this_run", None) if ctx is not None else None
