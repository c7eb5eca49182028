"""The stock keeper's ledger: receipts, counts approved by the head, and the database's own guard."""
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from backlog.ledger import approve_stock_count, receive_blanks, record_stock_count
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request, mark_request_sent
from inventory.models import BlankMovement, BlankStock, MovementKind, StockCount
from inventory.selectors import stock_report
from people.roles import Role, system_user
from registry.models import Enrollment
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(kupang):
    return kupang




def test_a_receipt_says_who_when_why_and_against_which_request(office, keeper, head):
    request = draft_blank_request(office=office, quantity=16000, reference="470/512/DKPS/2018", by=head)
    mark_request_sent(request=request, by=head)
    movement = receive_blanks(office=office, quantity=14000, reference="470/512/DKPS/2018", by=keeper,
                              delivery_note="SJ-0042", carried_by="Sekretaris Dinas")
    assert movement.request == request and movement.created_by == keeper and movement.created_at
    assert request.receipts.get().quantity == 14000
    assert stock_report(office)["received"] == 14000


@pytest.mark.parametrize("quantity, reference", [(0, "R1"), (-5, "R1"), (10, "  ")])
def test_a_receipt_with_a_bad_quantity_or_no_reference_is_refused(office, keeper, quantity, reference):
    with pytest.raises(ValidationError):
        receive_blanks(office=office, quantity=quantity, reference=reference, by=keeper)
    assert BlankMovement.objects.count() == 0


def test_a_stock_count_becomes_an_adjustment_only_when_the_head_approves(office, keeper, head):
    receive_blanks(office=office, quantity=100, reference="R1", by=keeper)
    count = record_stock_count(office=office, counted=97, by=keeper, note="opname gudang 30 Juni")
    assert stock_report(office)["on_hand"] == 100
    with pytest.raises(PermissionDenied):
        approve_stock_count(count=count, by=keeper)
    approve_stock_count(count=count, by=head)
    approve_stock_count(count=count, by=head)  # sent twice
    report = stock_report(office)
    assert (report["on_hand"], report["adjusted"]) == (97, -3)
    movement = StockCount.objects.get().movement
    assert (movement.kind, movement.quantity, movement.approved_by) == (MovementKind.ADJUSTMENT, -3, head)


def test_an_approved_count_below_what_the_queue_holds_is_booked_and_the_newest_cards_wait_again(office, keeper, head, tmp_path):
    clerk = f.user(office)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, d) for d in range(1, 6)])
    receive_blanks(office=office, quantity=5, reference="R1", by=keeper)
    build_print_queue(office=office, by=system_user())
    count = record_stock_count(office=office, counted=3, by=keeper, note="opname")
    approve_stock_count(count=count, by=head)
    report = stock_report(office)
    assert (report["on_hand"], report["adjusted"], report["reserved"], report["queued"], report["recorded"]) == (3, -2, 3, 3, 2)
    waiting = Enrollment.objects.filter(office=office, state="recorded").order_by("enrolled_on")
    assert [e.enrolled_on.day for e in waiting] == [4, 5]
    build_print_queue(office=office, by=system_user())  # nothing free: the two wait at their places
    assert stock_report(office)["recorded"] == 2


def test_a_head_of_another_office_cannot_approve(office, keeper):
    other_head = f.user(f.office("3603"), Role.HEAD)
    count = record_stock_count(office=office, counted=0, by=keeper, note="opname")
    with pytest.raises(PermissionDenied):
        approve_stock_count(count=count, by=other_head)


def test_the_database_refuses_a_movement_that_would_take_stock_below_zero(office, keeper):
    receive_blanks(office=office, quantity=2, reference="R1", by=keeper)
    with pytest.raises(IntegrityError), transaction.atomic():
        BlankMovement.objects.create(office=office, kind=MovementKind.ADJUSTMENT, quantity=-3, created_by=keeper,
                                     approved_by=keeper, reason="behind the app's back")
    assert BlankStock.objects.get(office=office).on_hand == 2


def test_the_database_refuses_a_movement_whose_sign_does_not_match_its_kind(office, keeper):
    with pytest.raises(IntegrityError), transaction.atomic():
        BlankMovement.objects.create(office=office, kind=MovementKind.RECEIPT, quantity=-1, created_by=keeper, reference="x")


def test_the_database_refuses_reserving_more_than_on_hand(office):
    with pytest.raises(IntegrityError), transaction.atomic():
        BlankStock.objects.filter(office=office).update(reserved=1)


def test_the_database_refuses_to_edit_or_delete_a_movement(office, keeper):
    """A trigger on PostgreSQL and on SQLite alike: even code that skips the services cannot rewrite history."""
    movement = receive_blanks(office=office, quantity=10, reference="R1", by=keeper)
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        BlankMovement.objects.filter(pk=movement.pk).update(quantity=1000)
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        BlankMovement.objects.filter(pk=movement.pk).delete()
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        movement.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_blankmovement SET reference = 'edited' WHERE id = %s", [movement.pk])
    assert BlankMovement.objects.values_list("quantity", "reference").get() == (10, "R1")
    assert BlankStock.objects.get(office=office).on_hand == 10


