"""The row checks of an upload as they were written before the fast paths (kept as the oracle
that tests/test_upload_fast_paths.py holds :func:`loaders.progress_upload.validate_rows` to)."""
from __future__ import annotations

from loaders.progress_template import (
    IDENTITY_COLUMNS, NEXT_STEPS, PROBLEMS, PROGRESS, REPORTED_STATUSES, ROW_ID, STATUS, VALUE, value_range,
)
from loaders.progress_upload import (
    MAX_TEXT, _empty, _fmt, _id_problem, _text, identity_problem, parse_number, percent_value, row_id,
)
from loaders.sheet_reader import Problem, clean_text
from tracker.status import MILESTONE


def reference_validate_rows(sheet_name, header, rows, expected, known_targets, unit, period, percent=frozenset()):
    """(reports as tuples, problems, blank rows), one cell at a time."""
    kept = (ROW_ID, VALUE, STATUS, PROGRESS, PROBLEMS, NEXT_STEPS)
    indices = [header.index(h) if h in header else None for h in kept]
    reports, problems, seen, n_blank = [], [], {}, 0
    statuses = set(REPORTED_STATUSES)
    for n, cells in rows:
        picked = [cells[i] if i is not None and i < len(cells) else None for i in indices]
        raw_id, raw_value, raw_status = picked[0], picked[1], picked[2]
        texts = [_text(c) for c in picked[3:]]
        rid = row_id(raw_id)
        status = clean_text(raw_status)
        empty = _empty(raw_value) and not status and not any(texts)
        found = []
        if not rid:
            if not empty:
                problems.append(Problem(sheet_name, n, ROW_ID, "缺少填报编号：请勿删除或改动模板中的编号"))
            continue
        row = expected.get(rid)
        if row is None or rid in seen:
            problems.append(Problem(sheet_name, n, ROW_ID, _id_problem(rid, seen, known_targets, unit, period)))
            seen.setdefault(rid, n)
            continue
        seen[rid] = n
        if empty:
            n_blank += 1
            continue
        identity = [(cells[header.index(h)] if header.index(h) < len(cells) else None, field, h)
                    for h, field in zip(IDENTITY_COLUMNS, ("jurisdiction_name", "indicator", "unit")) if h in header]
        mismatch = identity_problem(rid, row, identity)
        if mismatch is not None:
            problems.append(Problem(sheet_name, n, *mismatch))
            continue
        value = None
        try:
            value = parse_number(raw_value, row.unit)
        except ValueError as exc:
            found.append((VALUE, str(exc)))
        if n in percent and value is not None and not isinstance(raw_value, str):
            try:
                value = percent_value(value, row.unit)
            except ValueError as exc:
                value = None
                found.append((VALUE, str(exc)))
        if value is not None:
            low, high = value_range(row.kind, row.unit)
            if value < low:
                found.append((VALUE, f"数值{_fmt(value)}不能为负数" if low == 0 else f"数值{_fmt(value)}不能小于{_fmt(low)}"))
            elif value > high:
                found.append((VALUE, f"数值{_fmt(value)}过大（上限{_fmt(high)}），请检查计量单位"))
        if status and status not in statuses:
            found.append((STATUS, f"状态“{status}”无效，应为：{'、'.join(REPORTED_STATUSES)}"))
        if value is None and not found:
            if row.kind != MILESTONE:
                found.append((VALUE, f"请填写累计完成值（单位：{row.unit or '见计量单位列'}）"))
            elif not status:
                found.append((STATUS, "请填写累计完成值或选择状态"))
        for h, t in zip(kept[3:], texts):
            if t and len(t) > MAX_TEXT:
                found.append((h, f"内容过长（{len(t)}字），每格不超过{MAX_TEXT}字"))
        if found:
            problems.extend(Problem(sheet_name, n, column, message) for column, message in found)
            continue
        reports.append((row.target_id, row.jurisdiction_code, value, status or None, *texts, n, row.kind, row.unit))
    return reports, problems, n_blank
