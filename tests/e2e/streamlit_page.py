"""A thin driver for the dashboard in Playwright: navigation, sidebar widgets, waiting for reruns.

Waiting: Streamlit marks ``[data-testid=stApp]`` with ``data-test-script-state``
(``initial`` → ``running`` → ``notRunning``). An init script counts every run that
*finishes* (an attribute change whose old value was ``running``), so
``with app.rerun(): …`` waits for a run that started after the action instead of
sleeping and hoping. (Should a run ever start and finish within one React render, the
attribute would never read ``running`` and the wait fails after RUN_TIMEOUT with the app's
state in the message; 32 navigations in a row showed no such miss.) Content is then checked
with Playwright's auto-retrying ``expect``.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

RUN_TIMEOUT = 30_000  # ms for one script run to finish
MAX_SCREENSHOT_HEIGHT = 8000

_COUNT_RUNS = """
(() => {
  window.__stRunsDone = 0;
  new MutationObserver(records => {
    for (const r of records) if (r.oldValue === 'running') window.__stRunsDone += 1;
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""
_IDLE = "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"
_RUN_DONE = """n => window.__stRunsDone > n && document.querySelector(
  "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']") !== null"""
# Draw characters on a canvas in the page's own font: without a Chinese font each comes out as the
# same "missing glyph" box (tofu), identical to a code point no font has.
_TOFU_FREE = """text => {
  const font = getComputedStyle(document.querySelector("[data-testid='stMain']")).fontFamily;
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const g = c.getContext('2d');
  const draw = ch => { g.clearRect(0, 0, 48, 48); g.font = `36px ${font}`; g.fillText(ch, 4, 40);
                       return g.getImageData(0, 0, 48, 48).data.join(','); };
  const missing = draw(String.fromCodePoint(0x10FFFD)), blank = draw(' ');
  const drawn = [...text].map(draw);
  return drawn.every(d => d !== missing && d !== blank) && new Set(drawn).size === drawn.length;
}"""
_PAGE_HEIGHT = """() => Math.max(...['stMain', 'stSidebarContent'].map(
  id => document.querySelector(`[data-testid='${id}']`)?.scrollHeight ?? 0))"""


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


class App:
    def __init__(self, page: Page, url: str, artifacts: Path, record: Callable[[str, object], None] | None = None):
        self.page = page
        self.url = url
        self.artifacts = artifacts
        self.record = record
        self.shots: list[Path] = []
        page.add_init_script(_COUNT_RUNS)

    # ------------------------------------------------------------------ waiting
    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_selector(_IDLE, timeout=RUN_TIMEOUT)
        expect(self.main.locator("h1").first).to_be_visible()

    def sign_in(self, username: str, password: str) -> None:
        """Sign in from the sidebar's form; returns once the sidebar says who is signed in."""
        self.sidebar.get_by_label("用户名").fill(username)
        self.sidebar.get_by_label("密码").fill(password)
        self.sidebar.get_by_role("button", name="登录").click()
        expect(self.sidebar).to_contain_text("已登录：", timeout=30_000)

    @contextmanager
    def rerun(self):
        """Wrap an action that makes Streamlit rerun; returns once that run has finished."""
        done = self.page.evaluate("() => window.__stRunsDone")
        yield
        try:
            self.page.wait_for_function(_RUN_DONE, arg=done, timeout=RUN_TIMEOUT)
        except PlaywrightTimeoutError:
            app = self.page.get_by_test_id("stApp")
            raise AssertionError(
                f"no Streamlit run finished within {RUN_TIMEOUT} ms after the action: "
                f"runs finished {self.page.evaluate('() => window.__stRunsDone')} (before: {done}), "
                f"script state {app.get_attribute('data-test-script-state')!r}, "
                f"connection {app.get_attribute('data-test-connection-state')!r}, "
                f"exceptions {self.exceptions()}") from None

    # ------------------------------------------------------------------ regions
    @property
    def main(self) -> Locator:
        return self.page.get_by_test_id("stMain")

    @property
    def sidebar(self) -> Locator:
        return self.page.get_by_test_id("stSidebar")

    def title(self) -> str:
        return self.main.locator("h1").first.inner_text().strip()

    def exceptions(self) -> list[str]:
        return self.page.get_by_test_id("stException").all_inner_texts()

    def assert_no_exception(self) -> None:
        errors = self.exceptions()
        assert not errors, f"Streamlit exception on {self.title()!r}:\n" + "\n---\n".join(errors)

    def assert_chinese_glyphs(self, text: str = "衢州总览督查") -> None:
        """Distinct Chinese characters must draw as distinct glyphs, not as boxes (fonts-noto-cjk)."""
        assert self.page.evaluate(_TOFU_FREE, text), (
            f"{text!r} draws as missing-glyph boxes: install a Chinese font (apt-get install fonts-noto-cjk)")

    def charts(self, within: Locator | None = None) -> Locator:
        """Plotly charts that have drawn their SVG."""
        return (within or self.main).locator(".js-plotly-plot:has(svg.main-svg)")

    def wait_for_charts(self, at_least: int = 1, within: Locator | None = None) -> int:
        charts = self.charts(within)
        charts.nth(at_least - 1).wait_for(state="visible")
        return charts.count()

    def element(self, key: str) -> Locator:
        """The element a page created with ``key=`` (Streamlit adds the class ``st-key-<key>``)."""
        return self.page.locator(f".st-key-{key}")

    def metrics(self) -> dict[str, str]:
        cards = self.main.get_by_test_id("stMetric")
        return {c.get_by_test_id("stMetricLabel").inner_text().strip(): c.get_by_test_id("stMetricValue").inner_text().strip()
                for c in cards.all()}

    def caption(self, starting: str) -> str:
        return self.main.get_by_test_id("stCaptionContainer").filter(has_text=starting).first.inner_text().strip()

    # ------------------------------------------------------------------ actions
    def nav_links(self) -> list[str]:
        links = self.sidebar.get_by_test_id("stSidebarNavLink")
        # a link's text is the material icon's name, a newline, then the page title
        return [text.split("\n")[-1].strip() for text in links.all_inner_texts()]

    def nav_slug(self, title: str) -> str:
        """The page's URL path (``departments``; the default page has none): a file-name-safe name."""
        href = self._nav_link(title).get_attribute("href") or ""
        return href.rstrip("/").rsplit("/", 1)[-1] if href.rstrip("/") != self.url.rstrip("/") else "overview"

    def _nav_link(self, title: str) -> Locator:
        return self.sidebar.get_by_test_id("stSidebarNavLink").filter(has=self.page.get_by_text(title, exact=True))

    def go(self, title: str) -> None:
        """Open the page ``title`` from the sidebar; returns once its run has finished. Waits for the new
        page's title and then for the app to be idle, not for a counted run: a fast run of a cached page
        can go from running to finished within one render, leaving no "running" state to count."""
        self._nav_link(title).click()
        expect(self.main.locator("h1").first).to_have_text(exactly(title), timeout=RUN_TIMEOUT)
        self.page.wait_for_selector(_IDLE, timeout=RUN_TIMEOUT)

    def widget(self, kind: str, label: str, within: Locator | None = None) -> Locator:
        label_el = self.page.get_by_test_id("stWidgetLabel").filter(has_text=exactly(label))
        return (within or self.page).get_by_test_id(kind).filter(has=label_el)

    def select(self, label: str, option: str, within: Locator | None = None) -> None:
        """Choose ``option`` (its displayed text) in the selectbox labelled ``label``."""
        box = self.widget("stSelectbox", label, within)
        if option in [line.strip() for line in box.inner_text().split("\n")]:
            return  # already chosen: choosing it again would not rerun
        box.click()
        box.locator("input").fill(option)  # filter first: long option lists are virtualised
        with self.rerun():
            self.page.get_by_role("option", name=option, exact=True).click()
        expect(box).to_contain_text(option)

    def multiselect_add(self, label: str, option: str, within: Locator | None = None) -> None:
        box = self.widget("stMultiSelect", label, within)
        box.click()
        box.locator("input").fill(option)
        with self.rerun():
            self.page.get_by_role("option", name=option, exact=True).click()
        # the list stays open for more choices (Escape does not close it): click away
        self.main.locator("h1").first.click()
        expect(self.page.get_by_test_id("stSelectboxVirtualDropdown")).to_have_count(0)
        expect(box.get_by_text(option, exact=True)).to_be_visible()

    def type_and_enter(self, label: str, text: str) -> None:
        field = self.widget("stTextInput", label).locator("input")
        field.fill(text)
        with self.rerun():
            field.press("Enter")

    # ------------------------------------------------------------------ evidence
    def screenshot(self, name: str) -> Path:
        """The whole page (main area and sidebar scroll inside the viewport, so grow it first)."""
        path = self.artifacts / f"{len(self.shots) + 1:02d}-{name}.png"
        size = self.page.viewport_size
        height = min(max(self.page.evaluate(_PAGE_HEIGHT), size["height"]), MAX_SCREENSHOT_HEIGHT)
        if height > size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": height})
            self.page.wait_for_timeout(200)  # let the grid and charts lay out at the new size
        try:
            self.page.screenshot(path=path)
        finally:
            self.page.set_viewport_size(size)
        self.shots.append(path)
        print(f"screenshot: {path}")
        if self.record:
            self.record(f"screenshot_{path.stem}", str(path))
        return path

