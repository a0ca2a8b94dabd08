"""People's Congress figures for pages and exports: counted facts, comparisons, task lists.

Facts come from ``npc_facts`` (loaded by :mod:`loaders.npc_reports`); every row
keeps its sentence and raw offsets so a page can show where a figure comes from. Rows
without a topic are counts of a committee's work (compared across places); rows with one
are figures said at a topical inquiry (:func:`npc_inquiry_facts`), a plan or its progress.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from loaders.npc_hearings import NATURE_LABELS
from loaders.npc_reports import METRICS
from loaders.text_clean import readable

#: npc_facts ``f`` with its place ``j``, the place's city ``c`` and its source file ``s``.
_FACTS_FROM = """FROM npc_facts f
        JOIN jurisdictions j ON j.code = f.jurisdiction_code
        LEFT JOIN jurisdictions c ON c.code = j.parent_code
        JOIN npc_reports r USING (report_id) JOIN source_files s ON s.file_id = r.file_id"""
_JURISDICTION_ORDER = """CASE j.kind WHEN 'city' THEN 0 WHEN 'city_level' THEN 1 WHEN 'zone' THEN 3 ELSE 2 END, j.code"""


def npc_facts(con: duckdb.DuckDBPyConnection, year: int | None = None, city: str | None = None) -> pd.DataFrame:
    """One row per counted fact of a committee's work (not an inquiry's figures): 城市, 年份, 县（市、区）,
    机构, 指标, 数值, 单位, 原文, 来源文件, 起, 止.

    ``city`` is a city name or code; facts of the city itself and of its counties are kept. 原文 and 原句
    read as Chinese is written (:func:`loaders.text_clean.readable`); 起 and 止 point at the text as printed.
    """
    return _readable(con.execute(f"""
        SELECT coalesce(c.name, j.name) AS 城市, f.year AS 年份, j.name AS "县（市、区）", f.body AS 机构,
               f.label AS 指标, f.metric, f.value AS 数值, f.unit AS 单位, f.approx AS 约数,
               f.phrase AS 原文, f.sentence AS 原句, s.file_name AS 来源文件,
               f.source_start AS 起, f.source_end AS 止
        {_FACTS_FROM}
        WHERE f.topic IS NULL AND (? IS NULL OR f.year = ?)
          AND (? IS NULL OR ? IN (j.code, j.name, c.code, c.name))
        ORDER BY 城市, f.year DESC, {_JURISDICTION_ORDER}, f.fact_id""", [year, year, city, city]).df())


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """原文 and 原句 without the blanks the PDF put in Chinese ("衢 江 区 300 万 元" → "衢江区300万元") and
    without a quotation mark cut from its partner; the stored phrases keep them, as their offsets do."""
    for column in ("原文", "原句"):
        frame[column] = [readable(x) for x in frame[column]]
    return frame


def npc_comparison(con: duckdb.DuckDBPyConnection, year: int | None = None, city: str | None = None) -> pd.DataFrame:
    """Jurisdictions side by side: one row per (城市, 年份, 县（市、区）), one column per metric.

    Metrics nobody reports are left out. Where the reports give one metric several figures for one
    place and year, a cell shows one of them (all of them stay in :func:`npc_facts`):

    * a count (次, 件, 条 …) shows the largest. The figures are either the year's total and its
      parts (常山县 2023: 提出意见建议 3064 条 for the year; 立法意见建议 157 条, 收集意见建议 31 条 and
      征集意见建议 163 条 in single activities), or one figure told twice (常委会会议 8 次 in the
      magazine and in 常山县's own report). A total is never smaller than a part, so the largest is
      the total where one is stated and the best lower bound where none is; the first in the source
      (the rule before) showed the 157 of one activity as 常山县's year. A sum would count a figure
      told in two reports twice, and parts of different activities may overlap.
    * a rate (%) shows the first: rates have no whole to prefer, and the first is the report's
      headline (满意率 of the year before the 满意率 of one item).
    """
    facts = npc_facts(con, year, city)
    if facts.empty:
        return pd.DataFrame(columns=["城市", "年份", "县（市、区）"])
    first = _one_figure_each(facts)
    wide = first.pivot_table(index=["城市", "年份", "县（市、区）"], columns="metric", values="数值", aggfunc="first",
                             sort=False)
    ordered = [m for m in METRICS if m in wide.columns]
    wide = wide[ordered].rename(columns=METRICS).reset_index()
    wide.columns.name = None
    order = facts.drop_duplicates(["城市", "年份", "县（市、区）"])[["城市", "年份", "县（市、区）"]]
    return order.merge(wide, on=["城市", "年份", "县（市、区）"], how="left").reset_index(drop=True)


def _one_figure_each(facts: pd.DataFrame) -> pd.DataFrame:
    """The figure a comparison cell shows for each (城市, 年份, 县（市、区）, metric): see :func:`npc_comparison`."""
    keys = ["城市", "年份", "县（市、区）", "metric"]
    ranked = facts.assign(_order=range(len(facts)),
                          _rank=[-v if u != "%" else 0.0 for v, u in zip(facts["数值"], facts["单位"])])
    chosen = ranked.sort_values(["_rank", "_order"], kind="stable").drop_duplicates(keys)
    return chosen.sort_values("_order").drop(columns=["_order", "_rank"])


def npc_inquiry_facts(con: duckdb.DuckDBPyConnection, city: str | None = None) -> pd.DataFrame:
    """Figures said at topical inquiries (专题询问会), in source order: 专题, 性质 (目标/计划 or 进展/现状),
    年份 ("2023—2025" for a figure over several years), 县（市、区）, 指标, 数值, 单位, 约数 ("约" where the text
    says 约, 余, 多 or 左右, else ""), 条件 ("≥" for "70% 以上"), 原文, 原句 (both readable, as in :func:`npc_facts`),
    来源文件, 起, 止 (raw offsets of 原文), with ``metric`` and ``nature``.

    ``city`` as for :func:`npc_facts`: inquiries held by the city or its counties, about any of them."""
    frame = con.execute(f"""
        SELECT f.topic AS 专题, f.nature, f.year, f.year_end, j.name AS "县（市、区）", f.body AS 机构,
               f.label AS 指标, f.metric, f.value AS 数值, f.unit AS 单位, f.approx AS 约数, f.comparator,
               f.phrase AS 原文, f.sentence AS 原句, s.file_name AS 来源文件,
               f.source_start AS 起, f.source_end AS 止
        {_FACTS_FROM}
        WHERE f.topic IS NOT NULL AND (? IS NULL OR ? IN (j.code, j.name, c.code, c.name))
        ORDER BY s.file_name, f.fact_id""", [city, city]).df()
    frame.insert(1, "性质", [NATURE_LABELS.get(n, n) for n in frame["nature"]])
    frame.insert(2, "年份", [f"{y}" if pd.isna(e) else f"{y}—{int(e)}" for y, e in zip(frame["year"], frame["year_end"])])
    frame["条件"] = [{">=": "≥", "<=": "≤"}.get(c, "") if isinstance(c, str) else "" for c in frame["comparator"]]
    frame["约数"] = ["约" if a else "" for a in frame["约数"]]
    frame = _readable(frame)
    return frame.drop(columns=["year", "year_end", "comparator"])


def npc_tasks(con: duckdb.DuckDBPyConnection, year: int | None = None) -> pd.DataFrame:
    """Tasks without numbers from reports' task lists, with their owner body."""
    return con.execute(f"""
        SELECT t.year AS 年份, j.name AS "县（市、区）", t.body AS 责任主体, t.label AS 序号, t.title AS 任务,
               t.text AS 内容, s.file_name AS 来源文件, t.source_start AS 起, t.source_end AS 止
        FROM npc_tasks t JOIN jurisdictions j ON j.code = t.jurisdiction_code
        JOIN npc_reports r USING (report_id) JOIN source_files s ON s.file_id = r.file_id
        WHERE ? IS NULL OR t.year = ?
        ORDER BY t.year DESC, {_JURISDICTION_ORDER}, t.number""", [year, year]).df()
