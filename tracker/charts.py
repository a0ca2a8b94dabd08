"""Plotly figures for the dashboard. One colour per status (tracker.status.STATUS_COLORS)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tracker.status import STATUS_COLORS, STATUSES

#: Status colours plus a reddish purple for rows the rules could not judge.
COLORS = {**STATUS_COLORS, "无法研判": "#CC79A7"}

_FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif")


def _layout(fig: go.Figure, height: int | None = None) -> go.Figure:
    fig.update_layout(font=_FONT, margin=dict(l=10, r=10, t=40, b=10), legend_title_text="")
    if height:
        fig.update_layout(height=height)
    return fig


#: Statuses in legend order (one trace each, when the frame has any row of it).
_STATUS_ORDER = [*STATUSES, "无法研判"]


def status_bars(mix: pd.DataFrame, by: str, title: str, label: str, order: list[str] | None = None) -> go.Figure:
    """Stacked horizontal bars: one bar per group (top to bottom in ``order``), one segment per status.

    The figure plotly express drew (``px.bar(mix, y=by, x="n", color="status", orientation="h")`` with these
    colours, orders and labels), written out as one dict: plotly express took ~0.1 s to build it, this ~5 ms.
    """
    statuses = mix["status"].astype(str)
    data = []
    for status in _STATUS_ORDER:
        rows = mix[statuses == status]
        if len(rows):
            data.append(_bar(status, rows["n"], rows[by], COLORS[status], f"状态={status}<br>指标数=%{{x}}<br>{label}=%{{y}}"))
    yaxis = _axis("x", "")
    if order:   # top to bottom: plotly lists a horizontal bar chart's categories from the bottom
        yaxis.update(categoryorder="array", categoryarray=list(order)[::-1])
    return _figure(data, title, "relative", _axis("y", "指标数"), yaxis, max(260, 60 + 28 * mix[by].nunique()))


def pace_bars(pace: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Mean progress against mean pace per group (count and level targets): plotly express's grouped bars
    (``px.bar(…, color="度量", barmode="group", orientation="h")``), written out as one dict."""
    data = []
    for measure, color in (("完成进度", STATUS_COLORS["正常"]), ("时序进度", "#56B4E9")):
        bar = _bar(measure, pace[measure], pace[by], color, f"度量={measure}<br>占目标的比例=%{{x}}<br>=%{{y}}")
        data.append({**bar, "alignmentgroup": "True", "offsetgroup": measure})
    xaxis = {**_axis("y", "占目标的比例"), "tickformat": ".0%"}
    yaxis = {**_axis("x", ""), "autorange": "reversed"}
    return _figure(data, title, "group", xaxis, yaxis, max(260, 60 + 40 * pace[by].nunique()))


def _bar(name: str, x: pd.Series, y: pd.Series, color: str, hover: str) -> dict:
    """One horizontal bar trace as plotly express writes it."""
    return {"type": "bar", "orientation": "h", "name": name, "legendgroup": name, "showlegend": True,
            "x": x.to_numpy(), "y": y.to_numpy(dtype=object), "xaxis": "x", "yaxis": "y",
            "marker": {"color": color, "pattern": {"shape": ""}}, "textposition": "auto",
            "hovertemplate": hover + "<extra></extra>"}


def _axis(anchor: str, title: str) -> dict:
    return {"anchor": anchor, "domain": [0.0, 1.0], "title": {"text": title}}


def _figure(data: list[dict], title: str, barmode: str, xaxis: dict, yaxis: dict, height: int) -> go.Figure:
    """A bar chart in one constructor call (each ``update_layout`` call costs milliseconds of validation)."""
    return go.Figure({"data": data, "layout": {
        "title": {"text": title}, "barmode": barmode, "xaxis": xaxis, "yaxis": yaxis,
        "legend": {"title": {"text": ""}, "tracegroupgap": 0},
        "font": _FONT, "margin": dict(l=10, r=10, t=40, b=10), "height": height}})


def completion_heatmap(matrix: pd.DataFrame, title: str) -> go.Figure:
    """Targets (rows, labels horizontal) × jurisdictions (columns, on top), cell = share of the allocation done.

    ``matrix`` is :func:`tracker.progress_queries.completion_matrix` (jurisdictions × targets);
    it is drawn transposed so the long target labels read horizontally instead of rotated
    and cut off. Labels longer than :data:`HEATMAP_LABEL` characters end in "…"; the hover
    shows them in full.
    """
    targets = list(matrix.columns)
    places = list(matrix.index)
    fig = go.Figure(
        go.Heatmap(
            z=matrix.T.values, x=places, y=heatmap_labels(targets),
            customdata=[[t] * len(places) for t in targets],
            colorscale=[[0, STATUS_COLORS["严重滞后"]], [0.5, STATUS_COLORS["滞后"]], [1, STATUS_COLORS["已完成"]]],
            zmin=0, zmax=1, colorbar=dict(title="完成度", tickformat=".0%"),
            hovertemplate="%{x}<br>%{customdata}<br>完成度 %{z:.1%}<extra></extra>",
            xgap=1, ygap=1,
        )
    )
    fig.update_layout(title=title)
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(side="top", tickangle=0, automargin=True, type="category")
    _layout(fig, height=140 + 22 * len(targets))
    return fig.update_layout(margin=dict(l=10, r=10, t=90, b=10))


#: Characters of a target label on the heatmap's axis (the hover has the whole label); room for the
#: document's tag ("市民生实事 ", :func:`tracker.progress_queries.heatmap_label`) and some twenty of the indicator.
HEATMAP_LABEL = 30


def heatmap_labels(texts: list[str]) -> list[str]:
    """Axis labels: each text, or its first characters and "…" when longer than :data:`HEATMAP_LABEL`.

    Labels stay distinct (a category axis would merge equal ones): a repeated one gets "（2）", "（3）"….
    """
    labels: list[str] = []
    for text in texts:
        label = text if len(text) <= HEATMAP_LABEL else text[:HEATMAP_LABEL - 1] + "…"
        n = 1
        while (candidate := label if n == 1 else f"{label}（{n}）") in labels:
            n += 1
        labels.append(candidate)
    return labels


def history_chart(history: pd.DataFrame, title: str, unit: str) -> go.Figure:
    """Reported cumulative value by month, with the expected-pace line and the target."""
    fig = go.Figure()
    fig.add_bar(x=history["period"], y=history["reported"], name="报送值", marker_color=STATUS_COLORS["正常"])
    if history["expected"].notna().any():
        fig.add_scatter(x=history["period"], y=history["expected"], name="时序进度",
                        mode="lines+markers", line=dict(dash="dash", color="#56B4E9"))
    if history["target"].notna().any():
        fig.add_scatter(x=history["period"], y=history["target"], name="目标值",
                        mode="lines", line=dict(dash="dot", color=STATUS_COLORS["已完成"]))
    fig.update_layout(title=title, xaxis_title="", yaxis_title=value_axis_title(unit), xaxis_type="category")
    return _layout(fig, height=320)


def value_axis_title(unit: str | None) -> str:
    """The history chart's y-axis title: "累计值（个）"; a lone rotated unit such as "个" reads like an arrow."""
    return f"累计值（{unit}）" if unit else "累计值"
