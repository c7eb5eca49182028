from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.ledger import receive_blanks
from common.cli import ScriptCommand, error_text, office_by_code
from people.roles import acting_user
from inventory.models import BlankStock


class Command(ScriptCommand):
    help = "Book blanks received from the ministry; the print queue is then rebuilt."

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True)
        parser.add_argument("--quantity", required=True, type=int)
        parser.add_argument("--reference", required=True, help="letter or request number the blanks came against")
        parser.add_argument("--delivery-note", default="")
        parser.add_argument("--carried-by", default="")
        parser.add_argument("--by", default="")

    def handle(self, *args, office, quantity, reference, delivery_note, carried_by, by, **options):
        office = office_by_code(office)
        started = timezone.now()
        try:
            movement = receive_blanks(office=office, quantity=quantity, reference=reference, by=acting_user(by),
                           delivery_note=delivery_note, carried_by=carried_by)
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        stock = BlankStock.objects.get(office=office)
        if movement.created_at < started:
            self.stdout.write(_("Delivery note %(note)s was already booked (%(quantity)d blanks); nothing added. On hand %(on_hand)d.")
                              % {"note": delivery_note, "quantity": movement.quantity, "on_hand": stock.on_hand})
            return
        self.stdout.write(_("%(quantity)d blanks received; on hand %(on_hand)d, available %(available)d")
                          % {"quantity": quantity, "on_hand": stock.on_hand, "available": stock.available})
