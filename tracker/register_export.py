"""The whole target register as one sheet: one row per target and jurisdiction.

``python -m tracker export targets --db PATH --out FILE.xlsx|FILE.csv``. Each target
has its whole-city row (the document's city, e.g. 衢州市) and, when the target is
split over jurisdictions (民生实事), one row per jurisdiction with its allocation;
there 责任单位 is the jurisdiction's own unit on the item (柯城区政府), else the lead unit (for a target set
for each county, the county's government, which reports it). 推算 marks a
figure not read from the text: an allocation inferred from the sheet's totals (是), or the whole-city
figure of a target the text sets for each county ("各县（市、区）各1亿元×6", :mod:`loaders.each_county`).
A task or measure without a figure of its own is one row whose 指标 says so ("整项任务（无量化指标，年底前完成）：
抓好南湖广场文旅综合体开业", :mod:`loaders.whole_items`).
CSV is UTF-8 with a byte-order mark so Excel and WPS open it; text is neutralised
(:mod:`tracker.safe_cells`) so no cell can run as a formula. The xlsx prints on A4 landscape,
fitted to the page width, the header row on every page, long texts wrapped
(:mod:`tracker.print_setup`).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from loaders.cn_numbers import plain_number
from loaders.each_county import SUMMED_KINDS, describe
from tracker.formatting import day_label
from tracker.print_setup import cell_font, fit_a4, row_height
from tracker.reporting import shown_indicator
from tracker.safe_cells import set_text, write_bom_csv

#: (header, width in the xlsx): on A4 landscape 11-point text prints at about 9 points
#: (:func:`tracker.print_setup.printed_size`); short values get narrow columns, long texts wrap.
COLUMNS = [
    ("目标编号", 10), ("文号", 11), ("文件", 16), ("序号", 8), ("事项", 18), ("指标", 17), ("原文", 16),
    ("县（市、区）", 8), ("目标值", 8), ("单位", 6), ("比较", 6), ("类型", 6), ("推算", 9),
    ("责任单位", 18), ("牵头市领导", 9), ("截止日期", 11),
]
HEADERS = [h for h, _ in COLUMNS]
_KINDS = {"count": "数量", "rate": "比例", "level": "存量", "limit": "控制", "milestone": "节点"}
_COMPARATORS = {">=": "不低于", "<=": "不高于", "≈": "约", "=": "等于", "range": "区间"}

_TARGETS = """
SELECT r.target_id, r.doc_number, r.doc_title, r.item_id, r.item_label, r.item_title, r.seq, r.indicator, r.raw,
       r.value, r.value_high, r.unit, r.comparator, r.kind, r.lead_unit, r.units, r.leaders, r.due_date,
       coalesce(j.name, '全市') AS city_name, coalesce(t.whole_item, false) AS whole_item
