"""The pickup desk, as a clerk works it: find a ready card, record who collected it, and the lists of cards on the shelf."""
from datetime import date, timedelta

import pytest
from django.utils import timezone

from inventory.selectors import stock_report
from people.roles import Role, system_user
from backlog.ledger import receive_blanks
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from backlog.desks import mark_printed, record_pickup
from backlog.queue import build_print_queue
from backlog.imports import import_enrollments
from tests import factories as f
from tests.pages import logged_in, post_at_once

pytestmark = pytest.mark.django_db


def cards(office, by, tmp_path, residents, *, blanks=None, printed=None):
    """Enroll (name, enrollment date) residents, queue them on `blanks` blanks and print the first `printed`.

    Returns the print jobs in print order.
    """
    rows = [f.row(day, code=office.code, name=name) for name, day in residents]
    import_enrollments(office=office, path=f.siak_file(tmp_path / f"siak-{office.code}-{len(residents)}.csv", rows), by=by)
    receive_blanks(office=office, quantity=blanks or len(residents), reference=f"470/{office.code}/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=by)
    jobs = list(queue_in_print_order(office))
    for job in jobs[: len(jobs) if printed is None else printed]:
        mark_printed(job=job, by=by)
    return [PrintJob.objects.select_related("enrollment").get(pk=job.pk) for job in jobs]


KUPANG = [("Yohanes Ndoen", date(2018, 1, 10)), ("Maria Bria", date(2018, 1, 20)), ("Maria Goreti Nalle", date(2018, 2, 3)),
          ("Petrus Tefa", date(2018, 2, 14)), ("Agustina Bria", date(2018, 4, 2))]


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def found(page):
    return [row.record.enrollment.name for row in page.context["results"].paginated_rows]


def test_a_clerk_finds_a_ready_card_by_nik_and_records_who_collected_it(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG)
    client = logged_in(clerk)
    nik = jobs[1].enrollment.nik
    page = client.get("/pengambilan/", {"q": nik})
    assert found(page) == ["Maria Bria"]
    assert f'href="/pengambilan/{jobs[1].pk}/"' in page.content.decode() and "Serahkan" in page.content.decode()
    card = client.get(f"/pengambilan/{jobs[1].pk}/")
    assert "Catat pengambilan" in card.content.decode()
    done = client.post(f"/pengambilan/{jobs[1].pk}/serahkan/", {"collected_as": "self"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/pengambilan/{jobs[1].pk}/"
    assert messages_of(done) == [f"Kartu Maria Bria, NIK {nik}, diserahkan kepada Maria Bria. Cetak tanda terima untuk ditandatangani."]
    assert f'href="/pengambilan/{jobs[1].pk}/tanda-terima/"' in done.content.decode()
    job = PrintJob.objects.get(pk=jobs[1].pk)
    assert (job.collected_by_name, job.collected_by_nik, job.collected_as, job.handed_over_by) == ("Maria Bria", nik, "self", clerk)
    assert timezone.now() - job.collected_at < timedelta(minutes=1)
    assert (stock_report(kupang)["collected"], stock_report(kupang)["ready_for_pickup"]) == (1, 4)
    again = client.get("/pengambilan/", {"q": nik})
    assert "Sudah diambil pada" in again.content.decode() and "Maria Bria" in again.content.decode()


def test_a_name_finds_the_ready_cards_whatever_the_case_and_word_order(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG, printed=4)
    record_pickup(job=jobs[0], by=clerk)
    client = logged_in(clerk)
    assert found(client.get("/pengambilan/", {"q": "maria"})) == ["Maria Bria", "Maria Goreti Nalle"]
    assert found(client.get("/pengambilan/", {"q": "nalle MARIA"})) == ["Maria Goreti Nalle"]
    # Collected (Yohanes) and not yet printed (Agustina) cards are not on the shelf.
    assert found(client.get("/pengambilan/", {"q": "Yohanes"})) == []
    assert found(client.get("/pengambilan/", {"q": "Agustina"})) == []


def test_a_nik_whose_card_is_not_printed_says_where_it_is(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG, printed=0)
    page = logged_in(clerk).get("/pengambilan/", {"q": jobs[0].enrollment.nik})
    assert found(page) == []
    assert "Dalam antrean cetak" in page.content.decode()


def test_an_unknown_nik_is_not_found_here(kupang, clerk, tmp_path):
    cards(kupang, clerk, tmp_path, KUPANG)
    page = logged_in(clerk).get("/pengambilan/", {"q": f.nik("5371", date(1970, 1, 1))})
    assert "Tidak ada perekaman dengan NIK ini di dinas ini." in page.content.decode()


@pytest.mark.parametrize(("typed", "error"), [("5371011705", "NIK harus 16 digit angka"), ("yo", "Ketik paling sedikit 3 huruf nama.")])
def test_the_search_refuses_a_partial_nik_or_a_too_short_name_next_to_the_field(typed, error, kupang, clerk, tmp_path):
    cards(kupang, clerk, tmp_path, KUPANG)
    page = logged_in(clerk).get("/pengambilan/", {"q": typed})
    assert page.context["form"].errors["q"] == [error]
    assert error in page.content.decode() and page.context["results"] is None


def test_the_same_pickup_sent_twice_is_recorded_once(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:1])
    client = logged_in(clerk)
    url = f"/pengambilan/{jobs[0].pk}/serahkan/"
    client.post(url, {"collected_as": "self"})
    first = PrintJob.objects.get(pk=jobs[0].pk)
    again = client.post(url, {"collected_as": "attorney", "name": "Someone Else", "nik": f.nik("5371", date(1980, 3, 3))}, follow=True)
    assert messages_of(again)[-1] == "Kartu ini sudah diambil oleh Yohanes Ndoen; tidak ada yang diubah."
    job = PrintJob.objects.get(pk=jobs[0].pk)
    assert (job.collected_at, job.collected_by_name) == (first.collected_at, "Yohanes Ndoen")
    assert stock_report(kupang)["collected"] == 1


def test_someone_collecting_for_the_holder_gives_a_name_and_a_nik(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:1])
    url = f"/pengambilan/{jobs[0].pk}/serahkan/"
    page = logged_in(clerk).post(url, {"collected_as": "attorney", "name": "   ", "nik": ""})
    assert page.status_code == 200
    assert page.context["form"].errors == {"name": ["Tuliskan nama orang yang mengambil kartu."],
                                           "nik": ["Tuliskan NIK orang yang mengambil kartu."]}
    assert PrintJob.objects.get(pk=jobs[0].pk).collected_at is None
    too_long = logged_in(clerk).post(url, {"collected_as": "attorney", "name": "x" * 201, "nik": f.nik()})
    assert too_long.context["form"].errors["name"]
    nobody = logged_in(clerk).post(url, {})
    assert nobody.context["form"].errors["collected_as"] == ["Sebutkan siapa yang mengambil kartu."]
    assert stock_report(kupang)["collected"] == 0


def test_a_card_not_yet_printed_has_no_pickup_page(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:2], printed=1)
    client = logged_in(clerk)
    assert client.get(f"/pengambilan/{jobs[1].pk}/").status_code == 404
    assert client.post(f"/pengambilan/{jobs[1].pk}/serahkan/", {"collected_as": "self"}).status_code == 404
    assert client.get(f"/pengambilan/{jobs[1].pk}/tanda-terima/").status_code == 404
    assert stock_report(kupang)["collected"] == 0


