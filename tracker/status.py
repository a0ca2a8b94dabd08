"""Status rules (时序进度): how a reported value stands against its target on a date.

Pure functions, no I/O. Pages, exports and queries call :func:`judge` and never
re-derive a status themselves; the thresholds come from :class:`StatusSettings`.

Vocabulary used throughout:

due date
    ``deadline`` if one is given, else ``end`` (the end of the target's period).
    The due date itself is still on time; the day after, an unfinished target is
    overdue.
expected share (时序进度)
    How much of the target should be done by ``as_of``: the elapsed share of
    ``start``..due, counting whole days inclusive, or the stated quarterly steps.
    See :func:`expected_share`.
gap_points
    How far the target is on the wrong side of where it should be, in percentage
    points of the target. Positive is bad, zero or negative is fine. Per kind:

    * count / level: ``(expected share - actual share) * 100``;
    * rate ``>=``: shortfall below the target value, ``(target - value) / |target| * 100``;
    * limit (and ``<=``): excess over the limit, ``(value - limit) / |limit| * 100``;
    * range and rate ``≈``: distance outside the band, relative to the bound crossed.

    Where the reference value is 0 (a target of 0, a level target equal to its
    baseline) there is no share: the gap is the plain difference in the target's
    own unit, so nothing is ever divided by zero.

Statuses, from the gap and the settings (defaults in brackets):

* 已完成 — a count reached its target (delivered work cannot be undone); any other
  kind meets its target on or after the due date; a milestone reported done.
* 正常 — gap at most ``behind_points`` [5.0].
* 滞后 — gap more than ``behind_points``; for limits, any excess at all.
* 严重滞后 — gap more than ``far_behind_points`` [20.0]; or 滞后 with fewer than
  ``near_deadline_days`` [30] days left before the due date; or past the due date
  without completion (then ``overdue`` is True).
* 未报送 — no value reported for this period. If the due date has also passed,
  ``overdue`` is True as well: no completion is on record, so the item belongs on
  both the 未报送 and the 逾期 lists.
"""
from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence, Union

from tracker.settings import StatusSettings

COMPLETED = "已完成"
ON_TRACK = "正常"
BEHIND = "滞后"
FAR_BEHIND = "严重滞后"
NOT_REPORTED = "未报送"

#: Display order for legends, filters and tables.
STATUSES = (COMPLETED, ON_TRACK, BEHIND, FAR_BEHIND, NOT_REPORTED)

#: One colour per status, used everywhere in the UI. Okabe–Ito palette, which stays
#: distinguishable under the common colour-vision deficiencies; grey for 未报送.
STATUS_COLORS = {
    COMPLETED: "#0072B2",  # blue
    ON_TRACK: "#009E73",  # bluish green
    BEHIND: "#E69F00",  # orange
    FAR_BEHIND: "#D55E00",  # vermilion
    NOT_REPORTED: "#999999",  # grey
}

COUNT = "count"
RATE = "rate"
LEVEL = "level"
LIMIT = "limit"
MILESTONE = "milestone"
KINDS = (COUNT, RATE, LEVEL, LIMIT, MILESTONE)

AT_LEAST = ">="
AT_MOST = "<="
ABOUT = "≈"
EQUAL = "="
RANGE = "range"
COMPARATORS = (AT_LEAST, AT_MOST, ABOUT, EQUAL, RANGE)

#: A target value: a number, a (low, high) pair for ``range``, or None for a
#: milestone without a number.
Target = Union[float, tuple[float, float], None]

_EPS = 1e-9


@dataclass(frozen=True)
class Judgement:
    """The verdict on one target on one date.

    status: one of :data:`STATUSES`.
    actual_share: reported value as a share of the target (count: delivered /
        target; level: progress from the baseline; rate and limit: value / target),
        or None where there is no report or no meaningful share (target 0, ranges).
    expected_share: 时序进度 on ``as_of`` (0..1), for every kind, for display.
    gap_points: see the module docstring; None when nothing was reported and for
        milestones.
    overdue: the due date has passed without completion.
    note: one line in Chinese for tables and exports.
    """

    status: str
    actual_share: float | None
    expected_share: float
    gap_points: float | None
    overdue: bool
    note: str


# ---------------------------------------------------------------------------
# Periods


_PERIOD_RE = re.compile(r"(\d{4})-(\d{2})")


