"""Each office keeps its own clock: Kota Kupang is WITA, Kabupaten Tangerang WIB, Kota Jayapura WIT.

The moment most of these tests act at is 23:30 WIB on 31 January 2018: still
January in Tangerang, already 00:30 on 1 February in Kupang. Every moment is
given, never read from the clock, so the tests pass at any hour they run.
"""
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from importlib import import_module
from unittest.mock import patch
from zoneinfo import ZoneInfo
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection

from backlog import corrections
from backlog.desks import mark_printed
from backlog.ledger import receive_blanks, set_time_zone
from backlog.queue import build_print_queue
from backlog.requests import draft_blank_request, mark_request_sent
from backlog.suket import issue_suket
from common.dates import PROVINCE_TIME_ZONES, local_day, local_midnight, zone_of_region
from common.pdf import render_html
from inventory.models import MonthlyFigures
from inventory.selectors import ledger_breaches, print_rate
from people.roles import Role, system_user
from printing.models import PrintJob
from inventory.selectors import desk_work_today
from registry.documents import suket_context
from registry.models import Enrollment, Office, TimeZone
from tests import factories as f

pytestmark = pytest.mark.django_db
WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
LATE_IN_JAKARTA = datetime(2018, 1, 31, 23, 30, tzinfo=WIB)  # 16:30 UTC; 00:30 WITA and 01:30 WIT on 1 February


@contextmanager
def clock_at(moment):
    """For the few reads that take no moment (a Suket's date): the clock says `moment`."""
    with patch("django.utils.timezone.now", return_value=moment):
        yield


def printed_at(office, moment, clerk, tmp_path, *, cards=1):
    """Enroll, receive and queue `cards` cards (weeks before), then print the first one at `moment`; its job."""
    f.enrollments(office, clerk, tmp_path, [date(2017, 11, 1) + timedelta(days=n) for n in range(cards)])
    with clock_at(moment - timedelta(days=20)):
        receive_blanks(office=office, quantity=cards, reference=f"470/{office.code}", by=f.person(office, Role.STOCK_KEEPER))
        build_print_queue(office=office, by=system_user())
    job = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).order_by("enrolled_on", "pk").first()
    return mark_printed(job=job, by=clerk, at=moment)


def test_each_office_takes_the_time_zone_of_its_province():
    assert (f.office("5371").time_zone, f.office("3603").time_zone, f.office("9171").time_zone) == (
        TimeZone.WITA, TimeZone.WIB, TimeZone.WIT)
    wib = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "61", "62"]
    wita = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"]
    wit = ["81", "82", "91", "92", "93", "94", "95", "96"]
    assert {province: zone_of_region(f"{province}71") for province in wib + wita + wit} == {
        **dict.fromkeys(wib, "Asia/Jakarta"), **dict.fromkeys(wita, "Asia/Makassar"), **dict.fromkeys(wit, "Asia/Jayapura")}
    assert set(PROVINCE_TIME_ZONES) == set(wib + wita + wit)


def test_create_office_sets_the_zone_and_the_admin_shows_it(admin_client):
    call_command("create_office", "5171", "--name", "Kota Denpasar")
    assert Office.objects.get(code="5171").time_zone == TimeZone.WITA
    listing = admin_client.get("/admin/registry/office/").content.decode()
    assert "WITA (UTC+8)" in listing
    # A new office in the admin takes its province's zone too.
    assert admin_client.post("/admin/registry/office/add/", {"code": "8171", "name": "Kota Ambon",
                                                             "request_lead_time_days": "30"}).status_code == 302
    assert Office.objects.get(code="8171").time_zone == TimeZone.WIT


def test_an_office_s_day_begins_at_its_own_midnight():
    kupang, tangerang, jayapura = f.office("5371"), f.office("3603"), f.office("9171")
    assert local_day(tangerang, LATE_IN_JAKARTA) == date(2018, 1, 31)
    assert local_day(kupang, LATE_IN_JAKARTA) == date(2018, 2, 1)
    assert local_day(jayapura, datetime(2018, 1, 31, 22, 30, tzinfo=WIB)) == date(2018, 2, 1)  # 00:30 WIT
    assert local_day(kupang, datetime(2018, 1, 31, 22, 30, tzinfo=WIB)) == date(2018, 1, 31)  # 23:30 WITA
    assert local_midnight(date(2018, 2, 1), kupang) == datetime(2018, 1, 31, 16, 0, tzinfo=ZoneInfo("UTC"))
    assert local_midnight(date(2018, 2, 1), jayapura) == datetime(2018, 1, 31, 15, 0, tzinfo=ZoneInfo("UTC"))


