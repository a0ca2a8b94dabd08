"""The People's Congress comparison on the 县（市、区） page.

Issue 4 adds ``tracker.npc_queries``; until it exists (or while its tables are
empty) the page shows a labelled placeholder instead of guessing figures.
"""
from __future__ import annotations

import importlib

import streamlit as st

from tracker.app_db import cached

PLACEHOLDER = "人大常委会工作数据尚未加载：待人大工作报告（各县（市、区）2023年工作统计）加载后在此对比。"


def _npc_function():
    try:
        module = importlib.import_module("tracker.npc_queries")
    except ImportError:
        return None
    return getattr(module, "npc_comparison", None)


def render(sel) -> None:
    func = _npc_function()
    if func is None:
        st.info(PLACEHOLDER, icon=":material/info:")
        return
    table = cached(func)
    if table is None or len(table) == 0:
        st.info(PLACEHOLDER, icon=":material/info:")
        return
    st.dataframe(table, hide_index=True, key="npc_comparison")
