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