def month_end(period: str) -> date:
    """Last day of a ``YYYY-MM`` reporting period: ``month_end("2024-02")`` is 2024-02-29.

    Raises ValueError saying what was wrong (format, month or year out of range).
    """
    match = _PERIOD_RE.fullmatch(period) if isinstance(period, str) else None
    if match is None:
        raise ValueError(
            f"invalid period {period!r}: expected YYYY-MM, e.g. '2024-03' "
            f"(报送期应为“年-月”格式，如2024-03)"
        )
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(
            f"invalid period {period!r}: month {match[2]} is not 01-12 (月份应为01至12)"
        )
    if year < 1:
        raise ValueError(f"invalid period {period!r}: year 0000 does not exist (年份无效)")
    return date(year, month, calendar.monthrange(year, month)[1])


def period_of(d: date) -> str:
    """The ``YYYY-MM`` reporting period a date falls in: 2024-02-29 → "2024-02"."""
    if not isinstance(d, date):
        raise ValueError(f"period_of expects a date, got {type(d).__name__} {d!r}")
    return f"{d.year:04d}-{d.month:02d}"


def months_between(earlier: str, later: str) -> int:
    """Whole months from one period to another: ("2023-11", "2024-02") → 3."""
    a, b = month_end(earlier), month_end(later)
    return (b.year - a.year) * 12 + (b.month - a.month)


def report_is_current(
    report_period: str, as_of_period: str, settings: StatusSettings = StatusSettings()
) -> bool:
    """Whether a report for ``report_period`` counts for ``as_of_period``.

    It does if it is for that period or at most ``settings.report_fresh_months``
    earlier (default 0: the same period only). A report for a later period never
    counts. Callers pass ``reported_value=None`` to :func:`judge` when it does not.
    """
    age = months_between(report_period, as_of_period)
    return 0 <= age <= settings.report_fresh_months


def done_on_record(
    kind: str, comparator: str, target: float | None, value: float | None, reported_status: object,
    settings: StatusSettings = StatusSettings(),
) -> bool:
    """Whether a report, however old, records the work done: a count that reached its target (``target``:
    the lower bound of a range; ``左右`` within ``about_tolerance_percent``), a milestone reported 已完成 or
    reaching its number, a target without a number reported 已完成, a rate, level or limit reported 已完成
    with a number that meets it (such a value can fall back: the number alone is not enough; say, 开工率
    85% by the end of September, reported 86 and 已完成 then, is not overdue in October).

    Delivered work cannot be undone: such a report stays current after its month (the target stays
    已完成 when nothing more is sent), while any other report counts only as :func:`report_is_current`
    says. The SQL of the status table says the same (:func:`tracker.progress_queries.done_on_record_sql`).
    """
    value = None if _is_missing(value) else float(value)
    target = None if _is_missing(target) else float(target)
    if target is None and comparator != RANGE:
        return reported_status == COMPLETED
    if kind == MILESTONE:
        return reported_status == COMPLETED or (None not in (value, target) and value >= target - _EPS)
    if value is None or target is None:
        return False
    tolerance = abs(target) * settings.about_tolerance_percent / 100
    if kind in (RATE, LEVEL, LIMIT):   # they can fall back: done only when the unit says so and the number agrees
        if reported_status != COMPLETED or comparator == RANGE:
            return False
        if kind == LIMIT or comparator == AT_MOST:
            return value <= target + (tolerance if comparator == ABOUT else 0.0) + _EPS
        return value >= target - (tolerance if comparator == ABOUT else 0.0) - _EPS
    if kind != COUNT:
        return False
    if comparator in (AT_LEAST, EQUAL, RANGE):
        return value >= target - _EPS
    if comparator == ABOUT:
        return value >= target - tolerance - _EPS
    return False


# ---------------------------------------------------------------------------
# Expected share (时序进度)


def expected_share(
    as_of: date,
    start: date,
    end: date,
    steps: Sequence[tuple[date, float]] = (),
) -> float:
    """Share of the target that should be done by the end of ``as_of``, in 0..1.

    Days count whole and inclusive: on the start day 1 of N days have passed,
    on the end day N of N. So for 2024 (366 days) on 2024-02-29 the share is
    60/366. Before ``start`` it is 0; on and after ``end`` it is 1.

    ``steps`` are stated interim targets such as 一季度达到30%、二季度达到60%:
    ``(date, percent of the target)`` pairs, percent in 0..100 (not the target's
    unit: a loader converts ``一季度完成5000亩`` by dividing by the target). The
    share then runs piecewise-linearly, on the same day count, from 0 before
    ``start`` through each step (exactly its percent on its date) to 1 on ``end``.
    Step dates must increase and lie in ``start``..``end``; percents must not
    decrease; a step on ``end`` must be 100.
    """
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    points = _pace_points(start, end, steps)
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    return _interpolate(points, _day_number(as_of, start))


