"""People's Congress reports: counted facts of standing committees and task lists without numbers.

Two kinds of source hold them: a standing committee's work report to its congress
(``常山县人民代表大会常务委员会工作报告``, reviewing the year before it is given) and
a bulletin or magazine (``衢州人大``, ``杭州人大信息``) with one article per city or
county. Nothing here assumes a city: jurisdictions come from the reference table.

Which jurisdiction a sentence speaks for: the report's own (the most specific one
named in its title, else the city named most often), changed by an article's
markers — a heading ``2023 年柯城区人大常委会工作综述``, ``中共柯城区委``, an article
title ``上城区：…`` — and reset at an article's credit line ``（文 / …）``.

A counted fact is one count in a clause: ``召开常委会会议 8 次`` → (standing_meetings,
8, 次). Clauses are cut at ``，；：`` and at ``、`` after a count, so
``召开常委会会议8次、主任会议13次`` gives two facts while ``执法检查、视察调研、专题询问
23 次`` stays one (oversight_activities). Only counts whose words name a known
metric are kept; each keeps its sentence and offsets into the raw text.

A topical inquiry (专题询问会) recorded in a bulletin gives figures of another kind: a programme's
plan and its progress, county by county (:mod:`loaders.npc_hearings`). They are stored in the same
table with their topic and their nature (target or status), so a page shows them apart.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from loaders.db_writer import LoadResult, OnStored
from loaders.extract import read_source
from loaders.npc_hearings import STATUS, HearingFact, find_hearing_facts, find_hearings, first_of_each, trim_span
from loaders.numbered_runs import chinese_ordinal
from loaders.organisations import COUNTY_LEVEL_KINDS, Directory, Jurisdiction
from loaders.text_clean import CleanText, clean
from tracker.db import commit, insert_rows, next_ids, write_transaction

WORK_REPORT, BULLETIN = "work_report", "bulletin"

# metric key -> Chinese label; classification rules are in _classify.
METRICS = {
    "standing_meetings": "常委会会议",
    "director_meetings": "主任会议",
    "reports_heard": "听取审议报告",
    "oversight_activities": "执法检查、视察、询问等监督活动",
    "law_inspections": "执法检查",
    "inquiries": "专题询问",
    "inquiry_questions": "专题询问提出问题",
    "inspections": "视察",
    "resolutions": "决议决定",
    "appointments": "任免国家机关工作人员",
    "oaths": "宪法宣誓",
    "by_elections": "补选代表",
    "normative_documents": "备案审查规范性文件",
    "suggestions": "议案建议",
    "suggestions_resolved": "议案建议得到解决",
    "suggestions_resolved_rate": "议案建议解决比例",
    "problems_solved": "推动解决问题",
    "opinions": "收集、提出意见建议",
    "satisfaction_rate": "满意率",
    "completion_rate": "办结率",
    "consultations": "协商议事活动",
    "petitions": "信访件",
}
_OVERSIGHT = ("执法检查", "视察", "询问", "调研")
# A sentence about one meeting's business ("会议听取和审议了市政府 5 个报告和两项议案"), not the year's.
_ONE_MEETING = ("会议", "本次会议")
# In a clause about motions and suggestions, words that make its count a part of them or something
# else: "对2件议案和10件重点建议进行跟踪督办", "2 件优秀议案", "19 件办理不满意的建议", "闭会期间代表建议 2 件",
# "2 件议案被列为大会议案", "民生议案项目23件", "代表建议和检察建议衔接转化7件".
_SUGGESTION_PARTS = ("督办", "重点建议", "优秀", "不满意", "闭会期间", "被列为", "大会议案", "项目", "检察建议")
_PROBLEMS_END = re.compile(r"(?:问题|难题)[”’\"]?\s*$")   # the words right before a count of problems
_GATHERED = re.compile(r"收集|征集")                         # a clause that gathers opinions
_COUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(余|多)?\s*(人次|件次|次|个|项|件|条|部|名|场|篇|人|家|%)")
_SENTENCE_END = "。！？；;"
_CLAUSE_END = "，,：:"
_SENTENCE_END_CHAR = re.compile(f"[{re.escape(_SENTENCE_END)}]")
_CLAUSE_CUT_CHAR = re.compile(f"[{re.escape(_CLAUSE_END)}、]")   # where a clause may end (、 only after a count)
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CREDIT = re.compile(r"[（(][^（）()]{0,30}(?:文\s*/|人大常委会办公室|工委|研究室)[^（）()]{0,30}[）)]")
_TASK_HEADING = re.compile(r"([一二三四五六七八九十]{1,3})、\s*(\d{4})\s*年\s*(?:主要任务|工作安排|工作任务|主要工作任务)")
_TOP_HEADING = re.compile(r"([一二三四五六七八九十]{1,3})、")
_SUB_ITEM = re.compile(r"[（(]([一二三四五六七八九十]{1,3})[）)]")
_ARTICLE_BEFORE = "。！？）)”"   # what precedes an article title "上城区：…"
_SUBJECT_WINDOW = 12              # how far into a sentence "<name>人大常委会" may stand to be its subject
_PREFIX_WINDOW, _SUFFIX_WINDOW, _NOUN_WINDOW = 20, 16, 6   # words around a count that say what was counted
# Units a metric may be counted in (a count in another unit is about something else).
_UNITS = {
    "standing_meetings": ("次",), "director_meetings": ("次",), "reports_heard": ("个", "项", "件"),
    "oversight_activities": ("次", "场"), "law_inspections": ("次", "部", "场"), "inquiries": ("次", "场"),
    "inquiry_questions": ("个",),
    "inspections": ("次", "场"), "resolutions": ("项", "个", "件"), "appointments": ("人次", "名", "人"),
    "oaths": ("人次",), "by_elections": ("名", "人"), "normative_documents": ("件", "个"),
    "suggestions": ("件", "条"), "suggestions_resolved": ("件", "个", "条"), "opinions": ("条", "件", "个"),
    "problems_solved": ("个", "件", "项"),
    "petitions": ("件",),
    "consultations": ("场", "次"),
}


@dataclass(frozen=True)
class Fact:
    jurisdiction: Jurisdiction
    year: int
    metric: str
    value: float
    unit: str
    approx: bool          # "140余条"
    phrase: str           # the clause as printed
    sentence: str
    span: tuple[int, int]           # cleaned-text span of the phrase
    sentence_span: tuple[int, int]

    @property
    def label(self) -> str:
        return METRICS[self.metric]

    @property
    def body(self) -> str:
        return f"{self.jurisdiction.name}人大常委会"


@dataclass(frozen=True)
class Task:
    jurisdiction: Jurisdiction
    year: int
    number: int
    label: str            # （一）
    title: str
    text: str
    span: tuple[int, int]

    @property
    def body(self) -> str:
        return f"{self.jurisdiction.name}人大常委会"


@dataclass
class NpcReport:
    path: Path
    sha256: str
    raw: str
    clean: CleanText
    title: str
    kind: str
    jurisdiction: Jurisdiction
    report_date: date | None
    year: int                 # the year the report speaks for
    facts: list[Fact] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    hearing_facts: list[HearingFact] = field(default_factory=list)   # figures said at topical inquiries

    @property
    def all_facts(self) -> list[Fact | HearingFact]:
        """Every row of ``npc_facts`` the report gives: its counted facts, then its inquiries' figures."""
        return [*self.facts, *self.hearing_facts]


