"""督查: overdue, far-behind, behind and sent-back items and the units that have not reported, for an
as-of date in the sidebar's month; downloads; 销号, 二次交办 and 撤销; the 月度通报."""
import pandas as pd
import streamlit as st

from tracker import actions, auth, briefing, progress_queries as pq, unit_uploads, widget_text
from tracker import supervision as sv, supervision_export as sx
from tracker.app_db import cached, cached_on_plans, get_connection
from tracker.formatting import display_table, period_label
from tracker.session import current_account, through_navigation
from tracker.sidebar import selection
from tracker.status import month_end
from tracker.supervision_view import supervision_view
from tracker.widget_text import NO_OPTIONS

through_navigation()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

sel = selection()
account = current_account()
can_export, can_supervise = auth.has(account, auth.EXPORT), auth.has(account, auth.SUPERVISE)
st.title("督查")
if sel.as_of is None:
    st.info("还没有加载含量化指标的文件。")
    st.stop()
last = month_end(sel.as_of)
as_of = st.date_input("截至日期", value=last, min_value=last.replace(day=1), max_value=last, key="sv_as_of",
                      help="在侧栏所选月份内；研判和销号、交办记录均按这一天计算")
categories = tuple(st.multiselect("督查类别", sv.CATEGORIES, key="sv_categories", placeholder="全部类别"))
# the action picker offers the listed rows unless asked for every row (its checkbox is drawn below)
every_row = bool(st.session_state.get("sv_every_row", False))
view = cached(supervision_view, as_of, sel.filters, sel.settings, categories, can_export, every_row)
items, units = view.items, view.units
st.caption(f"截至{as_of.year}年{as_of.month}月{as_of.day}日（报送期{period_label(sel.as_of)}）；"
           f"范围：{view.filters_text}")
if pq.has_demo(items):
    st.warning("演示数据：本页的报送进度含演示数据，不是真实报送。", icon=":material/science:")
message = st.session_state.pop("sv_message", None)
if message:
    st.success(message)

counts = sv.item_counts(items)
for column, (label, n) in zip(st.columns(5), [*counts.items(), ("未报送单位", len(units))]):
    column.metric(label, f"{n}")

st.header("督查清单")
st.caption("督查类别取第一项适用的：逾期（过截止日期未完成，含未报送的）、严重滞后、滞后、二次交办（已交办未销号）。")
table = sx.item_rows(items)
widget_text.dataframe(display_table(pd.DataFrame(table, columns=list(sx.PAGE_HEADERS)), percents=("完成进度",)),
             hide_index=True, key="sv_items")
if can_export:
    left, middle, right = st.columns(3)
    # the 未报送单位 list is not narrowed by the 督查类别: its file is named and audited without them
    for column, label, data, sheet, suffix, mime, key, scope, scope_text in (
            (left, "下载督查清单（Excel）", view.xlsx, sx.ITEMS_SHEET, ".xlsx", XLSX, "sv_download_xlsx",
             view.file_scope, view.filters_text),
            (middle, "下载督查清单（CSV）", view.items_csv, sx.ITEMS_SHEET, ".csv", "text/csv", "sv_download_csv",
             view.file_scope, view.filters_text),
            (right, "下载未报送单位（CSV）", view.units_csv, sx.UNITS_SHEET, ".csv", "text/csv",
             "sv_download_units_csv", view.units_file_scope, view.units_filters_text)):
        name = sx.file_name(sheet, as_of, suffix, scope)
        column.download_button(label, data, file_name=name, mime=mime, key=key, on_click=unit_uploads.record_download,
                               args=(account, f"supervision:{as_of}", name, data), kwargs={"scope": scope_text})
else:
    st.caption("下载督查清单需以市领导、督查或系统管理员账号登录。")

st.header(f"未报送单位（{len(units)}）")
if units.empty:
    st.info("本期各单位均已报送。")
else:
    # one type per column: the upload time as text, "—" for a unit that sent nothing this month
    widget_text.dataframe(display_table(pd.DataFrame(sx.unit_rows(units), columns=[
        "序号", "报送单位", "单位类型", "应报事项", "已报事项", "缺报事项数", "报送情况", "最近上传时间", "缺报事项"])),
        hide_index=True, key="sv_units")

# ---------------------------------------------------------------- actions
st.header("销号与二次交办")
st.checkbox("也可选督查清单以外的事项", key="sv_every_row",
            help="默认只列督查清单上的事项；勾选后可选当前范围内的全部事项（数据多时上万项，加载稍慢）")
rows = view.choices
if rows.empty and not every_row:
    st.info("督查清单上没有事项；要对其他事项操作，请勾选上方选项。")
on_list = set(items["row_id"])
choices = {f"{r.target_id}|{r.jurisdiction_code}": f"T{r.target_id}-{r.jurisdiction_code}｜{r.item_label}{r.indicator}"
           f"（{r.jurisdiction_name}）" for r in rows.itertuples()}
for acted, label in st.session_state.get("sv_acted", {}).items():
    choices.setdefault(acted, label)
# options in document order, listed rows first; the labels carry no status, so the choice survives an action
keys = sorted(choices, key=lambda k: f"T{k.replace('|', '-')}" not in on_list)
chosen = st.selectbox("事项（督查清单上的排在前面）", keys, format_func=choices.get, key="sv_row", placeholder=NO_OPTIONS)
if chosen is not None:
    current = rows[(rows["target_id"].astype(str) + "|" + rows["jurisdiction_code"]) == chosen]
    if len(current):
        st.caption(f"当前状态：{current.iloc[0]['status']}；{current.iloc[0]['note']}")
    else:
        st.caption("该事项已不在督查清单上（操作记录见“记录与撤销”）。")