def quarterly_steps(year: int, percents: Sequence[float]) -> list[tuple[date, float]]:
    """Steps for ``一季度达到30%、二季度达到60%…``: quarter-end dates with their percents.

    ``quarterly_steps(2024, [30, 60, 85])`` → [(2024-03-31, 30), (2024-06-30, 60),
    (2024-09-30, 85)]. At most four quarters.
    """
    if len(percents) > 4:
        raise ValueError(f"a year has 4 quarters, got {len(percents)} step values")
    return [(month_end(f"{year:04d}-{3 * q:02d}"), float(p)) for q, p in enumerate(percents, 1)]


def _day_number(d: date, start: date) -> int:
    """Days completed by the end of ``d``, counting ``start`` as day 1."""
    return (d - start).days + 1


def _pace_points(
    start: date, end: date, steps: Sequence[tuple[date, float]]
) -> list[tuple[int, float]]:
    """(day number, share) anchors: 0 before start, each step, 1 on the end day."""
    points = [(0, 0.0)]
    for step_date, percent in steps:
        _check_step(step_date, percent, start, end, points)
        points.append((_day_number(step_date, start), percent / 100))
    last_day = _day_number(end, start)
    if points[-1][0] != last_day:
        points.append((last_day, 1.0))
    return points


def _check_step(
    step_date: date, percent: float, start: date, end: date, points: list[tuple[int, float]]
) -> None:
    where = f"step ({step_date}, {percent!r})"
    if not start <= step_date <= end:
        raise ValueError(f"{where}: date outside the period {start}..{end}")
    if not 0 <= percent <= 100:
        raise ValueError(f"{where}: percent of target must be within 0..100")
    if len(points) > 1 and _day_number(step_date, start) <= points[-1][0]:
        raise ValueError(f"{where}: step dates must strictly increase")
    if percent / 100 < points[-1][1]:
        raise ValueError(f"{where}: percents must not decrease")
    if step_date == end and percent != 100:
        raise ValueError(f"{where}: a step on the end date must be 100")


def _interpolate(points: list[tuple[int, float]], day: int) -> float:
    for (d0, s0), (d1, s1) in zip(points, points[1:]):
        if d0 <= day <= d1:
            return s0 + (s1 - s0) * (day - d0) / (d1 - d0)
    return 1.0


# ---------------------------------------------------------------------------
# Judging one target


def judge(
    kind: str,
    comparator: str,
    target_value: Target,
    reported_value: float | None,
    as_of: date,
    start: date,
    end: date,
    deadline: date | None = None,
    steps: Sequence[tuple[date, float]] = (),
    reported_done: bool = False,
    settings: StatusSettings = StatusSettings(),
    baseline: float = 0.0,
) -> Judgement:
    """Judge one target on ``as_of``; the rules are in the module docstring.

    By kind:

    * count — delivered so far, cumulative. Share = value / target, against the
      expected share. Done once the value reaches the target (``≈``: within
      ``about_tolerance_percent`` below it; ``range``: reaches the low end).
    * level — a stock to reach by the due date. Paced like a count, counting from
      ``baseline`` (default 0, which is lenient: pass the start-of-year stock when
      known). Reaching it early is 正常; it is 已完成 only on or after the due date,
      because a stock can fall again.
    * rate — latest value against the target value, no pacing (a growth rate or
      share is expected to hold all year). ``≈`` means within
      ``about_tolerance_percent`` either side. A positive ``>=``/``=`` rate with stated
      steps (一季度达到30%、二季度达到60%、三季度达到85%) is paced through them as a count
      is: 76% in March is ahead of the 30% due, not 10% short of the 85%.
    * limit — lower is better: at or under the limit is 正常 (已完成 on or after
      the due date); any excess is 滞后, an excess of more than
      ``far_behind_points`` percent of the limit is 严重滞后. Any kind with ``<=``
      is judged the same way (a count capped at N, a stock to keep under N).
    * milestone — ``reported_done`` (or a value reaching a numeric target) is
      已完成; past the due date and not done is 严重滞后 and overdue; else 正常.
      A report that says "not done yet" passes its progress, or 0, as
      ``reported_value``: None still means nothing was reported.

    Comparators: ``=`` (达到) is judged as reaching at least, like ``>=``;
    ``range`` takes ``target_value=(low, high)``: a count paces towards ``low``,
    other kinds must stay within the band. ``reported_value`` None (or NaN, as
    pandas gives for an empty cell) is 未报送. ``reported_done`` matters only for
    milestones; for the other kinds the number decides.
    """
    _check_arguments(kind, comparator, target_value, as_of, start, end, deadline)
    due = deadline if deadline is not None else end
    expected = expected_share(as_of, start, due, steps)
    value = None if _is_missing(reported_value) else float(reported_value)
    if kind == MILESTONE:
        return _judge_milestone(target_value, value, reported_done, expected, as_of, due)
    if value is None:
        return _not_reported(expected, as_of, due)
    reading = _read(kind, comparator, target_value, value, expected, baseline, settings, stepped=bool(steps))
    return _finish(reading, expected, as_of, due, settings)