class NotAnNpcReport(ValueError):
    """The text does not read as a People's Congress report or bulletin."""


# ----------------------------------------------------------------------------- reading

def looks_like_npc_report(doc: CleanText) -> bool:
    return bool(re.search(r"人大|人民代表大会", doc.text[:200]))


def extract_npc_report(path: Path, raw: str, directory: Directory) -> NpcReport:
    doc = clean(raw)
    if not looks_like_npc_report(doc):
        raise NotAnNpcReport(f"{path.name}：开头没有“人大”或“人民代表大会”，不是人大报告或简报")
    head = doc.text[:300]
    d = _DATE.search(head)
    report_date = _safe_date(d) if d else None
    kind = WORK_REPORT if "工作报告" in doc.text[:60] else BULLETIN
    jurisdiction = _default_jurisdiction(doc.text, directory)
    if jurisdiction is None:
        raise NotAnNpcReport(f"{path.name}：找不到报告所属的市或县（市、区）；请在 data/reference/jurisdictions.csv 中补充")
    if report_date is None:
        raise NotAnNpcReport(f"{path.name}：开头 300 字内找不到日期（YYYY年M月D日）")
    year = report_date.year - 1 if kind == WORK_REPORT else report_date.year
    title = doc.text[: (d.start() if d else 40)].strip()[:80] or path.stem
    report = NpcReport(path, hashlib.sha256(raw.encode("utf-8")).hexdigest(), raw, doc, title, kind,
                       jurisdiction, report_date, year)
    scopes = _scopes(doc.text, directory, jurisdiction, year)
    report.facts = _first_of_each(find_facts(doc.text, scopes))
    report.tasks = find_tasks(doc, scopes)
    report.hearing_facts = find_inquiry_facts(doc.text, scopes, _family(directory, jurisdiction), doc.line_starts)
    return report


