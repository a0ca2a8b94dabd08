"""Monthly progress uploads: check a filled-in template and append what it reports.

The path of one upload: :func:`tracker.reporting.resolve_unit` → :func:`read_sheet`
(refuses the file type, size, row count, missing header) → :func:`check_meta`
(template version, unit, period) → :func:`validate_rows` (ids exist and belong to the
unit, numbers in range, statuses from the list, no duplicates) → :func:`store`
(append-only versions, in one transaction). The demo data goes through
:func:`validate_rows` and :func:`store` as well.

Rules:
* A file with any problem is rejected and the database is left exactly as it was
  (``partial=True`` instead stores the good rows and records the bad ones in
  ``upload_errors``).
* A row whose reported cells equal the latest version for its target, jurisdiction
  and period adds nothing; a row that differs adds version n+1 (a correction); the
  earlier versions stay. So re-uploading the same file changes nothing (outcome
  ``unchanged``, no row written anywhere); the same file sent again after rows were
  corrected is refused rather than turning them back (:func:`store`, ``earlier``).
* A row left blank (no value, status or text) is not a report.
* A count whose value is below the report that counts for an earlier month of the same year (the
  template asks for the year's cumulative figure, which cannot fall; rates, levels and limits can) is
  stored all the same and said per row (:class:`Fall`): a monthly figure in the cumulative column, or
  a typo, unless the earlier month was wrong. The earlier reports come with the latest versions
  (:meth:`Batch.load`), in the read made while the file is parsed.

Speed (issue 9: 20,000 rows in at most 1.5 × python-calamine's read of the file): the rows
the unit reports are read on a second connection while the file is parsed, the common
cells take inline fast paths in :func:`validate_rows` (proven equal to the cell-by-cell
checks in tests/test_upload_fast_paths.py), the new versions go to DuckDB as one Arrow
table, and Python's cyclic garbage collector pauses for the upload.
"""
from __future__ import annotations

import gc
import hashlib
import math
import operator
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa   # a requirement of streamlit (and DuckDB reads its tables without the GIL)

from loaders import background
from loaders.progress_template import (
    DATA_SHEET, EDITABLE, HELP_SHEET, IDENTITY_COLUMNS, META_PERIOD, META_SHEET, META_UNIT, META_VERSION, NEXT_STEPS, PROBLEMS,
    PROGRESS, REPORTED_STATUSES, ROW_ID, STATUS, TEMPLATE_VERSION, VALUE, value_range,
)
from loaders.sheet_reader import MAX_BYTES, MAX_ROWS, FileRefused, Problem, Sheet, clean_text, read_sheet
from loaders.xlsx_formats import formula_rows, percent_rows
from tracker import audit, report_validity
from tracker.auth import Account, upload_refusal
from tracker.db import next_ids, write_transaction
from tracker.reporting import (ReportingRow, RowKey, Unit, UnknownUnit, parse_row_id, resolve_unit, row_reporters,
                               unit_row_keys)
from tracker.safe_cells import restore
from tracker.status import COUNT, MILESTONE, month_end, period_of

ACCEPTED, PARTIAL, REJECTED, UNCHANGED = "accepted", "partial", "rejected", "unchanged"
MAX_TEXT = 2000
REQUIRED = (ROW_ID, VALUE, STATUS)


class Report(NamedTuple):
    """One valid row: what the unit reported for a target and jurisdiction (a tuple: cheap to make)."""

    target_id: int
    jurisdiction_code: str
    value: float | None
    status: str | None
    progress: str | None
    problems: str | None
    next_steps: str | None
    row_number: int         # in the file's data sheet (progress_reports.source_row)
    kind: str               # the target's (count, rate …) and its unit: what a fall is said in (:class:`Fall`)
    unit: str

    def content(self) -> tuple:
        return (self.value, self.status, self.progress, self.problems, self.next_steps)


class Fall(NamedTuple):
    """A valid count row whose cumulative value is below the report that counts for an earlier month of the
    same year (a monthly figure typed as the year-to-date one, or a typo): stored all the same, and said."""

    row: int               # in the file's data sheet
    row_id: str            # 填报编号
    value: float
    unit: str              # the target's unit (计量单位)
    earlier_period: str
    earlier_value: float

    def message(self) -> str:
        """``第12行 T2-330800：累计完成值30亿元低于2024年9月报送的404亿元，请确认…``"""
        year, month = self.earlier_period.split("-")
        return FALL_MESSAGE.format(row=self.row, rid=self.row_id, value=_fmt(self.value) + self.unit,
                                   period=f"{int(year)}年{int(month)}月",
                                   earlier=_fmt(self.earlier_value) + self.unit)


FALL_MESSAGE = ("第{row}行 {rid}：累计完成值{value}低于{period}报送的{earlier}，请确认填写的是年初至今的累计数"
                "（若前期数据有误，请在“存在问题”中说明）")


