"""Command line: ``python -m loaders extract FILE`` | ``build --db PATH`` | ``template`` | ``upload``."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import duckdb

from loaders.build import build, load_summary
from loaders.extract import ExtractionError, extract_file, to_json
from loaders.organisations import Directory
from loaders.progress_cli import PROGRESS_COMMANDS, add_progress_commands
from tracker.auth import os_actor
from tracker.db import DATA_DIR, DEFAULT_DB, is_lock_error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="Load plans into the tracker.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_extract = sub.add_parser("extract", help="print what a source file holds, as JSON")
    p_extract.add_argument("file", type=Path)
    p_extract.add_argument("--reference", type=Path, default=DATA_DIR / "reference",
                           help="folder with jurisdictions.csv and organisations.csv")
    p_build = sub.add_parser("build", help="build the database from everything under data/")
    p_build.add_argument("--db", type=Path, default=DEFAULT_DB)
    p_build.add_argument("--data", type=Path, default=DATA_DIR)
    p_build.add_argument("--no-demo", action="store_true", help="do not add the demo progress (演示数据)")
    add_progress_commands(sub)
    args = parser.parse_args(argv)
    if args.command in PROGRESS_COMMANDS:
        return PROGRESS_COMMANDS[args.command](args)

    if args.command == "extract":
        if not args.file.is_file():
            print(f"错误：找不到文件 {args.file}", file=sys.stderr)
            return 2
        try:
            extracted = extract_file(args.file, Directory.from_reference(args.reference))
        except ExtractionError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        json.dump(to_json(extracted), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0

    # each refused file is printed once below, in Chinese (without a handler, Python's last-resort logging
    # printed the builder's English "not loaded: …" line before it)
    logging.getLogger("loaders.build").addHandler(logging.NullHandler())
    try:
        report = build(args.db, args.data, demo=not args.no_demo, actor=os_actor())
    except duckdb.Error as exc:
        if not is_lock_error(exc):
            raise
        print(f"错误：数据库“{args.db}”正被其他程序（如看板）使用：请先停止它再加载", file=sys.stderr)
        return 1
    for notice in report.notices:
        print(f"注意：{notice}")
    for r in report.loaded:
        print(f"{r.file_name}: {load_summary(r)}")
    if report.demo is not None and not report.demo.skipped:
        print(f"演示数据：{report.demo.uploads} 次上传，{report.demo.reports} 条进展记录")
    for error in report.errors:
        print(f"错误：{error}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