def test_a_print_at_23_30_wib_counts_on_kupang_s_tomorrow(kupang, clerk, tangerang, tmp_path):
    printed_at(kupang, LATE_IN_JAKARTA, clerk, tmp_path)
    printed_at(tangerang, LATE_IN_JAKARTA, f.user(tangerang, Role.CLERK), tmp_path)
    kupang_days = dict(print_rate(kupang, today=date(2018, 2, 2)).days)
    tangerang_days = dict(print_rate(tangerang, today=date(2018, 2, 2)).days)
    assert (kupang_days[date(2018, 1, 31)], kupang_days[date(2018, 2, 1)]) == (0, 1)
    assert (tangerang_days[date(2018, 1, 31)], tangerang_days[date(2018, 2, 1)]) == (1, 0)
    # The print desk's work of the day: Kupang's 1 February began at 16:00 UTC.
    with clock_at(datetime(2018, 2, 1, 9, 0, tzinfo=WITA)):
        assert len(desk_work_today(kupang)) == 1
        assert len(desk_work_today(tangerang)) == 0


def test_a_movement_at_the_end_of_january_falls_into_february_in_kupang(kupang, clerk, tangerang, tmp_path):
    printed_at(kupang, LATE_IN_JAKARTA, clerk, tmp_path)
    printed_at(tangerang, LATE_IN_JAKARTA, f.user(tangerang, Role.CLERK), tmp_path)
    printed = lambda office: dict(MonthlyFigures.objects.filter(office=office).values_list("month", "printed"))
    assert printed(kupang) == {date(2018, 1, 1): 0, date(2018, 2, 1): 1}
    assert printed(tangerang) == {date(2018, 1, 1): 1}
    assert ledger_breaches(kupang) == [] and ledger_breaches(tangerang) == []


@pytest.mark.breaks_ledger
def test_check_ledger_verifies_the_monthly_figures_in_the_office_s_zone(kupang, clerk, capsys, tmp_path):
    printed_at(kupang, LATE_IN_JAKARTA, clerk, tmp_path)
    # The figures as one clock for the whole country would have kept them: the print in January.
    MonthlyFigures.objects.filter(office=kupang, month=date(2018, 2, 1)).update(printed=0)
    MonthlyFigures.objects.filter(office=kupang, month=date(2018, 1, 1)).update(printed=1)
    assert any("2018-02" in breach for breach in ledger_breaches(kupang))
    with pytest.raises(SystemExit):
        call_command("check_ledger", "--office", "5371")
    assert "BREACH 5371" in capsys.readouterr().out


def test_the_same_working_day_of_a_correction_is_kupang_s(kupang, clerk, tangerang, tmp_path):
    job = printed_at(kupang, LATE_IN_JAKARTA, clerk, tmp_path, cards=2)
    # 23:10 WIB on 1 February is 00:10 on 2 February in Kupang: another working day, the clerk may no longer.
    with pytest.raises(PermissionDenied):
        corrections.undo_printed(job=job, by=clerk, reason="salah klik", at=datetime(2018, 2, 1, 23, 10, tzinfo=WIB))
    # 20:00 WITA on 1 February: the same day in Kupang as the print at 00:30 WITA.
    corrections.undo_printed(job=job, by=clerk, reason="salah klik", at=datetime(2018, 2, 1, 20, 0, tzinfo=WITA))
    # In Tangerang the same print was on 31 January: the next morning is another working day.
    tangerang_clerk = f.user(tangerang, Role.CLERK)
    other = printed_at(tangerang, LATE_IN_JAKARTA, tangerang_clerk, tmp_path, cards=2)
    with pytest.raises(PermissionDenied):
        corrections.undo_printed(job=other, by=tangerang_clerk, reason="salah klik", at=datetime(2018, 2, 1, 8, 0, tzinfo=WIB))


def test_a_suket_and_a_letter_are_dated_on_kupang_s_day(kupang, clerk, head, tangerang, tmp_path):
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 11, 1)])
    tangerang_clerk = f.user(tangerang, Role.CLERK)
    f.enrollments(tangerang, tangerang_clerk, tmp_path, [date(2017, 11, 1)])
    with clock_at(LATE_IN_JAKARTA):
        suket = issue_suket(enrollment=Enrollment.objects.get(office=kupang), by=clerk)
        other = issue_suket(enrollment=Enrollment.objects.get(office=tangerang), by=tangerang_clerk)
        html = render_html("documents/suket.html", suket_context(suket, printed_by=clerk), office=kupang)
    assert (suket.issued_on, suket.number[:12]) == (date(2018, 2, 1), "5371-201802-")
    assert other.issued_on == date(2018, 1, 31)
    assert "dicetak 1 Februari 2018 00:30" in html
    request = draft_blank_request(office=kupang, quantity=100, reference="470/5371", by=head)
    assert mark_request_sent(request=request, by=head, at=LATE_IN_JAKARTA).sent_on == date(2018, 2, 1)


