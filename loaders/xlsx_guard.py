"""Checks on an uploaded .xlsx before any spreadsheet parser sees it.

An .xlsx is a zip of XML files. A hostile one can claim small sizes and expand to
gigabytes (a zip bomb), or declare XML entities that expand enormously ("billion
laughs") or read other files (external entities). :func:`check_xlsx` refuses such
files with a message in Chinese, before python-calamine opens them:

* the zip must open, hold an Excel workbook, not be encrypted, and have at most
  :data:`MAX_MEMBERS` parts;
* the sizes the zip declares must stay under :data:`MAX_UNPACKED` in total, and no
  large part may be compressed more than :data:`MAX_RATIO` times;
* every part is then decompressed as a stream (never all at once) to check that it
  really is that size and its checksum is right;
* the prolog of every XML part is parsed with defusedxml, which refuses any DTD,
  entity declaration or external reference;
* the cells of every part are counted on the way (their ``r="XFD40000"`` references
  and ``<row>``/``<c>`` elements): python-calamine builds a sheet as a dense grid from
  A1 to the farthest cell, so one cell at XFD40000 would cost 655 million cells (tens of
  gigabytes; the allocation fails and the process aborts) before any check of ours could
  run. A reference is read as calamine reads it: letters of either case and any number of
  them, any number of digits, blanks allowed around the ``=``. A sheet whose grid would
  exceed :data:`MAX_CELLS` is refused. The count is done column-wise with numpy
  (:func:`scan_extent`, proven equal to the regular expressions, which remain the
  path for anything unusual such as namespace prefixes).
"""
from __future__ import annotations

import io
import operator
import posixpath
import re
import zipfile
import zlib
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from loaders import background

MAX_UNPACKED = 100 * 1024 * 1024   # a 50,000-row template unpacks to about 40 MB
MAX_RATIO = 100                     # plain spreadsheet XML compresses 5–30 times
RATIO_FLOOR = 5 * 1024 * 1024       # small parts may compress as well as they like
MAX_MEMBERS = 2_000
MAX_CELLS = 2_000_000               # rows × columns of a sheet's grid (the template: ≤ 50,000 × 14)
CHUNK = 1024 * 1024
PROLOG_SLICE = 4096
XML_SUFFIXES = (".xml", ".rels", ".vml")
PENDING = 3        # slices of a sheet part scanned ahead on the thread pool


class XlsxRefused(ValueError):
    """The file is not a workbook we are willing to parse (the message is for the user)."""


def broken_file(name: str, kind: str = "xlsx") -> str:
    """The message for a file the parser cannot read (what it usually is, and what to do)."""
    return (f"无法读取文件“{name}”：不是有效的 {kind} 文件或已损坏（可能是改了扩展名的其他文件，或下载不完整），"
            "请用 Excel 或 WPS 重新保存后上传")


def check_xlsx(path: Path, max_unpacked: int = MAX_UNPACKED, data: bytes | None = None) -> None:
    """Raise :class:`XlsxRefused` unless ``path`` is a plain, well-formed .xlsx of sane size.

    ``data``: the file's bytes, when the caller has read them already (the file is then not read again).
    """
    path = Path(path)
    broken = broken_file(path.name)
    try:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_listing(path, infos, max_unpacked, broken)
            sheets = _sheet_parts(zf, {i.filename for i in infos})
            unpacked = 0
            for info in infos:
                unpacked = _check_member(zf, info, unpacked, max_unpacked, path, info.filename in sheets)
    except XlsxRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError):
        raise XlsxRefused(broken) from None


