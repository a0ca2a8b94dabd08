"""Accounts, passwords, sign-in, the first-run admin, and every permission refusal (domain and CLI)."""
import io
import re
from datetime import date, timedelta

import pytest

from loaders.__main__ import main as loaders_main
from loaders.progress_template import VALUE
from loaders.progress_upload import upload_file
from tests.accounts import AT, PASSWORD, audit_rows, cheap_hasher, last_audit_id, people  # noqa: F401
from tests.conftest import table_contents
from tests.progress_files import NOW, fill, template
from tracker import actions, auth, unit_uploads
from tracker.db import connect
from tracker.reporting import resolve_unit, unit_rows

PERIOD = "2024-03"


def all_cells(con, table: str) -> list[str]:
    return [str(c) for row in con.execute(f"SELECT * FROM {table}").fetchall() for c in row]


# ---------------------------------------------------------------- passwords


def test_the_stored_hash_is_argon2id_and_never_the_password(con, people):
    stored = con.execute("SELECT password_hash FROM accounts WHERE username = 'fgw'").fetchone()[0]
    assert stored != PASSWORD and stored.startswith("$argon2id$")
    assert PASSWORD not in " ".join(all_cells(con, "accounts") + all_cells(con, "audit_log"))
    other = con.execute("SELECT password_hash FROM accounts WHERE username = 'jxj'").fetchone()[0]
    assert other != stored   # salted: the same password hashes differently


def test_sign_in_with_the_right_password(con, people):
    start = last_audit_id(con)
    account = auth.authenticate(con, "fgw", PASSWORD, now=AT)
    assert account == auth.Account("fgw", "fgw", "department", resolve_unit(con, "市发改委").org_id, "市发改委", True)
    assert audit_rows(con, "actor", "action", "target", "details", after=start) == [
        ("fgw", "sign_in", "account:fgw", "{}")]


@pytest.mark.parametrize("username, password, reason", [
    ("fgw", "wrong-password", "wrong_password"), ("nobody", PASSWORD, "unknown_user"), ("fgw", "", "wrong_password")])
def test_a_wrong_name_or_password_says_the_same_and_is_audited(con, people, username, password, reason):
    start = last_audit_id(con)
    with pytest.raises(auth.SignInFailed, match="^用户名或密码错误$"):
        auth.authenticate(con, username, password, now=AT)
    assert audit_rows(con, "actor", "action", "target", "details", after=start) == [
        (username, "sign_in_failed", f"account:{username}", f'{{"reason": "{reason}"}}')]


def test_five_failures_lock_the_account_for_fifteen_minutes(con, people):
    for minute in range(5):
        with pytest.raises(auth.SignInFailed):
            auth.authenticate(con, "fgw", "wrong-password", now=AT + timedelta(minutes=minute))
    with pytest.raises(auth.SignInFailed, match="^连续登录失败5次，请15分钟后再试，或请系统管理员重置密码$"):
        auth.authenticate(con, "fgw", PASSWORD, now=AT + timedelta(minutes=5))
    assert auth.authenticate(con, "fgw", PASSWORD, now=AT + timedelta(minutes=25)).username == "fgw"
    # a success starts the count again
    with pytest.raises(auth.SignInFailed, match="^用户名或密码错误$"):
        auth.authenticate(con, "fgw", "wrong-password", now=AT + timedelta(minutes=26))


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(con, people):
    auth.disable_account(con, people["guanli"], "fgw", now=AT)
    with pytest.raises(auth.SignInFailed, match="^账号已停用，请联系系统管理员$"):
        auth.authenticate(con, "fgw", PASSWORD)
    assert auth.refresh(con, people["fgw"]) is None
    auth.enable_account(con, people["guanli"], "fgw", now=AT)
    assert auth.refresh(con, people["fgw"]) is None          # enabled again: a new sign-in, not the old session
    assert auth.refresh(con, auth.authenticate(con, "fgw", PASSWORD)).username == "fgw"


