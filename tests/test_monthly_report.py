"""The monthly stock report: opening + received - printed - spoiled +/- adjusted = closing, every month, on screen, in CSV and XLSX."""
import csv
import re
import io
from contextlib import contextmanager
from datetime import date, datetime
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from backlog.desks import mark_printed, mark_spoiled
from backlog.ledger import approve_stock_count, receive_blanks, record_stock_count, spoil_blanks
from backlog.queue import build_print_queue
from common.dates import local_day
from inventory.models import BlankStock
from inventory.selectors import ledger_totals, monthly_ledger
from people.roles import Role, system_user
from printing.models import PrintJob
from tests import factories as f

pytestmark = pytest.mark.django_db
KUPANG = ZoneInfo("Asia/Makassar")  # WITA, Kota Kupang's office time
QUERIES_PER_REPORT_PAGE = 4  # session, user, office, the grouped query
QUERIES_PER_MINUTES_PAGE = 5  # session, user, office, printer spoilage, desk spoilage


@contextmanager
def at(year, month, day, hour=10, minute=0):
    """Run services as if it were this moment in Kupang (WITA): movements take the time they are booked."""
    moment = datetime(year, month, day, hour, minute, tzinfo=KUPANG)
    with patch("django.utils.timezone.now", return_value=moment):
        yield


def queued(office):
    return list(PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).order_by("enrollment__enrolled_on", "pk"))


@pytest.fixture
def five_months(kupang, keeper, head, clerk, tmp_path):
    """January to May 2018 at Kupang: a receipt, printing, spoilage in the printer and the store room, two counts."""
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 11, day) for day in range(1, 6)])
    with at(2018, 1, 10):
        receive_blanks(office=kupang, quantity=100, reference="470/012/DKPS/2018", by=keeper, delivery_note="SJ-01", carried_by="Bendahara")
        build_print_queue(office=kupang, by=system_user())
    with at(2018, 1, 20):
        for job in queued(kupang)[:3]:
            mark_printed(job=job, by=clerk)
    with at(2018, 1, 31, 23, 30):  # 15:30 UTC: still January in Kupang's office time zone
        mark_spoiled(job=queued(kupang)[0], by=clerk, reason="Pita printer habis")
    with at(2018, 2, 1, 0, 30):  # 16:30 UTC on 31 January: already February in the office
        mark_printed(job=queued(kupang)[0], by=clerk)
    with at(2018, 2, 15):
        spoil_blanks(office=kupang, quantity=2, reference="BA-07/2018", reason="Terkena air hujan", by=keeper)
    with at(2018, 3, 5):
        count = record_stock_count(office=kupang, counted=BlankStock.objects.get(office=kupang).on_hand - 4, by=keeper, note="Gudang, 5 Maret")
    with at(2018, 3, 6):
        approve_stock_count(count=count, by=head)
    with at(2018, 5, 2):
        receive_blanks(office=kupang, quantity=50, reference="470/044/DKPS/2018", by=keeper, delivery_note="SJ-02", carried_by="Sekretaris")
    with at(2018, 5, 3):
        count = record_stock_count(office=kupang, counted=BlankStock.objects.get(office=kupang).on_hand + 1, by=keeper, note="Gudang, 3 Mei")
        approve_stock_count(count=count, by=head)
    return kupang


def figures(lines):
    return [(f"{line.month:%Y-%m}", line.opening, line.received, line.printed, line.spoiled, line.adjusted, line.closing) for line in lines]


def test_every_month_adds_up_and_opens_with_the_previous_closing(five_months):
    lines = monthly_ledger(five_months, date(2017, 12, 1), date(2018, 5, 1))
    assert figures(lines) == [
        ("2017-12", 0, 0, 0, 0, 0, 0),
        ("2018-01", 0, 100, 3, 1, 0, 96),
        ("2018-02", 96, 0, 1, 2, 0, 93),
        ("2018-03", 93, 0, 0, 0, -4, 89),
        ("2018-04", 89, 0, 0, 0, 0, 89),  # a month with no movement is still a line
        ("2018-05", 89, 50, 0, 0, 1, 140),
    ]
    for line in lines:
        assert line.opening + line.received - line.printed - line.spoiled + line.adjusted == line.closing
    for before, after in zip(lines, lines[1:]):
        assert after.opening == before.closing


def test_a_period_that_ends_this_month_closes_at_the_stock_on_hand(five_months):
    this_month = local_day(five_months).replace(day=1)
    lines = monthly_ledger(five_months, date(2018, 3, 1), this_month)
    assert lines[0].opening == 93
    assert lines[-1].closing == BlankStock.objects.get(office=five_months).on_hand == 140
    assert all(line.balanced for line in lines)


def test_a_later_period_opens_with_everything_before_it(five_months):
    (april,) = monthly_ledger(five_months, date(2018, 4, 1), date(2018, 4, 1))
    assert (april.opening, april.closing) == (89, 89)


def test_the_totals_line_runs_from_the_first_opening_to_the_last_closing(five_months):
    totals = ledger_totals(monthly_ledger(five_months, date(2018, 1, 1), date(2018, 5, 1)))
    assert (totals.opening, totals.received, totals.printed, totals.spoiled, totals.adjusted, totals.closing) == (0, 150, 4, 3, -3, 140)
    assert totals.balanced


def test_the_report_is_one_grouped_query(five_months, django_assert_num_queries):
    with django_assert_num_queries(1):
        monthly_ledger(five_months, date(2016, 1, 1), date(2020, 12, 1))


