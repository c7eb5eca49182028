"""Bahasa Indonesia first: whatever the browser asks for, every page, form message and error page is the office's language.

English comes only through the language switch, and it is remembered for the
user (on any computer). The error pages render without the database.
"""
import re
from datetime import date
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from common.datefields import DayField, MonthField
from common.forms import CountField
from common.numbers import number
from config import errors
from inventory.models import BlankMovement
from people.roles import Role
from registry.models import Office, User
from tests.pages import as_user, logged_in, page

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.mark.django_db
def test_an_english_browser_gets_the_login_page_and_the_dashboard_in_indonesian(client, head):
    login = page(client.get("/masuk/", **ENGLISH_BROWSER))
    assert '<html lang="id">' in login and "Nama pengguna" in login and "Username" not in login
    dashboard = page(as_user(client, head).get("/dasbor/", **ENGLISH_BROWSER))
    assert '<html lang="id">' in dashboard and "Dasbor" in dashboard and "Dashboard" not in dashboard


@pytest.mark.django_db
def test_english_chosen_with_the_switch_is_remembered_for_the_user_on_another_computer(head):
    first = logged_in(head)
    assert first.post(reverse("set_language"), {"language": "en", "next": "/dasbor/"}).status_code == 302
    head.refresh_from_db()
    assert head.language == "en"
    another_computer = logged_in(head)
    assert '<html lang="en">' in page(another_computer.get("/dasbor/"))
    another_computer.post(reverse("set_language"), {"language": "id", "next": "/dasbor/"})
    assert '<html lang="id">' in page(logged_in(head).get("/dasbor/", **ENGLISH_BROWSER))


def test_the_switch_goes_back_only_to_a_page_of_ours(client):
    answer = client.post(reverse("set_language"), {"language": "en", "next": "https://elsewhere.example/"})
    assert answer.status_code == 302 and answer["Location"] == "/"


@pytest.mark.django_db
def test_a_wrong_login_is_told_in_plain_indonesian(client, clerk):
    html = page(client.post("/masuk/", {"username": clerk.username, "password": "salah"}, **ENGLISH_BROWSER))
    assert "Nama pengguna atau sandi salah." in html and "nama pengguna nama pengguna" not in html.lower()


FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE)


def forms_without_novalidate(html):
    return [tag for tag in FORM_TAG.findall(html) if "novalidate" not in tag]


@pytest.mark.django_db
def test_every_form_on_every_page_leaves_validation_to_the_server():
    from tests.test_every_page import ROLES, office_urls

    call_command("seed_demo", "--enrollments", "60", stdout=open("/dev/null", "w"))
    office = Office.objects.get(code="5371")
    found = {}
    for role in ROLES:
        client = logged_in(User.objects.filter(office=office, role=role).first())
        for url in office_urls(office, documents=False):
            answer = client.get(url)
            if answer.status_code == 200 and answer["Content-Type"].startswith("text/html"):
                found.update({url: tags for tags in [forms_without_novalidate(answer.content.decode())] if tags})
    anonymous = Client()
    for url in ("/masuk/", "/publik/", "/publik/5371/", "/publik/5371/kartu-saya/", "/publik/suket/"):
        answer = anonymous.get(url)
        if answer.status_code == 200:
            found.update({url: tags for tags in [forms_without_novalidate(answer.content.decode())] if tags})
    assert found == {}


@pytest.mark.django_db
def test_an_empty_required_form_gets_the_servers_indonesian_sentence(client, keeper):
    html = as_user(client, keeper).post(reverse("stock_count"), {"counted": "", "note": ""}, **ENGLISH_BROWSER).content.decode()
    assert "Bidang ini tidak boleh kosong." in html and "This field is required." not in html


@pytest.mark.django_db
def test_a_count_typed_the_indonesian_way_is_read_as_thousands(client, kupang, keeper):
    as_user(client, keeper)
    form = {"reference": "470/55", "quantity": "1.600", "delivery_note": "SJ-7", "carried_by": "Bendahara Barang"}
    assert client.post(reverse("stock_receive"), form).status_code == 302
    assert BlankMovement.objects.get().quantity == 1600


@pytest.mark.parametrize("typed, value", [("1600", 1600), ("1.600", 1600), ("16.000", 16000), ("1 600", 1600), (" 12 ", 12)])
def test_the_count_field_reads_grouped_thousands(typed, value):
    assert CountField().clean(typed) == value


@pytest.mark.parametrize("typed", ["1,6", "1.6", "16.00", "satu"])
def test_the_count_field_refuses_what_is_not_a_whole_number(typed):
    with pytest.raises(Exception, match="bilangan bulat"):
        CountField().clean(typed)


def test_the_count_field_is_text_so_the_browser_adds_no_spinner_or_bubble():
    html = str(CountField(min_value=1).widget.render("n", 5))
    assert 'type="text"' in html and 'inputmode="numeric"' in html and "min=" not in html


@pytest.mark.parametrize("typed", ["17-08-2018", "17/08/2018", "17.08.2018", "2018-08-17"])
def test_a_day_is_typed_day_first_and_iso_still_reads(typed):
    assert DayField().clean(typed) == date(2018, 8, 17)


