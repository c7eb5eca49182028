"""What the management commands share: finding an office, errors as one line, honest exit codes (the acting user: people.roles)."""
import sys

import psycopg2
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

# Exit codes every stable command keeps (README, "Command line"): 0 done, 1 and 2 as each command says
# (2 is always a usage error or an unusable input), and this one for an outage.
EXIT_DATABASE = 3
# The database could not be reached, or went away mid-command. psycopg2's own errors too: COPY runs on
# the raw cursor, outside Django's wrapping of errors.
DATABASE_DOWN = (OperationalError, InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)


class ScriptCommand(BaseCommand):
    """A stable command that scripts run often.

    Django's system checks (which load every page) are `manage.py check`'s
    job. An outage ends it with EXIT_DATABASE and one sentence, never a
    traceback (`--traceback` still shows one).
    """

    requires_system_checks = []

    def run_from_argv(self, argv):
        hook = sys.excepthook
        if "--traceback" not in argv:
            sys.excepthook = _quiet_about_outages(hook)
        try:
            super().run_from_argv(argv)
        except DATABASE_DOWN as exc:
            if "--traceback" in argv:
                raise
            self.stderr.write(database_down_text(exc))
            sys.exit(EXIT_DATABASE)
        finally:
            sys.excepthook = hook


def _quiet_about_outages(hook):
    """sys.excepthook, silent for a lost connection: psycopg2 prints one itself (through PyErr_Print) when the
    server ends a COPY midway, before raising the error that ends the command with its one sentence."""

    def excepthook(kind, value, traceback):
        if not any(isinstance(error, DATABASE_DOWN) for error in _chain(value)):
            hook(kind, value, traceback)

    return excepthook


def _chain(exc):
    """An exception and those it was raised from or during, latest first."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def database_down_text(exc) -> str:
    """One line for an outage: the sentence, and the driver's first line saying which database and why."""
    detail = next((line.strip() for line in str(exc).splitlines() if line.strip()), exc.__class__.__name__)
    return _("The database could not be reached or the connection was lost (%(error)s); the command stopped.") % {"error": detail}


def office_by_code(code):
    """The office named by --office; an unknown code exits 2 (a usage error, as argparse's) with one sentence."""
    try:
        return apps.get_model("registry", "Office").objects.get(code=code)
    except ObjectDoesNotExist:
        raise CommandError(_("No office with region code %(code)s; create it with create_office.") % {"code": code},
                           returncode=2) from None


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)