def test_the_desk_counts_ready_cards_by_enrollment_month_and_the_list_shows_one_month(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG)
    record_pickup(job=jobs[0], by=clerk)
    client = logged_in(clerk)
    desk = client.get("/pengambilan/")
    assert [(row["month"], row["cards"]) for row in desk.context["months"]] == [
        (date(2018, 1, 1), 1), (date(2018, 2, 1), 2), (date(2018, 4, 1), 1)]
    assert desk.context["ready"] == 4
    html = desk.content.decode()
    assert 'href="/pengambilan/siap/?month=2018-02"' in html and "Februari 2018" in html
    february = client.get("/pengambilan/siap/", {"month": "2018-02"})
    assert [row.record.enrollment.name for row in february.context["table"].paginated_rows] == ["Maria Goreti Nalle", "Petrus Tefa"]


def test_the_list_shows_cards_printed_long_ago_and_still_not_collected(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG)
    PrintJob.objects.filter(pk__in=[jobs[1].pk, jobs[3].pk]).update(printed_at=timezone.now() - timedelta(days=120))
    PrintJob.objects.filter(pk=jobs[0].pk).update(printed_at=timezone.now() - timedelta(days=400))
    record_pickup(job=jobs[0], by=clerk)  # collected: no longer waiting
    client = logged_in(clerk)
    assert client.get("/pengambilan/").context["long_ago"] == 2
    page = client.get("/pengambilan/siap/", {"printed_days_ago": "90", "sort": "-waiting"})
    rows = list(page.context["table"].paginated_rows)
    assert [row.record.enrollment.name for row in rows] == ["Maria Bria", "Petrus Tefa"]
    assert rows[0].get_cell("waiting") == 120
    assert "Hari di rak" in page.content.decode()


