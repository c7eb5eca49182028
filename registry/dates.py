"""Calendar arithmetic the desks and documents share: months, and where a local day begins."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    """The default of the fields that record a moment: the clock read when the row is made, so a service can pass its own."""
    return timezone.now()


def month_after(month: date) -> date:
    """The first day of the month after the one `month` falls in."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), the month's last day where it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def local_midnight(day: date) -> datetime:
    """The first moment of a day in the office's time zone (settings.TIME_ZONE)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))
