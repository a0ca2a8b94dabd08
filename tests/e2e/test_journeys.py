"""End-to-end journeys through the dashboard in headless Chromium (issue 6).

The server serves the shipped sources with the seeded demo progress (loaders.build.build).
Each journey saves screenshots under test-artifacts/e2e/<test>/; look at them after a
change to the pages: Chinese text must render as characters, charts must show.
"""
import re
import time

from tests.e2e.conftest import require_playwright

require_playwright()

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.streamlit_page import exactly  # noqa: E402

# Every page the dashboard had when these journeys were written, and how many plotly charts it
# draws at least with the default sidebar. Pages added later (督查, issue 7) are visited too:
# each must open from the navigation with its title and without an exception.
PAGES = {"总览": 3, "部门": 1, "县（市、区）": 2, "牵头市领导": 1, "任务": 1, "数据质量": 0, "已加载文件": 0}
HEADLINE = ["指标", "已完成", "正常", "滞后", "严重滞后", "未报送"]
LATEST_MONTH = "2024年9月"  # the latest month with demo reports: the sidebar's default
EARLY_MONTH = "2024年3月"
TASK = "衢政发〔2024〕7号 （四十五）改善传统消费"  # its text marks 500个以上 (charging piles)
ONE_DOCUMENT = "衢政办发〔2024〕12号 2024年度衢州市政府重大行政决策事项目录"
COUNTY_TASK = "衢政办发〔2024〕10号 21 新建新能源汽车公共充电桩2万个以上"  # 民生实事, reported by the counties only


def test_every_page_opens_from_the_navigation(app):
    started = time.monotonic()
    app.open()
    assert app.title() == "总览"
    app.assert_chinese_glyphs()
    links = app.nav_links()
    assert set(PAGES) <= set(links), f"navigation lost pages: {set(PAGES) - set(links)}"
    timings = {}
    for title in links:
        began = time.monotonic()
        if title != "总览":
            app.go(title)
        app.assert_no_exception()
        if PAGES.get(title):
            drawn = app.wait_for_charts(PAGES[title])
            assert drawn >= PAGES[title], f"{title}: {drawn} charts drawn, expected {PAGES[title]}"
        timings[title] = time.monotonic() - began
        app.screenshot(f"page-{app.nav_slug(title)}")
    print("seconds per page (navigation, run, charts): "
          + ", ".join(f"{title} {seconds:.1f}" for title, seconds in timings.items()))
    print(f"journey took {time.monotonic() - started:.1f}s")


def test_month_and_filter_change_the_figures(app):
    app.open()
    expect(app.main).to_contain_text(f"截至{LATEST_MONTH}")
    expect(app.widget("stSelectbox", "截至月份", app.sidebar)).to_contain_text(LATEST_MONTH)
    app.wait_for_charts(3)
    latest = app.metrics()
    assert list(latest) == HEADLINE
    app.screenshot("latest-month")

    box = app.widget("stSelectbox", "截至月份", app.sidebar)   # each month says how many units reported
    box.click()
    box.locator("input").fill(EARLY_MONTH)
    with app.rerun():
        app.page.get_by_role("option", name=re.compile(rf"^{EARLY_MONTH} · \d+家$")).click()
    expect(app.main).to_contain_text(f"截至{EARLY_MONTH}")
    early = app.metrics()
    app.assert_no_exception()
    assert early["指标"] == latest["指标"], "the month changes progress, not the set of targets"
    assert early != latest, f"the headline did not change with the month: {early}"
    app.wait_for_charts(3)
    app.screenshot("early-month")

    app.multiselect_add("文件", ONE_DOCUMENT, within=app.sidebar)
    app.assert_no_exception()
    one_doc = app.metrics()
    assert 0 < int(one_doc["指标"]) < int(early["指标"]), (early, one_doc)
    by_document = app.element("mix_by_document")
    expect(by_document.locator("svg.main-svg").first).to_be_visible()
    expect(by_document).to_contain_text("衢政办发〔2024〕12号")
    expect(by_document).not_to_contain_text("衢政发〔2024〕7号")
    app.screenshot("one-document")

    # the sidebar choices hold on another page
    app.go("部门")
    app.assert_no_exception()
    expect(app.main).to_contain_text(f"截至{EARLY_MONTH}")
    expect(app.widget("stMultiSelect", "文件", app.sidebar)).to_contain_text("衢政办发〔2024〕12号")
    app.wait_for_charts(1)
    app.screenshot("departments-filtered")


