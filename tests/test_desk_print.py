"""The print desk, as a clerk works it: the queue in print order, printed and spoiled cards, batches by NIK, building the queue."""
import time
from datetime import date, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse

from backlog.desks import mark_printed, mark_spoiled_by_nik
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from inventory.models import BlankMovement
from inventory.selectors import stock_report
from people.roles import Role
from desks.printing.forms import _SALT
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from registry.models import Enrollment
from tests import factories as f
from tests.pages import logged_in, post_at_once

pytestmark = pytest.mark.django_db

NAMES = ["Yohanes Ndoen", "Maria Bria", "Fransiskus Lake", "Agustina Nalle", "Petrus Tefa", "Yuliana Bani", "Daniel Ratu",
         "Ester Kase", "Markus Pah", "Rut Sabu", "Simon Tanu", "Debora Mau"]


def enroll(office, by, tmp_path, n, start=date(2018, 1, 1)):
    """n residents with distinct names, enrolled one day apart from `start` (imported newest first)."""
    rows = [f.row(start + timedelta(days=i), code=office.code, name=f"{NAMES[i % len(NAMES)]} {i}") for i in reversed(range(n))]
    import_enrollments(office=office, path=f.siak_file(tmp_path / f"siak-{office.code}-{n}-{start}.csv", rows), by=by)


