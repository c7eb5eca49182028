"""The age rule (UU 24/2013 art. 63): from which day a recorded card may be printed. Written once, here.

A resident may record at 16; the card is printed from the 17th birthday (born
29 February: 1 March), or from the recording date once married (SIAK's
STAT_KWN 2, 3 or 4: kawin, cerai hidup, cerai mati). The importer, the
marriage correction and the migration's backfill all use this definition; the
backfill's SQL (`PRINTABLE_ON_SQL`) is the same rule in each database's words.
"""
from datetime import date

PRINTING_AGE = 17
# STAT_KWN codes that make a card printable at once: married, divorced, widowed (anything but 1, belum kawin).
MARRIED = ("2", "3", "4")


def birthday(born: date, years: int) -> date:
    """The day `born` turns `years` old; for 29 February, 1 March in a year without one (as the law counts it)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def printable_on(*, birth_date: date, enrolled_on: date, marital_status: str) -> date:
    """The first day the card may be printed: the recording date if married, else the later of it and the 17th birthday."""
    if marital_status in MARRIED:
        return enrolled_on
    return max(enrolled_on, birthday(birth_date, PRINTING_AGE))


# The same rule over registry_enrollment's columns, per database vendor, for set-based backfills.
# PostgreSQL's date + interval '17 years' gives 28 February for 29 February; the law (and SQLite's date()) 1 March.
PRINTABLE_ON_SQL = {
    "postgresql": (
        "CASE WHEN marital_status IN ('2', '3', '4') THEN enrolled_on ELSE GREATEST(enrolled_on, CASE"
        " WHEN EXTRACT(MONTH FROM birth_date) = 2 AND EXTRACT(DAY FROM birth_date) = 29"
        " THEN make_date(CAST(EXTRACT(YEAR FROM birth_date) AS integer) + 17, 3, 1)"
        " ELSE CAST(birth_date + interval '17 years' AS date) END) END"
    ),
    "sqlite": (
        "CASE WHEN marital_status IN ('2', '3', '4') THEN enrolled_on"
        " ELSE MAX(enrolled_on, date(birth_date, '+17 years')) END"
    ),
}
