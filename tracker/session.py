"""The signed-in account of a Streamlit session: the sign-in form in the sidebar, sign-out,
changing one's own password, and the read-only demo mode.

The session keeps an :class:`tracker.auth.Account` (never a password or hash) under
``st.session_state["account"]`` and re-reads it from the database on every run, so an
account disabled by an administrator is signed out at its next click. Every widget has an
explicit key (``signin_…``, ``pw_…``).

Demo mode (``TRACKER_DEMO_MODE``, on unless set to 0/false/no/off): visitors who have not
signed in see the dashboards, read-only. Off: nothing but the sign-in form until they sign in.
Uploading, exporting and supervisor actions always need an account with the right role;
that is checked in the domain functions, the pages only hide what a role cannot do.
"""
from __future__ import annotations

import os

import streamlit as st

from tracker import auth
from tracker.app_db import get_connection

ACCOUNT_KEY = "account"
DEMO_ENV = "TRACKER_DEMO_MODE"


def through_navigation() -> None:
    """Call first in every page script: a page runs through dashboard.py (sign-in, sidebar, the pages of
    one's role), never on its own.

    Streamlit serves a ``pages/`` folder by itself (its first multipage mode, every file a page, the
    file names as the menu) until the first ``st.navigation`` of a server process. A page opened by its
    address right after a start (a bookmark, a tab left open across a restart) therefore ran alone:
    no sidebar, no sign-in even with demo mode off, the admin and upload pages in the menu. Such a run
    switches that mode off, as ``st.navigation`` does, and starts again through dashboard.py.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:   # a Streamlit without it has no such mode to leave
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def requested_page() -> str:
    """The page named in the browser's address (``/admin`` is ``admin``; the app's root is ``""``).

    The pages a role may not use are left out of the navigation, so their address alone matched no
    page: Streamlit then said "Page not found" in English and opened the overview. dashboard.py adds
    such a page when it is the one asked for, and the page itself says why it shows nothing
    (:func:`refusal`)."""
    url = st.context.url or ""
    return url.rstrip("/").rsplit("/", 1)[-1] if url.count("/") > 2 else ""


def refusal(account: auth.Account | None, what: str, roles: str) -> str:
    """Why a page shows nothing to ``account``: 请先登录 (nobody signed in) or 无权限 (the wrong role)."""
    if account is None:
        return f"请先登录：{what}需要{roles}账号，请在左侧登录。"
    return f"无权限：{what}需要{roles}账号，当前账号“{account.label}”不能使用。"


def demo_mode(environ: dict | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(DEMO_ENV, "1")
    return value.strip().lower() not in ("0", "false", "no", "off")


def current_account() -> auth.Account | None:
    """The signed-in account, as stored now (None when nobody is signed in or it was disabled)."""
    account = st.session_state.get(ACCOUNT_KEY)
    if account is None:
        return None
    fresh = auth.refresh(get_connection(), account)
    if fresh != account:
        st.session_state[ACCOUNT_KEY] = fresh
    return fresh


def sign_out() -> None:
    st.session_state.pop(ACCOUNT_KEY, None)


def render_sign_in() -> auth.Account | None:
    """Draw the sign-in form, or who is signed in with sign-out and change-password, in the sidebar."""
    bar = st.sidebar
    account = current_account()
    if account is not None:
        bar.caption(f"已登录：{account.label}")
        bar.button("退出登录", key="signout", on_click=sign_out)
        with bar.expander("修改密码"):
            with st.form("pw_form", clear_on_submit=True):
                old = st.text_input("原密码", type="password", key="pw_old")
                new = st.text_input("新密码", type="password", key="pw_new")
                again = st.text_input("再次输入新密码", type="password", key="pw_again")
                if st.form_submit_button("修改", key="pw_submit"):
                    if new != again:
                        st.error("两次输入的新密码不一致")
                    else:
                        try:
                            auth.change_own_password(get_connection(), account, old, new)
                            # this session goes on with the new password; the account's other sessions end
                            st.session_state[ACCOUNT_KEY] = auth.get_account(get_connection(), account.username)
                            st.success("密码已修改")
                        except (auth.AccountError, auth.PermissionDenied) as exc:
                            st.error(str(exc))
        return account
    with bar.form("signin_form", clear_on_submit=True):
        st.markdown("**登录**")
        username = st.text_input("用户名", key="signin_user")
        password = st.text_input("密码", type="password", key="signin_password")
        submitted = st.form_submit_button("登录", key="signin_submit")
    if submitted:
        try:
            st.session_state[ACCOUNT_KEY] = auth.authenticate(get_connection(), username, password)
        except auth.SignInFailed as exc:
            bar.error(str(exc))
            return None
        st.rerun()
    if demo_mode():
        bar.caption("演示模式：未登录可浏览，填报、导出和督查操作需登录")
    return None


def please_sign_in() -> None:
    """The only page when demo mode is off and nobody is signed in."""
    st.title("衢州市政策目标跟踪")
    st.info("请在左侧登录后查看。账号由系统管理员开设。")
