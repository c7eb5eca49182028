"""Every change to the blank ledger. Views, commands and tasks call these and nothing else.

A movement is only ever added; the database adds it to BlankStock (a
trigger), so services lock the stock row, decide, add movements and read
the balance back.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from printing.enqueue import enqueue_queue_build
from registry.models import Office, Role

from .locks import lock_stock
from .models import BlankMovement, BlankRequest, BlankStock, MovementKind, StockCount


def receive_blanks(*, office: Office, quantity: int, reference: str, by, request: BlankRequest | None = None,
                   delivery_note: str = "", carried_by: str = "") -> BlankMovement:
    """Blanks arrive from the ministry: add them, then let the queue use them.

    A delivery note (surat jalan) is one delivery: booking its number again
    with the same figures returns the receipt already booked (a form sent
    twice), with other figures it is refused. A request whose blanks have all
    arrived is closed.
    """
    if quantity is None or quantity <= 0:
        raise ValidationError(_("The number of blanks received must be more than zero."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("A receipt needs a reference (letter or delivery note number)."), code="reference")
    if request is not None and request.office_id != office.pk:
        raise ValidationError(_("That request belongs to another office."), code="request")
    delivery_note = (delivery_note or "").strip()
    with transaction.atomic():
        lock_stock(office.pk)
        if delivery_note:
            booked = (BlankMovement.objects.filter(office=office, kind=MovementKind.RECEIPT, delivery_note=delivery_note)
                      .select_related("created_by").first())
            if booked is not None:
                if booked.quantity == quantity and booked.reference == reference:
                    return booked
                raise ValidationError(
                    _("Delivery note %(note)s was already booked on %(when)s by %(who)s (%(quantity)d blanks).")
                    % {"note": delivery_note, "when": timezone.localtime(booked.created_at).strftime("%Y-%m-%d %H:%M"),
                       "who": booked.created_by.get_username(), "quantity": booked.quantity},
                    code="delivery_note",
                )
        if request is None:
            request = BlankRequest.objects.filter(office=office, reference=reference).first()
        movement = BlankMovement.objects.create(
            office=office, kind=MovementKind.RECEIPT, quantity=quantity, created_by=by, reference=reference,
            request=request, delivery_note=delivery_note, carried_by=carried_by.strip(),
        )
        if request is not None and request.status == BlankRequest.Status.SENT:
            received = request.receipts.aggregate(total=Sum("quantity"))["total"]
            if received >= request.quantity:
                request.status, request.closed_at, request.closed_by = BlankRequest.Status.CLOSED, timezone.now(), by
                request.save(update_fields=["status", "closed_at", "closed_by"])
        enqueue_queue_build(office.pk)
    return movement


def spoil_blanks(*, office: Office, quantity: int, reference: str, reason: str, by) -> list[BlankMovement]:
    """Blanks found ruined on the shelf (not in the printer): each is lost, with the damage report that says why.

    The report number (berita acara) identifies the event: booking it again
    with the same figures returns what was booked (a form sent twice), with
    other figures it is refused. Blanks held by the print queue are not
    touched: only available blanks can be written off here.
    """
    if quantity is None or quantity <= 0:
        raise ValidationError(_("The number of spoiled blanks must be more than zero."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("Give the number of the damage report (berita acara)."), code="reference")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the blanks were spoiled."), code="reason")
    with transaction.atomic():
        stock = lock_stock(office.pk)
        booked = list(BlankMovement.objects.filter(office=office, kind=MovementKind.SPOILED, print_job__isnull=True,
                                                   reference=reference).order_by("pk"))
        if booked:
            if len(booked) == quantity and booked[0].reason == reason:
                return booked
            raise ValidationError(
                _("Damage report %(reference)s was already booked (%(quantity)d blanks).")
                % {"reference": reference, "quantity": len(booked)},
                code="reference",
            )
        if quantity > stock.available:
            raise ValidationError(
                _("Only %(available)d blanks are not reserved by the print queue; %(quantity)d cannot be written off. "
                  "Blanks spoiled in the printer are recorded at the print desk.")
                % {"available": stock.available, "quantity": quantity},
                code="quantity",
            )
        return BlankMovement.objects.bulk_create(
            BlankMovement(office=office, kind=MovementKind.SPOILED, quantity=-1, created_by=by, reference=reference, reason=reason)
            for _each in range(quantity)
        )


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
    """A physical count of the blanks in the cupboard; waits for the head's approval.

    One count waits at a time: the same count sent again returns it; a
    different one is refused until the head has decided.
    """
    if counted is None or counted < 0:
        raise ValidationError(_("The number counted cannot be negative."), code="counted")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say when and where the count was made."), code="note")
    with transaction.atomic():
        stock = lock_stock(office.pk)
        waiting = StockCount.objects.filter(office=office, status=StockCount.Status.PENDING).first()
        if waiting is not None:
            if (waiting.counted, waiting.note, waiting.counted_by_id) == (counted, note, by.pk):
                return waiting
            raise ValidationError(
                _("A count of %(counted)d blanks made on %(when)s waits for the head's decision; "
                  "a new count can be recorded once it is approved or rejected.")
                % {"counted": waiting.counted, "when": timezone.localtime(waiting.counted_at).strftime("%Y-%m-%d %H:%M")},
                code="pending",
            )
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
            enqueue_queue_build(count.office_id)
    return count


def reject_stock_count(*, count: StockCount, by) -> StockCount:
    """The head does not accept a count (e.g. to have it made again); the ledger is unchanged. Twice changes nothing."""
    if by.role != Role.HEAD or by.office_id != count.office_id:
        raise PermissionDenied(_("Only the head of this office decides on stock counts."))
    with transaction.atomic():
        lock_stock(count.office_id)
        count = StockCount.objects.select_for_update().get(pk=count.pk)
        if count.status == StockCount.Status.REJECTED:
            return count
        if count.status != StockCount.Status.PENDING:
            raise ValidationError(_("This count was already decided."), code="decided")
        count.status = StockCount.Status.REJECTED
        count.decided_by = by
        count.decided_at = timezone.now()
        count.save(update_fields=["status", "decided_by", "decided_at"])
    return count


def set_request_lead_time(*, office: Office, days: int, by) -> Office:
    """The head sets how long the ministry takes to deliver; the dashboard's figure counts new enrollments over it."""
    if by.role != Role.HEAD or by.office_id != office.pk:
        raise PermissionDenied(_("Only the head of this office sets the lead time."))
    if days is None or not 1 <= days <= 365:
        raise ValidationError(_("The lead time is between 1 and 365 days."), code="lead_time")
    Office.objects.filter(pk=office.pk).update(request_lead_time_days=days)
    office.request_lead_time_days = days
    return office