def test_a_password_reset_or_change_ends_the_account_s_other_sessions(con, people):
    """Found by QA: after 修改密码 and after an administrator's 重置密码, a session signed in elsewhere went on."""
    other = auth.get_account(con, "fgw")                    # signed in in another browser
    auth.change_own_password(con, people["fgw"], PASSWORD, "changed-pass-1", now=AT)
    mine = auth.get_account(con, "fgw")                     # the session that changed it takes the new state
    assert auth.refresh(con, other) is None and auth.refresh(con, mine) == mine
    auth.set_password(con, people["guanli"], "fgw", "reset-pass-2", now=AT + timedelta(minutes=1))
    assert auth.refresh(con, mine) is None


def test_a_sign_in_token_signs_in_its_account_until_it_expires(con, people):
    """A reload or a new tab takes the browser's sign-in (tracker/session.py): the token signs in the account
    as stored now, for SIGN_IN_LASTS, and the database holds only its SHA-256."""
    token = auth.issue_token(con, people["fgw"], now=AT)
    assert len(token) >= 40 and token not in " ".join(all_cells(con, "sign_in_tokens"))
    assert con.execute("SELECT username, issued_at, expires_at, ended_at FROM sign_in_tokens").fetchall() == [
        ("fgw", AT, AT + timedelta(hours=12), None)]
    assert auth.account_for_token(con, token, now=AT + timedelta(hours=11, minutes=59)) == people["fgw"]
    assert auth.account_for_token(con, token, now=AT + timedelta(hours=12)) is None
    assert auth.issue_token(con, people["fgw"], now=AT) != token          # random, one per sign-in
    for nothing in (None, "", "x" * 43, token[:-1], "x" * 10_000):
        assert auth.account_for_token(con, nothing, now=AT) is None


def test_signing_out_ends_the_token_for_every_tab(con, people):
    token, other = (auth.issue_token(con, people["fgw"], now=AT) for _ in range(2))
    auth.end_token(con, token, now=AT + timedelta(minutes=5))
    assert auth.account_for_token(con, token, now=AT + timedelta(minutes=6)) is None
    assert auth.account_for_token(con, other, now=AT + timedelta(minutes=6)) == people["fgw"]   # another browser
    auth.end_token(con, None)                                              # a session without a token: nothing
    assert con.execute("SELECT count(*) FROM sign_in_tokens WHERE ended_at IS NULL").fetchone() == (1,)


@pytest.mark.parametrize("change", ["reset", "own", "disable", "disable_enable"])
def test_a_password_change_or_a_disabled_account_ends_its_tokens(con, people, change):
    token = auth.issue_token(con, people["fgw"], now=AT)
    later = AT + timedelta(minutes=1)
    if change == "reset":
        auth.set_password(con, people["guanli"], "fgw", "reset-pass-2", now=later)
    elif change == "own":
        auth.change_own_password(con, people["fgw"], PASSWORD, "changed-pass-1", now=later)
    else:
        auth.disable_account(con, people["guanli"], "fgw", now=later)
        if change == "disable_enable":
            auth.enable_account(con, people["guanli"], "fgw", now=later + timedelta(minutes=1))
    assert auth.account_for_token(con, token, now=later + timedelta(minutes=2)) is None
    fresh = auth.get_account(con, "fgw")            # a new token works, unless the account is still disabled
    assert auth.account_for_token(con, auth.issue_token(con, fresh, now=later), now=later) == (
        None if change == "disable" else fresh)


def test_expired_tokens_are_deleted_a_day_after_they_expire(con, people):
    auth.issue_token(con, people["fgw"], now=AT)
    auth.issue_token(con, people["jxj"], now=AT + timedelta(hours=12, days=1))        # the first expired a day ago
    assert con.execute("SELECT username FROM sign_in_tokens").fetchall() == [("fgw",), ("jxj",)]
    auth.issue_token(con, people["jxj"], now=AT + timedelta(hours=12, days=1, seconds=1))
    assert con.execute("SELECT DISTINCT username FROM sign_in_tokens").fetchall() == [("jxj",)]


