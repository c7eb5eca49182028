"""Reads of the ledger: the stock report, the audit that check_ledger runs, and the head's dashboard."""
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from django.db import connection
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from common.dates import local_day, local_midnight, month_after
from printing.models import PrintJob
from registry.models import DuplicateCase, Enrollment, EnrollmentCounts, EnrollmentDayCount, EnrollmentImport, EnrollmentState, Office, QUEUED_OF_AGE, StatusUpdate

from .models import BlankMovement, BlankRequest, BlankStock, DailyPrinting, MonthlyFigures, MovementKind, ReceiptCorrection, StockCount

FIGURES = ("received", "printed", "spoiled", "adjusted")
# Movement kind -> (monthly figure, sign): printed and spoiled count blanks used.
FIGURE_OF_KIND = {
    MovementKind.RECEIPT: ("received", 1),
    MovementKind.PRINTED: ("printed", -1),
    MovementKind.SPOILED: ("spoiled", -1),
    MovementKind.ADJUSTMENT: ("adjusted", 1),
}

REPORT_FIELDS = ("on_hand", "reserved", "available", "received", "printed", "spoiled", "adjusted",
                 "recorded", "queued", "ready_for_pickup", "collected", "on_hold", "at_centre", "failed")


def stock_report(office: Office) -> dict:
    """Blank figures and card-state counts, from the two maintained rows: constant time."""
    stock = BlankStock.objects.get(office=office)
    counts = EnrollmentCounts.objects.get(office=office)
    return {
        "office": office.code,
        "on_hand": stock.on_hand, "reserved": stock.reserved, "available": stock.available,
        "received": stock.received, "printed": stock.printed, "spoiled": stock.spoiled, "adjusted": stock.adjusted,
        "recorded": counts.recorded, "queued": counts.queued, "ready_for_pickup": counts.ready,
        "collected": counts.collected, "on_hold": counts.on_hold,
        "at_centre": counts.at_centre, "failed": counts.failed,
    }


