"""Every office page of every role, and every public page, in Chromium at 1366x768 and on a 390 px phone: axe-core finds
no critical or serious violation, no document scrolls sideways, a stacked table labels each cell, the header is short.

The office pages are found from the URLs (tests.pages.office_pages, through tests.test_every_page.office_urls) and
opened with an office's real records of each kind and state; each role opens the pages it is let into (a 200 with
HTML: the downloads and the refused pages are left out). axe-core is vendored in tests/browser/vendor/axe-core/
(its licence beside it): nothing is fetched at run time.
"""
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from people.roles import Role
from printing.models import PrintJob
from registry.models import TemporaryCertificate, User
from tests import writes
from tests.browser.conftest import SCREENSHOTS
from tests.browser.steps import log_in
from tests.parallel import NothingToDo
from tests.test_every_page import PUBLIC_PAGES, ROLES, busy_office, office_urls  # noqa: F401 (busy_office is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = json.loads((AXE.parent / "package.json").read_text())["version"]
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SERIOUS = ("critical", "serious")

# What a phone shows of a page: does the document scroll sideways, does any box in it, which table cells lack their label.
SIDEWAYS = """(width) => {
  const scrolling = [...document.querySelectorAll("body *")].filter((box) => {
    const overflow = getComputedStyle(box).overflowX;
    return (overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1;
  }).map((box) => box.outerHTML.slice(0, 80));
  // The innermost boxes that reach past the screen's edge: what makes a page wide.
  const past = (box) => box.checkVisibility() && box.getBoundingClientRect().right > width + 1;
  const beyond = [...document.querySelectorAll("body *")].filter((box) => past(box) && ![...box.children].some(past))
    .map((box) => box.outerHTML.slice(0, 80));
  const unlabelled = [];
  for (const table of document.querySelectorAll("main table")) {
    if (getComputedStyle(table).display !== "block") continue;  // not stacked: it fits as a table (checked above)
    // A column's label is what its header shows (a header only for screen readers labels buttons that name themselves).
    const headers = [...table.querySelectorAll("thead th")].map((th) => {
      const shown = th.cloneNode(true);
      shown.querySelectorAll(".visually-hidden").forEach((hidden) => hidden.remove());
      return shown.textContent.trim();
    });
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (cell.colSpan > 1 || !headers[index]) return;  // a row that says the table is empty; a column of buttons
        if (cell.dataset.label !== headers[index]) unlabelled.push(headers[index] + ": " + cell.outerHTML.slice(0, 60));
      });
    }
  }
  return {document: document.scrollingElement.scrollWidth, scrolling, beyond, unlabelled};
}"""


def axe_violations(page):
    """The critical and serious violations axe-core finds on the page as it is now: [(rule, impact, first elements)]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(rule["id"], rule["impact"], [node["target"] for node in rule["nodes"][:3]]) for rule in found if rule["impact"] in SERIOUS]


def signed_in(browser, live_server, user, viewport):
    """A browser page with `user`'s session (logged in through the test client, as every page's crawl is)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return client, context.new_page()


def pages_of(client, urls):
    """The addresses among `urls` that answer this client with an HTML page."""
    return [url for url in urls if (answer := client.get(url)).status_code == 200 and answer["Content-Type"].startswith("text/html")]


@pytest.fixture
def office_of_every_kind(busy_office):
    """The busy office after one write of every kind, and stocked again: a Suket, corrections, cases closed and reopened."""
    for _lock, write in writes.WRITES.values():
        try:
            write(busy_office)
        except NothingToDo:
            pass
    writes.stock_office(busy_office)
    assert TemporaryCertificate.objects.filter(office=busy_office).exists()
    return busy_office


def crawl(browser, live_server, office, check):
    """`check(page, url, width)` on every office page of every role, at the desk's width then the phone's: what it found."""
    found = []
    for role in ROLES:
        user = User.objects.filter(office=office, role=role).order_by("pk").first()
        client, page = signed_in(browser, live_server, user, DESK)
        urls = pages_of(client, office_urls(office, documents=False))
        assert len(urls) > 10, (role, urls)
        for url in urls:
            for viewport in (DESK, PHONE):
                page.set_viewport_size(viewport)
                page.goto(live_server.url + url)
                if problem := check(page, url, viewport["width"]):
                    found.append((role, url, viewport["width"], problem))
        page.context.close()
    return found


