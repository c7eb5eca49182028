"""Small builders for test data: offices, people, SIAK files and enrollments."""
import csv
import itertools
from datetime import date

from django.contrib.auth import get_user_model
from openpyxl import Workbook

from backlog.imports import import_enrollments
from backlog.offices import create_office
from people.roles import Role, system_user

HEADER = ["nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kelurahan", "kecamatan", "tanggal_rekam"]
# With SIAK's optional mother's name (nama_ibu), which 'my card' asks for.
HEADER_WITH_MOTHER = [*HEADER, "nama_ibu"]
# SIAK's own column names for row()'s keys, and a SIAK export's header with its optional columns.
SIAK_NAMES = {"nik": "NIK", "nama": "NAMA_LGKP", "tempat_lahir": "TMPT_LHR", "tanggal_lahir": "TGL_LHR", "jenis_kelamin": "JENIS_KLMIN",
              "alamat": "ALAMAT", "rt": "NO_RT", "rw": "NO_RW", "kelurahan": "NAMA_KEL", "kecamatan": "NAMA_KEC",
              "tanggal_rekam": "EKTP_CREATED_DATE", "nama_ibu": "NAMA_LGKP_IBU", "no_kk": "NO_KK", "status_kawin": "STAT_KWN",
              "status_ktp_el": "EKTP_CURRENT_STATUS_CODE"}
_KEYS = {name: key for key, name in SIAK_NAMES.items()}
SIAK_HEADER = list(SIAK_NAMES.values())
MOTHER = "Maria Goreti Ndoen"
PASSWORD = "pw-for-tests-1"
_serial = itertools.count(1)


def office(code="5371"):
    return create_office(code=code, by=system_user())


def user(office, role=Role.CLERK, username=None):
    username = username or f"{role}.{office.code}.{next(_serial)}"
    return get_user_model().objects.create_user(username=username, password=PASSWORD, office=office, role=role)


def nik(code="5371", birth=date(1990, 5, 17), sex="L", serial=None):
    day = birth.day + (40 if sex == "P" else 0)
    return f"{code}01{day:02d}{birth:%m%y}{(serial or next(_serial)) % 10000:04d}"


def row(enrolled_on, *, code="5371", birth=date(1990, 5, 17), sex="L", name="Yohanes Ndoen", number=None, **extra):
    values = {
        "nik": number or nik(code, birth, sex), "nama": name, "tempat_lahir": "Kupang", "tanggal_lahir": birth.isoformat(),
        "jenis_kelamin": sex, "alamat": "Jl. Timor Raya No. 1", "rt": "001", "rw": "002", "kelurahan": "Oebobo",
        "kecamatan": "Oebobo", "tanggal_rekam": enrolled_on if isinstance(enrolled_on, str) else enrolled_on.isoformat(),
        "nama_ibu": MOTHER,  # written only under HEADER_WITH_MOTHER
    }
    values.update(extra)
    return values


def siak_file(path, rows, *, delimiter=",", header=HEADER, encoding="utf-8"):
    """Write rows (dicts) as a SIAK export; returns the path as a string."""
    with open(path, "w", newline="", encoding=encoding) as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        for values in rows:
            writer.writerow([values.get(_KEYS.get(column.upper(), column.lower()), "") for column in header])
    return str(path)


def siak_row(enrolled_on, **extra):
    """A row as SIAK exports it (row()'s keys): with a family card, a marital status and the KTP-el status."""
    values = row(enrolled_on, **extra)
    values.setdefault("no_kk", "5371012005170007")
    values.setdefault("status_kawin", "BELUM KAWIN")
    values.setdefault("status_ktp_el", "PRINT READY RECORD")
    return values


def workbook(path, sheets):
    """An .xlsx written by openpyxl, as Excel keeps it (shared strings): {sheet name: rows, the header first}."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append(values)
    book.save(path)
    return str(path)


def siak_sheet(rows, header=SIAK_HEADER):
    """A SIAK export's sheet: the header, then each row (row()'s keys) with its dates as date cells."""
    return [header, *([_cell(values.get(_KEYS[column], "")) for column in header] for values in rows)]


def _cell(value):
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)
    return value


def enrollments(office, by, tmp_path, dates, **kwargs):
    """Import one enrollment per date (distinct residents); returns the import result."""
    path = siak_file(tmp_path / f"siak-{next(_serial)}.csv", [row(day, code=office.code, **kwargs) for day in dates])
    return import_enrollments(office=office, path=path, by=by)


def person(office, role):
    """The office's first person of this role (made if there is none): the one who does that role's part of a test's setup."""
    found = get_user_model().objects.filter(office=office, role=role).order_by("pk").first()
    return found or user(office, role)
