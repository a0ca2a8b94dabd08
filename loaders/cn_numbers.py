"""Number grammar of Chinese policy text: numerals, scale words and units.

``find_numbers(text)`` lists every number occurrence in a text: Arabic numerals
(with decimals, thousands commas, full-width digits), Chinese numerals that
quantify something (``两万亩``, ``三个``, ``一季度``, ``六大``), fractions in words
(``三分之二``, ``百分之三十``) and the ``零`` of ``零突破``. Chinese numeral
characters inside ordinary words (``进一步``, ``一体化``, ``第一``, ``十四五``,
``千亿级``) are not numbers.

``match_unit(text, pos)`` reads the unit written after a number, with its scale
word (``万亩`` = 10 000 亩, ``亿美元``); ``千瓦``/``千米``/``千克``/``千伏`` are units,
not 千 × 瓦. ``parse_quantity("3万亩")`` puts both together.

All functions are pure; offsets always refer to the text as given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# ---------------------------------------------------------------- characters

_FULL_WIDTH = str.maketrans("０１２３４５６７８９％＋～", "0123456789%+~")
_FW_DECIMAL = re.compile(r"(?<=\d)．(?=\d)")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_TENS = {"十": 10, "廿": 20, "卅": 30}
_CN_SMALL_SCALES = {"百": 100, "千": 1000}
_CN_BIG_SCALES = {"万": 10**4, "亿": 10**8}
_CN_CHARS = "".join(CN_DIGITS) + "".join(_CN_TENS) + "".join(_CN_SMALL_SCALES) + "".join(_CN_BIG_SCALES)
_CN_RUN = re.compile(f"[{_CN_CHARS}]+(?:点[{''.join(CN_DIGITS)}]+)?")
_ARABIC = re.compile(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_CN_NUM = f"[{_CN_CHARS}]+"
_FRACTION = re.compile(rf"({_CN_NUM}|\d+)\s*分之\s*({_CN_NUM}(?:点[{''.join(CN_DIGITS)}]+)?|\d+(?:\.\d+)?)")

# ---------------------------------------------------------------- units

SCALES: dict[str, int] = {
    "十": 10, "百": 100, "千": 1000, "万": 10**4, "十万": 10**5, "百万": 10**6,
    "千万": 10**7, "亿": 10**8, "十亿": 10**9, "百亿": 10**10, "千亿": 10**11, "万亿": 10**12,
}

PERCENT_UNITS = ("%", "‰", "个百分点", "百分点")
# Measure words that count things: "N个项目", "N家企业".
COUNT_MEASURES = frozenset(
    "个 家 项 座 所 条 处 张 台 套 辆 艘 架 栋 幢 户 人 名 位 人次 家次 户次 场 场次 次 批 宗 件 "
    "篇 部 册 株 棵 头 只 间 床 床位 起 例 根 块 片 支 组 班 轮 笔 份 项次 趟 标箱 期 届 "
    "个工作日".split()
)
MONEY_UNITS = frozenset("元 美元 欧元 港元 日元 英镑".split())
TIME_UNITS = frozenset("年 年度 个月 月 日 天 工作日 小时 分钟 秒 周 季度 周年".split())
# Units that label a thing rather than measure it: "5A级", "2.0版", "500强", "7号".
LABEL_UNITS = frozenset("级 星级 A级 AA级 AAA级 AAAA级 AAAAA级 号 版 强 类 折 大".split())
MEASURE_UNITS = frozenset(
    "吨 公斤 千克 克 斤 亩 公顷 平方米 平方公里 平方千米 立方米 米 公里 千米 毫米 厘米 "
    "千瓦时 千瓦 兆瓦 吉瓦 瓦 千伏 伏 度 吨标准煤 吨标煤 标准煤 微克 毫克 分 岁 周岁 倍 "
    "km kg kW kWh MW GW MWh GWh kV TEU".split()
)
BASE_UNITS: tuple[str, ...] = tuple(sorted(
    set(PERCENT_UNITS) | COUNT_MEASURES | MONEY_UNITS | TIME_UNITS | LABEL_UNITS | MEASURE_UNITS,
    key=len, reverse=True,
))
# After a Chinese numeral only these make it a number ("一次性", "三年行动", "一期" are words).
_CN_NUMERAL_UNITS = frozenset(
    "个 家 项 座 所 条 处 张 台 套 辆 艘 架 栋 幢 户 人 名 位 人次 场 场次 件 宗 间 床 床位 "
    "级 星级 折 季度 月 日 亩 公顷 平方米 平方公里 立方米 公里 千米 米 吨 公斤 千克 斤 "
    "元 美元 千瓦 千瓦时 倍 岁 周岁 大".split()
)
# Fixed expressions that read like "one + measure word".
# Roman numerals name water-quality classes and grades: "Ⅱ类", "Ⅲ级".
_ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6}
_ROMAN_GRADE = re.compile(r"[ⅠⅡⅢⅣⅤⅥ](?=\s*[类级])")
_CN_IDIOMS = ("一件事", "一类事", "一张网", "一张图", "一条龙", "一盘棋", "一家亲", "一站式",
              "一个样", "一场空")


@dataclass(frozen=True)
class UnitMatch:
    unit: str          # as written, scale included, no spaces: "万亩", "亿美元", "%"
    base_unit: str     # "亩", "美元", "%"; "" for a bare scale ("3000亿")
    scale: int         # 10000 for 万亩
    end: int           # offset just past the unit
    approx: str        # "余" or "多" written inside the quantity ("100余个"), else ""


@dataclass(frozen=True)
class NumberToken:
    start: int
    end: int
    raw: str
    value: float | None
    script: str        # "arabic" | "chinese" | "fraction" | "zero" | "roman"


# ---------------------------------------------------------------- numerals

def normalize(text: str) -> str:
    """Same-length copy with full-width digits, %, + and ~ made ASCII; "２．５" -> "2.5"."""
    return _FW_DECIMAL.sub(".", text.translate(_FULL_WIDTH))


def plain_number(x: float) -> str:
    """A figure as people write it: 12 not 12.0, 1.5 as 1.5."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def parse_arabic(s: str) -> float:
    return float(normalize(s).replace(",", ""))


