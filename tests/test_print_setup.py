"""Widths of text in spreadsheet character units (row heights of printed lists depend on them)."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.print_setup import text_width


def _by_definition(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("text, width", [
    ("", 0), ("abc", 3), ("衢州市", 6), ("新增公共充电桩500个", 19), ("（一）", 6), ("Ａ", 2), ("—", 1),
    ("第一行\n2", 8),
])
def test_exact_widths(text, width):
    assert text_width(text) == width


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=40))
def test_equals_the_definition(text):
    assert text_width(text) == _by_definition(text)
