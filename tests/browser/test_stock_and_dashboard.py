"""The stock keeper books a receipt in Chromium; the head sees the dashboard change, reads the charts and drafts a request."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from backlog.desks import mark_printed
from backlog.ledger import receive_blanks, record_stock_count
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request, mark_request_sent
from inventory.models import BlankRequest
from people.roles import Role, system_user
from printing.models import PrintJob
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Pixels of the bars: the app's accent colour (#0b6e4f), as Chart.js fills them.
COUNT_BAR_PIXELS = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let bars = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (Math.abs(pixels[i] - 11) < 8 && Math.abs(pixels[i + 1] - 110) < 8 && Math.abs(pixels[i + 2] - 79) < 8 && pixels[i + 3] > 200) bars++;
  }
  return bars;
}"""


@pytest.fixture
def kupang(tmp_path):
    """Kota Kupang in mid-2018: 1,600 blanks, residents waiting since January, some cards printed today."""
    office = f.office("5371")
    keeper = f.user(office, Role.STOCK_KEEPER, username="bendahara.uji")
    head = f.user(office, Role.HEAD, username="kepala.uji")
    clerk = f.user(office, Role.CLERK, username="petugas.uji")
    days = [date(2018, 1, 2) + timedelta(days=3 * n) for n in range(60)]
    f.enrollments(office, clerk, tmp_path, days)
    receive_blanks(office=office, quantity=20, reference="470/88/DKPS/2018", by=keeper, delivery_note="SJ-2018-05")
    build_print_queue(office=office, by=system_user())
    for job in PrintJob.objects.filter(state="queued").order_by("enrollment__enrolled_on")[:8]:
        mark_printed(job=job, by=clerk)
    return office, keeper, head




def log_out(page):
    page.get_by_role("button", name="Keluar").click()


def figure(page, name):
    return page.locator(f'[data-figure="{name}"] span').inner_text()


def test_a_receipt_shows_on_the_dashboard_and_the_head_drafts_a_request_from_its_figure(live_server, page, screenshot, kupang):
    office, keeper, head = kupang
    log_in(page, live_server.url, head.username)
    page.get_by_role("link", name="Dasbor").click()
    assert (figure(page, "on_hand"), figure(page, "available")) == ("12", "0")
    assert figure(page, "backlog") == "40"
    log_out(page)

    log_in(page, live_server.url, keeper.username)
    page.get_by_role("link", name="Stok blanko").click()
    receipt = page.locator("#receipt")
    receipt.get_by_label("Referensi (nomor surat)").fill("470/120/DKPS/2018")
    receipt.get_by_label("Blanko diterima").fill("30")
    receipt.get_by_label("Nomor surat jalan").fill("SJ-2018-07")
    receipt.get_by_label("Dibawa oleh").fill("Sekretaris Dinas dan Bendahara Barang")
    receipt.get_by_role("button", name="Bukukan penerimaan").click()
    expect(page.locator(".messages")).to_contain_text("Penerimaan dibukukan: 30 blanko, surat jalan SJ-2018-07")
    first_row = page.locator("table.ledger tbody tr").first
    expect(first_row).to_contain_text("+30")
    expect(first_row.locator("td.balance")).to_have_text("42")
    screenshot("stock-desk")
    log_out(page)

    log_in(page, live_server.url, head.username)
    page.get_by_role("link", name="Dasbor").click()
    # 30 more blanks: the queue took them at once for the oldest waiting residents.
    assert (figure(page, "on_hand"), figure(page, "reserved"), figure(page, "available")) == ("42", "42", "0")
    assert figure(page, "backlog") == "10"
    assert (figure(page, "reached"), figure(page, "next")) == ("Jan 2018", "Jun 2018")
    page.wait_for_function("document.getElementById('backlog-chart').width > 0")
    assert page.evaluate(COUNT_BAR_PIXELS, "backlog-chart") > 100
    assert page.evaluate(COUNT_BAR_PIXELS, "printed-chart") > 10
    forecast = page.locator("#forecast")
    expect(forecast).to_contain_text("dianggap 100%")
    ask = forecast.locator("tr.result td.num").inner_text()
    assert ask == "10"
    screenshot("dashboard")

    forecast.get_by_role("link", name=f"Buat konsep permintaan {ask} blanko").click()
    expect(page.get_by_label("Blanko yang diminta")).to_have_value(ask)
    expect(page.get_by_label("Catatan (dasar perhitungan)")).to_contain_text("Tunggakan (terekam + ditahan): 10")
    page.get_by_label("Nomor surat").fill("470/121/DKPS/2018")
    page.get_by_role("button", name="Simpan konsep").click()
    expect(page.locator(".messages")).to_contain_text("Konsep permintaan 470/121/DKPS/2018 untuk 10 blanko disimpan")
    page.get_by_role("button", name="Catat terkirim").click()
    expect(page.locator(".messages")).to_contain_text("dicatat terkirim")
    assert BlankRequest.objects.get(reference="470/121/DKPS/2018").status == BlankRequest.Status.SENT
    page.get_by_role("link", name="Permintaan ke Kemendagri").first.click()
    expect(page.locator("table.requests")).to_contain_text("470/121/DKPS/2018")
    screenshot("requests")

    # The dashboard now counts the request as on its way: nothing more to ask for.
    page.get_by_role("link", name="Dasbor").click()
    expect(page.locator("#forecast tr.result td.num")).to_have_text("0")

    # The head on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_function("document.getElementById('backlog-chart').width > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#backlog-chart").bounding_box()["width"] <= 390
    assert page.evaluate(COUNT_BAR_PIXELS, "backlog-chart") > 50
    screenshot("dashboard-phone")


KEY_FIGURES = ("on_hand", "days_left", "reached", "ask")


def test_the_four_figures_the_head_opens_the_dashboard_for_are_in_view_without_scrolling(live_server, page, screenshot, kupang):
    """On hand, days of stock left, how far printing has reached and how many blanks to ask for: above the fold at 1366x768,
    with an open request and a count waiting for the head (the notice line) as on a real morning."""
    office, keeper, head = kupang
    request = draft_blank_request(office=office, quantity=2000, reference="470/5371/DKPS/2018", by=head)
    mark_request_sent(request=request, by=head)
    receive_blanks(office=office, quantity=16, reference=request.reference, by=keeper, request=request, delivery_note="SJ-2018-06")
    record_stock_count(office=office, counted=27, by=keeper, note="Gudang lantai 2, 2 Juli 2018")
    log_in(page, live_server.url, head.username)
    assert page.viewport_size == {"width": 1366, "height": 768}
    assert page.evaluate("window.scrollY") == 0
    for name in KEY_FIGURES:
        box = page.locator(f'[data-figure="{name}"]').bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, (name, box)
    assert page.locator('[data-figure="ask"] span').inner_text() == page.locator("#forecast tr.result td.num").inner_text()
    page.wait_for_function("document.getElementById('backlog-chart').width > 0")
    screenshot("dashboard-key-figures")
