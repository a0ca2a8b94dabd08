"""End-to-end fixtures: one built database, one ``streamlit run`` server and one headless
Chromium per session; a fresh browser context (a fresh Streamlit session) per test.

The browser is Debian's ``chromium`` (``apt-get install chromium fonts-noto-cjk``), never one
downloaded by ``playwright install``. Without it the browser tests skip locally and FAIL when
``CI`` is set, so a CI machine that lost its browser cannot pass silently.

Screenshots go to ``test-artifacts/e2e/<test>/`` (ignored by git); each path is printed in the
test output and recorded as a junit property. A failing test also saves ``failure.png``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT
from tests.environment import unavailable

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SERVER_START_TIMEOUT = 60  # seconds until /_stcore/health answers
VIEWPORT = {"width": 1400, "height": 1000}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end journey in headless Chromium (tests/e2e)")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed


def require_playwright() -> None:
    """Call at the top of a journey module, before importing anything from Playwright."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("playwright is not installed in .venv (pinned in requirements-dev.txt)", module_level=True)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        unavailable("no `chromium` on PATH; install it with `apt-get install -y chromium fonts-noto-cjk` "
                    "(scripts/run_tests.sh does this when run as root); never `playwright install`")
    if shutil.which("fc-list"):
        zh = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        if not zh.strip():
            unavailable("no Chinese font installed: screenshots would show boxes; "
                        "`apt-get install -y fonts-noto-cjk`")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    require_playwright()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory) -> Path:
    """The shipped sources with the demo progress, built once; the server only reads it."""
    from loaders.build import build

    path = tmp_path_factory.mktemp("e2e") / "tracker.duckdb"
    report = build(path)
    assert report.ok, report.errors
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the server process: get SIGTERM when pytest dies (killed by a CI timeout, say)."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


@contextmanager
def dashboard_server(db: Path, log_path: Path, demo: bool = True) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port with TRACKER_DB=``db``; yields its URL once healthy.
    The log goes to ``log_path``."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",  # the toolbar as .streamlit/config.toml sets it (no Deploy, no menu)
        "--server.fileWatcherType", "none",  # colleagues editing files must not rerun our sessions
    ]
    # demo mode: visitors see the dashboards read-only without signing in (tracker/session.py)
    env = os.environ | {"TRACKER_DB": str(db), "TRACKER_DEMO_MODE": "1" if demo else "0", "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if server.poll() is not None:
                pytest.fail(f"streamlit exited with {server.returncode} before answering:\n{log_path.read_text()}",
                            pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit gave no /_stcore/health within {SERVER_START_TIMEOUT}s:\n"
                            f"{log_path.read_text()}", pytrace=False)
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if "Traceback" in log_path.read_text():
            print(f"\nstreamlit server log with tracebacks: {log_path}")


@pytest.fixture(scope="session")
def dashboard_url(e2e_db, chromium_path, tmp_path_factory):
    """The session's server (:func:`dashboard_server`) on :func:`e2e_db`; its log is kept in tmp."""
    with dashboard_server(e2e_db, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


@pytest.fixture
def app(browser, dashboard_url, request, record_property):
    """A fresh browser context on the dashboard; screenshots under test-artifacts/e2e/<test>/."""
    from tests.e2e.streamlit_page import App

    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20_000)
    dashboard = App(page, dashboard_url, folder, record=record_property)
    yield dashboard
    if request.node.stash.get(_CALL_FAILED, False):
        try:
            dashboard.screenshot("failure")
        except Exception as exc:  # the page may be gone; the test failure is the news
            print(f"no failure screenshot: {exc}")
    context.close()
