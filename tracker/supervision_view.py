"""Everything the 督查 page shows for one as-of date and filter, built from one status table.

The page used to ask for the list, the 催报 units, the status table (for the action picker)
and each download separately, and every one of them judged every target again; at province
scale that was the status table four times before the page first appeared. :func:`supervision_view`
reads the stored status table once (the rows that can be listed, and a few columns of every row
for the picker) and derives the rest; the page caches the whole view until the data changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from tracker import progress_queries as pq
from tracker import supervision as sv
from tracker import supervision_export as sx
from tracker.filters import NO_FILTERS, Filters
from tracker.settings import StatusSettings
from tracker.status import month_end, period_of
from tracker.status_store import StatusScope, data_version


#: The columns of :attr:`SupervisionView.choices`.
CHOICE_COLUMNS = ["target_id", "jurisdiction_code", "jurisdiction_name", "item_label", "indicator", "status", "note"]


@dataclass(frozen=True)
class SupervisionView:
    choices: pd.DataFrame         # the action picker's choices (CHOICE_COLUMNS): the listed rows, or every row
    items: pd.DataFrame           # the 督查清单: supervision.ITEM_COLUMNS with exports, else supervision_export.PAGE_ITEM_COLUMNS
    units: pd.DataFrame           # the units yet to report (supervision.UNIT_COLUMNS)
    filters_text: str             # the filters in words, for titles
    file_scope: str               # the filters in a few words, for file names ("" without filters)
    xlsx: bytes | None = None     # the downloads, when asked for
    items_csv: bytes | None = None
    units_csv: bytes | None = None
    units_filters_text: str = ""  # the same for the 未报送单位 list: not narrowed by the 督查类别, not labelled by them
    units_file_scope: str = ""


def supervision_view(con: duckdb.DuckDBPyConnection, as_of: date, filters: Filters = NO_FILTERS,
                     settings: StatusSettings = StatusSettings(), categories: tuple[str, ...] = (),
                     exports: bool = False, every_row: bool = False) -> SupervisionView:
    """The lists for ``as_of`` (a day of the sidebar's month); the three downloads too with ``exports``.
    Without ``exports`` the list has only the columns the page shows
    (:data:`tracker.supervision_export.PAGE_ITEM_COLUMNS`: no reports' texts, no plan details).

    ``choices`` are the rows of the list, or with ``every_row`` every row of the status table in plan
    order (at province scale some 11,000, which the page reads only when asked to).

    On a month's last day the rows come from the stored status table (:mod:`tracker.status_store`):
    only the rows that can be listed are read in full, their categories, due dates and days overdue worked out
    in SQL (:func:`tracker.supervision.stored_items`); on another day the month is judged on that day.
    """
    period = period_of(as_of)
    columns = sv.ITEM_COLUMNS if exports else sx.PAGE_ITEM_COLUMNS
    version = data_version(con)   # one fingerprint for the stored list and the stored 催报 rows
    if as_of == month_end(period):
        level = pq.JURISDICTION if filters.jurisdictions else pq.CITY
        with StatusScope(con, period, filters, settings, level, version=version) as scope:
            items = sv.stored_items(con, scope, as_of, categories, columns)
            if every_row:
                choices = scope.df(f"SELECT {', '.join(CHOICE_COLUMNS)} FROM {{rows}} ORDER BY row_order")
    else:
        listed = pq.target_status(con, period, filters, settings, as_of_day=as_of)
        if every_row:
            choices = listed[CHOICE_COLUMNS]
        items = sv.supervision_items(con, as_of, filters, settings, categories, status=listed, columns=columns)
    if not every_row:
        choices = items[CHOICE_COLUMNS].reset_index(drop=True)
    units = sv.unreported_units(con, as_of, filters, settings, version)
    text, scope = sv.describe_filters(con, filters, categories), sv.file_scope(con, filters, categories)
    units_text, units_scope = ((text, scope) if not categories else
                               (sv.describe_filters(con, filters), sv.file_scope(con, filters)))
    labels = dict(units_filters_text=units_text, units_file_scope=units_scope)
    if not exports:
        return SupervisionView(choices, items, units, text, scope, **labels)
    return SupervisionView(choices, items, units, text, scope, sx.xlsx_bytes(items, units, as_of, text, units_text),
                           sx.csv_bytes(sx.item_rows(items), sx.ITEM_HEADERS),
                           sx.csv_bytes(sx.unit_rows(units), sx.UNIT_HEADERS), **labels)
