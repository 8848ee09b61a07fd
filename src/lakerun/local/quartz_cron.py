"""Quartz cron expressions (the syntax of Databricks job schedules), evaluated with `croniter`.

croniter does the calendar arithmetic (time zones, DST, `L`, `nW`, `#`, years); this module checks
Quartz's own grammar and translates what differs:

- 6 or 7 fields, seconds first, optional year: passed to croniter with `second_at_beginning`.
- `?` (no specific value) is allowed only in day-of-month or day-of-week, and exactly one of the two
  must be `?`, as Quartz requires; it becomes croniter's `*`.
- Day-of-week numbers are 1-7 = SUN-SAT in Quartz and 0-6 in croniter: every day number is shifted
  down by one (ranges, lists, step starts, `6#3` -> `5#3`); names stay as they are.
- `L` alone in day-of-week is Saturday (7); `nL` (last weekday n of the month) becomes croniter's `Ln`.
- `L-n` (n days before the month's last day) and `LW` (the month's last weekday) have no croniter
  form: the day is resolved per month and croniter is asked for that day of that month.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import CroniterBadDateError, CroniterError, croniter

from lakerun.errors import InvalidInputError

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
FIELD_NAMES = ("seconds", "minutes", "hours", "day-of-month", "month", "day-of-week", "year")
BOUNDS = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2099))
DAY_OF_MONTH, DAY_OF_WEEK = 3, 5
MAX_YEARS_AHEAD = 130  # Quartz years end at 2099
BASIC = re.compile(r"^(\*|(\d+|[A-Z]{3})(?:-(\d+|[A-Z]{3}))?)(?:/(\d+))?$")
LAST_WEEKDAY_OF_MONTH = re.compile(r"^(\d+|[A-Z]{3})L$")
NTH_WEEKDAY_OF_MONTH = re.compile(r"^(\d+|[A-Z]{3})#([1-5])$")
DAYS_BEFORE_LAST = re.compile(r"^L-(\d+)$")
NEAREST_WEEKDAY = re.compile(r"^\d+W$")

DayRule = Callable[[int, int], int]


class QuartzSyntaxError(InvalidInputError):
    """The expression is not valid Quartz cron; the message says which field and why."""


@dataclass(frozen=True)
class QuartzCron:
    """A parsed Quartz expression: croniter's fields plus, for `L-n`/`LW`, a per-month day rule."""

    expression: str
    fields: tuple[str, ...]
    day_rule: DayRule | None = None

    @classmethod
    def parse(cls, expression: str) -> QuartzCron:
        """Checks Quartz's grammar and translates it; raises `QuartzSyntaxError` naming the problem."""
        fields = expression.upper().split()
        if len(fields) not in (6, 7):
            raise QuartzSyntaxError(
                f"expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), "
                f"got {len(fields)}"
            )
        _check_question_marks(fields)
        translated = [_translate(index, field) for index, field in enumerate(fields)]
        day_rule = _day_rule(fields[DAY_OF_MONTH])
        if day_rule is not None:
            translated[DAY_OF_MONTH] = "1"
        parsed = cls(expression, tuple(translated), day_rule)
        try:
            parsed._croniter(datetime(2000, 1, 1))
        except CroniterError as exc:
            raise QuartzSyntaxError(str(exc).replace("[" + " ".join(translated) + "] ", "")) from exc
        return parsed

    def next_after(self, moment: datetime) -> datetime | None:
        """The first instant strictly after `moment` (an aware datetime, in the schedule's zone), or None."""
        if self.day_rule is None:
            return self._next(moment, self.fields)
        month_start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        for _ in range(12 * MAX_YEARS_AHEAD):
            day = self.day_rule(month_start.year, month_start.month)
            fields = list(self.fields)
            fields[DAY_OF_MONTH] = str(day)
            start = max(moment, month_start - timedelta(seconds=1))
            found = self._next(start, tuple(fields))
            if found is None:
                return None
            if (found.year, found.month) == (month_start.year, month_start.month):
                return found
            month_start = _first_of_next_month(month_start)
        return None

    def _next(self, moment: datetime, fields: tuple[str, ...]) -> datetime | None:
        try:
            found: datetime = self._croniter(moment, fields).get_next(datetime)
        except CroniterBadDateError:
            return None
        return found

    def _croniter(self, start: datetime, fields: tuple[str, ...] | None = None) -> croniter:
        return croniter(
            " ".join(fields or self.fields),
            start,
            second_at_beginning=True,
            max_years_between_matches=MAX_YEARS_AHEAD,
        )


