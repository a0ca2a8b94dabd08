"""The People's Congress comparison on the 县（市、区） page.

Reads :func:`tracker.npc_queries.npc_comparison` (issue 4) for the plan's city; while
that module or its facts are missing the page shows a labelled placeholder instead
of guessing figures. The jurisdiction filter keeps the city row and the chosen counties.

Below it, each topical inquiry of the city (:func:`tracker.npc_queries.npc_inquiry_facts`) has a
subheader ``专题询问：<topic>`` and its figures, plans apart from status, each with its source text.
"""
from __future__ import annotations

import importlib

import duckdb
import pandas as pd
import streamlit as st

from tracker.app_db import cached_on_plans
from tracker.formatting import display_table
from tracker import widget_text

PLACEHOLDER = "人大常委会工作数据尚未加载：待人大工作报告（各县（市、区）年度工作统计）加载后在此对比。"


def plan_city(con: duckdb.DuckDBPyConnection) -> str | None:
    """The city code most documents with targets belong to."""
    row = con.execute(
        "SELECT d.city_code FROM documents d JOIN items i USING (doc_id) JOIN targets t USING (item_id) "
        "WHERE d.city_code IS NOT NULL GROUP BY d.city_code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def jurisdiction_names(con: duckdb.DuckDBPyConnection, codes: tuple[str, ...]) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM jurisdictions WHERE list_contains(?::VARCHAR[], code)",
                                      [list(codes)]).fetchall()]


def _module():
    try:
        return importlib.import_module("tracker.npc_queries")
    except ImportError:
        return None


#: The columns of an inquiry's figures on the page (the table of the query has more), in the order a figure is
#: said: 开工率 ≥ 70 %, 总投资 约 24.9 亿元.
INQUIRY_COLUMNS = ["性质", "年份", "县（市、区）", "指标", "条件", "约数", "数值", "单位", "原文", "原句", "来源文件", "起", "止"]


def render(sel) -> None:
    module = _module()
    if module is None or not hasattr(module, "npc_comparison"):
        st.info(PLACEHOLDER, icon=":material/info:")
        return
    city = cached_on_plans(plan_city)
    _render_comparison(sel, module, city)
    if hasattr(module, "npc_inquiry_facts"):
        _render_inquiries(sel, module, city)


def _keep(sel, table: pd.DataFrame, city_names) -> pd.DataFrame:
    """Rows of the city and of the counties chosen in the sidebar (all rows when none is chosen)."""
    if not sel.filters.jurisdictions:
        return table
    keep = set(cached_on_plans(jurisdiction_names, sel.filters.jurisdictions)) | set(city_names)
    return table[table["县（市、区）"].isin(keep)]


def _render_inquiries(sel, module, city) -> None:
    facts = cached_on_plans(module.npc_inquiry_facts, city)
    if facts is None or len(facts) == 0:
        return
    city_names = cached_on_plans(jurisdiction_names, (city,)) if city else []
    for n, (topic, rows) in enumerate(facts.groupby("专题", sort=False)):
        st.subheader(f"专题询问：{topic}")
        st.caption("人大常委会专题询问会上所说的数字：“目标/计划”为计划、要求的数（“≥”即“以上”，年份“2023—2025”"
                   "为计划的起止年份），“进展/现状”为询问会时已完成或已落实的数；“约”为原文所说的约数。"
                   "原文、原句已去除排版空格，起、止为其在来源文件中的位置。")
        shown = _keep(sel, rows, city_names)
        widget_text.dataframe(display_table(shown[INQUIRY_COLUMNS]), hide_index=True, key=f"npc_inquiry_{n}")


def _render_comparison(sel, module, city) -> None:
    table = cached_on_plans(module.npc_comparison, None, city)
    if table is None or len(table) == 0:
        st.info(PLACEHOLDER, icon=":material/info:")
        return
    table = _keep(sel, table, table["城市"])
    st.caption("人大常委会年度工作报告中的计数（“—”：该报告未提及；同一指标有多个数字时，计数取最大者，"
               "即全年总数而非其中一项活动的数，比率取首次提及者；全部数字见“数字出处”）。")
    widget_text.dataframe(display_table(table.drop(columns=["城市"])), hide_index=True, key="npc_comparison")
    if hasattr(module, "npc_facts"):
        with st.expander("数字出处（原句）"):
            facts = cached_on_plans(module.npc_facts, None, city)
            widget_text.dataframe(display_table(facts[["年份", "县（市、区）", "指标", "数值", "单位", "原句", "来源文件"]]),
                         hide_index=True, key="npc_facts")
