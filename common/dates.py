"""Calendar arithmetic the desks and documents share: months, and each office's own clock.

An office's "today", working day and month are those of its time zone
(`Office.time_zone`: WIB, WITA or WIT), never the server's: `local_day` and
`local_midnight` are the one way to turn a moment into the office's day and
back. The zone an office starts with comes from its province
(`zone_of_region`).
"""
from datetime import date, datetime, time

from django.utils import timezone

# The time zone of each province (the first two digits of a region code), the default of its offices' clock.
PROVINCE_TIME_ZONES = {
    # WIB (UTC+7): Sumatra, Riau Islands, Java, Kalimantan Barat and Tengah.
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
                     "31", "32", "33", "34", "35", "36", "61", "62"), "Asia/Jakarta"),
    # WITA (UTC+8): Bali, Nusa Tenggara, Kalimantan Selatan, Timur and Utara, Sulawesi.
    **dict.fromkeys(("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"), "Asia/Makassar"),
    # WIT (UTC+9): Maluku, Maluku Utara and the Papua provinces.
    **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), "Asia/Jayapura"),
}


def zone_of_region(code: str) -> str:
    """The time zone (an IANA name) of the province of a 4-digit region code; WIB, the capital's, for a province not in the table."""
    return PROVINCE_TIME_ZONES.get((code or "")[:2], "Asia/Jakarta")


def now() -> datetime:
    """The default of the fields that record a moment: the clock read when the row is made, so a service can pass its own."""
    return timezone.now()


def local_day(office, at: datetime | None = None) -> date:
    """The office's calendar day at the moment `at` (now when not given): its "today"."""
    return timezone.localtime(at or timezone.now(), office.zone).date()


def local_midnight(day: date, office) -> datetime:
    """The first moment of a day in the office's time zone."""
    return datetime.combine(day, time.min, tzinfo=office.zone)


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