def _check_listing(path: Path, infos: list[zipfile.ZipInfo], max_unpacked: int, broken: str) -> None:
    names = {i.filename for i in infos}
    if len(infos) > MAX_MEMBERS:
        raise XlsxRefused(f"文件“{path.name}”包含{len(infos)}个内部文件（上限{MAX_MEMBERS}），不是正常的 Excel 工作簿")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise XlsxRefused(broken)
    if any(i.flag_bits & 0x1 for i in infos):
        raise XlsxRefused(f"文件“{path.name}”已加密或设置了打开密码：请取消密码后上传")
    declared = sum(i.file_size for i in infos)
    if declared > max_unpacked:
        raise XlsxRefused(_too_big(path, declared, max_unpacked))
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise XlsxRefused(f"文件“{path.name}”的内部文件“{i.filename}”压缩比异常（{i.file_size // max(i.compress_size, 1)}倍，"
                              f"上限{MAX_RATIO}倍），可能是恶意构造的文件，已拒收")


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> set[str]:
    """The parts a reader may parse as a sheet: everything under ``xl/worksheets/``, ``xl/chartsheets/``
    and ``xl/dialogsheets/``, and every target the workbook's relationships name (wherever it points).

    Only these get the cell count; styles, shared strings and the like cannot become a grid.
    """
    parts = {n for n in names if n.lower().startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/",
                                                         "xl/macrosheets/"))}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names and zf.getinfo(rels).file_size <= 1024 * 1024:
        for kind, target in _RELATIONSHIP.findall(zf.read(rels)):
            if kind.rsplit(b"/", 1)[-1] in _NOT_SHEETS:
                continue
            target = target.decode("utf-8", "replace")
            parts.add(posixpath.normpath(target.lstrip("/") if target.startswith("/") else "xl/" + target))
    return parts


_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b(?=[^>]*\sType=[\"']([^\"']*)[\"'])[^>]*\sTarget=[\"']([^\"']+)[\"']")
_NOT_SHEETS = (b"styles", b"theme", b"sharedStrings", b"calcChain")


def _check_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, unpacked: int, max_unpacked: int, path: Path,
                  sheet: bool = True) -> int:
    """Stream one part (zipfile stops at the declared size and checks the CRC); return the running total.

    XML parts get their prolog checked; sheet parts (``sheet``) also their cell count.
    """
    xml = info.filename.lower().endswith(XML_SUFFIXES)
    prolog = _Prolog(info.filename, path) if xml else None
    extent = _Extent(parallel=True) if xml and sheet else None
    with zf.open(info) as f:
        while chunk := f.read(CHUNK):
            unpacked += len(chunk)
            if unpacked > max_unpacked:
                raise XlsxRefused(_too_big(path, unpacked, max_unpacked))
            if prolog is not None and not prolog.done:
                prolog.feed(chunk)
            if extent is not None:
                extent.feed(chunk)
    if extent is not None:
        extent.feed(b"", final=True)
        rows, columns = extent.grid()
        if rows * columns > MAX_CELLS:
            raise XlsxRefused(f"文件“{path.name}”的工作表范围过大（约{rows}行×{columns}列，上限{MAX_CELLS}个单元格）："
                              f"请删除模板以外远处的单元格内容后再上传")
    return unpacked


# A reference as python-calamine reads one: the attribute r, blanks allowed around "=" (as XML allows),
# then letters of either case (the column, any number of them) and digits (the row, any number). Read
# more narrowly (capitals only, at most 4 letters and 8 digits, no blanks) a far cell such as
# r="AAAAAAAA1", r="xfd1048576", r = "XFD1048576" or r="A123456789" was taken for a cell without a
# reference, and calamine then allocated its grid (tens of gigabytes: the process aborts).
_EQ = rb"\s*=\s*"
_REF = rb"[\"']([A-Za-z]+)([0-9]+)[\"']"
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr" + _EQ + _REF)
_CELL = re.compile(rb"<c[\s/>]|<\w+:c[\s/>]")   # <c …> or <x:c …> (one alternation scans faster)
_ROW_WITH_REF = re.compile(rb"<(?:\w+:)?row(?=[\s/>])(?:[^>]*?\sr" + _EQ + rb"[\"']([0-9]+)[\"'])?")
# any r="B12"-like attribute (cells carry them; counting a stray one too only makes the check stricter)
_ANY_REF = re.compile(rb"\sr" + _EQ + _REF)
_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_SPACE_REF = re.compile(rb" r" + _EQ + _REF)   # _ANY_REF after a plain space: a literal prefix
_OTHER_SPACES = tuple((bytes([c]), bytes([c]) + b"r") for c in b"\t\n\r\f\v")


def _any_refs(data: bytes) -> list[tuple[bytes, bytes]]:
    """``_ANY_REF.findall(data)``, several times faster when every attribute follows a plain space."""
    if any(c in data and s in data for c, s in _OTHER_SPACES):   # a one-byte look first (memchr)
        return _ANY_REF.findall(data)
    return _SPACE_REF.findall(data)


