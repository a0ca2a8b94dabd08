"""Streamlit building blocks several pages share (headline cards, status tables, notices).

Layout only: the figures come from :mod:`tracker.page_data` and :mod:`tracker.progress_queries`.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tracker import charts
from tracker.formatting import display_table, period_label, status_table
from tracker.sidebar import Selection
from tracker.status import STATUS_COLORS


def context_caption(sel: Selection, demo: bool, jurisdictions: bool | None = None) -> None:
    """One line under the title: as-of month, scope (whole city or jurisdictions), demo-data label
    (``demo``: the page's figures include demo data, :func:`tracker.progress_queries.has_demo`)."""
    if jurisdictions is None:
        jurisdictions = bool(sel.filters.jurisdictions)
    scope = "各县（市、区）的任务" if jurisdictions else "全市指标"
    text = f"截至{period_label(sel.as_of)}，{scope}"
    st.caption(text)
    if demo:
        st.warning("演示数据：本页的报送进度含演示数据，不是真实报送。", icon=":material/science:")


def headline(counts: dict[str, int]) -> None:
    """Cards: 指标 and one per status (:func:`tracker.progress_queries.status_counts`)."""
    for column, (label, n) in zip(st.columns(len(counts)), counts.items()):
        column.metric(label, f"{n}")


def status_dataframe(status: pd.DataFrame, key: str, with_jurisdiction: bool = False,
                     height: int | None = None) -> None:
    """A status table with one colour per status in the 状态 column."""
    table = status_table(status, with_jurisdiction).drop(columns=["target_id", "item_id"])
    styled = table.style.map(lambda s: f"color: {STATUS_COLORS.get(s, 'inherit')}; font-weight: 600",
                             subset=["状态"])
    st.dataframe(
        styled,
        column_config={
            "完成进度": st.column_config.ProgressColumn("完成进度", format="percent", min_value=0, max_value=1,
                                                     color=STATUS_COLORS["正常"]),
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


def chart(build: Callable[..., go.Figure], *args, key: str) -> None:
    """``st.plotly_chart(build(*args))`` with ``build`` a function of :mod:`tracker.charts`: the figure is built
    once per distinct input (:func:`_figure`), not on every rerun of the page."""
    st.plotly_chart(_figure(build.__name__, *args), key=key)


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
    st.dataframe(table, hide_index=True, key=key)
