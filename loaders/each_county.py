"""Targets stated for each county: "各县（市、区）配套建立县级专项资金不低于 1亿元".

Such a sentence sets the number for every county-level place of the issuing city, not for
the city as a whole: each of Quzhou's six 县（市、区） must deliver 1亿元. The rule, for any
city (the counties are the reference table's, :meth:`loaders.organisations.Directory.counties_of`):

* **The subject.** The target's own clause (text between ``，。；：`` …), before its number,
  names every county: ``各县（市、区）``, ``各县市区``, ``各县区``, ``各区县``, ``各区、县（市）``
  (Hangzhou's order), ``每个县（市、区）``, ``每县`` … A subject in an earlier clause of the
  sentence does not carry over ("支持各县（市、区）新建 1个党建联建共富综合体项目，明确 60个以上受益村":
  the 60 villages are the city's). ``各区块`` (zones inside a county) is not a county.
* **A task without a number** (a 民生实事 qualitative task, "①各县区至少一家二级以上医疗机构完成…")
  is set for each county when any of its clauses names every county (:func:`each_county_task`):
  each county reports it done or not, the city is done when all are (the status table's rule).
* **Not a target of each county.** Encouragement (``鼓励``/``引导``/``倡导`` before the subject: a
  county may, it need not), and figures given ``分别`` (different for each).

What the writers store for such a target (:func:`split`):

* one allocation per county of the stated value, ``inferred`` false: the text states each
  county's figure (offsets: the target phrase, the same for every county);
* the city's value is computed: N × the number of counties for what adds up (count, level, a
  milestone's number), N itself for what every place must reach (rate, limit: the city row
  takes the place furthest from it); tiers and quarterly steps in the same unit are scaled alike;
* a row of ``target_each_county`` keeps the phrase, the stated value and the number of counties,
  so the register, the task page and the exports can say "各县（市、区）各1亿元" and that the
  city's figure is computed (推算), while ``targets.raw`` keeps the text as printed.

A database loaded before this rule gets it from :func:`refresh_each_county`, which ``build``
runs every time: the stored item texts are read again by :func:`loaders.targets.extract_targets`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import duckdb

from loaders.cn_numbers import plain_number
from loaders.organisations import COUNTY_LEVEL_KINDS, Unit
from tracker.db import insert_rows, write_transaction

# "各县（市、区）", "各县(市,区)", "各县市区", "各县区", "各区县", "各区、县（市）", "每个县（市、区）", "每县"
_COUNTIES = (r"(?:县\s*[（(]\s*市\s*[、，,]\s*区\s*[）)]|区\s*[、，,]?\s*县\s*[（(]\s*市\s*[）)]|"
             r"县\s*[（(]\s*区\s*[）)]|县\s*[（(]\s*市\s*[）)]|县市区|县区|区县|县(?![级域城委]))")
EACH_COUNTY = re.compile(rf"(?:各|每一?个?){_COUNTIES}")
#: Words before the subject that make it no target of each county (a county may, need not).
_NOT_BINDING = re.compile(r"(?:鼓励|引导|倡导|允许|可由)")
_CLAUSE_SEPS = "，。；：！？,;:!?\n"

#: Kinds whose city figure is the counties' sum (the status table adds their reports up); a rate or
#: limit is a figure every place must reach, the city's the same.
SUMMED_KINDS = ("count", "level", "milestone")


def each_county_subject(text: str, start: int) -> str | None:
    """The phrase naming every county (as printed) when the number at ``text[start]`` is set for
    each county, else None."""
    clause_start = start
    while clause_start > 0 and text[clause_start - 1] not in _CLAUSE_SEPS:
        clause_start -= 1
    before = text[clause_start:start]
    found = None
    for m in EACH_COUNTY.finditer(before):
        found = m
    if found is None:
        return None
    if _NOT_BINDING.search(before[:found.start()]) or "分别" in before:
        return None
    return found.group(0)


def each_county_task(text: str) -> str | None:
    """The phrase naming every county when a task without a number is set for each of them
    ("①各县区至少一家二级以上医疗机构完成“信用就医”接口改造"): the rule of :func:`each_county_subject`
    applied to each clause of ``text`` up to its end, the first that names every county."""
    for end in [i for i, ch in enumerate(text) if ch in _CLAUSE_SEPS] + [len(text)]:
        phrase = each_county_subject(text, end)
        if phrase:
            return phrase
    return None


@dataclass(frozen=True)
class Split:
    """A target stated for each county, as stored: the city's figures and the counties' allocations."""

    value: float | None
    value_high: float | None
    base_value: float | None
    base_value_high: float | None
    tiers: str | None                 # JSON, as targets.tiers
    steps: str | None                 # JSON, as targets.steps
    allocations: list[tuple]          # target_allocations rows
    each_county: tuple                # the target_each_county row


def split(target_id: int, kind: str, phrase: str, value: float | None, value_high: float | None,
          base_value: float | None, base_value_high: float | None, tiers: str | None, steps: str | None,
          counties: list[str], source: tuple[int | None, int | None]) -> Split:
    """What to store for a target of ``kind`` stated as ``value`` (``value_high``) for each of ``counties``
    (jurisdiction codes); ``tiers``/``steps`` as JSON in the target's unit; ``source``: the phrase's offsets."""
    n = len(counties)
    factor = n if kind in SUMMED_KINDS else 1

    def times(x: float | None) -> float | None:
        return None if x is None else x * factor

    allocations = [(target_id, code, value, base_value, False, source[0], source[1]) for code in counties]
    return Split(times(value), times(value_high), times(base_value), times(base_value_high),
                 _scaled_json(tiers, factor), _scaled_json(steps, factor), allocations,
                 (target_id, phrase, value, value_high, n))


def _scaled_json(text: str | None, factor: int) -> str | None:
    """``[[label, number], …]`` with each number × ``factor``."""
    if not text or factor == 1:
        return text
    return json.dumps([[label, number * factor] for label, number in json.loads(text)], ensure_ascii=False)


def county_codes(con: duckdb.DuckDBPyConnection, city_code: str | None) -> list[str]:
    """The county-level places of a city (districts, counties, county-level cities), by code; not the
    city level itself (市本级) nor its zones."""
    if city_code is None:
        return []
    return [code for (code,) in con.execute(
        "SELECT code FROM jurisdictions WHERE parent_code = ? AND list_contains(?, kind) ORDER BY code",
        [city_code, list(COUNTY_LEVEL_KINDS)]).fetchall()]


def county_governments(con: duckdb.DuckDBPyConnection, city_code: str | None, phrase: str) -> list[Unit]:
    """The governments of a city's counties (柯城区政府 …), who report a target set for each county: a plan
    that sets one may name none of them as a unit (its addressee line "各县（市、区）人民政府" is no unit),
    so the writers add those missing (as :meth:`loaders.organisations.Directory.resolve` names them)."""
    if city_code is None:
        return []
    return [Unit(f"{name}政府", phrase, "county_government", code, True) for code, name in con.execute(
        "SELECT code, name FROM jurisdictions WHERE parent_code = ? AND list_contains(?, kind) ORDER BY code",
        [city_code, list(COUNTY_LEVEL_KINDS)]).fetchall()]


def describe(phrase: str, place_value: float | None, place_value_high: float | None, unit: str,
             raw: str = "") -> str:
    """"各县（市、区）各1亿元" (a range: 各1000—5000亩; a milestone without a number: 各县（市、区）均须完成).
    With the target's text (``raw``) its comparator stays, as printed: 各2个以上 (“2个以上”), 各不低于1亿元."""
    if place_value is None:
        return f"{phrase}均须完成"
    text = plain_number(place_value) + (f"—{plain_number(place_value_high)}" if place_value_high is not None else "")
    before, after = comparator_words(raw) if place_value_high is None else ("", "")
    return f"{phrase}各{before}{text}{unit}{after}"


