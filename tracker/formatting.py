"""How numbers, shares and periods read on the dashboard (pure functions)."""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

#: What the pages show where a value is missing (never Streamlit's grey "None").
MISSING = "—"

#: Chinese names of every kind code the database stores: documents, items, targets and
#: People's Congress reports. The one map pages use (through :func:`kind_label`).
KIND_LABELS = {
    # documents.kind
    "policy_plan": "政策实施方案",
    "task_decomposition": "重点工作责任分解",
    "decision_list": "重大行政决策事项目录",
    "livelihood_allocation": "民生实事任务分解表",
    "notice": "其他通知",
    # items.kind
    "policy_area": "政策领域",
    "policy_measure": "政策措施",
    "work_task": "重点工作",
    "decision": "重大行政决策",
    "livelihood_project": "民生实事项目",
    # targets.kind
    "count": "数量",
    "rate": "比率",
    "level": "存量",
    "limit": "限值",
    "milestone": "节点",
    # npc_reports.kind
    "work_report": "人大常委会工作报告",
    "bulletin": "人大工作简报",
}


def kind_label(kind: str | None) -> str:
    """"livelihood_project" → "民生实事项目"; an unknown code → "其他"; None → "—"."""
    if _missing(kind) or kind == "":
        return MISSING
    return KIND_LABELS.get(kind, "其他")


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


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


#: The status columns :func:`status_table` reads (what a page needs to fetch for it).
STATUS_TABLE_COLUMNS = ("doc_number", "item_label", "item_title", "indicator", "status", "target_value",
                        "target_value_high", "unit", "comparator", "reported_value", "report_period", "actual_share",
                        "expected_share", "note", "lead_unit", "leaders", "target_id", "item_id", "jurisdiction_name")


def status_table(status: pd.DataFrame, with_jurisdiction: bool = False) -> pd.DataFrame:
    """The status rows as the pages show them: Chinese headings, values with units. Reads only
    :data:`STATUS_TABLE_COLUMNS`."""
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


def item_name(label: str | None, title: str | None) -> str:
    """An item as headings show it: "（四十五）改善传统消费", "一、扩大有效投资政策", and "21 新建公共充电桩"
    (a bare number as label gets a space, else it runs into the title)."""
    label, title = label or "", title or ""
    if label and title and label[-1].isascii() and label[-1].isalnum():
        return f"{label} {title}"
    return f"{label}{title}"


def day_label(day: date) -> str:
    """A day as titles write it: 2024年7月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_text(x: object) -> str:
    """A date as "2024-03-01" (a timestamp loses its 00:00:00); None or "" → "—"."""
    if _missing(x) or x == "":
        return MISSING
    if isinstance(x, str):
        return x
    return pd.Timestamp(x).strftime("%Y-%m-%d")


def datetime_text(x: object) -> str:
    """A moment as "2024-04-03 09:00"; a bare date as "2024-04-03"; None or "" → "—"."""
    if _missing(x) or x == "":
        return MISSING
    if isinstance(x, str):
        return x
    if isinstance(x, date) and not isinstance(x, datetime):
        return x.isoformat()
    return pd.Timestamp(x).strftime("%Y-%m-%d %H:%M")


def display_table(frame: pd.DataFrame, percents: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.dataframe`` in which no cell reads "None".

    ``percents`` columns become "45.2%". A numeric column with a missing value becomes
    text ("1,500", "—"); dates become "2024-03-01" and moments "2024-04-03 09:00" (never
    "00:00:00"); missing text becomes "—". Every column keeps one type (Streamlit cannot
    show a column mixing dates and text). Numeric columns without gaps and true/false
    columns stay as they are, so they sort as numbers.
    """
    table = frame.copy()
    for column in table.columns:
        values = table[column]
        present = [x for x in values if not _missing(x) and not (isinstance(x, str) and x == "")]
        if column in percents:
            table[column] = [percent(x) for x in values]
        elif pd.api.types.is_bool_dtype(values):
            continue
        elif pd.api.types.is_numeric_dtype(values):
            if len(present) < len(values):
                table[column] = [number(x) for x in values]
        elif pd.api.types.is_datetime64_any_dtype(values) or (
                len(present) and all(isinstance(x, (date, pd.Timestamp)) for x in present)):
            moments = [pd.Timestamp(x) for x in present]
            as_text = date_text if all(m == m.normalize() for m in moments) else datetime_text
            table[column] = [as_text(x) for x in values]
        else:
            table[column] = [MISSING if _missing(x) else x for x in values]
    return table


def blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for a plain listing (accounts, the audit log, an upload's problems) whose missing
    cells are empty, never Streamlit's grey "None". Only a column with a gap changes, to text: whole
    numbers as written ("12", a sheet's row), moments to the second; the other columns keep their type."""
    table = frame.copy()
    for column in table.columns:
        values = table[column]
        if not values.isna().any():
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            table[column] = ["" if _missing(x) else pd.Timestamp(x).strftime("%Y-%m-%d %H:%M:%S") for x in values]
        elif pd.api.types.is_numeric_dtype(values):
            table[column] = ["" if _missing(x) else str(int(x)) if float(x).is_integer() else str(x) for x in values]
        else:
            table[column] = ["" if _missing(x) else x for x in values]
    return table


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
