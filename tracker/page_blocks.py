"""Streamlit building blocks several pages share (headline cards, status tables, notices).

Layout only: the figures come from :mod:`tracker.page_data` and :mod:`tracker.progress_queries`.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tracker import charts, widget_text
from tracker import filters as f
from tracker.app_db import cached_on_plans
from tracker.formatting import display_table, period_label, status_table, target_text
from tracker.sidebar import Selection
from tracker.status import MILESTONE, STATUS_COLORS


def context_caption(sel: Selection, demo: bool, jurisdictions: bool | None = None, scope: str | None = None) -> None:
    """One line under the title: as-of month, scope (whole city, the jurisdictions chosen in the sidebar by
    name, or every jurisdiction; ``scope`` says it instead for a page that shows other rows, as 任务 does),
    demo-data label (``demo``: the page's figures include demo data, :func:`tracker.progress_queries.has_demo`)."""
    codes = sel.filters.jurisdictions
    if jurisdictions is None:
        jurisdictions = bool(codes)
    if scope is None and codes:
        scope = f"{place_names(codes)}的任务"
    elif scope is None:
        scope = "各县（市、区）的任务" if jurisdictions else "全市指标"
    text = f"截至{period_label(sel.as_of)}，{scope}"
    st.caption(text)
    if demo:
        st.warning("演示数据：本页的报送进度含演示数据，不是真实报送。", icon=":material/science:")


def task_scope(sel: Selection, allocated: bool) -> str:
    """What the 任务 page shows of a task, whatever the sidebar's 县（市、区）: its whole-city rows and, where
    the task is split by place (``allocated``), every place's row. A county chosen in the sidebar does not
    narrow one task's page, so the caption says so rather than naming the county (QA read "柯城区的任务"
    over rows of 衢州市)."""
    scope = "全市指标及各县（市、区）的分解" if allocated else "全市指标"
    if sel.filters.jurisdictions:
        scope += f"（本页不按侧栏所选{place_names(sel.filters.jurisdictions)}筛选）"
    return scope


def place_names(codes: tuple[str, ...]) -> str:
    """Jurisdiction codes as the sidebar names them, in the order chosen: "柯城区、衢江区"."""
    names = cached_on_plans(f.jurisdiction_options)
    names = dict(zip(names["code"], names["name"]))
    return "、".join(names.get(code, code) for code in codes)


def headline(counts: dict[str, int]) -> None:
    """Cards: 指标 and one per status (:func:`tracker.progress_queries.status_counts`)."""
    for column, (label, n) in zip(st.columns(len(counts)), counts.items()):
        column.metric(label, f"{n}")


#: The order a status table's columns are shown in: what a reader looks for first (the target, its status,
#: progress against the target) on the left, so that at 1440 px they are seen without scrolling sideways;
#: the document, item and responsibility after them.
STATUS_COLUMN_ORDER = ("县（市、区）", "序号", "指标", "状态", "完成进度", "目标", "报送值", "时序进度", "报送期",
                       "说明", "文件", "条目", "牵头单位", "牵头市领导")
#: The width (px) of a long text column: one line of it is cut with "…" (the whole text shows on hover and in
#: the cell when clicked), rather than one long 指标 pushing 状态 and 完成进度 off the screen.
LONG_TEXT_WIDTH = 240


def status_dataframe(status: pd.DataFrame, key: str, with_jurisdiction: bool = False,
                     height: int | None = None) -> None:
    """A status table with one colour per status in the 状态 column; key columns first
    (:data:`STATUS_COLUMN_ORDER`), long texts of a bounded width (:data:`LONG_TEXT_WIDTH`)."""
    table = status_table(status, with_jurisdiction).drop(columns=["target_id", "item_id"])
    styled = table.style.map(lambda s: f"color: {STATUS_COLORS.get(s, 'inherit')}; font-weight: 600",
                             subset=["状态"])
    widget_text.dataframe(
        styled,
        column_order=[c for c in STATUS_COLUMN_ORDER if c in table.columns],
        column_config={
            "序号": st.column_config.TextColumn("序号", width=80),      # "（五十九）" whole
            "指标": st.column_config.TextColumn("指标", width=LONG_TEXT_WIDTH),
            "条目": st.column_config.TextColumn("条目", width=LONG_TEXT_WIDTH),
            "说明": st.column_config.TextColumn("说明", width=LONG_TEXT_WIDTH),
            "目标": st.column_config.TextColumn("目标", width=110),      # "1.68万平方米" whole
            "报送值": st.column_config.TextColumn("报送值", width=110),
            "完成进度": st.column_config.ProgressColumn("完成进度", format="percent", min_value=0, max_value=1,
                                                     color=STATUS_COLORS["正常"], width=130),
            "时序进度": st.column_config.NumberColumn("时序进度", format="percent"),
        },
        hide_index=True, key=key, height=height or "auto",
    )


def status_bars(mix: pd.DataFrame, order: list[str], by: str, title: str, label: str, key: str) -> None:
    """Status mix per group (:func:`tracker.progress_queries.status_mix`), groups top to bottom in ``order``."""
    if mix.empty:
        st.info("没有符合筛选条件的指标。")
        return
    chart(charts.status_bars, mix, by, title, label, order, key=key)


#: What the 月度进度 block says instead of a chart for a milestone target.
MILESTONE_HISTORY = "里程碑类指标按完成与否研判，无月度数值。"
#: ... and for a target with no monthly figure at all (no report, no pace, no target value).
NO_HISTORY = "该范围尚无可画的月度数值。"


def target_label(seq: int, indicator: str, raw: str | None) -> str:
    """A target of a task as the 月度进度 list and chart name it: "1. 新增公共充电桩（公共充电桩1000个）"; the
    phrase is left out where it is the indicator itself (a task tracked as a whole: "1. 抓好南湖广场文旅综合体开业",
    not "…开业（抓好南湖广场文旅综合体开业）")."""
    head = f"{seq}. {indicator}"
    return f"{head}（{raw}）" if raw and raw != indicator else head


def history_title(target: pd.Series, place: pd.Series | None = None) -> str:
    """The 月度进度 chart's title: the target as the plan states it for the whole city
    (:func:`target_label`), the place's own target for a place
    ("2. 充电桩（衢江区：≥200个）"; "（衢江区：未分解目标）" where the plan gives it none)."""
    head = f"{target['seq']}. {target['indicator']}"
    if place is None:
        return target_label(target["seq"], target["indicator"], target["raw"])
    value = target_text(place["target_value"], place["target_value_high"], place["unit"], place["comparator"])
    return f"{head}（{place['jurisdiction_name']}：{'未分解目标' if value == '—' else value}）"


def history_block(history: pd.DataFrame, kind: str, title: str, unit: str, key: str) -> None:
    """A target's monthly history (:func:`tracker.task_queries.target_history`) as a chart, or a line saying
    why there is none (a milestone is judged done or not; nothing reported and no pace to draw)."""
    if kind == MILESTONE:
        st.info(MILESTONE_HISTORY)
    elif history[["reported", "expected", "target"]].isna().all().all():
        st.info(NO_HISTORY)
    else:
        chart(charts.history_chart, history, title, unit, key=key)


def chart(build: Callable[..., go.Figure], *args, key: str) -> None:
    """``st.plotly_chart(build(*args))`` with ``build`` a function of :mod:`tracker.charts`: the figure is built
    once per distinct input (:func:`_figure`), not on every rerun of the page."""
    st.plotly_chart(_figure(build.__name__, *args), key=key, config=widget_text.PLOTLY_CONFIG)


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(name: str, *args) -> go.Figure:
    """``charts.<name>(*args)``, kept and shared by every session: a figure costs 5–40 ms to build (plotly
    checks every property), and a page reruns on every click with the same frames (the key is their
    values, index, columns and types, as Streamlit hashes frames; ours are far below the 100,000 rows
    from which it would sample them). Nothing changes a figure once built: ``st.plotly_chart`` copies it."""
    return getattr(charts, name)(*args)


def forget_figures() -> None:
    """Drop the figures kept by :func:`chart` (a benchmark of a first view after new data)."""
    _figure.clear()


#: The share columns of :func:`tracker.progress_queries.group_summary` tables.
SUMMARY_PERCENTS = ("正常率", "平均完成进度", "平均时序进度")


def ranking_dataframe(ranking: pd.DataFrame, by: str, label: str, key: str) -> None:
    """A :func:`tracker.progress_queries.group_summary` table: shares as "45.2%", "—" where there is none
    (a group without reported count or level targets has no mean progress)."""
    table = display_table(ranking, percents=SUMMARY_PERCENTS).rename(columns={"rank": "排名", by: label})
    widget_text.dataframe(table, hide_index=True, key=key)
