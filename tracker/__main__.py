"""Command line of the tracker: ``python -m tracker export progress --db PATH --period YYYY-MM --out FILE``.

Subcommands are grouped so others can add commands next to these: each registers a parser
and a handler. Commands that need the database run through :func:`tracker.inbox.run` (their
bodies are in :mod:`tracker.commands`), so they work while the dashboard holds the file.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from tracker import bench as bench_module
from tracker import inbox
from tracker.auth import os_actor
from tracker.backup import BackupError, restore
from tracker.db import DEFAULT_DB

#: Where ``account set-password`` takes the new password from without a prompt (scripts, containers).
NEW_PASSWORD_ENV = "TRACKER_NEW_PASSWORD"


def _through_inbox(name: str):
    """A handler running command ``name`` here, or in the dashboard when it holds the file (tracker.inbox)."""
    return lambda args: inbox.run(args.db, name, args)


def _restore(args: argparse.Namespace) -> int:
    try:
        manifest = restore(args.backup, args.db, force=args.force)
    except BackupError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"已从 {args.backup} 恢复 {len(manifest['tables'])} 张表、{rows} 行 → {args.db}")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    # settled here: the command may run in the dashboard's process (tracker.inbox), which has no terminal
    password = os.environ.get(NEW_PASSWORD_ENV)
    if password is None:
        password = getpass.getpass(f"账号“{args.username}”的新密码：")
        if getpass.getpass("再次输入新密码：") != password:
            print("错误：两次输入的新密码不一致", file=sys.stderr)
            return 2
    args.password, args.actor = password, os_actor()
    return inbox.run(args.db, "account-set-password", args)


AS_OF_HELP = "YYYY-MM-DD (or YYYY-MM: its last day)"


def _inbox_command(subparsers, name: str, help: str, command: str) -> argparse.ArgumentParser:
    """A subcommand with ``--db`` that runs ``command`` of :data:`tracker.inbox.COMMANDS` (here, or in the
    dashboard when it holds the file)."""
    p = subparsers.add_parser(name, help=help)
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.set_defaults(handler=_through_inbox(command))
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tracker", description="Tracker exports and maintenance.")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="export a table as xlsx or csv")
    what = export.add_subparsers(dest="what", required=True)
    p = _inbox_command(what, "progress", "the month's 汇总表: every target × jurisdiction, latest report",
                       "export-progress")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    t = _inbox_command(what, "targets", "the whole target register: every target × jurisdiction (whole city too)",
                       "export-targets")
    t.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    o = _inbox_command(what, "overdue", "督查清单: overdue, far-behind, behind and sent-back items; units not reported",
                       "export-overdue")
    o.add_argument("--as-of", required=True, help=AS_OF_HELP)
    o.add_argument("--out", type=Path, required=True,
                   help="FILE.xlsx or FILE.csv (items only), or a directory: 督查清单_[<filters>_]<date>.xlsx in it")
    m = _inbox_command(what, "briefing", "月度通报: the month's figures, rankings and lists, with charts",
                       "export-briefing")
    m.add_argument("--as-of", required=True, help=AS_OF_HELP)
    m.add_argument("--out", type=Path, required=True,
                   help="FILE.xlsx (native charts) or FILE.docx, or a directory: 月度通报_[<filters>_]<YYYY-MM>.xlsx in it")
    a = sub.add_parser("account", help="accounts: list them, or reset a password (e.g. the lost admin one)")
    which = a.add_subparsers(dest="which", required=True)
    _inbox_command(which, "list", "every account: username, name, role, unit, enabled", "account-list")
    ap = which.add_parser("set-password", help=f"reset an account's password (from {NEW_PASSWORD_ENV} or a prompt)")
    ap.add_argument("username")
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.set_defaults(handler=_set_password)
    b = _inbox_command(sub, "backup", "write every table as Parquet, with manifest.json (row counts, schema version)",
                       "backup")
    b.add_argument("--out", type=Path, required=True, help="a new or empty directory")
    r = sub.add_parser("restore", help="rebuild a database from a backup directory")
    r.add_argument("backup", type=Path, help="the directory written by backup")
    r.add_argument("--db", type=Path, default=DEFAULT_DB)
    r.add_argument("--force", action="store_true", help="replace a database that holds data (the old file is kept)")
    r.set_defaults(handler=_restore)
    bench = sub.add_parser("bench", help="benchmarks at city and province scale, one figure per line (tracker/bench.py)")
    bench_module.build_parser(bench)
    bench.set_defaults(handler=bench_module.run_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
