"""Reading a SIAK enrollment export, CSV or Excel (.xlsx): streaming, one row at a time, every rule checked.

This module only reads and validates; `backlog.imports.import_enrollments`
loads what it yields. The kind of file is told from its content; its header
says which column profile (PROFILES) it follows. Memory stays flat whatever
the file's length, and whatever a line holds.
"""
import csv
import io
import itertools
import operator
import os
import re
import zipfile
from datetime import date, timedelta
from typing import NamedTuple

from django.utils.translation import gettext as _, gettext_lazy

from common.cells import escape_cell, text_cells, unescape_cell

from .ages import MARRIED, PRINTING_AGE, printable_on
from .nik import InvalidNik, check_nik, check_nik_matches
from .workbook import EXCEL_EPOCH, LAST_SERIAL, Workbook, WorkbookError, is_xlsx

# The fields read, in this order: the required ones, then the optional ones (blank when the header lacks them).
FIELDS = ("nik", "name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "village", "subdistrict", "enrolled_on",
          "mother_name", "family_card", "marital_status", "ktp_status")
REQUIRED = 11


class Profile(NamedTuple):
    name: str
    columns: tuple  # a column name for each of FIELDS, in its order


# The column profiles a header may follow: names case-insensitive, any order, other columns ignored. One line
# each; an office whose export names its columns otherwise is one more line here.
PROFILES = (
    Profile(gettext_lazy("this application's own"), (
        "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kelurahan", "kecamatan",
        "tanggal_rekam", "nama_ibu", "no_kk", "status_kawin", "status_ktp_el")),
    Profile("SIAK", (
        "NIK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "ALAMAT", "NO_RT", "NO_RW", "NAMA_KEL", "NAMA_KEC",
        "EKTP_CREATED_DATE", "NAMA_LGKP_IBU", "NO_KK", "STAT_KWN", "EKTP_CURRENT_STATUS_CODE")),
)
# The project's own names, as the messages about a row call the columns.
_NAMES = PROFILES[0].columns
# Field -> longest value the database keeps.
MAX_LENGTH = {"name": 200, "birth_place": 100, "address": 300, "rt": 3, "rw": 3, "village": 100, "subdistrict": 100,
              "mother_name": 200}