def test_the_list_refuses_a_bad_month_next_to_the_field_and_keeps_listing(kupang, clerk, tmp_path):
    cards(kupang, clerk, tmp_path, KUPANG)
    page = logged_in(clerk).get("/pengambilan/siap/", {"month": "2018-13", "printed_days_ago": "7"})
    form = page.context["filter"].form
    assert form.errors["month"] and form.errors["printed_days_ago"]
    assert len(list(page.context["table"].paginated_rows)) == 5


def test_the_list_sorts_by_name_and_pages(kupang, clerk, tmp_path):
    residents = [(f"Warga {i:02d}", date(2017, 1, 1) + timedelta(days=i)) for i in range(30)]
    cards(kupang, clerk, tmp_path, residents)
    client = logged_in(clerk)
    first = client.get("/pengambilan/siap/", {"sort": "-name"})
    assert [row.record.enrollment.name for row in first.context["table"].paginated_rows][:2] == ["Warga 29", "Warga 28"]
    second = client.get("/pengambilan/siap/", {"sort": "-name", "page": 2})
    assert [row.record.enrollment.name for row in second.context["table"].paginated_rows] == [f"Warga {i:02d}" for i in range(4, -1, -1)]


# Who may do what: a clerk and a head of 5371, a clerk of 3603 (and the stock keeper, who only looks).

def test_the_head_and_the_stock_keeper_look_but_do_not_hand_over(kupang, clerk, head, keeper, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:1])
    for user in (head, keeper):
        client = logged_in(user)
        for url in ("/pengambilan/", f"/pengambilan/?q={jobs[0].enrollment.nik}", "/pengambilan/siap/", f"/pengambilan/{jobs[0].pk}/"):
            page = client.get(url)
            assert page.status_code == 200
            assert "/serahkan/" not in page.content.decode()
        assert client.post(f"/pengambilan/{jobs[0].pk}/serahkan/", {"collected_as": "self"}).status_code == 403
    assert stock_report(kupang)["collected"] == 0


def test_a_clerk_of_another_office_gets_404_for_our_cards_and_never_finds_them(kupang, tangerang, clerk, outsider, tmp_path):
    ours = cards(kupang, clerk, tmp_path, KUPANG[:2])
    theirs = cards(tangerang, outsider, tmp_path, [("Budi Santoso", date(2016, 3, 1))])
    client = logged_in(outsider)
    assert client.get(f"/pengambilan/{ours[0].pk}/").status_code == 404
    assert client.post(f"/pengambilan/{ours[0].pk}/serahkan/", {"collected_as": "self"}).status_code == 404
    record_pickup(job=ours[0], by=clerk)
    assert client.get(f"/pengambilan/{ours[0].pk}/tanda-terima/").status_code == 404
    assert found(client.get("/pengambilan/", {"q": ours[0].enrollment.nik})) == []
    assert found(client.get("/pengambilan/", {"q": "Maria"})) == []
    listed = client.get("/pengambilan/siap/")
    assert [row.record.pk for row in listed.context["table"].paginated_rows] == [theirs[0].pk]
    assert client.get("/pengambilan/").context["ready"] == 1
    assert stock_report(kupang)["collected"] == 1