actor = account
if can_supervise:
    st.caption(f"操作人：{account.label}")
else:
    st.info("销号、二次交办和撤销需以督查账号登录（侧栏）。")


def _record(what: str, call, row: str, detail: str = "") -> None:
    try:
        action_id = call()
    except (actions.ActionError, auth.PermissionDenied) as exc:
        st.error(str(exc))
        return
    st.cache_data.clear()
    # the row acted on stays offered and chosen, also once it has left the list (closed out)
    st.session_state.setdefault("sv_acted", {})[row] = choices[row]
    st.session_state["sv_message"] = f"已记录{what}（记录{action_id}{detail}）。"
    st.rerun()


if chosen is not None and can_supervise:
    target_id, code = int(chosen.split("|")[0]), chosen.split("|")[1]
    close_tab, send_tab, history_tab = st.tabs(["销号", "二次交办", "记录与撤销"])
    with close_tab:
        with st.form("sv_close_form", clear_on_submit=True):
            note = st.text_area("销号依据（佐证说明）", key="sv_close_note")
            close_day = st.date_input("销号日期", value=as_of, key="sv_close_date")
            st.caption("佐证材料（可选）：把验收单、照片或说明文件（任意格式，单个文件，不超过20MB）拖到下方框内，"
                       f"或点击“{widget_text.BROWSE}”选择。")
            upload = st.file_uploader("佐证材料（可选）", key="sv_close_file", label_visibility="collapsed")
            if st.form_submit_button("确认销号", key="sv_close_submit"):
                evidence = actions.Evidence(upload.name, upload.getvalue()) if upload is not None else None
                _record("销号", lambda: actions.close_out(get_connection(), target_id, code, actor, note, close_day,
                                                         evidence), chosen,
                        f"，附佐证材料：{upload.name}" if upload is not None else "，未附佐证材料")
    with send_tab:
        with st.form("sv_send_form", clear_on_submit=True):
            reason = st.text_area("交办理由", key="sv_send_reason")
            send_day = st.date_input("交办日期", value=as_of, key="sv_send_date")
            deadline = st.date_input("新的完成期限", value=None, key="sv_send_deadline")
            if st.form_submit_button("确认二次交办", key="sv_send_submit"):
                _record("二次交办", lambda: actions.send_back(get_connection(), target_id, code, actor, reason,
                                                           deadline, send_day), chosen)
    with history_tab:
        history = cached(actions.history, target_id, code)
        if history.empty:
            st.caption("该事项还没有督查记录。")
        else:
            widget_text.dataframe(display_table(history[["action_id", "操作", "action_date", "actor", "note", "new_deadline",
                                                "undoes_action_id", "undone_by", "evidence_name", "recorded_at"]])
                         .rename(columns={
                "action_id": "记录", "action_date": "日期", "actor": "操作人", "note": "说明", "new_deadline": "新期限",
                "undoes_action_id": "撤销的记录", "undone_by": "被撤销于", "evidence_name": "佐证材料",
                "recorded_at": "记录时间"}), hide_index=True, key="sv_history")
            for action_id in history.loc[history["evidence_name"].notna(), "action_id"].tolist():
                evidence = actions.evidence_file(get_connection(), int(action_id))
                st.download_button(f"下载佐证材料：{evidence.name}（记录{action_id}）", evidence.content,
                                   file_name=evidence.name, key=f"sv_evidence_{action_id}",
                                   on_click=unit_uploads.record_download,
                                   args=(account, f"action:{action_id}", evidence.name, evidence.content))
            undoable = history[(history["kind"] != actions.UNDO) & history["undone_by"].isna()]["action_id"].tolist()
            if undoable:
                undo_id = st.selectbox("撤销记录", undoable, key="sv_undo_select", placeholder=NO_OPTIONS,
                                       format_func=lambda i: f"记录{i}")
                undo_reason = st.text_input("撤销理由", key="sv_undo_reason")
                if st.button("撤销", key="sv_undo_button"):
                    _record("撤销", lambda: actions.undo(get_connection(), int(undo_id), actor, undo_reason, as_of),
                            chosen)

# ---------------------------------------------------------------- monthly briefing
st.header("月度通报")
st.caption(f"{period_label(sel.as_of)}：状态统计、部门和县（市、区）排名、逾期清单、未报送单位，范围同上方筛选。")
if not can_export:
    st.caption("生成月度通报需以市领导、督查或系统管理员账号登录。")
elif st.button("生成月度通报", key="sv_briefing_make"):
    st.session_state["sv_briefing"] = {
        suffix: cached(briefing.briefing_file, as_of, suffix, sel.filters, sel.settings)
        for suffix in (".xlsx", ".docx")
    } | {"as_of": as_of, "filters": sel.filters}
made = st.session_state.get("sv_briefing")
# offered only for the date and filters it was made for; after a change the user makes it again
if made and made["as_of"] == as_of and made.get("filters") == sel.filters:
    excel, word = st.columns(2)
    for column, label, suffix, mime in ((excel, "下载月度通报（Excel，含图表）", ".xlsx", XLSX),
                                        (word, "下载月度通报（Word）", ".docx", DOCX)):
        # the briefing's scope is the sidebar's filters (not the page's 督查类别)
        name = briefing.file_name(as_of, suffix, cached_on_plans(sv.file_scope, sel.filters))
        column.download_button(label, made[suffix], key=f"sv_briefing_{suffix[1:]}", file_name=name, mime=mime,
                               on_click=unit_uploads.record_download,
                               args=(account, f"briefing:{as_of}", name, made[suffix]),
                               kwargs={"scope": view.filters_text})