def queue(office, by, tmp_path, *, enrollments, blanks):
    enroll(office, by, tmp_path, enrollments)
    if blanks:
        receive_blanks(office=office, quantity=blanks, reference=f"470/{office.code}/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=by)
    return list(queue_in_print_order(office))


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def fresh_token(client):
    """The batch form's hidden field, as the desk renders it."""
    return client.get(reverse("print_desk")).context["batch_form"]["listed_at"].value()


def test_the_print_desk_lists_the_queue_oldest_enrollment_first_with_its_place(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=5, blanks=3)
    page = logged_in(clerk).get("/cetak/")
    html = page.content.decode()
    assert page.status_code == 200
    positions = [html.index(job.enrollment.nik) for job in jobs]
    assert positions == sorted(positions)
    assert [row.get_cell("position") for row in page.context["table"].paginated_rows] == [1, 2, 3]
    assert "Meja cetak" in html and "01-01-2018" in html


def test_the_queue_sorted_newest_first_keeps_each_card_its_place_number(kupang, clerk, tmp_path):
    queue(kupang, clerk, tmp_path, enrollments=30, blanks=30)
    table = logged_in(clerk).get("/cetak/?sort=-position&page=2").context["table"]
    rows = list(table.paginated_rows)
    assert [row.get_cell("position") for row in rows] == list(range(5, 0, -1))
    assert rows[-1].record.enrollment.enrolled_on == date(2018, 1, 1)


def test_the_desk_shows_the_blanks_available_and_what_building_now_would_queue(kupang, clerk, tmp_path):
    queue(kupang, clerk, tmp_path, enrollments=10, blanks=3)
    receive_blanks(office=kupang, quantity=4, reference="470/2/2018", by=f.person(kupang, Role.STOCK_KEEPER))
    html = logged_in(clerk).get("/cetak/").content.decode()
    assert "4 blanko tersedia" in html
    assert "4 kartu" in html and "04-01-2018" in html and "07-01-2018" in html


def test_building_the_queue_from_the_desk_queues_the_oldest_and_twice_changes_nothing(kupang, clerk, tmp_path):
    enroll(kupang, clerk, tmp_path, 6)
    receive_blanks(office=kupang, quantity=4, reference="R1", by=f.person(kupang, Role.STOCK_KEEPER))
    client = logged_in(clerk)
    first = client.post("/cetak/antrean/", follow=True)
    assert "Kartu masuk antrean cetak: 4." in messages_of(first)
    again = client.post("/cetak/antrean/", follow=True)
    assert any("tidak ada blanko tersedia" in message for message in messages_of(again))
    assert [job.enrollment.enrolled_on.day for job in queue_in_print_order(kupang)] == [1, 2, 3, 4]
    assert stock_report(kupang)["queued"] == 4


def test_the_head_may_build_the_queue_and_the_build_records_who(kupang, head, tmp_path):
    enroll(kupang, head, tmp_path, 2)
    receive_blanks(office=kupang, quantity=2, reference="R1", by=head)
    assert logged_in(head).post("/cetak/antrean/").status_code == 302
    assert PrintJob.objects.get(enrollment__enrolled_on=date(2018, 1, 1)).build.created_by == head


def test_a_clerk_marks_a_card_printed_and_the_same_post_twice_uses_one_blank(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=3, blanks=3)
    client = logged_in(clerk)
    url = reverse("mark_job_printed", args=[jobs[0].pk])
    first = client.post(url, {"next": "/cetak/?page=1"})
    # Back where the clerk was, at the next card's row (the page is found from it).
    assert first.status_code == 302 and first["Location"] == f"/cetak/?at={jobs[1].pk}#job-{jobs[1].pk}"
    client.post(url, {"next": "/cetak/?page=1"})  # a double click
    report = stock_report(kupang)
    assert (report["printed"], report["on_hand"], report["queued"], report["ready_for_pickup"]) == (1, 2, 2, 1)
    job = PrintJob.objects.get(pk=jobs[0].pk)
    assert job.printed_by == clerk
    assert BlankMovement.objects.get(print_job=job).created_by == clerk


def test_the_desk_never_redirects_to_another_site(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=1, blanks=1)
    page = logged_in(clerk).post(reverse("mark_job_printed", args=[jobs[0].pk]), {"next": "https://evil.example/"})
    assert page["Location"] == "/cetak/"


def test_a_spoiled_blank_needs_a_reason_given_next_to_the_field(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=1, blanks=1)
    page = logged_in(clerk).post(reverse("spoil_job", args=[jobs[0].pk]), {"reason": "   "})
    assert page.status_code == 200
    assert page.context["form"].errors["reason"]
    assert "Tuliskan alasan blanko rusak." in page.content.decode()
    assert stock_report(kupang)["spoiled"] == 0


def test_a_clerk_records_a_spoiled_blank_and_the_resent_form_loses_one_blank(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=3, blanks=3)
    receive_blanks(office=kupang, quantity=1, reference="R2", by=f.person(kupang, Role.STOCK_KEEPER))
    client = logged_in(clerk)
    url = reverse("spoil_job", args=[jobs[0].pk])
    assert "Catat blanko rusak" in client.get(url).content.decode()
    first = client.post(url, {"reason": "kartu macet di printer"}, follow=True)
    assert any("blanko rusak" in message.lower() for message in messages_of(first))
    client.post(url, {"reason": "kartu macet di printer"})  # reload and resend
    report = stock_report(kupang)
    assert (report["spoiled"], report["on_hand"], report["queued"]) == (1, 3, 3)
    spoiled = PrintJob.objects.get(pk=jobs[0].pk)
    assert (spoiled.state, spoiled.spoiled_reason, spoiled.printed_by) == ("spoiled", "kartu macet di printer", clerk)
    # The card is still first in print order, on a new blank.
    assert queue_in_print_order(kupang).first().enrollment_id == jobs[0].enrollment_id
    assert any("tetap pada urutannya" in message for message in messages_of(first))


def test_the_last_card_spoiled_with_no_blank_left_is_said_to_wait_first_in_line(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=2, blanks=1)
    response = logged_in(clerk).post(reverse("spoil_job", args=[jobs[0].pk]), {"reason": "tinta habis"}, follow=True)
    said = " ".join(messages_of(response))
    assert "menunggu paling depan" in said and jobs[0].enrollment.nik in said
    assert "tetap pada urutannya" not in said


def test_printing_a_job_that_was_spoiled_meanwhile_says_why_and_changes_nothing(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=2, blanks=2)
    client = logged_in(clerk)
    client.post(reverse("spoil_job", args=[jobs[0].pk]), {"reason": "tinta habis"})
    page = client.post(reverse("mark_job_printed", args=[jobs[0].pk]), follow=True)
    assert any("hanya antrean" in message or "rusak" in message for message in messages_of(page))
    assert stock_report(kupang)["printed"] == 0


def test_a_batch_of_niks_is_marked_printed_and_the_desk_says_what_it_could_not_do(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=5, blanks=3)
    client = logged_in(clerk)
    unknown = f.nik("5371", date(1985, 3, 9))
    still_waiting = Enrollment.objects.filter(office=kupang, state="recorded").order_by("enrolled_on").first()
    typed = f"{jobs[0].enrollment.nik}\n{jobs[1].enrollment.nik}, {jobs[1].enrollment.nik}\n{still_waiting.nik}\n{unknown}"
    page = client.post("/cetak/batch/", {"niks": typed, "action": "printed", "reason": "", "listed_at": fresh_token(client)}, follow=True)
    text = " ".join(messages_of(page))
    assert "Ditandai tercetak: 2 kartu" in text
    assert f"{still_waiting.nik} (Terekam, menunggu)" in text
    assert unknown in text and "Tidak ada perekaman dengan NIK ini" in text
    report = stock_report(kupang)
    assert (report["printed"], report["ready_for_pickup"], report["queued"]) == (2, 2, 1)


def test_the_same_print_batch_sent_twice_prints_each_card_once(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=3, blanks=3)
    client = logged_in(clerk)
    form = {"niks": "\n".join(job.enrollment.nik for job in jobs[:2]), "action": "printed", "listed_at": fresh_token(client)}
    client.post("/cetak/batch/", form)
    again = client.post("/cetak/batch/", form, follow=True)
    assert any(message.startswith("Sudah tercetak, tidak ada yang diubah") for message in messages_of(again))
    assert stock_report(kupang)["printed"] == 2


def test_the_same_spoil_batch_sent_twice_spoils_each_blank_once(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=4, blanks=4)
    receive_blanks(office=kupang, quantity=2, reference="R2", by=f.person(kupang, Role.STOCK_KEEPER))
    client = logged_in(clerk)
    form = {"niks": f"{jobs[0].enrollment.nik} {jobs[2].enrollment.nik}", "action": "spoiled", "reason": "pita habis",
            "listed_at": fresh_token(client)}
    client.post("/cetak/batch/", form)
    again = client.post("/cetak/batch/", form, follow=True)
    assert any("tidak ada yang diubah" in message for message in messages_of(again))
    report = stock_report(kupang)
    assert (report["spoiled"], report["on_hand"], report["queued"]) == (2, 4, 4)
    assert set(BlankMovement.objects.filter(kind="spoiled").values_list("reason", "created_by")) == {("pita habis", clerk.pk)}


def test_a_card_spoiled_again_later_is_spoiled_again(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=2, blanks=2)
    receive_blanks(office=kupang, quantity=2, reference="R2", by=f.person(kupang, Role.STOCK_KEEPER))
    client = logged_in(clerk)
    nik = jobs[0].enrollment.nik
    client.post("/cetak/batch/", {"niks": nik, "action": "spoiled", "reason": "macet", "listed_at": fresh_token(client)})
    # The desk is shown again after the first batch: a new list, a second ruined blank.
    client.post("/cetak/batch/", {"niks": nik, "action": "spoiled", "reason": "macet lagi", "listed_at": fresh_token(client)})
    assert stock_report(kupang)["spoiled"] == 2
    assert PrintJob.objects.get(enrollment=jobs[0].enrollment, state="queued")


def test_a_batch_with_a_mistyped_nik_marks_nothing_and_says_which(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=2, blanks=2)
    client = logged_in(clerk)
    page = client.post("/cetak/batch/", {"niks": f"{jobs[0].enrollment.nik}\n53710112345", "action": "printed", "listed_at": fresh_token(client)})
    assert page.status_code == 200
    errors = page.context["batch_form"].errors["niks"]
    assert any("53710112345" in error and "16 digit" in error for error in errors)
    html = page.content.decode()
    assert "53710112345" in html
    # Shown again at the batch's address, the desk's links still lead back to the desk.
    assert 'href="/cetak/?sort=-position"' in html and "next=/cetak/%3F" in html
    assert stock_report(kupang)["printed"] == 0


def test_a_spoil_batch_needs_a_reason(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=1, blanks=1)
    client = logged_in(clerk)
    page = client.post("/cetak/batch/", {"niks": jobs[0].enrollment.nik, "action": "spoiled", "reason": " ", "listed_at": fresh_token(client)})
    assert page.context["batch_form"].errors["reason"] == ["Sebutkan mengapa blanko rusak."]
    assert stock_report(kupang)["spoiled"] == 0


def test_a_batch_form_with_a_forged_or_stale_time_is_refused_and_the_list_kept(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=1, blanks=1)
    client = logged_in(clerk)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * settings.SESSION_COOKIE_AGE):
        stale = signing.dumps(time.time() - 2 * settings.SESSION_COOKIE_AGE, salt=_SALT)
    for token in ("forged", stale):
        page = client.post("/cetak/batch/", {"niks": jobs[0].enrollment.nik, "action": "printed", "listed_at": token})
        assert page.status_code == 200
        assert page.context["batch_form"]["niks"].value() == jobs[0].enrollment.nik
        assert page.context["batch_form"]["listed_at"].value() != token
        assert any("terlalu lama" in message for message in messages_of(page))
    assert stock_report(kupang)["printed"] == 0


