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
  gigabytes) before any check of ours could run. A sheet whose grid would exceed
  :data:`MAX_CELLS` is refused.
"""
from __future__ import annotations

import io
import operator
import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

MAX_UNPACKED = 100 * 1024 * 1024   # a 50,000-row template unpacks to about 40 MB
MAX_RATIO = 100                     # plain spreadsheet XML compresses 5–30 times
RATIO_FLOOR = 5 * 1024 * 1024       # small parts may compress as well as they like
MAX_MEMBERS = 2_000
MAX_CELLS = 2_000_000               # rows × columns of a sheet's grid (the template: ≤ 50,000 × 14)
CHUNK = 1024 * 1024
PROLOG_SLICE = 4096
XML_SUFFIXES = (".xml", ".rels", ".vml")


class XlsxRefused(ValueError):
    """The file is not a workbook we are willing to parse (the message is for the user)."""


def check_xlsx(path: Path, max_unpacked: int = MAX_UNPACKED, data: bytes | None = None) -> None:
    """Raise :class:`XlsxRefused` unless ``path`` is a plain, well-formed .xlsx of sane size.

    ``data``: the file's bytes, when the caller has read them already (the file is then not read again).
    """
    path = Path(path)
    broken = f"无法读取文件“{path.name}”：不是有效的 xlsx 文件或已损坏（可能是改了扩展名的其他文件，或下载不完整），请用 Excel 或 WPS 重新保存后上传"
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
    extent = _Extent() if xml and sheet else None
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


_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=[\"']([A-Z]{1,4})([0-9]{1,8})[\"']")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=[\"']([0-9]{1,8})[\"']")
_CELL = re.compile(rb"<c[\s/>]|<\w+:c[\s/>]")   # <c …> or <x:c …> (one alternation scans faster)
_ROW_WITH_REF = re.compile(rb"<(?:\w+:)?row(?=[\s/>])(?:[^>]*?\sr=[\"']([0-9]{1,8})[\"'])?")
# any r="B12"-like attribute (cells carry them; counting a stray one too only makes the check stricter)
_ANY_REF = re.compile(rb"\sr=[\"']([A-Z]{1,4})([0-9]{1,8})[\"']")
_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_SPACE_REF = re.compile(rb" r=[\"']([A-Z]{1,4})([0-9]{1,8})[\"']")   # _ANY_REF with a plain space: a literal prefix
_OTHER_SPACES = tuple((bytes([c]), bytes([c]) + b"r=") for c in b"\t\n\r\f\v")


def _any_refs(data: bytes) -> list[tuple[bytes, bytes]]:
    """``_ANY_REF.findall(data)``, several times faster when every attribute follows a plain space."""
    if any(c in data and s in data for c, s in _OTHER_SPACES):   # a one-byte look first (memchr)
        return _ANY_REF.findall(data)
    return _SPACE_REF.findall(data)


class _Extent:
    """An upper bound of the grid a sheet part spans, read as a stream (tags are never split)."""

    def __init__(self):
        self.carry = b""
        self.max_row = self.max_col = self.n_rows = 0
        self.implicit = self.max_implicit = 0   # cells without a reference in the current row, and at most

    def feed(self, chunk: bytes, final: bool = False) -> None:
        data = self.carry + chunk
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0:
            self.carry = data
            return
        data, self.carry = data[:cut], data[cut:]
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
        self.max_col = max(self.max_col, max(map(_column_number, columns)))

    def grid(self) -> tuple[int, int]:
        """(rows, columns); a cell without a reference goes right of the one before it, so they add up."""
        return max(self.max_row, self.n_rows), self.max_col + self.max_implicit


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
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
