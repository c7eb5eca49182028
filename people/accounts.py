"""The office's accounts, as the head manages them: add, change a role, deactivate, give a one-time password.

Every change locks the office's accounts first (in id order, the lock order of backlog/locks.py), checks
that the office keeps an active head, writes the change and an AccountChange row saying who made it and
when. Only the head of the office may; an administrator's account, or another office's, is never touched.
A deactivated account's sessions end at once: Django's ModelBackend finds no active user behind them on
their next request. A one-time password ends the account's sessions too (its session hash changes).
"""
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import second_factor
from .models import AccountChange
from .roles import OFFICE_ROLES, Role, may, require

# The roles a head gives (OFFICE_ROLES); an administrator is made on the server (createsuperuser), never here.
# Easy to read out and to type: no 0/o, 1/l/i.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Done:
    account: object
    change: AccountChange | None  # None: nothing to change
    password: str = ""  # the one-time password, shown to the head once


def one_time_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def lock_accounts(office_id) -> list:
    """The office's accounts, FOR UPDATE, in id order: account changes of one office run one after the other.

    Only account changes take these rows, and they take no other lock (see backlog/locks.py).
    """
    return list(get_user_model().objects.select_for_update(of=("self",)).filter(office_id=office_id).order_by("pk"))


def _require_head(by, office) -> None:
    require(by, "manage_accounts", office)
    if not by.is_active:
        raise PermissionDenied(_("Only the head of this office manages its accounts."))


def _still_head(accounts, by) -> None:
    """The head as the locked rows have it: a head demoted a moment ago by another acts no more."""
    if not any(a.pk == by.pk and a.is_active and may(a, "manage_accounts", a.office_id) for a in accounts):
        raise PermissionDenied(_("Only the head of this office manages its accounts."))


def _account(accounts, account_id):
    for account in accounts:
        if str(account.pk) == str(account_id) and account.role in OFFICE_ROLES and not (account.is_superuser or account.is_staff):
            return account
    raise ValidationError(_("This account is not one of your office's."), code="account")


def _keeps_a_head(accounts, changed) -> None:
    heads = [a for a in accounts if a.is_active and a.role == Role.HEAD and a.pk != changed.pk]
    if changed.is_active and changed.role == Role.HEAD:
        heads.append(changed)
    if not heads:
        raise ValidationError(_("The office must keep an active head: make another account head first."), code="last_head")


def _role(role):
    if role not in OFFICE_ROLES:
        raise ValidationError(_("Choose a role of the office."), code="role")
    return Role(role)


def _record(office, by, now, kind, account=None, old_role="", new_role="") -> AccountChange:
    return AccountChange.objects.create(office=office, account=account, by=by, at=now, kind=kind, old_role=old_role, new_role=new_role)


def add_account(*, office, by, username: str, first_name: str = "", last_name: str = "", role: str, now: datetime) -> Done:
    """A new account of the office with a one-time password, to be changed at its first login."""
    _require_head(by, office)
    role = _role(role)
    username = (username or "").strip()
    User = get_user_model()
    if not username:
        raise ValidationError(_("Give the account a login name."), code="username")
    try:
        User.username_validator(username)
    except ValidationError:
        raise ValidationError(_("A login name has letters, digits and . @ + - _ only."), code="username") from None
    if len(username) > User._meta.get_field("username").max_length:
        raise ValidationError(_("This login name is too long."), code="username")
    password = one_time_password()
    with transaction.atomic():
        _still_head(lock_accounts(office.pk), by)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("The login name %(name)s is taken.") % {"name": username}, code="username")
        try:
            with transaction.atomic():
                account = User.objects.create_user(username=username, password=password, office=office, role=role,
                                                   first_name=first_name.strip()[:150], last_name=last_name.strip()[:150],
                                                   must_change_password=True)
        except IntegrityError:
            raise ValidationError(_("The login name %(name)s is taken.") % {"name": username}, code="username") from None
        change = _record(office, by, now, AccountChange.Kind.ADDED, account, new_role=role)
    return Done(account, change, password)


def change_role(*, office, by, account_id, role: str, now: datetime) -> Done:
    _require_head(by, office)
    role = _role(role)
    with transaction.atomic():
        accounts = lock_accounts(office.pk)
        _still_head(accounts, by)
        account = _account(accounts, account_id)
        if account.role == role:
            return Done(account, None)
        old = account.role
        account.role = role
        _keeps_a_head(accounts, account)
        account.save(update_fields=["role"])
        change = _record(office, by, now, AccountChange.Kind.ROLE, account, old_role=old, new_role=role)
    return Done(account, change)


def set_active(*, office, by, account_id, active: bool, now: datetime) -> Done:
    """Deactivate (its sessions end at once, it cannot log in) or reactivate an account."""
    _require_head(by, office)
    with transaction.atomic():
        accounts = lock_accounts(office.pk)
        _still_head(accounts, by)
        account = _account(accounts, account_id)
        if account.is_active == active:
            return Done(account, None)
        account.is_active = active
        _keeps_a_head(accounts, account)
        account.save(update_fields=["is_active"])
        kind = AccountChange.Kind.REACTIVATED if active else AccountChange.Kind.DEACTIVATED
        change = _record(office, by, now, kind, account)
    return Done(account, change)


def reset_password(*, office, by, account_id, now: datetime) -> Done:
    """A one-time password for the account (changed at its next login); its sessions end and its second factor is set up again."""
    _require_head(by, office)
    if str(account_id) == str(by.pk):
        raise ValidationError(_("Change your own password on the Password page."), code="self")
    password = one_time_password()
    with transaction.atomic():
        accounts = lock_accounts(office.pk)
        _still_head(accounts, by)
        account = _account(accounts, account_id)
        account.set_password(password)
        account.must_change_password = True
        account.save(update_fields=["password", "must_change_password"])
        second_factor.forget(account)
        change = _record(office, by, now, AccountChange.Kind.PASSWORD_RESET, account)
    return Done(account, change, password)


def password_changed(user) -> None:
    """The account chose its own password: its one-time password is done with."""
    if user.must_change_password:
        get_user_model().objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False


def require_second_factor(*, office, by, required: bool, now: datetime):
    """The head turns the second factor on or off for the office's head and stock keeper accounts."""
    _require_head(by, office)
    with transaction.atomic():
        _still_head(lock_accounts(office.pk), by)
        Office = type(office)
        current = Office.objects.filter(pk=office.pk).values_list("second_factor_required", flat=True).get()
        office.second_factor_required = required
        if current == required:
            return None
        Office.objects.filter(pk=office.pk).update(second_factor_required=required)
        kind = AccountChange.Kind.SECOND_FACTOR_ON if required else AccountChange.Kind.SECOND_FACTOR_OFF
        return _record(office, by, now, kind)


def history(office, limit=50):
    return (AccountChange.objects.filter(office=office).select_related("account", "by").order_by("-at", "-id")[:limit])