@dataclass
class UploadResult:
    outcome: str
    unit: str
    period: str | None
    file_name: str
    upload_id: int | None = None
    n_rows: int = 0          # rows with a row id or any content
    n_new: int = 0           # versions written
    n_unchanged: int = 0     # valid rows equal to the latest version
    n_blank: int = 0         # rows left blank (not reported)
    problems: list[Problem] = field(default_factory=list)
    sheet: Sheet | None = None
    n_corrections: int = 0   # of the versions written, those replacing an earlier report of the month
    #: of those, the ones replacing another unit's report: that unit → the row ids, in file order
    replaced: dict[str, list[str]] = field(default_factory=dict)
    #: valid count rows below the year's earlier report (stored all the same), in file order
    falls: list[Fall] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in (ACCEPTED, UNCHANGED, PARTIAL)

    @property
    def n_rejected(self) -> int:
        return len({p.row for p in self.problems if p.row})

    def summary(self) -> str:
        """One line in Chinese for the page and the command line."""
        head = {ACCEPTED: "已接收", PARTIAL: "部分接收", UNCHANGED: "内容与上次报送相同，未作改动",
                REJECTED: "未接收"}[self.outcome]
        if self.outcome == UNCHANGED and not self.n_unchanged:
            head = "没有填写任何数据，未作改动"
        corrected = f"（其中更正{self.n_corrections}条）" if self.n_corrections else ""
        parts = [f"新增{self.n_new}条{corrected}"] if self.outcome in (ACCEPTED, PARTIAL) else []
        for other, rids in self.replaced.items():
            parts.append(f"其中{len(rids)}条替换了{other}报送的数据：{replaced_ids(rids)}")
        if self.n_unchanged and self.outcome != UNCHANGED:
            parts.append(f"与上次相同{self.n_unchanged}条")
        if self.n_blank and self.outcome != REJECTED:
            parts.append(f"空白未填{self.n_blank}行")
        if self.falls:
            parts.append(f"{len(self.falls)}行累计完成值低于本年此前月份的报送数，请核对")
        if self.problems:
            parts.append(f"发现{len(self.problems)}个问题" + (f"（涉及{self.n_rejected}行）" if self.n_rejected else ""))
        who = f"{self.unit} {self.period or ''}".strip()
        return f"{who}《{self.file_name}》{head}" + (f"：{'，'.join(parts)}" if parts else "")


def replaced_ids(rids: list[str], shown: int = 6) -> str:
    """``T116-330802、T116-330803`` (the first few, then 等N条)."""
    return "、".join(rids[:shown]) + (f"等{len(rids)}条" if len(rids) > shown else "")


# ---------------------------------------------------------------------------- the whole upload


def upload_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    unit_name: str,
    uploaded_by: str,
    period: str | None = None,
    city: str | None = None,
    now: datetime | None = None,
    partial: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    account: Account | None = None,
    actor: str | None = None,
) -> UploadResult:
    """Check and store one uploaded file; see the module docstring for the rules.

    Never raises for a bad file or unit: a refused file comes back with outcome
    ``rejected`` and its problems (and writes nothing but its audit record).

    ``account`` (the app, the CLI's ``--account``): the upload is made by that account,
    which must be allowed to upload for ``unit_name`` (:func:`tracker.auth.upload_refusal`:
    a unit account only for its own unit) and is recorded as ``uploaded_by``. Every call
    leaves one :mod:`tracker.audit` record by ``actor`` (default: the account, else
    ``uploaded_by``), written in the upload's transaction when something is stored.
    """
    with _collector_paused():
        return _upload_file(con, Path(path), unit_name, uploaded_by, period, city, now or datetime.now(), partial,
                            max_bytes, max_rows, account, actor)


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for the duration (an upload makes a few hundred
    thousand cells and tuples, none in a cycle; each pass over the heap they trigger costs
    time and frees nothing); back on afterwards unless someone else had turned it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _upload_file(con, path: Path, unit_name: str, uploaded_by: str, period: str | None, city: str | None,
                 now: datetime, partial: bool, max_bytes: int, max_rows: int, account: Account | None,
                 actor: str | None) -> UploadResult:
    if account is not None:
        uploaded_by = account.username
    actor = actor or uploaded_by
    try:
        unit = resolve_unit(con, unit_name, city)
    except UnknownUnit as exc:
        return _audited(con, actor, path, now, UploadResult(REJECTED, unit_name, period, path.name,
                                                       problems=[Problem(None, None, None, str(exc))]))
    if account is not None and (refusal := upload_refusal(account, unit)):
        return _audited(con, actor, path, now, UploadResult(REJECTED, unit.name, period, path.name,
                                                       problems=[Problem(None, None, None, refusal)]))
    # the rows the unit reports and their latest versions, read on a second connection while the
    # file is read and parsed (DuckDB and python-calamine both release the GIL); used when the
    # file's period is this one
    ahead = background.submit(_prepared_on, con.cursor(), unit, period) if period else None
    try:
        sheet = read_sheet(path, DATA_SHEET, ROW_ID, META_SHEET, max_bytes, max_rows)
        check_columns(sheet)
        period = check_meta(con, sheet, unit, period, now)   # refuses a file of another period than asked
    except FileRefused as exc:
        background.result_or_none(ahead)
        return _audited(con, actor, path, now, UploadResult(REJECTED, unit.name, period, path.name,
                                                       problems=[exc.problem]))
    expected, known, batch = background.result_or_none(ahead) or (*_rows_to_check(con, unit, period), None)
    percent = (percent_rows(sheet.content, sheet.name, sheet.header.index(VALUE) + 1)
               if sheet.kind == "xlsx" and sheet.content is not None and VALUE in sheet.header else frozenset())
    reports, problems, n_blank = validate_rows(sheet.name, sheet.header, sheet.rows, expected, known, unit, period,
                                               percent)
    if sheet.merged:
        reports, problems, n_blank = _without_merged(sheet, reports, problems, n_blank)
    if problems:
        problems = _reporters_named(con, problems, unit)
    if problems and sheet.kind == "xlsx":
        problems = _formulas_explained(sheet, problems)
    n_rows = len(sheet.rows)
    if not reports and not problems and (copy := _filled_elsewhere(sheet)):
        return _audited(con, actor, path, now, UploadResult(REJECTED, unit.name, period, path.name, n_rows=n_rows,
                                                       n_blank=n_blank, problems=[Problem(None, None, None, copy)]))
    if problems and not partial:
        return _audited(con, actor, path, now, UploadResult(REJECTED, unit.name, period, path.name, n_rows=n_rows,
                                                       n_blank=n_blank, problems=problems, sheet=sheet))
    content = sheet.content if sheet.content is not None else path.read_bytes()
    sha = sheet.sha256 or hashlib.sha256(content).hexdigest()

    def write(c):   # may run again from the start after a write conflict (tracker.db.write_transaction)
        nonlocal batch
        ready, batch = batch, None      # the batch read ahead serves the first attempt, if still current
        if ready is not None and not ready.is_current(c):
            ready = None
        earlier = c.execute("""SELECT upload_id, uploaded_at FROM uploads
                               WHERE file_sha256 = ? AND unit_name = ? AND period = ? AND outcome IN (?, ?)
                               ORDER BY upload_id LIMIT 1""", [sha, unit.name, period, ACCEPTED, PARTIAL]).fetchone()
        stored = store(c, unit, period, reports, file_name=path.name, sha256=sha, uploaded_by=uploaded_by,
                       uploaded_at=now, n_rows=n_rows, n_blank=n_blank, problems=problems, batch=ready,
                       earlier=earlier)
        if ready is not None:
            ready.flush(c)
        if stored.upload_id is not None:
            store_file(c, sha, content)
        _audit_upload(c, actor, stored, sha, now)
        return stored

    result = write_transaction(con, write, label="upload")
    result.sheet = sheet
    return result


