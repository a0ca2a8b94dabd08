"""Accounts, roles and permissions. Passwords are hashed with argon2id (argon2-cffi) and never
stored, logged or put in the audit log in clear.

Roles (what each may do, :data:`ROLE_PERMISSIONS`):

* ``leadership`` 市领导 — read everything, export.
* ``department`` 部门 and ``county`` 县（市、区）政府 — unit-bound accounts linked to one
  ``organisations`` row: read everything, download their own template, upload their own rows.
* ``supervisor`` 督查 — read everything, export, 销号 / 二次交办 / 撤销.
* ``admin`` 系统管理员 — accounts, the audit log, loading documents, export, and uploads
  on behalf of any unit (代报; recorded under the admin's name).

Exports (summaries, lists, the audit log) need ``leadership``, ``supervisor`` or ``admin``:
a unit sees everything on screen but takes away only its own template and error copies.

Checks are functions the domain calls (:func:`require`, :func:`can_upload`,
:func:`upload_refusal`, :func:`actor_name`) and raise :class:`PermissionDenied` with a
Chinese message; the pages only hide what a role cannot do. Callers from the command line
pass a plain name (``os:<login>``): whoever can run commands on the server holds the
database file anyway, so the command line acts as the operator and is audited as such.

First run: :func:`ensure_admin` creates ``admin`` with the password from the environment
variable ``TRACKER_ADMIN_PASSWORD``, or a generated one printed once to stderr.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import sys
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tracker import audit
from tracker.db import write_transaction
from tracker.reporting import LOCAL_KINDS, Unit, UnknownUnit, resolve_unit

LEADERSHIP, DEPARTMENT, COUNTY, SUPERVISOR, ADMIN = "leadership", "department", "county", "supervisor", "admin"
ROLES = (LEADERSHIP, DEPARTMENT, COUNTY, SUPERVISOR, ADMIN)
ROLE_LABELS = {LEADERSHIP: "市领导", DEPARTMENT: "部门", COUNTY: "县（市、区）政府", SUPERVISOR: "督查",
               ADMIN: "系统管理员"}
UNIT_ROLES = (DEPARTMENT, COUNTY)

VIEW, TEMPLATE, UPLOAD, EXPORT, SUPERVISE, MANAGE_ACCOUNTS, VIEW_AUDIT, LOAD_DOCUMENTS = (
    "view", "template", "upload", "export", "supervise", "manage_accounts", "view_audit", "load_documents")
PERMISSION_LABELS = {VIEW: "查看", TEMPLATE: "下载填报模板", UPLOAD: "上传报送数据", EXPORT: "导出",
                     SUPERVISE: "督查操作（销号、二次交办、撤销）", MANAGE_ACCOUNTS: "管理账号",
                     VIEW_AUDIT: "查看审计日志", LOAD_DOCUMENTS: "加载文件"}
ROLE_PERMISSIONS = {
    LEADERSHIP: frozenset({VIEW, EXPORT}),
    DEPARTMENT: frozenset({VIEW, TEMPLATE, UPLOAD}),
    COUNTY: frozenset({VIEW, TEMPLATE, UPLOAD}),
    SUPERVISOR: frozenset({VIEW, EXPORT, SUPERVISE}),
    ADMIN: frozenset({VIEW, TEMPLATE, UPLOAD, EXPORT, MANAGE_ACCOUNTS, VIEW_AUDIT, LOAD_DOCUMENTS}),
}

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_ENV = "TRACKER_ADMIN_PASSWORD"
MIN_PASSWORD, MAX_PASSWORD = 8, 128
#: A display name shows beside 已登录 in the sidebar and in lists: a name or a unit's short name.
MAX_DISPLAY_NAME = 40
#: Sign-in is refused for LOCKOUT after MAX_FAILURES failed attempts within LOCKOUT.
MAX_FAILURES, LOCKOUT = 5, timedelta(minutes=15)
#: Letters and digits of ASCII, Chinese characters, . _ - (after NFKC: full-width forms are folded). Other
#: scripts are refused: a Cyrillic "аdmin" would show as "admin" beside the real one.
_USERNAME = re.compile(r"[A-Za-z0-9\u4e00-\u9fff.\-_]{2,32}")
#: Passwords too common to allow, whatever their length (compared in lower case).
_COMMON_PASSWORDS = frozenset({"password", "password1", "password123", "qwertyui", "qwerty123", "admin123",
                               "admin1234", "abc12345", "abcd1234", "1qaz2wsx", "iloveyou", "a1234567"})

#: The hasher (argon2id, the library's defaults). Tests swap in a cheap one for speed.
HASHER = PasswordHasher()


class PermissionDenied(Exception):
    """An account (or nobody) tried something its role does not allow; the message is Chinese."""


class AccountError(ValueError):
    """An account change that cannot be made (bad name, weak password, unknown unit …)."""


class SignInFailed(ValueError):
    """Wrong name or password, a disabled account, or too many failures."""


@dataclass(frozen=True)
class Account:
    """A signed-in account as the app and the domain see it (the hash is never loaded into it)."""

    username: str
    display_name: str
    role: str
    org_id: int | None = None
    unit_name: str | None = None
    active: bool = True
    # when the account's password (or state) last changed: a session signed in before that ends (refresh)
    changed_at: datetime | None = None

    @property
    def label(self) -> str:
        unit = f"·{self.unit_name}" if self.unit_name else ""
        return f"{self.display_name}（{ROLE_LABELS.get(self.role, self.role)}{unit}）"


# ---------------------------------------------------------------------------- permissions


def has(account: Account | None, permission: str) -> bool:
    return account is not None and account.active and permission in ROLE_PERMISSIONS.get(account.role, ())


def roles_with(permission: str) -> list[str]:
    return [r for r in ROLES if permission in ROLE_PERMISSIONS[r]]


def require(account: Account | None, permission: str) -> Account:
    """The account itself when its role allows ``permission``; else :class:`PermissionDenied`."""
    if has(account, permission):
        return account
    what = PERMISSION_LABELS.get(permission, permission)
    who = "、".join(ROLE_LABELS[r] for r in roles_with(permission))
    if account is None:
        raise PermissionDenied(f"请先登录：“{what}”需要{who}账号")
    if not account.active:
        raise PermissionDenied(f"账号“{account.username}”已停用，不能{what}")
    raise PermissionDenied(f"账号“{account.username}”（{ROLE_LABELS.get(account.role, account.role)}）"
                           f"没有“{what}”权限：需要{who}账号")


def can_upload(account: Account | None, unit: Unit) -> bool:
    """Whether ``account`` may upload (or download the template) for ``unit``."""
    return upload_refusal(account, unit) is None


def upload_refusal(account: Account | None, unit: Unit, permission: str = UPLOAD) -> str | None:
    """Why ``account`` may not upload for ``unit`` (Chinese), or None when it may."""
    try:
        require(account, permission)
    except PermissionDenied as exc:
        return str(exc)
    if account.role == ADMIN:
        return None
    if account.org_id != unit.org_id:
        verb = _VERBS.get(permission, PERMISSION_LABELS.get(permission, permission))
        return f"账号“{account.username}”只能{verb}“{account.unit_name}”的数据，不能{verb}“{unit.name}”的数据"
    return None


_VERBS = {UPLOAD: "上传", TEMPLATE: "下载或查看"}


def require_unit(account: Account | None, unit: Unit, permission: str = UPLOAD) -> Account:
    refusal = upload_refusal(account, unit, permission)
    if refusal:
        raise PermissionDenied(refusal)
    return account


def actor_name(actor: Account | str | None, permission: str) -> str:
    """The name to record for a write: an account must hold ``permission``; a plain name is the
    command line or a trusted caller (see the module docstring)."""
    if isinstance(actor, Account):
        return require(actor, permission).username
    if actor is None:
        require(None, permission)
    return actor


def os_actor() -> str:
    """``os:<login>``: the operating-system user running a command."""
    import getpass

    try:
        return f"os:{getpass.getuser()}"
    except Exception:  # no login name (some containers)
        return "os:unknown"


# ---------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    check_password(password)
    return HASHER.hash(password)


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少{MIN_PASSWORD}个字符")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码不超过{MAX_PASSWORD}个字符")
    if password.strip() != password:
        raise AccountError("密码首尾不能是空格")
    if password.isdigit() or len(set(password)) <= 2 or password.lower() in _COMMON_PASSWORDS:
        raise AccountError("密码过于简单：请勿使用纯数字、重复字符或常见密码")


def generate_password() -> str:
    return secrets.token_urlsafe(12)


_DUMMY_HASH: str | None = None


def _verify(stored: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (a dummy hash stands in)."""
    global _DUMMY_HASH
    if stored is None:
        _DUMMY_HASH = _DUMMY_HASH or HASHER.hash(secrets.token_hex(8))
        stored = _DUMMY_HASH
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------- accounts

