"""The print desk and the pickup desk: every POST is one service call, a message and a redirect.

Clerks run both desks. The head and the stock keeper may look at every page
(read-only); the head may also build the queue, as the Celery beat does.
"""
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from backlog import corrections, desks
from backlog.queue import build_print_queue
from common import bulk
from common.cells import CSV_CONTENT_TYPE
from common.dates import local_day
from common.numbers import number
from common.paging import paginate
from common.pdf import pdf_response
from common.web import refused_text, safe_next
from people.access import office_object, office_view
from people.roles import require
from desks.registry.forms import ReasonForm
from inventory import selectors as stock_reads
from inventory.models import BlankStock
from printing import documents, selectors, worklist
from printing.models import PRINT_ORDER, PrintJob, ahead_of, behind
from registry.models import Correction, EnrollmentCounts

from .filters import ReadyCardFilter
from .forms import BatchForm, OutOfOrderForm, PickupForm, PickupSearchForm, ScanForm, SpoilForm, listed_at_token
from .tables import CardTable, QueueTable

PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_MARK = "<!--work-list-rows-->"
LONG_AGO_DAYS = 90
NIKS_SHOWN = 10


def _paginated(request, table, known_count=None):
    """PER_PAGE rows a page, counted: the queue's positions and the page's total come from the count."""
    return paginate(request, table, per_page=PER_PAGE, count=True, known_count=known_count)


# The print desk

@office_view()
@require_safe
def print_desk(request):
    return _print_desk_page(request, BatchForm())


def _print_desk_page(request, batch_form, status=200):
    office = request.office
    _open_page_of_card(request, office)
    context = {
        "preview": stock_reads.build_preview(office),
        "reaches": selectors.queue_reaches(office),
        # The whole queue: as many rows as the office's reserved blanks (one per queued job, kept by the write side).
        "table": _paginated(request, QueueTable(selectors.queue_in_print_order(office), base_url=reverse("print_desk")),
                            known_count=office_queue_count(office)),
        "work_today": _with_corrections(request.user, stock_reads.desk_work_today(office)),
        "batch_form": batch_form,
        "scan_form": ScanForm(),
    }
    return render(request, "printing/print_desk.html", context, status=status)


def _open_page_of_card(request, office):
    """`?at=<job id>`: the page of the queue that holds this card (as the table is sorted), so its row is on the page."""
    at = request.GET.get("at", "")
    job = (PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED, pk=int(at)).first()
           if at.isascii() and at.isdigit() and len(at) < 19 else None)
    if job is None:
        return
    position = desks.print_position(job)
    if request.GET.get("sort", "").startswith("-"):
        position = office_queue_count(office) - position + 1
    query = request.GET.copy()
    query["page"] = str((position - 1) // PER_PAGE + 1)
    request.GET = query


def office_queue_count(office):
    """The queued jobs: the office's reserved blanks, one per queued job (check_ledger holds it)."""
    return BlankStock.objects.get(office=office).reserved


def _next_card(job):
    """The queued card that took this one's place: the next in print order, or the one before it at the end of the queue."""
    queued = PrintJob.objects.filter(office_id=job.office_id, state=PrintJob.State.QUEUED)
    after = queued.filter(behind(job)).order_by(*PRINT_ORDER).values_list("pk", flat=True).first()
    if after is not None:
        return after
    return queued.filter(ahead_of(job)).order_by(*[f"-{key}" if not key.startswith("-") else key[1:] for key in PRINT_ORDER]
                                                 ).values_list("pk", flat=True).first()


def _back_at(target, job_id, **also):
    """The desk address the clerk came from, opened at the next card's row (`?at=<id>#job-<id>`, the page found from it)."""
    if job_id is None:
        return target
    parts = urlsplit(target)
    query = QueryDict(parts.query, mutable=True)
    for name in ("page", "at", "pindai"):
        query.pop(name, None)
    query["at"] = str(job_id)
    query.update(also)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query.urlencode(), f"job-{job_id}"))


def _mark_printed(request, job, reason, back):
    """One card marked printed through the service; a card out of order asks for a reason first (a page with the form)."""
    try:
        desks.mark_printed(job=job, by=request.user, out_of_order_reason=reason)
    except desks.OutOfOrder as refused:
        return _out_of_order_page(request, job, refused, OutOfOrderForm(), back)
    except ValidationError as error:
        messages.error(request, refused_text(error))
        return redirect(back)
    messages.success(request, _("Printed: %(name)s, NIK %(nik)s.") % {"name": job.enrollment.name, "nik": job.enrollment.nik})
    return None


def _out_of_order_page(request, job, refused, form, back):
    context = {"job": job, "position": refused.position, "window": refused.window, "form": form, "next": back}
    return render(request, "printing/out_of_order.html", context, status=409 if form.is_bound else 200)


