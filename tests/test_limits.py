"""Hostile and careless files: an upload too big, a line of 30 MB, NUL bytes and control characters."""
import os
import subprocess
import sys
from datetime import date

import pytest
from django.urls import reverse

from registry.models import Enrollment, EnrollmentUpload
from tests import factories as f
from tests.conftest import ROOT, database_url
from tests.test_import import import_file, rejected_rows

pytestmark = pytest.mark.django_db
MEGABYTE = 1024 * 1024
PEAK_MEMORY_BOUND = 200 * MEGABYTE  # a command importing a two-row file peaks at 55-80 MB


def siak_text(*rows) -> str:
    """A SIAK export's text, one row per date (distinct residents)."""
    lines = [",".join(f.HEADER)]
    for row in rows:
        lines.append(",".join(row[column] for column in f.HEADER))
    return "\n".join(lines) + "\n"


def good(day=1, **extra):
    return f.row(date(2018, 2, day), **extra)


def test_an_upload_above_the_limit_is_refused_with_a_sentence_and_kept_nowhere(client, clerk, tmp_path, settings):
    settings.UPLOAD_MAX_MEGABYTES = 1
    path = tmp_path / "besar.csv"
    path.write_text(siak_text(good()) + "x" * (MEGABYTE + MEGABYTE // 2))
    client.force_login(clerk)
    with open(path, "rb") as handle:
        page = client.post(reverse("enrollment_upload"), {"file": handle})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ukuran berkas 1,5\xa0MB; berkas terbesar yang diterima 1 MB." in text
    assert not EnrollmentUpload.objects.exists()


def test_an_upload_at_the_limit_is_accepted(client, clerk, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.UPLOAD_MAX_MEGABYTES = 1
    path = tmp_path / "pas.csv"
    path.write_text(siak_text(good()))
    with open(path, "ab") as out:
        out.truncate(MEGABYTE - 1)  # padded with NULs after the row: one rejected row, the file is taken
        out.write(b"\n")
    assert os.path.getsize(path) == MEGABYTE
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        response = client.post(reverse("enrollment_upload"), {"file": handle})
    assert response.status_code == 302
    upload = EnrollmentUpload.objects.get()
    assert (upload.status, upload.imported, upload.rejected) == (EnrollmentUpload.Status.DONE, 1, 1)


def test_the_default_limit_takes_a_five_million_row_export_and_uploads_stream_to_disk(settings, tmp_path):
    from registry.demo import write_demo_csv

    path = write_demo_csv(tmp_path / "demo.csv", "5371", 2000)
    per_row = os.path.getsize(path) / 2000
    assert 5_000_000 * per_row < settings.UPLOAD_MAX_MEGABYTES * MEGABYTE
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * MEGABYTE
    assert "django.core.files.uploadhandler.TemporaryFileUploadHandler" in settings.FILE_UPLOAD_HANDLERS


def test_a_nul_byte_in_a_row_is_a_rejected_row_with_a_reason(office_5371, tmp_path):
    path = tmp_path / "siak.csv"
    path.write_text(siak_text(good(1), good(2, name="Budi\x00Santoso"), good(3, alamat="Jl.\x07Timor")))
    code, out, err = import_file(path)
    assert code == 1, err
    assert Enrollment.objects.count() == 1
    reasons = {row["baris"]: row["alasan"] for row in rejected_rows(path)}
    assert reasons == {
        "3": "nama berisi karakter kendali (kode 0); hanya teks dan tab yang diperbolehkan",
        "4": "alamat berisi karakter kendali (kode 7); hanya teks dan tab yang diperbolehkan",
    }


def test_a_line_break_inside_a_quoted_field_is_a_rejected_row(office_5371, tmp_path):
    path = tmp_path / "siak.csv"
    path.write_text(siak_text(good(1), good(2, alamat='"Jl. Timor\nRaya"'), good(3)))
    code, out, err = import_file(path)
    assert code == 1, err
    assert Enrollment.objects.count() == 2
    assert [(row["baris"], row["alasan"][:6]) for row in rejected_rows(path)] == [("4", "alamat")]


@pytest.mark.parametrize("header, message", [
    ("nik,nama\x00,tempat_lahir", "biner"),
    ("nik,nama\x1b[31m,tempat_lahir", "karakter kendali"),
])
def test_a_control_character_in_the_header_makes_the_file_unusable(office_5371, tmp_path, header, message):
    path = tmp_path / "siak.csv"
    path.write_text(siak_text(good()).replace("nik,nama,tempat_lahir", header, 1))
    code, out, err = import_file(path)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not Enrollment.objects.exists()


def test_a_nul_byte_upload_finishes_with_the_row_rejected(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    """It used to leave the upload 'running' forever."""
    path = tmp_path / "siak.csv"
    path.write_text(siak_text(good(1), good(2, name="A\x00B")))
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        client.post(reverse("enrollment_upload"), {"file": handle})
    upload = EnrollmentUpload.objects.get()
    assert (upload.status, upload.imported, upload.rejected) == (EnrollmentUpload.Status.DONE, 1, 1)


# Run by a small process of its own: a child's peak memory starts at its parent's (Linux counts the pages a
# forked child shares until it execs), and pytest's own is far above what is measured here.
MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss * 1024)  # Linux reports kilobytes
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(*args):
    """A command in a child process: (exit code, stderr, the command's peak resident memory in bytes)."""
    env = {**os.environ, "DATABASE_URL": database_url()}
    done = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stderr, int(done.stdout)


def import_measured(tmp_path, hostile):
    """Import a good row, then `hostile` text, then another good row, in a child process: (code, stderr, peak, path)."""
    f.office("5371")
    path = tmp_path / "siak.csv"
    with open(path, "w") as out:
        out.write(siak_text(good(1)))
        out.write(hostile)
        out.write(siak_text(good(2)).split("\n", 1)[1])
    return (*run_measured("import_enrollments", str(path), "--office", "5371"), path)


@pytest.mark.django_db(transaction=True)
def test_a_30_mb_line_is_a_rejected_row_and_the_import_stays_small(tmp_path):
    """One line of 30 MB of short fields took the worker to gigabytes when read whole."""
    code, err, peak, path = import_measured(tmp_path, "ab," * (10 * MEGABYTE) + "\n")
    assert code == 1, err
    assert peak < PEAK_MEMORY_BOUND, f"{peak / MEGABYTE:.0f} MB"
    assert Enrollment.objects.count() == 2
    assert [(row["baris"], row["alasan"]) for row in rejected_rows(path)] == [("3", "baris lebih panjang dari 65536 karakter; tidak dibaca")]


def test_a_quoted_field_over_65536_characters_on_one_line_is_a_rejected_row(office_5371, tmp_path):
    path = tmp_path / "siak.csv"
    path.write_text(siak_text(good(1)) + '5371011705900003,"' + "x" * 70_000 + '",Kupang\n' + siak_text(good(2)).split("\n", 1)[1])
    code, *_output = import_file(path)
    assert code == 1 and Enrollment.objects.count() == 2
    assert [row["alasan"] for row in rejected_rows(path)] == ["baris lebih panjang dari 65536 karakter; tidak dibaca"]


@pytest.mark.django_db(transaction=True)
def test_a_30_mb_quoted_field_over_many_lines_makes_the_file_unusable_and_stays_small(tmp_path):
    code, err, peak, path = import_measured(tmp_path, '5371011705900001,"' + "nama panjang\n" * (30 * MEGABYTE // 13) + '",x\n')
    assert code == 2, err
    assert peak < PEAK_MEMORY_BOUND, f"{peak / MEGABYTE:.0f} MB"
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not Enrollment.objects.exists()


@pytest.fixture
def office_5371():
    return f.office("5371")
