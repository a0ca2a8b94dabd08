"""数据填报 through AppTest: sign-in in the sidebar, demo mode, pages by role, template, upload with
messages and the error copy, history, and the summary for roles that may export.

AppTest cannot drive ``st.file_uploader`` (nor read a download button's bytes), so the tests
replace ``st.file_uploader`` with one that hands the page a real file; the bytes behind the
download buttons are tested on the domain functions (tests/test_auth.py, tests/test_audit.py).
"""
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders.progress_template import VALUE
from tests.accounts import PASSWORD, cheap_hasher, make_people  # noqa: F401
from tests.conftest import ROOT
from tests.progress_files import fill, template
from tracker import auth
from tracker.db import connect
from tracker.session import ACCOUNT_KEY

PERIOD = "2024-09"


@pytest.fixture(autouse=True)
def clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def app_db(plain_db, monkeypatch):
    """The built database with one account per role, served to the app."""
    con = connect(plain_db)
    accounts = make_people(con)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(plain_db))
    monkeypatch.delenv("TRACKER_DEMO_MODE", raising=False)
    return plain_db, accounts


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def offer_filled(monkeypatch, db, tmp_path, unit: str, name: str, rows: dict) -> None:
    """Offer the page ``unit``'s template of PERIOD made from ``db``, filled with ``rows``, as ``name``."""
    con = connect(db)
    try:
        tpl = template(con, tmp_path, unit, PERIOD)
    finally:
        con.close()
    offer_file(monkeypatch, fill(tpl, tmp_path / name, rows))


def page_as(account, script: str = "pages/upload.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    if account is not None:
        at.session_state[ACCOUNT_KEY] = account
    return run(at)


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin_user").input(username)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click()
    return run(at)


NAV: list[list[str]] = []


@pytest.fixture(autouse=True)
def spy_navigation(monkeypatch):
    """Record the page titles each run hands to ``st.navigation`` (AppTest does not expose them)."""
    real = st.navigation

    def spy(pages, *args, **kwargs):
        groups = pages.values() if isinstance(pages, dict) else [pages]
        NAV.append([p.title for group in groups for p in group])
        return real(pages, *args, **kwargs)

    NAV.clear()
    monkeypatch.setattr(st, "navigation", spy)


def nav_titles(at: AppTest) -> list[str]:
    """The page titles the navigation offered on the last run."""
    assert NAV, "st.navigation was not called"
    return NAV[-1]


def downloads(at: AppTest) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


class FakeUpload:
    def __init__(self, path):
        self.name, self._data = path.name, path.read_bytes()

    def getvalue(self) -> bytes:
        return self._data


def offer_file(monkeypatch, path) -> None:
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: FakeUpload(path))


# ---------------------------------------------------------------- sign-in, demo mode, pages by role


def test_a_visitor_sees_the_dashboards_but_neither_upload_nor_admin(app_db):
    at = run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    assert at.title[0].value == "总览"
    assert nav_titles(at) == ["总览", "部门", "县（市、区）", "牵头市领导", "任务", "督查", "数据质量", "已加载文件"]
    assert "演示模式：未登录可浏览，填报、导出和督查操作需登录" in [c.value for c in at.sidebar.caption]


def test_without_demo_mode_nothing_shows_before_sign_in(app_db, monkeypatch):
    monkeypatch.setenv("TRACKER_DEMO_MODE", "off")
    at = run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    assert at.title[0].value == "衢州市政策目标跟踪" and nav_titles(at) == ["登录"]
    assert at.info[0].value == "请在左侧登录后查看。账号由系统管理员开设。"
    sign_in(at, "lingdao")
    assert at.title[0].value == "总览"


@pytest.mark.parametrize("username, upload, admin", [
    ("lingdao", True, False), ("fgw", True, False), ("kecheng", True, False), ("ducha", True, False),
    ("guanli", True, True)])
def test_pages_by_role(app_db, username, upload, admin):
    at = sign_in(run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)), username)
    assert at.session_state[ACCOUNT_KEY].username == username
    assert ("数据填报" in nav_titles(at), "系统管理" in nav_titles(at)) == (upload, admin)
    assert at.sidebar.caption[0].value == f"已登录：{app_db[1][username].label}"


def test_a_wrong_password_is_refused_in_the_sidebar(app_db):
    at = sign_in(run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)), "fgw", "not-the-password")
    assert at.sidebar.error[0].value == "用户名或密码错误"
    assert ACCOUNT_KEY not in at.session_state


def test_the_first_run_admin_signs_in_with_the_environment_password(plain_db, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(plain_db))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "first-run-pass")
    at = sign_in(run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)), "admin", "first-run-pass")
    assert "系统管理" in nav_titles(at)


def test_a_disabled_account_is_signed_out_at_its_next_click(app_db):
    plain_db, people = app_db
    at = page_as(people["fgw"])
    assert at.title[0].value == "数据填报" and not at.info
    con = connect(plain_db)
    auth.disable_account(con, "os:tester", "fgw")
    con.close()
    st.cache_resource.clear()   # the test wrote through its own connection; the app reopens the file
    run(at)
    assert at.info[0].value == "请先登录：数据填报需要部门、县（市、区）政府或系统管理员账号，请在左侧登录。"