#: The start of the message for a row whose value cell is empty (validate_rows).
_VALUE_MISSING = "请填写累计完成值"
FORMULA_WITHOUT_RESULT = ("该单元格是公式，文件里没有它的计算结果（文件可能由其他程序生成）："
                          "请用 Excel 或 WPS 打开并保存后再上传，或直接填写数值")


def _formulas_explained(sheet: Sheet, problems: list[Problem]) -> list[Problem]:
    """A missing value whose cell holds a formula without a stored result says so (python-calamine reads such a
    cell as empty). The sheet's XML is read again only when some value is missing."""
    if not any(p.column == VALUE and p.message.startswith(_VALUE_MISSING) for p in problems):
        return problems
    rows = formula_rows(sheet.content, sheet.name, sheet.header.index(VALUE) + 1)
    return [Problem(p.sheet, p.row, p.column, FORMULA_WITHOUT_RESULT)
            if p.column == VALUE and p.row in rows and p.message.startswith(_VALUE_MISSING) else p
            for p in problems]


def _reporters_named(con, problems: list[Problem], unit: Unit) -> list[Problem]:
    """A row the unit does not report, whose target exists, says who reports it (a lead department
    sending a county's row of an allocated target: 该行由柯城区政府填报)."""
    outside = {p.row: m.group(1) for p in problems if p.column == ROW_ID and (m := _OUT_OF_SCOPE.search(p.message))}
    if not outside:
        return problems
    by_row = row_reporters(con, {parse_row_id(rid)[0] for rid in outside.values()})
    named = []
    for p in problems:
        rid = outside.get(p.row) if p.column == ROW_ID else None
        others = by_row.get(rid) if rid else None
        if others and others != unit.name:
            p = Problem(p.sheet, p.row, p.column, f"{p.message}：该行由{others}填报，请删除此行或重新下载本单位模板")
        named.append(p)
    return named


def _filled_elsewhere(sheet: Sheet) -> str | None:
    """When the data sheet has nothing filled in and the workbook has another sheet named like it (a copy
    such as 填报 (2) that the clerk filled in instead), what to do; else None."""
    others = [n for n in sheet.sheet_names
              if n != sheet.name and n.startswith(DATA_SHEET) and n not in (HELP_SHEET, META_SHEET)]
    if sheet.kind == "csv" or not others:
        return None
    return (f"工作表“{sheet.name}”没有填写任何数据，而文件中还有工作表“{others[0]}”：系统只读取“{DATA_SHEET}”工作表，"
            f"请在其中填写（或删去它，把填好的工作表改名为“{DATA_SHEET}”）后再上传")


def merged_problems(sheet: Sheet) -> list[Problem]:
    """A problem on every row of a cell that is merged over several rows in a column a unit fills in:
    only its first row holds what was typed, the others would be stored without it."""
    filled = {sheet.header.index(h): h for h in EDITABLE if h in sheet.header}
    found = []
    for first, last, c0, c1 in sheet.merged:
        columns = [filled[c] for c in range(c0, c1 + 1) if c in filled]
        if not columns or last <= sheet.header_row:
            continue
        start = max(first, sheet.header_row + 1)
        message = (f"第{start}—{last}行的“{'、'.join(columns)}”是合并单元格，只有第{first}行存有内容："
                   "请取消合并，逐行填写")
        found.extend(Problem(sheet.name, n, columns[0], message) for n in range(start, last + 1))
    return found


