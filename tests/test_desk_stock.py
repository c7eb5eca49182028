"""The stock keeper's desk: receipts against a request, spoiled blanks, stock counts the head decides, the ledger."""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from backlog import corrections
from backlog.desks import mark_printed, mark_spoiled
from backlog.ledger import approve_stock_count, receive_blanks, record_stock_count, spoil_blanks
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request, mark_request_sent
from inventory.models import BlankMovement, BlankRequest, BlankStock, MovementKind, StockCount
from inventory.selectors import stock_report
from people.roles import Role, system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from tests import factories as f
from tests.pages import as_user, page

pytestmark = pytest.mark.django_db


def sent_request(office, head, quantity=16000, reference="470/512/DKPS/2018"):
    request = draft_blank_request(office=office, quantity=quantity, reference=reference, by=head)
    return mark_request_sent(request=request, by=head)


def on_hand(office):
    return BlankStock.objects.get(office=office).on_hand


def test_the_stock_keeper_books_a_receipt_against_a_sent_request_and_the_ledger_shows_who_and_why(client, kupang, keeper, head):
    request = sent_request(kupang, head)
    as_user(client, keeper)
    form = {"request": request.pk, "reference": "", "quantity": "14000", "delivery_note": "SJ-0042", "carried_by": "Sekretaris Dinas"}
    response = client.post(reverse("stock_receive"), form, follow=True)
    html = page(response)
    assert "Penerimaan dibukukan: 14.000 blanko" in html
    movement = BlankMovement.objects.get()
    assert (movement.request, movement.reference, movement.created_by) == (request, request.reference, keeper)
    assert (movement.delivery_note, movement.carried_by) == ("SJ-0042", "Sekretaris Dinas")
    row = ledger_rows(html)[0]
    for words in ("+14.000", "470/512/DKPS/2018", "SJ-0042", "Sekretaris Dinas", keeper.username):
        assert words in row
    assert on_hand(kupang) == 14000


def test_a_receipt_form_sent_twice_books_the_blanks_once(client, kupang, keeper, head):
    request = sent_request(kupang, head)
    as_user(client, keeper)
    form = {"request": request.pk, "quantity": "14000", "delivery_note": "SJ-0042", "carried_by": "Bendahara Barang"}
    first = client.post(reverse("stock_receive"), form)
    again = client.post(reverse("stock_receive"), form)
    assert first.status_code == again.status_code == 302
    assert BlankMovement.objects.count() == 1 and on_hand(kupang) == 14000


