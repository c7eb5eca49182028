"""The stock desk, the requests to the ministry, the head's dashboard, and their printable documents.

Every page is of the user's office only; every POST is one service call and
a redirect with a message, or the page again with the errors next to the fields.
"""
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backlog import ledger, offices, requests as ministry
from common.cells import CSV_CONTENT_TYPE
from common.dates import add_months, local_day
from common.numbers import number
from common.paging import paginate
from common.pdf import pdf_response
from common.web import refused_text
from people.access import office_object, office_view
from people.roles import may
from inventory import documents, selectors
from inventory.models import BlankMovement, BlankRequest, BlankStock, MovementKind, ReceiptCorrection, StockCount
from registry.models import EnrollmentCounts

from .filters import MovementFilter
from .forms import (MAX_REPORT_MONTHS, DraftRequestForm, LeadTimeForm, MonthlyReportForm, ReceiptCorrectionForm, ReceiptForm,
                    SendRequestForm, SpoilageForm, SpoilageMinutesForm, StockCountForm)
from .tables import MovementTable

# Rows of the ledger a page: 25, as on the other desks (each row costs django-tables2 about a millisecond to render).
LEDGER_PAGE = 25


def _refusal(form, exc: ValidationError, fields=()):
    """Put a service's refusal next to its field when the service named one, else above the form."""
    field = exc.code if exc.code in fields else None
    form.add_error(field, " ".join(exc.messages))


# Stock desk

def _stock_page(request, *, status=200, receipt_form=None, spoilage_form=None, count_form=None):
    office = request.office
    stock = BlankStock.objects.get(office=office)
    filters = MovementFilter(request.GET, queryset=selectors.ledger_movements(office), office=office)
    user = request.user
    table = MovementTable(filters.qs, exclude=() if may(user, "correct_receipts") else ("correct",))
    paginate(request, table, per_page=LEDGER_PAGE)
    selectors.running_balances(office, [row.record for row in table.page.object_list], stock.on_hand)
    context = {
        "stock": stock, "filter": filters, "table": table,
        "pending_counts": list(selectors.pending_stock_counts(office)),
        "pending_receipts": list(selectors.pending_receipt_corrections(office)),
    }
    if may(user, "receive_blanks"):
        context["receipt_form"] = receipt_form or ReceiptForm(office=office)
    if may(user, "write_off_blanks"):
        context["spoilage_form"] = spoilage_form or SpoilageForm()
    if may(user, "count_stock"):
        context["count_form"] = count_form or StockCountForm()
    return render(request, "inventory/stock.html", context, status=status)


@office_view()
def stock(request):
    return _stock_page(request)


@office_view("receive_blanks")
@require_POST
def stock_receive(request):
    form = ReceiptForm(request.POST, office=request.office)
    if form.is_valid():
        data = form.cleaned_data
        try:
            movement = ledger.receive_blanks(
                office=request.office, quantity=data["quantity"], reference=data["reference"], by=request.user,
                request=data["request"], delivery_note=data["delivery_note"], carried_by=data["carried_by"],
                beyond_expected=data["beyond_expected"])
        except ValidationError as exc:
            _refusal(form, exc, ("quantity", "reference", "delivery_note", "request"))
        else:
            messages.success(request, _("Receipt booked: %(quantity)s blanks, delivery note %(note)s. The print queue takes them now.")
                             % {"quantity": number(movement.quantity), "note": movement.delivery_note})
            return redirect("stock")
    return _stock_page(request, status=400, receipt_form=form)


@office_view("write_off_blanks")
@require_POST
def stock_spoil(request):
    form = SpoilageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            spoiled = ledger.spoil_blanks(office=request.office, quantity=data["quantity"], reference=data["reference"],
                                          reason=data["reason"], by=request.user)
        except ValidationError as exc:
            _refusal(form, exc, ("quantity", "reference", "reason"))
        else:
            messages.success(request, _("%(quantity)s spoiled blanks written off (damage report %(reference)s).")
                             % {"quantity": number(len(spoiled.made)), "reference": data["reference"]})
            _report_given_back(request, spoiled)
            return redirect("stock")
    return _stock_page(request, status=400, spoilage_form=form)