def _without_merged(sheet: Sheet, reports: list[Report], problems: list[Problem],
                    n_blank: int) -> tuple[list[Report], list[Problem], int]:
    """The rows of :func:`merged_problems` taken out of ``reports`` and added to ``problems`` (in row order);
    those counted blank (their id filled in, nothing else) are no longer counted so."""
    merged = merged_problems(sheet)
    if not merged:
        return reports, problems, n_blank
    rows = {p.row for p in merged}
    stored = {r.row_number for r in reports}
    refused = {p.row for p in problems}
    key = sheet.header.index(ROW_ID)
    blank = sum(1 for n, cells in sheet.rows if n in rows and n not in stored and n not in refused
                and key < len(cells) and cells[key] not in (None, ""))
    ordered = sorted(problems + merged, key=lambda p: p.row or 0)
    return [r for r in reports if r.row_number not in rows], ordered, n_blank - blank


def store_file(con, sha256: str, content: bytes) -> None:
    """Keep the uploaded file (once per content): a report's cells as uploaded are its upload's
    file at its ``source_row``. The caller holds the transaction."""
    con.execute("INSERT INTO upload_files (file_sha256, n_bytes, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [sha256, len(content), content])


def _rows_to_check(con, unit: Unit, period: str) -> tuple[dict[str, RowKey], set[int]]:
    """The rows ``unit`` reports for ``period`` and every target id (for the messages about ids)."""
    return (unit_row_keys(con, unit, period),
            {r[0] for r in con.execute("SELECT target_id FROM targets").fetchall()})


def _prepared_on(cursor, unit: Unit, period: str) -> tuple[dict[str, RowKey], set[int], "Batch"]:
    """:func:`_rows_to_check` and the :class:`Batch` of those rows' targets, read on a connection
    of its own (closed afterwards) while the file is parsed. The write uses the batch only if
    nothing was uploaded in between (:meth:`Batch.is_current`)."""
    try:
        expected, known = _rows_to_check(cursor, unit, period)
        cursor.execute("BEGIN TRANSACTION")   # latest versions and next ids from one snapshot
        try:
            batch = Batch.load(cursor, period, sorted({key.target_id for key in expected.values()}),
                               sorted({key.jurisdiction_code for key in expected.values()}))
        finally:
            cursor.execute("ROLLBACK")
        return expected, known, batch
    finally:
        cursor.close()


def _audited(con, actor: str, path: Path, now: datetime, result: UploadResult) -> UploadResult:
    """Record a refused upload in the audit log (nothing else was written) and return it."""
    _audit_upload(con, actor, result, audit.file_sha256(path), now, own_transaction=True)
    return result


def _audit_upload(con, actor: str, result: UploadResult, sha: str | None, now: datetime | None,
                  own_transaction: bool = False) -> None:
    """One audit record per upload: ``upload``, ``correction`` (a new version of an earlier
    report), ``upload_unchanged`` or ``upload_rejected`` (with its first problems)."""
    n_corrections = 0
    if result.upload_id is not None:
        n_corrections = con.execute("SELECT count(*) FROM progress_reports WHERE upload_id = ? AND version > 1",
                                    [result.upload_id]).fetchone()[0]
    action = {REJECTED: "upload_rejected", UNCHANGED: "upload_unchanged"}.get(
        result.outcome, "correction" if n_corrections else "upload")
    details = {"unit": result.unit, "period": result.period, "file_name": result.file_name,
               "outcome": result.outcome, "upload_id": result.upload_id, "n_rows": result.n_rows,
               "n_new": result.n_new, "n_corrections": n_corrections, "n_unchanged": result.n_unchanged,
               "n_problems": len(result.problems), "problems": [str(p) for p in result.problems[:10]]}
    if result.falls:   # count rows below the year's earlier report: how many, and the first ones
        details["n_falls"] = len(result.falls)
        details["falls"] = [f.message() for f in result.falls[:10]]
    if result.replaced:   # reports of other units this upload replaced (their unit and rows)
        details["replaced"] = [f"{other}：{'、'.join(rids)}" for other, rids in result.replaced.items()]
    target = f"upload:{result.upload_id}" if result.upload_id is not None else f"unit:{result.unit}"
    write = audit.record_now if own_transaction else audit.record
    write(con, actor, action, target, details, sha, at=now)


def check_columns(sheet: Sheet) -> None:
    missing = [h for h in REQUIRED if h not in sheet.header]
    if missing:
        raise FileRefused("缺少列" + "、".join(f"“{h}”" for h in missing) + "：请使用下发的模板，不要删除或改名表头",
                          sheet=sheet.name, row=sheet.header_row)


def check_meta(con, sheet: Sheet, unit: Unit, period: str | None, now: datetime) -> str:
    """The period this file reports for, after checking the hidden metadata against ``unit``."""
    meta = sheet.meta
    if meta is not None:
        version = meta.get(META_VERSION, "")
        if version != TEMPLATE_VERSION:
            raise FileRefused(f"模板版本“{version or '（空）'}”与当前版本“{TEMPLATE_VERSION}”不符：请重新下载模板后填报",
                              sheet=META_SHEET)
        meta_unit = meta.get(META_UNIT, "")
        if meta_unit != unit.name and not _same_unit(con, meta_unit, unit):
            raise FileRefused(f"这是“{meta_unit}”的模板，不能以“{unit.name}”的名义上传", sheet=META_SHEET)
        meta_period = meta.get(META_PERIOD, "")
        if period and meta_period != period:
            raise FileRefused(f"文件的报送期是{meta_period}，与所选报送期{period}不一致", sheet=META_SHEET)
        period = meta_period
    elif not period:
        raise FileRefused("文件中没有模板信息（隐藏的“元数据”工作表），请指明报送期（如 --period 2024-03）")
    _check_period(period, now)
    return period


def _same_unit(con, name: str, unit: Unit) -> bool:
    try:
        return resolve_unit(con, name, unit.city_code).org_id == unit.org_id
    except UnknownUnit:
        return False


def _check_period(period: str, now: datetime) -> None:
    try:
        month_end(period)
    except ValueError:
        raise FileRefused(f"报送期“{period}”无效：应为“年-月”格式，如2024-03") from None
    if period > period_of(now.date()):
        raise FileRefused(f"报送期{period}尚未开始（今天是{now.date().isoformat()}）")


# ---------------------------------------------------------------------------- rows


def validate_rows(
    sheet_name: str,
    header: list[str],
    rows: list[tuple[int, list]],
    expected: dict[str, RowKey] | dict[str, ReportingRow],
    known_targets: set[int],
    unit: Unit,
    period: str,
    percent: set[int] | frozenset[int] = frozenset(),
) -> tuple[list[Report], list[Problem], int]:
    """Valid reports, the problems found (sheet, row, column, message) and the count of blank rows.

    The cells as read stay in the file itself (:func:`store_file`); a report keeps its row number.
    ``percent``: the rows whose value cell shows its number as a percentage (:func:`percent_value`).

    The common cells (text, finite floats, empty) take inline fast paths that give what
    :func:`clean_text`, :func:`_text` and :func:`parse_number` give; any other cell goes
    through those functions.
    """
    kept = (ROW_ID, VALUE, STATUS, PROGRESS, PROBLEMS, NEXT_STEPS)
    i_id, i_value, i_status, i_progress, i_problems, i_next = (
        header.index(h) if h in header else None for h in kept)
    # the identity cells the file has (区域, 指标, 计量单位): (index, RowKey field, header)
    identity = [(header.index(h), name, h) for h, name in zip(IDENTITY_COLUMNS, _IDENTITY_FIELDS) if h in header]
    id_fields, id_headers = [name for _, name, _ in identity], [h for _, _, h in identity]
    id_pick = operator.itemgetter(*(i for i, _, _ in identity)) if len(identity) == len(IDENTITY_COLUMNS) else None
    id_need = max((i for i, _, _ in identity), default=-1) + 1
    reports: list[Report] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    n_blank = 0
    statuses = set(REPORTED_STATUSES)
    cleaned: dict[str, str] = {}                   # status text → clean_text of it (few distinct ones)
    ranges: dict[tuple[str, str], tuple[float, float]] = {}
    indices = (i_id, i_value, i_status, i_progress, i_problems, i_next)
    # every column present (the template): one C-level pick per row instead of six checks
    pick = operator.itemgetter(*indices) if None not in indices else None
    need = max(i for i in indices if i is not None) + 1 if any(i is not None for i in indices) else 0
    isfinite = math.isfinite
    for n, cells in rows:
        width = len(cells)
        if pick is not None and width >= need:
            picked = pick(cells)
        else:
            picked = [cells[i] if i is not None and i < width else None for i in indices]
        raw_id, raw_value, raw_status, c3, c4, c5 = picked
        texts = [c.strip() or None if c.__class__ is str and c[:1] != "'" else _text(c) for c in (c3, c4, c5)]
        if raw_id.__class__ is str and raw_id.isascii():   # NFKC leaves ASCII as it is
            rid = raw_id.strip()
        else:
            rid = clean_text(raw_id)
        if rid[:1] == "t":
            rid = "T" + rid[1:]
        if raw_status.__class__ is str:
            status = cleaned.get(raw_status)
            if status is None:
                status = cleaned[raw_status] = clean_text(raw_status)
        else:
            status = clean_text(raw_status)
        value_class = raw_value.__class__
        if value_class is float:
            value_empty = False
        else:
            value_empty = raw_value is None or (value_class is str and not raw_value.strip())
        empty = value_empty and not status and not (texts[0] or texts[1] or texts[2])
        if not rid:
            if not empty:
                problems.append(Problem(sheet_name, n, ROW_ID, "缺少填报编号：请勿删除或改动模板中的编号"))
            continue
        row = expected.get(rid)
        if row is None or rid in seen:
            message = _id_problem(rid, seen, known_targets, unit, period)
            problems.append(Problem(sheet_name, n, ROW_ID, message))
            seen.setdefault(rid, n)
            continue
        seen[rid] = n
        if empty:
            n_blank += 1
            continue
        if identity:
            if id_pick is not None and width >= id_need:   # the template's three columns: compared in C
                got, want = id_pick(cells), (row.jurisdiction_name, row.indicator, row.unit)
            else:
                got = tuple(cells[i] if i < width else None for i, _, _ in identity)
                want = tuple(getattr(row, name) for _, name, _ in identity)
            if got != want:
                mismatch = identity_problem(rid, row, list(zip(got, id_fields, id_headers)))
                if mismatch is not None:
                    problems.append(Problem(sheet_name, n, *mismatch))
                    continue
        found: list[tuple[str, str]] = []
        value = None
        if value_class is float and isfinite(raw_value):
            value = raw_value
        else:
            try:
                value = parse_number(raw_value, row.unit)
            except ValueError as exc:
                found.append((VALUE, str(exc)))
        if percent and n in percent and value is not None and value_class is not str:
            try:
                value = percent_value(value, row.unit)
            except ValueError as exc:
                value = None
                found.append((VALUE, str(exc)))
        if value is not None:
            bounds = ranges.get((row.kind, row.unit))
            if bounds is None:
                bounds = ranges[(row.kind, row.unit)] = value_range(row.kind, row.unit)
            low, high = bounds
            if value < low:
                found.append((VALUE, f"数值{_fmt(value)}不能为负数" if low == 0 else
                              f"数值{_fmt(value)}不能小于{_fmt(low)}"))
            elif value > high:
                found.append((VALUE, f"数值{_fmt(value)}过大（上限{_fmt(high)}），请检查计量单位"))
        if status and status not in statuses:
            found.append((STATUS, f"状态“{status}”无效，应为：{'、'.join(REPORTED_STATUSES)}"))
        if value is None and not found:
            if row.kind != MILESTONE:
                found.append((VALUE, f"{_VALUE_MISSING}（单位：{row.unit or '见计量单位列'}）"))
            elif not status:
                found.append((STATUS, "请填写累计完成值或选择状态"))
        for h, t in zip(kept[3:], texts):
            if t and len(t) > MAX_TEXT:
                found.append((h, f"内容过长（{len(t)}字），每格不超过{MAX_TEXT}字"))
        if found:
            problems.extend(Problem(sheet_name, n, column, message) for column, message in found)
            continue
        reports.append(Report(row.target_id, row.jurisdiction_code, value, status or None, texts[0], texts[1],
                              texts[2], n, row.kind, row.unit))
    return reports, problems, n_blank


#: The :class:`RowKey` fields the identity columns show (:data:`IDENTITY_COLUMNS`, in order).
_IDENTITY_FIELDS = ("jurisdiction_name", "indicator", "unit")
_SPACES = re.compile(r"\s+")


def identity_problem(rid: str, row: RowKey | ReportingRow,
                     cells: list[tuple[object, str, str]]) -> tuple[str, str] | None:
    """(column, message) for the first identity cell (cell, RowKey field, header) that names another place,
    indicator or unit than the row's 填报编号 does; None when every filled one agrees (spaces, full-width
    forms and our own apostrophe aside; an emptied cell says nothing)."""
    for cell, name, header in cells:
        if cell is None:
            continue
        text = _label(cell)
        want = getattr(row, name)
        if text and text != _label(want):
            return header, (f"本行{header}为“{clean_text(cell)}”，而填报编号{rid}的{header}是“{want}”："
                            "请勿调换行、改动编号或只选部分列排序；如模板是旧版，请重新下载本月模板")
    return None


def _label(cell) -> str:
    return _SPACES.sub("", restore(clean_text(cell)))


def percent_value(number: float, unit: str) -> float:
    """A number from a cell formatted as a percentage, as the sheet shows it: 0.16 shown as "16%" is 16 for a
    target measured in %. For any other unit it is refused (ValueError): a percentage is no count of 个."""
    shown = round(number * 100, 9) + 0.0
    if "%" in unit:
        return shown
    what = f"计量单位为“{unit}”" if unit else "没有计量单位"
    raise ValueError(f"单元格是百分比格式（显示为{_fmt(shown)}%），而本行{what}：请把单元格格式设为“常规”或“数值”后填写")


def row_id(cell) -> str:
    """The 填报编号 of a cell: :func:`clean_text`, a lower-case t read as T (t12-330800 is T12-330800)."""
    rid = clean_text(cell)
    return "T" + rid[1:] if rid[:1] == "t" else rid


def _id_problem(rid: str, seen: dict[str, int], known_targets: set[int], unit: Unit, period: str) -> str:
    if rid in seen:
        return f"填报编号“{rid}”与第{seen[rid]}行重复"
    key = parse_row_id(rid)
    if key is None:
        return f"填报编号“{rid}”格式不对，应形如 T12-330800（请勿改动模板中的编号）"
    if key[0] not in known_targets:
        return f"填报编号“{rid}”不存在：指标{key[0]}不在数据库中"
    return OUT_OF_SCOPE.format(rid=rid, unit=unit.name, period=period)


#: A row the unit does not report; :data:`_OUT_OF_SCOPE` reads the row id back (:func:`_reporters_named`).
OUT_OF_SCOPE = "填报编号“{rid}”不在“{unit}”{period}的报送范围内"
_OUT_OF_SCOPE = re.compile(re.escape(OUT_OF_SCOPE).replace(re.escape("{rid}"), "(T\\d+-[^”]+)")
                           .replace(re.escape("{unit}"), "[^”]*").replace(re.escape("{period}"), "\\S*") + "$")


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Digits grouped in thousands by commas or spaces (1,200 · 12 345 678.5); a separator anywhere else is a
#: typo or a decimal comma (1,5), never silently dropped.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?|[+-]?\d{1,3}(?: \d{3})+(?:\.\d*)?")
_SIGN_SPACE = re.compile(r"^([+-]) +")


def parse_number(cell, unit: str = "") -> float | None:
    """A cell as a number: 12, 12.5, "１２", " 1,200 ", "12.5%" (for a % unit); None when empty.

    Raises ValueError with a Chinese message for text, dates, booleans, NaN and infinity, and for
    a comma or space that does not group thousands ("1,5" is not 15).
    """
    if _empty(cell):
        return None
    if isinstance(cell, bool):
        raise ValueError(f"应填写数字，实际为逻辑值“{'TRUE' if cell else 'FALSE'}”")
    if isinstance(cell, (int, float)):
        number = float(cell)
    elif isinstance(cell, (date, datetime, time)):
        raise ValueError(f"应填写数字，实际为日期/时间“{cell}”（请把单元格格式设为“常规”或“数值”）")
    else:
        text = _SIGN_SPACE.sub(r"\1", restore(clean_text(cell)).replace("−", "-"))
        if "%" in unit and text.endswith("%"):
            text = text[:-1].rstrip()
        if ("," in text or " " in text) and _GROUPED.fullmatch(text):
            text = text.replace(",", "").replace(" ", "")
        if not _NUMBER.fullmatch(text):
            shown = clean_text(cell)
            if _NUMBER.fullmatch(text.replace(",", "").replace(" ", "")):
                raise ValueError(f"数字“{shown}”中的逗号或空格位置不对：千分位每三位一个（如 1,200），"
                                 "小数点请用“.”")
            unit_hint = f"，单位为“{unit}”" if unit else ""
            raise ValueError(f"应填写数字{unit_hint}，实际为“{shown}”")
        number = float(text) + 0.0   # "-0" is 0
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"“{cell}”不是有效数字")
    return number


