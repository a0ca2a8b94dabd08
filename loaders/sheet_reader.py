"""Read one uploaded spreadsheet (.xlsx, .xls or .csv) into rows of cells, or refuse it.

Reading uses python-calamine (much faster than openpyxl); .csv is decoded as UTF-8
(with or without BOM) or GB18030, which is what WPS and Excel on Chinese Windows
write. Anything else, files that are too big or too long, and files without the
expected header are refused with a message in Chinese saying what would be valid.
:func:`write_error_copy` gives the unit its file back with an error column.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from loaders import background
from loaders.error_copy import DEFAULT_WIDTH, WIDTH as ERROR_WIDTH, needed_heights, refused_header, xlsx_error_copy
from loaders.xls_guard import CFB_MAGIC, XlsRefused, probe_xls
from loaders.xlsx_guard import MAX_CELLS, XlsxRefused, broken_file, check_xlsx
from tracker.print_setup import cell_font
from tracker.safe_cells import neutralise, set_text

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
SUFFIXES = (".xlsx", ".xls", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 10
ERROR_HEADER = "错误说明"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: where (sheet, row, column) and what."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ""
        if self.sheet:   # a CSV has no sheets: its "sheet" is the file
            where += f"{'文件' if self.sheet.lower().endswith('.csv') else '工作表'}“{self.sheet}”"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}" if where else self.message


class FileRefused(ValueError):
    """The whole file is refused before any row is looked at."""

    def __init__(self, message: str, sheet: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.problem = Problem(sheet, row, column, message)
        super().__init__(str(self.problem))


@dataclass
class Sheet:
    name: str                          # the sheet read (the file name for a csv)
    kind: str                          # xlsx, xls, csv
    header_row: int                    # 1-based row number of the header
    header: list[str]
    rows: list[tuple[int, list]]       # (1-based row number, cells) below the header, blank rows left out
    meta: dict[str, str] | None = None  # the hidden metadata sheet's keys and values, when there is one
    meta_sheet: str | None = None      # that sheet's name
    # cells merged over several rows: (first row, last row, first column, last column), rows 1-based as in
    # ``rows``, columns 0-based as in ``header``; only the first row holds the merged cell's content
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)   # every sheet of the workbook, in order
    sha256: str | None = None          # of the file's bytes as read (read once: checked, parsed and hashed)
    content: bytes | None = field(default=None, repr=False)   # those bytes (kept with the upload)

    def column(self, header: str) -> int | None:
        return self.header.index(header) if header in self.header else None


#: Characters that show as nothing and come along when text is pasted from web pages, WeChat or Word:
#: zero-width space and joiners, word joiner, byte-order mark, soft hyphen, direction marks.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))


def clean_text(value) -> str:
    """A cell as normalised text: full-width forms folded (NFKC), invisible characters dropped
    (:data:`INVISIBLE`), outer spaces stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).translate(INVISIBLE).strip()


