"""Score extracted targets against the hand annotation in tests/fixtures/annotations.

A found target matches an annotated one of the same item when base value and
base unit agree (values within 0.01 %), or when both are milestones with the
same deadline; each annotated target matches at most once.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

ANNOTATIONS = Path(__file__).resolve().parent / "fixtures" / "annotations"
FILES = ("policy_plan_7hao.json", "work_tasks_10hao.json")


@dataclass
class Score:
    annotated: int = 0
    found: int = 0
    matched: int = 0
    missed: list = field(default_factory=list)
    extra: list = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.annotated if self.annotated else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0


def _same(a: dict, b: dict) -> bool:
    if a.get("kind") == b.get("kind") == "milestone" and a.get("deadline") and a["deadline"] == b.get("deadline"):
        return True  # a dated deliverable is identified by its date; its number may be implicit
    if (a["base_unit"] or "") != (b["base_unit"] or ""):
        return False
    x, y = a["base_value"], b["base_value"]
    if x is None or y is None:
        return x is None and y is None
    return math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-9)


def annotated_items() -> dict[tuple[str, int], dict]:
    items = {}
    for name in FILES:
        for item in json.loads((ANNOTATIONS / name).read_text(encoding="utf-8"))["items"]:
            items[(item["kind"], item["number"])] = item
    return items


def score(extracted_items: dict[tuple[str, int], list[dict]]) -> Score:
    """``extracted_items`` maps (kind, number) to that item's targets as dicts."""
    result = Score()
    for key, item in annotated_items().items():
        expected = list(item["targets"])
        found = list(extracted_items.get(key, []))
        result.annotated += len(expected)
        result.found += len(found)
        for f in found:
            hit = next((e for e in expected if _same(e, f)), None)
            if hit is None:
                result.extra.append((key, f["raw"], f["base_value"], f["base_unit"]))
            else:
                expected.remove(hit)
                result.matched += 1
        result.missed.extend((key, e["raw"], e["base_value"], e["base_unit"]) for e in expected)
    return result