def test_the_same_delivery_note_with_other_figures_is_refused_next_to_the_field(client, kupang, keeper):
    receive_blanks(office=kupang, quantity=100, reference="R1", by=keeper, delivery_note="SJ-1")
    as_user(client, keeper)
    response = client.post(reverse("stock_receive"), {"reference": "R1", "quantity": "150", "delivery_note": "SJ-1", "carried_by": "Yosef"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Surat jalan SJ-1 sudah dibukukan" in html and 'class="field invalid"' in html
    assert on_hand(kupang) == 100


@pytest.mark.parametrize("typed", ["sj-race-1", "SJ\u200b-RACE-1", "\uff33\uff2a-RACE-1", " Sj-Race-1\u2060 "])
def test_a_delivery_note_typed_in_another_case_or_with_invisible_characters_is_the_same_delivery(client, kupang, keeper, typed):
    receive_blanks(office=kupang, quantity=100, reference="R1", by=keeper, delivery_note="SJ-RACE-1")
    as_user(client, keeper)
    other = client.post(reverse("stock_receive"), {"reference": "R1", "quantity": "150", "delivery_note": typed, "carried_by": "Yosef"})
    assert other.status_code == 400 and "Surat jalan SJ-RACE-1 sudah dibukukan" in other.content.decode()
    same = client.post(reverse("stock_receive"), {"reference": "R1", "quantity": "100", "delivery_note": typed, "carried_by": "Yosef"})
    assert same.status_code == 302
    assert BlankMovement.objects.filter(office=kupang).count() == 1 and on_hand(kupang) == 100


def test_a_delivery_note_is_kept_without_its_invisible_characters(kupang, keeper):
    receipt = receive_blanks(office=kupang, quantity=5, reference="R2", by=keeper, delivery_note="\ufeffSJ\u200b-0043 ")
    assert receipt.delivery_note == "SJ-0043"


def test_a_receipt_with_bad_input_is_refused_next_to_each_field_and_nothing_is_stored(client, kupang, keeper):
    as_user(client, keeper)
    response = client.post(reverse("stock_receive"), {"reference": "", "quantity": "0", "delivery_note": " ", "carried_by": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="field invalid"') == 4
    assert "Pilih permintaan" in html
    assert BlankMovement.objects.count() == 0


def test_the_receipt_form_lists_each_request_with_what_it_still_expects(client, kupang, keeper, head):
    request = sent_request(kupang, head, quantity=16000)
    receive_blanks(office=kupang, quantity=14000, reference=request.reference, by=keeper, request=request, delivery_note="SJ-1")
    html = page(as_user(client, keeper).get(reverse("stock")))
    option = re.search(rf'<option value="{request.pk}"[^>]*>([^<]*)</option>', html).group(1)
    assert option == "470/512/DKPS/2018: 2.000 masih diharapkan (diminta 16.000)"


def test_a_receipt_beyond_what_the_request_still_expects_is_refused_unless_the_keeper_confirms_it(client, kupang, keeper, head):
    request = sent_request(kupang, head, quantity=16000)
    receive_blanks(office=kupang, quantity=14000, reference=request.reference, by=keeper, request=request, delivery_note="SJ-1")
    as_user(client, keeper)
    form = {"request": request.pk, "quantity": "3000", "delivery_note": "SJ-2", "carried_by": "Bendahara Barang"}
    refused = client.post(reverse("stock_receive"), form)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Permintaan 470/512/DKPS/2018 masih menunggu 2.000 blanko; 3.000 tidak dapat dibukukan" in html
    assert re.search(r'id_quantity.*?Permintaan 470/512/DKPS/2018 masih menunggu', html, flags=re.S)
    assert on_hand(kupang) == 14000
    confirmed = client.post(reverse("stock_receive"), {**form, "beyond_expected": "on"})
    assert confirmed.status_code == 302 and on_hand(kupang) == 17000
    assert BlankRequest.objects.get().status == BlankRequest.Status.CLOSED
    with pytest.raises(ValidationError):  # a closed request expects nothing
        receive_blanks(office=kupang, quantity=1, reference=request.reference, by=keeper, request=request, delivery_note="SJ-3")


def test_when_every_requested_blank_has_arrived_the_request_closes(kupang, keeper, head):
    request = sent_request(kupang, head, quantity=100)
    receive_blanks(office=kupang, quantity=60, reference=request.reference, by=keeper, request=request, delivery_note="SJ-1")
    assert BlankRequest.objects.get().status == BlankRequest.Status.SENT
    receive_blanks(office=kupang, quantity=40, reference=request.reference, by=keeper, request=request, delivery_note="SJ-2")
    assert BlankRequest.objects.get().status == BlankRequest.Status.CLOSED


def test_blanks_ruined_on_the_shelf_are_written_off_once_with_their_damage_report(client, kupang, keeper):
    receive_blanks(office=kupang, quantity=100, reference="R1", by=keeper)
    as_user(client, keeper)
    form = {"quantity": "3", "reference": "BA-07/2018", "reason": "terkena air hujan di gudang"}
    assert client.post(reverse("stock_spoil"), form).status_code == 302
    assert client.post(reverse("stock_spoil"), form).status_code == 302  # sent twice
    spoiled = BlankMovement.objects.filter(kind=MovementKind.SPOILED)
    assert spoiled.count() == 3 and {m.reason for m in spoiled} == {"terkena air hujan di gudang"}
    assert on_hand(kupang) == 97 and BlankStock.objects.get(office=kupang).spoiled == 3
    other = client.post(reverse("stock_spoil"), {**form, "quantity": "5"})
    assert other.status_code == 400 and "BA-07/2018 sudah dibukukan" in other.content.decode()


def test_a_real_loss_larger_than_the_free_blanks_is_booked_and_the_newest_cards_wait_again(client, kupang, keeper, clerk, tmp_path):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, d) for d in range(1, 5)])
    receive_blanks(office=kupang, quantity=5, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    as_user(client, keeper)
    response = client.post(reverse("stock_spoil"), {"quantity": "3", "reference": "BA-1", "reason": "hilang dicuri"})
    assert response.status_code == 302
    report = stock_report(kupang)
    assert (report["on_hand"], report["reserved"], report["queued"], report["recorded"]) == (2, 2, 2, 2)
    queued = [job.enrollment.enrolled_on.day for job in queue_in_print_order(kupang)]
    assert queued == [1, 2]  # the oldest keep their blanks; the two newest wait again at their places
    too_many = client.post(reverse("stock_spoil"), {"quantity": "3", "reference": "BA-2", "reason": "hilang"})
    assert too_many.status_code == 400 and "Hanya 2 blanko" in too_many.content.decode()
    assert on_hand(kupang) == 2


def test_spoilage_at_the_desk_and_in_the_printer_keep_the_ledger_clean(kupang, keeper, clerk, tmp_path):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, d) for d in range(1, 3)])
    receive_blanks(office=kupang, quantity=10, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    mark_spoiled(job=PrintJob.objects.filter(state="queued").first(), by=clerk, reason="tinta luntur")
    spoil_blanks(office=kupang, quantity=4, reference="BA-1", reason="kemasan sobek", by=keeper)
    mark_printed(job=PrintJob.objects.filter(state="queued").first(), by=clerk)
    stock = BlankStock.objects.get(office=kupang)
    assert (stock.on_hand, stock.spoiled, stock.printed) == (4, 5, 1)
    call_command("check_ledger", stdout=open("/dev/null", "w"))


@pytest.mark.breaks_ledger
def test_check_ledger_finds_a_printed_blank_that_belongs_to_no_card(kupang, keeper, capsys):
    receive_blanks(office=kupang, quantity=10, reference="R1", by=keeper)
    BlankMovement.objects.create(office=kupang, kind=MovementKind.PRINTED, quantity=-1, created_by=keeper, reference="behind the app's back")
    with pytest.raises(SystemExit):
        call_command("check_ledger")
    assert "printed movements belong to no print job" in capsys.readouterr().out


def test_a_count_waits_for_the_head_who_approves_it_into_an_adjustment(client, kupang, keeper, head):
    receive_blanks(office=kupang, quantity=100, reference="R1", by=keeper)
    as_user(client, keeper)
    form = {"counted": "97", "note": "opname gudang 30 Juni"}
    assert client.post(reverse("stock_count"), form).status_code == 302
    assert client.post(reverse("stock_count"), form).status_code == 302  # sent twice: still one count
    count = StockCount.objects.get()
    assert on_hand(kupang) == 100 and count.status == StockCount.Status.PENDING
    html = page(as_user(client, head).get(reverse("stock")))
    assert "opname gudang 30 Juni" in html and "-3" in html
    assert "menunggu keputusan" in page(client.get(reverse("dashboard")))
    url = reverse("stock_count_approve", args=[count.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # approved twice
    adjustment = BlankMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (adjustment.quantity, adjustment.created_by, adjustment.approved_by) == (-3, keeper, head)
    assert on_hand(kupang) == 97
    html = page(client.get(reverse("stock")))
    assert "disetujui oleh" in html and balances(html)[0] == 97


def test_the_head_rejects_a_count_and_the_keeper_can_count_again(client, kupang, keeper, head):
    receive_blanks(office=kupang, quantity=100, reference="R1", by=keeper)
    count = record_stock_count(office=kupang, counted=90, by=keeper, note="opname terburu-buru")
    as_user(client, head)
    url = reverse("stock_count_reject", args=[count.pk])
    assert client.post(url).status_code == client.post(url).status_code == 302
    count.refresh_from_db()
    assert (count.status, count.decided_by) == (StockCount.Status.REJECTED, head)
    assert on_hand(kupang) == 100 and not BlankMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()
    approve = client.post(reverse("stock_count_approve", args=[count.pk]), follow=True)
    assert "sudah diputuskan" in page(approve)
    assert as_user(client, keeper).post(reverse("stock_count"), {"counted": "100", "note": "opname ulang"}).status_code == 302


def test_a_different_count_while_one_waits_is_refused_next_to_the_form(client, kupang, keeper):
    record_stock_count(office=kupang, counted=5, by=keeper, note="opname pagi")
    response = as_user(client, keeper).post(reverse("stock_count"), {"counted": "6", "note": "opname sore"})
    assert response.status_code == 400 and "menunggu keputusan Kepala Dinas" in response.content.decode()
    assert StockCount.objects.count() == 1


@pytest.mark.parametrize("form, errors", [({"counted": "-1", "note": "x"}, 1), ({"counted": "lima", "note": ""}, 2)])
def test_a_count_with_bad_input_is_refused_next_to_each_field(client, kupang, keeper, form, errors):
    response = as_user(client, keeper).post(reverse("stock_count"), form)
    assert response.status_code == 400 and response.content.decode().count('class="field invalid"') == errors
    assert StockCount.objects.count() == 0


def _ledger(office, keeper, receipts=1, spoiled=0):
    for n in range(receipts):
        receive_blanks(office=office, quantity=100, reference=f"R{n}", by=keeper, delivery_note=f"SJ-{n}")
    for n in range(spoiled):
        spoil_blanks(office=office, quantity=1, reference=f"BA-{n}", reason="rusak", by=keeper)


def ledger_rows(html):
    """The ledger table's rows as HTML, top to bottom."""
    body = html[html.index('class="data ledger"'):]
    return re.findall(r"<tr[ >].*?</tr>", body[body.index("<tbody"):], flags=re.S)


def balances(html):
    """The balance column, top to bottom, as a stock keeper reads it (14.000 is fourteen thousand)."""
    return [int(re.search(r'class="[^"]*balance[^"]*">([-\d.]+)<', row).group(1).replace(".", "")) for row in ledger_rows(html)]


def test_the_ledger_shows_the_balance_after_every_movement_on_every_page(client, kupang, keeper):
    _ledger(kupang, keeper, receipts=2, spoiled=60)  # 62 movements: 200 in, 60 out
    as_user(client, keeper)
    first = balances(page(client.get(reverse("stock"))))
    assert first == list(range(140, 165))  # 25 a page
    second = balances(page(client.get(reverse("stock"), {"page": 2})))
    assert second == list(range(165, 190))
    third = balances(page(client.get(reverse("stock"), {"page": 3})))
    assert third == list(range(190, 200)) + [200, 100]
    receipts = balances(page(client.get(reverse("stock"), {"kind": "receipt"})))
    assert receipts == [200, 100]


def wita(hour, minute):
    return datetime(2018, 7, 2, hour, minute, tzinfo=ZoneInfo("Asia/Makassar"))


def test_the_ledger_runs_in_the_time_movements_happened_latest_first_and_names_each_card(client, kupang, keeper, clerk, tmp_path, monkeypatch):
    """A desk books a print at 15:46 after the one of 15:55 (it was offline): the ledger reads 15:59, 15:55, 15:46, 14:15."""
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 2), date(2018, 1, 3), date(2018, 1, 4)])
    monkeypatch.setattr(timezone, "now", lambda: wita(14, 15))
    receive_blanks(office=kupang, quantity=10, reference="470/88/DKPS/2018", by=keeper, delivery_note="SJ-88")
    build_print_queue(office=kupang, by=system_user())
    monkeypatch.undo()
    first, second, third = queue_in_print_order(kupang)[:3]
    for job, moment in ((first, wita(15, 55)), (second, wita(15, 46)), (third, wita(15, 59))):
        mark_printed(job=job, by=clerk, at=moment)
    html = page(as_user(client, keeper).get(reverse("stock")))
    rows = ledger_rows(html)
    assert [re.search(r"\d{2}:\d{2}", row).group(0) for row in rows] == ["15:59", "15:55", "15:46", "14:15"]
    assert balances(html) == [7, 8, 9, 10]
    for row, job in zip(rows, (third, first, second)):
        enrollment = job.enrollment
        assert enrollment.nik in row and enrollment.name in row
        assert f'href="{reverse("enrollment_detail", args=[enrollment.pk])}"' in row
        assert "pencetakan" not in row
    assert "surat jalan SJ-88" in rows[3] and "470/88/DKPS/2018" in rows[3]


