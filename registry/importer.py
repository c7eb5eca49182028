"""Reading a SIAK enrollment export: streaming, one row at a time, every rule checked.

This module only reads and validates; `backlog.imports.import_enrollments`
loads what it yields. Memory stays flat whatever the file's length.
"""
import csv
import io
import operator
import os
from datetime import date
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from .nik import InvalidNik, check_nik, check_nik_matches

COLUMNS = (
    "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat",
    "rt", "rw", "kelurahan", "kecamatan", "tanggal_rekam",
)
# Column -> longest value the database keeps.
MAX_LENGTH = {"nama": 200, "tempat_lahir": 100, "alamat": 300, "rt": 3, "rw": 3, "kelurahan": 100, "kecamatan": 100}
SEXES = {"L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "P": "P", "PEREMPUAN": "P"}
REJECTED_HEADER = ("baris", "alasan")


class UnusableFile(Exception):
    """The file as a whole cannot be read: nothing of it may be imported."""


class RejectedRow(ValueError):
    pass


class Rejected(NamedTuple):
    """A row that is not imported: its line in the file, why, and its fields as they were."""

    line: int
    reason: str
    fields: list[str]


# A valid row is a plain tuple of text in this order, dates as YYYY-MM-DD: what the loader copies.
VALID_FIELDS = ("nik", "name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "village", "subdistrict", "enrolled_on")

# (column index, longest value), in column order: the first value too long is the one reported.
_LIMITS = tuple(sorted((COLUMNS.index(column), limit) for column, limit in MAX_LENGTH.items()))

_date_cache: dict[str, tuple[date, str] | None] = {}


def _parse_date(text: str) -> tuple[date, str] | None:
    """The date and its ISO text, memoised: an export holds a few thousand distinct dates."""
    try:
        return _date_cache[text]
    except KeyError:
        pass
    value = parse_date(text)
    parsed = None if value is None else (value, value.isoformat())
    if len(_date_cache) < 200_000:
        _date_cache[text] = parsed
    return parsed


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY; None if it is none of them."""
    parts = text.replace("/", "-").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        if len(parts[0]) == 4 and "/" not in text:
            y, m, d = parts
        elif len(parts[2]) == 4:
            d, m, y = parts
        else:
            return None
        try:
            return date(int(y), int(m), int(d))
        except ValueError:
            return None
    return None


class EnrollmentFile:
    """Iterate over a SIAK CSV: `rows()` yields a tuple of VALID_FIELDS or a Rejected row."""

    def __init__(self, path):
        self.path = path
        self.header: list[str] = []

    def _open(self):
        raw = open(self.path, "rb")
        first = raw.read(4096)
        if not first.strip(b"\xef\xbb\xbf \r\n\t"):
            raw.close()
            raise UnusableFile(_("the file is empty"))
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return text

    def rows(self):
        try:
            yield from self._rows()
        except UnicodeDecodeError:
            raise UnusableFile(_("the file is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8'")) from None
        except csv.Error as exc:
            raise UnusableFile(_("the file is not a readable CSV file (%(error)s)") % {"error": exc}) from None

    def _rows(self):
        today = timezone.localdate()
        with self._open() as text:
            first_line = text.readline()
            delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
            header = next(csv.reader([first_line], delimiter=delimiter), [])
            self.header = header
            names = [h.strip().lower() for h in header]
            missing = [c for c in COLUMNS if c not in names]
            if missing:
                raise UnusableFile(
                    _("the file is not a SIAK enrollment export: column(s) missing: %(columns)s")
                    % {"columns": ", ".join(missing)}
                )
            index = [names.index(c) for c in COLUMNS]
            width = max(index) + 1
            pick = operator.itemgetter(*index)
            strip = str.strip
            reader = csv.reader(text, delimiter=delimiter, strict=True)
            for fields in reader:
                if len(fields) < width:
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue
                    yield Rejected(reader.line_num + 1, _("the row has %(found)d columns, the header %(expected)d") % {"found": len(fields), "expected": len(header)}, fields)
                    continue
                try:
                    yield _check(tuple(map(strip, pick(fields))), today)
                except (RejectedRow, InvalidNik) as exc:
                    yield Rejected(reader.line_num + 1, str(exc), fields)  # +1: the header was line 1


def _check(values, today):
    nik, name, birth_place, birth_text, sex_text, address, rt, rw, village, subdistrict, enrolled_text = values
    number = check_nik(nik)
    if not name:
        raise RejectedRow(_("name (nama) is empty"))
    for i, limit in _LIMITS:
        if len(values[i]) > limit:
            raise RejectedRow(_("%(column)s is longer than %(limit)d characters") % {"column": COLUMNS[i], "limit": limit})
    birth = _parse_date(birth_text)
    if birth is None:
        raise RejectedRow(_("date of birth (tanggal_lahir) '%(value)s' is not a date: use YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY") % {"value": birth_text})
    sex = SEXES.get(sex_text.upper())
    if sex is None:
        raise RejectedRow(_("sex (jenis_kelamin) '%(value)s' must be L or P") % {"value": sex_text})
    enrolled = _parse_date(enrolled_text)
    if enrolled is None:
        raise RejectedRow(_("enrollment date (tanggal_rekam) '%(value)s' is not a date: use YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY") % {"value": enrolled_text})
    birth_date, birth_iso = birth
    enrolled_on, enrolled_iso = enrolled
    if enrolled_on > today:
        raise RejectedRow(_("enrollment date (tanggal_rekam) %(value)s is in the future") % {"value": enrolled_iso})
    if birth_date > today:
        raise RejectedRow(_("date of birth (tanggal_lahir) %(value)s is in the future") % {"value": birth_iso})
    if enrolled_on < birth_date:
        raise RejectedRow(_("enrollment date is before the date of birth"))
    check_nik_matches(number, birth_date, sex)
    return (number, name, birth_place, birth_iso, sex, address, rt, rw, village, subdistrict, enrolled_iso)


class RejectedFile:
    """FILE.rejected.csv, written as rows are rejected: line, reason, then the row as it was.

    It is written beside the file under a temporary name and put in place by
    `close(keep=True)`; a file with no rejected rows leaves no report behind
    (an old report from an earlier run is removed, it no longer applies).
    """

    def __init__(self, path):
        self.path = f"{path}.rejected.csv"
        self._tmp = f"{self.path}.part"
        self._out = None
        self._writer = None
        self.count = 0

    def add(self, header, line, reason, fields):
        if self._writer is None:
            self._out = open(self._tmp, "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._out)
            self._writer.writerow([*REJECTED_HEADER, *header])
        self._writer.writerow([line, reason, *fields])
        self.count += 1

    def close(self, keep):
        if self._out is not None:
            self._out.close()
        if keep and self.count:
            os.replace(self._tmp, self.path)
            return
        for leftover in (self._tmp, self.path) if keep else (self._tmp,):
            if os.path.exists(leftover):
                os.remove(leftover)