def test_a_lock_does_not_grow_with_the_tries_it_refuses_and_a_reset_clears_it(con, people):
    """Found by QA: tries during a lock counted as failures (anyone could keep an account locked), and neither
    a password reset nor 停用/启用 cleared the lock."""
    for minute in range(5):
        with pytest.raises(auth.SignInFailed):
            auth.authenticate(con, "fgw", "wrong-password", now=AT + timedelta(minutes=minute))
    for minute in range(5, 15):                              # refused every minute, recorded, not counted
        with pytest.raises(auth.SignInFailed, match="^连续登录失败5次"):
            auth.authenticate(con, "fgw", PASSWORD, now=AT + timedelta(minutes=minute))
    # the first failure is 15 minutes old: four are left in the window (with the refused tries it was 14)
    assert auth.authenticate(con, "fgw", PASSWORD, now=AT + timedelta(minutes=16)).username == "fgw"
    for minute in range(21, 26):
        with pytest.raises(auth.SignInFailed):
            auth.authenticate(con, "fgw", "wrong-password", now=AT + timedelta(minutes=minute))
    auth.set_password(con, people["guanli"], "fgw", "reset-pass-3", now=AT + timedelta(minutes=26))
    assert auth.authenticate(con, "fgw", "reset-pass-3", now=AT + timedelta(minutes=27)).username == "fgw"


def test_wrong_old_passwords_count_as_failed_sign_ins(con, people):
    """Found by QA: 修改密码 let a signed-in session guess the password without a limit or a record."""
    for minute in range(5):
        with pytest.raises(auth.AccountError, match="^原密码不正确$"):
            auth.change_own_password(con, people["fgw"], "guess-number-x", "whatever-pass-1",
                                     now=AT + timedelta(minutes=minute))
    with pytest.raises(auth.AccountError, match="^连续登录失败5次"):
        auth.change_own_password(con, people["fgw"], PASSWORD, "whatever-pass-1", now=AT + timedelta(minutes=5))
    assert con.execute("""SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed' AND target = 'account:fgw'
                          AND details LIKE '%wrong_old_password%'""").fetchone() == (5,)
    with pytest.raises(auth.AccountError, match="^新密码不能与原密码相同$"):
        auth.change_own_password(con, people["fgw"], PASSWORD, PASSWORD, now=AT + timedelta(minutes=30))


def test_an_admin_resets_a_password_and_a_user_changes_their_own(con, people):
    auth.set_password(con, people["guanli"], "fgw", "new-password-1")
    with pytest.raises(auth.SignInFailed):
        auth.authenticate(con, "fgw", PASSWORD)
    assert auth.authenticate(con, "fgw", "new-password-1").username == "fgw"
    with pytest.raises(auth.AccountError, match="^原密码不正确$"):
        auth.change_own_password(con, people["fgw"], "not-it-at-all", "another-pass-2")
    auth.change_own_password(con, people["fgw"], "new-password-1", "another-pass-2")
    assert auth.authenticate(con, "fgw", "another-pass-2").username == "fgw"
    assert "new-password-1" not in " ".join(all_cells(con, "accounts") + all_cells(con, "audit_log"))


@pytest.mark.parametrize("password, message", [
    ("short", "密码至少8个字符"), ("x" * 129, "密码不超过128个字符"), (" padded-pw ", "密码首尾不能是空格"),
    ("12345678", "密码过于简单：请勿使用纯数字、重复字符或常见密码"),          # found by QA: accepted
    ("abababab", "密码过于简单：请勿使用纯数字、重复字符或常见密码"),
    ("Password123", "密码过于简单：请勿使用纯数字、重复字符或常见密码"),
    ("fgw-fgw-fgw", None)])
