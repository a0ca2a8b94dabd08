"""Write extracted documents into the tracker database, one transaction per source file.

Loading is idempotent: a file whose SHA-256 is already stored is skipped, so
``build`` can run on every start. A file that fails to load leaves the
database exactly as it was.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Callable

import duckdb

from loaders import each_county
from loaders.extract import ExtractedDocument, ExtractedFile, ExtractionError, default_deadline
from loaders.organisations import Directory, Unit
from tracker.db import commit, insert_rows, next_id, next_ids

LEAD, COOPERATE = "lead", "cooperate"


@dataclass(frozen=True)
class LoadResult:
    file_name: str
    skipped: bool
    documents: int = 0
    items: int = 0
    targets: int = 0
    facts: int = 0      # a People's Congress report's counted facts (npc_facts) …
    tasks: int = 0      # … and its tasks without numbers (npc_tasks)


#: Called by a writer inside its transaction, once a file's rows are in and before COMMIT, with what was
#: stored: the build's audit record of the load commits with the rows it describes (:mod:`loaders.build`).
OnStored = Callable[[duckdb.DuckDBPyConnection, LoadResult], None]


def load_reference(con: duckdb.DuckDBPyConnection, directory: Directory) -> list[str]:
    """Jurisdictions and the reviewed organisations with their aliases (adds what is new, updates what
    changed), in one transaction of a few statements. Returns notices (Chinese) for what it could not
    change: the place of a unit that loaded documents already name (see :func:`mark_reviewed`)."""
    con.execute("BEGIN")
    try:
        places = list({j.code: (j.code, j.name, j.short_name, j.kind, j.parent_code)
                       for j in directory.jurisdictions}.values())   # a code listed twice: the last wins
        if places:
            con.execute(f"INSERT INTO jurisdictions VALUES {', '.join(['(?, ?, ?, ?, ?)'] * len(places))} "
                        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name, "
                        "kind = excluded.kind, parent_code = excluded.parent_code",
                        [value for place in places for value in place])
        codes = {j.name: j.code for j in directory.jurisdictions}
        known = {(c, n): (i, r) for i, c, n, r in
                 con.execute("SELECT org_id, city_code, name, reviewed FROM organisations").fetchall()}
        next_org = next_id(con, "organisations", "org_id")
        new_orgs, aliases, notices = [], [], []
        for org in directory.organisations:
            city_code = codes.get(org.city)
            place = codes.get(org.jurisdiction) if org.jurisdiction else None
            found = known.get((city_code, org.name))
            if found is None:
                org_id = next_org
                next_org += 1
                new_orgs.append((org_id, org.name, city_code, org.kind, place, True))
            else:
                org_id = found[0]
                if not found[1] and not mark_reviewed(con, org_id, org.kind, place):
                    notices.append(f"单位名录中“{org.name}”属{org.jurisdiction}，但已加载的文件按未核对单位载入"
                                   "（不属任何地区）；已标为已核对，所属地区未更改")
            known[(city_code, org.name)] = (org_id, True)
            aliases.extend((alias, org_id) for alias in org.aliases)
        if new_orgs:
            insert_rows(con, "organisations", new_orgs)
        aliases = list(dict.fromkeys(aliases))
        if aliases:
            con.execute(f"INSERT INTO org_aliases VALUES {', '.join(['(?, ?)'] * len(aliases))} ON CONFLICT DO NOTHING",
                        [value for alias in aliases for value in alias])
        commit(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return notices


def mark_reviewed(con: duckdb.DuckDBPyConnection, org_id: int, kind: str, place: str | None) -> bool:
    """Mark a unit first met in a document as reviewed, with the reference's kind and place; False when
    the place could not be set.

    DuckDB refuses to update an indexed column (``jurisdiction_code`` is a foreign key) of a row that other
    tables reference, even to the same value, and in one transaction a delete and insert of the referring
    rows does not help. So the place is written only when it changes and nothing refers to the unit yet."""
    con.execute("UPDATE organisations SET reviewed = true, kind = ? WHERE org_id = ?", [kind, org_id])
    current = con.execute("SELECT jurisdiction_code FROM organisations WHERE org_id = ?", [org_id]).fetchone()[0]
    if current == place:
        return True
    referenced = con.execute("SELECT EXISTS (SELECT 1 FROM assignments WHERE org_id = $id) "
                             "OR EXISTS (SELECT 1 FROM org_aliases WHERE org_id = $id)", {"id": org_id}).fetchone()[0]
    if referenced:
        return False
    con.execute("UPDATE organisations SET jurisdiction_code = ? WHERE org_id = ?", [place, org_id])
    return True


class Registry:
    """Organisation and person ids for one write, read once and extended in memory.

    New rows are kept in lists and inserted by :meth:`flush` in the same
    transaction, so loading a file costs a few statements, not one per name.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._orgs = {(c, n): (i, r) for i, c, n, r in
                      con.execute("SELECT org_id, city_code, name, reviewed FROM organisations").fetchall()}
        self._people = {(c, n): i for i, c, n in con.execute("SELECT person_id, city_code, name FROM people").fetchall()}
        self._next_org = next_id(con, "organisations", "org_id")
        self._next_person = next_id(con, "people", "person_id")
        self.new_orgs: list[tuple] = []
        self.new_people: list[tuple] = []
        self.reviewed: list[tuple] = []

    def org_id(self, city_code: str | None, unit: Unit) -> int:
        key = (city_code, unit.name)
        if key in self._orgs:
            org_id, reviewed = self._orgs[key]
            if unit.known and not reviewed:
                self.reviewed.append((unit.kind, unit.jurisdiction_code, org_id))
                self._orgs[key] = (org_id, True)
            return org_id
        org_id = self._next_org
        self._next_org += 1
        self._orgs[key] = (org_id, unit.known)
        self.new_orgs.append((org_id, unit.name, city_code, unit.kind, unit.jurisdiction_code, unit.known))
        return org_id

    def person_id(self, city_code: str | None, name: str) -> int:
        key = (city_code, name)
        if key not in self._people:
            self._people[key] = self._next_person
            self.new_people.append((self._next_person, name, city_code))
            self._next_person += 1
        return self._people[key]

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.new_orgs:
            insert_rows(con, "organisations", self.new_orgs)
        if self.new_people:
            insert_rows(con, "people", self.new_people)
        for kind, code, org_id in self.reviewed:   # a place that cannot change stays (load_reference says so)
            mark_reviewed(con, org_id, kind, code)
        self.new_orgs, self.new_people, self.reviewed = [], [], []


