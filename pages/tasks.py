"""任务: search by words, number or unit; one task's source text, targets, responsibility,
monthly history against the expected pace, and every reported note."""
import streamlit as st

from tracker import page_blocks as blocks, progress_queries as pq, task_queries as tq, widget_text
from tracker.app_db import cached, cached_on_plans
from tracker.formatting import display_table, item_name, period_label, source_html
from tracker.session import through_navigation
from tracker.sidebar import selection
from tracker.widget_text import NO_OPTIONS

through_navigation()

sel = selection()
st.title("任务")
words = st.text_input("搜索任务（词语、数字或单位，空格分隔）", key="task_search",
                      placeholder="如：充电桩 500 亩；也可搜责任单位或市领导，如：市发改委")
found = cached_on_plans(tq.search_items, words, sel.filters)
st.caption(f"找到 {len(found)} 项任务")
widget_text.dataframe(display_table(found[["doc_number", "label", "title", "n_targets", "lead_unit", "units", "leaders"]]).rename(
    columns={"doc_number": "文件", "label": "序号", "title": "任务", "n_targets": "指标数", "lead_unit": "牵头单位",
             "units": "责任单位", "leaders": "牵头市领导"}), hide_index=True, key="task_results", height=240)

labels = {r.item_id: f"{r.doc_number} {item_name(r.label, r.title)}" for r in found.itertuples()}
item_id = st.selectbox("查看任务", list(labels), format_func=labels.get, key="task_select", placeholder=NO_OPTIONS)
if item_id is not None:
    detail = cached_on_plans(tq.item_detail, int(item_id))
    st.header(item_name(detail["label"], detail["title"]), anchor=False)
    st.caption(f"{detail['doc_number']} {detail['doc_title']}" + (f" · {detail['area_title']}" if detail["area_title"] else ""))
    lead, coop, leaders = st.columns(3)
    lead.markdown("**牵头单位**  \n" + ("、".join(detail["lead_units"]) or "—"))
    coop.markdown("**配合单位**  \n" + ("、".join(detail["cooperating_units"]) or "—"))
    leaders.markdown("**牵头市领导**  \n" + ("、".join(detail["leaders"]) or "—"))

    st.subheader("原文")
    st.markdown(source_html(cached_on_plans(tq.item_source, int(item_id))), unsafe_allow_html=True)

    st.subheader("指标与进度")
    mine = cached(pq.item_status, int(item_id), sel.as_of, sel.filters.without_jurisdictions(), sel.settings)
    shares = cached(pq.item_status, int(item_id), sel.as_of, sel.filters.without_jurisdictions(), sel.settings,
                    level=pq.JURISDICTION)
    blocks.context_caption(sel, pq.has_demo(mine), scope=blocks.task_scope(sel, bool(len(shares))))
    for note in cached_on_plans(tq.each_county_notes, int(item_id)) + cached_on_plans(tq.whole_item_notes, int(item_id)):
        st.info(note)
    blocks.status_dataframe(mine, key="task_targets")
    mine_shares = shares
    if len(mine_shares):
        blocks.status_dataframe(mine_shares, key="task_allocations", with_jurisdiction=True)
        st.caption(tq.ALLOCATED_REPORTERS)

    st.subheader("月度进度")
    targets = {r.target_id: blocks.target_label(r.seq, r.indicator, r.raw) for r in mine.itertuples()}
    target_id = st.selectbox("指标", list(targets), format_func=targets.get, key="task_target", placeholder=NO_OPTIONS)
    if target_id is not None:
        # "" for the whole city: a None option would show Streamlit's "Choose an option" placeholder
        places = {"": "全市"} | {r.jurisdiction_code: r.jurisdiction_name
                                 for r in mine_shares[mine_shares["target_id"] == target_id].itertuples()}
        place = st.selectbox("范围", list(places), format_func=places.get, key="task_scope", placeholder=NO_OPTIONS)
        history = cached(tq.target_history, int(target_id), place or None, sel.as_of, sel.settings)
        target = mine[mine["target_id"] == target_id].iloc[0]
        share = mine_shares[(mine_shares["target_id"] == target_id) & (mine_shares["jurisdiction_code"] == place)]
        if not place and len(places) > 1:
            st.caption("全市数为各县（市、区）当月报送之和；有县（市、区）未报送的月份不计合计。")
        blocks.history_block(history, target["kind"], blocks.history_title(target, share.iloc[0] if place else None),
                             target["unit"], key="task_history")

    st.subheader("报送记录")
    notes = cached(tq.item_notes, int(item_id), sel.as_of)
    if sel.as_of:
        st.caption(f"列出截至{period_label(sel.as_of)}的报送（含更正）；之后月份的报送不列出。")
    if notes.empty:
        st.info("尚无报送记录。")
    else:
        st.caption("每月每行以最后报送的版本为准（说明列：当前有效 / 已更正 / 已被替换）；报送单位为发送该数据的单位。")
        widget_text.dataframe(display_table(notes).rename(columns={
            "period": "报送期", "seq": "指标序号", "indicator": "指标", "jurisdiction": "范围", "standing": "说明",
            "value": "累计值",
            "unit": "单位", "reported_status": "报送状态", "progress_text": "进展情况", "problems_text": "存在问题",
            "next_steps_text": "下步打算", "unit_name": "报送单位", "uploaded_by": "报送人", "uploaded_at": "报送时间",
            "version": "版本", "is_demo": "演示数据"}), hide_index=True, key="task_notes")
