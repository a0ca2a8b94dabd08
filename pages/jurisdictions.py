"""县（市、区）: allocations against progress per jurisdiction, heatmap, ranking, NPC comparison."""
import streamlit as st

from tracker import charts, npc_section, page_blocks as blocks, page_data
from tracker.app_db import cached
from tracker.progress_queries import JURISDICTION
from tracker.session import through_navigation
from tracker.sidebar import selection
from tracker.widget_text import NO_OPTIONS

through_navigation()

sel = selection()
st.title("县（市、区）")
data = cached(page_data.groups, sel.as_of, sel.filters, sel.settings, "jurisdiction_name", level=JURISDICTION)
blocks.context_caption(sel, data.demo, jurisdictions=True)

if data.empty:
    st.info("尚未加载分解到各县（市、区）的任务（民生实事分解表），或筛选条件下没有分解任务。")
else:
    blocks.headline(data.counts)
    st.header("县（市、区）排名")
    blocks.ranking_dataframe(data.ranking, "jurisdiction_name", "县（市、区）", key="jurisdiction_ranking")
    blocks.status_bars(data.mix.frame, data.mix.order, "jurisdiction_name", "各县（市、区）分解任务状态", "县（市、区）",
                       key="jurisdiction_mix")

    st.header("完成度热力图")
    heatmap = cached(page_data.completion_matrix, sel.as_of, sel.filters, sel.settings)
    if heatmap.cut:
        st.caption(f"共 {heatmap.n_targets} 项指标，热力图显示前 {heatmap.matrix.shape[1]} 项；"
                   "可在左侧按文件、政策领域或责任单位筛选，查看其余指标。")
    if heatmap.n_blank:
        st.caption(f"另有 {heatmap.n_blank} 项指标没有完成度（节点类指标按完成与否研判，或尚无县（市、区）报送），"
                   "未列入热力图，见下方“分解任务与进度”。")
    st.caption("行名以所属文件开头：民生实事分省、市两张清单（各自从1编号），其他文件用文号简称（如“7号”）。")
    blocks.chart(charts.completion_heatmap, heatmap.matrix, "各项指标在各县（市、区）的完成度",
                 key="jurisdiction_heatmap")

    st.header("分解任务与进度")
    place = st.selectbox("选择县（市、区）", data.mix.order, key="jurisdiction_select", placeholder=NO_OPTIONS)
    if place is not None:
        blocks.status_dataframe(cached(page_data.group_rows, sel.as_of, sel.filters, sel.settings, "jurisdiction_name",
                                       place, level=JURISDICTION), key="jurisdiction_targets", with_jurisdiction=True)

st.header("人大工作对比")
npc_section.render(sel)