def find_inquiry_facts(text: str, scopes: list[_Scope], family: list[Jurisdiction],
                       line_starts: tuple[int, ...] = ()) -> list[HearingFact]:
    """The figures of every topical inquiry recorded in ``text`` (:mod:`loaders.npc_hearings`); ``line_starts``
    as in :class:`loaders.text_clean.CleanText`, where printed lines begin (a paragraph ends with a line)."""
    sentences = _sentences(text)

    def scope_at(pos: int) -> tuple[Jurisdiction, int]:
        scope = _scope_at(scopes, pos)
        return scope.jurisdiction, scope.year
    return [f for h in find_hearings(text, sentences, scope_at)
            for f in find_hearing_facts(text, h, sentences, family, line_starts)]


def _safe_date(m: re.Match) -> date | None:
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _names(j: Jurisdiction) -> list[str]:
    return [j.name] + ([j.short_name] if j.kind == "city" and j.short_name != j.name else [])


def _default_jurisdiction(text: str, directory: Directory) -> Jurisdiction | None:
    """The most specific jurisdiction in the title; else the city named most often."""
    head = text[:80]
    named = [j for j in directory.jurisdictions if any(n in head for n in _names(j))]
    county = [j for j in named if j.kind in COUNTY_LEVEL_KINDS]
    if county:
        return min(county, key=lambda j: head.index(j.name))
    if named:
        return named[0]
    cities = [j for j in directory.jurisdictions if j.kind == "city"]
    counts = [(sum(text.count(n) for n in _names(c)), c) for c in cities]
    best = max(counts, key=lambda c: c[0], default=(0, None))
    return best[1] if best[0] else None


@dataclass(frozen=True)
class _Scope:
    start: int
    jurisdiction: Jurisdiction
    year: int


def _family(directory: Directory, default: Jurisdiction) -> list[Jurisdiction]:
    """The report's city and every place under it (its counties, 市本级, its zones)."""
    city = default if default.kind == "city" else next(
        (j for j in directory.jurisdictions if j.code == default.parent_code), default)
    return [j for j in directory.jurisdictions if j.code == city.code or j.parent_code == city.code]


def _scopes(text: str, directory: Directory, default: Jurisdiction, year: int) -> list[_Scope]:
    """Where the text starts speaking for another jurisdiction (and year), in order."""
    family = _family(directory, default)
    by_name = {n: j for j in family for n in _names(j)}
    alternatives = "|".join(sorted(map(re.escape, by_name), key=len, reverse=True))
    marks: list[tuple[int, Jurisdiction, int]] = []
    for m in re.finditer(rf"(\d{{4}})\s*年\s*({alternatives})人大常委会工作综述", text):
        marks.append((m.start(), by_name[m.group(2)], int(m.group(1))))
    for m in re.finditer(rf"中共({alternatives})委", text):
        marks.append((m.start(), by_name[m.group(1)], year))
    for m in re.finditer(rf"({alternatives})\s*[:：]", text):
        # An article title opens after the end of the previous article, not inside a table of contents.
        before = text[:m.start()].rstrip()
        if not before or before[-1] in _ARTICLE_BEFORE:
            marks.append((m.start(), by_name[m.group(1)], year))
    full = "|".join(sorted((re.escape(j.name) for j in family), key=len, reverse=True))
    for m in re.finditer(rf"({full})人大常委会", text):
        # "根据年度监督计划，衢州市人大常委会召开…": a sentence about the body opens with its name.
        sentence_start = max(text.rfind(ch, 0, m.start()) for ch in _SENTENCE_END + "！）") + 1
        if m.start() - sentence_start <= _SUBJECT_WINDOW:
            marks.append((sentence_start, by_name[m.group(1)], year))
    resets = [(m.end(), default, year) for m in _CREDIT.finditer(text)]
    scopes = [_Scope(0, default, year)]
    # At one position a credit line (the end of an article) comes before the next article's title.
    for pos, _order, j, y in sorted([(p, 0, j, y) for p, j, y in resets] + [(p, 1, j, y) for p, j, y in marks],
                                    key=lambda x: (x[0], x[1])):
        scopes.append(_Scope(pos, j, y))
    return scopes


