"""A newcomer opens the app in a browser, reads the demo logins and logs in as the head of Kota Kupang."""
import pytest
from django.core.management import call_command

from inventory.selectors import stock_report
from registry.models import Office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_head_logs_in_from_the_demo_list_and_sees_the_blank_figures(live_server, page, screenshot):
    call_command("seed_demo", "--enrollments", "200", stdout=open("/dev/null", "w"))
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.get_by_role("heading", name="Akun demo").is_visible()
    screenshot("login")
    page.get_by_label("Nama pengguna").fill("kepala.5371")
    page.get_by_label("Kata sandi").fill("ektp-demo")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(live_server.url + "/dasbor/")
    on_hand = page.locator(".figure[data-figure=on_hand]")
    assert on_hand.is_visible() and "blanko di gudang" in on_hand.inner_text()
    expected = stock_report(Office.objects.get(code="5371"))["on_hand"]
    assert on_hand.locator("span").inner_text() == f"{expected:,}".replace(",", ".")  # Indonesian thousands separator
    screenshot("home-kepala-5371")
