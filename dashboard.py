"""Entry point: ``streamlit run dashboard.py``. Sign-in, navigation (pages by role) and the shared
sidebar; pages live in pages/. Who may do what is decided in tracker/auth.py."""
from pathlib import Path

import streamlit as st

from tracker import auth, session, sidebar, widget_text

# The browser tab's icon is a file of ours, served by this server: a ":material/…:" icon here made every
# page ask fonts.gstatic.com for its SVG (a failed request per view on an intranet). The pages' icons in
# the menu below are drawn with the Material Symbols font Streamlit ships, and ask nothing outside.
PAGE_ICON = Path(__file__).parent / "tracker" / "assets" / "icon.png"
st.set_page_config(page_title="衢州市政策目标跟踪", page_icon=str(PAGE_ICON), layout="wide")
st.markdown(widget_text.CSS, unsafe_allow_html=True)

# The sign-in form is drawn after st.navigation: until the first st.navigation of a server process,
# Streamlit's active page hash is not the main script's, so a form drawn before it got other widget
# ids on the next run and the first sign-in after a start was silently lost (tests/e2e/test_sign_in.py).
account = session.current_account()
UPLOAD_PAGE = dict(page="pages/upload.py", title="数据填报", icon=":material/upload_file:")
ADMIN_PAGE = dict(page="pages/admin.py", title="系统管理", icon=":material/admin_panel_settings:")
may = {"upload": auth.has(account, auth.UPLOAD) or auth.has(account, auth.EXPORT),
       "admin": auth.has(account, auth.MANAGE_ACCOUNTS)}
# A page the role may not use is not in the menu; opened by its address (a bookmark) it is added, and says
# 请先登录 or 无权限 itself, rather than Streamlit's English "Page not found" and the overview.
if not auth.has(account, auth.EXPORT):
    st.markdown(widget_text.NO_TABLE_DOWNLOAD_CSS, unsafe_allow_html=True)
asked = session.requested_page()
refused = [st.Page(**spec) for name, spec in (("upload", UPLOAD_PAGE), ("admin", ADMIN_PAGE))
           if asked == name and not may[name]]
if account is None and not session.demo_mode():
    navigation = st.navigation([st.Page(session.please_sign_in, title="登录", icon=":material/login:")] + refused)
    session.render_sign_in()
    navigation.run()
    st.stop()

pages = {
    "进度": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
        st.Page("pages/departments.py", title="部门", icon=":material/account_balance:"),
        st.Page("pages/jurisdictions.py", title="县（市、区）", icon=":material/map:"),
        st.Page("pages/leaders.py", title="牵头市领导", icon=":material/person:"),
        st.Page("pages/tasks.py", title="任务", icon=":material/search:"),
    ],
    "督查": [
        st.Page("pages/supervision.py", title="督查", icon=":material/assignment_late:"),
    ],
    "数据": [
        st.Page("pages/data_quality.py", title="数据质量", icon=":material/fact_check:"),
        st.Page("pages/loaded.py", title="已加载文件", icon=":material/description:"),
    ],
}
work = [st.Page(**spec) for name, spec in (("upload", UPLOAD_PAGE), ("admin", ADMIN_PAGE)) if may[name]] + refused
if work:
    pages["填报与管理"] = work
navigation = st.navigation(pages)
session.render_sign_in()
sidebar.render()
navigation.run()