@dataclass(frozen=True)
class _Reading:
    """What the numbers say, before dates decide the status."""

    met: bool  # the requirement is satisfied now
    final: bool  # being met now is already 已完成 (cumulative counts)
    actual_share: float | None
    gap: float
    note: str
    strict: bool = False  # any positive gap is at least 滞后 (limits)


def _read(
    kind: str,
    comparator: str,
    target: Target,
    value: float,
    expected: float,
    baseline: float,
    settings: StatusSettings,
    stepped: bool = False,
) -> _Reading:
    tol = settings.about_tolerance_percent / 100
    if comparator == RANGE and kind != COUNT:
        low, high = target
        return _band(value, low, high, f"目标区间{_fmt(low)}—{_fmt(high)}", None, kind == LIMIT)
    if comparator == RANGE:
        return _paced(kind, target[0], target[0], value, expected, 0.0, "（按区间下限计）")
    if kind == LIMIT or comparator == AT_MOST:
        cap = target + abs(target) * tol if comparator == ABOUT else target
        return _ceiling(value, cap, target)
    if kind == RATE and comparator == ABOUT:
        low, high = target - abs(target) * tol, target + abs(target) * tol
        label = f"目标值{_fmt(target)}左右的区间{_fmt(low)}—{_fmt(high)}"
        return _band(value, low, high, label, target, False)
    if kind == RATE and stepped and comparator in (AT_LEAST, EQUAL) and target > 0:
        return _paced(kind, target, target, value, expected, 0.0, "")   # through its stated steps
    if kind == RATE:
        return _floor(value, target)
    bar = target - abs(target) * tol if comparator == ABOUT else target
    origin = baseline if kind == LEVEL else 0.0
    return _paced(kind, target, bar, value, expected, origin, "")


def _paced(
    kind: str, goal: float, bar: float, value: float, expected: float, origin: float, hint: str
) -> _Reading:
    """Count and level: share of the way from ``origin`` to ``goal`` vs expected share."""
    span = goal - origin
    if span < -_EPS:
        raise ValueError(
            f"{kind} target {_fmt(goal)} is below its baseline {_fmt(origin)}; "
            f"use comparator '<=' or kind 'limit' for a value to bring down"
        )
    met = value >= bar - _EPS
    final = kind == COUNT
    if span <= _EPS:
        note = f"目标值为{_fmt(goal)}，已报{_fmt(value)}"
        return _Reading(met, final, None, goal - value, note)
    actual = (value - origin) / span
    gap = (expected - actual) * 100
    if origin:
        done = f"自基数{_fmt(origin)}起完成目标增量的{_pct(actual)}"
    else:
        done = f"完成目标的{_pct(actual)}"
    note = f"{done}{hint}，时序进度{_pct(expected)}，{_pace_phrase(gap)}"
    return _Reading(met, final, actual, gap, note)


def _floor(value: float, target: float) -> _Reading:
    """Rate ``>=`` / ``=``: the latest value must be at least the target."""
    actual = value / target if target > 0 else None
    if value >= target - _EPS:
        gap, _ = _relative(target - value, target)
        return _Reading(True, False, actual, gap, f"最新值{_fmt(value)}，已达到目标值{_fmt(target)}")
    gap, text = _relative(target - value, target)
    note = f"最新值{_fmt(value)}，低于目标值{_fmt(target)}，差距{text}"
    return _Reading(False, False, actual, gap, note)


def _ceiling(value: float, cap: float, target: float) -> _Reading:
    """Limits and ``<=``: the latest value must not exceed ``cap``."""
    actual = value / target if target > 0 else None
    gap, text = _relative(value - cap, cap)
    if value <= cap + _EPS:
        return _Reading(True, False, actual, gap, f"最新值{_fmt(value)}，未超过上限{_fmt(cap)}")
    note = f"最新值{_fmt(value)}，超过上限{_fmt(cap)}，超出{text}"
    return _Reading(False, False, actual, gap, note, strict=True)


