"""Command line of the tracker: ``python -m tracker export progress --db PATH --period YYYY-MM --out FILE``.

Subcommands are grouped so others can add ``export targets``, ``export overdue``,
``backup`` and ``bench`` next to these: each registers a parser and a handler.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tracker.db import DEFAULT_DB, connect
from tracker.progress_summary import export_summary
from tracker.register_export import export_register
from tracker.supervision import parse_as_of
from tracker.supervision_export import export_overdue


def _export_progress(args: argparse.Namespace) -> int:
    con = connect(args.db)
    try:
        n = export_summary(con, args.period, args.out)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"已导出 {args.period} 进展汇总表：{n} 行 → {args.out}")
    return 0


def _export_targets(args: argparse.Namespace) -> int:
    con = connect(args.db)
    try:
        n = export_register(con, args.out)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"已导出目标清单：{n} 行 → {args.out}")
    return 0


def _export_overdue(args: argparse.Namespace) -> int:
    con = connect(args.db)
    try:
        n_items, n_units, out = export_overdue(con, parse_as_of(args.as_of), args.out)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"已导出截至{args.as_of}的督查清单：{n_items} 项逾期、滞后或二次交办事项，{n_units} 个单位未报送 → {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tracker", description="Tracker exports and maintenance.")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="export a table as xlsx or csv")
    what = export.add_subparsers(dest="what", required=True)
    p = what.add_parser("progress", help="the month's 汇总表: every target × jurisdiction, latest report")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    p.set_defaults(handler=_export_progress)
    t = what.add_parser("targets", help="the whole target register: every target × jurisdiction (whole city too)")
    t.add_argument("--db", type=Path, default=DEFAULT_DB)
    t.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    t.set_defaults(handler=_export_targets)
    o = what.add_parser("overdue", help="督查清单: overdue, far-behind, behind and sent-back items; units not reported")
    o.add_argument("--db", type=Path, default=DEFAULT_DB)
    o.add_argument("--as-of", required=True, help="YYYY-MM-DD (or YYYY-MM: its last day)")
    o.add_argument("--out", type=Path, required=True,
                   help="FILE.xlsx or FILE.csv (items only), or a directory: 督查清单_<date>.xlsx in it")
    o.set_defaults(handler=_export_overdue)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
