"""Login throttling: a guessing address is blocked, a guessed-at account is only slowed, the head lifts a block."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

BLOCKED = "Terlalu banyak percobaan masuk yang gagal dari alamat ini"
SLOWED = "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Coba lagi dalam beberapa detik."
WRONG = "wrong-password-0"


def log_in(client, username, password=f.PASSWORD, address="10.0.0.1", **extra):
    return client.post("/masuk/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(response):
    return response.status_code == 302 and response.url == "/"


def text(response):
    return " ".join(response.content.decode().split())


def time_passes(**delta):
    """Every stored failure happened `delta` earlier (the clock moves on without anyone waiting)."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(**delta))


@pytest.fixture
def kepala(kupang):
    return f.user(kupang, Role.HEAD, username="kepala.5371")


def test_thirty_wrong_passwords_from_one_address_block_it_and_the_right_one_is_refused(client, kepala):
    answers = [log_in(client, "kepala.5371", WRONG, address="203.0.113.9") for _ in range(30)]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert "Nama pengguna atau sandi salah" in text(answers[0])  # still the ordinary "wrong password" answer
    assert all(a.status_code == 429 and BLOCKED in text(a) for a in answers[4:])
    assert "Coba lagi dalam 15 menit" in text(answers[-1])

    right = log_in(client, "kepala.5371", address="203.0.113.9")
    assert right.status_code == 429 and BLOCKED in text(right)
    assert client.get("/dasbor/").status_code == 302  # not logged in


def test_after_the_block_expires_the_right_password_logs_in(client, kepala):
    for _ in range(30):
        log_in(client, "kepala.5371", WRONG, address="203.0.113.9")
    time_passes(minutes=14)
    assert log_in(client, "kepala.5371", address="203.0.113.9").status_code == 429
    time_passes(minutes=16)
    assert logged_in(log_in(client, "kepala.5371", address="203.0.113.9"))
    assert client.get("/dasbor/").status_code == 200


