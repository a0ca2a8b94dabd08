import pytest

from loaders.text_clean import clean, is_furniture_line, readable


def test_lines_are_joined_and_blank_lines_dropped():
    raw = "全市供应建设用地\n\n3万亩。\n"
    c = clean(raw)
    assert c.text == "全市供应建设用地3万亩。"
    assert c.line_starts == (0, 8)


def test_every_character_maps_back_to_the_same_raw_character(gazette_path):
    raw = gazette_path.read_text(encoding="utf-8")
    c = clean(raw)
    assert len(c.text) == 35771   # 20 of two “2024年” kept (test_a_year_broken_after_furniture_is_kept)
    assert all(raw[o] == ch for ch, o in zip(c.text, c.offsets))


def test_furniture_lines_and_page_numbers_are_removed():
    raw = "核心技术的海内外领军人才，力争引进硕博研究生1000人\n\n市政府文件市政府文件\n 以上，高层次人才项目40个以上。\n\n2\n\n\n\n2024年/第三期 市政府文件市政府文件\n\n支持医院\n3\n\n衢州政报(总第171期)\n前提下"
    c = clean(raw)
    assert c.text == "核心技术的海内外领军人才，力争引进硕博研究生1000人以上，高层次人才项目40个以上。支持医院前提下"


def test_a_year_broken_after_furniture_is_kept():
    """Found by QA: the 20 of a vertically set 2024年 after a furniture line was taken for a page number, so the
    gazette read 24年省市政府民生实事责任分解 and 24年度衢州市政府重大行政决策事项目录."""
    raw = "市府办文件市府办文件\n\n20\n24\n\n年\n省\n\n市\n"
    assert clean(raw).text == "2024年省市"
    assert clean("市府办文件市府办文件\n\n20\n\n24个项目\n").text == "24个项目"   # a page number stays dropped


def test_lone_numbers_in_tables_are_kept():
    c = clean("地价标准\n\n600\n\n525\n\n450\n")
    assert c.text == "地价标准600525450"


def test_source_span_of_a_phrase_split_by_furniture():
    raw = "引进硕博研究生1000人\n\n市政府文件市政府文件\n 以上，"
    c = clean(raw)
    start = c.text.index("1000人以上")
    s, e = c.source_span(start, start + len("1000人以上"))
    assert (s, e) == (7, raw.index("以上") + 2)


def test_is_furniture_line():
    assert is_furniture_line("市府办文件市府办文件")
    assert is_furniture_line("2024年/第三期 市政府文件市政府文件")
    assert is_furniture_line("衢州政报(总第171期)")
    assert not is_furniture_line("现将《实施方案》印发给你们，请结合实际认真组织实施。")


def test_lines_without_either_marker_skip_the_furniture_patterns():
    """Every furniture pattern needs 期 or 文件, so a line with neither has no furniture spans."""
    from loaders import text_clean

    for sample in ("市政府文件市政府文件", "2024年/第三期", "衢州政报(总第171期)"):
        assert text_clean._furniture_spans(sample) == [(0, len(sample))]
        assert "期" in sample or "文件" in sample
    assert text_clean._furniture_spans("新增公共充电桩500个以上") == []


def test_raw_lines_are_pairs_of_text_and_raw_offset():
    from loaders import text_clean

    assert text_clean._raw_lines("全市\r\n\n 3万亩。\r末行") == [("全市", 0), ("", 4), (" 3万亩。", 5), ("末行", 11)]
    assert text_clean._raw_lines("") == []
    assert text_clean._raw_lines("一行\n") == [("一行", 0)]


def test_kept_pieces_of_lines_with_and_without_furniture():
    from loaders import text_clean

    assert text_clean._kept_pieces("\u3000 新增公共充电桩500个以上 ") == [(2, 15)]
    assert text_clean._kept_pieces(" \u3000 ") == []
    assert text_clean._kept_pieces("") == []
    assert text_clean._kept_pieces(" 引进人才 市政府文件市政府文件 以上") == [(1, 6), (16, 19)]
    assert text_clean._kept_pieces("市政府文件市政府文件 ") == []


@pytest.mark.parametrize("printed, shown", [
    ("项 目 开 工 率 46.4%", "项目开工率46.4%"),
    ("衢 江 区 300 万 元", "衢江区300万元"),
    ("2023 年 全 市 各级财政部门共安排水利等职能部门相关工作经费 3086 万元", "2023年全市各级财政部门共安排水利等职能部门相关工作经费3086万元"),
    ("元， 衢 江 区", "元，衢江区"),
    ("“我市计划实施 17 个城市管网延伸", "我市计划实施17个城市管网延伸"),   # a quotation cut at its start
    ("10 个乡镇水厂”", "10个乡镇水厂"),                                      # … and at its end
    ("沟通率和满意率实现“两个 100%”", "沟通率和满意率实现“两个100%”"),       # a whole quotation stays
    ("“两个 100%”", "“两个100%”"),
    ("Word 2010 版", "Word 2010版"),                                          # Latin and digits keep their blank
])
def test_readable_takes_out_the_blanks_a_pdf_puts_in_chinese(printed, shown):
    assert readable(printed) == shown


def test_readable_leaves_what_is_no_text():
    assert readable(None) is None
