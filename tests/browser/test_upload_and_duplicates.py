"""In Chromium: the upload's result lists the rejected rows and leads to its held duplicates; the duplicates desk stays short."""
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from backlog.imports import run_upload
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from people.roles import Role
from registry.models import EnrollmentUpload
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def twenty_cases(office, clerk, tmp_path):
    """Twenty residents recorded twice, the second time in Atambua at another address."""
    rows = []
    for n in range(20):
        resident = f.nik(birth=date(1980 + n, 3, 12))
        rows.append(f.row("2017-04-03", name=f"Penduduk Ganda {n:02d}", number=resident, birth=date(1980 + n, 3, 12)))
        rows.append(f.row("2018-02-14", name=f"Penduduk Ganda {n:02d}", number=resident, birth=date(1980 + n, 3, 12),
                          tempat_lahir="Atambua", alamat="Jl. Sudirman 4"))
    f.import_enrollments(office=office, path=f.siak_file(tmp_path / "ganda.csv", rows), by=clerk)


def test_twenty_cases_fit_in_a_short_page_and_a_case_marks_what_differs(live_server, page, screenshot, tmp_path):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.ganda")
    twenty_cases(office, clerk, tmp_path)
    log_in(page, live_server.url, clerk.username)
    page.get_by_role("link", name="Data ganda").click()
    expect(page.locator("tr.case")).to_have_count(20)
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot("duplicates-twenty")
    assert height < 1800, height  # twenty tall cards made 5,053 px
    expect(page.locator("tr.case").first).to_contain_text("Tempat lahir, Alamat")

    page.get_by_label("NIK atau nama").fill("ganda 07")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("tr.case")).to_have_count(1)
    page.locator("tr.case").get_by_role("link", name="Selesaikan").click()
    differs = page.locator("#compare tr.differs")
    expect(differs).to_have_count(2)
    expect(differs.nth(0).get_by_role("rowheader")).to_have_text("Tempat lahir berbeda")
    expect(differs.nth(0)).to_contain_text("Atambua")
    screenshot("duplicate-case")


def test_the_upload_result_lists_the_rejected_rows_and_leads_to_the_held_duplicates(live_server, page, screenshot, tmp_path):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.unggah")
    receive_blanks(office=office, quantity=3, reference="470/125/Dukcapil", by=f.person(office, Role.STOCK_KEEPER))
    twice = f.nik(birth=date(1988, 3, 12))
    f.import_enrollments(office=office, by=clerk, path=f.siak_file(tmp_path / "maret.csv", [
        f.row("2017-04-03", name="Yohanes Ndoen", number=twice, birth=date(1988, 3, 12))]))
    rows = [
        f.row("2018-02-14", name="Yohanes Ndoen", number=twice, birth=date(1988, 3, 12), tempat_lahir="Atambua"),
        f.row("2017-05-02", name="Maria Bria", sex="P", birth=date(1991, 7, 30)),
        f.row("2017-05-03", name="Petrus Lake", jenis_kelamin="X"),
        f.row("2017-05-04", name="Agustina Fanggidae", sex="P", birth=date(1993, 1, 9)),
        f.row("2017-05-05", name="Marthen Tefa", tanggal_lahir="31-02-1990"),
        f.row("2017-05-06", name="Yakobus Riwu", birth=date(1985, 11, 2)),
    ]
    export = f.siak_file(tmp_path / "siak-april.csv", rows, header=f.HEADER_WITH_MOTHER)
    log_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/perekaman/unggah/")
    expect(page.locator("#columns")).to_contain_text("nama_ibu, no_kk, status_kawin, status_ktp_el")
    page.get_by_label("Ekspor SIAK (CSV atau Excel .xlsx)").set_input_files(export)
    page.get_by_role("button", name="Unggah dan impor").click()
    expect(page.locator("#upload")).to_contain_text("Selesai")
    rejected = page.locator("#rejected tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("Petrus Lake")
    expect(page.locator("#queue-build")).to_contain_text("3 kartu masuk antrean cetak")
    page.screenshot(path=str(screenshot("upload-result-full").with_name("upload-result.png")))
    page.locator("#held").get_by_role("link").click()
    expect(page.locator("tr.case")).to_have_count(1)
    expect(page.locator("tr.case")).to_contain_text(twice)
    expect(page.locator("tr.case")).to_contain_text("Tempat lahir")


def test_a_result_waiting_for_its_queue_build_shows_it_once_built(live_server, page, tmp_path, worker_away):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.antre")
    stored = f.siak_file(tmp_path / "mei.csv", [f.row("2018-05-02")])
    with open(stored, "rb") as handle:
        upload = EnrollmentUpload.objects.create(office=office, uploaded_by=clerk, original_name="mei.csv",
                                                 file=SimpleUploadedFile("mei.csv", handle.read()))
    run_upload(upload=upload)  # imported; the build it asked for has not run (as with the broker away)
    log_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/perekaman/unggah/{upload.pk}/")
    expect(page.locator("#queue-build")).to_contain_text("belum dibangun")
    receive_blanks(office=office, quantity=1, reference="470/126/Dukcapil", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=clerk)
    expect(page.locator("#queue-build")).to_contain_text("1 kartu masuk antrean cetak", timeout=10_000)
