"""Load a livelihood-project allocation spreadsheet (民生实事责任分解) into targets by jurisdiction.

The spreadsheet is the one an office circulates, one data sheet per table:

    序号 | 事项分类 | 事项名称 | 指标 | 单位 | 指标类型 | 全市目标任务 | 目标原文 |
    <one column per jurisdiction: 市本级, 柯城区 …> | 牵头单位 | 配合单位 | 备注

plus a sheet ``说明`` (标题, 年份, 城市, 文号, 来源文件) and, optionally, a sheet ``来源``
saying for every cell whether it was read from the source text (原文, with raw
offsets) or inferred (推断), or is missing (缺失). Jurisdiction columns are whatever
columns name a jurisdiction of the city, so next year's sheet loads without code
changes. ``/`` means "no task"; an empty cell means "not known".

Reading checks everything first and refuses the file with every problem named by
sheet, row and column (unknown jurisdiction or unit, missing total, text in a
number cell, a number that the source text does not hold). Allocations that do not
add up to the city total are not errors: they are findings, stored as the source
has them.

sheet --read_allocation_book--> AllocationBook --verify_against_source--> problems
      --sum_findings--> findings --write_allocation_book--> documents/items/targets/target_allocations
"""
from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from loaders.cn_numbers import plain_number
from loaders.db_writer import LoadResult, OnStored, Registry, no_lead_message
from loaders.each_county import each_county_task
from loaders.organisations import Directory, Jurisdiction
from loaders.plan_items import split_names
from loaders.sheet_reader import Problem
from loaders.xlsx_guard import XlsxRefused, check_xlsx
from tracker.db import commit, insert_rows, next_id, next_ids
from tracker.reporting import unknown_unit_message

META_SHEET = "说明"
PROVENANCE_SHEET = "来源"
TOTAL = "全市目标任务"
DATA_HEADERS_BEFORE = ["序号", "事项分类", "事项名称", "指标", "单位", "指标类型", TOTAL, "目标原文"]
DATA_HEADERS_AFTER = ["牵头单位", "配合单位", "备注"]
REQUIRED_HEADERS = ("序号", "事项名称", "指标", "单位", TOTAL, "牵头单位")
PROVENANCE_HEADERS = ["工作表", "行", "列", "值", "依据", "原文起", "原文止", "原文", "说明"]
BASES = ("原文", "推断", "缺失")
KINDS = {"数量": "count", "比例": "rate", "定性": "milestone"}
NO_TASK = "/"
DOCUMENT_KIND = "livelihood_allocation"
ITEM_KIND = "livelihood_project"
HEADER_SEARCH_ROWS = 10
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class AllocationSheetError(ValueError):
    """The spreadsheet is refused; ``problems`` says where and why."""

    def __init__(self, file_name: str, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"- {p}" for p in problems[:30])
        more = f"\n…另有 {len(problems) - 30} 处" if len(problems) > 30 else ""
        super().__init__(f"{file_name}：{len(problems)} 处问题，未载入：\n{shown}{more}")


@dataclass(frozen=True)
class CellSource:
    basis: str                 # 原文, 推断, 缺失
    start: int | None          # raw offsets in the source text
    end: int | None
    text: str                  # the source text there, without white space
    note: str


@dataclass
class AllocationRow:
    sheet: str
    row: int                              # Excel row number
    number: int                           # 序号
    category: str
    name: str
    indicator: str
    unit: str
    kind: str                             # 数量, 比例, 定性
    total: float | str | None             # a number, "/" (no task) or None (定性)
    target_text: str
    cells: dict[str, float | str | None]  # jurisdiction code -> number, "/" or None
    lead: list[str]
    cooperating: list[str]
    note: str
    sources: dict[str, CellSource] = field(default_factory=dict)   # column header -> source

    def source(self, column: str) -> CellSource | None:
        return self.sources.get(column)


