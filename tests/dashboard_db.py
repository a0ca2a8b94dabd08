"""A tiny hand-made tracker database for the dashboard's query tests.

One plan (衢测〔2024〕1号, whole of 2024, city 330800) with a policy area and one measure:

====  ========  ===========================================  =========================
id    item      target                                       reports (2024-03 unless said)
====  ========  ===========================================  =========================
1     measure   count ≥ 1000 个 (充电桩)                      100 (v1), corrected to 250 (v2)
2     area      rate ≥ 10 % (投资增长)                         8 in 2024-02, 9 in 2024-03
3     measure   count ≥ 300 个, 柯城区 100 + 衢江区 200        柯城区 30, 衢江区 50
4     measure   milestone due 2024-06-30 (完成一期)            —
====  ========  ===========================================  =========================

Area (item 1): lead 市发改委. Measure (item 2): lead 市经信局, cooperating 市发改委,
leader 张三. All reports are demo data from one upload.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import duckdb

from tracker import report_validity
from tracker.db import connect

CONTENT = (
    "一、扩大有效投资政策\n投资增长10%以上。\n"
    "（一）建设充电设施。新增公共充电\n桩1000个，其中柯城区、衢江区共300个；6月底前完成一期。"
    "（责任单位：市经信局、市发改委）\n"
)


def _span(text: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = CONTENT.index(text, start + 1)
    return start, start + len(text)


_TEMPLATE: list[Path] = []   # the database built once per process, copied for each test


def make_db(path: Path) -> duckdb.DuckDBPyConnection:
    """The tiny database at ``path`` (a new file), open: a copy of the one this process built first
    (building costs ~0.3 s, a copy ~0.05 s; many tests take one of their own)."""
    if not _TEMPLATE or not _TEMPLATE[0].exists():
        folder = Path(tempfile.mkdtemp(prefix="tracker-tiny-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _build(folder / "tiny.duckdb").close()
        _TEMPLATE[:] = [folder / "tiny.duckdb"]
    path = Path(path)
    if path.exists() or path.with_name(path.name + ".wal").exists():
        raise FileExistsError(f"make_db makes a new file: {path} is there already")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE[0], path)
    return connect(path)


def _build(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    con.executemany("INSERT INTO jurisdictions VALUES (?, ?, ?, ?, ?)", [
        ("330800", "衢州市", "衢州", "city", None),
        ("330802", "柯城区", "柯城", "district", "330800"),
        ("330803", "衢江区", "衢江", "district", "330800"),
    ])
    con.execute("INSERT INTO source_files (file_id, file_name, sha256, n_chars, content) VALUES (1, 'plan.txt', 'x', ?, ?)",
                [len(CONTENT), CONTENT])
    con.execute(
        "INSERT INTO documents (doc_id, file_id, doc_number, title, issue_date, year, kind, city_code, period_start, "
        "period_end) VALUES (1, 1, '衢测〔2024〕1号', '测试实施方案', '2024-03-01', 2024, 'policy_plan', '330800', "
        "'2024-01-01', '2024-12-31')"
    )
    area_start, _ = _span("一、")
    measure_start, measure_end = _span("（一）")[0], len(CONTENT) - 1
    con.executemany(
        "INSERT INTO items VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, "policy_area", 1, "一、", None, "扩大有效投资政策", "投资增长10%以上。", area_start, measure_start,
             area_start, measure_start),
            (2, "policy_measure", 1, "（一）", 1, "建设充电设施", "新增公共充电桩1000个，其中柯城区、衢江区共300个；6月底前完成一期。",
             measure_start, measure_end, measure_start, measure_end),
        ],
    )
    rate, count, split, milestone = _span("投资增长10%以上"), _span("桩1000个"), _span("共300个"), _span("6月底前完成一期")
    con.executemany(
        "INSERT INTO targets (target_id, item_id, seq, indicator, raw, value, value_high, unit, base_value, "
        "base_value_high, base_unit, comparator, kind, tiers, steps, deadline, due_date, source_start, source_end) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)",
        [
            (1, 2, 1, "新增公共充电桩", "公共充电桩1000个", 1000, "个", 1000, "个", ">=", "count", None, "2024-12-31", *count),
            (2, 1, 1, "固定资产投资增长", "投资增长10%以上", 10, "%", 10, "%", ">=", "rate", None, "2024-12-31", *rate),
            (3, 2, 2, "柯城区、衢江区充电桩", "共300个", 300, "个", 300, "个", ">=", "count", None, "2024-12-31", *split),
            (4, 2, 3, "完成一期", "6月底前完成一期", None, "", None, "", "=", "milestone", "2024-06-30", "2024-06-30",
             *milestone),
        ],
    )
    con.executemany("INSERT INTO target_allocations (target_id, jurisdiction_code, value) VALUES (?, ?, ?)",
                    [(3, "330802", 100), (3, "330803", 200)])
    con.executemany("INSERT INTO organisations VALUES (?, ?, '330800', 'department', NULL, true)",
                    [(1, "市发改委"), (2, "市经信局")])
    con.executemany("INSERT INTO assignments VALUES (?, ?, ?, ?, ?)",
                    [(1, 1, "lead", 1, "市发改委"), (2, 2, "lead", 1, "市经信局"), (2, 1, "cooperate", 2, "市发改委")])
    con.execute("INSERT INTO people VALUES (1, '张三', '330800')")
    con.execute("INSERT INTO item_leaders VALUES (2, 1, 1)")
    add_upload(con, 1, "市经信局", "2024-03", demo=True)
    add_report(con, 1, 1, 1, "330800", "2024-03", 1, 100, progress="已建成100个")
    add_report(con, 2, 1, 1, "330800", "2024-03", 2, 250, progress="更正：已建成250个", problems="选址难")
    add_report(con, 3, 1, 2, "330800", "2024-02", 1, 8)
    add_report(con, 4, 1, 2, "330800", "2024-03", 1, 9)
    add_report(con, 5, 1, 3, "330802", "2024-03", 1, 30)
    add_report(con, 6, 1, 3, "330803", "2024-03", 1, 50, next_steps="加快建设")
    return con


def add_upload(con, upload_id: int, unit: str, period: str, demo: bool = False) -> None:
    con.execute(
        "INSERT INTO uploads (upload_id, unit_name, period, file_name, file_sha256, uploaded_by, uploaded_at, is_demo, "
        "outcome, n_rows, n_accepted, n_rejected) VALUES (?, ?, ?, ?, 'sha', '李四', TIMESTAMP '2024-04-03 09:00:00', "
        "?, 'accepted', 1, 1, 0)",
        [upload_id, unit, period, f"{unit}{period}.xlsx", demo],
    )


def add_report(con, report_id: int, upload_id: int, target_id: int, code: str, period: str, version: int,
               value: float | None, status: str | None = None, progress: str | None = None,
               problems: str | None = None, next_steps: str | None = None) -> None:
    con.execute(
        "INSERT INTO progress_reports (report_id, upload_id, target_id, jurisdiction_code, period, version, value, "
        "reported_status, progress_text, problems_text, next_steps_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [report_id, upload_id, target_id, code, period, version, value, status, progress, problems, next_steps],
    )
    report_validity.refresh_uploads(con, [upload_id])