def test_every_pickup_page_and_post_needs_a_login(client):
    for url in ("/pengambilan/", "/pengambilan/siap/", "/pengambilan/1/", "/pengambilan/1/tanda-terima/"):
        assert client.get(url)["Location"].startswith("/masuk/")
    assert client.post("/pengambilan/1/serahkan/")["Location"].startswith("/masuk/")


QUERIES_PICKUP_DESK = 9  # session, user, office, counts, months, long ago, results: count + page, the NIK's records
QUERIES_READY_LIST = 5  # session, user, office, count + page
QUERIES_CARD_PAGE = 5  # session, user, office, the card with its enrollment and clerks, its valid Suket


def test_the_pickup_pages_read_a_fixed_number_of_queries_however_many_cards(kupang, clerk, tmp_path, django_assert_num_queries):
    residents = [(f"Maria {i:02d}", date(2017, 1, 1) + timedelta(days=9 * i)) for i in range(40)]
    jobs = cards(kupang, clerk, tmp_path, residents)
    for job in jobs[:5]:
        record_pickup(job=job, by=clerk)
    client = logged_in(clerk)
    with django_assert_num_queries(QUERIES_PICKUP_DESK - 1):
        client.get("/pengambilan/", {"q": "maria"})
    with django_assert_num_queries(QUERIES_PICKUP_DESK):
        client.get("/pengambilan/", {"q": jobs[0].enrollment.nik})
    with django_assert_num_queries(QUERIES_READY_LIST):
        client.get("/pengambilan/siap/", {"month": "2017-03", "printed_days_ago": "", "q": "mar"})
    with django_assert_num_queries(QUERIES_CARD_PAGE):
        client.get(f"/pengambilan/{jobs[-1].pk}/")
    with django_assert_num_queries(QUERIES_CARD_PAGE - 1):  # collected: no Suket stands in for it any more
        client.get(f"/pengambilan/{jobs[0].pk}/")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_pickup_sent_four_times_at_once_is_recorded_once(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:2])
    clients = [logged_in(clerk) for _ in range(4)]
    forms = [{"collected_as": "attorney", "name": f"Pengambil {i}", "nik": f.nik("5371", date(1980, 3, 3))} for i in range(4)]
    statuses, errors = post_at_once(clients, f"/pengambilan/{jobs[0].pk}/serahkan/", forms)
    assert errors == [] and statuses == [302] * 4
    report = stock_report(kupang)
    assert (report["collected"], report["ready_for_pickup"]) == (1, 1)
    assert PrintJob.objects.get(pk=jobs[0].pk).collected_by_name.startswith("Pengambil ")


def test_the_list_shows_a_page_of_25_whatever_the_url_asks(kupang, clerk, tmp_path):
    residents = [(f"Warga {i:02d}", date(2017, 1, 1) + timedelta(days=i)) for i in range(30)]
    cards(kupang, clerk, tmp_path, residents)
    client = logged_in(clerk)
    assert len(list(client.get("/pengambilan/siap/", {"per_page": 100000}).context["table"].paginated_rows)) == 25
    assert client.get("/pengambilan/siap/", {"page": "x"}).context["table"].page.number == 1
    assert client.get("/pengambilan/siap/", {"page": 99}).context["table"].page.number == 2


# Who collects: the holder, a family member on the same family card (KK), someone with a power of attorney.

KK_RIWU, KK_OTHER = "5371012005170007", "5371012005170099"


