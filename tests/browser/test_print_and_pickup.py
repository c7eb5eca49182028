"""A clerk in Chromium: builds the queue, prints cards one by one and by NIK, spoils one, hands a card out; and the desks on a phone."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from inventory.selectors import stock_report
from people.roles import Role
from printing.models import PrintJob
from registry.models import Enrollment
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROTHER = f.nik("5371", date(1992, 7, 8), serial=42)
RESIDENTS = ["Yohanes Ndoen", "Maria Bria", "Petrus Tefa", "Agustina Nalle", "Daniel Ratu", "Ester Kase"]


@pytest.fixture
def office_with_waiting_residents(tmp_path, worker_away):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.uji")
    # The worker is away: the builds the receipt and the import ask for do not run, the clerk builds.
    receive_blanks(office=office, quantity=4, reference="470/125/Dukcapil/2018", by=f.person(office, Role.STOCK_KEEPER))
    rows = [f.row(date(2018, 2, 1) + timedelta(days=i), name=name) for i, name in enumerate(RESIDENTS)]
    import_enrollments(office=office, path=f.siak_file(tmp_path / "siak.csv", rows), by=clerk)
    return office, clerk




def nik_of(name):
    return Enrollment.objects.get(name=name).nik


def test_a_clerk_builds_the_queue_prints_spoils_one_and_hands_a_card_out(live_server, page, screenshot, office_with_waiting_residents):
    office, clerk = office_with_waiting_residents
    log_in(page, live_server.url, clerk.username)
    page.get_by_role("link", name="Meja cetak").click()
    build = page.locator("#build")
    expect(build).to_contain_text("4 blanko tersedia")
    expect(build).to_contain_text("01-02-2018 sampai 04-02-2018")
    build.get_by_role("button", name="Susun antrean sekarang").click()
    expect(page.locator(".messages")).to_contain_text("Kartu masuk antrean cetak: 4.")
    queue = page.locator("#queue tbody tr")
    expect(queue).to_have_count(4)
    expect(queue.first).to_contain_text("Yohanes Ndoen")

    # The first card out of the printer, one click.
    page.get_by_role("button", name=f"Tandai {nik_of('Yohanes Ndoen')} tercetak").click()
    expect(page.locator(".messages")).to_contain_text("Tercetak: Yohanes Ndoen")
    # The next two scanned as a batch.
    batch = page.locator("#batch")
    batch.get_by_label("Daftar NIK").fill(f"{nik_of('Maria Bria')}\n{nik_of('Petrus Tefa')}\n")
    batch.get_by_label("Tercetak").check()
    batch.get_by_role("button", name="Tandai kartu-kartu ini").click()
    expect(page.locator(".messages")).to_contain_text("Ditandai tercetak: 2 kartu")
    # The last one jams: a reason is required.
    page.locator("#queue tbody tr", has_text="Agustina Nalle").get_by_role("link", name="Rusak…").click()
    page.get_by_role("button", name="Catat blanko rusak").click()
    expect(page.locator(".field .errorlist")).to_contain_text("Tuliskan alasan blanko rusak.")
    page.get_by_label("Alasan blanko rusak").fill("kartu macet di printer")
    page.get_by_role("button", name="Catat blanko rusak").click()
    expect(page.locator(".messages")).to_contain_text("Blanko rusak dicatat untuk Agustina Nalle")
    expect(page.locator("#today")).to_contain_text("kartu macet di printer")
    screenshot("print-desk")

    page.get_by_role("link", name="Meja pengambilan").click()
    page.get_by_label("NIK atau nama").fill("maria")
    page.get_by_role("button", name="Cari").click()
    results = page.locator("#find tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name="Serahkan").click()
    # Her brother collects it: no family card came with this import, so his name and NIK are recorded as shown.
    expect(page.get_by_label("Pemilik kartu sendiri")).to_be_checked()
    expect(page.get_by_label("Nama pengambil")).to_be_hidden()  # nothing to type for the holder in person
    page.get_by_label("Anggota keluarga dalam Kartu Keluarga (KK) yang sama").check()
    page.get_by_label("Nama pengambil").fill("Yosef Bria")
    page.get_by_label("NIK pengambil").fill("9999011705900001")
    page.get_by_role("button", name="Catat pengambilan").click()
    expect(page.locator("#id_nik_error")).to_contain_text("bukan kabupaten/kota yang dikenal")
    screenshot("pickup-card-refused")
    page.get_by_label("NIK pengambil").fill(BROTHER)
    page.get_by_role("button", name="Catat pengambilan").click()
    expect(page.locator(".messages")).to_contain_text("diserahkan kepada Yosef Bria")
    receipt = page.get_by_role("link", name="Cetak tanda terima")
    expect(receipt).to_be_visible()
    screenshot("pickup-card-collected")
    pdf = page.request.get(live_server.url + receipt.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
    page.get_by_role("link", name="‹ Meja pengambilan").click()
    expect(page.locator("#months")).to_contain_text("Februari 2018")
    screenshot("pickup-desk")

    report = stock_report(office)
    assert (report["printed"], report["spoiled"], report["collected"], report["ready_for_pickup"]) == (3, 1, 1, 2)
    job = PrintJob.objects.get(enrollment__name="Maria Bria", state="printed")
    assert (job.handed_over_by, job.collected_by_name, job.collected_by_nik, job.collected_as) == (clerk, "Yosef Bria", BROTHER, "family")


@pytest.mark.parametrize("path", ["/cetak/", "/pengambilan/", "/pengambilan/siap/"])
def test_the_desks_fit_a_phone_without_scrolling_sideways(path, live_server, page, screenshot, office_with_waiting_residents):
    office, clerk = office_with_waiting_residents
    from backlog.desks import mark_printed
    from backlog.queue import build_print_queue

    build_print_queue(office=office, by=clerk)
    for job in PrintJob.objects.filter(state="queued")[:2]:
        mark_printed(job=job, by=clerk)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, clerk.username)
    page.goto(live_server.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator(".table-wrap").first
    expect(table).to_be_visible()
    # Wide tables scroll inside their own box, and the box stays within the screen.
    assert table.bounding_box()["width"] <= 390
    if path == "/cetak/":
        expect(page.get_by_role("button", name="Tandai kartu-kartu ini")).to_be_visible()
        # Each queued card's buttons are on the screen, not behind a sideways scroll.
        printed = page.locator("#queue").get_by_role("button", name=re.compile("tercetak$")).first
        box = printed.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        screenshot("print-desk-phone")
    elif path == "/pengambilan/":
        expect(page.get_by_role("button", name="Cari")).to_be_visible()
        screenshot("pickup-desk-phone")
    else:
        expect(page.get_by_role("button", name="Saring")).to_be_visible()
        screenshot("ready-cards-phone")
