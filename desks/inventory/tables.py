"""Tables of the stock desk and the requests page (django-tables2)."""
import django_tables2 as tables
from django.urls import reverse
from django.utils import formats
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.numbers import number
from inventory.models import BlankMovement, MovementKind


class MovementTable(tables.Table):
    """The ledger, the latest movement first (by its time, then its id), with the balance after each (set by the view on the page's rows)."""

    created_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT", verbose_name=_("When"))
    kind = tables.Column(verbose_name=_("Kind"))
    quantity = tables.Column(verbose_name=_("Quantity"), attrs={"td": {"class": "num quantity"}, "th": {"class": "num"}})
    balance_after = tables.Column(verbose_name=_("Balance"), empty_values=(), attrs={"td": {"class": "num balance"}, "th": {"class": "num"}})
    why = tables.Column(verbose_name=_("Reference / reason"), empty_values=())
    created_by = tables.Column(verbose_name=_("Who"))
    # For the stock keeper and the head (the view leaves it out for the others).
    correct = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta:
        model = BlankMovement
        fields = ("created_at", "kind", "quantity", "balance_after", "why", "created_by", "correct")
        orderable = False  # a running balance only reads in ledger order
        attrs = {"class": "data ledger"}
        empty_text = _("No movements.")

    def render_quantity(self, value):
        return ("+" if value > 0 else "") + number(value)

    def render_balance_after(self, record):
        return number(record.balance_after) if hasattr(record, "balance_after") else ""

    def render_created_by(self, record):
        who = record.created_by.get_username()
        if record.approved_by_id:
            return format_html("{}<br><small class=\"muted\">{} {}</small>", who, _("approved by"), record.approved_by.get_username())
        return who

    def render_correct(self, record):
        if record.kind != MovementKind.RECEIPT or record.reverses_id:
            return ""
        return format_html('<a class="button secondary" href="{}">{}</a>', reverse("stock_receipt_correct", args=[record.pk]), _("Correct"))

    def render_why(self, record):
        """What the movement is about, in the words of its document: the card (NIK, name), the delivery, the count."""
        parts = []
        if record.reverses_id:
            parts.append(format_html("{} {} {}", _("correction of"), record.reverses.get_kind_display().lower(),
                                     formats.date_format(timezone.localtime(record.reverses.created_at), "SHORT_DATETIME_FORMAT")))
        if record.print_job_id:
            enrollment = record.print_job.enrollment
            parts.append(format_html('<a href="{}">{} {}</a>', reverse("enrollment_detail", args=[enrollment.pk]),
                                     enrollment.nik, enrollment.name))
            if record.kind == MovementKind.SPOILED and not record.reverses_id:
                parts.append(_("spoiled in the printer"))
        elif record.kind == MovementKind.RECEIPT:
            parts.append(format_html("{} {}", _("letter"), record.request.reference) if record.request_id else record.reference)
            if record.delivery_note:
                parts.append(format_html("{} {}", _("delivery note"), record.delivery_note))
            if record.carried_by:
                parts.append(format_html("{} {}", _("carried by"), record.carried_by))
        elif record.kind == MovementKind.SPOILED:
            parts.append(format_html("{} {}", _("damage report"), record.reference))
        elif record.kind == MovementKind.ADJUSTMENT and getattr(record, "stock_count", None) is not None:
            count = record.stock_count
            parts.append(_("stock count of %(day)s: %(counted)s counted, %(expected)s in the ledger") % {
                "day": formats.date_format(timezone.localtime(count.counted_at), "SHORT_DATE_FORMAT"),
                "counted": number(count.counted),
                "expected": number(count.expected)})
        else:
            parts.append(record.reference)
        if record.reason:
            parts.append(record.reason)
        parts = [part for part in parts if part]
        return format_html_join(" · ", "{}", ((part,) for part in parts))
