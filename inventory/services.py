"""Every change to the blank ledger. Views, commands and tasks call these and nothing else.

A movement is only ever added; the database adds it to BlankStock (a
trigger), so services lock the stock row, decide, add movements and read
the balance back.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Office, Role

from .locks import lock_stock
from .models import BlankMovement, BlankRequest, BlankStock, MovementKind, StockCount


def _enqueue_queue_build(office_id):
    # Imported here, not at the top: printing's services build on this module.
    from printing.tasks import enqueue_queue_build

    enqueue_queue_build(office_id)


def receive_blanks(*, office: Office, quantity: int, reference: str, by, request: BlankRequest | None = None,
                   delivery_note: str = "", carried_by: str = "") -> BlankMovement:
    """Blanks arrive from the ministry: add them, then let the queue use them."""
    if quantity is None or quantity <= 0:
        raise ValidationError(_("The number of blanks received must be more than zero."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("A receipt needs a reference (letter or delivery note number)."), code="reference")
    if request is not None and request.office_id != office.pk:
        raise ValidationError(_("That request belongs to another office."), code="request")
    with transaction.atomic():
        lock_stock(office.pk)
        if request is None:
            request = BlankRequest.objects.filter(office=office, reference=reference).first()
        movement = BlankMovement.objects.create(
            office=office, kind=MovementKind.RECEIPT, quantity=quantity, created_by=by, reference=reference,
            request=request, delivery_note=delivery_note.strip(), carried_by=carried_by.strip(),
        )
        _enqueue_queue_build(office.pk)
    return movement


def reserve_blanks(stock: BlankStock, count: int) -> None:
    """Hold `count` blanks for queued jobs; the caller holds the stock lock and checked availability."""
    if count:
        BlankStock.objects.filter(pk=stock.pk).update(reserved=F("reserved") + count)


def release_blanks(stock: BlankStock, count: int) -> None:
    """Give back blanks held by jobs that were printed, spoiled or cancelled (before their movement)."""
    if count:
        BlankStock.objects.filter(pk=stock.pk).update(reserved=F("reserved") - count)


def record_use(*, office_id, kind, by, print_jobs, reason: str = "") -> None:
    """One -1 movement per card printed or blank spoiled; the caller released the reservation first."""
    BlankMovement.objects.bulk_create(
        BlankMovement(office_id=office_id, kind=kind, quantity=-1, created_by=by,
                      reference=_("print job %(id)s") % {"id": job.pk}, reason=reason, print_job=job)
        for job in print_jobs
    )


def record_stock_count(*, office: Office, counted: int, by, note: str) -> StockCount:
    """A physical count of the blanks in the cupboard; waits for the head's approval."""
    if counted is None or counted < 0:
        raise ValidationError(_("The number counted cannot be negative."), code="counted")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say when and where the count was made."), code="note")
    with transaction.atomic():
        stock = lock_stock(office.pk)
        return StockCount.objects.create(office=office, counted=counted, expected=stock.on_hand, counted_by=by, note=note)


def approve_stock_count(*, count: StockCount, by) -> StockCount:
    """The head approves a count: its difference becomes an adjustment movement."""
    if by.role != Role.HEAD or by.office_id != count.office_id:
        raise PermissionDenied(_("Only the head of this office approves stock counts."))
    with transaction.atomic():
        stock = lock_stock(count.office_id)
        count = StockCount.objects.select_for_update().get(pk=count.pk)
        if count.status == StockCount.Status.APPROVED:
            return count
        if count.status != StockCount.Status.PENDING:
            raise ValidationError(_("This count was already decided."), code="decided")
        difference = count.difference
        if difference and stock.on_hand + difference < stock.reserved:
            raise ValidationError(
                _("After this adjustment only %(after)d blanks would be left, but %(reserved)d are reserved by the "
                  "print queue. Mark the missing cards spoiled or printed first.")
                % {"after": stock.on_hand + difference, "reserved": stock.reserved},
                code="reserved",
            )
        if difference:
            count.movement = BlankMovement.objects.create(
                office_id=count.office_id, kind=MovementKind.ADJUSTMENT, quantity=difference, created_by=count.counted_by,
                approved_by=by, reference=_("stock count %(id)s") % {"id": count.pk}, reason=count.note,
            )
        count.status = StockCount.Status.APPROVED
        count.decided_by = by
        count.decided_at = timezone.now()
        count.save()
        if difference > 0:
            _enqueue_queue_build(count.office_id)
    return count


def draft_blank_request(*, office: Office, quantity: int, reference: str, by, note: str = "") -> BlankRequest:
    """The head drafts a letter to the ministry asking for blanks."""
    if by.role != Role.HEAD or by.office_id != office.pk:
        raise PermissionDenied(_("Only the head of this office writes requests to the ministry."))
    if quantity is None or quantity <= 0:
        raise ValidationError(_("Ask for at least one blank."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("A request needs its letter number."), code="reference")
    if BlankRequest.objects.filter(office=office, reference=reference).exists():
        raise ValidationError(_("There is already a request with letter number %(ref)s.") % {"ref": reference}, code="reference")
    return BlankRequest.objects.create(office=office, quantity=quantity, reference=reference, created_by=by, note=note)


def mark_request_sent(*, request: BlankRequest, by, sent_on=None) -> BlankRequest:
    if by.role != Role.HEAD or by.office_id != request.office_id:
        raise PermissionDenied(_("Only the head of this office sends requests to the ministry."))
    if request.status == BlankRequest.Status.DRAFT:
        request.status = BlankRequest.Status.SENT
        request.sent_on = sent_on or timezone.localdate()
        request.save(update_fields=["status", "sent_on"])
    return request
