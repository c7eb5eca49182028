"""Residents who enrolled twice, resolved in person; temporary certificates (Suket)."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from inventory.selectors import stock_report
from backlog.ledger import receive_blanks
from people.roles import Role, system_user
from printing.selectors import queue_in_print_order
from backlog.queue import build_print_queue
from registry.models import DuplicateCase, Enrollment, EnrollmentState
from backlog.desks import mark_printed
from backlog.duplicates import resolve_duplicate_case
from backlog.suket import issue_suket
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(kupang):
    return kupang



def enrolled_twice(office, clerk, tmp_path, first=date(2017, 2, 1), again=date(2018, 3, 1)):
    resident = f.nik()
    f.enrollments(office, clerk, tmp_path, [first], number=resident, name="Maria Manafe", sex="L")
    f.enrollments(office, clerk, tmp_path, [again], number=resident, name="Maria Manafe Tefa", sex="L")
    return DuplicateCase.objects.get(nik=resident)


def test_resolving_in_person_keeps_the_earliest_date_and_the_queue_picks_it_up(office, clerk, tmp_path):
    case = enrolled_twice(office, clerk, tmp_path)
    f.enrollments(office, clerk, tmp_path, [date(2017, 6, 1)])
    newer = case.enrollments.get(enrolled_on=date(2018, 3, 1))
    resolve_duplicate_case(case=case, by=clerk, keep=newer, note="datang langsung")
    survivor = Enrollment.objects.get(nik=case.nik, state=EnrollmentState.RECORDED)
    assert survivor.enrolled_on == date(2017, 2, 1)
    assert survivor.name == "Maria Manafe Tefa"
    assert Enrollment.objects.get(nik=case.nik, enrolled_on=date(2018, 3, 1)).state == EnrollmentState.VOID
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    assert queue_in_print_order(office).get().enrollment == survivor
    report = stock_report(office)
    assert (report["on_hold"], report["recorded"], report["queued"]) == (0, 1, 1)


def test_voiding_a_case_voids_every_held_record(office, clerk, tmp_path):
    case = enrolled_twice(office, clerk, tmp_path)
    resolve_duplicate_case(case=case, by=clerk, keep=None, note="bukan penduduk")
    assert set(Enrollment.objects.filter(nik=case.nik).values_list("state", flat=True)) == {EnrollmentState.VOID}
    assert DuplicateCase.objects.get().status == DuplicateCase.Status.VOID


def test_resolving_twice_changes_nothing(office, clerk, tmp_path):
    case = enrolled_twice(office, clerk, tmp_path)
    keep = case.enrollments.first()
    resolve_duplicate_case(case=case, by=clerk, keep=keep, note="KTP dan KK")
    resolve_duplicate_case(case=case, by=clerk, keep=keep, note="KTP dan KK")
    assert stock_report(office)["recorded"] == 1


def test_a_re_enrollment_of_a_queued_card_releases_its_blank(office, clerk, tmp_path):
    resident = f.nik()
    f.enrollments(office, clerk, tmp_path, [date(2017, 1, 1)], number=resident)
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    assert stock_report(office)["reserved"] == 1
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)], number=resident)
    report = stock_report(office)
    assert (report["reserved"], report["available"], report["on_hold"], report["queued"]) == (0, 1, 2, 0)


def test_a_resident_in_an_open_case_who_enrolls_again_joins_that_case(office, clerk, tmp_path):
    case = enrolled_twice(office, clerk, tmp_path)
    f.enrollments(office, clerk, tmp_path, [date(2018, 5, 2)], number=case.nik, sex="L")
    assert DuplicateCase.objects.get() == case
    assert sorted(case.enrollments.values_list("state", flat=True)) == ["on_hold"] * 3
    assert stock_report(office)["on_hold"] == 3


def test_a_resident_whose_case_was_resolved_enrolls_again_in_a_new_case_with_the_kept_record(office, clerk, tmp_path):
    case = enrolled_twice(office, clerk, tmp_path)
    resolve_duplicate_case(case=case, by=clerk, keep=case.enrollments.first(), note="KK")
    f.enrollments(office, clerk, tmp_path, [date(2018, 5, 2)], number=case.nik, sex="L")
    again = DuplicateCase.objects.get(status=DuplicateCase.Status.OPEN)
    assert again != case
    assert sorted(again.enrollments.values_list("enrolled_on", "state")) == [
        (date(2017, 2, 1), "on_hold"), (date(2018, 5, 2), "on_hold")]
    report = stock_report(office)
    assert (report["on_hold"], report["recorded"]) == (2, 0)
    assert Enrollment.objects.get(nik=case.nik, enrolled_on=date(2018, 3, 1)).state == EnrollmentState.VOID


def test_a_resident_enrolled_twice_in_one_file_after_a_printed_card_is_held_with_the_card_linked(office, clerk, tmp_path):
    resident = f.nik()
    f.enrollments(office, clerk, tmp_path, [date(2017, 1, 1)], number=resident)
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    mark_printed(job=queue_in_print_order(office).get(), by=clerk)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1), date(2018, 4, 1)], number=resident)
    case = DuplicateCase.objects.get()
    assert sorted(case.enrollments.values_list("enrolled_on", "state")) == [
        (date(2017, 1, 1), "ready"), (date(2018, 1, 1), "on_hold"), (date(2018, 4, 1), "on_hold")]
    report = stock_report(office)
    assert (report["on_hold"], report["ready_for_pickup"]) == (2, 1)


def test_a_suket_is_valid_six_months_and_asking_again_gives_the_same_number(office, clerk, tmp_path):
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)])
    enrollment = Enrollment.objects.get()
    suket = issue_suket(enrollment=enrollment, by=clerk, today=date(2018, 3, 31))
    assert suket.valid_until == date(2018, 9, 30)
    assert issue_suket(enrollment=enrollment, by=clerk, today=date(2018, 4, 2)).number == suket.number
    renewed = issue_suket(enrollment=enrollment, by=clerk, today=date(2018, 10, 1))
    assert renewed.number != suket.number
    suket.refresh_from_db()
    assert suket.ended_on == date(2018, 10, 1)


def test_no_suket_for_a_card_that_is_ready(office, clerk, tmp_path):
    from printing.models import PrintJob
    from backlog.desks import mark_printed

    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 1)])
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=system_user())
    mark_printed(job=PrintJob.objects.get(), by=clerk)
    with pytest.raises(ValidationError):
        issue_suket(enrollment=Enrollment.objects.get(), by=clerk)


def test_a_suket_of_a_voided_record_ends_with_it(office, clerk, tmp_path):
    case = enrolled_twice(office, clerk, tmp_path)
    newer = case.enrollments.get(enrolled_on=date(2018, 3, 1))
    suket = issue_suket(enrollment=newer, by=clerk)
    resolve_duplicate_case(case=case, by=clerk, keep=newer, note="datang langsung")
    suket.refresh_from_db()
    assert suket.ended_on is not None
    survivor = Enrollment.objects.get(nik=case.nik, state=EnrollmentState.RECORDED)
    assert issue_suket(enrollment=survivor, by=clerk).number != suket.number
