"""The monthly progress template: an xlsx pre-filled with exactly the rows one unit reports.

Which rows a unit reports is decided in :mod:`tracker.reporting`; this module lays them
out (openpyxl is the right tool for writing; uploads are read with python-calamine):

* sheet ``填报`` — identity and target columns locked (sheet protection, no password:
  the upload re-checks every row anyway), a dropdown for 状态, number validation on
  累计完成值, free text for 进展情况 / 存在问题 / 下步打算; frozen header row,
  widths, A4 landscape fitted to the page width with the header row on every page;
* sheet ``填报说明`` — how to fill it in;
* rows a supervisor sent back (二次交办, :mod:`tracker.actions`) and not yet closed out carry
  the new deadline in 截止日期, a red 填报编号 with the reason as a cell comment, and a line
  in the instructions;
* sheet ``元数据`` (hidden) — template version, unit, period and generation time, which an upload
  checks, then the row ids handed out (a record kept in the stored file; an upload's rows are checked
  against the rows the unit reports when it uploads).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.actions import SEND_BACK, RowState, row_states
from tracker.reporting import ReportingRow, Unit, resolve_unit, unit_rows
from tracker.safe_cells import set_text
from tracker.status import COMPLETED, FAR_BEHIND, NOT_REPORTED, STATUSES, month_end
from tracker.print_setup import cell_font, fit_a4, row_height

TEMPLATE_VERSION = "progress-1"
DATA_SHEET = "填报"
HELP_SHEET = "填报说明"
META_SHEET = "元数据"

#: What a unit may say about its own row (the judged statuses, without 未报送).
REPORTED_STATUSES = tuple(s for s in STATUSES if s != NOT_REPORTED)

# Column headers (also what an upload looks for).
ROW_ID = "填报编号"
VALUE = "累计完成值"
STATUS = "状态"
PROGRESS = "进展情况"
PROBLEMS = "存在问题"
NEXT_STEPS = "下步打算"
INDICATOR = "指标"
PLACE = "区域"
UNIT_COLUMN = "计量单位"
#: The locked cells that say which target and place a row is, beside its 填报编号: an upload holds each
#: row to them (a row moved, or sorted on some columns only, keeps its id but not its figures' meaning).
IDENTITY_COLUMNS = (PLACE, INDICATOR, UNIT_COLUMN)
TEXT_COLUMNS = (PROGRESS, PROBLEMS, NEXT_STEPS)
EDITABLE = (VALUE, STATUS) + TEXT_COLUMNS


@dataclass(frozen=True)
class Column:
    header: str
    width: int


# Widths add up to what an A4 landscape page prints at about 78 %: 11-point text comes out at about 8.6 points,
# and at 7.5 in the error copy with its 错误说明 column (:func:`tracker.print_setup.printed_size`); text wraps.
COLUMNS = (
    Column(ROW_ID, 12), Column("文件", 11), Column("条目", 16), Column(INDICATOR, 16),
    Column("指标原文", 18), Column(PLACE, 8), Column("目标值", 8), Column(UNIT_COLUMN, 6),
    Column("截止日期", 11), Column(VALUE, 9), Column(STATUS, 8), Column(PROGRESS, 24),
    Column(PROBLEMS, 18), Column(NEXT_STEPS, 18),
)
HEADERS = tuple(c.header for c in COLUMNS)

# Meta sheet keys (column A) — values in column B.
META_VERSION, META_UNIT, META_CITY, META_PERIOD, META_GENERATED, META_ROWS = (
    "模板版本", "填报单位", "城市代码", "报送期", "生成时间", "行数")
META_IDS_FROM = 8        # row 8 holds the header 填报编号, the ids follow

MAX_VALUE = 1e12


def value_range(kind: str, unit: str) -> tuple[float, float]:
    """Allowed 累计完成值: ≥ 0, except rates (a growth rate may fall; a % never below -100)."""
    if kind == "rate":
        return (-100.0 if "%" in unit else -MAX_VALUE), MAX_VALUE
    return 0.0, MAX_VALUE


def make_template(
    con: duckdb.DuckDBPyConnection, unit_name: str, period: str, out: Path,
    city: str | None = None, now: datetime | None = None,
) -> int:
    """Write ``unit_name``'s template for ``period`` to ``out``; returns the number of rows.

    Raises ValueError (:class:`tracker.reporting.UnknownUnit` for a unit name that
    does not exist) with a message in Chinese.
    """
    month_end(period)
    unit = resolve_unit(con, unit_name, city)
    rows = unit_rows(con, unit, period)
    if not rows:
        raise ValueError(f"单位“{unit.name}”在{period}没有需要报送的指标（不是任何指标的牵头单位，"
                         "或所牵头的指标已分解到各县（市、区），由当地政府（管委会）填报）")
    now = now or datetime.now()
    write_template(rows, unit, period, Path(out), now, sent_back(con, rows, period, now))
    return len(rows)


def sent_back(con: duckdb.DuckDBPyConnection, rows: list[ReportingRow], period: str,
              now: datetime) -> dict[str, RowState]:
    """Row id → the 二次交办 in force on the later of the period's last day and ``now``."""
    states = row_states(con, max(month_end(period), now.date()))
    return {r.row_id: s for r in rows
            if (s := states.get((r.target_id, r.jurisdiction_code))) is not None and s.kind == SEND_BACK}


