"""Find the official documents inside a source file and read their header.

A gazette issue holds several documents one after another, each announced by a
header block: the notice title (``…关于印发X的通知``), the document number
(文号, ``衢政发〔2024〕7号``) alone on a line, then the issuer and the date. The
PDF order is not reliable: part of a document's body may sit before its header
(the first measures of a plan, a cover letter), so headers only anchor the
documents; the item parsers decide which items belong to which header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from loaders.text_clean import CleanText

DOC_NUMBER_LINE = re.compile(r"[\u4e00-\u9fff]{2,12}〔(\d{4})〕(\d{1,4})号")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_TITLE_STOP = tuple("。）)：:；;")
_NOTICE_TITLE = re.compile(r"关于(?:印发|公布|公开发布)?《?(.+?)》?的(?:通知|决定)$")
_MAX_TITLE_LINES = 4
_DATE_WINDOW = 12  # lines after the number in which the signature date is looked for
_ISSUER_ENDINGS = ("人民政府", "办公室", "办公厅", "委员会", "局")


@dataclass(frozen=True)
class DocumentHeader:
    doc_number: str
    year: int
    title: str            # the notice title as printed, e.g. "…关于印发…的通知"
    plan_title: str       # what the notice issues, e.g. "进一步推动经济高质量发展若干政策的实施方案"
    issuer: str
    issue_date: date | None
    start: int            # cleaned-text span of the header block (title … date)
    end: int
    number_pos: int       # cleaned-text position of the document number line


def find_headers(doc: CleanText) -> list[DocumentHeader]:
    """Every document header in the cleaned text, in order."""
    lines = doc.lines()
    headers = []
    for idx, (start, end) in enumerate(lines):
        m = DOC_NUMBER_LINE.fullmatch(doc.text[start:end])
        if m:
            headers.append(_read_header(doc, lines, idx, m))
    return headers


def _read_header(doc: CleanText, lines, idx: int, m: re.Match) -> DocumentHeader:
    text = doc.text
    # Title: the lines just above the number, back to the end of the previous sentence.
    first = idx
    while first > 0 and idx - first < _MAX_TITLE_LINES:
        prev_start, prev_end = lines[first - 1]
        prev = text[prev_start:prev_end]
        if prev.endswith(_TITLE_STOP) or DOC_NUMBER_LINE.fullmatch(prev):
            break
        first -= 1
    title = "".join(text[s:e] for s, e in lines[first:idx]).replace(" ", "")
    if "关于" not in title:
        # A title block is "<issuer>关于…"; keep only what follows the last sentence end.
        title = ""
        first = idx
    issuer, plan_title = _split_title(title)
    header_end = lines[idx][1]
    issue_date = None
    signature = ""
    for s, e in lines[idx + 1: idx + 1 + _DATE_WINDOW]:
        line = text[s:e]
        d = _DATE.fullmatch(line.strip())
        if d:
            issue_date = date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
            header_end = e
            break
        compact = line.replace(" ", "")
        if not signature and compact.endswith(_ISSUER_ENDINGS) and len(compact) <= 20:
            signature = compact
    if signature and (not issuer or (issuer.endswith(signature) and issuer != signature)):
        # The signature names the issuer exactly; words before it in the title block are a
        # gazette section heading ("机构与人事") that the PDF put above the title.
        title = title[len(issuer) - len(signature):] if issuer else title
        issuer = signature
    return DocumentHeader(
        doc_number=m.group(0),
        year=int(m.group(1)),
        title=title,
        plan_title=plan_title,
        issuer=issuer,
        issue_date=issue_date,
        start=lines[first][0],
        end=header_end,
        number_pos=lines[idx][0],
    )


def _split_title(title: str) -> tuple[str, str]:
    """"衢州市人民政府关于印发X的通知" -> ("衢州市人民政府", "X")."""
    if "关于" not in title:
        return "", ""
    issuer, _, rest = title.partition("关于")
    m = _NOTICE_TITLE.search("关于" + rest)
    return issuer, (m.group(1) if m else rest)