def ledger_breaches(office: Office) -> list[str]:
    """Recompute the office's figures from the raw rows and say every way they disagree."""
    breaches = []
    stock = BlankStock.objects.get(office=office)
    movements = BlankMovement.objects.filter(office=office)
    total = movements.aggregate(total=Sum("quantity"))["total"] or 0
    by_kind = dict(movements.order_by().values_list("kind").annotate(total=Sum("quantity")))
    expected = {
        "on_hand": total,
        "received": by_kind.get(MovementKind.RECEIPT, 0),
        "printed": -by_kind.get(MovementKind.PRINTED, 0),
        "spoiled": -by_kind.get(MovementKind.SPOILED, 0),
        "adjusted": by_kind.get(MovementKind.ADJUSTMENT, 0),
    }
    for field, value in expected.items():
        if getattr(stock, field) != value:
            breaches.append(f"{field} is {getattr(stock, field)} but the movements add up to {value}")
    if stock.on_hand < 0:
        breaches.append(f"on hand is negative ({stock.on_hand})")
    jobs = dict(PrintJob.objects.filter(office=office).order_by().values_list("state").annotate(n=Count("id")))
    queued_jobs = jobs.get(PrintJob.State.QUEUED, 0)
    if stock.reserved != queued_jobs:
        breaches.append(f"reserved is {stock.reserved} but {queued_jobs} print jobs are queued")
    if stock.reserved > stock.on_hand:
        breaches.append(f"reserved ({stock.reserved}) exceeds on hand ({stock.on_hand})")
    # Every printed blank and every blank spoiled in the printer belongs to its print job, net of
    # corrections: a printed job used one printed blank, a spoiled one one spoiled blank, any other
    # (queued, cancelled, undone) none. Blanks written off at the stock desk belong to no job.
    net = {(state, kind): total for state, kind, total in movements.filter(print_job__isnull=False).order_by()
           .values_list("print_job__state", "kind").annotate(total=Sum("quantity"))}
    for state in PrintJob.State.values:
        for kind in (MovementKind.PRINTED, MovementKind.SPOILED):
            uses = jobs.get(state, 0) if (state, kind) in {(PrintJob.State.PRINTED, MovementKind.PRINTED),
                                                            (PrintJob.State.SPOILED, MovementKind.SPOILED)} else 0
            used = -net.get((state, kind), 0)
            if used != uses:
                breaches.append(f"{state} print jobs used {used} {kind} blanks, net of corrections, where {uses} were expected")
    unattached = movements.filter(kind=MovementKind.PRINTED, print_job__isnull=True).count()
    if unattached:
        breaches.append(f"{unattached} printed movements belong to no print job")
    wrong_corrections = movements.filter(reverses__isnull=False).exclude(reverses__kind=F("kind")).count()
    wrong_corrections += movements.filter(reverses__isnull=False).exclude(reverses__office=F("office")).count()
    if wrong_corrections:
        breaches.append(f"{wrong_corrections} corrections are not of the kind or office of the movement they correct")
    breaches += _monthly_figure_breaches(office, movements)
    breaches += _daily_printing_breaches(office, movements)
    silent = movements.filter(reference="", reason="").count()
    if silent:
        breaches.append(f"{silent} movements say neither reference nor reason")
    # One grouped pass over the office's records: the counts per day and state, and from them the counts per state.
    by_day = {(day, state): n for day, state, n in Enrollment.objects.filter(office=office).order_by()
              .values_list("enrolled_on", "state").annotate(n=Count("*"))}
    states = Counter()
    for (_day, state), n in by_day.items():
        states[state] += n
    counts = EnrollmentCounts.objects.get(office=office)
    for state in EnrollmentState.values:
        if getattr(counts, state) != states.get(state, 0):
            breaches.append(f"the {state} count is {getattr(counts, state)} but {states.get(state, 0)} enrollments are {state}")
    under_age = Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED, printable_on__gt=F("enrolled_on")).count()
    if counts.under_age != under_age:
        breaches.append(f"the under-age count is {counts.under_age} but {under_age} waiting enrollments were under age when recorded")
    breaches += _day_count_breaches(office, by_day)
    if states.get(EnrollmentState.QUEUED, 0) != queued_jobs:
        breaches.append(f"{states.get(EnrollmentState.QUEUED, 0)} enrollments are queued but {queued_jobs} print jobs are")
    unlinked = Enrollment.objects.filter(office=office, source__isnull=False).exclude(
        source_id__in=EnrollmentImport.objects.filter(office=office).values("pk")).count()
    if unlinked:
        breaches.append(f"{unlinked} enrollments link to an import that is not this office's")
    strays = StatusUpdate.objects.filter(office=office).exclude(enrollment__office=office).count()
    strays += StatusUpdate.objects.filter(office=office).exclude(run__office=office).count()
    if strays:
        breaches.append(f"{strays} updates of a later export belong to another office's record or import")
    live_cards = states.get(EnrollmentState.READY, 0) + states.get(EnrollmentState.COLLECTED, 0)
    if live_cards != jobs.get(PrintJob.State.PRINTED, 0):
        breaches.append(f"{live_cards} cards are ready or collected but {jobs.get(PrintJob.State.PRINTED, 0)} print jobs are printed")
    mismatched = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).exclude(enrollment__state=EnrollmentState.QUEUED).count()
    misordered = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).exclude(enrolled_on=F("enrollment__enrolled_on")).count()
    if misordered:
        breaches.append(f"{misordered} queued print jobs carry another date than their enrollment (print order)")
    if mismatched:
        breaches.append(f"{mismatched} queued print jobs belong to enrollments that are not queued")
    misdated = [case for case, kept, first in DuplicateCase.objects.filter(office=office).order_by("pk")
                .values_list("pk", "first_enrolled").annotate(first=Min("enrollments__enrolled_on")) if kept != first]
    if misdated:
        breaches.append(f"{len(misdated)} duplicate cases keep another first recording date than their records' earliest"
                        f" (case {', '.join(map(str, misdated[:5]))})")
    return breaches