class _Extent:
    """An upper bound of the grid a sheet part spans, read as a stream (tags are never split).

    ``parallel``: each slice is scanned (:func:`scan_extent`) on the shared thread pool while
    the caller inflates the next one; the slices are still counted in order, at most
    :data:`PENDING` of them waiting at a time.
    """

    def __init__(self, parallel: bool = False):
        self.carry = b""
        self.max_row = self.max_col = self.n_rows = 0
        self.implicit = self.max_implicit = 0   # cells without a reference in the current row, and at most
        self.parallel = parallel
        self.pending: deque[tuple[bytes, Future]] = deque()

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self.carry + chunk
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0:
            self.carry = data
            return
        data, self.carry = data[:cut], data[cut:]
        if not self.parallel:
            self._count(data, scan_extent(data))
            return
        self.pending.append((data, background.submit(scan_extent, data)))
        while len(self.pending) > PENDING or (self.pending and self.pending[0][1].done()):
            self._count_next()

    def _count_next(self) -> None:
        data, job = self.pending.popleft()
        self._count(data, job.result())

    def _count(self, data: bytes, fast: "Extent | None") -> None:
        """Add one slice, given what :func:`scan_extent` found in it."""
        if fast is not None:
            if fast.n_cells == fast.n_refs:
                self._counted(fast)
                return
        rows = _ROW_WITH_REF.findall(data)       # one pass: every <row>, with its r= when it has one
        row_refs = [r for r in rows if r]
        if row_refs:
            self.max_row = max(self.max_row, max(map(int, set(row_refs))))
        refs = _any_refs(data)
        n_rows = len(rows)
        if len(_CELL.findall(data)) == len(refs):
            # every cell has its reference (what Excel, WPS and openpyxl write): no row-by-row counting
            if refs:
                self._refs(refs)
            self.n_rows += n_rows
            self.max_implicit = max(self.max_implicit, self.implicit)
            if n_rows:
                self.implicit = 0
            return
        pos = 0
        for m in _ROW.finditer(data):
            self._cells(data[pos:m.start()])
            self.n_rows += 1
            self.max_implicit, self.implicit = max(self.max_implicit, self.implicit), 0
            pos = m.start()
        self._cells(data[pos:])
        self.max_implicit = max(self.max_implicit, self.implicit)

    def _counted(self, found: "Extent") -> None:
        """The fast path of :meth:`feed`: every cell of the slice has its reference."""
        if found.max_row_ref is not None:
            self.max_row = max(self.max_row, found.max_row_ref)
        if found.n_refs:
            self.max_row = max(self.max_row, found.max_ref_row)
            self.max_col = max(self.max_col, found.max_ref_col)
        self.n_rows += found.n_rows
        self.max_implicit = max(self.max_implicit, self.implicit)
        if found.n_rows:
            self.implicit = 0

    def _cells(self, segment: bytes) -> None:
        refs = _CELL_REF.findall(segment)
        if refs:
            self._refs(refs)
        self.implicit += len(_CELL.findall(segment)) - len(refs)

    def _refs(self, refs: list[tuple[bytes, bytes]]) -> None:
        """Farthest row and column of some cell references (distinct values first: a sheet repeats them)."""
        rows = set(map(_SECOND, refs))
        columns = set(map(_FIRST, refs))
        self.max_row = max(self.max_row, max(map(int, rows)))
        self.max_col = max(self.max_col, max(map(column_number, columns)))

    def grid(self) -> tuple[int, int]:
        """(rows, columns); a cell without a reference goes right of the one before it, so they add up."""
        while self.pending:
            self._count_next()
        return max(self.max_row, self.n_rows), self.max_col + self.max_implicit


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


@dataclass(frozen=True)
class Extent:
    """What one slice of a sheet part holds, as the regular expressions above would count it.

    ``n_rows``: ``<row>`` elements (``_ROW_WITH_REF``); ``max_row_ref``: the largest ``r=`` of
    those that have one (None when none has); ``n_cells``: ``<c>`` elements (``_CELL``);
    ``n_refs``, ``max_ref_row``, ``max_ref_col``: the cell references (``_ANY_REF``) and the
    farthest row and column they name (0 when there are none).
    """

    n_rows: int
    max_row_ref: int | None
    n_cells: int
    n_refs: int
    max_ref_row: int
    max_ref_col: int


