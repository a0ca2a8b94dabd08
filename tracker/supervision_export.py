"""The 督查 lists as files people open in WPS or Excel: xlsx (two sheets) and CSV (UTF-8 with BOM).

``python -m tracker export overdue --db PATH --as-of YYYY-MM-DD --out FILE.xlsx|FILE.csv|DIR``.

xlsx: sheet ``督查清单`` (the items of :func:`tracker.supervision.supervision_items`) and sheet
``未报送单位`` (:func:`tracker.supervision.unreported_units`), each with a title row (as-of date),
a line with the filters, a styled and frozen header row with an autofilter, column widths,
status colours (:data:`tracker.status.STATUS_COLORS`) and A4 landscape printing fitted to the
page width with the header row repeated. CSV holds the items only, header first.

File names carry the date (:func:`file_name`). Every text cell goes through
:mod:`tracker.safe_cells`: text typed by units (``=HYPERLINK(…)``) stays text.
"""
from __future__ import annotations

import csv
from copy import copy
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter

from tracker import supervision as sv, xlsx_rows
from tracker.filters import NO_FILTERS, Filters
from tracker.formatting import day_label, item_name, period_label, target_text
from tracker.safe_cells import neutralise, set_text
from tracker.settings import StatusSettings
from tracker.status import FAR_BEHIND, STATUS_COLORS
from tracker.print_setup import cell_font, fit_a4, header_text, row_height, text_colour_on

ITEMS_SHEET = "督查清单"
UNITS_SHEET = "未报送单位"
ITEMS_TITLE = "逾期及滞后事项督查清单"
UNITS_TITLE = "未报送单位催报清单"

#: (header, width) of the items sheet and CSV. The printout covers the columns up to 督查记录
#: (:data:`ITEM_PRINTED`); the rest stay in the sheet for filtering and lookup. The printed widths add up
#: to what A4 landscape prints at about 76 %: 10-point text comes out at about 7.6 points
#: (:func:`tracker.print_setup.printed_size`); short values get narrow columns, long texts wrap, and a
#: column holds its longest short value ("严重滞后", "亿美元") and its header's words on a line.
ITEM_COLUMNS = (
    ("序号", 5), ("督查类别", 9), ("研判状态", 9), ("条目", 14), ("指标", 12), ("县（市、区）", 9),
    ("目标", 9), ("累计完成值", 7), ("计量单位", 7), ("完成进度", 7), ("时序进度", 8), ("截止日期", 11),
    ("逾期天数", 5), ("牵头单位", 10), ("牵头市领导", 7), ("研判说明", 15), ("进展情况", 16), ("存在问题", 12),
    ("督查记录", 13), ("二次交办", 6), ("文件", 16), ("报送期", 9), ("下步打算", 20), ("填报编号", 13),
)
ITEM_HEADERS = tuple(h for h, _ in ITEM_COLUMNS)
ITEM_PRINTED = ITEM_HEADERS.index("督查记录") + 1

#: The 督查 page's table: its headers (of :func:`item_rows`) and the list columns they and the page's
#: counts and demo warning are made of (:func:`tracker.supervision.stored_items` reads only these).
PAGE_HEADERS = ("序号", "督查类别", "研判状态", "条目", "指标", "县（市、区）", "目标", "累计完成值", "计量单位",
                "完成进度", "截止日期", "逾期天数", "牵头单位", "研判说明", "督查记录", "填报编号")
PAGE_ITEM_COLUMNS = ("target_id", "jurisdiction_code", "jurisdiction_name", "item_label", "item_title", "indicator",
                     "comparator", "target_value", "target_value_high", "unit", "reported_value", "is_demo", "status",
                     "actual_share", "note", "lead_unit", "action", "action_date", "action_by", "action_note",
                     "action_deadline", "row_id", "category", "sent_back", "due", "days_overdue")

#: Widths of the 未报送单位 sheet: a unit's name and kind on one line ("智慧新城管委会", "县（市、区）政府").
UNIT_COLUMNS = (
    ("序号", 5), ("报送单位", 16), ("单位类型", 17), ("县（市、区）", 9), ("应报事项", 6), ("已报事项", 6),
    ("缺报事项数", 7), ("报送情况", 9), ("最近上传时间", 16), ("缺报事项", 70),
)
UNIT_HEADERS = tuple(h for h, _ in UNIT_COLUMNS)

_PERCENT = ("完成进度", "时序进度")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
#: Body text of the lists (the size :func:`tracker.print_setup.row_height` is told).
BODY_SIZE = 10
_BODY_FONT = cell_font(BODY_SIZE)
_CATEGORY_COLORS = {sv.OVERDUE: STATUS_COLORS[FAR_BEHIND], sv.FAR_BEHIND: STATUS_COLORS[FAR_BEHIND],
                    sv.BEHIND: STATUS_COLORS["滞后"]}