def test_search_and_open_a_task(app):
    app.open()
    app.go("任务")
    everything = int(re.search(r"找到 (\d+) 项", app.caption("找到")).group(1))

    app.type_and_enter("搜索任务（词语、数字或单位，空格分隔）", "充电桩")
    app.assert_no_exception()
    expect(app.main.get_by_test_id("stCaptionContainer").filter(has_text="找到").first).not_to_have_text(
        f"找到 {everything} 项任务")
    found = int(re.search(r"找到 (\d+) 项", app.caption("找到")).group(1))
    assert 0 < found < everything

    app.select("查看任务", TASK)
    app.assert_no_exception()
    expect(app.main.locator("h2").filter(has_text="改善传统消费").first).to_be_visible()
    for heading in ("原文", "指标与进度", "月度进度", "报送记录"):
        expect(app.main.locator("h3").filter(has_text=exactly(heading))).to_be_visible()
    # the source text, with the target phrases marked
    expect(app.main).to_contain_text("落实新能源汽车减免车辆购置税等政策")
    marked = app.main.locator("mark[data-target]")
    expect(marked.first).to_be_visible()
    assert "500个以上" in marked.all_inner_texts()
    # the monthly history: reported bars, the expected-pace line and the target, for the whole city
    expect(app.widget("stSelectbox", "范围", app.main)).to_contain_text("全市")
    history = app.element("task_history")
    expect(history.locator("svg.main-svg").first).to_be_visible()
    expect(history).to_contain_text("时序进度")
    assert history.locator("g.trace.bars g.point path").count() > 0, "no reported values drawn"
    # every reported note: a table after the heading (its cells are drawn on a canvas), not the empty notice
    expect(app.main.get_by_test_id("stDataFrame").last).to_be_visible()
    expect(app.main).not_to_contain_text("尚无报送记录")
    app.screenshot("task")

    # a task reported by the counties only: the whole-city history adds up their reports
    app.select("查看任务", COUNTY_TASK)
    app.assert_no_exception()
    expect(app.widget("stSelectbox", "范围", app.main)).to_contain_text("全市")
    expect(app.main).to_contain_text("全市数为各县（市、区）当月报送之和")
    history = app.element("task_history")
    expect(history.locator("svg.main-svg").first).to_be_visible()
    expect(history).to_contain_text("累计值（个）")
    assert history.locator("g.trace.bars g.point path").count() >= 8, "no summed values drawn"
    app.screenshot("task-summed-over-counties")


def test_no_page_asks_the_internet(app):
    """QA: every page asked fonts.gstatic.com for its tab icon (page_icon=":material/dashboard:"), a failed
    request per view on a government intranet. The icon is a file of ours now; the menu's :material: icons
    come from the font Streamlit ships. No request leaves the server's host."""
    from urllib.parse import urlsplit

    host = urlsplit(app.url).hostname
    outside = []
    app.page.on("request", lambda r: None if r.url.startswith(("data:", "blob:")) or urlsplit(r.url).hostname == host
                else outside.append(r.url))
    app.open()
    for title in app.nav_links():
        if title != "总览":
            app.go(title)
        app.assert_no_exception()
    icons = app.page.evaluate("() => [...document.querySelectorAll('link[rel*=icon]')].map(l => l.href)")
    assert icons and all(urlsplit(href).hostname == host for href in icons), icons
    assert outside == [], outside