@office_view("count_stock")
@require_POST
def stock_count(request):
    form = StockCountForm(request.POST)
    if form.is_valid():
        try:
            count = ledger.record_stock_count(office=request.office, counted=form.cleaned_data["counted"],
                                                note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            _refusal(form, exc, ("counted", "note"))
        else:
            messages.success(request, _("Count recorded: %(counted)s blanks counted, %(expected)s in the ledger. "
                                        "It waits for the head's approval.")
                             % {"counted": number(count.counted), "expected": number(count.expected)})
            return redirect("stock")
    return _stock_page(request, status=400, count_form=form)


@office_view("decide_stock_counts")
@require_POST
def stock_count_approve(request, pk):
    count = office_object(StockCount, request, pk=pk)
    try:
        approved = ledger.approve_stock_count(count=count, by=request.user)
    except ValidationError as exc:
        messages.error(request, refused_text(exc))
    else:
        count = approved.made
        if count.difference:
            messages.success(request, _("Count approved: an adjustment of %(difference)s blanks is in the ledger.")
                             % {"difference": ("+" if count.difference > 0 else "") + number(count.difference)})
        else:
            messages.success(request, _("Count approved: it matches the ledger, nothing to adjust."))
        _report_given_back(request, approved)
    return redirect("stock")


@office_view("decide_stock_counts")
@require_POST
def stock_count_reject(request, pk):
    count = office_object(StockCount, request, pk=pk)
    try:
        ledger.reject_stock_count(count=count, by=request.user)
    except ValidationError as exc:
        messages.error(request, refused_text(exc))
    else:
        messages.success(request, _("Count rejected; the ledger is unchanged. The stock keeper can count again."))
    return redirect("stock")


def _report_given_back(request, booked: ledger.Booked):
    """A real loss below what the queue holds: say how many queued cards gave their blanks back (the service counted them)."""
    if booked.given_back > 0:
        messages.warning(request, _("Fewer blanks are left than the queue held: %(count)s queued cards gave their blanks back "
                                    "and wait again at their places.") % {"count": number(booked.given_back)})


@office_view("correct_receipts")
def stock_receipt_correct(request, pk):
    """A receipt booked with a wrong quantity: the stock keeper's raise is booked at once, a lowering waits for the head."""
    receipt = office_object(BlankMovement.objects.filter(kind=MovementKind.RECEIPT, reverses__isnull=True), request, pk=pk)
    booked = ledger.receipt_quantity(receipt)
    form = ReceiptCorrectionForm(request.POST or None, initial={"quantity": booked})
    if request.method == "POST" and form.is_valid():
        try:
            corrected = ledger.correct_receipt(receipt=receipt, quantity=form.cleaned_data["quantity"],
                                               reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _refusal(form, exc, ("quantity", "reason"))
        else:
            correction = corrected.made
            if correction.status == ReceiptCorrection.Status.PENDING:
                messages.info(request, _("The correction lowers stock to %(quantity)s blanks: it waits for the head's approval.")
                              % {"quantity": number(correction.quantity)})
            else:
                messages.success(request, _("Receipt %(reference)s corrected: %(quantity)s blanks.")
                                 % {"reference": receipt.reference, "quantity": number(correction.quantity)})
                _report_given_back(request, corrected)
            return redirect("stock")
    return render(request, "inventory/receipt_correct.html", {"receipt": receipt, "booked": booked, "form": form},
                  status=400 if form.errors else 200)


@office_view("decide_receipt_corrections")
@require_POST
def stock_receipt_decide(request, pk, approve):
    correction = office_object(ReceiptCorrection, request, pk=pk)
    try:
        decided = ledger.decide_receipt_correction(correction=correction, approve=approve, by=request.user)
    except ValidationError as exc:
        messages.error(request, refused_text(exc))
    else:
        if approve:
            messages.success(request, _("Receipt correction approved and booked: the receipt counts %(quantity)s blanks.")
                             % {"quantity": number(decided.made.quantity)})
            _report_given_back(request, decided)
        else:
            messages.success(request, _("Receipt correction rejected; the ledger is unchanged."))
    return redirect("stock")


# Dashboard

def reasoning(forecast: selectors.BlankForecast) -> list[dict]:
    """The steps from the office's figures to the number to ask for, as the dashboard and the draft's note show them."""
    delivered = forecast.delivered
    share = number(forecast.share_percent, 1)
    if not delivered.known:
        share_detail = _("no past request answered yet: assumed 100%")
    else:
        share_detail = _("%(received)s received of %(requested)s asked on %(requests)s past requests") % {
            "received": number(delivered.received), "requested": number(delivered.requested), "requests": delivered.requests}
    per_day = number(forecast.enrollments_per_day, 1)
    steps = [
        {"sign": "", "label": _("Backlog (recorded + on hold)"), "value": number(forecast.backlog),
         "detail": _("%(recorded)s recorded, %(on_hold)s on hold") % {"recorded": number(forecast.recorded), "on_hold": number(forecast.on_hold)}
         + (_("; %(n)s recorded before 17 and printable only after %(days)s days not counted") % {
             "n": number(forecast.not_yet_printable), "days": forecast.lead_time_days} if forecast.not_yet_printable else "")},
        {"sign": "+", "label": _("New enrollments expected in %(days)s days") % {"days": forecast.lead_time_days},
         "value": number(forecast.expected_new),
         "detail": _("%(n)s enrolled in the last %(weeks)s weeks, %(per_day)s per day") % {
             "n": number(forecast.recent_enrollments), "weeks": forecast.enrollment_weeks, "per_day": per_day}},
        {"sign": "−", "label": _("Blanks available"), "value": number(forecast.available),
         "detail": _("%(on_hand)s on hand, %(reserved)s reserved by the print queue") % {
             "on_hand": number(forecast.on_hand), "reserved": number(forecast.reserved)}},
        {"sign": "−", "label": _("Still expected on open requests"), "value": number(forecast.incoming),
         "detail": _("%(outstanding)s not yet received on %(open)s open requests, counted at the share delivered") % {
             "outstanding": number(forecast.outstanding), "open": forecast.open_requests}},
        {"sign": "=", "label": _("Blanks needed"), "value": number(forecast.needed), "detail": ""},
        {"sign": "÷", "label": _("Share the ministry delivered"), "value": f"{share}%", "detail": share_detail},
        {"sign": "=", "label": _("Blanks to ask for"), "value": number(forecast.ask), "detail": "", "result": True},
    ]
    if delivered.known and not delivered.received:
        steps[-1]["detail"] = _("The ministry delivered nothing on past requests; this is the number needed.")
    return steps


def reasoning_text(forecast: selectors.BlankForecast) -> str:
    lines = [f"{step['sign']} {step['label']}: {step['value']}" + (f" ({step['detail']})" if step["detail"] else "")
             for step in reasoning(forecast)]
    return "\n".join(line.strip() for line in lines)


def _chart_data(rate: selectors.PrintRate, backlog: list[selectors.BacklogMonth]) -> dict:
    return {
        "printed": {"labels": [formats.date_format(day, "D j/n") for day, _n in rate.days], "values": [n for _day, n in rate.days],
                    "label": _("Cards printed")},
        "backlog": {"labels": [formats.date_format(entry.month, "M Y") for entry in backlog],
                    "recorded": [entry.recorded for entry in backlog], "on_hold": [entry.on_hold for entry in backlog],
                    "recorded_label": _("Recorded, waiting"), "on_hold_label": _("On hold (duplicate)")},
    }


@office_view()
def dashboard(request):
    return _dashboard_page(request)


@office_view("set_lead_time")
@require_POST
def dashboard_lead_time(request):
    form = LeadTimeForm(request.POST)
    if form.is_valid():
        offices.set_request_lead_time(office=request.office, days=form.cleaned_data["lead_time"], by=request.user)
        messages.success(request, _("Lead time set to %(days)s days for this office.") % {"days": form.cleaned_data["lead_time"]})
        return redirect("dashboard")
    return _dashboard_page(request, lead_form=form, status=400)


def _dashboard_page(request, *, lead_form=None, status=200):
    office = request.office
    today = local_day(office)
    lead_time = office.request_lead_time_days
    lead_form = lead_form or LeadTimeForm(initial={"lead_time": lead_time})
    stock = BlankStock.objects.get(office=office)
    counts = EnrollmentCounts.objects.get(office=office)
    rate = selectors.print_rate(office)
    backlog = selectors.backlog_by_month(office)
    lines = selectors.request_lines(office)
    forecast = selectors.blanks_to_ask_for(office, lead_time_days=lead_time, stock=stock, counts=counts, lines=lines)
    per_day = rate.per_day
    days_left = int(stock.on_hand / per_day) if per_day else None
    held_back = selectors.not_printable(office, counts)
    return render(request, "inventory/dashboard.html", {
        "stock": stock, "counts": counts, "rate": rate, "per_day": float(per_day) if per_day is not None else None,
        "days_left": days_left, "backlog": backlog, "backlog_total": counts.recorded + counts.on_hold,
        "reached": selectors.printing_reached(office, today=today),
        "open_lines": [line for line in lines if line.is_open], "forecast": forecast, "steps": reasoning(forecast),
        "lead_form": lead_form,
        "pending_counts": selectors.pending_stock_counts(office).count(),
        "chart_data": _chart_data(rate, backlog), "today": today,
        "held_back": held_back, "at_centre_days": held_back.waited_days(today),
    }, status=status)


# Requests to the ministry

def _send_form(office):
    today = local_day(office)
    return SendRequestForm(initial={"sent_on": today}, today=today)


def _requests_page(request, *, status=200):
    lines = selectors.request_lines(request.office)
    return render(request, "inventory/requests.html", {
        "lines": lines, "delivered": selectors.delivered_share(lines),
        "send_form": _send_form(request.office),
    }, status=status)


@office_view()
def requests(request):
    return _requests_page(request)


@office_view("write_requests")
def request_new(request):
    """The head drafts a request; it starts from the dashboard's figure and its reasoning."""
    forecast = selectors.blanks_to_ask_for(request.office)
    if request.method == "POST":
        form = DraftRequestForm(request.POST)
        if form.is_valid():
            try:
                draft = ministry.draft_blank_request(office=request.office, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _refusal(form, exc, ("quantity", "reference"))
            else:
                messages.success(request, _("Request %(reference)s for %(quantity)s blanks drafted. Mark it sent once the letter has gone.")
                                 % {"reference": draft.reference, "quantity": number(draft.quantity)})
                return redirect("request_detail", pk=draft.pk)
        status = 400
    else:
        form = DraftRequestForm(initial={"quantity": forecast.ask or None, "note": reasoning_text(forecast)})
        status = 200
    return render(request, "inventory/request_new.html", {"form": form, "forecast": forecast, "steps": reasoning(forecast)}, status=status)


@office_view()
def request_detail(request, pk):
    blank_request = office_object(BlankRequest.objects.select_related("created_by", "sent_by", "closed_by"), request, pk=pk)
    receipts = list(blank_request.receipts.select_related("created_by").order_by("pk"))
    received = sum(receipt.quantity for receipt in receipts)
    return render(request, "inventory/request_detail.html", {
        "blank_request": blank_request, "receipts": receipts, "received": received,
        "outstanding": max(0, blank_request.quantity - received),
        "send_form": _send_form(request.office),
    })


@office_view("write_requests")
@require_POST
def request_send(request, pk):
    blank_request = office_object(BlankRequest, request, pk=pk)
    form = SendRequestForm(request.POST, today=local_day(request.office))
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("request_detail", pk=blank_request.pk)
    try:
        blank_request = ministry.mark_request_sent(request=blank_request, by=request.user, sent_on=form.cleaned_data["sent_on"])
    except ValidationError as exc:
        messages.error(request, refused_text(exc))
    else:
        messages.success(request, _("Request %(reference)s is recorded as sent on %(date)s; its blanks are now expected.")
                         % {"reference": blank_request.reference, "date": formats.date_format(blank_request.sent_on, "SHORT_DATE_FORMAT")})
    return redirect("request_detail", pk=blank_request.pk)


@office_view("write_requests")
@require_POST
def request_close(request, pk):
    blank_request = office_object(BlankRequest, request, pk=pk)
    ministry.close_blank_request(request=blank_request, by=request.user)
    messages.success(request, _("Request %(reference)s is closed: no more blanks are expected on it.") % {"reference": blank_request.reference})
    return redirect("request_detail", pk=blank_request.pk)


# Documents: the request letter, the monthly stock report and the berita acara of spoiled blanks.
# Figures are read first; the PDF is rendered after, outside any transaction (slow I/O holds no lock).

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MINUTES_PREVIEW = 100


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@office_view("write_requests")
def request_letter_pdf(request, pk):
    blank_request = office_object(BlankRequest.objects.select_related("office", "created_by"), request, pk=pk)
    pdf = documents.request_letter_pdf(blank_request, printed_by=request.user)
    return pdf_response(pdf, f"surat-permintaan-blanko-{blank_request.reference}.pdf")


def _period_form(form_class, request, default: dict, today):
    """The period form from the query string, or the default period when none was asked for."""
    asked = "since" in request.GET or "until" in request.GET
    return form_class(request.GET if asked else default, today=today), asked


@office_view("see_stock_reports")
def stock_report_monthly(request):
    office = request.office
    today = local_day(office)
    this_month = today.replace(day=1)
    form, asked = _period_form(MonthlyReportForm, request, {"since": f"{add_months(this_month, -5):%m-%Y}", "until": f"{this_month:%m-%Y}"},
                               today)
    if not form.is_valid():
        return render(request, "inventory/stock_report_monthly.html", {"form": form, "max_months": MAX_REPORT_MONTHS},
                      status=400 if asked else 200)
    lines = selectors.monthly_ledger(office, form.cleaned_data["since"], form.cleaned_data["until"])
    wanted = request.GET.get("format")
    if wanted == "pdf":
        return pdf_response(documents.monthly_report_pdf(office, lines, printed_by=request.user), documents.report_filename(office, lines, "pdf"))
    if wanted == "csv":
        return _download(documents.monthly_report_csv(lines), CSV_CONTENT_TYPE, documents.report_filename(office, lines, "csv"))
    if wanted == "xlsx":
        return _download(documents.monthly_report_xlsx(office, lines), XLSX, documents.report_filename(office, lines, "xlsx"))
    query = urlencode({"since": f"{lines[0].month:%Y-%m}", "until": f"{lines[-1].month:%Y-%m}"})
    return render(request, "inventory/stock_report_monthly.html", {
        "form": form, "max_months": MAX_REPORT_MONTHS, "lines": lines, "totals": selectors.ledger_totals(lines), "query": query,
        "columns": documents.REPORT_COLUMNS,
    })


@office_view("see_stock_reports")
def spoilage_minutes(request):
    office = request.office
    today = local_day(office)
    form, asked = _period_form(SpoilageMinutesForm, request, {"since": f"{today.replace(day=1):%d-%m-%Y}", "until": f"{today:%d-%m-%Y}"}, today)
    if not form.is_valid():
        return render(request, "inventory/spoilage_minutes.html", {"form": form}, status=400 if asked else 200)
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    lines = selectors.spoiled_blanks(office, since, until)
    if request.GET.get("format") == "pdf":
        return pdf_response(documents.spoilage_minutes_pdf(office, lines, since, until, printed_by=request.user),
                            documents.minutes_filename(office, since, until))
    return render(request, "inventory/spoilage_minutes.html", {
        "form": form, "lines": lines[:MINUTES_PREVIEW], "count": len(lines), "total": sum(line.quantity for line in lines),
        "query": urlencode({"since": since.isoformat(), "until": until.isoformat()}),
    })
