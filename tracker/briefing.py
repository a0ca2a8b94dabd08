"""月度通报: the one-click monthly briefing for an as-of date, as .xlsx and .docx.

Contents (all from the same queries as the pages): counts by status (whole-city rows, as on
总览), the department ranking (:func:`tracker.progress_queries.group_summary` by lead unit),
the county ranking (the jurisdictions' rows), the overdue list
(:func:`tracker.supervision.supervision_items`, category 逾期) and the units that have not
reported (:func:`tracker.supervision.unreported_units`), plus this month's 销号 and 二次交办.

* xlsx — sheet 通报 (summary text, status table, native Excel charts that WPS, Excel and
  LibreOffice draw themselves), then one sheet per table, printable like the 督查清单.
* docx — a Word document with the same sections as tables; the charts as PNG images drawn
  with Pillow when a Chinese font is installed (:func:`chart_font`), else left out with a note
  pointing to the xlsx.
"""
from __future__ import annotations

import io
import math
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import DataPoint
from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break

from tracker import actions as sv_actions
from tracker import progress_queries as pq
from tracker import supervision as sv
from tracker import supervision_export as sx
from tracker.filters import NO_FILTERS, Filters
from tracker.formatting import day_label, percent
from tracker.page_data import with_ungrouped_ranking
from tracker.safe_cells import set_text
from tracker.settings import StatusSettings
from tracker.status import STATUS_COLORS, STATUSES
from tracker.print_setup import cell_font, fit_a4, row_height, text_width

TITLE = "政策目标任务推进情况月度通报"


@dataclass(frozen=True)
class Briefing:
    as_of: date
    city: str                        # the plans' city ('' when several or none)
    filters_text: str
    counts: dict[str, int]           # 指标 + one per status (+ 无法研判)
    item_counts: dict[str, int]      # 逾期, 严重滞后, 滞后, 二次交办
    departments: pd.DataFrame        # group_summary by lead_unit
    counties: pd.DataFrame           # group_summary by jurisdiction_name
    overdue: pd.DataFrame            # supervision items of category 逾期
    units: pd.DataFrame              # units not (fully) reported
    actions: dict[str, int]          # close_out / send_back / undo dated this month, in force
    demo: bool

    @property
    def month_label(self) -> str:
        return f"{self.as_of.year}年{self.as_of.month}月"

    @property
    def title(self) -> str:
        return f"{self.city}{TITLE}（{self.month_label}）"


def briefing(con: duckdb.DuckDBPyConnection, as_of: date, filters: Filters = NO_FILTERS,
             settings: StatusSettings = StatusSettings()) -> Briefing:
    """Gather the month's figures (``as_of``: the day the briefing speaks for)."""
    period = f"{as_of:%Y-%m}"
    status = pq.target_status(con, period, filters, settings, as_of_day=as_of)
    places = pq.target_status(con, period, filters, settings, level=pq.JURISDICTION, as_of_day=as_of)
    items = sv.supervision_items(con, as_of, filters, settings)
    cities = [r[0] for r in con.execute(
        """SELECT DISTINCT j.name FROM documents d JOIN jurisdictions j ON j.code = d.city_code
           WHERE EXISTS (SELECT 1 FROM items i JOIN targets t USING (item_id) WHERE i.doc_id = d.doc_id)""").fetchall()]
    return Briefing(
        as_of=as_of,
        city=cities[0] if len(cities) == 1 else "",
        filters_text=sv.describe_filters(con, filters),
        counts=pq.status_counts(status),
        item_counts=sv.item_counts(items),
        departments=_ranking(status, "lead_unit"),
        counties=pq.group_summary(places, "jurisdiction_name"),
        overdue=items[items["category"] == sv.OVERDUE].reset_index(drop=True),
        units=sv.unreported_units(con, as_of, filters, settings),
        actions=sv_actions.actions_between(con, as_of.replace(day=1), as_of),
        demo=pq.has_demo(status) or pq.has_demo(places),
    )


