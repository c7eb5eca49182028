"""Print queue builds and print jobs: one card on one blank."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.dates import now
from registry.models import Enrollment, Office

# Print order: a card reprinted after a defect first, then the oldest enrollment date, then the enrollment's id.
PRINT_ORDER = ("-first_in_line", "enrolled_on", "enrollment_id")


def ahead_of(job) -> Q:
    """The jobs before `job` in print order (filter them to the office's queued jobs): the print-order index serves it."""
    same = Q(first_in_line=job.first_in_line)
    before = (same & Q(enrolled_on__lt=job.enrolled_on)) | (same & Q(enrolled_on=job.enrolled_on, enrollment_id__lt=job.enrollment_id))
    return before if job.first_in_line else Q(first_in_line=True) | before


def behind(job) -> Q:
    """The jobs after `job` in print order."""
    same = Q(first_in_line=job.first_in_line)
    after = (same & Q(enrolled_on__gt=job.enrolled_on)) | (same & Q(enrolled_on=job.enrolled_on, enrollment_id__gt=job.enrollment_id))
    return after if not job.first_in_line else Q(first_in_line=False) | after


class Collector(models.TextChoices):
    """Who collected a card for its holder: the holder, a member of the same family card (KK), or someone with a power of attorney."""

    SELF = "self", _("The holder in person")
    FAMILY = "family", _("A family member on the same family card (KK)")
    ATTORNEY = "attorney", _("Someone with a power of attorney (surat kuasa)")


def collector_words(name: str, nik: str, collected_as: str) -> str:
    """Who collected a card, in a line of its history: "Yosef Bria (NIK 5371…, a family member on the same KK)"."""
    if collected_as in ("", Collector.SELF):  # blank: recorded before the desk asked
        return name if not collected_as else _("%(name)s, the holder in person") % {"name": name}
    return _("%(name)s (NIK %(nik)s; %(as)s)") % {"name": name, "nik": nik, "as": Collector(collected_as).label}


class QueueBuild(models.Model):
    """One run of the queue rule: who or what started it and how many jobs it queued."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="queue_builds")
    created_at = models.DateTimeField(default=now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    available = models.BigIntegerField(_("blanks available"))
    queued = models.BigIntegerField(_("jobs queued"), default=0)


class PrintJob(models.Model):
    """Printing one enrollment's card on one reserved blank."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PRINTED = "printed", _("Printed")
        SPOILED = "spoiled", _("Spoiled")
        CANCELLED = "cancelled", _("Cancelled")
        # Printed or spoiled marked by mistake, and corrected: its movement is reversed, the card queued again.
        UNDONE = "undone", _("Undone (corrected)")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="print_jobs", db_index=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="print_jobs")
    build = models.ForeignKey(QueueBuild, on_delete=models.PROTECT, related_name="jobs")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # The enrollment's date, copied when the job is queued (it never changes): print order
    # is then read from this table's own index, without joining every queued job to its enrollment.
    enrolled_on = models.DateField(_("enrollment date"))
    # A card found defective after printing is printed again before every other queued card.
    first_in_line = models.BooleanField(_("reprint first"), default=False, db_default=False)
    queued_at = models.DateTimeField(default=now)
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    spoiled_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Printed out of print order (not among the next PRINT_OUT_OF_ORDER_WINDOW): the place it had, and the clerk's reason.
    printed_at_position = models.PositiveIntegerField(_("place in print order when printed"), null=True, blank=True)
    out_of_order_reason = models.CharField(_("reason for printing out of order"), max_length=300, blank=True, default="", db_default="")
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by_name = models.CharField(_("collected by"), max_length=200, blank=True)
    # Blank for pickups recorded before the desk asked for them. db_default: added without rewriting the table.
    collected_by_nik = models.CharField(_("collector's NIK"), max_length=16, blank=True, default="", db_default="")
    collected_as = models.CharField(_("collected as"), max_length=10, choices=Collector.choices, blank=True, default="", db_default="")
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("print job")
        verbose_name_plural = _("print jobs")
        constraints = [
            # One card per enrollment: a spoiled job is history, its successor the live one.
            models.UniqueConstraint(fields=["enrollment"], condition=Q(state__in=["queued", "printed"]), name="one_live_print_job_per_enrollment"),
            models.CheckConstraint(condition=Q(state__in=["queued", "printed", "spoiled", "cancelled", "undone"]), name="print_job_state_is_known"),
            models.CheckConstraint(condition=~Q(state="spoiled") | ~Q(spoiled_reason=""), name="spoiled_job_has_reason"),
            models.CheckConstraint(condition=Q(collected_at__isnull=True) | Q(state="printed"), name="only_printed_cards_are_collected"),
            models.CheckConstraint(condition=Q(collected_as__in=["", *Collector.values]), name="print_job_collector_is_known"),
        ]
        indexes = [
            models.Index(fields=["office", "state"], name="print_job_office_state"),
            models.Index(fields=["office", "-first_in_line", "enrolled_on", "enrollment"], condition=Q(state="queued"), name="print_job_print_order"),
            # The pickup desk: cards printed and not yet collected, by how long they have waited.
            models.Index(fields=["office", "printed_at"], condition=Q(state="printed", collected_at__isnull=True), name="print_job_ready_cards"),
        ]
