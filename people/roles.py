"""The roles of an office's people, and the one table of who may do what (ACTIONS).

Every service of the write side calls `require(by, action, office)` before it
changes anything; the views (`people.access.office_view("action")`), the menu
and the buttons (`{{ user|may:"action" }}`) read the same table, so a role is
never shown an action that would be refused. Commands and Celery tasks act as
the system user `sistem` (`system_user()`), which may do what the stable
commands and the periodic work need and nothing else. A person acts only in
their own office; the system and the administrator (no office) act on any.
"""
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _, gettext_lazy

SYSTEM_USERNAME = "sistem"


class Role(models.TextChoices):
    CLERK = "clerk", gettext_lazy("Clerk (petugas)")
    STOCK_KEEPER = "stock_keeper", gettext_lazy("Stock keeper (bendahara barang)")
    HEAD = "head", gettext_lazy("Head of office (kepala dinas)")
    ADMIN = "admin", gettext_lazy("Administrator")


# The roles an office's people have (the administrator has no office).
OFFICE_ROLES = (Role.CLERK, Role.STOCK_KEEPER, Role.HEAD)
# Not a role anyone is given: the actor of commands and tasks (the user `sistem`), in the table beside the roles.
SYSTEM = "system"
ACTORS = {**{role.value: role.label for role in Role}, SYSTEM: gettext_lazy("the system (commands and tasks)")}

C, K, H, A = Role.CLERK.value, Role.STOCK_KEEPER.value, Role.HEAD.value, Role.ADMIN.value


@dataclass(frozen=True)
class Action:
    actors: frozenset
    label: object  # what is done, as a noun phrase ("Uploading a SIAK export"), for refusals and docs


def _action(label, *actors):
    return Action(frozenset(actors), label)


ACTIONS = {
    # Every office page, to look at.
    "see_office": _action(gettext_lazy("Looking at the office's desks"), C, K, H),
    # Enrollments and their records
    "upload_enrollments": _action(gettext_lazy("Uploading or importing a SIAK export"), C, H, SYSTEM),
    "correct_records": _action(gettext_lazy("Correcting, voiding or recording a marriage on a record"), C, H),
    "resolve_duplicates": _action(gettext_lazy("Resolving a duplicate case or recording the resident's visit"), C, H),
    "reopen_duplicates": _action(gettext_lazy("Reopening a closed duplicate case"), H),
    "issue_suket": _action(gettext_lazy("Issuing or printing a Suket"), C, H),
    # The print desk and the pickup desk
    "build_queue": _action(gettext_lazy("Building the print queue"), C, H, SYSTEM),
    "print_cards": _action(gettext_lazy("Marking cards printed or blanks spoiled at the printer"), C),
    "correct_marks": _action(gettext_lazy("Undoing a printed, spoiled or pickup mark on its working day"), C, H),
    "correct_past_marks": _action(gettext_lazy("Undoing a printed, spoiled or pickup mark after its working day"), H),
    "report_defective": _action(gettext_lazy("Recording a printed card as defective"), C, H),
    "hand_over_cards": _action(gettext_lazy("Handing cards over at the pickup desk"), C),
    # The blank stock
    "receive_blanks": _action(gettext_lazy("Booking blanks received from the ministry"), K, H, SYSTEM),
    "write_off_blanks": _action(gettext_lazy("Writing off blanks spoiled or lost on the shelf"), K, H),
    "count_stock": _action(gettext_lazy("Recording a stock count"), K),
    "decide_stock_counts": _action(gettext_lazy("Approving or rejecting a stock count"), H),
    "correct_receipts": _action(gettext_lazy("Correcting a receipt's quantity"), K, H),
    "decide_receipt_corrections": _action(gettext_lazy("Approving or rejecting a correction that lowers stock"), H),
    "see_stock_reports": _action(gettext_lazy("Printing the monthly stock report and the berita acara"), K, H),
    # The head's work
    "write_requests": _action(gettext_lazy("Drafting, sending and closing requests to the ministry"), H),
    "set_lead_time": _action(gettext_lazy("Setting the ministry's lead time"), H),
    "manage_login_blocks": _action(gettext_lazy("Seeing and lifting login blocks"), H),
    "manage_accounts": _action(gettext_lazy("Managing the office's accounts"), H),
    # The deployment's own work
    "create_offices": _action(gettext_lazy("Creating an office"), A, SYSTEM),
    "set_time_zone": _action(gettext_lazy("Moving an office to another time zone"), A, SYSTEM),
    "apply_later_exports": _action(gettext_lazy("Applying what a later SIAK export says of records held"), C, H, SYSTEM),
    "remove_old_uploads": _action(gettext_lazy("Removing old uploaded files"), SYSTEM),
}


class Refused(PermissionDenied):
    """An action this actor may not take here; the message is a sentence for the person (or the command's output)."""


def actor_of(user) -> str | None:
    """The table's column for this user: their role, `system` for the user `sistem`, None for nobody.

    A superuser without an office (made by `createsuperuser`, whatever its role field says) is the administrator.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.office_id is None:
        if user.get_username() == SYSTEM_USERNAME:
            return SYSTEM
        if user.is_superuser:
            return Role.ADMIN.value
    return user.role


def _office_id(office):
    return getattr(office, "pk", office)


def may(user, action: str, office=None) -> bool:
    """Whether this user may take this action (in this office, when given: a person only in their own)."""
    entry = ACTIONS[action]
    actor = actor_of(user)
    if actor not in entry.actors:
        return False
    if actor in (SYSTEM, Role.ADMIN):
        return True
    if user.office_id is None:
        return False
    return office is None or _office_id(office) == user.office_id


def require(user, action: str, office=None) -> None:
    """Refuse (Refused, with a sentence) unless this user may take this action here."""
    if not may(user, action, office):
        raise Refused(refusal(user, action, office))


def who_may(action: str) -> list[str]:
    """The actors of an action in the table's order: the roles, then the system."""
    actors = ACTIONS[action].actors
    return [actor for actor in ACTORS if actor in actors]


def _names(actors) -> str:
    names = [str(ACTORS[actor]).lower() for actor in actors]
    if len(names) == 1:
        return names[0]
    return _("%(some)s or %(last)s") % {"some": ", ".join(names[:-1]), "last": names[-1]}


def refusal(user, action: str, office=None) -> str:
    """The sentence a refused actor reads: what was refused and who may do it."""
    entry = ACTIONS[action]
    if user is None:
        return _("%(action)s is refused: no one is named as doing it.") % {"action": entry.label}
    actor = actor_of(user)
    if actor in entry.actors:
        return _("%(action)s: this is another office's work.") % {"action": entry.label}
    people = [actor for actor in who_may(action) if actor != SYSTEM] or who_may(action)
    return _("%(action)s is for %(who)s only.") % {"action": entry.label, "who": _names(people)}


def system_user():
    """The actor of what commands and tasks do when no person is named: the user `sistem`, who cannot log in."""
    from django.contrib.auth import get_user_model  # the user model is registry's; people imports no app
    from django.contrib.auth.hashers import make_password

    user, _created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "Sistem", "is_active": False, "password": make_password(None)}
    )
    return user


def acting_user(username):
    """The user a command names with --by, or the system user for scripted runs."""
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    if not username:
        return system_user()
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No user named %(name)s.") % {"name": username}) from None