def _day_count_breaches(office: Office, recounted: dict) -> list[str]:
    """The kept counts per enrollment day and state against the records' (`recounted`, by (day, state))."""
    kept = {(day, state): n for day, state, n in EnrollmentDayCount.objects.filter(office=office).exclude(count=0)
            .values_list("enrolled_on", "state", "count")}
    return [f"the {state} count of {day.isoformat()} is {kept.get((day, state), 0)} but {recounted.get((day, state), 0)} enrollments are"
            f" {state} on that day" for day, state in sorted(recounted.keys() | kept.keys()) if kept.get((day, state)) != recounted.get((day, state))]


def monthly_figures_of(movements, zone) -> dict[date, dict[str, int]]:
    """The monthly figures that these movements (a queryset) add up to, each in the month of its moment in `zone`.

    check_ledger compares the maintained figures with it; a change of an
    office's zone writes the figures again from it.
    """
    figures: dict[date, dict[str, int]] = {}
    grouped = (movements.annotate(month=TruncMonth("created_at", tzinfo=zone)).order_by()
               .values_list("month", "kind").annotate(total=Sum("quantity")))
    for moment, kind, total in grouped:
        month = timezone.localtime(moment, zone).date()
        figure, sign = FIGURE_OF_KIND[kind]
        figures.setdefault(month, dict.fromkeys(FIGURES, 0))[figure] += sign * total
    return figures


def daily_printing_of(movements, zone) -> dict[date, int]:
    """Cards printed net of corrections per day (in `zone`) that these movements (a queryset) add up to; days of none left out.

    check_ledger compares the maintained daily printing with it; a change of an office's zone writes it again from it.
    """
    grouped = (movements.filter(kind=MovementKind.PRINTED).annotate(day=TruncDate("created_at", tzinfo=zone)).order_by()
               .values_list("day").annotate(total=Sum("quantity")))
    return {day: -total for day, total in grouped}


def _daily_printing_breaches(office: Office, movements) -> list[str]:
    expected = daily_printing_of(movements, office.zone)
    kept = dict(DailyPrinting.objects.filter(office=office).exclude(printed=0).values_list("day", "printed"))
    return [f"the printing of {day.isoformat()} is {kept.get(day, 0)} but the movements add up to {expected.get(day, 0)}"
            for day in sorted(set(expected) | set(kept)) if expected.get(day, 0) != kept.get(day, 0)]


def _monthly_figure_breaches(office: Office, movements) -> list[str]:
    """The maintained monthly figures against the movements grouped by month (in the office's time zone)."""
    expected = monthly_figures_of(movements, office.zone)
    kept = {row.month: {name: getattr(row, name) for name in FIGURES} for row in MonthlyFigures.objects.filter(office=office)}
    breaches = []
    for month in sorted(set(expected) | set(kept)):
        want, have = expected.get(month, dict.fromkeys(FIGURES, 0)), kept.get(month, dict.fromkeys(FIGURES, 0))
        if want != have:
            breaches.append(f"the figures of {month:%Y-%m} are {have} but the movements add up to {want}")
    return breaches


