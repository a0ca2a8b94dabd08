"""Signing in on a server that has just started (its own server and database, demo mode off).

The first sign-in after a start used to be lost without a word: the form was drawn before the
first st.navigation of the server process, while Streamlit's active page hash was not yet the
main script's, so the submitted form came back under other widget ids (fixed in dashboard.py).
"""
import shutil
import time
from contextlib import contextmanager
from typing import Iterator

from tests.e2e.conftest import VIEWPORT, dashboard_server, require_playwright

require_playwright()

from playwright.sync_api import expect  # noqa: E402

from tests.accounts import PASSWORD  # noqa: E402
from tests.e2e.conftest import ARTIFACTS  # noqa: E402
from tests.e2e.streamlit_page import App, exactly  # noqa: E402
from tracker import auth, widget_text  # noqa: E402
from tracker.db import connect  # noqa: E402


@contextmanager
def fresh_server_app(browser, built_plain_db, tmp_path, request, accounts=()) -> Iterator[App]:
    """A browser context on a server just started on a copy of the plain database (demo mode off), with
    ``accounts`` ((username, label, role, unit) each, password PASSWORD) created first."""
    db = tmp_path / "tracker.duckdb"
    shutil.copy(built_plain_db, db)
    con = connect(db)
    for username, label, role, unit in accounts:
        auth.create_account(con, "os:tester", username, label, role, PASSWORD, unit=unit)
    con.close()
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with dashboard_server(db, tmp_path / "streamlit.log", demo=False) as url:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        try:
            app = App(context.new_page(), url, folder)
            app.page.set_default_timeout(20_000)
            yield app
        finally:
            context.close()


def test_the_first_sign_in_after_a_start_signs_in(browser, built_plain_db, tmp_path, request):
    with fresh_server_app(browser, built_plain_db, tmp_path, request,
                          [("fgw", "发改委填报员", auth.DEPARTMENT, "市发改委")]) as app:
        app.open()
        assert app.title() == "衢州市政策目标跟踪"   # demo mode off: the sign-in page alone
        app.sidebar.get_by_label("用户名").fill("fgw")
        app.sidebar.get_by_label("密码").fill(PASSWORD)
        app.sidebar.get_by_role("button", name="登录").click()
        expect(app.sidebar).to_contain_text("已登录：", timeout=30_000)
        expect(app.main.locator("h1").first).to_have_text(exactly("总览"))
        assert "数据填报" in app.nav_links()
        app.wait_for_charts(2)
        app.assert_no_exception()
        app.screenshot("signed-in")


def test_a_page_opened_by_its_address_right_after_a_start_asks_to_sign_in(browser, built_plain_db, tmp_path, request):
    """A bookmark or a tab left open across a restart: the first request of the server process is a page's
    address. Streamlit ran that page on its own (its pages/ folder mode, before any st.navigation): the figures
    without signing in, no sidebar, every file in the menu. It goes through dashboard.py now."""
    with fresh_server_app(browser, built_plain_db, tmp_path, request) as app:
        app.page.goto(f"{app.url}/jurisdictions")
        expect(app.main.locator("h1").first).to_have_text(exactly("衢州市政策目标跟踪"), timeout=30_000)
        assert app.nav_links() == []   # one page, 登录: no menu (it listed every file of pages/)
        expect(app.sidebar.get_by_label("用户名")).to_be_visible()
        assert app.main.get_by_test_id("stMetric").count() == 0
        app.assert_no_exception()
        app.screenshot("sign-in-first")