def test_each_movement_names_its_document_the_damage_report_the_count_and_the_corrected_movement(client, kupang, keeper, head, clerk, tmp_path):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 2)])
    receive_blanks(office=kupang, quantity=10, reference="R1", by=keeper, delivery_note="SJ-1")
    spoil_blanks(office=kupang, quantity=1, reference="BA-07/2018", reason="Basah kena bocor", by=keeper)
    count = record_stock_count(office=kupang, counted=8, by=keeper, note="Gudang lantai 2")
    approve_stock_count(count=count, by=head)
    build_print_queue(office=kupang, by=system_user())
    job = queue_in_print_order(kupang)[0]
    mark_spoiled(job=job, by=clerk, reason="Macet di printer")
    undo_printed = mark_printed(job=PrintJob.objects.get(enrollment=job.enrollment, state="queued"), by=clerk)
    corrections.undo_printed(job=undo_printed, by=clerk, reason="Salah klik")
    rows = ledger_rows(page(as_user(client, keeper).get(reverse("stock"))))
    text = [re.sub(r"<[^>]+>", " ", row) for row in rows]
    assert "koreksi dari tercetak" in text[0] and job.enrollment.nik in text[0] and "Salah klik" in text[0]
    assert job.enrollment.nik in text[1]
    assert "rusak di printer" in text[2] and "Macet di printer" in text[2] and job.enrollment.nik in text[2]
    assert "stock opname tanggal" in text[3] and "8 dihitung, 9 di buku" in text[3] and "Gudang lantai 2" in text[3]
    assert "berita acara kerusakan BA-07/2018" in text[4] and "Basah kena bocor" in text[4]
    assert not any(re.search(r"pencetakan \d", row) for row in text)