@office_view("build_queue", steps=True)
@require_POST
def build_queue(request):
    build = build_print_queue(office=request.office, by=request.user)
    if build.queued:
        messages.success(request, _("Cards added to the print queue: %(count)s.") % {"count": number(build.queued)})
    elif build.available <= 0:
        messages.warning(request, _("Nothing was queued: no blank is available. Every blank on hand is already reserved by the queue."))
    else:
        messages.info(request, _("Nothing was queued: no enrollment is waiting."))
    return redirect("print_desk")


@office_view("print_cards")
@require_POST
def mark_job_printed(request, pk):
    job = office_object(PrintJob.objects.select_related("enrollment"), request, pk=pk)
    back = safe_next(request, reverse("print_desk"))
    reason = ""
    if "out_of_order_reason" in request.POST:
        form = OutOfOrderForm(request.POST)
        if not form.is_valid():
            refused = desks.OutOfOrder(position=desks.print_position(job), window=settings.PRINT_OUT_OF_ORDER_WINDOW)
            return _out_of_order_page(request, job, refused, form, back)
        reason = form.cleaned_data["out_of_order_reason"]
    refused = _mark_printed(request, job, reason, back)
    if refused is not None:
        return refused
    return redirect(_back_at(back, _next_card(job), **({"pindai": "1"} if "pindai" in request.POST else {})))


@office_view("print_cards")
@require_POST
def scan_printed(request):
    """A barcode scanner types the NIK on the card's form and presses Enter: that card is marked printed, the field ready for the next."""
    desk = reverse("print_desk")
    form = ScanForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["nik"]))
        return redirect(f"{desk}?pindai=1")
    nik = form.cleaned_data["nik"]
    job = (PrintJob.objects.filter(office=request.office, enrollment__office=request.office, enrollment__nik=nik, state=PrintJob.State.QUEUED)
           .select_related("enrollment").order_by("enrolled_on", "id").first())
    if job is None:
        _report_batch(request, BatchForm.PRINTED, desks.mark_printed_by_nik(office=request.office, niks=[nik], by=request.user))
        return redirect(f"{desk}?pindai=1")
    refused = _mark_printed(request, job, "", f"{desk}?pindai=1")
    if refused is not None:
        return refused
    return redirect(_back_at(desk, _next_card(job), pindai="1"))


@office_view("print_cards")
def spoil_job(request, pk):
    job = office_object(PrintJob.objects.select_related("enrollment", "printed_by"), request, pk=pk)
    form = SpoilForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            spoiled = desks.mark_spoiled(job=job, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, _("Blank recorded as spoiled for %(name)s, NIK %(nik)s.") % {"name": job.enrollment.name, "nik": job.enrollment.nik})
            _report_waiting(request, done=1, waiting=[] if spoiled.queued_again else [job.enrollment.nik])
        return redirect(safe_next(request, "print_desk"))
    return render(request, "printing/spoil.html", {"job": job, "form": form, "next": safe_next(request, "")})


@office_view("print_cards", steps=True)
@require_POST
def print_batch(request):
    form = BatchForm(request.POST)
    if not form.is_valid():
        if "listed_at" in form.errors:
            # The list is kept; a fresh token makes the next send count from now.
            messages.warning(request, " ".join(form.errors["listed_at"]))
            data = request.POST.copy()
            data["listed_at"] = listed_at_token()
            form = BatchForm(data)
            form.is_valid()
        return _print_desk_page(request, form)
    data = form.cleaned_data
    if data["action"] == BatchForm.PRINTED:
        outcome = desks.mark_printed_by_nik(office=request.office, niks=data["niks"], by=request.user,
                                            out_of_order_reason=data["out_of_order_reason"])
    else:
        outcome = desks.mark_spoiled_by_nik(office=request.office, niks=data["niks"], by=request.user,
                                               reason=data["reason"], listed_at=data["listed_at"])
    _report_batch(request, data["action"], outcome)
    if outcome.out_of_order:
        # Those cards wait for the clerk's reason: the form comes back with them alone, the others are done.
        form = BatchForm({"niks": "\n".join(nik for nik, _position in outcome.out_of_order), "action": BatchForm.PRINTED,
                          "listed_at": listed_at_token()})
        form.is_valid()
        form.add_error("out_of_order_reason", _(
            "Not among the next %(window)d cards in print order, nothing changed: %(cards)s. Say why they are printed now, then send again.")
            % {"window": settings.PRINT_OUT_OF_ORDER_WINDOW,
               "cards": ", ".join(_("%(nik)s (number %(position)d)") % {"nik": nik, "position": position}
                                  for nik, position in outcome.out_of_order[:NIKS_SHOWN])})
        return _print_desk_page(request, form, status=409)
    return redirect("print_desk")


