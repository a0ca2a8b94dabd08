"""Hostile and random files through the whole upload path (read, check, store, error copy).

Each must end in a clear Chinese message or a correct (partial) acceptance: never an
exception, a hang (pytest-timeout) or a half-written database. A corpus of crafted files
(zip bombs, entity tricks, broken zips, odd cells) made here, plus hypothesis with a fixed
seed (derandomize) and few examples, so the whole file runs in seconds.
"""
import csv
import io
import math
import re
import struct
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from loaders.progress_template import DATA_SHEET, HEADERS, META_SHEET, PROBLEMS, PROGRESS, ROW_ID, STATUS, VALUE
from loaders.progress_upload import upload_file
from loaders.sheet_reader import write_error_copy
from loaders.xlsx_guard import MAX_UNPACKED
from tests.conftest import PROGRESS_TABLES, table_contents
from tests.progress_files import NOW, fill, template
from tracker.reporting import resolve_unit, unit_rows

pytestmark = pytest.mark.timeout(60)
UNIT, PERIOD = "市发改委", "2024-03"
CJK = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(max_examples=25, derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def tpl(built_plain_db, tmp_path_factory):
    from tracker.db import connect

    con = connect(built_plain_db, read_only=True)
    try:
        return template(con, tmp_path_factory.mktemp("fuzz-tpl"))
    finally:
        con.close()


@pytest.fixture(scope="module")
def rows(built_plain_db):
    from tracker.db import connect

    con = connect(built_plain_db, read_only=True)
    try:
        return unit_rows(con, resolve_unit(con, UNIT), PERIOD)
    finally:
        con.close()


def first_row(rows, kind: str) -> int:
    return next(n for n, r in enumerate(rows, start=2) if r.kind == kind)


def attempt(con, path: Path, tmp_path: Path, partial: bool = False, **kw):
    """Upload ``path`` and check the invariants that hold for any file whatsoever."""
    before = table_contents(con)
    result = upload_file(con, path, UNIT, uploaded_by="张三", now=NOW, partial=partial, **kw)
    after = table_contents(con)
    if result.outcome in ("rejected", "unchanged"):
        assert after == before
    if result.outcome == "rejected":
        assert result.problems and all(CJK.search(p.message) for p in result.problems), result.problems
    if result.outcome in ("accepted", "partial"):
        added = {t: Counter(map(repr, after[t])) - Counter(map(repr, before[t])) for t in PROGRESS_TABLES}
        assert sum(added["uploads"].values()) == 1
        assert sum(added["progress_reports"].values()) == result.n_new
        assert sum(added["upload_errors"].values()) == len(result.problems)
        assert {t: after[t] for t in after if t not in PROGRESS_TABLES} == \
               {t: before[t] for t in before if t not in PROGRESS_TABLES}
        new = con.execute("SELECT value, source_row FROM progress_reports WHERE upload_id = ?",
                          [result.upload_id]).fetchall()
        assert all(v is None or math.isfinite(v) for v, _ in new)
        bad_rows = {p.row for p in result.problems}
        assert not bad_rows & {row for _, row in new} and None not in {row for _, row in new}
        assert con.execute("SELECT f.content FROM uploads JOIN upload_files f USING (file_sha256) WHERE upload_id = ?",
                           [result.upload_id]).fetchone()[0] == path.read_bytes()
    if result.problems and result.sheet is not None:
        out = write_error_copy(path, result.sheet, result.problems, tmp_path / f"错误说明{path.suffix}")
        assert out.stat().st_size > 0
    return result


def message(result) -> str:
    return "\n".join(str(p) for p in result.problems)


# ---------------------------------------------------------------- crafted files


def _zip_with(src: Path, out: Path, replace: dict[str, bytes] = {}, add: dict[str, bytes] = {},
              drop: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in add.items():
            zout.writestr(name, data)
    return out


def _zeros_member(out: Path, src: Path, name: str, size: int) -> Path:
    """``src`` plus a part of ``size`` bytes of XML padding, streamed (never held in memory)."""
    _zip_with(src, out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z, z.open(name, "w", force_zip64=True) as f:
        block = b" " * (1 << 20)
        for _ in range(size // len(block)):
            f.write(block)
    return out


def _patch_member(path: Path, name: str, file_size: int | None = None, flag: int | None = None) -> Path:
    """Rewrite what the zip's headers (local and central) say about one part: its size, its flags."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    local = info.header_offset
    central, pos = None, 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:   # the central directory entry of ``name``
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == name.encode():
            central = pos
            break
        pos += 4
    for head, size_at, flag_at in ((local, 22, 6), (central, 24, 8)):
        if file_size is not None:
            struct.pack_into("<I", data, head + size_at, file_size)
        if flag is not None:
            struct.pack_into("<H", data, head + flag_at, struct.unpack_from("<H", data, head + flag_at)[0] | flag)
    path.write_bytes(bytes(data))
    return path


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            b"<si><t>&lol9;</t></si></sst>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>')


def _shared_strings_name(tpl: Path) -> str:
    """The shared strings part, else (openpyxl writes strings inline) the first sheet: calamine reads both."""
    with zipfile.ZipFile(tpl) as z:
        names = z.namelist()
    return next((n for n in names if n.endswith("sharedStrings.xml")), "xl/worksheets/sheet1.xml")


def _xls(path: Path) -> Path:
    wb = xlwt.Workbook()
    ws = wb.add_sheet(DATA_SHEET)
    for c, h in enumerate(HEADERS):
        ws.write(0, c, h)
    wb.save(str(path))
    return path


def _xls_far(path: Path, row: int, column: int) -> Path:
    """An .xls whose one number cell (an RK record) is moved to ``row``, ``column`` (0-based, up to 65,535:
    python-calamine would allocate the grid out to there in our process)."""
    wb = xlwt.Workbook()
    sheet = wb.add_sheet(DATA_SHEET)
    sheet.write(0, 0, ROW_ID)          # the grid runs from A1 to the moved cell
    sheet.write(1, 3, 7.5)
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    at = next(i for i in range(len(data) - 8) if data[i:i + 4] == b"\x7e\x02\x0a\x00"
              and struct.unpack_from("<HH", data, i + 4) == (1, 3))
    struct.pack_into("<HH", data, at + 4, row, column)
    path.write_bytes(bytes(data))
    return path


def _openpyxl(tpl: Path, out: Path, edit) -> Path:
    wb = load_workbook(tpl)
    edit(wb)
    wb.save(out)
    return out


def _merged(tpl, out, rows):
    count = first_row(rows, "count")

    def edit(wb):
        ws = wb[DATA_SHEET]
        ws.protection.sheet = False
        col = HEADERS.index(VALUE) + 1
        ws.cell(row=count, column=col).value = 5
        ws.cell(row=count, column=HEADERS.index(STATUS) + 1).value = "正常"
        ws.merge_cells(start_row=count, start_column=col, end_row=count + 1, end_column=col + 1)
    return _openpyxl(tpl, out, edit)


def _formula(tpl, out, rows):
    count = first_row(rows, "count")

    def edit(wb):
        ws = wb[DATA_SHEET]
        ws.cell(row=count, column=HEADERS.index(VALUE) + 1).value = "=1+2"   # a real formula, no cached value
        ws.cell(row=count, column=HEADERS.index(STATUS) + 1).value = "正常"
    return _openpyxl(tpl, out, edit)


def _far_cell(tpl, out, rows):
    return _openpyxl(tpl, out, lambda wb: wb[DATA_SHEET].cell(row=40_000, column=16_384, value="x"))


def _far_ref(tpl, out, new: bytes):
    """The template with its first data cell (A2) placed by ``new`` instead, a reference python-calamine
    reads: it would have built the grid out to there (tens of gigabytes: the process aborts)."""
    with zipfile.ZipFile(tpl) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert sheet.count(b'<c r="A2"') == 1
    return _zip_with(tpl, out, replace={"xl/worksheets/sheet1.xml": sheet.replace(b'<c r="A2"', b"<c " + new)})


def _no_meta(tpl, out, rows):
    def edit(wb):
        del wb[META_SHEET]
    return _openpyxl(fill(tpl, out, {2: {VALUE: 1}}), out, edit)


def _renamed_sheet(tpl, out, rows):
    def edit(wb):
        wb[DATA_SHEET].title = "数据"
    return _openpyxl(fill(tpl, out, {first_row(rows, "count"): {VALUE: 3, STATUS: "正常"}}), out, edit)


def _no_header(tpl, out, rows):
    def edit(wb):
        ws = wb[DATA_SHEET]
        ws.delete_rows(1, 1)
        ws.cell(row=1, column=1, value="随便写的")
    return _openpyxl(tpl, out, edit)


def _csv_big_field(tmp, rows):
    path = tmp / "big.csv"
    path.write_text(",".join(HEADERS) + "\n" + rows[0].row_id + ',"' + "字" * 200_000 + '"\n', encoding="utf-8")
    return path


def _csv_unclosed_quote(tmp, rows):
    path = tmp / "quote.csv"
    path.write_text(",".join(HEADERS) + '\n"' + rows[0].row_id + ",1,正常\n", encoding="utf-8")
    return path


CORPUS = {
    # name: (make(tpl, tmp_path, rows) -> path, expected outcome, a fragment of the message or None)
    "random bytes as xlsx": (lambda t, d, r: _write(d / "r.xlsx", bytes(range(256)) * 40), "rejected",
                             "无法读取文件“r.xlsx”：不是有效的 xlsx 文件或已损坏"),
    "random bytes as xls": (lambda t, d, r: _write(d / "r.xls", b"\xd0\xcf\x11\xe0" + bytes(range(256)) * 40),
                            "rejected", "不是有效的 xls 文件或已损坏"),
    "truncated xlsx": (lambda t, d, r: _write(d / "t.xlsx", t.read_bytes()[: t.stat().st_size // 2]), "rejected",
                       "不是有效的 xlsx 文件或已损坏"),
    "xlsx cut before its directory": (lambda t, d, r: _write(d / "t.xlsx", t.read_bytes()[:-30]), "rejected",
                                      "不是有效的 xlsx 文件或已损坏"),
    # read as the .xls it is (a header without the template's metadata sheet)
    "xls renamed xlsx": (lambda t, d, r: _write(d / "x.xlsx", _xls(d / "x.xls").read_bytes()), "rejected",
                         "文件中没有模板信息"),
    "xlsx renamed xls": (lambda t, d, r: _write(d / "x.xls", t.read_bytes()), None, None),
    "xlsx renamed csv": (lambda t, d, r: _write(d / "x.csv", t.read_bytes()), "rejected", "x.csv"),
    "csv renamed xlsx": (lambda t, d, r: _write(d / "c.xlsx", ",".join(HEADERS).encode()), "rejected",
                         "不是有效的 xlsx 文件或已损坏"),
    "a zip that is no workbook": (lambda t, d, r: _plain_zip(d / "z.xlsx"), "rejected", "不是有效的 xlsx 文件或已损坏"),
    "no metadata sheet": (lambda t, d, r: _no_meta(t, d / "m.xlsx", r), "rejected", "文件中没有模板信息"),
    "data sheet renamed": (lambda t, d, r: _renamed_sheet(t, d / "s.xlsx", r), "accepted", None),
    "header row removed": (lambda t, d, r: _no_header(t, d / "h.xlsx", r), "rejected", "找不到表头“填报编号”"),
    "merged cells": (lambda t, d, r: _merged(t, d / "merged.xlsx", r), "rejected", "是合并单元格，只有第"),
    "a formula without a value": (lambda t, d, r: _formula(t, d / "f.xlsx", r), "rejected", "该单元格是公式，文件里没有它的计算结果"),
    "a cell at XFD40000": (lambda t, d, r: _far_cell(t, d / "far.xlsx", r), "rejected", "工作表范围过大（约40000行×16384列"),
    "a cell at AAAAAAAA2 (eight letters)": (lambda t, d, r: _far_ref(t, d / "far8.xlsx", b'r="AAAAAAAA2"'), "rejected",
                                            "工作表范围过大（约"),
    "a far cell in lower case": (lambda t, d, r: _far_ref(t, d / "lower.xlsx", b'r="xfd40000"'), "rejected",
                                 "工作表范围过大（约40000行×16384列"),
    "blanks around the =": (lambda t, d, r: _far_ref(t, d / "blanks.xlsx", b'r = "XFD40000"'), "rejected",
                            "工作表范围过大（约40000行×16384列"),
    "a row of nine digits": (lambda t, d, r: _far_ref(t, d / "nine.xlsx", b"r\t=\n'A123456789'"), "rejected",
                             "工作表范围过大（约123456789行×"),
    "xls with a cell at column 65535": (lambda t, d, r: _xls_far(d / "far.xls", 1000, 65535), "rejected",
                                        "的工作表范围过大或结构异常，无法读取"),
    "xls with a cell at 65535 x 65535": (lambda t, d, r: _xls_far(d / "corner.xls", 65535, 65535), "rejected",
                                         "的工作表范围过大或结构异常，无法读取"),
    "xls far beyond the cell limit": (lambda t, d, r: _xls_far(d / "huge.xls", 65535, 255), "rejected",
                                      "的工作表范围过大或结构异常，无法读取"),
    "a far cell in an xls named .xlsx": (lambda t, d, r: _xls_far(d / "far.xlsx", 65535, 65535), "rejected",
                                         "的工作表范围过大或结构异常，无法读取"),
    "xls over the cell limit": (lambda t, d, r: _xls_far(d / "big.xls", 1999, 1999), "rejected",
                                "表格范围过大（1999行×1999列）"),
    "a far cell in an xlsx named .xls": (lambda t, d, r: _far_ref(t, d / "far.xls", b'r="AAAAAAAA2"'), "rejected",
                                         "工作表范围过大（约"),
    "zip bomb by ratio": (lambda t, d, r: _zeros_member(d / "ratio.xlsx", t, "xl/media/pad.xml", 30 << 20),
                          "rejected", "压缩比异常"),
    "zip bomb by size": (lambda t, d, r: _zeros_member(d / "bomb.xlsx", t, "xl/media/pad.xml", MAX_UNPACKED + (1 << 20)),
                         "rejected", "解压后超过100 MB"),
    "zip that lies about a size": (lambda t, d, r: _patch_member(
        _zeros_member(d / "lie.xlsx", t, "xl/media/pad.xml", 4 << 20), "xl/media/pad.xml", file_size=1000),
        "rejected", "不是有效的 xlsx 文件或已损坏"),
    "encrypted part": (lambda t, d, r: _patch_member(_zip_with(t, d / "enc.xlsx"), "xl/workbook.xml", flag=1),
                       "rejected", "已加密"),
    "billion laughs": (lambda t, d, r: _zip_with(t, d / "laughs.xlsx", replace={_shared_strings_name(t): LAUGHS}),
                       "rejected", "DTD"),
    "external entity": (lambda t, d, r: _zip_with(t, d / "xxe.xlsx", replace={_shared_strings_name(t): XXE}),
                        "rejected", "DTD"),
    "doctype after a long comment": (lambda t, d, r: _zip_with(t, d / "late.xlsx", replace={
        "xl/workbook.xml": b"<?xml version='1.0'?><!--" + b"x" * 200_000 + b"-->" + XXE[21:]}), "rejected", "DTD"),
    "csv with a 200 KB cell": (lambda t, d, r: _csv_big_field(d, r), "rejected", "某个单元格过长或引号不配对"),
    "csv with an unclosed quote": (lambda t, d, r: _csv_unclosed_quote(d, r), "rejected",
                                   "填报编号“T1-330800,1,正常”不在“市发改委”2024-03的报送范围内"),
    "csv of NUL bytes": (lambda t, d, r: _write(d / "n.csv", b"\x00" * 100), "rejected", "不是文本格式的 CSV"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "不是工作簿")
    return path


@pytest.mark.parametrize("case", list(CORPUS))
def test_hostile_file(con, tmp_path, tpl, rows, case):
    make, outcome, fragment = CORPUS[case]
    path = make(tpl, tmp_path, rows)
    result = attempt(con, path, tmp_path, **({"period": PERIOD} if path.suffix == ".csv" else {}))
    if outcome is not None:
        assert result.outcome == outcome, message(result)
    if fragment is not None:
        assert fragment in message(result)


def test_cell_values_as_units_type_them(con, tmp_path, tpl, rows):
    """Numbers as text, full-width digits and ids, dates, NaN/inf/1e308, negatives, huge text, formulas as text."""
    counts = [n for n, r in enumerate(rows, start=2) if r.kind == "count"]
    cells = {
        counts[0]: {VALUE: " 1,200 ", STATUS: "正常"},
        counts[1]: {VALUE: "１２３", STATUS: "正常", PROGRESS: "=HYPERLINK(\"http://evil\",\"点我\")"},
        counts[2]: {ROW_ID: "Ｔ" + rows[counts[2] - 2].row_id[1:].replace("-", "－"), VALUE: 4.5, STATUS: "正常"},
        counts[3]: {VALUE: datetime(2024, 3, 1), STATUS: "正常"},
        counts[4]: {VALUE: "NaN", STATUS: "正常"},
        counts[5]: {VALUE: "inf", STATUS: "正常"},
        counts[6]: {VALUE: 1e308, STATUS: "正常"},
        counts[7]: {VALUE: -5, STATUS: "正常"},
        counts[8]: {VALUE: 1, STATUS: "正常", PROBLEMS: "长" * 100_000},
        counts[9]: {VALUE: True, STATUS: "正常"},
    }
    path = fill(tpl, tmp_path / "cells.xlsx", cells)
    result = attempt(con, path, tmp_path, partial=True)
    assert result.outcome == "partial" and result.n_new == 3
    assert sorted(con.execute("SELECT value FROM progress_reports").fetchall()) == [(4.5,), (123.0,), (1200.0,)]
    by_row = {p.row: p.message for p in result.problems}
    expected = {
        counts[3]: "应填写数字，实际为日期/时间“2024-03-01”（请把单元格格式设为“常规”或“数值”）",
        counts[4]: "应填写数字，单位为“{}”，实际为“NaN”",
        counts[5]: "应填写数字，单位为“{}”，实际为“inf”",
        counts[6]: "数值1e+308过大（上限{}），请检查计量单位",
        counts[7]: "数值-5不能为负数",
        counts[8]: "内容过长（32767字），每格不超过2000字",   # Excel keeps 32,767 characters of a cell
        counts[9]: "应填写数字，实际为逻辑值“TRUE”",
    }
    assert by_row.keys() == expected.keys()
    for n, text in expected.items():
        assert re.fullmatch(re.escape(text).replace(r"\{\}", ".+"), by_row[n]), (n, by_row[n])


# ---------------------------------------------------------------- hypothesis


@FUZZ
@given(data=st.binary(max_size=4096), prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                                                                 "填报编号,累计完成值\n".encode()]),
       suffix=st.sampled_from([".xlsx", ".xls", ".csv"]))
def test_random_bytes(con, tmp_path, data, prefix, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(prefix + data)
    result = upload_file(con, path, UNIT, uploaded_by="张三", now=NOW, period=PERIOD)
    assert result.outcome in ("rejected", "unchanged"), message(result)
    assert all(CJK.search(p.message) for p in result.problems)
    assert con.execute("SELECT count(*) FROM uploads").fetchone() == (0,)


@pytest.fixture(scope="module")
def good_bytes(tpl, rows, tmp_path_factory) -> bytes:
    path = fill(tpl, tmp_path_factory.mktemp("good") / "good.xlsx",
                {first_row(rows, "count"): {VALUE: 12, STATUS: "正常"}})
    return path.read_bytes()


@FUZZ
@given(cut=st.one_of(st.none(), st.integers(min_value=0)),
       flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=6))
def test_damaged_workbooks(con, tmp_path, good_bytes, cut, flips):
    data = bytearray(good_bytes if cut is None else good_bytes[: cut % len(good_bytes)])
    for pos, byte in flips:
        if data:
            data[pos % len(data)] = byte
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    result = attempt(con, path, tmp_path)
    if result.outcome != "rejected":   # the damage missed everything that matters: the one report is right
        assert con.execute("SELECT DISTINCT value FROM progress_reports").fetchall() == [(12.0,)]


CELL = st.one_of(
    st.none(), st.just(""), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10**20, max_value=10**20),
    st.sampled_from(["１２３", " 1,200 ", "12.5%", "−3", "1e308", "-1e-308", "NaN", "inf", "=1+1", "正常", "已完成",
                     "滞后", "T1-330800", "\x00", "\u202e", "长" * 3000]),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.text(max_size=40),
)


@FUZZ
@given(cells=st.lists(st.tuples(st.integers(min_value=0, max_value=5), st.sampled_from([VALUE, STATUS, PROGRESS]),
                                CELL), max_size=8),
       partial=st.booleans())
def test_random_cells(con, tmp_path, tpl, rows, cells, partial):
    edits: dict[int, dict] = {}
    for row, column, value in cells:
        if isinstance(value, str):
            value = "".join(ch for ch in value if ch.isprintable() or ch in "\t\n")   # what a cell can hold
        edits.setdefault(2 + row, {})[column] = value
    path = fill(tpl, tmp_path / "cells.xlsx", edits)
    attempt(con, path, tmp_path, partial=partial)


@FUZZ
@given(rows_=st.lists(st.lists(st.one_of(st.text(max_size=12).map(lambda t: t.replace("\x00", "")), st.sampled_from(["T1-330800", "1,2", '"', "正常"])),
                               max_size=8), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_csv(con, tmp_path, rows, rows_, encoding):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    for r in rows_:
        writer.writerow(r)
    writer.writerow([rows[0].row_id, "", "", "", "", "", "", "", "", "7", "正常"])
    path = tmp_path / "r.csv"
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    result = attempt(con, path, tmp_path, partial=True, period=PERIOD)
    assert result.outcome in ("partial", "accepted", "unchanged")   # the last row is good (or stored already)


# ---------------------------------------------------------------- the guard's grid against python-calamine's


def _one_sheet_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "x"
    wb.active["B2"] = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_BASE = _one_sheet_xlsx()
_LETTERS = st.text(alphabet="ABCXYZabcxyz", min_size=1, max_size=2)   # at most 702 columns: a small grid
_BLANKS = st.sampled_from(["", " ", "\t", "\n", " \r\n "])


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(_LETTERS, st.integers(1, 999), st.integers(0, 2), _BLANKS, _BLANKS, st.sampled_from(['"', "'"]))
def test_the_guard_never_sees_a_smaller_grid_than_calamine_builds(letters, row, zeros, before, after, quote):
    """A cell placed by any reference python-calamine reads (either case, leading zeros, blanks around
    "="): the grid the guard measures is at least the one calamine allocates."""
    from python_calamine import CalamineWorkbook

    from loaders.xlsx_guard import _Extent

    ref = f'r{before}={after}{quote}{letters}{"0" * zeros}{row}{quote}'.encode()
    with zipfile.ZipFile(io.BytesIO(_BASE)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].replace(b'<c r="B2"', b"<c " + ref)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else data)
    parsed = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_name("Sheet")
    extent = _Extent()
    extent.feed(sheet, final=True)
    rows, columns = extent.grid()
    assert parsed.total_height <= rows and parsed.total_width <= columns, (ref, parsed.total_height,
                                                                          parsed.total_width, rows, columns)
