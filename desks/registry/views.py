"""Registry desks: the home page, enrollments and their uploads, duplicates, Suket."""
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backlog import corrections, statuses
from backlog.duplicates import record_visit, reopen_duplicate_case, resolve_duplicate_case
from backlog.imports import accept_upload, can_retry, retry_upload
from backlog.suket import issue_suket
from common.dates import local_day
from common.paging import page_of, paginate
from common.pdf import pdf_response
from common.web import refused_text
from people.access import office_object, office_view
from people.roles import may, require
from printing import selectors as card_reads
from printing.models import PrintJob
from registry import documents, selectors
from registry.importer import RejectedRows, column_lists
from registry.models import Correction, DuplicateCase, Enrollment, EnrollmentCounts, EnrollmentImport, EnrollmentUpload, TemporaryCertificate

from .filters import EnrollmentFilter, SuketFilter
from .forms import DuplicateSearchForm, EditRecordForm, MarriageForm, NikForm, ReasonForm, ResolveDuplicateForm, UploadForm, VisitForm
from .tables import EnrollmentTable, SuketTable

# The records of a later export to look at, shown on its upload's page.
LOOK_AT_SHOWN = 200
# Rejected rows a page of an upload's result lists (the whole report is its download).
REJECTED_PER_PAGE = 50
# The enrollments desk sorts by a column other than the recording date only this many matches at most (past it, in
# recording order, and says so; on PostgreSQL as the planner expects): 20,000 sort in about 100 ms at 5,000,000 records.
SORT_AT_MOST = 20_000


@login_required
def home(request):
    """Office people start at the dashboard; an account without an office is told what to do."""
    if request.user.office_id is not None:
        return redirect("dashboard")
    return render(request, "home.html", {"office": None})


@office_view()
def enrollments(request):
    filters = EnrollmentFilter(request.GET, queryset=Enrollment.objects.filter(office=request.office))
    table = paginate(request, EnrollmentTable(filters.qs), sort_at_most=SORT_AT_MOST)
    counts = EnrollmentCounts.objects.get(office=request.office)
    return render(request, "registry/enrollments.html", {"filter": filters, "table": table, "counts": counts})


@office_view()
def enrollments_to_look_at(request):
    """What later SIAK exports said of records the office holds that it has to look at, newest first."""
    updates = statuses.office_to_look_at(request.office)
    return render(request, "registry/enrollments_to_look_at.html", {"look_at": page_of(request, updates, per_page=50)})


@office_view("upload_enrollments")
def enrollment_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = accept_upload(office=request.office, by=request.user, uploaded_file=form.cleaned_data["file"])
        return redirect("enrollment_upload_status", pk=upload.pk)
    recent = EnrollmentUpload.objects.filter(office=request.office).select_related("uploaded_by").order_by("-id")[:10]
    return render(request, "registry/upload.html", {"form": form, "recent": recent, "column_lists": column_lists()})


