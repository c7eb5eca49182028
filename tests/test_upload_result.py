"""The upload's result page: every rejected row with its line and reason, the columns read, the held duplicates, the queue build."""
import re
from datetime import date

import pytest
from django.urls import reverse

from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from people.roles import Role
from registry.importer import PROFILES, REQUIRED
from registry.models import EnrollmentImport, EnrollmentUpload
from tests import factories as f
from tests.pages import page as html, upload, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(kupang, client):
    user = f.user(kupang, Role.CLERK)
    client.force_login(user)
    return user


def result(client, response):
    return html(client.get(response.url))


def test_the_result_lists_each_rejected_row_with_its_line_nik_name_and_reason_fifty_a_page(client, clerk, tmp_path,
                                                                                          django_capture_on_commit_callbacks):
    rows = [f.row("2018-02-01")] + [f.row("2018-02-02", name=f"Ditolak {n:03d}", jenis_kelamin="X") for n in range(160)]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tmp_path, rows)
    first = result(client, response)
    listed = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>(\d{16})</td><td[^>]*>(Ditolak \d+)</td><td[^>]*>([^<]+)</td></tr>", first)
    assert len(listed) == 50
    assert listed[0][0] == "3" and listed[0][2] == "Ditolak 000" and "L atau P" in listed[0][3]
    assert "Halaman 1 dari 4 (160 baris)" in first
    assert "Unduh baris yang ditolak beserta alasannya" in first
    last = html(client.get(response.url, {"page": 4}))
    rest = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>\d{16}</td><td[^>]*>(Ditolak \d+)</td>", last)
    assert [name for _line, name in rest] == [f"Ditolak {n}" for n in range(150, 160)] and rest[-1][0] == "162"
    assert "Halaman 4 dari 4 (160 baris)" in last
    assert "Halaman 4 dari 4" in html(client.get(response.url, {"page": 99}))


def test_a_workbooks_rejected_rows_are_listed_with_their_sheet(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    path = f.workbook(tmp_path / "siak.xlsx", {"Kecamatan Oebobo": f.siak_sheet([f.siak_row("2018-02-01"),
                                                                                   f.siak_row("2018-02-02", jenis_kelamin="X")])})
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(client, path)
    page = result(client, response)
    assert re.search(r"<tr><td[^>]*>Kecamatan Oebobo</td><td[^>]*>3</td><td[^>]*>\d{16}</td><td[^>]*>Yohanes Ndoen</td><td[^>]*>[^<]*L atau P", page)


def test_the_upload_page_names_every_column_of_every_profile_from_the_importer(client, clerk):
    page = html(client.get(reverse("enrollment_upload")))
    for profile in PROFILES:
        assert ", ".join(profile.columns[:REQUIRED]) in page
        assert ", ".join(profile.columns[REQUIRED:]) in page
    assert "nama_ibu" in page and "NAMA_LGKP_IBU" in page


def test_an_unusable_file_is_answered_with_the_columns_a_header_needs(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "lain.csv"
    path.write_text("nomor,nama\n1,Yohanes\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(client, path)
    page = result(client, response)
    assert "Tidak ada yang diimpor" in page and "tanggal_rekam" in page and "nama_ibu" in page


def test_the_held_duplicates_link_to_the_desk_showing_that_imports_cases(client, clerk, kupang, tmp_path,
                                                                         django_capture_on_commit_callbacks):
    earlier, other = f.nik(), f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2016, 4, 1)], number=other, name="Kasus Lain")
    f.enrollments(kupang, clerk, tmp_path, [date(2016, 9, 1)], number=other, name="Kasus Lain")
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 3, 1)], number=earlier, name="Agustina Fanggidae", sex="L")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tmp_path, [f.row("2018-04-02", number=earlier, name="Agustina Fanggidae Riwu"),
                                             f.row("2018-04-03")])
    page = result(client, response)
    run = EnrollmentUpload.objects.get().run
    link = f'{reverse("duplicates")}?impor={run.pk}'
    assert f'<a href="{link}">1 · buka di meja data ganda</a>' in page
    desk = html(client.get(link))
    assert earlier in desk and "Agustina Fanggidae Riwu" in desk
    assert other not in desk and "Kasus Lain" not in desk
    assert "siak.csv" in desk and "Semua kasus terbuka" in desk


def test_the_result_says_how_many_cards_the_queue_build_after_the_import_queued(client, clerk, kupang, tmp_path,
                                                                                 django_capture_on_commit_callbacks):
    receive_blanks(office=kupang, quantity=2, reference="470/12/2018", by=f.person(kupang, Role.STOCK_KEEPER))
    rows = [f.row(date(2018, 3, day)) for day in (1, 2, 3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tmp_path, rows)
    run = EnrollmentImport.objects.get()
    assert (run.queue_available, run.queue_queued) == (2, 2) and run.queue_built_at is not None
    assert re.search(r"Dibangun pada [^<]*?: 2 kartu masuk antrean cetak\.", result(client, response))


def test_with_no_blank_free_the_result_says_nothing_was_queued_and_why(client, clerk, kupang, tmp_path,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tmp_path, [f.row("2018-03-01")])
    assert "tidak ada blanko yang bebas, tidak ada kartu masuk antrean" in result(client, response)


def test_a_build_not_run_yet_is_said_and_the_next_build_of_the_office_records_it(client, clerk, kupang, tmp_path,
                                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = upload(client, tmp_path, [f.row("2018-03-01")])
    from backlog.imports import run_upload

    run_upload(upload=EnrollmentUpload.objects.get())  # the import ran; the build it asked for did not (the broker was away)
    assert "Diminta setelah impor; belum dibangun." in result(client, response)
    assert client.get(response.url, {"format": "json"}).json()["queue_pending"] is True  # the page polls until it is built
    receive_blanks(office=kupang, quantity=5, reference="470/12/2018", by=f.person(kupang, Role.STOCK_KEEPER))
    build = build_print_queue(office=kupang, by=clerk)
    assert build.queued == 1
    assert re.search(r"Dibangun pada [^<]*?: 1 kartu masuk antrean cetak\.", result(client, response))
    assert client.get(response.url, {"format": "json"}).json()["queue_pending"] is False
    build_print_queue(office=kupang, by=clerk)
    assert EnrollmentImport.objects.get().queue_queued == 1  # a later build does not speak for it again


def test_a_file_with_no_new_record_asks_for_no_build_and_says_so(client, clerk, kupang, tmp_path, django_capture_on_commit_callbacks):
    rows = [f.row("2018-03-01")]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, tmp_path, rows)
        again = upload(client, tmp_path, rows, name="lagi.csv")
    assert "Tidak ada data rekaman baru: tidak ada yang masuk antrean." in result(client, again)
