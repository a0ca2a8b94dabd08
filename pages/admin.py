"""系统管理: accounts (create, disable/enable, reset password) and the audit log (view, check,
export). Administrators only; every change is made and checked in tracker/auth.py."""
from datetime import datetime, time, timedelta

import streamlit as st

from tracker import audit, auth, unit_uploads, widget_text
from tracker.app_db import get_connection
from tracker.formatting import blank_missing
from tracker.reporting import unit_names
from tracker.session import current_account, refusal, through_navigation
from tracker.widget_text import NO_OPTIONS

through_navigation()

st.title("系统管理")
account = current_account()
if not auth.has(account, auth.MANAGE_ACCOUNTS):
    st.info(refusal(account, "系统管理", "系统管理员"))
    st.stop()
con = get_connection()

st.header("账号")
accounts = auth.list_accounts(con)
widget_text.dataframe(blank_missing(accounts.drop(columns=["role"]).assign(
    created_by=accounts["created_by"].map(audit.actor_text))).rename(columns={
    "username": "用户名", "display_name": "姓名", "role_label": "角色", "unit_name": "绑定单位", "active": "启用",
    "created_at": "创建时间", "created_by": "创建人", "changed_at": "最近修改"}), hide_index=True, key="admin_accounts")

NO_UNIT = "（不绑定单位）"
#: What the 新建账号 fields go back to after an account is made (the role stays: several of one kind are made in a row).
_FORM_EMPTY = {"new_username": "", "new_display": "", "new_password": "", "new_unit": NO_UNIT}
if st.session_state.pop("admin_form_done", False):   # emptied after a success only: a refusal keeps what was typed
    # Set, not deleted: a key deleted from the session state leaves the browser showing what was typed
    # (the widget keeps its value on the page); a value set before the widget is drawn is sent to it.
    st.session_state.update(_FORM_EMPTY)
with st.form("new_account_form"):
    st.markdown("**新建账号**")
    left, right = st.columns(2)
    username = left.text_input("用户名", key="new_username")
    display_name = right.text_input("姓名或单位简称", key="new_display")
    role = left.selectbox("角色", auth.ROLES, format_func=auth.ROLE_LABELS.get, key="new_role", placeholder=NO_OPTIONS)
    unit = right.selectbox("绑定单位（部门、县（市、区）政府账号必选）", [NO_UNIT] + unit_names(con), key="new_unit", placeholder=NO_OPTIONS)
    password = st.text_input("初始密码（留空则自动生成）", type="password", key="new_password")
    if st.form_submit_button("新建", key="new_submit"):
        chosen = password or auth.generate_password()
        try:
            made = auth.create_account(con, account, username, display_name, role, chosen,
                                       unit=None if unit == NO_UNIT else unit)
        except (auth.AccountError, auth.PermissionDenied) as exc:
            st.error(str(exc))
        else:
            st.session_state["admin_notice"] = (f"已新建账号 {made.username}（{made.label}）"
                                                + ("" if password else f"，初始密码：{chosen}（只显示这一次）"))
            st.session_state["admin_form_done"] = True
            st.rerun()

others = [u for u in accounts["username"].tolist()]
picked = st.selectbox("选择账号", others, key="acct_pick", placeholder=NO_OPTIONS)
left, middle, right = st.columns(3)
action = None
if left.button("停用", key="acct_disable"):
    action = ("停用", lambda: auth.disable_account(con, account, picked))
if middle.button("启用", key="acct_enable"):
    action = ("启用", lambda: auth.enable_account(con, account, picked))
if right.button("重置密码", key="acct_reset"):
    fresh = auth.generate_password()
    action = (f"重置密码，新密码：{fresh}（只显示这一次）", lambda: auth.set_password(con, account, picked, fresh))
if action is not None:
    try:
        action[1]()
    except (auth.AccountError, auth.PermissionDenied) as exc:
        st.error(str(exc))
    else:
        st.session_state["admin_notice"] = f"账号 {picked} 已{action[0]}"
        st.rerun()
if notice := st.session_state.pop("admin_notice", None):
    st.success(notice)

st.header("审计日志")
st.caption("每一次写入（上传、更正、被拒的上传、销号、二次交办、撤销、账号变更、加载文件）都记录在此；"
           "本系统不提供修改或删除审计记录的功能。")
left, middle, right = st.columns(3)
actions = left.multiselect("操作", list(audit.ACTIONS), format_func=audit.ACTIONS.get, key="audit_actions",
                           placeholder="全部操作")
actor = audit.actor_code(middle.text_input("操作人", key="audit_actor")) or None
days = right.selectbox("时间范围", [0, 1, 7, 30, 365], format_func=lambda d: "全部" if d == 0 else f"最近{d}天",
                       key="audit_days", placeholder=NO_OPTIONS)
since = datetime.combine(datetime.now().date() - timedelta(days=d - 1), time()) if (d := days) else None
log = audit.entries(con, tuple(actions), actor, since)
check = audit.verify(con)
if check.ok:
    st.success(f"审计记录完整性校验通过（共 {check.n_records} 条，哈希链无断裂）")
else:
    st.error(f"审计记录完整性校验未通过：记录 {', '.join(map(str, check.broken[:20]))} 与哈希链不符，"
             "可能在系统之外被修改或删除")
widget_text.dataframe(blank_missing(audit.readable(log).drop(columns=["action"])).rename(columns=audit.HEADERS), hide_index=True,
             key="audit_table")
fmt = st.radio("导出格式", [".xlsx", ".csv"], horizontal=True, key="audit_format")
if st.button(f"导出以上 {len(log)} 条记录", key="audit_export"):
    st.session_state["audit_file"] = unit_uploads.audit_export(con, account, log, fmt)
if made := st.session_state.get("audit_file"):
    st.download_button(f"下载 {made[0]}", made[1], file_name=made[0], key="audit_download", on_click="ignore")
