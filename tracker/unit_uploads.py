"""What the 数据填报 page does for a signed-in account: its units, its template, its uploads
and their history, and (for roles that may export) the month's summary.

Every function takes the account and checks it (:mod:`tracker.auth`) before doing anything,
so the page only decides what to show. Files go through a private temporary folder; the
upload itself is :func:`loaders.progress_upload.upload_file` with ``account=``, which refuses
another unit's upload and audits every attempt.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from loaders.progress_template import make_template
from loaders.progress_upload import UploadResult, upload_file
from loaders.sheet_reader import SUFFIXES, error_copy_path, write_error_copy
from tracker import audit
from tracker.auth import (
    ADMIN, EXPORT, TEMPLATE, UPLOAD, Account, PermissionDenied, has, require, require_unit,
)
from tracker.reporting import Unit, reporting_units, resolve_unit

OUTCOME_LABELS = {"accepted": "已接收", "partial": "部分接收", "rejected": "未接收", "unchanged": "无变化"}


def units_for(con: duckdb.DuckDBPyConnection, account: Account | None) -> list[str]:
    """The units ``account`` may report for: its own, or every reporting unit for an administrator."""
    require(account, TEMPLATE)
    if account.role == ADMIN:
        return [u.name for u in reporting_units(con)]
    return [account.unit_name] if account.unit_name else []


def unit_of(con: duckdb.DuckDBPyConnection, account: Account | None, unit_name: str,
            permission: str = TEMPLATE) -> Unit:
    unit = resolve_unit(con, unit_name)
    require_unit(account, unit, permission)
    return unit


def template_bytes(con: duckdb.DuckDBPyConnection, account: Account | None, unit_name: str, period: str,
                   now: datetime | None = None) -> tuple[str, bytes, int]:
    """(file name, xlsx bytes, number of rows) of ``unit_name``'s template for ``period``."""
    unit = unit_of(con, account, unit_name)
    name = f"{unit.name}_{period}_进展填报.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "template.xlsx"
        n = make_template(con, unit.name, period, out, now=now)
        return name, out.read_bytes(), n


@dataclass
class PageUpload:
    """An upload's result with what the page offers back: the copy with an error column."""

    result: UploadResult
    error_copy_name: str | None = None
    error_copy: bytes | None = None


def upload_bytes(con: duckdb.DuckDBPyConnection, account: Account | None, file_name: str, data: bytes,
                 unit_name: str, period: str | None = None, partial: bool = False,
                 now: datetime | None = None) -> PageUpload:
    """Store an uploaded file for ``unit_name`` as ``account``.

    Without the upload permission (nobody signed in, a leadership account …) raises
    :class:`tracker.auth.PermissionDenied` after recording the refused attempt; a unit
    account naming another unit gets a rejected result (audited by the upload itself).
    """
    safe_name = Path(file_name or "upload").name or "upload"
    if not has(account, UPLOAD):
        try:
            require(account, UPLOAD)
        except PermissionDenied as exc:
            audit.record_now(con, account.username if account else "anonymous", "upload_rejected",
                             f"unit:{unit_name}", {"unit": unit_name, "file_name": safe_name, "reason": str(exc)},
                             _sha(data), at=now)
            raise
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_name
        path.write_bytes(data)
        result = upload_file(con, path, unit_name, uploaded_by=account.username, period=period,
                             partial=partial, now=now, account=account)
        page = PageUpload(result)
        if result.problems and result.sheet is not None and path.suffix.lower() in SUFFIXES:
            out = Path(tmp) / "errors" / error_copy_path(path).name
            copy = write_error_copy(path, result.sheet, result.problems, out)
            page.error_copy_name, page.error_copy = copy.name, copy.read_bytes()
        result.sheet = None  # not kept in the session
    return page


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


HISTORY_COLUMNS = ["upload_id", "period", "file_name", "uploaded_by", "uploaded_at", "结果", "n_rows", "n_accepted",
                   "n_rejected", "数据类型", "原文件", "message"]