_UNIT_STATE_COLORS = {sv.NOT_REPORTED: STATUS_COLORS["未报送"], sv.PARTLY_REPORTED: STATUS_COLORS["滞后"]}


def file_name(kind: str, as_of: date, suffix: str, scope: str = "") -> str:
    """``督查清单_2024-09-30.xlsx``: what the file is and the date it is for; with the filters'
    :func:`tracker.supervision.file_scope` between them (``督查清单_市商务局_逾期_2024-09-30.xlsx``)."""
    return f"{kind}_{scope + '_' if scope else ''}{as_of.isoformat()}{suffix}"


# ---------------------------------------------------------------------------- rows


def _missing(x) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and x != x)


def _clean(x):
    """pandas' missing values → None; numpy numbers → Python numbers; timestamps → datetime."""
    if _missing(x):
        return None
    if isinstance(x, pd.Timestamp):
        return x.to_pydatetime()
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        return x.item()
    return x


def _action_text(row) -> str:
    if _missing(row.action):
        return ""
    text = f"{row.action}（{row.action_date}，{row.action_by}）：{row.action_note}"
    if not _missing(row.action_deadline):
        text += f"；新期限{row.action_deadline}"
    return text


def item_rows(items: pd.DataFrame) -> list[dict]:
    """One dict per item (keys: :data:`ITEM_HEADERS`), in the list's order. A list read with fewer
    columns (:data:`PAGE_ITEM_COLUMNS`: what the page shows) leaves the cells of the others empty."""
    missing = [column for column in sv.ITEM_COLUMNS if column not in items.columns]
    if missing:
        items = items.assign(**{column: None for column in missing})
    rows = []
    for n, r in enumerate(items.itertuples(index=False), start=1):
        rows.append({
            "序号": n, "督查类别": r.category, "研判状态": r.status, "条目": item_name(r.item_label, r.item_title),
            "指标": r.indicator, "县（市、区）": r.jurisdiction_name,
            "目标": target_text(_clean(r.target_value), _clean(r.target_value_high), r.unit, r.comparator),
            "累计完成值": _clean(r.reported_value), "计量单位": r.unit, "完成进度": _clean(r.actual_share),
            "时序进度": _clean(r.expected_share), "截止日期": _clean(r.due), "逾期天数": _clean(r.days_overdue),
            "牵头单位": _clean(r.lead_unit) or "", "牵头市领导": _clean(r.leaders) or "", "研判说明": r.note,
            "进展情况": _clean(r.progress_text) or "", "存在问题": _clean(r.problems_text) or "",
            "督查记录": _action_text(r), "二次交办": "是" if r.sent_back else "", "文件": _clean(r.doc_number) or "",
            "报送期": period_label(r.report_period) if isinstance(r.report_period, str) else "",
            "下步打算": _clean(r.next_steps_text) or "", "填报编号": r.row_id,
        })
    return rows


def unit_rows(units: pd.DataFrame) -> list[dict]:
    """One dict per unit (keys: :data:`UNIT_HEADERS`)."""
    return [dict(zip(UNIT_HEADERS, (
        n, r.unit_name, r.unit_kind, r.jurisdiction_name, r.n_rows, r.n_reported, r.n_missing, r.state,
        _clean(r.last_upload) or "", r.missing_items,
    ))) for n, r in enumerate(units.itertuples(index=False), start=1)]


# ---------------------------------------------------------------------------- writing


def export_overdue(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    out: Path,
    filters: Filters = NO_FILTERS,
    settings: StatusSettings = StatusSettings(),
    categories: tuple[str, ...] = (),
) -> tuple[int, int, Path]:
    """Write the lists to ``out`` (.xlsx or .csv; a directory, or a name without a suffix such as the
    README's ``exports/`` on a fresh clone, gets a dated file name in it).

    Returns (items, units not reported, the file written). CSV holds the items only.
    """
    out = Path(out)
    if out.is_dir() or not out.suffix:
        out = out / file_name(ITEMS_SHEET, as_of, ".xlsx", sv.file_scope(con, filters, categories))
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"不支持的导出格式“{out.suffix}”：请用 .xlsx 或 .csv")
    items = sv.supervision_items(con, as_of, filters, settings, categories)
    units = sv.unreported_units(con, as_of, filters, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        write_csv(item_rows(items), ITEM_HEADERS, out)
    else:
        write_xlsx(items, units, out, as_of, sv.describe_filters(con, filters, categories),
                   units_filters_text=sv.describe_filters(con, filters))
    return len(items), len(units), out


def write_csv(rows: list[dict], headers: tuple[str, ...], out) -> None:
    """UTF-8 with BOM (Excel on Windows needs it for Chinese); text neutralised. ``out``: path or text stream."""
    if hasattr(out, "write"):
        _write_csv(rows, headers, out)
        return
    with Path(out).open("w", encoding="utf-8-sig", newline="") as f:
        _write_csv(rows, headers, f)


def csv_bytes(rows: list[dict], headers: tuple[str, ...]) -> bytes:
    """The same CSV as bytes (BOM included), for a download button."""
    import io

    buffer = io.StringIO(newline="")
    _write_csv(rows, headers, buffer)
    return buffer.getvalue().encode("utf-8-sig")


def _write_csv(rows, headers, f) -> None:
    writer = csv.writer(f)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(h, row[h]) for h in headers])