def parse_chinese(s: str) -> float:
    """Value of a Chinese numeral: "三千五百" 3500, "两" 2, "廿" 20, "二〇二四" 2024, "三点五" 3.5."""
    if not s:
        raise ValueError("empty Chinese numeral")
    if "点" in s:
        whole, _, frac = s.partition("点")
        digits = "".join(str(CN_DIGITS[c]) for c in frac)
        return (parse_chinese(whole) if whole else 0.0) + float("0." + digits)
    if len(s) > 1 and all(c in CN_DIGITS for c in s):
        return float("".join(str(CN_DIGITS[c]) for c in s))
    total = section = number = 0
    for ch in s:
        if ch in CN_DIGITS:
            number = CN_DIGITS[ch]
        elif ch in _CN_TENS:
            section += (number or 1) * _CN_TENS[ch] if ch == "十" else _CN_TENS[ch]
            number = 0
        elif ch in _CN_SMALL_SCALES:
            section += (number or 1) * _CN_SMALL_SCALES[ch]
            number = 0
        elif ch == "万":
            total += (section + number or 1) * 10**4
            section = number = 0
        elif ch == "亿":
            total = (total + section + number or 1) * 10**8
            section = number = 0
        else:
            raise ValueError(f"not a Chinese numeral character: {ch!r} in {s!r}")
    return float(total + section + number)


def parse_number(s: str) -> float:
    """Arabic or Chinese numeral to float."""
    s = normalize(s.strip())
    if _ARABIC.fullmatch(s):
        return parse_arabic(s)
    return parse_chinese(s)


# ---------------------------------------------------------------- units

