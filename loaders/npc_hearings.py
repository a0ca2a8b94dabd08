"""A standing committee's topical inquiry (专题询问会): the figures said at it, as plans or as status.

A bulletin may carry the record of an inquiry (``衢州市人大常委会召开农村饮用水安全保障情况专题询问会``):
members ask, departments and county governments answer, and the answers state the programme's
size, its progress and its money. This module finds such records and reads those figures.

Where an inquiry is: it opens at a sentence saying a committee 召开/举行 ``<topic>(情况|工作)?专题询问会``
and runs on as long as the text keeps speaking of its topic (the topic's core words, ``农村饮用水``,
come back within :data:`TOPIC_GAP` characters), so a side article and the record that follows it
are one inquiry, and the next document (a law, a notice) ends it.

What a figure is: :data:`METRICS` lists, in order, the words that make a count one metric. A
programme's size is named by the noun right after the count (``472 座单村水站提升改造项目``); a
status or an amount by the words before it (``已完成审批未开工建设的 42 座``, ``工作经费 3086 万元``).
A list ``其中市级 210 万元，柯城区 278 万元…`` continues the metric before it, place by place. A count of
projects named ``项目…`` in :data:`METRICS` is called after the programme noun its sentence states before it
(``472 个单村水站已完成审批并开工建设的有 219 座`` → 单村水站已审批并开工); with none, or two, it stays 项目….

Plan or status (:data:`TARGET`, :data:`STATUS`): a figure is a target when its metric is a
programme's size, when it carries a bound (``70% 以上``), or when its sentence up to it says
``计划 / 拟 / 要求 / 目标 / 力争 / 全力争取``; otherwise it is what stands as of the inquiry.

Whose and when: the place is the one named in the clause before the count (``衢江区 300 万元``,
``市级`` = the city's 市本级), else the inquiry's own. A sentence that speaks for an unnamed county
(``全区 41 个单村水站``, ``区财政兜底``) in a city's inquiry is left out: the record's layout
scrambles who is speaking, so its place cannot be told. The year is a range the sentence states
before the count (``从 2023 到 2025 年``), else the last year it states, else the inquiry's year
(``年底`` and ``今年`` are that year too). A sentence that states the programme's total investment again
without its years (``总投资约 24.9 亿元``, where the question said ``从 2023 到 2025 年投资 24.9 亿元``)
opens the programme's money: the money plans after it that state no year of their own
(``拟通过国企融资筹措 13.78 亿元``) take the programme's years, up to the end of its paragraph (a sentence
that ends a printed line) or a sentence stating a year. A figure said again (same place, metric, value and
nature, whatever its measure word: 472 座 and 472 个单村水站) is kept once, where it is first said.

Nothing here names a city or a county: places come from the reference table.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Callable, Hashable, TypeVar

from loaders.organisations import Jurisdiction

T = TypeVar("T")

TARGET, STATUS = "target", "status"
NATURE_LABELS = {TARGET: "目标/计划", STATUS: "进展/现状"}
#: How far apart mentions of an inquiry's topic may lie and still be one record of it.
TOPIC_GAP = 3000
_GENERIC_TOPIC_ENDS = ("安全保障", "保障", "情况", "工作", "发展", "建设", "提升", "优化")

_COUNTS, _RATES, _MONEY = ("座", "个", "项"), ("%",), ("亿元", "万元")


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    pattern: str            # a regular expression over the words (whitespace removed)
    units: tuple[str, ...]
    after: bool = False     # named by the noun right after the count (a programme's size)
    target: bool = False    # always a target (a programme's size)


#: In order: the first that matches a count's words names it. Statuses come before the programme
#: nouns they mention ("472 个单村水站已完成审批并开工建设的有 219 座").
METRICS = (
    Metric("projects_not_approved", "项目未完成审批", r"未完成审批", _COUNTS),
    Metric("projects_approved_not_started", "项目已审批未开工", r"审批.{0,4}未开工", _COUNTS),
    Metric("projects_started", "项目已审批并开工", r"(?:审批并|已)开工", _COUNTS),
    Metric("approval_rate", "审批完成率", r"审批完成率", _RATES),
    Metric("start_rate", "开工率", r"开工率", _RATES),
    Metric("investment", "总投资", r"投资", _MONEY),
    Metric("budget_funds", "财政安排工作经费", r"安排.{0,12}(?:经费|资金)", _MONEY),
    Metric("budget_funds_growth", "财政安排工作经费较上年增长", r"较上年增长", _RATES),
    Metric("state_firm_financing", "国企融资", r"融资", _MONEY),
    Metric("government_bonds", "专项债和一般债", r"专项债|一般债", _MONEY),
    Metric("higher_level_subsidy", "上级财政补助", r"上级.{0,4}补助", _MONEY),
    Metric("central_funds", "中央资金", r"中央资金", _MONEY),
    Metric("provincial_funds", "省级资金", r"省级资金", _MONEY),
    Metric("local_matching_funds", "地方财政配套资金", r"配套资金", _MONEY),
    Metric("pipe_extension_projects", "城市管网延伸项目", r"城市管网延伸", ("个",), after=True, target=True),
    Metric("town_plant_projects", "乡镇水厂项目", r"乡镇水厂", ("个", "座"), after=True, target=True),
    Metric("village_station_projects", "单村水站提升改造项目", r"单村水站", ("座", "个"), after=True, target=True),
)
LABELS = {m.code: m.label for m in METRICS}
_GROWTH_OF = {"budget_funds_growth": "budget_funds"}   # a growth rate belongs after its amount
_PROJECT_WORDS = ("项目", "改造", "建设", "任务")          # a sentence about a programme's projects
_TARGET_CUES = ("计划", "拟", "要求", "目标", "力争", "全力争取")
_AT_LEAST, _AT_MOST = ("以上", "不低于", "不少于", "超过"), ("以内", "不超过", "低于")
_UNNAMED_PART = ("全区", "我区", "本区", "区财政", "全县", "我县", "本县", "县财政")
_CITY_LEVEL = ("市本级", "市级")

_COUNT = re.compile(r"(约)?(\d+(?:\.\d+)?)(余|多)?(亿元|万元|座|个|项|%)")
_RANGE = re.compile(r"(\d{4})年?(?:到|至|—|-|－|~)(\d{4})年")
_YEAR = re.compile(r"(\d{4})年(?!度)")
_ANNOUNCE = re.compile(r"(?:召开|举行了?)([^，。；、：:“”（）()]{2,30}?)(?:情况|工作)?专题询问会")


@dataclass(frozen=True)
class Hearing:
    topic: str                 # 农村饮用水安全保障
    start: int                 # cleaned-text span of the record
    end: int
    jurisdiction: Jurisdiction  # whose committee held it
    year: int


@dataclass(frozen=True)
class HearingFact:
    hearing: Hearing
    jurisdiction: Jurisdiction   # the place the figure is about
    year: int
    year_end: int | None         # last year of a figure over several years, else None
    metric: str
    value: float
    unit: str
    approx: bool                 # 约 / 余 / 多
    comparator: str | None       # ">=" (70% 以上), "<=", or None for a figure as it stands
    nature: str                  # TARGET or STATUS
    phrase: str
    sentence: str
    span: tuple[int, int]        # cleaned-text span of the phrase
    sentence_span: tuple[int, int]
    programme: str = ""          # the programme noun a count of 项目 is of (单村水站), else ""

    @property
    def label(self) -> str:
        label = LABELS[self.metric]
        return self.programme + label[len("项目"):] if self.programme and label.startswith("项目") else label

    @property
    def body(self) -> str:
        return f"{self.hearing.jurisdiction.name}人大常委会"

    @property
    def topic(self) -> str:
        return self.hearing.topic


def topic_core(topic: str) -> str:
    """"农村饮用水安全保障" -> "农村饮用水": the words that keep coming back while the record runs."""
    core = topic
    changed = True
    while changed:
        changed = False
        for end in _GENERIC_TOPIC_ENDS:
            if core.endswith(end) and len(core) - len(end) >= 2:
                core, changed = core[: -len(end)], True
    return core


def find_hearings(text: str, sentences: list[tuple[int, int]], scope_at) -> list[Hearing]:
    """Inquiry records of ``text`` (cleaned), in order; one per topic and stretch of text.

    ``sentences`` are the text's sentence spans; ``scope_at(pos)`` gives the jurisdiction and year
    the text speaks for at ``pos`` (the committee holding the inquiry)."""
    hearings: list[Hearing] = []
    # every sentence without white space, once (a magazine has thousands; most are read for the topic again)
    squeezed = [_WHITE.sub("", text[s_start:s_end]) for s_start, s_end in sentences]
    for (s_start, s_end), words in zip(sentences, squeezed):
        m = _ANNOUNCE.search(words)
        if not m:
            continue
        topic = m.group(1)
        if any(h.topic == topic and h.start <= s_start < h.end for h in hearings):
            continue   # the record of an inquiry already found names it again
        core = topic_core(topic)
        end, last = s_end, s_start
        for (t_start, t_end), words in zip(sentences, squeezed):
            if t_start < s_start:
                continue
            if core in words:
                if t_start - last > TOPIC_GAP:
                    break
                last, end = t_start, t_end
        jurisdiction, year = scope_at(s_start)
        hearings.append(Hearing(topic, s_start, end, jurisdiction, year))
    return hearings


_WHITE = re.compile(r"\s+")


def _compact(s: str) -> tuple[str, list[int]]:
    """``s`` without whitespace ("衢 江 区 300 万 元" -> "衢江区300万元") and each kept character's index."""
    kept = [(i, ch) for i, ch in enumerate(s) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def _clauses(compact: str) -> list[tuple[int, int]]:
    """Clauses of a compact sentence: cut at ，：, between two quotations (”“), and at 、 once the clause
    holds a count ("17 个城市管网延伸、10 个乡镇水厂", "中央资金 2.55 亿元、省级资金 1.42 亿元")."""
    spans, s = [], 0
    for i, ch in enumerate(compact):
        if ch in "，,：:" or (ch == "、" and _COUNT.search(compact, s, i)) or compact.startswith("”“", i):
            spans.append((s, i + (ch == "”")))
            s = i + 1
    spans.append((s, len(compact)))
    return [(a, b) for a, b in spans if b > a]


def find_hearing_facts(text: str, hearing: Hearing, sentences: list[tuple[int, int]],
                       family: list[Jurisdiction], line_starts: tuple[int, ...] = ()) -> list[HearingFact]:
    """The figures said at ``hearing`` (see the module's notes), each once. ``line_starts`` are where the
    printed lines of ``text`` begin (:attr:`loaders.text_clean.CleanText.line_starts`): a sentence that
    ends a line ends its paragraph."""
    names = _place_names(hearing.jurisdiction, family)
    facts: list[HearingFact] = []
    own_year: list[bool] = []   # per fact: its sentence states a year before it
    for s_start, s_end in sentences:
        if s_end <= hearing.start or s_start >= hearing.end:
            continue
        raw = text[s_start:s_end]
        compact, index = _WHITE.sub("", raw), None   # the index back to raw: only for a sentence with a figure
        previous: tuple[str, str] | None = None   # (metric, unit family) of the last count in the sentence
        for c_start, c_end in _clauses(compact):
            clause = compact[c_start:c_end]
            counts = list(_COUNT.finditer(clause))
            for k, m in enumerate(counts):
                prefix = clause[counts[k - 1].end() if k else 0: m.start()]
                suffix = clause[m.end(): counts[k + 1].start() if k + 1 < len(counts) else len(clause)]
                count_place = _named_place(prefix, names)
                metric = classify(prefix, suffix, m.group(4), compact)
                if metric is None and count_place is not None and previous and _family(m.group(4)) == previous[1]:
                    metric = previous[0]   # "其中市级 210 万元，柯城区 278 万元": the list goes on
                if metric in _GROWTH_OF and (previous is None or previous[0] != _GROWTH_OF[metric]):
                    metric = None
                if metric is None:
                    continue
                previous = (metric, _family(m.group(4))) if metric not in _GROWTH_OF else previous
                if count_place is None and hearing.jurisdiction.kind == "city" and any(
                        w in compact for w in _UNNAMED_PART):
                    continue   # an unnamed county's figure: whose, the record cannot tell
                before = compact[: c_start + m.start()]
                after = clause[m.end(): m.end() + 4]
                comparator = (">=" if after.startswith(_AT_LEAST) else "<=" if after.startswith(_AT_MOST) else None)
                spec = next(x for x in METRICS if x.code == metric)
                nature = TARGET if (spec.target or comparator or any(c in before for c in _TARGET_CUES)) else STATUS
                year, year_end = _years(before, clause, hearing.year)
                approx = bool(m.group(1) or m.group(3)) or after.startswith("左右")
                if index is None:
                    index = _compact(raw)[1]
                a, b = index[c_start], index[c_end - 1] + 1
                facts.append(HearingFact(
                    hearing, count_place or hearing.jurisdiction, year, year_end, metric, float(m.group(2)),
                    m.group(4), approx, comparator, nature, raw[a:b].strip(), raw.strip(),
                    trim_span(text, s_start + a, s_start + b), trim_span(text, s_start, s_end),
                    _programme_noun(before) if LABELS[metric].startswith("项目") else ""))
                own_year.append(bool(_YEAR.search(before)) or "年底" in clause or "今年" in clause)
    line_ends = set(line_starts) | {len(text)}
    paragraph_ends = [e for _, e in sentences if trim_span(text, 0, e)[1] in line_ends or e in line_ends]
    return _first_of_each(_programme_years(facts, own_year, paragraph_ends))


def _programme_noun(before: str) -> str:
    """The one programme noun (单村水站, 乡镇水厂 …) a sentence states before a count, else ""."""
    nouns = {m.group() for spec in METRICS if spec.after for m in re.finditer(spec.pattern, before)}
    return nouns.pop() if len(nouns) == 1 else ""


def _programme_years(facts: list[HearingFact], own_year: list[bool], paragraph_ends: list[int]) -> list[HearingFact]:
    """Money plans said after the programme's investment is stated again without its years take those years
    (see the module's notes); ``paragraph_ends`` are the ends of the sentences that end a paragraph, in order."""
    periods = {f.value: (f.year, f.year_end) for f in facts if f.metric == "investment" and f.year_end}
    out, period, closes = [], None, -1
    for f, stated in zip(facts, own_year):
        if period and (f.sentence_span[0] >= closes or stated):
            period = None
        if f.metric == "investment" and not stated and f.value in periods:
            period = periods[f.value]
            i = bisect.bisect_left(paragraph_ends, f.sentence_span[1])
            closes = paragraph_ends[i] if i < len(paragraph_ends) else float("inf")
        if period and not stated and f.nature == TARGET and _family(f.unit) == "money" and not f.year_end:
            f = replace(f, year=period[0], year_end=period[1])
        out.append(f)
    return out


def classify(prefix: str, suffix: str, unit: str, sentence: str) -> str | None:
    """The metric of a count from the words before it (``prefix``) and after it (``suffix``), or None.

    A programme's size is named right after the count, and only in a sentence about projects."""
    for spec in METRICS:
        if unit not in spec.units:
            continue
        if spec.after:
            if re.match(spec.pattern, suffix) and any(w in sentence for w in _PROJECT_WORDS):
                return spec.code
        elif re.search(spec.pattern, prefix):
            return spec.code
    return None


def _family(unit: str) -> str:
    return "money" if unit in _MONEY else "rate" if unit in _RATES else "count"


def _place_names(own: Jurisdiction, family: list[Jurisdiction]) -> list[tuple[str, Jurisdiction]]:
    """Names a clause may give a figure's place by, longest first; 市级 is the city's 市本级."""
    names = [(j.name, j) for j in family if j.code != own.code and j.kind not in ("city",)]
    city_level = next((j for j in family if j.kind == "city_level"), None)
    if own.kind == "city" and city_level is not None:
        names += [(n, city_level) for n in _CITY_LEVEL]
    return sorted(names, key=lambda x: len(x[0]), reverse=True)


def _named_place(words: str, names: list[tuple[str, Jurisdiction]]) -> Jurisdiction | None:
    found = [(words.rfind(n), -len(n), j) for n, j in names if n in words]
    return max(found, key=lambda x: (x[0], x[1]))[2] if found else None


def _years(before: str, clause: str, default: int) -> tuple[int, int | None]:
    """(year, last year) of a figure: a range stated before it, else the last year stated, else ``default``."""
    if "年底" in clause or "今年" in clause:
        return default, None
    r = None
    for r in _RANGE.finditer(before):
        pass
    y = None
    for y in _YEAR.finditer(before):
        pass
    if r and (y is None or y.start() <= r.end()):
        return int(r.group(1)), int(r.group(2))
    if y:
        return int(y.group(1)), None
    return default, None


def first_of_each(items: list[T], key: Callable[[T], Hashable]) -> list[T]:
    """``items`` in order, each ``key`` once (the first): a figure said again is kept once."""
    seen, kept = set(), []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            kept.append(item)
    return kept


def _first_of_each(facts: list[HearingFact]) -> list[HearingFact]:
    return first_of_each(facts, lambda f: (f.hearing.topic, f.jurisdiction.code, f.metric, f.value, f.nature))


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``, ``end`` moved inward past white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
