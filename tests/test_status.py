"""Status rules: exact expected shares, statuses, gaps and notes."""
import math
import re
from datetime import date

import pytest

from tracker.settings import StatusSettings
from tracker.status import (
    BEHIND,
    COMPLETED,
    FAR_BEHIND,
    NOT_REPORTED,
    ON_TRACK,
    STATUS_COLORS,
    STATUSES,
    Judgement,
    expected_share,
    judge,
    month_end,
    months_between,
    period_of,
    quarterly_steps,
    report_is_current,
)

D = date
START, END = D(2024, 1, 1), D(2024, 12, 31)
MID = D(2024, 7, 1)  # day 183 of 366: expected share exactly 0.5
Q_STEPS = [(D(2024, 3, 31), 30.0), (D(2024, 6, 30), 60.0), (D(2024, 9, 30), 85.0)]


def j(kind, comparator, target, value, as_of, **kw) -> Judgement:
    """judge() over calendar 2024."""
    return judge(kind, comparator, target, value, as_of, START, END, **kw)


# --------------------------------------------------------------------------- constants


def test_statuses_and_colours():
    assert STATUSES == ("已完成", "正常", "滞后", "严重滞后", "未报送")
    assert (COMPLETED, ON_TRACK, BEHIND, FAR_BEHIND, NOT_REPORTED) == STATUSES
    assert list(STATUS_COLORS) == list(STATUSES)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in STATUS_COLORS.values())
    assert len(set(STATUS_COLORS.values())) == len(STATUSES)


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    "period, expected",
    [
        ("2024-02", D(2024, 2, 29)),
        ("2023-02", D(2023, 2, 28)),
        ("2000-02", D(2000, 2, 29)),
        ("1900-02", D(1900, 2, 28)),
        ("2024-04", D(2024, 4, 30)),
        ("2024-12", D(2024, 12, 31)),
        ("2024-01", D(2024, 1, 31)),
    ],
)
def test_month_end(period, expected):
    assert month_end(period) == expected


@pytest.mark.parametrize(
    "period, message",
    [
        ("2024-13", "invalid period '2024-13': month 13 is not 01-12"),
        ("2024-00", "invalid period '2024-00': month 00 is not 01-12"),
        ("2024-2", "invalid period '2024-2': expected YYYY-MM"),
        ("202402", "invalid period '202402': expected YYYY-MM"),
        ("2024/02", "invalid period '2024/02': expected YYYY-MM"),
        (" 2024-02", "invalid period ' 2024-02': expected YYYY-MM"),
        ("", "invalid period '': expected YYYY-MM"),
        (None, "invalid period None: expected YYYY-MM"),
        ("0000-01", "invalid period '0000-01': year 0000 does not exist"),
    ],
)
def test_month_end_errors(period, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        month_end(period)


@pytest.mark.parametrize(
    "d, period",
    [(D(2024, 2, 29), "2024-02"), (D(2024, 12, 31), "2024-12"), (D(987, 1, 1), "0987-01")],
)
def test_period_of(d, period):
    assert period_of(d) == period
    assert month_end(period_of(d)) >= d


def test_period_of_rejects_strings():
    with pytest.raises(ValueError, match="period_of expects a date, got str '2024-02'"):
        period_of("2024-02")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "report, as_of, months, current_default, current_fresh1",
    [
        ("2024-03", "2024-03", 0, True, True),
        ("2024-02", "2024-03", 1, False, True),
        ("2023-12", "2024-02", 2, False, False),
        ("2024-04", "2024-03", -1, False, False),
    ],
)
def test_report_is_current(report, as_of, months, current_default, current_fresh1):
    assert months_between(report, as_of) == months
    assert report_is_current(report, as_of) is current_default
    assert report_is_current(report, as_of, StatusSettings(report_fresh_months=1)) is current_fresh1


# --------------------------------------------------------------------------- expected share


