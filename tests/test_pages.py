"""The first page: a login in Bahasa Indonesia that lists the demo logins, and a home page per office."""
import pytest
from django.core.management import call_command

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_login_page_is_indonesian_and_lists_the_demo_logins(client):
    call_command("seed_demo", "--enrollments", "50", stdout=open("/dev/null", "w"))
    page = client.get("/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="id">' in html
    assert "Masuk" in html and "ektp-demo" in html
    for username in ("admin", "petugas.5371", "bendahara.5371", "kepala.5371", "petugas.3603", "kepala.3603"):
        assert f"<code>{username}</code>" in html


def test_a_real_office_without_demo_users_shows_no_demo_list(client):
    f.user(f.office("5371"))
    html = client.get("/masuk/").content.decode()
    assert "ektp-demo" not in html


def test_a_head_sees_their_office_figures_after_logging_in(client):
    call_command("seed_demo", "--enrollments", "50", stdout=open("/dev/null", "w"))
    page = client.post("/masuk/", {"username": "kepala.5371", "password": "ektp-demo"}, follow=True)
    html = page.content.decode()
    assert "Kota Kupang" in html and "blanko di gudang" in html
    assert "Kabupaten Tangerang" not in html


def test_english_is_available_through_the_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    page = client.get("/masuk/")
    assert '<html lang="en">' in page.content.decode() and "Log in" in page.content.decode()


def test_the_admin_creates_an_office_with_its_empty_ledger(admin_client):
    from inventory.selectors import stock_report
    from registry.models import Office

    page = admin_client.post("/admin/registry/office/add/", {"code": "3171", "name": "Kota Jakarta Pusat", "address": "", "opening_hours": "08.00-15.00",
                                                               "request_lead_time_days": "45"})
    assert page.status_code == 302
    office = Office.objects.get(code="3171")
    assert (office.opening_hours, office.request_lead_time_days) == ("08.00-15.00", 45)
    assert stock_report(office)["on_hand"] == 0


def test_a_login_lasts_a_working_day(client):
    office = f.office("5371")
    user = f.user(office)
    client.post("/masuk/", {"username": user.username, "password": f.PASSWORD})
    session = client.cookies["sessionid"]
    assert session["max-age"] == 10 * 60 * 60
    assert client.session.get_expiry_age() == 10 * 60 * 60
