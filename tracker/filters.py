"""The dashboard's filters: what the sidebar chooses and how queries apply it.

Pure: a :class:`Filters` value and the options to choose from. The sidebar
widgets live in :mod:`tracker.sidebar`; every query in :mod:`tracker.progress_queries`
takes a ``Filters`` and applies it through :func:`target_where`.

Semantics, so every page means the same thing:

* ``year`` — documents of that plan year.
* ``doc_ids`` — documents (文件).
* ``area_ids`` — policy areas (政策领域): the area's own headline targets and
  those of its measures.
* ``units`` — departments (责任单位): items that list the unit, as lead or cooperating.
* ``leaders`` — 牵头市领导 named on the item.
* ``jurisdictions`` — 县（市、区）: with none chosen, pages show the whole-city row of
  each target; with some chosen, they show those jurisdictions' allocation rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    doc_ids: tuple[int, ...] = ()
    area_ids: tuple[int, ...] = ()
    units: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()

    def without_jurisdictions(self) -> "Filters":
        return Filters(self.year, self.doc_ids, self.area_ids, self.units, self.leaders, ())


NO_FILTERS = Filters()


def target_where(filters: Filters, target: str = "t", item: str = "i", doc: str = "d") -> tuple[str, list]:
    """A parameterised SQL condition on targets (alias ``t``), items (``i``), documents (``d``).

    Jurisdictions are not part of it: they choose rows of the status table, not targets.
    """
    clauses, params = ["TRUE"], []
    if filters.year is not None:
        clauses.append(f"{doc}.year = ?")
        params.append(filters.year)
    if filters.doc_ids:
        clauses.append(f"list_contains(?::INTEGER[], {doc}.doc_id)")
        params.append(list(filters.doc_ids))
    if filters.area_ids:
        clauses.append(
            f"(list_contains(?::INTEGER[], {item}.item_id) OR list_contains(?::INTEGER[], {item}.parent_item_id))"
        )
        params += [list(filters.area_ids), list(filters.area_ids)]
    if filters.units:
        clauses.append(
            f"{item}.item_id IN (SELECT a.item_id FROM assignments a JOIN organisations o USING (org_id) "
            "WHERE list_contains(?::VARCHAR[], o.name))"
        )
        params.append(list(filters.units))
    if filters.leaders:
        clauses.append(
            f"{item}.item_id IN (SELECT l.item_id FROM item_leaders l JOIN people p USING (person_id) "
            "WHERE list_contains(?::VARCHAR[], p.name))"
        )
        params.append(list(filters.leaders))
    return " AND ".join(clauses), params


def target_ids_where(filters: Filters) -> tuple[str, list]:
    """A condition on a ``target_id`` column: the targets ``filters`` keep, ignoring the year and the
    jurisdictions (for rows already of one plan year, e.g. a stored status snapshot). ``("TRUE", [])``
    when nothing else is chosen."""
    rest = Filters(None, filters.doc_ids, filters.area_ids, filters.units, filters.leaders)
    if rest == Filters():
        return "TRUE", []
    where, params = target_where(rest)
    return ("target_id IN (SELECT t.target_id FROM targets t JOIN items i USING (item_id) "
            f"JOIN documents d ON d.doc_id = i.doc_id WHERE {where})"), params


# ---------------------------------------------------------------------------
# Options for the sidebar (only what has targets, so no choice leads to an empty page)


def area_options(con: duckdb.DuckDBPyConnection, doc_ids: tuple[int, ...] = ()) -> pd.DataFrame:
    """item_id, label of policy areas (optionally of some documents)."""
    return con.execute(
        """
        SELECT i.item_id, i.label || i.title AS label
        FROM items i
        WHERE i.kind = 'policy_area' AND (len(?::INTEGER[]) = 0 OR list_contains(?::INTEGER[], i.doc_id))
        ORDER BY i.doc_id, i.number
        """,
        [list(doc_ids), list(doc_ids)],
    ).df()


@dataclass(frozen=True, eq=False)
class PlanOptions:
    """The sidebar's choices that come from the plans, worked out in one query (:func:`plan_options`):
    only documents, departments and leaders of items with targets, so no choice leads to an empty page."""
    years: tuple[int, ...]               # latest first
    documents: pd.DataFrame              # doc_id, label (文号 + short title), year; in doc_id order
    units: tuple[str, ...]               # most items first, then by name
    leaders: tuple[str, ...]             # most items first, then by name

    def documents_of(self, year: int | None) -> pd.DataFrame:
        """doc_id, label of the documents of ``year`` (every year for None)."""
        docs = self.documents if year is None else self.documents[self.documents["year"] == year]
        return docs[["doc_id", "label"]].reset_index(drop=True)


def plan_options(con: duckdb.DuckDBPyConnection) -> PlanOptions:
    """Years, documents, departments and leaders to choose from, in one pass over the targets."""
    rows = con.execute(
        """
        WITH with_targets AS MATERIALIZED (SELECT DISTINCT item_id FROM targets),
        docs AS (
            SELECT d.doc_id, d.year, coalesce(d.doc_number || ' ', '') || d.title AS label
            FROM documents d
            WHERE d.doc_id IN (SELECT i.doc_id FROM items i JOIN with_targets USING (item_id))
        ),
        units AS (   -- (item, org) is unique, so a count per organisation counts items
            SELECT o.name, sum(n) AS n
            FROM (SELECT org_id, count(*) AS n FROM assignments
                  WHERE item_id IN (SELECT item_id FROM with_targets) GROUP BY org_id)
            JOIN organisations o USING (org_id)
            GROUP BY o.name
        ),
        leaders AS (
            SELECT p.name, count(*) AS n FROM item_leaders l JOIN people p USING (person_id)
            WHERE l.item_id IN (SELECT item_id FROM with_targets)
            GROUP BY p.name
        )
        SELECT 0 AS kind, doc_id, year, label AS name, NULL AS n FROM docs
        UNION ALL SELECT 1, NULL, NULL, name, n FROM units
        UNION ALL SELECT 2, NULL, NULL, name, n FROM leaders
        ORDER BY kind, n DESC, doc_id, name
        """
    ).fetchall()
    docs = [r for r in rows if r[0] == 0]
    documents = pd.DataFrame({"doc_id": pd.array([r[1] for r in docs], dtype="int32").to_numpy(),
                              "label": pd.Series([r[3] for r in docs], dtype=object),
                              "year": pd.Series([r[2] for r in docs], dtype="Int64")})
    return PlanOptions(
        years=tuple(sorted({r[2] for r in docs if r[2] is not None}, reverse=True)),
        documents=documents,
        units=tuple(r[3] for r in rows if r[0] == 1),
        leaders=tuple(r[3] for r in rows if r[0] == 2),
    )


def year_options(con: duckdb.DuckDBPyConnection) -> list[int]:
    return list(plan_options(con).years)


def document_options(con: duckdb.DuckDBPyConnection, year: int | None = None) -> pd.DataFrame:
    """doc_id, label (文号 + short title) of documents with targets."""
    return plan_options(con).documents_of(year)


def unit_options(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Organisations responsible for at least one item with targets, most items first."""
    return list(plan_options(con).units)