def read_sheet(path: Path, data_sheet: str, key_header: str, meta_sheet: str | None = None,
               max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Sheet:
    """Read the data sheet of ``path``: the sheet named ``data_sheet``, else the first with ``key_header``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        shown = f"“{path.suffix}”" if path.suffix else "（无扩展名）"
        raise FileRefused(f"不支持的文件类型{shown}：请上传 .xlsx、.xls 或 .csv 文件")
    if not path.is_file():
        raise FileRefused(f"找不到文件“{path.name}”")
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"文件“{path.name}”是空文件")
    if size > max_bytes:
        raise FileRefused(f"文件过大（{_size(size)}），上限为 {_size(max_bytes)}，请删去多余内容或拆分后分批上传")
    data = path.read_bytes()
    if suffix == ".csv":
        sheet = _csv_sheet(path, key_header, max_rows, data)
    else:
        sheet = _workbook_sheet(path, suffix[1:], data_sheet, key_header, meta_sheet, max_rows, data)
    sheet.sha256 = hashlib.sha256(data).hexdigest()
    sheet.content = data
    return sheet


def _workbook_sheet(path: Path, kind: str, data_sheet: str, key_header: str, meta_sheet: str | None,
                    max_rows: int, data: bytes | None = None) -> Sheet:
    if data is None:
        data = path.read_bytes()
    # by what the bytes are, not by the name: python-calamine reads a zip named .xls as an .xlsx
    # (an .xls saved under the name .xlsx is read as the .xls it is)
    if data[:8] == CFB_MAGIC:
        kind = "xls"
    if kind == "xlsx" or data[:4] == ZIP_MAGIC:
        try:
            check_xlsx(path, data=data)   # zip bombs, entity tricks, broken zips: refused before calamine parses anything
        except XlsxRefused as exc:
            raise FileRefused(str(exc)) from None
    elif data[:8] == CFB_MAGIC:
        try:
            probe_xls(path, data)         # far cells: each sheet's size measured in a child process first
        except XlsRefused as exc:
            raise FileRefused(str(exc)) from None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
        # the metadata sheet is parsed on a workbook of its own while this thread parses the data
        # sheet (python-calamine releases the GIL); its errors come out below, after the data sheet's
        meta_job = background.submit(_sheet_cells_of, data, meta_sheet, max_rows) if meta_sheet in names else None
        candidates = [data_sheet] if data_sheet in names else [n for n in names if n != meta_sheet]
        found = None
        for name in candidates:
            merged: list[tuple[int, int, int, int]] = []
            cells = _sheet_cells(wb, name, max_rows, skip_empty_area=False, merged=merged)
            found = _with_header(name, kind, cells, key_header, max_rows)
            if found is not None:
                found.merged, found.sheet_names = merged, names
            if found is not None or name == data_sheet:
                break
        meta_cells = meta_job.result() if meta_job is not None else None
    except FileRefused:
        raise
    except CalamineError:
        raise FileRefused(broken_file(path.name, kind)) from None
    except BaseException as exc:  # anything else the parser raises, a Rust panic included, is a broken file
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise FileRefused(broken_file(path.name, kind)) from None
    if found is None:
        raise FileRefused(f"找不到表头“{key_header}”：请使用下发的模板，表头应在前{HEADER_SEARCH_ROWS}行内",
                          sheet=candidates[0] if len(candidates) == 1 else None)
    if meta_cells is not None:
        found.meta, found.meta_sheet = _meta(meta_cells, key_header), meta_sheet
    return found


def _sheet_cells_of(data: bytes, name: str, max_rows: int) -> list[list]:
    """:func:`_sheet_cells` of a workbook opened from ``data`` (a calamine workbook is used by one thread at a time)."""
    return _sheet_cells(CalamineWorkbook.from_filelike(io.BytesIO(data)), name, max_rows)


def _sheet_cells(wb: CalamineWorkbook, name: str, max_rows: int, skip_empty_area: bool = True,
                 merged: list | None = None) -> list[list]:
    """A sheet's cells, after checking its size (an .xlsx was measured before calamine opened it);
    ``merged``: a list to receive its merged ranges over more than one row (:attr:`Sheet.merged`)."""
    sheet = wb.get_sheet_by_name(name)
    if merged is not None:
        merged.extend((r0 + 1, r1 + 1, c0, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or () if r1 > r0)
    if sheet.total_height > max_rows + HEADER_SEARCH_ROWS:  # before reading it all
        raise FileRefused(_too_many(sheet.total_height, max_rows), sheet=name)
    if sheet.total_height * sheet.total_width > MAX_CELLS:
        raise FileRefused(f"表格范围过大（{sheet.total_height}行×{sheet.total_width}列）：请删除模板以外远处的单元格内容后再上传",
                          sheet=name)
    return sheet.to_python(skip_empty_area=skip_empty_area)


def _csv_sheet(path: Path, key_header: str, max_rows: int, data: bytes | None = None) -> Sheet:
    if data is None:
        data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(f"无法识别文件“{path.name}”的编码：请另存为 UTF-8 或 GBK 编码的 CSV")
    if "\x00" in text:
        raise FileRefused(f"文件“{path.name}”不是文本格式的 CSV（可能是改了扩展名的 Excel 文件）")
    try:
        cells = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:   # a field over csv's limit (128 KB), usually an unclosed quote
        raise FileRefused(f"文件“{path.name}”无法按 CSV 读取：某个单元格过长或引号不配对，请用 Excel 或 WPS 另存为 CSV 后再上传") from None
    if len(cells) > max_rows + HEADER_SEARCH_ROWS:
        raise FileRefused(_too_many(len(cells), max_rows), sheet=path.name)
    found = _with_header(path.name, "csv", cells, key_header, max_rows)
    if found is None:
        raise FileRefused(f"找不到表头“{key_header}”：请使用下发模板的表头，表头应在前{HEADER_SEARCH_ROWS}行内",
                          sheet=path.name)
    return found


def _with_header(name: str, kind: str, cells: list[list], key_header: str, max_rows: int) -> Sheet | None:
    for i, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        header = [clean_text(c) for c in row]
        if key_header in header:
            body = _filled_rows(cells[i + 1:], i + 2, header.index(key_header))
            if len(body) > max_rows:
                raise FileRefused(_too_many(len(body), max_rows), sheet=name)
            return Sheet(name, kind, i + 1, header, body)
    return None


def _filled_rows(rows: list[list], first: int, key: int) -> list[tuple[int, list]]:
    """(row number, cells) of the rows that are not blank (every cell None or ""), numbered from ``first``.
    Most rows have their ``key`` cell filled in, which settles it at one cell; the others are counted in C."""
    body: list[tuple[int, list]] = []
    append = body.append
    for n, r in enumerate(rows, start=first):
        if len(r) > key:
            value = r[key]
            if value is not None and value != "":
                append((n, r))
                continue
        if r.count(None) + r.count("") < len(r):
            append((n, r))
    return body


def _meta(cells: list[list], key_header: str) -> dict[str, str]:
    """The metadata sheet's keys (first column) and values (second), down to the ``key_header`` row
    (the row ids handed out follow it; an upload is checked against the rows the unit reports now)."""
    meta: dict[str, str] = {}
    for row in cells:
        key = clean_text(row[0]) if row else ""
        if key == key_header:
            break
        if key:
            meta[key] = clean_text(row[1]) if len(row) > 1 else ""
    return meta


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
    return f"{n / 1024:.1f} KB".replace(".0 KB", " KB")


def _too_many(n: int, max_rows: int) -> str:
    return f"行数过多（约{n}行），每个文件最多{max_rows}行，请拆分后分批上传"


# ---------------------------------------------------------------------------- error copy


_ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _csv_cell(value):
    """A cell of a CSV copy: text neutralised (:func:`neutralise`) except a plain number such as -2.5,
    which a spreadsheet program reads as the number it is."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return neutralise(value)


def error_copy_path(path: Path) -> Path:
    """Where the copy with the error column goes by default: ``报表.xlsx`` → ``报表.错误说明.xlsx``."""
    path = Path(path)
    suffix = ".csv" if path.suffix.lower() == ".csv" else ".xlsx"
    return path.with_name(f"{path.stem}.{ERROR_HEADER}{suffix}")


def write_error_copy(path: Path, sheet: Sheet, problems: list[Problem], out: Path) -> Path:
    """The uploaded file with an 错误说明 column (xlsx stays xlsx, xls becomes xlsx, csv stays csv)."""
    by_row: dict[int, list[str]] = {}
    for p in problems:
        if p.row:
            by_row.setdefault(p.row, []).append(f"“{p.column}”列：{p.message}" if p.column else p.message)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if sheet.kind == "csv":
        # line for line as the file came: the rows above the header and the blank rows (not kept) come
        # back empty, so "第4行" of a message is line 4 of the copy too
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerows([] for _ in range(sheet.header_row - 1))
            writer.writerow([_csv_cell(h) for h in sheet.header] + [ERROR_HEADER])
            line = sheet.header_row
            for n, cells in sheet.rows:
                writer.writerows([] for _ in range(n - line - 1))
                writer.writerow([_csv_cell(c) for c in cells] + [neutralise("；".join(by_row.get(n, [])))])
                line = n
        return out
    messages = {n: "；".join(m) for n, m in by_row.items()}
    row_values = dict(sheet.rows)
    if sheet.kind == "xlsx":
        fast = xlsx_error_copy(path, sheet.name, sheet.header_row, len(sheet.header), messages, ERROR_HEADER, out,
                               row_values=row_values, n_problems=len(problems))
        if fast is not None:     # written into the file's own XML; else the slow way below
            return fast
        wb = load_workbook(path)
        ws = wb[sheet.name]
        ws.protection.sheet = False
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = sheet.name
        for c, value in enumerate(sheet.header, start=1):
            set_text(ws.cell(row=sheet.header_row, column=c), value)
        for n, cells in sheet.rows:
            for c, value in enumerate(cells, start=1):
                set_text(ws.cell(row=n, column=c), value if value != "" else None)
        if sheet.meta_sheet and sheet.meta:   # the template's keys, so the copy uploads as the template did
            meta = wb.create_sheet(sheet.meta_sheet)
            for key, value in sheet.meta.items():
                meta.append([key, value])
            meta.sheet_state = "hidden"
    col = max(ws.max_column, len(sheet.header)) + 1
    head = ws.cell(row=sheet.header_row, column=col)
    set_text(head, ERROR_HEADER)
    head.font = cell_font(bold=True, color="C00000")
    head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.column_dimensions[head.column_letter].width = ERROR_WIDTH
    for n, message in messages.items():
        if n == sheet.header_row:
            continue
        cell = ws.cell(row=n, column=col)
        set_text(cell, message)
        cell.fill = _ERROR_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH for c in range(1, col)]
    current = {n: ws.row_dimensions[n].height for n in set(row_values) | set(messages)}
    for n, height in needed_heights(row_values, {n: m for n, m in messages.items() if n != sheet.header_row},
                                    widths, current).items():
        ws.row_dimensions[n].height = height
    if any(part.text for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right)):
        ws.oddHeader.center.text = refused_header(ws.oddHeader.center.text or "", len(problems))
    wb.save(out)
    return out