_SELECT = """SELECT a.username, a.display_name, a.role, a.org_id, o.name, a.active, a.changed_at
             FROM accounts a LEFT JOIN organisations o USING (org_id)"""


def get_account(con: duckdb.DuckDBPyConnection, username: str) -> Account | None:
    row = con.execute(f"{_SELECT} WHERE a.username = ?", [username]).fetchone()
    return Account(*row) if row else None


def refresh(con: duckdb.DuckDBPyConnection, account: Account | None) -> Account | None:
    """The account as stored now: a session re-reads it every run. None if it was disabled or removed, or
    its password was changed or reset since the session signed in (a reset is for a password that got out:
    every session on it ends; the session that changed its own password takes the new state)."""
    if account is None:
        return None
    current = get_account(con, account.username)
    if current is None or not current.active or current.changed_at != account.changed_at:
        return None
    return current


def list_accounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every account (never the hash), by name."""
    frame = con.execute(
        """SELECT a.username, a.display_name, a.role, o.name AS unit_name, a.active, a.created_at, a.created_by,
                  a.changed_at
           FROM accounts a LEFT JOIN organisations o USING (org_id) ORDER BY a.username""").df()
    frame.insert(3, "role_label", frame["role"].map(ROLE_LABELS))
    return frame


def normalized_username(username: str | None) -> str:
    """A user name as stored and looked up: full-width forms folded (ａｄｍｉｎ is admin), spaces trimmed."""
    return unicodedata.normalize("NFKC", username or "").strip()


def create_account(con: duckdb.DuckDBPyConnection, actor: Account | str, username: str, display_name: str,
                   role: str, password: str, unit: str | None = None, now: datetime | None = None) -> Account:
    """Add an account; ``unit`` (an organisation name) is required for department and county roles.

    A refusal (no permission, a bad or taken name, a weak password, a wrong unit) raises as before after
    writing ``account_create_refused`` with what was asked and why (never the password)."""
    try:
        return _create_account(con, actor, username, display_name, role, password, unit, now)
    except (AccountError, PermissionDenied) as exc:
        by = actor.username if isinstance(actor, Account) else (actor or "anonymous")
        name = normalized_username(username)
        audit.record_now(con, by, "account_create_refused", f"account:{name}",
                         {"display_name": (display_name or "").strip() or None, "role": role, "unit": unit or None,
                          "reason": str(exc)}, at=now)
        raise


def _create_account(con, actor: Account | str, username: str, display_name: str, role: str, password: str,
                    unit: str | None, now: datetime | None) -> Account:
    by = actor_name(actor, MANAGE_ACCOUNTS)
    username = normalized_username(username)
    display_name = (display_name or "").strip() or username
    if not _USERNAME.fullmatch(username):
        raise AccountError("用户名应为2—32个字母、数字、汉字或 . _ -")
    if len(display_name) > MAX_DISPLAY_NAME:
        raise AccountError(f"姓名或单位简称不超过{MAX_DISPLAY_NAME}个字")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”无效，应为：" + "、".join(f"{r}（{ROLE_LABELS[r]}）" for r in ROLES))
    org_id = _unit_for_role(con, role, unit)
    _not_the_name(username, password)
    pw_hash = hash_password(password)
    now = now or datetime.now()

    def work(c) -> None:
        if c.execute("SELECT 1 FROM accounts WHERE lower(username) = lower(?)", [username]).fetchone():
            raise AccountError(f"用户名“{username}”已存在")
        c.execute("""INSERT INTO accounts (username, display_name, role, org_id, password_hash, active,
                         created_at, created_by) VALUES (?, ?, ?, ?, ?, true, ?, ?)""",
                  [username, display_name, role, org_id, pw_hash, now, by])
        audit.record(c, by, "account_create", f"account:{username}",
                     {"display_name": display_name, "role": role, "unit": unit if org_id else None}, at=now)

    write_transaction(con, work)
    return get_account(con, username)


def _unit_for_role(con, role: str, unit: str | None) -> int | None:
    if role not in UNIT_ROLES:
        if unit:
            raise AccountError(f"{ROLE_LABELS[role]}账号不绑定单位（只有部门和县（市、区）政府账号绑定单位）")
        return None
    if not unit:
        raise AccountError(f"{ROLE_LABELS[role]}账号必须绑定一个单位")
    try:
        found = resolve_unit(con, unit)
    except UnknownUnit as exc:
        raise AccountError(str(exc)) from None
    local = found.kind in LOCAL_KINDS and found.jurisdiction_code is not None
    if role == COUNTY and not local:
        raise AccountError(f"“{found.name}”不是县（市、区）政府或管委会，请选择“部门”角色")
    if role == DEPARTMENT and local:
        raise AccountError(f"“{found.name}”是县（市、区）政府或管委会，请选择“县（市、区）政府”角色")
    return found.org_id


def set_password(con: duckdb.DuckDBPyConnection, actor: Account | str, username: str, new_password: str,
                 now: datetime | None = None) -> None:
    """An administrator (or the command line) sets someone's password (重置密码)."""
    by = actor_name(actor, MANAGE_ACCOUNTS)
    _store_password(con, by, username, new_password, now, reset=True)


