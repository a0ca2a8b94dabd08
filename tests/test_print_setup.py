"""Widths of text in spreadsheet character units (row heights of printed lists depend on them)."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.print_setup import text_width


def _by_definition(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("text, width", [
    ("", 0), ("abc", 3), ("衢州市", 6), ("新增公共充电桩500个", 19), ("（一）", 6), ("Ａ", 2), ("—", 1),
    ("第一行\n2", 8),
])
def test_exact_widths(text, width):
    assert text_width(text) == width


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=40))
def test_equals_the_definition(text):
    assert text_width(text) == _by_definition(text)


# ---------------------------------------------------------------------------- wrapped lines and row heights
# Measured in LibreOffice with Carlito (Calibri's metrics) and a Chinese font, as Windows shows them: 80
# Chinese characters of 11-point text take 6 lines in a column 32 wide, 10 in one 18 wide, 20 in one 10 wide;
# a line is about 1.45 times the font size. The estimate may give a line more, never one less.

from tracker.print_setup import (MAX_ROW_POINTS, MIN_PRINTED_POINTS, print_scale, printed_size, row_height,  # noqa: E402
                                 text_lines)


@pytest.mark.parametrize("width, measured", [(32, 6), (18, 10), (10, 20)])
def test_chinese_text_wraps_into_at_least_the_lines_measured(width, measured):
    lines = text_lines("推进" * 40, width)
    assert measured <= lines <= measured * 1.25


def test_a_long_progress_text_gets_all_its_lines():
    """The 176-character 进展情况 the print audit found cut: it needs 8 lines of ~22 characters in a column
    32 wide, where the old estimate (at most 6 lines, 2 units a character) gave it 5."""
    text = "已完成年度目标任务的百分之七十，其中新建公共充电桩三百五十个，" * 5 + "下步加快推进剩余点位建设，确保年底前完成。"
    assert len(text) == 176
    assert text_lines(text, 32) >= 8
    assert row_height([text], [32]) >= 8 * 1.45 * 11


@pytest.mark.parametrize("values, expected", [
    (["短"], 17.5), (["一二三四五六七八九十一二三四五六七八九十"], 75.5), ([None, 3, "a\nb"], 32.0),
    (["很" * 200], MAX_ROW_POINTS),
])
def test_row_height_of_10_point_text_grows_with_its_lines(values, expected):
    assert row_height(values, [10, 10, 10], 10) == expected


# ---------------------------------------------------------------------------- printed size


def test_print_scale_of_a4_landscape():
    # 847.5 points of columns on 798.7 between 0.3" margins: 94 %; narrow columns print at 100 %
    assert print_scale([100, 60]) == 0.94 and print_scale([10]) == 1.0
    assert print_scale([100], landscape=False) == 1.0 and print_scale([110], landscape=False) == 0.94


@pytest.fixture(scope="module")
def exported(built_demo_db, tmp_path_factory) -> dict:
    """Every list an office prints, made from the demo database: sheet name → (workbook path, first body row)."""
    from datetime import date, datetime

    import duckdb

    from loaders.progress_template import make_template
    from loaders.progress_upload import upload_file
    from loaders.sheet_reader import error_copy_path, write_error_copy
    from tracker import briefing, supervision as sv, supervision_export as sx
    from tracker.progress_summary import export_summary
    from tracker.register_export import export_register
    from tests.progress_files import fill

    out = tmp_path_factory.mktemp("printed")
    db = out / "demo.duckdb"
    db.write_bytes(built_demo_db.read_bytes())
    con = duckdb.connect(str(db))
    try:
        export_summary(con, "2024-09", out / "汇总表.xlsx")
        export_register(con, out / "指标台账.xlsx")
        as_of = date(2024, 9, 30)
        sx.write_xlsx(sv.supervision_items(con, as_of), sv.unreported_units(con, as_of), out / "督查清单.xlsx",
                      as_of, "全部")
        briefing.write_xlsx(briefing.briefing(con, as_of), out / "月度通报.xlsx")
        template = out / "市商务局.xlsx"
        make_template(con, "市商务局", "2024-10", template, now=datetime(2024, 10, 1, 9, 0))
        bad = fill(template, out / "bad.xlsx", {2: {"累计完成值": "一百"}, 3: {"状态": "好"}})
        result = upload_file(con, bad, "市商务局", "tester", now=datetime(2024, 11, 5, 10, 0))
        assert result.outcome == "rejected"
        copy = write_error_copy(bad, result.sheet, result.problems, error_copy_path(bad))
    finally:
        con.close()
    return {"汇总表": (out / "汇总表.xlsx", 2), "目标清单": (out / "指标台账.xlsx", 2),
            "督查清单": (out / "督查清单.xlsx", 4), "未报送单位": (out / "督查清单.xlsx", 4),
            "通报": (out / "月度通报.xlsx", 2), "填报": (template, 2), "填报说明": (template, 1),
            "错误说明": (copy, 2)}


@pytest.mark.parametrize("sheet", ["汇总表", "目标清单", "督查清单", "未报送单位", "通报", "填报", "填报说明", "错误说明"])
def test_every_list_prints_its_text_at_7_points_or_more(exported, sheet):
    """Fitted to the width of A4, the smallest body text of each printed list comes out at 7 points or
    more (the print audit found 4.7 points on the 汇总表, 5.1 on the 目标清单, 6.0 on the 督查清单)."""
    from openpyxl import load_workbook

    path, first_row = exported[sheet]
    wb = load_workbook(path)
    ws = wb["填报"] if sheet == "错误说明" else wb[sheet]
    assert printed_size(ws, first_row) >= MIN_PRINTED_POINTS
