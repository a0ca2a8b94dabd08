"""The schema as an earlier version wrote it, for migration tests: DuckDB cannot drop a column of a table others
refer to, so an old file is made by the schema text without that version's additions."""
from __future__ import annotations

import re
from pathlib import Path

from tracker import db

#: What schema 5 added to ``targets`` (loaders/whole_items.py).
_SCHEMA_5 = re.compile(r"    -- schema 5 .*?    whole_item      BOOLEAN DEFAULT false,\n", re.S)


def schema4_file(folder: Path) -> Path:
    """``schema.sql`` without ``targets.whole_item``, written into ``folder``; patch ``db.SCHEMA_FILE`` with it
    and ``db.SCHEMA_VERSION`` with 4 to make a version-4 file."""
    old = _SCHEMA_5.sub("", db.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert "whole_item" not in old
    path = folder / "schema4.sql"
    path.write_text(old, encoding="utf-8")
    return path
