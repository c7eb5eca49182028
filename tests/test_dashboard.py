"""The head's dashboard: blank figures, printing per working day, backlog by enrollment month, and how many blanks to ask for."""
import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.desks import mark_printed
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.requests import close_blank_request, draft_blank_request, mark_request_sent
from common.dates import local_day
from inventory.models import BlankRequest
from inventory.selectors import backlog_by_month, blanks_to_ask_for, print_rate
from people.roles import Role, system_user
from printing.models import PrintJob
from tests import factories as f

pytestmark = pytest.mark.django_db


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def figure(html, name):
    """The big number of one figure on the page, as the head reads it."""
    return re.search(rf'data-figure="{name}"><span>([^<]*)</span>', html).group(1)


def step(html, label):
    """The value of one line of the 'how many to ask for' reasoning."""
    row = re.search(rf"<th scope=\"row\">{re.escape(label)}.*?</th><td class=\"num\">([^<]*)</td>", html, flags=re.S)
    return row.group(1)


def enroll(office, by, tmp_path, dates):
    f.enrollments(office, by, tmp_path, dates)


def print_on(monkeypatch, day: date, jobs, by):
    """Mark jobs printed as if it were 10:00 on that day (the ledger takes the time of the movement)."""
    moment = timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    for job in jobs:
        mark_printed(job=job, by=by)
    monkeypatch.undo()


def test_the_head_sees_on_hand_reserved_available_and_the_backlog_by_enrollment_month(client, kupang, keeper, head, clerk, tmp_path):
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 10), date(2018, 2, 3), date(2018, 2, 20), date(2018, 4, 2), date(2018, 4, 5)])
    receive_blanks(office=kupang, quantity=3, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    mark_printed(job=PrintJob.objects.order_by("enrollment__enrolled_on").first(), by=clerk)
    html = dashboard(client, head)
    assert (figure(html, "on_hand"), figure(html, "reserved"), figure(html, "available")) == ("2", "2", "0")
    assert figure(html, "backlog") == "2"
    assert [(m.month, m.recorded) for m in backlog_by_month(kupang)] == [(date(2018, 4, 1), 2)]
    assert '"labels": ["Apr 2018"]' in html and '"recorded": [2]' in html


def test_printing_has_reached_february_and_april_is_next(client, kupang, keeper, head, clerk, tmp_path):
    """The Kupang head: "we have reached February"; this week those enrolled in April are next."""
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 15), date(2018, 2, 1), date(2018, 2, 14), date(2018, 4, 9), date(2018, 4, 30)])
    receive_blanks(office=kupang, quantity=3, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    mark_printed(job=PrintJob.objects.get(enrollment__enrolled_on=date(2018, 1, 15)), by=clerk)
    html = dashboard(client, head)
    assert figure(html, "reached") == "Feb 2018"
    assert figure(html, "next") == "Apr 2018"


def test_printed_per_working_day_and_the_working_days_of_stock_left(client, kupang, keeper, head, clerk, tmp_path, monkeypatch):
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 1) + timedelta(days=n) for n in range(40)])
    receive_blanks(office=kupang, quantity=100, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    today = local_day(kupang)
    monday = today - timedelta(days=today.weekday() + 7)  # last week's Monday
    jobs = list(PrintJob.objects.filter(state="queued").order_by("enrollment__enrolled_on"))
    print_on(monkeypatch, monday, jobs[:10], clerk)
    print_on(monkeypatch, monday + timedelta(days=2), jobs[10:20], clerk)
    print_on(monkeypatch, monday + timedelta(days=5), jobs[20:25], clerk)  # Saturday overtime counts, the day does not
    rate = print_rate(kupang)
    # The ledger began on that Monday (the receipt is today, so take the first printed day as its start).
    assert rate.printed == 25
    html = dashboard(client, head)
    working_days = rate.working_days
    assert figure(html, "per_day") == f"{25 / working_days:.1f}".replace(".", ",").replace(",0", "")
    assert figure(html, "days_left") == str(int(75 / (25 / working_days)))
    saturday = (monday + timedelta(days=5)).strftime("%-d/%-m")
    assert f"Sab {saturday}" in html  # a Saturday with printing is on the chart


def test_a_new_office_has_no_printing_rate_yet(client, kupang, head):
    html = dashboard(client, head)
    assert figure(html, "per_day") == "–" and figure(html, "days_left") == "–"
    assert "laju pencetakan belum diketahui" in html


def test_after_14_of_20_requested_arrived_the_dashboard_asks_for_38_and_shows_why(client, kupang, keeper, head, clerk, tmp_path):
    """Offices ask for 20,000 and get 14,000: at a thousandth of the scale, the figure divides by 70%."""
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 1) + timedelta(days=n) for n in range(40)])
    request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=20, reference="470/1/2018", by=head), by=head)
    receive_blanks(office=kupang, quantity=14, reference=request.reference, by=keeper, delivery_note="SJ-1")
    build_print_queue(office=kupang, by=system_user())
    html = dashboard(client, head)
    # 26 waiting + 0 new - 0 available - 0 still expected (20 x 70% - 14) = 26 needed; 26 / 70% = 37.1 -> 38
    assert step(html, "Tunggakan (terekam + ditahan)") == "26"
    assert step(html, "Blanko tersedia") == "0"
    assert step(html, "Masih diharapkan dari permintaan terbuka") == "0"
    assert step(html, "Blanko yang dibutuhkan") == "26"
    assert step(html, "Porsi yang dipenuhi Kemendagri") == "70%"
    assert step(html, "Blanko yang diminta") == "38"
    assert "14 diterima dari 20 yang diminta pada 1 permintaan sebelumnya" in html
    assert "Buat konsep permintaan 38 blanko" in html


