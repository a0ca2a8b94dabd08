"""Checks on an uploaded .xls (Excel 97-2003) before python-calamine parses it in our process.

python-calamine builds a sheet as a dense grid out to its farthest cell. An .xls names each
cell's row and column in its records, up to 65,535 each, so a file of a few kilobytes can ask
for a grid of 4 billion cells: the allocation fails and the process aborts (the dashboard with
it). The records sit inside an OLE2 compound file, which we do not parse ourselves; instead
:func:`probe_xls` opens every sheet in a child process whose memory is capped and reads back
each sheet's size. A child that dies, or a sheet larger than :data:`MAX_CELLS`, refuses the file;
otherwise the caller parses it as usual (the same library on the same bytes builds the same grids).
Only .xls pays for the child (about half a second); .xlsx goes through :mod:`loaders.xlsx_guard`.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from loaders.xlsx_guard import MAX_CELLS

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # an OLE2 compound file: .xls (and old .doc …)
PROBE_MEMORY = 1024 * 1024 * 1024                 # address space of the child: a MAX_CELLS grid needs ~64 MB
PROBE_TIMEOUT = 60                                # seconds

_PROBE = f"""
import io, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({PROBE_MEMORY}, {PROBE_MEMORY}))
from python_calamine import CalamineWorkbook
workbook = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
for name in workbook.sheet_names:
    sheet = workbook.get_sheet_by_name(name)
    print(sheet.total_height, sheet.total_width)
"""


class XlsRefused(ValueError):
    """The .xls is not one we are willing to parse (the message is for the user)."""


def probe_xls(path: Path, data: bytes) -> None:
    """Raise :class:`XlsRefused` when a sheet of the .xls ``data`` would be too large to parse.

    A file python-calamine cannot read at all passes: the caller's own parse then says why.
    """
    too_far = (f"文件“{Path(path).name}”的工作表范围过大或结构异常，无法读取：请删除模板以外远处的单元格内容，"
               f"或用 Excel、WPS 另存为 .xlsx 后上传")
    try:
        child = subprocess.run([sys.executable, "-c", _PROBE], input=data, capture_output=True,
                               timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise XlsRefused(too_far) from None
    if child.returncode != 0:
        if b"CalamineError" in child.stderr:   # not a workbook calamine can read: the caller says so
            return
        raise XlsRefused(too_far)              # aborted on an allocation, out of memory, killed
    for line in child.stdout.split(b"\n"):
        if line.strip():
            height, width = map(int, line.split())
            if height * width > MAX_CELLS:
                raise XlsRefused(f"表格范围过大（{height}行×{width}列）：请删除模板以外远处的单元格内容后再上传")