def test_the_ledger_page_costs_the_same_queries_with_few_or_many_movements(client, kupang, keeper, head, django_assert_num_queries):
    _ledger(kupang, keeper, receipts=1, spoiled=2)
    record_stock_count(office=kupang, counted=99, by=keeper, note="opname")
    as_user(client, head)
    with django_assert_num_queries(QUERIES_STOCK_PAGE):
        page(client.get(reverse("stock")))
    _ledger(f.office("3603"), f.user(f.office("3603"), Role.STOCK_KEEPER), receipts=1)
    spoil_blanks(office=kupang, quantity=60, reference="BA-many", reason="rusak", by=keeper)
    with django_assert_num_queries(QUERIES_STOCK_PAGE):
        page(client.get(reverse("stock")))
    with django_assert_num_queries(QUERIES_STOCK_PAGE):
        page(client.get(reverse("stock"), {"page": 2, "kind": "spoiled"}))


# One more than before corrections: the receipt corrections waiting for the head (one query, however many).
QUERIES_STOCK_PAGE = 10


def test_a_bad_ledger_filter_says_so_next_to_the_field(client, kupang, keeper):
    html = page(as_user(client, keeper).get(reverse("stock"), {"since": "kemarin", "kind": "nonsense"}))
    assert html.count("errorlist") >= 2


