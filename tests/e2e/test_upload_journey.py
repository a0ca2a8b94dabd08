"""A department's clerk uploads the month's filled template in Chromium, with the uploader in Chinese.

Streamlit's file uploader says "Drag and drop file here" and "Browse files"; tracker/widget_text.py puts
Chinese in their place with CSS, which only a browser shows: the words are read back from the page.
"""
import shutil

from tests.e2e.conftest import require_playwright

require_playwright()

from playwright.sync_api import expect  # noqa: E402

from loaders.progress_template import STATUS, VALUE, make_template  # noqa: E402
from tests.accounts import PASSWORD  # noqa: E402
from tests.e2e.test_sign_in import fresh_server_app  # noqa: E402
from tests.progress_files import fill  # noqa: E402
from tracker import auth, widget_text  # noqa: E402
from tracker.db import connect  # noqa: E402

PERIOD = "2024-12"   # the page's month on a database without reports, the plan year being past


def _after(app, selector: str) -> str:
    """The text CSS puts after the first element matching ``selector`` (quotes stripped)."""
    return app.page.evaluate(
        "s => getComputedStyle(document.querySelector(s), '::after').content", selector).strip('"')


def test_a_clerk_uploads_the_filled_template_through_a_chinese_uploader(browser, built_plain_db, tmp_path,
                                                                        request):
    copy = tmp_path / "for-template.duckdb"
    shutil.copy(built_plain_db, copy)
    con = connect(copy)
    try:
        template = tmp_path / "市发改委_模板.xlsx"
        make_template(con, "市发改委", PERIOD, template)
    finally:
        con.close()
    filled = fill(template, tmp_path / "市发改委_12月.xlsx", {2: {VALUE: 1, STATUS: "正常"}})

    with fresh_server_app(browser, built_plain_db, tmp_path, request,
                          [("fgw", "发改委填报员", auth.DEPARTMENT, "市发改委")]) as app:
        app.open()
        app.sign_in("fgw", PASSWORD)
        app.go("数据填报")
        zone = app.main.locator('[data-testid="stFileUploaderDropzone"]')
        expect(zone).to_be_visible(timeout=30_000)
        words = '[data-testid="stFileUploaderDropzoneInstructions"] > div'
        assert _after(app, f"{words} > :first-child") == widget_text.DROP_HERE
        assert _after(app, '[data-testid="stFileUploaderDropzone"] button') == widget_text.BROWSE
        size_line = app.page.locator(f"{words} > :nth-child(2)")   # "Limit 50MB per file": the caption says it
        assert size_line.count() == 1 and size_line.is_hidden()
        for english in (f"{words} > :first-child", '[data-testid="stFileUploaderDropzone"] button'):
            assert app.page.evaluate("s => getComputedStyle(document.querySelector(s)).fontSize", english) == "0px"
        app.screenshot("uploader")

        zone.locator('input[type="file"]').set_input_files(str(filled))
        expect(app.main).to_contain_text("市发改委_12月.xlsx")
        app.main.get_by_role("button", name="上传", exact=True).click()
        expect(app.main.locator('[data-testid="stAlert"]').first).to_contain_text(
            "市发改委 2024-12《市发改委_12月.xlsx》已接收：新增1条", timeout=30_000)
        app.assert_no_exception()
        app.screenshot("uploaded")
    con = connect(tmp_path / "tracker.duckdb", read_only=True)   # the server has stopped
    try:
        assert con.execute("SELECT unit_name, period, uploaded_by, n_accepted FROM uploads").fetchall() == [
            ("市发改委", PERIOD, "fgw", 1)]
    finally:
        con.close()