def movement_history_is_protected() -> bool:
    """The triggers that refuse UPDATE and DELETE on movements are in place (migrations 0003 and 0007)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'blank_movement_never_edited' AND tgenabled <> 'D'")
            return cursor.fetchone() is not None
        # SQLite fires a trigger for one event: one refuses UPDATE, the other DELETE.
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'inventory_blankmovement'"
            " AND name IN ('blank_movement_never_edited', 'blank_movement_never_deleted')"
        )
        return cursor.fetchone()[0] == 2


# The head's dashboard. Every figure is a maintained counter or one grouped query over an index
# (see migration 0004): a page view never counts an office's millions of rows.

PRINT_RATE_WEEKS = 6
ENROLLMENT_RATE_WEEKS = 8
WORKING_DAYS = range(0, 5)  # Monday to Friday


@dataclass
class PrintRate:
    days: list[tuple[date, int]]  # every working day of the window (and any other day with printing), oldest first
    printed: int  # on the working days that count for the rate
    working_days: int
    since: date | None  # first day counted

    @property
    def per_day(self) -> Fraction | None:
        return Fraction(self.printed, self.working_days) if self.working_days else None


def print_rate(office: Office, *, today: date | None = None, weeks: int = PRINT_RATE_WEEKS) -> PrintRate:
    """Cards printed per working day over the last weeks, today included in the chart but not in the rate.

    The rate counts completed working days (Monday to Friday) since the
    window began or since the office's first movement, whichever is later,
    so a day lost to an outage lowers it and a new office is not diluted.
    """
    today = today or local_day(office)
    start = today - timedelta(days=7 * weeks)
    # The daily printing the write side keeps (a row per day), net of corrections: a print undone is not a print.
    per_day = dict(DailyPrinting.objects.filter(office=office, day__gte=start, day__lte=today).values_list("day", "printed"))
    first = BlankMovement.objects.filter(office=office).order_by("created_at").values_list("created_at", flat=True).first()
    first_day = local_day(office, first) if first else None
    days, printed, working = [], 0, 0
    day = start
    while day <= today:
        n = per_day.get(day, 0)
        if day.weekday() in WORKING_DAYS or n:
            days.append((day, n))
        counts = day < today and first_day is not None and day >= first_day
        if counts and day.weekday() in WORKING_DAYS:
            working += 1
        if counts:
            printed += n
        day += timedelta(days=1)
    since = max(start, first_day) if first_day else None
    return PrintRate(days=days, printed=printed, working_days=working, since=since)


@dataclass
class BacklogMonth:
    month: date
    recorded: int
    on_hold: int

    @property
    def total(self) -> int:
        return self.recorded + self.on_hold


@dataclass
class NotPrintable:
    """Records the centre holds back: at the centre (with the oldest one's recording date), and failed (to call back)."""

    at_centre: int
    oldest_at_centre: date | None
    failed: int

    def waited_days(self, today: date) -> int | None:
        return None if self.oldest_at_centre is None else (today - self.oldest_at_centre).days


def not_printable(office: Office, counts: EnrollmentCounts | None = None) -> NotPrintable:
    """From the maintained counts: the count row, and the earliest day with a record at the centre."""
    counts = counts or EnrollmentCounts.objects.get(office=office)
    oldest = (EnrollmentDayCount.objects.filter(office=office, state=EnrollmentState.AT_CENTRE, count__gt=0)
              .order_by("enrolled_on").values_list("enrolled_on", flat=True).first()) if counts.at_centre else None
    return NotPrintable(at_centre=counts.at_centre, oldest_at_centre=oldest, failed=counts.failed)


def backlog_by_month(office: Office) -> list[BacklogMonth]:
    """Cards waiting (recorded, or on hold as duplicates) per enrollment month, oldest first.

    From the counts per day and state the write side keeps (one row per day an
    office recorded): the same few thousand rows whatever the office's size.
    """
    months: dict[date, BacklogMonth] = {}
    grouped = (EnrollmentDayCount.objects.filter(office=office, state__in=[EnrollmentState.RECORDED, EnrollmentState.ON_HOLD], count__gt=0)
               .annotate(month=TruncMonth("enrolled_on")).order_by().values_list("month", "state").annotate(n=Sum("count")))
    for month, state, n in grouped:
        entry = months.setdefault(month, BacklogMonth(month, 0, 0))
        setattr(entry, state, n)
    return [months[month] for month in sorted(months)]


@dataclass
class PrintingReached:
    queue_month: date | None  # the oldest card in the print queue: where the print desk is now
    waiting_month: date | None  # the oldest printable card waiting for a blank from that month on: next when blanks arrive


def printing_reached(office: Office, *, today: date | None = None) -> PrintingReached:
    """Which enrollment month printing has reached (the Kupang head's "we have reached February"), and which is next.

    A card recorded before its owner's 17th birthday is queued on the
    birthday, at its place by recording date, far behind the frontier: it
    does not make printing look as if it went back. The frontier is the
    oldest queued card of a resident who was of age (or married) when
    recorded; only a queue of nothing but such birthday cards shows theirs.

    Next is the oldest waiting card the queue would take today (not one
    waiting for a birthday), enrolled in the frontier's month or later, so
    "reached" and "next" never read backwards. A card older than the
    frontier that waits again (a resolved double record) is taken first all
    the same; its resident reads that on "my card".
    """
    queued = Enrollment.objects.filter(office=OuterRef("pk")).order_by("enrolled_on").values("enrolled_on")
    of_age, any_queued = Office.objects.filter(pk=office.pk).values_list(  # one query, an index entry each:
        Subquery(queued.filter(QUEUED_OF_AGE)[:1]),  # enrollment_queued_of_age
        Subquery(queued.filter(state=EnrollmentState.QUEUED)[:1])).get()  # enrollment_queued_order
    oldest_queued = of_age or any_queued
    queue_month = oldest_queued.replace(day=1) if oldest_queued else None
    today = today or local_day(office)
    # The age rule as the queue applies it (backlog.cards.printable), read along enrollment_waiting_order.
    waiting = Enrollment.objects.filter(Q(printable_on__isnull=True) | Q(printable_on__lte=today),
                                        office=office, state=EnrollmentState.RECORDED)
    if queue_month:
        waiting = waiting.filter(enrolled_on__gte=queue_month)
    next_day = waiting.order_by("enrolled_on", "id").values_list("enrolled_on", flat=True).first()
    return PrintingReached(queue_month=queue_month, waiting_month=next_day.replace(day=1) if next_day else None)


@dataclass
class RequestLine:
    request: BlankRequest
    received: int
    deliveries: int

    @property
    def outstanding(self) -> int:
        return max(0, self.request.quantity - self.received)

    @property
    def share(self) -> Fraction:
        return Fraction(self.received, self.request.quantity)

    @property
    def is_open(self) -> bool:
        return self.request.status != BlankRequest.Status.CLOSED

    @property
    def answered(self) -> bool:
        """Sent, and the ministry has answered it: blanks came, or the head closed it."""
        return self.request.sent_on is not None and (self.deliveries > 0 or self.request.status == BlankRequest.Status.CLOSED)


def request_lines(office: Office) -> list[RequestLine]:
    """The office's requests to the ministry with what arrived against each, newest first (a few dozen a decade)."""
    requests = (BlankRequest.objects.filter(office=office).select_related("created_by")
                .annotate(received=Coalesce(Sum("receipts__quantity"), 0), deliveries=Count("receipts", filter=Q(receipts__reverses__isnull=True))).order_by("-created_at", "-pk"))
    return [RequestLine(request, request.received, request.deliveries) for request in requests]


@dataclass
class Delivered:
    """The share of what was asked that the ministry delivered on past requests."""

    requested: int
    received: int
    requests: int

    @property
    def known(self) -> bool:
        return self.requested > 0

    @property
    def share(self) -> Fraction:
        # With no history, assume the ministry delivers everything (the page says so).
        # Over-delivery is rare and not counted on: the share never exceeds 100%.
        return min(Fraction(1), Fraction(self.received, self.requested)) if self.known else Fraction(1)


def delivered_share(lines: list[RequestLine]) -> Delivered:
    answered = [line for line in lines if line.answered]
    return Delivered(requested=sum(line.request.quantity for line in answered),
                     received=sum(line.received for line in answered), requests=len(answered))


@dataclass
class BlankForecast:
    """How many blanks to ask the ministry for, with every term of the reasoning.

    needed = backlog + expected new enrollments - available - still expected on open requests
    ask    = needed / share delivered, rounded up (0 when nothing is needed)
    """

    lead_time_days: int
    backlog: int  # recorded + on hold, less the recorded ones not printable within the lead time
    recorded: int
    on_hold: int
    not_yet_printable: int  # recorded under 17, printable only after the lead time (the age rule): not demand yet
    recent_enrollments: int
    enrollment_weeks: int
    expected_new: int
    on_hand: int
    reserved: int
    open_requests: int
    outstanding: int  # requested and not yet received on open requests
    incoming: int  # of that, what the delivered share says will come
    delivered: Delivered
    needed: int
    ask: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def enrollments_per_day(self) -> Fraction:
        return Fraction(self.recent_enrollments, 7 * self.enrollment_weeks)

    @property
    def share_percent(self) -> float:
        return float(self.delivered.share * 100)


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


def blanks_to_ask_for(office: Office, *, lead_time_days: int | None = None, today: date | None = None,
                      stock: BlankStock | None = None, counts: EnrollmentCounts | None = None,
                      lines: list[RequestLine] | None = None) -> BlankForecast:
    """The figure the head asks the ministry for, and why (the dashboard shows every term).

    - backlog: cards recorded or on hold (EnrollmentCounts), less the waiting
      cards of residents who turn 17 only after the lead time (their blanks
      are asked for by a later request; a short read of a small index, only
      when the office has waiting cards under age);
    - expected new enrollments: enrollments per day over the last
      ENROLLMENT_RATE_WEEKS weeks x the lead time in days (rounded up);
    - available: on hand minus the blanks the print queue already holds for its cards;
    - still expected on open requests (drafts and sent, not closed): for each,
      requested x share - received so far, rounded up, never below zero;
    - share: received / requested over sent requests the ministry has answered
      (some blanks arrived, or the head closed it); 100% with no history.
      When the ministry delivered nothing at all, the needed number is asked.
    """
    lead_time_days = office.request_lead_time_days if lead_time_days is None else lead_time_days
    today = today or local_day(office)
    stock = stock or BlankStock.objects.get(office=office)
    counts = counts or EnrollmentCounts.objects.get(office=office)
    lines = request_lines(office) if lines is None else lines
    since = today - timedelta(days=7 * ENROLLMENT_RATE_WEEKS)
    recent = Enrollment.objects.filter(office=office, enrolled_on__gt=since, enrolled_on__lte=today).count()
    expected_new = _ceil(Fraction(recent, 7 * ENROLLMENT_RATE_WEEKS) * lead_time_days)
    delivered = delivered_share(lines)
    share = delivered.share
    open_lines = [line for line in lines if line.is_open]
    incoming = sum(max(0, _ceil(line.request.quantity * share) - line.received) for line in open_lines)
    not_yet_printable = 0
    if counts.under_age:
        # The partial index enrollment_waiting_under_age, named by its own condition so the planner takes it.
        not_yet_printable = Enrollment.objects.filter(
            Q(printable_on__gt=F("enrolled_on")), office=office, state=EnrollmentState.RECORDED,
            printable_on__gt=today + timedelta(days=lead_time_days)).count()
    backlog = counts.recorded + counts.on_hold - not_yet_printable
    needed = max(0, backlog + expected_new - stock.available - incoming)
    ask = _ceil(needed / share) if share else needed
    return BlankForecast(
        lead_time_days=lead_time_days, backlog=backlog, recorded=counts.recorded, on_hold=counts.on_hold,
        not_yet_printable=not_yet_printable,
        recent_enrollments=recent, enrollment_weeks=ENROLLMENT_RATE_WEEKS, expected_new=expected_new,
        on_hand=stock.on_hand, reserved=stock.reserved, open_requests=len(open_lines),
        outstanding=sum(line.outstanding for line in open_lines), incoming=incoming, delivered=delivered,
        needed=needed, ask=ask,
    )


def ledger_movements(office: Office):
    """The ledger in time order, the latest first: by the moment each movement happened, then by id (movement_office_time).

    A movement booked with a past moment (a desk that was offline, the demo) sits where it happened, not where it was typed.
    Each row carries what names it: the card of its print job, the request of a receipt, the count of an adjustment.
    """
    return (BlankMovement.objects.filter(office=office)
            .select_related("created_by", "approved_by", "print_job__enrollment", "request", "reverses", "stock_count")
            .order_by("-created_at", "-pk"))


def running_balances(office: Office, movements: list[BlankMovement], on_hand: int) -> None:
    """Set `balance_after` on each movement of a ledger page: on hand minus every later movement (by time, then id).

    The later months come from the monthly figures (a row each); only the
    movements of the page's own months are summed, in one aggregate,
    whatever filter chose the page's rows and however old they are.
    """
    if not movements:
        return
    month_of = {movement.pk: local_day(office, movement.created_at).replace(day=1) for movement in movements}
    first_month = min(month_of.values())
    net = {row.month: row.net for row in MonthlyFigures.objects.filter(office=office, month__gte=first_month)}
    within = _later_within_month(office, movements, month_of)
    for movement in movements:
        later_months = sum(total for month, total in net.items() if month > month_of[movement.pk])
        movement.balance_after = on_hand - later_months - within[movement.pk]


def _later_within_month(office: Office, movements: list[BlankMovement], month_of: dict[int, date]) -> dict[int, int]:
    """Per movement of the page, the net of the movements after it (by time, then id) in its own month: one aggregate.

    Written as SQL rather than as fifty ORM Case expressions, whose building cost more than the query itself.
    """
    adapt = connection.ops.adapt_datetimefield_value
    sums, params = [], []
    for movement in movements:
        sums.append("COALESCE(SUM(CASE WHEN (created_at > %s OR (created_at = %s AND id > %s)) AND created_at < %s"
                    " THEN quantity ELSE 0 END), 0)")
        moment = adapt(movement.created_at)
        params += [moment, moment, movement.pk, adapt(local_midnight(month_after(month_of[movement.pk]), office))]
    oldest = adapt(min(movement.created_at for movement in movements))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(sums)} FROM {BlankMovement._meta.db_table} WHERE office_id = %s AND created_at >= %s",
                       [*params, office.pk, oldest])
        return dict(zip((movement.pk for movement in movements), cursor.fetchone()))


