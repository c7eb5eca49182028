from django.utils.translation import gettext as _

from backlog.queue import build_print_queue
from common.cli import ScriptCommand, office_by_code
from people.roles import acting_user
from registry.models import Office


class Command(ScriptCommand):
    help = "Queue the oldest waiting enrollments for the blanks available (every office, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--office", default="")
        parser.add_argument("--by", default="")

    def handle(self, *args, office, by, **options):
        offices = [office_by_code(office)] if office else Office.objects.all()
        user = acting_user(by)
        for each in offices:
            build = build_print_queue(office=each, by=user)
            self.stdout.write(_("%(code)s: %(queued)d queued (%(available)d blanks were available)")
                              % {"code": each.code, "queued": build.queued, "available": max(build.available, 0)})