SEXES = {"L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "1": "L", "P": "P", "PEREMPUAN": "P", "2": "P"}
# SIAK's STAT_KWN: its code is what the record keeps.
MARITAL_STATUSES = {"1": "1", "BELUM KAWIN": "1", "2": "2", "KAWIN": "2", "3": "3", "CERAI HIDUP": "3", "4": "4", "CERAI MATI": "4"}


class Outcome:
    """What a KTP-el status does to a row (the import's result counts each)."""

    PRINT_READY = "print_ready"  # imported, waits for a blank
    AT_CENTRE = "at_centre"  # imported at the centre: never queued until a later export says print-ready
    FAILED = "failed"  # imported as failed: never queued, the resident is called back to record again
    FLAGGED = "flagged"  # imported on hold in a duplicate case flagged by the centre
    CARDED = "carded"  # the card exists: a new record is not imported; one already held leaves the backlog


class KtpStatus(NamedTuple):
    outcome: str
    short: tuple = ()  # other spellings read as this status


# SIAK's KTP-el statuses (EKTP_CURRENT_STATUS_CODE), read case-insensitively with "_" as a space.
KTP_EL_STATUSES = {
    "SENT FOR ENROLLMENT": KtpStatus(Outcome.AT_CENTRE),
    "ENROLL FAILURE AT REGION": KtpStatus(Outcome.FAILED),
    "ENROLL FAILURE AT CENTRAL": KtpStatus(Outcome.FAILED),
    "SEARCH FAILURE AT CENTRAL": KtpStatus(Outcome.FAILED),
    "BAD RECORD": KtpStatus(Outcome.FAILED),
    "DUPLICATE RECORD": KtpStatus(Outcome.FLAGGED),
    "ADJUDICATE RECORD": KtpStatus(Outcome.FLAGGED),
    "PRINT READY RECORD": KtpStatus(Outcome.PRINT_READY, short=("PRR",)),
    "SENT FOR CARD PRINTING": KtpStatus(Outcome.PRINT_READY),
    "CARD PRINTED": KtpStatus(Outcome.CARDED),
    "CARD SHIPPED": KtpStatus(Outcome.CARDED),
    "CARD ISSUED": KtpStatus(Outcome.CARDED),
}
# Status -> its outcome; a blank status (a file without the column) is print-ready, today's contract.
OUTCOME_OF = {"": Outcome.PRINT_READY, **{status: known.outcome for status, known in KTP_EL_STATUSES.items()}}
_KTP_EL_NAMES = {name: status for status, known in KTP_EL_STATUSES.items() for name in (status, *known.short)}
# A NIK or family-card number as Excel shows a number: 5,37103E+15, 5.37103E+15, 5371030101900001.0.
_NUMBER_LIKE = re.compile(r"^[0-9]+(?:[.,][0-9]*)?(?:[eE][+-]?[0-9]+)?$")
REJECTED_HEADER = ("baris", "alasan")
# The longest line read. A SIAK row is well under 1 KB; this leaves room for many extra columns. A longer
# line is skipped unread and rejected: read whole, a 200 MB line of commas became gigabytes of fields.
MAX_LINE = 65_536
# A quoted field may span lines: it is bounded too (longer, the file is unusable). The limit is the process's.
csv.field_size_limit(MAX_LINE)
# Control characters other than the tab: NUL, line breaks inside a quoted field, escape codes, C1 codes.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# How a cell of each field is read from a workbook (see _from_cell).
_CELL_KINDS = ("digits", "text", "text", "date", "text", "text", "padded", "padded", "text", "text", "date",
               "text", "digits", "text", "text")


class UnusableFile(Exception):
    """The file as a whole cannot be read: nothing of it may be imported."""


class RejectedRow(ValueError):
    pass


class Rejected(NamedTuple):
    """A row that is not imported: its line in the file (its row on its sheet), why, and its fields as they were."""

    line: int
    reason: str
    fields: list[str]
    sheet: str = ""


# A valid row is a plain tuple of text in this order, dates as YYYY-MM-DD: what the loader copies. The last is
# worked out from the others: the day the card may first be printed (registry.ages, the age rule).
VALID_FIELDS = (*FIELDS, "printable_on")
# An absent optional column's value: blank, and for the status None (no status: print-ready, today's contract).
_ABSENT = ("", "", "", None)
# (value index, longest value), in column order: the first value too long is the one reported.
_LIMITS = tuple(sorted((FIELDS.index(field), limit) for field, limit in MAX_LENGTH.items()))

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


def match_profile(header) -> list:
    """For each of FIELDS, its column's index in the header (None: an optional column absent), by the profile it fits.

    A header that fits none is an unusable file: the sentence names what the
    closest profile misses.
    """
    names = [name.strip().lower() for name in header]
    closest = None
    for profile in PROFILES:
        wanted = [column.lower() for column in profile.columns]
        missing = [column for column, name in zip(profile.columns[:REQUIRED], wanted) if name not in names]
        if not missing:
            return [names.index(name) if name in names else None for name in wanted]
        if closest is None or len(missing) < len(closest[1]):
            closest = profile, missing
    profile, missing = closest
    raise UnusableFile(
        _("the header fits no column profile of a SIAK enrollment export; the closest, %(profile)s, misses the column(s) %(columns)s")
        % {"profile": profile.name, "columns": ", ".join(missing)})


def _spread(index):
    """(the column indexes to pick, the function that puts picked values and _ABSENT ones in FIELDS' order, or None)."""
    present = [i for i in index if i is not None]
    if len(present) == len(FIELDS):
        return present, None
    order, seen = [], 0
    for field, i in enumerate(index):
        if i is None:
            order.append(len(present) + field - REQUIRED)
        else:
            order.append(seen)
            seen += 1
    return present, operator.itemgetter(*order)


class EnrollmentFile:
    """Iterate over a SIAK export, CSV or .xlsx: `rows()` yields a tuple of VALID_FIELDS or a Rejected row.

    `kind` ("csv" or "xlsx") is told from the content; `header` is the header
    of the rows being read (a workbook's sheets may each have their own).
    `today` is the importing office's day: no enrollment date may come after it.
    """

    def __init__(self, path, *, today):
        self.path = path
        self.today = today
        self.header: list[str] = []
        with open(path, "rb") as raw:
            self._magic = raw.read(8)
        self.kind = "xlsx" if self._magic.startswith(_ZIP) and is_xlsx(path) else "csv"

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
        if self.kind == "xlsx":
            try:
                yield from self._workbook_rows()
            except WorkbookError as exc:
                raise UnusableFile(str(exc)) from None
            return
        if self._magic.startswith(_OLE2):
            raise UnusableFile(_("the file is an old Excel workbook (.xls) or a password-protected one; open it in Excel or "
                                 "LibreOffice and save it as an Excel workbook (.xlsx) or as 'CSV UTF-8'"))
        if self._magic.startswith(_ZIP):
            if _is_ods(self.path):
                raise UnusableFile(_("the file is an OpenDocument spreadsheet (.ods), which is not read here; save it from "
                                     "LibreOffice as an Excel workbook (.xlsx) or as 'CSV UTF-8'"))
            raise UnusableFile(_("the file is a ZIP archive, not an Excel workbook (.xlsx) nor a CSV file"))
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
            index = match_profile(header)
            present, spread = _spread(index)
            width = max(present) + 1
            pick = operator.itemgetter(*present)
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
                if careful:
                    values = tuple(strip(unescape_cell(value)) for value in values)  # a rejected-rows file back, fixed
                if spread:
                    values = spread(values + _ABSENT)
                try:
                    yield _check(values, today)
                except (RejectedRow, InvalidNik) as exc:
                    yield Rejected(line, str(exc), fields)

    def _workbook_rows(self):
        """Every sheet whose header fits a profile, in workbook order; rows on a sheet that fits none refuse the file."""
        today = self.today
        book = Workbook(self.path)
        try:
            sheets = []
            for name, part in book.sheets:
                first = next(book.rows(part, limit=1), None)
                if first is None:
                    continue  # an empty sheet
                header_line, cells = first
                header = [_from_cell(cell, "text") for cell in cells]
                try:
                    index = match_profile(header)
                except UnusableFile as exc:
                    raise UnusableFile(_("the sheet '%(sheet)s' holds rows, but %(reason)s") % {"sheet": name, "reason": exc}) from None
                sheets.append((name, part, header_line, header, index))
            if not sheets:
                raise UnusableFile(_("the workbook has no rows"))
            for name, part, header_line, header, index in sheets:
                self.header = header
                read = [(i, _CELL_KINDS[field]) for field, i in enumerate(index) if i is not None]
                spread = _spread(index)[1]
                for line, cells in book.rows(part):
                    if line <= header_line:
                        continue
                    width = len(cells)
                    values = tuple(_from_cell(cells[i], kind) if i < width else "" for i, kind in read)
                    if _CONTROL.search("".join(values)):  # a line break typed with Alt+Enter, as in a CSV
                        fields = [_from_cell(cell, "text") for cell in cells]
                        yield Rejected(line, _control_reason(fields, header), fields, name)
                        continue
                    if spread:
                        values = spread(values + _ABSENT)
                    try:
                        yield _check(values, today)
                    except (RejectedRow, InvalidNik) as exc:
                        yield Rejected(line, str(exc), [_from_cell(cell, "text") for cell in cells], name)
        finally:
            book.close()


def _is_ods(path) -> bool:
    """An OpenDocument spreadsheet: a ZIP whose first entry, `mimetype`, says so."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.NameToInfo.get("mimetype")
            return info is not None and info.file_size < 100 and archive.read(info).startswith(ODS_MIMETYPE)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _from_cell(value, kind) -> str:
    """A workbook cell as the text a CSV would hold, by the kind of its field (_CELL_KINDS).

    Text loses the apostrophe Excel users type to keep it text; a number in a
    NIK or family-card column keeps its number form, which the checks reject
    (Excel lost its last digit); RT and RW numbers get their leading zeros
    back; a date cell, or a serial number in a date column, is a date.
    """
    if value is None:
        return ""
    kind_of = type(value)
    if kind_of is str:
        value = value.strip()
        return value[1:].strip() if value.startswith("'") else value
    if kind_of is float:
        if kind == "digits":
            return repr(value)
        if kind == "date" and 1 <= value < LAST_SERIAL:
            return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
        if value.is_integer():
            return f"{int(value):03d}" if kind == "padded" and 0 <= value < 1000 else str(int(value))
        return repr(value)
    if kind_of is date:
        return value.isoformat()
    return "TRUE" if value else "FALSE"


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
    (nik, name, birth_place, birth_text, sex_text, address, rt, rw, village, subdistrict, enrolled_text,
     mother_name, family_card, marital_text, status_text) = values
    status = _ktp_status(status_text)
    if _NUMBER_LIKE.match(nik) and not nik.isdigit():
        raise RejectedRow(_excel_number("NIK", nik))
    number = check_nik(nik)
    if not name:
        raise RejectedRow(_("name (nama) is empty"))
    for i, limit in _LIMITS:
        if len(values[i]) > limit:
            raise RejectedRow(_("%(column)s is longer than %(limit)d characters") % {"column": _NAMES[i], "limit": limit})
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
    if family_card and not (len(family_card) == 16 and family_card.isdigit()):
        if not family_card.isdigit() and _NUMBER_LIKE.match(family_card):
            raise RejectedRow(_excel_number("NO_KK", family_card))
        raise RejectedRow(_("family card number (no_kk) '%(value)s' must be 16 digits") % {"value": family_card})
    marital = MARITAL_STATUSES.get(" ".join(marital_text.upper().split())) if marital_text else ""
    if marital is None:
        raise RejectedRow(_("marital status (status_kawin) '%(value)s' must be 1-4, BELUM KAWIN, KAWIN, CERAI HIDUP or CERAI MATI")
                          % {"value": marital_text})
    printable = enrolled_iso if marital in MARRIED else _printable_from(birth_date, enrolled_on, enrolled_iso)
    return (number, name, birth_place, birth_iso, sex, address, rt, rw, village, subdistrict, enrolled_iso, mother_name,
            family_card, marital, status, printable)


def _printable_from(birth_date, enrolled_on, enrolled_iso) -> str:
    """The unmarried's printable day (registry.ages) as text: the recording date itself for nearly every row."""
    if birth_date.year + PRINTING_AGE + 1 < enrolled_on.year:
        return enrolled_iso
    return printable_on(birth_date=birth_date, enrolled_on=enrolled_on, marital_status="").isoformat()


def _ktp_status(text) -> str:
    """The SIAK status a row may be imported with; None (no status column) is print-ready, today's contract."""
    if text is None:
        return ""
    status = _KTP_EL_NAMES.get(" ".join(text.upper().replace("_", " ").split()))
    if status is None:
        if not text:
            raise RejectedRow(_("the KTP-el status (status_ktp_el) is empty"))
        raise RejectedRow(_("the KTP-el status (status_ktp_el) '%(value)s' is not a SIAK status") % {"value": text})
    return status


def _excel_number(column, value) -> str:
    return _("%(column)s %(value)s is stored as a number: Excel keeps only 15 digits, so the last digit is lost. Export "
             "the column from SIAK again as text, or in Excel format the column as Text before typing or pasting the "
             "numbers (Format Cells > Text), and save it as .xlsx or 'CSV UTF-8'") % {"column": column, "value": value}


class RejectedFile:
    """FILE.rejected.csv, written as rows are rejected: line, reason, then the row as it was.

    `;`-separated with a BOM, so that Excel in an Indonesian locale opens it as
    columns. It is written beside the file under a temporary name and put in
    place by `close(keep=True)`; a file with no rejected rows leaves no report
    behind (an old report from an earlier run is removed, it no longer applies).
    """

    suffix = "csv"

    def __init__(self, path):
        self.path = f"{path}.rejected.{self.suffix}"
        self._tmp = f"{self.path}.part"
        self._out = None
        self.count = 0

    def add(self, header, line, reason, fields, sheet=""):
        if self._out is None:
            self._out = open(self._tmp, "w", newline="", encoding="utf-8-sig")
            self._writer = csv.writer(self._out, delimiter=";")
            self._writer.writerow([*REJECTED_HEADER, *map(escape_cell, header)])
        self._writer.writerow([line, escape_cell(reason), *map(escape_cell, fields)])
        self.count += 1

    def _finish(self):
        self._out.close()

    def close(self, keep):
        if self._out is not None:
            self._finish()
        if keep and self.count:
            os.replace(self._tmp, self.path)
            return
        for leftover in (self._tmp, self.path) if keep else (self._tmp,):
            if os.path.exists(leftover):
                os.remove(leftover)


class RejectedWorkbook(RejectedFile):
    """FILE.rejected.xlsx for a workbook: a sheet for each sheet that had rejected rows, every cell text (NIK and NO_KK too).

    Written in openpyxl's write-only mode, so memory stays small whatever the count.
    """

    suffix = "xlsx"

    def add(self, header, line, reason, fields, sheet=""):
        if self._out is None:
            from openpyxl import Workbook as WorkbookWriter  # only when a workbook has rejected rows: openpyxl is slow to import

            self._out = WorkbookWriter(write_only=True)
            self._sheets = {}
        target = self._sheets.get(sheet)
        if target is None:
            target = self._sheets[sheet] = self._out.create_sheet(sheet[:31] or "Sheet1")
            target.append(text_cells(target, [*REJECTED_HEADER, *header]))
        target.append([line, *text_cells(target, [reason, *fields])])
        self.count += 1

    def _finish(self):
        self._out.save(self._tmp)


def rejected_report(source: EnrollmentFile) -> RejectedFile:
    """The rejected-rows report of a file: a workbook's is a workbook, a CSV's a CSV."""
    return RejectedWorkbook(source.path) if source.kind == "xlsx" else RejectedFile(source.path)


class RejectedLine(NamedTuple):
    """A row of a rejected-rows report, as the upload's page lists it."""

    sheet: str  # the workbook's sheet, "" for a CSV
    line: str
    reason: str
    nik: str
    name: str


class RejectedRows:
    """A rejected-rows report read back a page at a time: `len` is what the import counted, a slice reads only up to its end.

    What `RejectedFile` or `RejectedWorkbook` wrote, in that order; the row's NIK and name are found by the
    header's column names (PROFILES), so a report of either kind of export reads alike.
    """

    def __init__(self, path: str, total: int, storage=None):
        """`path` on this machine's disk or, with `storage`, a name in that storage (a bucket every machine reaches)."""
        self.path, self.total, self.storage = path, total, storage

    def __len__(self):
        return self.total

    def __getitem__(self, wanted):
        if not isinstance(wanted, slice):
            raise TypeError("a report is read a slice at a time")
        start, stop = wanted.start or 0, wanted.stop if wanted.stop is not None else self.total
        return list(itertools.islice(self._lines(), start, stop))

    def _open(self):
        if self.storage is None:
            return open(self.path, "rb") if os.path.exists(self.path) else None
        return self.storage.open(self.path, "rb") if self.storage.exists(self.path) else None

    def _lines(self):
        raw = self._open() if self.path else None
        if raw is None:
            return
        with raw:
            if self.path.endswith(".xlsx"):
                yield from self._workbook_lines(raw)
                return
            report = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            rows = csv.reader(report, delimiter=";")
            header = next(rows, None)
            if header is not None:
                read = _reader_of(header)
                yield from (read("", row) for row in rows)

    def _workbook_lines(self, raw):
        from openpyxl import load_workbook  # only when a page lists a workbook's report: openpyxl is slow to import

        book = load_workbook(raw, read_only=True)
        try:
            for sheet in book.worksheets:
                rows = sheet.iter_rows(values_only=True)
                header = next(rows, None)
                if header is None:
                    continue
                read = _reader_of(["" if value is None else str(value) for value in header])
                for row in rows:
                    yield read(sheet.title, ["" if value is None else str(value) for value in row])
        finally:
            book.close()


def _reader_of(header):
    """A function making a RejectedLine of a report's row, its NIK and name columns found in `header`."""
    names = {unescape_cell(name).strip().casefold(): index for index, name in enumerate(header)}

    def column(field):
        return next((names[p.columns[field].casefold()] for p in PROFILES if p.columns[field].casefold() in names), None)

    nik, name = column(FIELDS.index("nik")), column(FIELDS.index("name"))

    def read(sheet, row):
        def value(index):
            return unescape_cell(row[index]) if index is not None and index < len(row) and row[index] else ""
        return RejectedLine(sheet=sheet, line=value(0), reason=value(1), nik=value(nik), name=value(name))

    return read


class ColumnList(NamedTuple):
    """A column profile as the upload page names it: the columns a header must have, and those read when present."""

    name: str
    required: tuple
    optional: tuple


def column_lists() -> list[ColumnList]:
    return [ColumnList(profile.name, profile.columns[:REQUIRED], profile.columns[REQUIRED:]) for profile in PROFILES]
