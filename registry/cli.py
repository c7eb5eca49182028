"""What the management commands share: finding an office and a user, and errors as one line."""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from .models import Office

SYSTEM_USERNAME = "sistem"


class ScriptCommand(BaseCommand):
    """A stable command that scripts run often: Django's system checks (which load every page) are `manage.py check`'s job."""

    requires_system_checks = []


def office_by_code(code) -> Office:
    """The office named by --office; an unknown code exits 2 (a usage error, as argparse's) with one sentence."""
    try:
        return Office.objects.get(code=code)
    except Office.DoesNotExist:
        raise CommandError(_("No office with region code %(code)s; create it with create_office.") % {"code": code},
                           returncode=2) from None


def system_user():
    """The author of what a command does when no person is named."""
    user, _created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "Sistem", "is_active": False}
    )
    return user


def acting_user(username):
    """The user named by --by, or the system user for scripted runs."""
    if not username:
        return system_user()
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No user named %(name)s.") % {"name": username}) from None


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)
