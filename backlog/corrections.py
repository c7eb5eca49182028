"""Mistakes at a desk put right: each correction is a new event (registry.Correction) and, where blanks move, new movements.

Nothing is edited: a printed or spoiled blank marked by mistake is reversed
(the same kind, the opposite sign, linked to it, booked now), a card goes
back through `cards.move`, and the Correction says who, when and why. Its
`changes` link the print job and the movements it booked (or, for an edit,
each field's value before and after). Who may make each kind is the table
of actions (people.roles.ACTIONS, through `ACTION_OF`), read alike by the
services and by the pages that show the buttons.
"""
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.dates import local_day
from inventory.models import BlankMovement, MovementKind
from people.roles import Refused, may, refusal, require
from printing.models import PrintJob
from registry.ages import MARRIED, printable_on
from registry.models import Correction, Enrollment, EnrollmentState, MaritalStatus

from . import cards
from .desks import locked_job, queue_again
from .ledger import reverse, use_blanks
from .locks import lock_ledger, lock_rows
from .suket import end_suket, restore_suket
from .work import ask_for_queue_build

K = Correction.Kind
# The action of the table each kind of correction is; a desk's mark undone after its working day is "correct_past_marks".
ACTION_OF = {
    K.UNDO_PRINTED: "correct_marks", K.UNDO_SPOILED: "correct_marks", K.UNDO_PICKUP: "correct_marks",
    K.DEFECTIVE: "report_defective", K.EDIT_RECORD: "correct_records", K.VOID_RECORD: "correct_records",
    K.REOPEN_DUPLICATE: "reopen_duplicates", K.MARRIAGE: "correct_records",
}
SAME_DAY = {K.UNDO_PRINTED, K.UNDO_SPOILED, K.UNDO_PICKUP}
# The record's data a clerk may correct before the card is printed (an import's nama, tempat_lahir, alamat, rt, rw, kelurahan, kecamatan).
RECORD_FIELDS = ("name", "birth_place", "address", "rt", "rw", "village", "subdistrict")
UNPRINTED = (EnrollmentState.RECORDED, EnrollmentState.QUEUED, EnrollmentState.ON_HOLD, EnrollmentState.AT_CENTRE,
             EnrollmentState.FAILED)


def may_correct(user, kind: str, *, office_id, done_at: datetime | None = None, today=None) -> bool:
    """Whether this user may make this correction of a mistake made at `done_at` (for the pages' buttons)."""
    try:
        _check_rule(user, kind, office_id=office_id, done_at=done_at, today=today)
    except PermissionDenied:
        return False
    return True


def _check_rule(by, kind, *, office_id, done_at=None, today=None) -> None:
    require(by, ACTION_OF[kind], office_id)
    if kind in SAME_DAY and done_at is not None and not may(by, "correct_past_marks", office_id):
        # The working day is the office's own (by.office: the check above made it this office).
        day = local_day(by.office, done_at)
        if day != (today or local_day(by.office)):
            raise Refused(_("This was recorded on %(day)s. %(refusal)s")
                          % {"day": date_format(day, "SHORT_DATE_FORMAT"), "refusal": refusal(by, "correct_past_marks")})


def _reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why this is corrected."), code="reason")
    return reason


def _done(job: PrintJob, kind) -> Correction | None:
    """The correction of this kind already made to this print job (a double click finds it)."""
    return (Correction.objects.filter(enrollment_id=job.enrollment_id, kind=kind, changes__print_job=job.pk)
            .order_by("-pk").first())


def _record(job: PrintJob, kind, *, by, reason, at, movements=(), **changes) -> Correction:
    return Correction.objects.create(
        office_id=job.office_id, enrollment_id=job.enrollment_id, kind=kind, created_at=at, created_by=by, reason=reason,
        changes={"print_job": job.pk, "movements": [movement.pk for movement in movements], **changes},
    )


def _locked_job(job: PrintJob, by, kind) -> PrintJob:
    """The job as it is now, under the office's ledger lock, once the user may make this kind of correction at all."""
    job = locked_job(job)
    _check_rule(by, kind, office_id=job.office_id)
    return job


def _used_blank(job: PrintJob, kind) -> BlankMovement:
    """The movement that used this job's blank (not a correction of it)."""
    return BlankMovement.objects.get(print_job=job, kind=kind, quantity=-1, reverses__isnull=True)


def _card(job):
    return Enrollment.objects.filter(pk=job.enrollment_id)