def _band(
    value: float, low: float, high: float, label: str, reference: float | None, strict: bool
) -> _Reading:
    """Ranges and rate ``≈``: the latest value must lie within low..high."""
    actual = value / reference if reference and reference > 0 else None
    if value < low - _EPS:
        gap, text = _relative(low - value, low)
        return _Reading(False, False, actual, gap, f"最新值{_fmt(value)}，低于{label}，差距{text}", strict)
    if value > high + _EPS:
        gap, text = _relative(value - high, high)
        return _Reading(False, False, actual, gap, f"最新值{_fmt(value)}，高于{label}，超出{text}", strict)
    return _Reading(True, False, actual, 0.0, f"最新值{_fmt(value)}，在{label}内", strict)


def _relative(diff: float, reference: float) -> tuple[float, str]:
    """A difference as percent of ``reference``; in plain units when the reference is 0."""
    if abs(reference) <= _EPS:
        return diff, _fmt(diff)
    gap = diff / abs(reference) * 100
    return gap, f"{gap:.1f}%"


def _finish(
    reading: _Reading, expected: float, as_of: date, due: date, settings: StatusSettings
) -> Judgement:
    """Apply the dates: completion, overdue, near-deadline escalation."""
    days_left = (due - as_of).days
    share, gap = reading.actual_share, reading.gap
    if reading.met and (reading.final or days_left <= 0):
        return Judgement(COMPLETED, share, expected, gap, False, reading.note)
    if days_left < 0:
        note = f"{reading.note}，已逾期{-days_left}天未完成"
        return Judgement(FAR_BEHIND, share, expected, gap, True, note)
    status, note = _grade(gap, reading.strict, settings), reading.note
    if status == BEHIND and days_left < settings.near_deadline_days:
        status, note = FAR_BEHIND, f"{note}，{_days_left_phrase(days_left)}"
    return Judgement(status, share, expected, gap, False, note)


def _grade(gap: float, strict: bool, settings: StatusSettings) -> str:
    """正常 / 滞后 / 严重滞后 from the gap alone."""
    if gap > settings.far_behind_points + _EPS:
        return FAR_BEHIND
    if gap > settings.behind_points + _EPS or (strict and gap > _EPS):
        return BEHIND
    return ON_TRACK


def _judge_milestone(
    target: Target, value: float | None, done: bool, expected: float, as_of: date, due: date
) -> Judgement:
    """Done → 已完成; past due → 严重滞后 (overdue); no report → 未报送; else 正常."""
    numeric = isinstance(target, (int, float)) and value is not None
    done = done or (numeric and value >= target - _EPS)
    actual = 1.0 if done else (value / target if numeric and target > 0 else None)
    days_left = (due - as_of).days
    if done:
        return Judgement(COMPLETED, actual, expected, None, False, "已完成")
    if value is None:
        return _not_reported(expected, as_of, due)
    if days_left < 0:
        return Judgement(FAR_BEHIND, actual, expected, None, True, f"已逾期{-days_left}天未完成")
    note = "今日截止，尚未完成" if days_left == 0 else f"未完成，距截止还有{days_left}天"
    return Judgement(ON_TRACK, actual, expected, None, False, note)


def _not_reported(expected: float, as_of: date, due: date) -> Judgement:
    days_over = (as_of - due).days
    if days_over > 0:
        note = f"本期未报送，已逾期{days_over}天且无完成记录"
        return Judgement(NOT_REPORTED, None, expected, None, True, note)
    return Judgement(NOT_REPORTED, None, expected, None, False, "本期未报送")


# ---------------------------------------------------------------------------
# Argument checks and formatting


def _check_arguments(
    kind: str,
    comparator: str,
    target: Target,
    as_of: date,
    start: date,
    end: date,
    deadline: date | None,
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    if comparator not in COMPARATORS:
        raise ValueError(
            f"unknown comparator {comparator!r}; valid comparators: {', '.join(COMPARATORS)}"
        )
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    if deadline is not None and deadline < start:
        raise ValueError(f"deadline {deadline} is before the period starts ({start})")
    if kind == LIMIT and comparator == AT_LEAST:
        raise ValueError("comparator '>=' contradicts kind 'limit' (lower is better)")
    if kind == MILESTONE:
        if target is not None:
            _check_number("target_value", target)
    elif comparator == RANGE:
        _check_range(target)
    else:
        _check_number("target_value", target)


def _check_number(name: str, x: object) -> None:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x):
        raise ValueError(f"{name} must be a number, got {x!r}")


def _check_range(target: object) -> None:
    if not isinstance(target, (tuple, list)) or len(target) != 2:
        raise ValueError(f"comparator 'range' needs target_value=(low, high), got {target!r}")
    for x in target:
        _check_number("range bound", x)
    if target[0] > target[1]:
        raise ValueError(f"range target {target!r}: low is above high")


