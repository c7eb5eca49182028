"""Tables of the stock desk and the requests page (django-tables2)."""
import django_tables2 as tables
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import BlankMovement, MovementKind


class MovementTable(tables.Table):
    """The ledger, newest first, with the balance after each movement (set by the view on the page's rows)."""

    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("When"))
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
        return ("+" if value > 0 else "") + formats.number_format(value, force_grouping=True)

    def render_balance_after(self, record):
        return formats.number_format(record.balance_after, force_grouping=True) if hasattr(record, "balance_after") else ""

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
        parts = [record.reference, record.reason]
        if record.delivery_note:
            parts.append(format_html("{} {}", _("delivery note"), record.delivery_note))
        if record.carried_by:
            parts.append(format_html("{} {}", _("carried by"), record.carried_by))
        return format_html(" · ".join(["{}"] * len([p for p in parts if p])), *[p for p in parts if p])
