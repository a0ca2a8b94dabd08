"""How numbers, shares and target phrases read on the dashboard."""
import math

import pytest

from tracker import formatting as fmt
from tracker.task_queries import SourceSegment


@pytest.mark.parametrize("x, text", [(30000, "30,000"), (2.6, "2.6"), (0.1 + 0.2, "0.3"), (None, "—"),
                                     (math.nan, "—"), (-0.0, "0"), (1234.5, "1,234.5")])
def test_number(x, text):
    assert fmt.number(x) == text


@pytest.mark.parametrize("args, text", [((500, None, "个", ">="), "≥500个"), ((1000, 5000, "亩", "range"), "1,000—5,000亩"),
                                        ((25, None, "微克/立方米", "<="), "≤25微克/立方米"), ((3, None, "万亩", "≈"), "约3万亩"),
                                        ((2.6, None, "%", "="), "2.6%"), ((None, None, "", "="), "—")])
def test_target_text(args, text):
    assert fmt.target_text(*args) == text


def test_percent_points_and_periods():
    assert (fmt.percent(0.4524), fmt.percent(None), fmt.points(12.345), fmt.period_label("2024-09")) == (
        "45.2%", "—", "12.3个百分点", "2024年9月")


def test_source_html_escapes_and_marks():
    html = fmt.source_html([SourceSegment("<b>新增", None), SourceSegment("500个", 7)])
    assert html == ('<div style="line-height:1.9">&lt;b&gt;新增'
                    '<mark style="background:#FFE08A;padding:0 2px" data-target="7">500个</mark></div>')