@dataclass
class AllocationTable:
    sheet: str
    title: str
    columns: dict[str, str]               # jurisdiction code -> column header
    rows: list[AllocationRow]


@dataclass
class AllocationBook:
    file_name: str
    sha256: str
    title: str
    year: int
    city: Jurisdiction
    doc_number: str | None
    source_file: str | None
    tables: list[AllocationTable]
    has_provenance: bool


@dataclass(frozen=True)
class Finding:
    severity: str                         # info, warning
    sheet: str
    row: int
    message: str
    start: int | None = None
    end: int | None = None


# ----------------------------------------------------------------------------- reading

def read_allocation_book(path: Path, directory: Directory, known_units: set[str] = frozenset()) -> AllocationBook:
    """Read and check a spreadsheet; raises :class:`AllocationSheetError` listing every problem.

    ``known_units`` are unit names accepted besides the reference tables (e.g. the
    organisations already in the database).
    """
    data = path.read_bytes()
    try:
        book = _read_book(path, data)
    except XlsxRefused as exc:
        raise AllocationSheetError(path.name, [Problem(None, None, None, str(exc))]) from None
    except BaseException as exc:  # python-calamine raises several kinds (a Rust panic too) for a broken file
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise AllocationSheetError(path.name, [Problem(None, None, None, f"无法作为 xlsx 打开：{exc}")]) from None
    problems: list[Problem] = []
    meta = _read_meta(book, problems)
    city = _city(meta.get("城市", ""), directory, problems)
    year = _year(meta.get("年份"), problems)
    provenance = _read_provenance(book[PROVENANCE_SHEET], problems) if PROVENANCE_SHEET in book else None
    by_row = _by_row(provenance or {})
    tables = [_read_table(sheet, rows, city, directory, known_units, by_row, problems)
              for sheet, rows in book.items() if sheet not in (META_SHEET, PROVENANCE_SHEET)]
    if not tables:
        problems.append(Problem(None, None, None, "没有数据工作表（除“说明”“来源”外至少一张）"))
    if problems:
        raise AllocationSheetError(path.name, problems)
    return AllocationBook(
        file_name=path.name, sha256=hashlib.sha256(data).hexdigest(),
        title=meta.get("标题") or path.stem, year=year, city=city,
        doc_number=meta.get("文号") or None, source_file=meta.get("来源文件") or None,
        tables=tables, has_provenance=provenance is not None,
    )


