"""An office PC set to English: the pages are still Indonesian, and an empty form is answered by the server, in Indonesian."""
import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def english_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    yield page
    context.close()


def test_an_english_browser_gets_indonesian_and_the_servers_own_messages(live_server, english_page):
    page = english_page
    call_command("seed_demo", "--enrollments", "30", stdout=open("/dev/null", "w"))
    page.goto(live_server.url + "/masuk/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.get_by_role("button", name="Masuk").click()  # both fields empty: the server answers, not a bubble
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "id"
    assert "Bidang ini tidak boleh kosong." in page.inner_text("main")
    page.get_by_label("Nama pengguna").fill("bendahara.5371")
    page.get_by_label("Kata sandi").fill("ektp-demo")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(live_server.url + "/dasbor/")
    assert page.get_by_role("link", name="Dasbor").is_visible()

    page.goto(live_server.url + "/stok/")
    count = page.get_by_label("Blanko terhitung")
    assert count.get_attribute("type") == "text"
    count.fill("1.600")
    assert page.evaluate("() => [...document.forms].every(form => form.noValidate)")
    page.get_by_role("button", name="Catat hasil opname").click()
    page.wait_for_load_state()
    # The note left empty: the server's sentence beside it, and what was typed kept.
    assert "Bidang ini tidak boleh kosong." in page.inner_text(".field.invalid")
    assert page.get_by_label("Blanko terhitung").input_value() == "1.600"
    page.get_by_label("Kapan dan di mana dihitung").fill("opname gudang")
    page.get_by_role("button", name="Catat hasil opname").click()
    page.wait_for_url(live_server.url + "/stok/")
    assert "1.600" in page.inner_text("main")
