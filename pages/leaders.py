"""牵头市领导: each leader's targets against target and pace, ranking, one leader's list."""
import streamlit as st

from tracker import page_blocks as blocks, page_data
from tracker.app_db import cached
from tracker.session import through_navigation
from tracker.sidebar import selection
from tracker.widget_text import NO_OPTIONS

through_navigation()

sel = selection()
st.title("牵头市领导")
data = cached(page_data.groups, sel.as_of, sel.filters, sel.settings, "leaders")
blocks.context_caption(sel, data.demo)

st.header("市领导排名")
st.caption("一项任务有几位牵头市领导时，分别计入每一位。")
blocks.ranking_dataframe(data.ranking, "leaders", "牵头市领导", key="leader_ranking")
blocks.status_bars(data.mix.frame, data.mix.order, "leaders", "各位市领导牵头指标状态", "牵头市领导", key="leader_mix")

st.header("市领导牵头的指标")
leader = st.selectbox("选择市领导", data.mix.order, key="leader_select", placeholder=NO_OPTIONS)
if leader is not None:
    blocks.status_dataframe(cached(page_data.group_rows, sel.as_of, sel.filters, sel.settings, "leaders", leader),
                            key="leader_targets", with_jurisdiction=bool(sel.filters.jurisdictions))
