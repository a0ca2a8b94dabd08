"""The pages' summaries of the status table, worked out in SQL over a :class:`tracker.status_store.StatusScope`.

Each function gives what its namesake in :mod:`tracker.progress_queries` gives for the frame
of the same rows (``status_counts``, ``status_mix``, ``group_summary``, ``pace_by_group``,
``most_behind``, ``completion_matrix``), without fetching every row: a province has a
hundred thousand of them, a page shows a few dozen figures. The tests hold each one to its
pandas namesake on the same rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tracker import status as st_rules
from tracker.progress_queries import HEATMAP_LABEL_SQL, SEVERITY, STATUS_COLUMNS, UNJUDGED, stored_frame
from tracker.status_store import StatusScope

#: Columns that hold several names joined by 、: a row counts for each name.
LISTS = ("leaders", "units")
_COLUMNS = frozenset(STATUS_COLUMNS)
_PACED = f"kind IN ('{st_rules.COUNT}', '{st_rules.LEVEL}')"


def _column(by: str) -> str:
    if by not in _COLUMNS:
        raise ValueError(f"not a status column: {by}")
    return by


def _grouped(by: str, explode: bool = True) -> str:
    """The status rows with a column ``grp``: ``by``, one row per name for :data:`LISTS` columns; ``seen``
    orders groups as first met (row, then place in the list)."""
    by = _column(by)
    if by in LISTS and explode:
        names = f"string_split(coalesce({by}, ''), '、')"
        return (f"(SELECT *, unnest({names}) AS grp, row_order * 1000 + generate_subscripts({names}, 1) AS seen "
                f"FROM {{rows}})")
    return f"(SELECT *, {by} AS grp, row_order AS seen FROM {{rows}})"


def counts(scope: StatusScope) -> dict[str, int]:
    """:func:`tracker.progress_queries.status_counts`."""
    return counts_and_demo(scope)[0]


def has_demo(scope: StatusScope) -> bool:
    """:func:`tracker.progress_queries.has_demo`."""
    return counts_and_demo(scope)[1]


def counts_and_demo(scope: StatusScope) -> tuple[dict[str, int], bool]:
    """:func:`counts` and :func:`has_demo` from one scan."""
    found = scope.execute("SELECT status, count(*), bool_or(is_demo) FROM {rows} GROUP BY status").fetchall()
    per_status = {status: n for status, n, _ in found}
    result = {"指标": int(sum(per_status.values())), **{s: int(per_status.get(s, 0)) for s in st_rules.STATUSES}}
    if per_status.get(UNJUDGED, 0):
        result[UNJUDGED] = int(per_status[UNJUDGED])
    return result, any(bool(demo) for _, _, demo in found)


def mix(scope: StatusScope, by: str) -> tuple[pd.DataFrame, list[str]]:
    """:func:`tracker.progress_queries.status_mix` (column ``by``) and the groups in the order first met.

    For :data:`LISTS` columns the group column is named ``by`` too, one row per name."""
    frame = scope.df(f"""
        SELECT grp, status, count(*) AS n, min(seen) AS first
        FROM {_grouped(by)} WHERE grp IS NOT NULL AND grp <> '' GROUP BY grp, status""")
    order = list(frame.groupby("grp")["first"].min().sort_values(kind="stable").index)
    if frame.empty:
        return pd.DataFrame(columns=[by, "status", "n"]), order
    return _mix_frame(frame.rename(columns={"grp": by})[[by, "status", "n"]], by), order


def _mix_frame(long: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows (``by``, status, n) as :func:`mix` gives them: statuses as an ordered category, sorted."""
    long["status"] = pd.Categorical(long["status"], categories=[*st_rules.STATUSES, UNJUDGED], ordered=True)
    return long.sort_values([by, "status"]).reset_index(drop=True)


_UNJUDGED_COUNT = "_unjudged"


def ranking(scope: StatusScope, by: str) -> pd.DataFrame:
    """:func:`tracker.progress_queries.group_summary`."""
    return _ranking(scope, by).drop(columns=_UNJUDGED_COUNT)


