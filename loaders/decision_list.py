"""Read a list of major administrative decisions (重大行政决策事项目录) into dated items.

The list (e.g. 衢政办发〔2024〕12号) is a table typeset vertically: in the text
every column arrives whole, one after another, with the cells of a column run
together and no separator::

    序号 1 2 3 4 事项名称 <name 1><name 2>… 决策主体 市政府市政府…
    决策承办单位 市数据局市住建局… 法律政策依据 1.《…》… 履行程序要求 …
    计划完成时间 2024年6月底前2024年6月底前…

A page holds a few rows, so a long list is several such blocks. The numbers in
``序号`` say how many cells each column must be cut into; names are cut after a
word that ends a document title (办法, 细则（试行）, 意见, 通知 …), units where a
new ``市…`` name begins, dates by their pattern. A column that cannot be cut into
the right number of cells is reported as a problem on the item, never guessed.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from loaders.plan_items import ORG_ENDINGS, RawItem
from loaders.text_clean import CleanText

DECISION_LIST = "decision_list"
DECISION = "decision"

_COLUMNS = ("事项名称", "决策主体", "决策承办单位", "法律政策依据", "履行程序要求", "计划完成时间")
_DATE_TEXT = r"\d{4}\s*年\s*\d{1,2}\s*月\s*(?:底|上旬|中旬|下旬|末|\d{1,2}\s*日)?\s*(?:之前|前)?"
_BLOCK = re.compile(r"序\s*号((?:\s*\d{1,3})+)\s*" + r"(.*?)".join(_COLUMNS) + rf"((?:\s*{_DATE_TEXT})+)", re.S)
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(底|上旬|中旬|下旬|末|(\d{1,2})\s*日)?\s*(?:之前|前)?")
# Words that end a document title; a bracketed note may follow: 实施细则（试行）.
_TITLE_END = re.compile(r"(?:办法|细则|标准|意见|通知|规定|方案|规划|条例|决定|目录|计划|制度|准则|规则)"
                        r"(?:[（(][^（）()]{1,6}[）)])?")
_TITLE_GOES_ON = tuple("的和与及、之")
_UNIT_START = re.compile(r"(?<=[%s])(?=市|区|县)" % "".join(e for e in ORG_ENDINGS if len(e) == 1))

Span = tuple[int, int]  # cleaned-text span


@dataclass
class Decision:
    """One row of the list; spans are cleaned-text positions."""

    number: int
    name: Span
    body: str                       # 决策主体, e.g. 市政府
    owner: str                      # 决策承办单位 as printed
    due: Span | None                # 计划完成时间 as printed
    deadline: date | None
    problems: list[str] = field(default_factory=list)

    def raw_item(self, doc: CleanText) -> RawItem:
        """The decision as an item; its text is the name followed by the completion date."""
        name = doc.slice(*self.name)
        text = name + doc.slice(*self.due) if self.due else name
        return RawItem(
            kind=DECISION, number=self.number, label=f"{self.number}．", title=name.text,
            text=text, span=self.name, units_raw=[self.owner] if self.owner else [],
            problems=list(self.problems),
        )

    def due_in_text(self) -> tuple[int, int] | None:
        """Where the completion date sits in :meth:`raw_item`'s text."""
        if not self.due:
            return None
        n = self.name[1] - self.name[0]
        return n, n + self.due[1] - self.due[0]


def find_decision_lists(doc: CleanText) -> list[list[Decision]]:
    """Every decision list in the document: consecutive blocks numbered 1, 2 … form one list."""
    lists: list[list[Decision]] = []
    for m in _BLOCK.finditer(doc.text):
        rows = _read_block(doc.text, m)
        if lists and lists[-1][-1].number + 1 == rows[0].number:
            lists[-1].extend(rows)
        else:
            lists.append(rows)
    return [rows for rows in lists if rows[0].number == 1]


def deadline_of(text: str) -> date | None:
    """"2024年6月底前" -> 2024-06-30; 上旬 -> the 10th, 中旬 -> the 20th; a stated day is kept."""
    m = _DATE.fullmatch(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if m.group(4):
        return date(year, month, int(m.group(4)))
    return date(year, month, {"上旬": 10, "中旬": 20}.get(m.group(3) or "", calendar.monthrange(year, month)[1]))


def _read_block(text: str, m: re.Match) -> list[Decision]:
    numbers = [int(n) for n in m.group(1).split()]
    n = len(numbers)
    names = _cut_names(text, m.start(2), m.end(2), n)
    bodies = _split_units(m.group(3))
    owners = _split_units(m.group(4))
    dates = [(m.start(7) + d.start(), m.start(7) + d.end()) for d in _DATE.finditer(m.group(7))]
    whole_name = _strip(text, m.start(2), m.end(2))
    rows = []
    for k, number in enumerate(numbers):
        problems = []
        if names is None:
            problems.append(f"事项名称无法切分为 {n} 项：{m.group(2).strip()}")
        if len(owners) != n:
            problems.append(f"决策承办单位无法切分为 {n} 个：{m.group(4).strip()}")
        if len(dates) != n:
            problems.append(f"计划完成时间应有 {n} 个，找到 {len(dates)} 个")
        due = dates[k] if len(dates) == n else None
        rows.append(Decision(
            number=number,
            name=names[k] if names else whole_name,
            body=bodies[k] if len(bodies) == n else "",
            owner=owners[k] if len(owners) == n else "",
            due=due,
            deadline=deadline_of(text[due[0]:due[1]]) if due else None,
            problems=problems,
        ))
    return rows


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_names(text: str, start: int, end: int, n: int) -> list[Span] | None:
    """Cut the run-together names after each title ending not followed by more words (…标准的通知)."""
    start, end = _strip(text, start, end)
    cuts = []
    for t in _TITLE_END.finditer(text, start, end):
        if t.end() < end and text[t.end()] in _TITLE_GOES_ON:
            continue
        cuts.append(t.end())
    if len(cuts) != n or cuts[-1] != end:
        return None
    return [_strip(text, s, e) for s, e in zip([start] + cuts[:-1], cuts)]


def _split_units(text: str) -> list[str]:
    """"市数据局市住建局市住建局" -> ["市数据局", "市住建局", "市住建局"]."""
    return [p for p in _UNIT_START.split(re.sub(r"\s+", "", text)) if p]


def milestone_target(decision: Decision, doc: CleanText):
    """The decision's one target: a milestone due on its planned completion date.

    Start and end point at the date inside :meth:`Decision.raw_item`'s text.
    """
    from loaders.targets import Target  # the phrase grammar's record; imported here to keep parsing light

    start, end = decision.due_in_text() or (0, decision.name[1] - decision.name[0])
    raw = doc.text[decision.due[0]:decision.due[1]] if decision.due else doc.text[slice(*decision.name)]
    return Target(
        indicator=doc.text[slice(*decision.name)], raw=raw, value=None, value_high=None, unit="",
        base_value=None, base_value_high=None, base_unit="", comparator="=", kind="milestone",
        tiers=(), steps=(), deadline=decision.deadline.isoformat() if decision.deadline else None,
        start=start, end=end,
    )
