"""Number grammar: numerals, scale words, units, and what is not a number."""
import pytest

from loaders.cn_numbers import find_numbers, match_unit, normalize, parse_chinese, parse_quantity


@pytest.mark.parametrize("numeral, value", [
    ("一", 1), ("两", 2), ("十", 10), ("十五", 15), ("二十", 20), ("廿一", 21), ("卅", 30),
    ("一百零五", 105), ("三千五百", 3500), ("两万", 20000), ("十万", 100000),
    ("一亿二千万", 120_000_000), ("二〇二四", 2024), ("八五", 85), ("三点五", 3.5),
])
def test_parse_chinese(numeral, value):
    assert parse_chinese(numeral) == value


def test_parse_chinese_rejects_other_characters():
    with pytest.raises(ValueError):
        parse_chinese("三个")


@pytest.mark.parametrize("written, expected", [
    ("3万亩", (3.0, "万亩", 30000.0, "亩")),
    ("1.5亿美元", (1.5, "亿美元", 150_000_000.0, "美元")),
    ("100万吨标准煤", (100.0, "万吨标准煤", 1_000_000.0, "吨标准煤")),
    ("70万千瓦", (70.0, "万千瓦", 700_000.0, "千瓦")),        # 千瓦 is a unit, 万 the scale
    ("3千米", (3.0, "千米", 3.0, "千米")),                   # not 3000 米
    ("5千万元", (5.0, "千万元", 50_000_000.0, "元")),
    ("0.1分/千瓦时", (0.1, "分/千瓦时", 0.1, "分/千瓦时")),
    ("25微克/立方米", (25.0, "微克/立方米", 25.0, "微克/立方米")),
    ("11.12亿斤", (11.12, "亿斤", 1_112_000_000.0, "斤")),    # no binary noise
    ("1.64万个", (1.64, "万个", 16400.0, "个")),
    ("2个百分点", (2.0, "个百分点", 2.0, "个百分点")),
    ("1万人次", (1.0, "万人次", 10000.0, "人次")),
    ("1,000个", (1000.0, "个", 1000.0, "个")),
    ("２．５%", (2.5, "%", 2.5, "%")),                        # full-width digits and point
    ("两万亩", (2.0, "万亩", 20000.0, "亩")),
    ("三千五百万元", (3500.0, "万元", 35_000_000.0, "元")),
    ("百亿元", (100.0, "亿元", 10_000_000_000.0, "元")),
    ("三分之二", (66.6667, "%", 66.6667, "%")),
    ("百分之三十", (30.0, "%", 30.0, "%")),
    ("3000亿", (3000.0, "亿", 300_000_000_000.0, "")),         # a bare scale
    ("1.5", (1.5, "", 1.5, "")),
])
def test_parse_quantity(written, expected):
    assert parse_quantity(written) == expected


def test_parse_quantity_without_number():
    with pytest.raises(ValueError):
        parse_quantity("亿元以上")


@pytest.mark.parametrize("text, pos, unit, base, scale, approx", [
    ("100余个", 3, "个", "个", 1, "余"),
    ("3 万亩", 1, "万亩", "亩", 10000, ""),
    ("1万余人", 1, "万人", "人", 10000, "余"),
    ("5A级景区", 1, "A级", "A级", 1, ""),
    ("2024年度", 4, "年度", "年度", 1, ""),
])
def test_match_unit(text, pos, unit, base, scale, approx):
    m = match_unit(text, pos)
    assert (m.unit, m.base_unit, m.scale, m.approx) == (unit, base, scale, approx)


@pytest.mark.parametrize("text", ["超100亿项目", "3个体工商户", "5条件"])
def test_word_after_number_is_not_a_unit(text):
    pos = len(text) - len(text.lstrip("超0123456789"))
    m = match_unit(text, pos)
    assert m is None or m.base_unit == ""


def test_normalize_keeps_length_and_list_marker():
    s = "１２．５％，1．严格"
    assert normalize(s) == "12.5%，1．严格"
    assert len(normalize(s)) == len(s)


@pytest.mark.parametrize("text, numbers", [
    ("用能 100万吨标准煤以上", ["100"]),
    ("一季度达到 30%", ["一", "30"]),
    ("全市供应两万亩", ["两"]),
    ("一般公共预算支出三分之二用于民生领域", ["三分之二"]),
    ("千亿级产业链实现“零突破”", ["零"]),
    ("聚焦市六大产业链", ["六"]),
    ("通行费六五折优惠", ["六五"]),
    ("省市县三级联动", ["三"]),
    ("销售额突破百亿元", ["百"]),
    ("１２个", ["１２"]),
    ("PM2.5平均浓度", ["2.5"]),
    ("断面水质稳定在Ⅱ类及以上", ["Ⅱ"]),
])
def test_find_numbers(text, numbers):
    assert [t.raw for t in find_numbers(text)] == numbers


@pytest.mark.parametrize("text", [
    "进一步深化一体化改革", "第一批", "第十八届省运会", "“十四五”规划", "千亿级产业链",
    "省级万亩千亿产业平台", "一户一策", "开展百大项目用地保障攻坚", "“一件事”集成改革",
    "实施一批高质量项目", "安全生产治本攻坚三年行动", "投资超百亿项目", "千万级核心大景区",
    "“十链百场万企”", "“千项万亿”重大项目", "四季主题", "一期项目", "二次开发",
])
def test_words_with_numeral_characters_are_not_numbers(text):
    assert find_numbers(text) == []


def test_offsets_point_into_the_text():
    text = "新增公共充电桩 500个以上，建设国家级一刻钟便民生活圈 5家"
    assert [(t.raw, text[t.start:t.end]) for t in find_numbers(text)] == [("500", "500"), ("5", "5")]


def test_base_units_looked_up_by_first_character_as_by_the_full_list():
    """_base_unit_at indexes the units and the words that are not units by their first character: at every
    position of every shipped source it finds what trying the whole longest-first list finds."""
    from pathlib import Path

    from loaders import cn_numbers

    def by_full_list(text: str, pos: int):
        if any(text.startswith(word, pos) for word in cn_numbers._WORD_AFTER_MEASURE):
            return None
        return next((unit for unit in cn_numbers.BASE_UNITS if text.startswith(unit, pos)), None)

    sources = Path(__file__).resolve().parent.parent / "data" / "sources"
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt")))
    text += "3个体户 5个百分点 2万元/吨 7项目 9亩"
    found = [cn_numbers._base_unit_at(text, pos) for pos in range(len(text) + 1)]
    assert found == [by_full_list(text, pos) for pos in range(len(text) + 1)]
    assert {"个百分点", "元", "亩"} <= set(found)
