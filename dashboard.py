"""Entry point: ``streamlit run dashboard.py``. Navigation and the shared sidebar; pages live in pages/."""
import streamlit as st

from tracker import sidebar

st.set_page_config(page_title="衢州市政策目标跟踪", page_icon=":material/dashboard:", layout="wide")

navigation = st.navigation(
    {
        "进度": [
            st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
            st.Page("pages/departments.py", title="部门", icon=":material/account_balance:"),
            st.Page("pages/jurisdictions.py", title="县（市、区）", icon=":material/map:"),
            st.Page("pages/leaders.py", title="牵头市领导", icon=":material/person:"),
            st.Page("pages/tasks.py", title="任务", icon=":material/search:"),
        ],
        "数据": [
            st.Page("pages/data_quality.py", title="数据质量", icon=":material/fact_check:"),
            st.Page("pages/loaded.py", title="已加载文件", icon=":material/description:"),
        ],
    }
)
sidebar.render()
navigation.run()
