"""The blank ledger: an append-only list of movements and the balance they add up to."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.dates import now
from registry.models import Office


class BlankRequest(models.Model):
    """A letter to the ministry asking for blanks (permintaan blanko)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        CLOSED = "closed", _("Closed")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="blank_requests")
    reference = models.CharField(_("letter number"), max_length=100)
    quantity = models.PositiveIntegerField(_("blanks requested"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("request to the ministry")
        verbose_name_plural = _("requests to the ministry")
        constraints = [
            models.UniqueConstraint(fields=["office", "reference"], name="one_request_per_letter_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="blank_request_asks_for_some"),
        ]

    def __str__(self):
        return f"{self.reference} ({self.quantity})"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    PRINTED = "printed", _("Printed")
    SPOILED = "spoiled", _("Spoiled")
    ADJUSTMENT = "adjustment", _("Adjustment")


class BlankMovement(models.Model):
    """One change of the blank stock. Never edited or deleted: a correction is a new movement.

    The database refuses UPDATE and DELETE on this table (triggers, on
    PostgreSQL and SQLite alike), and a trigger adds every new movement to the office's BlankStock, so the
    balance is the sum of the movements by construction.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="blank_movements")
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    created_at = models.DateTimeField(_("when"), default=now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    request = models.ForeignKey(BlankRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="receipts")
    delivery_note = models.CharField(_("delivery note number"), max_length=100, blank=True)
    carried_by = models.CharField(_("carried by"), max_length=200, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    print_job = models.ForeignKey("printing.PrintJob", on_delete=models.PROTECT, null=True, blank=True, related_name="movements")
    # A correction: a movement of the same kind with the opposite sign (or, for a receipt, the
    # difference to the right quantity), booked when it is made, linked to the movement it corrects.
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
                                 verbose_name=_("corrects"))

    class Meta:
        verbose_name = _("blank movement")
        verbose_name_plural = _("blank movements")
        indexes = [
            models.Index(fields=["office", "created_at"], name="movement_office_time"),
            # Blanks written off at the stock desk, found by their damage report number.
            models.Index(fields=["office", "reference"], condition=Q(kind="spoiled", print_job__isnull=True), name="blank_desk_spoilage_by_report"),
        ]
        constraints = [
            # A delivery note is one delivery: booking it twice is refused (the service says so first).
            models.UniqueConstraint(
                fields=["office", "delivery_note"], condition=Q(kind="receipt") & ~Q(delivery_note=""),
                name="blank_receipt_one_per_delivery_note",
            ),
            # The database's backstop for the ledger's sign rules; services check first.
            models.CheckConstraint(
                condition=(
                    Q(kind="receipt", quantity__gt=0)
                    | (Q(kind="receipt", reverses__isnull=False) & ~Q(quantity=0))
                    | Q(kind__in=["printed", "spoiled"], quantity=-1)
                    | Q(kind__in=["printed", "spoiled"], quantity=1, reverses__isnull=False)
                    | (Q(kind="adjustment") & ~Q(quantity=0) & Q(approved_by__isnull=False))
                ),
                name="blank_movement_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(reference="") | ~Q(reason=""),
                name="blank_movement_says_why",
            ),
            models.CheckConstraint(
                condition=~Q(kind="spoiled") | ~Q(reason=""),
                name="spoiled_blank_has_reason",
            ),
        ]


class DailyPrinting(models.Model):
    """How many cards an office printed on one of its days (in its time zone), net of corrections.

    Maintained by the write side in the transaction that books the printed
    movements (backlog.ledger.book), so the print rate and the weekly
    printing read a row per day instead of counting every movement of the
    weeks; check_ledger recomputes them.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField(_("day"))
    printed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="one_printing_row_per_office_and_day"),
        ]


class MonthlyFigures(models.Model):
    """An office's movements of one month (in the office's time zone), net of corrections.

    Maintained by the write side in the transaction that books the movements,
    so the monthly report and the ledger's running balance read a row per
    month instead of grouping every movement; check_ledger recomputes them.
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="monthly_figures", db_index=False)
    month = models.DateField(_("month"))  # its first day
    received = models.BigIntegerField(default=0)
    printed = models.BigIntegerField(default=0)
    spoiled = models.BigIntegerField(default=0)
    adjusted = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "month"], name="one_figures_row_per_office_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_figures_month_is_its_first_day"),
        ]

    @property
    def net(self) -> int:
        return self.received - self.printed - self.spoiled + self.adjusted


class BlankStock(models.Model):
    """The office's blank balance, kept by a database trigger from the movements.

    `reserved` (blanks held by queued print jobs) is kept by the print services.
    """

    office = models.OneToOneField(Office, on_delete=models.PROTECT, primary_key=True, related_name="blank_stock")
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    received = models.BigIntegerField(default=0)
    printed = models.BigIntegerField(default=0)
    spoiled = models.BigIntegerField(default=0)
    adjusted = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The database's backstop: services refuse first with a sentence.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="blank_on_hand_never_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="blank_reserved_never_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=models.F("on_hand")), name="blank_reserved_within_on_hand"),
        ]

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockCount(models.Model):
    """A physical count of blanks; its difference becomes an adjustment once the head approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="stock_counts")
    counted = models.PositiveIntegerField(_("blanks counted"))
    expected = models.BigIntegerField(_("blanks in the ledger"))
    counted_at = models.DateTimeField(auto_now_add=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    movement = models.OneToOneField(BlankMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="stock_count")

    class Meta:
        constraints = [
            # One count waits for the head at a time.
            models.UniqueConstraint(fields=["office"], condition=Q(status="pending"), name="one_pending_stock_count_per_office"),
        ]

    @property
    def difference(self):
        return self.counted - self.expected


class ReceiptCorrection(models.Model):
    """A receipt booked with a wrong quantity: the right quantity, why, and (when it lowers stock) the head's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        BOOKED = "booked", _("Booked")
        REJECTED = "rejected", _("Rejected")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="receipt_corrections")
    receipt = models.ForeignKey(BlankMovement, on_delete=models.PROTECT, related_name="receipt_corrections")
    quantity = models.PositiveIntegerField(_("right quantity"))
    reason = models.CharField(_("reason"), max_length=300)
    requested_at = models.DateTimeField(default=now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    movement = models.OneToOneField(BlankMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt_correction")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["receipt"], condition=Q(status="pending"), name="one_pending_correction_per_receipt"),
            models.CheckConstraint(condition=~Q(status="booked") | Q(movement__isnull=False), name="booked_receipt_correction_has_movement"),
        ]