FROM target_register r JOIN targets t USING (target_id) JOIN documents d USING (doc_id)
LEFT JOIN jurisdictions j ON j.code = d.city_code
ORDER BY r.doc_id, r.item_id, r.seq"""
_ALLOCATIONS = """
SELECT a.target_id, j.code, j.name, a.value, a.inferred
FROM target_allocations a JOIN jurisdictions j ON j.code = a.jurisdiction_code
ORDER BY a.target_id, CASE j.kind WHEN 'city_level' THEN 0 WHEN 'zone' THEN 2 ELSE 1 END, j.code"""
_EACH_COUNTY = "SELECT target_id, phrase, place_value, place_value_high, n_places FROM target_each_county"
_LOCAL_UNITS = """
SELECT a.item_id, o.jurisdiction_code, string_agg(o.name, '、' ORDER BY a.position)
FROM assignments a JOIN organisations o USING (org_id)
WHERE o.jurisdiction_code IS NOT NULL GROUP BY 1, 2"""


def register_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every target's whole-city row, followed by its jurisdictions' rows."""
    allocations: dict[int, list[tuple]] = {}
    for target_id, code, name, value, inferred in con.execute(_ALLOCATIONS).fetchall():
        allocations.setdefault(target_id, []).append((code, name, value, inferred))
    local = {(item, code): names for item, code, names in con.execute(_LOCAL_UNITS).fetchall()}
    each_county = {r[0]: r[1:] for r in con.execute(_EACH_COUNTY).fetchall()}
    governments = dict(con.execute("SELECT jurisdiction_code, min(name) FROM organisations "
                                   "WHERE kind = 'county_government' GROUP BY 1").fetchall())
    rows = []
    for (target_id, doc_number, doc_title, item_id, label, item_title, seq, indicator, raw, value, value_high,
         unit, comparator, kind, lead_unit, units, leaders, due_date, city_name,
         whole_item) in con.execute(_TARGETS).fetchall():
        base = {
            "目标编号": target_id, "文号": doc_number or "", "文件": doc_title, "序号": label,
            "事项": item_title, "指标": shown_indicator(indicator, whole_item), "原文": raw, "单位": unit,
            "比较": _COMPARATORS.get(comparator, comparator), "类型": _KINDS.get(kind, kind),
            "牵头市领导": leaders or "", "截止日期": due_date,
        }
        rows.append(base | {"县（市、区）": city_name, "目标值": _target_value(value, value_high, comparator),
                            "推算": _computed(each_county.get(target_id), kind, unit), "责任单位": units or ""})
        for code, name, share, inferred in allocations.get(target_id, []):
            rows.append(base | {"县（市、区）": name, "目标值": share, "推算": "是" if inferred else "",
                                "责任单位": local.get((item_id, code)) or (governments.get(code) if target_id in each_county
                                                                          else None) or lead_unit or ""})
    return rows


def _computed(each: tuple | None, kind: str, unit: str) -> str:
    """推算 of a whole-city row: how the city's figure of a target set for each county is made
    ("各县（市、区）各1亿元×6"; a rate every place must reach is not multiplied), else ''."""
    if each is None:
        return ""
    phrase, place_value, place_value_high, n_places = each
    text = describe(phrase, place_value, place_value_high, unit)
    return f"{text}×{n_places}" if place_value is not None and kind in SUMMED_KINDS else text


def _target_value(value: float | None, high: float | None, comparator: str):
    if value is None:
        return None
    if comparator == "range" and high is not None:
        return f"{plain_number(value)}—{plain_number(high)}"
    return value


def export_register(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Write the register to ``out`` (.xlsx or .csv, by its suffix); returns the number of rows."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"不支持的导出格式“{out.suffix}”：请用 .xlsx 或 .csv")
    rows = register_rows(con)
    out.parent.mkdir(parents=True, exist_ok=True)
    (write_xlsx if suffix == ".xlsx" else write_csv)(rows, out)
    return len(rows)


def write_csv(rows: list[dict], out: Path) -> None:
    write_bom_csv(out, HEADERS, rows)


def write_xlsx(rows: list[dict], out: Path, today: date | None = None) -> None:
    """The register as a workbook; its printed pages say the day it was exported (``today``)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "目标清单"
    widths = [width for _, width in COLUMNS]
    for c, (header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=c)
        set_text(cell, header)
        cell.font = cell_font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = row_height(HEADERS, widths)
    wrapped = Alignment(wrap_text=True, vertical="top")
    body = cell_font()
    for r, row in enumerate(rows, start=2):
        values = [row[header] for header in HEADERS]
        for c, (header, value) in enumerate(zip(HEADERS, values), start=1):
            cell = ws.cell(row=r, column=c)
            set_text(cell, value)
            cell.alignment = wrapped
            cell.font = body
            if header == "截止日期":
                cell.number_format = "yyyy-mm-dd"
        # rows as tall as their wrapped text (spreadsheets do not all grow rows themselves)
        ws.row_dimensions[r].height = row_height(values, widths)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    fit_a4(ws, header=f"目标清单　导出日期：{day_label(today or date.today())}")
    wb.save(out)
