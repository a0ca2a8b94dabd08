"""Thresholds for the status rules (时序进度), and loading them from a JSON file.

The rules themselves live in :mod:`tracker.status`; this module only holds the numbers
they use, so supervisors can change a threshold without touching code. The shipped
``data/settings.json`` holds the defaults below; a test keeps the two in step.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, fields
from pathlib import Path

#: The settings file shipped with the repository (it holds the defaults).
DEFAULT_SETTINGS_PATH = Path(__file__).resolve().parent.parent / "data" / "settings.json"


@dataclass(frozen=True)
class StatusSettings:
    """Thresholds used by :func:`tracker.status.judge`.

    ``gap_points`` (see ``tracker.status``) measures how far a target is on the wrong
    side of where it should be, in percentage points of the target. Then:

    behind_points = 5.0
        A gap of *more than* this many points is 滞后 (behind). A gap of exactly 5.0
        is still 正常.
    far_behind_points = 20.0
        A gap of more than this many points is 严重滞后 (far behind).
        Must be >= ``behind_points``.
    near_deadline_days = 30
        When fewer than this many days remain before the due date (the due date
        itself counts as 0 days left), a 滞后 target becomes 严重滞后: there is no
        time left to catch up. With monthly reports and a year-end due date this
        catches the December report. 0 switches the rule off.
    about_tolerance_percent = 5.0
        How far, in % of the target, a value may miss a ``≈`` (左右) target and still
        count as meeting it: a count ``3万亩左右`` is done at 28 500 亩; a rate
        ``增长6%左右`` is met between 5.7 and 6.3; a limit ``3%左右`` holds up to 3.15.
    report_fresh_months = 0
        How many months a monthly report stays current. 0: only a report for the
        as-of period itself is current; an older one makes the target 未报送 for
        this period. 1 would also accept last month's report.
    """

    behind_points: float = 5.0
    far_behind_points: float = 20.0
    near_deadline_days: int = 30
    about_tolerance_percent: float = 5.0
    report_fresh_months: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            _check_type(f.name, value, _TYPES[f.name])
            if value < 0:
                raise ValueError(f"setting {f.name!r} must be >= 0, got {value!r}")
            if _TYPES[f.name] is float:
                object.__setattr__(self, f.name, float(value))
        if self.far_behind_points < self.behind_points:
            raise ValueError(
                f"setting 'far_behind_points' ({self.far_behind_points!r}) must be >= "
                f"'behind_points' ({self.behind_points!r})"
            )


_TYPES: dict[str, type] = {
    "behind_points": float,
    "far_behind_points": float,
    "near_deadline_days": int,
    "about_tolerance_percent": float,
    "report_fresh_months": int,
}


def _check_type(key: str, value: object, expected: type) -> None:
    """Accept ints for float settings; never accept bools (JSON true/false)."""
    allowed = (int, float) if expected is float else (int,)
    if isinstance(value, bool) or not isinstance(value, allowed):
        kind = "a number" if expected is float else "a whole number"
        raise ValueError(
            f"setting {key!r} must be {kind}, got {type(value).__name__} {value!r}"
        )


def valid_keys() -> tuple[str, ...]:
    """The keys a settings file may contain, in declaration order."""
    return tuple(f.name for f in fields(StatusSettings))


def settings_from_mapping(data: object, source: str = "settings") -> StatusSettings:
    """Build settings from a decoded JSON object; missing keys keep their defaults.

    Raises ValueError naming the offending key and the valid keys.
    """
    if not isinstance(data, dict):
        raise ValueError(
            f"{source}: expected a JSON object of settings, got {type(data).__name__}"
        )
    keys = valid_keys()
    for key in data:
        if key not in keys:
            close = difflib.get_close_matches(str(key), keys, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{source}: unknown setting {key!r}{hint} (valid keys: {', '.join(keys)})"
            )
    try:
        return StatusSettings(**data)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def configured_settings() -> StatusSettings:
    """The thresholds in force: :data:`DEFAULT_SETTINGS_PATH` as supervisors edited it (the defaults when the
    file is missing). Every page and every export judges with these, so a list printed from the command line
    says what the dashboard says."""
    path = DEFAULT_SETTINGS_PATH
    return load_settings(path) if path.exists() else StatusSettings()


def load_settings(path: Path | None) -> StatusSettings:
    """Read settings from a JSON file, or return the defaults when ``path`` is None.

    The file holds one JSON object; any subset of :func:`valid_keys` may appear.
    A missing file raises FileNotFoundError; bad JSON, unknown keys, wrong types or
    out-of-range values raise ValueError naming the file and the key.
    """
    if path is None:
        return StatusSettings()
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return settings_from_mapping(data, source=str(path))
