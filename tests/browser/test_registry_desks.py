"""A clerk in Chromium: uploads the SIAK export, reads the rejected rows, resolves a duplicate in person, issues a Suket."""
from datetime import date

import pytest
from playwright.sync_api import expect

from people.roles import Role
from registry.models import DuplicateCase, Enrollment
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_uploads_an_export_resolves_a_duplicate_and_issues_a_suket(live_server, page, screenshot, tmp_path):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.uji")
    twice = f.nik(birth=date(1988, 3, 12))
    rows = [
        f.row("2017-04-03", name="Yohanes Ndoen", number=twice, birth=date(1988, 3, 12)),
        f.row("2018-02-14", name="Yohanes Ndoen Tefa", number=twice, birth=date(1988, 3, 12)),
        f.row("2017-05-02", name="Maria Bria", sex="P", birth=date(1991, 7, 30)),
        f.row("2017-05-03", name="Petrus Lake", jenis_kelamin="X"),
    ]
    export = f.siak_file(tmp_path / "siak-april.csv", rows)

    log_in(page, live_server.url, clerk.username)
    page.get_by_role("link", name="Perekaman").click()
    page.get_by_role("link", name="Unggah ekspor SIAK").click()
    page.get_by_label("Ekspor SIAK (CSV atau Excel .xlsx)").set_input_files(export)
    page.get_by_role("button", name="Unggah dan impor").click()
    result = page.locator("#upload")
    expect(result).to_contain_text("Selesai")
    expect(result).to_contain_text("Diimpor")
    expect(result.get_by_role("link", name="Unduh baris yang ditolak beserta alasannya")).to_be_visible()
    screenshot("upload")
    with page.expect_download() as download:
        result.get_by_role("link", name="Unduh baris yang ditolak beserta alasannya").click()
    report = open(download.value.path(), encoding="utf-8-sig").read()
    assert report.splitlines()[1].startswith("5;") and "L atau P" in report

    page.get_by_role("link", name="Perekaman").click()
    expect(page.locator("table")).to_contain_text("Maria Bria")
    screenshot("enrollments")

    page.get_by_role("link", name="Data ganda").click()
    expect(page.locator("main")).to_contain_text(twice)
    screenshot("duplicates")
    page.get_by_role("link", name=f"Selesaikan NIK {twice}").click()
    page.get_by_label("Pertahankan data rekaman 14-02-2018 (Yohanes Ndoen Tefa)").check()
    page.get_by_label("Dokumen yang ditunjukkan penduduk (KTP, KK, akta kelahiran)").fill("KK dan akta kelahiran diperiksa")
    page.get_by_role("button", name="Tutup kasus").click()
    expect(page.locator(".messages")).to_contain_text("sejak tanggal rekam paling awal")
    survivor = Enrollment.objects.get(nik=twice, state="recorded")
    assert (survivor.enrolled_on, survivor.name) == (date(2017, 4, 3), "Yohanes Ndoen Tefa")
    assert DuplicateCase.objects.get().status == "resolved"

    page.get_by_role("link", name="Suket").click()
    page.get_by_label("NIK").fill(twice)
    page.get_by_role("button", name="Terbitkan").click()
    expect(page.locator("article.suket")).to_contain_text("Yohanes Ndoen Tefa")
    expect(page.locator("article.suket")).to_contain_text("Berlaku")
    screenshot("suket")
