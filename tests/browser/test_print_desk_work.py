"""A printer operator in Chromium at 1366x768: card after card, the next card's button in view without scrolling; a scanner's
NIK and Enter; the work list on paper without a form."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from people.roles import Role
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Yohanes Ndoen", "Maria Bria", "Petrus Tefa", "Agustina Nalle", "Daniel Ratu", "Ester Kase", "Markus Pah", "Rut Sabu"]


@pytest.fixture
def long_queue(tmp_path, worker_away):
    office = f.office("5371")
    clerk = f.user(office, Role.CLERK, username="petugas.uji")
    rows = [f.row(date(2018, 2, 1) + timedelta(days=i), name=f"{NAMES[i % len(NAMES)]} {i + 1}") for i in range(40)]
    import_enrollments(office=office, path=f.siak_file(tmp_path / "siak.csv", rows), by=clerk)
    receive_blanks(office=office, quantity=40, reference="470/125/Dukcapil/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=clerk)
    return office, clerk


def in_view(page, locator):
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] and box["x"] + box["width"] <= viewport["width"]


def test_card_after_card_the_next_card_s_button_is_in_view_and_takes_the_focus(live_server, page, long_queue):
    office, clerk = long_queue
    jobs = list(queue_in_print_order(office))
    log_in(page, live_server.url, clerk.username)
    page.goto(live_server.url + "/cetak/")
    # The queue comes first: its first card's button is in view as the desk opens.
    assert in_view(page, page.locator(f"#job-{jobs[0].pk} button"))
    # The operator works from the eighth card on, down the screen.
    button = page.locator(f"#job-{jobs[7].pk} button")
    button.scroll_into_view_if_needed()
    for n in range(7, 13):
        button.click()
        page.wait_for_url(f"**/cetak/?at={jobs[n + 1].pk}#job-{jobs[n + 1].pk}")
        expect(page.locator(".messages")).to_contain_text(f"Tercetak: {jobs[n].enrollment.name}")
        button = page.locator(f"#job-{jobs[n + 1].pk} button")
        assert in_view(page, button), n
        assert page.evaluate("document.activeElement.closest('tr') && document.activeElement.closest('tr').id") == f"job-{jobs[n + 1].pk}"
        assert in_view(page, page.locator(".messages"))  # the message stays at the top of the screen
    # Enter on the focused button marks the next card too.
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cetak/?at={jobs[14].pk}#job-{jobs[14].pk}")
    assert PrintJob.objects.filter(office=office, state="printed").count() == 7
    assert in_view(page, page.locator(f"#job-{jobs[14].pk} button"))


def test_a_scanned_nik_and_enter_mark_that_card_and_the_field_is_ready_for_the_next(live_server, page, long_queue):
    office, clerk = long_queue
    jobs = list(queue_in_print_order(office))
    log_in(page, live_server.url, clerk.username)
    page.goto(live_server.url + "/cetak/")
    for job in jobs[:3]:
        field = page.get_by_label("Pindai atau ketik NIK")
        field.fill(job.enrollment.nik)  # a scanner types the digits...
        field.press("Enter")  # ...and presses Enter
        expect(page.locator(".messages")).to_contain_text(f"Tercetak: {job.enrollment.name}")
        assert page.evaluate("document.activeElement.id") == "id_nik"
    assert [PrintJob.objects.get(pk=job.pk).state for job in jobs[:4]] == ["printed", "printed", "printed", "queued"]
    assert in_view(page, page.locator(f"#job-{jobs[3].pk} button"))


def test_the_work_list_on_paper_has_the_cards_and_no_form(live_server, page, screenshot, long_queue):
    office, clerk = long_queue
    log_in(page, live_server.url, clerk.username)
    page.goto(live_server.url + "/cetak/")
    page.get_by_role("link", name="Daftar kerja untuk dicetak").click()
    expect(page.locator(".work-list-table tbody tr")).to_have_count(40)
    expect(page.get_by_role("button", name="Cetak daftar ini")).to_be_visible()
    page.emulate_media(media="print")
    forms = page.locator("form")
    assert forms.count() >= 2  # the header's language switch and log-out
    for n in range(forms.count()):
        assert not forms.nth(n).is_visible()
    for hidden in ("header.bar", "nav.desks", ".no-print"):
        assert not page.locator(hidden).is_visible()
    expect(page.locator(".work-list-table thead")).to_contain_text("No.NIKNamaTanggal rekam")
    expect(page.locator(".work-list-table tbody tr").first).to_contain_text("Yohanes Ndoen 1")
    screenshot("print-work-list")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