def test_weak_passwords_are_refused(con, people, password, message):
    if message is None:   # strong enough
        auth.set_password(con, people["guanli"], "fgw", password)
        return
    with pytest.raises(auth.AccountError, match=f"^{message}$"):
        auth.set_password(con, people["guanli"], "fgw", password)


def test_a_password_equal_to_the_name_is_refused(con, people):
    with pytest.raises(auth.AccountError, match="^密码不能与用户名相同$"):
        auth.create_account(con, people["guanli"], "zhangwei01", "张伟", auth.LEADERSHIP, "ZhangWei01")


@pytest.mark.parametrize("name, outcome", [
    ("аdmin", "用户名应为2—32个字母、数字、汉字或 . _ -"),     # Cyrillic а: would show as admin
    ("ｆｇｗ", "用户名“fgw”已存在"),                          # full-width: folded, then a duplicate
    ("张伟", None), ("li.na-01", None)])
def test_user_names_that_look_like_another_are_refused(con, people, name, outcome):
    """Found by QA: "аdmin" (Cyrillic а) and "ａｄｍｉｎ" were created beside admin."""
    if outcome is None:
        assert auth.create_account(con, people["guanli"], name, name, auth.LEADERSHIP, "good-pass-77").username == name
        return
    with pytest.raises(auth.AccountError, match=f"^{outcome}$"):
        auth.create_account(con, people["guanli"], name, name, auth.LEADERSHIP, "good-pass-77")


# ---------------------------------------------------------------- the first-run admin


def test_first_run_admin_from_the_environment(con):
    stream = io.StringIO()
    assert auth.ensure_admin(con, {"TRACKER_ADMIN_PASSWORD": "from-the-env-1"}, stream) is True
    assert stream.getvalue() == ""
    assert auth.authenticate(con, "admin", "from-the-env-1").role == "admin"
    assert auth.ensure_admin(con, {"TRACKER_ADMIN_PASSWORD": "something-else"}, stream) is False  # only once
    assert "from-the-env-1" not in " ".join(all_cells(con, "accounts") + all_cells(con, "audit_log"))


def test_first_run_admin_with_a_generated_password_printed_once(con):
    stream = io.StringIO()
    assert auth.ensure_admin(con, {}, stream) is True
    printed = re.search(r"已创建系统管理员账号 admin，初始密码：(\S+)\n", stream.getvalue()).group(1)
    assert len(printed) >= 16
    assert auth.authenticate(con, "admin", printed).role == "admin"
    assert printed not in " ".join(all_cells(con, "accounts") + all_cells(con, "audit_log"))
    again = io.StringIO()
    assert auth.ensure_admin(con, {}, again) is False and again.getvalue() == ""


def test_a_weak_admin_password_in_the_environment_is_named(con):
    with pytest.raises(auth.AccountError, match="^环境变量 TRACKER_ADMIN_PASSWORD 中的密码不可用：密码至少8个字符$"):
        auth.ensure_admin(con, {"TRACKER_ADMIN_PASSWORD": "short"}, io.StringIO())
    assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0


# ---------------------------------------------------------------- creating accounts


@pytest.mark.parametrize("username, role, unit, message", [
    ("x", "department", "市发改委", "用户名应为2—32个字母、数字、汉字或 . _ -"),
    ("a b", "department", "市发改委", "用户名应为2—32个字母、数字、汉字或 . _ -"),
    ("new", "boss", None, "角色“boss”无效，应为：leadership（市领导）、department（部门）、county（县（市、区）政府）、"
                          "supervisor（督查）、admin（系统管理员）"),
    ("new", "department", None, "部门账号必须绑定一个单位"),
    ("new", "department", "市发改局", "未知单位“市发改局”，是否为“市发改委”"),
    ("new", "department", "柯城区政府", "“柯城区政府”是县（市、区）政府或管委会，请选择“县（市、区）政府”角色"),
    ("new", "county", "市发改委", "“市发改委”不是县（市、区）政府或管委会，请选择“部门”角色"),
    ("new", "leadership", "市发改委", "市领导账号不绑定单位（只有部门和县（市、区）政府账号绑定单位）"),
    ("FGW", "department", "市发改委", "用户名“FGW”已存在"),
])
def test_account_rules(con, people, username, role, unit, message):
    before = con.execute("SELECT count(*) FROM accounts").fetchone()[0]
    with pytest.raises(auth.AccountError) as exc:
        auth.create_account(con, people["guanli"], username, "", role, PASSWORD, unit=unit)
    assert str(exc.value).startswith(message)
    assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == before


