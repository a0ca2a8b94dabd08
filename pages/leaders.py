"""牵头市领导: each leader's targets against target and pace, ranking, one leader's list."""
import streamlit as st

from tracker import page_blocks as blocks, progress_queries as pq
from tracker.app_db import cached
from tracker.sidebar import selection

sel = selection()
st.title("牵头市领导")
status = cached(pq.target_status, sel.as_of, sel.filters, sel.settings)
blocks.context_caption(sel, status)

st.header("市领导排名")
st.caption("一项任务有几位牵头市领导时，分别计入每一位。")
ranking = pq.group_summary(status, "leaders")
blocks.ranking_dataframe(ranking, "leaders", "牵头市领导", key="leader_ranking")
led = status.assign(leader=status["leaders"].str.split("、")).explode("leader").dropna(subset=["leader"])
blocks.status_bars(led, "leader", "各位市领导牵头指标状态", "牵头市领导", key="leader_mix",
                   order=ranking["leaders"].tolist())

st.header("市领导牵头的指标")
leader = st.selectbox("选择市领导", ranking["leaders"].tolist(), key="leader_select")
if leader is not None:
    blocks.status_dataframe(led[led["leader"] == leader], key="leader_targets",
                            with_jurisdiction=bool(sel.filters.jurisdictions))
