"""NIK rules: python-stdnum's checks, and the NIK's agreement with a record's birth date and sex.

The import calls these for every row of files with millions of rows, so the
region table lookup and the birth-date decoding are memoised (a few
thousand distinct values); the rules themselves are python-stdnum's.
"""
from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik
from django.utils.translation import gettext as _


class InvalidNik(ValueError):
    pass


@lru_cache(maxsize=None)
def _region_known(prefix: str) -> bool:
    return bool(numdb.get("id/loc").info(prefix)[0][1])


@lru_cache(maxsize=100_000)
def _birth_date(ddmmyy: str):
    try:
        return stdnum_nik.get_birth_date("000000" + ddmmyy + "0000")
    except StdnumError:
        return None


def check_nik(value: str) -> str:
    """Return the NIK compacted, or raise InvalidNik with a sentence for the clerk."""
    number = value if len(value) == 16 and value.isdigit() else stdnum_nik.compact(value)
    if len(number) != 16 or not number.isdigit():
        raise InvalidNik(_("NIK must be 16 digits"))
    if not _region_known(number[:4]):
        raise InvalidNik(_("NIK region code %(code)s is not a known regency or city") % {"code": number[:4]})
    if _birth_date(number[6:12]) is None:
        raise InvalidNik(_("NIK does not contain a valid birth date"))
    return number


def check_nik_matches(number: str, birth_date: date, sex: str) -> None:
    """The NIK's DDMMYY is the birth date, with 40 added to the day for women."""
    day = int(number[6:8])
    is_female = day > 40
    if (day % 40, int(number[8:10]), int(number[10:12])) != (birth_date.day, birth_date.month, birth_date.year % 100):
        raise InvalidNik(_("NIK does not match the date of birth"))
    if is_female != (sex == "P"):
        raise InvalidNik(_("NIK does not match the sex (women have 40 added to the day of birth)"))


def region_name(code: str) -> str:
    """The office name for a 4-digit region code from python-stdnum's table ('' if unknown).

    Codes 71 and up within a province are cities (Kota), the others regencies (Kabupaten).
    """
    parts = numdb.get("id/loc").info(code)
    if len(parts) < 2 or not parts[1][1].get("name_id"):
        return ""
    kind = "Kota" if int(code[2:4]) >= 71 else "Kabupaten"
    return f"{kind} {parts[1][1]['name_id'].title()}"