def change_own_password(con: duckdb.DuckDBPyConnection, account: Account, old_password: str,
                        new_password: str, now: datetime | None = None) -> None:
    """A signed-in account changes its own password; the old one must be right."""
    if account is None:
        raise PermissionDenied("请先登录")
    now = now or datetime.now()
    target = f"account:{account.username}"
    if _recent_failures(con, account.username, now) >= MAX_FAILURES:
        raise AccountError(_locked_message())
    row = con.execute("SELECT password_hash FROM accounts WHERE username = ? AND active", [account.username]).fetchone()
    if row is None or not _verify(row[0], old_password or ""):
        # a wrong old password counts as a failed sign-in: the same limit, the same record
        audit.record_now(con, account.username, "sign_in_failed", target, {"reason": "wrong_old_password"}, at=now)
        raise AccountError("原密码不正确")
    if new_password == old_password:
        raise AccountError("新密码不能与原密码相同")
    _store_password(con, account.username, account.username, new_password, now, reset=False)


def _not_the_name(username: str, password: str) -> None:
    if isinstance(password, str) and password.strip().lower() == username.lower():
        raise AccountError("密码不能与用户名相同")


def _store_password(con, by: str, username: str, new_password: str, now: datetime | None, reset: bool) -> None:
    _not_the_name(username, new_password)
    pw_hash = hash_password(new_password)
    now = now or datetime.now()

    def work(c) -> None:
        if not c.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchone():
            raise AccountError(f"没有账号“{username}”")
        c.execute("UPDATE accounts SET password_hash = ?, changed_at = ? WHERE username = ?", [pw_hash, now, username])
        audit.record(c, by, "account_password", f"account:{username}", {"reset_by_admin": reset}, at=now)

    write_transaction(con, work)