def history(con: duckdb.DuckDBPyConnection, account: Account | None, unit_name: str) -> pd.DataFrame:
    """The unit's uploads, newest first (only files that changed something or were stored in part)."""
    unit = unit_of(con, account, unit_name)
    frame = con.execute(
        """SELECT upload_id, period, file_name, uploaded_by, uploaded_at, outcome, n_rows, n_accepted, n_rejected,
                  is_demo, message,
                  file_sha256 IN (SELECT file_sha256 FROM upload_files) AS kept
           FROM uploads WHERE unit_name = ? ORDER BY uploaded_at DESC, upload_id DESC""", [unit.name]).df()
    frame["结果"] = frame["outcome"].map(OUTCOME_LABELS).fillna(frame["outcome"])
    frame["数据类型"] = frame["is_demo"].map({True: "演示数据", False: "正式报送"})
    frame["原文件"] = frame["kept"].map({True: "已保存", False: "无"})
    return frame[HISTORY_COLUMNS]


def original_file(con: duckdb.DuckDBPyConnection, account: Account | None, unit_name: str,
                  upload_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of the file ``unit_name`` uploaded as ``upload_id``, byte for byte as stored
    (the source of its reports: each keeps its row). Raises ValueError with a Chinese message for an
    upload of another unit or one without a kept file (demo data, uploads before the files were kept).
    The download is audited."""
    unit = unit_of(con, account, unit_name)
    row = con.execute(
        """SELECT u.file_name, u.file_sha256, f.content FROM uploads u LEFT JOIN upload_files f USING (file_sha256)
           WHERE u.upload_id = ? AND u.unit_name = ?""", [upload_id, unit.name]).fetchone()
    if row is None:
        raise ValueError(f"“{unit.name}”没有编号为{upload_id}的上传记录")
    name, sha, content = row
    if content is None:
        raise ValueError(f"第{upload_id}次上传没有保存原文件（演示数据，或本系统开始保存原文件之前的上传）")
    audit.record_now(con, account.username, "export", f"upload:{upload_id}",
                     {"unit": unit.name, "file_name": name, "original": True}, sha)
    return name, bytes(content)


def attempts(con: duckdb.DuckDBPyConnection, account: Account | None, unit_name: str) -> pd.DataFrame:
    """Every upload attempt for the unit from the audit log (refused ones too), newest first."""
    unit = unit_of(con, account, unit_name)
    frame = audit.entries(con, ("upload", "correction", "upload_unchanged", "upload_rejected"))
    unit_of_row = frame["details"].map(lambda d: _json(d).get("unit"))
    return frame[unit_of_row == unit.name][["at", "actor", "action_label", "details"]].reset_index(drop=True)


def _json(text: str) -> dict:
    import json

    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {}


def summary_bytes(con: duckdb.DuckDBPyConnection, account: Account | None, period: str,
                  suffix: str = ".xlsx") -> tuple[str, bytes, int]:
    """The month's 汇总表 (export permission: leadership, supervisor, admin); the export is audited."""
    from tracker.progress_summary import export_summary
    from tracker.settings import configured_settings

    require(account, EXPORT)
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"不支持的格式“{suffix}”，可选 .xlsx 或 .csv")
    name = f"进展汇总表_{period}{suffix}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        n = export_summary(con, period, out, configured_settings())
        data = out.read_bytes()
    audit.record_now(con, account.username, "export", f"summary:{period}", {"file_name": name, "rows": n},
                     _sha(data))
    return name, data, n


def record_download(account: Account | None, target: str, file_name: str, data: bytes, **details) -> None:
    """The audit record of a file a page offered and the user downloaded (督查清单, 未报送单位, 月度通报, a
    销号's evidence): ``on_click`` of its download button, on the app's connection."""
    from tracker.app_db import get_connection

    audit.record_now(get_connection(), account.username if account else "anonymous", "export", target,
                     {"file_name": file_name, **details}, _sha(data))


def audit_export(con: duckdb.DuckDBPyConnection, account: Account | None, frame: pd.DataFrame,
                 suffix: str = ".xlsx") -> tuple[str, bytes]:
    """The audit log (as filtered on the admin page) as xlsx or csv; the export itself is audited."""
    from tracker.auth import VIEW_AUDIT

    require(account, VIEW_AUDIT)
    require(account, EXPORT)
    data = audit.xlsx_bytes(frame) if suffix == ".xlsx" else audit.csv_bytes(frame)
    name = f"审计日志_{datetime.now():%Y%m%d_%H%M%S}{suffix}"
    audit.record_now(con, account.username, "export", "audit_log", {"file_name": name, "rows": len(frame)},
                     _sha(data))
    return name, data
