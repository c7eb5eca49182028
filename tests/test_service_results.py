"""A service says what it did (cards that gave their blanks back, a card queued again or left waiting), and the desk's message is that.

No view reads a figure before and after to tell; the one helper for a
refused action's sentence and the one for a safe "next" address are tried here too.
"""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from backlog import corrections, desks, ledger
from backlog.queue import build_print_queue
from common.web import refused_text, safe_next
from people.roles import Refused, Role, system_user
from printing.selectors import queue_in_print_order
from tests import factories as f
from tests.pages import logged_in

pytestmark = pytest.mark.django_db


def _queued(office, tmp_path, cards, blanks):
    clerk = f.person(office, Role.CLERK)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, day) for day in range(1, cards + 1)])
    ledger.receive_blanks(office=office, quantity=blanks, reference="470/1/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    return clerk, list(queue_in_print_order(office))


def test_a_write_off_below_what_the_queue_holds_says_how_many_cards_gave_their_blanks_back(kupang, tmp_path):
    _queued(kupang, tmp_path, cards=4, blanks=4)
    keeper = f.person(kupang, Role.STOCK_KEEPER)
    written_off = ledger.spoil_blanks(office=kupang, quantity=3, reference="BA-1", reason="basah", by=keeper)
    assert (len(written_off.made), written_off.given_back) == (3, 3)
    # Sent again: the same movements, and nothing more given back.
    again = ledger.spoil_blanks(office=kupang, quantity=3, reference="BA-1", reason="basah", by=keeper)
    assert ([m.pk for m in again.made], again.given_back) == ([m.pk for m in written_off.made], 0)
    answer = logged_in(keeper).post("/stok/rusak/", {"quantity": 1, "reference": "BA-2", "reason": "sobek"}, follow=True)
    assert "1 kartu dalam antrean melepaskan blankonya" in answer.content.decode()


def test_an_approved_count_and_a_lowered_receipt_say_how_many_cards_gave_their_blanks_back(kupang, tmp_path):
    _queued(kupang, tmp_path, cards=3, blanks=3)
    keeper, head = f.person(kupang, Role.STOCK_KEEPER), f.person(kupang, Role.HEAD)
    count = ledger.record_stock_count(office=kupang, counted=2, by=keeper, note="gudang")
    approved = ledger.approve_stock_count(count=count, by=head)
    assert (approved.made.pk, approved.given_back) == (count.pk, 1)
    receipt = kupang.blank_movements.get(kind="receipt")
    lowered = ledger.correct_receipt(receipt=receipt, quantity=1, reason="salah hitung", by=keeper)
    assert (lowered.made.status, lowered.given_back) == ("pending", 0)  # waits for the head: nothing moved yet
    decided = ledger.decide_receipt_correction(correction=lowered.made, approve=True, by=head)
    assert (decided.made.status, decided.given_back) == ("booked", 2)  # 1 blank left for the 2 queued cards: both wait again


def test_a_spoiled_blank_says_whether_its_card_is_queued_again_or_waits_first_in_line(kupang, tmp_path):
    clerk, jobs = _queued(kupang, tmp_path, cards=2, blanks=1)
    spoiled = desks.mark_spoiled(job=jobs[0], by=clerk, reason="macet")
    assert (spoiled.job.pk, spoiled.job.state, spoiled.queued_again) == (jobs[0].pk, "spoiled", False)
    ledger.receive_blanks(office=kupang, quantity=4, reference="470/2/2018", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=kupang, by=system_user())
    (first, second) = queue_in_print_order(kupang)
    assert desks.mark_spoiled(job=first, by=clerk, reason="pita").queued_again is True
    outcome = desks.mark_spoiled_by_nik(office=kupang, niks=[second.enrollment.nik], by=clerk, reason="pita",
                                        listed_at=second.queued_at)
    assert outcome.done == [second.enrollment.nik] and outcome.waiting == []


def test_a_defective_card_records_whether_it_is_queued_again(kupang, tmp_path):
    clerk, jobs = _queued(kupang, tmp_path, cards=1, blanks=1)
    printed = desks.mark_printed(job=jobs[0], by=clerk)
    correction = corrections.found_defective(job=printed, by=clerk, reason="foto buram")
    assert correction.changes["queued_again"] is False  # no blank was free and no card came after it


def test_a_refusal_reads_as_one_sentence_and_next_stays_on_this_site():
    assert refused_text(ValidationError(["Satu.", "Dua."])) == "Satu. Dua."
    assert refused_text(Refused("Hanya untuk kepala dinas.")) == "Hanya untuk kepala dinas."
    request = RequestFactory().post("/cetak/", {"next": "https://example.com/"})
    assert safe_next(request, "print_desk") == "print_desk"
    request = RequestFactory().post("/cetak/", {"next": "/cetak/?page=3"})
    assert safe_next(request, "print_desk") == "/cetak/?page=3"
