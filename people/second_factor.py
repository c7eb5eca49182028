"""The second factor of office accounts: a TOTP code from a phone app (django-otp), its QR code (segno).

Once the head requires it for the office, the head and the stock keeper (the roles that hold the office's
accounts and its blanks) need it to log in. A login with the right code is never slowed down by the login
throttle (people.login_throttle): a stranger guessing the password cannot keep the owner out of a new computer.
"""
from base64 import b32encode

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import Role

ROLES = (Role.HEAD, Role.STOCK_KEEPER)


def required(user) -> bool:
    """Whether this account must log in with a code (its office requires one for its role)."""
    return user.office_id is not None and user.role in ROLES and user.office.second_factor_required


def device(user) -> TOTPDevice | None:
    """The account's confirmed device: the one its codes are checked against."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice | None:
    """The device being set up, shown as a QR code until a first code confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def accounts_with_device(office) -> set:
    """The ids of the office's accounts with a confirmed device."""
    return set(TOTPDevice.objects.filter(user__office=office, confirmed=True).values_list("user_id", flat=True))


def code_is_valid(user, code: str) -> bool:
    """Whether the code is right now for the account's confirmed device (a code is good once)."""
    found = device(user)
    code = (code or "").strip().replace(" ", "")
    return bool(found and code.isdigit() and found.verify_token(code))


@transaction.atomic
def start(user) -> TOTPDevice:
    """A new secret to scan, replacing any earlier one not yet confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=False)


@transaction.atomic
def confirm(user, code: str) -> bool:
    """The first code from the app confirms the pending device; it replaces any earlier one. False: wrong code."""
    pending = pending_device(user)
    code = (code or "").strip().replace(" ", "")
    if pending is None or not code.isdigit() or not pending.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
    pending.confirmed = True
    pending.save(update_fields=["confirmed"])
    return True


def forget(user) -> None:
    """The account's devices go (a lost phone): it sets up a new one at its next login if its office requires it."""
    TOTPDevice.objects.filter(user=user).delete()


def qr_svg(pending: TOTPDevice) -> str:
    """The setup QR code, as inline SVG."""
    return segno.make(pending.config_url, error="m").svg_inline(scale=5, border=2, light="#fff")


def manual_key(pending: TOTPDevice) -> str:
    """The secret as an app takes it typed in (base32, in groups of four)."""
    key = b32encode(pending.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))
