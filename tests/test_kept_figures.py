"""Figures the write side keeps beside the rows, so that a page reads a few of them whatever the office's size.

Each is written in the transaction of the change it counts, read by the
pages instead of the rows, and recomputed from the rows by check_ledger:
changed behind the app's back, check_ledger names it.
"""
from datetime import date, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from backlog import corrections
from backlog.desks import mark_printed
from backlog.ledger import receive_blanks, set_time_zone
from backlog.queue import build_print_queue
from inventory.models import DailyPrinting
from inventory.selectors import ledger_breaches, print_rate
from people.roles import Role, system_user
from printing.models import PrintJob
from registry.models import DuplicateCase, TimeZone
from registry.selectors import duplicate_cases
from tests import factories as f

pytestmark = pytest.mark.django_db
WITA = ZoneInfo("Asia/Makassar")
MONDAY = datetime(2018, 2, 5, 9, 0, tzinfo=WITA)


def queued_cards(office, clerk, tmp_path, cards):
    f.enrollments(office, clerk, tmp_path, [date(2017, 11, 1) + timedelta(days=n) for n in range(cards)])
    with patch("django.utils.timezone.now", return_value=MONDAY - timedelta(days=3)):  # receive_blanks takes no moment
        receive_blanks(office=office, quantity=cards, reference="470/1/2018", by=f.person(office, Role.STOCK_KEEPER))
        build_print_queue(office=office, by=system_user())
    return list(PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).order_by("enrolled_on", "pk"))


def kept(office):
    return dict(DailyPrinting.objects.filter(office=office).exclude(printed=0).values_list("day", "printed"))


def test_the_cards_printed_each_day_are_kept_net_of_a_print_undone_and_make_the_print_rate(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, 5)
    for n, job in enumerate(jobs[:3]):
        mark_printed(job=job, by=clerk, at=MONDAY + timedelta(minutes=n))
    mark_printed(job=jobs[3], by=clerk, at=MONDAY + timedelta(days=1))
    corrections.undo_printed(job=PrintJob.objects.get(pk=jobs[2].pk), by=clerk, reason="salah klik", at=MONDAY + timedelta(hours=2))
    assert kept(kupang) == {date(2018, 2, 5): 2, date(2018, 2, 6): 1}
    # On Wednesday the rate counts Friday (the blanks came), Monday and Tuesday: 3 cards, the print undone not among them.
    rate = print_rate(kupang, today=date(2018, 2, 7))
    assert (rate.printed, rate.working_days) == (3, 3)
    assert ledger_breaches(kupang) == []


def test_a_print_late_in_the_evening_is_kept_on_the_office_s_own_day(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, 1)
    mark_printed(job=jobs[0], by=clerk, at=datetime(2018, 2, 5, 23, 30, tzinfo=WITA))  # 16:30 WIB, 15:30 UTC: the 5th anywhere
    assert kept(kupang) == {date(2018, 2, 5): 1}
    set_time_zone(office=kupang, time_zone=TimeZone.WIT, by=system_user())  # 00:30 on the 6th in Jayapura
    assert kept(kupang) == {date(2018, 2, 6): 1}
    assert ledger_breaches(kupang) == []


@pytest.mark.breaks_ledger
def test_check_ledger_names_a_day_of_printing_changed_behind_the_app_s_back(kupang, clerk, tmp_path, capsys):
    jobs = queued_cards(kupang, clerk, tmp_path, 2)
    mark_printed(job=jobs[0], by=clerk, at=MONDAY)
    DailyPrinting.objects.filter(office=kupang, day=date(2018, 2, 5)).update(printed=40)
    assert ledger_breaches(kupang) == ["the printing of 2018-02-05 is 40 but the movements add up to 1"]
    with pytest.raises(SystemExit):
        call_command("check_ledger", "--office", "5371")
    assert "the printing of 2018-02-05 is 40" in capsys.readouterr().out


def test_a_duplicate_case_keeps_its_earliest_record_s_date_whichever_import_brought_it(kupang, clerk, tmp_path):
    """Re-recorded in March, then an older record of January found in a later file: the case has waited since January."""
    resident = f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 2, 1)], number=resident, name="Rina Riwu")
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 3, 1)], number=resident, name="Rina Riwu")
    case = DuplicateCase.objects.get(office=kupang, nik=resident)
    assert case.first_enrolled == date(2018, 2, 1)
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 9)], number=resident, name="Rina Riwu")
    case.refresh_from_db()
    assert case.first_enrolled == date(2018, 1, 9) and case.enrollments.count() == 3
    other = f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 20), date(2018, 4, 1)], number=other, name="Yosef Nalle")
    assert [c.nik for c in duplicate_cases(kupang)] == [resident, other]  # the longest waiting first
    assert ledger_breaches(kupang) == []


@pytest.mark.breaks_ledger
def test_check_ledger_names_a_case_whose_date_was_changed_behind_the_app_s_back(kupang, clerk, tmp_path):
    resident = f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 2, 1), date(2018, 3, 1)], number=resident, name="Rina Riwu")
    case = DuplicateCase.objects.get(office=kupang, nik=resident)
    DuplicateCase.objects.filter(pk=case.pk).update(first_enrolled=date(2018, 3, 1))
    assert ledger_breaches(kupang) == [f"1 duplicate cases keep another first recording date than their records' earliest (case {case.pk})"]