def disable_account(con: duckdb.DuckDBPyConnection, actor: Account | str, username: str,
                    now: datetime | None = None) -> None:
    """Stop an account from signing in (its records stay). The last active administrator stays."""
    by = actor_name(actor, MANAGE_ACCOUNTS)
    if isinstance(actor, Account) and actor.username == username:
        raise AccountError("不能停用自己正在使用的账号")
    _set_active(con, by, username, False, now)


def enable_account(con: duckdb.DuckDBPyConnection, actor: Account | str, username: str,
                   now: datetime | None = None) -> None:
    _set_active(con, actor_name(actor, MANAGE_ACCOUNTS), username, True, now)


def _set_active(con, by: str, username: str, active: bool, now: datetime | None) -> None:
    now = now or datetime.now()

    def work(c) -> None:
        row = c.execute("SELECT role, active FROM accounts WHERE username = ?", [username]).fetchone()
        if row is None:
            raise AccountError(f"没有账号“{username}”")
        if row[1] == active:
            raise AccountError(f"账号“{username}”已经是{'启用' if active else '停用'}状态")
        if not active and row[0] == ADMIN and c.execute(
                "SELECT count(*) FROM accounts WHERE role = ? AND active", [ADMIN]).fetchone()[0] <= 1:
            raise AccountError("这是最后一个启用的系统管理员账号，不能停用")
        c.execute("UPDATE accounts SET active = ?, changed_at = ? WHERE username = ?", [active, now, username])
        audit.record(c, by, "account_enable" if active else "account_disable", f"account:{username}", {}, at=now)

    write_transaction(con, work)


