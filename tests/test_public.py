"""The residents' pages, as a resident on a phone uses them: the ready board, my card, checking a Suket.

Privacy is asserted on what the page shows: no name (except masked on a
Suket), no NIK, and 'not found' is one page whatever was typed.
"""
import math
import re
import time
import uuid
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from backlog.desks import mark_printed, record_pickup
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request, mark_request_sent
from backlog.suket import issue_suket
from common.dates import local_day
from people.roles import Role, system_user
from printing.models import PrintJob
from public.models import LookupCount
from public.ratelimit import count_lookup
from public.selectors import add_working_days, mask_name
from registry.models import Enrollment, Office
from tests import factories as f
from tests.loopback import free_port
from tests.parallel import in_threads_at_once
from tests.test_translations import english_msgids

pytestmark = pytest.mark.django_db

BIRTH = date(1990, 5, 17)
WRONG_BIRTH = date(1990, 5, 18)
MY_CARD = "/publik/kartu-saya/"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Counters and the cached board of this test only, whatever the cache (Redis in CI): nothing is flushed."""
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def kupang():
    office = f.office("5371")
    Office.objects.filter(pk=office.pk).update(address="Jl. S. K. Lerik, Kelapa Lima, Kota Kupang", opening_hours="Senin–Jumat 08.00–15.00")
    office.refresh_from_db()
    return office


def enroll(office, by, tmp_path, residents, *, code=None):
    """Import residents given as (name, enrollment date); returns their records in that order."""
    rows = [f.row(day, code=code or office.code, name=name, birth=BIRTH) for name, day in residents]
    path = f.siak_file(tmp_path / f"siak-{uuid.uuid4().hex}.csv", rows, header=f.HEADER_WITH_MOTHER)
    import_enrollments(office=office, path=path, by=by)
    return [Enrollment.objects.get(office=office, nik=values["nik"], enrolled_on=values["tanggal_rekam"]) for values in rows]


def print_jobs(jobs, by, *, on=None, monkeypatch=None):
    """Mark jobs printed, today or at 10:00 on a past day (the ledger takes the time of the movement)."""
    if on is not None:
        moment = timezone.make_aware(datetime(on.year, on.month, on.day, 10, 0))
        monkeypatch.setattr(timezone, "now", lambda: moment)
    for job in jobs:
        mark_printed(job=job, by=by)
    if on is not None:
        monkeypatch.undo()


def job_of(enrollment):
    return PrintJob.objects.get(enrollment=enrollment, state__in=["queued", "printed"])


def text(response):
    """What the resident reads: the page's text, without markup."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def look_up(client, nik, birth, mother=f.MOTHER, **extra):
    return client.post(MY_CARD, {"nik": nik, "tanggal_lahir": birth.isoformat(), "nama_ibu": mother}, **extra)