def write_file(con: duckdb.DuckDBPyConnection, extracted: ExtractedFile, on_stored: OnStored | None = None) -> LoadResult:
    """Store one extracted source file; skip it when the same text is already stored.

    ``on_stored`` runs in the same transaction, after the rows are in (not for a file skipped)."""
    name = extracted.path.name
    if con.execute("SELECT 1 FROM source_files WHERE sha256 = ?", [extracted.sha256]).fetchone():
        return LoadResult(name, skipped=True)
    _refuse_loaded_numbers(con, extracted)
    con.execute("BEGIN")
    try:
        result = _write(con, extracted)
        if on_stored is not None:
            on_stored(con, result)
        commit(con)
        return result
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _refuse_loaded_numbers(con: duckdb.DuckDBPyConnection, extracted: ExtractedFile) -> None:
    """ExtractionError when a document of the file has a 文号 that a file loaded before already holds: another
    copy of a gazette (edited, or saved with other line endings) would add every target a second time."""
    numbers = sorted({d.header.doc_number for d in extracted.documents if d.header and d.header.doc_number})
    if not numbers:
        return
    found = con.execute("""SELECT d.doc_number, f.file_name FROM documents d JOIN source_files f USING (file_id)
                           WHERE list_contains(?, d.doc_number) ORDER BY d.doc_id LIMIT 1""", [numbers]).fetchone()
    if found is not None:
        raise ExtractionError(f"《{extracted.path.name}》中的{found[0]}已由《{found[1]}》加载，未重复加载"
                              "（否则其指标会计算两次）；如为修订稿，请联系系统管理员替换原文件")