def test_a_zone_committee_is_a_county_level_account(con, people):
    zone = auth.create_account(con, people["guanli"], "zzxc", "智造新城", "county", PASSWORD, unit="智造新城管委会")
    assert (zone.role, zone.unit_name) == ("county", "智造新城管委会")


@pytest.mark.parametrize("who", ["lingdao", "fgw", "kecheng", "ducha"])
def test_only_an_admin_manages_accounts(con, people, who):
    with pytest.raises(auth.PermissionDenied, match="没有“管理账号”权限：需要系统管理员账号"):
        auth.create_account(con, people[who], "new", "new", "leadership", PASSWORD)
    with pytest.raises(auth.PermissionDenied):
        auth.set_password(con, people[who], "fgw", "new-password-1")
    with pytest.raises(auth.PermissionDenied):
        auth.disable_account(con, people[who], "jxj")
    with pytest.raises(auth.PermissionDenied, match="^请先登录：“管理账号”需要系统管理员账号$"):
        auth.create_account(con, None, "new", "new", "leadership", PASSWORD)


def test_an_admin_cannot_disable_itself_nor_the_last_admin(con, people):
    with pytest.raises(auth.AccountError, match="^不能停用自己正在使用的账号$"):
        auth.disable_account(con, people["guanli"], "guanli")
    with pytest.raises(auth.AccountError, match="^这是最后一个启用的系统管理员账号，不能停用$"):
        auth.disable_account(con, "os:tester", "guanli")


# ---------------------------------------------------------------- permissions

MATRIX = {  # role: view, template, upload, export, supervise, manage_accounts, view_audit, load_documents
    "leadership": (1, 0, 0, 1, 0, 0, 0, 0),
    "department": (1, 1, 1, 0, 0, 0, 0, 0),
    "county": (1, 1, 1, 0, 0, 0, 0, 0),
    "supervisor": (1, 0, 0, 1, 1, 0, 0, 0),
    "admin": (1, 1, 1, 1, 0, 1, 1, 1),
}
PERMISSIONS = ("view", "template", "upload", "export", "supervise", "manage_accounts", "view_audit", "load_documents")


@pytest.mark.parametrize("role", auth.ROLES)
def test_the_permission_matrix(role):
    account = auth.Account("x", "x", role)
    assert tuple(int(auth.has(account, p)) for p in PERMISSIONS) == MATRIX[role]
    assert not any(auth.has(None, p) for p in PERMISSIONS)
    assert not any(auth.has(auth.Account("x", "x", role, active=False), p) for p in PERMISSIONS)


def test_refusal_messages():
    with pytest.raises(auth.PermissionDenied, match="^请先登录：“导出”需要市领导、督查、系统管理员账号$"):
        auth.require(None, auth.EXPORT)
    with pytest.raises(auth.PermissionDenied, match="^账号“fgw”（部门）没有“导出”权限：需要市领导、督查、系统管理员账号$"):
        auth.require(auth.Account("fgw", "fgw", "department", 14, "市发改委"), auth.EXPORT)


def test_who_may_upload_for_which_unit(con, people):
    fgw, jxj = resolve_unit(con, "市发改委"), resolve_unit(con, "市经信局")
    assert auth.can_upload(people["fgw"], fgw) and not auth.can_upload(people["fgw"], jxj)
    assert auth.can_upload(people["guanli"], jxj)                 # 代报, recorded under the admin's name
    assert not auth.can_upload(people["lingdao"], fgw) and not auth.can_upload(people["ducha"], fgw)
    assert not auth.can_upload(None, fgw)
    assert auth.upload_refusal(people["fgw"], jxj) == "账号“fgw”只能上传“市发改委”的数据，不能上传“市经信局”的数据"


