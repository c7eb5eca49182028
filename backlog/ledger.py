"""The blank ledger: movements are only ever added, here, with the figures of their month.

The database adds every movement to the office's BlankStock (a trigger) and
refuses on hand below zero or reserved above on hand; this module keeps the
monthly figures in the same transaction and decides, under the ledger lock,
before anything is written, so a user reads a sentence, not an IntegrityError.
Real losses are booked as they happened: when fewer blanks are left than the
queue holds, the newest queued cards give theirs back (backlog.cards).
"""
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.dates import local_day
from common.numbers import number
from inventory.models import BlankMovement, BlankRequest, DailyPrinting, MonthlyFigures, MovementKind, ReceiptCorrection, StockCount
from inventory.selectors import FIGURE_OF_KIND, daily_printing_of, monthly_figures_of
from people.roles import may, require
from registry.models import Office, TimeZone

from . import cards
from .locks import lock_ledger, lock_rows
from .work import ask_for_queue_build


@dataclass
class Booked:
    """What a loss of stock booked, and what it caused, for the desk's message.

    `made`: the movements written off, the stock count decided or the receipt
    correction. `given_back`: how many queued cards gave their blanks back and
    wait again at their places, because fewer blanks were left than the queue held.
    """

    made: object
    given_back: int = 0


def book(movements: list[BlankMovement]) -> list[BlankMovement]:
    """Add movements to the ledger and their month's figures; the caller holds the office's ledger lock."""
    if not movements:
        return []
    created = BlankMovement.objects.bulk_create(movements)
    # A movement's month is the office's: the ledger lock keeps the office's zone from changing meanwhile (set_time_zone).
    offices = Office.objects.in_bulk({movement.office_id for movement in created})
    per_month: dict[tuple, dict[str, int]] = defaultdict(lambda: {"received": 0, "printed": 0, "spoiled": 0, "adjusted": 0})
    printed_per_day: Counter = Counter()
    for movement in created:
        day = local_day(offices[movement.office_id], movement.created_at)
        figure, sign = FIGURE_OF_KIND[movement.kind]
        per_month[(movement.office_id, day.replace(day=1))][figure] += sign * movement.quantity
        if movement.kind == MovementKind.PRINTED:
            printed_per_day[(movement.office_id, day)] -= movement.quantity
    with connection.cursor() as cursor:
        for (office_id, month), values in per_month.items():
            cursor.execute(
                "INSERT INTO inventory_monthlyfigures (office_id, month, received, printed, spoiled, adjusted)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (office_id, month) DO UPDATE SET"
                " received = inventory_monthlyfigures.received + excluded.received,"
                " printed = inventory_monthlyfigures.printed + excluded.printed,"
                " spoiled = inventory_monthlyfigures.spoiled + excluded.spoiled,"
                " adjusted = inventory_monthlyfigures.adjusted + excluded.adjusted",
                [office_id, month, values["received"], values["printed"], values["spoiled"], values["adjusted"]],
            )
        for (office_id, day), printed in printed_per_day.items():
            cursor.execute(
                "INSERT INTO inventory_dailyprinting (office_id, day, printed) VALUES (%s, %s, %s)"
                " ON CONFLICT (office_id, day) DO UPDATE SET printed = inventory_dailyprinting.printed + excluded.printed",
                [office_id, day, printed],
            )
    return created


def _moment(office: Office, at) -> str:
    """A moment as the office's clock shows it, in a sentence: "02-07-2018 08:15 WITA"."""
    return f"{date_format(timezone.localtime(at, office.zone), 'SHORT_DATETIME_FORMAT')} {office.zone_abbreviation}"


def use_blanks(*, office_id, kind, by, print_jobs, reason: str = "", at=None) -> list[BlankMovement]:
    """One -1 movement per card printed or blank spoiled in the printer, linked to its print job."""
    at = at or timezone.now()
    return book([
        BlankMovement(office_id=office_id, kind=kind, quantity=-1, created_by=by, created_at=at,
                      reference=_("print job %(id)s") % {"id": job.pk}, reason=reason, print_job=job)
        for job in print_jobs
    ])