HISTORY_TRIGGERS = {
    "postgresql": ["DROP TRIGGER blank_movement_never_edited ON inventory_blankmovement"],
    "sqlite": ["DROP TRIGGER blank_movement_never_edited", "DROP TRIGGER blank_movement_never_deleted"],
}


@pytest.mark.breaks_ledger
def test_check_ledger_exits_1_when_a_trigger_that_keeps_movements_unedited_is_dropped(office, keeper):
    receive_blanks(office=office, quantity=10, reference="R1", by=keeper)
    call_command("check_ledger", stdout=StringIO())
    for statement in HISTORY_TRIGGERS[connection.vendor]:
        dropped = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute(statement)
        out = StringIO()
        with pytest.raises(SystemExit) as exited:
            call_command("check_ledger", stdout=out)
        assert exited.value.code == 1, statement
        assert "BREACH: the trigger that keeps blank movements unedited is missing" in out.getvalue()
        transaction.savepoint_rollback(dropped)
    # Back in place: each turn of the loop found its own trigger missing.
    call_command("check_ledger", stdout=StringIO())


def test_check_ledger_is_clean_after_a_day_at_the_office(office, keeper, head, tmp_path):
    clerk = f.user(office)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, d) for d in range(1, 11)])
    receive_blanks(office=office, quantity=6, reference="R1", by=keeper)
    build_print_queue(office=office, by=system_user())
    out = StringIO()
    call_command("check_ledger", stdout=out)
    assert out.getvalue().strip() == "ok 5371"


@pytest.mark.breaks_ledger
@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE inventory_blankstock SET on_hand = on_hand + 5, reserved = reserved",
        "UPDATE registry_enrollmentcounts SET recorded = recorded + 1",
        "UPDATE registry_enrollment SET state = 'ready' WHERE id = (SELECT min(id) FROM registry_enrollment WHERE state = 'queued')",
        "UPDATE printing_printjob SET state = 'cancelled' WHERE id = (SELECT min(id) FROM printing_printjob)",
        "UPDATE printing_printjob SET enrolled_on = '2099-01-01' WHERE id = (SELECT min(id) FROM printing_printjob)",
        "UPDATE registry_enrollmentdaycount SET count = count + 1 WHERE id = (SELECT min(id) FROM registry_enrollmentdaycount)",
        "UPDATE registry_enrollmentdaycount SET enrolled_on = '2017-12-31' WHERE id = (SELECT max(id) FROM registry_enrollmentdaycount)",
        "DELETE FROM registry_enrollmentdaycount WHERE state = 'queued'",
    ],
)
def test_check_ledger_exits_1_on_a_breach_made_behind_the_apps_back(office, keeper, tmp_path, tamper):
    clerk = f.user(office)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, d) for d in range(1, 6)])
    receive_blanks(office=office, quantity=3, reference="R1", by=keeper)
    build_print_queue(office=office, by=system_user())
    with connection.cursor() as cursor:
        cursor.execute(tamper)
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("check_ledger", stdout=out)
    assert exited.value.code == 1
    assert "BREACH 5371" in out.getvalue()


@pytest.mark.breaks_ledger
def test_check_ledger_names_the_day_whose_count_was_changed_behind_the_apps_back(office, keeper, tmp_path):
    f.enrollments(office, f.user(office), tmp_path, [date(2018, 1, 2), date(2018, 1, 2), date(2018, 1, 3)])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_enrollmentdaycount SET count = 5 WHERE enrolled_on = '2018-01-02' AND state = 'recorded'")
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("check_ledger", stdout=out)
    assert "the recorded count of 2018-01-02 is 5 but 2 enrollments are recorded on that day" in out.getvalue()


def test_the_counts_per_day_follow_each_card_and_are_filled_from_the_records_held_before_them(office, keeper, tmp_path):
    from importlib import import_module

    from django.apps import apps as live_apps

    from registry.models import EnrollmentDayCount

    clerk = f.user(office)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 2), date(2018, 1, 2), date(2018, 1, 3)])
    receive_blanks(office=office, quantity=1, reference="R1", by=keeper)
    build_print_queue(office=office, by=system_user())
    counts = {(day.isoformat(), state): n for day, state, n in EnrollmentDayCount.objects.exclude(count=0).values_list("enrolled_on", "state", "count")}
    assert counts == {("2018-01-02", "queued"): 1, ("2018-01-02", "recorded"): 1, ("2018-01-03", "recorded"): 1}
    # An office upgraded to them: its counts are filled from its records, once.
    EnrollmentDayCount.objects.all().delete()
    fill = import_module("registry.migrations.0012_enrollment_day_counts_filled").count_each_office
    fill(live_apps, connection.schema_editor())
    fill(live_apps, connection.schema_editor())
    assert {(day.isoformat(), state): n for day, state, n in EnrollmentDayCount.objects.values_list("enrolled_on", "state", "count")} == counts