@office_view("upload_enrollments")
def enrollment_upload_status(request, pk):
    upload = office_object(EnrollmentUpload.objects.select_related("uploaded_by", "run"), request, pk=pk)
    retry = can_retry(upload)
    # Running with no live runner: its worker died; the page says so instead of waiting forever.
    interrupted = retry and upload.status == EnrollmentUpload.Status.RUNNING
    status_display = _("Interrupted") if interrupted else upload.get_status_display()
    rows_read = cache.get(EnrollmentUpload.progress_key_of(upload.pk), 0) if upload.status == EnrollmentUpload.Status.RUNNING else upload.rows
    if request.GET.get("format") == "json":
        return JsonResponse({"status": upload.status, "status_display": status_display, "rows": rows_read,
                             "finished": upload.finished_at is not None or interrupted, "queue_pending": _queue_pending(upload)})
    look_at = list(statuses.to_look_at(upload.run)[:LOOK_AT_SHOWN]) if upload.run_id else []
    rejected = None
    if upload.status == EnrollmentUpload.Status.DONE and upload.rejected and not upload.files_removed_at:
        rejected = page_of(request, RejectedRows(upload.rejected_path, upload.rejected), per_page=REJECTED_PER_PAGE)
    return render(request, "registry/upload_status.html", {"upload": upload, "rows_read": rows_read, "can_retry": retry,
                                                           "interrupted": interrupted, "status_display": status_display,
                                                           "run": upload.run, "look_at": look_at, "rejected": rejected,
                                                           "rejected_pages": -(-upload.rejected // REJECTED_PER_PAGE),
                                                           "column_lists": column_lists(), "queue_pending": _queue_pending(upload)})


def _queue_pending(upload) -> bool:
    """The import added records and the queue build it asked for has not run yet (the page waits for it)."""
    return bool(upload.run and upload.run.imported and upload.run.queue_built_at is None)


@office_view("upload_enrollments")
@require_POST
def enrollment_upload_retry(request, pk):
    upload = office_object(EnrollmentUpload, request, pk=pk)
    try:
        retry_upload(upload=upload, by=request.user)
    except ValidationError as exc:
        messages.error(request, refused_text(exc))
    else:
        messages.success(request, _("The file will be imported again."))
    return redirect("enrollment_upload_status", pk=upload.pk)


@office_view("upload_enrollments")
def enrollment_upload_rejected(request, pk):
    upload = office_object(EnrollmentUpload, request, pk=pk)
    if not upload.rejected or not os.path.exists(upload.rejected_path):
        raise Http404
    report = upload.rejected_path
    return FileResponse(open(report, "rb"), as_attachment=True, filename=f"{upload.original_name}.rejected.{report.rsplit('.', 1)[-1]}")


@office_view()
def enrollment_detail(request, pk):
    enrollment = office_object(Enrollment.objects.select_related("duplicate_case", "source__by"), request, pk=pk)
    user, unprinted = request.user, enrollment.state in corrections.UNPRINTED
    case = enrollment.duplicate_case
    return render(request, "registry/enrollment_detail.html", {
        "enrollment": enrollment, "history": card_reads.card_history(enrollment, request.office),
        "can_issue_suket": unprinted and may(user, "issue_suket"),
        "job_corrections": _job_corrections(enrollment, user),
        "can_edit": unprinted and corrections.may_correct(user, Correction.Kind.EDIT_RECORD, office_id=enrollment.office_id),
        "can_void": unprinted and corrections.may_correct(user, Correction.Kind.VOID_RECORD, office_id=enrollment.office_id),
        "can_record_marriage": corrections.may_record_marriage(user, enrollment),
        "can_reopen": case is not None and case.status != DuplicateCase.Status.OPEN
                      and corrections.may_correct(user, Correction.Kind.REOPEN_DUPLICATE, office_id=enrollment.office_id),
        "reason_form": ReasonForm(),
    })


def _job_corrections(enrollment, user) -> list[tuple]:
    """(print job, the corrections this user may make of it) for the card's printed or spoiled jobs."""
    jobs = PrintJob.objects.filter(enrollment=enrollment, state__in=[PrintJob.State.PRINTED, PrintJob.State.SPOILED]).order_by("pk")
    defective = set(enrollment.corrections.filter(kind=Correction.Kind.DEFECTIVE).values_list("changes__print_job", flat=True))
    found = [(job, corrections.possible_corrections(user, job, found_defective=job.pk in defective)) for job in jobs]
    return [(job, kinds) for job, kinds in found if kinds]


@office_view("correct_records")
def enrollment_edit(request, pk):
    """Correct an imported record's name, place of birth or address before its card is printed."""
    enrollment = office_object(Enrollment, request, pk=pk)
    form = EditRecordForm(request.POST or None, enrollment=enrollment, fields=corrections.RECORD_FIELDS)
    if request.method == "POST" and form.is_valid():
        try:
            done = corrections.edit_record(enrollment=enrollment, by=request.user, reason=form.cleaned_data["reason"], values=form.values())
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, _("Record corrected; its history keeps the values before.") if done
                             else _("Nothing differs from the record; nothing changed."))
        return redirect("enrollment_detail", pk=enrollment.pk)
    return render(request, "registry/enrollment_edit.html", {"enrollment": enrollment, "form": form})


@office_view("correct_records")
def enrollment_void(request, pk):
    """Void a record imported with a wrong NIK or enrollment date, so the right one can be imported."""
    enrollment = office_object(Enrollment, request, pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            corrections.void_record(enrollment=enrollment, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, _("Record voided. Import the right record (NIK and enrollment date) from SIAK."))
        return redirect("enrollment_detail", pk=enrollment.pk)
    return render(request, "registry/enrollment_void.html", {"enrollment": enrollment, "form": form})


@office_view("correct_records")
def enrollment_marriage(request, pk):
    """A resident recorded before 17 is married: with the certificate's number, the card may be printed now."""
    enrollment = office_object(Enrollment, request, pk=pk)
    form = MarriageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            corrections.record_marriage(enrollment=enrollment, by=request.user, certificate=form.cleaned_data["certificate"],
                                        marital_status=form.cleaned_data["marital_status"])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, _("Marriage recorded: the card may be printed now and waits at its place by recording date."))
        return redirect("enrollment_detail", pk=enrollment.pk)
    return render(request, "registry/enrollment_marriage.html", {"enrollment": enrollment, "form": form})


@office_view()
def duplicates(request):
    search = DuplicateSearchForm(request.GET or None)
    filters = search.filters()
    page = page_of(request, selectors.duplicate_cases(request.office, **filters), per_page=20)
    cases = [(case, selectors.differing_labels(list(case.enrollments.all()))) for case in page]
    run = EnrollmentImport.objects.filter(office=request.office, pk=filters["run_id"]).first() if filters["run_id"] else None
    return render(request, "registry/duplicates.html", {
        "page": page, "cases": cases, "search": search, "filters": filters, "run": run,
        "today": local_day(request.office)})


