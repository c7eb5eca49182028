"""Small builders for test data: offices, people, SIAK files and enrollments."""
import csv
import itertools
from datetime import date

from django.contrib.auth import get_user_model

from registry.models import Role
from backlog.imports import import_enrollments
from backlog.offices import create_office

HEADER = ["nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kelurahan", "kecamatan", "tanggal_rekam"]
# With SIAK's optional mother's name (nama_ibu), which 'my card' asks for.
HEADER_WITH_MOTHER = [*HEADER, "nama_ibu"]
MOTHER = "Maria Goreti Ndoen"
PASSWORD = "pw-for-tests-1"
_serial = itertools.count(1)


def office(code="5371"):
    return create_office(code=code)


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
            writer.writerow([values.get(column.lower(), "") for column in header])
    return str(path)


def enrollments(office, by, tmp_path, dates, **kwargs):
    """Import one enrollment per date (distinct residents); returns the import result."""
    path = siak_file(tmp_path / f"siak-{next(_serial)}.csv", [row(day, code=office.code, **kwargs) for day in dates])
    return import_enrollments(office=office, path=path, by=by)
