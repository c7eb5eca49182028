"""Duplicate records (pendobelan): opened by an import that re-enrolls a resident, resolved in person."""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.dates import local_day
from people.roles import require
from registry.models import Correction, DuplicateCase, Enrollment, EnrollmentState, Office

from . import cards
from .locks import lock_ledger, lock_rows
from .suket import end_suket
from .work import ask_for_queue_build


@dataclass
class Reenrolled:
    """The re-enrolled residents an import found, their cases half opened before the ledger lock."""

    niks: list[str] = field(default_factory=list)


def prepare_duplicate_cases(*, office: Office, run, niks: list[str], flagged=frozenset()) -> Reenrolled:
    """The part of opening the cases that only this import can see, done under the import lock while the desks go on.

    A resident with no case at all gets one, and the import's own records of
    them go on hold in it. Nobody else can see, lock, open or reopen either
    before the import commits: the records are rows of its own transaction,
    only an import opens a case (and imports of an office take turns), and
    only an existing case can be reopened. What others may hold meanwhile,
    the older records of these residents and every record of a resident who
    has a case already (a resolved one can be reopened), is noted for
    `open_duplicate_cases`, the step under the ledger lock. Set-based: the
    NIKs and the noted records go into temporary tables. `flagged`: the NIKs
    among them whose new record the centre flags (DUPLICATE RECORD,
    ADJUDICATE RECORD): their case is flagged by the centre, one case even
    when the resident also re-enrolled.
    """
    if not niks:
        return Reenrolled()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS reenrolled_nik")
        cursor.execute("DROP TABLE IF EXISTS reenrolled_record")
        cursor.execute("CREATE TEMP TABLE reenrolled_nik (nik varchar(16) PRIMARY KEY, new_case boolean NOT NULL, flagged boolean NOT NULL,"
                       " case_id bigint)")
        cursor.execute("CREATE TEMP TABLE reenrolled_record (id bigint PRIMARY KEY)")
        for start in range(0, len(niks), 1000):
            chunk = niks[start:start + 1000]
            cursor.execute(f"INSERT INTO reenrolled_nik (nik, new_case, flagged) VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))}",
                           [value for nik in chunk for value in (nik, False, nik in flagged)])
        _analyze(cursor, "reenrolled_nik")
        cursor.execute(
            "UPDATE reenrolled_nik SET new_case = %s WHERE NOT EXISTS ("
            " SELECT 1 FROM registry_duplicatecase c WHERE c.office_id = %s AND c.nik = reenrolled_nik.nik)",
            [True, office.pk],
        )
        cursor.execute(
            "INSERT INTO registry_duplicatecase (office_id, nik, status, opened_at, note, flagged_by_centre, documents_sent)"
            " SELECT %s, nik, %s, %s, '', flagged, '' FROM reenrolled_nik WHERE new_case",
            [office.pk, DuplicateCase.Status.OPEN, timezone.now()],
        )
        _note_open_cases(cursor, office)
        cards.hold_new(
            run=run, cards=Enrollment.objects.filter(office=office, nik__in=RawSQL("SELECT nik FROM reenrolled_nik WHERE new_case", [])),
            duplicate_case=_noted_case(),
        )
        cursor.execute(
            "INSERT INTO reenrolled_record (id) SELECT e.id FROM reenrolled_nik r JOIN registry_enrollment e"
            " ON e.office_id = %s AND e.nik = r.nik WHERE NOT r.new_case OR e.source_id IS NULL OR e.source_id <> %s",
            [office.pk, run.pk],
        )
        _analyze(cursor, "reenrolled_record")
    return Reenrolled(niks=niks)


