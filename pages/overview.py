"""总览: headline cards, status mix by document and policy area, pace, the most-behind items."""
import streamlit as st

from tracker import charts, page_blocks as blocks, progress_queries as pq
from tracker.app_db import cached
from tracker.sidebar import selection

sel = selection()
st.title("总览")
status = cached(pq.target_status, sel.as_of, sel.filters, sel.settings)
blocks.context_caption(sel, status)
blocks.headline(status)

st.header("状态分布")
left, right = st.columns(2)
with left:
    blocks.status_bars(status, "doc_number", "按文件", "文件", key="mix_by_document")
with right:
    blocks.status_bars(status.dropna(subset=["area_title"]), "area_title", "按政策领域", "政策领域",
                       key="mix_by_area")

st.header("完成进度与时序进度")
pace = pq.pace_by_group(status.dropna(subset=["area_title"]), "area_title")
if pace.empty:
    st.info("没有已报送的数量类、存量类指标。")
else:
    st.plotly_chart(charts.pace_bars(pace, "area_title", "数量类、存量类指标的平均进度（按政策领域）"),
                    key="pace_by_area")

st.header("最滞后的指标")
blocks.status_dataframe(pq.most_behind(status, 15), key="most_behind",
                        with_jurisdiction=bool(sel.filters.jurisdictions))