def _ranking(status: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`tracker.progress_queries.group_summary` with the targets that have no ``by`` (a plan that names
    no lead unit) as one last, unranked group, as on the pages: the table adds up to the opening figures."""
    return with_ungrouped_ranking(pq.group_summary(status, by), status[status[by].fillna("") == ""], by)


def summary_text(b: Briefing) -> str:
    """The opening paragraph, every figure from the briefing."""
    n = b.counts["指标"]
    parts = "、".join(f"{s}{b.counts.get(s, 0)}项" for s in STATUSES)
    units_not = int((b.units["state"] == sv.NOT_REPORTED).sum())
    units_part = int((b.units["state"] == sv.PARTLY_REPORTED).sum())
    text = (f"截至{b.as_of.year}年{b.as_of.month}月{b.as_of.day}日，纳入跟踪的指标共{n}项，其中{parts}；"
            f"已完成和正常推进的占{percent((b.counts.get('已完成', 0) + b.counts.get('正常', 0)) / n if n else None)}。"
            # the 督查清单's categories: each item counted once, in the first that applies (so its 严重滞后
            # leaves out the overdue ones the status count above includes); sent-back items cut across them
            f"督查清单中逾期未完成{b.item_counts[sv.OVERDUE]}项，严重滞后（未逾期）{b.item_counts[sv.FAR_BEHIND]}项，"
            f"滞后{b.item_counts[sv.BEHIND]}项；已二次交办未销号{b.item_counts[sv.SENT_BACK]}项（含以上各类中的）。"
            f"本期{units_not}个单位未报送、{units_part}个单位部分报送。"
            f"本月销号{b.actions[sv_actions.CLOSE_OUT]}项，二次交办{b.actions[sv_actions.SEND_BACK]}项。")
    if b.demo:
        text += "（注：本通报所用报送进度含演示数据，不是真实报送。）"
    return text


def _matter(item: str, indicator: str) -> str:
    """"条目：指标", or the item alone where the indicator only repeats its title."""
    return item if not indicator or item.endswith(indicator) else f"{item}：{indicator}"


def file_name(as_of: date, suffix: str, scope: str = "") -> str:
    """``月度通报_2024-09.xlsx``; with the filters' :func:`tracker.supervision.file_scope`
    ``月度通报_柯城区_2024-09.xlsx``."""
    return f"月度通报_{scope + '_' if scope else ''}{as_of:%Y-%m}{suffix}"


# ---------------------------------------------------------------------------- tables

RANK_COLUMNS = (("排名", 6), ("{by}", 24), ("指标", 7), *((s, 8) for s in STATUSES), ("正常率", 9),
                ("平均完成进度", 11), ("平均时序进度", 11))
_RANK_PERCENT = ("正常率", "平均完成进度", "平均时序进度")
OVERDUE_COLUMNS = tuple((h, w) for h, w in sx.ITEM_COLUMNS if h in (
    "序号", "研判状态", "条目", "指标", "县（市、区）", "截止日期", "逾期天数", "牵头单位", "牵头市领导", "研判说明",
    "进展情况", "存在问题", "督查记录"))


def _rank_columns(label: str):
    return tuple((label if h == "{by}" else h, w) for h, w in RANK_COLUMNS)


def ranking_rows(ranking: pd.DataFrame, by: str, label: str) -> list[dict]:
    rows = []
    for r in ranking.to_dict("records"):
        row = {"排名": "" if pd.isna(r["rank"]) else int(r["rank"]), label: r[by], "指标": int(r["指标"])}
        row.update({s: int(r[s]) for s in STATUSES})
        row.update({h: (None if pd.isna(r[h]) else float(r[h])) for h in _RANK_PERCENT})
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- xlsx


def write_xlsx(b: Briefing, out, now: datetime | None = None) -> None:
    """The briefing workbook (``out``: a path or a binary stream)."""
    now = now or datetime.now()
    subtitle = f"截至{day_label(b.as_of)}　范围：{b.filters_text}　生成时间：{now:%Y-%m-%d %H:%M}"
    wb = Workbook()
    front = wb.active
    front.title = "通报"
    dept = wb.create_sheet("部门排名")
    county = wb.create_sheet("县市区排名")
    dept_rows = ranking_rows(b.departments, "lead_unit", "牵头单位")
    county_rows = ranking_rows(b.counties, "jurisdiction_name", "县（市、区）")
    for ws, rows, label, title in ((dept, dept_rows, "牵头单位", "各牵头单位推进情况排名"),
                                   (county, county_rows, "县（市、区）", "各县（市、区）推进情况排名")):
        sx.write_table(ws, f"{title}（{b.month_label}）", subtitle, _rank_columns(label), rows)
        for r in range(sx.FIRST_DATA_ROW, sx.FIRST_DATA_ROW + len(rows)):
            for c in range(len(RANK_COLUMNS) - 2, len(RANK_COLUMNS) + 1):
                ws.cell(row=r, column=c).number_format = "0.0%"
    overdue = wb.create_sheet("逾期清单")
    sx.write_table(overdue, f"逾期未完成事项清单（截至{day_label(b.as_of)}）", subtitle, OVERDUE_COLUMNS,
                   [{h: row[h] for h, _ in OVERDUE_COLUMNS} for row in sx.item_rows(b.overdue)],
                   fills={"研判状态": STATUS_COLORS})
    units = wb.create_sheet("未报送单位")
    sx.write_table(units, f"未报送单位（{b.month_label}）", subtitle, sx.UNIT_COLUMNS, sx.unit_rows(b.units),
                   fills={"报送情况": {sv.NOT_REPORTED: STATUS_COLORS["未报送"], sv.PARTLY_REPORTED: STATUS_COLORS["滞后"]}})
    _front_sheet(front, b, subtitle, dept, len(dept_rows), county, len(county_rows))
    wb.save(out)


#: Widths of the 通报 sheet's columns A–J (about 20 cm: A4 portrait between narrow margins).
FRONT_WIDTHS = (12, 10, 10, 10, 10, 10, 10, 10, 10, 10)


def _front_sheet(ws, b: Briefing, subtitle: str, dept, n_dept: int, county, n_county: int) -> None:
    # ten columns as wide as A4 portrait prints at about 96 %; the charts stay inside them
    widths = FRONT_WIDTHS
    for col, width in zip("ABCDEFGHIJ", widths):
        ws.column_dimensions[col].width = width
    whole = sum(widths) + len(widths) - 1   # a merged row: its columns and the gaps between them
    set_text(ws["A1"], b.title)
    ws["A1"].font = cell_font(16, bold=True)
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells("A1:J1")
    ws.row_dimensions[1].height = max(28, row_height([b.title], [whole], 16))
    set_text(ws["A2"], subtitle)
    ws["A2"].font = cell_font(color="595959")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:J2")
    ws.row_dimensions[2].height = row_height([subtitle], [whole])
    set_text(ws["A3"], summary_text(b))
    ws["A3"].font = cell_font()
    ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A3:J3")
    ws.row_dimensions[3].height = row_height([summary_text(b)], [whole])
    set_text(ws["A5"], "一、总体情况")
    ws["A5"].font = cell_font(12, bold=True)
    for c, header in enumerate(("状态", "指标数", "占比"), start=1):
        cell = ws.cell(row=6, column=c)
        set_text(cell, header)
        cell.font = cell_font(bold=True)
    total = b.counts["指标"]
    statuses = [s for s in b.counts if s != "指标"]
    for r, s in enumerate(statuses, start=7):
        set_text(ws.cell(row=r, column=1), s)
        ws.cell(row=r, column=2).value = b.counts[s]
        ws.cell(row=r, column=3).value = b.counts[s] / total if total else None
        ws.cell(row=r, column=3).number_format = "0.0%"
    last = 6 + len(statuses)
    set_text(ws.cell(row=last + 1, column=1), "合计")
    ws.cell(row=last + 1, column=2).value = total
    for row in ws.iter_rows(min_row=7, max_row=last + 1, max_col=3):
        for cell in row:
            cell.font = cell_font()
    ws.add_chart(_status_chart(ws, 7, last, statuses), "E5")
    set_text(ws["A22"], "二、各县（市、区）推进情况（详见“县市区排名”）")
    ws["A22"].font = cell_font(12, bold=True)
    if n_county:
        ws.add_chart(_mix_chart(county, n_county, "各县（市、区）指标状态", "县（市、区）"), "A23")
    row = 23 + (_mix_height(n_county) if n_county else 1)
    ws.row_breaks.append(Break(id=row - 1))   # the department chart starts a page
    set_text(ws.cell(row=row, column=1), "三、各牵头单位推进情况（详见“部门排名”）")
    ws.cell(row=row, column=1).font = cell_font(12, bold=True)
    if n_dept:
        ws.add_chart(_mix_chart(dept, n_dept, "各牵头单位指标状态（按排名）", "牵头单位"), f"A{row + 1}")
    fit_a4(ws, landscape=False, title_rows=None, footer=None)


def _status_chart(ws, first: int, last: int, statuses: list[str]) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = "指标状态分布"
    chart.legend = None
    chart.y_axis.title = "指标数"
    chart.y_axis.majorGridlines = None
    chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    series = chart.series[0]
    for i, s in enumerate(statuses):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = STATUS_COLORS.get(s, "#666666").lstrip("#")
        point.graphicalProperties.line.noFill = True
        series.dPt.append(point)
    series.dLbls = DataLabelList()
    series.dLbls.showVal = True
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(series.dLbls, flag, False)
    _axes_visible(chart)
    chart.width, chart.height = 11.5, 8   # from column E to inside column J (:data:`FRONT_WIDTHS`)
    return chart


_CM_PER_GROUP = 0.6


def _small_text(size: int):
    """Axis labels of ``size`` hundredths of a point, so every category label fits."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties

    props = CharacterProperties(sz=size)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _mix_height(n: int) -> int:
    """Rows (0.5 cm each) the stacked chart of ``n`` groups takes, plus a margin."""
    return int(max(9.5, 2.5 + _CM_PER_GROUP * n) / 0.5) + 2


def _mix_chart(ws, n: int, title: str, label: str) -> BarChart:
    """Horizontal stacked bars: one bar per group (ranking order, top first), one colour per status."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    first, last = sx.FIRST_DATA_ROW, sx.FIRST_DATA_ROW + n - 1
    status_cols = range(4, 4 + len(STATUSES))
    for col, s in zip(status_cols, STATUSES):
        chart.add_data(Reference(ws, min_col=col, min_row=sx.HEADER_ROW, max_row=last), titles_from_data=True)
        chart.series[-1].graphicalProperties.solidFill = STATUS_COLORS[s].lstrip("#")
        chart.series[-1].graphicalProperties.line.noFill = True
    chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"   # rank 1 at the top
    chart.x_axis.tickLblSkip = 1                  # a label on every bar
    chart.x_axis.txPr = _small_text(800)
    chart.gapWidth = 40
    chart.y_axis.title = "指标数"
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    _axes_visible(chart)
    chart.width, chart.height = 19, max(9.5, 2.5 + _CM_PER_GROUP * n)   # inside columns A–J
    return chart


def _axes_visible(chart) -> None:
    # openpyxl 3.1 writes <c:delete val="1"/> on axes unless told otherwise; Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False


# ---------------------------------------------------------------------------- docx


def write_docx(b: Briefing, out, now: datetime | None = None) -> None:
    """The briefing as a Word document (``out``: a path or a binary stream)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    now = now or datetime.now()
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = doc.styles[style_name]
        style.font.name = "宋体" if style_name == "Normal" else "黑体"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), style.font.name)
    doc.styles["Normal"].font.size = Pt(10.5)

    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = title_points(b.title, (section.page_width - section.left_margin - section.right_margin) / Pt(1))
    run = title.add_run(b.title)
    run.font.size = Pt(size)
    size_cs = OxmlElement("w:szCs")      # the style's 26-point complex-script size would stay otherwise
    size_cs.set(qn("w:val"), str(int(size * 2)))
    run._r.get_or_add_rPr().append(size_cs)
    _page_numbers(section.footer.paragraphs[0])
    meta = doc.add_paragraph(f"截至{day_label(b.as_of)}　范围：{b.filters_text}　生成时间：{now:%Y-%m-%d %H:%M}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(summary_text(b))

    doc.add_heading("一、总体情况", level=1)
    total = b.counts["指标"]
    statuses = [s for s in b.counts if s != "指标"]
    _docx_table(doc, ["状态", "指标数", "占比"],
                [[s, str(b.counts[s]), percent(b.counts[s] / total if total else None)] for s in statuses]
                + [["合计", str(total), "100.0%" if total else "—"]], widths=[4, 3, 3])
    _docx_chart(doc, status_chart_png(b.counts), Cm(15))

    doc.add_heading("二、各县（市、区）推进情况", level=1)
    _docx_ranking(doc, b.counties, "jurisdiction_name", "县（市、区）")
    if len(b.counties):
        _docx_chart(doc, mix_chart_png(b.counties, "jurisdiction_name", "各县（市、区）指标状态"), Cm(16))

    doc.add_heading("三、各牵头单位推进情况", level=1)
    _docx_ranking(doc, b.departments, "lead_unit", "牵头单位")

    doc.add_heading("四、逾期未完成事项", level=1)
    if b.overdue.empty:
        doc.add_paragraph("本期没有逾期未完成的事项。")
    else:
        rows = sx.item_rows(b.overdue)
        _docx_table(doc, ["序号", "事项", "牵头单位", "截止日期", "逾期天数", "情况说明"],
                    [[str(r["序号"]), _matter(r["条目"], r["指标"]) + ("" if r["县（市、区）"] == "衢州市" else f"（{r['县（市、区）']}）"),
                      r["牵头单位"], r["截止日期"].isoformat() if r["截止日期"] else "", str(r["逾期天数"] or ""),
                      r["研判说明"] + (f"；交办理由：{reason}" if isinstance(reason, str) else "")]
                     for r, reason in zip(rows, b.overdue["action_note"])],
                    widths=[1.2, 5.2, 2.8, 2.5, 1.5, 3.8])

    doc.add_heading("五、未报送单位", level=1)
    if b.units.empty:
        doc.add_paragraph("本期各单位均已报送。")
    else:
        _docx_table(doc, ["序号", "单位", "应报", "已报", "缺报", "情况", "缺报事项"],
                    [[str(r["序号"]), r["报送单位"], str(r["应报事项"]), str(r["已报事项"]), str(r["缺报事项数"]),
                      r["报送情况"], r["缺报事项"]] for r in sx.unit_rows(b.units)],
                    widths=[1.2, 3.2, 1.2, 1.2, 1.2, 1.8, 7.2])
    doc.save(out)


def title_points(title: str, room: float, largest: int = 20) -> int:
    """The largest whole size (points, at most ``largest``) at which ``title`` fits one line ``room`` points
    wide: a Chinese character is one point wide per point of size, a digit half of it, 5 % for spacing."""
    return max(10, min(largest, math.floor(room / (text_width(title) / 2 * 1.05))))


def _page_numbers(paragraph) -> None:
    """第 X 页，共 Y 页, centred, X and Y fields (PAGE, NUMPAGES) the word processor fills in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", "PAGE"), (" 页，共 ", "NUMPAGES"), (" 页", None)):
        paragraph.add_run(text)
        if field:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {field} ")
            run = OxmlElement("w:r")
            shown = OxmlElement("w:t")
            shown.text = "1"
            run.append(shown)
            simple.append(run)
            paragraph._p.append(simple)


def _docx_ranking(doc, ranking: pd.DataFrame, by: str, label: str) -> None:
    if ranking.empty:
        doc.add_paragraph("没有符合范围的指标。")
        return
    rows = [[str(r["排名"]), r[label], str(r["指标"]), *(str(r[s]) for s in STATUSES), percent(r["正常率"])]
            for r in ranking_rows(ranking, by, label)]
    _docx_table(doc, ["排名", label, "指标", *STATUSES, "正常率"], rows,
                widths=[1.1, 4.3, 1.3, 1.4, 1.3, 1.3, 1.6, 1.4, 1.6])


def _docx_table(doc, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(9)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "DDEBF7")
        cell._tc.get_or_add_tcPr().append(shading)
    # the header row repeats on every page
    header_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_pr.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            run = cell.paragraphs[0].add_run(str(text))
            run.font.size = Pt(9)
            color = STATUS_COLORS.get(str(text))
            if color:
                run.bold = True
                run.font.color.rgb = RGBColor.from_string(color.lstrip("#"))
    # widths on the grid (LibreOffice, WPS) and on every cell (Word)
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
    doc.add_paragraph()


def _docx_chart(doc, png: bytes | None, width) -> None:
    if png is None:
        doc.add_paragraph("（本机未安装中文字体，图表从略；图表见 Excel 版月度通报。）")
        return
    doc.add_picture(io.BytesIO(png), width=width)


# ---------------------------------------------------------------------------- chart images (Pillow)

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@lru_cache(maxsize=1)
def chart_font() -> str | None:
    """A font file that has Chinese glyphs (fontconfig's choice first), or None."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True,
                               text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    candidates = ([found] if found else []) + list(_FONT_CANDIDATES)
    for path in candidates:
        if path and Path(path).exists() and _has_chinese(path):
            return path
    return None


def _has_chinese(path: str) -> bool:
    from PIL import ImageFont

    try:
        font = ImageFont.truetype(path, 20)
    except OSError:
        return False
    return font.getbbox("通")[2] > font.getbbox("i")[2]


def status_chart_png(counts: dict[str, int]) -> bytes | None:
    """Columns of counts per status in the status colours; None without a Chinese font."""
    labels = [s for s in counts if s != "指标"]
    return _bars_png("指标状态分布", [(s, [counts[s]]) for s in labels], [""], stacked=False)


def mix_chart_png(ranking: pd.DataFrame, by: str, title: str) -> bytes | None:
    """Horizontal stacked bars of status counts per group, in ranking order."""
    groups = ranking[by].tolist()
    return _bars_png(title, [(s, ranking[s].astype(int).tolist()) for s in STATUSES], groups, stacked=True)


def _bars_png(title: str, series: list[tuple[str, list[int]]], groups: list[str], stacked: bool) -> bytes | None:
    from PIL import Image, ImageDraw, ImageFont

    path = chart_font()
    if path is None:
        return None
    font, small, big = (ImageFont.truetype(path, size) for size in (22, 18, 28))
    if stacked:
        label_w, bar_h, gap = 190, 30, 12
        width, top = 1400, 90
        height = top + len(groups) * (bar_h + gap) + 90
        img = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(img)
        totals = [sum(values[i] for _, values in series) for i in range(len(groups))]
        longest = max(totals) if totals and max(totals) else 1
        plot_w = width - label_w - 60
        for i, group in enumerate(groups):
            y = top + i * (bar_h + gap)
            draw.text((label_w - 10, y + bar_h / 2), group, fill="black", font=font, anchor="rm")
            x = label_w
            for name, values in series:
                w = plot_w * values[i] / longest
                if w > 0:
                    draw.rectangle([x, y, x + w, y + bar_h], fill=STATUS_COLORS.get(name, "#666666"))
                    if w > 28:
                        draw.text((x + w / 2, y + bar_h / 2), str(values[i]), fill="white", font=small, anchor="mm")
                x += w
        legend_y = height - 50
    else:
        names = [name for name, _ in series]
        values = [v[0] for _, v in series]
        width, height, top, bottom = 1100, 560, 90, 80
        img = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(img)
        biggest = max(values) if values and max(values) else 1
        slot = (width - 120) / max(len(values), 1)
        plot_h = height - top - bottom
        draw.line([60, height - bottom, width - 40, height - bottom], fill="#999999", width=2)
        for i, (name, value) in enumerate(zip(names, values)):
            x0 = 60 + i * slot + slot * 0.2
            x1 = x0 + slot * 0.6
            y0 = height - bottom - plot_h * value / biggest
            draw.rectangle([x0, y0, x1, height - bottom], fill=STATUS_COLORS.get(name, "#666666"))
            draw.text(((x0 + x1) / 2, y0 - 6), str(value), fill="black", font=font, anchor="md")
            draw.text(((x0 + x1) / 2, height - bottom + 12), name, fill="black", font=font, anchor="ma")
        legend_y = None
    draw.text((width / 2, 24), title, fill="black", font=big, anchor="ma")
    if legend_y is not None:
        x = 190
        for name, _ in series:
            draw.rectangle([x, legend_y, x + 22, legend_y + 22], fill=STATUS_COLORS.get(name, "#666666"))
            draw.text((x + 30, legend_y + 11), name, fill="black", font=small, anchor="lm")
            x += 130
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------------------- one call per file


def briefing_file(con: duckdb.DuckDBPyConnection, as_of: date, suffix: str, filters: Filters = NO_FILTERS,
                  settings: StatusSettings = StatusSettings()) -> bytes:
    """The 月度通报 as bytes: ``suffix`` ".xlsx" or ".docx"."""
    if suffix not in (".xlsx", ".docx"):
        raise ValueError(f"不支持的通报格式“{suffix}”：请用 .xlsx 或 .docx")
    buffer = io.BytesIO()
    (write_xlsx if suffix == ".xlsx" else write_docx)(briefing(con, as_of, filters, settings), buffer)
    return buffer.getvalue()


def export_briefing(con: duckdb.DuckDBPyConnection, as_of: date, out: Path, filters: Filters = NO_FILTERS,
                    settings: StatusSettings = StatusSettings()) -> Path:
    """Write the 月度通报 to ``out`` (.xlsx or .docx; a directory gets 月度通报_<YYYY-MM>.xlsx)."""
    out = Path(out)
    if out.is_dir():
        out = out / file_name(as_of, ".xlsx", sv.file_scope(con, filters))
    data = briefing_file(con, as_of, out.suffix.lower(), filters, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