# ---------------------------------------------------------------- upload refusals (domain)


@pytest.fixture
def fgw_template(con, tmp_path):
    return template(con, tmp_path, "市发改委", PERIOD)


def test_a_department_cannot_upload_as_another_unit(con, people, tmp_path, fgw_template):
    jxj_file = fill(template(con, tmp_path, "市经信局", PERIOD), tmp_path / "jxj.xlsx", {2: {VALUE: 1}})
    before, start = table_contents(con), last_audit_id(con)
    result = upload_file(con, jxj_file, "市经信局", uploaded_by="ignored", now=NOW, account=people["fgw"])
    assert result.outcome == "rejected"
    assert [str(p) for p in result.problems] == [auth.upload_refusal(people["fgw"], resolve_unit(con, "市经信局"))]
    assert table_contents(con) == before
    assert audit_rows(con, "actor", "action", "target", after=start) == [("fgw", "upload_rejected", "unit:市经信局")]


def test_a_department_cannot_send_another_unit_s_template_under_its_own_name(con, people, tmp_path):
    jxj_file = fill(template(con, tmp_path, "市经信局", PERIOD), tmp_path / "jxj.xlsx", {2: {VALUE: 1}})
    before = table_contents(con)
    result = upload_file(con, jxj_file, "市发改委", uploaded_by="x", now=NOW, account=people["fgw"])
    assert [str(p) for p in result.problems] == ["工作表“元数据”：这是“市经信局”的模板，不能以“市发改委”的名义上传"]
    assert table_contents(con) == before


def test_a_county_cannot_upload_another_jurisdiction_s_rows(con, people, tmp_path):
    own = template(con, tmp_path, "柯城区政府", PERIOD)
    other = unit_rows(con, resolve_unit(con, "衢江区政府"), PERIOD)[0].row_id
    assert other.endswith("-330803")   # 衢江区
    before = table_contents(con)
    result = upload_file(con, fill(own, tmp_path / "kc.xlsx", {2: {"填报编号": other, VALUE: 1}}), "柯城区政府",
                         uploaded_by="x", now=NOW, account=people["kecheng"])
    assert [str(p) for p in result.problems] == [
        f"工作表“填报”第2行“填报编号”列：填报编号“{other}”不在“柯城区政府”2024-03的报送范围内："
        "该行由衢江区政府填报，请删除此行或重新下载本单位模板"]
    assert table_contents(con) == before


@pytest.mark.parametrize("who", ["lingdao", "ducha"])
def test_roles_without_upload_are_refused(con, people, tmp_path, fgw_template, who):
    result = upload_file(con, fill(fgw_template, tmp_path / "f.xlsx", {2: {VALUE: 1}}), "市发改委", uploaded_by="x",
                         now=NOW, account=people[who])
    assert [str(p) for p in result.problems] == [
        f"账号“{who}”（{auth.ROLE_LABELS[people[who].role]}）没有“上传报送数据”权限：需要部门、县（市、区）政府、系统管理员账号"]


def test_an_unauthenticated_upload_from_the_app_is_refused_and_audited(con, tmp_path, fgw_template):
    data = fill(fgw_template, tmp_path / "f.xlsx", {2: {VALUE: 1}}).read_bytes()
    before, start = table_contents(con), last_audit_id(con)
    with pytest.raises(auth.PermissionDenied, match="^请先登录：“上传报送数据”需要部门、县（市、区）政府、系统管理员账号$"):
        unit_uploads.upload_bytes(con, None, "f.xlsx", data, "市发改委", now=NOW)
    assert table_contents(con) == before
    assert audit_rows(con, "actor", "action", "target", after=start) == [("anonymous", "upload_rejected", "unit:市发改委")]