def pending_stock_counts(office: Office):
    return StockCount.objects.filter(office=office, status=StockCount.Status.PENDING).select_related("counted_by").order_by("counted_at")


def pending_receipt_corrections(office: Office):
    """Receipt corrections that lower stock, waiting for the head, with their receipts."""
    return (ReceiptCorrection.objects.filter(office=office, status=ReceiptCorrection.Status.PENDING)
            .select_related("receipt", "requested_by").order_by("requested_at"))


# Documents: the monthly stock report, the berita acara of spoiled blanks, the figures behind a request letter.

def months_between(first_month: date, last_month: date) -> list[date]:
    months, month = [], first_month.replace(day=1)
    while month <= last_month:
        months.append(month)
        month = month_after(month)
    return months


@dataclass
class LedgerMonth:
    """One month of the blank ledger: opening + received - printed - spoiled + adjusted = closing."""

    month: date
    opening: int
    received: int
    printed: int
    spoiled: int
    adjusted: int  # signed: a count that found fewer blanks is negative
    closing: int

    @property
    def balanced(self) -> bool:
        return self.opening + self.received - self.printed - self.spoiled + self.adjusted == self.closing


def monthly_ledger(office: Office, first_month: date, last_month: date) -> list[LedgerMonth]:
    """The blank ledger month by month, months with no movement included, net of corrections.

    Read from the monthly figures the write side maintains (one row per
    month with movements; check_ledger recomputes them from the movements):
    the months before the period add up to the first opening.
    """
    months = months_between(first_month, last_month)
    figures = {row.month: row for row in MonthlyFigures.objects.filter(office=office, month__lte=months[-1])}
    opening = sum(row.net for month, row in figures.items() if month < months[0])
    lines = []
    for month in months:
        row = figures.get(month) or MonthlyFigures(month=month)
        line = LedgerMonth(month=month, opening=opening, received=row.received, printed=row.printed, spoiled=row.spoiled,
                           adjusted=row.adjusted, closing=opening + row.net)
        lines.append(line)
        opening = line.closing
    return lines


