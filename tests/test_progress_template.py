"""Which rows a unit reports, and the xlsx template written for it."""
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from loaders.__main__ import main as loaders_main
from loaders.progress_template import (
    COLUMNS, DATA_SHEET, EDITABLE, HEADERS, HELP_SHEET, HELP_WIDTH, META_SHEET, REPORTED_STATUSES, TEMPLATE_VERSION,
    make_template, value_range,
)
from tracker.print_setup import print_scale, row_height
from tracker.reporting import UnknownUnit, all_rows, parse_row_id, resolve_unit, row_id, unit_names, unit_rows

PERIOD = "2024-03"


def lead_targets(con, unit: str) -> list[int]:
    return [r[0] for r in con.execute(
        """SELECT DISTINCT t.target_id FROM targets t JOIN assignments a USING (item_id)
           JOIN organisations o USING (org_id) WHERE o.name = ? AND a.role = 'lead' ORDER BY 1""", [unit]).fetchall()]


def listed_targets(con, unit: str) -> list[int]:
    return [r[0] for r in con.execute(
        """SELECT DISTINCT t.target_id FROM targets t JOIN assignments a USING (item_id)
           JOIN organisations o USING (org_id) WHERE o.name = ? ORDER BY 1""", [unit]).fetchall()]


def allocation_codes(con, target_id: int) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT jurisdiction_code FROM target_allocations WHERE target_id = ? ORDER BY 1", [target_id]).fetchall()]


def own_allocation_codes(con, target_id: int) -> list[str]:
    """The allocated places a lead department reports itself: those without a county government or
    管委会 of their own (市本级), a count allocated 0 being nothing to report."""
    return [r[0] for r in con.execute(
        """SELECT al.jurisdiction_code FROM target_allocations al JOIN targets t USING (target_id)
           WHERE al.target_id = ? AND NOT (al.value = 0 AND t.kind = 'count')
             AND al.jurisdiction_code NOT IN (SELECT jurisdiction_code FROM organisations
                                              WHERE kind IN ('county_government', 'zone_committee')
                                                AND jurisdiction_code IS NOT NULL)
           ORDER BY 1""", [target_id]).fetchall()]


def expected_department_rows(con, unit: str) -> set[str]:
    """Independently of tracker.reporting: a whole-city row per unallocated lead target, and of an
    allocated one the rows of the places no local unit reports."""
    return {f"T{t}-{code}" for t in lead_targets(con, unit)
            for code in (own_allocation_codes(con, t) if allocation_codes(con, t) else ["330800"])}


def allocate(con, target_id: int, shares: dict[str, float]) -> None:
    for code, value in shares.items():
        con.execute("INSERT INTO target_allocations (target_id, jurisdiction_code, value) VALUES (?, ?, ?)",
                    [target_id, code, value])


# ---------------------------------------------------------------- which rows


def test_a_department_reports_whole_city_rows_of_the_targets_it_leads(con):
    expected = expected_department_rows(con, "市发改委")
    rows = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)
    assert len(expected) > 20  # the shipped plan gives 市发改委 many targets
    assert sorted(r.row_id for r in rows) == sorted(expected)
    assert len(rows) == len(expected)
    whole_city = [r for r in rows if not allocation_codes(con, r.target_id)]
    assert whole_city and {r.jurisdiction_name for r in whole_city} == {"衢州市"}


def test_cooperating_departments_report_nothing_for_items_they_only_support(con):
    only_cooperating = set(listed_targets(con, "市财政局")) - set(lead_targets(con, "市财政局"))
    rows = {r.target_id for r in unit_rows(con, resolve_unit(con, "市财政局"), PERIOD)}
    assert only_cooperating and not rows & only_cooperating


def test_a_county_government_reports_its_own_row_of_items_it_is_listed_on(con):
    listed = {f"T{t}-330881" for t in listed_targets(con, "江山市政府") if not allocation_codes(con, t)}
    allocated = {f"T{r[0]}-330881" for r in con.execute(   # a count allocated 0 is nothing to report
        """SELECT target_id FROM target_allocations JOIN targets USING (target_id)
           WHERE jurisdiction_code = '330881' AND NOT (target_allocations.value = 0 AND kind = 'count')""").fetchall()}
    rows = unit_rows(con, resolve_unit(con, "江山市政府"), PERIOD)
    assert listed
    assert sorted(r.row_id for r in rows) == sorted(listed | allocated)
    assert {r.jurisdiction_name for r in rows} == {"江山市"}


