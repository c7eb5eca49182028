"""Requests to the ministry: the head drafts one from the dashboard's figure, records it sent, receipts are booked against it."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from backlog.ledger import receive_blanks
from backlog.requests import close_blank_request, draft_blank_request, mark_request_sent
from common.dates import local_day
from inventory.models import BlankMovement, BlankRequest
from people.roles import Role
from tests import factories as f
from tests.pages import as_user, page

pytestmark = pytest.mark.django_db


def test_the_head_drafts_from_the_dashboard_figure_sends_it_and_sees_requested_against_received(client, kupang, keeper, head, clerk, tmp_path):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 2, 1) + timedelta(days=n) for n in range(16)])
    as_user(client, head)
    draft_page = page(client.get(reverse("request_new")))
    assert 'name="quantity" value="16"' in draft_page and "Tunggakan (terekam + ditahan): 16" in draft_page
    response = client.post(reverse("request_new"), {"reference": "470/512/DKPS/2018", "quantity": "16",
                                                    "note": "Tunggakan (terekam + ditahan): 16"})
    request = BlankRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("request_detail", args=[request.pk])
    assert (request.status, request.created_by, request.quantity) == (BlankRequest.Status.DRAFT, head, 16)
    sent = client.post(reverse("request_send", args=[request.pk]), {"sent_on": "2018-06-25"}, follow=True)
    assert "dicatat terkirim pada 25-06-2018" in page(sent)
    request.refresh_from_db()
    assert (request.status, request.sent_on) == (BlankRequest.Status.SENT, date(2018, 6, 25))
    assert request.sent_by == head

    as_user(client, keeper)
    client.post(reverse("stock_receive"), {"request": request.pk, "quantity": "11", "delivery_note": "SJ-1", "carried_by": "Sekretaris"})
    detail = page(client.get(reverse("request_detail", args=[request.pk])))
    for words in ('data-figure="requested"><span>16', 'data-figure="received"><span>11', 'data-figure="outstanding"><span>5',
                  "SJ-1", "Sekretaris", keeper.username, head.username):
        assert words in detail
    listing = page(client.get(reverse("requests")))
    assert "470/512/DKPS/2018" in listing and "69%" in listing  # 11 of 16


def test_drafting_the_same_letter_number_twice_changes_nothing(client, kupang, head):
    as_user(client, head)
    form = {"reference": "470/1/2018", "quantity": "16000", "note": ""}
    assert client.post(reverse("request_new"), form).status_code == 302
    again = client.post(reverse("request_new"), form)
    assert again.status_code == 400 and "Sudah ada permintaan dengan nomor surat 470/1/2018" in again.content.decode()
    assert BlankRequest.objects.count() == 1


@pytest.mark.parametrize("form, errors", [
    ({"reference": "", "quantity": "0"}, 2),
    ({"reference": "470/1", "quantity": "enam belas ribu"}, 1),
    ({"reference": "470/1", "quantity": "-5"}, 1),
])
def test_a_bad_draft_is_refused_next_to_the_field(client, kupang, head, form, errors):
    response = as_user(client, head).post(reverse("request_new"), form)
    assert response.status_code == 400 and response.content.decode().count('class="field invalid"') == errors
    assert not BlankRequest.objects.exists()


def test_sending_twice_and_closing_twice_change_nothing(client, kupang, head):
    request = draft_blank_request(office=kupang, quantity=100, reference="470/1", by=head)
    as_user(client, head)
    client.post(reverse("request_send", args=[request.pk]), {"sent_on": "2018-06-25"})
    client.post(reverse("request_send", args=[request.pk]), {"sent_on": "2018-06-27"})
    request.refresh_from_db()
    assert request.sent_on == date(2018, 6, 25)
    client.post(reverse("request_close", args=[request.pk]))
    client.post(reverse("request_close", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == BlankRequest.Status.CLOSED and request.closed_by == head
    closed_at = request.closed_at
    client.post(reverse("request_close", args=[request.pk]))
    request.refresh_from_db()
    assert request.closed_at == closed_at  # closing twice changes nothing


@pytest.mark.parametrize("sent_on", ["besok", ""])
def test_a_bad_or_future_send_date_is_refused_and_the_draft_stays(client, kupang, head, sent_on):
    request = draft_blank_request(office=kupang, quantity=100, reference="470/1", by=head)
    response = as_user(client, head).post(reverse("request_send", args=[request.pk]), {"sent_on": sent_on}, follow=True)
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert BlankRequest.objects.get().status == BlankRequest.Status.DRAFT


def test_a_send_date_in_the_future_is_refused(client, kupang, head):
    request = draft_blank_request(office=kupang, quantity=100, reference="470/1", by=head)
    tomorrow = (local_day(kupang) + timedelta(days=1)).isoformat()
    response = as_user(client, head).post(reverse("request_send", args=[request.pk]), {"sent_on": tomorrow}, follow=True)
    assert "Tanggal kirim tidak boleh di masa depan" in page(response)
    assert BlankRequest.objects.get().status == BlankRequest.Status.DRAFT


def test_a_closed_request_is_no_longer_offered_for_receipts_but_its_history_stays(client, kupang, keeper, head):
    request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=20, reference="470/1", by=head), by=head)
    receive_blanks(office=kupang, quantity=14, reference="470/1", by=keeper, delivery_note="SJ-1")
    close_blank_request(request=request, by=head)
    stock_page = page(as_user(client, keeper).get(reverse("stock")))
    assert f'<option value="{request.pk}"' not in stock_page
    assert "Selesai" in page(client.get(reverse("requests")))


@pytest.mark.parametrize("role", [Role.CLERK, Role.STOCK_KEEPER])
def test_only_the_head_drafts_sends_and_closes(client, kupang, head, role):
    request = draft_blank_request(office=kupang, quantity=100, reference="470/1", by=head)
    as_user(client, f.user(kupang, role))
    assert "470/1" in page(client.get(reverse("requests")))
    assert "470/1" in page(client.get(reverse("request_detail", args=[request.pk])))
    assert client.post(reverse("request_new"), {"reference": "470/2", "quantity": "5"}).status_code == 403
    assert client.post(reverse("request_send", args=[request.pk]), {"sent_on": "2018-06-25"}).status_code == 403
    assert client.post(reverse("request_close", args=[request.pk])).status_code == 403
    assert BlankRequest.objects.get().status == BlankRequest.Status.DRAFT and BlankRequest.objects.count() == 1


def test_another_office_who_types_a_request_id_gets_404(client, kupang, tangerang, head, outsider):
    request = draft_blank_request(office=kupang, quantity=100, reference="470/1", by=head)
    other_head = f.user(tangerang, Role.HEAD)
    as_user(client, other_head)
    assert client.get(reverse("request_detail", args=[request.pk])).status_code == 404
    assert client.post(reverse("request_send", args=[request.pk]), {"sent_on": "2018-06-25"}).status_code == 404
    assert client.post(reverse("request_close", args=[request.pk])).status_code == 404
    assert "470/1" not in page(client.get(reverse("requests")))
    assert as_user(client, outsider).get(reverse("request_detail", args=[request.pk])).status_code == 404
    assert BlankRequest.objects.get().status == BlankRequest.Status.DRAFT


def test_the_requests_page_costs_the_same_queries_for_one_or_many_requests(client, kupang, keeper, head, django_assert_num_queries):
    draft_blank_request(office=kupang, quantity=100, reference="470/0", by=head)
    as_user(client, head)
    with django_assert_num_queries(4):
        page(client.get(reverse("requests")))
    for n in range(1, 12):
        request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=100, reference=f"470/{n}", by=head), by=head)
        receive_blanks(office=kupang, quantity=50, reference=request.reference, by=keeper, delivery_note=f"SJ-{n}")
    with django_assert_num_queries(4):
        page(client.get(reverse("requests")))


@pytest.mark.django_db(transaction=True)
def test_a_receipt_by_command_with_the_letter_number_is_booked_against_the_request(kupang, head, run_command):
    request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=16000, reference="470/512/DKPS/2018", by=head), by=head)
    code, _out, err = run_command("receive_blanks", "--office", "5371", "--quantity", "16000", "--reference", "470/512/DKPS/2018",
                                  "--delivery-note", "SJ-7", "--carried-by", "Sekretaris Dinas")
    assert code == 0, err
    request.refresh_from_db()
    assert request.status == BlankRequest.Status.CLOSED and BlankMovement.objects.get().request == request
    code, out, _err = run_command("receive_blanks", "--office", "5371", "--quantity", "16000", "--reference", "470/512/DKPS/2018",
                                  "--delivery-note", "SJ-7")
    assert code == 0 and BlankMovement.objects.count() == 1  # the same delivery note again books nothing
    assert "SJ-7" in out and "sudah dibukukan" in out
