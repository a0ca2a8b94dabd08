"""How numbers, shares and periods read on the dashboard (pure functions)."""
from __future__ import annotations

import math

import pandas as pd


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def number(x: float | None) -> str:
    """30000 → "30,000"; 2.6 → "2.6"; 0.30000000000000004 → "0.3"; None → "—"."""
    if _missing(x):
        return "—"
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    text = f"{x:,.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def with_unit(x: float | None, unit: str | None) -> str:
    """A value with its unit as written: (3, "万亩") → "3万亩"; (None, "个") → "—"."""
    if _missing(x):
        return "—"
    return f"{number(x)}{unit or ''}"


def target_text(value: float | None, high: float | None, unit: str | None, comparator: str) -> str:
    """The target as people say it: "≥500个", "1,000—5,000亩", "≤25微克/立方米"."""
    if _missing(value):
        return "—"
    if comparator == "range" and not _missing(high):
        return f"{number(value)}—{number(high)}{unit or ''}"
    sign = {">=": "≥", "<=": "≤", "≈": "约", "=": ""}.get(comparator, "")
    return f"{sign}{with_unit(value, unit)}"


def percent(share: float | None, digits: int = 1) -> str:
    """0.452 → "45.2%"; None → "—"."""
    if _missing(share):
        return "—"
    return f"{float(share) * 100:.{digits}f}%"


def points(gap: float | None) -> str:
    """Gap in percentage points: 12.34 → "12.3个百分点"."""
    if _missing(gap):
        return "—"
    return f"{float(gap):.1f}个百分点"


def period_label(period: str | None) -> str:
    """"2024-09" → "2024年9月"."""
    if not period:
        return "—"
    year, month = period.split("-")
    return f"{int(year)}年{int(month)}月"


def status_table(status: pd.DataFrame, with_jurisdiction: bool = False) -> pd.DataFrame:
    """The status rows as the pages show them: Chinese headings, values with units."""
    table = pd.DataFrame({
        "文件": status["doc_number"],
        "序号": status["item_label"],
        "条目": status["item_title"],
        "指标": status["indicator"],
        "状态": status["status"],
        "目标": [target_text(v, h, u, c) for v, h, u, c in zip(
            status["target_value"], status["target_value_high"], status["unit"], status["comparator"])],
        "报送值": [with_unit(v, u) for v, u in zip(status["reported_value"], status["unit"])],
        "报送期": [period_label(p) if isinstance(p, str) else "—" for p in status["report_period"]],
        "完成进度": status["actual_share"].astype(float),
        "时序进度": status["expected_share"].astype(float),
        "说明": status["note"],
        "牵头单位": status["lead_unit"].fillna("—"),
        "牵头市领导": status["leaders"].fillna("—"),
        "target_id": status["target_id"],
        "item_id": status["item_id"],
    })
    if with_jurisdiction:
        table.insert(0, "县（市、区）", status["jurisdiction_name"])
    return table.reset_index(drop=True)


def source_html(segments) -> str:
    """Source text with target phrases marked: ``<mark>`` around each target segment (escaped HTML)."""
    import html

    parts = []
    for seg in segments:
        text = html.escape(seg.text)
        if seg.target_id is None:
            parts.append(text)
        else:
            parts.append(f'<mark style="background:#FFE08A;padding:0 2px" data-target="{seg.target_id}">{text}</mark>')
    return '<div style="line-height:1.9">' + "".join(parts) + "</div>"
