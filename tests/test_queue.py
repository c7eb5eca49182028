"""The queue rule and the print and pickup desks, as the print desk and the head see them."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from inventory.selectors import stock_report
from backlog.ledger import receive_blanks
from people.roles import Role, system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from backlog.desks import mark_printed, mark_spoiled, record_pickup
from backlog import cards
from backlog.queue import build_print_queue, next_batch
from registry.models import Enrollment
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(kupang):
    return kupang



def days(start, n):
    return [start + timedelta(days=i) for i in range(n)]


def queued_dates(office):
    return [job.enrollment.enrolled_on for job in queue_in_print_order(office)]


def test_after_receiving_blanks_the_print_desk_lists_the_oldest_enrollments(office, clerk, tmp_path):
    # Imported newest first, so file order cannot pass for age order.
    f.enrollments(office, clerk, tmp_path, list(reversed(days(date(2018, 1, 1), 10))))
    receive_blanks(office=office, quantity=4, reference="470/123/2018", by=f.person(office, Role.STOCK_KEEPER))
    build = build_print_queue(office=office, by=clerk)
    assert build.queued == 4
    assert queued_dates(office) == days(date(2018, 1, 1), 4)
    report = stock_report(office)
    assert (report["on_hand"], report["reserved"], report["available"]) == (4, 4, 0)
    assert (report["recorded"], report["queued"]) == (6, 4)


def test_same_day_enrollments_are_queued_in_file_order(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)] * 3)
    receive_blanks(office=office, quantity=2, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    first_two = list(Enrollment.objects.filter(office=office).order_by("id")[:2])
    assert [job.enrollment for job in queue_in_print_order(office)] == first_two


def test_building_twice_with_no_new_blanks_changes_nothing(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, days(date(2018, 1, 1), 5))
    receive_blanks(office=office, quantity=3, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    before = (list(PrintJob.objects.values_list("id", "enrollment_id", "state")), stock_report(office))
    again = build_print_queue(office=office, by=system_user())
    assert again.queued == 0 and again.pk is None
    assert (list(PrintJob.objects.values_list("id", "enrollment_id", "state")), stock_report(office)) == before


def test_with_no_blanks_nothing_is_queued(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, days(date(2018, 1, 1), 3))
    assert build_print_queue(office=office, by=system_user()).queued == 0
    assert stock_report(office)["recorded"] == 3


def test_records_on_hold_are_skipped(office, clerk, tmp_path):
    resident = f.nik()
    f.enrollments(office, clerk, tmp_path, [date(2017, 1, 1)], number=resident)
    f.enrollments(office, clerk, tmp_path, [date(2017, 6, 1)], number=resident)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)])
    receive_blanks(office=office, quantity=5, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    assert queued_dates(office) == [date(2018, 1, 1)]


def test_a_printed_card_uses_one_blank_and_is_ready_for_pickup(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, days(date(2018, 1, 1), 2))
    receive_blanks(office=office, quantity=2, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    job = queue_in_print_order(office).first()
    mark_printed(job=job, by=clerk)
    mark_printed(job=job, by=clerk)  # a double click
    report = stock_report(office)
    assert (report["on_hand"], report["reserved"], report["printed"]) == (1, 1, 1)
    assert (report["queued"], report["ready_for_pickup"]) == (1, 1)
    job.enrollment.refresh_from_db()
    assert job.enrollment.get_state_display() == "Siap diambil"


def test_a_spoiled_blank_is_lost_and_the_card_keeps_its_place_in_the_queue(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, days(date(2018, 1, 1), 5))
    receive_blanks(office=office, quantity=3, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    oldest = queue_in_print_order(office).first()
    mark_spoiled(job=oldest, by=clerk, reason="kartu tergores")
    # Two blanks left: the spoiled card is still first, the newest queued one waits again.
    assert queued_dates(office) == days(date(2018, 1, 1), 2)
    assert queue_in_print_order(office).first().enrollment_id == oldest.enrollment_id
    report = stock_report(office)
    assert (report["on_hand"], report["spoiled"], report["reserved"], report["recorded"]) == (2, 1, 2, 3)
    mark_spoiled(job=oldest, by=clerk, reason="kartu tergores")  # sent twice
    assert stock_report(office)["spoiled"] == 1


def test_a_spoiled_card_takes_a_free_blank_and_keeps_the_queue_as_it_was(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, days(date(2018, 1, 1), 5))
    receive_blanks(office=office, quantity=3, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    receive_blanks(office=office, quantity=1, reference="R2", by=f.person(office, Role.STOCK_KEEPER))
    mark_spoiled(job=queue_in_print_order(office)[1], by=clerk, reason="macet di printer")
    assert queued_dates(office) == days(date(2018, 1, 1), 3)
    assert stock_report(office)["available"] == 0


def test_the_last_card_spoiled_with_no_blank_left_waits_first_in_line(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, days(date(2018, 1, 1), 2))
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    mark_spoiled(job=queue_in_print_order(office).get(), by=clerk, reason="tinta habis")
    assert stock_report(office)["queued"] == 0
    receive_blanks(office=office, quantity=1, reference="R2", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    assert queued_dates(office) == [date(2018, 1, 1)]


def test_spoiling_needs_a_reason(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)])
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    with pytest.raises(ValidationError):
        mark_spoiled(job=queue_in_print_order(office).first(), by=clerk, reason="  ")
    assert stock_report(office)["spoiled"] == 0


def test_a_pickup_is_recorded_once_and_ends_the_suket(office, clerk, tmp_path):
    from backlog.suket import issue_suket

    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)])
    enrollment = Enrollment.objects.get()
    suket = issue_suket(enrollment=enrollment, by=clerk)
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    job = mark_printed(job=PrintJob.objects.get(), by=clerk)
    first = record_pickup(job=job, by=clerk)
    second = record_pickup(job=job, by=clerk, collected_as="attorney", name="Someone Else", nik=f.nik("5371", date(1980, 3, 3)))
    assert second.collected_at == first.collected_at and second.collected_by_name == "Yohanes Ndoen"
    suket.refresh_from_db()
    assert suket.ended_on is not None
    assert stock_report(office)["collected"] == 1


def test_a_card_not_printed_cannot_be_collected(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)])
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    with pytest.raises(ValidationError):
        record_pickup(job=PrintJob.objects.get(), by=clerk)
    assert stock_report(office)["collected"] == 0


def test_each_office_queues_from_its_own_blanks(clerk, tmp_path):
    kupang = clerk.office
    tangerang = f.office("3603")
    f.enrollments(kupang, clerk, tmp_path, days(date(2018, 1, 1), 3))
    f.enrollments(tangerang, f.person(tangerang, Role.CLERK), tmp_path, days(date(2016, 1, 1), 3))
    receive_blanks(office=kupang, quantity=2, reference="R1", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=tangerang, by=system_user())
    build_print_queue(office=kupang, by=system_user())
    assert stock_report(tangerang)["queued"] == 0
    assert stock_report(kupang)["queued"] == 2


def test_a_batch_is_sized_by_the_time_the_last_one_held_the_lock(settings):
    settings.QUEUE_BUILD_SECONDS = 0.15
    assert next_batch(1000, seconds=0.3) == 500  # took twice the time: half as many
    assert next_batch(1000, seconds=0.1) == 1500
    assert next_batch(1000, seconds=0.001) == 2000  # at most twice the last
    assert next_batch(100, seconds=10) == 100 and next_batch(40_000, seconds=0.01) == 50_000


def test_a_build_in_batches_sized_by_time_queues_the_oldest_in_order(office, clerk, tmp_path, settings, monkeypatch):
    settings.QUEUE_BUILD_BATCH, settings.QUEUE_BUILD_SECONDS = 100, 0.15
    sizes, queue_oldest = [], cards.queue_oldest
    monkeypatch.setattr(cards, "queue_oldest", lambda **kw: sizes.append(kw["limit"]) or queue_oldest(**kw))
    f.enrollments(office, clerk, tmp_path, list(reversed(days(date(2016, 1, 1), 260))))
    receive_blanks(office=office, quantity=250, reference="470/123/2018", by=f.person(office, Role.STOCK_KEEPER))
    assert build_print_queue(office=office, by=clerk).queued == 250
    assert sizes == [100, 150]  # 100 cards take far less than 150 ms: the next batch takes all that is left
    assert queued_dates(office) == days(date(2016, 1, 1), 250)