def write_template(rows: list[ReportingRow], unit: Unit, period: str, out: Path, now: datetime,
                   send_backs: dict[str, RowState] | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    send_backs = send_backs or {}
    _data_sheet(ws, rows, unit, period)
    _mark_sent_back(ws, rows, send_backs)
    _help_sheet(wb.create_sheet(HELP_SHEET), unit, period, len(rows), len(send_backs))
    _meta_sheet(wb.create_sheet(META_SHEET), rows, unit, period, now)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def row_cells(row: ReportingRow) -> list:
    """The pre-filled cells of one row, in :data:`COLUMNS` order (editable ones empty)."""
    return [row.row_id, row.doc_number or "", f"{row.item_label}{row.item_title}", row.indicator,
            row.raw, row.jurisdiction_name, row.target_cell, row.unit, row.due_date,
            None, None, None, None, None]


_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_EDIT_FILL = PatternFill("solid", fgColor="FFF9DB")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _data_sheet(ws, rows: list[ReportingRow], unit: Unit, period: str) -> None:
    editable = {HEADERS.index(h) + 1 for h in EDITABLE}
    for col, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, column.header)
        cell.font = cell_font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = column.width
    widths = [c.width for c in COLUMNS]
    ws.row_dimensions[1].height = row_height(list(HEADERS), widths)
    body = cell_font()
    for r, row in enumerate(rows, start=2):
        cells = row_cells(row)
        ws.row_dimensions[r].height = row_height(cells, widths)
        for col, value in enumerate(cells, start=1):
            cell = ws.cell(row=r, column=col)
            set_text(cell, value)
            cell.alignment = _WRAP
            cell.font = body
            if col in editable:
                cell.protection = Protection(locked=False)
                cell.fill = _EDIT_FILL
        ws.cell(row=r, column=HEADERS.index("截止日期") + 1).number_format = "yyyy-mm-dd"
    _validations(ws, rows)
    ws.freeze_panes = "B2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False   # people may still widen columns and rows
    ws.protection.formatRows = False
    fit_a4(ws, header=f"{unit.name} {period} 目标任务进展填报")


_SENT_BACK_FILL = PatternFill("solid", fgColor="F4CCCC")


def _mark_sent_back(ws, rows: list[ReportingRow], send_backs: dict[str, RowState]) -> None:
    """二次交办 rows: the new deadline in 截止日期, a red 填报编号 with the reason as a comment."""
    due_col = HEADERS.index("截止日期") + 1
    for r, row in enumerate(rows, start=2):
        state = send_backs.get(row.row_id)
        if state is None:
            continue
        ws.cell(row=r, column=due_col).value = state.new_deadline
        cell = ws.cell(row=r, column=1)
        cell.fill = _SENT_BACK_FILL
        cell.comment = Comment(f"二次交办（{state.action_date}，{state.actor}）：{state.note}\n"
                               f"新的完成期限：{state.new_deadline}", "督查")


def _validations(ws, rows: list[ReportingRow]) -> None:
    last = len(rows) + 1
    status_col = get_column_letter(HEADERS.index(STATUS) + 1)
    value_col = get_column_letter(HEADERS.index(VALUE) + 1)
    status = DataValidation(type="list", formula1='"' + ",".join(REPORTED_STATUSES) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="状态无效",
                            error="请从下拉列表选择：" + "、".join(REPORTED_STATUSES))
    status.add(f"{status_col}2:{status_col}{max(last, 2)}")
    ws.add_data_validation(status)
    by_range: dict[tuple[float, float], DataValidation] = {}
    for (low, high), first, last_row in _runs([value_range(r.kind, r.unit) for r in rows], start=2):
        dv = by_range.get((low, high))
        if dv is None:
            dv = DataValidation(type="decimal", operator="between", formula1=_fmt(low), formula2=_fmt(high),
                                allow_blank=True, showErrorMessage=True, errorTitle="数值无效",
                                error=f"请填写{_fmt(low)}到{_fmt(high)}之间的数字（本年累计，按“计量单位”列的单位）")
            by_range[(low, high)] = dv
            ws.add_data_validation(dv)
        dv.add(f"{value_col}{first}" if first == last_row else f"{value_col}{first}:{value_col}{last_row}")


