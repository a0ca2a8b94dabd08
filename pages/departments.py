"""部门: each department's targets against target and pace, ranking, one department's list."""
import streamlit as st

from tracker import page_blocks as blocks, progress_queries as pq
from tracker.app_db import cached
from tracker.sidebar import selection

sel = selection()
st.title("部门")
status = cached(pq.target_status, sel.as_of, sel.filters, sel.settings)
blocks.context_caption(sel, status)

st.header("部门排名")
st.caption("按牵头单位统计；正常率 = (已完成 + 正常) ÷ 指标数，平均进度只计数量类和存量类指标。")
ranking = pq.group_summary(status, "lead_unit")
blocks.ranking_dataframe(ranking, "lead_unit", "牵头单位", key="department_ranking")
blocks.status_bars(status, "lead_unit", "各牵头单位指标状态", "牵头单位", key="department_mix",
                   order=ranking["lead_unit"].tolist())

st.header("单位指标清单")
unit = st.selectbox("选择单位", ranking["lead_unit"].tolist(), key="department_select")
if unit is not None:
    blocks.status_dataframe(status[status["lead_unit"] == unit], key="department_targets",
                            with_jurisdiction=bool(sel.filters.jurisdictions))