def ledger_totals(lines: list[LedgerMonth]) -> LedgerMonth:
    """The whole period as one line: first opening, sums of the movements, last closing."""
    return LedgerMonth(
        month=lines[0].month, opening=lines[0].opening, received=sum(line.received for line in lines),
        printed=sum(line.printed for line in lines), spoiled=sum(line.spoiled for line in lines),
        adjusted=sum(line.adjusted for line in lines), closing=lines[-1].closing,
    )


@dataclass
class SpoilageLine:
    """One line of the berita acara: a blank spoiled in the printer, or a damage report of the store room."""

    at: datetime
    in_printer: bool
    reference: str  # the print job's number, or the damage report's
    reason: str
    by: str
    quantity: int


def _person(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def spoiled_blanks(office: Office, first_day: date, last_day: date) -> list[SpoilageLine]:
    """Spoiled blanks of a period, oldest first: each printer spoilage by its print job, each damage report as one line.

    No resident's name or NIK: the berita acara goes up to the province and
    the ministry, and the print job number is enough to find the card.
    """
    spoiled = BlankMovement.objects.filter(office=office, kind=MovementKind.SPOILED, created_at__gte=local_midnight(first_day, office),
                                           created_at__lt=local_midnight(last_day + timedelta(days=1), office)).order_by()
    user = ("created_by__first_name", "created_by__last_name", "created_by__username")
    lines = [
        SpoilageLine(at=at, in_printer=True, reference=str(job), reason=reason, by=_person(*names), quantity=1)
        for at, job, reason, *names in spoiled.filter(print_job__isnull=False).values_list("created_at", "print_job_id", "reason", *user)
    ]
    reports = (spoiled.filter(print_job__isnull=True).values_list("reference", "reason", *user)
               .annotate(at=Min("created_at"), n=Count("id")))
    lines += [SpoilageLine(at=at, in_printer=False, reference=reference, reason=reason, by=_person(*names), quantity=n)
              for reference, reason, *names, at, n in reports]
    return sorted(lines, key=lambda line: (line.at, line.in_printer, line.reference))


@dataclass
class WeeklyPrinting:
    weeks: list[tuple[date, int]]  # Monday of each complete week, cards printed that week, oldest first
    this_week: int  # printed since Monday, today included
    rate: PrintRate

    @property
    def per_week(self) -> float | None:
        """The dashboard's rate per working day, times five working days."""
        return float(self.rate.per_day * len(WORKING_DAYS)) if self.rate.per_day is not None else None


def printed_by_week(office: Office, *, today: date | None = None, weeks: int = PRINT_RATE_WEEKS) -> WeeklyPrinting:
    """Cards printed in each complete week (Monday to Sunday) of the dashboard's print-rate window, and this week so far."""
    today = today or local_day(office)
    monday = today - timedelta(days=today.weekday())
    rate = print_rate(office, today=today, weeks=weeks)
    window_start = today - timedelta(days=7 * weeks)
    per_week: dict[date, int] = {}
    week = monday - timedelta(days=7)
    while week >= window_start:
        per_week[week] = 0
        week -= timedelta(days=7)
    this_week = 0
    for day, n in rate.days:
        week = day - timedelta(days=day.weekday())
        if week in per_week:
            per_week[week] += n
        elif week == monday:
            this_week += n
    return WeeklyPrinting(weeks=sorted(per_week.items()), this_week=this_week, rate=rate)


@dataclass(frozen=True)
class BuildPreview:
    """What building the queue now would do: blanks available and the enrollments they would go to."""

    on_hand: int
    reserved: int
    available: int
    waiting: int
    will_queue: int
    first_enrolled_on: date | None
    last_enrolled_on: date | None


def build_preview(office: Office) -> BuildPreview:
    """Read, without locking: the build itself decides again under the office's lock."""
    stock = BlankStock.objects.get(office=office)
    waiting = EnrollmentCounts.objects.get(office=office).recorded
    will_queue = max(0, min(stock.available, waiting))
    first = last = None
    if will_queue:
        # The partial index enrollment_waiting_order serves both reads.
        oldest = Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).order_by("enrolled_on", "id")
        first = oldest.values_list("enrolled_on", flat=True).first()
        last = oldest.values_list("enrolled_on", flat=True)[will_queue - 1]
    return BuildPreview(stock.on_hand, stock.reserved, stock.available, waiting, will_queue, first, last)


def desk_work_today(office: Office, limit: int = 20) -> QuerySet:
    """The latest cards printed or spoiled at the desk today, from the ledger (its office-and-time index), with who did it.

    Blanks written off in the store room are the stock desk's: they have no card, so they are not the print desk's work.
    """
    start = local_midnight(local_day(office), office)
    return (
        BlankMovement.objects.filter(office=office, kind__in=[MovementKind.PRINTED, MovementKind.SPOILED], created_at__gte=start,
                                     print_job__isnull=False)
        .select_related("print_job__enrollment", "created_by").order_by("-created_at", "-id")[:limit]
    )