def family(office, by, tmp_path):
    """Rina Riwu's card printed (KK_RIWU); her brother Yakobus on the same KK, and a neighbour on another, waiting."""
    header = [*f.HEADER, "no_kk"]
    rows = [f.row(date(2018, 1, 10), name="Rina Riwu", no_kk=KK_RIWU),
            f.row(date(2018, 6, 1), name="Yakobus Riwu", birth=date(1995, 2, 3), no_kk=KK_RIWU),
            f.row(date(2018, 6, 2), name="Tetangga Bria", birth=date(1988, 8, 8), no_kk=KK_OTHER)]
    import_enrollments(office=office, path=f.siak_file(tmp_path / "siak-kk.csv", rows, header=header), by=by)
    receive_blanks(office=office, quantity=1, reference="470/KK/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=by)
    job = mark_printed(job=queue_in_print_order(office).get(), by=by)
    niks = {row["nama"]: row["nik"] for row in rows}
    return PrintJob.objects.select_related("enrollment").get(pk=job.pk), niks


def test_a_family_member_on_the_same_family_card_collects_with_their_name_and_nik(kupang, clerk, tmp_path):
    job, niks = family(kupang, clerk, tmp_path)
    card = logged_in(clerk).get(f"/pengambilan/{job.pk}/")
    assert KK_RIWU in card.content.decode()
    done = logged_in(clerk).post(f"/pengambilan/{job.pk}/serahkan/",
                                 {"collected_as": "family", "name": " Yakobus  Riwu ", "nik": niks["Yakobus Riwu"]}, follow=True)
    assert messages_of(done)[-1].startswith("Kartu Rina Riwu, NIK")
    job.refresh_from_db()
    assert (job.collected_by_name, job.collected_by_nik, job.collected_as) == ("Yakobus Riwu", niks["Yakobus Riwu"], "family")
    assert "Anggota keluarga dalam Kartu Keluarga (KK) yang sama" in done.content.decode()
    history = logged_in(clerk).get(f"/perekaman/{job.enrollment_id}/").content.decode()
    assert f"Diambil oleh Yakobus Riwu (NIK {niks['Yakobus Riwu']}; Anggota keluarga dalam Kartu Keluarga (KK) yang sama)" in history


def test_a_family_member_not_on_the_holders_family_card_is_refused_with_the_reason(kupang, clerk, tmp_path):
    job, niks = family(kupang, clerk, tmp_path)
    client = logged_in(clerk)
    page = client.post(f"/pengambilan/{job.pk}/serahkan/", {"collected_as": "family", "name": "Tetangga Bria", "nik": niks["Tetangga Bria"]})
    assert page.status_code == 200
    assert page.context["form"].errors["nik"] == [
        f"NIK {niks['Tetangga Bria']} tidak tercatat dalam Kartu Keluarga pemilik kartu (KK {KK_RIWU}) pada data dinas ini: anggota "
        "keluarga dari Kartu Keluarga lain hanya dapat mengambil kartu dengan surat kuasa."]
    # A NIK this office has no record of is not on the KK either.
    stranger = client.post(f"/pengambilan/{job.pk}/serahkan/", {"collected_as": "family", "name": "Orang Lain", "nik": f.nik("5371", date(1970, 1, 1))})
    assert "tidak tercatat dalam Kartu Keluarga" in stranger.context["form"].errors["nik"][0]
    assert PrintJob.objects.get(pk=job.pk).collected_at is None
    # With a power of attorney, the neighbour may.
    client.post(f"/pengambilan/{job.pk}/serahkan/", {"collected_as": "attorney", "name": "Tetangga Bria", "nik": niks["Tetangga Bria"]})
    job.refresh_from_db()
    assert (job.collected_by_name, job.collected_as) == ("Tetangga Bria", "attorney")


def test_without_a_family_card_in_the_import_a_family_member_is_recorded_with_their_nik(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:1])
    assert jobs[0].enrollment.family_card == ""
    assert "tidak ada dalam data impor" in logged_in(clerk).get(f"/pengambilan/{jobs[0].pk}/").content.decode()
    brother = f.nik("5371", date(1993, 4, 5))
    job = record_pickup(job=jobs[0], by=clerk, collected_as="family", name="Markus Ndoen", nik=brother)
    assert (job.collected_by_name, job.collected_by_nik, job.collected_as) == ("Markus Ndoen", brother, "family")


