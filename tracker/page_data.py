"""What the leadership pages show, in one call per page: figures summed up in SQL over the stored
status table (:mod:`tracker.status_store`, :mod:`tracker.status_sql`), so a page fetches a few
dozen rows, not the whole province.

Every function takes the connection first and hashable arguments (for :func:`tracker.app_db.cached`).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tracker import progress_queries as pq, status_sql as sq
from tracker.filters import Filters
from tracker.formatting import STATUS_TABLE_COLUMNS
from tracker.progress_queries import CITY, JURISDICTION, stored_frame
from tracker.settings import StatusSettings
from tracker.status_store import StatusScope


def _level(filters: Filters, level: str | None) -> str:
    return level or (JURISDICTION if filters.jurisdictions else CITY)


@dataclass
class Mix:
    """A status mix (:func:`tracker.status_sql.mix`) and its groups top to bottom."""
    frame: pd.DataFrame
    order: list[str]


@dataclass
class Overview:
    counts: dict[str, int]
    demo: bool
    by_document: Mix
    by_area: Mix
    pace_by_area: pd.DataFrame
    most_behind: pd.DataFrame


def overview(con, as_of: str, filters: Filters, settings: StatusSettings, n_behind: int = 15) -> Overview:
    """总览: headline counts, status mix by document and by policy area, pace by area, the most behind rows."""
    with StatusScope(con, as_of, filters, settings, _level(filters, None)) as scope:
        return Overview(*sq.counts_and_demo(scope), Mix(*sq.mix(scope, "doc_number")),
                        Mix(*sq.mix(scope, "area_title")), sq.pace(scope, "area_title"),
                        sq.most_behind(scope, n_behind))


@dataclass
class Groups:
    counts: dict[str, int]
    demo: bool
    ranking: pd.DataFrame       # tracker.progress_queries.group_summary
    mix: Mix                    # in ranking order

    @property
    def empty(self) -> bool:
        return self.counts["指标"] == 0


#: The group of the rows with no name in a grouping column (a target whose text names no lead unit, or no
#: lead city leader): listed last and unranked, so a page's groups hold every target 总览 counts.
UNGROUPED = {"lead_unit": "（无牵头单位）", "leaders": "（无牵头市领导）"}

#: The status columns :func:`_ungrouped` reads (what group_summary and status_mix use).
_SUMMARY_COLUMNS = ("status", "kind", "actual_share", "expected_share")


def groups(con, as_of: str, filters: Filters, settings: StatusSettings, by: str,
           level: str | None = None) -> Groups:
    """部门 (``lead_unit``), 牵头市领导 (``leaders``), 县（市、区） (``jurisdiction_name``, jurisdiction level):
    counts, ranking and status mix per group; rows with no lead unit or no leader as one more group,
    :data:`UNGROUPED`, after the ranked ones (its rank missing)."""
    with StatusScope(con, as_of, filters, settings, _level(filters, level)) as scope:
        ranking, mix = sq.ranking_with_mix(scope, by)
        counts, demo = sq.counts_and_demo(scope)
        if by in UNGROUPED:
            ranking, mix = _with_ungrouped(ranking, mix, _ungrouped(scope, by, _SUMMARY_COLUMNS), by)
        return Groups(counts, demo, ranking, Mix(mix, ranking[by].tolist()))


def _ungrouped(scope: StatusScope, by: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The status rows (``columns``) of the :data:`UNGROUPED` group of ``by``, in order."""
    if by not in UNGROUPED:
        raise ValueError(f"no ungrouped rows for {by}")
    return stored_frame(scope.df(
        f"SELECT {', '.join(columns)} FROM {{rows}} WHERE coalesce({by}, '') = '' ORDER BY row_order"))


def with_ungrouped_ranking(ranking: pd.DataFrame, rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """``ranking`` (:func:`tracker.progress_queries.group_summary`) with the status ``rows`` that have no
    ``by`` as one last, unranked group :data:`UNGROUPED` (rank None)."""
    if rows.empty:
        return ranking
    extra = pq.group_summary(rows.assign(**{by: UNGROUPED[by]}), by).assign(rank=None)
    return pd.concat([ranking, extra], ignore_index=True) if len(ranking) else extra


def _with_ungrouped(ranking: pd.DataFrame, mix: pd.DataFrame, rows: pd.DataFrame,
                    by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``ranking`` and ``mix`` with the :data:`UNGROUPED` rows as one last, unranked group (the same figures
    :func:`tracker.progress_queries.group_summary` and ``status_mix`` give for them)."""
    if rows.empty:
        return ranking, mix
    ranking = with_ungrouped_ranking(ranking, rows, by)
    ranking["rank"] = ranking["rank"].astype("Int64")
    extra_mix = pq.status_mix(rows.assign(**{by: UNGROUPED[by]}), by)
    if len(mix):
        extra_mix = pd.concat([mix, extra_mix], ignore_index=True)
        extra_mix["status"] = extra_mix["status"].astype(mix["status"].dtype)
    return ranking, extra_mix


def group_rows(con, as_of: str, filters: Filters, settings: StatusSettings, by: str, value: str,
               level: str | None = None) -> pd.DataFrame:
    """The status rows of one group (one department, leader or jurisdiction, or :data:`UNGROUPED`), with the
    columns the pages' table shows (:data:`tracker.formatting.STATUS_TABLE_COLUMNS`)."""
    with StatusScope(con, as_of, filters, settings, _level(filters, level)) as scope:
        if value == UNGROUPED.get(by):
            return _ungrouped(scope, by, STATUS_TABLE_COLUMNS)
        return sq.rows_of(scope, by, value, STATUS_TABLE_COLUMNS)


#: Targets a heatmap shows at most: a province's plans have thousands, a chart stays readable with a few dozen.
HEATMAP_TARGETS = 50


@dataclass
class Heatmap:
    matrix: pd.DataFrame        # jurisdictions × the first HEATMAP_TARGETS targets (tracker.status_sql.completion_matrix)
    n_targets: int              # targets (columns) in all
    n_blank: int = 0            # targets left out: no share in any place (a milestone; nothing reported)

    @property
    def cut(self) -> bool:
        return self.n_targets > self.matrix.shape[1]


def completion_matrix(con, as_of: str, filters: Filters, settings: StatusSettings,
                      max_targets: int | None = None) -> Heatmap:
    """Jurisdictions × targets of completion share, for the heatmap: the first ``max_targets``
    (default :data:`HEATMAP_TARGETS`) targets."""
    with StatusScope(con, as_of, filters, settings, JURISDICTION) as scope:
        return Heatmap(*sq.completion_matrix(scope, HEATMAP_TARGETS if max_targets is None else max_targets))