def _niks(niks):
    shown = ", ".join(niks[:NIKS_SHOWN])
    return shown + (" …" if len(niks) > NIKS_SHOWN else "")


def _report_waiting(request, *, done, waiting):
    """After spoilage: say where the cards are now (requeued at their place, or first in line for new blanks), as the service said."""
    if len(waiting) < done:
        messages.info(request, _("Cards printed again on another blank keep their place in the queue."))
    if waiting:
        messages.warning(request, _("No blank was left for %(niks)s: the card waits first in line for the next blanks.")
                         % {"niks": _niks(waiting)})


def _report_batch(request, action, outcome):
    if outcome.done:
        done = len(outcome.done)
        text = (ngettext("Marked printed: %(count)s card (%(niks)s).", "Marked printed: %(count)s cards (%(niks)s).", done)
                if action == BatchForm.PRINTED
                else ngettext("Recorded as spoiled: %(count)s blank (%(niks)s).", "Recorded as spoiled: %(count)s blanks (%(niks)s).", done))
        messages.success(request, text % {"count": number(done), "niks": _niks(outcome.done)})
        if action != BatchForm.PRINTED:
            _report_waiting(request, done=len(outcome.done), waiting=outcome.waiting)
    if outcome.already:
        text = (_("Already printed, nothing changed: %(niks)s.") if action == BatchForm.PRINTED
                else _("Already recorded as spoiled since this list was opened, nothing changed: %(niks)s."))
        messages.info(request, text % {"niks": _niks(outcome.already)})
    if outcome.not_queued:
        described = [f"{nik} ({state})" for nik, state in outcome.not_queued]
        messages.warning(request, _("Not in the print queue, nothing changed: %(niks)s.") % {"niks": _niks(described)})
    if outcome.not_found:
        messages.error(request, _("No enrollment with this NIK in this office: %(niks)s.") % {"niks": _niks(outcome.not_found)})


# The work list: what export_queue prints, as a page to print and as downloads

