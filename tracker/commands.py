"""What ``python -m tracker`` commands do once they have a connection.

Each takes ``(con, args, out, err)`` and returns the exit code, printing to ``out``
and ``err`` rather than to the terminal, so :mod:`tracker.inbox` can run it either in
the command's own process or in the dashboard's (when the dashboard holds the file)
and show the same text.
"""
from __future__ import annotations

import argparse
from datetime import date
from typing import Callable, TextIO

import duckdb

from tracker.auth import AccountError, PermissionDenied, list_accounts, set_password
from tracker.backup import BackupError, backup
from tracker.progress_queries import PLAN_START_SQL
from tracker.progress_summary import export_summary
from tracker.settings import configured_settings
from tracker.register_export import export_register
from tracker.supervision import parse_as_of
from tracker.supervision_export import export_overdue as write_overdue


def _reported(out: TextIO, err: TextIO, errors: type[Exception] | tuple[type[Exception], ...],
              work: Callable[[], str]) -> int:
    """Run ``work``; print the line it returns and exit 0, or ``错误：…`` and exit 2 on ``errors``."""
    try:
        message = work()
    except errors as exc:
        print(f"错误：{exc}", file=err)
        return 2
    print(message, file=out)
    return 0


def _as_of(con: duckdb.DuckDBPyConnection, text: str) -> date:
    """:func:`parse_as_of`, refusing a day before every loaded plan starts: nothing was due then (the
    月度通报 of 2023-12 counted all 300 targets of 2024 as 未报送)."""
    as_of = parse_as_of(text)
    first = con.execute(f"""SELECT min({PLAN_START_SQL})
                           FROM documents d WHERE EXISTS (SELECT 1 FROM items i JOIN targets t USING (item_id)
                                                          WHERE i.doc_id = d.doc_id)""").fetchone()[0]
    if first is not None and as_of < first:
        raise ValueError(f"截至日期{as_of}早于已加载计划的起始日期{first}：那时还没有任务，请选{first:%Y-%m}或之后")
    return as_of


def export_progress(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _reported(out, err, ValueError, lambda: (
        f"已导出 {args.period} 进展汇总表：{export_summary(con, args.period, args.out, configured_settings())} 行 → {args.out}"))


def export_targets(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _reported(out, err, ValueError, lambda: f"已导出目标清单：{export_register(con, args.out)} 行 → {args.out}")


def export_overdue(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    def work() -> str:
        n_items, n_units, path = write_overdue(con, _as_of(con, args.as_of), args.out,
                                               settings=configured_settings())
        return f"已导出截至{args.as_of}的督查清单：{n_items} 项逾期、滞后或二次交办事项，{n_units} 个单位未报送 → {path}"
    return _reported(out, err, ValueError, work)


def export_briefing(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tracker.briefing import export_briefing as write_briefing   # python-docx and Pillow: only when asked

    def work() -> str:
        path = write_briefing(con, _as_of(con, args.as_of), args.out, settings=configured_settings())
        return f"已导出截至{args.as_of}的月度通报 → {path}"
    return _reported(out, err, ValueError, work)


def account_list(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Every account, one per line: username, name, role, unit, enabled or not (never a password or hash)."""
    for a in list_accounts(con).itertuples():
        print("\t".join([a.username, a.display_name, a.role_label, a.unit_name or "—", "启用" if a.active else "停用"]),
              file=out)
    return 0


def account_set_password(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """重置密码 by the operator running the command (``args.actor``: os:<login>, audited)."""
    def work() -> str:
        set_password(con, args.actor, args.username, args.password)
        return f"已重置账号“{args.username}”的密码"
    return _reported(out, err, (AccountError, PermissionDenied), work)


def backup_command(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    def work() -> str:
        manifest = backup(con, args.out)
        rows = sum(t["rows"] for t in manifest["tables"])
        return f"已备份 {len(manifest['tables'])} 张表、{rows} 行（数据库版本 {manifest['schema_version']}）→ {args.out}"
    return _reported(out, err, BackupError, work)