def test_another_office_s_movements_are_not_in_the_report(five_months, tmp_path):
    tangerang = f.office("3603")
    receive_blanks(office=tangerang, quantity=5000, reference="R", by=f.user(tangerang, Role.STOCK_KEEPER))
    lines = monthly_ledger(five_months, date(2018, 1, 1), local_day(five_months))
    assert lines[-1].closing == 140
    assert monthly_ledger(tangerang, date(2018, 1, 1), local_day(tangerang))[-1].closing == 5000


def report(client, user, **params):
    client.force_login(user)
    return client.get(reverse("stock_report_monthly"), params)


def test_the_stock_keeper_sees_the_months_on_screen_with_links_to_pdf_csv_and_xlsx(client, five_months, keeper):
    response = report(client, keeper, since="2018-01", until="2018-05")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Januari 2018" in html and "Mei 2018" in html
    for wanted in ("pdf", "csv", "xlsx"):
        assert f"?since=2018-01&amp;until=2018-05&amp;format={wanted}" in html


def test_the_csv_opens_in_columns_in_excel_with_the_pages_header_and_a_row_per_month_that_adds_up(client, five_months, head):
    response = report(client, head, since="2018-01", until="2018-05", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="laporan-stok-blanko-5371-2018-01-2018-05.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    # The words of the page and of the spreadsheet.
    assert rows[0] == ["Bulan", "Saldo awal", "Diterima", "Tercetak", "Rusak", "Penyesuaian", "Saldo akhir"]
    html = report(client, head, since="2018-01", until="2018-05").content.decode()
    thead = re.search(r'id="monthly-ledger">\s*<thead>(.*?)</thead>', html, flags=re.S).group(1)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", thead) == rows[0]
    sheet = load_workbook(io.BytesIO(report(client, head, since="2018-01", until="2018-05", format="xlsx").content)).active
    assert [cell.value for cell in sheet[1]] == rows[0]
    assert rows[1:] == [["2018-01", "0", "100", "3", "1", "0", "96"], ["2018-02", "96", "0", "1", "2", "0", "93"],
                        ["2018-03", "93", "0", "0", "0", "-4", "89"], ["2018-04", "89", "0", "0", "0", "0", "89"],
                        ["2018-05", "89", "50", "0", "0", "1", "140"]]


def test_the_spreadsheet_has_a_header_numbers_as_numbers_and_a_totals_row(client, five_months, head):
    response = report(client, head, since="2018-01", until="2018-05", format="xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Bulan", "Saldo awal", "Diterima", "Tercetak", "Rusak", "Penyesuaian", "Saldo akhir"]
    assert rows[1] == ["2018-01", 0, 100, 3, 1, 0, 96]
    assert rows[-1] == ["Jumlah", 0, 150, 4, 3, -3, 140]
    assert len(rows) == 1 + 5 + 1
    assert all(isinstance(value, int) for row in rows[1:] for value in row[1:])
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]  # text, never formulas


@pytest.mark.parametrize("since, until, field, message", [
    ("2018-05", "2018-01", "until", "Bulan terakhir tidak boleh sebelum bulan pertama."),
    ("2018-01", "2099-01", "until", "Laporan tidak dapat mencakup bulan yang belum tiba."),
    ("2099-01", "2099-02", "since", "Laporan tidak dapat dimulai dari bulan yang belum tiba."),
    ("2010-01", "2018-01", "since", "Paling banyak 60 bulan dalam satu laporan."),
    ("Mei 2018", "2018-06", "since", "Isi bulan dengan format BB-TTTT, misalnya 05-2018."),
])
def test_a_wrong_period_is_refused_with_the_reason_next_to_its_field(client, kupang, keeper, since, until, field, message):
    response = report(client, keeper, since=since, until=until, format="csv")
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert f'<div class="field invalid"><label for="id_{field}">' in html and message in html


def test_without_a_period_the_page_shows_the_last_six_months(client, kupang, head):
    response = report(client, head)
    assert response.status_code == 200
    assert len(response.context["lines"]) == 6
    assert response.context["lines"][-1].month == local_day(kupang).replace(day=1)


def test_clerks_do_not_get_the_reports(client, kupang, clerk):
    client.force_login(clerk)
    assert client.get(reverse("stock_report_monthly")).status_code == 403
    assert client.get(reverse("spoilage_minutes")).status_code == 403


def test_the_report_pages_read_a_fixed_number_of_queries_however_long_the_period(client, five_months, keeper, django_assert_num_queries):
    client.force_login(keeper)
    for params in ({"since": "2018-01", "until": "2018-02"}, {"since": "2014-01", "until": "2018-12"}):
        with django_assert_num_queries(QUERIES_PER_REPORT_PAGE):
            assert client.get(reverse("stock_report_monthly"), params).status_code == 200
    for params in ({"since": "2018-01-01", "until": "2018-01-31"}, {"since": "2018-01-01", "until": "2018-12-31"}):
        with django_assert_num_queries(QUERIES_PER_MINUTES_PAGE):
            assert client.get(reverse("spoilage_minutes"), params).status_code == 200


def test_every_csv_download_is_written_for_an_indonesian_excel_with_formulas_kept_as_text():
    from common.cells import csv_text

    written = csv_text(["Bulan", "Catatan"], [["2018-07", "=HYPERLINK(\"x\")"], ["2018-08", -4]])
    assert written.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(written[1:]), delimiter=";")) == [["Bulan", "Catatan"], ["2018-07", "'=HYPERLINK(\"x\")"], ["2018-08", "-4"]]