def _scope_at(scopes: list[_Scope], pos: int) -> _Scope:
    current = scopes[0]
    for s in scopes:
        if s.start > pos:
            break
        current = s
    return current


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END_CHAR.finditer(text):   # the regex engine finds the ends, not a loop over every character
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of a sentence: cut at ，： and at 、 right after a count."""
    spans, s = [], start
    for m in _CLAUSE_CUT_CHAR.finditer(text, start, end):
        i, ch = m.start(), m.group()
        if ch in _CLAUSE_END or (ch == "、" and re.search(r"\d\s*(?:余|多)?\s*\S{0,2}$", text[s:i])
                                 and _COUNT.search(text[s:i])):
            spans.append((s, i))
            s = i + 1
    spans.append((s, end))
    return [(a, b) for a, b in spans if b > a]


def _classify(words: str, unit: str) -> str | None:
    """The metric a count measures, from the words next to it; None when it is something else."""
    metric = _metric(words, unit)
    if metric is None or unit == "%" or unit in _UNITS.get(metric, ()):
        return metric
    return None


def _metric(words: str, unit: str) -> str | None:
    if unit == "%":
        if "满意" in words:
            return "satisfaction_rate"
        if "办结率" in words:
            return "completion_rate"
        return None
    if "常委会会议" in words and "列席" not in words:
        return "standing_meetings"
    if "主任会议" in words:
        return "director_meetings"
    if sum(k in words for k in _OVERSIGHT) >= 2:
        return "oversight_activities"
    if "执法检查" in words:
        return "law_inspections"
    if "询问" in words:   # "专题询问 1 次" are sessions; "询问问题 25 个" the questions of one
        return "inquiry_questions" if "问题" in words else "inquiries"
    if "视察" in words:
        return "inspections"
    if "报告" in words and ("听取" in words or "审议" in words):
        return "reports_heard"
    if "决议" in words or "决定" in words:
        return "resolutions"
    if "任免" in words:
        return "appointments"
    if "宣誓" in words:
        return "oaths"
    if "补选" in words:
        return "by_elections"
    if "规范性文件" in words:
        return "normative_documents"
    if "来信来访" in words or "信访" in words:
        return "petitions"
    if "意见建议" in words or "对策建议" in words:
        return "opinions"   # gathered from people or proposed by a survey: not deputies' motions
    about_suggestions = "议案" in words or "代表建议" in words or (
        "建议" in words and any(v in words for v in ("提出", "办理", "办结", "答复", "交办")))
    if about_suggestions and "解决" in words:
        return "suggestions_resolved"
    if about_suggestions:
        return "suggestions"
    if ("问题" in words or "难题" in words) and "解决" in words:
        return "problems_solved"   # also "推动难题解决 107个"; of the motions only where the sentence counted them
    if "协商" in words:
        return "consultations"
    return None


def find_facts(text: str, scopes: list[_Scope]) -> list[Fact]:
    facts: list[Fact] = []
    for s_start, s_end in _sentences(text):
        if text[s_start:s_end].lstrip().startswith(_ONE_MEETING):
            continue
        previous: str | None = None
        motions = False   # the sentence has counted motions: "其中问题得到解决的共97件" are some of them
        for c_start, c_end in _clauses(text, s_start, s_end):
            clause = text[c_start:c_end]
            counts = [m for m in _COUNT.finditer(clause) if not clause[: m.start()].rstrip().endswith("第")]
            if not counts:
                previous = None
                continue
            for k, m in enumerate(counts):
                prefix = clause[counts[k - 1].end() if k else 0: m.start()][-_PREFIX_WINDOW:]
                suffix = clause[m.end(): counts[k + 1].start() if k + 1 < len(counts) else len(clause)]
                unit = m.group(3)
                if suffix.lstrip().startswith("方面"):   # "解决 4 个方面的问题": kinds of things, not things
                    continue
                metric = _classify(prefix, unit)
                if metric is None:
                    # "对4部法律法规实施情况开展执法检查": the words after the count say what it is;
                    # after a longer lead-in only the noun right after the count does ("112件议案建议").
                    window = _SUFFIX_WINDOW if len(prefix.strip()) <= 3 else _NOUN_WINDOW
                    metric = _classify(prefix + suffix[:window], unit)
                before = clause[: m.start()]
                if metric is None and unit in _UNITS["problems_solved"] and _PROBLEMS_END.search(before) \
                        and "解决" in before:
                    # "有效解决开发区基础设施建设、…等一批“急难愁盼”问题 40余个": the verb leads the clause,
                    # farther back than the words next to the count
                    metric = "problems_solved"
                if metric == "suggestions" and _GATHERED.search(before):
                    # "累计收集关于…等方面代表建议140余条": suggestions gathered, not motions handled
                    metric = "opinions"
                if metric is None and unit == "%" and prefix.strip().startswith("占") and previous:
                    metric = f"{previous}_rate" if f"{previous}_rate" in METRICS else None
                if metric == "suggestions" and any(part in clause for part in _SUGGESTION_PARTS):
                    metric = None   # some of the motions (the key ones, the awarded ones …), not their number
                if metric == "problems_solved" and motions:
                    metric = "suggestions_resolved"
                motions = motions or metric == "suggestions"
                previous = metric
                if metric is None:
                    continue
                scope = _scope_at(scopes, c_start)
                facts.append(Fact(scope.jurisdiction, scope.year, metric, float(m.group(1)), unit, bool(m.group(2)),
                                  clause.strip(), text[s_start:s_end].strip(),
                                  trim_span(text, c_start, c_end), trim_span(text, s_start, s_end)))
    return facts


def _first_of_each(facts: list[Fact]) -> list[Fact]:
    """A count repeated in several articles (the same body, year, metric and value) is kept once."""
    return first_of_each(facts, lambda f: (f.jurisdiction.code, f.year, f.metric, f.value, f.unit))


def find_tasks(doc: CleanText, scopes: list[_Scope]) -> list[Task]:
    """Items ``（一）…`` under a heading ``二、2020年主要任务`` (up to the next ``三、`` or the end)."""
    text = doc.text
    tasks = []
    for h in _TASK_HEADING.finditer(text):
        heading_number = chinese_ordinal(h.group(1))
        end = len(text)
        for t in _TOP_HEADING.finditer(text, h.end()):
            if chinese_ordinal(t.group(1)) == heading_number + 1 and doc.is_line_start(t.start()):
                end = t.start()
                break
        markers, expected = [], 1
        for m in _SUB_ITEM.finditer(text, h.end(), end):
            if chinese_ordinal(m.group(1)) == expected:
                markers.append(m)
                expected += 1
        scope = _scope_at(scopes, h.start())
        for k, m in enumerate(markers):
            stop = markers[k + 1].start() if k + 1 < len(markers) else end
            body = text[m.end():stop]
            title, rest = _split_title(body)
            tasks.append(Task(scope.jurisdiction, int(h.group(2)), chinese_ordinal(m.group(1)), m.group(0),
                              title, rest, trim_span(text, m.start(), stop)))
    return tasks


def _split_title(body: str) -> tuple[str, str]:
    """"坚持强化理论武装，更加深刻领会根本政治制度优势要以…" -> (title, text).

    Task titles are two phrases joined by a comma and followed straight by the text;
    the title ends where the first sentence's verb phrase starts (要/坚持/始终…), else at 。
    """
    m = re.match(r"(.{4,40}?，.{4,30}?)(?=要|始终|坚持|紧扣|突出|持续|加强|深入)", body)
    if m:
        return m.group(1), body[m.end():].strip()
    first = body.split("。", 1)[0]
    return first[:40], body.strip()


# ----------------------------------------------------------------------------- writing

def write_npc_report(con: duckdb.DuckDBPyConnection, report: NpcReport,
                     on_stored: OnStored | None = None) -> tuple[bool, int, int]:
    """Store one report in one transaction: (stored?, facts, tasks); skipped when the text is stored.

    ``on_stored`` runs in the same transaction, after the rows are in (:data:`loaders.db_writer.OnStored`)."""
    if con.execute("SELECT 1 FROM source_files WHERE sha256 = ?", [report.sha256]).fetchone():
        return False, 0, 0
    con.execute("BEGIN")
    try:
        file_id, report_id, fact_id, task_id = next_ids(
            con, ("source_files", "file_id"), ("npc_reports", "report_id"), ("npc_facts", "fact_id"),
            ("npc_tasks", "task_id"))
        con.execute("INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (?, ?, ?, ?, ?)",
                    [file_id, report.path.name, report.sha256, len(report.raw), report.raw])
        con.execute("INSERT INTO npc_reports VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [report_id, file_id, report.title, report.kind, report.jurisdiction.code,
                     report.report_date, report.year])
        facts = [(fact_id + n, report_id, *row) for n, row in enumerate(_fact_rows(report))]
        tasks = []
        for n, t in enumerate(report.tasks):
            s, e = report.clean.source_span(*t.span)
            tasks.append((task_id + n, report_id, t.jurisdiction.code, t.body, t.year, t.number, t.label, t.title,
                          t.text, s, e))
        for table, rows in (("npc_facts", facts), ("npc_tasks", tasks)):
            if rows:
                insert_rows(con, table, rows)
        if on_stored is not None:
            on_stored(con, stored_result(report))
        commit(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True, len(report.all_facts), len(report.tasks)


def _fact_rows(report: NpcReport) -> list[tuple]:
    """The report's facts as rows of ``npc_facts`` after its two ids (offsets into the raw text): its
    counted facts (no topic, status) and then its inquiries' figures (topic, nature, last year, bound)."""
    rows = []
    for f in report.all_facts:
        s, e = report.clean.source_span(*f.span)
        ss, se = report.clean.source_span(*f.sentence_span)
        extra = ((f.topic, f.nature, f.year_end, f.comparator) if isinstance(f, HearingFact)
                 else (None, STATUS, None, None))
        rows.append((f.jurisdiction.code, f.body, f.year, f.metric, f.label, f.value, f.unit, f.approx, f.phrase,
                     f.sentence, s, e, ss, se, *extra))
    return rows


