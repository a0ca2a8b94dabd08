"""Jurisdictions and organisations: canonical names, aliases and the rules that link them.

The reference tables are data (``data/reference/jurisdictions.csv`` and
``organisations.csv``), not code. Names that the tables do not know are still
accepted, with a kind guessed from how the name ends, and marked unreviewed so
the data-quality page lists them.

Rules that hold for any city:
- a county government is named ``<jurisdiction>政府`` / ``<jurisdiction>人民政府``,
  or just by the jurisdiction's name or short name (``柯城区``, ``江山``);
- ``各县（市、区）政府`` (and ``各县（市、区）``) means every county-level
  government of the issuing city.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

COUNTY_LEVEL_KINDS = ("district", "county", "county_city")
ALL_COUNTIES = re.compile(r"^各县[（(]市[、，,]区[）)](?:人民)?(?:政府)?$")
_GOVERNMENT_SUFFIX = re.compile(r"(?:人民)?政府$")


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None


@dataclass(frozen=True)
class Unit:
    """One organisation as resolved from a name printed in a document."""

    name: str                  # canonical name
    raw: str                   # as printed
    kind: str                  # department, party, county_government, zone_committee, enterprise, institution, group
    jurisdiction_code: str | None
    known: bool                # found in the reference tables or by a rule (not a guess)


@dataclass(frozen=True)
class OrgRecord:
    name: str
    kind: str
    city: str
    jurisdiction: str | None
    aliases: tuple[str, ...]


def read_jurisdictions(path: Path) -> list[Jurisdiction]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            Jurisdiction(r["code"], r["name"], r["short_name"], r["kind"], r["parent_code"] or None)
            for r in csv.DictReader(f)
        ]


def read_organisations(path: Path) -> list[OrgRecord]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            OrgRecord(
                r["name"], r["kind"], r["city"], r["jurisdiction"] or None,
                tuple(a for a in (r["aliases"] or "").split("|") if a),
            )
            for r in csv.DictReader(f)
        ]


def guess_kind(name: str) -> str:
    """Kind of an organisation from how its name reads (for names the tables lack)."""
    if name.endswith("成员单位") or name.endswith("小组"):
        return "group"
    if name.endswith("管委会"):
        return "zone_committee"
    if _GOVERNMENT_SUFFIX.search(name):
        return "government"
    if name.endswith(("集团", "公司")):
        return "enterprise"
    if name.startswith(("市委", "团市委")) or name.endswith("党委"):
        return "party"
    if name.endswith(("学院", "大学", "学校", "科学院")):
        return "institution"
    return "department"


class Directory:
    """Resolves printed names to canonical units for documents of one city."""

    def __init__(self, jurisdictions: list[Jurisdiction], organisations: list[OrgRecord]):
        self.jurisdictions = jurisdictions
        self.organisations = organisations
        self._by_name = {j.name: j for j in jurisdictions}

    @classmethod
    def from_reference(cls, folder: Path) -> "Directory":
        return cls(read_jurisdictions(folder / "jurisdictions.csv"),
                   read_organisations(folder / "organisations.csv"))

    def city_of(self, issuer: str) -> Jurisdiction | None:
        """The city whose government issued a document: "衢州市人民政府办公室" -> 衢州市."""
        cities = [j for j in self.jurisdictions if j.kind == "city"]
        return next((c for c in cities if issuer.startswith((c.name, c.short_name))), None)

    def counties_of(self, city: Jurisdiction | None) -> list[Jurisdiction]:
        if city is None:
            return []
        return [j for j in self.jurisdictions if j.parent_code == city.code and j.kind in COUNTY_LEVEL_KINDS]

    def areas_of(self, city: Jurisdiction | None) -> list[Jurisdiction]:
        """Every jurisdiction under a city (counties, city level, zones)."""
        if city is None:
            return []
        return [j for j in self.jurisdictions if j.parent_code == city.code]

    def resolve(self, raw: str, city: Jurisdiction | None) -> list[Unit]:
        """Canonical units for one printed name; a group name may give several."""
        name = raw.strip().replace(" ", "")
        if ALL_COUNTIES.match(name):
            counties = self.counties_of(city)
            if counties:
                return [self._county_government(j, raw) for j in counties]
            return [Unit(name, raw, "group", None, False)]
        city_name = city.name if city else None
        for org in self.organisations:
            if org.city == city_name and (name == org.name or name in org.aliases):
                return [Unit(org.name, raw, org.kind, self._code(org.jurisdiction), True)]
        county = self._county_named(name, city)
        if county is not None:
            return [self._county_government(county, raw)]
        return [Unit(name, raw, guess_kind(name), None, False)]

    def _code(self, jurisdiction_name: str | None) -> str | None:
        j = self._by_name.get(jurisdiction_name) if jurisdiction_name else None
        return j.code if j else None

    def _county_named(self, name: str, city: Jurisdiction | None) -> Jurisdiction | None:
        bare = _GOVERNMENT_SUFFIX.sub("", name)
        for j in self.counties_of(city):
            if bare in (j.name, j.short_name):
                return j
        return None

    @staticmethod
    def _county_government(county: Jurisdiction, raw: str) -> Unit:
        return Unit(f"{county.name}政府", raw, "county_government", county.code, True)