def test_streamlit_s_own_english_shows_in_chinese(browser, built_plain_db, tmp_path, request):
    """What CSS puts in Chinese in place of Streamlit's English, read back from Chromium: the hint under a text
    box, a file the uploader refused, the tooltips over a table, a date box's calendar; and no "Deploy" button or
    developer menu."""
    too_big = tmp_path / "太大.xlsx"
    with open(too_big, "wb") as f:
        f.truncate((50 << 20) + 1)   # one byte over .streamlit/config.toml's maxUploadSize (50 MB)
    with fresh_server_app(browser, built_plain_db, tmp_path, request,
                          [("fgw", "发改委填报员", auth.DEPARTMENT, "市发改委")]) as app:
        app.open()
        hint = '[data-testid="InputInstructions"] > span:first-child'
        app.sign_in("fgw", PASSWORD)
        expect(app.page.get_by_test_id("stAppDeployButton")).to_have_count(0)
        expect(app.page.get_by_test_id("stMainMenu")).to_have_count(0)

        app.go("任务")
        search = app.widget("stTextInput", "搜索任务（词语、数字或单位，空格分隔）").locator("input")
        search.fill("充电桩")
        expect(app.page.locator(hint)).to_have_count(1)   # "Press Enter to apply"
        assert _after(app, hint) == widget_text.ENTER_APPLY
        assert app.page.evaluate("s => getComputedStyle(document.querySelector(s)).fontSize", hint) == "0px"
        with app.rerun():
            search.press("Enter")

        table = app.main.get_by_test_id("stDataFrame").first
        table.hover()
        for english, chinese in widget_text.TOOLBAR_TIPS.items():
            button = app.main.locator(f'[data-testid="stElementToolbarButton"] button[aria-label="{english}"]').first
            if english == "Download as CSV":   # a clerk may not export (test_sign_in: a supervisor may)
                expect(button).to_be_hidden()
                continue
            if english == "Close fullscreen":
                continue   # shown only in fullscreen, by the same rule
            button.hover()
            tip = app.page.locator('[data-baseweb="tooltip"] [data-testid="stTooltipContent"] p')
            expect(tip).to_have_text(english)   # the words are still there, drawn at size 0
            assert _after(app, '[data-baseweb="tooltip"] [data-testid="stTooltipContent"] p') == chinese
        app.screenshot("table-tooltip")
        app.page.mouse.move(0, 0)

        app.go("督查")   # the calendar of a date box: weekday heads and month names (found by QA in English)
        app.widget("stDateInput", "截至日期").locator("input").click()
        calendar = '[data-baseweb="calendar"]'
        expect(app.page.locator(f'{calendar} div[alt="Monday"]')).to_have_text("Mo")   # drawn at size 0
        assert [_after(app, f'{calendar} div[alt="{day}"]') for day in widget_text.WEEKDAYS] == list("一二三四五六日")
        month = f'{calendar} button[aria-haspopup="true"]:nth-of-type(2)'
        shown = app.page.locator(month).inner_text().strip()   # the as-of month, in English at size 0
        assert app.page.evaluate("s => getComputedStyle(document.querySelector(s), '::before').content",
                                 month).strip('"') == f"{widget_text.MONTHS.index(shown) + 1}月"
        app.page.locator(month).click()
        options = app.page.locator('ul[role="listbox"] > li[role="option"]')
        expect(options).to_have_count(12)
        assert [_after(app, f'ul[role="listbox"] > li[role="option"]:nth-child({n})') for n in (1, 9, 12)] == [
            "1月", "9月", "12月"]
        app.screenshot("calendar-month-list")
        app.page.keyboard.press("Escape")
        app.page.keyboard.press("Escape")

        app.go("数据填报")
        zone = app.main.locator('[data-testid="stFileUploaderDropzone"]')
        zone.locator('input[type="file"]').set_input_files(str(too_big))
        error = '[data-testid="stFileUploaderFileErrorMessage"]'
        expect(app.page.locator(error)).to_have_text("File must be 50.0MB or smaller.")   # drawn at size 0
        assert _after(app, error) == widget_text.REFUSED_FILE == "未能上传：文件类型不符或超过50MB"
        app.screenshot("refused-file")
