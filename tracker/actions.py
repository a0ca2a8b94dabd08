"""What supervisors do to one reporting row: 销号 (close-out), 二次交办 (send back), 撤销 (undo).

A row is one target in one jurisdiction (:func:`tracker.reporting.row_id`, ``T12-330800``),
the same rows the units report and :func:`tracker.progress_queries.target_status` judges.

Records go to ``supervision_actions`` and are never updated or deleted (the module issues
only INSERTs). Rules:

* **销号** (``close_out``) needs an evidence note, optionally a file (kept in the database as
  bytes, name and SHA-256). From its ``action_date`` on, the row counts as 已完成.
* **二次交办** (``send_back``) needs a reason and a new deadline after the action date. The row
  is then judged against the new deadline, shows on the unit's template and on the
  supervision lists until a later close-out.
* **撤销** (``undo``) names an earlier close-out or send-back; that record then counts as if it
  had never been made, for every as-of date (an undo corrects a mistake). An undo cannot
  itself be undone (record the action again instead), and a record is undone at most once.

The state of a row on a day (:func:`row_states`) is decided by its latest close-out or
send-back with ``action_date`` on or before that day that has not been undone (ties: the
later record). Who did what comes in as ``actor``: an :class:`tracker.auth.Account`, which must
hold the supervisor role (else :class:`tracker.auth.PermissionDenied`), or a plain name from
the command line. Each record is audited (:mod:`tracker.audit`) in the same transaction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from tracker import audit
from tracker.auth import SUPERVISE, Account, actor_name
from tracker.db import commit, next_id
from tracker.reporting import row_id

CLOSE_OUT = "close_out"
SEND_BACK = "send_back"
UNDO = "undo"
KINDS = (CLOSE_OUT, SEND_BACK, UNDO)
KIND_LABELS = {CLOSE_OUT: "销号", SEND_BACK: "二次交办", UNDO: "撤销"}

#: Largest evidence file kept in the database.
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


class ActionError(ValueError):
    """An action that cannot be recorded; the message (Chinese) says why and what would do."""


@dataclass(frozen=True)
class Evidence:
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class RowState:
    """The action in force on a row: a close-out or an open send-back."""

    kind: str                 # CLOSE_OUT or SEND_BACK
    action_id: int
    action_date: date
    actor: str
    note: str
    new_deadline: date | None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


# ---------------------------------------------------------------------------- recording


def close_out(con: duckdb.DuckDBPyConnection, target_id: int, jurisdiction_code: str, actor: Account | str,
              note: str, on: date, evidence: Evidence | None = None, now: datetime | None = None) -> int:
    """Record a 销号 of the row; returns its action id."""
    _check_row(con, target_id, jurisdiction_code)
    actor, note = _required(actor_name(actor, SUPERVISE), "操作人"), _required(note, "销号依据（佐证说明）")
    state = row_states(con, on).get((target_id, jurisdiction_code))
    if state is not None and state.kind == CLOSE_OUT:
        raise ActionError(f"{row_id(target_id, jurisdiction_code)} 已于{state.action_date}由{state.actor}销号"
                          f"（记录{state.action_id}），不能重复销号；如需更正请先撤销该记录")
    if evidence is not None:
        if not evidence.name.strip():
            raise ActionError("佐证材料缺少文件名")
        if len(evidence.content) > MAX_EVIDENCE_BYTES:
            raise ActionError(f"佐证材料“{evidence.name}”超过{MAX_EVIDENCE_BYTES // (1024 * 1024)}MB，请压缩后再上传")
    return _insert(con, target_id, jurisdiction_code, CLOSE_OUT, on, actor, note, now, evidence=evidence)


def send_back(con: duckdb.DuckDBPyConnection, target_id: int, jurisdiction_code: str, actor: Account | str,
              reason: str, new_deadline: date, on: date, now: datetime | None = None) -> int:
    """Record a 二次交办 of the row with a new deadline; returns its action id."""
    _check_row(con, target_id, jurisdiction_code)
    actor, reason = _required(actor_name(actor, SUPERVISE), "操作人"), _required(reason, "交办理由")
    if not isinstance(new_deadline, date):
        raise ActionError("请填写新的完成期限")
    if new_deadline <= on:
        raise ActionError(f"新的完成期限（{new_deadline}）应晚于交办日期（{on}）")
    return _insert(con, target_id, jurisdiction_code, SEND_BACK, on, actor, reason, now, new_deadline=new_deadline)


#: What the date of each kind of record is called on the 督查 page.
_ACTION_DATES = {CLOSE_OUT: "销号日期", SEND_BACK: "交办日期", UNDO: "撤销日期"}


def undo(con: duckdb.DuckDBPyConnection, action_id: int, actor: Account | str, reason: str, on: date,
         now: datetime | None = None) -> int:
    """Record a 撤销 of an earlier close-out or send-back; returns the undo's own action id."""
    actor, reason = _required(actor_name(actor, SUPERVISE), "操作人"), _required(reason, "撤销理由")
    row = con.execute("SELECT target_id, jurisdiction_code, kind FROM supervision_actions WHERE action_id = ?",
                      [action_id]).fetchone()
    if row is None:
        raise ActionError(f"没有编号为{action_id}的督查记录")
    target_id, code, kind = row
    if kind == UNDO:
        raise ActionError(f"记录{action_id}本身是撤销记录，不能再撤销；如需恢复请重新销号或交办")
    earlier = con.execute("SELECT action_id FROM supervision_actions WHERE kind = ? AND undoes_action_id = ?",
                          [UNDO, action_id]).fetchone()
    if earlier is not None:
        raise ActionError(f"记录{action_id}已被记录{earlier[0]}撤销")
    return _insert(con, target_id, code, UNDO, on, actor, reason, now, undoes=action_id)