def test_the_block_length_and_the_limit_come_from_the_settings(client, kepala, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    settings.LOGIN_BLOCK_MINUTES = 2
    answers = [log_in(client, "kepala.5371", WRONG, address="203.0.113.9").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    time_passes(minutes=3)
    assert logged_in(log_in(client, "kepala.5371", address="203.0.113.9"))


def test_one_address_trying_many_accounts_is_blocked_and_others_are_not(client, kupang, clerk, keeper, head):
    names = [clerk.username, keeper.username, head.username, "admin", "kepala"]
    answers = [log_in(client, name, WRONG, address="198.51.100.4").status_code for name in names]
    assert answers == [200, 200, 200, 200, 429]
    refused = log_in(client, clerk.username, address="198.51.100.4")
    assert refused.status_code == 429 and BLOCKED in text(refused)
    assert logged_in(log_in(client, clerk.username, address="10.0.0.2"))


def test_a_forged_forwarded_for_header_does_not_escape_the_block(client, kepala):
    for n in range(6):
        log_in(client, "kepala.5371", WRONG, address="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert log_in(client, "kepala.5371", address="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_many_addresses_on_one_account_only_slow_it_and_the_head_logs_in_from_their_desk(client, kepala):
    assert logged_in(log_in(client, "kepala.5371", address="10.5.0.7"))  # the head's own computer, yesterday
    client.post("/keluar/")
    answers = [log_in(client, "kepala.5371", WRONG, address=f"192.0.2.{n}") for n in range(1, 31)]
    assert not any(BLOCKED in text(a) for a in answers)
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert all(a.status_code == 429 and SLOWED in text(a) and int(a["Retry-After"]) <= 2 for a in answers[10:])

    assert logged_in(log_in(client, "kepala.5371", address="10.5.0.7"))


def test_a_slowed_account_takes_no_password_until_its_wait_is_over(client, kepala):
    for n in range(1, 11):
        log_in(client, "kepala.5371", WRONG, address=f"192.0.2.{n}")
    during = log_in(client, "kepala.5371", address="10.9.9.9")
    assert during.status_code == 429 and SLOWED in text(during)
    time_passes(seconds=3)
    assert logged_in(log_in(client, "kepala.5371", address="10.9.9.9"))


def test_a_slowed_account_waits_longer_after_each_failure_up_to_the_cap(client, kepala, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    settings.LOGIN_SLOW_DOWN_MAX_SECONDS = 8
    waits = []
    for n in range(1, 7):
        answer = log_in(client, "kepala.5371", WRONG, address=f"192.0.2.{n}")
        if answer.status_code == 429:
            waits.append(int(answer["Retry-After"]))
            time_passes(seconds=waits[-1])
            answer = log_in(client, "kepala.5371", WRONG, address=f"192.0.2.{n}")
        assert answer.status_code == 200
    assert waits == [2, 4, 8, 8]


@pytest.mark.django_db(transaction=True)
def test_the_block_is_kept_in_the_database_not_in_a_process(client, kepala, run_command):
    code, out, err = run_command("shell", "-c", (
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='localhost')\n"
        "for _ in range(5): client.post('/masuk/', {'username': 'kepala.5371', 'password': 'x'}, REMOTE_ADDR='203.0.113.9')\n"
    ))
    assert code == 0, err
    cache.clear()
    assert log_in(client, "kepala.5371", address="203.0.113.9").status_code == 429
    assert logged_in(log_in(client, "kepala.5371", address="10.0.0.3"))


def block(client, username, address):
    for _ in range(5):
        log_in(client, username, WRONG, address=address)


def test_the_head_sees_a_block_on_a_clerk_and_lifts_it(client, clerk, head):
    block(client, clerk.username, "10.0.0.20")
    client.force_login(head)
    page = client.get("/akun-kantor/blokir/")
    assert page.status_code == 200
    row = page.content.decode().split('data-table="blocks"')[1].split("</table>")[0]
    assert "10.0.0.20" in row and clerk.username in row
    lifted = client.post("/akun-kantor/blokir/buka/", {"address": "10.0.0.20"}, follow=True)
    assert "Blokir pada 10.0.0.20 sudah dibuka" in text(lifted)
    assert "Tidak ada alamat yang diblokir" in text(lifted)
    client.logout()
    assert logged_in(log_in(client, clerk.username, address="10.0.0.20"))


def test_the_head_sees_an_account_being_slowed_down(client, head, clerk):
    for n in range(1, 11):
        log_in(client, clerk.username, WRONG, address=f"192.0.2.{n}")
    client.force_login(head)
    row = client.get("/akun-kantor/blokir/").content.decode().split('data-table="slowed"')[1].split("</table>")[0]
    assert clerk.username in row and ">10<" in row


def test_a_clerk_cannot_lift_a_block(client, clerk, kupang):
    other = f.user(kupang, Role.CLERK)
    block(client, other.username, "10.0.0.21")
    client.force_login(clerk)
    assert client.get("/akun-kantor/blokir/").status_code == 403
    assert client.post("/akun-kantor/blokir/buka/", {"address": "10.0.0.21"}).status_code == 403
    client.logout()
    assert log_in(client, other.username, address="10.0.0.21").status_code == 429


def test_another_office_head_neither_sees_nor_lifts_this_office_block(client, clerk, tangerang):
    block(client, clerk.username, "10.0.0.22")
    client.force_login(f.user(tangerang, Role.HEAD))
    assert "10.0.0.22" not in client.get("/akun-kantor/blokir/").content.decode()
    refused = client.post("/akun-kantor/blokir/buka/", {"address": "10.0.0.22"}, follow=True)
    assert "Alamat ini tidak diblokir pada akun kantor Anda" in text(refused)
    client.logout()
    assert log_in(client, clerk.username, address="10.0.0.22").status_code == 429


def test_lifting_leaves_the_failures_on_another_office_accounts(client, clerk, head, outsider):
    for _ in range(4):
        log_in(client, outsider.username, WRONG, address="10.0.0.23")
    log_in(client, clerk.username, WRONG, address="10.0.0.23")
    assert log_in(client, clerk.username, address="10.0.0.23").status_code == 429
    client.force_login(head)
    client.post("/akun-kantor/blokir/buka/", {"address": "10.0.0.23"})
    client.logout()
    assert log_in(client, clerk.username, WRONG, address="10.0.0.23").status_code == 429  # Tangerang's four still count


def test_a_garbled_address_is_refused_with_a_sentence(client, head):
    client.force_login(head)
    refused = client.post("/akun-kantor/blokir/buka/", {"address": "not-an-address'; --"}, follow=True)
    assert "Alamat ini tidak diblokir pada akun kantor Anda" in text(refused)


def test_an_ipv6_client_is_blocked_by_its_64_and_the_head_lifts_that(client, clerk, head):
    for n in range(5):
        log_in(client, clerk.username, WRONG, address=f"2001:db8:1:2::{n + 1:x}")
    assert log_in(client, clerk.username, address="2001:db8:1:2:ffff::1").status_code == 429
    assert logged_in(log_in(client, clerk.username, address="2001:db8:1:3::1"))
    client.force_login(head)
    assert "2001:db8:1:2::/64" in client.get("/akun-kantor/blokir/").content.decode()
    client.post("/akun-kantor/blokir/buka/", {"address": "2001:db8:1:2::/64"})
    client.logout()
    assert logged_in(log_in(client, clerk.username, address="2001:db8:1:2::9"))


def test_the_blocks_page_asks_the_same_few_queries_however_many_blocks(client, head, kupang):
    def queries_with(blocks):
        for n in range(blocks):
            block(client, f.user(kupang, Role.CLERK).username, f"10.7.0.{n + 1}")
        client.force_login(head)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/akun-kantor/blokir/").status_code == 200
        client.logout()
        return len(captured)

    assert queries_with(1) == queries_with(6) <= 8


@pytest.mark.parametrize("length", [151, 256, 10_000])
def test_a_login_name_longer_than_any_account_is_refused_like_a_wrong_password(client, kepala, length):
    wrong = text(log_in(client, "kepala.5371", WRONG, address="203.0.113.10"))
    answer = log_in(client, "k" * length, WRONG, address="203.0.113.10")
    assert answer.status_code == 200
    assert "Nama pengguna atau sandi salah" in text(answer) and text(answer).count("Nama pengguna atau sandi salah") == wrong.count("Nama pengguna atau sandi salah")
    assert log_in(client, "kepala.5371", address="203.0.113.10").status_code == 302


def test_the_admin_login_refuses_an_over_long_name_like_a_wrong_password(client):
    answer = client.post("/admin/login/", {"username": "a" * 300, "password": WRONG}, REMOTE_ADDR="203.0.113.11")
    assert answer.status_code == 200 and "Nama pengguna atau sandi salah" in text(answer)
