"""The ledger's printable documents: the request letter to the ministry, the monthly stock report
(PDF, CSV, XLSX) and the berita acara of spoiled blanks.

Views read the figures with the selectors, then render here, outside any transaction.
"""
import io
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _, gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from common.cells import append_row, csv_text
from common.dates import local_day
from common.pdf import letterhead, regional_head_title, render_pdf, terbilang
from registry.models import Office

from . import selectors
from .models import BlankRequest

# The monthly report's columns, one list for the page, the PDF, the CSV and the XLSX: the same words everywhere.
REPORT_COLUMNS = (gettext_lazy("Month"), gettext_lazy("Opening balance"), gettext_lazy("Received"), gettext_lazy("Printed"),
                  gettext_lazy("Spoiled"), gettext_lazy("Adjusted"), gettext_lazy("Closing balance"))


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _printed(by) -> dict:
    return {"printed_at": timezone.now(), "printed_by": _person(by)}


# Request letter to the ministry

def request_letter_pdf(blank_request: BlankRequest, *, printed_by) -> bytes:
    """The head's letter asking the ministry for N blanks, with the office's figures at the time of printing."""
    office = blank_request.office
    forecast = selectors.blanks_to_ask_for(office)
    printing = selectors.printed_by_week(office)
    per_week = printing.per_week
    head = blank_request.created_by
    return render_pdf("documents/request_letter.html", {
        "blank_request": blank_request, "office": office, "letterhead": letterhead(office),
        "letter_date": blank_request.sent_on or local_day(office),
        "quantity_words": terbilang(blank_request.quantity), "forecast": forecast, "printing": printing,
        "weeks": [(monday, monday + timedelta(days=6), n) for monday, n in printing.weeks],
        "per_week": per_week,
        "weeks_of_stock": int(forecast.available // per_week) if per_week else None,
        "signer": head.get_full_name(), "copy_to": regional_head_title(office),
        **_printed(printed_by),
    }, office=office)


# Monthly stock report

def monthly_report_pdf(office: Office, lines: list[selectors.LedgerMonth], *, printed_by) -> bytes:
    return render_pdf("documents/stock_report.html", {
        "office": office, "letterhead": letterhead(office), "lines": lines, "totals": selectors.ledger_totals(lines),
        "first_month": lines[0].month, "last_month": lines[-1].month, "columns": REPORT_COLUMNS, **_printed(printed_by),
    }, office=office)


def _row(line: selectors.LedgerMonth) -> list[int]:
    return [line.opening, line.received, line.printed, line.spoiled, line.adjusted, line.closing]


def report_header() -> list[str]:
    """The report's column names in the office's language (downloads are read by the office and the province)."""
    with translation.override(settings.LANGUAGE_CODE):
        return [str(column) for column in REPORT_COLUMNS]


def monthly_report_csv(lines: list[selectors.LedgerMonth]) -> str:
    """One row per month under the page's and the spreadsheet's own header; plain values."""
    return csv_text(report_header(), ([f"{line.month:%Y-%m}", *_row(line)] for line in lines))


def monthly_report_xlsx(office: Office, lines: list[selectors.LedgerMonth]) -> bytes:
    """The same figures as a spreadsheet: a header row, one row per month, a totals row; figures are numbers."""
    totals = selectors.ledger_totals(lines)
    header = report_header()
    with translation.override(settings.LANGUAGE_CODE):
        total_label = _("Total")
        title = _("Blank stock report %(office)s, %(first)s to %(last)s") % {
            "office": office.name, "first": f"{lines[0].month:%Y-%m}", "last": f"{lines[-1].month:%Y-%m}"}
    book = Workbook()
    sheet = book.active
    sheet.title = f"{office.code} {lines[0].month:%Y-%m} {lines[-1].month:%Y-%m}"
    book.properties.title = title
    append_row(sheet, header)
    for line in lines:
        append_row(sheet, [f"{line.month:%Y-%m}", *_row(line)])
    append_row(sheet, [total_label, *_row(totals)])
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = bold
    for row in sheet.iter_rows(min_row=2, min_col=2):
        for cell in row:
            cell.number_format = "#,##0"
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 12
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 15
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_filename(office: Office, lines: list[selectors.LedgerMonth], extension: str) -> str:
    return f"laporan-stok-blanko-{office.code}-{lines[0].month:%Y-%m}-{lines[-1].month:%Y-%m}.{extension}"


# Berita acara of spoiled blanks

def spoilage_minutes_pdf(office: Office, lines: list[selectors.SpoilageLine], first_day: date, last_day: date, *, printed_by) -> bytes:
    """The minutes of the period's spoiled blanks: each numbered, with a count, for destruction and the report upwards."""
    in_printer = sum(line.quantity for line in lines if line.in_printer)
    total = sum(line.quantity for line in lines)
    today = local_day(office)
    return render_pdf("documents/spoilage_minutes.html", {
        "office": office, "letterhead": letterhead(office), "lines": lines, "first_day": first_day, "last_day": last_day,
        "total": total, "in_printer": in_printer, "in_store": total - in_printer, "total_words": terbilang(total),
        "today": today, **_printed(printed_by),
    }, office=office)


def minutes_filename(office: Office, first_day: date, last_day: date) -> str:
    return f"berita-acara-blanko-rusak-{office.code}-{first_day:%Y%m%d}-{last_day:%Y%m%d}.pdf"
