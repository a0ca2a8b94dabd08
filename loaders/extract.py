"""Extract documents, items, responsibilities and targets from one source file.

source text --clean--> CleanText --headers + numbered runs--> documents and items
--targets--> quantified targets, every number accounted for.

Everything here is pure: a file's text in, an :class:`ExtractedFile` out. The
database writer and the CLI sit on top.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from loaders.decision_list import DECISION_LIST, find_decision_lists, milestone_target
from loaders.documents import DocumentHeader, find_headers
from loaders.numbered_runs import Marker
from loaders.organisations import Directory, Jurisdiction, Unit
from loaders.plan_items import (
    RawItem, measure_runs, parse_policy_plan, parse_task_list, task_runs,
)
from loaders.targets import NumberMention, Target, extract_targets
from loaders.text_clean import CleanText, clean

POLICY_PLAN = "policy_plan"
TASK_DECOMPOSITION = "task_decomposition"
NOTICE = "notice"


class ExtractionError(ValueError):
    """A source that cannot be read as any known kind of document."""


@dataclass
class ExtractedItem:
    raw: RawItem
    units: list[Unit]
    targets: list[Target]
    mentions: list[NumberMention]


@dataclass
class ExtractedDocument:
    header: DocumentHeader | None
    kind: str
    city: Jurisdiction | None
    items: list[ExtractedItem] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        if self.header is None:
            return None
        if self.header.issue_date:
            return self.header.issue_date.year
        return self.header.year


@dataclass
class ExtractedFile:
    path: Path
    sha256: str
    raw: str
    clean: CleanText
    documents: list[ExtractedDocument]

    def source_span(self, item: ExtractedItem, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of text[start:end] of an item's own text."""
        return item.raw.text.source_span(start, end)