# Access: every page and every POST of the desk, tried by each person.

def test_every_office_role_reads_the_stock_desk_of_its_own_office_only(client, kupang, tangerang, keeper, head, clerk, outsider):
    receive_blanks(office=kupang, quantity=1600, reference="DEMO/5371", by=keeper, delivery_note="SJ-KUPANG")
    receive_blanks(office=tangerang, quantity=5000, reference="DEMO/3603", by=f.person(tangerang, Role.STOCK_KEEPER),
                   delivery_note="SJ-TANGERANG")
    for user in (keeper, head, clerk):
        html = page(as_user(client, user).get(reverse("stock")))
        assert "SJ-KUPANG" in html and "SJ-TANGERANG" not in html
    html = page(as_user(client, outsider).get(reverse("stock")))
    assert "SJ-TANGERANG" in html and "SJ-KUPANG" not in html
    clerk_page = page(as_user(client, clerk).get(reverse("stock")))
    assert 'id="receipt"' not in clerk_page and 'id="count"' not in clerk_page


@pytest.mark.parametrize("url_name, form", [
    ("stock_receive", {"reference": "R9", "quantity": "5", "delivery_note": "SJ-9", "carried_by": "x"}),
    ("stock_spoil", {"quantity": "1", "reference": "BA-9", "reason": "rusak"}),
    ("stock_count", {"counted": "1", "note": "opname"}),
])
def test_a_clerk_cannot_book_on_the_stock_desk(client, kupang, clerk, url_name, form):
    assert as_user(client, clerk).post(reverse(url_name), form).status_code == 403
    assert not BlankMovement.objects.exists() and not StockCount.objects.exists()