@office_view()
@require_safe
def work_list(request):
    office = request.office
    wanted = request.GET.get("format", "")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"antrean-cetak-{office.code}-{stamp}"
    if wanted == "csv":
        response = StreamingHttpResponse(bulk.stream_out(selectors.QUEUE_EXPORT_SQL, [office.pk]), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if wanted == "xlsx":
        response = StreamingHttpResponse(worklist.xlsx_chunks(office), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    # The page in one piece (its rows made as plain strings, no template per row): every crawler and test reads it as a page.
    page = render_to_string("printing/work_list.html", {"made_at": timezone.now(), "cards": office_queue_count(office),
                                                         "headers": worklist.headers(), "rows_mark": ROWS_MARK}, request)
    head, tail = page.split(ROWS_MARK)
    return HttpResponse([head, *worklist.html_rows(office), tail])


# The pickup desk

@office_view()
@require_safe
def pickup_desk(request):
    office = request.office
    form = PickupSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = _paginated(request, CardTable(selectors.pickup_search(office, query), office=office)) if query else None
    context = {
        "form": form,
        "query": query,
        "results": results,
        "too_many": selectors.NAME_MATCHES_SHOWN if results and not query.isdigit() and results.paginator.count > selectors.NAME_MATCHES_SHOWN else None,
        "records": selectors.enrollments_with_nik(office, query) if query.isdigit() else None,
        "ready": EnrollmentCounts.objects.get(office=office).ready,
        "months": selectors.ready_by_month(office),
        "long_ago_days": LONG_AGO_DAYS,
        "long_ago": selectors.ready_for_longer_than(office, LONG_AGO_DAYS),
    }
    return render(request, "printing/pickup_desk.html", context)


@office_view()
@require_safe
def ready_list(request):
    filterset = ReadyCardFilter(request.GET or None, queryset=selectors.ready_cards(request.office))
    table = _paginated(request, CardTable(filterset.qs, exclude=("status",), office=request.office))
    return render(request, "printing/ready_list.html", {"filter": filterset, "table": table})


@office_view()
@require_safe
def pickup_card(request, pk):
    return _pickup_card_page(request, _printed_card(request, pk), PickupForm())


def _printed_card(request, pk):
    cards = PrintJob.objects.filter(state=PrintJob.State.PRINTED).select_related("enrollment", "printed_by", "handed_over_by")
    return office_object(cards, request, pk=pk)


def _pickup_card_page(request, job, form):
    context = {"job": job, "form": form,
               "suket": selectors.valid_suket(job.enrollment, local_day(request.office)) if job.collected_at is None else None,
               "kinds": corrections.possible_corrections(request.user, job), "next": reverse("pickup_desk")}
    return render(request, "printing/pickup_card.html", context)


@office_view("hand_over_cards")
@require_POST
def hand_over(request, pk):
    job = _printed_card(request, pk)
    form = PickupForm(request.POST)
    if not form.is_valid():
        return _pickup_card_page(request, job, form)
    if job.collected_at is not None:
        messages.info(request, _("This card was already collected by %(name)s; nothing changed.") % {"name": job.collected_by_name})
        return redirect("pickup_card", pk=job.pk)
    data = form.cleaned_data
    try:
        job = desks.record_pickup(job=job, by=request.user, collected_as=data["collected_as"], name=data["name"], nik=data["nik"])
    except ValidationError as error:
        if job.state != PrintJob.State.PRINTED:
            messages.error(request, refused_text(error))
            return redirect("pickup_desk")
        form.add_service_error(error)
        return _pickup_card_page(request, job, form)
    messages.success(request, _("Card of %(name)s, NIK %(nik)s, handed to %(collector)s. Print the receipt for them to sign.")
                     % {"name": job.enrollment.name, "nik": job.enrollment.nik, "collector": job.collected_by_name})
    return redirect("pickup_card", pk=job.pk)


@office_view()
@require_safe
def pickup_receipt(request, pk):
    """The receipt (tanda terima) of a collected card, to print and sign: the card, the collector, the clerk, the time."""
    job = _printed_card(request, pk)
    if job.collected_at is None:
        raise Http404(_("This card has not been collected yet."))
    return pdf_response(documents.pickup_receipt_pdf(job), f"tanda-terima-{job.enrollment.nik}.pdf")


# Corrections of a print job, from the print desk, the pickup desk and the card's record

K = Correction.Kind
JOB_CORRECTIONS = {
    K.UNDO_PRINTED: (corrections.undo_printed, gettext_lazy("Undo printed"), gettext_lazy(
        "The card was marked printed by mistake. Its blank goes back on the shelf and the card is queued again at its place.")),
    K.UNDO_SPOILED: (corrections.undo_spoiled, gettext_lazy("Undo spoiled"), gettext_lazy(
        "The blank was marked spoiled by mistake. It goes back on the shelf; a card still waiting for a blank is queued again at its place.")),
    K.DEFECTIVE: (corrections.found_defective, gettext_lazy("Card defective: print again"), gettext_lazy(
        "The printed card is defective (before pickup). Its blank counts as spoiled, not printed, and the card is printed again before every other card in the queue.")),
    K.UNDO_PICKUP: (corrections.undo_pickup, gettext_lazy("Undo pickup"), gettext_lazy(
        "The pickup was recorded against the wrong card. The card is ready for pickup again, and its Suket is valid again if it has not expired.")),
}
DONE = {
    K.UNDO_PRINTED: gettext_lazy("Printed mark undone for %(name)s: the blank is back and the card is queued again at its place."),
    K.UNDO_SPOILED: gettext_lazy("Spoiled mark undone for %(name)s: the blank is back on the shelf."),
    K.DEFECTIVE: gettext_lazy("Card of %(name)s recorded as defective: its blank counts as spoiled and the card is printed again first."),
    K.UNDO_PICKUP: gettext_lazy("Pickup undone: the card of %(name)s is ready for pickup again."),
}


def _with_corrections(user, movements):
    """The day's work, each printed or spoiled blank with the corrections this user may make of it (no query more)."""
    rows = list(movements)
    for movement in rows:
        job = movement.print_job
        # A card found defective books its spoiled blank later than it was printed; a blank spoiled in
        # the printer is booked at the moment its job ends. That spoiled blank stays spoiled.
        kinds = [] if movement.quantity > 0 else corrections.possible_corrections(user, job, found_defective=movement.created_at != job.printed_at)
        movement.kinds = [kind for kind in kinds if kind != K.UNDO_PICKUP]
    return rows


@office_view("correct_marks")
def correct_job(request, pk, kind):
    if kind not in JOB_CORRECTIONS:
        raise Http404
    correct, title, explanation = JOB_CORRECTIONS[kind]
    job = office_object(PrintJob.objects.select_related("enrollment", "printed_by"), request, pk=pk)
    require(request.user, corrections.ACTION_OF[kind])
    record = reverse("enrollment_detail", args=[job.enrollment_id])
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = correct(job=job, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, DONE[kind] % {"name": job.enrollment.name})
            if kind == K.DEFECTIVE and not correction.changes.get("queued_again"):
                messages.warning(request, _("No blank is available: the card waits for the next blanks."))
        return redirect(safe_next(request, record))
    return render(request, "printing/correct.html", {"job": job, "form": form, "title": title, "explanation": explanation,
                                                     "next": safe_next(request, ""), "back": safe_next(request, record)})
