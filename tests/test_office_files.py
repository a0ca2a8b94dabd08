"""What an office sees of our xlsx files, with LibreOffice standing in for WPS and Excel:

* every list an office prints (督查清单, 汇总表, 目标清单, the monthly template) comes out on A4
  landscape, each page holding its sheet's header row from the first column to the last (fitted to
  the width, the header repeated);
* a template filled in and saved again by the office program (shared strings, its own XML) uploads,
  every value as typed.

Needs ``soffice`` (LibreOffice) and poppler's ``pdfinfo``/``pdftotext``: scripts/run_tests.sh installs
them when run as root (``libreoffice-calc-nogui poppler-utils``). Skipped locally without them,
failed under CI, like the browser journeys.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from loaders.progress_template import DATA_SHEET, PROGRESS, STATUS, VALUE, make_template
from loaders.progress_upload import upload_file
from tests.environment import unavailable
from tracker.__main__ import main
from tracker.db import connect

A4_LANDSCAPE = (841.89, 595.304)   # points, as pdfinfo prints them (595.276 rounded by LibreOffice)
PERIOD = "2024-10"


@pytest.fixture(scope="module")
def office() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("soffice", "pdfinfo", "pdftotext")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        unavailable(f"{', '.join(missing)} missing: `apt-get install -y libreoffice-calc-nogui poppler-utils` "
                    "(scripts/run_tests.sh does this when run as root)", what="office tests")
    return tools


def _convert(office: dict, source: Path, out_dir: Path, to: str) -> Path:
    """``source`` opened and saved by LibreOffice as ``to`` (pdf, or an xlsx filter) into ``out_dir``;
    a profile of its own, so conversions running at the same time do not share one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    done = subprocess.run([office["soffice"], f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--convert-to", to, "--outdir", str(out_dir), str(source)],
                          capture_output=True, text=True, timeout=300)
    made = out_dir / f"{source.stem}.{to.split(':')[0]}"
    assert done.returncode == 0 and made.is_file(), done.stdout + done.stderr
    return made


def _pages(office: dict, pdf: Path) -> list[tuple[tuple[float, float], str]]:
    """(width, height) in points and the text of every page of ``pdf``."""
    info = subprocess.run([office["pdfinfo"], "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"^Page +\d+ size: +([\d.]+) x ([\d.]+)", info, re.M)]
    texts = []
    for n in range(1, len(sizes) + 1):
        text = subprocess.run([office["pdftotext"], "-f", str(n), "-l", str(n), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        texts.append(re.sub(r"\s+", "", text))
    return list(zip(sizes, texts))


@pytest.fixture(scope="module")
def demo_copy(built_demo_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("office") / "demo.duckdb"
    shutil.copy(built_demo_db, path)
    return path


def _export(kind: str, db: Path, out: Path) -> Path:
    args = {"overdue": ["--as-of", "2024-09"], "progress": ["--period", "2024-09"], "targets": []}[kind]
    assert main(["export", kind, "--db", str(db), "--out", str(out), *args]) == 0
    return out


def _printed_headers(xlsx: Path) -> list[tuple[str, str]]:
    """(first, last) label of the printed header row of each visible sheet that repeats one: the last row
    of its print titles (a title may come first), from column A to the last column printed (its print
    area's, else its last)."""
    found = []
    for ws in load_workbook(xlsx):
        if ws.sheet_state != "visible" or not ws.print_title_rows:
            continue
        row = int(ws.print_title_rows.split(":")[-1].strip("$"))
        last = ws.max_column
        if ws.print_area:   # "'督查清单'!$A$1:$S$89"
            last = column_index_from_string(re.findall(r"\$([A-Z]+)\$\d+", ws.print_area)[-1])
        found.append(tuple(re.sub(r"\s+", "", str(ws.cell(row=row, column=c).value)) for c in (1, last)))
    return found


KINDS = ("overdue", "progress", "targets", "template")


@pytest.mark.parametrize("kind", KINDS)
def test_lists_print_on_a4_landscape_with_the_whole_header_row_on_every_page(office, demo_copy, tmp_path, kind):
    if kind == "template":
        con = connect(demo_copy, read_only=True)
        try:
            source = tmp_path / "市发改委.xlsx"
            make_template(con, "市发改委", PERIOD, source, now=datetime(2024, 10, 1, 9, 0))
        finally:
            con.close()
    else:
        source = _export(kind, demo_copy, tmp_path / f"{kind}.xlsx")
    sheets = _printed_headers(source)
    assert len(sheets) == (2 if kind == "overdue" else 1)
    pages = _pages(office, _convert(office, source, tmp_path / "pdf", "pdf"))
    listed = []
    for n, (size, text) in enumerate(pages, start=1):
        headers = [(first, last) for first, last in sheets if first in text]
        if kind == "template" and not headers:
            assert "填报说明" in text, f"page {n}: neither the data sheet nor the instructions"
            continue   # the instructions sheet: prose, printed as it comes
        listed.append(n)
        assert headers, f"page {n} of {kind} has no header row: {text[:80]}"
        assert any(last in text for _, last in headers), f"page {n} of {kind}: the header row is cut at the right"
        assert (round(size[0]), round(size[1])) == (round(A4_LANDSCAPE[0]), round(A4_LANDSCAPE[1])), \
            f"page {n} of {kind} is {size}, not A4 landscape"
    assert len(listed) >= 2   # more than one page: the header row was repeated, not just printed once


def test_a_template_saved_again_by_an_office_program_uploads_as_typed(office, built_demo_db, tmp_path):
    db = tmp_path / "demo.duckdb"   # its own copy: the upload writes, the printing tests only read
    shutil.copy(built_demo_db, db)
    con = connect(db)
    try:
        template = tmp_path / "市发改委.xlsx"
        n = make_template(con, "市发改委", PERIOD, template, now=datetime(2024, 10, 1, 9, 0))
        # typed in: a value, a status and a progress text on every row
        wb = load_workbook(template)
        ws = wb[DATA_SHEET]
        header = [c.value for c in ws[1]]
        typed = {}
        for r in range(2, n + 2):
            row_id = ws.cell(row=r, column=1).value
            typed[row_id] = (10.0 + r, "正常", f"第{r}行：按计划推进")
            for column, value in zip((VALUE, STATUS, PROGRESS), typed[row_id]):
                ws.cell(row=r, column=header.index(column) + 1).value = value
        # a rate typed as "16%" (Excel stores 0.16 formatted 0%): read as the 16 the sheet shows
        rate = next(r for r in range(2, n + 2) if ws.cell(row=r, column=header.index("计量单位") + 1).value == "%")
        cell = ws.cell(row=rate, column=header.index(VALUE) + 1)
        cell.value, cell.number_format = 0.16, "0%"
        typed[ws.cell(row=rate, column=1).value] = (16.0, *typed[ws.cell(row=rate, column=1).value][1:])
        # a formula: openpyxl stores no result, the office program calculates it when it saves the file
        formula = 2 if rate != 2 else 3
        ws.cell(row=formula, column=header.index(VALUE) + 1).value = "=300+220"
        typed[ws.cell(row=formula, column=1).value] = (520.0, *typed[ws.cell(row=formula, column=1).value][1:])
        filled = tmp_path / "filled" / "市发改委.xlsx"
        filled.parent.mkdir()
        wb.save(filled)
        saved = _convert(office, filled, tmp_path / "saved", 'xlsx:Calc MS Excel 2007 XML')
        with zipfile.ZipFile(saved) as z:   # really the office program's file: shared strings, not inline ones
            assert "xl/sharedStrings.xml" in z.namelist()
            assert b"inlineStr" not in z.read("xl/worksheets/sheet1.xml")

        result = upload_file(con, saved, "市发改委", "tester", now=datetime(2024, 11, 5, 10, 0))
        assert (result.outcome, result.period, result.n_new, result.problems) == ("accepted", PERIOD, n, [])
        stored = con.execute("""SELECT 'T' || target_id || '-' || jurisdiction_code, value, reported_status,
                                       progress_text FROM progress_reports WHERE upload_id = ?""",
                             [result.upload_id]).fetchall()
        assert {rid: (value, status, text) for rid, value, status, text in stored} == typed
    finally:
        con.close()