def _write(con, extracted: ExtractedFile) -> LoadResult:
    file_id, doc_id, item_id, target_id = next_ids(con, ("source_files", "file_id"), ("documents", "doc_id"),
                                                   ("items", "item_id"), ("targets", "target_id"))
    con.execute(
        "INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (?, ?, ?, ?, ?)",
        [file_id, extracted.path.name, extracted.sha256, len(extracted.raw), extracted.raw],
    )
    rows = _Rows()
    registry = Registry(con)
    n_items = n_targets = 0
    known_counties: dict[str | None, list[str]] = {}

    def counties_of(code: str | None) -> list[str]:
        if code not in known_counties:
            known_counties[code] = each_county.county_codes(con, code)
        return known_counties[code]

    for document in extracted.documents:
        _document_row(rows, extracted, document, doc_id, file_id)
        city_code = document.city.code if document.city else None
        area_ids: dict[int, int] = {}
        for item in document.items:
            raw = item.raw
            if raw.kind == "policy_area":
                area_ids[raw.number] = item_id
            src = _span(extracted, raw.span)
            text_src = raw.text.source_span() if raw.text.text else src
            rows.items.append((item_id, doc_id, raw.kind, raw.number, raw.label,
                               area_ids.get(raw.area_number) if raw.area_number else None,
                               raw.title, raw.text.text, src[0], src[1], text_src[0], text_src[1]))
            _responsibility_rows(registry, rows, item_id, item.units, raw.leaders_raw, city_code,
                                 lead_all=raw.kind == "policy_area")
            for problem in raw.problems:
                rows.findings.append((file_id, doc_id, item_id, "warning", problem, src[0], src[1]))
            if item.targets and not item.units:
                rows.findings.append((file_id, doc_id, item_id, "warning",
                                      no_lead_message(f"{_doc_name(document)}{raw.label}“{raw.title}”"), src[0], src[1]))
            for unit in item.units:
                if not unit.known:
                    rows.findings.append((file_id, doc_id, item_id, "info",
                                          f"责任单位“{unit.raw}”不在单位名录中，已按“{unit.name}”新增，待核对",
                                          src[0], src[1]))
            for seq, t in enumerate(item.targets, start=1):
                s, e = raw.text.source_span(t.start, t.end)
                due = t.deadline or (default_deadline(document) and default_deadline(document).isoformat())
                figures = (t.value, t.value_high, t.base_value, t.base_value_high,
                           json.dumps(t.tiers, ensure_ascii=False) if t.tiers else None,
                           json.dumps(t.steps, ensure_ascii=False) if t.steps else None)
                counties = counties_of(city_code) if t.each_county else []
                if counties:   # stated for each county: the city's figure is computed, each county allocated
                    each = each_county.split(target_id, t.kind, t.each_county, *figures, counties, (s, e))
                    figures = (each.value, each.value_high, each.base_value, each.base_value_high, each.tiers,
                               each.steps)
                    rows.allocations.extend(each.allocations)
                    rows.each_county.append(each.each_county)
                    for unit in each_county.county_governments(con, city_code, t.each_county):
                        registry.org_id(city_code, unit)   # they report it, named by the plan or not
                value, value_high, base_value, base_value_high, tiers, steps = figures
                rows.targets.append((target_id, item_id, seq, t.indicator, t.raw, value, value_high,
                                     t.unit, base_value, base_value_high, t.base_unit, t.comparator,
                                     t.kind, tiers, steps, t.deadline, due, s, e))
                target_id += 1
                n_targets += 1
            for m in item.mentions:
                s, e = raw.text.source_span(m.start, m.end)
                rows.numbers.append((item_id, m.raw, m.role, m.reason, s, e))
            item_id += 1
            n_items += 1
        doc_id += 1
    registry.flush(con)
    rows.flush(con)
    return LoadResult(extracted.path.name, False, len(extracted.documents), n_items, n_targets)