def undo_printed(*, job: PrintJob, by, reason: str, at=None) -> Correction:
    """A card marked printed by mistake (still on the shelf, not collected): its blank comes back, the card is queued again at its place.

    The printed job ends as undone; the card gets a new queued job on the
    blank that came back. Sent twice, the second changes nothing.
    """
    require(by, ACTION_OF[K.UNDO_PRINTED], job.office_id)
    reason, at = _reason(reason), at or timezone.now()
    with transaction.atomic():
        job = _locked_job(job, by, K.UNDO_PRINTED)
        if job.state == PrintJob.State.UNDONE and (done := _done(job, K.UNDO_PRINTED)):
            return done
        if job.state != PrintJob.State.PRINTED:
            raise ValidationError(_("This card is not marked printed (%(state)s); there is nothing to undo.")
                                  % {"state": job.get_state_display().lower()}, code="state")
        if job.collected_at is not None:
            raise ValidationError(_("This card was collected on %(day)s; undo the pickup first.")
                                  % {"day": date_format(local_day(job.office, job.collected_at), "SHORT_DATE_FORMAT")}, code="collected")
        _check_rule(by, K.UNDO_PRINTED, office_id=job.office_id, done_at=job.printed_at, today=local_day(job.office, at))
        back = reverse(_used_blank(job, MovementKind.PRINTED), by=by, reason=reason, at=at)
        cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.QUEUED, at=at, by=by, build=job.build,
                   first_in_line=job.first_in_line)
        return _record(job, K.UNDO_PRINTED, by=by, reason=reason, at=at, movements=[back])


def undo_spoiled(*, job: PrintJob, by, reason: str, at=None) -> Correction:
    """A blank marked spoiled in the printer by mistake: the blank comes back and the job ends as undone.

    The card was already sent back to the queue when it was spoiled: if it
    is still waiting without a blank, it is queued again at its place on the
    blank that came back; if it holds a new job (or is printed since),
    nothing more changes for it and the queue build takes the blank.
    """
    require(by, ACTION_OF[K.UNDO_SPOILED], job.office_id)
    reason, at = _reason(reason), at or timezone.now()
    with transaction.atomic():
        job = _locked_job(job, by, K.UNDO_SPOILED)
        if job.state == PrintJob.State.UNDONE and (done := _done(job, K.UNDO_SPOILED)):
            return done
        if job.state != PrintJob.State.SPOILED:
            raise ValidationError(_("This blank is not marked spoiled (%(state)s); there is nothing to undo.")
                                  % {"state": job.get_state_display().lower()}, code="state")
        if _done(job, K.DEFECTIVE):
            raise ValidationError(_("This card was printed and found defective; that blank stays spoiled."), code="defective")
        _check_rule(by, K.UNDO_SPOILED, office_id=job.office_id, done_at=job.printed_at, today=local_day(job.office, at))
        back = reverse(_used_blank(job, MovementKind.SPOILED), by=by, reason=reason, at=at)
        # An ended job changes only its label here: the card's own state moves through cards.move below.
        PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.UNDONE)
        waiting = _card(job).filter(state=EnrollmentState.RECORDED)
        if waiting.exists():
            cards.move(office_id=job.office_id, cards=waiting, to=EnrollmentState.QUEUED, at=at, build=job.build,
                       first_in_line=job.first_in_line)
        else:
            ask_for_queue_build(job.office_id)
        return _record(job, K.UNDO_SPOILED, by=by, reason=reason, at=at, movements=[back])


def found_defective(*, job: PrintJob, by, reason: str, at=None) -> Correction:
    """A printed card found defective before pickup: its blank counts as spoiled, not printed, and the card is printed again first.

    Booked as a reversing "printed" and a "spoiled" with the reason, both
    linked to the job (on hand is unchanged). The card is queued ahead of
    every queued card; with no blank available the newest queued card gives
    its blank back, and if none is queued the card waits first for the next
    blanks. After pickup a defective card is a replacement, not a correction.
    The correction's `changes` say whether the card is queued again (`queued_again`).
    """
    require(by, ACTION_OF[K.DEFECTIVE], job.office_id)
    reason, at = _reason(reason), at or timezone.now()
    with transaction.atomic():
        job = _locked_job(job, by, K.DEFECTIVE)
        if job.state == PrintJob.State.SPOILED and (done := _done(job, K.DEFECTIVE)):
            return done
        if job.collected_at is not None:
            raise ValidationError(_("This card was collected on %(day)s: a defective card after pickup is a replacement, not a correction.")
                                  % {"day": date_format(local_day(job.office, job.collected_at), "SHORT_DATE_FORMAT")}, code="collected")
        if job.state != PrintJob.State.PRINTED:
            raise ValidationError(_("This card is not printed (%(state)s); only a printed card can be found defective.")
                                  % {"state": job.get_state_display().lower()}, code="state")
        back = reverse(_used_blank(job, MovementKind.PRINTED), by=by, reason=reason, at=at)
        moved = cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.RECORDED, at=at, by=by,
                           job_ends_as=PrintJob.State.SPOILED, reason=reason)
        spoiled = use_blanks(office_id=job.office_id, kind=MovementKind.SPOILED, by=by, print_jobs=moved.ended_jobs, reason=reason, at=at)
        queued_again = queue_again(job=job, at=at, first_in_line=True)
        return _record(job, K.DEFECTIVE, by=by, reason=reason, at=at, movements=[back, *spoiled], queued_again=queued_again)


