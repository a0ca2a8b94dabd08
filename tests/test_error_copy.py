"""The error copy written into the file's XML (loaders/error_copy.py) is the one openpyxl writes."""
import zipfile

import pytest
from openpyxl import load_workbook

from loaders import error_copy, sheet_reader
from loaders.xlsx_guard import column_number
from loaders.progress_template import DATA_SHEET, HEADERS, META_SHEET, PROGRESS, STATUS, VALUE
from loaders.progress_upload import upload_file
from loaders.sheet_reader import ERROR_HEADER, Problem, write_error_copy
from tests.progress_files import NOW, fill, template
from tracker.print_setup import printed_size, row_height

UNIT = "市发改委"


@pytest.fixture
def tpl(con, tmp_path):
    return template(con, tmp_path)


def refused(con, path):
    result = upload_file(con, path, UNIT, uploaded_by="张三", now=NOW)
    assert result.outcome == "rejected" and result.sheet is not None
    return result


def both_ways(path, result, tmp_path, monkeypatch):
    fast = write_error_copy(path, result.sheet, result.problems, tmp_path / "fast.xlsx")
    with monkeypatch.context() as m:
        m.setattr(sheet_reader, "xlsx_error_copy", lambda *a, **k: None)
        slow = write_error_copy(path, result.sheet, result.problems, tmp_path / "slow.xlsx")
    return load_workbook(fast), load_workbook(slow)


def same_workbooks(fast, slow) -> None:
    assert fast.sheetnames == slow.sheetnames
    for name in fast.sheetnames:
        a, b = fast[name], slow[name]
        assert a.sheet_state == b.sheet_state
        assert [[c.value for c in row] for row in a.iter_rows()] == [[c.value for c in row] for row in b.iter_rows()]
        assert a.protection.sheet == b.protection.sheet
        assert len(a.data_validations.dataValidation) == len(b.data_validations.dataValidation)
        assert {k: d.width for k, d in a.column_dimensions.items()} == {k: d.width for k, d in b.column_dimensions.items()}
        assert {k: d.height for k, d in a.row_dimensions.items()} == {k: d.height for k, d in b.row_dimensions.items()}
        assert a.oddHeader.center.text == b.oddHeader.center.text
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
            for x, y in zip(row_a, row_b):
                assert (x.font.b, x.font.color and x.font.color.rgb, x.fill.fgColor.rgb, x.number_format,
                        x.alignment.wrap_text) == \
                       (y.font.b, y.font.color and y.font.color.rgb, y.fill.fgColor.rgb, y.number_format,
                        y.alignment.wrap_text), x.coordinate


def test_a_refused_template_gives_the_openpyxl_copy(con, tmp_path, tpl, monkeypatch):
    path = fill(tpl, tmp_path / "f.xlsx", {2: {VALUE: "一百", STATUS: "好"}, 5: {VALUE: -3},
                                           7: {VALUE: 1, PROGRESS: "x" * 2001}})
    result = refused(con, path)
    fast, slow = both_ways(path, result, tmp_path, monkeypatch)
    same_workbooks(fast, slow)
    ws = fast[DATA_SHEET]
    column = len(HEADERS) + 1
    assert ws.cell(row=1, column=column).value == ERROR_HEADER
    assert ws.cell(row=1, column=column).font.b and ws.cell(row=1, column=column).font.color.rgb == "00C00000"
    assert [n for n in range(2, ws.max_row + 1) if ws.cell(row=n, column=column).value] == [2, 5, 7]
    assert ws.cell(row=5, column=column).value.startswith("“累计完成值”列：数值-3不能为负数")
    assert ws.cell(row=5, column=column).fill.fgColor.rgb == "00F8CBAD"
    assert ws.column_dimensions["O"].width == 30
    assert not ws.protection.sheet and fast[META_SHEET].sheet_state == "hidden"