def test_with_no_history_the_dashboard_assumes_the_ministry_delivers_everything_and_says_so(client, kupang, head, clerk, tmp_path):
    enroll(kupang, clerk, tmp_path, [date(2018, 3, 1) + timedelta(days=n) for n in range(12)])
    html = dashboard(client, head)
    assert step(html, "Porsi yang dipenuhi Kemendagri") == "100%"
    assert "dianggap 100%" in html and "menganggap Kemendagri memenuhi seluruh permintaan" in html
    assert step(html, "Blanko yang diminta") == "12"


def set_lead_time(client, user, value):
    client.force_login(user)
    return client.post(reverse("dashboard_lead_time"), {"lead_time": value})


def test_new_enrollments_are_expected_over_the_lead_time_the_head_sets_for_the_office(client, kupang, head, clerk, tmp_path):
    today = local_day(kupang)
    enroll(kupang, clerk, tmp_path, [today - timedelta(days=2 * n) for n in range(28)])  # 28 in 8 weeks: 0.5 a day
    assert set_lead_time(client, head, "60").status_code == 302
    html = dashboard(client, head)
    assert step(html, "Perekaman baru yang diperkirakan dalam 60 hari") == "30"
    assert step(html, "Blanko yang diminta") == "58"
    # The office's figure: the clerk sees the same, and cannot change it.
    seen_by_clerk = dashboard(client, clerk)
    assert step(seen_by_clerk, "Blanko yang diminta") == "58" and "60 hari, sesuai yang ditetapkan Kepala Dinas" in seen_by_clerk
    assert set_lead_time(client, clerk, "10").status_code == 403
    kupang.refresh_from_db()
    assert kupang.request_lead_time_days == 60


@pytest.mark.parametrize("value", ["0", "tiga puluh", "400"])
def test_a_bad_lead_time_is_refused_next_to_the_field_and_the_figure_stays(client, kupang, head, value):
    response = set_lead_time(client, head, value)
    html = response.content.decode()
    assert response.status_code == 400 and 'class="field invalid"' in html
    assert "Perekaman baru yang diperkirakan dalam 30 hari" in html
    kupang.refresh_from_db()
    assert kupang.request_lead_time_days == 30


def test_what_is_already_requested_is_not_asked_again(kupang, keeper, head, clerk, tmp_path):
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 1) + timedelta(days=n) for n in range(40)])
    request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=20, reference="470/1/2018", by=head), by=head)
    receive_blanks(office=kupang, quantity=14, reference=request.reference, by=keeper, delivery_note="SJ-1")
    build_print_queue(office=kupang, by=system_user())
    forecast = blanks_to_ask_for(kupang)
    draft_blank_request(office=kupang, quantity=forecast.ask, reference="470/2/2018", by=head)
    after = blanks_to_ask_for(kupang)
    assert (after.incoming, after.needed, after.ask) == (27, 0, 0)  # 38 asked x 70% = 26.6 -> 27 expected
    close_blank_request(request=BlankRequest.objects.get(reference="470/2/2018"), by=head)
    assert blanks_to_ask_for(kupang).ask == 38


def test_a_ministry_that_delivered_nothing_makes_the_figure_the_need_itself(client, kupang, head, clerk, tmp_path):
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 1) + timedelta(days=n) for n in range(5)])
    request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=20, reference="470/1/2018", by=head), by=head)
    close_blank_request(request=request, by=head)
    html = dashboard(client, head)
    assert step(html, "Porsi yang dipenuhi Kemendagri") == "0%"
    assert step(html, "Blanko yang diminta") == "5"
    assert "belum memenuhi permintaan sebelumnya sama sekali" in html


def test_clerk_and_stock_keeper_read_the_dashboard_but_only_the_head_drafts(client, kupang, keeper, head, clerk, tmp_path):
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 1)])
    for user in (clerk, keeper):
        html = dashboard(client, user)
        assert figure(html, "backlog") == "1" and reverse("request_new") not in html
        assert client.get(reverse("request_new")).status_code == 403
    assert reverse("request_new") in dashboard(client, head)


def test_a_head_sees_only_their_own_office_on_the_dashboard(client, kupang, head, keeper, tmp_path):
    tangerang = f.office("3603")
    receive_blanks(office=tangerang, quantity=5000, reference="DEMO/3603", by=f.user(tangerang, Role.STOCK_KEEPER))
    draft_blank_request(office=tangerang, quantity=200000, reference="TNG/2017", by=f.user(tangerang, Role.HEAD))
    receive_blanks(office=kupang, quantity=1600, reference="DEMO/5371", by=keeper)
    html = dashboard(client, head)
    assert figure(html, "on_hand") == "1.600" and "TNG/2017" not in html and "5.000" not in html


def test_the_dashboard_costs_the_same_queries_for_a_small_or_a_busy_office(client, kupang, keeper, head, clerk, tmp_path, django_assert_num_queries):
    enroll(kupang, clerk, tmp_path, [date(2018, 1, 1)])
    client.force_login(head)
    with django_assert_num_queries(13):
        assert client.get(reverse("dashboard")).status_code == 200
    enroll(kupang, clerk, tmp_path, [date(2016, 1, 1) + timedelta(days=7 * n) for n in range(120)])
    for n in range(3):
        request = mark_request_sent(request=draft_blank_request(office=kupang, quantity=20, reference=f"470/{n}/2018", by=head), by=head)
        receive_blanks(office=kupang, quantity=10, reference=request.reference, by=keeper, delivery_note=f"SJ-{n}")
    build_print_queue(office=kupang, by=system_user())
    for job in PrintJob.objects.filter(state="queued")[:5]:
        mark_printed(job=job, by=clerk)
    with django_assert_num_queries(13):
        assert client.get(reverse("dashboard")).status_code == 200