def _skip_space(text: str, pos: int, limit: int = 1) -> int:
    n = 0
    while pos < len(text) and text[pos] in " \u3000\t" and n < limit:
        pos += 1
        n += 1
    return pos


def _base_unit_at(text: str, pos: int) -> str | None:
    """The longest base unit written at ``pos`` (None before a word such as 项目). The units and words are
    looked up by their first character: this runs for every number of every document."""
    if pos >= len(text):
        return None
    first = text[pos]
    if any(text.startswith(word, pos) for word in _WORDS_BY_FIRST.get(first, ())):
        return None
    for unit in _UNITS_BY_FIRST.get(first, ()):
        if text.startswith(unit, pos):
            return unit
    return None


# A one-character measure word that is really the start of a word: "百亿项目", "3个体户".
_WORD_AFTER_MEASURE = ("项目", "个体", "家庭", "条件", "处理", "处置", "名单", "名称", "位置", "位于",
                       "台账", "期间", "场所", "场景", "组织", "批次", "次数", "起步", "例如", "所在",
                       "件事", "类型", "门类", "间隔", "张贴")


def _by_first_character(words) -> dict[str, tuple[str, ...]]:
    """``words`` grouped by their first character, each group in the order given (longest first for units)."""
    found: dict[str, list[str]] = {}
    for word in words:
        found.setdefault(word[0], []).append(word)
    return {first: tuple(group) for first, group in found.items()}


_UNITS_BY_FIRST = _by_first_character(BASE_UNITS)
_WORDS_BY_FIRST = _by_first_character(_WORD_AFTER_MEASURE)


_UNIT_WINDOW = 24                      # longer than any space + 余 + scale + unit "/" unit


def match_unit(text: str, pos: int) -> UnitMatch | None:
    """The unit written at ``pos`` (just after a number), or None.

    Reads: optional space, optional 余/多, optional scale word, optional 余/多,
    a base unit, optionally "/" and a second unit ("分/千瓦时", "微克/立方米").
    A unit word wins over scale + unit ("千瓦" is not 千 × 瓦), and a scale
    alone ("3000亿") is a unit with an empty base.
    """
    m = _match_unit_norm(normalize(text[pos:pos + _UNIT_WINDOW]), 0)
    return None if m is None else UnitMatch(m.unit, m.base_unit, m.scale, m.end + pos, m.approx)


def _match_unit_norm(text: str, pos: int) -> UnitMatch | None:
    p = _skip_space(text, pos)
    approx = ""
    if p < len(text) and text[p] in "余多":
        approx, p = text[p], p + 1
    base = _base_unit_at(text, p)
    scale_word = ""
    if base is None:
        for word in sorted(SCALES, key=len, reverse=True):
            if text.startswith(word, p):
                q = p + len(word)
                if q < len(text) and text[q] in "余多" and not approx:
                    approx, q = text[q], q + 1
                base = _base_unit_at(text, q)
                scale_word, p = word, q
                break
        if not scale_word:
            return None
    if base is None:                                   # a bare scale: "突破3000亿"
        return UnitMatch(scale_word, "", SCALES[scale_word], p, approx)
    end = p + len(base)
    if end < len(text) and text[end] == "/":
        second = _base_unit_at(text, end + 1)
        if second is not None:
            base = base + "/" + second
            end = end + 1 + len(second)
    return UnitMatch(scale_word + base, base, SCALES.get(scale_word, 1), end, approx)


def to_base(value: float | None, scale: int) -> float | None:
    """value × scale without binary noise: 11.12 × 10^8 = 1112000000.0."""
    if value is None:
        return None
    return float(Decimal(repr(value)) * scale)


# ---------------------------------------------------------------- finding numbers

def _fraction_value(denominator: str, numerator: str) -> float:
    """"X分之Y" as a percentage, rounded to 4 places: 三分之二 -> 66.6667."""
    return round(parse_number(numerator) / parse_number(denominator) * 100, 4)