# ---------------------------------------------------------------------------- signing in


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str,
                 now: datetime | None = None) -> Account:
    """The account when name and password match an active account; else :class:`SignInFailed`.

    Every attempt is audited (``sign_in`` / ``sign_in_failed``, never with the password);
    after :data:`MAX_FAILURES` failures within :data:`LOCKOUT` the account is refused until it passes.
    """
    now = now or datetime.now()
    username = normalized_username(username)
    row = con.execute("SELECT password_hash, active FROM accounts WHERE username = ?", [username]).fetchone()
    failures = _recent_failures(con, username, now)
    if failures >= MAX_FAILURES:   # recorded, but not counted: tries during the lock do not make it longer
        audit.record_now(con, username or "anonymous", "sign_in_failed", f"account:{username}",
                         {"reason": LOCKED}, at=now)
        raise SignInFailed(_locked_message())
    ok = _verify(row[0] if row else None, password or "")
    if not ok or not row[1]:
        reason = "wrong_password" if row else "unknown_user"
        if ok and not row[1]:
            reason = "disabled"
        audit.record_now(con, username or "anonymous", "sign_in_failed", f"account:{username}", {"reason": reason},
                         at=now)
        raise SignInFailed("账号已停用，请联系系统管理员" if reason == "disabled" else "用户名或密码错误")
    if HASHER.check_needs_rehash(row[0]):
        con.execute("UPDATE accounts SET password_hash = ? WHERE username = ?", [HASHER.hash(password), username])
    audit.record_now(con, username, "sign_in", f"account:{username}", {}, at=now)
    return get_account(con, username)


#: The reason recorded for an attempt refused while the account is locked (not counted as a failure).
LOCKED = "locked"


# ---------------------------------------------------------------------------- staying signed in

#: How long a sign-in lasts in a browser, across reloads and new tabs, unless 退出登录 ends it first: a
#: working day. A session open longer is signed out at its next click after that.
SIGN_IN_LASTS = timedelta(hours=12)
#: Ended or expired tokens are deleted this long after they expire (the sign-in itself is in the audit log).
_TOKENS_KEPT = timedelta(days=1)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(con: duckdb.DuckDBPyConnection, account: Account, now: datetime | None = None) -> str:
    """A new random token for ``account`` (signed in just now), lasting :data:`SIGN_IN_LASTS`. Only its
    SHA-256 is stored: the token itself goes to the browser (a cookie) and nowhere else."""
    now = now or datetime.now()
    token = secrets.token_urlsafe(32)

    def work(c) -> None:
        c.execute("DELETE FROM sign_in_tokens WHERE expires_at < ?", [now - _TOKENS_KEPT])
        c.execute("INSERT INTO sign_in_tokens (token_sha256, username, account_changed_at, issued_at, expires_at) "
                  "VALUES (?, ?, ?, ?, ?)",
                  [_token_digest(token), account.username, account.changed_at, now, now + SIGN_IN_LASTS])

    write_transaction(con, work)
    return token


