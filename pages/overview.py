"""总览: headline cards, status mix by document and policy area, pace, the most-behind items."""
import streamlit as st

from tracker import charts, page_blocks as blocks, page_data
from tracker.app_db import cached
from tracker.session import through_navigation
from tracker.sidebar import selection

through_navigation()

sel = selection()
st.title("总览")
data = cached(page_data.overview, sel.as_of, sel.filters, sel.settings)
blocks.context_caption(sel, data.demo)
blocks.headline(data.counts)

st.header("状态分布")
left, right = st.columns(2)
with left:
    blocks.status_bars(data.by_document.frame, data.by_document.order, "doc_number", "按文件", "文件",
                       key="mix_by_document")
with right:
    blocks.status_bars(data.by_area.frame, data.by_area.order, "area_title", "按政策领域", "政策领域",
                       key="mix_by_area")

st.header("完成进度与时序进度")
if data.pace_by_area.empty:
    st.info("没有已报送的数量类、存量类指标。")
else:
    blocks.chart(charts.pace_bars, data.pace_by_area, "area_title", "数量类、存量类指标的平均进度（按政策领域）",
                 key="pace_by_area")

st.header("最滞后的指标")
blocks.status_dataframe(data.most_behind, key="most_behind", with_jurisdiction=bool(sel.filters.jurisdictions))
