from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from backlog.offices import create_office
from common.cli import ScriptCommand, error_text
from people.roles import system_user


class Command(ScriptCommand):
    help = "Create an office from its 4-digit region code (name defaults from python-stdnum's region table)."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--name", default="")

    def handle(self, *args, code, name, **options):
        try:
            office = create_office(code=code, name=name, by=system_user())
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        self.stdout.write(f"{office.code} {office.name}")