def _check_question_marks(fields: list[str]) -> None:
    for index, field in enumerate(fields):
        if "?" in field and (index not in (DAY_OF_MONTH, DAY_OF_WEEK) or field != "?"):
            raise QuartzSyntaxError(
                f"'?' is allowed only as the whole day-of-month or day-of-week field, not in {FIELD_NAMES[index]}"
            )
    if (fields[DAY_OF_MONTH] == "?") == (fields[DAY_OF_WEEK] == "?"):
        raise QuartzSyntaxError("exactly one of day-of-month and day-of-week must be '?'")


def _translate(index: int, field: str) -> str:
    if field == "?":
        return "*"
    elements = field.split(",")
    special = [e for e in elements if not BASIC.match(e)]
    if special and len(elements) > 1:
        raise QuartzSyntaxError(
            f"{special[0]!r} cannot be combined with other values in {FIELD_NAMES[index]}"
        )
    if index == DAY_OF_WEEK:
        return ",".join(_day_of_week(element) for element in elements)
    for element in elements:
        _check_element(index, element)
    return field


def _check_element(index: int, element: str) -> None:
    basic = BASIC.match(element)
    names = MONTHS if FIELD_NAMES[index] == "month" else ()
    if basic:
        for value in basic.group(2, 3):
            if value is not None:
                _check_value(index, value, names)
        return
    allowed = index == DAY_OF_MONTH and (
        element in ("L", "LW") or DAYS_BEFORE_LAST.match(element) or NEAREST_WEEKDAY.match(element)
    )
    if not allowed:
        raise QuartzSyntaxError(f"{element!r} is not valid in {FIELD_NAMES[index]}")
    if NEAREST_WEEKDAY.match(element):
        _check_value(index, element[:-1], ())


def _check_value(index: int, value: str, names: tuple[str, ...]) -> None:
    if not value.isdigit():
        if value not in names:
            raise QuartzSyntaxError(f"{value!r} is not a valid {FIELD_NAMES[index]} value")
        return
    low, high = BOUNDS[index]
    if not low <= int(value) <= high:
        raise QuartzSyntaxError(f"{FIELD_NAMES[index]} {value} is out of range {low}-{high}")


def _day_of_week(element: str) -> str:
    if element == "L":
        return "6"
    last = LAST_WEEKDAY_OF_MONTH.match(element)
    if last:
        return f"L{_weekday(last.group(1))}"
    nth = NTH_WEEKDAY_OF_MONTH.match(element)
    if nth:
        return f"{_weekday(nth.group(1))}#{nth.group(2)}"
    basic = BASIC.match(element)
    if not basic:
        raise QuartzSyntaxError(f"{element!r} is not valid in day-of-week")
    if basic.group(1) == "*":
        return element
    start, end, step = basic.group(2, 3, 4)
    days = _weekday(start) + (f"-{_weekday(end)}" if end else "")
    return days + (f"/{step}" if step else "")


def _weekday(value: str) -> str:
    _check_value(DAY_OF_WEEK, value, DAYS)
    return str(int(value) - 1) if value.isdigit() else value


def _day_rule(field: str) -> DayRule | None:
    if field == "LW":
        return _last_weekday
    before_last = DAYS_BEFORE_LAST.match(field)
    if before_last:
        offset = int(before_last.group(1))
        if offset > 30:
            raise QuartzSyntaxError(f"L-{offset}: the offset from the last day must be at most 30")
        return lambda year, month: max(1, calendar.monthrange(year, month)[1] - offset)
    return None


def _last_weekday(year: int, month: int) -> int:
    last = calendar.monthrange(year, month)[1]
    weekday = calendar.weekday(year, month, last)  # Monday = 0
    return last - max(0, weekday - 4)


def _first_of_next_month(moment: datetime) -> datetime:
    return (moment + timedelta(days=32)).replace(day=1)