def test_an_allocated_target_is_split_by_jurisdiction(con):
    target = next(t for t in lead_targets(con, "市发改委") if not allocation_codes(con, t))
    allocate(con, target, {"330802": 100.0, "330881": 200.0, "330800-0": 50.0})
    ndrc = [(r.row_id, r.jurisdiction_name, r.target_value) for r in
            unit_rows(con, resolve_unit(con, "市发改委"), PERIOD) if r.target_id == target]
    # one reporter per row: the department reports 市本级, each county government its own share
    assert ndrc == [(f"T{target}-330800-0", "市本级", 50.0)]
    kecheng = [(r.row_id, r.target_value) for r in unit_rows(con, resolve_unit(con, "柯城区政府"), PERIOD)
               if r.target_id == target]
    assert kecheng == [(f"T{target}-330802", 100.0)]
    assert [r for r in unit_rows(con, resolve_unit(con, "开化县政府"), PERIOD) if r.target_id == target] == []
    summary = [(r.row_id, r.units) for r in all_rows(con, PERIOD) if r.target_id == target]
    assert summary == [(f"T{target}-330800-0", "市发改委"), (f"T{target}-330802", "柯城区政府"),
                       (f"T{target}-330881", "江山市政府")]


def test_every_target_has_at_least_one_summary_row(con):
    targets = {r[0] for r in con.execute("SELECT target_id FROM targets").fetchall()}
    assert {r.target_id for r in all_rows(con, PERIOD)} == targets


def test_rows_appear_from_the_month_their_plan_starts(con):
    unit = resolve_unit(con, "市发改委")
    assert unit_rows(con, unit, "2023-12") == []
    assert len(unit_rows(con, unit, "2024-01")) == len(expected_department_rows(con, "市发改委"))


@pytest.mark.parametrize("text, expected", [
    ("T12-330800", (12, "330800")), ("T7-330800-ZZ", (7, "330800-ZZ")), ("12-330800", None),
    ("T-330800", None), ("T12", None), ("T１２-330800", None), ("", None),
])
def test_row_ids_round_trip(text, expected):
    assert parse_row_id(text) == expected
    if expected:
        assert row_id(*expected) == text


def test_unknown_unit_names_the_close_valid_choice(con):
    with pytest.raises(UnknownUnit) as err:
        resolve_unit(con, "市发改局")
    assert str(err.value) == "未知单位“市发改局”，是否为“市发改委”？"   # close to its alias 市发展改革委 too: named once
    with pytest.raises(UnknownUnit) as err:
        resolve_unit(con, "市文化旅游局")   # its three closest spellings are one unit's names
    assert str(err.value) == "未知单位“市文化旅游局”，是否为“市文旅局”？"


def test_unit_names_are_the_units_not_their_aliases(con):
    names = unit_names(con)
    assert len(names) == len(set(names)) == con.execute("SELECT count(*) FROM organisations").fetchone()[0]
    assert "市发改委" in names and "市发展和改革委员会" not in names and "衢职院" not in names


def test_unknown_unit_without_a_close_match_lists_some_valid_ones(con):
    with pytest.raises(UnknownUnit) as err:
        resolve_unit(con, "火星办")
    assert str(err.value).startswith("未知单位“火星办”。可选单位如：")


def test_an_alias_resolves_to_its_organisation(con):
    assert resolve_unit(con, "衢职院").name == "衢州职业技术学院"


@pytest.mark.parametrize("kind, unit, expected", [
    ("count", "个", (0.0, 1e12)), ("rate", "%", (-100.0, 1e12)), ("rate", "分/千瓦时", (-1e12, 1e12)),
    ("limit", "%", (0.0, 1e12)), ("milestone", "", (0.0, 1e12)),
])
def test_value_ranges(kind, unit, expected):
    assert value_range(kind, unit) == expected


# ---------------------------------------------------------------- the xlsx


@pytest.fixture
def template_file(con, tmp_path):
    out = tmp_path / "市发改委.xlsx"
    n = make_template(con, "市发改委", PERIOD, out, now=datetime(2024, 4, 1, 8, 0, 5, 123))
    return out, n


def test_template_holds_exactly_the_units_rows(con, template_file):
    out, n = template_file
    rows = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)
    ws = load_workbook(out)[DATA_SHEET]
    assert n == len(rows) == ws.max_row - 1
    assert [c.value for c in ws[1]] == list(HEADERS)
    first = rows[0]
    assert [c.value for c in ws[2]] == [
        first.row_id, "衢政发〔2024〕7号", f"{first.item_label}{first.item_title}", first.indicator, first.raw,
        "衢州市", first.target_value, first.unit, datetime.combine(first.due_date, datetime.min.time()),
        None, None, None, None, None]
    assert [ws.cell(row=r, column=1).value for r in range(2, n + 2)] == [r.row_id for r in rows]


def test_template_locks_identity_columns_and_unlocks_the_rest(template_file):
    ws = load_workbook(template_file[0])[DATA_SHEET]
    assert ws.protection.sheet is True
    for col, header in enumerate(HEADERS, start=1):
        assert ws.cell(row=2, column=col).protection.locked is (header not in EDITABLE), header
    assert ws.cell(row=1, column=1).protection.locked is True


