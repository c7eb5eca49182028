"""Reads of the ledger: the stock report and the audit that check_ledger runs."""
from django.db import connection
from django.db.models import Count, Sum

from printing.models import PrintJob
from registry.models import Enrollment, EnrollmentCounts, EnrollmentState, Office

from .models import BlankMovement, BlankStock, MovementKind

REPORT_FIELDS = ("on_hand", "reserved", "available", "received", "printed", "spoiled", "adjusted",
                 "recorded", "queued", "ready_for_pickup", "collected", "on_hold")


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
    for kind, state in ((MovementKind.PRINTED, PrintJob.State.PRINTED), (MovementKind.SPOILED, PrintJob.State.SPOILED)):
        n_movements = -by_kind.get(kind, 0)
        if n_movements != jobs.get(state, 0):
            breaches.append(f"{n_movements} {kind} movements but {jobs.get(state, 0)} {state} print jobs")
    silent = movements.filter(reference="", reason="").count()
    if silent:
        breaches.append(f"{silent} movements say neither reference nor reason")
    states = dict(Enrollment.objects.filter(office=office).order_by().values_list("state").annotate(n=Count("id")))
    counts = EnrollmentCounts.objects.get(office=office)
    for state in EnrollmentState.values:
        if getattr(counts, state) != states.get(state, 0):
            breaches.append(f"the {state} count is {getattr(counts, state)} but {states.get(state, 0)} enrollments are {state}")
    if states.get(EnrollmentState.QUEUED, 0) != queued_jobs:
        breaches.append(f"{states.get(EnrollmentState.QUEUED, 0)} enrollments are queued but {queued_jobs} print jobs are")
    live_cards = states.get(EnrollmentState.READY, 0) + states.get(EnrollmentState.COLLECTED, 0)
    if live_cards != jobs.get(PrintJob.State.PRINTED, 0):
        breaches.append(f"{live_cards} cards are ready or collected but {jobs.get(PrintJob.State.PRINTED, 0)} print jobs are printed")
    mismatched = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).exclude(enrollment__state=EnrollmentState.QUEUED).count()
    if mismatched:
        breaches.append(f"{mismatched} queued print jobs belong to enrollments that are not queued")
    return breaches


def movement_history_is_protected() -> bool:
    """On PostgreSQL, the trigger that refuses UPDATE/DELETE on movements is in place."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'blank_movement_never_edited' AND tgenabled <> 'D'")
        return cursor.fetchone() is not None