@pytest.mark.parametrize("who", [None, "fgw", "kecheng"])
def test_exports_need_leadership_supervisor_or_admin(con, people, who):
    account = people[who] if who else None
    with pytest.raises(auth.PermissionDenied):
        unit_uploads.summary_bytes(con, account, PERIOD)
    with pytest.raises(auth.PermissionDenied):
        unit_uploads.template_bytes(con, people["fgw"], "市经信局", PERIOD)   # and only one's own template


def test_leadership_supervisor_and_admin_export(con, people):
    start = last_audit_id(con)
    for allowed in ("lingdao", "ducha", "guanli"):
        name, data, n = unit_uploads.summary_bytes(con, people[allowed], PERIOD, ".csv")
        assert name == "进展汇总表_2024-03.csv" and data[:3] == b"\xef\xbb\xbf" and n > 100
    assert audit_rows(con, "actor", "action", "target", after=start) == [
        (who, "export", "summary:2024-03") for who in ("lingdao", "ducha", "guanli")]


# ---------------------------------------------------------------- supervisor actions


def a_row(con) -> tuple[int, str]:
    row = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)[0]
    return row.target_id, row.jurisdiction_code


@pytest.mark.parametrize("who", ["lingdao", "fgw", "kecheng", "guanli"])
def test_only_a_supervisor_closes_out_sends_back_or_undoes(con, people, who):
    target_id, code = a_row(con)
    start = last_audit_id(con)
    with pytest.raises(auth.PermissionDenied, match="没有“督查操作（销号、二次交办、撤销）”权限：需要督查账号"):
        actions.close_out(con, target_id, code, people[who], "佐证", date(2024, 9, 30))
    with pytest.raises(auth.PermissionDenied):
        actions.send_back(con, target_id, code, people[who], "理由", date(2024, 12, 31), date(2024, 9, 30))
    action_id = actions.close_out(con, target_id, code, people["ducha"], "佐证", date(2024, 9, 30))
    with pytest.raises(auth.PermissionDenied):
        actions.undo(con, action_id, people[who], "撤销", date(2024, 10, 1))
    with pytest.raises(auth.PermissionDenied, match="^请先登录"):
        actions.close_out(con, target_id, code, None, "佐证", date(2024, 9, 30))
    assert con.execute("SELECT actor, kind FROM supervision_actions").fetchall() == [("ducha", "close_out")]
    assert audit_rows(con, "actor", "action", after=start) == [("ducha", "close_out")]


# ---------------------------------------------------------------- the command line


@pytest.fixture
def cli_db(plain_db, tmp_path):
    con = connect(plain_db)
    from tests.accounts import make_people

    make_people(con)
    tpl = template(con, tmp_path, "市发改委", PERIOD)
    jxj = template(con, tmp_path, "市经信局", PERIOD)
    con.close()
    return (plain_db, fill(tpl, tmp_path / "fgw.xlsx", {2: {VALUE: 1}}),
            fill(jxj, tmp_path / "jxj.xlsx", {2: {VALUE: 1}}))


def test_cli_account_may_not_upload_as_another_unit(cli_db, monkeypatch, capsys):
    db, fgw_file, jxj_file = cli_db
    monkeypatch.setenv("TRACKER_PASSWORD", PASSWORD)
    args = ["upload", "--db", str(db), "--account", "fgw"]
    assert loaders_main(args + ["--unit", "市经信局", str(jxj_file)]) == 1
    out = capsys.readouterr()
    assert out.out == "市经信局《jxj.xlsx》未接收：发现1个问题\n"
    assert "  账号“fgw”只能上传“市发改委”的数据，不能上传“市经信局”的数据\n" in out.err
    assert loaders_main(args + [str(jxj_file)]) == 1          # its own unit by default: the other's template
    assert "这是“市经信局”的模板，不能以“市发改委”的名义上传" in capsys.readouterr().err
    assert loaders_main(args + [str(fgw_file)]) == 0
    con = connect(db)
    assert con.execute("SELECT unit_name, uploaded_by FROM uploads").fetchall() == [("市发改委", "fgw")]
    assert [r[:2] for r in con.execute(
        "SELECT actor, action FROM audit_log WHERE action LIKE 'upload%' OR action = 'correction' ORDER BY audit_id"
    ).fetchall()] == [("fgw", "upload_rejected"), ("fgw", "upload_rejected"), ("fgw", "upload")]
    con.close()