def extent_by_regex(data: bytes) -> Extent:
    """:class:`Extent` by the regular expressions (the definition :func:`scan_extent` must equal)."""
    rows = _ROW_WITH_REF.findall(data)
    row_refs = [int(r) for r in rows if r]
    refs = _ANY_REF.findall(data)
    return Extent(len(rows), max(row_refs) if row_refs else None, len(_CELL.findall(data)), len(refs),
                  max((int(r) for _, r in refs), default=0), max((column_number(c) for c, _ in refs), default=0))


_WS = np.zeros(256, dtype=bool)
_WS[list(b" \t\n\r\f\v")] = True                # what \s matches in a bytes pattern
_CELL_END = _WS.copy()
_CELL_END[list(b"/>")] = True                   # [\s/>]
_QUOTE = np.zeros(256, dtype=bool)
_QUOTE[list(b"\"'")] = True
_PAD = 24          # zero bytes after the slice: a reference is read up to 17 bytes past its blank
_WIDTH = 14        # 4 capitals, 8 digits, a quote and one more byte
_COLUMNS = np.arange(_WIDTH)


def _WINDOWS(pad: np.ndarray) -> np.ndarray:
    """Every run of :data:`_WIDTH` bytes, as rows of a view (no copy until rows are picked)."""
    return np.lib.stride_tricks.sliding_window_view(pad, _WIDTH)


def scan_extent(data: bytes) -> Extent | None:
    """:func:`extent_by_regex` computed over numpy arrays, without a Python object per cell;
    None for a slice left to the regexes: one with namespace prefixes (``<x:c``, ``<x:row``), a
    ``<row`` inside another row tag's match, a blank beside an ``=``, or an ``r=`` whose value is not
    a plain reference (see below: lower case, more letters or digits, anything else).

    A plain reference is a blank, ``r=`` and a quote, then 1–4 capitals (none for a row's), 1–8
    digits and a quote; findall's matches never overlap (a match holds one blank, its first byte), so
    they are exactly the positions where the pattern matches. Zero bytes padded after the slice
    are neither blanks, capitals, digits nor quotes, so reading past its end matches nothing.
    """
    a = np.frombuffer(data, dtype=np.uint8)
    n = len(a)
    pad = np.concatenate((a, np.zeros(_PAD, dtype=np.uint8)))
    colon = np.flatnonzero(a == ord(":"))
    if len(colon) and np.any((pad[colon + 1] == ord("c"))
                             | ((pad[colon + 1] == ord("r")) & (pad[colon + 2] == ord("o")) & (pad[colon + 3] == ord("w")))):
        return None                                         # ":c" or ":row": a namespace prefix, perhaps
    # cells: "<c" then a blank, "/" or ">"
    c = np.flatnonzero(a == ord("c"))
    c = c[c >= 1]
    n_cells = int(np.count_nonzero((a[c - 1] == ord("<")) & _CELL_END[pad[c + 1]] & (c + 1 < n)))
    # references: a blank, "r", "=", a quote; then capitals, digits and a quote
    eq = np.flatnonzero(a == ord("="))
    if np.any(_WS[pad[eq + 1]]) or np.any(_WS[a[eq[eq >= 1] - 1]]):
        return None                                         # r = "A1": XML allows blanks around "="
    eq = eq[eq >= 2]
    at = eq[(a[eq - 1] == ord("r")) & _WS[a[eq - 2]] & _QUOTE[pad[eq + 1]]] - 2    # the blank
    first = at + 4
    window = _WINDOWS(pad)[first]                           # the 14 bytes after each quote
    letters = np.argmin((window - ord("A")) < 26, axis=1)  # leading capitals (uint8: below "A" wraps round)
    digit = (window - ord("0")) < 10
    digit[_COLUMNS < letters[:, None]] = True
    end = np.argmin(digit, axis=1)                          # first non-digit after the capitals
    digits = end - letters
    valid = ((letters <= 4) & (digits >= 1) & (digits <= 8)
             & _QUOTE[window[np.arange(len(window)), end]])
    if not valid.all():
        return None                                         # r="a1", r="AAAAA1", r="A123456789", r="x" …
    start = first + letters
    cell = valid & (letters >= 1)
    n_refs = int(np.count_nonzero(cell))
    max_ref_row = max_ref_col = 0
    if n_refs:
        max_ref_row = _largest(pad, start[cell], digits[cell], ord("0"), 10)
        max_ref_col = _largest(pad, first[cell], letters[cell], ord("A") - 1, 26)
    # rows: "<row" then a blank, "/" or ">"; its reference is the first one before the tag's ">"
    w = np.flatnonzero(a == ord("w"))
    w = w[w >= 3]
    starts = w[(a[w - 1] == ord("o")) & (a[w - 2] == ord("r")) & (a[w - 3] == ord("<"))
               & _CELL_END[pad[w + 1]] & (w + 1 < n)] - 3
    max_row_ref = None
    if len(starts):
        is_row_ref = valid & (letters == 0)
        row_at, row_digits = at[is_row_ref], digits[is_row_ref]
        j = np.searchsorted(row_at, starts + 4)
        found = j < len(row_at)
        j = np.minimum(j, len(row_at) - 1)
        if len(row_at):
            q = row_at[j]
            near = found & (q == starts + 4)                 # right after "<row": nothing between
            for i in np.flatnonzero(found & ~near):          # else: no ">" may come between
                found[i] = data.find(b">", int(starts[i]) + 4, int(q[i])) < 0
            match_end = np.where(found, q + 4 + row_digits[j] + 1, starts + 4)
            if np.any(starts[1:] < np.maximum.accumulate(match_end)[:-1]):
                return None   # a "<row" inside another one's match: malformed, left to the regexes
            if found.any():
                max_row_ref = _largest(pad, q[found] + 4, row_digits[j][found], ord("0"), 10)
    return Extent(len(starts), max_row_ref, n_cells, n_refs, max_ref_row, max_ref_col)