def test_template_validations(template_file):
    out, n = template_file
    ws = load_workbook(out)[DATA_SHEET]
    validations = ws.data_validations.dataValidation
    lists = [v for v in validations if v.type == "list"]
    assert [(v.formula1, str(v.sqref)) for v in lists] == [('"已完成,正常,滞后,严重滞后"', f"K2:K{n + 1}")]
    assert REPORTED_STATUSES == ("已完成", "正常", "滞后", "严重滞后")
    decimals = {(v.formula1, v.formula2) for v in validations if v.type == "decimal"}
    assert ("0", "1000000000000") in decimals and ("-100", "1000000000000") in decimals
    covered = sorted(cell for v in validations if v.type == "decimal" for rng in v.sqref.ranges
                     for cell in rng.cells)
    assert covered == sorted((r, 10) for r in range(2, n + 2))   # every 累计完成值 cell (column J), once


def test_template_layout_and_print_setup(template_file):
    ws = load_workbook(template_file[0])[DATA_SHEET]
    assert ws.freeze_panes == "B2"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.column_dimensions["A"].width == 12 and ws.column_dimensions["L"].width == 24
    assert ws.row_dimensions[2].height == row_height(row_cells_of(ws, 2), [c.width for c in COLUMNS])
    assert ws.row_dimensions[2].height > 1.45 * 11 + 3   # its long texts wrap
    assert {(c.font.name, c.font.sz) for row in ws.iter_rows() for c in row} == {("Calibri", 11)}
    assert (ws.page_margins.left, ws.page_margins.right) == (0.3, 0.3)


def row_cells_of(ws, r: int) -> list:
    return [c.value for c in ws[r]]


def test_template_instructions_print_wrapped_on_a4_portrait(template_file):
    """The 填报说明 printed as it came: portrait, one 120-wide column fitted to the width, no wrap, so its
    lines ran off the right edge and a fragment spilled onto a page of its own."""
    ws = load_workbook(template_file[0])[HELP_SHEET]
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("portrait", 9)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True and ws.page_setup.fitToWidth == 1
    assert ws.column_dimensions["A"].width == HELP_WIDTH and print_scale([HELP_WIDTH], landscape=False) == 1.0
    for row in ws.iter_rows(min_row=2):
        cell = row[0]
        if cell.value:
            assert cell.alignment.wrap_text and cell.font.name == "Calibri"
            assert ws.row_dimensions[cell.row].height == row_height([cell.value], [HELP_WIDTH])
    assert max(ws.row_dimensions[r].height for r in range(2, ws.max_row + 1)) > 2 * 1.45 * 11   # a line wraps


def test_template_instructions_and_hidden_metadata(con, template_file):
    out, n = template_file
    wb = load_workbook(out)
    assert wb.sheetnames == [DATA_SHEET, HELP_SHEET, META_SHEET]
    assert wb[HELP_SHEET]["A1"].value == "市发改委 · 2024-03 目标任务进展填报说明"
    meta = wb[META_SHEET]
    assert meta.sheet_state == "hidden"
    assert [(r[0].value, r[1].value) for r in meta.iter_rows(min_row=1, max_row=6)] == [
        ("模板版本", TEMPLATE_VERSION), ("填报单位", "市发改委"), ("城市代码", "330800"), ("报送期", "2024-03"),
        ("生成时间", "2024-04-01 08:00:05"), ("行数", n)]
    ids = [c.value for c in meta["A"][7:]]
    assert ids == ["填报编号"] + [r.row_id for r in unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)]


def test_template_refusals(con, tmp_path):
    with pytest.raises(UnknownUnit, match="是否为“市发改委”"):
        make_template(con, "市发改局", PERIOD, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="没有需要报送的指标"):
        make_template(con, "衢州海关", PERIOD, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="YYYY-MM"):
        make_template(con, "市发改委", "2024-3", tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_template(plain_db, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert loaders_main(["template", "--db", str(plain_db), "--unit", "江山市政府", "--period", "2024-05",
                         "--out", str(out)]) == 0
    n = load_workbook(out)[DATA_SHEET].max_row - 1
    assert capsys.readouterr().out == f"已生成 江山市政府 2024-05 填报模板：{n} 行 → {out}\n"
    assert loaders_main(["template", "--db", str(plain_db), "--unit", "市发改局", "--period", "2024-05",
                         "--out", str(out)]) == 2
    assert capsys.readouterr().err == "错误：未知单位“市发改局”，是否为“市发改委”？\n"


def test_due_dates_are_dates(con):
    assert all(isinstance(r.due_date, date) for r in all_rows(con, PERIOD))
