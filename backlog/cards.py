"""The card's life: its allowed transitions, written once, and the one function that moves cards.

A card's state is mirrored in three places, kept in step here in the same
transaction: its print job (a queued card has exactly one queued job, a
ready or collected card one printed job), the office's reserved blanks (one
per queued job) and the office's counts per state (EnrollmentCounts) and
per enrollment day and state (EnrollmentDayCount), with the count of
waiting cards under age at recording (EnrollmentCounts.under_age).
`move` does all of it for one card or many, a few set-based statements
whatever their number. The caller holds the ledger lock (backlog.locks).
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from inventory.models import BlankStock
from printing.models import PRINT_ORDER, PrintJob
from registry.models import Enrollment, EnrollmentCounts
from registry.models import EnrollmentState as S

# (from, to): what it means. Anything else is a programming error.
TRANSITIONS = {
    (S.RECORDED, S.QUEUED): "queued on a reserved blank",
    (S.QUEUED, S.READY): "printed",
    (S.QUEUED, S.RECORDED): "gives its blank back and waits again at its place",
    (S.READY, S.COLLECTED): "collected",
    (S.RECORDED, S.ON_HOLD): "re-enrolled: held as a duplicate",
    (S.QUEUED, S.ON_HOLD): "re-enrolled: held as a duplicate, its blank given back",
    (S.ON_HOLD, S.RECORDED): "duplicate resolved in person: waits from its earliest date",
    (S.ON_HOLD, S.VOID): "duplicate resolved: the other record",
    # Corrections: new events, never an edit of what happened.
    (S.READY, S.QUEUED): "printed by mistake, or found defective: queued again",
    (S.READY, S.RECORDED): "found defective with no blank left: waits again at its place",
    (S.COLLECTED, S.READY): "pickup recorded against the wrong card: ready again",
    (S.RECORDED, S.VOID): "imported with a wrong NIK or date: voided",
    (S.QUEUED, S.VOID): "imported with a wrong NIK or date: voided, its blank given back",
    (S.VOID, S.ON_HOLD): "duplicate case reopened",
    # The centre's check, as a later SIAK export tells it (backlog.statuses).
    (S.AT_CENTRE, S.RECORDED): "the centre passed it: print-ready, waits at its place",
    (S.AT_CENTRE, S.FAILED): "the centre's check failed: the resident must record again",
    (S.AT_CENTRE, S.ON_HOLD): "flagged as a duplicate by the centre, or re-enrolled",
    (S.AT_CENTRE, S.VOID): "voided, or the centre says the card exists",
    (S.FAILED, S.RECORDED): "the centre passed it after all: waits at its place",
    (S.FAILED, S.VOID): "recorded again: superseded by the new recording, or voided",
}

_CHUNK = 10_000  # ids per statement on SQLite (its limit on parameters)


def _chunks(ids: list, size: int = _CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


@dataclass
class Moved:
    """What a move did: the cards moved, and the print jobs that ended (for the movements the caller books)."""

    cards: list[tuple[int, date]] = field(default_factory=list)  # (enrollment id, enrollment date), in id order
    ended_jobs: list[PrintJob] = field(default_factory=list)  # queued jobs printed or cancelled, printed jobs undone or spoiled
    new_jobs: list[PrintJob] = field(default_factory=list)

    def __len__(self):
        return len(self.cards)


def move(*, office_id, cards, to: str, at=None, by=None, build=None, first_in_line=False,
         job_ends_as: str | None = None, reason: str = "") -> Moved:
    """Move these cards (a queryset of the office's enrollments) to `to`, keeping every mirror in step.

    Cards already in `to` are left alone, so a move repeated changes nothing.
    The cards are locked in id order first. Entering the queue creates a job
    on a reserved blank (`build`, `first_in_line`: a defective card is
    reprinted first); leaving it, the queued job is printed (to ready, at
    `at` by `by`) or cancelled, and its blank released. A ready card sent
    back to the queue ends its printed job as `job_ends_as`. The caller
    checked that the blanks are there; the database refuses otherwise.

    How the job of a card that leaves the queue or the shelf ends: printed
    (queued to ready), cancelled (queued to anything else), undone (ready
    back to the queue), unless `job_ends_as` says otherwise: spoiled, with
    `reason`, when the blank was ruined in the printer or the card defective.
    """
    at = at or timezone.now()
    rows = list(
        cards.filter(office_id=office_id).exclude(state=to).select_for_update(of=("self",))
        .order_by("pk").values_list("pk", "state", "enrolled_on", "printable_on")
    )
    moved = Moved()
    if not rows:
        return moved
    by_state: dict[str, list[tuple[int, date]]] = {}
    for pk, state, enrolled_on, _printable_on in rows:
        if (state, to) not in TRANSITIONS:
            raise ValueError(f"a card cannot go from {state} to {to} (enrollment {pk})")
        by_state.setdefault(state, []).append((pk, enrolled_on))
    reserved = 0
    for state, group in by_state.items():
        ids = [pk for pk, _ in group]
        if state == S.QUEUED:
            ended = _end_jobs(office_id, ids, PrintJob.State.QUEUED,
                              job_ends_as or (PrintJob.State.PRINTED if to == S.READY else PrintJob.State.CANCELLED), at, by, reason)
            moved.ended_jobs += ended
            reserved -= len(ended)
        if state == S.READY and to in (S.QUEUED, S.RECORDED):
            moved.ended_jobs += _end_jobs(office_id, ids, PrintJob.State.PRINTED, job_ends_as or PrintJob.State.UNDONE, at, by, reason)
        if to == S.QUEUED:
            moved.new_jobs += PrintJob.objects.bulk_create(
                PrintJob(office_id=office_id, enrollment_id=pk, enrolled_on=enrolled_on, build=build,
                         first_in_line=first_in_line, queued_at=at)
                for pk, enrolled_on in group
            )
            reserved += len(group)
        for chunk in _chunks(ids):
            Enrollment.objects.filter(pk__in=chunk).update(state=to)
        moved.cards += group
    if reserved:
        BlankStock.objects.filter(office_id=office_id).update(reserved=F("reserved") + reserved)
    _count_moved(office_id, [(state, enrolled_on, printable_on) for _pk, state, enrolled_on, printable_on in rows], to)
    moved.cards.sort()
    return moved


def printable(today: date) -> Q:
    """The age rule on the office's `today`: printable from `printable_on`; a record not yet given one (mid-backfill) as before."""
    return Q(printable_on__isnull=True) | Q(printable_on__lte=today)


def queue_oldest(*, office_id, limit: int, build, today: date, at=None) -> Moved:
    """The queue rule: the `limit` oldest waiting cards printable on the office's `today` (enrollment date, then id) onto reserved blanks.

    Read plainly and locked, never skipped: a record that another transaction
    holds is waited for, so the oldest card is always the next one. A card
    not yet printable (under 17, not married) keeps its place and is passed
    over only until its day: the order is the recording date whatever the
    birthday, and the index carries the printable date (enrollment_waiting_order).
    """
    at = at or timezone.now()
    if connection.vendor == "postgresql":
        return _queue_in_one_statement(office_id=office_id, limit=limit, build=build, today=today, at=at)
    waiting = Enrollment.objects.filter(printable(today), office_id=office_id, state=S.RECORDED)
    oldest = list(waiting.order_by("enrolled_on", "pk").values_list("pk", flat=True)[:limit])
    # Locked by move(); a row that was held elsewhere is read again once it is free, and still must be waiting.
    return move(office_id=office_id, cards=waiting.filter(pk__in=oldest), to=S.QUEUED, build=build, at=at)


def _queue_in_one_statement(*, office_id, limit: int, build, today: date, at) -> Moved:
    """`queue_oldest` on PostgreSQL: pick, lock, mark queued and give each its job in one statement, then the mirrors.

    The picked cards are locked in id order by FOR UPDATE, as `move` locks
    them (waited for, never skipped: a row held elsewhere is read again once
    it is free, and leaves the pick if it is no longer waiting); the reserved
    blanks and the counts are kept by the same helpers as `move`'s. The build
    ran at 60% of the bare statement through `move`, which reads the cards
    back, creates the jobs from Python and updates the records in statements
    of their own; at 104% this way (README, Benchmark).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH picked AS (SELECT id FROM registry_enrollment WHERE office_id = %(office)s AND state = %(recorded)s"
            "  AND (printable_on IS NULL OR printable_on <= %(today)s) ORDER BY enrolled_on, id LIMIT %(limit)s),"
            # Locked in id order, as every write locks rows (README, Concurrency); a row held elsewhere is waited for,
            # then read again: one no longer waiting leaves the pick.
            " locked AS (SELECT id FROM registry_enrollment WHERE id IN (SELECT id FROM picked) AND state = %(recorded)s"
            "  AND (printable_on IS NULL OR printable_on <= %(today)s) ORDER BY id FOR UPDATE),"
            " moved AS (UPDATE registry_enrollment e SET state = %(queued)s FROM locked WHERE e.id = locked.id"
            "  RETURNING e.id, e.enrolled_on, e.printable_on),"
            " jobs AS (INSERT INTO printing_printjob (office_id, enrollment_id, enrolled_on, build_id, state, first_in_line, queued_at,"
            "  spoiled_reason, out_of_order_reason, collected_by_name, collected_by_nik, collected_as)"
            "  SELECT %(office)s, id, enrolled_on, %(build)s, %(queued)s, false, %(at)s, '', '', '', '', '' FROM moved)"
            " SELECT id, enrolled_on, printable_on FROM moved ORDER BY id",
            {"office": office_id, "recorded": S.RECORDED, "queued": S.QUEUED, "today": today, "limit": limit,
             "build": build.pk, "at": at},
        )
        rows = cursor.fetchall()
    if not rows:
        return Moved()
    BlankStock.objects.filter(office_id=office_id).update(reserved=F("reserved") + len(rows))
    _count_moved(office_id, [(S.RECORDED, enrolled_on, printable_on) for _pk, enrolled_on, printable_on in rows], S.QUEUED)
    return Moved(cards=[(pk, enrolled_on) for pk, enrolled_on, _printable_on in rows])


def give_back_not_printable(*, office_id, today: date, at=None) -> Moved:
    """Queued cards not printable on the office's `today` give their blanks back and wait for their day.

    Cards queued for under-17s before the age rule shipped: the queue build
    does this first, so their blanks go to cards that may be printed.
    Cheap: the queued cards are at most the blanks on hand (enrollment_queued_order).
    """
    early = Enrollment.objects.filter(office_id=office_id, state=S.QUEUED, printable_on__gt=today)
    return move(office_id=office_id, cards=early, to=S.RECORDED, at=at)


def give_back_newest(*, office_id, count: int, newer_than: tuple | None = None, at=None) -> Moved:
    """The newest `count` queued cards (last in print order) give their blanks back and wait again at their places.

    For real losses (fewer blanks than the queue holds) and for a spoiled
    card, which keeps its place: with `newer_than` (print-order key of that
    card) only cards after it give way.
    """
    if count <= 0:
        return Moved()
    newest = PrintJob.objects.filter(office_id=office_id, state=PrintJob.State.QUEUED).order_by(
        *(f"-{key}" if not key.startswith("-") else key[1:] for key in PRINT_ORDER))
    picked = [(first, enrolled_on, enrollment_id) for first, enrolled_on, enrollment_id
              in newest.values_list("first_in_line", "enrolled_on", "enrollment_id")[:count]]
    if newer_than is not None:
        picked = [key for key in picked if _print_key(key) > _print_key(newer_than)]
    return move(office_id=office_id, cards=Enrollment.objects.filter(pk__in=[key[2] for key in picked]), to=S.RECORDED, at=at)


def _print_key(key):
    first_in_line, enrolled_on, enrollment_id = key
    return (not first_in_line, enrolled_on, enrollment_id)


def _jobs(office_id, enrollment_ids, state) -> list[PrintJob]:
    jobs = []
    for chunk in _chunks(enrollment_ids):
        jobs += PrintJob.objects.filter(office_id=office_id, state=state, enrollment_id__in=chunk).order_by("pk")
    return jobs


def _end_jobs(office_id, enrollment_ids, state, ends_as, at, by, reason) -> list[PrintJob]:
    jobs = _jobs(office_id, enrollment_ids, state)
    values = {"state": ends_as}
    if ends_as == PrintJob.State.PRINTED or (ends_as == PrintJob.State.SPOILED and state == PrintJob.State.QUEUED):
        values.update(printed_at=at, printed_by=by)
    if ends_as == PrintJob.State.SPOILED:
        values["spoiled_reason"] = reason
    ids = [job.pk for job in jobs]
    for chunk in _chunks(ids):
        PrintJob.objects.filter(pk__in=chunk).update(**values)
    for job in jobs:
        for name, value in values.items():
            setattr(job, name, value)
    return jobs


def _count_moved(office_id, cards: list[tuple[str, date, date | None]], to: str) -> None:
    """Count these cards (the state each left, its enrollment date, its printable date) out of their states into `to`.

    Per state, per day and state, and the waiting cards under age at recording: those leaving the waiting state,
    less those coming back to it.
    """
    deltas = Counter()
    under_age = 0
    for state, enrolled_on, printable_on in cards:
        deltas[state, enrolled_on] -= 1
        deltas[to, enrolled_on] += 1
        if printable_on is not None and printable_on > enrolled_on:
            under_age += (to == S.RECORDED) - (state == S.RECORDED)
    _count(office_id, deltas, under_age=under_age)


def _count(office_id, deltas: Counter, *, under_age: int = 0) -> None:
    """Add these changes, by (state, enrollment date), to the office's counts per state and per day and state.

    `under_age`: the change in waiting cards under age at recording, in the same statement as the recorded count.
    """
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if not deltas and not under_age:
        return
    totals = Counter()
    for (state, _day), delta in deltas.items():
        totals[state] += delta
    changes = {state: F(state) + delta for state, delta in totals.items() if delta}
    if under_age:
        changes["under_age"] = F("under_age") + under_age
    if changes:
        EnrollmentCounts.objects.filter(office_id=office_id).update(**changes)
    # Cards arrive in a state on a day that may have no row yet (an upsert); they leave one that has a row (an update:
    # the database checks the count of an upsert's proposed row, so a negative one could not go that way).
    rows = sorted((day, state, delta) for (state, day), delta in deltas.items())
    with connection.cursor() as cursor:
        for chunk in _chunks([row for row in rows if row[2] > 0], size=_CHUNK // 4):
            cursor.execute(
                "INSERT INTO registry_enrollmentdaycount (office_id, enrolled_on, state, count) VALUES "
                + ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
                + " ON CONFLICT (office_id, enrolled_on, state) DO UPDATE SET count = registry_enrollmentdaycount.count + excluded.count",
                [value for row in chunk for value in (office_id, *row)],
            )
        for chunk in _chunks([row for row in rows if row[2] < 0], size=_CHUNK // 3):
            cursor.execute(
                "UPDATE registry_enrollmentdaycount SET count = registry_enrollmentdaycount.count + v.column3 FROM (VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(chunk))
                + ") AS v WHERE registry_enrollmentdaycount.office_id = %s AND registry_enrollmentdaycount.enrolled_on = v.column1"
                " AND registry_enrollmentdaycount.state = v.column2",
                [value for row in chunk for value in row] + [office_id],
            )


def set_printable_on(*, enrollment: Enrollment, day: date) -> None:
    """Give one card (locked by the caller, under the ledger lock) another first printable day, its count in step.

    A waiting card that was under age at recording and is no longer counts
    out of EnrollmentCounts.under_age, and the other way round.
    """
    was = enrollment.printable_on is not None and enrollment.printable_on > enrollment.enrolled_on
    now = day > enrollment.enrolled_on
    Enrollment.objects.filter(pk=enrollment.pk).update(printable_on=day)
    enrollment.printable_on = day
    if enrollment.state == S.RECORDED and was != now:
        _count(enrollment.office_id, Counter(), under_age=now - was)


def hold_new(*, run, cards, **also) -> None:
    """An import's own new records among `cards` go on hold (re-enrolled residents), before they are counted.

    They are rows of the import's open transaction: nobody else can see or
    lock them, they have no print job, and they are not in the counts yet,
    so this needs no lock and no mirror; `add_imported` counts them, under
    the ledger lock. `also`: other columns set in the same statement (their
    duplicate case).
    """
    cards.filter(source=run, state__in=[S.RECORDED, S.AT_CENTRE]).update(state=S.ON_HOLD, **also)


def place_new(*, run, after_id: int, statuses: dict[str, str]) -> None:
    """An import's own new records go to the state their KTP-el status says (`statuses`: status -> state).

    Like `hold_new`, before they are counted and with no lock: nobody else sees them yet.
    """
    new = Enrollment.objects.filter(office_id=run.office_id, pk__gt=after_id, source=run)
    by_state: dict[str, list[str]] = {}
    for status, state in statuses.items():
        by_state.setdefault(state, []).append(status)
    for state, group in by_state.items():
        new.filter(ktp_status__in=group, state=S.RECORDED).update(state=state)


def count_new(*, run, after_id: int) -> tuple[Counter, int]:
    """An import's new records by (state, enrollment date), and how many wait under age, once `hold_new` is done: for `add_imported`.

    Read before the ledger lock (nobody else sees these rows yet); its new
    rows are the run's with ids after `after_id`, a range of the primary key.
    One grouped pass counts both.
    """
    new = Enrollment.objects.filter(office_id=run.office_id, pk__gt=after_id, source=run)
    young = Q(state=S.RECORDED, printable_on__gt=F("enrolled_on"))
    grouped = new.order_by().values_list("state", "enrolled_on").annotate(n=Count("*"), young=Count("pk", filter=young))
    counts, under_age = Counter(), 0
    for state, day, n, young_ones in grouped:
        counts[state, day] = n
        under_age += young_ones
    return counts, under_age


def add_imported(*, office_id, new: Counter, under_age: int = 0) -> None:
    """An import's new records (`count_new`) into the counts, at the end. The caller holds the ledger lock."""
    _count(office_id, new, under_age=under_age)
