"""The head manages the office's accounts at /akun-kantor/; accounts log in with a second factor once the office requires it."""
import re

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import AccountChange
from people.roles import Role
from registry.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-0"
SLOWED = "Terlalu banyak percobaan masuk yang gagal untuk akun ini"


def text(response):
    return " ".join(response.content.decode().split())


def log_in(client, username, password=f.PASSWORD, address="10.0.0.1", code=""):
    return client.post("/masuk/", {"username": username, "password": password, "code": code}, REMOTE_ADDR=address)


def logged_in(response):
    return response.status_code == 302 and response.url == "/"


def as_head(head):
    client = Client()
    client.force_login(head)
    return client


def one_time_password(response):
    return re.search(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", text(response)).group(0)


def with_phone(user):
    """The account has set up an authenticator app."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code(device):
    """The code the phone shows now (the device forgets the last code used: a test logs in more than once a minute)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()


def test_the_head_adds_a_clerk_who_logs_in_once_with_the_one_time_password_and_then_chooses_their_own(head):
    client = as_head(head)
    added = client.post("/akun-kantor/tambah/", {"username": "petugas2.5371", "first_name": "Maria", "last_name": "Bana", "role": "clerk"}, follow=True)
    assert "Akun petugas2.5371 ditambahkan" in text(added)
    password = one_time_password(added)
    clerk = User.objects.get(username="petugas2.5371")
    assert (clerk.office, clerk.role, clerk.must_change_password) == (head.office, Role.CLERK, True)

    desk = Client()
    assert logged_in(log_in(desk, "petugas2.5371", password))
    assert desk.get("/dasbor/").url == "/akun/sandi/"  # every page sends it to change the password first
    assert desk.get("/perekaman/").url == "/akun/sandi/"
    assert "sandi sekali pakai" in text(desk.get("/akun/sandi/"))
    changed = desk.post("/akun/sandi/", {"old_password": password, "new_password1": "Kupang-sendiri-2026", "new_password2": "Kupang-sendiri-2026"})
    assert changed.status_code == 302
    assert desk.get("/dasbor/").status_code == 200
    clerk.refresh_from_db()
    assert not clerk.must_change_password

    change = AccountChange.objects.get(account=clerk)
    assert (change.kind, change.by, change.office, change.new_role) == ("added", head, head.office, "clerk")
    history = text(client.get("/akun-kantor/")).split('data-table="history"')[1]
    assert "petugas2.5371" in history and head.username in history and "Akun ditambahkan" in history


def test_a_taken_or_garbled_login_name_is_refused_with_a_sentence(head, clerk, outsider):
    client = as_head(head)
    assert "sudah dipakai" in text(client.post("/akun-kantor/tambah/", {"username": outsider.username.upper(), "role": "clerk"}, follow=True))
    assert "huruf, angka" in text(client.post("/akun-kantor/tambah/", {"username": "petugas baru", "role": "clerk"}, follow=True))
    assert not AccountChange.objects.exists()
    refused = client.post("/akun-kantor/tambah/", {"username": "root.5371", "role": "admin"}, follow=True)
    assert not User.objects.filter(username="root.5371").exists()
    assert refused.status_code == 200


def test_the_head_changes_a_role_and_the_change_is_recorded_with_who_and_when(head, clerk):
    client = as_head(head)
    answer = client.post(f"/akun-kantor/{clerk.pk}/peran/", {"role": "stock_keeper"}, follow=True)
    assert "sekarang Bendahara barang" in text(answer) or "sekarang" in text(answer)
    clerk.refresh_from_db()
    assert clerk.role == Role.STOCK_KEEPER
    change = AccountChange.objects.get()
    assert (change.kind, change.old_role, change.new_role, change.by) == ("role", "clerk", "stock_keeper", head)
    assert change.at is not None
    client.post(f"/akun-kantor/{clerk.pk}/peran/", {"role": "stock_keeper"})
    assert AccountChange.objects.count() == 1  # the same role again changes nothing


def test_deactivating_an_account_logs_it_out_at_once_and_keeps_it_out(head, clerk):
    desk = Client()
    assert logged_in(log_in(desk, clerk.username))
    assert desk.get("/dasbor/").status_code == 200

    answer = as_head(head).post(f"/akun-kantor/{clerk.pk}/aktif/", {"active": "0"}, follow=True)
    assert "dinonaktifkan" in text(answer)
    assert desk.get("/dasbor/").status_code == 302  # its next page: logged out
    assert not logged_in(log_in(Client(), clerk.username, address="10.0.0.2"))

    as_head(head).post(f"/akun-kantor/{clerk.pk}/aktif/", {"active": "1"})
    assert logged_in(log_in(Client(), clerk.username, address="10.0.0.2"))
    assert list(AccountChange.objects.order_by("pk").values_list("kind", flat=True)) == ["deactivated", "reactivated"]


def test_a_one_time_password_logs_the_account_out_replaces_its_password_and_its_phone(head, keeper):
    desk = Client()
    assert logged_in(log_in(desk, keeper.username))
    with_phone(keeper)
    answer = as_head(head).post(f"/akun-kantor/{keeper.pk}/sandi-sekali/", follow=True)
    password = one_time_password(answer)
    assert desk.get("/dasbor/").status_code == 302
    assert not logged_in(log_in(Client(), keeper.username, address="10.0.0.3"))
    assert not TOTPDevice.objects.filter(user=keeper).exists()
    again = Client()
    assert logged_in(log_in(again, keeper.username, password, address="10.0.0.3"))
    assert again.get("/stok/").url == "/akun/sandi/"
    assert AccountChange.objects.get().kind == "password_reset"


def test_the_last_head_can_be_neither_demoted_nor_deactivated(head, clerk):
    client = as_head(head)
    for url, form in [(f"/akun-kantor/{head.pk}/peran/", {"role": "clerk"}), (f"/akun-kantor/{head.pk}/aktif/", {"active": "0"})]:
        assert "harus tetap punya kepala yang aktif" in text(client.post(url, form, follow=True))
    head.refresh_from_db()
    assert head.role == Role.HEAD and head.is_active
    # With a second head, the first may step down.
    client.post(f"/akun-kantor/{clerk.pk}/peran/", {"role": "head"})
    client.post(f"/akun-kantor/{head.pk}/peran/", {"role": "clerk"})
    head.refresh_from_db()
    assert head.role == Role.CLERK
    assert client.get("/akun-kantor/").status_code == 403  # no longer the head


def test_another_office_head_and_the_admin_account_are_out_of_reach(head, clerk, tangerang):
    other_head = f.user(tangerang, Role.HEAD)
    admin = User.objects.create_superuser(username="admin", password=f.PASSWORD, office=head.office, role=Role.ADMIN)
    other = as_head(other_head)
    assert clerk.username not in text(other.get("/akun-kantor/"))
    for url, form in [(f"/akun-kantor/{clerk.pk}/peran/", {"role": "head"}), (f"/akun-kantor/{clerk.pk}/aktif/", {"active": "0"}),
                      (f"/akun-kantor/{clerk.pk}/sandi-sekali/", {})]:
        assert "bukan akun kantor Anda" in text(other.post(url, form, follow=True))
    own = as_head(head)
    for url, form in [(f"/akun-kantor/{admin.pk}/peran/", {"role": "clerk"}), (f"/akun-kantor/{admin.pk}/aktif/", {"active": "0"}),
                      (f"/akun-kantor/{admin.pk}/sandi-sekali/", {})]:
        assert "bukan akun kantor Anda" in text(own.post(url, form, follow=True))
    clerk.refresh_from_db()
    admin.refresh_from_db()
    assert (clerk.role, clerk.is_active, admin.role, admin.is_active, admin.check_password(f.PASSWORD)) == (Role.CLERK, True, Role.ADMIN, True, True)
    assert not AccountChange.objects.exists()


def test_a_clerk_and_a_stock_keeper_cannot_manage_accounts(clerk, keeper, head):
    for person in (clerk, keeper):
        client = as_head(person)
        assert client.get("/akun-kantor/").status_code == 403
        assert client.post(f"/akun-kantor/{head.pk}/aktif/", {"active": "0"}).status_code == 403
        assert client.post("/akun-kantor/tambah/", {"username": "x.5371", "role": "head"}).status_code == 403
        assert 'href="/akun-kantor/"' not in text(client.get("/dasbor/"))
    assert 'href="/akun-kantor/"' in text(as_head(head).get("/dasbor/"))
    head.refresh_from_db()
    assert head.is_active and not User.objects.filter(username="x.5371").exists()


def test_the_accounts_page_links_the_login_blocks(head):
    page = text(as_head(head).get("/akun-kantor/"))
    assert 'href="/akun-kantor/blokir/"' in page


def test_opening_the_second_factor_page_sets_up_nothing_until_asked(head):
    client = as_head(head)
    for _ in range(3):
        assert client.get("/akun/faktor-kedua/").status_code == 200
    assert not TOTPDevice.objects.exists()
    client.post("/akun/faktor-kedua/", {"step": "start"})
    pending = TOTPDevice.objects.get(user=head)
    assert not pending.confirmed
    page = text(client.get("/akun/faktor-kedua/"))
    assert "<svg" in page and TOTPDevice.objects.count() == 1
    wrong = client.post("/akun/faktor-kedua/", {"step": "confirm", "code": "000000" if code(pending) != 0 else "111111"}, follow=True)
    assert "bukan kode" in text(wrong)
    client.post("/akun/faktor-kedua/", {"step": "confirm", "code": code(pending)})
    assert TOTPDevice.objects.get(user=head).confirmed


def test_an_account_with_a_phone_logs_in_only_with_its_code_and_a_wrong_code_counts_as_a_failure(head):
    phone = with_phone(head)
    refused = log_in(Client(), head.username, address="10.0.0.4")
    assert refused.status_code == 200 and "kode 6 angka" in text(refused)
    assert AccessAttempt.objects.filter(username=head.username).exists()
    assert logged_in(log_in(Client(), head.username, address="10.0.0.4", code=code(phone)))


def test_once_the_office_requires_it_the_head_and_the_keeper_set_up_a_phone_before_any_page(head, keeper, clerk):
    answer = as_head(head).post("/akun-kantor/faktor-kedua/", {"required": "1"}, follow=True)
    assert answer.redirect_chain[-1][0] == "/akun/faktor-kedua/"  # the head's own next page
    head.office.refresh_from_db()
    assert head.office.second_factor_required
    assert AccountChange.objects.get().kind == "second_factor_on"
    for person in (head, keeper):
        client = as_head(person)
        assert client.get("/dasbor/").url == "/akun/faktor-kedua/"
        client.post("/akun/faktor-kedua/", {"step": "start"})
        client.post("/akun/faktor-kedua/", {"step": "confirm", "code": code(TOTPDevice.objects.get(user=person))})
        assert client.get("/dasbor/").status_code == 200
    assert as_head(clerk).get("/dasbor/").status_code == 200  # a clerk is not asked


def test_a_stranger_guessing_the_password_does_not_slow_the_owner_with_her_code_on_a_new_computer(kupang):
    kepala = f.user(kupang, Role.HEAD, username="kepala.5371")
    phone = with_phone(kepala)
    stranger = Client()
    for n in range(1, 31):
        log_in(stranger, "kepala.5371", WRONG, address=f"192.0.2.{n}")
    assert log_in(stranger, "kepala.5371", WRONG, address="192.0.2.99").status_code == 429  # the account is being slowed down
    assert SLOWED in text(log_in(Client(), "kepala.5371", address="10.7.7.7"))  # without the code: slowed like anyone
    assert log_in(stranger, "kepala.5371", WRONG, address="192.0.2.98", code="123456").status_code == 429  # a guessed code: slowed

    owner = Client()
    assert logged_in(log_in(owner, "kepala.5371", address="10.8.8.8", code=code(phone)))  # a new computer, at once
    assert owner.get("/dasbor/").status_code == 200


def test_the_right_code_with_a_wrong_password_is_still_a_failed_login(kupang):
    kepala = f.user(kupang, Role.HEAD, username="kepala.5371")
    phone = with_phone(kepala)
    for n in range(1, 31):
        log_in(Client(), "kepala.5371", WRONG, address=f"192.0.2.{n}")
    answer = log_in(Client(), "kepala.5371", WRONG, address="10.8.8.9", code=code(phone))
    assert answer.status_code == 200 and "Nama pengguna atau sandi salah" in text(answer)


def test_the_accounts_page_asks_the_same_few_queries_however_many_accounts_and_changes(head):
    client = as_head(head)

    def queries():
        client.get("/akun-kantor/")  # shows the messages of the changes made before
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/akun-kantor/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(8):
        added = f.user(head.office, Role.CLERK)
        with_phone(added)
        client.post(f"/akun-kantor/{added.pk}/peran/", {"role": "stock_keeper"})
    assert queries() == few
