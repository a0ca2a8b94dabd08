"""Find runs of consecutively numbered markers that open lines.

Plans number their items ``（一）（二）…`` or ``1．2．…``. A marker that opens a
line is only an item when it continues the count: a run starts at 1 and every
next marker is the previous number plus one. Stray markers (an enumerated list
inside a notice, a number that happens to open a line) do not break a run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.text_clean import CleanText


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_ordinal(s: str) -> int | None:
    """Item numerals up to 999: "七十三" -> 73, "十" -> 10, "一百零五" -> 105; else None."""
    if not s:
        return None
    total, digit = 0, None
    for ch in s:
        if ch in "零〇" and total:
            continue  # "一百零五": the zero only marks the empty tens place
        if ch in _DIGITS:
            if digit is not None:
                return None
            digit = _DIGITS[ch]
        elif ch in "十百":
            scale = 10 if ch == "十" else 100
            total += (1 if digit is None else digit) * scale
            digit = None
        else:
            return None
    return total + (digit or 0)


@dataclass(frozen=True)
class Marker:
    number: int
    label: str   # as printed: "（十二）", "12．", "三、"
    start: int   # position of the marker in the cleaned text
    end: int     # position just after the marker


def line_markers(doc: CleanText, pattern: re.Pattern, numeral: str) -> list[Marker]:
    """Markers matching ``pattern`` (group 1 = the numeral) at the start of a line.

    ``numeral`` is "arabic" or "chinese".
    """
    found = []
    for start, end in doc.lines():
        m = pattern.match(doc.text, start, end)
        if not m:
            continue
        digits = m.group(1)
        number = int(digits) if numeral == "arabic" else chinese_ordinal(digits)
        if number is None:
            continue
        found.append(Marker(number, m.group(0), m.start(), m.end()))
    return found


def consecutive_runs(markers: list[Marker]) -> list[list[Marker]]:
    """Split markers into runs 1, 2, 3, … skipping markers that do not continue a run."""
    runs: list[list[Marker]] = []
    current: list[Marker] = []
    for marker in markers:
        if current and marker.number == current[-1].number + 1:
            current.append(marker)
        elif marker.number == 1:
            if current:
                runs.append(current)
            current = [marker]
    if current:
        runs.append(current)
    return runs