def _text(cell) -> str | None:
    if _empty(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, (date, datetime, time)):
        cell = cell.isoformat()
    text = str(cell)
    if text[:1] == "'":          # our own prefix in a copy of ours coming back (tracker.safe_cells.restore)
        text = restore(text)
    return text.strip() or None


def _empty(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _fmt(x: float) -> str:
    if abs(x) >= 1e15:   # 1e308 as "1e+308", not 309 digits
        return f"{x:.6g}"
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# ---------------------------------------------------------------------------- writing


_NO_VERSION = (0, None)
#: How far below the earlier report a value must be to be a fall (floating-point noise is none).
_FALL_EPS = 1e-9
_UPLOAD_COLUMNS = ("upload_id", "unit_name", "period", "file_name", "file_sha256", "uploaded_by", "uploaded_at",
                   "is_demo", "outcome", "n_rows", "n_accepted", "n_rejected", "message")
_REPORT_COLUMNS = ("report_id", "upload_id", "target_id", "jurisdiction_code", "period", "version", "value",
                   "reported_status", "progress_text", "problems_text", "next_steps_text", "source_row")
_ERROR_COLUMNS = ("upload_id", "sheet", "row_number", "column_name", "message")


@dataclass
class Batch:
    """What :func:`store` reads (latest versions, next ids) and the rows it adds, flushed in bulk.

    A real upload loads one for its own rows and flushes it at once; the demo data loads
    one for everything and flushes it at the end, so hundreds of uploads cost a few
    statements. The caller holds the transaction either way.
    """

    latest: dict[tuple[int, str, str], tuple[int, tuple]]
    next_upload: int
    next_report: int
    #: the unit that sent each latest version (uploads.unit_name), to say when an upload replaces another's
    senders: dict[tuple[int, str, str], str] = field(default_factory=dict)
    #: the period the batch was read for (None: every period, as the demo data reads it)
    period: str | None = None
    #: (target id, jurisdiction) → (period, value) of the report that counts for the latest earlier month of
    #: :attr:`period`'s year with a report (read only with a period): a count below it is a :class:`Fall`
    previous: dict[tuple[int, str], tuple[str, float]] = field(default_factory=dict)
    uploads: list[tuple] = field(default_factory=list)
    reports: list[tuple] = field(default_factory=list)
    errors: list[tuple] = field(default_factory=list)

    @classmethod
    def load(cls, con, period: str | None = None, target_ids: list[int] | None = None,
             jurisdictions: list[str] | None = None) -> "Batch":
        """Latest versions (of one period and some targets and places, or of everything) and the next free ids.

        With a period, the same read also brings each pair's :attr:`previous` report, for :class:`Fall`.
        """
        rows = con.execute(
            """WITH latest AS (
                   SELECT target_id, jurisdiction_code, period, version, value, reported_status,
                          progress_text, problems_text, next_steps_text, upload_id
                   FROM progress_reports
                   WHERE (?::VARCHAR IS NULL OR period = ?)
                     AND (?::INTEGER[] IS NULL OR target_id IN (SELECT unnest(?::INTEGER[])))
                     AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], jurisdiction_code))
                   QUALIFY row_number() OVER (PARTITION BY target_id, jurisdiction_code, period
                                              ORDER BY version DESC) = 1)
               SELECT l.* EXCLUDE (upload_id), u.unit_name FROM latest l JOIN uploads u USING (upload_id)""",
            [period, period, target_ids, target_ids, jurisdictions, jurisdictions]).fetchall()
        previous = {}
        if period is not None:
            # the version that counts for the latest earlier month of the year with a report: the one whose
            # validity (tracker.report_validity) runs to this month or beyond, one per pair, no window needed;
            # the places alone narrow it (a look-up of thousands of target ids costs more than it saves)
            previous = {(r[0], r[1]): (r[2], r[3]) for r in con.execute(
                f"""SELECT target_id, jurisdiction_code, period, value FROM progress_reports
                    WHERE period >= ? AND period < ? AND coalesce(valid_until, '{report_validity.OPEN_END}') >= ?
                      AND value IS NOT NULL
                      AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], jurisdiction_code))""",
                [f"{period[:4]}-01", period, period, jurisdictions, jurisdictions]).fetchall()}
        next_upload, next_report = next_ids(con, *_ID_KEYS)
        return cls({(r[0], r[1], r[2]): (r[3], r[4:9]) for r in rows}, next_upload, next_report,
                   senders={(r[0], r[1], r[2]): r[9] for r in rows}, period=period, previous=previous)

    def is_current(self, con) -> bool:
        """Whether nothing was stored since :meth:`load`: uploads and reports are only ever
        appended, each with the next id, so the next ids tell."""
        return next_ids(con, *_ID_KEYS) == [self.next_upload, self.next_report]

    def flush(self, con) -> None:
        for table, columns, rows in (("uploads", _UPLOAD_COLUMNS, self.uploads),
                                     ("progress_reports", _REPORT_COLUMNS, self.reports),
                                     ("upload_errors", _ERROR_COLUMNS, self.errors)):
            if rows:
                if table == "progress_reports":   # the big one: straight to Arrow, column by column
                    frame = pa.table({name: pa.array(values, type=_REPORT_TYPES[name])
                                      for name, values in zip(columns, zip(*rows))})
                else:
                    frame = pd.DataFrame(rows, columns=list(columns))
                    if table == "upload_errors":
                        frame["row_number"] = frame["row_number"].astype("Int64")
                con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM frame")
                if table == "progress_reports":   # which months each report now answers for
                    report_validity.refresh_uploads(con, {r[columns.index("upload_id")] for r in rows})
                rows.clear()


_ID_KEYS = (("uploads", "upload_id"), ("progress_reports", "report_id"))
_REPORT_TYPES = {"report_id": pa.int32(), "upload_id": pa.int32(), "target_id": pa.int32(),
                 "jurisdiction_code": pa.string(), "period": pa.string(), "version": pa.int32(),
                 "value": pa.float64(), "reported_status": pa.string(), "progress_text": pa.string(),
                 "problems_text": pa.string(), "next_steps_text": pa.string(), "source_row": pa.int32()}


def store(
    con: duckdb.DuckDBPyConnection,
    unit: Unit,
    period: str,
    reports: list[Report],
    *,
    file_name: str,
    sha256: str,
    uploaded_by: str,
    uploaded_at: datetime,
    n_rows: int,
    n_blank: int = 0,
    problems: list[Problem] = (),
    is_demo: bool = False,
    batch: Batch | None = None,
    earlier: tuple[int, datetime] | None = None,
) -> UploadResult:
    """Append the reports that differ from the latest version; the caller holds the transaction.

    Writes nothing when nothing differs and there are no problems (outcome ``unchanged``).
    Without ``batch`` the rows are written at once; with one they wait for ``batch.flush``.

    ``earlier``: (upload id, time) of an upload of this very file (same bytes) for the unit and period.
    Sending it again changes nothing: rows that differ from the latest versions now were corrected
    since (or reported by another unit), so the file is refused rather than turning them back; the
    same file with problems (``partial``) is not recorded a second time.
    """
    own = batch is None
    if own:
        batch = Batch.load(con, period, sorted({r.target_id for r in reports}),
                           sorted({r.jurisdiction_code for r in reports}))
    latest, senders = batch.latest, batch.senders
    previous = batch.previous if batch.period == period else {}
    new, unchanged = [], 0
    falls = []
    for rep in reports:
        if previous and rep.kind == COUNT and (before := previous.get((rep[0], rep[1]))) is not None \
                and rep[2] is not None and rep[2] < before[1] - _FALL_EPS:
            falls.append(Fall(rep.row_number, f"T{rep[0]}-{rep[1]}", rep[2], rep.unit, *before))
        key = (rep[0], rep[1], period)                  # target_id, jurisdiction_code
        version, content = latest.get(key, _NO_VERSION)
        reported = rep[2:7]                             # == rep.content()
        if content == reported:
            unchanged += 1
        else:
            new.append((key, version + 1, reported, rep))
    if earlier is not None and new:
        first, at = earlier
        return UploadResult(REJECTED, unit.name, period, file_name, None, n_rows, 0, unchanged, n_blank, [Problem(
            None, None, None,
            f"此文件与{at:%Y-%m-%d %H:%M}第{first}号上传的文件完全相同，此后其中{len(new)}行已被更正（或由其他单位报送）："
            "再次上传会把它们改回这份文件的数值，本次未保存。如确需改回，请打开文件另存后重新上传")])
    outcome = PARTIAL if problems and not (earlier is not None and not new) else (ACCEPTED if new else UNCHANGED)
    replaced: dict[str, list[str]] = {}
    for key, version, _, _ in new:
        if version > 1 and (other := senders.get(key, unit.name)) != unit.name:
            replaced.setdefault(other, []).append(f"T{key[0]}-{key[1]}")
    result = UploadResult(outcome, unit.name, period, file_name, None, n_rows, len(new), unchanged, n_blank,
                          list(problems), n_corrections=sum(1 for _, version, _, _ in new if version > 1),
                          replaced=replaced, falls=falls)
    if outcome == UNCHANGED:
        return result
    upload_id = result.upload_id = batch.next_upload
    batch.next_upload += 1
    batch.uploads.append((upload_id, unit.name, period, file_name, sha256, uploaded_by, uploaded_at, is_demo,
                          outcome, n_rows, len(new) + unchanged, result.n_rejected, result.summary()))
    next_report = batch.next_report
    batch.reports.extend((next_report + i, upload_id, key[0], key[1], period, version, *reported, rep.row_number)
                         for i, (key, version, reported, rep) in enumerate(new))
    batch.next_report += len(new)
    for key, version, reported, _ in new:
        latest[key] = (version, reported)
        senders[key] = unit.name
    batch.errors.extend((upload_id, p.sheet, p.row, p.column, p.message) for p in problems)
    if own:
        batch.flush(con)
    return result