def _is_missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _fmt(x: float) -> str:
    """A number as people write it: 30000, 2.6, 0.3 (not 0.30000000000000004)."""
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _pace_phrase(gap: float) -> str:
    if round(gap, 1) > 0:
        return f"进度落后时序{gap:.1f}个百分点"
    if round(gap, 1) < 0:
        return f"进度快于时序{-gap:.1f}个百分点"
    return "与时序进度持平"


def _days_left_phrase(days_left: int) -> str:
    return "今日截止" if days_left == 0 else f"距截止仅剩{days_left}天"


# ---------------------------------------------------------------------------
# Judging many targets at once


_JUDGEMENT_COLUMNS = ("status", "actual_share", "expected_share", "gap_points", "overdue", "note")


def judge_frame(frame, as_of: date, settings: StatusSettings = StatusSettings(), fallback=None):
    """:func:`judge` for every row of a DataFrame at once; the same rules, vectorised with numpy.

    Columns, as :func:`judge`'s arguments: ``kind``, ``comparator``, ``target_value`` (NaN:
    None), ``reported_value`` (NaN: not reported), ``start``, ``end``, ``deadline`` (NaT: none),
    ``steps`` (a sequence, may be empty), ``reported_done``, ``baseline`` and, for ``range``,
    ``target_value_high``. Returns a DataFrame on the same index with the columns
    status, actual_share, expected_share, gap_points, overdue, note — row for row what
    :func:`judge` returns (None where it gives None).

    The common rows (no steps; count/level paced, rate ``>=``/``=``, limits and ``<=``,
    milestones, nothing reported) are judged in arrays; any other row (steps, ranges, rate
    ``≈``, invalid arguments) goes to ``fallback(position)`` -> :class:`Judgement`, by default
    :func:`judge` on that row's values (which raises on invalid arguments, as judge does).
    ``fallback(positions)`` -> list of :class:`Judgement` may replace it. Stated steps are
    sequences of (date, percent) pairs; their expected share comes from :func:`expected_share`.
    """
    import numpy as np
    import pandas as pd

    n = len(frame)
    if n == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _JUDGEMENT_COLUMNS}, index=frame.index)

    def column(name, default):
        return frame[name] if name in frame else pd.Series([default] * n, index=frame.index, dtype=object)

    kind = frame["kind"].to_numpy(dtype=object)
    comparator = frame["comparator"].to_numpy(dtype=object)
    target = pd.to_numeric(frame["target_value"], errors="coerce").to_numpy(dtype=float)
    value = pd.to_numeric(frame["reported_value"], errors="coerce").to_numpy(dtype=float)
    baseline = pd.to_numeric(column("baseline", 0.0), errors="coerce").fillna(0.0).to_numpy(dtype=float)
    done_flag = column("reported_done", False).fillna(False).astype(bool).to_numpy()
    steps = column("steps", ())
    steps = steps.to_numpy(dtype=object)
    has_steps = np.array([s is not None and not (isinstance(s, float) and s != s) and len(s) > 0
                          for s in steps], dtype=bool)

    def days(name):
        s = column(name, None)
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s)
        arr = s.to_numpy(dtype="datetime64[D]")
        return arr.astype("int64"), np.isnat(arr)

    start, start_nat = days("start")
    end, end_nat = days("end")
    deadline, deadline_nat = days("deadline")
    today = np.datetime64(as_of, "D").astype("int64")
    due = np.where(deadline_nat, end, deadline)
    tol = settings.about_tolerance_percent / 100

    is_milestone = kind == MILESTONE
    is_count, is_level, is_rate, is_limit = kind == COUNT, kind == LEVEL, kind == RATE, kind == LIMIT
    at_most, about = comparator == AT_MOST, comparator == ABOUT
    reaching = (comparator == AT_LEAST) | (comparator == EQUAL)
    ceiling = ~is_milestone & (is_limit | at_most) & (at_most | about | (comparator == EQUAL))
    with np.errstate(invalid="ignore"):
        stepped_rate = is_rate & reaching & has_steps & (target > 0)   # paced through its stated steps
    floor = is_rate & reaching & ~stepped_rate
    paced = ((is_count | is_level) & (reaching | about)) | stepped_rate
    origin = np.where(is_level, baseline, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        span = target - origin
        valid = (~start_nat & ~end_nat & (end >= start) & (deadline_nat | (deadline >= start))
                 & np.isin(comparator, COMPARATORS) & (comparator != RANGE))
        valid &= np.where(is_milestone, True, np.isfinite(target))
        valid &= ceiling | floor | paced | is_milestone
        valid &= ~(paced & (span < -_EPS))
    missing = np.isnan(value)

    # expected share (no steps): 0 before start, 1 from the due date, else day / last day
    day = today - start + 1
    last_day = due - start + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(today < start, 0.0, np.where(today >= due, 1.0, 1.0 * day / last_day))
    days_left = due - today
    for i in np.flatnonzero(valid & has_steps):  # stated steps: the piecewise pace, row by row
        try:
            first = date.fromordinal(int(start[i]) + _EPOCH_ORDINAL)
            expected[i] = expected_share(as_of, first, date.fromordinal(int(due[i]) + _EPOCH_ORDINAL), steps[i])
        except (ValueError, TypeError):
            valid[i] = False

    status = np.full(n, None, dtype=object)
    actual = np.full(n, np.nan)
    gap = np.full(n, np.nan)
    overdue = np.zeros(n, dtype=bool)
    note = np.full(n, None, dtype=object)

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # milestones
        m = valid & is_milestone
        numeric = ~np.isnan(target) & ~missing
        done = m & (done_flag | (numeric & (value >= target - _EPS)))
        status[done], actual[done], note[done] = COMPLETED, 1.0, "已完成"
        share = np.where(numeric & (target > 0), value / target, np.nan)
        late = m & ~done & ~missing & (days_left < 0)
        status[late], overdue[late], actual[late] = FAR_BEHIND, True, share[late]
        note[late] = [f"已逾期{-d}天未完成" for d in days_left[late]]
        pending = m & ~done & ~missing & (days_left >= 0)
        status[pending], actual[pending] = ON_TRACK, share[pending]
        note[pending] = ["今日截止，尚未完成" if d == 0 else f"未完成，距截止还有{d}天" for d in days_left[pending]]

        # nothing reported (milestones included)
        nr = valid & missing & ~(is_milestone & done)
        status[nr] = NOT_REPORTED
        overdue[nr] = today > due[nr]
        note[nr] = [f"本期未报送，已逾期{-d}天且无完成记录" if d < 0 else "本期未报送" for d in days_left[nr]]

        # the numbers (_read)
        r = valid & ~is_milestone & ~missing
        met = np.zeros(n, dtype=bool)
        final = np.zeros(n, dtype=bool)
        strict = np.zeros(n, dtype=bool)
        # count / level, paced
        p = r & paced
        bar = np.where(about, target - np.abs(target) * tol, target)
        met[p] = value[p] >= bar[p] - _EPS
        final[p] = is_count[p]
        flat = p & (span <= _EPS)
        gap[flat] = target[flat] - value[flat]
        steep = p & ~flat
        actual[steep] = (value[steep] - origin[steep]) / span[steep]
        gap[steep] = (expected[steep] - actual[steep]) * 100
        # limits and <=
        c = r & ceiling
        cap = np.where(about, target + np.abs(target) * tol, target)
        actual[c] = np.where(target[c] > 0, value[c] / target[c], np.nan)
        gap[c] = _relative_array(np, value[c] - cap[c], cap[c])
        met[c] = value[c] <= cap[c] + _EPS
        strict[c] = ~met[c]
        # rate >= / =
        f = r & floor
        actual[f] = np.where(target[f] > 0, value[f] / target[f], np.nan)
        gap[f] = _relative_array(np, target[f] - value[f], target[f])
        met[f] = value[f] >= target[f] - _EPS

        # the dates (_finish)
        completed = r & met & (final | (days_left <= 0))
        past = r & ~completed & (days_left < 0)
        graded = r & ~completed & ~past
        status[completed] = COMPLETED
        status[past], overdue[past] = FAR_BEHIND, True
        far = gap > settings.far_behind_points + _EPS
        behind = ~far & ((gap > settings.behind_points + _EPS) | (strict & (gap > _EPS)))
        status[graded & far] = FAR_BEHIND
        status[graded & behind] = BEHIND
        status[graded & ~far & ~behind] = ON_TRACK
        escalated = graded & behind & (days_left < settings.near_deadline_days)
        status[escalated] = FAR_BEHIND

    # notes of the judged numbers (the same words as _read and _finish); the commonest, paced from
    # zero with no deadline clause, formatted column-wise (np.char.mod is Python's % per cell: the
    # same digits as the f-strings below), the others row by row
    common = r & p & ~flat & (origin == 0) & ~past & ~escalated
    if common.any():
        note[common] = _paced_notes(np, actual[common], expected[common], gap[common])
    for i in np.flatnonzero(r & ~common):
        v, t = float(value[i]), float(target[i])
        if p[i]:
            if flat[i]:
                text = f"目标值为{_fmt(t)}，已报{_fmt(v)}"
            else:
                a, o = float(actual[i]), float(origin[i])
                done_text = f"自基数{_fmt(o)}起完成目标增量的{_pct(a)}" if o else f"完成目标的{_pct(a)}"
                text = f"{done_text}，时序进度{_pct(float(expected[i]))}，{_pace_phrase(float(gap[i]))}"
        elif c[i]:
            k = float(cap[i])
            if met[i]:
                text = f"最新值{_fmt(v)}，未超过上限{_fmt(k)}"
            else:
                text = f"最新值{_fmt(v)}，超过上限{_fmt(k)}，超出{_relative(v - k, k)[1]}"
        elif met[i]:
            text = f"最新值{_fmt(v)}，已达到目标值{_fmt(t)}"
        else:
            text = f"最新值{_fmt(v)}，低于目标值{_fmt(t)}，差距{_relative(t - v, t)[1]}"
        if past[i]:
            text = f"{text}，已逾期{-int(days_left[i])}天未完成"
        elif escalated[i]:
            text = f"{text}，{_days_left_phrase(int(days_left[i]))}"
        note[i] = text

    rest = np.flatnonzero(~valid)
    if len(rest):
        if fallback is None:
            fallback = _default_fallback(frame, as_of, settings)
        actual, gap = actual.astype(object), gap.astype(object)
        expected = expected.astype(object)
        for i, j in zip(rest, fallback(rest)):
            status[i], actual[i], expected[i], gap[i], overdue[i], note[i] = (
                j.status, j.actual_share, j.expected_share, j.gap_points, j.overdue, j.note)
    out = pd.DataFrame({
        "status": status,
        "actual_share": _none_for_nan(actual),
        "expected_share": expected.astype(object),
        "gap_points": _none_for_nan(gap),
        "overdue": overdue.astype(object),
        "note": note,
    }, index=frame.index)
    out.loc[(valid & (is_milestone | missing)), "gap_points"] = None
    out.loc[(valid & missing & ~(is_milestone & done)), "actual_share"] = None
    return out


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _paced_notes(np, actual, expected, gap):
    """``完成目标的66.0%，时序进度74.9%，进度落后时序8.9个百分点`` for arrays (:func:`_pct`, :func:`_pace_phrase`)."""
    gap_text = np.char.mod("%.1f", gap)
    ahead_text = np.char.mod("%.1f", -gap)
    level = (gap_text == "0.0") | (gap_text == "-0.0")           # round(gap, 1) == 0
    phrase = np.where(level, "与时序进度持平",
                      np.where(gap > 0, np.char.add(np.char.add("进度落后时序", gap_text), "个百分点"),
                               np.char.add(np.char.add("进度快于时序", ahead_text), "个百分点")))
    text = np.char.add("完成目标的", np.char.mod("%.1f%%", actual * 100))
    text = np.char.add(np.char.add(text, "，时序进度"), np.char.mod("%.1f%%", expected * 100))
    return np.char.add(np.char.add(text, "，"), phrase).astype(object)


def _relative_array(np, diff, reference):
    """:func:`_relative`'s number for arrays."""
    return np.where(np.abs(reference) <= _EPS, diff, diff / np.abs(reference) * 100)


def _none_for_nan(values):
    import pandas as pd

    out = values.astype(object)
    out[pd.isna(values)] = None
    return out


def _default_fallback(frame, as_of: date, settings: StatusSettings):
    """:func:`judge` on one row of a :func:`judge_frame` input."""
    import pandas as pd

    def cell(i, name, default=None):
        if name not in frame:
            return default
        x = frame[name].iloc[i]
        return default if x is None or x is pd.NaT or (isinstance(x, float) and math.isnan(x)) else x

    def day(i, name):
        x = cell(i, name)
        return None if x is None else pd.Timestamp(x).date()

    def judge_row(i: int) -> Judgement:
        comparator = cell(i, "comparator")
        target = cell(i, "target_value")
        target = None if target is None else float(target)
        high = cell(i, "target_value_high")
        if comparator == RANGE and high is not None:
            target = (target, float(high))
        value = cell(i, "reported_value")
        return judge(cell(i, "kind"), comparator, target, None if value is None else float(value), as_of,
                     day(i, "start"), day(i, "end"), deadline=day(i, "deadline"), steps=cell(i, "steps", ()) or (),
                     reported_done=bool(cell(i, "reported_done", False)), settings=settings,
                     baseline=float(cell(i, "baseline", 0.0)))

    return lambda positions: [judge_row(int(i)) for i in positions]
