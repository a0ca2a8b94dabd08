"""Parse the numbered items of the two plan kinds into :class:`RawItem` records.

Policy plan (政策实施方案), e.g. 衢政发〔2024〕7号::

    一、扩大有效投资政策（由市发改委牵头实施）<headline paragraph with area targets>
    （一）深化重点项目协调推进机制。<text>（责任单位：市发改委、市财政局）

Task decomposition (重点工作责任分解), e.g. 衢政办发〔2024〕10号::

    1．<task text>
    牵头市领导：徐张艳、郑河江
    责任单位：市财政局、柯城区政府

Measures are numbered across areas; a run of measures is recognised by its
numbering (1, 2, 3 …) and by most of its members closing with 责任单位.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.numbered_runs import Marker, consecutive_runs, line_markers
from loaders.text_clean import CleanText, Fragment

POLICY_AREA = "policy_area"
POLICY_MEASURE = "policy_measure"
WORK_TASK = "work_task"

_AREA_MARKER = re.compile(r"([一二三四五六七八九十]{1,3})、")
_MEASURE_MARKER = re.compile(r"（([一二三四五六七八九十百零]{1,6})）")
_TASK_MARKER = re.compile(r"(\d{1,3})[．.](?!\d)")
_AREA_LEAD = re.compile(r"[（(]由(.+?)牵头(?:实施|负责)?[）)]")
_MEASURE_UNITS_OPEN = re.compile(r"[（(]\s*(?:责任单位|牵头单位)[：:]")
_LEADERS_LABEL = re.compile(r"牵头(?:市)?领导[：:]")
_UNITS_LABEL = re.compile(r"(?:责任单位|牵头单位)[：:]")
_LIST_SPLIT = re.compile(r"[、，,；;]")
# How the name of an organisation ends; a list broken across lines continues
# while its last name does not end like this.
ORG_ENDINGS = (
    "局", "委", "办", "院", "府", "部", "厅", "会", "行", "室", "队", "所", "校", "馆",
    "社", "站", "台", "关", "团", "司", "心", "处", "小组", "位", "区", "县", "市",
    "协", "联", "署", "庭", "园", "城", "集团", "公司",
)
_MIN_NAME_LENGTH = 3
_GOVERNMENT_CONTINUES = re.compile(r"(?:人民)?政府|管委会")
_RUN_MIN_UNITS_SHARE = 0.6


@dataclass
class RawItem:
    kind: str
    number: int
    label: str
    title: str
    text: Fragment               # the item's own text (for a task, without the labels)
    span: tuple[int, int]        # cleaned-text span of the whole item, labels included
    area_number: int | None = None
    units_raw: list[str] = field(default_factory=list)   # lead first, as printed
    leaders_raw: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)    # what could not be read, for review


@dataclass(frozen=True)
class UnitsClause:
    start: int        # the opening bracket
    list_start: int
    list_end: int
    end: int          # just past the closing bracket

    def names(self, text: str) -> list[str]:
        return split_names(text[self.list_start: self.list_end])


def find_units_clause(text: str, start: int, stop: int) -> UnitsClause | None:
    """The "（责任单位：…）" clause in text[start:stop], brackets inside names balanced."""
    m = _MEASURE_UNITS_OPEN.search(text, start, stop)
    if not m:
        return None
    depth = 1
    for pos in range(m.end(), stop):
        ch = text[pos]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                return UnitsClause(m.start(), m.end(), pos, pos + 1)
    return None


def split_names(text: str) -> list[str]:
    """"市发改委、市财政局" -> ["市发改委", "市财政局"].

    Separators inside brackets do not split ("各县（市、区）政府" stays whole);
    spaces inside names are PDF noise.
    """
    names, current, depth = [], [], 0
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and _LIST_SPLIT.match(ch):
            names.append("".join(current))
            current = []
        else:
            current.append(ch)
    names.append("".join(current))
    cleaned = (n.strip().replace(" ", "").replace("\u3000", "") for n in names)
    return [n for n in cleaned if n]


# ---------------------------------------------------------------- policy plans

def measure_runs(doc: CleanText) -> list[list[Marker]]:
    """Runs of （一）（二）… markers whose items mostly close with 责任单位."""
    runs = []
    for run in consecutive_runs(line_markers(doc, _MEASURE_MARKER, "chinese")):
        bounds = [m.start for m in run[1:]] + [None]
        with_units = sum(
            1 for m, end in zip(run, bounds)
            if find_units_clause(doc.text, m.end, end if end is not None else len(doc.text))
        )
        if len(run) >= 2 and with_units >= _RUN_MIN_UNITS_SHARE * len(run):
            runs.append(run)
    return runs


def parse_policy_plan(doc: CleanText, run: list[Marker], stops: list[int]) -> list[RawItem]:
    """Areas and measures of one policy plan.

    ``run`` holds the measure markers; ``stops`` are positions (document header
    blocks and the like) that no item text may run across.
    """
    first, last = run[0].start, run[-1].end
    areas = [
        a for a in _area_markers(doc)
        if first - 400 <= a.start <= last and _AREA_LEAD.search(_heading_line(doc, a))
    ]
    areas = _consecutive_from_one(areas)
    boundaries = sorted({m.start for m in run} | {a.start for a in areas} | set(stops))
    items: list[RawItem] = []
    for area in areas:
        items.append(_area_item(doc, area, _next_boundary(boundaries, area.start, doc)))
    for marker in run:
        area_no = max((a.number for a in areas if a.start < marker.start), default=None)
        items.append(_measure_item(doc, marker, _next_boundary(boundaries, marker.start, doc), area_no))
    items.sort(key=lambda i: i.span[0])
    return items


def _area_markers(doc: CleanText) -> list[Marker]:
    return line_markers(doc, _AREA_MARKER, "chinese")


def _consecutive_from_one(markers: list[Marker]) -> list[Marker]:
    runs = consecutive_runs(markers)
    return max(runs, key=len) if runs else []


def _heading_line(doc: CleanText, marker: Marker) -> str:
    """The heading of an area: up to the close of its （由…牵头实施）, within 80 characters."""
    window = doc.text[marker.end: marker.end + 80]
    m = _AREA_LEAD.search(window)
    return window[: m.end()] if m else ""


def _next_boundary(boundaries: list[int], pos: int, doc: CleanText) -> int:
    return next((b for b in boundaries if b > pos), len(doc.text))


def _area_item(doc: CleanText, marker: Marker, stop: int) -> RawItem:
    heading = _heading_line(doc, marker)
    lead = _AREA_LEAD.search(heading)
    title = heading[: lead.start()].strip()
    body = doc.slice(marker.end + len(heading), stop).strip()
    return RawItem(
        kind=POLICY_AREA,
        number=marker.number,
        label=marker.label,
        title=title,
        text=body,
        span=(marker.start, stop),
        units_raw=split_names(lead.group(1).replace("和", "、")),
    )


def _measure_item(doc: CleanText, marker: Marker, stop: int, area_no: int | None) -> RawItem:
    units = find_units_clause(doc.text, marker.end, stop)
    end = units.end if units else stop
    body = doc.slice(marker.end, units.start if units else stop).strip()
    title, _, _ = body.text.partition("。")
    item = RawItem(
        kind=POLICY_MEASURE,
        number=marker.number,
        label=marker.label,
        title=title.strip(),
        text=body,
        span=(marker.start, end),
        area_number=area_no,
        units_raw=units.names(doc.text) if units else [],
    )
    if not units:
        item.problems.append(f"措施{marker.label}未找到（责任单位：…）")
    return item


# ---------------------------------------------------------------- task lists

def task_runs(doc: CleanText) -> list[list[Marker]]:
    """Runs of 1．2．… markers whose items mostly carry a 责任单位 label."""
    runs = []
    for run in consecutive_runs(line_markers(doc, _TASK_MARKER, "arabic")):
        bounds = [m.start for m in run[1:]] + [len(doc.text)]
        labelled = sum(1 for m, end in zip(run, bounds) if _UNITS_LABEL.search(doc.text, m.end, end))
        if len(run) >= 2 and labelled >= _RUN_MIN_UNITS_SHARE * len(run):
            runs.append(run)
    return runs


def parse_task_list(doc: CleanText, run: list[Marker], stops: list[int]) -> list[RawItem]:
    boundaries = sorted({m.start for m in run} | set(stops))
    return [_task_item(doc, m, _next_boundary(boundaries, m.start, doc)) for m in run]


def _task_item(doc: CleanText, marker: Marker, stop: int) -> RawItem:
    text = doc.text
    leaders_label = _LEADERS_LABEL.search(text, marker.end, stop)
    units_label = _UNITS_LABEL.search(text, marker.end, stop)
    body_end = min(m.start() for m in (leaders_label, units_label) if m) if (leaders_label or units_label) else stop
    body = doc.slice(marker.end, body_end).strip()
    leaders: list[str] = []
    units: list[str] = []
    end = body_end
    if leaders_label:
        leaders_end = units_label.start() if units_label and units_label.start() > leaders_label.end() else doc.line_end(leaders_label.end())
        leaders = split_names(text[leaders_label.end(): leaders_end])
        end = max(end, leaders_end)
    if units_label:
        units_end = _name_list_end(doc, units_label.end(), stop)
        units = split_names(text[units_label.end(): units_end])
        end = max(end, units_end)
    item = RawItem(
        kind=WORK_TASK,
        number=marker.number,
        label=marker.label,
        title=_first_clause(body.text),
        text=body,
        span=(marker.start, end),
        units_raw=units,
        leaders_raw=leaders,
    )
    if not units_label:
        item.problems.append(f"任务{marker.label}未找到“责任单位：”")
    if not leaders_label:
        item.problems.append(f"任务{marker.label}未找到“牵头市领导：”")
    return item


def _name_list_end(doc: CleanText, pos: int, stop: int) -> int:
    """End of a list of names that starts at ``pos`` and may wrap over lines.

    The list goes on to the next line while the text so far ends with a
    separator or with a name cut in the middle (not ending like an organisation).
    """
    end = min(doc.line_end(pos), stop)
    while end < stop:
        so_far = doc.text[pos:end].rstrip()
        names = split_names(so_far)
        last = names[-1] if names else ""
        complete = len(last) >= _MIN_NAME_LENGTH and last.endswith(ORG_ENDINGS)
        if complete and _GOVERNMENT_CONTINUES.match(doc.text, end):
            complete = False  # "衢江区" + next line "政府、…"
        if complete and not so_far.endswith(("、", "，", ",")):
            break
        end = min(doc.line_end(end), stop)
    return end


_OPENERS, _CLOSERS = "“‘《（(「", "”’》）)」"


def _first_clause(text: str) -> str:
    """A short title for a task: its first clause, at most 40 characters. A comma inside quotation marks
    or brackets does not end it: task 95 was titled 完善“人人有事做 (of 完善“人人有事做，家家有收入”…体系)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(depth - 1, 0)
        elif depth == 0 and ch in "，。；：":
            return text[:i][:40]
    return text[:40]