def _chinese_token(text: str, m: re.Match) -> NumberToken | None:
    """A Chinese numeral run that quantifies something, or None for a word."""
    start, run = m.start(), m.group()
    if start > 0 and text[start - 1] == "第":
        return None
    if any(text.startswith(idiom, start) for idiom in _CN_IDIOMS):
        return None
    core = run
    while len(core) > 1 and core[-1] in "万亿":       # 两万亩 -> 两 + 万亩
        core = core[:-1]
    end = start + len(core)
    if run == "零":
        if text.startswith("突破", end) or text.startswith("”突破", end):
            return NumberToken(start, end, core, 0.0, "zero")
        return None
    has_digit = any(c in CN_DIGITS or c in _CN_TENS for c in core)
    if not has_digit and len(run) < 2:
        return None                                    # 万亩千亿, 千人计划, 百场
    unit = _match_unit_norm(text, end)
    if unit is None or unit.base_unit not in _CN_NUMERAL_UNITS:
        return None
    if not has_digit and (unit.base_unit in LABEL_UNITS or unit.base_unit in TIME_UNITS):
        return None                                    # 千亿级, 百大, 千万级
    if unit.base_unit == "大" and (not has_digit or parse_chinese(core) < 2):
        return None
    if core == "一" and unit.end < len(text) and text[unit.end] == "一":
        return None                                    # 一户一策, 一村一品
    try:
        value = parse_chinese(core)
    except ValueError:
        return None
    return NumberToken(start, end, core, value, "chinese")


def find_numbers(text: str) -> list[NumberToken]:
    """Every number occurrence in ``text``, in order, without overlaps."""
    norm = normalize(text)
    tokens: list[NumberToken] = []
    taken = [False] * len(norm)

    def add(tok: NumberToken) -> None:
        if not any(taken[tok.start:tok.end]):
            tokens.append(tok)
            for i in range(tok.start, tok.end):
                taken[i] = True

    for m in _FRACTION.finditer(norm):
        try:
            value = _fraction_value(m.group(1), m.group(2))
        except (ValueError, ZeroDivisionError, KeyError):
            continue
        add(NumberToken(m.start(), m.end(), text[m.start():m.end()], value, "fraction"))
    for m in _ARABIC.finditer(norm):
        add(NumberToken(m.start(), m.end(), text[m.start():m.end()], parse_arabic(m.group()), "arabic"))
    for m in _CN_RUN.finditer(norm):
        if any(taken[m.start():m.end()]):
            continue
        tok = _chinese_token(norm, m)
        if tok is not None:
            add(NumberToken(tok.start, tok.end, text[tok.start:tok.end], tok.value, tok.script))
    for m in _ROMAN_GRADE.finditer(norm):
        add(NumberToken(m.start(), m.end(), text[m.start():m.end()], float(_ROMAN[m.group()]), "roman"))
    tokens.sort(key=lambda t: t.start)
    return tokens


# ---------------------------------------------------------------- quantities

def parse_quantity(s: str) -> tuple[float | None, str, float | None, str]:
    """(value, unit, base_value, base_unit) of one written quantity.

    >>> parse_quantity("3万亩")
    (3.0, '万亩', 30000.0, '亩')
    >>> parse_quantity("三分之二")
    (66.6667, '%', 66.6667, '%')
    >>> parse_quantity("两万亩")
    (2.0, '万亩', 20000.0, '亩')
    """
    text = s.strip()
    tokens = find_numbers(text)
    if not tokens or tokens[0].start != 0:
        raise ValueError(f"no number at the start of {s!r}")
    tok = tokens[0]
    if tok.script == "fraction":
        return tok.value, "%", tok.value, "%"
    unit = match_unit(text, tok.end)
    if unit is None:
        return tok.value, "", tok.value, ""
    return tok.value, unit.unit, to_base(tok.value, unit.scale), unit.base_unit