def _read_book(path: Path, data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows of cell values, in sheet order, empty cells as None (read with python-calamine,
    after :func:`loaders.xlsx_guard.check_xlsx` has looked at the zip: it is ten times faster than openpyxl)."""
    check_xlsx(path, data=data)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: [tuple(None if v == "" else v for v in row)
                   for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]
            for name in wb.sheet_names}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_meta(book: dict[str, list[tuple]], problems: list[Problem]) -> dict[str, str]:
    if META_SHEET not in book:
        problems.append(Problem(None, None, None, f"缺少工作表“{META_SHEET}”（项目/内容：标题、年份、城市、文号、来源文件）"))
        return {}
    meta = {}
    for row in book[META_SHEET]:
        if row and row[0] is not None:
            meta[_text(row[0])] = _text(row[1] if len(row) > 1 else None)
    return meta


def _city(name: str, directory: Directory, problems: list[Problem]) -> Jurisdiction | None:
    cities = [j for j in directory.jurisdictions if j.kind == "city"]
    city = next((c for c in cities if name in (c.name, c.short_name)), None)
    if city is None:
        problems.append(Problem(META_SHEET, None, "城市", f"未知城市“{name}”；可选：{'、'.join(c.name for c in cities)}"))
    return city


def _year(value: str | None, problems: list[Problem]) -> int:
    if value and re.fullmatch(r"\d{4}", value):
        return int(value)
    problems.append(Problem(META_SHEET, None, "年份", f"年份应为四位数字，实为“{value or ''}”"))
    return 0


def _read_provenance(cells: list[tuple], problems: list[Problem]) -> dict[tuple[str, int, str], tuple[str, CellSource]]:
    """(sheet, row, column) -> (value as written, source)."""
    rows = iter(cells)
    header = [_text(h) for h in next(rows, ())]
    missing = [h for h in PROVENANCE_HEADERS if h not in header]
    if missing:
        problems.append(Problem(PROVENANCE_SHEET, 1, None, f"缺少列：{'、'.join(missing)}"))
        return {}
    col = {h: header.index(h) for h in PROVENANCE_HEADERS}
    found = {}
    for n, row in enumerate(rows, start=2):
        get = lambda h: row[col[h]] if col[h] < len(row) else None  # noqa: E731
        if all(v is None for v in row):
            continue
        basis = _text(get("依据"))
        if basis not in BASES:
            problems.append(Problem(PROVENANCE_SHEET, n, "依据", f"应为{'、'.join(BASES)}之一，实为“{basis}”"))
            continue
        start, end = get("原文起"), get("原文止")
        if (start is None) != (end is None) or (start is not None and not (
                isinstance(start, (int, float)) and isinstance(end, (int, float)) and 0 <= start < end)):
            problems.append(Problem(PROVENANCE_SHEET, n, "原文起",
                                    f"原文起止应为两个递增的非负整数，实为“{_text(start)}”“{_text(end)}”"))
            continue
        key = (_text(get("工作表")), int(get("行") or 0), _text(get("列")))
        found[key] = (_text(get("值")), CellSource(
            basis, int(start) if start is not None else None, int(end) if end is not None else None,
            _text(get("原文")), _text(get("说明"))))
    return found


def _by_row(provenance: dict[tuple[str, int, str], tuple[str, CellSource]]) -> dict[tuple[str, int], dict]:
    """The provenance entries of each (sheet, row)."""
    found: dict[tuple[str, int], dict] = {}
    for key, value in provenance.items():
        found.setdefault(key[:2], {})[key] = value
    return found


def _header_row(rows: list[tuple]) -> tuple[int, list[str]] | None:
    for n, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        cells = [_text(c) for c in row]
        if TOTAL in cells:
            return n, cells
    return None


def _read_table(sheet: str, cells: list[tuple], city, directory: Directory, known_units, provenance_by_row,
                problems: list[Problem]) -> AllocationTable:
    """One data sheet; ``provenance_by_row``: the 来源 entries per (sheet, row) (:func:`_by_row`)."""
    found = _header_row(cells)
    if found is None:
        problems.append(Problem(sheet, None, None, f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（含“{TOTAL}”的一行）"))
        return AllocationTable(sheet, sheet, {}, [])
    header_at, header = found
    title = next((_text(r[0]) for r in cells[:header_at - 1] if r and r[0]), sheet)
    for h in REQUIRED_HEADERS:
        if h not in header:
            problems.append(Problem(sheet, header_at, h, f"缺少列“{h}”"))
    known_headers = set(DATA_HEADERS_BEFORE + DATA_HEADERS_AFTER)
    areas = directory.areas_of(city)
    columns: dict[str, str] = {}
    for h in header:
        if not h or h in known_headers:
            continue
        j = next((a for a in areas if h in (a.name, a.short_name)), None)
        if j is None:
            valid = "、".join(a.name for a in areas)
            problems.append(Problem(sheet, header_at, h, f"未知县（市、区）“{h}”；{city.name if city else ''}可选：{valid}"))
        else:
            columns[j.code] = h
    index = {h: i for i, h in enumerate(header) if h}
    rows = []
    for n, values in enumerate(cells[header_at:], start=header_at + 1):
        if all(v is None or _text(v) == "" for v in values):
            continue
        cell = {h: (values[i] if i < len(values) else None) for h, i in index.items()}
        row = _read_row(sheet, n, cell, columns, city, directory, known_units, problems)
        if row is not None:
            provenance = provenance_by_row.get((sheet, n), {})
            row.sources = {col: src for (_, _, col), (_, src) in provenance.items()}
            _check_provenance_values(row, columns, provenance, problems)
            rows.append(row)
    return AllocationTable(sheet, title, columns, rows)


def _read_row(sheet, n, cell, columns, city, directory, known_units, problems) -> AllocationRow | None:
    before = len(problems)
    number_text = _text(cell.get("序号"))
    if not re.fullmatch(r"\d{1,4}", number_text):
        problems.append(Problem(sheet, n, "序号", f"序号应为整数，实为“{number_text}”"))
    name = _text(cell.get("事项名称"))
    if not name:
        problems.append(Problem(sheet, n, "事项名称", "事项名称为空"))
    unit = _text(cell.get("单位"))
    kind = _text(cell.get("指标类型")) or ("比例" if unit == "%" else "数量")
    if kind not in KINDS:
        problems.append(Problem(sheet, n, "指标类型", f"应为{'、'.join(KINDS)}之一，实为“{kind}”"))
    total = _number_cell(cell.get(TOTAL), sheet, n, TOTAL, problems, required=kind != "定性")
    if kind == "定性" and total is not None and total != NO_TASK:
        problems.append(Problem(sheet, n, TOTAL, "定性任务的全市目标任务应留空，任务写在“目标原文”"))
    cells = {code: _number_cell(cell.get(h), sheet, n, h, problems, required=False) for code, h in columns.items()}
    lead = _units(cell.get("牵头单位"), sheet, n, "牵头单位", city, directory, known_units, problems)
    cooperating = _units(cell.get("配合单位"), sheet, n, "配合单位", city, directory, known_units, problems)
    if len(problems) > before:
        return None
    return AllocationRow(sheet, n, int(number_text), _text(cell.get("事项分类")), name, _text(cell.get("指标")) or name,
                         unit, kind, total, _text(cell.get("目标原文")), cells, lead, cooperating,
                         _text(cell.get("备注")))


def _number_cell(value, sheet, n, column, problems, required: bool) -> float | str | None:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        if math.isnan(value) or value < 0:
            problems.append(Problem(sheet, n, column, f"数值应为非负数，实为“{_text(value)}”"))
            return None
        return float(value)
    text = _text(value)
    if text.startswith(NO_TASK):
        return NO_TASK
    if not text:
        if required:
            problems.append(Problem(sheet, n, column, "缺少全市目标任务（填数字，无任务填“/”）"))
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    problems.append(Problem(sheet, n, column, f"应填数字或“/”，实为文字“{text}”"))
    return None


def _units(value, sheet, n, column, city, directory: Directory, known_units, problems) -> list[str]:
    text = _text(value)
    if not text or text == NO_TASK:
        return []
    names = split_names(text)
    for name in names:
        units = directory.resolve(name, city)
        if all(u.known for u in units) or name in known_units:
            continue
        choices = {spelling: o.name for o in directory.organisations if city and o.city == city.name
                   for spelling in (o.name, *o.aliases)} | {u: u for u in known_units}
        problems.append(Problem(sheet, n, column, unknown_unit_message(name, choices)))
    return names


def _check_provenance_values(row: AllocationRow, columns: dict[str, str], provenance,
                             problems: list[Problem]) -> None:
    """A provenance row must repeat the value of the cell it speaks for (``provenance``: at least the row's entries)."""
    by_header = {TOTAL: row.total} | {columns[c]: v for c, v in row.cells.items()}
    for key, (written, _src) in provenance.items():
        if key[0] != row.sheet or key[1] != row.row or key[2] not in by_header:
            continue
        value = by_header[key[2]]
        if isinstance(value, float) and written and _as_float(written) != value:
            problems.append(Problem(PROVENANCE_SHEET, None, key[2],
                                    f"工作表“{row.sheet}”第{row.row}行：来源表记为“{written}”，数据表为“{plain_number(value)}”"))


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# ----------------------------------------------------------------------------- checks

def verify_against_source(book: AllocationBook, raw: str) -> list[Problem]:
    """Every number cell marked 原文 must be a number of the source text at its offsets."""
    problems = []
    for table in book.tables:
        for row in table.rows:
            cells = {TOTAL: row.total} | {table.columns[c]: v for c, v in row.cells.items()}
            for column, value in cells.items():
                if value is None or (column == TOTAL and row.kind == "定性"):
                    continue
                src = row.source(column)
                if src is None:
                    if book.has_provenance:
                        problems.append(Problem(table.sheet, row.row, column, "来源表中没有这一格的依据"))
                    continue
                if src.basis != "原文":
                    continue
                if src.start is None or src.end > len(raw):
                    problems.append(Problem(table.sheet, row.row, column, "标为“原文”却没有有效的原文起止位置"))
                    continue
                there = "".join(raw[src.start:src.end].split())
                if src.text and there != src.text:
                    problems.append(Problem(table.sheet, row.row, column,
                                            f"原文第{src.start}—{src.end}字为“{there}”，来源表记为“{src.text}”"))
                elif not _holds(there, value):
                    shown = value if value == NO_TASK else plain_number(value)
                    problems.append(Problem(table.sheet, row.row, column,
                                            f"原文第{src.start}—{src.end}字“{there}”中没有“{shown}”"))
    return problems


def _holds(text: str, value: float | str) -> bool:
    if value == NO_TASK:
        return text.startswith(NO_TASK)
    return any(math.isclose(float(m), value) for m in _NUMBER.findall(text))


def quoted(text: str) -> str:
    """``text`` in quotation marks, the quotation marks inside it made single ones (“‘浙里快处’处理量”, not
    ““浙里快处”处理量”); a text quoted whole as it is (“家门口青少年宫”)."""
    if text.startswith("“") and text.endswith("”") and not any(q in text[1:-1] for q in "“”"):
        return text
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def gap_findings(table: AllocationTable) -> list[str]:
    """Where a sheet's 序号 skip numbers (省政府民生实事 goes from 8 to 18: the vertically set table lost items
    9–17 in the PDF text, and they were not transcribed): nothing of those items is loaded, and without a
    finding the 数据质量 page did not say so."""
    found, expected = [], 1
    for number in sorted({row.number for row in table.rows}):
        if number > expected:
            missing = f"第{expected}项" if number == expected + 1 else f"第{expected}—{number - 1}项"
            jump = f"序号从{expected - 1}跳到{number}" if expected > 1 else f"序号从{number}开始"
            found.append(f"{table.sheet}缺{missing}（{jump}）：这些事项未载入，没有指标，"
                         "不会出现在填报模板和督查清单中；原因见分解表的“说明”页")
        expected = number + 1
    return found


def sum_findings(book: AllocationBook) -> list[Finding]:
    """Count rows whose allocations do not add up to the city total (or cannot be added up)."""
    findings = []
    for table in book.tables:
        for row in table.rows:
            if row.kind != "数量" or not isinstance(row.total, float):
                continue
            numbers = [v for v in row.cells.values() if isinstance(v, float)]
            missing = [table.columns[c] for c, v in row.cells.items() if v is None]
            src = row.source(TOTAL)
            where = (src.start, src.end) if src else (None, None)
            label = f"{table.sheet}第{row.row}行{quoted(row.indicator)}"
            if not numbers:
                continue
            total = sum(numbers)
            if missing:
                findings.append(Finding("info", table.sheet, row.row,
                                        f"{label}：{'、'.join(missing)}缺数，已知各地合计{plain_number(total)}，"
                                        f"全市目标任务{plain_number(row.total)}", *where))
            elif not math.isclose(total, row.total, abs_tol=1e-9):
                findings.append(Finding("warning", table.sheet, row.row,
                                        f"{label}：各地分解合计{plain_number(total)}，与全市目标任务{plain_number(row.total)}不一致"
                                        f"（差{plain_number(round(total - row.total, 6))}）；按原文载入，未修正", *where))
    return findings


# ----------------------------------------------------------------------------- writing

def load_allocation_file(con: duckdb.DuckDBPyConnection, path: Path, directory: Directory,
                         on_stored: OnStored | None = None) -> LoadResult:
    """Read, check and store one spreadsheet in one transaction; skip it when already stored.

    ``on_stored`` runs in the same transaction, after the rows are in (:data:`loaders.db_writer.OnStored`)."""
    if con.execute("SELECT 1 FROM allocation_sheets WHERE sha256 = (?)",
                   [hashlib.sha256(path.read_bytes()).hexdigest()]).fetchone():
        return LoadResult(path.name, skipped=True)
    known = {r[0] for r in con.execute("SELECT name FROM organisations UNION SELECT alias FROM org_aliases").fetchall()}
    book = read_allocation_book(path, directory, known)
    source = None
    if book.source_file:
        source = con.execute("SELECT file_id, content FROM source_files WHERE file_name = ? ORDER BY file_id DESC",
                             [book.source_file]).fetchone()
        if source is None:
            raise AllocationSheetError(path.name, [Problem(META_SHEET, None, "来源文件",
                                                           f"来源文件“{book.source_file}”尚未载入；请先载入 data/sources")])
        problems = verify_against_source(book, source[1])
        if problems:
            raise AllocationSheetError(path.name, problems)
    con.execute("BEGIN")
    try:
        result = write_allocation_book(con, book, source[0] if source else None, directory)
        if on_stored is not None:
            on_stored(con, result)
        commit(con)
        return result
    except BaseException:
        con.execute("ROLLBACK")
        raise


def write_allocation_book(con, book: AllocationBook, source_file_id: int | None, directory: Directory) -> LoadResult:
    """Insert documents, items, targets, assignments, allocations and findings (caller holds the transaction)."""
    sheet_id, *first_ids = next_ids(con, ("allocation_sheets", "sheet_id"), ("documents", "doc_id"),
                                    ("items", "item_id"), ("targets", "target_id"))
    lines: dict[tuple[str, int], tuple[int, int]] = {}
    if source_file_id is None:
        # No source text: the sheet itself, as tab-separated text, is what the offsets point into.
        content, lines = _as_text(book)
        source_file_id = next_id(con, "source_files", "file_id")
        con.execute("INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (?, ?, ?, ?, ?)",
                    [source_file_id, book.file_name, book.sha256, len(content), content])
    con.execute("INSERT INTO allocation_sheets (sheet_id, file_name, sha256, source_file_id) VALUES (?, ?, ?, ?)",
                [sheet_id, book.file_name, book.sha256, source_file_id])
    findings = sum_findings(book)
    registry = Registry(con)
    rows = _BookRows(*first_ids)
    issue_date = _issue_date(con, source_file_id, book.doc_number) if not lines else None
    for table in book.tables:
        doc_id = rows.document(source_file_id, book, table, issue_date)
        items: dict[int, int] = {}
        for row in table.rows:
            if row.number not in items:
                items[row.number] = rows.item(doc_id, row, lines.get((table.sheet, row.row)))
            rows.units(items[row.number], row, book, directory, registry)
            if row.total == NO_TASK:
                continue
            rows.target(items[row.number], row, table, book, lines.get((table.sheet, row.row)), directory)
        for f in (f for f in findings if f.sheet == table.sheet):
            item_id = items.get(next(r.number for r in table.rows if r.row == f.row))
            rows.findings.append((source_file_id, doc_id, item_id, f.severity, f.message, f.start, f.end))
        for message in gap_findings(table):
            rows.findings.append((source_file_id, doc_id, None, "warning", message, None, None))
        for number, item_id in items.items():
            first = next(r for r in table.rows if r.number == number)
            if rows.has_targets(item_id) and not rows.has_lead(item_id):
                s, e = _span(first, lines.get((table.sheet, first.row)), "事项名称", TOTAL)
                rows.findings.append((source_file_id, doc_id, item_id, "warning",
                                      no_lead_message(f"{table.sheet}第{number}项{quoted(first.name)}"), s, e))
    registry.flush(con)
    rows.insert(con)
    return LoadResult(book.file_name, False, len(rows.documents), len(rows.items), len(rows.targets))


def _issue_date(con, source_file_id: int, doc_number: str | None) -> date | None:
    """The date of the notice that issues the tables (说明 文号, e.g. 衢政办发〔2024〕10号) when the source text
    loaded with it holds that notice with a date; else None."""
    if not doc_number:
        return None
    row = con.execute("SELECT issue_date FROM documents WHERE file_id = ? AND doc_number = ? AND issue_date IS NOT NULL "
                      "ORDER BY doc_id LIMIT 1", [source_file_id, doc_number]).fetchone()
    return row[0] if row else None


def _span(row: AllocationRow, line: tuple[int, int] | None, *columns: str) -> tuple[int, int]:
    """Raw offsets of the first of ``columns`` with a source, else of the row's line in the sheet's text."""
    for column in columns:
        src = row.source(column)
        if src and src.start is not None:
            return src.start, src.end
    return line or (0, 0)


class _BookRows:
    """The rows of one book, numbered from the first free ids and inserted table by table at the end (a few
    statements, not several per sheet row)."""

    DOCUMENT_COLUMNS = ("doc_id", "file_id", "doc_number", "title", "notice_title", "issuer", "issue_date", "year",
                        "kind", "city_code", "period_start", "period_end")
    ITEM_COLUMNS = ("item_id", "doc_id", "kind", "number", "label", "parent_item_id", "title", "text", "source_start",
                    "source_end", "text_start", "text_end")
    TARGET_COLUMNS = ("target_id", "item_id", "seq", "indicator", "raw", "value", "value_high", "unit", "base_value",
                      "base_value_high", "base_unit", "comparator", "kind", "tiers", "steps", "deadline", "due_date",
                      "source_start", "source_end")

    def __init__(self, doc_id: int, item_id: int, target_id: int):
        self._next = {"doc": doc_id, "item": item_id, "target": target_id}
        self.documents: list[tuple] = []
        self.items: list[tuple] = []
        self.targets: list[tuple] = []
        self.assignments: list[tuple] = []
        self.allocations: list[tuple] = []
        self.each_county: list[tuple] = []
        self.findings: list[tuple] = []
        self._seq: dict[int, int] = {}
        self._assigned: dict[tuple[int, int], int] = {}    # (item, org) -> index in assignments
        self._positions: dict[int, int] = {}               # item -> units listed so far

    def _id(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind] - 1

    def document(self, source_file_id: int, book: AllocationBook, table: AllocationTable,
                 issue_date: date | None) -> int:
        doc_id = self._id("doc")
        self.documents.append((doc_id, source_file_id, book.doc_number, table.title, None, None, issue_date, book.year,
                               DOCUMENT_KIND, book.city.code, date(book.year, 1, 1), date(book.year, 12, 31)))
        return doc_id

    def item(self, doc_id: int, row: AllocationRow, line: tuple[int, int] | None) -> int:
        item_id = self._id("item")
        s, e = _span(row, line, "事项名称", TOTAL)
        self.items.append((item_id, doc_id, ITEM_KIND, row.number, str(row.number), None, row.name, row.name,
                           s, e, s, e))
        return item_id

    def units(self, item_id: int, row: AllocationRow, book: AllocationBook, directory: Directory,
              registry: Registry) -> None:
        """Add the units of one row of an item (an item's rows may name different units): a unit not yet on
        the item is added after the others with its role in this row; a unit that cooperates on an earlier
        row and leads on this one becomes a lead (it has targets of the item to report)."""
        for role, names in (("lead", row.lead), ("cooperate", row.cooperating)):
            for name in names:
                for unit in directory.resolve(name, book.city):
                    org_id = registry.org_id(book.city.code, unit)
                    at = self._assigned.get((item_id, org_id))
                    if at is None:
                        self._positions[item_id] = position = self._positions.get(item_id, 0) + 1
                        self._assigned[(item_id, org_id)] = len(self.assignments)
                        self.assignments.append((item_id, org_id, role, position, name))
                    elif role == "lead" and self.assignments[at][2] != "lead":
                        self.assignments[at] = self.assignments[at][:2] + ("lead",) + self.assignments[at][3:]

    def has_lead(self, item_id: int) -> bool:
        return any(self.assignments[at][2] == "lead" for (item, _), at in self._assigned.items() if item == item_id)

    def has_targets(self, item_id: int) -> bool:
        return item_id in self._seq

    def target(self, item_id: int, row: AllocationRow, table: AllocationTable, book: AllocationBook,
               line: tuple[int, int] | None, directory: Directory) -> None:
        """The city-wide target of ``row`` (the item's next) and its allocation rows."""
        target_id = self._id("target")
        self._seq[item_id] = seq = self._seq.get(item_id, 0) + 1
        src = row.source(TOTAL)
        raw = row.target_text or (src.text if src and src.text else "") or (
            plain_number(row.total) + row.unit if isinstance(row.total, float) else row.name)
        value = row.total if isinstance(row.total, float) else None
        comparator = ">=" if value is not None and re.search(r"≥|以上|不低于|不少于", raw) else "="
        s, e = _span(row, line, TOTAL, "事项名称")
        self.targets.append((target_id, item_id, seq, row.indicator, raw, value, None, row.unit, value, None, row.unit,
                             comparator, KINDS[row.kind], None, None, None, date(book.year, 12, 31), s, e))
        for code, v in row.cells.items():
            if not isinstance(v, float):
                continue
            src = row.source(table.columns[code])
            self.allocations.append((target_id, code, v, v, bool(src and src.basis == "推断"),
                                     src.start if src else None, src.end if src else None))
        phrase = each_county_task(raw) if value is None and not any(isinstance(v, float) for v in row.cells.values()) else None
        counties = [j.code for j in directory.counties_of(book.city) if j.code in table.columns] if phrase else []
        if counties:   # a task without a number set for each county: each reports it done (loaders.each_county)
            for code in counties:
                src = row.source(table.columns[code])
                start, end = (src.start, src.end) if src and src.start is not None else (s, e)
                self.allocations.append((target_id, code, None, None, False, start, end))
            self.each_county.append((target_id, phrase, None, None, len(counties)))

    def insert(self, con) -> None:
        """Insert every table's rows, each after the tables it refers to."""
        for table, rows, columns in (("documents", self.documents, self.DOCUMENT_COLUMNS),
                                     ("items", self.items, self.ITEM_COLUMNS),
                                     ("targets", self.targets, self.TARGET_COLUMNS),
                                     ("assignments", self.assignments, None),
                                     ("target_allocations", self.allocations, None),
                                     ("target_each_county", self.each_county, None),
                                     ("load_findings", self.findings, None)):
            if rows:
                insert_rows(con, table, rows, columns=columns)


def _as_text(book: AllocationBook) -> tuple[str, dict[tuple[str, int], tuple[int, int]]]:
    """The sheet as tab-separated text (one line per row) and where each row's line is."""
    parts, spans, pos = [], {}, 0
    for table in book.tables:
        for row in table.rows:
            cells = [row.number, row.name, row.indicator, row.unit, row.total] + [row.cells[c] for c in table.columns]
            line = "\t".join([table.sheet, str(row.row)] + [plain_number(c) if isinstance(c, float) else str(c or "")
                                                             for c in cells])
            spans[(table.sheet, row.row)] = (pos, pos + len(line))
            parts.append(line)
            pos += len(line) + 1
    return "\n".join(parts), spans