def undo_pickup(*, job: PrintJob, by, reason: str, at=None) -> Correction:
    """A pickup recorded against the wrong card: the card is ready again, and its Suket current again if still within its validity.

    Who collected it and when stay in the correction (the card's history
    keeps them); the job's pickup fields are cleared for the real pickup.
    """
    require(by, ACTION_OF[K.UNDO_PICKUP], job.office_id)
    reason, at = _reason(reason), at or timezone.now()
    with transaction.atomic():
        job = _locked_job(job, by, K.UNDO_PICKUP)
        if job.collected_at is None:
            if done := _done(job, K.UNDO_PICKUP):
                return done
            raise ValidationError(_("No pickup is recorded for this card; there is nothing to undo."), code="state")
        collected_at = job.collected_at
        _check_rule(by, K.UNDO_PICKUP, office_id=job.office_id, done_at=collected_at, today=local_day(job.office, at))
        cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.READY, at=at, by=by)
        pickup = {"collected_at": collected_at.isoformat(), "collected_by_name": job.collected_by_name,
                  "collected_by_nik": job.collected_by_nik, "collected_as": job.collected_as,
                  "handed_over_by": job.handed_over_by.get_username() if job.handed_over_by_id else ""}
        job.collected_at, job.collected_by_name, job.collected_by_nik, job.collected_as, job.handed_over_by = None, "", "", "", None
        job.save(update_fields=["collected_at", "collected_by_name", "collected_by_nik", "collected_as", "handed_over_by"])
        restore_suket(enrollment_id=job.enrollment_id, ended_on=local_day(job.office, collected_at), today=local_day(job.office, at))
        return _record(job, K.UNDO_PICKUP, by=by, reason=reason, at=at, pickup=pickup)


def _unprinted(enrollment_id) -> Enrollment:
    (enrollment,) = lock_rows(Enrollment.objects.filter(pk=enrollment_id))
    return enrollment


def edit_record(*, enrollment: Enrollment, by, reason: str, values: dict, at=None) -> Correction | None:
    """Correct an imported record's name, address or place of birth before its card is printed.

    `values` holds the fields of RECORD_FIELDS to set. The correction keeps
    each changed field's value before and after. None when nothing differs
    (the same form sent twice).
    """
    require(by, ACTION_OF[K.EDIT_RECORD], enrollment.office_id)
    reason = _reason(reason)
    unknown = set(values) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"not a correctable field: {sorted(unknown)}")
    values = {name: " ".join(str(value or "").split()) for name, value in values.items()}
    if "name" in values and not values["name"]:
        raise ValidationError(_("The name cannot be empty."), code="name")
    for name, value in values.items():
        limit = Enrollment._meta.get_field(name).max_length
        if len(value) > limit:
            raise ValidationError(_("%(field)s is longer than %(limit)d characters.")
                                  % {"field": Enrollment._meta.get_field(name).verbose_name, "limit": limit}, code=name)
    at = at or timezone.now()
    with transaction.atomic():
        lock_ledger(enrollment.office_id)
        enrollment = _unprinted(enrollment.pk)
        _check_rule(by, K.EDIT_RECORD, office_id=enrollment.office_id)
        changes = {name: [getattr(enrollment, name), value] for name, value in values.items() if getattr(enrollment, name) != value}
        if not changes:
            return None
        if enrollment.state not in UNPRINTED:
            raise ValidationError(_("This card is %(state)s; its data can only be corrected before it is printed.")
                                  % {"state": enrollment.get_state_display().lower()}, code="state")
        for name, (_before, after) in changes.items():
            setattr(enrollment, name, after)
        enrollment.save(update_fields=list(changes))
        return Correction.objects.create(office_id=enrollment.office_id, enrollment=enrollment, kind=K.EDIT_RECORD,
                                         created_at=at, created_by=by, reason=reason, changes=changes)


