"""The age rule (UU 24/2013 art. 63): a card recorded at 16 waits for the 17th birthday, or for a marriage.

Every day and moment is given (Kupang keeps WITA, UTC+8): the tests pass at any hour.
"""
import re
from datetime import date, datetime
from importlib import import_module
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as live_apps
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string

from backlog import corrections
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.work import due_work
from inventory.selectors import blanks_to_ask_for, ledger_breaches, printing_reached, stock_report
from people.roles import system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from public.selectors import find_cards
from registry.ages import birthday, printable_on
from registry.models import Correction, Enrollment, EnrollmentCounts, EnrollmentState
from tests import factories as f

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
ADULT = date(1990, 5, 17)
HEADER = [*f.HEADER_WITH_MOTHER, "status_kawin"]


def at(day: date, hour=9) -> datetime:
    """A moment of that day at the Kupang office."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=WITA)


def import_rows(office, clerk, tmp_path, rows):
    from backlog.imports import import_enrollments

    path = f.siak_file(tmp_path / f"siak-{len(list(tmp_path.iterdir()))}.csv", rows, header=HEADER)
    return import_enrollments(office=office, path=path, by=clerk)


def record(nik) -> Enrollment:
    return Enrollment.objects.get(nik=nik)


def queued_niks(office):
    return [job.enrollment.nik for job in queue_in_print_order(office)]


def resident(enrolled_on, birth, *, married="BELUM KAWIN", code="5371"):
    return f.row(enrolled_on, code=code, birth=birth, number=f.nik(code, birth), status_kawin=married)


def test_the_day_a_card_may_be_printed():
    assert printable_on(birth_date=date(2001, 6, 10), enrolled_on=date(2018, 1, 5), marital_status="1") == date(2018, 6, 10)
    assert printable_on(birth_date=date(2001, 6, 10), enrolled_on=date(2018, 1, 5), marital_status="2") == date(2018, 1, 5)
    assert printable_on(birth_date=date(2004, 2, 29), enrolled_on=date(2020, 6, 1), marital_status="") == date(2021, 3, 1)
    assert printable_on(birth_date=ADULT, enrolled_on=date(2018, 1, 5), marital_status="") == date(2018, 1, 5)
    assert birthday(date(2000, 2, 29), 17) == date(2017, 3, 1)


def test_a_sixteen_year_olds_card_waits_and_is_queued_on_the_17th_birthday_at_its_place(kupang, clerk, keeper, tmp_path):
    young = resident(date(2018, 1, 5), date(2001, 6, 10))
    older = [resident(date(2018, 2, day), date(1980, 1, day)) for day in (1, 2, 3)]
    import_rows(kupang, clerk, tmp_path, [young, *older])
    assert record(young["nik"]).printable_on == date(2018, 6, 10)
    assert EnrollmentCounts.objects.get(office=kupang).under_age == 1

    receive_blanks(office=kupang, quantity=2, reference="R1", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 6, 9), hour=23), by=system_user())  # 23:00 in Kupang: the day before
    assert queued_niks(kupang) == [older[0]["nik"], older[1]["nik"]]
    assert record(young["nik"]).state == EnrollmentState.RECORDED

    receive_blanks(office=kupang, quantity=1, reference="R2", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 6, 10), hour=0), by=system_user())  # just past midnight in Kupang (still the 9th in Jakarta)
    # Printed first among the queued: it was recorded before them.
    assert queued_niks(kupang) == [young["nik"], older[0]["nik"], older[1]["nik"]]
    assert EnrollmentCounts.objects.get(office=kupang).under_age == 0


def test_born_on_29_february_the_card_is_printable_from_1_march(kupang, clerk, keeper, tmp_path):
    leapling = resident(date(2020, 6, 1), date(2004, 2, 29))
    import_rows(kupang, clerk, tmp_path, [leapling])
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    assert build_print_queue(office=kupang, at=at(date(2021, 2, 28), hour=20), by=system_user()).queued == 0
    assert build_print_queue(office=kupang, at=at(date(2021, 3, 1)), by=system_user()).queued == 1
    assert queued_niks(kupang) == [leapling["nik"]]


def test_a_married_sixteen_year_old_is_queued_at_once(kupang, clerk, keeper, tmp_path):
    married = resident(date(2018, 1, 5), date(2001, 6, 10), married="KAWIN")
    import_rows(kupang, clerk, tmp_path, [married])
    assert record(married["nik"]).printable_on == date(2018, 1, 5)
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    assert build_print_queue(office=kupang, at=at(date(2018, 1, 6)), by=system_user()).queued == 1


def test_the_sweep_asks_for_no_build_where_every_waiting_card_is_under_age_until_a_birthday(kupang, tangerang, clerk, keeper, tmp_path):
    import_rows(kupang, clerk, tmp_path, [resident(date(2018, 1, 5), date(2001, 6, 10)), resident(date(2018, 1, 6), date(2001, 9, 1))])
    receive_blanks(office=kupang, quantity=5, reference="R1", by=keeper)
    assert due_work(at=at(date(2018, 3, 1))).builds == []
    assert due_work(at=at(date(2018, 6, 10))).builds == [kupang.pk]
    # One waiting card of age is enough, whatever the day.
    import_rows(kupang, clerk, tmp_path, [resident(date(2018, 2, 1), ADULT)])
    assert due_work(at=at(date(2018, 3, 1))).builds == [kupang.pk]


def test_a_card_queued_for_an_under_17_before_the_rule_gives_its_blank_back(kupang, clerk, keeper, tmp_path):
    young = resident(date(2018, 1, 5), date(2001, 6, 10))
    older = resident(date(2018, 2, 1), ADULT)
    import_rows(kupang, clerk, tmp_path, [young, older])
    # As the records were before the age rule shipped: no printable date (the backfill had not reached them), queued.
    Enrollment.objects.update(printable_on=None)
    EnrollmentCounts.objects.update(under_age=0)
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 3, 1)), by=system_user())
    assert queued_niks(kupang) == [young["nik"]]
    # The migration fills the dates in; the card stays queued until the next build.
    import_module("registry.migrations.0016_enrollment_printable_on_filled").fill(live_apps, connection.schema_editor())
    assert record(young["nik"]).printable_on == date(2018, 6, 10)

    build_print_queue(office=kupang, at=at(date(2018, 3, 1)), by=system_user())
    assert queued_niks(kupang) == [older["nik"]]
    assert record(young["nik"]).state == EnrollmentState.RECORDED
    assert PrintJob.objects.get(enrollment=record(young["nik"])).state == PrintJob.State.CANCELLED
    report = stock_report(kupang)
    assert (report["on_hand"], report["reserved"], report["recorded"]) == (1, 1, 1)
    assert EnrollmentCounts.objects.get(office=kupang).under_age == 1


def test_the_backfill_gives_each_record_the_importers_date(kupang, clerk, tmp_path):
    rows = [resident(date(2018, 1, 5), date(2001, 6, 10)), resident(date(2020, 6, 1), date(2004, 2, 29)),
            resident(date(2018, 1, 6), date(2001, 7, 1), married="2"), resident(date(2018, 1, 7), ADULT),
            resident(date(2018, 1, 8), date(2001, 1, 1))]
    import_rows(kupang, clerk, tmp_path, rows)
    imported = dict(Enrollment.objects.values_list("nik", "printable_on"))
    Enrollment.objects.update(printable_on=None)
    import_module("registry.migrations.0016_enrollment_printable_on_filled").fill(live_apps, connection.schema_editor())
    assert dict(Enrollment.objects.values_list("nik", "printable_on")) == imported
    assert imported[rows[1]["nik"]] == date(2021, 3, 1)


def test_the_clerk_records_a_marriage_and_the_card_is_printable_at_once(client, kupang, clerk, keeper, outsider, tmp_path):
    young = resident(date(2018, 1, 5), date(2001, 6, 10))
    import_rows(kupang, clerk, tmp_path, [young, resident(date(2018, 2, 1), ADULT)])
    card = record(young["nik"])

    client.force_login(keeper)
    assert "kawin/" not in client.get(f"/perekaman/{card.pk}/").content.decode()
    assert client.get(f"/perekaman/{card.pk}/kawin/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/perekaman/{card.pk}/kawin/").status_code == 404

    client.force_login(clerk)
    page = client.get(f"/perekaman/{card.pk}/").content.decode()
    assert f"/perekaman/{card.pk}/kawin/" in page and "10-06-2018" in page
    form = client.get(f"/perekaman/{card.pk}/kawin/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    response = client.post(f"/perekaman/{card.pk}/kawin/", {"certificate": "AN 474.2/123/2018", "marital_status": "2",
                                                            "form_token": token}, follow=True)
    assert response.status_code == 200
    card.refresh_from_db()
    assert (card.marital_status, card.printable_on) == ("2", date(2018, 1, 5))
    marriage = Correction.objects.get(enrollment=card)
    assert (marriage.kind, marriage.reason, marriage.created_by) == (Correction.Kind.MARRIAGE, "AN 474.2/123/2018", clerk)
    assert marriage.changes == {"marital_status": ["1", "2"], "printable_on": ["2018-06-10", "2018-01-05"]}
    assert EnrollmentCounts.objects.get(office=kupang).under_age == 0
    assert "AN 474.2/123/2018" in client.get(f"/perekaman/{card.pk}/").content.decode()  # in the card's history

    # Sent again: nothing more.
    assert corrections.record_marriage(enrollment=card, by=clerk, certificate="AN 474.2/123/2018") == marriage
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 3, 1)), by=system_user())
    assert queued_niks(kupang) == [young["nik"]]


def test_my_card_says_from_which_day_a_card_recorded_at_16_is_printed(kupang, clerk, tmp_path):
    young = resident(date(2018, 1, 5), date(2001, 6, 10))
    import_rows(kupang, clerk, tmp_path, [young])
    (card,) = find_cards(nik=young["nik"], birth_date=date(2001, 6, 10), mother_name=f.MOTHER, today=date(2018, 3, 1))
    assert card.printable_from == date(2018, 6, 10)
    assert "10 Juni 2018" in render_to_string("public/my_card.html", {"cards": [card]})
    (card,) = find_cards(nik=young["nik"], birth_date=date(2001, 6, 10), mother_name=f.MOTHER, today=date(2018, 6, 10))
    assert card.printable_from is None and card.estimate is not None


def test_blanks_to_ask_for_count_only_the_cards_printable_within_the_lead_time(kupang, clerk, tmp_path):
    soon = resident(date(2018, 1, 5), date(2001, 3, 20))  # 17 on 20 March: within 30 days of 1 March
    later = resident(date(2018, 1, 6), date(2001, 6, 10))  # 17 on 10 June: after
    import_rows(kupang, clerk, tmp_path, [soon, later, resident(date(2018, 1, 7), ADULT)])
    forecast = blanks_to_ask_for(kupang, lead_time_days=30, today=date(2018, 3, 1))
    assert (forecast.recorded, forecast.not_yet_printable, forecast.backlog) == (3, 1, 2)
    assert blanks_to_ask_for(kupang, lead_time_days=120, today=date(2018, 3, 1)).backlog == 3


def test_printing_reached_does_not_jump_back_for_a_birthday_card(kupang, clerk, keeper, tmp_path):
    young = resident(date(2018, 1, 5), date(2001, 6, 10))
    import_rows(kupang, clerk, tmp_path, [young, resident(date(2018, 3, 5), ADULT), resident(date(2018, 4, 2), ADULT)])
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 5, 1)), by=system_user())
    assert printing_reached(kupang).queue_month == date(2018, 3, 1)
    receive_blanks(office=kupang, quantity=1, reference="R2", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 6, 10)), by=system_user())
    assert record(young["nik"]).state == EnrollmentState.QUEUED
    assert printing_reached(kupang).queue_month == date(2018, 3, 1)


def test_next_in_line_is_never_a_birthday_card_nor_a_month_before_the_one_printing_has_reached(kupang, clerk, keeper, tmp_path):
    young = resident(date(2018, 3, 1), date(2001, 10, 10))  # 17 on 10 October: waits past the frontier
    import_rows(kupang, clerk, tmp_path, [resident(date(2018, 2, 5), ADULT), young, resident(date(2018, 4, 2), ADULT)])
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    build_print_queue(office=kupang, at=at(date(2018, 5, 1)), by=system_user())
    reached = printing_reached(kupang, today=date(2018, 5, 1))
    assert (reached.queue_month, reached.waiting_month) == (date(2018, 2, 1), date(2018, 4, 1))
    # A record of January that waits for a blank (imported late) does not make "next" older than "reached".
    import_rows(kupang, clerk, tmp_path, [resident(date(2018, 1, 8), date(1991, 1, 1))])
    reached = printing_reached(kupang, today=date(2018, 5, 1))
    assert (reached.queue_month, reached.waiting_month) == (date(2018, 2, 1), date(2018, 4, 1))


@pytest.mark.breaks_ledger
def test_check_ledger_catches_the_under_age_count_changed_behind_the_apps_back(kupang, clerk, tmp_path):
    import_rows(kupang, clerk, tmp_path, [resident(date(2018, 1, 5), date(2001, 6, 10)), resident(date(2018, 1, 6), ADULT)])
    assert ledger_breaches(kupang) == []
    EnrollmentCounts.objects.update(under_age=F("under_age") - 1)
    assert ledger_breaches(kupang) == ["the under-age count is 0 but 1 waiting enrollments were under age when recorded"]
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("check_ledger", stdout=out)
    assert "under-age count" in out.getvalue()