# ---------------------------------------------------------------- the upload page


def test_the_upload_page_refuses_visitors(app_db):
    at = page_as(None)
    assert at.info[0].value == "请先登录：数据填报需要部门、县（市、区）政府或系统管理员账号，请在左侧登录。"
    assert not at.get("file_uploader") and not at.get("download_button")


def test_a_department_downloads_its_own_template(app_db):
    at = page_as(app_db[1]["fgw"])
    assert "up_unit" not in [s.key for s in at.selectbox]
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    assert at.caption[0].value == "报送单位：市发改委　报送期：2024年9月"
    at.button(key="up_make_template").click()
    run(at)
    [label] = downloads(at)
    assert label.startswith(f"下载 市发改委_{PERIOD}_进展填报.xlsx（") and label.endswith(" 行）")
    assert "本月进展汇总表" not in [h.value for h in at.header]   # a department does not export


def test_upload_with_progress_messages_history_and_audit(app_db, tmp_path, monkeypatch):
    plain_db, people = app_db
    offer_filled(monkeypatch, plain_db, tmp_path, "市发改委", "九月.xlsx", {2: {VALUE: 3}, 3: {VALUE: 4}})
    at = page_as(people["fgw"])
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    at.button(key="up_submit").click()
    run(at)
    assert at.success[0].value.startswith(f"市发改委 {PERIOD}《九月.xlsx》已接收：新增2条")
    history = at.dataframe[0].value
    assert history[["编号", "报送期", "文件", "上传人", "结果", "接收行数", "原文件"]].values.tolist() == [
        [1, PERIOD, "九月.xlsx", "fgw", "已接收", 2, "已保存"]]
    # the file as it was uploaded, to download again
    assert at.selectbox(key="up_original").options == ["第1次 · 2024年9月 · 九月.xlsx"]
    at.button(key="up_original_fetch").click()
    run(at)
    assert at.session_state["up_original_file"] == (1, "九月.xlsx", (tmp_path / "九月.xlsx").read_bytes())
    st.cache_resource.clear()
    con = connect(plain_db)
    assert con.execute("SELECT actor, action, target FROM audit_log WHERE action IN ('upload', 'export') "
                       "ORDER BY audit_id").fetchall() == [("fgw", "upload", "upload:1"), ("fgw", "export", "upload:1")]
    con.close()


def test_a_bad_file_shows_row_messages_and_offers_the_error_copy(app_db, tmp_path, monkeypatch):
    plain_db, people = app_db
    offer_filled(monkeypatch, plain_db, tmp_path, "市发改委", "bad.xlsx", {2: {VALUE: "很多"}})
    at = page_as(people["fgw"])
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    at.button(key="up_submit").click()
    run(at)
    assert at.error[0].value == f"市发改委 {PERIOD}《bad.xlsx》未接收：发现1个问题（涉及1行）"
    problems = at.dataframe[0].value
    assert problems[["工作表", "行", "列"]].values.tolist() == [["填报", 2, "累计完成值"]]
    assert problems["问题"].iloc[0].endswith("实际为“很多”")
    assert downloads(at) == ["下载带错误说明的文件 bad.错误说明.xlsx"]
    assert "（无记录）" in [c.value for c in at.caption]   # nothing stored: the history stays empty


def test_a_count_below_last_month_is_stored_with_a_warning_and_listed_on_data_quality(app_db, tmp_path, monkeypatch):
    """Found by QA: 30 typed for a cumulative 404 the month before was stored without a word."""
    from loaders.progress_upload import upload_file
    from tracker.reporting import resolve_unit, unit_rows

    plain_db, people = app_db
    con = connect(plain_db)
    try:
        rows = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)
        n, r = next((i, r) for i, r in enumerate(rows, start=2) if r.kind == "count")
        august = fill(template(con, tmp_path, "市发改委", "2024-08"), tmp_path / "八月.xlsx", {n: {VALUE: 404}})
        assert upload_file(con, august, "市发改委", uploaded_by="fgw").outcome == "accepted"
    finally:
        con.close()
    offer_filled(monkeypatch, plain_db, tmp_path, "市发改委", "九月.xlsx", {n: {VALUE: 30}})
    at = page_as(people["fgw"])
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    at.button(key="up_submit").click()
    run(at)
    rid = f"T{r.target_id}-{r.jurisdiction_code}"
    assert [s.value for s in at.success] == [
        f"市发改委 {PERIOD}《九月.xlsx》已接收：新增1条，空白未填{len(rows) - 1}行，1行累计完成值低于本年此前月份的报送数，请核对"]
    assert [w.value for w in at.warning] == [
        "以下1行的累计完成值低于本年此前月份报送的数值，可能误填了当月数或有笔误，请逐行核对："]
    assert at.dataframe[0].value.values.tolist() == [[n, rid, (
        f"第{n}行 {rid}：累计完成值30{r.unit}低于2024年8月报送的404{r.unit}，请确认填写的是年初至今的累计数"
        "（若前期数据有误，请在“存在问题”中说明）")]]
    # leaders and supervisors see it on 数据质量 (the month the page opens on: September, the latest)
    st.cache_data.clear()
    at = page_as(people["fgw"], "pages/data_quality.py")
    assert "累计值低于前期的报送（1）" in [h.value for h in at.header]
    [falls] = [d.value for d in at.dataframe if "上期值" in d.value.columns]
    assert falls.values.tolist() == [[r.indicator, r.jurisdiction_name, "市发改委", "2024年9月", f"30{r.unit}",
                                      "2024年8月", f"404{r.unit}"]]