def _csv_cell(header: str, value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if header in _PERCENT:
            return f"{value * 100:.1f}%"
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return neutralise(value)


def xlsx_bytes(items: pd.DataFrame, units: pd.DataFrame, as_of: date, filters_text: str,
               units_filters_text: str | None = None) -> bytes:
    """The workbook as bytes, for a download button."""
    import io

    buffer = io.BytesIO()
    write_xlsx(items, units, buffer, as_of, filters_text, units_filters_text=units_filters_text)
    return buffer.getvalue()


def write_xlsx(items: pd.DataFrame, units: pd.DataFrame, out, as_of: date, filters_text: str,
               now: datetime | None = None, units_filters_text: str | None = None) -> None:
    """``filters_text`` (:func:`tracker.supervision.describe_filters`) heads the 督查清单; the 未报送单位 sheet
    gets ``units_filters_text``, the filters without the 督查类别, which do not choose units (the same as
    ``filters_text`` when None)."""
    wb = Workbook()
    now = now or datetime.now()
    demo = "is_demo" in items and items["is_demo"].astype("boolean").fillna(False).any()

    def subtitle_of(text: str) -> str:
        line = f"截至{day_label(as_of)}　筛选：{text}　生成时间：{now:%Y-%m-%d %H:%M}"
        return line + f"　{DEMO_NOTE}" if demo else line   # on paper too: the page says so in its warning

    subtitle = subtitle_of(filters_text)
    ws = wb.active
    ws.title = ITEMS_SHEET
    # The data rows are written straight to the sheets' XML (:mod:`tracker.xlsx_rows`): openpyxl
    # building and then serialising one Cell object per value took most of the time of a large export.
    write = write_table if xlsx_rows.UNAVAILABLE else _write_table_xml
    rows = item_rows(items)
    sheet_rows = {}
    sheet_rows[ws] = write(ws, f"{ITEMS_TITLE}（截至{day_label(as_of)}）", subtitle, ITEM_COLUMNS, rows,
                           fills={"研判状态": STATUS_COLORS, "督查类别": _CATEGORY_COLORS},
                           printed_columns=ITEM_PRINTED, number_formats={header: "0.0%" for header in _PERCENT})
    units_ws = wb.create_sheet(UNITS_SHEET)
    sheet_rows[units_ws] = write(
        units_ws, f"{UNITS_TITLE}（{period_label(f'{as_of:%Y-%m}')}，截至{day_label(as_of)}）",
        subtitle_of(filters_text if units_filters_text is None else units_filters_text),
        UNIT_COLUMNS, unit_rows(units), fills={"报送情况": _UNIT_STATE_COLORS})
    if xlsx_rows.UNAVAILABLE:
        wb.save(out)
    else:
        xlsx_rows.save_with_rows(wb, sheet_rows, out)


TITLE_ROW, SUBTITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4
#: What a printed list says when any of its figures come from the demo data.
DEMO_NOTE = "含演示数据（不是真实报送）"


def write_table(ws, title: str, subtitle: str, columns, rows: list[dict],
                fills: dict[str, dict[str, str]] | None = None, printed_columns: int | None = None,
                number_formats: dict[str, str] | None = None) -> None:
    """A titled, filterable, printable table on ``ws`` (also used by the monthly briefing).

    ``printed_columns``: print only the first N columns (the print area), so a wide sheet stays legible.
    ``number_formats``: header → number format of its cells (dates and times get theirs anyway).
    """
    headers, widths = _table_head(ws, title, subtitle, columns, printed_columns)
    fill_cache: dict[str, PatternFill] = {}
    formats = number_formats or {}
    # Styling a cell attribute by attribute costs openpyxl a lookup of each style object; the few
    # combinations a table uses are styled once and their style ids copied to the other cells.
    styled: dict[tuple[str | None, str | None], object] = {}
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        ws.row_dimensions[r].height = row_height([row[h] for h in headers], widths, BODY_SIZE)
        for c, header in enumerate(headers, start=1):
            cell = ws.cell(row=r, column=c)
            value = row[header]
            set_text(cell, value)
            key = _style_key(value, formats.get(header), (fills or {}).get(header))
            if key in styled:
                cell._style = copy(styled[key])
                continue
            _style_body_cell(cell, key, fill_cache)
            styled[key] = copy(cell._style)
    _table_tail(ws, columns, len(rows), printed_columns)


def _write_table_xml(ws, title: str, subtitle: str, columns, rows: list[dict],
                     fills: dict[str, dict[str, str]] | None = None, printed_columns: int | None = None,
                     number_formats: dict[str, str] | None = None) -> tuple[str, int]:
    """:func:`write_table`, its data rows returned as (the sheet XML openpyxl would write for them, last row).

    Title, header, widths and print set-up go on ``ws`` as before; the rows are for
    :func:`tracker.xlsx_rows.save_with_rows`. Styles are registered with the workbook in the order
    openpyxl's writer would meet them, so the file holds the same styles as :func:`write_table` makes.
    """
    headers, widths = _table_head(ws, title, subtitle, columns, printed_columns)
    xlsx_rows.register_cell_styles(ws)    # the title and header cells come first in the sheet
    formats = number_formats or {}
    fill_cache: dict[str, PatternFill] = {}

    def style(key, value, row, column):
        cell = xlsx_rows.scratch_cell(ws, row, column)
        set_text(cell, value)
        _style_body_cell(cell, key, fill_cache)
        return cell._style

    xml = xlsx_rows.rows_xml(ws, FIRST_DATA_ROW, headers, widths, rows, style, _style_key,
                             [formats.get(h) for h in headers], [(fills or {}).get(h) for h in headers], BODY_SIZE)
    _table_tail(ws, columns, len(rows), printed_columns)
    return xml, FIRST_DATA_ROW - 1 + len(rows)


def _style_key(value, number_format: str | None, colors: dict[str, str] | None) -> tuple[str | None, str | None]:
    """(number format, fill colour) of a body cell holding ``value``."""
    if isinstance(value, datetime):
        number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        number_format = "yyyy-mm-dd"
    color = colors[value].lstrip("#") if colors and value in colors else None
    return number_format, color


def _style_body_cell(cell, key: tuple[str | None, str | None], fill_cache: dict[str, PatternFill]) -> None:
    number_format, color = key
    cell.border = _BORDER
    cell.alignment = _WRAP
    cell.font = _BODY_FONT
    if number_format:
        cell.number_format = number_format
    if color:
        cell.fill = fill_cache.setdefault(color, PatternFill("solid", fgColor=color))
        cell.font = cell_font(BODY_SIZE, color=text_colour_on(color), bold=True)


def _table_head(ws, title: str, subtitle: str, columns, printed_columns: int | None) -> tuple[list, list]:
    """Title, subtitle, header row and column widths; returns (headers, widths)."""
    headers = [h for h, _ in columns]
    for r, text, font in ((TITLE_ROW, title, cell_font(14, bold=True)), (SUBTITLE_ROW, subtitle, cell_font(color="595959"))):
        cell = ws.cell(row=r, column=1)
        set_text(cell, text)
        cell.font = font
        cell.alignment = Alignment(vertical="center")
        ws.merge_cells(f"A{r}:{get_column_letter(printed_columns or len(columns))}{r}")
    ws.row_dimensions[TITLE_ROW].height = 24
    for c, (header, width) in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c)
        set_text(cell, header_text(header, width, BODY_SIZE))   # broken between words where it needs two lines
        cell.font = cell_font(BODY_SIZE, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    widths = [w for _, w in columns]
    ws.row_dimensions[HEADER_ROW].height = row_height([header_text(h, w, BODY_SIZE) for h, w in columns], widths,
                                                      BODY_SIZE)
    return headers, widths


def _table_tail(ws, columns, n_rows: int, printed_columns: int | None) -> None:
    """Frozen header, autofilter, print area and A4 print set-up."""
    last_row = max(FIRST_DATA_ROW - 1 + n_rows, HEADER_ROW)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}"
    if printed_columns:
        ws.print_area = f"A1:{get_column_letter(printed_columns)}{last_row}"
    # every page repeats the title (what the list is, as of when) and the header row
    fit_a4(ws, title_rows=f"{TITLE_ROW}:{HEADER_ROW}")
    ws.print_options.horizontalCentered = True


