"""Reading a SIAK enrollment export: streaming, one row at a time, every rule checked.

This module only reads and validates; `backlog.imports.import_enrollments`
loads what it yields. Memory stays flat whatever the file's length, and
whatever a line holds.
"""
import csv
import io
import operator
import os
import re
from datetime import date
from typing import NamedTuple

from django.utils.translation import gettext as _

from .cells import escape_cell, unescape_cell
from .nik import InvalidNik, check_nik, check_nik_matches

COLUMNS = (
    "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat",
    "rt", "rw", "kelurahan", "kecamatan", "tanggal_rekam",
)
# Read when the header has them, blank when it has not: a file without them imports as before.
OPTIONAL_COLUMNS = ("nama_ibu",)
# Column -> longest value the database keeps.
MAX_LENGTH = {"nama": 200, "tempat_lahir": 100, "alamat": 300, "rt": 3, "rw": 3, "kelurahan": 100, "kecamatan": 100,
              "nama_ibu": 200}
SEXES = {"L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "P": "P", "PEREMPUAN": "P"}
REJECTED_HEADER = ("baris", "alasan")
# The longest line read. A SIAK row is well under 1 KB; this leaves room for many extra columns. A longer
# line is skipped unread and rejected: read whole, a 200 MB line of commas became gigabytes of fields.
MAX_LINE = 65_536
# A quoted field may span lines: it is bounded too (longer, the file is unusable). The limit is the process's.
csv.field_size_limit(MAX_LINE)
# Control characters other than the tab: NUL, line breaks inside a quoted field, escape codes, C1 codes.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


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
VALID_FIELDS = ("nik", "name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "village", "subdistrict", "enrolled_on",
                "mother_name")

# The values checked, in this order: the required columns, then the optional ones.
_READ = COLUMNS + OPTIONAL_COLUMNS
# (value index, longest value), in column order: the first value too long is the one reported.
_LIMITS = tuple(sorted((_READ.index(column), limit) for column, limit in MAX_LENGTH.items()))

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
    """Iterate over a SIAK CSV: `rows()` yields a tuple of VALID_FIELDS or a Rejected row.

    `today` is the importing office's day: no enrollment date may come after it.
    """

    def __init__(self, path, *, today):
        self.path = path
        self.today = today
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
        today = self.today
        with self._open() as text:
            first_line = text.readline(MAX_LINE)
            if "\x00" in first_line:
                raise UnusableFile(_("the file is not text but binary; save it from the spreadsheet as 'CSV UTF-8'"))
            if len(first_line) == MAX_LINE and first_line[-1] not in "\r\n":
                raise UnusableFile(_("the header line is longer than %(limit)d characters") % {"limit": MAX_LINE})
            if _CONTROL.search(first_line.rstrip("\r\n")):
                raise UnusableFile(_("the header line holds a control character: it is not a CSV file"))
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
            # The values in _READ's order, an absent optional column as a blank after the others (there is one).
            index = [names.index(c) for c in _READ if c in names]
            absent = tuple("" for c in OPTIONAL_COLUMNS if c not in names)
            width = max(index) + 1
            pick = operator.itemgetter(*index)
            strip = str.strip
            lines = _Lines(text)
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            previous = reader.line_num
            for fields in reader:
                # Rows whose lines hold anything unusual, or that span lines, take the careful way; the rest, fast.
                careful = lines.unusual or reader.line_num - previous > 1
                previous = reader.line_num
                line = reader.line_num + 1  # +1: the header was line 1
                if careful:
                    too_long, lines.unusual, lines.too_long = lines.too_long, False, False
                    if too_long:
                        yield Rejected(line, _("the line is longer than %(limit)d characters; it was not read") % {"limit": MAX_LINE}, [])
                        continue
                    if _CONTROL.search("".join(fields)):
                        yield Rejected(line, _control_reason(fields, header), fields)
                        continue
                if len(fields) < width:
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue
                    yield Rejected(line, _("the row has %(found)d columns, the header %(expected)d") % {"found": len(fields), "expected": len(header)}, fields)
                    continue
                values = tuple(map(strip, pick(fields)))
                if absent:
                    values += absent
                if careful:
                    values = tuple(strip(unescape_cell(value)) for value in values)  # a rejected-rows file back, fixed
                try:
                    yield _check(values, today)
                except (RejectedRow, InvalidNik) as exc:
                    yield Rejected(line, str(exc), fields)


class _Lines:
    """The lines of a text file for csv.reader, none longer than MAX_LINE, and which of them look unusual.

    A longer line is skipped unread and the reader gets an empty line in its
    place (its line count still follows the file): `too_long`. A line with an
    apostrophe or anything not printable but its line break sets `unusual`,
    for the reader of the rows to look closer (C-speed checks here; the
    closer look costs a regular expression, only for those rows).
    """

    def __init__(self, text):
        self._readline = text.readline
        self.too_long = False
        self.unusual = False

    def __iter__(self):
        readline = self._readline
        while line := readline(MAX_LINE):
            if len(line) == MAX_LINE and line[-1] not in "\r\n":
                while (rest := readline(MAX_LINE)) and len(rest) == MAX_LINE and rest[-1] not in "\r\n":
                    pass
                self.too_long = self.unusual = True
                yield "\n"
                continue
            if "'" in line or not line.rstrip("\r\n").isprintable():
                self.unusual = True
            yield line


def _control_reason(fields, header) -> str:
    for i, value in enumerate(fields):
        found = _CONTROL.search(value)
        if found:
            column = header[i].strip() if i < len(header) else str(i + 1)
            return _("%(column)s holds a control character (code %(code)d); only text and tabs are allowed") % {
                "column": column, "code": ord(found.group())}
    return ""


def _check(values, today):
    nik, name, birth_place, birth_text, sex_text, address, rt, rw, village, subdistrict, enrolled_text, mother_name = values
    number = check_nik(nik)
    if not name:
        raise RejectedRow(_("name (nama) is empty"))
    for i, limit in _LIMITS:
        if len(values[i]) > limit:
            raise RejectedRow(_("%(column)s is longer than %(limit)d characters") % {"column": _READ[i], "limit": limit})
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
    return (number, name, birth_place, birth_iso, sex, address, rt, rw, village, subdistrict, enrolled_iso, mother_name)


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
            self._writer.writerow([*REJECTED_HEADER, *map(escape_cell, header)])
        self._writer.writerow([line, escape_cell(reason), *map(escape_cell, fields)])
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
