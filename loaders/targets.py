"""Quantified targets in the text of one plan item.

``extract_targets(text, year)`` reads one item (a policy measure, a task, an area
headline) and returns the targets it sets plus every other number in it, so that
nothing is dropped silently: each number occurrence found by
:func:`loaders.cn_numbers.find_numbers` ends up inside exactly one target span
``[start, end)`` or as exactly one :class:`NumberMention`. (One exception by
design: "A和B各2家" gives one target for A and one for B that share the span
"2家"; count distinct spans.)

The grammar, in the order it is applied:

1. structures that own several numbers: quarterly steps (``一季度达到30%、二季度…``),
   tiers (``保4争5拼6``), ``零突破``;
2. numbers that are labels: years, dates, document numbers, list ordinals,
   numbers inside quotes or titles, codes glued to letters (``PM2.5``, ``8+4``);
3. every other number is read as a quantity (number, scale, unit, range,
   comparator words around it) and classified by its clause: a policy rule
   (``对…的企业，给予…``), a subsidy (``给予30万元的补助``), a parameter
   (``按…的70%``), an eligibility threshold (``2000万元以上的企业``), a count of
   categories (``围绕…等3张清单``) — or a target;
4. dated deliverables (``10月底前全部实质性开工``) become milestones, and a date
   before numeric targets in its sentence becomes their deadline.

Targets get an indicator from the words before the number in their clause
(``新增公共充电桩 500个以上`` -> ``新增公共充电桩``), a comparator, a base value
in the base unit (``3万亩`` -> 30000 亩) and a kind (count, rate, level, limit,
milestone).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace

from loaders.each_county import each_county_subject
from loaders.cn_numbers import (
    COUNT_MEASURES, LABEL_UNITS, MONEY_UNITS, PERCENT_UNITS, TIME_UNITS, NumberToken,
    UnitMatch, find_numbers, match_unit, normalize, parse_number, parse_quantity, to_base,
)

__all__ = ["Target", "NumberMention", "extract_targets", "parse_quantity"]


@dataclass(frozen=True)
class Target:
    indicator: str
    raw: str
    value: float | None
    value_high: float | None
    unit: str
    base_value: float | None
    base_value_high: float | None
    base_unit: str
    comparator: str
    kind: str
    tiers: tuple[tuple[str, float], ...]
    steps: tuple[tuple[str, float], ...]
    deadline: str | None
    start: int
    end: int
    #: the phrase naming every county when the text sets the number for each of them ("各县（市、区）"),
    #: else None (:mod:`loaders.each_county`)
    each_county: str | None = None


@dataclass(frozen=True)
class NumberMention:
    raw: str
    start: int
    end: int
    role: str
    reason: str


# ---------------------------------------------------------------- vocabulary

CLAUSE_SEPS = "，。；：！？,;!?\n"
_PUNCT = "，。；：、！？）)”,.;:!?（(\n"
SENTENCE_SEPS = "。；！？;!?\n"
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Comparator words written before the number, longest first.
_PREFIX_COMPARATORS = {
    "不低于": ">=", "不少于": ">=", "不小于": ">=", "超过": ">=", "高于": ">=", "大于": ">=",
    "多于": ">=", "突破": ">=", "超": ">=", "逾": ">=", "≥": ">=", ">": ">=", "＞": ">=",
    "不超过": "<=", "不高于": "<=", "不多于": "<=", "不大于": "<=", "低于": "<=", "少于": "<=",
    "小于": "<=", "控制在": "<=", "降至": "<=", "降到": "<=", "下降到": "<=", "下降至": "<=",
    "降低到": "<=", "降低至": "<=", "压缩至": "<=", "压缩到": "<=", "压减至": "<=",
    "缩短至": "<=", "缩短到": "<=", "≤": "<=", "<": "<=", "＜": "<=",
    "约": "≈", "大约": "≈",
    "达到": "=", "达": "=", "保持在": "=", "稳定在": "=", "提高到": "=", "提高至": "=",
    "提升到": "=", "提升至": "=", "增加到": "=", "增至": "=", "实现": "=",
}
_PREFIX_WORDS = sorted(_PREFIX_COMPARATORS, key=len, reverse=True)
_SUFFIX_COMPARATORS = {
    "及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=", "之内": "<=",
    "左右": "≈", "上下": "≈",
}
_TIME_SUFFIX = "内"                  # "30天内": within, only after a unit of time
_SUFFIX_WORDS = sorted(_SUFFIX_COMPARATORS, key=len, reverse=True)
_RANGE_DASH = "—–-~～至"

# Words that open a clause without naming what is measured.
_LEAD_FILLERS = re.compile(
    r"^(?:\s|[，、]|\d{1,3}[．.、](?!\d)|[（(][一二三四五六七八九十\d]{1,4}[）)]|其中|同时|并且|并|且|另外|此外|"
    r"力争实现|确保实现|争取实现|力争|确保|努力|实现|带动|推动|"
    r"全力|全年|全市|全省|全县|全区|我市|本市|今年|年内|本年度|年度|到\d{4}\s*年(?:底|末)?|"
    r"\d{4}\s*年度?(?:底|末)?(?:前)?|(?:上|下)半年|年底前?|年末前?|\d{1,2}\s*月(?:底|末)?前?|"
    r"\d{1,2}\s*[-—–~～至]\s*\d{1,2}\s*月(?:份)?|"
    r"[一二三四]季度末?前?|持续|积极|加快|大力|全面|深入|着力|进一步|稳步|有序|预计)+"
)
_TRAIL_FILLERS = re.compile(r"(?:\s|的|各|分别|均|为|“|，|、)+$")
_INNER_FILLERS = re.compile(r"分别")
_CHANGE_VERB = re.compile(r"(?:同比)?(?:增长|增速|增幅|下降|降低|提高|提升|减少|再降|降)$")
_SUBSIDY_WORDS = "补助|奖励|补贴|奖补|资助|激励|补偿|扶持|奖金"
_SUBSIDY_AFTER = re.compile(rf"^\s*的?(?:一次性)?(?:{_SUBSIDY_WORDS})")
_SUBSIDY_BEFORE = re.compile(rf"(?:{_SUBSIDY_WORDS})\s*$")
_RULE_BY = re.compile(r"(?:按照|依照|参照|按)(?!期|时|要求|计划|程序|季度|月|年|规定|节点)")
_SHARE_OF_BASE_AFTER = re.compile(r"^\s*的?(?:给予|执行|确定|计算|补偿|比例|额度|标准)")
_PER_UNIT = re.compile(r"(?:单家|每家|每户|每人|每个|单个|每项|每亩|每平方米|单笔|每笔|每次|每年补偿)")
_NORMATIVE = re.compile(r"(?:一般|原则上|须|应当|应|不得)\s*$")
_CAP_WORDS = re.compile(r"(?:最高|最多|至多|最长|最短)[^，。；]{0,8}$")
_STEPWISE = re.compile(r"(?:逐年|逐步|每年)?(?:递减|递增)\s*$")
_PERIOD_BEFORE = re.compile(r"(?:近|连续|最近|未来|今后|此后|前|后)\s*$")
_EXTRACT = re.compile(r"(?:提取|计提)")
_PREPOSITIONS = ("围绕", "上述", "会同", "根据", "依据", "按照", "参照", "针对", "聚焦", "依托",
                 "涉及", "包括", "对于", "面向", "结合", "通过", "经过")
_DELIVERY_VERBS = ("新增", "新建", "建设", "建成", "完成", "实施", "打造", "争创", "创建", "创成",
                   "引进", "招引", "培育", "培养", "培训", "开发", "开通", "开工", "改造", "推进",
                   "举办", "认定", "落地", "实现", "提供", "组织", "开展", "设立", "设置", "投放",
                   "安排", "争取", "流转", "盘活", "消化", "整治", "撤并", "投用", "推出", "启动",
                   "明确", "储备", "扩大", "增加", "减免", "支持", "建立", "派遣", "推广", "招引")
# A verb that opens an enumeration and governs its later members ("新增A 3家、B 160家": B is 新增 too).
_LIST_VERBS = _DELIVERY_VERBS + ("承接", "培养", "创成")
_OPENS_WITH_VERB = re.compile(rf"^(?:累计|再|新|共|另)?(?:{'|'.join(sorted(set(_LIST_VERBS), key=len, reverse=True))})")
_HAS_VERB = re.compile("|".join(sorted(set(_LIST_VERBS) | {"撬动", "救助", "帮扶", "资助", "接种", "筛查", "治理",
                                                             "提升", "改善", "覆盖", "服务", "保障"},
                                        key=len, reverse=True)))
_PEOPLE = frozenset("人 名 位 人次 户 户次".split())
# What is measured of a subject ("粮食播种面积", "市属国企资产"): a later member that names only this
# ("、总产量11.12亿斤") measures the same subject.
_MEASURES_OF = ("播种面积", "总产量", "产量", "面积", "总资产", "资产", "营业收入", "营收", "利润总额", "利润",
                "总产值", "产值", "增加值", "销售额", "销售收入", "收入", "税收", "出口额", "进出口额", "交易额",
                "总额", "余额", "总量", "规模")
_MEASURE_NOUN = re.compile(rf"(?:{'|'.join(sorted(_MEASURES_OF, key=len, reverse=True))})$")
_LEVEL_CUES = re.compile(r"(?:余额|规模|保有量|资产|存量|人数|总数|户数|存栏|托位数)$|累计|拥有|动态储备")
_LEVEL_OVERRIDE = re.compile(r"(?:新增|扩大|增加|减少|完成|新建)$")
_YEAR_QUALIFIED_CUMULATIVE = re.compile(r"(?:\d{4}\s*年度?|全年|年度|当年)\s*累计")
_RESPECTIVELY = re.compile(r"分别\s*((?:同比)?(?:增长|下降|提高|提升|增加|减少|降低)?)\s*$")
_RATIO_WORDS = re.compile(r"(?:率|比|系数|比例|指数|倍数)$")
_MEASURE_BY_NOUN = (("产业链", "条"), ("线路", "条"), ("企业", "家"), ("公司", "家"), ("机构", "家"),
                    ("银行", "家"), ("医院", "家"), ("工厂", "家"), ("学校", "所"), ("大学", "所"),
                    ("项目", "个"))
_NOUNISH = re.compile(r"[\u4e00-\u9fff“A-Za-z]")
_NOT_NOUN_START = re.compile(r"(?:且|并|或|和|及|与|以|用于|作为|左右|上下|的|等|大关|关口|台阶|目标|水平|，|。)")

_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_CN_SMALL = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10, "十一": 11, "十二": 12}


# ---------------------------------------------------------------- text helpers

def _clause_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in CLAUSE_SEPS:
        i -= 1
    return i


def _clause_end(text: str, pos: int) -> int:
    i = pos
    while i < len(text) and text[i] not in CLAUSE_SEPS:
        i += 1
    return i


def _sentence_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in SENTENCE_SEPS:
        i -= 1
    return i


def _sentence_end(text: str, pos: int) -> int:
    i = pos
    while i < len(text) and text[i] not in SENTENCE_SEPS:
        i += 1
    return i


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \u3000\t":
        pos += 1
    return pos


def _strip_indicator(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _LEAD_FILLERS.sub("", s)
        s = _TRAIL_FILLERS.sub("", s)
    s = _INNER_FILLERS.sub("", s).strip()
    if s.count("“") < s.count("”") and s.startswith("”"):
        s = s[1:]
    if s.count("”") < s.count("“") and s.endswith("“"):
        s = s[:-1]
    return s.strip()


def _balanced_spans(text: str, open_ch: str, close_ch: str) -> list[tuple[int, int]]:
    spans, stack = [], []
    if open_ch not in text:   # most texts: no quotes or titles, nothing to pair
        return spans
    for i, ch in enumerate(text):
        if ch == open_ch:
            stack.append(i)
        elif ch == close_ch and stack:
            spans.append((stack.pop(), i + 1))
    return spans


def _iso(year: int | None, month: int, day: int | None = None) -> str | None:
    if year is None or not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-{min(day or last, last):02d}"


def _small_int(s: str) -> int | None:
    s = normalize(s)
    if s.isdigit():
        return int(s)
    return _CN_SMALL.get(s)


def _measure_for(indicator: str) -> str:
    best, best_pos = "个", -1
    for noun, measure in _MEASURE_BY_NOUN:
        pos = indicator.rfind(noun)
        if pos > best_pos:
            best, best_pos = measure, pos
    return best


# ---------------------------------------------------------------- internal records

@dataclass
class _Qty:
    toks: tuple[int, ...]
    start: int                  # first digit
    end: int                    # after the unit
    pre_start: int              # start of a comparator word before the number (or start)
    pre: str
    post_end: int               # end of a comparator word after the unit (or end)
    post: str
    value: float | None
    value_high: float | None
    unit: str
    base_unit: str
    scale: int
    approx: str
    script: str


@dataclass
class _DatePhrase:
    start: int
    end: int
    toks: tuple[int, ...]
    iso: str | None
    is_deadline: bool           # "6月底", "10月底前", "三季度": a time limit


@dataclass
class _State:
    text: str
    norm: str
    toks: list[NumberToken]
    year: int | None
    outcome: dict[int, object] = field(default_factory=dict)   # token index -> Target | NumberMention
    targets: list[Target] = field(default_factory=list)
    criteria: set[int] = field(default_factory=set)             # tokens qualifying a target's noun

    def token_index_in(self, start: int, end: int) -> list[int]:
        return [i for i, t in enumerate(self.toks) if start <= t.start and t.end <= end]

    def free(self, i: int) -> bool:
        return i not in self.outcome

    def mention(self, i: int, role: str, reason: str) -> None:
        t = self.toks[i]
        self.outcome[i] = NumberMention(t.raw, t.start, t.end, role, reason)

    def add_target(self, target: Target) -> None:
        self.targets.append(target)
        for i in self.token_index_in(target.start, target.end):
            if self.free(i):
                self.outcome[i] = target


# ---------------------------------------------------------------- quantities

def _prefix(norm: str, pos: int) -> tuple[int, str]:
    p = pos
    while p > 0 and norm[p - 1] in " \u3000":
        p -= 1
    for word in _PREFIX_WORDS:
        if norm.startswith(word, p - len(word)) and p - len(word) >= 0:
            return p - len(word), word
    return pos, ""


def _suffix(norm: str, pos: int, unit: str = "") -> tuple[int, str]:
    p = _skip_spaces(norm, pos)
    for word in _SUFFIX_WORDS:
        if norm.startswith(word, p):
            return p + len(word), word
    if unit in TIME_UNITS | {"个工作日", "工作日"} and norm.startswith(_TIME_SUFFIX, p):
        return p + 1, "以内"
    return pos, ""


def _quantity(st: _State, i: int) -> _Qty:
    """The quantity that starts at token i, with a range partner if there is one."""
    tok, norm = st.toks[i], st.norm
    toks = [i]
    if tok.script == "fraction":
        unit: UnitMatch | None = UnitMatch("%", "%", 1, tok.end, "")
    else:
        unit = match_unit(norm, tok.end)
    end = unit.end if unit else tok.end
    value_high, unit_hi = None, None
    j = i + 1
    if tok.script in ("arabic", "chinese") and j < len(st.toks) and st.free(j):
        nxt = st.toks[j]
        gap = norm[end:nxt.start].strip()
        if len(gap) == 1 and gap in _RANGE_DASH and nxt.script == tok.script:
            unit_hi = match_unit(norm, nxt.end)
            if unit_hi is not None and (unit is None or unit.base_unit == unit_hi.base_unit):
                toks.append(j)
                value_high = nxt.value
                end = unit_hi.end
                unit = unit if unit is not None else unit_hi
    pre_start, pre = _prefix(norm, tok.start)
    post_end, post = _suffix(norm, end, unit.base_unit if unit else "")
    return _Qty(
        toks=tuple(toks), start=tok.start, end=end, pre_start=pre_start, pre=pre,
        post_end=post_end, post=post, value=tok.value, value_high=value_high,
        unit=unit.unit if unit else "", base_unit=unit.base_unit if unit else "",
        scale=unit.scale if unit else 1, approx=unit.approx if unit else "", script=tok.script,
    )


# Grades numbered from the best down (水质Ⅰ类 is better than Ⅱ类): "Ⅱ类及以上" means class 2 or better.
_BEST_FIRST_GRADES = ("类",)


def _comparator(q: _Qty) -> str:
    if q.value_high is not None:
        return "range"
    if q.post:
        comparator = _SUFFIX_COMPARATORS[q.post]
        if q.base_unit in _BEST_FIRST_GRADES and comparator in (">=", "<="):
            return "<=" if comparator == ">=" else ">="
        return comparator
    if q.approx:
        return ">="
    return _PREFIX_COMPARATORS.get(q.pre, "=")


def _is_percent(unit: str) -> bool:
    return unit in PERCENT_UNITS


def _is_count_unit(q: _Qty) -> bool:
    return q.base_unit in COUNT_MEASURES


# ---------------------------------------------------------------- indicator

def _segment_start(st: _State, pos: int) -> int:
    """Start of the stretch of clause that names what the number at ``pos`` measures.

    A clause is split at "、" only where a quantity ends just before it
    ("…项目 42个、城镇化建设项目 123个"), not in a list of adjectives
    ("原创性、引领性技术攻关资金").
    """
    start = _clause_start(st.norm, pos)
    for k in range(pos - 1, start - 1, -1):
        if st.norm[k] in "、和及与" and (_quantity_ends_at(st, k) or not st.norm[k + 1:pos].strip()):
            return k + 1
    return start


def _quantity_ends_at(st: _State, pos: int) -> bool:
    """Does a number with its unit and comparator word end just before ``pos``?"""
    p = pos
    while p > 0 and st.norm[p - 1] in " \u3000":
        p -= 1
    for t in st.toks:
        if t.end <= p <= t.end + 12:
            unit = match_unit(st.norm, t.end)
            unit_end = unit.end if unit else t.end
            rest = st.norm[unit_end:p].strip() if unit_end <= p else None
            if rest is not None and (rest in ("", "”") or rest in _SUFFIX_COMPARATORS):
                return True
    return False


def _after_part(st: _State, pos: int) -> tuple[str, int]:
    """Words that follow a quantity directly ("1000—5000亩熟地", "95%的行政村实现…").

    They run to the end of the clause, or to a "、", or to "和/及" before another number.
    """
    p = _skip_spaces(st.norm, pos)
    if p >= len(st.norm) or st.norm[p] in _PUNCT or _NOT_NOUN_START.match(st.norm, p) \
            and not st.norm.startswith("的", p) and not st.norm.startswith("用于", p):
        return "", pos
    end = _clause_end(st.norm, pos)
    comma = st.norm.find("、", pos, end)
    end = comma if comma >= 0 else end
    for t in st.toks:
        if pos <= t.start < end:
            lead = st.norm[pos:t.start]
            m = re.search(r"(?:和|及|与|以及|、)\s*$", lead)
            if m:
                end = pos + m.start()
                break
    return st.text[pos:end], end


def _indicator(st: _State, start: int, end: int) -> tuple[str, str, int]:
    """(indicator, words-before, end of the words after) for a target spanning start:end."""
    seg = _segment_start(st, start)
    before = st.text[seg:start]
    after, after_end = _after_part(st, end)
    b = _strip_indicator(before)
    a = re.sub(r"^[\s”的]+", "", after).rstrip()
    if a.startswith("（") and a.endswith("）") and not b:
        a = ""
    return _strip_indicator(b + a) if a else b, before, after_end


# ---------------------------------------------------------------- labels (names, years, dates)

def _label_numbers(st: _State) -> None:
    """Years, document numbers, ordinals, codes and numbers in quotes or titles."""
    norm = st.norm
    quoted = (_balanced_spans(norm, "“", "”") + _balanced_spans(norm, "《", "》")
              + _balanced_spans(norm, "「", "」") + _balanced_spans(norm, "〔", "〕"))
    for i, t in enumerate(st.toks):
        if not st.free(i):
            continue
        role = _label_role(st, i, quoted)
        if role:
            st.mention(i, *role)


def _label_role(st: _State, i: int, quoted: list[tuple[int, int]]) -> tuple[str, str] | None:
    norm, t = st.norm, st.toks[i]
    before, after = norm[max(0, t.start - 2):t.start], norm[t.end:t.end + 2]
    if t.script == "arabic" and re.fullmatch(r"(19|20)\d\d", t.raw.strip()):
        if re.match(r"\s*年", after) or re.match(r"\s*[-—–~～至]\s*(19|20)\d\d", norm[t.end:t.end + 8]) \
                or re.search(r"(19|20)\d\d\s*[-—–~～至]\s*$", norm[max(0, t.start - 8):t.start]):
            return "year", "calendar year"
        if before.endswith("〔") or before.endswith("["):
            return "name", "year part of a document number"
    if before.endswith("第"):
        return "name", "ordinal (第N)"
    if re.match(r"\s*[-—–~～至]\s*\d{1,2}\s*月", norm[t.end:t.end + 6]) and t.value <= 12:
        return "date", "first month of a month range (1—5月)"
    unit = match_unit(norm, t.end)
    if unit and unit.base_unit == "号":
        return "name", "document or serial number (N号)"
    if t.script == "arabic" and (re.search(r"[A-Za-z+]$", before) or re.match(r"[A-Za-z+]", after)) \
            and not (unit and re.fullmatch(r"[A-Za-z]+级|km|kg|kW|kWh|MW|GW|MWh|GWh|kV|TEU", unit.base_unit)):
        return "name", "code glued to letters or '+' (e.g. PM2.5, 8+4, 415X)"
    if t.script == "arabic" and unit is None and re.match(r"[．.]", after) \
            and not re.match(r"[．.]\d", after):
        return "name", "list ordinal (N．)"
    if t.script == "arabic" and unit is None and after.startswith("、") and (
            t.start == 0 or norm[t.start - 1] in "。；：;:\n （("):
        return "name", "list ordinal (N、)"
    for a, b in quoted:
        if a < t.start and t.end < b:
            kind = norm[a]
            if kind == "《":
                return "name", "inside a document title"
            if kind == "〔":
                return "name", "document number"
            if re.search(r"不超过|不低于|以上|以下|%", norm[a:b]):
                return "parameter", "inside quoted rule text"
            return "name", "inside quotes: a name or slogan"
    return None


def _date_phrases(st: _State) -> list[_DatePhrase]:
    norm, year = st.norm, st.year
    found: list[_DatePhrase] = []
    month_re = re.compile(
        r"(?:(\d{4})\s*年\s*)?(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
        r"(?:(\d{1,2})\s*日|(底|末|中旬|上旬|下旬|份))?\s*(前|以前|之前|起|以来|开始|至今)?")
    for m in month_re.finditer(norm):
        month = _small_int(m.group(2))
        if month is None or not 1 <= month <= 12:
            continue
        y = int(m.group(1)) if m.group(1) else year
        day = int(m.group(3)) if m.group(3) else None
        part = m.group(4) or ""
        if part == "中旬":
            day = 20
        elif part == "上旬":
            day = 10
        if not (m.group(3) or part) and not m.group(5):
            day = None
        marker = m.group(5) or ""
        deadline = marker in ("前", "以前", "之前") or part in ("底", "末", "中旬", "上旬", "下旬")
        if marker in ("起", "以来", "开始", "至今"):
            deadline = False
        found.append(_DatePhrase(m.start(), m.end(), tuple(st.token_index_in(m.start(), m.end())),
                                 _iso(y, month, day), deadline))
    for m in re.finditer(r"(?:(?:到|至|截至|截止)\s*)?(\d{4})\s*年\s*(底|末)?\s*(前|以前|之前)?", norm):
        has_to = not m.group(0)[0].isdigit()
        if not (has_to or m.group(2)):
            continue
        if any(p.start <= m.start(1) < p.end for p in found):
            continue
        y = int(m.group(1))
        found.append(_DatePhrase(m.start(), m.end(), tuple(st.token_index_in(m.start(), m.end())),
                                 f"{y:04d}-12-31", True))
    for m in re.finditer(r"(?<!\d)(?:年底|年末|上半年|下半年)(前|以前|之前)?", norm):
        month = 6 if "上半年" in m.group(0) else 12
        found.append(_DatePhrase(m.start(), m.end(), (), _iso(year, month), True))
    for m in re.finditer(r"([一二三四1-4])\s*季度\s*(末)?\s*(前)?", norm):
        q = _small_int(m.group(1))
        if q is None:
            continue
        mm, dd = _QUARTER_END[q]
        found.append(_DatePhrase(m.start(), m.end(), tuple(st.token_index_in(m.start(), m.end())),
                                 _iso(year, mm, dd), True))
    found.sort(key=lambda p: p.start)
    return found


# ---------------------------------------------------------------- structures with several numbers

def _steps(st: _State, dates: list[_DatePhrase]) -> set[int]:
    """Quarterly steps "一季度达到30%、二季度达到60%、三季度达到85%以上": one target."""
    used_dates: set[int] = set()
    quarter = [k for k, d in enumerate(dates) if "季度" in st.norm[d.start:d.end]]
    chains: list[list[tuple[int, _Qty]]] = []
    for k in quarter:
        d = dates[k]
        m = re.match(r"\s*(?:达到|达|完成|实现)?\s*", st.norm[d.end:])
        pos = d.end + m.end()
        idx = next((i for i, t in enumerate(st.toks) if t.start == pos and st.free(i)), None)
        if idx is None:
            continue
        q = _quantity(st, idx)
        if chains and st.norm[chains[-1][-1][1].post_end:d.start].strip() in ("、", "，", ",", ""):
            chains[-1].append((k, q))
        else:
            chains.append([(k, q)])
    for chain in chains:
        if len(chain) < 2:
            continue
        first_date = dates[chain[0][0]]
        last_k, last_q = chain[-1]
        indicator, _, _ = _indicator(st, first_date.start, last_q.post_end)
        steps = tuple((dates[k].iso or f"Q{_small_int(st.norm[dates[k].start])}", q.value)
                      for k, q in chain)
        st.add_target(_numeric_target(
            st, last_q, indicator, start=first_date.start, comparator=_comparator(last_q),
            steps=steps, deadline=dates[last_k].iso))
        used_dates.update(k for k, _ in chain)
    return used_dates


_TIER = re.compile(
    r"保\s*(\d+(?:\.\d+)?|[一二两三四五六七八九十]+)\s*争\s*(\d+(?:\.\d+)?|[一二两三四五六七八九十]+)"
    r"(?:\s*[拼冲创]\s*(\d+(?:\.\d+)?|[一二两三四五六七八九十]+))?")


def _tiers(st: _State) -> None:
    """"保4争5拼6": floor 4, aim 5, stretch 6 (non-decreasing, else it is a ranking)."""
    for m in _TIER.finditer(st.norm):
        values = [parse_number(g) for g in m.groups() if g]
        if any(b < a for a, b in zip(values, values[1:])):
            continue
        unit = match_unit(st.norm, m.end())
        end = unit.end if unit else m.end()
        indicator, _, _ = _indicator(st, m.start(), end)
        names = ("floor", "aim", "stretch")
        if unit:
            u, base_unit, scale = unit.unit, unit.base_unit, unit.scale
        else:
            u = base_unit = _measure_for(indicator)
            scale = 1
        st.add_target(Target(
            indicator=indicator, raw=st.text[m.start():end], value=values[0], value_high=None,
            unit=u, base_value=to_base(values[0], scale), base_value_high=None, base_unit=base_unit,
            comparator=">=", kind="rate" if _is_percent(base_unit) else "count",
            tiers=tuple(zip(names, values)), steps=(), deadline=None, start=m.start(), end=end,
        ))


_FIRST_EVER = re.compile(r"(?:实现|创成|争创|培育|引进|建成|打造)\s*(首(?:家|个|座|条|所))")


def _firsts(st: _State) -> None:
    """"实现首家国有企业主体信用等级获评AAA": like 零突破, the first one, a count of 1."""
    for m in _FIRST_EVER.finditer(st.norm):
        start, end = m.span(1)
        after, _ = _after_part(st, end)
        unit = m.group(1)[1]
        st.add_target(Target(
            indicator=_strip_indicator(after), raw=st.text[start:end], value=1.0, value_high=None,
            unit=unit, base_value=1.0, base_value_high=None, base_unit=unit, comparator=">=",
            kind="count", tiers=(), steps=(), deadline=None, start=start, end=end,
        ))


def _zero_breakthroughs(st: _State) -> None:
    """"零突破": the first one ever, a count target of 1."""
    for i, t in enumerate(st.toks):
        if t.script != "zero" or not st.free(i):
            continue
        end = st.norm.index("突破", t.end) + 2
        indicator, _, _ = _indicator(st, t.start, end)
        indicator = re.sub(r"实现$", "", indicator).strip("“”")
        unit = _measure_for(indicator)
        st.add_target(Target(
            indicator=indicator, raw=st.text[t.start:end], value=1.0, value_high=None, unit=unit,
            base_value=1.0, base_value_high=None, base_unit=unit, comparator=">=", kind="count",
            tiers=(), steps=(), deadline=None, start=t.start, end=end,
        ))


# ---------------------------------------------------------------- classification of one quantity

def _in_policy_sentence(st: _State, pos: int) -> bool:
    """A sentence with a clause opening on 对/对于 states a rule for whom it applies to."""
    norm = st.norm
    k = _sentence_start(norm, pos)
    while k < pos:
        clause = norm[k:pos].lstrip()
        if clause.startswith("对于") or (clause.startswith("对") and clause[1:2] not in "接标外口照比应象话称"):
            return True
        nxt = _clause_end(norm, k)
        if nxt >= pos:
            break
        k = nxt + 1
    return False


def _noun_follows(norm: str, pos: int) -> bool:
    rest = norm[_skip_spaces(norm, pos):]
    return bool(rest) and bool(_NOUNISH.match(rest)) and not _NOT_NOUN_START.match(rest)


def _nearest_cue_is_preposition(before: str) -> bool:
    prep = max((before.rfind(p) for p in _PREPOSITIONS), default=-1)
    verb = max((before.rfind(v) for v in _DELIVERY_VERBS), default=-1)
    return prep > verb


_GRADE_REACHED = ("稳定在", "保持在", "达到", "达", "提升到", "提升至", "提高到", "提高至")


def _label_unit_role(q: _Qty, norm: str) -> tuple[str, str] | None:
    unit = q.base_unit
    if unit in LABEL_UNITS and unit not in ("折", "大", "号", "版", "强") \
            and q.pre in _GRADE_REACHED and not _noun_follows(norm, q.post_end):
        return None                               # "水质稳定在Ⅱ类及以上": a grade to reach
    if unit == "折":
        return "parameter", "discount rate (N折)"
    if unit == "大":
        return "count_of_things", "number of categories (N大)"
    if unit == "周年":
        return "name", "anniversary"
    if unit in ("版", "强", "类"):
        return "name", f"label (N{unit})"
    if unit in LABEL_UNITS:                       # 级, 星级, A级
        if q.post in ("以上", "及以上", "以下", "及以下"):
            return "threshold", "grade bound qualifying a noun"
        return "name", "grade or class label (N级)"
    if unit in ("岁", "周岁"):
        return "threshold", "age bound"
    return None


def _policy_role(st: _State, q: _Qty, before: str) -> tuple[str, str]:
    after = st.norm[q.post_end:]
    if "给予" in before or _SUBSIDY_AFTER.match(after) or _SUBSIDY_BEFORE.search(before):
        return "subsidy", "amount granted under a policy rule (对…给予)"
    bound = _SUFFIX_COMPARATORS.get(q.post) in (">=", "<=") or _PREFIX_COMPARATORS.get(q.pre) in (">=", "<=")
    qualifies = re.match(r"\s*(?:的|且|或|并且)", after) or _noun_follows(st.norm, q.post_end)
    if qualifies and (bound or re.match(r"\s*的", after)):
        return "threshold", "eligibility bound in a policy rule (对…的)"
    if _is_count_unit(q) and _noun_follows(st.norm, q.post_end):
        return "count_of_things", "scope of a policy rule (对…N个)"
    return "parameter", "value fixed by a policy rule (对…)"


def _subsidy_role(st: _State, q: _Qty, before: str) -> tuple[str, str] | None:
    after = st.norm[q.post_end:]
    m = re.search(r"给予([^，。；]{0,10})$", before)
    if m and not re.search(r"\d", m.group(1)):
        return "subsidy", "amount granted (给予…)"
    if _SUBSIDY_AFTER.match(after):
        return "subsidy", "amount of a grant (…的补助/奖励)"
    if _SUBSIDY_BEFORE.search(before):
        return "subsidy", "amount of a grant (奖励/补助 N)"
    if q.base_unit in MONEY_UNITS and _CAP_WORDS.search(before) \
            and re.search(_SUBSIDY_WORDS, st.norm[_sentence_start(st.norm, q.start):
                                                                    _sentence_end(st.norm, q.end)]):
        return "subsidy", "cap on a grant (最高…)"
    return None


def _parameter_role(st: _State, q: _Qty, before: str) -> tuple[str, str] | None:
    norm = st.norm
    after = norm[q.post_end:]
    if _RULE_BY.search(before):
        return "parameter", "rate or amount applied by a rule (按…)"
    if q.base_unit in PERCENT_UNITS and _SHARE_OF_BASE_AFTER.match(after) \
            and (before.rstrip().endswith("的") or re.match(r"\s*的", after) or "给予" in after[:4]):
        return "parameter", "share of a base (…的N%给予/比例)"
    if re.match(r"\s*的(?:比例|额度|标准)", after):
        return "parameter", "ratio or quota (N的比例/额度)"
    if q.base_unit in TIME_UNITS and _PERIOD_BEFORE.search(before):
        return "parameter", "period of time (近/连续N年)"
    if _STEPWISE.search(before):
        return "parameter", "yearly step of a rule (逐年递减)"
    if _CAP_WORDS.search(before):
        return "parameter", "cap of a rule (最高/最多)"
    if _EXTRACT.search(before):          # "提取0.5%以上作为专项经费": a funding rule, even with a floor
        return "parameter", "share set aside (提取N%)"
    if _NORMATIVE.search(before):
        return "parameter", "normative standard (一般/原则上)"
    if _PER_UNIT.search(before):
        return "parameter", "per-unit amount or cap (每家/单家)"
    clause = before.lstrip()
    if clause.startswith("以") and not clause.startswith("以上") \
            and "为" in norm[q.post_end:_clause_end(norm, q.post_end)]:
        return "parameter", "reference quantity (以…为)"
    return None


def _threshold_role(st: _State, q: _Qty, before_stripped: str) -> tuple[str, str] | None:
    norm = st.norm
    after = norm[_skip_spaces(norm, q.post_end):]
    if re.match(r"的[\u4e00-\u9fff“]", after):
        if not before_stripped and _is_percent(q.base_unit):
            return None                           # "95%的行政村实现…": a share target
        return "threshold", "qualifier of a noun (N…的X)"
    if not _noun_follows(norm, q.post_end) or _is_count_unit(q) or norm[q.post_end - 1] == "内":
        return None
    if _SUFFIX_COMPARATORS.get(q.post) in (">=", "<=") or _PREFIX_COMPARATORS.get(q.pre) in (">=", "<="):
        return "threshold", "bound qualifying a noun (N以上X)"
    return None


def _prenominal_role(st: _State, q: _Qty, before: str) -> tuple[str, str] | None:
    """A number before its noun: a count of things unless a verb delivers them."""
    if not _noun_follows(st.norm, q.post_end):
        return None
    if q.script == "chinese" and q.value == 1 and not re.search(
            r"(?:建成|新建|建设|创建|打造|争创|培育|新增|完成|建立|设立)\s*$", before):
        return "count_of_things", "'one' before a noun, no delivery verb"
    if _nearest_cue_is_preposition(before):
        if _is_count_unit(q):
            return "count_of_things", "enumerated scope after a preposition (围绕/上述…N个)"
        return "parameter", "reference quantity after a preposition"
    return None


def _bare_role(st: _State, q: _Qty, indicator: str) -> tuple[str, str] | None:
    if q.unit or q.script == "fraction":
        return None
    norm = st.norm
    prev = norm[q.start - 1] if q.start else ""
    nxt = norm[q.end] if q.end < len(norm) else ""
    if _CJK.match(prev or " ") and _CJK.match(nxt or " ") and not q.pre:
        return "name", "number inside a name (no unit)"
    if q.pre and _RATIO_WORDS.search(indicator):
        return None
    return "unclassified", "number without a unit"


_YEAR_AT_CLAUSE_START = re.compile(r"(?:^|[，；。])\s*(去年|上年|前年|(?:19|20)\d\d(?=\s*年))")


def _reports_earlier_year(st: _State, pos: int) -> bool:
    """A sentence whose last clause-opening year is a past one ("2023年，全市GDP达到…") reports."""
    sent = st.norm[_sentence_start(st.norm, pos):pos]
    years = list(_YEAR_AT_CLAUSE_START.finditer(sent))
    if not years:
        return False
    last = years[-1].group(1)
    if not last.isdigit():
        return True
    return st.year is not None and int(last) < st.year


def _classify(st: _State, q: _Qty) -> tuple[str, str] | None:
    """A mention (role, reason) for a number that is not a target, else None."""
    if any(i in st.criteria for i in q.toks):
        return "threshold", "criterion inside a target's indicator"
    role = _label_unit_role(q, st.norm)
    if role:
        return role
    seg = _clause_start(st.norm, q.pre_start)
    before = st.norm[seg:q.pre_start]
    if _in_policy_sentence(st, q.start):
        return _policy_role(st, q, before)
    if _reports_earlier_year(st, q.pre_start):
        return "parameter", "figure of an earlier year (baseline, not a target)"
    before_stripped = _strip_indicator(st.text[_segment_start(st, q.pre_start):q.pre_start])
    if _is_percent(q.base_unit) and _RULE_BY.search(before):
        return "parameter", "rate applied by a rule (按…N%)"
    for rule in (_subsidy_role, _parameter_role):
        role = rule(st, q, before)
        if role:
            return role
    role = _threshold_role(st, q, before_stripped)
    if role:
        return role
    return _prenominal_role(st, q, before)


def _kind(base_unit: str, comparator: str, indicator: str, before_raw: str) -> str:
    """count | rate | level | limit for a numeric target (milestones are made elsewhere)."""
    if comparator == "<=":
        return "limit"
    if _is_percent(base_unit):
        return "rate"
    if base_unit in LABEL_UNITS:
        return "level"
    if "/" in base_unit and _CHANGE_VERB.search(indicator):
        return "rate"
    if _LEVEL_CUES.search(indicator) and not _LEVEL_OVERRIDE.search(indicator):
        if "累计" in indicator and _YEAR_QUALIFIED_CUMULATIVE.search(before_raw):
            return "count"
        return "level"
    if not base_unit and _RATIO_WORDS.search(indicator):
        return "level"
    return "count"


def _numeric_target(st: _State, q: _Qty, indicator: str, *, start: int | None = None,
                    comparator: str | None = None, kind: str | None = None,
                    steps: tuple = (), deadline: str | None = None) -> Target:
    comparator = comparator or _comparator(q)
    start = q.pre_start if start is None else start
    before_raw = st.norm[_sentence_start(st.norm, start):start]
    return Target(
        indicator=indicator, raw=st.text[start:q.post_end], value=q.value, value_high=q.value_high,
        unit=q.unit, base_value=to_base(q.value, q.scale) if q.script != "fraction" else q.value,
        base_value_high=to_base(q.value_high, q.scale), base_unit=q.base_unit,
        comparator=comparator, kind=kind or _kind(q.base_unit, comparator, indicator, before_raw),
        tiers=(), steps=steps, deadline=deadline, start=start, end=q.post_end,
    )


# ---------------------------------------------------------------- the main pass over quantities

@dataclass
class _ListState:
    """Targets of one enumeration ("分别达到60亿元、40亿元、50亿元")."""
    targets: list[int] = field(default_factory=list)      # indices into st.targets
    parts: list[str] = field(default_factory=list)
    shared_pre: str = ""
    verb: str = ""                                          # "分别增长8%和10%": 增长


def _quantities(st: _State) -> None:
    group: _ListState | None = None
    last_target_end = -1
    i = 0
    while i < len(st.toks):
        if not st.free(i):
            i += 1
            continue
        q = _quantity(st, i)
        role = _classify(st, q)
        if role:
            for k in q.toks:
                st.mention(k, *role)
            i = max(q.toks) + 1
            continue
        indicator, before, after_end = _indicator(st, q.pre_start, q.post_end)
        role = _bare_role(st, q, indicator)
        if role:
            for k in q.toks:
                st.mention(k, *role)
            i = max(q.toks) + 1
            continue
        gap = st.norm[last_target_end:q.pre_start] if last_target_end >= 0 else None
        in_list = gap is not None and gap.strip() in ("、", "和", "及", "")
        if group is not None and in_list and not _strip_indicator(before):
            if not q.pre and group.shared_pre:
                q = replace(q, pre=group.shared_pre)
            group.targets.append(len(st.targets))
        else:
            group = None
            m = _RESPECTIVELY.search(st.norm[:q.pre_start])
            if m:
                seg = st.norm[_segment_start(st, q.pre_start):m.start()]
                group = _ListState([len(st.targets)], _strip_indicator(seg).split("、"), q.pre,
                                   m.group(1))
        if not indicator:
            indicator = _inherited_indicator(st, q)
        elif _CHANGE_VERB.fullmatch(indicator) and _previous_in_sentence(st, q):
            indicator = _subject(_previous_in_sentence(st, q).indicator) + indicator
        else:
            indicator = _object_of_bare_verb(st, q, indicator)
            indicator = _shared_with_previous_member(st, q, indicator)
        target = _numeric_target(st, q, indicator)
        st.add_target(target)
        if re.search(r"各\s*$", st.norm[:q.pre_start]):
            _split_each(st, len(st.targets) - 1)
        _mark_criteria(st, q.post_end, after_end)
        last_target_end = q.post_end
        if group is not None and len(group.targets) == len(group.parts) > 1:
            _distribute(st, group)
        i = max(q.toks) + 1


def _top_level_parts(s: str) -> list[str]:
    """Split a list at "、"/"和"/"及" outside quotes and brackets."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "“（(《":
            depth += 1
        elif ch in "”）)》":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、和及":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in parts + [cur] if p]


def _split_each(st: _State, n: int) -> None:
    """"A和B各2家以上": one target for A and one for B, sharing the written phrase."""
    t = st.targets[n]
    parts = _top_level_parts(t.indicator)
    if len(parts) < 2:
        return
    verb = next((v for v in _DELIVERY_VERBS if parts[0].startswith(v)), "")
    tail = ""
    if len(parts[0]) - len(verb) <= 3 and len(parts[-1]) > len(parts[0]) - len(verb) + 1:
        tail = parts[-1][len(parts[0]) - len(verb):]
    names = [parts[0] + tail] + [verb + p for p in parts[1:]] if tail else \
        [parts[0]] + [p if p.startswith(verb) else verb + p for p in parts[1:]]
    _swap_target(st, n, replace(t, indicator=names[0]))
    for name in names[1:]:
        st.targets.append(replace(t, indicator=name))


def _subject(indicator: str) -> str:
    return _CHANGE_VERB.sub("", indicator)


def _previous_in_sentence(st: _State, q: _Qty) -> Target | None:
    """The last numeric target before q in its sentence (not a span of time)."""
    s_start = _sentence_start(st.norm, q.start)
    prev = [t for t in st.targets if s_start <= t.start < q.start]
    if not prev or prev[-1].kind == "milestone" or prev[-1].base_unit in TIME_UNITS:
        return None
    return prev[-1]


def _object_of_bare_verb(st: _State, q: _Qty, indicator: str) -> str:
    """"积极承接省原创性、引领性技术攻关，2024年力争承接 10项以上": a bare verb takes the object it had
    earlier in the sentence (承接省原创性、引领性技术攻关)."""
    if indicator not in _LIST_VERBS:
        return indicator
    s_start = _sentence_start(st.norm, q.start)
    earlier = st.norm.rfind(indicator, s_start, _clause_start(st.norm, q.pre_start))
    if earlier < 0:
        return indicator
    obj = _strip_indicator(st.text[earlier + len(indicator):_clause_end(st.norm, earlier)])
    return indicator + obj if obj and not re.search(r"\d", obj) else indicator


def _previous_member(st: _State, q: _Qty) -> tuple[Target, str] | None:
    """The target before q when q is the next member of its enumeration, with the separator between them.

    Members are next to each other: only "、/和/及/与" or "，" lies between the end of the previous target
    (with the words after its number, "争创1个省级夜间经济试点城市和1个…") and the words of q."""
    prev = _previous_in_sentence(st, q)
    if prev is None:
        return None
    gap = st.norm[prev.end:_segment_start(st, q.pre_start)]
    m = re.fullmatch(r"(.*?)\s*([、，,和及与])\s*", gap)
    if m is None or (m.group(1) and not prev.indicator.endswith(m.group(1).strip())):
        return None
    return prev, m.group(2)


def _shared_with_previous_member(st: _State, q: _Qty, indicator: str) -> str:
    """The later members of an enumeration share its verb or its subject with the first.

    "新增国家高新技术企业160家、省科技型中小企业600家" -> 新增省科技型中小企业;
    "创建省级和美乡村示范县1个、示范乡镇8个" -> 创建省级和美乡村示范乡镇 (the words of the previous member
    before the ones this member repeats); "粮食播种面积134.5万亩以上、总产量11.12亿斤" -> 粮食总产量.
    A member after "，" shares the verb only when it names no verb of its own and counts things (not people,
    not money) in the same unit ("争创省新型研发机构2家，省工程研究中心2家"; not "新增残疾人就业690人以上，康复救助
    孤独症儿童160人", nor "完成年度投资50亿元以上，撬动社会资本200亿元以上")."""
    found = _previous_member(st, q)
    if found is None:
        return indicator
    prev, sep = found
    if _MEASURE_NOUN.fullmatch(indicator) and sep not in "，,":
        m = _MEASURE_NOUN.search(prev.indicator)
        subject = prev.indicator[:m.start()] if m else ""
        return subject + indicator if subject and not _CHANGE_VERB.search(subject) else indicator
    verb = _OPENS_WITH_VERB.match(prev.indicator)
    if verb is None or prev.base_unit != q.base_unit or _is_percent(q.base_unit) or _CHANGE_VERB.search(indicator):
        return indicator
    if _OPENS_WITH_VERB.match(indicator):
        return indicator
    if sep in "，," and (_HAS_VERB.search(indicator) or q.base_unit not in COUNT_MEASURES or q.base_unit in _PEOPLE):
        return indicator
    noun = prev.indicator[verb.end():]
    at = noun.find(indicator[:2], 1) if len(indicator) > 2 else -1
    return verb.group(0) + (noun[:at] if at > 0 else "") + indicator


def _inherited_indicator(st: _State, q: _Qty) -> str:
    """An empty indicator in a list takes the subject of the previous target of its sentence."""
    prev = _previous_in_sentence(st, q)
    if prev is None:
        return _words_before_previous_number(st, q)
    return _subject(prev.indicator) if q.pre in ("突破", "超过", "超", "达到") else prev.indicator


def _words_before_previous_number(st: _State, q: _Qty) -> str:
    """"2023年，全市GDP达到2000亿元，2024年力争达到2100亿元": the second takes "GDP"."""
    s_start = _sentence_start(st.norm, q.start)
    earlier = [t for n, t in enumerate(st.toks)
               if s_start <= t.start < q.pre_start and not _is_year_token(st, n)]
    if not earlier:
        return ""
    tok = earlier[-1]
    pre_start, _ = _prefix(st.norm, tok.start)
    return _strip_indicator(st.text[_segment_start(st, pre_start):pre_start])



def _distribute(st: _State, group: _ListState) -> None:
    """"双柚、油茶、茶叶全产业链产值分别达到…": one indicator per listed subject."""
    parts = group.parts
    tail = ""
    if len(parts[0]) <= 3 and len(parts[-1]) > len(parts[0]) + 1 \
            and all(len(p) <= len(parts[0]) for p in parts[:-1]):
        tail = parts[-1][len(parts[0]):]
    head = ""
    m = _MEASURE_NOUN.search(parts[0])
    if m and m.start() > 0 and all(_MEASURE_NOUN.fullmatch(p) for p in parts[1:]):
        head = parts[0][:m.start()]          # "市属国企资产、营业收入": 市属国企营业收入
    for n, (k, part) in enumerate(zip(group.targets, parts)):
        t = st.targets[k]
        name = (part + tail if (tail and n < len(parts) - 1) else part) + group.verb
        if head and n > 0:
            name = head + name
        comparator = t.comparator
        if comparator == "=" and group.shared_pre:
            comparator = _PREFIX_COMPARATORS.get(group.shared_pre, "=")
        before_raw = st.norm[_sentence_start(st.norm, t.start):t.start]
        _swap_target(st, k, replace(t, indicator=name, comparator=comparator,
                                    kind=_kind(t.base_unit, comparator, name, before_raw)))


def _mark_criteria(st: _State, start: int, end: int) -> None:
    for i in st.token_index_in(start, end):
        if st.free(i):
            st.criteria.add(i)


# ---------------------------------------------------------------- dates: deadlines and milestones

def _dates(st: _State, dates: list[_DatePhrase], used: set[int]) -> None:
    """A time limit applies to the targets after it in its sentence, up to the next time limit."""
    limits = [d.start for k, d in enumerate(dates) if k not in used and d.is_deadline]
    for k, d in enumerate(dates):
        if k in used or not all(st.free(i) for i in d.toks):
            continue
        if not d.is_deadline:
            for i in d.toks:
                st.mention(i, "year" if _is_year_token(st, i) else "date", "date")
            continue
        stop = min([_sentence_end(st.norm, d.end)] + [p for p in limits if p >= d.end])
        later = [n for n, t in enumerate(st.targets) if d.end <= t.start < stop and t.deadline is None]
        if later:
            for n in later:
                _swap_target(st, n, replace(st.targets[n], deadline=d.iso))
            for i in d.toks:
                st.mention(i, "date", "deadline of a target in the same sentence")
            continue
        milestone = _milestone(st, d)
        if milestone:
            st.add_target(milestone)
        else:
            for i in d.toks:
                st.mention(i, "date", "date without a deliverable")


def _swap_target(st: _State, n: int, new: Target) -> None:
    old = st.targets[n]
    st.targets[n] = new
    for i, o in list(st.outcome.items()):
        if o is old:
            st.outcome[i] = new


def _is_year_token(st: _State, i: int) -> bool:
    t = st.toks[i]
    return bool(re.fullmatch(r"(19|20)\d\d", t.raw)) and st.norm[t.end:t.end + 2].lstrip().startswith("年")


def _milestone(st: _State, d: _DatePhrase) -> Target | None:
    """"10月底前全部实质性开工": a dated deliverable."""
    norm = st.norm
    end = _clause_end(norm, d.end)
    for t in st.toks:
        if d.end <= t.start < end:
            end = t.start
            break
    predicate = st.text[d.end:end].strip()
    if not _CJK.search(predicate) or re.match(r"(起|以来|开始)", predicate):
        return None
    before = _strip_indicator(st.text[_segment_start(st, d.start):d.start])
    whole = bool(re.match(r"(?:全部|全面|全数)", predicate))
    what = re.sub(r"^(?:全部|全数)", "", predicate)
    end = d.end + len(st.text[d.end:end].rstrip())
    return Target(
        indicator=(before + what).strip(), raw=st.text[d.start:end],
        value=100.0 if whole else None, value_high=None, unit="%" if whole else "",
        base_value=100.0 if whole else None, base_value_high=None, base_unit="%" if whole else "",
        comparator="=", kind="milestone", tiers=(), steps=(), deadline=d.iso, start=d.start, end=end,
    )


# ---------------------------------------------------------------- entry point

_RESERVED = object()

def _plan_year(norm: str, year: int | None) -> int | None:
    if year is not None:
        return year
    m = re.search(r"((?:19|20)\d\d)\s*年", norm)
    return int(m.group(1)) if m else None


def extract_targets(text: str, year: int | None = None) -> tuple[list[Target], list[NumberMention]]:
    """Targets in one item's text, and every other number with the reason it is not one."""
    norm = normalize(text)
    st = _State(text, norm, find_numbers(text), _plan_year(norm, year))
    dates = _date_phrases(st)
    _tiers(st)
    _zero_breakthroughs(st)
    _firsts(st)
    used = _steps(st, dates)
    date_tokens = {i for k, d in enumerate(dates) if k not in used for i in d.toks if st.free(i)}
    for i in date_tokens:                      # keep date tokens out of the quantity pass
        st.outcome[i] = _RESERVED
    _label_numbers(st)
    _quantities(st)
    for i in date_tokens:
        if st.outcome.get(i) is _RESERVED:
            del st.outcome[i]
    _dates(st, dates, used)
    for i in range(len(st.toks)):
        if st.free(i):
            st.mention(i, "unclassified", "no rule applied")
    mentions = sorted((o for o in st.outcome.values() if isinstance(o, NumberMention)),
                      key=lambda m: m.start)
    targets = [replace(t, each_county=each_county_subject(text, t.start))
               for t in sorted(st.targets, key=lambda t: t.start)]
    return targets, mentions