def test_a_supervisor_s_download_is_audited(browser, built_plain_db, tmp_path, request):
    """Found by QA: the 督查清单 downloaded from the page left no audit record. The button's click records it."""
    with fresh_server_app(browser, built_plain_db, tmp_path, request,
                          [("ducha", "督查员", auth.SUPERVISOR, None)]) as app:
        app.open()
        app.sign_in("ducha", PASSWORD)
        app.go("督查")
        button = app.main.get_by_role("button", name="下载督查清单（Excel）")
        expect(button).to_be_visible(timeout=30_000)
        # a role that may export has the tables' own CSV button too (hidden for a clerk: test_upload_journey)
        app.main.get_by_test_id("stDataFrame").first.hover()
        csv = app.main.locator('[data-testid="stElementToolbarButton"] button[aria-label="Download as CSV"]').first
        expect(csv).to_be_visible()
        csv.hover()
        tip = '[data-baseweb="tooltip"] [data-testid="stTooltipContent"] p'
        expect(app.page.locator(tip)).to_have_text("Download as CSV")   # drawn at size 0, Chinese after it
        assert app.page.evaluate("s => getComputedStyle(document.querySelector(s), '::after').content",
                                 tip).strip('"') == widget_text.TOOLBAR_TIPS["Download as CSV"]
        app.page.mouse.move(0, 0)
        with app.page.expect_download() as download:
            button.click()
        assert download.value.suggested_filename.startswith("督查清单_") and download.value.path().stat().st_size
        expect(button).to_be_visible()   # the page back after the click's rerun, which wrote the record
        time.sleep(1)
        app.assert_no_exception()
        app.screenshot("downloaded")
    con = connect(tmp_path / "tracker.duckdb", read_only=True)   # the server has stopped: its lock is gone
    try:
        found = con.execute("SELECT actor, target FROM audit_log WHERE action = 'export'").fetchall()
    finally:
        con.close()
    assert len(found) == 1 and found[0][0] == "ducha" and found[0][1].startswith("supervision:")


def test_a_sign_in_lasts_across_reloads_and_tabs_until_signing_out(browser, built_plain_db, tmp_path, request):
    """A reload (F5) or a page opened in a new tab used to show the sign-in form again: the sign-in lived in
    Streamlit's session only. The browser now keeps it in a cookie (a token whose SHA-256 is stored) until 退出登录,
    which ends it in every tab."""
    with fresh_server_app(browser, built_plain_db, tmp_path, request,
                          [("fgw", "发改委填报员", auth.DEPARTMENT, "市发改委")]) as app:
        app.open()
        app.sign_in("fgw", PASSWORD)
        port = app.url.rsplit(":", 1)[1].strip("/")
        name = f"qz_tracker_signin_{port}"
        for _ in range(50):   # the cookie is written by a script once the signed-in sidebar is drawn
            cookies = {c["name"]: c for c in app.page.context.cookies()}
            if name in cookies:
                break
            time.sleep(0.2)
        cookie = cookies[name]
        assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and not cookie["httpOnly"]
        assert 11.9 * 3600 < cookie["expires"] - time.time() <= 12 * 3600

        app.page.reload()
        expect(app.sidebar).to_contain_text("已登录：发改委填报员", timeout=30_000)
        assert "数据填报" in app.nav_links()
        other = App(app.page.context.new_page(), app.url, app.artifacts)
        other.page.goto(f"{app.url}/supervision")
        expect(other.sidebar).to_contain_text("已登录：发改委填报员", timeout=30_000)
        expect(other.main.locator("h1").first).to_have_text(exactly("督查"))
        other.screenshot("new-tab-signed-in")

        app.sidebar.get_by_role("button", name="退出登录").click()
        expect(app.sidebar.get_by_label("用户名")).to_be_visible(timeout=30_000)
        other.sidebar.get_by_text("数据质量").click()          # the other tab: signed out at its next click
        expect(other.sidebar.get_by_label("用户名")).to_be_visible(timeout=30_000)
        app.page.reload()
        expect(app.sidebar.get_by_label("用户名")).to_be_visible(timeout=30_000)
        assert name not in {c["name"] for c in app.page.context.cookies()}
        app.assert_no_exception()
        app.screenshot("signed-out-after-reload")
    con = connect(tmp_path / "tracker.duckdb", read_only=True)
    try:
        assert con.execute("SELECT username, ended_at IS NOT NULL FROM sign_in_tokens").fetchall() == [("fgw", True)]
    finally:
        con.close()