def test_the_head_approves_counts_but_does_not_count_and_the_keeper_does_not_approve(client, kupang, keeper, head):
    count = record_stock_count(office=kupang, counted=0, by=keeper, note="opname")
    assert as_user(client, head).post(reverse("stock_count"), {"counted": "1", "note": "x"}).status_code == 403
    for name in ("stock_count_approve", "stock_count_reject"):
        assert as_user(client, keeper).post(reverse(name, args=[count.pk])).status_code == 403
    assert StockCount.objects.get().status == StockCount.Status.PENDING


def test_a_head_of_another_office_who_types_a_count_id_gets_404(client, kupang, tangerang, keeper, outsider):
    count = record_stock_count(office=kupang, counted=0, by=keeper, note="opname")
    other_head = f.user(tangerang, Role.HEAD)
    for name in ("stock_count_approve", "stock_count_reject"):
        assert as_user(client, other_head).post(reverse(name, args=[count.pk])).status_code == 404
        assert as_user(client, outsider).post(reverse(name, args=[count.pk])).status_code == 403
    assert StockCount.objects.get().status == StockCount.Status.PENDING


def test_a_keeper_of_another_office_cannot_book_against_this_office_request(client, kupang, tangerang, head):
    request = sent_request(kupang, head)
    other_keeper = f.user(tangerang, Role.STOCK_KEEPER)
    response = as_user(client, other_keeper).post(reverse("stock_receive"), {
        "request": request.pk, "quantity": "10", "delivery_note": "SJ-X", "carried_by": "x"})
    assert response.status_code == 400 and not BlankMovement.objects.exists()


def test_the_desk_is_closed_to_visitors_and_gets_are_not_bookings(client, kupang, keeper):
    assert client.get(reverse("stock")).status_code == 302
    assert client.post(reverse("stock_receive"), {}).status_code == 302
    assert as_user(client, keeper).get(reverse("stock_receive")).status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_delivery_note_booked_from_four_places_at_the_same_moment_counts_once(kupang, workers):
    receipt = ("receive_blanks", "--office", "5371", "--quantity", "500", "--reference", "470/1", "--delivery-note", "SJ-1")
    assert workers.commands_at_once([receipt] * 4) == [0, 0, 0, 0]
    assert BlankMovement.objects.count() == 1 and on_hand(kupang) == 500