#: Comparator words around a target's number (DOMAIN: 以上 / 不低于 / 不少于 / 超过 / 突破 / 左右 / 以内 …).
_WORD_BEFORE = re.compile(r"(不低于|不少于|不超过|不高于|超过|突破|低于|高于|至少|达到|控制在|超)\s*[\d.]")
_WORD_AFTER = re.compile(r"[\d.]\s*[^\d\s，。；、]{0,4}?(以上|以内|以下|左右|及以上)")


def comparator_words(raw: str) -> tuple[str, str]:
    """The comparator word before and after the number of a target's text: "不低于 1亿元" → ("不低于", ""),
    "2个以上" → ("", "以上"); ("", "") when there is none."""
    before = _WORD_BEFORE.search(raw or "")
    after = _WORD_AFTER.search(raw or "")
    return (before.group(1) if before else "", after.group(1) if after else "")


# ---------------------------------------------------------------------------- databases loaded before


_STORED = """
SELECT t.target_id, t.item_id, t.seq, t.indicator, t.raw, t.kind, t.value, t.value_high, t.base_value,
       t.base_value_high, t.tiers, t.steps, t.source_start, t.source_end, i.text, d.year, d.city_code, d.file_id,
       d.doc_id
FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id
WHERE d.kind IN ('policy_plan', 'task_decomposition') AND d.city_code IS NOT NULL
  AND regexp_matches(i.text, '(各|每)[一个]*(县|区[、，,]?县)')
  AND NOT EXISTS (SELECT 1 FROM target_allocations al WHERE al.target_id = t.target_id)
  AND NOT EXISTS (SELECT 1 FROM target_each_county e WHERE e.target_id = t.target_id)
ORDER BY t.target_id
"""