@pytest.mark.parametrize(("nik", "error"), [
    ("5371011705", "NIK pengambil: NIK harus 16 digit angka."),
    ("9999011705900001", "NIK pengambil: kode wilayah NIK 9999 bukan kabupaten/kota yang dikenal."),
    ("5371011713900001", "NIK pengambil: NIK tidak memuat tanggal lahir yang sah."),
])
def test_the_collectors_nik_is_checked_as_every_nik_is(nik, error, kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:1])
    page = logged_in(clerk).post(f"/pengambilan/{jobs[0].pk}/serahkan/", {"collected_as": "attorney", "name": "Kuasa", "nik": nik})
    assert page.context["form"].errors["nik"] == [error]
    assert PrintJob.objects.get(pk=jobs[0].pk).collected_at is None


def test_the_holders_own_nik_is_not_a_family_member_or_an_attorney(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:1])
    page = logged_in(clerk).post(f"/pengambilan/{jobs[0].pk}/serahkan/",
                                 {"collected_as": "family", "name": "Yohanes", "nik": jobs[0].enrollment.nik})
    assert page.context["form"].errors["nik"] == ["Ini NIK pemilik kartu sendiri: catat pengambilan sebagai pemilik kartu sendiri."]


# Finding the card: words from their start, links to the card, its record and its Suket.

def test_a_name_search_matches_words_from_their_start(kupang, clerk, tmp_path):
    cards(kupang, clerk, tmp_path, [("Rina Riwu", date(2018, 1, 1)), ("Katarina Riwu", date(2018, 1, 2)), ("Riwu Rinawati", date(2018, 1, 3)),
                                    ("Maria-Goreti Seran", date(2018, 1, 4))])
    client = logged_in(clerk)
    assert found(client.get("/pengambilan/", {"q": "rina riwu"})) == ["Rina Riwu", "Riwu Rinawati"]
    assert found(client.get("/pengambilan/", {"q": "RIN"})) == ["Rina Riwu", "Riwu Rinawati"]
    assert found(client.get("/pengambilan/", {"q": "goreti"})) == ["Maria-Goreti Seran"]
    assert found(client.get("/pengambilan/", {"q": "tarina"})) == []


def test_a_name_matching_too_many_cards_lists_some_and_asks_for_more_of_it(kupang, clerk, tmp_path, monkeypatch):
    from printing import selectors

    cards(kupang, clerk, tmp_path, [(f"Rina Riwu {n}", date(2018, 1, 1 + n)) for n in range(4)] + [("Rina Bria", date(2018, 2, 1))])
    monkeypatch.setattr(selectors, "NAME_MATCHES_SHOWN", 2)
    client = logged_in(clerk)
    page = client.get("/pengambilan/", {"q": "rina riwu"})
    assert len(found(page)) == 3 and all(name.startswith("Rina Riwu") for name in found(page))
    assert "Lebih dari 2 kartu siap diambil cocok dengan nama ini" in page.content.decode()
    fewer = client.get("/pengambilan/", {"q": "rina bria"})
    assert found(fewer) == ["Rina Bria"] and 'id="too-many"' not in fewer.content.decode()


def test_search_results_link_to_the_card(kupang, clerk, tmp_path):
    jobs = cards(kupang, clerk, tmp_path, KUPANG[:2])
    html = logged_in(clerk).get("/pengambilan/", {"q": "maria"}).content.decode()
    assert f'<a href="/pengambilan/{jobs[1].pk}/">Maria Bria</a>' in html
    assert f'<a href="/pengambilan/{jobs[1].pk}/">{jobs[1].enrollment.nik}</a>' in html


