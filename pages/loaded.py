"""已加载文件: what the loaders read from the shipped sources."""
import streamlit as st

from tracker import queries
from tracker.app_db import get_connection

con = get_connection()
st.title("已加载文件")

documents = queries.loaded_documents(con)
st.caption(f"共 {len(documents)} 份文件，{int(documents['n_items'].sum())} 个条目，"
           f"{int(documents['n_targets'].sum())} 个量化指标")
st.dataframe(
    documents.assign(kind=documents["kind"].map(queries.DOC_KIND_LABELS).fillna(documents["kind"]))[
        ["doc_number", "title", "issuer", "issue_date", "kind", "n_items", "n_targets", "file_name"]
    ],
    column_config={
        "doc_number": "文号", "title": "标题", "issuer": "发文机关", "issue_date": "成文日期",
        "kind": "类型", "n_items": "条目数", "n_targets": "指标数", "file_name": "源文件",
    },
    hide_index=True,
    key="documents_table",
)

plans = documents[documents["n_items"] > 0]
choice = st.selectbox(
    "查看文件的指标", plans["doc_id"].tolist(),
    format_func=lambda d: f"{plans.set_index('doc_id').at[d, 'doc_number']} {plans.set_index('doc_id').at[d, 'title']}",
    key="doc_select",
)
if choice is not None:
    register = queries.target_register(con, int(choice))
    st.dataframe(
        register.assign(kind=register["kind"].map(queries.TARGET_KIND_LABELS))[
            ["item_label", "item_title", "indicator", "raw", "base_value", "base_unit", "comparator",
             "kind", "due_date", "lead_unit", "units", "leaders"]
        ],
        column_config={
            "item_label": "序号", "item_title": "条目", "indicator": "指标", "raw": "原文",
            "base_value": st.column_config.NumberColumn("目标值", format="%g"), "base_unit": "单位",
            "comparator": "比较", "kind": "类型", "due_date": "截止日期", "lead_unit": "牵头单位",
            "units": "责任单位", "leaders": "牵头市领导",
        },
        hide_index=True,
        key="targets_table",
    )

findings = queries.load_findings(con)
if len(findings):
    with st.expander(f"加载时记录的问题（{len(findings)}）"):
        st.dataframe(findings, hide_index=True, key="findings_table")