def no_lead_message(item: str) -> str:
    """The finding for an item with targets but no lead unit (牵头单位): no unit reports its targets."""
    return f"{item}没有牵头单位：其指标不会出现在任何单位的填报模板中，请补充牵头单位后重新载入"


def _doc_name(document: ExtractedDocument) -> str:
    h = document.header
    return (h.doc_number or h.plan_title or h.title or "") if h else ""


def _span(extracted: ExtractedFile, span: tuple[int, int]) -> tuple[int, int]:
    return extracted.clean.source_span(span[0], span[1])


def _document_row(rows, extracted: ExtractedFile, document: ExtractedDocument, doc_id: int, file_id: int):
    h = document.header
    year = document.year
    header_src = _span(extracted, (h.start, h.end)) if h else (None, None)
    rows.documents.append((
        doc_id, file_id, h.doc_number if h else None,
        (h.plan_title or h.title) if h else extracted.path.stem,
        h.title if h else None, h.issuer if h else None, h.issue_date if h else None, year,
        document.kind, document.city.code if document.city else None,
        date(year, 1, 1) if year else None, date(year, 12, 31) if year else None,
        header_src[0], header_src[1],
    ))


def _responsibility_rows(registry: Registry, rows, item_id: int, units: list[Unit], leaders: list[str],
                         city_code: str | None, lead_all: bool) -> None:
    for position, unit in enumerate(units, start=1):
        role = LEAD if (position == 1 or lead_all) else COOPERATE
        rows.assignments.append((item_id, registry.org_id(city_code, unit), role, position, unit.raw))
    for position, name in enumerate(leaders, start=1):
        rows.leaders.append((item_id, registry.person_id(city_code, name), position))


class _Rows:
    """Rows collected per table and inserted in bulk (a statement per few hundred rows of a table)."""

    COLUMNS = {
        "documents": ["doc_id", "file_id", "doc_number", "title", "notice_title", "issuer", "issue_date",
                      "year", "kind", "city_code", "period_start", "period_end", "header_start", "header_end"],
        "items": ["item_id", "doc_id", "kind", "number", "label", "parent_item_id", "title", "text",
                  "source_start", "source_end", "text_start", "text_end"],
        "targets": ["target_id", "item_id", "seq", "indicator", "raw", "value", "value_high", "unit",
                    "base_value", "base_value_high", "base_unit", "comparator", "kind", "tiers", "steps",
                    "deadline", "due_date", "source_start", "source_end"],
        "numbers": ["item_id", "raw", "role", "reason", "source_start", "source_end"],
        "assignments": ["item_id", "org_id", "role", "position", "raw_name"],
        "item_leaders": ["item_id", "person_id", "position"],
        "load_findings": ["file_id", "doc_id", "item_id", "severity", "message", "source_start", "source_end"],
        "target_allocations": ["target_id", "jurisdiction_code", "value", "base_value", "inferred", "source_start",
                               "source_end"],
        "target_each_county": ["target_id", "phrase", "place_value", "place_value_high", "n_places"],
    }

    def __init__(self):
        self.documents, self.items, self.targets, self.numbers = [], [], [], []
        self.assignments, self.leaders, self.findings = [], [], []
        self.allocations, self.each_county = [], []

    def flush(self, con) -> None:
        for table, rows in (("documents", self.documents), ("items", self.items), ("targets", self.targets),
                            ("numbers", self.numbers), ("assignments", self.assignments),
                            ("item_leaders", self.leaders), ("load_findings", self.findings),
                            ("target_allocations", self.allocations), ("target_each_county", self.each_county)):
            if not rows:
                continue
            insert_rows(con, table, rows, columns=tuple(self.COLUMNS[table]))