def without_csrf_token(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture
def kupang_2018(kupang, clerk, tmp_path):
    """Kupang in July 2018, small: January's cards printed, February's in the queue, April's waiting for blanks."""
    records = enroll(kupang, clerk, tmp_path, [
        ("Yohanes Ndoen", date(2018, 1, 15)), ("Maria Bria", date(2018, 1, 20)),
        ("Agustinus Tefa", date(2018, 2, 1)), ("Yuliana Seran", date(2018, 2, 14)),
        ("Petrus Nope", date(2018, 4, 9)), ("Dominggus Lay", date(2018, 4, 30)),
    ])
    receive_blanks(office=kupang, quantity=4, reference="470/88/DKPS/2018", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=kupang, by=system_user())
    print_jobs([job_of(records[0]), job_of(records[1])], clerk)
    return records


# The start page and the ready board

def test_the_start_page_lists_every_office_and_leads_to_my_card_and_the_suket_check(client, kupang, tangerang):
    page = client.get("/publik/")
    assert page.status_code == 200
    shown = text(page)
    assert "Kota Kupang" in shown and "Kabupaten Tangerang" in shown
    html = page.content.decode()
    for url in ("/publik/5371/", "/publik/3603/", MY_CARD, "/publik/suket/"):
        assert f'href="{url}"' in html


def test_the_ready_board_says_which_months_can_collect_and_how_far_printing_has_reached(client, kupang_2018):
    page = client.get("/publik/5371/")
    assert page.status_code == 200
    shown = text(page)
    assert "Kota Kupang: e-KTP yang siap diambil" in shown
    assert "Jl. S. K. Lerik, Kelapa Lima, Kota Kupang" in shown and "Jam layanan: Senin–Jumat 08.00–15.00" in shown
    assert "Januari 2018 2" in shown  # two cards of January enrollees on the shelf
    assert "Februari 2018 2" not in shown and "April 2018 2" not in shown
    assert "Pencetakan sudah sampai pada warga yang melakukan perekaman bulan Februari 2018." in shown
    assert "Berikutnya: warga yang melakukan perekaman bulan April 2018." in shown
    assert "Dinas tidak lagi memiliki blanko untuk 2 warga yang masih menunggu." in shown
    assert "setelah blanko datang dari Kementerian Dalam Negeri" in shown


def test_the_ready_board_never_says_next_is_a_month_before_the_one_printing_has_reached(client, kupang_2018, kupang, clerk, tmp_path):
    """A record of 2016 imported late waits for a blank: the board does not say "reached February 2018, next: January 2016"."""
    rows = [f.row(date(2016, 1, 12), name="Marthen Manafe", birth=date(1985, 3, 3))]
    import_enrollments(office=kupang, path=f.siak_file(tmp_path / "late.csv", rows, header=f.HEADER_WITH_MOTHER), by=clerk)
    shown = text(client.get("/publik/5371/"))
    assert "Pencetakan sudah sampai pada warga yang melakukan perekaman bulan Februari 2018." in shown
    assert "Berikutnya: warga yang melakukan perekaman bulan April 2018." in shown
    assert "Januari 2016" not in shown


def test_the_ready_board_says_when_the_office_asked_the_ministry_for_blanks(client, kupang_2018, kupang, head):
    mark_request_sent(request=draft_blank_request(office=kupang, quantity=16000, reference="470/90/DKPS/2018", by=head),
                      by=head, sent_on=date(2018, 6, 26))
    assert "Dinas telah meminta tambahan blanko kepada Kemendagri pada 26 Juni 2018." in text(client.get("/publik/5371/"))


def test_the_ready_board_shows_no_name_and_no_nik(client, kupang_2018):
    html = client.get("/publik/5371/").content.decode()
    for record in kupang_2018:
        assert record.name not in html and record.nik not in html


def test_the_ready_board_of_an_office_with_nothing_yet_says_so(client, kupang):
    shown = text(client.get("/publik/5371/"))
    assert "Saat ini tidak ada kartu yang menunggu diambil." in shown
    assert "Tidak ada kartu yang menunggu dicetak." in shown


def test_an_unknown_office_code_is_not_found(client, kupang):
    assert client.get("/publik/9999/").status_code == 404


def test_the_ready_board_costs_the_same_few_queries_for_any_number_of_months(client, kupang_2018, kupang, clerk, tmp_path, django_assert_max_num_queries):
    more = enroll(kupang, clerk, tmp_path, [("Warga", date(2017, month, 3)) for month in range(1, 13)])
    receive_blanks(office=kupang, quantity=12, reference="R-2", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=kupang, by=system_user())
    print_jobs([job_of(record) for record in more], clerk)
    with django_assert_max_num_queries(10):
        assert client.get("/publik/5371/").status_code == 200
    with django_assert_max_num_queries(1):  # the board comes from the cache; the office is the one query
        assert client.get("/publik/5371/").status_code == 200


# My card

def test_a_card_on_the_shelf_says_where_to_collect_it_and_what_to_bring(client, kupang_2018):
    page = look_up(client, kupang_2018[0].nik, BIRTH)
    assert page.status_code == 200
    shown = text(page)
    assert "e-KTP Anda sudah dicetak dan siap diambil di Kota Kupang." in shown
    assert "Jl. S. K. Lerik, Kelapa Lima, Kota Kupang" in shown and "Senin–Jumat 08.00–15.00" in shown
    assert "Bawa Kartu Keluarga (KK)" in shown


def test_a_queued_card_gets_an_estimate_from_its_place_in_print_order_and_the_recent_rate(client, kupang, clerk, tmp_path, monkeypatch):
    records = enroll(kupang, clerk, tmp_path, [("Warga", date(2018, 1, 1) + timedelta(days=n)) for n in range(30)])
    receive_blanks(office=kupang, quantity=30, reference="R-1", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=kupang, by=system_user())
    today = local_day(kupang)
    monday = today - timedelta(days=today.weekday() + 7)
    print_jobs([job_of(record) for record in records[:10]], clerk, on=monday, monkeypatch=monkeypatch)
    from inventory.selectors import print_rate

    per_day = print_rate(kupang).per_day
    mine = records[14]  # four queued cards (enrolled before it) are printed first
    shown = text(look_up(client, mine.nik, BIRTH))
    assert "e-KTP Anda sudah masuk antrean cetak di Kota Kupang" in shown
    assert "Kartu yang dicetak sebelum kartu Anda: 4." in shown
    days = math.ceil(5 / per_day)
    around = add_working_days(today, days)
    from django.utils.formats import date_format

    assert f"sekitar {days} hari kerja lagi: sekitar {date_format(around, 'l, j F Y')}." in shown
    assert "hari libur tidak dihitung" in shown


def test_a_waiting_card_with_no_blank_left_waits_for_the_ministry_and_gets_no_date(client, kupang_2018):
    shown = text(look_up(client, kupang_2018[5].nik, BIRTH))
    assert "Sudah direkam, menunggu dicetak" in shown
    assert "Perekaman Anda dilakukan di Kota Kupang pada bulan April 2018." in shown
    assert "Warga yang merekam lebih dulu dan juga menunggu blanko: 1." in shown
    assert "Kartu Anda menunggu blanko dari Kementerian Dalam Negeri, sehingga belum ada tanggal yang bisa diberikan." in shown
    assert "hari kerja lagi" not in shown


def test_a_waiting_card_with_blanks_available_counts_the_queue_ahead_of_it(client, kupang_2018, kupang, clerk):
    receive_blanks(office=kupang, quantity=5, reference="R-2", by=f.person(kupang, Role.STOCK_KEEPER))  # the queue is not rebuilt yet
    shown = text(look_up(client, kupang_2018[5].nik, BIRTH))
    # Two February cards are queued, and the other April card enrolled first.
    assert "Kartu yang dicetak sebelum kartu Anda: 3." in shown
    assert "Dinas tidak mencetak kartu dalam enam minggu terakhir" in shown  # printing began today: no rate yet


def test_a_collected_card_says_when_and_where_and_not_who(client, kupang_2018, clerk):
    record_pickup(job=job_of(kupang_2018[1]), by=clerk)
    shown = text(look_up(client, kupang_2018[1].nik, BIRTH))
    today = local_day(kupang_2018[1].office)
    from django.utils.formats import date_format

    assert f"e-KTP Anda sudah diambil di Kota Kupang pada {date_format(today, 'j F Y')}." in shown
    assert "Bernadus" not in shown


def test_a_card_on_hold_asks_the_resident_to_come_in_person_with_what_to_bring(client, kupang, clerk, tmp_path):
    first = enroll(kupang, clerk, tmp_path, [("Yohanes Ndoen", date(2017, 3, 1))])[0]
    rows = [f.row(date(2018, 2, 1), code="5371", name="Yohanes Ndoen", birth=BIRTH, number=first.nik)]
    import_enrollments(office=kupang, path=f.siak_file(tmp_path / "again.csv", rows, header=f.HEADER_WITH_MOTHER), by=clerk)
    page = look_up(client, first.nik, BIRTH)
    shown = text(page)
    assert page.content.decode().count('data-state="on_hold"') == 1  # two records, one case, one answer
    assert "Ditahan: datang langsung" in shown
    assert "Silakan datang langsung ke Kota Kupang dengan membawa:" in shown
    assert "KTP-el lama, bila ada" in shown and "Kartu Keluarga (KK)" in shown and "akta kelahiran" in shown


def test_a_resident_who_enrolled_at_another_office_is_told_which_office_holds_the_card(client, kupang, tangerang, clerk, tmp_path):
    """A Tangerang-born resident (NIK 3603...) enrolled in Kupang: the one form searches every office."""
    record = enroll(kupang, clerk, tmp_path, [("Siti Aminah", date(2018, 3, 5))], code="3603")[0]
    assert record.nik.startswith("3603")
    shown = text(look_up(client, record.nik, BIRTH))
    assert "Perekaman Anda dilakukan di Kota Kupang pada bulan Maret 2018." in shown


def test_the_per_office_address_of_my_card_leads_to_the_one_form(client, kupang):
    response = client.get("/publik/5371/kartu-saya/")
    assert response.status_code == 302 and response["Location"] == MY_CARD


def test_a_found_card_shows_no_name_no_nik_and_no_birth_date(client, kupang_2018):
    for record in kupang_2018:
        html = look_up(client, record.nik, BIRTH).content.decode()
        assert record.name not in html and record.nik not in html
        assert "1990" not in html and "17 Mei" not in html


def test_a_malformed_nik_is_explained_and_a_nik_with_spaces_is_accepted(client, kupang_2018):
    assert "NIK terdiri dari 16 angka." in text(client.post(MY_CARD, {"nik": "5371 0117", "tanggal_lahir": "1990-05-17"}))
    spaced = " ".join(re.findall(".{4}", kupang_2018[0].nik))
    assert "siap diambil di Kota Kupang" in text(client.post(MY_CARD, {"nik": spaced, "tanggal_lahir": "17-05-1990", "nama_ibu": f.MOTHER}))


# Privacy of 'my card'

def test_a_wrong_birth_date_another_offices_nik_and_an_unknown_nik_get_the_same_answer(client, kupang_2018, tangerang, tmp_path):
    tangerang_clerk = f.user(tangerang, Role.CLERK)
    theirs = enroll(tangerang, tangerang_clerk, tmp_path, [("Ahmad Fauzi", date(2017, 11, 2))])[0]
    unknown = f.nik("5371", BIRTH, serial=9999)
    assert not Enrollment.objects.filter(nik=unknown).exists()
    answers = [look_up(client, kupang_2018[0].nik, WRONG_BIRTH), look_up(client, theirs.nik, WRONG_BIRTH),
               look_up(client, unknown, BIRTH), look_up(client, unknown, WRONG_BIRTH)]
    assert {answer.status_code for answer in answers} == {200}
    typed = [(kupang_2018[0].nik, WRONG_BIRTH), (theirs.nik, WRONG_BIRTH), (unknown, BIRTH), (unknown, WRONG_BIRTH)]
    # The same page but for what each resident typed, kept in the form.
    bodies = {without_typed(answer, nik, birth) for answer, (nik, birth) in zip(answers, typed)}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "Tidak ditemukan kartu untuk data ini." in strip_tags(body)
    for name in ("Yohanes", "Ndoen", "Ahmad", "Fauzi", "Kota Kupang", "Tangerang"):
        assert name not in body
    assert kupang_2018[0].nik not in body and theirs.nik not in body  # nothing beyond what was typed


def without_typed(response, nik, birth, mother=f.MOTHER):
    """The page with the values the resident typed (kept in the form's fields) left out."""
    html = without_csrf_token(response)
    for name, value in (("nik", nik), ("tanggal_lahir", birth.isoformat()), ("nama_ibu", mother)):
        html, kept = re.subn(rf'(name="{name}"[^>]*?) value="{re.escape(value)}"', r"\1", html)
        assert kept == (1 if value else 0), name  # an empty field has no value at all
    return html


def test_a_wrong_answer_keeps_what_the_resident_typed_and_nothing_more(client, kupang_2018):
    spaced = " ".join(re.findall(".{4}", kupang_2018[0].nik))
    response = client.post(MY_CARD, {"nik": spaced, "tanggal_lahir": "18-05-1990", "nama_ibu": "Maria Goreti"})
    assert "Tidak ditemukan kartu untuk data ini." in text(response)
    html = response.content.decode()
    assert f'value="{spaced}"' in html  # as typed, spaces and all: the resident fixes one field
    assert 'value="18-05-1990"' in html and 'value="Maria Goreti"' in html
    assert kupang_2018[0].nik not in html and f.MOTHER not in html and "1990-05-17" not in html
    assert "no-store" in response["Cache-Control"]


def test_the_form_asks_for_the_mothers_maiden_name(client, kupang):
    html = client.get(MY_CARD).content.decode()
    assert re.search(r'<label for="id_nama_ibu">Nama ibu kandung</label>', html)
    assert 'name="nama_ibu"' in html


@pytest.mark.parametrize("typed", ["maria goreti ndoen", "  MARIA  GORETI-NDOEN. ", "Maria Goréti N'doen", "Ｍａｒｉａ Goreti Ndoen"])
def test_the_mothers_name_matches_whatever_the_case_spaces_punctuation_and_accents(client, kupang_2018, typed):
    assert "siap diambil di Kota Kupang" in text(look_up(client, kupang_2018[0].nik, BIRTH, mother=typed))


def test_a_wrong_or_missing_mothers_name_and_a_record_without_one_get_the_same_answer_as_an_unknown_nik(
        client, kupang_2018, kupang, clerk, tmp_path, django_assert_num_queries):
    """The birth date is written in the NIK: only the mother's name proves anything, and it is never hinted at."""
    old = f.row(date(2017, 6, 1), name="Marthen Manafe", birth=BIRTH)  # imported from a file without nama_ibu
    import_enrollments(office=kupang, path=f.siak_file(tmp_path / "old.csv", [old]), by=clerk)
    unknown = f.nik("5371", BIRTH, serial=9998)
    lookups = [(kupang_2018[0].nik, "Maria Goreti"), (kupang_2018[0].nik, ""), (kupang_2018[0].nik, " .- "),
               (old["nik"], f.MOTHER), (old["nik"], ""), (unknown, f.MOTHER)]
    look_up(client, unknown, BIRTH)  # opens this client's window (that one also forgets closed windows)
    answers = []
    for nik, mother in lookups:
        with django_assert_num_queries(3):  # the same work for each: the count, the offices, the records
            answers.append(look_up(client, nik, BIRTH, mother=mother))
    assert {answer.status_code for answer in answers} == {200}
    bodies = {without_typed(answer, nik, BIRTH, mother) for answer, (nik, mother) in zip(answers, lookups)}
    assert len(bodies) == 1
    shown = text(answers[0])
    assert "Tidak ditemukan kartu untuk data ini." in shown
    # It points to the boards of all offices, never to the office that holds the record.
    assert "papan kartu siap diambil" in shown and 'href="/publik/#siap-diambil"' in bodies.pop()
    assert "Kota Kupang" not in shown and "/publik/5371/" not in answers[3].content.decode()


def test_guessed_niks_next_to_real_ones_find_nothing_and_show_no_name(client, kupang_2018, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 100
    real = {record.nik for record in kupang_2018}
    guesses = [nik[:12] + f"{(int(nik[12:]) + step) % 10000:04d}" for nik in real for step in (1, 2, 3)]
    for guess in sorted(set(guesses) - real):
        html = without_typed(look_up(client, guess, BIRTH), guess, BIRTH)
        assert "Tidak ditemukan kartu" in html
        assert not any(record.name.split()[0] in html for record in kupang_2018)


def test_the_my_card_answer_is_never_cached(client, kupang_2018):
    response = look_up(client, kupang_2018[0].nik, BIRTH)
    assert "no-store" in response["Cache-Control"]


# Rate limits

def test_the_eleventh_lookup_from_one_address_is_refused_and_another_address_still_works(client, kupang_2018):
    for _ in range(10):
        assert look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.1.1.1").status_code == 200
    refused = look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert "Terlalu banyak pemeriksaan dari sambungan Anda. Silakan coba lagi dalam 10 menit." in text(refused)
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "Kota Kupang" not in text(refused)
    other = look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.1.1.2")
    assert other.status_code == 200 and "siap diambil di Kota Kupang" in text(other)


def test_the_refusal_speaks_the_residents_language(client, kupang_2018, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    look_up(client, kupang_2018[0].nik, BIRTH)
    refused = look_up(client, kupang_2018[0].nik, BIRTH)
    assert refused.status_code == 429
    assert "Too many checks were made from your connection. Please try again in 10 minutes." in text(refused)


def test_a_form_that_does_not_reach_the_records_is_not_counted(client, kupang_2018, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 2
    for _ in range(5):
        assert client.post(MY_CARD, {"nik": "12345", "tanggal_lahir": "1990-05-17"}).status_code == 200
    assert "siap diambil" in text(look_up(client, kupang_2018[0].nik, BIRTH))


def test_suket_checks_have_their_own_limit(client, kupang_2018, clerk, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 3
    suket = issue_suket(enrollment=kupang_2018[4], by=clerk)
    for _ in range(3):
        look_up(client, kupang_2018[0].nik, BIRTH)
    assert look_up(client, kupang_2018[0].nik, BIRTH).status_code == 429
    url = reverse("public_suket_check", args=[suket.number])
    for _ in range(3):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429 and "Terlalu banyak pemeriksaan" in text(refused)
    assert client.get(url, REMOTE_ADDR="10.9.9.9").status_code == 200


def test_a_client_sending_x_forwarded_for_itself_is_counted_by_its_own_address(client, kupang_2018, settings):
    """Nobody is trusted as shipped: 31 lookups with 31 made-up X-Forwarded-For, 10 answered."""
    assert settings.TRUSTED_PROXIES == [] and settings.PUBLIC_LOOKUP_LIMIT == 10
    statuses = [look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
                for n in range(31)]
    assert statuses == [200] * 10 + [429] * 21


def test_x_forwarded_for_from_an_address_outside_the_trusted_proxies_is_ignored(client, kupang_2018, settings):
    settings.TRUSTED_PROXIES = ["172.16.0.0/12"]
    settings.PUBLIC_LOOKUP_LIMIT = 2
    for n in range(2):
        look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR="192.0.2.77").status_code == 429


def test_behind_a_trusted_proxy_the_client_it_forwards_is_counted(client, kupang_2018, settings):
    settings.TRUSTED_PROXIES = ["172.16.0.0/12"]
    settings.PUBLIC_LOOKUP_LIMIT = 2
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for _ in range(2):
        assert look_up(client, kupang_2018[0].nik, BIRTH, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 200
    assert look_up(client, kupang_2018[0].nik, BIRTH, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # Another resident behind the same proxy has a limit of their own.
    assert look_up(client, kupang_2018[0].nik, BIRTH, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 200


def test_a_spoofed_entry_left_of_the_proxies_is_ignored_and_the_right_most_untrusted_address_counted(client, kupang_2018, settings):
    """The client wrote 1.1.1.n; our edge proxy (10.0.0.2) appended the client it saw; the inner proxy connected."""
    settings.TRUSTED_PROXIES = ["172.16.0.0/12", "10.0.0.0/8"]
    settings.PUBLIC_LOOKUP_LIMIT = 2
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for n in range(2):
        chain = f"1.1.1.{n}, 203.0.113.7, 10.0.0.2"
        assert look_up(client, kupang_2018[0].nik, BIRTH, HTTP_X_FORWARDED_FOR=chain, **proxy).status_code == 200
    assert look_up(client, kupang_2018[0].nik, BIRTH, HTTP_X_FORWARDED_FOR="1.1.1.9, 203.0.113.7, 10.0.0.2", **proxy).status_code == 429
    # A trusted address written on the left changes nothing: the walk from the right stops at 203.0.113.7.
    assert look_up(client, kupang_2018[0].nik, BIRTH, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7, 10.0.0.2", **proxy).status_code == 429


def test_one_ipv6_network_is_one_client(client, kupang_2018, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 2
    look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="2001:db8:1:2::a")
    look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="2001:db8:1:2::b")
    assert look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="2001:db8:1:2:ffff::1").status_code == 429
    assert look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="2001:db8:1:3::a").status_code == 200


def test_after_the_window_the_resident_may_look_up_again(client, kupang_2018, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 1
    settings.PUBLIC_LOOKUP_WINDOW_SECONDS = 1
    look_up(client, kupang_2018[0].nik, BIRTH)
    assert look_up(client, kupang_2018[0].nik, BIRTH).status_code == 429
    time.sleep(1.2)
    assert look_up(client, kupang_2018[0].nik, BIRTH).status_code == 200


def test_with_the_cache_down_the_public_pages_answer_and_the_limit_still_counts(client, kupang_2018, clerk, settings):
    settings.CACHES = {"default": {**settings.REDIS_CACHE, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    settings.PUBLIC_LOOKUP_LIMIT = 2
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisDown

    with pytest.raises(RedisDown):
        cache._cache.get("anything", None)  # the cache really is away
    suket = issue_suket(enrollment=kupang_2018[4], by=clerk)
    board = client.get("/publik/5371/")
    assert board.status_code == 200 and "Januari 2018 2" in text(board)
    assert client.get("/publik/").status_code == 200
    assert client.get(reverse("public_suket_check", args=[suket.number])).status_code == 200
    answers = [look_up(client, kupang_2018[0].nik, BIRTH).status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def count_from(address):
    """One lookup of `address` counted, as the my-card page counts it: whether it would be answered."""
    return count_lookup("my-card", RequestFactory().post(MY_CARD, REMOTE_ADDR=address)).allowed


@pytest.mark.django_db(transaction=True)
def test_lookups_counted_at_once_on_separate_connections_share_one_count(settings):
    """Four gunicorn workers (threads with their own database connections here) count against one figure."""
    settings.PUBLIC_LOOKUP_LIMIT = 10
    calls = [lambda: [count_from("203.0.113.50") for _ in range(8)] for _ in range(4)]
    results, errors = in_threads_at_once(calls)
    assert errors == []
    answered = [allowed for result in results for allowed in result]
    assert len(answered) == 32 and answered.count(True) == 10
    assert LookupCount.objects.get(scope="my-card", address="203.0.113.50").count == 32


def test_closed_windows_are_forgotten_when_a_new_one_opens(client, kupang_2018, settings):
    settings.PUBLIC_LOOKUP_WINDOW_SECONDS = 1
    look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.3.3.3")
    assert LookupCount.objects.filter(address="10.3.3.3").exists()
    time.sleep(1.2)
    look_up(client, kupang_2018[0].nik, BIRTH, REMOTE_ADDR="10.3.3.4")
    assert list(LookupCount.objects.values_list("address", flat=True)) == ["10.3.3.4"]


# Checking a Suket

def test_the_qr_code_of_a_suket_leads_to_its_check_genuine_valid_and_the_name_masked(client, kupang_2018, clerk):
    suket = issue_suket(enrollment=kupang_2018[4], by=clerk)
    qr_target = django_settings.PUBLIC_BASE_URL + reverse("public_suket_check", args=[suket.number])
    assert qr_target.endswith(f"/publik/suket/{suket.number}/")
    page = client.get(qr_target.removeprefix(django_settings.PUBLIC_BASE_URL))
    assert page.status_code == 200
    shown = text(page)
    from django.utils.formats import date_format

    assert "Asli dan berlaku hari ini." in shown
    assert "Pemegang P. N." in shown  # Petrus Nope: the initials, nothing of the names' lengths
    nik = kupang_2018[4].nik
    assert f"NIK {nik[:6]} ****** **{nik[-2:]}" in shown and "Tahun lahir 1990" in shown
    assert "Dikeluarkan oleh Kota Kupang" in shown
    assert f"Berlaku sampai {date_format(suket.valid_until, 'j F Y')}" in shown
    html = page.content.decode()
    assert "Petrus" not in html and "Nope" not in html and kupang_2018[4].nik not in html
    assert "no-store" in page["Cache-Control"] and '<meta name="robots" content="noindex">' in html


def test_a_suket_ended_by_the_pickup_says_so(client, kupang_2018, clerk):
    queued = kupang_2018[2]
    suket = issue_suket(enrollment=queued, by=clerk)
    print_jobs([job_of(queued)], clerk)
    record_pickup(job=job_of(queued), by=clerk)
    shown = text(client.get(reverse("public_suket_check", args=[suket.number])))
    assert "Asli, tetapi sudah tidak berlaku." in shown
    assert "karena pemegangnya sudah mengambil e-KTP" in shown


def test_an_expired_suket_is_genuine_but_no_longer_valid(client, kupang_2018, clerk):
    suket = issue_suket(enrollment=kupang_2018[5], by=clerk, today=date(2018, 1, 2))
    shown = text(client.get(reverse("public_suket_check", args=[suket.number])))
    assert "Asli, tetapi sudah tidak berlaku." in shown
    assert "Masa berlakunya habis setelah 2 Juli 2018." in shown


def test_a_suket_replaced_after_it_expired_does_not_claim_the_card_was_collected(client, kupang_2018, clerk):
    queued = kupang_2018[3]
    old = issue_suket(enrollment=queued, by=clerk, today=date(2018, 1, 2))
    new = issue_suket(enrollment=queued, by=clerk)
    print_jobs([job_of(queued)], clerk)
    record_pickup(job=job_of(queued), by=clerk)
    old_page, new_page = (text(client.get(reverse("public_suket_check", args=[s.number]))) for s in (old, new))
    assert "Masa berlakunya habis setelah 2 Juli 2018." in old_page and "mengambil e-KTP" not in old_page
    assert "karena pemegangnya sudah mengambil e-KTP" in new_page


def test_an_unknown_number_is_not_genuine(client, kupang):
    page = client.get(reverse("public_suket_check", args=["5371-201807-DEADBEEF"]))
    assert page.status_code == 404
    assert "Tidak ada Suket dengan nomor 5371-201807-DEADBEEF." in text(page)
    assert "jangan diterima" in text(page)


def test_a_number_typed_in_lower_case_finds_the_suket(client, kupang_2018, clerk):
    suket = issue_suket(enrollment=kupang_2018[4], by=clerk)
    response = client.get("/publik/suket/", {"nomor": f"  {suket.number.lower()} "})
    assert response.status_code == 302 and response["Location"] == reverse("public_suket_check", args=[suket.number])
    assert "Asli dan berlaku hari ini." in text(client.get(response["Location"]))


def test_markup_in_a_suket_number_is_shown_as_text(client, kupang):
    page = client.get("/publik/suket/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/")
    assert page.status_code == 404
    assert "<img src=x" not in page.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.content.decode()


def test_mask_name_keeps_the_initials_and_nothing_of_the_lengths():
    assert mask_name("Yohanes Ndoen") == "Y. N."
    assert mask_name("  Siti   Nur  Aminah ") == "S. N. A."
    assert mask_name("Rina Riwu") == mask_name("Rudolfus Rihi") == "R. R."


# Language

def test_every_public_page_is_in_bahasa_indonesia_with_nothing_left_in_english(client, kupang_2018, clerk):
    suket = issue_suket(enrollment=kupang_2018[4], by=clerk)
    english = english_msgids()
    pages = [client.get(url) for url in ("/publik/", "/publik/5371/", MY_CARD, "/publik/suket/",
                                          reverse("public_suket_check", args=[suket.number]),
                                          reverse("public_suket_check", args=["5371-000000-00000000"]))]
    pages += [look_up(client, record.nik, BIRTH) for record in kupang_2018] + [look_up(client, "5371000000000000", BIRTH)]
    for page in pages:
        assert page.status_code in (200, 404)
        shown = text(page)
        assert [msgid for msgid in english if msgid in shown] == [], page.request["PATH_INFO"]


def test_the_language_switch_turns_the_board_into_english(client, kupang_2018):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/publik/5371/"})
    assert response.status_code == 302 and response["Location"] == "/publik/5371/"
    shown = text(client.get("/publik/5371/"))
    assert "Printing has reached residents who enrolled in February 2018." in shown
    assert "Bahasa Indonesia" in shown  # the way back


def test_the_public_pages_need_no_login(kupang_2018):
    anonymous = Client()
    for url in ("/publik/", "/publik/5371/", MY_CARD, "/publik/suket/"):
        assert anonymous.get(url).status_code == 200
