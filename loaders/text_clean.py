"""Clean PDF-extracted text while keeping a map back to the original offsets.

The sources are text pulled out of PDFs: every ~25 characters a line breaks,
blank lines sit between lines, and page furniture (running headers such as
``市政府文件市政府文件``, ``2024年/第三期``, ``衢州政报(总第171期)`` and lone
page numbers) is interleaved anywhere, even in the middle of a sentence.

``clean(raw)`` returns a :class:`CleanText`: the joined text plus, for every
character of it, the offset of that character in ``raw``. Line breaks are
dropped (Chinese needs no space between joined lines); the positions where raw
lines began are kept in ``line_starts`` so that structure parsers can require a
heading marker (``一、``, ``（一）``, ``1．``) to open a line.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import accumulate

# A running header printed twice side by side: "市政府文件市政府文件", "市府办文件市府办文件".
_DOUBLED_HEADER = re.compile(r"([\u4e00-\u9fff]{1,6}文件)\1")
# Issue line of a periodical: "2024年/第三期", "2023年第6期".
_ISSUE_LINE = re.compile(r"\d{4}\s*年\s*/?\s*第\s*[0-9一二三四五六七八九十]{1,3}\s*期")
# Masthead with a running number: "衢州政报(总第171期)".
_MASTHEAD = re.compile(r"[\u4e00-\u9fff]{2,10}[(（]\s*总第\s*\d+\s*期\s*[)）]")
_FURNITURE_IN_LINE = (_DOUBLED_HEADER, _ISSUE_LINE, _MASTHEAD)

_PAGE_NUMBER = re.compile(r"\s*[-—－]?\s*\d{1,3}\s*[-—－]?\s*")

@dataclass(frozen=True)
class Fragment:
    """A piece of cleaned text with, per character, its offset in the raw source."""

    text: str
    offsets: tuple[int, ...]

    def source_span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """Map a half-open span of ``text`` to the raw span it came from."""
        end = len(self.text) if end is None else end
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside text of length {len(self.text)}")
        return self.offsets[start], self.offsets[end - 1] + 1

    def slice(self, start: int, end: int) -> "Fragment":
        return Fragment(self.text[start:end], self.offsets[start:end])

    def strip(self, chars: str | None = None) -> "Fragment":
        left = len(self.text) - len(self.text.lstrip(chars))
        right = len(self.text.rstrip(chars))
        return self.slice(left, max(left, right))

    def __add__(self, other: "Fragment") -> "Fragment":
        return Fragment(self.text + other.text, self.offsets + other.offsets)

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class CleanText(Fragment):
    """The whole cleaned document: joined text, offsets, and where raw lines began.

    ``line_starts`` holds the positions in ``text`` at which a kept raw line
    begins, so parsers can require a marker to open a line.
    """

    line_starts: tuple[int, ...] = ()
    raw_length: int = 0

    def is_line_start(self, pos: int) -> bool:
        i = bisect.bisect_left(self.line_starts, pos)
        return i < len(self.line_starts) and self.line_starts[i] == pos

    def line_end(self, pos: int) -> int:
        """Position just past the line that contains ``pos``."""
        i = bisect.bisect_right(self.line_starts, pos)
        return self.line_starts[i] if i < len(self.line_starts) else len(self.text)

    def lines(self) -> list[tuple[int, int]]:
        """(start, end) of every kept line, in order."""
        ends = self.line_starts[1:] + (len(self.text),)
        return list(zip(self.line_starts, ends))


def _raw_lines(raw: str) -> list[tuple[str, int]]:
    """Every line of ``raw`` without its line break, with the raw offset of its first character.

    Plain pairs, not objects: a source has thousands of lines."""
    chunks = raw.splitlines(keepends=True)
    return list(zip([chunk.rstrip("\r\n") for chunk in chunks], accumulate(map(len, chunks), initial=0)))


def _furniture_spans(line: str) -> list[tuple[int, int]]:
    if "期" not in line and "文件" not in line:   # each furniture pattern holds one of the two: most lines skip the regexes
        return []
    spans = []
    for pattern in _FURNITURE_IN_LINE:
        spans.extend(m.span() for m in pattern.finditer(line))
    return sorted(spans)


def is_furniture_line(line: str) -> bool:
    """True when nothing but furniture (and spaces) is on the line."""
    rest = line
    for pattern in _FURNITURE_IN_LINE:
        rest = pattern.sub("", rest)
    return bool(line.strip()) and not rest.strip()


def _drop_page_numbers(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Remove a lone page number (lines as from :func:`_raw_lines`) that sits next to a furniture line.

    A number alone on a line is only treated as a page number when the nearest
    non-blank line before or after it is furniture: tables hold lone numbers too.
    """
    nonblank = [i for i, (text, _) in enumerate(lines) if text.strip()]
    drop = set()
    for k, i in enumerate(nonblank):
        if not _PAGE_NUMBER.fullmatch(lines[i][0]):
            continue
        neighbours = []
        if k > 0:
            neighbours.append(lines[nonblank[k - 1]][0])
        if k + 1 < len(nonblank):
            neighbours.append(lines[nonblank[k + 1]][0])
        if any(is_furniture_line(n) for n in neighbours) and not _starts_a_year(lines, nonblank, k):
            drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop] if drop else lines


