"""The ``template`` and ``upload`` subcommands of ``python -m loaders`` (argparse wiring only)."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from loaders.progress_template import make_template
from loaders.progress_upload import upload_file
from loaders.sheet_reader import error_copy_path, write_error_copy
from tracker import inbox
from tracker.auth import SignInFailed, authenticate, os_actor
from tracker.db import DEFAULT_DB
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
    p.add_argument("--unit", help="the unit sending the file (default with --account: the account's unit)")
    p.add_argument("--account", help="upload as this tracker account (password from TRACKER_PASSWORD or a prompt);"
                                     " a unit account may only upload for its own unit")
    p.add_argument("--period", help="YYYY-MM; required for files without the template's metadata (csv)")
    p.add_argument("--by", default=None, help="who is uploading, without --account (default: the login name);"
                                              " the audit log records the login name as actor")
    p.add_argument("--city", help="city name or code, when the unit name exists in several cities")
    p.add_argument("--partial", action="store_true", help="store the good rows even if some rows have problems")
    p.add_argument("--errors-out", type=Path, help="where to write the copy with an error column")
    p.add_argument("file", type=Path)


def run_template(args: argparse.Namespace) -> int:
    return inbox.run(args.db, "template", args)   # here, or in the dashboard when it holds the file


def template_command(con, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        n = make_template(con, args.unit, args.period, args.out, city=args.city)
    except (UnknownUnit, ValueError) as exc:
        print(f"错误：{exc}", file=err)
        return 2
    print(f"已生成 {args.unit} {args.period} 填报模板：{n} 行 → {args.out}", file=out)
    return 0


def run_upload(args: argparse.Namespace) -> int:
    if not args.unit and not args.account:
        print("错误：请用 --unit 指明报送单位，或用 --account 以账号身份上传", file=sys.stderr)
        return 2
    # What only this process knows is settled here: the command may run in the dashboard's
    # process (tracker.inbox), which has no terminal to ask for a password.
    args.password = (os.environ.get("TRACKER_PASSWORD") or getpass.getpass(f"{args.account} 的密码：")
                     if args.account else None)
    args.by = args.by or getpass.getuser()
    args.actor = os_actor()
    return inbox.run(args.db, "upload", args)


def upload_command(con, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    account = None
    if args.account:
        try:
            account = authenticate(con, args.account, args.password)
        except SignInFailed as exc:
            print(f"错误：{exc}", file=err)
            return 2
        if not (args.unit or account.unit_name):
            print(f"错误：账号“{account.username}”不绑定单位，请用 --unit 指明代报的单位", file=err)
            return 2
    result = upload_file(con, args.file, args.unit or account.unit_name,
                         uploaded_by=args.by, period=args.period, city=args.city,
                         partial=args.partial, account=account,
                         actor=account.username if account else args.actor)
    print(result.summary(), file=out)
    for fall in result.falls:
        print(f"  注意：{fall.message()}", file=out)
    for problem in result.problems:
        print(f"  {problem}", file=err)
    if result.problems and result.sheet is not None:
        copy = write_error_copy(args.file, result.sheet, result.problems, args.errors_out or error_copy_path(args.file))
        print(f"已生成带错误说明的文件：{copy}", file=err)
    return 0 if result.ok else 1


PROGRESS_COMMANDS = {"template": run_template, "upload": run_upload}
