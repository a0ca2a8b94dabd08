"""部门: each department's targets against target and pace, ranking, one department's list."""
import streamlit as st

from tracker import page_blocks as blocks, page_data
from tracker.app_db import cached
from tracker.session import through_navigation
from tracker.sidebar import selection
from tracker.widget_text import NO_OPTIONS

through_navigation()

sel = selection()
st.title("部门")
data = cached(page_data.groups, sel.as_of, sel.filters, sel.settings, "lead_unit")
blocks.context_caption(sel, data.demo)

st.header("部门排名")
st.caption("按牵头单位统计；正常率 = (已完成 + 正常) ÷ 指标数，平均进度只计数量类和存量类指标。")
blocks.ranking_dataframe(data.ranking, "lead_unit", "牵头单位", key="department_ranking")
blocks.status_bars(data.mix.frame, data.mix.order, "lead_unit", "各牵头单位指标状态", "牵头单位", key="department_mix")

st.header("单位指标清单")
unit = st.selectbox("选择单位", data.mix.order, key="department_select", placeholder=NO_OPTIONS)
if unit is not None:
    blocks.status_dataframe(cached(page_data.group_rows, sel.as_of, sel.filters, sel.settings, "lead_unit", unit),
                            key="department_targets", with_jurisdiction=bool(sel.filters.jurisdictions))
