"""The sidebar every page shares: plan year, as-of month and filters.

``dashboard.py`` calls :func:`render` before running the page; pages call
:func:`selection` to read what was chosen (a page run on its own, as in a test,
gets the defaults). Every widget has an explicit key (``f_…``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from tracker import filters as f
from tracker.app_db import cached, cached_on_plans
from tracker.formatting import period_label
from tracker.settings import StatusSettings, configured_settings
from tracker.widget_text import NO_OPTIONS

_STATE = "_tracker_selection"


@dataclass(frozen=True)
class Selection:
    filters: f.Filters
    as_of: str | None  # YYYY-MM
    settings: StatusSettings


def _settings() -> StatusSettings:
    return configured_settings()


def default_as_of(periods: list[str], year: int | None, today: date | None = None,
                  units: dict[str, int] | None = None) -> str | None:
    """The latest month with reports; without reports, this month within the plan year.

    ``units`` (reporting units per period, :func:`tracker.filters.reporting_units`): the latest month that at
    least half as many units have reported for as for the best-reported month. In the first days of a month
    a few units have sent the new month; opening on it would show nearly every target 未报送."""
    if periods:
        if units:
            enough = max(units.get(p, 0) for p in periods) / 2
            return next((p for p in periods if units.get(p, 0) >= enough), periods[0])
        return periods[0]
    if year is None:
        return None
    today = today or date.today()
    if today.year < year:
        return f"{year:04d}-01"
    if today.year > year:
        return f"{year:04d}-12"
    return f"{year:04d}-{today.month:02d}"


def month_option(period: str, units: int, reported: bool) -> str:
    """A 截至月份 option short enough for the sidebar's box: "2024年9月 · 39家" (units that have reported the
    month; :func:`month_caption` under the box says it in full), "2024年12月 · 0家"; "2024年9月" for a month
    with reports but no stored upload (reports loaded without one). "2024年9月（39个单位已报送）" was cut
    to "2024年9月（39个…" in the box, and so was "2024年9月 · 39个单位"."""
    if units or not reported:
        return f"{period_label(period)} · {units}家"
    return period_label(period)


def month_caption(period: str, units: int, reported: bool) -> str:
    """The line under the 截至月份 box saying in full what its option abbreviates."""
    if units:
        return f"{period_label(period)}已有{units}个单位报送"
    return f"{period_label(period)}已有报送" if reported else f"{period_label(period)}尚无单位报送"


def render() -> Selection:
    """Draw the sidebar widgets and remember the selection for the page."""
    bar = st.sidebar
    plans = cached_on_plans(f.plan_options)
    years = list(plans.years)
    year = bar.selectbox("计划年度", years, key="f_year", placeholder=NO_OPTIONS, format_func=lambda y: f"{y}年") if years else None
    periods = cached(f.report_periods, year)
    months = cached(f.month_options, year)
    reporters = cached(f.reporting_units, year)
    default = default_as_of(periods, year, units=reporters)
    as_of = bar.selectbox(
        "截至月份", months, index=months.index(default) if default in months else 0, key="f_as_of", placeholder=NO_OPTIONS,
        format_func=lambda p: month_option(p, reporters.get(p, 0), p in periods),
    ) if months else None
    if as_of is not None:
        bar.caption(month_caption(as_of, reporters.get(as_of, 0), as_of in periods))
    docs = plans.documents_of(year)
    doc_labels = dict(zip(docs["doc_id"], docs["label"]))
    doc_ids = bar.multiselect("文件", list(doc_labels), key="f_docs", format_func=doc_labels.get,
                              placeholder="全部文件")
    areas = cached_on_plans(f.area_options, tuple(doc_ids))
    area_labels = dict(zip(areas["item_id"], areas["label"]))
    area_ids = bar.multiselect("政策领域", list(area_labels), key="f_areas", format_func=area_labels.get,
                               placeholder="全部领域")
    units = bar.multiselect("责任单位", list(plans.units), key="f_units", placeholder="全部单位")
    leaders = bar.multiselect("牵头市领导", list(plans.leaders), key="f_leaders", placeholder="全部市领导")
    places = cached_on_plans(f.jurisdiction_options)
    place_labels = dict(zip(places["code"], places["name"]))
    codes = bar.multiselect("县（市、区）", list(place_labels), key="f_jurisdictions",
                            format_func=place_labels.get, placeholder="全市（不分县市区）")
    selection = Selection(
        f.Filters(year, tuple(int(d) for d in doc_ids), tuple(int(a) for a in area_ids), tuple(units),
                  tuple(leaders), tuple(codes)),
        as_of,
        _settings(),
    )
    st.session_state[_STATE] = selection
    return selection


def selection() -> Selection:
    """What the sidebar chose; the defaults when the page runs without the dashboard shell."""
    chosen = st.session_state.get(_STATE)
    if chosen is not None:
        return chosen
    years = cached_on_plans(f.plan_options).years
    year = years[0] if years else None
    return Selection(f.Filters(year=year), default_as_of(cached(f.report_periods, year), year,
                                                         units=cached(f.reporting_units, year)), _settings())