def void_record(*, enrollment: Enrollment, by, reason: str, at=None) -> Correction:
    """Void a record imported with a wrong NIK or enrollment date, so that the right one can be imported.

    Only before its card is printed. A queued card gives its blank back (the
    queue build takes it), its Suket ends. The voided row keeps its NIK and
    date: importing the same NIK and date again is skipped as already there,
    so a void is for a wrong key only; other data is corrected with `edit_record`.
    """
    require(by, ACTION_OF[K.VOID_RECORD], enrollment.office_id)
    reason = _reason(reason)
    at = at or timezone.now()
    with transaction.atomic():
        office = lock_ledger(enrollment.office_id).office
        enrollment = _unprinted(enrollment.pk)
        _check_rule(by, K.VOID_RECORD, office_id=enrollment.office_id)
        if enrollment.state == EnrollmentState.VOID:
            done = enrollment.corrections.filter(kind=K.VOID_RECORD).order_by("-pk").first()
            if done is not None:
                return done
            raise ValidationError(_("This record is already void."), code="state")
        if enrollment.state not in UNPRINTED:
            raise ValidationError(_("This card is %(state)s; a printed card's record cannot be voided.")
                                  % {"state": enrollment.get_state_display().lower()}, code="state")
        was_queued = enrollment.state == EnrollmentState.QUEUED
        cards.move(office_id=enrollment.office_id, cards=Enrollment.objects.filter(pk=enrollment.pk), to=EnrollmentState.VOID, at=at, by=by)
        end_suket(enrollment_ids=[enrollment.pk], today=local_day(office, at))
        if was_queued:
            ask_for_queue_build(enrollment.office_id)
        return Correction.objects.create(office_id=enrollment.office_id, enrollment=enrollment, kind=K.VOID_RECORD,
                                         created_at=at, created_by=by, reason=reason,
                                         changes={"nik": enrollment.nik, "enrolled_on": enrollment.enrolled_on.isoformat()})


def may_record_marriage(user, enrollment: Enrollment) -> bool:
    """The record's page shows the marriage button: a card not printed yet that waits for a 17th birthday."""
    return (enrollment.state in UNPRINTED and enrollment.printable_on is not None and enrollment.printable_on > enrollment.enrolled_on
            and may_correct(user, K.MARRIAGE, office_id=enrollment.office_id))


def record_marriage(*, enrollment: Enrollment, by, certificate: str, marital_status: str = MaritalStatus.MARRIED,
                    at=None) -> Correction:
    """A resident recorded before 17 shows a marriage certificate: the record says married, the card is printable now.

    UU 24/2013 art. 63: once married, the card is printed from the recording
    date (registry.ages). The certificate's number is the correction's reason;
    the correction keeps the marital status and printable date before and
    after. The queue build is asked for, so the card takes a blank at its
    place by recording date. Sent twice, the second changes nothing.
    """
    require(by, ACTION_OF[K.MARRIAGE], enrollment.office_id)
    certificate = _reason(certificate)
    if marital_status not in MARRIED:
        raise ValueError(f"not a married status: {marital_status!r}")
    at = at or timezone.now()
    with transaction.atomic():
        lock_ledger(enrollment.office_id)
        enrollment = _unprinted(enrollment.pk)
        _check_rule(by, K.MARRIAGE, office_id=enrollment.office_id)
        if enrollment.marital_status in MARRIED and enrollment.printable_on == enrollment.enrolled_on:
            done = enrollment.corrections.filter(kind=K.MARRIAGE).order_by("-pk").first()
            if done is not None:
                return done
        if enrollment.state not in UNPRINTED:
            raise ValidationError(_("This card is %(state)s; a marriage is recorded only before the card is printed.")
                                  % {"state": enrollment.get_state_display().lower()}, code="state")
        day = printable_on(birth_date=enrollment.birth_date, enrolled_on=enrollment.enrolled_on, marital_status=marital_status)
        changes = {"marital_status": [enrollment.marital_status, marital_status],
                   "printable_on": [enrollment.printable_on.isoformat() if enrollment.printable_on else None, day.isoformat()]}
        Enrollment.objects.filter(pk=enrollment.pk).update(marital_status=marital_status)
        cards.set_printable_on(enrollment=enrollment, day=day)
        if enrollment.state == EnrollmentState.RECORDED:
            ask_for_queue_build(enrollment.office_id)
        return Correction.objects.create(office_id=enrollment.office_id, enrollment=enrollment, kind=K.MARRIAGE,
                                         created_at=at, created_by=by, reason=certificate, changes=changes)


def possible_corrections(user, job: PrintJob, *, found_defective=False, today=None) -> list[str]:
    """The corrections of this print job that this user may make now, for the buttons where the job is shown."""
    if job.state == PrintJob.State.PRINTED and job.collected_at is None:
        done_at = {K.UNDO_PRINTED: job.printed_at, K.DEFECTIVE: None}
    elif job.state == PrintJob.State.PRINTED:
        done_at = {K.UNDO_PICKUP: job.collected_at}
    elif job.state == PrintJob.State.SPOILED and not found_defective:
        done_at = {K.UNDO_SPOILED: job.printed_at}
    else:
        return []
    return [kind for kind, at in done_at.items() if may_correct(user, kind, office_id=job.office_id, done_at=at, today=today)]
