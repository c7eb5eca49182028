"""Duplicate records (pendobelan): opened by an import that re-enrolls a resident, resolved in person."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Correction, DuplicateCase, Enrollment, EnrollmentState, Office, Role

from . import cards
from .locks import lock_ledger, lock_rows
from .suket import end_suket
from .work import ask_for_queue_build


def open_duplicate_cases(*, office: Office, niks: list[str]) -> int:
    """Put every waiting record of these residents on hold in one open case each.

    Queued cards give their blanks back; a card already printed stays as it
    is, linked to the case for the clerk to see. Returns how many residents
    are in a case because of this call. Set-based: the NIKs go into a
    temporary table and each step is one statement over it. The caller
    holds the office's ledger lock.
    """
    if not niks:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS reenrolled_nik")
        cursor.execute("CREATE TEMP TABLE reenrolled_nik (nik varchar(16) PRIMARY KEY)")
        for start in range(0, len(niks), 1000):
            chunk = niks[start:start + 1000]
            cursor.execute(f"INSERT INTO reenrolled_nik (nik) VALUES {', '.join(['(%s)'] * len(chunk))}", chunk)
        if connection.vendor == "postgresql":
            # A temporary table has no statistics until analysed: without them the joins below scan the office.
            cursor.execute("ANALYZE reenrolled_nik")
        cursor.execute(
            "INSERT INTO registry_duplicatecase (office_id, nik, status, opened_at, note)"
            " SELECT %s, r.nik, %s, %s, '' FROM reenrolled_nik r WHERE NOT EXISTS ("
            "  SELECT 1 FROM registry_duplicatecase c WHERE c.office_id = %s AND c.nik = r.nik AND c.status = %s)",
            [office.pk, DuplicateCase.Status.OPEN, timezone.now(), office.pk, DuplicateCase.Status.OPEN],
        )
        in_case = RawSQL("SELECT nik FROM reenrolled_nik", [])
        cards.move(office_id=office.pk, to=EnrollmentState.ON_HOLD,
                   cards=Enrollment.objects.filter(office=office, state__in=[EnrollmentState.RECORDED, EnrollmentState.QUEUED], nik__in=in_case))
        cursor.execute(
            "UPDATE registry_enrollment SET duplicate_case_id = (SELECT c.id FROM registry_duplicatecase c"
            "  WHERE c.office_id = registry_enrollment.office_id AND c.nik = registry_enrollment.nik AND c.status = %s)"
            " WHERE office_id = %s AND state <> %s AND nik IN (SELECT nik FROM reenrolled_nik)",
            [DuplicateCase.Status.OPEN, office.pk, EnrollmentState.VOID],
        )
        cursor.execute("DROP TABLE reenrolled_nik")
    return len(niks)


def resolve_duplicate_case(*, case: DuplicateCase, by, keep: Enrollment | None, note: str = "") -> DuplicateCase:
    """The resident came in person. Keep one record (its card waits from the earliest date), or void them all.

    The surviving record is the earliest one, so the resident keeps their
    place; if the clerk keeps another record's data, it is copied onto it.
    """
    with transaction.atomic():
        lock_ledger(case.office_id)
        (case,) = lock_rows(DuplicateCase.objects.filter(pk=case.pk))
        if case.status != DuplicateCase.Status.OPEN:
            if case.kept_id == (keep.pk if keep else None):
                return case
            raise ValidationError(_("This duplicate case was already closed."), code="closed")
        records = list(case.enrollments.exclude(state=EnrollmentState.VOID).order_by("enrolled_on", "id"))
        if keep is not None and keep.pk not in {r.pk for r in records}:
            raise ValidationError(_("The record to keep is not part of this case."), code="keep")
        survivor = records[0] if keep is not None else None
        if survivor is not None and keep.pk != survivor.pk:
            for name in ("name", "birth_place", "address", "rt", "rw", "village", "subdistrict"):
                setattr(survivor, name, getattr(keep, name))
            survivor.save(update_fields=["name", "birth_place", "address", "rt", "rw", "village", "subdistrict"])
        at = timezone.now()
        held = Enrollment.objects.filter(duplicate_case=case, state=EnrollmentState.ON_HOLD)
        if survivor is not None:
            cards.move(office_id=case.office_id, cards=held.filter(pk=survivor.pk), to=EnrollmentState.RECORDED, at=at)
        others = list(held.exclude(pk=survivor.pk if survivor else None).values_list("pk", flat=True))
        cards.move(office_id=case.office_id, cards=Enrollment.objects.filter(pk__in=others), to=EnrollmentState.VOID, at=at)
        # A voided record's Suket no longer stands for anything; the survivor can be issued one.
        end_suket(enrollment_ids=others, today=timezone.localdate(at))
        case.status = DuplicateCase.Status.RESOLVED if keep is not None else DuplicateCase.Status.VOID
        case.kept = survivor
        case.resolved_by = by
        case.resolved_at = at
        case.note = note
        case.save()
        if survivor is not None:
            ask_for_queue_build(case.office_id)
    return case


def reopen_duplicate_case(*, case: DuplicateCase, by, reason: str) -> DuplicateCase:
    """The head reopens a case resolved by mistake: its records are on hold again until resolved in person.

    Refused once a card of the case is printed. A queued survivor gives its
    blank back. Each record's history says who reopened it and why.
    """
    if by.role != Role.HEAD or by.office_id != case.office_id:
        raise PermissionDenied(_("Only the head of this office reopens a duplicate case."))
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
                % {"nik": printed.nik, "date": printed.enrolled_on.isoformat()},
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
