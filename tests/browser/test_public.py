"""A resident on a cheap phone (390x844) in Chromium: the ready board, my card, a Suket's QR code; and the
Content-Security-Policy leaves the office pages' language select and charts working."""
import uuid
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from playwright.sync_api import expect

from backlog.desks import mark_printed
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.suket import issue_suket
from people.roles import Role, system_user
from registry.models import Office
from tests import factories as f
from tests.browser.conftest import SCREENSHOTS
from tests.test_public import BIRTH, enroll, job_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def own_cache(settings):
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def phone(browser):
    """A phone-sized page that records every Content-Security-Policy violation Chromium reports."""
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and page.csp_violations.append(message.text))
    yield page
    context.close()


def snap(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.csp_violations == []
    assert page.locator("script").count() == 0  # nothing to download or run on a cheap phone


@pytest.fixture
def kupang(tmp_path):
    """Kupang, July 2018, small: January's cards on the shelf, February's in the queue, April's waiting for blanks."""
    office = f.office("5371")
    Office.objects.filter(pk=office.pk).update(address="Jl. S. K. Lerik, Kelapa Lima, Kota Kupang", opening_hours="Senin–Jumat 08.00–15.00")
    clerk = f.user(office, Role.CLERK)
    records = enroll(office, clerk, tmp_path, [
        ("Yohanes Ndoen", date(2018, 1, 15)), ("Maria Bria", date(2018, 1, 20)), ("Agustinus Tefa", date(2018, 2, 1)),
        ("Yuliana Seran", date(2018, 2, 14)), ("Petrus Nope", date(2018, 4, 9)), ("Dominggus Lay", date(2018, 4, 30)),
    ])
    receive_blanks(office=office, quantity=4, reference="470/88/DKPS/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    for record in records[:2]:
        mark_printed(job=job_of(record), by=clerk)
    return office, clerk, records


def test_a_resident_reads_the_ready_board_of_their_office_on_a_phone(live_server, phone, kupang):
    phone.goto(live_server.url + "/publik/")
    phone.get_by_role("link", name="Kota Kupang").click()
    phone.wait_for_url(live_server.url + "/publik/5371/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kota Kupang: e-KTP yang siap diambil")
    expect(phone.get_by_role("row", name="Januari 2018 2")).to_be_visible()
    expect(phone.get_by_text("Pencetakan sudah sampai pada warga yang melakukan perekaman bulan Februari 2018.")).to_be_visible()
    expect(phone.get_by_text("Berikutnya: warga yang melakukan perekaman bulan April 2018.")).to_be_visible()
    expect(phone.get_by_text("Jam layanan: Senin–Jumat 08.00–15.00").first).to_be_visible()
    fits_the_phone(phone)
    snap(phone, "public-ready")


def test_a_resident_checks_their_card_with_nik_birth_date_and_mothers_name_on_a_phone(live_server, phone, kupang):
    _office, _clerk, records = kupang
    phone.goto(live_server.url + "/publik/5371/")
    phone.get_by_role("link", name="Kartu saya").first.click()
    phone.wait_for_url(live_server.url + "/publik/kartu-saya/")
    phone.get_by_label("NIK").fill(records[5].nik)
    phone.get_by_label("Tanggal lahir").fill(BIRTH.isoformat())
    phone.get_by_label("Nama ibu kandung").fill("Maria Bria")  # a wrong mother's name
    phone.get_by_role("button", name="Periksa kartu saya").click()
    expect(phone.get_by_role("alert")).to_contain_text(
        "Tidak ditemukan kartu untuk data ini. Cocokkan NIK, tanggal lahir, dan nama ibu kandung dengan Kartu Keluarga (KK) Anda, lalu coba lagi.")
    expect(phone.get_by_role("alert").get_by_role("link", name="papan kartu siap diambil")).to_have_attribute("href", "/publik/#siap-diambil")
    # What the resident typed is kept: only the wrong field is typed again.
    expect(phone.get_by_label("NIK")).to_have_value(records[5].nik)
    expect(phone.get_by_label("Tanggal lahir")).to_have_value(BIRTH.isoformat())
    expect(phone.get_by_label("Nama ibu kandung")).to_have_value("Maria Bria")
    phone.get_by_label("Nama ibu kandung").fill("maria goreti ndoen")
    phone.get_by_role("button", name="Periksa kartu saya").click()
    expect(phone.get_by_role("heading", name="Sudah direkam, menunggu dicetak")).to_be_visible()
    expect(phone.get_by_text("Kartu Anda menunggu blanko dari Kementerian Dalam Negeri", exact=False)).to_be_visible()
    assert "Dominggus" not in phone.content()
    fits_the_phone(phone)
    snap(phone, "public-my-card")


def test_the_qr_code_of_a_suket_opens_its_check_on_a_phone(live_server, phone, kupang):
    _office, clerk, records = kupang
    suket = issue_suket(enrollment=records[4], by=clerk)
    # What the QR code encodes, with the test server in place of PUBLIC_BASE_URL.
    phone.goto(live_server.url + reverse("public_suket_check", args=[suket.number]))
    expect(phone.get_by_text("Asli dan berlaku hari ini.")).to_be_visible()
    expect(phone.locator(".holder")).to_have_text("P. N.")
    expect(phone.locator(".nik")).to_have_text(f"{records[4].nik[:6]} ****** **{records[4].nik[-2:]}")
    expect(phone.locator(".birth-year")).to_have_text(str(BIRTH.year))
    expect(phone.get_by_text("Kota Kupang")).to_be_visible()
    assert "Petrus" not in phone.content()
    fits_the_phone(phone)
    snap(phone, "public-suket-check")
    phone.get_by_role("link", name="Periksa Suket").click()
    phone.get_by_label("Nomor Suket").fill("5371-201807-DEADBEEF")
    phone.get_by_role("button", name="Periksa", exact=True).click()
    expect(phone.get_by_text("Tidak ada Suket dengan nomor 5371-201807-DEADBEEF.")).to_be_visible()


def test_a_resident_switches_the_public_pages_to_english_without_javascript(live_server, browser, kupang):
    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/publik/5371/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Printing has reached residents who enrolled in February 2018.")).to_be_visible()
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_text("Pencetakan sudah sampai pada warga yang melakukan perekaman bulan Februari 2018.")).to_be_visible()
    context.close()


def test_under_the_content_security_policy_the_office_language_select_and_charts_still_work(live_server, browser, kupang):
    office, _clerk, _records = kupang
    head = f.user(office, Role.HEAD, username="kepala.csp")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    page = context.new_page()
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.goto(live_server.url + "/masuk/")
    page.get_by_label("Bahasa").select_option("en")  # the select's onchange submits the form
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill(head.username)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/dasbor/")
    page.wait_for_function("document.getElementById('printed-chart').getContext('2d').getImageData(0, 0, 50, 50) !== null")
    drawn = page.evaluate("""() => {
      const c = document.getElementById('backlog-chart');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;
    }""")
    assert drawn > 0  # Chart.js ran and drew
    assert violations == []
    context.close()