def account_for_token(con: duckdb.DuckDBPyConnection, token: str | None, now: datetime | None = None) -> Account | None:
    """The account a token signs in, as stored now; None for an unknown, ended or expired token, a disabled
    account, or one whose password was changed or reset after the token was issued."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    now = now or datetime.now()
    row = con.execute(
        f"""{_SELECT} JOIN sign_in_tokens t ON t.username = a.username
            WHERE t.token_sha256 = ? AND t.ended_at IS NULL AND t.expires_at > ? AND a.active
              AND t.account_changed_at IS NOT DISTINCT FROM a.changed_at""",
        [_token_digest(token), now]).fetchone()
    return Account(*row) if row else None


def end_token(con: duckdb.DuckDBPyConnection, token: str | None, now: datetime | None = None) -> None:
    """End a sign-in (退出登录): the token signs in nobody from now on, in any tab."""
    if not token or not isinstance(token, str):
        return
    now = now or datetime.now()
    write_transaction(con, lambda c: c.execute(
        "UPDATE sign_in_tokens SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL",
        [now, _token_digest(token)]))


def _locked_message() -> str:
    return (f"连续登录失败{MAX_FAILURES}次，请{int(LOCKOUT.total_seconds() // 60)}分钟后再试，"
            "或请系统管理员重置密码")


def _recent_failures(con, username: str, now: datetime) -> int:
    """Failed sign-ins of ``username`` within LOCKOUT, since its last successful one and since an administrator
    last reset its password or enabled it (either clears a lock); attempts refused while locked do not count."""
    return con.execute(
        """SELECT count(*) FROM audit_log
           WHERE action = 'sign_in_failed' AND target = ? AND recorded_at > ?
             AND coalesce(json_extract_string(details, '$.reason'), '') <> ?
             AND audit_id > coalesce((SELECT max(audit_id) FROM audit_log
                                      WHERE action IN ('sign_in', 'account_password', 'account_enable')
                                        AND target = ?), 0)""",
        [f"account:{username}", now - LOCKOUT, LOCKED, f"account:{username}"]).fetchone()[0]


# ---------------------------------------------------------------------------- first run


def ensure_admin(con: duckdb.DuckDBPyConnection, environ: dict | None = None, stream: TextIO | None = None) -> bool:
    """Create the ``admin`` account if no account exists yet; True when it was created.

    Its password comes from ``TRACKER_ADMIN_PASSWORD``; without it one is generated and
    printed once to ``stream`` (stderr): only its hash is kept, so note it down.
    """
    environ = os.environ if environ is None else environ
    if con.execute("SELECT count(*) FROM accounts").fetchone()[0]:
        return False
    password = environ.get(ADMIN_PASSWORD_ENV) or ""
    generated = not password
    if generated:
        password = generate_password()
    try:
        create_account(con, "system", ADMIN_USERNAME, "系统管理员", ADMIN, password)
    except AccountError as exc:
        if get_account(con, ADMIN_USERNAME) is not None:
            return False  # another connection created it at the same moment
        if generated:
            raise
        raise AccountError(f"环境变量 {ADMIN_PASSWORD_ENV} 中的密码不可用：{exc}") from None
    if generated:
        print(f"已创建系统管理员账号 {ADMIN_USERNAME}，初始密码：{password}\n"
              f"（只显示这一次，数据库中只保存其哈希值；请登录后在“系统管理”中修改。"
              f"也可以在首次启动前设置环境变量 {ADMIN_PASSWORD_ENV}。）",
              file=stream or sys.stderr, flush=True)
    return True
