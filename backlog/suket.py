"""Temporary certificates (Suket): issued while a card waits, ended when it is collected."""
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.dates import add_months, local_day
from people.roles import require
from registry.models import Enrollment, EnrollmentState, TemporaryCertificate

from .locks import lock_ledger, lock_rows

SUKET_STATES = {EnrollmentState.RECORDED, EnrollmentState.QUEUED, EnrollmentState.ON_HOLD, EnrollmentState.AT_CENTRE}


def issue_suket(*, enrollment: Enrollment, by, today: date | None = None) -> TemporaryCertificate:
    """A Suket for a resident whose card is not printed, dated the office's `today`. Asking again returns the same valid one."""
    require(by, "issue_suket", enrollment.office_id)
    with transaction.atomic():
        lock_ledger(enrollment.office_id)
        (enrollment,) = lock_rows(Enrollment.objects.filter(pk=enrollment.pk).select_related("office"))
        today = today or local_day(enrollment.office)
        if enrollment.state not in SUKET_STATES:
            raise ValidationError(
                _("A Suket is only issued while the card is waiting; this card is %(state)s.")
                % {"state": enrollment.get_state_display().lower()},
                code="state",
            )
        current = enrollment.certificates.filter(ended_on__isnull=True).first()
        if current is not None:
            if current.valid_until >= today:
                return current
            current.ended_on = today
            current.save(update_fields=["ended_on"])
        return TemporaryCertificate.objects.create(
            office_id=enrollment.office_id, enrollment=enrollment, issued_by=by, issued_on=today,
            valid_until=add_months(today, settings.SUKET_VALID_MONTHS),
            number=f"{enrollment.office.code}-{today:%Y%m}-{secrets.token_hex(4).upper()}",
        )


def end_suket(*, enrollment_ids, today: date) -> None:
    """The card is collected (or the record voided): its Suket no longer stands in for it."""
    TemporaryCertificate.objects.filter(enrollment_id__in=enrollment_ids, ended_on__isnull=True).update(ended_on=today)


def restore_suket(*, enrollment_id, ended_on: date, today: date) -> TemporaryCertificate | None:
    """A pickup undone: the Suket it ended stands in for the card again, if it is still within its validity."""
    if TemporaryCertificate.objects.filter(enrollment_id=enrollment_id, ended_on__isnull=True).exists():
        return None
    ended = (TemporaryCertificate.objects.filter(enrollment_id=enrollment_id, ended_on=ended_on, valid_until__gte=today)
             .order_by("-issued_on", "-pk").first())
    if ended is not None:
        ended.ended_on = None
        ended.save(update_fields=["ended_on"])
    return ended