def test_cli_wrong_password_uploads_nothing(cli_db, monkeypatch, capsys):
    db, fgw_file, _ = cli_db
    monkeypatch.setenv("TRACKER_PASSWORD", "wrong-password")
    assert loaders_main(["upload", "--db", str(db), "--account", "fgw", str(fgw_file)]) == 2
    assert capsys.readouterr().err == "错误：用户名或密码错误\n"


def test_cli_unit_path_records_the_os_user_as_actor(cli_db, monkeypatch, capsys):
    db, fgw_file, _ = cli_db
    monkeypatch.setattr("getpass.getuser", lambda: "clerk")
    assert loaders_main(["upload", "--db", str(db), "--unit", "市发改委", "--by", "李四", str(fgw_file)]) == 0
    con = connect(db)
    assert con.execute("SELECT uploaded_by FROM uploads").fetchall() == [("李四",)]
    assert con.execute("SELECT actor, action FROM audit_log WHERE action = 'upload'").fetchall() == [
        ("os:clerk", "upload")]
    con.close()


# ---------------------------------------------------------------- accounts from the command line


@pytest.fixture
def accounts_db(plain_db):
    from tests.accounts import make_people

    con = connect(plain_db)
    make_people(con)
    con.close()
    return plain_db


def test_cli_lists_the_accounts_without_secrets(accounts_db, capsys):
    from tracker.__main__ import main as tracker_main

    assert tracker_main(["account", "list", "--db", str(accounts_db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "fgw\tfgw\t部门\t市发改委\t启用" in lines and "lingdao\tlingdao\t市领导\t—\t启用" in lines
    assert len(lines) == 6 and "argon2" not in "\n".join(lines)


def test_cli_resets_a_password_as_the_operator(accounts_db, capsys, monkeypatch):
    from tracker.__main__ import main as tracker_main

    monkeypatch.setenv("TRACKER_NEW_PASSWORD", "a-new-long-password")
    assert tracker_main(["account", "set-password", "fgw", "--db", str(accounts_db)]) == 0
    assert capsys.readouterr().out == "已重置账号“fgw”的密码\n"
    con = connect(accounts_db)
    assert auth.authenticate(con, "fgw", "a-new-long-password").username == "fgw"
    with pytest.raises(auth.SignInFailed):
        auth.authenticate(con, "fgw", PASSWORD)
    actor, action, target = con.execute("SELECT actor, action, target FROM audit_log WHERE action = 'account_password' "
                                        "ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert (actor, target) == (auth.os_actor(), "account:fgw")
    con.close()
    assert tracker_main(["account", "set-password", "nobody", "--db", str(accounts_db)]) == 2
    assert capsys.readouterr().err.startswith("错误：")
    monkeypatch.setenv("TRACKER_NEW_PASSWORD", "short")
    assert tracker_main(["account", "set-password", "fgw", "--db", str(accounts_db)]) == 2


def test_cli_asks_for_the_new_password_twice(accounts_db, capsys, monkeypatch):
    from tracker.__main__ import main as tracker_main

    monkeypatch.delenv("TRACKER_NEW_PASSWORD", raising=False)
    answers = iter(["first-long-password", "other-long-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert tracker_main(["account", "set-password", "fgw", "--db", str(accounts_db)]) == 2
    assert capsys.readouterr().err == "错误：两次输入的新密码不一致\n"
    answers = iter(["same-long-password", "same-long-password"])
    assert tracker_main(["account", "set-password", "fgw", "--db", str(accounts_db)]) == 0