def leader_options(con: duckdb.DuckDBPyConnection) -> list[str]:
    return list(plan_options(con).leaders)


def jurisdiction_options(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """code, name of the county-level jurisdictions and zones of the plan cities, in code order."""
    return con.execute(
        """
        SELECT j.code, j.name FROM jurisdictions j
        WHERE j.kind <> 'city' AND j.parent_code IN (SELECT city_code FROM documents WHERE city_code IS NOT NULL)
        ORDER BY j.kind = 'zone', j.kind = 'city_level', j.code
        """
    ).df()


def report_periods(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[str]:
    """Periods (YYYY-MM) with at least one report, latest first."""
    if year is None:
        rows = con.execute("SELECT DISTINCT period FROM progress_reports ORDER BY period DESC").fetchall()
        return [r[0] for r in rows]
    # One probe per month of the year, each stopping at its first report: reports arrive month by
    # month, so DuckDB's zone maps skip most row groups, where a DISTINCT reads the whole year.
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    probes = " UNION ALL ".join("(SELECT period FROM progress_reports WHERE period = ? LIMIT 1)" for _ in months)
    rows = con.execute(f"SELECT period FROM ({probes}) ORDER BY period DESC", months).fetchall()
    return [r[0] for r in rows]


def reporting_units(con: duckdb.DuckDBPyConnection, year: int | None = None) -> dict[str, int]:
    """Per period (YYYY-MM, of ``year`` if given): how many units have sent a report that was stored
    (an upload accepted, partly accepted, or the same rows again). Read from the uploads, not the reports."""
    rows = con.execute(
        """SELECT period, count(DISTINCT unit_name) FROM uploads
           WHERE outcome IN ('accepted', 'partial', 'unchanged') AND ($year IS NULL OR left(period, 4) = $year)
           GROUP BY period""", {"year": None if year is None else f"{year:04d}"}).fetchall()
    return dict(rows)


def month_options(con: duckdb.DuckDBPyConnection, year: int | None) -> list[str]:
    """The months one may look at: every month of the plan year, latest first."""
    if year is None:
        return report_periods(con)
    return [f"{year:04d}-{m:02d}" for m in range(12, 0, -1)]