def reverse(movement: BlankMovement, *, by, reason: str, at=None) -> BlankMovement:
    """A movement booked by mistake: the same kind, the opposite sign, linked to it, booked now."""
    (correction,) = book([BlankMovement(
        office_id=movement.office_id, kind=movement.kind, quantity=-movement.quantity, created_by=by,
        created_at=at or timezone.now(), reference=_("correction of movement %(id)s") % {"id": movement.pk},
        reason=reason, print_job_id=movement.print_job_id, reverses=movement,
    )])
    return correction


def make_room(*, office_id, stock, losing: int, at=None) -> int:
    """Before `losing` blanks leave the shelf: if fewer would be left than the queue holds, the newest queued cards give theirs back.

    Returns how many cards went back to waiting. The caller holds the ledger lock.
    """
    short = stock.reserved - (stock.on_hand - losing)
    if short <= 0:
        return 0
    return len(cards.give_back_newest(office_id=office_id, count=short, at=at))


def typed_reference(text: str) -> str:
    """A number typed at a desk as it is meant: compatibility forms folded (NFKC), invisible format characters gone."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if unicodedata.category(ch) != "Cf").strip()


def _receipt_of_delivery_note(office, delivery_note):
    """The receipt already booked for this delivery note, whatever case or invisible characters either was typed with.

    An office books a few receipts a month, so its delivery notes are compared here, one by one, under the
    ledger lock; notes booked before they were cleaned (with a zero-width space) are found too.
    """
    key = delivery_note.casefold()
    notes = (BlankMovement.objects.filter(office=office, kind=MovementKind.RECEIPT).exclude(delivery_note="")
             .order_by("pk").values_list("pk", "delivery_note"))
    pk = next((pk for pk, note in notes.iterator() if typed_reference(note).casefold() == key), None)
    return None if pk is None else BlankMovement.objects.select_related("created_by").get(pk=pk)


def still_expected(request: BlankRequest) -> int:
    """What a request still expects: asked less received (corrections included); a closed request expects nothing."""
    if request.status == BlankRequest.Status.CLOSED:
        return 0
    received = request.receipts.aggregate(total=Sum("quantity"))["total"] or 0
    return max(0, request.quantity - received)


def receive_blanks(*, office: Office, quantity: int, reference: str, by, request: BlankRequest | None = None,
                   delivery_note: str = "", carried_by: str = "", beyond_expected: bool = False) -> BlankMovement:
    """Blanks arrive from the ministry: add them, then let the queue use them.

    A delivery note (surat jalan) is one delivery: booking its number again
    with the same figures returns the receipt already booked (a form sent
    twice), with other figures it is refused. A receipt against a chosen
    request is booked against what that request still expects: more is
    refused with a sentence, unless the desk confirms that the ministry sent
    more (`beyond_expected`); the blanks on the shelf are then all booked. A
    request matched by its letter number alone (the receive_blanks command's
    stable behaviour) books what it is told. A request whose blanks have all
    arrived is closed.
    """
    require(by, "receive_blanks", office)
    if quantity is None or quantity <= 0:
        raise ValidationError(_("The number of blanks received must be more than zero."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("A receipt needs a reference (letter or delivery note number)."), code="reference")
    if request is not None and request.office_id != office.pk:
        raise ValidationError(_("That request belongs to another office."), code="request")
    delivery_note = typed_reference(delivery_note)
    with transaction.atomic():
        lock_ledger(office.pk)
        if delivery_note:
            booked = _receipt_of_delivery_note(office, delivery_note)
            if booked is not None:
                if booked.quantity == quantity and booked.reference == reference:
                    return booked
                raise ValidationError(
                    _("Delivery note %(note)s was already booked on %(when)s by %(who)s (%(quantity)s blanks).")
                    % {"note": booked.delivery_note, "when": _moment(office, booked.created_at),
                       "who": booked.created_by.get_username(), "quantity": number(booked.quantity)},
                    code="delivery_note",
                )
        if request is None:
            request = BlankRequest.objects.filter(office=office, reference=reference).first()
        elif not beyond_expected:
            (request,) = lock_rows(BlankRequest.objects.filter(pk=request.pk))
            expected = still_expected(request)
            if quantity > expected:
                raise ValidationError(
                    _("Request %(reference)s still expects %(expected)s blanks; %(quantity)s cannot be booked against it. "
                      "If the ministry sent more, confirm it below.")
                    % {"reference": request.reference, "expected": number(expected),
                       "quantity": number(quantity)},
                    code="quantity",
                )
        (movement,) = book([BlankMovement(
            office=office, kind=MovementKind.RECEIPT, quantity=quantity, created_by=by, reference=reference,
            request=request, delivery_note=delivery_note, carried_by=carried_by.strip(),
        )])
        if request is not None and request.status == BlankRequest.Status.SENT:
            received = request.receipts.aggregate(total=Sum("quantity"))["total"]
            if received >= request.quantity:
                request.status, request.closed_at, request.closed_by = BlankRequest.Status.CLOSED, timezone.now(), by
                request.save(update_fields=["status", "closed_at", "closed_by"])
        ask_for_queue_build(office.pk)
    return movement


def spoil_blanks(*, office: Office, quantity: int, reference: str, reason: str, by) -> Booked:
    """Blanks found ruined or lost on the shelf (not in the printer): each is lost, with the damage report that says why.

    The report number (berita acara) identifies the event: booking it again
    with the same figures returns what was booked (a form sent twice), with
    other figures it is refused. A real loss is booked as it happened, up to
    every blank on hand: if it leaves fewer blanks than the queue holds, the
    newest queued cards give theirs back and wait again at their places.
    Returns the movements booked (`made`) and how many cards gave their blanks back.
    """
    require(by, "write_off_blanks", office)
    if quantity is None or quantity <= 0:
        raise ValidationError(_("The number of spoiled blanks must be more than zero."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("Give the number of the damage report (berita acara)."), code="reference")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the blanks were spoiled."), code="reason")
    with transaction.atomic():
        stock = lock_ledger(office.pk)
        booked = list(BlankMovement.objects.filter(office=office, kind=MovementKind.SPOILED, print_job__isnull=True,
                                                   reverses__isnull=True, reference=reference).order_by("pk"))
        if booked:
            if len(booked) == quantity and booked[0].reason == reason:
                return Booked(booked)
            raise ValidationError(
                _("Damage report %(reference)s was already booked (%(quantity)s blanks).")
                % {"reference": reference, "quantity": number(len(booked))},
                code="reference",
            )
        if quantity > stock.on_hand:
            raise ValidationError(
                _("Only %(on_hand)s blanks are on hand; %(quantity)s cannot be written off.")
                % {"on_hand": number(stock.on_hand), "quantity": number(quantity)},
                code="quantity",
            )
        given_back = make_room(office_id=office.pk, stock=stock, losing=quantity)
        return Booked(book([
            BlankMovement(office=office, kind=MovementKind.SPOILED, quantity=-1, created_by=by, reference=reference, reason=reason)
            for _each in range(quantity)
        ]), given_back)


def record_stock_count(*, office: Office, counted: int, by, note: str) -> StockCount:
    """A physical count of the blanks in the cupboard; waits for the head's approval.

    One count waits at a time: the same count sent again returns it; a
    different one is refused until the head has decided.
    """
    require(by, "count_stock", office)
    if counted is None or counted < 0:
        raise ValidationError(_("The number counted cannot be negative."), code="counted")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say when and where the count was made."), code="note")
    with transaction.atomic():
        stock = lock_ledger(office.pk)
        waiting = StockCount.objects.filter(office=office, status=StockCount.Status.PENDING).first()
        if waiting is not None:
            if (waiting.counted, waiting.note, waiting.counted_by_id) == (counted, note, by.pk):
                return waiting
            raise ValidationError(
                _("A count of %(counted)s blanks made on %(when)s waits for the head's decision; "
                  "a new count can be recorded once it is approved or rejected.")
                % {"counted": number(waiting.counted), "when": _moment(office, waiting.counted_at)},
                code="pending",
            )
        return StockCount.objects.create(office=office, counted=counted, expected=stock.on_hand, counted_by=by, note=note)


def approve_stock_count(*, count: StockCount, by) -> Booked:
    """The head approves a count: its difference becomes an adjustment movement.

    A count below what the queue holds is a real loss: it is booked, and the
    newest queued cards give their blanks back and wait again at their places.
    Returns the count (`made`) and how many cards gave their blanks back.
    """
    require(by, "decide_stock_counts", count.office_id)
    with transaction.atomic():
        stock = lock_ledger(count.office_id)
        count = StockCount.objects.select_for_update().get(pk=count.pk)
        if count.status == StockCount.Status.APPROVED:
            return Booked(count)
        if count.status != StockCount.Status.PENDING:
            raise ValidationError(_("This count was already decided."), code="decided")
        difference = count.difference
        given_back = 0
        if stock.on_hand + difference < 0:
            raise ValidationError(
                _("Only %(on_hand)s blanks are on hand now; an adjustment of %(difference)s cannot be booked. Record a new count.")
                % {"on_hand": number(stock.on_hand), "difference": number(difference)},
                code="counted",
            )
        if difference:
            given_back = make_room(office_id=count.office_id, stock=stock, losing=-difference)
            (count.movement,) = book([BlankMovement(
                office_id=count.office_id, kind=MovementKind.ADJUSTMENT, quantity=difference, created_by=count.counted_by,
                approved_by=by, reference=_("stock count %(id)s") % {"id": count.pk}, reason=count.note,
            )])
        count.status = StockCount.Status.APPROVED
        count.decided_by = by
        count.decided_at = timezone.now()
        count.save()
        if difference > 0:
            ask_for_queue_build(count.office_id)
    return Booked(count, given_back)


def reject_stock_count(*, count: StockCount, by) -> StockCount:
    """The head does not accept a count (e.g. to have it made again); the ledger is unchanged. Twice changes nothing."""
    require(by, "decide_stock_counts", count.office_id)
    with transaction.atomic():
        lock_ledger(count.office_id)
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


def receipt_quantity(receipt: BlankMovement) -> int:
    """What a receipt comes to with its corrections."""
    return receipt.quantity + (receipt.corrections.aggregate(total=Sum("quantity"))["total"] or 0)


def correct_receipt(*, receipt: BlankMovement, quantity: int, reason: str, by) -> Booked:
    """A receipt booked with a wrong quantity: the difference is booked as a receipt linked to it.

    The stock keeper books a correction that raises stock at once; one that
    lowers it waits for the head (the head's own is booked at once). The
    same correction sent again returns the one already made. Returns the
    correction (`made`) and how many cards gave their blanks back.
    """
    require(by, "correct_receipts", receipt.office_id)
    if receipt.kind != MovementKind.RECEIPT or receipt.reverses_id is not None:
        raise ValidationError(_("Only a receipt can be corrected here."), code="receipt")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the receipt is corrected."), code="reason")
    if quantity is None or quantity < 0:
        raise ValidationError(_("The right quantity cannot be negative."), code="quantity")
    with transaction.atomic():
        lock_ledger(receipt.office_id)
        pending = ReceiptCorrection.objects.filter(receipt=receipt, status=ReceiptCorrection.Status.PENDING).first()
        if pending is not None:
            if (pending.quantity, pending.reason) == (quantity, reason):
                return Booked(pending)
            raise ValidationError(_("A correction of this receipt waits for the head's decision."), code="pending")
        last = ReceiptCorrection.objects.filter(receipt=receipt, status=ReceiptCorrection.Status.BOOKED).order_by("-pk").first()
        if last is not None and (last.quantity, last.reason) == (quantity, reason):
            return Booked(last)
        if quantity == receipt_quantity(receipt):
            raise ValidationError(_("The receipt already counts %(quantity)s blanks.") % {"quantity": number(quantity)}, code="quantity")
        correction = ReceiptCorrection.objects.create(office_id=receipt.office_id, receipt=receipt, quantity=quantity,
                                                      reason=reason, requested_by=by)
        given_back = 0
        if quantity > receipt_quantity(receipt) or may(by, "decide_receipt_corrections", receipt.office_id):
            given_back = _book_receipt_correction(correction, by=by)
    return Booked(correction, given_back)


def decide_receipt_correction(*, correction: ReceiptCorrection, approve: bool, by) -> Booked:
    """The head approves (it is booked) or rejects a correction that lowers stock. Twice changes nothing.

    Returns the correction (`made`) and how many cards gave their blanks back.
    """
    require(by, "decide_receipt_corrections", correction.office_id)
    with transaction.atomic():
        lock_ledger(correction.office_id)
        correction = ReceiptCorrection.objects.select_for_update().get(pk=correction.pk)
        wanted = ReceiptCorrection.Status.BOOKED if approve else ReceiptCorrection.Status.REJECTED
        if correction.status == wanted:
            return Booked(correction)
        if correction.status != ReceiptCorrection.Status.PENDING:
            raise ValidationError(_("This correction was already decided."), code="decided")
        if approve:
            return Booked(correction, _book_receipt_correction(correction, by=by))
        correction.status, correction.decided_by, correction.decided_at = wanted, by, timezone.now()
        correction.save(update_fields=["status", "decided_by", "decided_at"])
    return Booked(correction)


def _book_receipt_correction(correction: ReceiptCorrection, *, by) -> int:
    """Book it; returns how many queued cards gave their blanks back."""
    receipt = correction.receipt
    difference = correction.quantity - receipt_quantity(receipt)
    stock = lock_ledger(correction.office_id)
    if difference < 0 and -difference > stock.on_hand:
        raise ValidationError(
            _("Only %(on_hand)s blanks are on hand; the receipt cannot be lowered by %(quantity)s.")
            % {"on_hand": number(stock.on_hand), "quantity": number(-difference)},
            code="quantity",
        )
    given_back = make_room(office_id=correction.office_id, stock=stock, losing=-difference)
    (correction.movement,) = book([BlankMovement(
        office_id=correction.office_id, kind=MovementKind.RECEIPT, quantity=difference, created_by=by,
        reference=_("correction of receipt %(reference)s") % {"reference": receipt.reference},
        reason=correction.reason, request_id=receipt.request_id, reverses=receipt,
    )])
    correction.status, correction.decided_by, correction.decided_at = ReceiptCorrection.Status.BOOKED, by, timezone.now()
    correction.save(update_fields=["status", "decided_by", "decided_at", "movement"])
    if difference > 0:
        ask_for_queue_build(correction.office_id)
    return given_back


def set_time_zone(*, office: Office, time_zone: str, by) -> int:
    """Move an office to another time zone; its monthly and daily figures are bucketed again by its new local days.

    Under the ledger lock, so no movement is booked into a month of the old
    zone meanwhile. Returns how many months' figures were written. Setting
    the zone it already has changes nothing.
    """
    require(by, "set_time_zone", office)
    if time_zone not in TimeZone.values:
        raise ValidationError(_("An office's time zone is WIB, WITA or WIT."), code="time_zone")
    with transaction.atomic():
        lock_ledger(office.pk)
        current = Office.objects.get(pk=office.pk)
        office.time_zone = time_zone
        if current.time_zone == time_zone:
            return 0
        Office.objects.filter(pk=office.pk).update(time_zone=time_zone)
        movements = BlankMovement.objects.filter(office=office)
        figures = monthly_figures_of(movements, office.zone)
        MonthlyFigures.objects.filter(office=office).delete()
        MonthlyFigures.objects.bulk_create(MonthlyFigures(office=office, month=month, **values) for month, values in figures.items())
        DailyPrinting.objects.filter(office=office).delete()
        DailyPrinting.objects.bulk_create(DailyPrinting(office=office, day=day, printed=printed)
                                          for day, printed in daily_printing_of(movements, office.zone).items())
        return len(figures)