_FACT_COLUMNS = ("jurisdiction_code, body, year, metric, label, value, unit, approx, phrase, sentence, "
                 "source_start, source_end, sentence_start, sentence_end, topic, nature, year_end, comparator")


def refresh_facts(con: duckdb.DuckDBPyConnection, report: NpcReport, on_stored: OnStored | None = None) -> int | None:
    """Read a stored report's counts again by today's rules: when they differ from the stored facts (the
    rules changed since it was loaded), the new ones replace them in one transaction and their number
    is returned; None when nothing changed or the report is not stored. Facts are derived from the
    stored text and nothing refers to them, so nothing else changes.

    ``on_stored`` runs in the same transaction with a :class:`LoadResult` of no document and the facts."""
    found = con.execute("""SELECT r.report_id FROM npc_reports r JOIN source_files s USING (file_id)
                           WHERE s.sha256 = ?""", [report.sha256]).fetchone()
    if found is None:
        return None
    report_id = found[0]
    fresh = _fact_rows(report)
    stored = con.execute(f"SELECT {_FACT_COLUMNS} FROM npc_facts WHERE report_id = ? ORDER BY fact_id",
                         [report_id]).fetchall()
    if stored == fresh:
        return None

    def replace(c: duckdb.DuckDBPyConnection) -> int:   # one transaction (run again after a write conflict)
        (fact_id,) = next_ids(c, ("npc_facts", "fact_id"))   # before the delete: no id is used twice
        c.execute("DELETE FROM npc_facts WHERE report_id = ?", [report_id])
        if fresh:
            insert_rows(c, "npc_facts", [(fact_id + n, report_id, *row) for n, row in enumerate(fresh)])
        if on_stored is not None:
            on_stored(c, LoadResult(report.path.name, skipped=False, documents=0, facts=len(fresh)))
        return len(fresh)
    return write_transaction(con, replace, label="npc_facts_refresh")


def is_npc_source(path: Path) -> bool:
    """Whether a source file is a People's Congress report (decided from its opening)."""
    return looks_like_npc_report(clean(read_source(path)[:2000]))


def stored_result(report: NpcReport) -> LoadResult:
    """What storing ``report`` adds: one document with its counted facts and its tasks."""
    return LoadResult(report.path.name, skipped=False, documents=1, facts=len(report.all_facts),
                      tasks=len(report.tasks))


def load_npc_file(con: duckdb.DuckDBPyConnection, path: Path, directory: Directory,
                  on_stored: OnStored | None = None) -> LoadResult:
    """Extract and store one report (``on_stored`` as for :func:`write_npc_report`)."""
    report = extract_npc_report(path, read_source(path), directory)
    stored, _, _ = write_npc_report(con, report, on_stored)
    if stored:
        return stored_result(report)
    refreshed = refresh_facts(con, report, on_stored)   # stored before: its counts by today's rules
    if refreshed is not None:
        return LoadResult(path.name, skipped=False, documents=0, facts=refreshed)
    return LoadResult(path.name, skipped=True)
