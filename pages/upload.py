"""数据填报: a unit downloads its template, uploads it (with a progress bar), reads the row
messages, downloads the copy with an error column, and sees its upload history. Roles that
may export download the month's summary here. Checks live in tracker/unit_uploads.py."""
import pandas as pd
import streamlit as st

from tracker import audit, auth, unit_uploads, widget_text
from tracker import filters as f
from tracker.app_db import cached, get_connection
from tracker.formatting import blank_missing, period_label
from tracker.session import current_account, refusal, through_navigation
from tracker.sidebar import selection
from tracker.widget_text import NO_OPTIONS

through_navigation()

st.title("数据填报")
account = current_account()
if not (auth.has(account, auth.UPLOAD) or auth.has(account, auth.EXPORT)):
    st.info(refusal(account, "数据填报", "部门、县（市、区）政府或系统管理员"))
    st.stop()

sel = selection()
months = cached(f.month_options, sel.filters.year)
if not months:
    st.info("数据库中还没有计划年度。")
    st.stop()
default = months.index(sel.as_of) if sel.as_of in months else len(months) - 1
period = st.selectbox("报送期", months, index=default, format_func=period_label, key="up_period", placeholder=NO_OPTIONS)

if auth.has(account, auth.UPLOAD):
    units = unit_uploads.units_for(get_connection(), account)
    if not units:
        st.warning("该账号没有绑定报送单位，请联系系统管理员。")
        st.stop()
    unit = (st.selectbox("报送单位（代报）", units, key="up_unit", placeholder=NO_OPTIONS) if len(units) > 1 else units[0])
    st.caption(f"报送单位：{unit}　报送期：{period_label(period)}")

    st.header("1. 下载填报模板")
    if st.button("生成本单位填报模板", key="up_make_template"):
        try:
            st.session_state["up_template"] = unit_uploads.template_bytes(get_connection(), account, unit, period)
        except (ValueError, auth.PermissionDenied) as exc:
            st.session_state.pop("up_template", None)
            st.error(str(exc))
    made = st.session_state.get("up_template")
    if made and made[0].startswith(f"{unit}_{period}"):
        name, data, n = made
        st.download_button(f"下载 {name}（{n} 行）", data, file_name=name, key="up_template_download",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")

    st.header("2. 上传填好的文件")
    st.caption("把填好的进度表（第 1 步下载的模板，.xlsx、.xls 或 .csv，一次一个文件，不超过50MB）拖到下方框内，"
               f"或点击“{widget_text.BROWSE}”选择。")
    uploaded = st.file_uploader("选择文件（.xlsx、.xls 或 .csv）", type=["xlsx", "xls", "csv"], key="up_file")
    partial = st.checkbox("只接收无误的行（有问题的行不入库，其余照常保存）", key="up_partial")
    if st.button("上传", key="up_submit", disabled=uploaded is None, type="primary"):
        bar = st.progress(0.1, text="正在接收文件…")
        data = uploaded.getvalue()
        bar.progress(0.4, text="正在检查模板、报送期和每一行…")
        try:
            st.session_state["up_last"] = unit_uploads.upload_bytes(
                get_connection(), account, uploaded.name, data, unit, period=period, partial=partial)
        except auth.PermissionDenied as exc:
            st.session_state.pop("up_last", None)
            st.error(str(exc))
        bar.progress(1.0, text="完成")

    last = st.session_state.get("up_last")
    # a result is shown for the unit it was sent for (代报 switches units; the message stays with its unit)
    if last is not None and last.result.unit == unit:
        result = last.result
        show = {"accepted": st.success, "unchanged": st.info, "partial": st.warning}.get(result.outcome, st.error)
        show(result.summary())
        if result.falls:   # stored all the same: a likely monthly figure in the cumulative column, or a typo
            st.warning(f"以下{len(result.falls)}行的累计完成值低于本年此前月份报送的数值，可能误填了当月数或有笔误，请逐行核对：")
            widget_text.dataframe(pd.DataFrame(
                [{"行": f.row, "填报编号": f.row_id, "提示": f.message()} for f in result.falls]),
                hide_index=True, key="up_falls")
        if result.problems:
            widget_text.dataframe(blank_missing(pd.DataFrame(
                [{"工作表": p.sheet, "行": p.row, "列": p.column, "问题": p.message} for p in result.problems])),
                hide_index=True, key="up_problems")
        if last.error_copy is not None:
            st.download_button(f"下载带错误说明的文件 {last.error_copy_name}", last.error_copy,
                               file_name=last.error_copy_name, key="up_error_copy", on_click="ignore")

    st.header("3. 本单位上传记录")
    history = unit_uploads.history(get_connection(), account, unit)
    st.caption(f"共 {len(history)} 次入库的上传（内容与上次相同或整份被拒的文件见下方“全部上传尝试”）")
    widget_text.dataframe(history.rename(columns={
        "upload_id": "编号", "period": "报送期", "file_name": "文件", "uploaded_by": "上传人", "uploaded_at": "上传时间",
        "n_rows": "行数", "n_accepted": "接收行数", "n_rejected": "问题行数", "message": "说明"}),
        hide_index=True, key="up_history")
    kept = history[history["原文件"] == "已保存"]
    if len(kept):
        labels = {int(r.upload_id): f"第{r.upload_id}次 · {period_label(r.period)} · {r.file_name}" for r in kept.itertuples()}
        chosen = st.selectbox("下载当时上传的原文件", list(labels), format_func=labels.get, key="up_original", placeholder=NO_OPTIONS)
        if st.button("取出原文件", key="up_original_fetch"):
            try:
                st.session_state["up_original_file"] = (chosen, *unit_uploads.original_file(
                    get_connection(), account, unit, chosen))
            except (ValueError, auth.PermissionDenied) as exc:
                st.session_state.pop("up_original_file", None)
                st.error(str(exc))
        fetched = st.session_state.get("up_original_file")
        if fetched and fetched[0] == chosen:
            st.download_button(f"下载 {fetched[1]}", fetched[2], file_name=fetched[1], key="up_original_download",
                               on_click="ignore")
    with st.expander("全部上传尝试（含被拒）"):
        tries = unit_uploads.attempts(get_connection(), account, unit)
        tries["details"] = tries["details"].map(audit.details_text)
        widget_text.dataframe(tries.rename(columns={"at": "时间", "actor": "操作人", "action_label": "结果", "details": "详情"}),
                     hide_index=True, key="up_attempts")

if auth.has(account, auth.EXPORT):
    st.header("本月进展汇总表")
    fmt = st.radio("格式", [".xlsx", ".csv"], horizontal=True, key="up_summary_format")
    if st.button("生成汇总表", key="up_make_summary"):
        st.session_state["up_summary"] = unit_uploads.summary_bytes(get_connection(), account, period, fmt)
    made = st.session_state.get("up_summary")
    if made and made[0] == f"进展汇总表_{period}{fmt}":
        st.download_button(f"下载 {made[0]}（{made[2]} 行）", made[1], file_name=made[0], key="up_summary_download",
                           on_click="ignore")
