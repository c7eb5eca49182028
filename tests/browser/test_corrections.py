"""A clerk in Chromium marks a card printed by mistake and undoes it from the print desk's work of the day."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from inventory.selectors import stock_report
from people.roles import Role
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_undoes_a_card_marked_printed_by_mistake(live_server, page, screenshot, tmp_path, worker_away):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.koreksi")
    receive_blanks(office=office, quantity=2, reference="470/125/Dukcapil/2018", by=f.person(office, Role.STOCK_KEEPER))
    rows = [f.row(date(2018, 2, 1) + timedelta(days=i), name=name) for i, name in enumerate(["Yohanes Ndoen", "Maria Bria"])]
    import_enrollments(office=office, path=f.siak_file(tmp_path / "siak.csv", rows), by=clerk)
    build_print_queue(office=office, by=clerk)

    log_in(page, live_server.url, clerk.username)
    page.get_by_role("link", name="Meja cetak").click()
    page.locator("#queue tbody tr", has_text="Yohanes Ndoen").get_by_role("button", name="tercetak").click()
    expect(page.locator(".messages")).to_contain_text("Tercetak: Yohanes Ndoen")
    expect(page.locator("#queue tbody tr")).to_have_count(1)

    page.locator("#today tbody tr", has_text="Yohanes Ndoen").get_by_role("link", name="Urungkan tercetak").click()
    expect(page.locator("h1")).to_have_text("Urungkan tercetak")
    page.get_by_role("button", name="Urungkan tercetak").click()
    expect(page.locator(".field .errorlist")).to_contain_text("Sebutkan alasan koreksi ini.")
    page.get_by_label("Alasan (apa yang salah)").fill("Salah klik: kartu masih di printer")
    page.get_by_role("button", name="Urungkan tercetak").click()
    expect(page.locator(".messages")).to_contain_text("Tanda tercetak Yohanes Ndoen diurungkan")
    expect(page.locator("#queue tbody tr").first).to_contain_text("Yohanes Ndoen")
    expect(page.locator("#today")).to_contain_text("Tanda tercetak diurungkan: Salah klik: kartu masih di printer")
    screenshot("print-desk-undo-printed")

    report = stock_report(office)
    assert (report["on_hand"], report["printed"], report["queued"]) == (2, 0, 2)
