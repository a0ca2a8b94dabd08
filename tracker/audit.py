"""The audit log: one record per write — who, when, what, on which object, details and file hash.

Written by every path that changes the database: uploads (accepted, unchanged and
rejected, :mod:`loaders.progress_upload`), supervisor actions (:mod:`tracker.actions`),
account changes and sign-ins (:mod:`tracker.auth`), document loads and the demo data
(:mod:`loaders.build`), and downloads of exports from the app (:mod:`tracker.unit_uploads`).

Append-only: this module issues only INSERTs, and nothing in the app edits or deletes a
record. Each record carries ``row_hash = sha256(prev_hash + record)``, chaining it to the
one before (ids are consecutive: ``max + 1`` under the primary key, so two writers that
race for an id cannot both commit). :func:`verify` recomputes the chain, so a record
changed or removed with SQL outside the app is found.

:func:`record` writes inside the caller's transaction (an upload and its audit record
commit together); :func:`record_now` is for a record that stands alone and runs its own
short transaction, retried when another writer took the same id.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tracker.db import write_transaction
from tracker.safe_cells import neutralise, set_text

GENESIS = "0" * 64

#: Every action written, with its label on the admin page.
ACTIONS = {
    "upload": "上传",
    "correction": "更正",
    "upload_unchanged": "上传（无变化）",
    "upload_rejected": "上传被拒",
    "close_out": "销号",
    "send_back": "二次交办",
    "undo": "撤销督查记录",
    "account_create": "新建账号",
    "account_create_refused": "新建账号被拒",
    "account_password": "修改密码",
    "account_disable": "停用账号",
    "account_enable": "启用账号",
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "document_load": "加载文件",
    "document_load_failed": "加载文件失败",
    "npc_facts_refresh": "按现行规则重新提取人大报告计数",
    "each_county_split": "按现行规则将“各县（市、区）”指标分解到县",
    "whole_item_targets": "无量化指标的任务按整项任务跟踪",
    "demo_seed": "生成演示数据",
    "export": "导出",
}

COLUMNS = ["audit_id", "at", "actor", "action", "action_label", "target", "details", "file_sha256"]
HEADERS = {"audit_id": "编号", "at": "时间", "actor": "操作人", "action": "操作代码", "action_label": "操作",
           "target": "对象", "details": "详情", "file_sha256": "文件SHA-256"}


def _canonical(audit_id: int, at: datetime, actor: str, action: str, target: str | None, details: str,
               file_sha256: str | None, prev_hash: str) -> str:
    return json.dumps([audit_id, at.isoformat(), actor, action, target, details, file_sha256, prev_hash],
                      ensure_ascii=False, separators=(",", ":"))


def _hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(con: duckdb.DuckDBPyConnection, actor: str, action: str, target: str | None = None,
           details: dict[str, Any] | None = None, file_sha256: str | None = None,
           at: datetime | None = None) -> int:
    """Append one record inside the caller's transaction (or autocommit); returns its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; valid: {', '.join(ACTIONS)}")
    actor = (actor or "").strip() or "unknown"
    at = at or datetime.now()
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
    last = con.execute("SELECT audit_id, row_hash FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    audit_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    row_hash = _hash(prev, _canonical(audit_id, at, actor, action, target, text, file_sha256, prev))
    con.execute(
        """INSERT INTO audit_log (audit_id, recorded_at, actor, action, target, details, file_sha256, prev_hash,
                                  row_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [audit_id, at, actor, action, target, text, file_sha256, prev, row_hash])
    return audit_id


def record_now(con: duckdb.DuckDBPyConnection, actor: str, action: str, target: str | None = None,
               details: dict[str, Any] | None = None, file_sha256: str | None = None,
               at: datetime | None = None, attempts: int = 10) -> int:
    """:func:`record` in a transaction of its own, retried if a concurrent writer took the same id."""
    return write_transaction(con, lambda c: record(c, actor, action, target, details, file_sha256, at),
                             attempts=attempts)


def file_sha256(path: Path | str) -> str | None:
    """SHA-256 of a file, read in chunks; None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------------------- reading


def entries(con: duckdb.DuckDBPyConnection, actions: tuple[str, ...] = (), actor: str | None = None,
            since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
    """Records (newest first), optionally of some actions, one actor, a time window; columns :data:`COLUMNS`."""
    frame = con.execute(
        """SELECT audit_id, recorded_at AS "at", actor, action, target, details, file_sha256 FROM audit_log
           WHERE (len(?::VARCHAR[]) = 0 OR action IN (SELECT unnest(?::VARCHAR[])))
             AND (?::VARCHAR IS NULL OR actor = ?)
             AND (?::TIMESTAMP IS NULL OR recorded_at >= ?) AND (?::TIMESTAMP IS NULL OR recorded_at < ?)
           ORDER BY audit_id DESC""",
        [list(actions), list(actions), actor, actor, since, since, until, until]).df()
    frame.insert(4, "action_label", frame["action"].map(ACTIONS).fillna(frame["action"]))
    return frame[COLUMNS]


@dataclass(frozen=True)
class ChainCheck:
    n_records: int
    broken: tuple[int, ...]     # ids whose record or link does not match

    @property
    def ok(self) -> bool:
        return not self.broken


def verify(con: duckdb.DuckDBPyConnection) -> ChainCheck:
    """Recompute every record's hash and link; a changed, removed or inserted record breaks the chain."""
    rows = con.execute("""SELECT audit_id, recorded_at, actor, action, target, details, file_sha256, prev_hash, row_hash
                          FROM audit_log ORDER BY audit_id""").fetchall()
    broken: list[int] = []
    prev, expected_id = GENESIS, 1
    for audit_id, at, actor, action, target, details, sha, prev_hash, row_hash in rows:
        canonical = _canonical(audit_id, at, actor, action, target, details, sha, prev_hash)
        if audit_id != expected_id or prev_hash != prev or _hash(prev_hash, canonical) != row_hash:
            broken.append(audit_id)
        prev, expected_id = row_hash, audit_id + 1
    return ChainCheck(len(rows), tuple(broken))


# ---------------------------------------------------------------------------- reading it as a person

#: A details key as the admin page and the exports name it, in the order they are shown (keys not listed
#: follow, as stored).
DETAIL_LABELS = {
    "display_name": "姓名", "role": "角色", "unit": "单位", "period": "报送期", "file_name": "文件",
    "outcome": "结果", "upload_id": "上传编号", "n_rows": "行数", "n_new": "新增行", "n_corrections": "更正行",
    "n_unchanged": "未变行", "replaced": "替换其他单位的数据", "n_falls": "累计值低于前期的行",
    "falls": "累计值低于前期", "n_problems": "问题数", "reset_by_admin": "管理员重置", "documents": "文件数",
    "items": "条目数", "targets": "指标数", "facts": "计数项", "tasks": "工作任务", "uploads": "上传次数",
    "reports": "进展记录", "action_id": "督查记录", "action_date": "日期", "note": "说明", "new_deadline": "新期限",
    "undoes_action_id": "撤销的记录", "evidence_name": "佐证材料", "original": "原文件", "rows": "行数",
    "scope": "范围", "error": "错误", "reason": "原因", "problems": "问题",
}
#: Stored codes among the details' values (an upload's outcome, why a sign-in failed).
DETAIL_VALUES = {
    "outcome": {"accepted": "已接收", "partial": "部分接收", "unchanged": "无变化", "rejected": "被拒"},
    "reason": {"wrong_password": "密码错误", "unknown_user": "用户名不存在", "disabled": "账号已停用",
               "locked": "连续失败已锁定", "wrong_old_password": "原密码错误"},
}
#: What a record's object is, by the prefix stored before the colon.
TARGET_LABELS = {"account": "账号", "file": "文件", "upload": "上传", "unit": "单位", "row": "事项",
                 "summary": "汇总表", "supervision": "督查清单", "briefing": "月度通报", "action": "督查记录"}
TARGET_NAMES = {"demo": "演示数据", "audit_log": "审计日志"}


def details_text(details: str | None) -> str:
    """A record's details as a line of Chinese, "文件：x.xlsx；行数：20": empty values left out, yes/no as
    是/否, codes in words, a role by its label. Text that is not a JSON object is shown as stored."""
    if details is None or (isinstance(details, float) and details != details):
        return ""
    try:
        data = json.loads(details)
    except (TypeError, ValueError):
        return str(details)
    if not isinstance(data, dict):
        return str(details)
    from tracker.auth import ROLE_LABELS   # auth writes through this module: imported when read

    order = {key: n for n, key in enumerate(DETAIL_LABELS)}
    parts = []
    for key, value in sorted(data.items(), key=lambda kv: order.get(kv[0], len(order))):
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            shown = "是" if value else "否"
        elif isinstance(value, list):
            shown = "；".join(map(str, value))
        elif key == "role":
            shown = ROLE_LABELS.get(value, value)
        else:
            shown = DETAIL_VALUES.get(key, {}).get(value, value)
        parts.append(f"{DETAIL_LABELS.get(key, key)}：{shown}")
    return "；".join(parts)


def target_text(target: str | None) -> str:
    """A record's object in words: ``account:fgw`` is 账号 fgw, ``demo`` 演示数据."""
    if target is None or (isinstance(target, float) and target != target):
        return ""
    if target in TARGET_NAMES:
        return TARGET_NAMES[target]
    kind, sep, rest = target.partition(":")
    return f"{TARGET_LABELS[kind]} {rest}" if sep and kind in TARGET_LABELS else target


#: Who wrote a record when it was no account: the loader's default, a visitor not signed in, a record without one.
ACTOR_NAMES = {"system": "系统", "anonymous": "未登录", "unknown": "未知"}
_OS = "os:"
_OS_LABEL = "服务器命令行"


def actor_text(actor: str | None) -> str:
    """An actor in words: ``system`` is 系统, ``os:root`` 服务器命令行（root）; an account's name as it is."""
    if actor is None or (isinstance(actor, float) and actor != actor):
        return ""
    if actor in ACTOR_NAMES:
        return ACTOR_NAMES[actor]
    return f"{_OS_LABEL}（{actor[len(_OS):]}）" if actor.startswith(_OS) else actor


def actor_code(text: str) -> str:
    """The stored actor for what :func:`actor_text` shows (the 操作人 filter takes either)."""
    text = text.strip()
    stored = {v: k for k, v in ACTOR_NAMES.items()}
    if text in stored:
        return stored[text]
    if text.startswith(f"{_OS_LABEL}（") and text.endswith("）"):
        return _OS + text[len(_OS_LABEL) + 1:-1]
    return text


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Records (:func:`entries`) with actor, object and details in words, as the page and the exports show them."""
    out = frame.copy()
    out["actor"] = out["actor"].map(actor_text)
    out["target"] = out["target"].map(target_text)
    out["details"] = out["details"].map(details_text)
    return out


# ---------------------------------------------------------------------------- export


def export_rows(frame: pd.DataFrame) -> list[dict]:
    """Records as dicts with Chinese headers, in the frame's order; object and details in words (:func:`readable`)."""
    out = []
    for r in readable(frame[COLUMNS]).itertuples(index=False):
        row = dict(zip(COLUMNS, r))
        row["at"] = pd.Timestamp(row["at"]).to_pydatetime().replace(microsecond=0)
        row["audit_id"] = int(row["audit_id"])
        if row["file_sha256"] is None or (isinstance(row["file_sha256"], float)):
            row["file_sha256"] = None
        out.append({HEADERS[k]: v for k, v in row.items()})
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel on Windows needs it for Chinese); text neutralised so no cell is a formula."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS.values())
    for row in export_rows(frame):
        writer.writerow(["" if v is None else neutralise(v.isoformat(sep=" ") if isinstance(v, datetime) else v)
                         for v in row.values()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """One sheet 审计日志, header frozen; every text cell written through :func:`tracker.safe_cells.set_text`."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "审计日志"
    ws.append(list(HEADERS.values()))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(export_rows(frame), start=2):
        for c, value in enumerate(row.values(), start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
    for letter, width in zip("ABCDEFGH", (8, 20, 16, 18, 14, 28, 60, 66)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