_YEAR_AHEAD = re.compile(r"(?:19|20)\d\d年")


def _starts_a_year(lines: list[tuple[str, int]], nonblank: list[int], k: int) -> bool:
    """Whether the lone number at ``nonblank[k]`` is the start of a year broken over lines (``20`` / ``24`` /
    ``年`` under a vertically set table title): 2024年省市政府民生实事 had lost its 20 after a furniture line."""
    ahead = "".join(lines[j][0].strip() for j in nonblank[k:k + 3])
    return _YEAR_AHEAD.match(ahead) is not None


def clean(raw: str) -> CleanText:
    """Join broken lines and drop page furniture, keeping offsets into ``raw``."""
    chars: list[str] = []
    offsets: list[int] = []
    line_starts: list[int] = []
    for text, start in _drop_page_numbers(_raw_lines(raw)):
        pieces = _kept_pieces(text)
        if not pieces:
            continue
        line_starts.append(len(offsets))
        for s, e in pieces:
            chars.append(text[s:e])
            offsets.extend(range(start + s, start + e))
    return CleanText("".join(chars), tuple(offsets), tuple(line_starts), len(raw))


def _kept_pieces(text: str) -> list[tuple[int, int]]:
    """Spans of a line that remain once furniture and the blanks at both ends are cut."""
    furniture = _furniture_spans(text)
    if not furniture:   # most lines: the line less its blanks at both ends, or nothing
        s, e = len(text) - len(text.lstrip()), len(text.rstrip())
        return [(s, e)] if s < e else []
    pieces, pos = [], 0
    for s, e in furniture:
        if s > pos:
            pieces.append((pos, s))
        pos = max(pos, e)
    if pos < len(text):
        pieces.append((pos, len(text)))
    # trim blanks at the two ends of the line
    while pieces:
        s, e = pieces[0]
        s += len(text[s:e]) - len(text[s:e].lstrip())
        if s < e:
            pieces[0] = (s, e)
            break
        pieces.pop(0)
    while pieces:
        s, e = pieces[-1]
        e = s + len(text[s:e].rstrip())
        if s < e:
            pieces[-1] = (s, e)
            break
        pieces.pop()
    return pieces


# A blank the PDF put next to a Chinese character or full-width punctuation ("项 目 开 工 率", "300 万 元",
# "元， 衢"): Chinese is set without spaces. A blank between two Latin letters or digits ("Word 2010") stays.
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’…—"
_BLANK_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_QUOTE_PAIRS = (("“", "”"), ("‘", "’"), ("「", "」"), ("『", "』"))


def readable(text: str | None) -> str | None:
    """A phrase as a page shows it: the blanks the PDF put in Chinese removed ("衢 江 区 300 万 元" →
    "衢江区300万元"), and a quotation mark with no partner at either end trimmed ("“我市计划实施17个…"
    cut out of a quoted question → "我市计划实施17个…"). The stored phrase and its offsets stay as printed."""
    if not isinstance(text, str):
        return text
    text = _BLANK_BY_CJK.sub("", text.strip())
    for opening, closing in _QUOTE_PAIRS:
        if text.startswith(opening) and text.count(opening) > text.count(closing):
            text = text[1:]
        if text.endswith(closing) and text.count(closing) > text.count(opening):
            text = text[:-1]
    return text
