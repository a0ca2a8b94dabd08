"""Tasks and measures without a target of their own, tracked as a whole ("整项任务").

The loader stores a target only where an item's text has a number or a dated deliverable
(:mod:`loaders.targets`). A 重点工作责任分解 is tracked task by task every month, numbers or not:
"抓好南湖广场文旅综合体开业" (衢政办发〔2024〕10号 task 43) has no figure, yet its units report on it
and supervisors chase it. So every work task (``work_task``) and policy measure (``policy_measure``) of
a plan that yields no target gets one row to report against (:func:`whole_item_rows`):

* kind ``milestone`` without a value (reported 已完成 when done, judged by
  :func:`tracker.status.judge` as any milestone: past due → 严重滞后, no report → 未报送);
* its indicator and raw text the item's title as ``items.title`` holds it (no trailing 。), its
  offsets the title's span in the stored source (as every target's point at its phrase);
* no stated deadline (``deadline`` NULL, the text states none), due at the plan's end
  (:func:`loaders.extract.plan_year_end`, as :func:`loaders.extract.default_deadline` gives any target
  without a date);
* ``targets.whole_item`` true, so the pages, the template and the register say what it is
  (:data:`tracker.reporting.WHOLE_ITEM_NOTE`).

Their ids come after every target read from the texts and the allocation sheets: ``build`` adds them last
(:func:`refresh_whole_items`, one audited transaction), so a fresh build numbers the extracted targets as
before, and a database built before this rule gets the same rows on its next ``build``, its reports kept.
An item that has a target of its own (or a whole-item row already) gets none; a second build adds nothing.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
import duckdb

from loaders.extract import plan_year_end
from loaders.text_clean import clean
from tracker.db import insert_rows, next_ids, write_transaction

#: The item kinds tracked as a whole when their text gives no target (a plan's tasks and measures;
#: not policy areas, whose headline paragraph is no task, nor 民生实事 projects, read from their sheet).
ITEM_KINDS = ("work_task", "policy_measure")

COLUMNS = ("target_id", "item_id", "seq", "indicator", "raw", "value", "value_high", "unit", "base_value",
           "base_value_high", "base_unit", "comparator", "kind", "tiers", "steps", "deadline", "due_date",
           "source_start", "source_end", "whole_item")

_WITHOUT_TARGETS = """
SELECT i.item_id, i.title, i.text_start, i.text_end, d.year, d.file_id
FROM items i JOIN documents d ON d.doc_id = i.doc_id
WHERE list_contains(?, i.kind) AND d.year IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM targets t WHERE t.item_id = i.item_id)
ORDER BY i.item_id
"""


def indicator_of(title: str) -> str:
    """The indicator of a whole-item row: the item's title, without a closing 。 or blanks."""
    return title.strip().rstrip("。．.").strip()


@dataclass(frozen=True)
class Added:
    target_id: int
    item_id: int
    indicator: str


def title_span(cleaned_offsets: tuple[int, ...], cleaned_text: str, text_start: int,
               indicator: str) -> tuple[int, int] | None:
    """The raw span of ``indicator`` at the start of an item's own text (raw offset ``text_start``), read
    through the cleaned text of the whole source (line breaks and page furniture dropped, as loaded); None
    when the cleaned text there does not begin with it."""
    at = bisect.bisect_left(cleaned_offsets, text_start)
    if at >= len(cleaned_text) or not indicator:
        return None
    found = cleaned_text.find(indicator, at, at + len(indicator) + 8)   # the item's text was stripped of blanks
    if found < 0 or cleaned_text[at:found].strip():
        return None
    return cleaned_offsets[found], cleaned_offsets[found + len(indicator) - 1] + 1


def raw_title_span(content: str, text_start: int, indicator: str) -> tuple[int, int] | None:
    """The raw span of ``indicator`` read straight from the source at ``text_start``, skipping the line
    breaks and blanks the PDF put inside it; None where anything else comes between its characters (page
    furniture): :func:`title_span` then reads it through the cleaned text. Saves cleaning the whole source
    again (about 0.08 s of a build) for the titles that need nothing more."""
    i, first, n = text_start, None, len(content)
    for ch in indicator:
        while i < n and content[i].isspace() and content[i] != ch:
            i += 1
        if i >= n or content[i] != ch:
            return None
        if first is None:
            first = i
        i += 1
    return (first, i) if first is not None else None


def whole_item_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The rows (:data:`COLUMNS`) to add: one per task or measure of a plan without any target, ids after
    every stored target, in item order. An item whose title is not found in its source gets its own text's
    span (its offsets still point into the source)."""
    items = con.execute(_WITHOUT_TARGETS, [list(ITEM_KINDS)]).fetchall()
    if not items:
        return []
    [target_id] = next_ids(con, ("targets", "target_id"))
    contents: dict[int, str] = {}
    cleaned: dict[int, tuple] = {}
    rows = []
    for item_id, title, text_start, text_end, year, file_id in items:
        if file_id not in contents:
            contents[file_id] = con.execute("SELECT content FROM source_files WHERE file_id = ?",
                                            [file_id]).fetchone()[0]
        indicator = indicator_of(title)
        if not indicator:
            continue
        span = raw_title_span(contents[file_id], text_start, indicator)
        if span is None:
            if file_id not in cleaned:
                doc = clean(contents[file_id])
                cleaned[file_id] = (doc.offsets, doc.text)
            span = title_span(*cleaned[file_id], text_start, indicator) or (text_start, text_end)
        rows.append((target_id, item_id, 1, indicator, indicator, None, None, "", None, None, "", "=", "milestone",
                     None, None, None, plan_year_end(year), span[0], span[1], True))
        target_id += 1
    return rows


def refresh_whole_items(con: duckdb.DuckDBPyConnection, on_stored=None) -> list[Added]:
    """Add the whole-item rows the stored plans lack (module doc), in one transaction; ``on_stored(con, added)``
    runs in it (the audit record). Nothing to add: no transaction, an empty list."""
    if not con.execute(_WITHOUT_TARGETS, [list(ITEM_KINDS)]).fetchone():
        return []

    def work(c: duckdb.DuckDBPyConnection) -> list[Added]:
        rows = whole_item_rows(c)   # read again inside the transaction
        insert_rows(c, "targets", rows, columns=COLUMNS)
        added = [Added(r[0], r[1], r[3]) for r in rows]
        if on_stored is not None and added:
            on_stored(c, added)
        return added

    return write_transaction(con, work, label="whole_items")