@pytest.mark.parametrize(
    "as_of, start, end, expected",
    [
        (D(2024, 2, 29), START, END, 60 / 366),  # leap day: 31 + 29 days of 366
        (D(2023, 12, 31), START, END, 0.0),  # day before start
        (START, START, END, 1 / 366),  # start day counts whole
        (D(2024, 6, 30), START, END, 182 / 366),
        (MID, START, END, 0.5),
        (D(2024, 12, 30), START, END, 365 / 366),
        (END, START, END, 1.0),  # end day
        (D(2025, 1, 1), START, END, 1.0),  # after end
        (D(2023, 2, 28), D(2023, 1, 1), D(2023, 12, 31), 59 / 365),  # not a leap year
        (D(2024, 3, 31), START, D(2024, 6, 30), 91 / 182),  # half-year deadline
        (D(2024, 5, 5), D(2024, 5, 5), D(2024, 5, 5), 1.0),  # one-day period
    ],
)
def test_expected_share_by_days(as_of, start, end, expected):
    assert expected_share(as_of, start, end) == pytest.approx(expected, abs=1e-12)


def test_quarterly_steps():
    assert quarterly_steps(2024, [30, 60, 85]) == Q_STEPS
    with pytest.raises(ValueError, match="a year has 4 quarters, got 5 step values"):
        quarterly_steps(2024, [10, 20, 30, 40, 50])


@pytest.mark.parametrize(
    "as_of, expected",
    [
        (D(2023, 12, 31), 0.0),
        (START, 0.30 * 1 / 91),
        (D(2024, 2, 29), 0.30 * 60 / 91),  # day 60 of Q1's 91 days
        (D(2024, 3, 31), 0.30),  # exactly the step on its date
        (D(2024, 5, 15), 0.30 + 0.30 * 45 / 91),  # day 136, between day 91 and day 182
        (D(2024, 6, 30), 0.60),
        (D(2024, 9, 30), 0.85),
        (D(2024, 10, 31), 0.85 + 0.15 * 31 / 92),  # day 305, between day 274 and day 366
        (END, 1.0),
        (D(2025, 3, 1), 1.0),
    ],
)
def test_expected_share_with_quarterly_steps(as_of, expected):
    assert expected_share(as_of, START, END, Q_STEPS) == pytest.approx(expected, abs=1e-12)


def test_step_on_end_date_at_100_is_accepted():
    steps = [(D(2024, 6, 30), 50.0), (END, 100.0)]
    assert expected_share(D(2024, 6, 30), START, END, steps) == 0.5
    assert expected_share(D(2024, 9, 30), START, END, steps) == pytest.approx(0.5 + 0.5 * 92 / 184)


