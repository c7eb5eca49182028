"""A later SIAK export moves cards on: what it says of records already held, staged by the import, applied after it.

The import stages, in its own transaction, one StatusUpdate per record it
already held (same NIK and date) whose KTP-el status differs or whose empty
fields the file fills (`stage`, called by the loader for the rows it
skipped). Once it has committed, `apply_status_updates` applies them in
batches that each commit, each under the import lock and then the ledger
lock (the order of backlog.locks: a batch may open a duplicate case, which
only the import lock's holder does), so a desk waits for one batch, never
for the file. A batch left unapplied (a worker died) is taken up by the
sweep (backlog.work.due_work); applying twice changes nothing.

What each status does to each state is `_decide`: the moves the centre's
check makes are applied through cards.move; one that contradicts what the
office itself did (a card it queued or printed) is listed to look at and
not applied; a void record stays void.
"""
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from common.dates import local_day
from people.roles import require
from registry.importer import OUTCOME_OF, Outcome
from registry.models import Correction, DuplicateCase, Enrollment, EnrollmentImport, EnrollmentState as S, StatusUpdate

from . import cards
from .duplicates import close_case, date_cases
from .locks import lock_for_import, lock_ledger, lock_rows
from .suket import end_suket
from .work import ask_for_queue_build

U = StatusUpdate.Outcome
# Records per batch: a batch holds the office's ledger lock, and a record flagged by the centre costs a few
# statements of its own (its case), so batches stay shorter than the queue build's.
BATCH = 250
# The fields an export fills when the record has them empty, unless the office corrected them.
FILLED = ("mother_name", "family_card", "marital_status")
WAITING = (S.RECORDED, S.AT_CENTRE)
PRINTED = (S.READY, S.COLLECTED)


def stage(cursor, staging: str, *, run: EnrollmentImport, held_up_to: int) -> None:
    """The loader's rows that met a record held before this import (id up to `held_up_to`) and say something new of it."""
    cursor.execute(
        "INSERT INTO registry_statusupdate (office_id, run_id, enrollment_id, ktp_status, mother_name, family_card,"
        " marital_status, outcome, state_then)"
        f" SELECT e.office_id, %s, e.id, s.ktp_status, s.mother_name, s.family_card, s.marital_status, '', ''"
        f" FROM {staging} s JOIN registry_enrollment e ON e.office_id = s.office_id AND e.nik = s.nik AND e.enrolled_on = s.enrolled_on"
        " WHERE e.id <= %s AND ((s.ktp_status <> '' AND s.ktp_status <> e.ktp_status)"
        "  OR (e.mother_name = '' AND s.mother_name <> '') OR (e.family_card = '' AND s.family_card <> '')"
        "  OR (e.marital_status = '' AND s.marital_status <> ''))"
        " AND NOT EXISTS (SELECT 1 FROM registry_statusupdate u WHERE u.run_id = %s AND u.enrollment_id = e.id)",
        [run.pk, held_up_to, run.pk],
    )


def _decide(state: str, outcome: str, case: DuplicateCase | None) -> tuple[str, str | None]:
    """(what becomes of the update, the state the card moves to or None) for a card in `state` that SIAK now gives `outcome`."""
    if state == S.VOID:
        return U.VOID, None
    if outcome == Outcome.PRINT_READY:
        if state in (S.AT_CENTRE, S.FAILED):
            return U.APPLIED, S.RECORDED
        if state == S.ON_HOLD and case is not None and case.status == DuplicateCase.Status.OPEN and case.flagged_by_centre:
            return U.APPLIED, S.RECORDED  # the centre closes its case
        return U.UNCHANGED, None
    if outcome == Outcome.AT_CENTRE:
        return (U.UNCHANGED, None) if state == S.AT_CENTRE else (U.TO_LOOK_AT, None)
    if outcome == Outcome.FAILED:
        if state == S.AT_CENTRE:
            return U.APPLIED, S.FAILED
        return (U.UNCHANGED, None) if state == S.FAILED else (U.TO_LOOK_AT, None)
    if outcome == Outcome.FLAGGED:
        if state in (S.RECORDED, S.QUEUED, S.AT_CENTRE):
            return U.APPLIED, S.ON_HOLD
        if state == S.ON_HOLD:
            return (U.UNCHANGED, None) if case is not None and case.flagged_by_centre else (U.APPLIED, S.ON_HOLD)
        return U.TO_LOOK_AT, None
    # The card exists.
    if state in WAITING:
        return U.LEFT_BACKLOG, S.VOID
    return (U.UNCHANGED, None) if state in PRINTED else (U.TO_LOOK_AT, None)


def apply_status_updates(*, run_id: int, by, batch: int | None = None, at=None) -> Counter:
    """Apply the run's staged updates, a batch per committed transaction. Returns how many ended each way (U)."""
    require(by, "apply_later_exports")  # before anything is read; then in the run's own office
    require(by, "apply_later_exports", EnrollmentImport.objects.values_list("office_id", flat=True).get(pk=run_id))
    batch = batch or BATCH
    done = Counter()
    while True:
        with transaction.atomic():
            run = EnrollmentImport.objects.select_related("by").get(pk=run_id)
            lock_for_import(run.office_id)
            office = lock_ledger(run.office_id).office
            pending = list(StatusUpdate.objects.filter(run_id=run_id, applied_at__isnull=True).order_by("pk")
                           .values_list("pk", flat=True)[:batch])
            if not pending:
                return done
            done += _apply(office, run, lock_rows(StatusUpdate.objects.filter(pk__in=pending)), at or timezone.now())