def ranking_with_mix(scope: StatusScope, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`ranking` and the frame of :func:`mix` from one grouped scan: the mix is the ranking's counts
    per status (and of rows that cannot be judged) in long form."""
    frame = _ranking(scope, by)
    statuses = [*st_rules.STATUSES, UNJUDGED]
    if frame.empty:
        return frame.drop(columns=_UNJUDGED_COUNT), pd.DataFrame(columns=[by, "status", "n"])
    counts = frame[[*st_rules.STATUSES, _UNJUDGED_COUNT]].to_numpy()
    group, status = np.nonzero(counts)
    long = pd.DataFrame({by: frame[by].to_numpy()[group], "status": np.asarray(statuses, dtype=object)[status],
                         "n": counts[group, status].astype("int64")})
    return frame.drop(columns=_UNJUDGED_COUNT), _mix_frame(long, by)


def _ranking(scope: StatusScope, by: str) -> pd.DataFrame:
    done, on, far = st_rules.COMPLETED, st_rules.ON_TRACK, st_rules.FAR_BEHIND
    per_status = ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS \"{s}\"" for s in st_rules.STATUSES)
    frame = scope.df(f"""
        SELECT grp AS "{by}", count(*) AS 指标, {per_status},
               (count(*) FILTER (WHERE status IN ('{done}', '{on}')))::DOUBLE / count(*) AS 正常率,
               avg(actual_share) FILTER (WHERE {_PACED}) AS 平均完成进度,
               avg(expected_share) FILTER (WHERE {_PACED}) AS 平均时序进度,
               count(*) FILTER (WHERE status = '{UNJUDGED}') AS {_UNJUDGED_COUNT}
        FROM {_grouped(by)} WHERE grp IS NOT NULL AND grp <> ''
        GROUP BY grp
        ORDER BY 正常率 DESC, "{far}" ASC, 平均完成进度 DESC NULLS LAST, "{by}" ASC""")
    frame.insert(0, "rank", range(1, len(frame) + 1))
    for status in ("指标", *st_rules.STATUSES, _UNJUDGED_COUNT):
        frame[status] = frame[status].astype("int64")
    return frame


def pace(scope: StatusScope, by: str) -> pd.DataFrame:
    """:func:`tracker.progress_queries.pace_by_group` (groups in the order first met; a list column is one group)."""
    frame = scope.df(f"""
        SELECT grp AS "{by}", avg(actual_share) AS 完成进度, avg(expected_share) AS 时序进度, count(*) AS 指标
        FROM {_grouped(by, explode=False)} WHERE grp IS NOT NULL AND {_PACED} AND actual_share IS NOT NULL
        GROUP BY grp ORDER BY min(seen)""")
    if frame.empty:
        return pd.DataFrame(columns=[by, "完成进度", "时序进度", "指标"])
    frame["指标"] = frame["指标"].astype("int64")
    return frame


def _severity_sql() -> str:
    return "CASE status " + " ".join(f"WHEN '{s}' THEN {n}" for s, n in SEVERITY.items()) + " END"


def most_behind(scope: StatusScope, n: int = 10) -> pd.DataFrame:
    """:func:`tracker.progress_queries.most_behind`: full status rows (ordered on a few columns, then
    only the chosen rows read in full)."""
    bad = (st_rules.FAR_BEHIND, st_rules.BEHIND, st_rules.NOT_REPORTED)
    return stored_frame(scope.df(f"""
        WITH chosen AS (
            SELECT row_order, row_number() OVER (ORDER BY {_severity_sql()}, overdue DESC,
                                                 coalesce(gap_points, -1e9) DESC, target_id, row_order) AS place
            FROM {{rows}}
            WHERE status IN {bad}
            ORDER BY place LIMIT ?
        )
        SELECT {', '.join(STATUS_COLUMNS)} FROM {{all}} s JOIN chosen c USING (row_order)
        ORDER BY c.place""", [int(n)]))


def rows_of(scope: StatusScope, by: str, value: str, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The status rows of one group (a name inside the list for :data:`LISTS` columns), in order: every
    column, or ``columns`` (status columns, in that order)."""
    by = _column(by)
    wanted = STATUS_COLUMNS if columns is None else [_column(c) for c in columns]
    test = f"list_contains(string_split(coalesce({by}, ''), '、'), ?)" if by in LISTS else f"{by} = ?"
    return stored_frame(scope.df(f"SELECT {', '.join(wanted)} FROM {{rows}} WHERE {test} ORDER BY row_order",
                                 [value]))


def completion_matrix(scope: StatusScope, max_columns: int | None = None) -> tuple[pd.DataFrame, int, int]:
    """:func:`tracker.progress_queries.completion_matrix` (jurisdictions × targets of actual_share), how
    many target columns it has in all, and how many targets are left out for having no share in any place
    (:func:`tracker.progress_queries.blank_targets`).

    ``max_columns``: keep only that many target columns, the first in order (every jurisdiction row
    stays): the matrix is then the full one's first ``max_columns`` columns. A province has a
    hundred thousand cells; a heatmap can show a few dozen targets. Cells come back as numbers
    (row, column, share) with each name only once."""
    limit = -1 if max_columns is None else max(int(max_columns), 0)
    found = scope.execute("""
        WITH cells AS (
            SELECT jurisdiction_name AS r, target_id, doc_number, doc_title, item_label, indicator,
                   actual_share AS share, row_order
            FROM {rows} WHERE jurisdiction_name IS NOT NULL AND item_label IS NOT NULL AND indicator IS NOT NULL
        ),
        all_targets AS MATERIALIZED (   -- the label is the target's own (the same on each of its rows): made
            SELECT target_id, {label} AS c, first, valued FROM (   -- once a target, not once a row
                SELECT target_id, any_value(doc_number) AS doc_number, any_value(doc_title) AS doc_title,
                       any_value(item_label) AS item_label, any_value(indicator) AS indicator,
                       min(row_order) AS first, count(share) AS valued
                FROM cells GROUP BY target_id)
        ),
        per_target AS MATERIALIZED (SELECT * FROM all_targets WHERE valued > 0),   -- a row needs a cell
        columns_ AS MATERIALIZED (   -- targets of the same name share a column (the mean of their cells)
            SELECT c, row_number() OVER (ORDER BY min(first)) - 1 AS ci FROM per_target GROUP BY c
        ),
        rows_ AS MATERIALIZED (
            SELECT r, row_number() OVER (ORDER BY min(row_order)) - 1 AS ri FROM cells GROUP BY r
        ),
        kept AS MATERIALIZED (SELECT target_id, ci FROM per_target JOIN columns_ USING (c) WHERE ? < 0 OR ci < ?),
        picked AS MATERIALIZED (SELECT r, ci, share FROM cells JOIN kept USING (target_id))
        SELECT 0 AS kind, ri, ci, avg(share) AS share, NULL AS name FROM picked JOIN rows_ USING (r) GROUP BY ri, ci
        UNION ALL SELECT 1, ri, NULL, NULL, r FROM rows_
        UNION ALL SELECT 2, NULL, ci, NULL, c FROM columns_ WHERE ? < 0 OR ci < ?
        UNION ALL SELECT 3, NULL, count(*), NULL, NULL FROM columns_
        UNION ALL SELECT 4, NULL, count(*), NULL, NULL FROM all_targets WHERE valued = 0""".replace("{label}", HEATMAP_LABEL_SQL),
        [limit, limit, limit, limit]).fetchnumpy()
    kind = np.asarray(found["kind"])
    n_columns = int(np.asarray(found["ci"])[kind == 3][0])
    n_blank = int(np.asarray(found["ci"])[kind == 4][0])
    if not (kind == 1).any():
        return pd.DataFrame(), n_columns, n_blank
    rows = _names(found, kind == 1, "ri")
    columns = _names(found, kind == 2, "ci")
    cells = kind == 0
    matrix = np.full((len(rows), len(columns)), np.nan)
    share = np.ma.filled(np.ma.asarray(found["share"], dtype=float), np.nan)[cells]   # NULL (masked) → NaN
    matrix[np.asarray(found["ri"])[cells].astype(np.int64), np.asarray(found["ci"])[cells].astype(np.int64)] = share
    frame = pd.DataFrame(matrix, index=pd.Index(rows, name="jurisdiction_name"), columns=pd.Index(columns, name="column"))
    return frame, n_columns, n_blank


def _names(found: dict, which: np.ndarray, code: str) -> list[str]:
    """The names of the ``which`` result rows, placed by their code (0, 1, 2 … with no gap)."""
    names = [None] * int(which.sum())
    for position, name in zip(np.asarray(found[code])[which].astype(np.int64), np.asarray(found["name"], dtype=object)[which]):
        names[position] = name
    return names
