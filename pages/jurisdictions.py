"""县（市、区）: allocations against progress per jurisdiction, heatmap, ranking, NPC comparison."""
import streamlit as st

from tracker import charts, npc_section, page_blocks as blocks, progress_queries as pq
from tracker.app_db import cached
from tracker.sidebar import selection

sel = selection()
st.title("县（市、区）")
status = cached(pq.target_status, sel.as_of, sel.filters, sel.settings, level=pq.JURISDICTION)
blocks.context_caption(sel, status, jurisdictions=True)

if status.empty:
    st.info("尚未加载分解到各县（市、区）的任务（民生实事分解表），或筛选条件下没有分解任务。")
else:
    blocks.headline(status)
    st.header("县（市、区）排名")
    ranking = pq.group_summary(status, "jurisdiction_name")
    blocks.ranking_dataframe(ranking, "jurisdiction_name", "县（市、区）", key="jurisdiction_ranking")
    blocks.status_bars(status, "jurisdiction_name", "各县（市、区）分解任务状态", "县（市、区）",
                       key="jurisdiction_mix", order=ranking["jurisdiction_name"].tolist())

    st.header("完成度热力图")
    st.plotly_chart(charts.completion_heatmap(pq.completion_matrix(status), "各项指标在各县（市、区）的完成度"),
                    key="jurisdiction_heatmap")

    st.header("分解任务与进度")
    place = st.selectbox("选择县（市、区）", ranking["jurisdiction_name"].tolist(), key="jurisdiction_select")
    if place is not None:
        blocks.status_dataframe(status[status["jurisdiction_name"] == place], key="jurisdiction_targets",
                                with_jurisdiction=True)

st.header("人大工作对比")
npc_section.render(sel)