def test_a_day_field_is_text_shown_day_first_and_never_a_browser_picker():
    html = DayField().widget.render("d", date(2018, 8, 17))
    assert 'value="17-08-2018"' in html and 'type="text"' in html and "HH-BB-TTTT" in html


@pytest.mark.parametrize("typed", ["05-2018", "05/2018", "2018-05"])
def test_a_month_is_typed_month_first_and_iso_still_reads(typed):
    assert MonthField().clean(typed) == date(2018, 5, 1)


# The error pages: the office's layout and language, a way back, and no database.

def no_database(*args, **kwargs):
    raise AssertionError("the error page asked the database")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


def test_a_missing_page_is_indonesian_with_a_way_back_and_needs_no_database(client, production):
    with connection.execute_wrapper(no_database):
        answer = client.get("/tidak-ada/", HTTP_REFERER="http://testserver/dasbor/", **ENGLISH_BROWSER)
    html = answer.content.decode()
    assert answer.status_code == 404 and '<html lang="id">' in html and "Halaman tidak ditemukan" in html
    assert 'href="http://testserver/dasbor/"' in html and "Ke halaman utama" in html and 'class="bar"' in html


def test_a_stale_form_is_refused_on_our_own_page_in_indonesian(production):
    client = Client(enforce_csrf_checks=True)
    with connection.execute_wrapper(no_database):
        answer = client.post("/masuk/", {"username": "x", "password": "y"}, **ENGLISH_BROWSER)
    html = answer.content.decode()
    assert answer.status_code == 403 and "Formulir ini sudah kedaluwarsa" in html and "CSRF" not in html
    assert "Ke halaman utama" in html


def test_a_server_error_is_indonesian_and_needs_no_database(production):
    request = RequestFactory().get("/dasbor/")
    with connection.execute_wrapper(no_database):
        try:
            raise ValueError("a bug")
        except ValueError:
            answer = errors.server_error(request)
    html = answer.content.decode()
    assert answer.status_code == 500 and "Terjadi kesalahan" in html and "Ke halaman utama" in html


@pytest.mark.django_db
def test_a_page_not_for_the_role_is_refused_on_our_own_page_with_the_reason(client, clerk, production):
    answer = as_user(client, clerk).get(reverse("login_blocks"), **ENGLISH_BROWSER)
    html = answer.content.decode()
    assert answer.status_code == 403 and "Bukan untuk akun Anda" in html and "Ke halaman utama" in html
    assert "403 Forbidden" not in html


def test_the_error_pages_render_in_english_for_who_chose_it(client, production):
    client.cookies["django_language"] = "en"
    html = client.get("/tidak-ada/").content.decode()
    assert '<html lang="en">' in html and "Page not found" in html


# One number helper, for templates and documents alike.

@pytest.mark.parametrize("value, decimals, indonesian, english", [
    (1312, 0, "1.312", "1,312"), (1600000, 0, "1.600.000", "1,600,000"), (0, 0, "0", "0"), (-1600, 0, "-1.600", "-1,600"),
    (12.25, 1, "12,3", "12.3"), (12.0, 1, "12", "12"), (Fraction(12, 5), 1, "2,4", "2.4"), (None, 0, "", ""),
])
def test_a_number_is_grouped_the_pages_way(value, decimals, indonesian, english):
    with translation.override("id"):
        assert number(value, decimals) == indonesian
        assert Template("{{ n|number:d }}").render(Context({"n": value, "d": decimals})) == indonesian
    with translation.override("en"):
        assert number(value, decimals) == english


# One date and time format and one number grouping on every office page.

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
DOTTED_TIME = re.compile(r"\b\d{1,2}\.\d{2}\b(?!\.\d)")


def visible_text(html):
    """The page's text as a person reads it: no tags, attributes, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_every_office_page_writes_days_day_first_and_times_with_a_colon(worker_away):
    from tests import writes
    from tests.parallel import NothingToDo
    from tests.test_every_page import office_urls

    office = writes.busy_office(30)
    for name in ("build", "print", "spoil", "pickup", "suket", "stock count", "shelf spoilage"):
        try:
            writes.WRITES[name][1](office)
        except NothingToDo:
            pass
    found = {}
    head = logged_in(User.objects.filter(office=office, role=Role.HEAD).first())
    for url in office_urls(office, documents=False):
        answer = head.get(url)
        if answer.status_code == 200 and answer["Content-Type"].startswith("text/html"):
            text = visible_text(answer.content.decode())
            wrong = ISO_DAY.findall(text) + DOTTED_TIME.findall(text)
            if wrong:
                found[url] = wrong[:3]
    assert found == {}


@pytest.mark.django_db
def test_the_print_desk_and_the_dashboard_group_thousands_alike(client, kupang, clerk, head, keeper):
    from backlog.ledger import receive_blanks

    receive_blanks(office=kupang, quantity=1312, reference="470/1/2018", by=keeper)
    desk = visible_text(page(as_user(client, clerk).get(reverse("print_desk"))))
    dashboard = visible_text(page(as_user(client, head).get(reverse("dashboard"))))
    stock = visible_text(page(as_user(client, keeper).get(reverse("stock"))))
    for text in (desk, dashboard, stock):
        assert "1.312" in text and "1312" not in text
