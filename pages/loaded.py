"""已加载文件: what the loaders read from the shipped sources."""
import streamlit as st

from tracker import queries, widget_text
from tracker.app_db import get_connection
from tracker.formatting import display_table, kind_label, target_text
from tracker.session import through_navigation
from tracker.widget_text import NO_OPTIONS

through_navigation()

con = get_connection()
st.title("已加载文件")

documents = queries.loaded_documents(con)
st.caption(queries.loaded_caption(documents, queries.whole_item_count(con)))
widget_text.dataframe(
    display_table(documents.assign(kind=documents["kind"].map(kind_label))[
        ["doc_number", "title", "issuer", "issue_date", "kind", "n_items", "n_targets", "file_name"]
    ]),
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
    key="doc_select", placeholder=NO_OPTIONS,
)
if choice is not None:
    register = queries.target_register(con, int(choice))
    # the target as written ("≥1,500亿元"), not the number in base units (150000000000)
    written = [target_text(v, h, u, c) for v, h, u, c in zip(
        register["value"], register["value_high"], register["unit"], register["comparator"])]
    widget_text.dataframe(
        display_table(register.assign(kind=register["kind"].map(kind_label), target=written)[
            ["item_label", "item_title", "indicator", "raw", "target", "kind", "due_date", "lead_unit", "units",
             "leaders"]
        ]),
        column_config={
            "item_label": "序号", "item_title": "条目", "indicator": "指标", "raw": "原文", "target": "目标值",
            "kind": "类型", "due_date": "截止日期", "lead_unit": "牵头单位", "units": "责任单位",
            "leaders": "牵头市领导",
        },
        hide_index=True,
        key="targets_table",
    )

findings = queries.load_findings(con)
if len(findings):
    with st.expander(f"加载时记录的问题（{len(findings)}）"):
        widget_text.dataframe(display_table(findings.assign(severity=findings["severity"].map(queries.SEVERITY_LABELS)
                                                   .fillna(findings["severity"])))
                     .rename(columns={"severity": "级别", "doc_number": "文号", "label": "序号", "message": "说明",
                                      "source_start": "起始位置", "source_end": "结束位置"}),
                     hide_index=True, key="findings_table")