def test_the_desk_lists_what_was_done_today_and_by_whom(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=3, blanks=3)
    mark_printed(job=jobs[0], by=clerk)
    mark_spoiled_by_nik(office=kupang, niks=[jobs[1].enrollment.nik], by=clerk, reason="tergores", listed_at=jobs[1].queued_at)
    today = logged_in(clerk).get("/cetak/").context["work_today"]
    assert [(m.kind, m.print_job.enrollment.nik, m.created_by) for m in today] == [
        ("spoiled", jobs[1].enrollment.nik, clerk), ("printed", jobs[0].enrollment.nik, clerk)]


def test_the_print_desk_is_in_english_for_a_clerk_who_chose_english(kupang, clerk, tmp_path):
    queue(kupang, clerk, tmp_path, enrollments=1, blanks=1)
    clerk.language = "en"
    clerk.save()
    html = logged_in(clerk).get("/cetak/").content.decode()
    assert "Print desk" in html and "Mark a batch by NIK" in html


# Who may do what: a clerk and a head of 5371, a clerk of 3603 (and the stock keeper, who only looks).

def test_the_head_and_the_stock_keeper_see_the_desk_read_only(kupang, clerk, head, keeper, tmp_path):
    queue(kupang, clerk, tmp_path, enrollments=2, blanks=2)
    for user, can_build in ((head, True), (keeper, False)):
        page = logged_in(user).get("/cetak/")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'action="/cetak/batch/"' not in html and "/tercetak/" not in html
        assert ('action="/cetak/antrean/"' in html) is can_build


