"""The signed-in account of a Streamlit session: the sign-in form in the sidebar, sign-out,
changing one's own password, and the read-only demo mode.

The session keeps an :class:`tracker.auth.Account` (never a password or hash) under
``st.session_state["account"]`` and re-reads it from the database on every run, so an
account disabled by an administrator is signed out at its next click. Every widget has an
explicit key (``signin_…``, ``pw_…``).

A sign-in outlives the session: the browser keeps its token (:func:`tracker.auth.issue_token`) in a
cookie, so a reload or a new tab, which Streamlit starts as a new session, signs in from it
(:func:`current_account`); 退出登录 ends the token for every tab.

Demo mode (``TRACKER_DEMO_MODE``, on unless set to 0/false/no/off): visitors who have not
signed in see the dashboards, read-only. Off: nothing but the sign-in form until they sign in.
Uploading, exporting and supervisor actions always need an account with the right role;
that is checked in the domain functions, the pages only hide what a role cannot do.
"""
from __future__ import annotations

import json
import os

import streamlit as st
import streamlit.components.v1 as components

from tracker import auth, widget_text
from tracker.app_db import get_connection

ACCOUNT_KEY = "account"
#: The session's sign-in token (the browser holds it in a cookie; the database its SHA-256).
TOKEN_KEY = "signin_token"
#: A cookie token found to sign in nobody: not asked about again in this session.
CHECKED_KEY = "signin_token_checked"
#: The browser's sign-in cookie is to be deleted on the next run.
CLEAR_COOKIE_KEY = "signin_clear_cookie"
COOKIE_PREFIX = "qz_tracker_signin"
#: The key of the container of the component that writes the cookie (hidden by widget_text.CSS).
COOKIE_CONTAINER = widget_text.SIGN_IN_COOKIE
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
    """The signed-in account, as stored now (None when nobody is signed in, it was disabled, its password
    changed, or its sign-in ended or expired). A new session (a reload, another tab) takes the sign-in
    its browser holds (:func:`_resumed`)."""
    account = st.session_state.get(ACCOUNT_KEY)
    if account is None:
        return _resumed()
    token = st.session_state.get(TOKEN_KEY)
    con = get_connection()
    fresh = auth.account_for_token(con, token) if token is not None else auth.refresh(con, account)
    if fresh is None:
        _forget()
    elif fresh != account:
        st.session_state[ACCOUNT_KEY] = fresh
    return fresh


def cookie_name() -> str:
    """The cookie holding this dashboard's sign-in token; the port is part of it, since a browser sends a
    host's cookies to every port (two dashboards on one server keep their sign-ins apart)."""
    return f"{COOKIE_PREFIX}_{st.get_option('server.port')}"


def _resumed() -> auth.Account | None:
    """The account the browser's sign-in cookie (sent when the session opened) still signs in, now this
    session's; None without one. A cookie that signs in nobody is asked about once and then cleared."""
    token = st.context.cookies.get(cookie_name())
    if not token or st.session_state.get(CHECKED_KEY) == token:
        return None
    account = auth.account_for_token(get_connection(), token)
    if account is None:
        st.session_state[CHECKED_KEY] = token
        st.session_state[CLEAR_COOKIE_KEY] = True
        return None
    st.session_state[ACCOUNT_KEY], st.session_state[TOKEN_KEY] = account, token
    return account


def _signed_in(account: auth.Account) -> None:
    """Start this session's sign-in, kept by the browser for reloads and new tabs (:data:`auth.SIGN_IN_LASTS`)."""
    st.session_state[ACCOUNT_KEY] = account
    st.session_state[TOKEN_KEY] = auth.issue_token(get_connection(), account)


def _forget() -> None:
    """This session signs in nobody; the browser's cookie is cleared on the next drawing of the sidebar."""
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(ACCOUNT_KEY, None)
    if token is not None:
        st.session_state[CHECKED_KEY] = token
        st.session_state[CLEAR_COOKIE_KEY] = True


def sign_out() -> None:
    """退出登录: the sign-in ends for every tab of the browser (its token is ended in the database)."""
    auth.end_token(get_connection(), st.session_state.get(TOKEN_KEY))
    _forget()


def _keep_cookie(token: str | None) -> None:
    """Set the browser's sign-in cookie to ``token`` (None: delete it), from an invisible component.

    Streamlit has no call that sets a cookie, so a script in a component's frame (same origin) sets it on
    the page. It cannot be HttpOnly; it is SameSite=Strict, Secure over https, and the database keeps only
    the token's SHA-256."""
    name, value = cookie_name(), token or ""
    max_age = int(auth.SIGN_IN_LASTS.total_seconds()) if token else 0
    script = (f"<script>const p = window.parent; p.document.cookie = {json.dumps(name)} + '=' + "
              f"{json.dumps(value)} + '; path=/; max-age={max_age}; samesite=strict' + "
              "(p.location.protocol === 'https:' ? '; secure' : '');</script>")
    with st.sidebar.container(key=COOKIE_CONTAINER):
        components.html(script, height=0)


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
                            changed = auth.get_account(get_connection(), account.username)
                            if st.session_state.get(TOKEN_KEY) is None:
                                st.session_state[ACCOUNT_KEY] = changed
                            else:   # the old token ended with the old password: a new one for the browser
                                _signed_in(changed)
                            st.success("密码已修改")
                        except (auth.AccountError, auth.PermissionDenied) as exc:
                            st.error(str(exc))
        token = st.session_state.get(TOKEN_KEY)
        if token is not None and st.context.cookies.get(cookie_name()) != token:
            _keep_cookie(token)
        return account
    with bar.form("signin_form", clear_on_submit=True):
        st.markdown("**登录**")
        username = st.text_input("用户名", key="signin_user")
        password = st.text_input("密码", type="password", key="signin_password")
        submitted = st.form_submit_button("登录", key="signin_submit")
    if submitted:
        try:
            _signed_in(auth.authenticate(get_connection(), username, password))
        except auth.SignInFailed as exc:
            bar.error(str(exc))
            return None
        st.rerun()
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        _keep_cookie(None)
    if demo_mode():
        bar.caption("演示模式：未登录可浏览，填报、导出和督查操作需登录")
    return None


def please_sign_in() -> None:
    """The only page when demo mode is off and nobody is signed in."""
    st.title("衢州市政策目标跟踪")
    st.info("请在左侧登录后查看。账号由系统管理员开设。")
