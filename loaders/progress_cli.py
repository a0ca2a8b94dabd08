"""The ``template`` and ``upload`` subcommands of ``python -m loaders`` (argparse wiring only)."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from loaders.progress_template import make_template
from loaders.progress_upload import upload_file
from loaders.sheet_reader import error_copy_path, write_error_copy
from tracker.db import DEFAULT_DB, connect
from tracker.reporting import UnknownUnit


def add_progress_commands(sub) -> None:
    p = sub.add_parser("template", help="write a unit's monthly progress template (xlsx)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--unit", required=True, help="reporting unit, e.g. 市发改委")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--city", help="city name or code, when the unit name exists in several cities")

    p = sub.add_parser("upload", help="check and store a filled-in progress file (.xlsx/.xls/.csv)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--unit", required=True, help="the unit sending the file")
    p.add_argument("--period", help="YYYY-MM; required for files without the template's metadata (csv)")
    p.add_argument("--by", default=None, help="who is uploading (default: the login name)")
    p.add_argument("--city", help="city name or code, when the unit name exists in several cities")
    p.add_argument("--partial", action="store_true", help="store the good rows even if some rows have problems")
    p.add_argument("--errors-out", type=Path, help="where to write the copy with an error column")
    p.add_argument("file", type=Path)


def run_template(args: argparse.Namespace) -> int:
    con = connect(args.db)
    try:
        n = make_template(con, args.unit, args.period, args.out, city=args.city)
    except (UnknownUnit, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"已生成 {args.unit} {args.period} 填报模板：{n} 行 → {args.out}")
    return 0


def run_upload(args: argparse.Namespace) -> int:
    con = connect(args.db)
    try:
        result = upload_file(con, args.file, args.unit, uploaded_by=args.by or getpass.getuser(),
                             period=args.period, city=args.city, partial=args.partial)
    finally:
        con.close()
    print(result.summary())
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    if result.problems and result.sheet is not None:
        out = write_error_copy(args.file, result.sheet, result.problems, args.errors_out or error_copy_path(args.file))
        print(f"已生成带错误说明的文件：{out}", file=sys.stderr)
    return 0 if result.ok else 1


PROGRESS_COMMANDS = {"template": run_template, "upload": run_upload}