def test_a_waiting_card_links_to_its_record_and_its_valid_suket(kupang, clerk, tmp_path):
    from backlog.suket import issue_suket
    from registry.models import Enrollment

    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 1), date(2018, 1, 2)])
    first, second = Enrollment.objects.order_by("enrolled_on")
    suket = issue_suket(enrollment=first, by=clerk)
    receive_blanks(office=kupang, quantity=2, reference="R1", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=kupang, by=system_user())
    jobs = [mark_printed(job=job, by=clerk) for job in queue_in_print_order(kupang)]
    client = logged_in(clerk)
    html = client.get(f"/pengambilan/{jobs[0].pk}/").content.decode()
    assert f'href="/perekaman/{first.pk}/"' in html
    assert f'<a href="/suket/{suket.pk}/" id="suket">{suket.number}</a>' in html
    other = client.get(f"/pengambilan/{jobs[1].pk}/").content.decode()
    assert f'href="/perekaman/{second.pk}/"' in other and 'id="suket"' not in other
    record_pickup(job=jobs[0], by=clerk)  # the Suket ends with the pickup: no longer shown
    assert 'id="suket"' not in client.get(f"/pengambilan/{jobs[0].pk}/").content.decode()


@pytest.mark.postgres
@pytest.mark.breaks_ledger  # the cards are written straight into their tables, without blanks or movements: only the plan matters
def test_on_postgresql_a_name_search_reads_the_office_s_name_index(kupang, tangerang, clerk, tmp_path):
    """20,000 records, 2,000 cards ready, in two offices: "rina riwu" is looked up in the index of the office's ready names."""
    from django.db import connection

    from printing.models import QueueBuild
    from printing.selectors import pickup_search
    from registry.models import Enrollment, EnrollmentState
    from registry.names import with_name_words

    first, last = ["Rina", "Katarina", "Yohanes", "Maria", "Petrus", "Agustina", "Yakobus", "Bernadus"], ["Riwu", "Bria", "Tefa", "Ndoen", "Seran"]
    for office in (kupang, tangerang):
        build = QueueBuild.objects.create(office=office, available=0)
        records = Enrollment.objects.bulk_create(
            Enrollment(office=office, nik=f"{office.code}01{1_000_000_000 + n:010d}", name=f"{first[n % 8]} {last[n % 5]} {n}",
                       birth_place="Kupang", birth_date=date(1990, 1, 1), sex="L", address="Jl. Timor Raya", rt="001", rw="002",
                       village="Oebobo", subdistrict="Oebobo", enrolled_on=date(2018, 1, 1),
                       state=EnrollmentState.READY if n % 10 == 0 else EnrollmentState.RECORDED)  # a tenth ready, as in life
            for n in range(10_000))
        PrintJob.objects.bulk_create(
            PrintJob(office=office, enrollment=record, build=build, state=PrintJob.State.PRINTED, enrolled_on=record.enrolled_on,
                     printed_at=timezone.now()) for record in records if record.state == EnrollmentState.READY)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_enrollment")
        cursor.execute("ANALYZE printing_printjob")
    ready = Enrollment.objects.filter(office=kupang, state=EnrollmentState.READY)
    assert "enrollment_ready_name_words" in with_name_words(ready, "rina riwu").explain()
    plan = pickup_search(kupang, "rina riwu 15").explain()
    assert "enrollment_ready_name_words" in plan, plan
    assert "Seq Scan on registry_enrollment" not in plan
    names = list(pickup_search(kupang, "rina riwu").values_list("enrollment__name", flat=True))
    assert len(names) == 101 and all(name.startswith("Rina Riwu ") for name in names)  # 250 match: the desk asks for more
    assert list(pickup_search(kupang, "riwu 12 rina").values_list("enrollment__name", flat=True)) == [
        "Rina Riwu 120", "Rina Riwu 1200", "Rina Riwu 1240", "Rina Riwu 1280"]