def _insert(con, target_id: int, code: str, kind: str, on: date, actor: str, note: str, now: datetime | None,
            new_deadline: date | None = None, undoes: int | None = None, evidence: Evidence | None = None) -> int:
    if not isinstance(on, date):
        raise ActionError("请填写操作日期")
    today = (now or datetime.now()).date()
    if on > today:   # a record says what was done: not what will be
        raise ActionError(f"{_ACTION_DATES[kind]}（{on}）不能晚于今天（{today}）")
    con.execute("BEGIN TRANSACTION")
    try:
        action_id = next_id(con, "supervision_actions", "action_id")
        con.execute(
            """INSERT INTO supervision_actions (action_id, target_id, jurisdiction_code, kind, action_date, actor,
                   note, new_deadline, undoes_action_id, evidence_name, evidence_sha256, evidence, recorded_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [action_id, target_id, code, kind, on, actor, note, new_deadline, undoes,
             evidence.name if evidence else None, evidence.sha256 if evidence else None,
             evidence.content if evidence else None, (now or datetime.now()).replace(microsecond=0)],
        )
        audit.record(con, actor, kind, f"row:{row_id(target_id, code)}",
                     {"action_id": action_id, "action_date": on, "note": note, "new_deadline": new_deadline,
                      "undoes_action_id": undoes, "evidence_name": evidence.name if evidence else None},
                     evidence.sha256 if evidence else None)
        commit(con)
    except Exception:
        con.execute("ROLLBACK")
        raise
    return action_id


def _required(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ActionError(f"请填写{what}")
    return text


def _check_row(con, target_id: int, code: str) -> None:
    """The row must be one the tracker judges: the target's whole-city row or one of its jurisdictions."""
    found = con.execute(
        """SELECT d.city_code,
                  EXISTS (SELECT 1 FROM target_allocations a WHERE a.target_id = t.target_id
                          AND a.jurisdiction_code = ?) OR EXISTS (
                      SELECT 1 FROM assignments s JOIN organisations o USING (org_id)
                      WHERE s.item_id = t.item_id AND o.jurisdiction_code = ?)
           FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id
           WHERE t.target_id = ?""", [code, code, target_id]).fetchone()
    if found is None:
        raise ActionError(f"没有编号为{target_id}的指标")
    city, local = found
    if code != city and not local:
        raise ActionError(f"指标{target_id}没有“{code}”这一行：可选全市（{city}）或承担该指标的县（市、区）")


# ---------------------------------------------------------------------------- reading


def row_states(con: duckdb.DuckDBPyConnection, on: date) -> dict[tuple[int, str], RowState]:
    """(target_id, jurisdiction_code) → the close-out or send-back in force on ``on``."""
    try:
        rows = con.execute(
            """SELECT target_id, jurisdiction_code, kind, action_id, action_date, actor, note, new_deadline
               FROM supervision_actions a
               WHERE kind IN (?, ?) AND action_date <= ?
                 AND action_id NOT IN (SELECT undoes_action_id FROM supervision_actions
                                       WHERE kind = ? AND undoes_action_id IS NOT NULL)
               QUALIFY row_number() OVER (PARTITION BY target_id, jurisdiction_code
                                          ORDER BY action_date DESC, action_id DESC) = 1""",
            [CLOSE_OUT, SEND_BACK, on, UNDO]).fetchall()
    except duckdb.CatalogException:  # a database file from before issue 7, opened read-only
        return {}
    names = _display_names(con, {r[5] for r in rows})
    return {(r[0], r[1]): RowState(r[2], r[3], r[4], names.get(r[5], r[5]), r[6], r[7]) for r in rows}


def _display_names(con: duckdb.DuckDBPyConnection, usernames: set[str]) -> dict[str, str]:
    """Account name → its display name (督查员甲 rather than ducha1 in the notes lists print); an actor that
    is no account (the command line's os:<login>, a name typed before accounts) stays as recorded."""
    if not usernames:
        return {}
    try:
        return dict(con.execute("SELECT username, display_name FROM accounts WHERE list_contains(?, username)",
                                [sorted(usernames)]).fetchall())
    except duckdb.CatalogException:   # no accounts table (a database from before them, opened read-only)
        return {}


HISTORY_COLUMNS = ["action_id", "row_id", "target_id", "jurisdiction_code", "kind", "操作", "action_date", "actor",
                   "note", "new_deadline", "undoes_action_id", "undone_by", "evidence_name", "evidence_sha256",
                   "recorded_at"]


def history(con: duckdb.DuckDBPyConnection, target_id: int | None = None,
            jurisdiction_code: str | None = None) -> pd.DataFrame:
    """Every record (of one row, if given), oldest first, with who undid it (``undone_by``)."""
    frame = con.execute(
        """SELECT a.action_id, a.target_id, a.jurisdiction_code, a.kind, a.action_date, a.actor, a.note,
                  a.new_deadline, a.undoes_action_id,
                  (SELECT min(u.action_id) FROM supervision_actions u
                   WHERE u.kind = 'undo' AND u.undoes_action_id = a.action_id) AS undone_by,
                  a.evidence_name, a.evidence_sha256, a.recorded_at
           FROM supervision_actions a
           WHERE (? IS NULL OR a.target_id = ?) AND (? IS NULL OR a.jurisdiction_code = ?)
           ORDER BY a.action_id""",
        [target_id, target_id, jurisdiction_code, jurisdiction_code]).df()
    frame.insert(1, "row_id", [row_id(t, c) for t, c in zip(frame["target_id"], frame["jurisdiction_code"])])
    frame.insert(5, "操作", frame["kind"].map(KIND_LABELS))
    return frame[HISTORY_COLUMNS]


def evidence_file(con: duckdb.DuckDBPyConnection, action_id: int) -> Evidence | None:
    """The evidence file of a close-out, as stored (None when it had none)."""
    row = con.execute("SELECT evidence_name, evidence FROM supervision_actions WHERE action_id = ?",
                      [action_id]).fetchone()
    if row is None or row[1] is None:
        return None
    return Evidence(row[0], bytes(row[1]))


def actions_between(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[str, int]:
    """Items (target and place) closed out, sent back or undone in ``first``..``last`` and still in force
    (for the briefing): an item sent back twice in the month counts once."""
    counts = dict(con.execute(
        """SELECT kind, count(DISTINCT (target_id, jurisdiction_code)) FROM supervision_actions
           WHERE action_date BETWEEN ? AND ?
             AND action_id NOT IN (SELECT undoes_action_id FROM supervision_actions WHERE kind = 'undo')
           GROUP BY kind""", [first, last]).fetchall())
    return {k: int(counts.get(k, 0)) for k in KINDS}