def _apply(office, run, updates: list[StatusUpdate], at) -> Counter:
    records = {record.pk: record for record in lock_rows(Enrollment.objects.filter(pk__in=[u.enrollment_id for u in updates]))}
    cases = {case.pk: case for case in DuplicateCase.objects.filter(pk__in={r.duplicate_case_id for r in records.values()} - {None})}
    corrected = {(pk, name) for pk, changes in Correction.objects.filter(
        enrollment_id__in=list(records), kind=Correction.Kind.EDIT_RECORD).values_list("enrollment_id", "changes") for name in changes}
    moves, ended, statuses = defaultdict(list), defaultdict(list), defaultdict(list)
    flagged, closing = [], []
    for update in updates:
        record = records[update.enrollment_id]
        case = cases.get(record.duplicate_case_id)
        outcome, to = _decide(record.state, OUTCOME_OF.get(update.ktp_status, Outcome.PRINT_READY), case) if update.ktp_status \
            else ((U.VOID, None) if record.state == S.VOID else (U.UNCHANGED, None))
        if outcome != U.VOID:
            filled = [name for name in FILLED if not getattr(record, name) and getattr(update, name) and (record.pk, name) not in corrected]
            for name in filled:
                setattr(record, name, getattr(update, name))
            if filled:
                record.save(update_fields=filled)
                outcome = U.APPLIED if outcome == U.UNCHANGED else outcome
        if outcome in (U.APPLIED, U.UNCHANGED, U.LEFT_BACKLOG) and update.ktp_status:
            statuses[update.ktp_status].append(record.pk)
        if to == S.ON_HOLD:
            flagged.append(record)
        elif to == S.RECORDED and record.state == S.ON_HOLD:
            closing.append((case, record))
        elif to is not None:
            moves[to].append(record.pk)
        ended[outcome, record.state].append(update.pk)
    for status, ids in statuses.items():
        Enrollment.objects.filter(pk__in=ids).update(ktp_status=status)
    for to, ids in moves.items():
        cards.move(office_id=office.pk, cards=Enrollment.objects.filter(pk__in=ids), to=to, at=at)
    end_suket(enrollment_ids=moves.get(S.VOID, []), today=local_day(office, at))
    _hold_flagged(office, flagged, at)
    for case, record in closing:
        (case,) = lock_rows(DuplicateCase.objects.filter(pk=case.pk))
        if case.status != DuplicateCase.Status.OPEN:
            continue  # closed by another record of the same case, earlier in this batch
        close_case(case=case, office=office, keep=record, by=run.by, at=at,
                   note=f"PRINT READY RECORD ({run.file_name})", status=DuplicateCase.Status.RESOLVED)
    if moves.get(S.RECORDED) or closing:
        ask_for_queue_build(office.pk)
    for (outcome, state_then), ids in ended.items():
        StatusUpdate.objects.filter(pk__in=ids).update(outcome=outcome, state_then=state_then, applied_at=at)
    return Counter({outcome: len(ids) for (outcome, _state), ids in ended.items()})


def _hold_flagged(office, records: list[Enrollment], at) -> None:
    """Cards the centre flags as duplicates go on hold in their resident's one open case, flagged by the centre (a queued one gives its blank back)."""
    for record in records:
        case = DuplicateCase.objects.filter(office=office, nik=record.nik, status=DuplicateCase.Status.OPEN).first()
        if case is None:
            case = DuplicateCase.objects.create(office=office, nik=record.nik, flagged_by_centre=True, opened_at=at)
        elif not case.flagged_by_centre:
            (case,) = lock_rows(DuplicateCase.objects.filter(pk=case.pk))
            case.flagged_by_centre = True
            case.save(update_fields=["flagged_by_centre"])
        cards.move(office_id=office.pk, cards=Enrollment.objects.filter(pk=record.pk), to=S.ON_HOLD, at=at)
        Enrollment.objects.filter(pk=record.pk).update(duplicate_case=case)
        date_cases(DuplicateCase.objects.filter(pk__in={case.pk, record.duplicate_case_id} - {None}))  # the one it joined, the one it left


def outcomes(run: EnrollmentImport) -> Counter:
    """How the run's applied updates ended, by outcome."""
    return Counter(dict(StatusUpdate.objects.filter(run=run).exclude(outcome="").order_by().values_list("outcome")
                        .annotate(n=Count("*"))))


def to_look_at(run: EnrollmentImport):
    """The records of a run's later export that need the office's eyes: contradictions, and cards that left the backlog."""
    return (StatusUpdate.objects.filter(run=run, outcome__in=[U.TO_LOOK_AT, U.LEFT_BACKLOG])
            .select_related("enrollment").order_by("pk"))


def office_to_look_at(office):
    """The same for every run of the office, newest first (a partial index)."""
    return (StatusUpdate.objects.filter(office=office, outcome__in=[U.TO_LOOK_AT, U.LEFT_BACKLOG])
            .select_related("enrollment").order_by("-pk"))