def draft_blank_request(*, office: Office, quantity: int, reference: str, by, note: str = "") -> BlankRequest:
    """The head drafts a letter to the ministry asking for blanks."""
    if by.role != Role.HEAD or by.office_id != office.pk:
        raise PermissionDenied(_("Only the head of this office writes requests to the ministry."))
    if quantity is None or quantity <= 0:
        raise ValidationError(_("Ask for at least one blank."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("A request needs its letter number."), code="reference")
    with transaction.atomic():
        lock_stock(office.pk)
        if BlankRequest.objects.filter(office=office, reference=reference).exists():
            raise ValidationError(_("There is already a request with letter number %(ref)s.") % {"ref": reference}, code="reference")
        return BlankRequest.objects.create(office=office, quantity=quantity, reference=reference, created_by=by, note=note)


def mark_request_sent(*, request: BlankRequest, by, sent_on=None) -> BlankRequest:
    """The letter went to the ministry: from now on its blanks are expected. Twice changes nothing."""
    if by.role != Role.HEAD or by.office_id != request.office_id:
        raise PermissionDenied(_("Only the head of this office sends requests to the ministry."))
    if sent_on is not None and sent_on > timezone.localdate():
        raise ValidationError(_("The date sent cannot be in the future."), code="sent_on")
    with transaction.atomic():
        request = BlankRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == BlankRequest.Status.DRAFT:
            request.status, request.sent_on, request.sent_by = BlankRequest.Status.SENT, sent_on or timezone.localdate(), by
            request.save(update_fields=["status", "sent_on", "sent_by"])
    return request


def close_blank_request(*, request: BlankRequest, by) -> BlankRequest:
    """No more blanks will come on this request (or a draft is withdrawn). Twice changes nothing."""
    if by.role != Role.HEAD or by.office_id != request.office_id:
        raise PermissionDenied(_("Only the head of this office closes requests to the ministry."))
    with transaction.atomic():
        request = BlankRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != BlankRequest.Status.CLOSED:
            request.status, request.closed_at, request.closed_by = BlankRequest.Status.CLOSED, timezone.now(), by
            request.save(update_fields=["status", "closed_at", "closed_by"])
    return request


