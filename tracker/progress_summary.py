"""The month's 汇总表: every target × jurisdiction row with its latest report for the period.

Rows come from :func:`tracker.reporting.all_rows` (so a row nobody reported is still
there, marked 未报送); the report is the latest version in ``latest_progress`` for the
period; the judged status is the pages' (:func:`tracker.progress_queries.target_status` of the
period: the same reports counted, the 销号 and 二次交办 in force); a row the status table does not
hold is judged alone by :func:`tracker.status.judge` on the last day of the period. Exports (xlsx,
csv with BOM) neutralise text with :mod:`tracker.safe_cells`, since most of it was typed by the
reporting units. The xlsx prints on A4 landscape, fitted to
the width, the header row on every page, texts wrapped; paper gets the columns up to 下步打算
(:data:`PRINTED`), the record of who sent which file stays on screen.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter

from tracker import progress_queries as pq
from tracker.filters import NO_FILTERS
from tracker.formatting import period_label
from tracker.reporting import ReportingRow, all_rows
from tracker.safe_cells import set_text, write_bom_csv
from tracker.settings import StatusSettings
from tracker.status import COMPLETED, NOT_REPORTED, RANGE, STATUS_COLORS, judge, month_end
from tracker.print_setup import cell_font, fit_a4, row_height, text_colour_on

DEMO_LABEL = "演示数据"

#: (header, width) of the summary, in order.
#: The printed ones (through 下步打算) add up to what A4 landscape prints at about 74 %: 11-point text comes
#: out at 8 points (:func:`tracker.print_setup.printed_size`); short values get narrow columns, long texts wrap.
COLUMNS = (
    ("填报编号", 12), ("文件", 10), ("条目", 16), ("指标", 14), ("区域", 8), ("目标值", 8), ("计量单位", 6),
    ("截止日期", 11), ("报送单位", 11), ("累计完成值", 8), ("报送状态", 6), ("研判状态", 6),
    ("时序进度", 7), ("完成比例", 7), ("研判说明", 16), ("进展情况", 18), ("存在问题", 14), ("下步打算", 14),
    ("版本", 6), ("报送人", 10), ("报送时间", 18), ("来源文件", 24), ("数据性质", 10),
)
HEADERS = tuple(h for h, _ in COLUMNS)
#: The columns printed: through 下步打算 (version, sender, time, file and data kind are for the screen).
PRINTED = HEADERS.index("下步打算") + 1
_PERCENT = ("时序进度", "完成比例")


def summary(con: duckdb.DuckDBPyConnection, period: str,
            settings: StatusSettings = StatusSettings()) -> list[dict]:
    """One dict per target × jurisdiction (keys: :data:`HEADERS`), in document order."""
    as_of = month_end(period)
    latest = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            """SELECT target_id, jurisdiction_code, value, reported_status, progress_text, problems_text,
                      next_steps_text, version, unit_name, uploaded_by, uploaded_at, file_name, is_demo
               FROM latest_progress WHERE period = ?""", [period]).fetchall()
    }
    judged = _judged(con, period, settings)
    return [_summary_row(row, latest.get((row.target_id, row.jurisdiction_code)), as_of, settings,
                         judged.get((row.target_id, row.jurisdiction_code)))
            for row in all_rows(con, period)]


def _judged(con: duckdb.DuckDBPyConnection, period: str, settings: StatusSettings) -> dict[tuple, tuple]:
    """(target_id, jurisdiction_code) → (status, expected share, actual share, note) as the pages show them
    (:func:`tracker.progress_queries.target_status`, whole-city and jurisdiction rows): the same currency of
    reports, whole-city sums, work done on record, 销号 and 二次交办."""
    judged = {}
    for level in (pq.CITY, pq.JURISDICTION):
        frame = pq.target_status(con, period, NO_FILTERS, settings, level)
        for r in frame[["target_id", "jurisdiction_code", "status", "expected_share", "actual_share",
                        "note", "report_period"]].itertuples(index=False):
            earlier = isinstance(r.report_period, str) and r.report_period < period
            note = f"据{r.report_period}报送：{r.note}" if earlier and r.status == COMPLETED else r.note
            judged[(int(r.target_id), r.jurisdiction_code)] = (
                r.status, _share(r.expected_share), _share(r.actual_share), note)
    return judged


def _share(x) -> float | None:
    return None if x is None or x != x else round(float(x), 4)


def _summary_row(row: ReportingRow, report: tuple | None, as_of: date, settings: StatusSettings,
                 verdict: tuple | None = None) -> dict:
    value, status, progress, problems, next_steps, version, unit, by, at, file_name, is_demo = (
        report if report else (None,) * 11)
    verdict = verdict or _judge(row, value, status, as_of, settings)
    return dict(zip(HEADERS, (
        row.row_id, row.doc_number or "", f"{row.item_label}{row.item_title}", row.indicator,
        row.jurisdiction_name, row.target_cell, row.unit, row.due_date, unit or row.units,
        value, status or "", verdict[0], verdict[1], verdict[2], verdict[3],
        progress or "", problems or "", next_steps or "", version, by or "", at, file_name or "",
        DEMO_LABEL if is_demo else ("" if report is None else "正式报送"),
    )))


def _judge(row: ReportingRow, value, status, as_of: date, settings: StatusSettings) -> tuple:
    """(status, expected share, actual share, note); a target that cannot be judged says why."""
    start = row.period_start or date(row.due_date.year, 1, 1)
    end = row.period_end or row.due_date
    target = ((row.target_value, row.target_value_high) if row.comparator == RANGE else row.target_value)
    try:
        j = judge(row.kind, row.comparator, target, value, as_of, start, end,
                  deadline=row.due_date if row.due_date != end else None,
                  steps=row.steps, reported_done=status == COMPLETED, settings=settings)
    except (ValueError, TypeError) as exc:
        return (NOT_REPORTED if value is None and status is None else "", None, None, f"无法研判：{exc}")
    return (j.status, round(j.expected_share, 4),
            None if j.actual_share is None else round(j.actual_share, 4), j.note)


# ---------------------------------------------------------------------------- export


def export_summary(con: duckdb.DuckDBPyConnection, period: str, out: Path,
                   settings: StatusSettings = StatusSettings()) -> int:
    """Write the summary to ``out`` (.xlsx or .csv, by its suffix); returns the number of rows."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"不支持的导出格式“{out.suffix}”：请用 .xlsx 或 .csv")
    rows = summary(con, period, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    (write_xlsx if suffix == ".xlsx" else write_csv)(rows, out, period)
    return len(rows)


def write_csv(rows: list[dict], out: Path, period: str = "") -> None:
    """UTF-8 with BOM (Excel on Windows needs it to read Chinese); text neutralised."""
    write_bom_csv(out, HEADERS, rows)


def write_xlsx(rows: list[dict], out: Path, period: str = "") -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    for c, (header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=c)
        set_text(cell, header)
        cell.font = cell_font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = width
    fills = {s: PatternFill("solid", fgColor=color.lstrip("#")) for s, color in STATUS_COLORS.items()}
    fonts = {s: cell_font(color=text_colour_on(color), bold=True) for s, color in STATUS_COLORS.items()}   # dark on orange
    status_col = HEADERS.index("研判状态") + 1
    widths = [width for _, width in COLUMNS]
    ws.row_dimensions[1].height = row_height(list(HEADERS[:PRINTED]), widths[:PRINTED])
    wrapped = Alignment(wrap_text=True, vertical="top")
    body = cell_font()
    for r, row in enumerate(rows, start=2):
        values = [row[header] for header in HEADERS]
        for c, (header, value) in enumerate(zip(HEADERS, values), start=1):
            cell = ws.cell(row=r, column=c)
            set_text(cell, value)
            cell.alignment = wrapped
            cell.font = body
            if header in _PERCENT:
                cell.number_format = "0.0%"
            elif header == "截止日期":
                cell.number_format = "yyyy-mm-dd"
            elif header == "报送时间":
                cell.number_format = "yyyy-mm-dd hh:mm"
        # as tall as the wrapped texts of the printed columns (spreadsheets do not all grow rows themselves)
        ws.row_dimensions[r].height = row_height(values[:PRINTED], widths[:PRINTED])
        status = row["研判状态"]
        if status in fills:
            ws.cell(row=r, column=status_col).fill = fills[status]
            ws.cell(row=r, column=status_col).font = fonts[status]
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(len(rows) + 1, 1)}"
    demo = any(row["数据性质"] == DEMO_LABEL for row in rows)   # the column is off the paper: the header says it
    title = f"目标任务进展汇总表（{period_label(period)}）" if period else "目标任务进展汇总表"
    fit_a4(ws, header=title + ("　含演示数据（不是真实报送）" if demo else ""))
    ws.print_area = f"A1:{get_column_letter(PRINTED)}{max(len(rows) + 1, 1)}"
    wb.save(out)