#: A livelihood project's task without a number (:data:`_STORED`'s columns), whose sheet gave no figures.
_STORED_TASKS = """
SELECT t.target_id, t.item_id, t.seq, t.indicator, t.raw, t.kind, t.value, t.value_high, t.base_value,
       t.base_value_high, t.tiers, t.steps, t.source_start, t.source_end, i.text, d.year, d.city_code, d.file_id,
       d.doc_id
FROM targets t JOIN items i USING (item_id) JOIN documents d ON d.doc_id = i.doc_id
WHERE d.kind = 'livelihood_allocation' AND d.city_code IS NOT NULL AND t.value IS NULL
  AND regexp_matches(t.raw, '(各|每)[一个]*(县|区[、，,]?县)')
  AND NOT EXISTS (SELECT 1 FROM target_allocations al WHERE al.target_id = t.target_id)
  AND NOT EXISTS (SELECT 1 FROM target_each_county e WHERE e.target_id = t.target_id)
ORDER BY t.target_id
"""


@dataclass(frozen=True)
class Refreshed:
    target_id: int
    phrase: str
    city_reports: int        # reports stored for the whole city before the split (kept, no longer counted)


def stored_splits(con: duckdb.DuckDBPyConnection) -> list[tuple[tuple, str]]:
    """Stored targets the current rule reads as set for each county but stored for the city: (the stored
    row of :data:`_STORED`, the phrase). A plan item's text is read again as the loader read it and its
    targets matched by order, raw text and indicator (a target the rules now read otherwise is left); a
    民生实事 task without a number is read from its text (:func:`each_county_task`; its counties'
    allocations then point at that text, where a sheet loaded anew points each at the county's own cell)."""
    from loaders.targets import extract_targets

    found = []
    by_item: dict[int, list[tuple]] = {}
    for row in con.execute(_STORED).fetchall():
        by_item.setdefault(row[1], []).append(row)
    for row in con.execute(_STORED_TASKS).fetchall():   # 民生实事 tasks without a number
        phrase = each_county_task(row[4])
        if phrase:
            found.append((row, phrase))
    for rows in by_item.values():
        text, year = rows[0][14], rows[0][15]
        if not EACH_COUNTY.search(text):
            continue
        targets, _ = extract_targets(text, year)
        for row in rows:
            seq, indicator, raw = row[2], row[3], row[4]
            if seq > len(targets):
                continue
            t = targets[seq - 1]
            if t.each_county and t.raw == raw and t.indicator == indicator:
                found.append((row, t.each_county))
    return found


def refresh_each_county(con: duckdb.DuckDBPyConnection, on_stored=None) -> list[Refreshed]:
    """Split the stored targets a database loaded before this rule holds for the city (see the module's
    doc), in one transaction: targets' figures, allocations, ``target_each_county``, the county governments
    that report them (:func:`county_governments`), and a load finding per target that has reports for the
    whole city. Those reports stay as they were (history is never
    rewritten); the city row of a target with allocations is made of its places' reports from now on
    (:mod:`tracker.progress_queries`). ``on_stored(con, refreshed)`` runs in the transaction (the audit
    record). Nothing to do: no transaction, an empty list."""
    if not stored_splits(con):
        return []

    def work(c: duckdb.DuckDBPyConnection) -> list[Refreshed]:
        done = []
        for row, phrase in stored_splits(c):   # read again inside the transaction
            (target_id, item_id, _, _, _, kind, value, value_high, base_value, base_value_high, tiers, steps,
             s, e, _, _, city_code, file_id, doc_id) = row
            counties = county_codes(c, city_code)
            if not counties:
                continue
            result = split(target_id, kind, phrase, value, value_high, base_value, base_value_high, tiers, steps,
                           counties, (s, e))
            c.execute("UPDATE targets SET value = ?, value_high = ?, base_value = ?, base_value_high = ?, "
                      "tiers = ?, steps = ? WHERE target_id = ?",
                      [result.value, result.value_high, result.base_value, result.base_value_high,
                       result.tiers, result.steps, target_id])
            from loaders.db_writer import Registry   # db_writer imports this module

            registry = Registry(c)
            for unit in county_governments(c, city_code, phrase):
                registry.org_id(city_code, unit)
            registry.flush(c)
            insert_rows(c, "target_allocations", result.allocations)
            insert_rows(c, "target_each_county", [result.each_county])
            n_reports = c.execute("SELECT count(*) FROM progress_reports WHERE target_id = ? AND jurisdiction_code = ?",
                                  [target_id, city_code]).fetchone()[0]
            if n_reports:
                c.execute("INSERT INTO load_findings VALUES (?, ?, ?, 'info', ?, ?, ?)",
                          [file_id, doc_id, item_id, legacy_reports_message(target_id, phrase, n_reports), s, e])
            done.append(Refreshed(target_id, phrase, n_reports))
        if on_stored is not None and done:
            on_stored(c, done)
        return done

    return write_transaction(con, work, label="each_county_split")


def legacy_reports_message(target_id: int, phrase: str, n_reports: int) -> str:
    """The load finding for a target split after it was reported for the whole city."""
    return (f"指标 {target_id} 按“{phrase}”分解到各县（市、区）填报，此前按全市填报的 {n_reports} 条进展保留在记录中，"
            "不再计入全市进度（全市为各县（市、区）合计）")