def test_only_clerks_mark_cards(kupang, clerk, head, keeper, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=1, blanks=1)
    for user in (head, keeper):
        client = logged_in(user)
        assert client.post(reverse("mark_job_printed", args=[jobs[0].pk])).status_code == 403
        assert client.get(reverse("spoil_job", args=[jobs[0].pk])).status_code == 403
        assert client.post(reverse("spoil_job", args=[jobs[0].pk]), {"reason": "x"}).status_code == 403
        assert client.post("/cetak/batch/", {"niks": jobs[0].enrollment.nik, "action": "printed"}).status_code == 403
    assert logged_in(keeper).post("/cetak/antrean/").status_code == 403
    assert stock_report(kupang)["printed"] == stock_report(kupang)["spoiled"] == 0


def test_a_clerk_of_another_office_gets_404_for_our_cards_and_sees_only_their_queue(kupang, tangerang, clerk, outsider, tmp_path):
    ours = queue(kupang, clerk, tmp_path, enrollments=2, blanks=2)
    theirs = queue(tangerang, outsider, tmp_path, enrollments=1, blanks=1)
    client = logged_in(outsider)
    assert client.post(reverse("mark_job_printed", args=[ours[0].pk])).status_code == 404
    assert client.get(reverse("spoil_job", args=[ours[0].pk])).status_code == 404
    assert client.post(reverse("spoil_job", args=[ours[0].pk]), {"reason": "x"}).status_code == 404
    html = client.get("/cetak/").content.decode()
    assert theirs[0].enrollment.nik in html and ours[0].enrollment.nik not in html
    # A NIK of another office typed into the batch is simply not found here.
    page = client.post("/cetak/batch/", {"niks": ours[0].enrollment.nik, "action": "printed", "listed_at": fresh_token(client)}, follow=True)
    assert any("Tidak ada perekaman" in message for message in messages_of(page))
    client.post("/cetak/antrean/")
    assert stock_report(kupang)["printed"] == 0 and stock_report(kupang)["queued"] == 2


