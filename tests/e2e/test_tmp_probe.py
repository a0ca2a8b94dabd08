from tests.e2e.conftest import require_playwright
require_playwright()


def test_probe(app):
    app.open()
    app.wait_for_charts(3)
    grid = app.element("most_behind")
    grid.scroll_into_view_if_needed()
    app.page.evaluate("""() => { const s = document.querySelector('.st-key-most_behind .dvn-scroller');
                                 s.scrollLeft = 600; }""")
    app.page.wait_for_timeout(500)
    grid.screenshot(path="/tmp/most_behind.png")