@office_view()
def duplicate_detail(request, pk):
    case = office_object(DuplicateCase.objects.select_related("resolved_by", "kept", "visit_recorded_by").prefetch_related(
        Prefetch("enrollments", queryset=Enrollment.objects.order_by("enrolled_on", "id"))), request, pk=pk)
    form = ResolveDuplicateForm(request.POST or None, case=case)
    if request.method == "POST":
        require(request.user, "resolve_duplicates")
        if form.is_valid():
            try:
                resolve_duplicate_case(case=case, by=request.user, keep=form.keep(), note=form.cleaned_data["note"])
            except ValidationError as exc:
                messages.error(request, refused_text(exc))
            else:
                messages.success(request, _("Duplicate case closed; the card waits in the queue from its earliest date.")
                                 if form.keep() else _("Duplicate case closed; every record is void."))
                return redirect("duplicates")
    records = list(case.enrollments.all())
    return render(request, "registry/duplicate_detail.html", {
        "case": case, "form": form, "records": records, "compared": selectors.compare_records(records), "reason_form": ReasonForm(),
        "visit_form": VisitForm(today=local_day(request.office),
                                initial={"visited_on": case.visited_on or local_day(request.office), "documents": case.documents_sent}),
        "can_reopen": case.status != DuplicateCase.Status.OPEN
                      and corrections.may_correct(request.user, Correction.Kind.REOPEN_DUPLICATE, office_id=case.office_id),
    })


@office_view("resolve_duplicates")
@require_POST
def duplicate_visit(request, pk):
    """A case the centre flagged: the clerk records the resident's visit and the documents sent for adjudication."""
    case = office_object(DuplicateCase, request, pk=pk)
    form = VisitForm(request.POST, today=local_day(request.office))
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    else:
        try:
            record_visit(case=case, by=request.user, visited_on=form.cleaned_data["visited_on"], documents=form.cleaned_data["documents"])
        except ValidationError as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, _("Visit recorded; the case closes when a SIAK export says PRINT READY RECORD."))
    return redirect("duplicate_detail", pk=case.pk)


@office_view("reopen_duplicates")
@require_POST
def duplicate_reopen(request, pk):
    case = office_object(DuplicateCase, request, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
    else:
        try:
            reopen_duplicate_case(case=case, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refused_text(error))
        else:
            messages.success(request, _("Duplicate case reopened: its records are on hold until the resident comes in person."))
    return redirect("duplicate_detail", pk=case.pk)


@office_view()
def suket_list(request):
    today = local_day(request.office)
    filters = SuketFilter(request.GET, queryset=selectors.current_sukets(request.office, today))
    table = paginate(request, SuketTable(filters.qs))
    return render(request, "registry/suket_list.html", {
        "filter": filters, "table": table, "issue_form": NikForm(),
        "ending_soon": selectors.sukets_ending_soon(request.office, today).order_by("valid_until")[:50],
        "ending_days": selectors.SUKET_ENDING_SOON_DAYS,
    })


@office_view("issue_suket")
@require_POST
def suket_issue(request):
    form = NikForm(request.POST)
    if form.is_valid():
        enrollment = selectors.waiting_enrollment(request.office, form.cleaned_data["nik"])
        if enrollment is None:
            form.add_error("nik", _("No card of this office is waiting for this NIK (not enrolled here, or already printed)."))
        else:
            try:
                suket = issue_suket(enrollment=enrollment, by=request.user)
            except ValidationError as exc:
                form.add_error("nik", refused_text(exc))
            else:
                messages.success(request, _("Suket %(number)s is valid until %(until)s.") % {"number": suket.number, "until": date_format(suket.valid_until, "SHORT_DATE_FORMAT")})
                return redirect("suket_detail", pk=suket.pk)
    today = local_day(request.office)
    filters = SuketFilter(None, queryset=selectors.current_sukets(request.office, today))
    return render(request, "registry/suket_list.html", {
        "filter": filters, "table": paginate(request, SuketTable(filters.qs)), "issue_form": form,
        "ending_soon": selectors.sukets_ending_soon(request.office, today).order_by("valid_until")[:50],
        "ending_days": selectors.SUKET_ENDING_SOON_DAYS,
    }, status=400)


@office_view()
def suket_detail(request, pk):
    suket = office_object(TemporaryCertificate.objects.select_related("enrollment", "office", "issued_by"), request, pk=pk)
    return render(request, "registry/suket_detail.html", {"suket": suket, "valid": suket.is_valid_on(local_day(request.office))})


@office_view("issue_suket")
def suket_pdf(request, pk):
    """The Suket to print and hand over. An ended or expired one is not printed again: the desk issues a new one."""
    suket = office_object(TemporaryCertificate.objects.select_related("enrollment", "office"), request, pk=pk)
    if not suket.is_valid_on(local_day(request.office)):
        messages.error(request, _("Suket %(number)s is no longer valid and is not printed again; issue a new one if the card is still waiting.")
                       % {"number": suket.number})
        return redirect("suket_detail", pk=suket.pk)
    return pdf_response(documents.suket_pdf(suket, printed_by=request.user), f"suket-{suket.number}.pdf")