def _largest(pad: np.ndarray, starts: np.ndarray, lengths: np.ndarray, zero: int, base: int) -> int:
    """The largest number written at ``starts`` with ``lengths`` digits (capitals in base 26 when
    ``base`` is 26: A=1). Without leading zeros only the longest ones can be the largest."""
    if np.any((pad[starts] == zero) & (lengths > 1)):      # "007": every one is worked out
        at, longest = starts, int(lengths.max())
    else:
        longest = int(lengths.max())
        at, lengths = starts[lengths == longest], None
    value = np.zeros(len(at), dtype=np.int64)
    for k in range(longest):
        digit = pad[at + k].astype(np.int64) - zero
        value = value * base + digit if lengths is None else np.where(k < lengths, value * base + digit, value)
    return int(value.max())


def column_number(letters: bytes) -> int:
    """A=1 … Z=26, AA=27 …, either case (as python-calamine reads them)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ch | 0x20) - 96
    return n


class _Prolog:
    """Feeds an XML part to defusedxml until its root element opens (DTDs may only come before it)."""

    def __init__(self, name: str, path: Path):
        self.name, self.path, self.done = name, path, False
        self.parser = DefusedXMLParser(target=self, forbid_dtd=True, forbid_entities=True, forbid_external=True)

    def start(self, tag, attrib) -> None:   # the parser's target: the root element has begun
        self.done = True

    def end(self, tag) -> None:
        pass

    def data(self, text) -> None:
        pass

    def close(self) -> None:
        pass

    def feed(self, chunk: bytes) -> None:
        # in small slices: expat would otherwise parse (and build) the whole megabyte chunk, when
        # only the prolog matters; it stops being fed as soon as the root element has begun
        try:
            for start in range(0, len(chunk), PROLOG_SLICE):
                self.parser.feed(chunk[start:start + PROLOG_SLICE])
                if self.done:
                    break
        except DefusedXmlException:
            raise XlsxRefused(f"文件“{self.path.name}”的内部文件“{self.name}”含有 XML 文档类型或实体声明（DTD），"
                              f"正常的 Excel 文件不会有，可能是恶意构造的文件，已拒收") from None
        except ParseError:
            raise XlsxRefused(f"文件“{self.path.name}”的内部文件“{self.name}”不是有效的 XML，文件可能已损坏") from None


def _too_big(path: Path, n: int, limit: int) -> str:
    return (f"文件“{path.name}”解压后超过{limit // 1024 // 1024} MB（已读到约{n // 1024 // 1024} MB），"
            f"可能是恶意构造的压缩文件，已拒收；正常的报表请删去多余内容或拆分后分批上传")