def test_the_copy_prints_its_messages_and_long_texts_whole_and_says_it_was_sent_back(con, tmp_path, tpl, monkeypatch):
    """The messages wrap in their column, a row is as tall as its texts need (the 进展情况 the unit typed,
    which the template's row height was not made for), and every printed page says the file was sent back."""
    typed = "本月完成充电桩建设五十个，累计完成三百个，其余点位正在办理用地手续，预计下月开工。" * 3
    path = fill(tpl, tmp_path / "f.xlsx", {2: {VALUE: "一百", PROGRESS: typed}, 5: {VALUE: -3}})
    result = refused(con, path)
    fast, slow = both_ways(path, result, tmp_path, monkeypatch)
    same_workbooks(fast, slow)
    ws = fast[DATA_SHEET]
    column = len(HEADERS) + 1
    assert ws.cell(row=2, column=column).alignment.wrap_text and ws.cell(row=1, column=column).alignment.wrap_text
    widths = [ws.column_dimensions[error_copy.column_letters(c).decode()].width for c in range(1, column + 1)]
    needed = row_height([ws.cell(row=2, column=c).value for c in range(1, column + 1)], widths)
    assert ws.row_dimensions[2].height == needed > 8 * 11   # 进展情况, 24 wide: 9 lines
    assert ws.oddHeader.center.text == f"市发改委 2024-03 目标任务进展填报（退回，共{len(result.problems)}处错误，见“错误说明”列）"
    assert printed_size(ws, 2) >= 7


def test_text_that_xml_cannot_hold_or_that_looks_like_a_formula(con, tmp_path, tpl):
    """Control characters are dropped (openpyxl would refuse the cell); text that would start a formula
    is neutralised as every export does."""
    path = fill(tpl, tmp_path / "f.xlsx", {3: {VALUE: "一百"}})
    result = refused(con, path)
    problems = [Problem(DATA_SHEET, 3, VALUE, 'x <&> "y"\x01\x1f end'), Problem(DATA_SHEET, 4, None, "=1+1")]
    ws = load_workbook(write_error_copy(path, result.sheet, problems, tmp_path / "e.xlsx"))[DATA_SHEET]
    column = len(HEADERS) + 1
    assert ws.cell(row=3, column=column).value == '“累计完成值”列：x <&> "y" end'
    assert ws.cell(row=4, column=column).value == "'=1+1"


def test_rows_the_copy_does_not_know_how_to_edit_go_the_slow_way(con, tmp_path, tpl):
    path = fill(tpl, tmp_path / "f.xlsx", {2: {VALUE: "一百"}})
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    for edited in (sheet.replace(b"<row ", b"<x:row ").replace(b"</row>", b"</x:row>"),   # a namespace prefix
                   sheet.replace(b'<c r="A2"', b"<c", 1),                              # a cell without its place
                   sheet.replace(b'<row r="2"', b'<row x="1" r="2"', 1)):              # r not first: row 2 not found
        assert error_copy._with_column(edited, 1, len(HEADERS), {2: "问题"}, ERROR_HEADER, 6, 7) is None
    assert error_copy._with_column(sheet, 1, len(HEADERS), {99: "问题"}, ERROR_HEADER, 6, 7) is None   # no row 99
    assert error_copy._with_styles(b"<styleSheet><fonts><font/></fonts></styleSheet>") is None


def test_an_empty_row_element_and_spans(con, tmp_path, tpl):
    sheet = (b'<worksheet><dimension ref="A1:B3"/><sheetData><row r="1" spans="1:2"><c r="A1"/><c r="B1"/></row>'
             b'<row r="2"/><row r="3" spans="1:2"><c r="A3"/></row></sheetData></worksheet>')
    edited = error_copy._with_column(sheet, 1, 2, {2: "a<b", 3: "c"}, "错误说明", 5, 6)
    assert edited == (
        b'<worksheet><dimension ref="A1:C3"/><cols><col min="3" max="3" width="30" customWidth="1"/></cols>'
        b'<sheetData><row r="1"><c r="A1"/><c r="B1"/>'
        b'<c r="C1" s="5" t="inlineStr"><is><t xml:space="preserve">\xe9\x94\x99\xe8\xaf\xaf\xe8\xaf\xb4\xe6\x98\x8e</t></is></c></row>'
        b'<row r="2"><c r="C2" s="6" t="inlineStr"><is><t xml:space="preserve">a&lt;b</t></is></c></row>'
        b'<row r="3"><c r="A3"/><c r="C3" s="6" t="inlineStr"><is><t xml:space="preserve">c</t></is></c></row>'
        b"</sheetData></worksheet>")


def test_column_letters():
    assert [error_copy.column_letters(n) for n in (1, 14, 15, 26, 27, 52, 703)] == \
           [b"A", b"N", b"O", b"Z", b"AA", b"AZ", b"AAA"]
    assert all(column_number(error_copy.column_letters(n)) == n for n in range(1, 2000))