def test_axe_finds_no_serious_violation_on_any_office_page_of_any_role_at_either_width(browser, live_server, office_of_every_kind):
    assert AXE_VERSION.startswith("4.")
    found = crawl(browser, live_server, office_of_every_kind, lambda page, url, width: axe_violations(page))
    assert found == [], "\n".join(map(repr, found))


def test_on_a_phone_no_office_page_scrolls_sideways_and_every_stacked_cell_has_its_label(browser, live_server, office_of_every_kind):
    def sideways(page, url, width):
        if width != PHONE["width"]:
            return None
        seen = page.evaluate(SIDEWAYS, width)
        if seen["document"] > width or seen["scrolling"] or seen["beyond"] or seen["unlabelled"]:
            return seen
        return None

    found = crawl(browser, live_server, office_of_every_kind, sideways)
    assert found == [], "\n".join(map(repr, found))


def test_axe_finds_no_serious_violation_on_the_public_pages_and_the_login_at_either_width(browser, live_server, office_of_every_kind):
    number = TemporaryCertificate.objects.filter(office=office_of_every_kind).first().number
    context = browser.new_context(viewport=DESK, locale="id-ID")
    page = context.new_page()
    found = []
    for url in (*PUBLIC_PAGES, f"/publik/suket/{number}/", "/masuk/"):
        page.goto(live_server.url + url)
        for viewport in (DESK, PHONE):
            page.set_viewport_size(viewport)
            if violations := axe_violations(page):
                found.append((url, viewport["width"], violations))
            if viewport is PHONE and page.evaluate("document.scrollingElement.scrollWidth") > PHONE["width"]:
                found.append((url, viewport["width"], "scrolls sideways"))
    context.close()
    assert found == [], "\n".join(map(repr, found))


def test_a_message_after_a_click_is_a_status_that_axe_accepts(browser, live_server, office_of_every_kind):
    clerk = User.objects.filter(office=office_of_every_kind, role=Role.CLERK).first()
    _client, page = signed_in(browser, live_server, clerk, PHONE)
    page.goto(live_server.url + "/cetak/")
    page.locator("#queue").get_by_role("button", name=re.compile(r"^Tandai \d{16} tercetak$")).first.click()
    expect(page.get_by_role("status")).to_contain_text("Tercetak:")
    assert axe_violations(page) == []
    page.set_viewport_size(DESK)
    assert axe_violations(page) == []
    # The markup testers met (a role on each item of the list) is what axe-core calls a serious `list` violation.
    page.evaluate("""() => { document.querySelector('.messages').outerHTML =
      '<ul class="messages"><li role="status">Tercetak: Yohanes Ndoen</li></ul>'; }""")
    assert "list" in [rule for rule, _impact, _nodes in axe_violations(page)]
    page.context.close()


def test_on_a_phone_the_header_is_one_short_bar_and_the_menu_opens_under_it(browser, live_server, office_of_every_kind):
    head = User.objects.filter(office=office_of_every_kind, role=Role.HEAD).first()
    page = browser.new_context(viewport=PHONE, locale="id-ID").new_page()
    log_in(page, live_server.url, head.username)
    header = page.locator("header")
    assert header.bounding_box()["height"] <= 64
    assert page.locator("main").bounding_box()["y"] <= 64
    desks = page.get_by_role("navigation", name="Meja layanan")
    expect(desks).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(desks).to_be_visible()
    desks.get_by_role("link", name="Perekaman").click()
    expect(page.locator("main table")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    # Each record is a block of labelled lines: the NIK, its name, its date, all on the screen.
    first = page.locator("main table tbody tr").first
    for label in ("NIK", "Nama", "Tanggal rekam"):
        cell = first.locator(f"td[data-label='{label}']")
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "enrollments-phone.png"))
    page.goto(live_server.url + "/stok/")
    page.screenshot(path=str(SCREENSHOTS / "stock-phone.png"), full_page=True)
    page.context.close()


def test_on_the_office_screen_the_menu_is_open_in_the_bar(browser, live_server, office_of_every_kind):
    clerk = User.objects.filter(office=office_of_every_kind, role=Role.CLERK).first()
    page = browser.new_context(viewport=DESK, locale="id-ID").new_page()
    log_in(page, live_server.url, clerk.username)
    expect(page.get_by_role("navigation", name="Meja layanan").get_by_role("link", name="Meja cetak")).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    assert page.locator("header").bounding_box()["height"] <= 90
    assert PrintJob.objects.filter(office=office_of_every_kind).exists()
    page.context.close()
