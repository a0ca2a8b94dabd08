"""数据质量: documents loaded, counts per kind, numbers for review, allocation totals,
load findings, count reports below an earlier month's, uploads and their rejected rows."""
import pandas as pd
import streamlit as st

from tracker import queries, widget_text
from tracker.app_db import cached, cached_on_plans
from tracker.formatting import display_table, kind_label, period_label, with_unit
from tracker.session import through_navigation
from tracker.sidebar import selection

through_navigation()

st.title("数据质量")

documents = cached_on_plans(queries.loaded_documents)
st.header("已加载文件")
st.caption(queries.loaded_caption(documents, cached_on_plans(queries.whole_item_count)))
widget_text.dataframe(display_table(documents.assign(kind=documents["kind"].map(kind_label))[
    ["doc_number", "title", "issue_date", "kind", "n_items", "n_targets", "file_name"]]).rename(columns={
        "doc_number": "文号", "title": "标题", "issue_date": "成文日期", "kind": "类型", "n_items": "条目数",
        "n_targets": "指标数", "file_name": "源文件"}), hide_index=True, key="quality_documents")

st.header("各类条目与指标数量")
kinds = cached_on_plans(queries.counts_per_kind)
widget_text.dataframe(kinds.rename(columns={c: queries.kind_label(c) for c in kinds.columns}
                          | {"doc_number": "文号", "title": "标题"}),
             hide_index=True, key="quality_kinds")

review = cached_on_plans(queries.numbers_for_review)
st.header(f"待复核的数字（{len(review)}）")
st.caption("条目正文中既未识别为指标、也未归入补助、门槛、名称等类别的数字，需人工确认。")
widget_text.dataframe(display_table(review).rename(columns={"doc_number": "文号", "label": "序号", "title": "条目", "raw": "数字",
                                    "reason": "原因", "context": "上下文", "source_start": "起始位置",
                                    "source_end": "结束位置"}), hide_index=True, key="quality_numbers")

mismatches = cached_on_plans(queries.allocation_mismatches)
st.header(f"分解数之和与全市目标不一致（{len(mismatches)}）")
st.caption("只核对数量类、存量类指标；比率、限值类指标（如“95%”）各地分别达到，不相加。")
widget_text.dataframe(display_table(mismatches).rename(columns={"doc_number": "文号", "label": "序号", "indicator": "指标",
                                        "city_value": "全市目标", "unit": "单位", "allocated": "各地分解合计",
                                        "n_allocations": "分解地区数", "difference": "差额"}),
             hide_index=True, key="quality_allocations")

findings = cached_on_plans(queries.load_findings)
st.header(f"加载时记录的问题（{len(findings)}）")
widget_text.dataframe(display_table(findings.assign(severity=findings["severity"].map(queries.SEVERITY_LABELS)
                                           .fillna(findings["severity"])))
             .rename(columns={"severity": "级别", "doc_number": "文号", "label": "序号", "message": "说明",
                              "source_start": "起始位置", "source_end": "结束位置"}),
             hide_index=True, key="quality_findings")

as_of = selection().as_of
falls = cached(queries.falling_reports, as_of)
st.header(f"累计值低于前期的报送（{len(falls)}）")
st.caption(f"{period_label(as_of)}的报送中，数量类指标的累计完成值低于本年此前月份报送数的（多为误填当月数或笔误；"
           "比率、存量、限值类指标可以回落，不列入）。请联系报送单位核实，如有误请重新上传更正。")
widget_text.dataframe(pd.DataFrame({
    "指标": falls["indicator"], "区域": falls["jurisdiction_name"], "报送单位": falls["unit_name"],
    "本期": falls["period"].map(period_label),
    "本期值": [with_unit(v, u) for v, u in zip(falls["value"], falls["unit"])],
    "上期": falls["earlier_period"].map(period_label),
    "上期值": [with_unit(v, u) for v, u in zip(falls["earlier_value"], falls["unit"])]}),
    hide_index=True, key="quality_falls")

uploads = cached(queries.uploads)
st.header(f"上传记录（{len(uploads)}）")
widget_text.dataframe(display_table(uploads.assign(
    outcome=uploads["outcome"].map(queries.UPLOAD_OUTCOME_LABELS).fillna(uploads["outcome"]),
    is_demo=uploads["is_demo"].map({True: "演示数据", False: ""})))
             .rename(columns={"upload_id": "编号", "unit_name": "报送单位", "period": "报送期", "file_name": "文件",
                              "uploaded_by": "上传人", "uploaded_at": "上传时间", "is_demo": "数据类型",
                              "outcome": "结果", "n_rows": "行数", "n_accepted": "接收", "n_rejected": "退回",
                              "message": "说明"}), hide_index=True, key="quality_uploads")
errors = cached(queries.upload_errors)
st.subheader(f"被退回的行（{len(errors)}）")
widget_text.dataframe(display_table(errors).rename(columns={"upload_id": "上传编号", "unit_name": "报送单位", "period": "报送期",
                                    "file_name": "文件", "sheet": "工作表", "row_number": "行号",
                                    "column_name": "列", "message": "原因"}), hide_index=True, key="quality_errors")