def test_another_unit_s_file_is_refused_on_the_page(app_db, tmp_path, monkeypatch):
    plain_db, people = app_db
    offer_filled(monkeypatch, plain_db, tmp_path, "市经信局", "jxj.xlsx", {2: {VALUE: 1}})
    at = page_as(people["fgw"])
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    at.button(key="up_submit").click()
    run(at)
    assert at.error[0].value.startswith(f"市发改委 {PERIOD}《jxj.xlsx》未接收")
    assert at.dataframe[0].value["问题"].tolist() == ["这是“市经信局”的模板，不能以“市发改委”的名义上传"]


def test_an_admin_reports_for_any_unit(app_db):
    at = page_as(app_db[1]["guanli"])
    units = at.selectbox(key="up_unit").options
    assert "市发改委" in units and "柯城区政府" in units and len(units) > 20
    assert "本月进展汇总表" in [h.value for h in at.header]


def test_a_result_shows_with_the_unit_it_was_sent_for(app_db, tmp_path, monkeypatch):
    """Found by QA: after a 代报 upload for one unit, switching to another still showed the first one's result."""
    plain_db, people = app_db
    offer_filled(monkeypatch, plain_db, tmp_path, "市发改委", "fgw.xlsx", {2: {VALUE: 3}})
    at = page_as(people["guanli"])
    at.selectbox(key="up_unit").select("市发改委")
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    at.button(key="up_submit").click()
    run(at)
    # 市发改委's 45 rows (the counties report their own shares of the targets it leads; 12 are tasks tracked
    # as a whole)
    assert [s.value for s in at.success] == [f"市发改委 {PERIOD}《fgw.xlsx》已接收：新增1条，空白未填44行"]
    at.selectbox(key="up_unit").select("市经信局")
    run(at)
    assert not at.success and not at.error
    at.selectbox(key="up_unit").select("市发改委")
    run(at)
    assert [s.value for s in at.success] == [f"市发改委 {PERIOD}《fgw.xlsx》已接收：新增1条，空白未填44行"]


def test_leadership_only_downloads_the_summary(app_db):
    at = page_as(app_db[1]["lingdao"])
    assert [h.value for h in at.header] == ["本月进展汇总表"]
    at.selectbox(key="up_period").select(PERIOD)
    run(at)
    at.button(key="up_make_summary").click()
    run(at)
    [label] = downloads(at)
    assert label.startswith(f"下载 进展汇总表_{PERIOD}.xlsx（")


def test_a_hidden_page_cannot_be_reached_by_its_address(app_db):
    at = sign_in(run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)), "fgw")
    at.switch_page("pages/admin.py")
    run(at)
    assert [t.value for t in at.title] == ["总览"]   # st.navigation falls back to the default page


def _change_password(at: AppTest, old: str, new: str, again: str) -> AppTest:
    at.text_input(key="pw_old").input(old)
    at.text_input(key="pw_new").input(new)
    at.text_input(key="pw_again").input(again)
    at.button(key="pw_submit").click()
    return run(at)


def test_a_signed_in_user_changes_the_password_in_the_sidebar(app_db):
    """Two different new passwords, a wrong old one and a short new one are refused with their message and
    change nothing; then the change holds: the new password signs in, the old one no longer does."""
    plain_db, _ = app_db
    at = sign_in(run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)), "fgw")
    for old, new, again, message in [
            (PASSWORD, "new-pass-2024", "new-pass-2025", "两次输入的新密码不一致"),
            ("not-the-password", "new-pass-2024", "new-pass-2024", "原密码不正确"),
            (PASSWORD, "short", "short", f"密码至少{auth.MIN_PASSWORD}个字符")]:
        _change_password(at, old, new, again)
        assert [e.value for e in at.sidebar.error] == [message]
    _change_password(at, PASSWORD, "new-pass-2024", "new-pass-2024")
    assert [s.value for s in at.sidebar.success] == ["密码已修改"] and not at.sidebar.error
    run(at)   # the session that changed it goes on (the account's other sessions end: test_auth)
    assert any(c.value.startswith("已登录：") for c in at.sidebar.caption)
    con = connect(plain_db)
    try:
        assert auth.authenticate(con, "fgw", "new-pass-2024").username == "fgw"
        with pytest.raises(auth.SignInFailed):
            auth.authenticate(con, "fgw", PASSWORD)
    finally:
        con.close()