def read_source(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        likely = _likely_encoding(data)
        raise ExtractionError(
            f"{path.name}: 不是 UTF-8 文本（第 {exc.start} 字节无法解码{likely}）；请提供从 PDF 导出的 UTF-8 文本"
        ) from exc
    if not text.strip():
        raise ExtractionError(f"{path.name}: 是空文件（没有文字）；请提供从 PDF 导出的 UTF-8 文本")
    return text


def _likely_encoding(data: bytes) -> str:
    """What a file that is not UTF-8 probably is, for the message: UTF-16 (its byte-order mark), no text at all
    (NUL bytes: a program or a document renamed .txt), GBK (decodes so, mostly Chinese characters), or unsaid."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "，看来是 UTF-16 编码，请另存为 UTF-8"
    if b"\x00" in data[:4096]:
        return "，看来不是文本文件，可能是改了扩展名的其他文件"
    try:
        text = data[:4096].decode("gb18030", errors="ignore")
    except LookupError:
        return ""
    chinese = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return "，看来是 GBK 编码，请另存为 UTF-8" if text and chinese >= len(text) * 0.3 else ""


def extract_file(path: Path, directory: Directory) -> ExtractedFile:
    raw = read_source(path)
    sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    doc = clean(raw)
    documents = extract_documents(doc, directory)
    if not any(d.kind in (POLICY_PLAN, TASK_DECOMPOSITION) for d in documents):
        raise ExtractionError(
            f"{path.name}: 未识别出政策实施方案（“一、…（由…牵头实施）”“（一）…（责任单位：…）”）"
            f"或重点工作责任分解（“1．…牵头市领导：…责任单位：…”）；找到 {len(documents)} 份带文号的文件"
        )
    return ExtractedFile(path, sha, raw, doc, documents)


def extract_documents(doc: CleanText, directory: Directory) -> list[ExtractedDocument]:
    headers = find_headers(doc)
    stops = [h.start for h in headers]
    documents = [ExtractedDocument(h, NOTICE, directory.city_of(h.issuer)) for h in headers]
    plan_runs = [(POLICY_PLAN, run) for run in measure_runs(doc)]
    list_runs = [(TASK_DECOMPOSITION, run) for run in task_runs(doc)]
    for kind, run in sorted(plan_runs + list_runs, key=lambda kr: kr[1][0].start):
        owner = _owner(documents, run)
        if owner is None:
            owner = ExtractedDocument(None, kind, None)
            documents.append(owner)
        if owner.kind != NOTICE and owner.items:
            # A second run under one header: keep it as a document of its own.
            owner = ExtractedDocument(owner.header, kind, owner.city)
            documents.append(owner)
        owner.kind = kind
        # A header block inside a run must not end up in an item's text.
        if kind == POLICY_PLAN:
            raw_items = parse_policy_plan(doc, run, stops)
        else:
            raw_items = parse_task_list(doc, run, stops)
        owner.items = [_complete(item, owner, directory) for item in raw_items]
    for rows in find_decision_lists(doc):
        owner = _owner(documents, [Marker(r.number, "", r.name[0], r.name[1]) for r in rows])
        if owner is None or owner.items:
            owner = ExtractedDocument(owner.header if owner else None, DECISION_LIST, owner.city if owner else None)
            documents.append(owner)
        owner.kind = DECISION_LIST
        owner.items = [_complete(r.raw_item(doc), owner, directory, [milestone_target(r, doc)]) for r in rows]
    documents.sort(key=lambda d: d.header.start if d.header else 0)
    return documents


def _owner(documents: list[ExtractedDocument], run: list[Marker]) -> ExtractedDocument | None:
    """The document a run of items belongs to.

    A header that falls inside the run owns it (the PDF put the first items
    before the header); otherwise the nearest header before the run; otherwise
    the first header after it.
    """
    first, last = run[0].start, run[-1].start
    with_header = [d for d in documents if d.header]
    inside = [d for d in with_header if first <= d.header.number_pos <= last]
    if inside:
        return inside[0]
    before = [d for d in with_header if d.header.number_pos < first]
    if before:
        return before[-1]
    return with_header[0] if with_header else None


def _complete(item: RawItem, document: ExtractedDocument, directory: Directory,
              targets: list[Target] | None = None) -> ExtractedItem:
    """Resolve an item's units and find its targets (unless the caller read them already)."""
    units: list[Unit] = []
    for name in item.units_raw:
        for unit in directory.resolve(name, document.city):
            if unit.name not in (u.name for u in units):
                units.append(unit)
    mentions: list[NumberMention] = []
    if targets is None:
        targets, mentions = extract_targets(item.text.text, document.year)
    return ExtractedItem(item, units, targets, mentions)


def default_deadline(document: ExtractedDocument) -> date | None:
    """Policies run for the whole plan year unless a date is given."""
    return plan_year_end(document.year) if document.year else None


def plan_year_end(year: int) -> date:
    """The end of a plan's year: when what it sets without a date is due (:func:`default_deadline`)."""
    return date(year, 12, 31)


def to_json(extracted: ExtractedFile) -> dict:
    """The ``extract`` command's JSON: documents, their items, responsibilities and targets."""
    return {
        "file": extracted.path.name,
        "sha256": extracted.sha256,
        "documents": [_document_json(extracted, d) for d in extracted.documents],
    }


def _document_json(extracted: ExtractedFile, document: ExtractedDocument) -> dict:
    h = document.header
    areas = {i.raw.number: i.raw.title for i in document.items if i.raw.kind == "policy_area"}
    return {
        "title": (h.plan_title or h.title) if h else "",
        "notice_title": h.title if h else None,
        "doc_number": h.doc_number if h else None,
        "issuer": h.issuer if h else None,
        "date": h.issue_date.isoformat() if h and h.issue_date else None,
        "kind": document.kind,
        "year": document.year,
        "city": document.city.name if document.city else None,
        "items": [_item_json(extracted, i, areas) for i in document.items],
    }


def _item_json(extracted: ExtractedFile, item: ExtractedItem, areas: dict[int, str]) -> dict:
    raw = item.raw
    start, end = extracted.clean.source_span(*raw.span)
    return {
        "kind": raw.kind,
        "number": raw.number,
        "label": raw.label,
        "area": areas.get(raw.area_number) if raw.area_number else None,
        "title": raw.title,
        "text": raw.text.text,
        "lead_leaders": raw.leaders_raw,
        "units": [u.name for u in item.units],
        "units_as_printed": raw.units_raw,
        "counties": [u.name.removesuffix("政府") for u in item.units if u.kind == "county_government"],
        "targets": [_target_json(item, t) for t in item.targets],
        "other_numbers": [
            {"raw": m.raw, "role": m.role, "reason": m.reason,
             "source": list(raw.text.source_span(m.start, m.end))}
            for m in item.mentions
        ],
        "problems": raw.problems,
        "source": [start, end],
    }


def _target_json(item: ExtractedItem, t: Target) -> dict:
    return {
        "indicator": t.indicator,
        "raw": t.raw,
        "value": t.value,
        "value_high": t.value_high,
        "unit": t.unit,
        "base_value": t.base_value,
        "base_value_high": t.base_value_high,
        "base_unit": t.base_unit,
        "comparator": t.comparator,
        "kind": t.kind,
        "tiers": [list(x) for x in t.tiers],
        "steps": [list(x) for x in t.steps],
        "deadline": t.deadline,
        "source": list(item.raw.text.source_span(t.start, t.end)),
    }