@pytest.mark.parametrize(
    "steps, message",
    [
        ([(D(2023, 12, 31), 10.0)], "date outside the period 2024-01-01..2024-12-31"),
        ([(D(2025, 1, 1), 10.0)], "date outside the period"),
        ([(D(2024, 3, 31), 130.0)], "percent of target must be within 0..100"),
        ([(D(2024, 3, 31), -1.0)], "percent of target must be within 0..100"),
        ([(D(2024, 6, 30), 60.0), (D(2024, 3, 31), 30.0)], "step dates must strictly increase"),
        ([(D(2024, 3, 31), 30.0), (D(2024, 3, 31), 40.0)], "step dates must strictly increase"),
        ([(D(2024, 3, 31), 60.0), (D(2024, 6, 30), 30.0)], "percents must not decrease"),
        ([(END, 90.0)], "a step on the end date must be 100"),
    ],
)
def test_bad_steps(steps, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        expected_share(MID, START, END, steps)


def test_end_before_start():
    with pytest.raises(ValueError, match=re.escape("period ends (2023-12-31) before it starts")):
        expected_share(MID, START, D(2023, 12, 31))


# --------------------------------------------------------------------------- count


@pytest.mark.parametrize(
    "value, status, gap",
    [
        (50, ON_TRACK, 0.0),
        (45, ON_TRACK, 5.0),  # exactly 5 points behind is not "more than 5"
        (44.9, BEHIND, 5.1),
        (30, BEHIND, 20.0),
        (29.9, FAR_BEHIND, 20.1),
        (0, FAR_BEHIND, 50.0),
        (80, ON_TRACK, -30.0),
        (100, COMPLETED, -50.0),
        (120, COMPLETED, -70.0),
    ],
)
def test_count_against_pace(value, status, gap):
    got = j("count", ">=", 100, value, MID)
    assert (got.status, got.overdue) == (status, False)
    assert got.expected_share == 0.5
    assert got.actual_share == pytest.approx(value / 100)
    assert got.gap_points == pytest.approx(gap)


def test_count_note():
    assert j("count", ">=", 100, 30, MID).note == "完成目标的30.0%，时序进度50.0%，进度落后时序20.0个百分点"
    assert j("count", ">=", 200, 130, MID).note == "完成目标的65.0%，时序进度50.0%，进度快于时序15.0个百分点"
    assert j("count", ">=", 100, 50, MID).note == "完成目标的50.0%，时序进度50.0%，与时序进度持平"


def test_count_leap_day_pace():
    # 2024-02-29: expected 60/366 = 16.39%; 10 of 100 done is 6.39 points behind.
    got = j("count", ">=", 100, 10, D(2024, 2, 29))
    assert got.status == BEHIND
    assert got.expected_share == pytest.approx(60 / 366)
    assert got.gap_points == pytest.approx(100 * 60 / 366 - 10)
    assert got.note == "完成目标的10.0%，时序进度16.4%，进度落后时序6.4个百分点"


@pytest.mark.parametrize(
    "as_of, value, status, overdue",
    [
        (D(2023, 12, 31), 0, ON_TRACK, False),  # before start: nothing expected yet
        (START, 0, ON_TRACK, False),  # 1/366 expected: 0.27 points behind
        (END, 96, ON_TRACK, False),  # last day, 4 points short: within tolerance
        (END, 100, COMPLETED, False),
        (D(2025, 1, 1), 100, COMPLETED, False),
        (D(2025, 1, 1), 99, FAR_BEHIND, True),  # the day after the due date
    ],
)
def test_count_period_boundaries(as_of, value, status, overdue):
    got = j("count", ">=", 100, value, as_of)
    assert (got.status, got.overdue) == (status, overdue)


def test_count_overdue_note():
    got = j("count", ">=", 100, 90, D(2025, 1, 10))
    assert got.note == "完成目标的90.0%，时序进度100.0%，进度落后时序10.0个百分点，已逾期10天未完成"


@pytest.mark.parametrize(
    "as_of, value, near_days, status, note_end",
    [
        (END, 90, 30, FAR_BEHIND, "今日截止"),  # 10 points behind with no time left
        (END, 90, 0, BEHIND, "进度落后时序10.0个百分点"),  # rule switched off
        (D(2024, 12, 2), 80, 30, FAR_BEHIND, "距截止仅剩29天"),
        (D(2024, 12, 1), 80, 30, BEHIND, "进度落后时序11.8个百分点"),  # 30 days left: not fewer
        (D(2024, 12, 2), 93, 30, ON_TRACK, "进度快于时序0.9个百分点"),  # on pace: no escalation
    ],
)
def test_count_near_deadline(as_of, value, near_days, status, note_end):
    settings = StatusSettings(near_deadline_days=near_days)
    got = j("count", ">=", 100, value, as_of, settings=settings)
    assert got.status == status
    assert got.note.endswith(note_end)
    assert got.overdue is False


def test_count_with_deadline_paces_to_deadline():
    # 衢政办发 items due 6月底前: pace runs 2024-01-01..2024-06-30 (182 days).
    got = j("count", ">=", 100, 40, D(2024, 3, 31), deadline=D(2024, 6, 30))
    assert got.expected_share == pytest.approx(91 / 182)
    assert got.gap_points == pytest.approx(10.0)
    assert got.status == BEHIND
    late = j("count", ">=", 100, 90, D(2024, 7, 1), deadline=D(2024, 6, 30))
    assert (late.status, late.overdue) == (FAR_BEHIND, True)
    assert late.note.endswith("已逾期1天未完成")


@pytest.mark.parametrize(
    "as_of, value, status, gap",
    [
        (D(2024, 3, 31), 25, ON_TRACK, 5.0),  # step 30% on its date
        (D(2024, 3, 31), 24, BEHIND, 6.0),
        (D(2024, 9, 30), 64, FAR_BEHIND, 21.0),  # step 85%
        (D(2024, 9, 30), 85, ON_TRACK, 0.0),
    ],
)
def test_count_with_quarterly_steps(as_of, value, status, gap):
    got = j("count", ">=", 100, value, as_of, steps=Q_STEPS)
    assert got.status == status
    assert got.gap_points == pytest.approx(gap)


def test_count_steps_differ_from_straight_line():
    # 20 of 100 on 2024-03-31: 4.9 points behind 91/366 days, 10 behind the 30% step.
    plain = j("count", ">=", 100, 20, D(2024, 3, 31))
    stepped = j("count", ">=", 100, 20, D(2024, 3, 31), steps=Q_STEPS)
    assert (plain.status, round(plain.gap_points, 4)) == (ON_TRACK, round(9100 / 366 - 20, 4))
    assert (stepped.status, stepped.gap_points) == (BEHIND, pytest.approx(10.0))


@pytest.mark.parametrize(
    "comparator, target, value, status",
    [
        ("=", 100, 100, COMPLETED),  # 达到: reaching it is enough
        ("=", 100, 99, ON_TRACK),
        ("≈", 30000, 28500, COMPLETED),  # 3万亩左右: 5% below still counts
        ("≈", 30000, 28499, ON_TRACK),
        ("range", (1000, 5000), 1000, COMPLETED),  # paced towards the low end
        ("range", (1000, 5000), 6000, COMPLETED),
        ("range", (1000, 5000), 400, BEHIND),
    ],
)
def test_count_comparators(comparator, target, value, status):
    assert j("count", comparator, target, value, MID).status == status


def test_count_range_note():
    got = j("count", "range", (1000, 5000), 500, MID)
    assert (got.actual_share, got.gap_points) == (0.5, 0.0)
    assert got.note == "完成目标的50.0%（按区间下限计），时序进度50.0%，与时序进度持平"


@pytest.mark.parametrize(
    "as_of, value, status, gap",
    [
        (MID, 5, ON_TRACK, -50.0),
        (MID, 10, ON_TRACK, 0.0),
        (MID, 12, BEHIND, 20.0),  # cap broken: any excess is 滞后
        (MID, 13, FAR_BEHIND, 30.0),
        (END, 5, COMPLETED, -50.0),
    ],
)
def test_count_capped(as_of, value, status, gap):
    got = j("count", "<=", 10, value, as_of)
    assert got.status == status
    assert got.gap_points == pytest.approx(gap)


@pytest.mark.parametrize(
    "value, as_of, status, gap, note",
    [
        (0, MID, COMPLETED, 0.0, "目标值为0，已报0"),
        (3, MID, COMPLETED, -3.0, "目标值为0，已报3"),
    ],
)
def test_count_zero_target(value, as_of, status, gap, note):
    got = j("count", ">=", 0, value, as_of)
    assert (got.status, got.actual_share, got.gap_points, got.note) == (status, None, gap, note)


# --------------------------------------------------------------------------- not reported


@pytest.mark.parametrize("missing", [None, math.nan])
@pytest.mark.parametrize("kind, comparator, target", [
    ("count", ">=", 100), ("rate", ">=", 10.0), ("level", ">=", 500),
    ("limit", "<=", 25), ("milestone", "=", None),
])
def test_not_reported(missing, kind, comparator, target):
    got = j(kind, comparator, target, missing, MID)
    assert got == Judgement(NOT_REPORTED, None, 0.5, None, False, "本期未报送")


def test_not_reported_after_due_date_is_also_overdue():
    got = j("count", ">=", 100, None, D(2025, 1, 3))
    assert got == Judgement(NOT_REPORTED, None, 1.0, None, True, "本期未报送，已逾期3天且无完成记录")


# --------------------------------------------------------------------------- rate


@pytest.mark.parametrize(
    "value, as_of, status, gap, overdue",
    [
        (10, MID, ON_TRACK, 0.0, False),
        (9.5, MID, ON_TRACK, 5.0, False),
        (9.4, MID, BEHIND, 6.0, False),
        (8, MID, BEHIND, 20.0, False),
        (7.9, MID, FAR_BEHIND, 21.0, False),
        (12, MID, ON_TRACK, -20.0, False),  # met, but a rate can still fall before year end
        (12, END, COMPLETED, -20.0, False),
        (9.8, END, ON_TRACK, 2.0, False),
        (9.8, D(2025, 1, 1), FAR_BEHIND, 2.0, True),
        (10, D(2025, 1, 1), COMPLETED, 0.0, False),
        (10, D(2023, 12, 31), ON_TRACK, 0.0, False),  # before start, the value still counts
    ],
)
def test_rate_at_least(value, as_of, status, gap, overdue):
    got = j("rate", ">=", 10, value, as_of)
    assert (got.status, got.overdue) == (status, overdue)
    assert got.gap_points == pytest.approx(gap)
    assert got.actual_share == pytest.approx(value / 10)


def test_rate_notes():
    assert j("rate", ">=", 10, 7, MID).note == "最新值7，低于目标值10，差距30.0%"
    assert j("rate", ">=", 2.6, 2.6, END).note == "最新值2.6，已达到目标值2.6"
    assert j("rate", "=", 2.6, 2.6, END).status == COMPLETED


@pytest.mark.parametrize(
    "value, status, gap",
    [
        (-1, ON_TRACK, 1.0),  # target 0: the gap is in the target's own unit (points)
        (-6, BEHIND, 6.0),
        (0, ON_TRACK, 0.0),
    ],
)
def test_rate_zero_target(value, status, gap):
    got = j("rate", ">=", 0, value, MID)
    assert (got.status, got.actual_share) == (status, None)
    assert got.gap_points == pytest.approx(gap)


@pytest.mark.parametrize(
    "value, as_of, status, gap",
    [
        (6.2, MID, ON_TRACK, 0.0),
        (6.3, MID, ON_TRACK, 0.0),  # band edge: 6 ± 5%
        (7, MID, BEHIND, 0.7 / 6.3 * 100),
        (5, MID, BEHIND, 0.7 / 5.7 * 100),
        (6.1, END, COMPLETED, 0.0),
        (4.5, MID, FAR_BEHIND, 1.2 / 5.7 * 100),
    ],
)
def test_rate_about(value, as_of, status, gap):
    got = j("rate", "≈", 6, value, as_of)
    assert got.status == status
    assert got.gap_points == pytest.approx(gap)


def test_rate_about_note():
    got = j("rate", "≈", 6, 7, MID)
    assert got.note == "最新值7，高于目标值6左右的区间5.7—6.3，超出11.1%"


@pytest.mark.parametrize(
    "value, status, gap, note",
    [
        (2.5, ON_TRACK, 0.0, "最新值2.5，在目标区间2—3内"),
        (3.5, BEHIND, 50 / 3, "最新值3.5，高于目标区间2—3，超出16.7%"),
        (1, FAR_BEHIND, 50.0, "最新值1，低于目标区间2—3，差距50.0%"),
    ],
)
def test_rate_range(value, status, gap, note):
    got = j("rate", "range", (2, 3), value, MID)
    assert (got.status, got.actual_share, got.note) == (status, None, note)
    assert got.gap_points == pytest.approx(gap)


def test_rate_at_most_is_a_limit():
    got = j("rate", "<=", 3, 3.1, MID)  # e.g. CPI 涨幅不超过3%
    assert got.status == BEHIND
    assert got.gap_points == pytest.approx(10 / 3)


# --------------------------------------------------------------------------- level


@pytest.mark.parametrize(
    "value, as_of, status, actual, gap",
    [
        (300, MID, ON_TRACK, 0.6, -10.0),
        (200, MID, BEHIND, 0.4, 10.0),
        (500, MID, ON_TRACK, 1.0, -50.0),  # reached early: a stock can fall again
        (500, END, COMPLETED, 1.0, 0.0),
        (480, END, ON_TRACK, 0.96, 4.0),
        (480, D(2025, 1, 1), FAR_BEHIND, 0.96, 4.0),
    ],
)
def test_level_from_zero(value, as_of, status, actual, gap):
    got = j("level", ">=", 500, value, as_of)
    assert got.status == status
    assert got.actual_share == pytest.approx(actual)
    assert got.gap_points == pytest.approx(gap)


def test_level_from_baseline():
    # 贷款余额 from 400 at the start of the year to 500: at mid-year 440 is 40% of the way.
    got = j("level", ">=", 500, 440, MID, baseline=400)
    assert got.status == BEHIND
    assert got.actual_share == pytest.approx(0.4)
    assert got.gap_points == pytest.approx(10.0)
    assert got.note == "自基数400起完成目标增量的40.0%，时序进度50.0%，进度落后时序10.0个百分点"


def test_level_target_equal_to_baseline():
    got = j("level", ">=", 500, 500, END, baseline=500)
    assert (got.status, got.actual_share, got.gap_points) == (COMPLETED, None, 0.0)


def test_level_target_below_baseline_is_an_error():
    with pytest.raises(ValueError, match="level target 500 is below its baseline 600"):
        j("level", ">=", 500, 550, MID, baseline=600)


def test_level_at_most_is_a_limit():
    assert j("level", "<=", 800, 790, END).status == COMPLETED
    assert j("level", "<=", 800, 1000, MID).status == FAR_BEHIND


# --------------------------------------------------------------------------- limit


@pytest.mark.parametrize(
    "value, as_of, status, gap, overdue",
    [
        (20, MID, ON_TRACK, -20.0, False),
        (25, MID, ON_TRACK, 0.0, False),
        (25.5, MID, BEHIND, 2.0, False),  # any excess is 滞后
        (30, MID, BEHIND, 20.0, False),
        (30.5, MID, FAR_BEHIND, 22.0, False),
        (24, END, COMPLETED, -4.0, False),
        (25.5, D(2024, 12, 15), FAR_BEHIND, 2.0, False),  # over the limit, 16 days left
        (26, D(2025, 1, 1), FAR_BEHIND, 4.0, True),
    ],
)
def test_limit(value, as_of, status, gap, overdue):
    got = j("limit", "<=", 25, value, as_of)  # PM2.5 低于25微克/立方米
    assert (got.status, got.overdue) == (status, overdue)
    assert got.gap_points == pytest.approx(gap)
    assert got.actual_share == pytest.approx(value / 25)


def test_limit_notes():
    assert j("limit", "<=", 25, 30, MID).note == "最新值30，超过上限25，超出20.0%"
    assert j("limit", "<=", 25, 20, MID).note == "最新值20，未超过上限25"


@pytest.mark.parametrize(
    "value, as_of, status, gap, note",
    [
        (0, MID, ON_TRACK, 0.0, "最新值0，未超过上限0"),
        (0, END, COMPLETED, 0.0, "最新值0，未超过上限0"),
        (1, MID, BEHIND, 1.0, "最新值1，超过上限0，超出1"),
    ],
)
def test_limit_zero(value, as_of, status, gap, note):
    got = j("limit", "<=", 0, value, as_of)  # 重大事故零发生
    assert (got.status, got.actual_share, got.gap_points, got.note) == (status, None, gap, note)


@pytest.mark.parametrize(
    "comparator, target, value, status",
    [
        ("=", 1.0, 1.0, ON_TRACK),
        ("=", 1.0, 1.01, BEHIND),
        ("≈", 3.0, 3.15, ON_TRACK),  # 控制在3%左右: up to 3.15
        ("≈", 3.0, 3.2, BEHIND),
        ("range", (2, 3), 3.3, BEHIND),
        ("range", (2, 3), 3.9, FAR_BEHIND),
        ("range", (2, 3), 2.5, ON_TRACK),
    ],
)
def test_limit_comparators(comparator, target, value, status):
    assert j("limit", comparator, target, value, MID).status == status


# --------------------------------------------------------------------------- milestone

DUE = D(2024, 6, 30)  # 6月底前


@pytest.mark.parametrize(
    "as_of, value, done, status, overdue, note",
    [
        (D(2024, 5, 31), 0, False, ON_TRACK, False, "未完成，距截止还有30天"),
        (DUE, 0, False, ON_TRACK, False, "今日截止，尚未完成"),
        (D(2024, 7, 1), 0, False, FAR_BEHIND, True, "已逾期1天未完成"),
        (D(2024, 7, 1), 50, False, FAR_BEHIND, True, "已逾期1天未完成"),
        (D(2024, 5, 31), None, True, COMPLETED, False, "已完成"),
        (D(2024, 7, 15), None, True, COMPLETED, False, "已完成"),  # done late is still done
        (D(2024, 5, 31), None, False, NOT_REPORTED, False, "本期未报送"),
        (D(2024, 7, 2), None, False, NOT_REPORTED, True, "本期未报送，已逾期2天且无完成记录"),
    ],
)
def test_milestone(as_of, value, done, status, overdue, note):
    got = j("milestone", "=", None, value, as_of, deadline=DUE, reported_done=done)
    assert (got.status, got.overdue, got.note, got.gap_points) == (status, overdue, note, None)


def test_milestone_numeric_target():
    # 零突破: target 1, the first one reported is completion.
    got = j("milestone", ">=", 1, 1, MID, deadline=DUE)
    assert (got.status, got.actual_share) == (COMPLETED, 1.0)


def test_milestone_without_deadline_is_due_at_period_end():
    assert j("milestone", "=", None, 0, END).status == ON_TRACK
    got = j("milestone", "=", None, 0, D(2025, 1, 1))
    assert (got.status, got.overdue) == (FAR_BEHIND, True)


def test_reported_done_does_not_override_numbers():
    assert j("count", ">=", 100, 10, MID, reported_done=True).status == FAR_BEHIND


# --------------------------------------------------------------------------- settings


def test_thresholds_come_from_settings():
    lenient = StatusSettings(behind_points=10.0, far_behind_points=40.0)
    assert j("count", ">=", 100, 42, MID).status == BEHIND
    assert j("count", ">=", 100, 42, MID, settings=lenient).status == ON_TRACK
    assert j("count", ">=", 100, 15, MID, settings=lenient).status == BEHIND
    assert j("count", ">=", 100, 9, MID, settings=lenient).status == FAR_BEHIND


def test_about_tolerance_from_settings():
    strict = StatusSettings(about_tolerance_percent=0.0)
    assert j("count", "≈", 30000, 28500, MID, settings=strict).status == ON_TRACK
    assert j("count", "≈", 30000, 30000, MID, settings=strict).status == COMPLETED


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "kind, comparator, target, kw, message",
    [
        ("ratio", ">=", 1, {}, "unknown kind 'ratio'; valid kinds: count, rate, level, limit, "
                               "milestone"),
        ("count", ">", 1, {}, "unknown comparator '>'; valid comparators: >=, <=, ≈, =, range"),
        ("limit", ">=", 1, {}, "comparator '>=' contradicts kind 'limit' (lower is better)"),
        ("count", ">=", None, {}, "target_value must be a number, got None"),
        ("count", ">=", "100", {}, "target_value must be a number, got '100'"),
        ("count", ">=", True, {}, "target_value must be a number, got True"),
        ("count", ">=", math.nan, {}, "target_value must be a number, got nan"),
        ("rate", "range", 5, {}, "comparator 'range' needs target_value=(low, high), got 5"),
        ("rate", "range", (5, 3), {}, "range target (5, 3): low is above high"),
        ("count", ">=", 1, {"deadline": D(2023, 6, 30)},
         "deadline 2023-06-30 is before the period starts (2024-01-01)"),
    ],
)
def test_bad_arguments(kind, comparator, target, kw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        j(kind, comparator, target, 1, MID, **kw)


def test_judge_end_before_start():
    with pytest.raises(ValueError, match="period ends"):
        judge("count", ">=", 1, 1, MID, END, START)


def test_a_rate_with_stated_steps_is_paced_through_them():
    """Found by QA: 新建项目开工率 “一季度达到30%、二季度达到60%、三季度达到85%以上” at 76.47 in March was 滞后
    “低于目标值85，差距10.0%” (and on the 督查清单), far above the 30 % due then."""
    from datetime import date

    from tracker import status as st

    steps = [(date(2024, 3, 31), 30 / 85 * 100), (date(2024, 6, 30), 60 / 85 * 100), (date(2024, 9, 30), 100.0)]
    args = dict(start=date(2024, 1, 1), end=date(2024, 12, 31), deadline=date(2024, 9, 30))
    march = st.judge("rate", ">=", 85.0, 76.47, date(2024, 3, 31), steps=steps, **args)
    assert (march.status, march.note) == ("正常", "完成目标的90.0%，时序进度35.3%，进度快于时序54.7个百分点")
    june = st.judge("rate", ">=", 85.0, 50.0, date(2024, 6, 30), steps=steps, **args)
    assert (june.status, round(june.gap_points, 1)) == ("滞后", 11.8)
    september = st.judge("rate", ">=", 85.0, 86.0, date(2024, 9, 30), steps=steps, **args)
    assert september.status == "已完成"
    unstepped = st.judge("rate", ">=", 85.0, 76.47, date(2024, 3, 31), **args)
    assert (unstepped.status, unstepped.note) == ("滞后", "最新值76.47，低于目标值85，差距10.0%")
