"""Requests to the ministry (permintaan blanko): drafted, sent, closed by the head."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import local_day
from inventory.models import BlankRequest
from people.roles import require
from registry.models import Office

from .locks import lock_ledger, lock_rows


def draft_blank_request(*, office: Office, quantity: int, reference: str, by, note: str = "") -> BlankRequest:
    """The head drafts a letter to the ministry asking for blanks."""
    require(by, "write_requests", office)
    if quantity is None or quantity <= 0:
        raise ValidationError(_("Ask for at least one blank."), code="quantity")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("A request needs its letter number."), code="reference")
    with transaction.atomic():
        lock_ledger(office.pk)
        if BlankRequest.objects.filter(office=office, reference=reference).exists():
            raise ValidationError(_("There is already a request with letter number %(ref)s.") % {"ref": reference}, code="reference")
        return BlankRequest.objects.create(office=office, quantity=quantity, reference=reference, created_by=by, note=note)


def mark_request_sent(*, request: BlankRequest, by, sent_on=None, at=None) -> BlankRequest:
    """The letter went to the ministry (on `sent_on`, the office's day at `at` by default): its blanks are expected. Twice changes nothing."""
    require(by, "write_requests", request.office_id)
    with transaction.atomic():
        today = local_day(lock_ledger(request.office_id).office, at)
        if sent_on is not None and sent_on > today:
            raise ValidationError(_("The date sent cannot be in the future."), code="sent_on")
        (request,) = lock_rows(BlankRequest.objects.filter(pk=request.pk))
        if request.status == BlankRequest.Status.DRAFT:
            request.status, request.sent_on, request.sent_by = BlankRequest.Status.SENT, sent_on or today, by
            request.save(update_fields=["status", "sent_on", "sent_by"])
    return request


def close_blank_request(*, request: BlankRequest, by) -> BlankRequest:
    """No more blanks will come on this request (or a draft is withdrawn). Twice changes nothing."""
    require(by, "write_requests", request.office_id)
    with transaction.atomic():
        lock_ledger(request.office_id)
        (request,) = lock_rows(BlankRequest.objects.filter(pk=request.pk))
        if request.status != BlankRequest.Status.CLOSED:
            request.status, request.closed_at, request.closed_by = BlankRequest.Status.CLOSED, timezone.now(), by
            request.save(update_fields=["status", "closed_at", "closed_by"])
    return request