def _runs(values: list, start: int) -> list[tuple[object, int, int]]:
    """Consecutive equal values as (value, first row, last row): one range per run, not one per cell."""
    runs: list[tuple[object, int, int]] = []
    for r, v in enumerate(values, start=start):
        if runs and runs[-1][0] == v and runs[-1][2] == r - 1:
            runs[-1] = (v, runs[-1][1], r)
        else:
            runs.append((v, r, r))
    return runs


#: Width of the instructions' one column: what A4 portrait prints at 100 % between narrow margins.
HELP_WIDTH = 100


def _help_sheet(ws, unit: Unit, period: str, n_rows: int, n_sent_back: int = 0) -> None:
    lines = [
        f"{unit.name} · {period} 目标任务进展填报说明",
        "",
        f"1. 本表共 {n_rows} 行，每行是本单位负责报送的一项指标（按区域拆分的指标每个区域一行）。",
        f"2. 黄底的{len(EDITABLE)}列（{'、'.join(EDITABLE)}）供填写；其余各列已锁定，请勿修改、删除或调换行。",
        f"3. “{VALUE}”填写截至本月底的本年累计数，只填数字，单位与“计量单位”列一致（如单位为万亩，3万亩填 3；单位为 % 的可直接输入 16%）。",
        f"4. “{STATUS}”从下拉列表选择：{'、'.join(REPORTED_STATUSES)}。里程碑类任务完成时选“{COMPLETED}”；"
        f"“{INDICATOR}”以“整项任务”开头的行没有量化指标，不填“{VALUE}”，每月选择状态并填写“{PROGRESS}”，完成后选“{COMPLETED}”。",
        f"5. “{PROGRESS}”“{PROBLEMS}”“{NEXT_STEPS}”简要填写，每格不超过 2000 字；无问题可填“无”。",
        "6. 本月没有进展的行可以留空，留空的行视为本月未报送；此前已报送完成的指标不必再填，仍按已完成统计。",
        "7. 已报送后如需更正，修改后重新上传即可：以最后一次上传为准，此前的记录仍会保留。",
        f"8. 请勿修改工作表名称，勿删除隐藏的“{META_SHEET}”工作表；可另存为 .xls 或 .csv 上传，但 .csv 上传时需注明报送期。",
        f"9. 状态说明：{COMPLETED}——已达到目标；正常——进度不慢于时间进度；滞后——落后时间进度；{FAR_BEHIND}——明显落后或已逾期。",
    ]
    if n_sent_back:
        lines.append(f"10. 本表有 {n_sent_back} 行为督查二次交办事项（填报编号标红，批注为交办理由，截止日期为新的完成期限），"
                     f"请按期办理并在“{PROGRESS}”中说明整改情况。")
    # one column as wide as A4 portrait prints at 100 %, each line wrapped in a row as tall as it needs
    ws.column_dimensions["A"].width = HELP_WIDTH
    for r, line in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1)
        set_text(cell, line)
        size = 14 if r == 1 else 11
        cell.font = cell_font(size, bold=r == 1)
        cell.alignment = _WRAP
        ws.row_dimensions[r].height = row_height([line], [HELP_WIDTH], size)
    fit_a4(ws, landscape=False, title_rows=None)
    ws.protection.sheet = True


def _meta_sheet(ws, rows: list[ReportingRow], unit: Unit, period: str, now: datetime) -> None:
    pairs = [(META_VERSION, TEMPLATE_VERSION), (META_UNIT, unit.name), (META_CITY, unit.city_code or ""),
             (META_PERIOD, period), (META_GENERATED, now.replace(microsecond=0).isoformat(sep=" ")),
             (META_ROWS, len(rows))]
    for r, (key, value) in enumerate(pairs, start=1):
        set_text(ws.cell(row=r, column=1), key)
        set_text(ws.cell(row=r, column=2), value)
    set_text(ws.cell(row=META_IDS_FROM, column=1), ROW_ID)
    for r, row in enumerate(rows, start=META_IDS_FROM + 1):
        set_text(ws.cell(row=r, column=1), row.row_id)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)