@pytest.mark.parametrize("role", [Role.CLERK, Role.HEAD, Role.STOCK_KEEPER])
def test_every_print_desk_page_and_post_needs_a_login(role, client):
    for url in ("/cetak/", "/cetak/1/rusak/"):
        assert client.get(url)["Location"].startswith("/masuk/")
    for url in ("/cetak/antrean/", "/cetak/batch/", "/cetak/1/tercetak/", "/cetak/1/rusak/"):
        assert client.post(url)["Location"].startswith("/masuk/")


def test_the_print_desk_reads_a_fixed_number_of_queries_however_long_the_queue(kupang, clerk, tmp_path, django_assert_num_queries):
    jobs = queue(kupang, clerk, tmp_path, enrollments=60, blanks=40)
    for job in jobs[:12]:
        mark_printed(job=job, by=clerk)
    receive_blanks(office=kupang, quantity=5, reference="R2", by=f.person(kupang, Role.STOCK_KEEPER))
    client = logged_in(clerk)
    # session, user, office, stock, counts, preview: first and last date, queue reach,
    # queue count + page, the day's work: one each, whatever the number of rows.
    with django_assert_num_queries(QUERIES_PRINT_DESK):
        assert client.get("/cetak/").status_code == 200


QUERIES_PRINT_DESK = 11


# The same POST at the same moment (PostgreSQL: real row locks, one connection per thread)

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_print_click_sent_four_times_at_once_uses_one_blank(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=3, blanks=3)
    clients = [logged_in(clerk) for _ in range(4)]
    statuses, errors = post_at_once(clients, reverse("mark_job_printed", args=[jobs[0].pk]), [{}] * 4)
    assert errors == [] and statuses == [302] * 4
    report = stock_report(kupang)
    assert (report["printed"], report["on_hand"], report["ready_for_pickup"]) == (1, 2, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_spoil_form_sent_four_times_at_once_loses_one_blank(kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=3, blanks=3)
    receive_blanks(office=kupang, quantity=2, reference="R2", by=f.person(kupang, Role.STOCK_KEEPER))
    clients = [logged_in(clerk) for _ in range(4)]
    statuses, errors = post_at_once(clients, reverse("spoil_job", args=[jobs[0].pk]), [{"reason": "macet"}] * 4)
    assert errors == [] and statuses == [302] * 4
    report = stock_report(kupang)
    assert (report["spoiled"], report["on_hand"], report["queued"]) == (1, 4, 3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["printed", "spoiled"])
def test_the_same_batch_sent_four_times_at_once_marks_each_card_once(action, kupang, clerk, tmp_path):
    jobs = queue(kupang, clerk, tmp_path, enrollments=6, blanks=6)
    receive_blanks(office=kupang, quantity=3, reference="R2", by=f.person(kupang, Role.STOCK_KEEPER))
    clients = [logged_in(clerk) for _ in range(4)]
    form = {"niks": "\n".join(job.enrollment.nik for job in jobs[:3]), "action": action, "reason": "pita habis",
            "listed_at": fresh_token(clients[0])}
    statuses, errors = post_at_once(clients, "/cetak/batch/", [form] * 4)
    assert errors == [] and statuses == [302] * 4
    report = stock_report(kupang)
    assert report[action] == 3
    assert report["on_hand"] == 9 - 3