def open_duplicate_cases(*, office: Office, reenrolled: Reenrolled) -> int:
    """The rest, under the office's ledger lock: every waiting record of these residents on hold in their one open case.

    Queued cards give their blanks back; a card already printed stays as it
    is, linked to the case for the clerk to see. Only the records noted by
    `prepare_duplicate_cases` are left, so this takes as long as there are
    older records of these residents, not as long as the import is big.
    Returns how many residents are in a case because of this import.
    """
    if not reenrolled.niks:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_duplicatecase (office_id, nik, status, opened_at, note, flagged_by_centre, documents_sent)"
            " SELECT %s, r.nik, %s, %s, '', r.flagged, '' FROM reenrolled_nik r WHERE NOT r.new_case AND NOT EXISTS ("
            "  SELECT 1 FROM registry_duplicatecase c WHERE c.office_id = %s AND c.nik = r.nik AND c.status = %s)",
            [office.pk, DuplicateCase.Status.OPEN, timezone.now(), office.pk, DuplicateCase.Status.OPEN],
        )
        cursor.execute(
            "UPDATE registry_duplicatecase SET flagged_by_centre = %s WHERE office_id = %s AND status = %s AND NOT flagged_by_centre"
            " AND nik IN (SELECT nik FROM reenrolled_nik WHERE flagged)",
            [True, office.pk, DuplicateCase.Status.OPEN],
        )
        _note_open_cases(cursor, office)
        noted = RawSQL("SELECT id FROM reenrolled_record", [])
        cards.move(office_id=office.pk, to=EnrollmentState.ON_HOLD, cards=Enrollment.objects.filter(
            pk__in=noted, state__in=[EnrollmentState.RECORDED, EnrollmentState.QUEUED, EnrollmentState.AT_CENTRE]))
        Enrollment.objects.filter(pk__in=noted).exclude(state__in=[EnrollmentState.VOID, EnrollmentState.FAILED]).update(
            duplicate_case=_noted_case())
        # The cases these residents' records joined or left (a kept record moves from a closed case to the new one).
        date_cases(DuplicateCase.objects.filter(office=office, nik__in=RawSQL("SELECT nik FROM reenrolled_nik", [])))
        cursor.execute("DROP TABLE reenrolled_record")
        cursor.execute("DROP TABLE reenrolled_nik")
    return len(reenrolled.niks)


def _note_open_cases(cursor, office) -> None:
    """Each noted resident's open case, noted beside their NIK: the records then join it by a lookup in the noted NIKs.

    A join, never a lookup of the cases per record: in an office's first big import the planner has no statistics
    for the cases it just opened (tens of thousands), and a lookup per record scanned them all for each record.
    """
    cursor.execute(
        "UPDATE reenrolled_nik SET case_id = c.id FROM registry_duplicatecase c"
        " WHERE c.office_id = %s AND c.status = %s AND c.nik = reenrolled_nik.nik",
        [office.pk, DuplicateCase.Status.OPEN],
    )


def _noted_case() -> RawSQL:
    return RawSQL("SELECT r.case_id FROM reenrolled_nik r WHERE r.nik = registry_enrollment.nik", [])


def date_cases(cases) -> None:
    """Set each of these cases' first recording date from its records, after records joined or left it (one statement)."""
    earliest = (Enrollment.objects.filter(duplicate_case=OuterRef("pk")).order_by().values("duplicate_case")
                .annotate(first=Min("enrolled_on")).values("first"))
    cases.update(first_enrolled=Subquery(earliest))


def _analyze(cursor, table) -> None:
    if connection.vendor == "postgresql":
        # A temporary table has no statistics until analysed: without them the joins over it scan the office.
        cursor.execute(f"ANALYZE {table}")


def resolve_duplicate_case(*, case: DuplicateCase, by, keep: Enrollment | None, note: str) -> DuplicateCase:
    """The resident came in person. Keep one record (its card waits from the earliest date), or void them all.

    The surviving record is the earliest one, so the resident keeps their
    place; if the clerk keeps another record's data, it is copied onto it.
    `note` says which documents the resident showed: a decision without it is refused.
    """
    require(by, "resolve_duplicates", case.office_id)
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError(_("Note which documents the resident showed (KTP, KK, birth certificate) before closing the case."),
                              code="note")
    with transaction.atomic():
        office = lock_ledger(case.office_id).office
        (case,) = lock_rows(DuplicateCase.objects.filter(pk=case.pk))
        if case.status != DuplicateCase.Status.OPEN:
            if case.kept_id == (keep.pk if keep else None):
                return case
            raise ValidationError(_("This duplicate case was already closed."), code="closed")
        close_case(case=case, office=office, keep=keep, by=by, at=timezone.now(), note=note,
                   status=DuplicateCase.Status.RESOLVED if keep is not None else DuplicateCase.Status.VOID)
    return case


