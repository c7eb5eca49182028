"""The desks' tables: the print queue in print order, and printed cards at the pickup desk."""
import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.dates import local_day
from printing.models import PRINT_ORDER, PrintJob


class QueueTable(tables.Table):
    """Queued cards; the number is the card's place in print order (oldest enrollment first)."""

    position = tables.Column(verbose_name=_("No."), empty_values=(), order_by=PRINT_ORDER, attrs={"td": {"class": "num"}})
    nik = tables.Column(verbose_name="NIK", accessor="enrollment__nik", orderable=False)
    name = tables.Column(verbose_name=_("Name"), accessor="enrollment__name", orderable=False)
    enrolled_on = tables.DateColumn(verbose_name=_("Enrollment date"), accessor="enrolled_on", order_by=PRINT_ORDER, short=True,
                                    attrs={"td": {"data-label": _("Enrollment date")}})
    actions = tables.TemplateColumn(template_name="printing/_queue_actions.html", verbose_name="", orderable=False, attrs={"td": {"class": "actions-cell"}})

    class Meta:
        model = PrintJob
        fields = ()
        sequence = ("position", "nik", "name", "enrolled_on", "actions")
        order_by = ("position",)
        template_name = "printing/table.html"
        attrs = {"class": "desk-table stack"}
        # The desk opens at `#job-<id>` after a card is marked: the next card's row (static/js/print-desk.js).
        row_attrs = {"id": lambda record: f"job-{record.pk}"}
        empty_text = _("The queue is empty.")

    def __init__(self, *args, base_url="", **kwargs):
        super().__init__(*args, **kwargs)
        # The desk is also shown at the batch form's address when it refuses a list.
        self.base_url = base_url

    def render_position(self, record):
        # Sorting is by print order only (either way), so a card's number is
        # the page's start plus its row on the page: no count over the queue.
        if not hasattr(self, "page"):
            return None
        ids = [job.pk for job in self.page.object_list.data]  # the page's rows, already fetched
        offset = self.page.start_index() + ids.index(record.pk)
        if self.order_by and self.order_by[0].is_descending:
            return self.paginator.count - offset + 1
        return offset


class CardTable(tables.Table):
    """Printed cards: the pickup desk's search results and its list of cards ready for pickup."""

    # Both lead to the card's page at the pickup desk (hand over, or who collected it and the receipt).
    nik = tables.Column(verbose_name="NIK", accessor="enrollment__nik", orderable=False, linkify=("pickup_card", {"pk": tables.A("pk")}))
    name = tables.Column(verbose_name=_("Name"), accessor="enrollment__name", order_by=("enrollment__name", "id"),
                         linkify=("pickup_card", {"pk": tables.A("pk")}))
    village = tables.Column(verbose_name=_("Village"), accessor="enrollment__village", orderable=False, attrs={"td": {"data-label": _("Village")}})
    enrolled_on = tables.DateColumn(verbose_name=_("Enrollment date"), accessor="enrolled_on", order_by=PRINT_ORDER, short=True,
                                    attrs={"td": {"data-label": _("Enrollment date")}})
    printed_at = tables.DateColumn(verbose_name=_("Printed on"), order_by=("printed_at", "id"), short=True, attrs={"td": {"data-label": _("Printed on")}})
    waiting = tables.Column(verbose_name=_("Days on the shelf"), accessor="printed_at", order_by=("-printed_at", "-id"),
                            attrs={"td": {"class": "num", "data-label": _("Days on the shelf")}})
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)
    actions = tables.TemplateColumn(template_name="printing/_card_actions.html", verbose_name="", orderable=False, attrs={"td": {"class": "actions-cell"}})

    class Meta:
        model = PrintJob
        fields = ()
        sequence = ("nik", "name", "village", "enrolled_on", "printed_at", "waiting", "status", "actions")
        template_name = "printing/table.html"
        attrs = {"class": "desk-table stack"}
        empty_text = _("No card found.")

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office

    def render_waiting(self, record):
        if record.collected_at is not None:
            return "—"
        return (local_day(self.office) - local_day(self.office, record.printed_at)).days

    def render_status(self, record):
        if record.collected_at is None:
            return _("Ready for pickup")
        return _("Collected on %(date)s by %(name)s") % {
            "date": date_format(local_day(self.office, record.collected_at), "SHORT_DATE_FORMAT"), "name": record.collected_by_name,
        }