def test_the_public_board_says_the_office_s_zone(client):
    for code, label in (("5371", "WITA"), ("3603", "WIB"), ("9171", "WIT")):
        f.office(code)
        page = client.get(f"/publik/{code}/").content.decode()
        assert f" {label}. Pencetakan terhenti" in page, code


def test_a_change_of_zone_rebuckets_the_monthly_figures_under_the_ledger_lock(kupang, clerk, admin_client, tmp_path):
    printed_at(kupang, LATE_IN_JAKARTA, clerk, tmp_path)
    assert set_time_zone(office=kupang, time_zone=TimeZone.WIB, by=system_user()) == 1
    assert dict(MonthlyFigures.objects.filter(office=kupang).values_list("month", "printed")) == {date(2018, 1, 1): 1}
    assert ledger_breaches(kupang) == []
    assert set_time_zone(office=kupang, time_zone=TimeZone.WIB, by=system_user()) == 0  # nothing new, nothing changes
    # The admin goes through the same service.
    page = admin_client.post(f"/admin/registry/office/{kupang.pk}/change/", {
        "code": "5371", "name": kupang.name, "request_lead_time_days": "30", "time_zone": "Asia/Makassar"})
    assert page.status_code == 302
    kupang.refresh_from_db()
    assert kupang.time_zone == TimeZone.WITA
    assert dict(MonthlyFigures.objects.filter(office=kupang).values_list("month", "printed")) == {date(2018, 1, 1): 0, date(2018, 2, 1): 1}
    assert ledger_breaches(kupang) == []


daily_printing = import_module("inventory.migrations.0008_daily_printing")
AS_MIGRATE_RUNS_IT = SimpleNamespace(connection=connection)


def test_the_migration_moves_kupang_to_wita_with_its_figures(kupang, clerk, tmp_path):
    printed_at(kupang, LATE_IN_JAKARTA, clerk, tmp_path)
    set_time_zone(office=kupang, time_zone=TimeZone.WIB, by=system_user())  # every office as it was before the migration
    migration = import_module("registry.migrations.0010_office_time_zone")
    migration.each_office_on_its_provinces_zone(apps, None)
    daily_printing.fill(apps, AS_MIGRATE_RUNS_IT)  # the later migration that keeps the prints per day, in migrate's order
    kupang.refresh_from_db()
    assert kupang.time_zone == TimeZone.WITA
    assert dict(MonthlyFigures.objects.filter(office=kupang).values_list("month", "printed")) == {date(2018, 1, 1): 0, date(2018, 2, 1): 1}
    assert ledger_breaches(kupang) == []
    migration.every_office_back_on_wib(apps, None)
    daily_printing.fill(apps, AS_MIGRATE_RUNS_IT)
    assert dict(MonthlyFigures.objects.filter(office=kupang).values_list("month", "printed")) == {date(2018, 1, 1): 1}


@pytest.mark.parametrize("hour", range(24))
def test_kupang_s_day_month_and_documents_hold_at_every_hour_of_the_day(kupang, clerk, hour, tmp_path):
    """The same print and Suket at each hour (UTC) of the last day of January: Kupang's day is always UTC+8's."""
    moment = datetime(2018, 1, 31, hour, 15, tzinfo=ZoneInfo("UTC"))
    kupang_day = (moment + timedelta(hours=8)).date()
    printed_at(kupang, moment, clerk, tmp_path, cards=2)
    assert dict(print_rate(kupang, today=date(2018, 2, 2)).days)[kupang_day] == 1
    assert MonthlyFigures.objects.get(office=kupang, printed=1).month == kupang_day.replace(day=1)
    with clock_at(moment):
        suket = issue_suket(enrollment=Enrollment.objects.filter(office=kupang, state="queued").get(), by=clerk)
    assert suket.issued_on == kupang_day
    assert ledger_breaches(kupang) == []


def test_office_pages_show_times_on_the_office_s_clock(client, kupang, clerk, tangerang, tmp_path):
    """The print desk's work of the day: Kupang's clerk reads WITA, Tangerang's WIB, for prints made now."""
    for office, user, zone in ((kupang, clerk, WITA), (tangerang, f.user(tangerang, Role.CLERK), WIB)):
        f.enrollments(office, user, tmp_path, [date(2017, 11, 1)])
        receive_blanks(office=office, quantity=1, reference=f"470/{office.code}", by=f.person(office, Role.STOCK_KEEPER))
        build_print_queue(office=office, by=system_user())
        job = mark_printed(job=PrintJob.objects.get(office=office, state=PrintJob.State.QUEUED), by=user)
        client.force_login(user)
        page = client.get("/cetak/").content.decode()
        assert f'<td class="num">{job.printed_at.astimezone(zone):%H:%M}</td>' in page, office.code