def close_case(*, case: DuplicateCase, office: Office, keep: Enrollment | None, by, at, note: str, status: str) -> None:
    """Close an open case, its record `keep` kept (or none): the caller holds the ledger lock and the case.

    The surviving record is the earliest one, so the resident keeps their
    place; if another record's data is kept, it is copied onto it. The
    others go void, their Suket ended. For a clerk's resolution in person,
    and for the centre's PRINT READY RECORD on a case it flagged.
    """
    records = list(case.enrollments.exclude(state__in=[EnrollmentState.VOID, EnrollmentState.FAILED]).order_by("enrolled_on", "id"))
    if keep is not None and keep.pk not in {r.pk for r in records}:
        raise ValidationError(_("The record to keep is not part of this case."), code="keep")
    survivor = records[0] if keep is not None else None
    if survivor is not None and keep.pk != survivor.pk:
        for name in ("name", "birth_place", "address", "rt", "rw", "village", "subdistrict"):
            setattr(survivor, name, getattr(keep, name))
        survivor.save(update_fields=["name", "birth_place", "address", "rt", "rw", "village", "subdistrict"])
    held = Enrollment.objects.filter(duplicate_case=case, state=EnrollmentState.ON_HOLD)
    if survivor is not None:
        cards.move(office_id=case.office_id, cards=held.filter(pk=survivor.pk), to=EnrollmentState.RECORDED, at=at)
    others = list(held.exclude(pk=survivor.pk if survivor else None).values_list("pk", flat=True))
    cards.move(office_id=case.office_id, cards=Enrollment.objects.filter(pk__in=others), to=EnrollmentState.VOID, at=at)
    # A voided record's Suket no longer stands for anything; the survivor can be issued one.
    end_suket(enrollment_ids=others, today=local_day(office, at))
    case.status = status
    case.kept = survivor
    case.resolved_by = by
    case.resolved_at = at
    case.note = note
    case.save()
    if survivor is not None:
        ask_for_queue_build(case.office_id)


def record_visit(*, case: DuplicateCase, by, visited_on, documents: str, at=None) -> DuplicateCase:
    """The resident of a case the centre flagged came in; the documents sent for the centre's adjudication are noted.

    Who recorded it and when are kept. The case stays open until a later
    export says PRINT READY RECORD (or the clerk resolves it in person).
    Recording the same again changes nothing.
    """
    require(by, "resolve_duplicates", case.office_id)
    documents = " ".join((documents or "").split())
    if not documents:
        raise ValidationError(_("Say which documents were sent for adjudication."), code="documents")
    at = at or timezone.now()
    with transaction.atomic():
        office = lock_ledger(case.office_id).office
        (case,) = lock_rows(DuplicateCase.objects.filter(pk=case.pk))
        if case.status != DuplicateCase.Status.OPEN:
            raise ValidationError(_("This duplicate case was already closed."), code="closed")
        if visited_on > local_day(office, at):
            raise ValidationError(_("The visit cannot be after today."), code="visited_on")
        if (case.visited_on, case.documents_sent) == (visited_on, documents):
            return case
        case.visited_on, case.documents_sent = visited_on, documents
        case.visit_recorded_at, case.visit_recorded_by = at, by
        case.save(update_fields=["visited_on", "documents_sent", "visit_recorded_at", "visit_recorded_by"])
    return case


def reopen_duplicate_case(*, case: DuplicateCase, by, reason: str) -> DuplicateCase:
    """The head reopens a case resolved by mistake: its records are on hold again until resolved in person.

    Refused once a card of the case is printed. A queued survivor gives its
    blank back. Each record's history says who reopened it and why.
    """
    require(by, "reopen_duplicates", case.office_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the case is reopened."), code="reason")
    with transaction.atomic():
        lock_ledger(case.office_id)
        (case,) = lock_rows(DuplicateCase.objects.filter(pk=case.pk))
        if case.status == DuplicateCase.Status.OPEN:
            return case
        if DuplicateCase.objects.filter(office_id=case.office_id, nik=case.nik, status=DuplicateCase.Status.OPEN).exists():
            raise ValidationError(_("Another case of this resident is open; resolve that one."), code="open")
        records = Enrollment.objects.filter(duplicate_case=case)
        printed = records.filter(state__in=[EnrollmentState.READY, EnrollmentState.COLLECTED]).first()
        if printed is not None:
            raise ValidationError(
                _("The card of record %(nik)s (%(date)s) is already printed; the case cannot be reopened.")
                % {"nik": printed.nik, "date": date_format(printed.enrolled_on, "SHORT_DATE_FORMAT")},
                code="printed",
            )
        at = timezone.now()
        moved = cards.move(office_id=case.office_id, cards=records, to=EnrollmentState.ON_HOLD, at=at)
        Correction.objects.bulk_create(
            Correction(office_id=case.office_id, enrollment_id=pk, kind=Correction.Kind.REOPEN_DUPLICATE,
                       created_at=at, created_by=by, reason=reason)
            for pk, _date in moved.cards
        )
        case.status, case.kept, case.resolved_at, case.resolved_by = DuplicateCase.Status.OPEN, None, None, None
        case.save(update_fields=["status", "kept", "resolved_at", "resolved_by"])
    return case
