"""The bar charts written out as dicts (tracker/charts.py) are the figures plotly express drew before, as the
browser gets them (the JSON spec, typed arrays read back as values), for the frames the pages give."""
from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io as pio
import pytest

from tracker import charts
from tracker.status import STATUS_COLORS, STATUSES

CATEGORIES = [*STATUSES, "无法研判"]


def former_status_bars(mix, by, title, label, order=None):
    orders = {"status": CATEGORIES}
    if order:
        orders[by] = list(order)
    fig = px.bar(mix, y=by, x="n", color="status", orientation="h", title=title,
                 color_discrete_map=charts.COLORS, category_orders=orders,
                 labels={by: label, "n": "指标数", "status": "状态"})
    fig.update_yaxes(title_text="")
    return charts._layout(fig, height=max(260, 60 + 28 * mix[by].nunique()))


def former_pace_bars(pace, by, title):
    long = pace.melt(id_vars=[by], value_vars=["完成进度", "时序进度"], var_name="度量", value_name="share")
    fig = px.bar(long, y=by, x="share", color="度量", barmode="group", orientation="h", title=title,
                 color_discrete_map={"完成进度": STATUS_COLORS["正常"], "时序进度": "#56B4E9"},
                 labels={by: "", "share": "占目标的比例"})
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(autorange="reversed", title_text="")
    return charts._layout(fig, height=max(260, 60 + 40 * pace[by].nunique()))


def spec(fig) -> dict:
    """The figure's JSON with every typed array ({"dtype", "bdata"}) as its values, NaN as None."""
    def plain(value):
        if isinstance(value, dict):
            if set(value) == {"dtype", "bdata"}:
                value = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
            else:
                return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return None if isinstance(value, float) and value != value else value
    return plain(json.loads(pio.to_json(fig, validate=False)))


def _mix(groups, statuses, counts, categorical=True):
    status = pd.Categorical(statuses, categories=CATEGORIES) if categorical else statuses
    return pd.DataFrame({"g": groups, "status": status, "n": counts})


MIXES = [
    _mix(["衢州市", "衢州市", "柯城区"], ["正常", "滞后", "已完成"], [3, 1, 2]),
    _mix(["b", "a", "b", "c", "a"], ["未报送", "严重滞后", "无法研判", "正常", "正常"], [1, 2, 1, 7, 300],
         categorical=False),
    _mix(["一、扩大有效投资政策"] * 6, CATEGORIES, [1, 2, 3, 4, 5, 6]),
    _mix(list("abcdefghij"), ["正常"] * 10, list(range(1, 11))),
]


@pytest.mark.parametrize("mix", MIXES)
@pytest.mark.parametrize("with_order", [False, True])
def test_status_bars_are_the_former_figure(mix, with_order):
    order = sorted(set(mix["g"]), reverse=True) if with_order else None
    assert spec(charts.status_bars(mix, "g", "按政策领域", "政策领域", order)) == \
        spec(former_status_bars(mix, "g", "按政策领域", "政策领域", order))


def test_the_status_bars_of_the_overview(built_demo_db):
    from tracker import page_data
    from tracker.db import connect
    from tracker.filters import Filters
    from tracker.settings import StatusSettings

    con = connect(built_demo_db, read_only=True)
    try:
        data = page_data.overview(con, "2024-09", Filters(year=2024), StatusSettings())
    finally:
        con.close()
    for mix, by in ((data.by_area, "area_title"), (data.by_document, "doc_number")):
        assert len(mix.frame) > 5
        assert spec(charts.status_bars(mix.frame, by, "t", "l", mix.order)) == \
            spec(former_status_bars(mix.frame, by, "t", "l", mix.order))
    assert spec(charts.pace_bars(data.pace_by_area, "area_title", "t")) == \
        spec(former_pace_bars(data.pace_by_area, "area_title", "t"))


@pytest.mark.parametrize("pace", [
    pd.DataFrame({"g": ["一、投资", "二、科技"], "完成进度": [0.5, 0.25], "时序进度": [0.6, 0.7], "指标": [3, 2]}),
    pd.DataFrame({"g": ["a", "b", "c"], "完成进度": [1.2, float("nan"), 0.0], "时序进度": [0.75, 0.75, 0.75],
                  "指标": [1, 1, 1]}),
])
def test_pace_bars_are_the_former_figure(pace):
    assert spec(charts.pace_bars(pace, "g", "数量类、存量类指标的平均进度")) == \
        spec(former_pace_bars(pace, "g", "数量类、存量类指标的平均进度"))
