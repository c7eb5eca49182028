"""The head adds a clerk, who logs in with the one-time password and chooses her own; the head sets up a second factor by QR key."""
import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from people.roles import Role
from tests import factories as f
from tests.browser.steps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_adds_a_clerk_who_changes_the_one_time_password_then_requires_a_second_factor(live_server, browser, page, screenshot):
    office = f.office("5371")
    head = f.user(office, Role.HEAD, username="kepala.5371")
    f.user(office, Role.STOCK_KEEPER, username="bendahara.5371")
    log_in(page, live_server.url, head.username)
    page.get_by_role("link", name="Akun", exact=True).click()
    page.wait_for_url(live_server.url + "/akun-kantor/")
    page.get_by_label("Nama pengguna").fill("petugas2.5371")
    page.get_by_label("Nama depan").fill("Maria")
    page.get_by_label("Peran", exact=True).select_option("clerk")
    page.get_by_role("button", name="Tambahkan akun").click()
    message = page.locator(".messages").inner_text()
    assert "Akun petugas2.5371 ditambahkan" in message
    password = re.search(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", message).group(0)
    assert page.locator("tr[data-account='petugas2.5371']").is_visible()
    screenshot("accounts")

    clerk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID").new_page()
    clerk.goto(live_server.url + "/masuk/")
    clerk.get_by_label("Nama pengguna").fill("petugas2.5371")
    clerk.get_by_label("Kata sandi").fill(password)
    clerk.get_by_role("button", name="Masuk").click()
    clerk.wait_for_url(live_server.url + "/akun/sandi/")
    assert "sandi sekali pakai" in clerk.locator("main").inner_text()
    clerk.get_by_label("Sandi lama").fill(password)
    clerk.get_by_label("Sandi baru", exact=True).fill("Kupang-sendiri-2026")
    clerk.get_by_label("Konfirmasi sandi baru").fill("Kupang-sendiri-2026")
    clerk.get_by_role("button", name="Ganti kata sandi").click()
    clerk.goto(live_server.url + "/dasbor/")
    assert clerk.url == live_server.url + "/dasbor/"

    page.get_by_role("button", name="Wajibkan faktor kedua").click()
    page.wait_for_url(live_server.url + "/akun/faktor-kedua/")
    page.get_by_role("button", name="Pasang faktor kedua").click()
    assert page.locator(".qr svg").is_visible()
    key = page.locator("code").inner_text().replace(" ", "")
    code = TOTP(b32decode(key + "=" * (-len(key) % 8))).token()
    page.get_by_label("Kode dari aplikasi autentikator").fill(f"{code:06d}")
    page.get_by_role("button", name="Konfirmasi").click()
    page.wait_for_url(live_server.url + "/dasbor/")
    assert "Faktor kedua sudah terpasang" in page.locator(".messages").inner_text()
    page.goto(live_server.url + "/akun-kantor/")
    assert "Terpasang" in page.locator("tr[data-account='kepala.5371']").inner_text()
