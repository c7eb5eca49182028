"""The login throttle: who may try a password now, and the blocks a head of office sees and lifts.

django-axes counts failed logins in the database and blocks an address after
LOGIN_FAILURES_PER_ADDRESS of them, for one account or across accounts. Axes
can only block; blocking an account would let a stranger lock the head out,
so failures for one account from many addresses only slow it down, and that
slow-down is written here (SlowDownMiddleware). A login with a right second
factor code (people.second_factor) is never slowed down.
"""
import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from common.addresses import client_address

from . import second_factor
from .forms import LoginForm
from .roles import require

log = logging.getLogger(__name__)

LOGIN_VIEWS = {"login", "admin:login"}


def failures_per_address(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT, read at each request so that a changed setting (or a test's) applies."""
    return settings.LOGIN_FAILURES_PER_ADDRESS


def block_length(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long an address stays blocked after its last failed login."""
    return timedelta(minutes=settings.LOGIN_BLOCK_MINUTES)


def login_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same client address the public pages count (an IPv6 client by its /64).

    An address that cannot be read is stored as none: PostgreSQL's inet column takes no "unknown".
    """
    address = client_address(request)
    return None if address == "unknown" else address


def refusal(request, sentence: str, retry_after: int):
    """The login page with one sentence instead of an answer about the password (HTTP 429)."""
    response = render(request, "registration/login.html", {"form": LoginForm(request), "refusal": sentence}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def blocked_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what a blocked address sees, whatever password it sent, and for how long still."""
    now = timezone.now()
    last = _recent(now).filter(ip_address=request.axes_ip_address).aggregate(last=Max("attempt_time"))["last"] or now
    seconds = max(1, ceil((last + block_length() - now).total_seconds()))
    minutes = ceil(seconds / 60)
    sentence = ngettext(
        "Too many failed logins from this address. Try again in %(minutes)d minute, or ask the head of your office to lift the block.",
        "Too many failed logins from this address. Try again in %(minutes)d minutes, or ask the head of your office to lift the block.",
        minutes) % {"minutes": minutes}
    return refusal(request, sentence, seconds)


def account_wait(username: str, address: str | None, now: datetime) -> int:
    """Seconds before this account may be tried again from this address; 0: now.

    Once the account has LOGIN_FAILURES_PER_ACCOUNT recent failures (from any
    addresses), one try is checked per 2, 4, 8 ... seconds after its last
    failure, at most LOGIN_SLOW_DOWN_MAX_SECONDS. Tries in between are refused
    without being counted (as are tries from a blocked address), so strangers
    cannot push the wait further out. An address this account has logged in
    from before is never slowed: the head at their own desk gets in while
    strangers guess elsewhere.
    """
    if not username:
        return 0
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - block_length())
    figures = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    over = (figures["failures"] or 0) - settings.LOGIN_FAILURES_PER_ACCOUNT
    if over < 0:
        return 0
    if address is not None and AccessLog.objects.filter(username=username, ip_address=address).exists():
        return 0
    delay = min(2 ** (over + 1), settings.LOGIN_SLOW_DOWN_MAX_SECONDS)
    return max(0, ceil((figures["last"] + timedelta(seconds=delay) - now).total_seconds()))


class SlowDownMiddleware:
    """Refuses a login to a slowed-down account before its password is checked (the office login and the admin's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match.view_name not in LOGIN_VIEWS:
            return None
        username = request.POST.get("username", "")
        if AxesProxyHandler.is_locked(request, {"username": username}):
            return None  # a blocked address hears that from axes, the plainer answer
        wait = account_wait(username, request.axes_ip_address, timezone.now())
        if not wait or _second_factor_given(request, username):
            return None
        return refusal(request, _("Too many failed logins for this account. Try again in a few seconds."), wait)


def _second_factor_given(request, username: str) -> bool:
    """A right code from the account's phone app: its owner, whom strangers' guesses never slow down.

    The password is still checked as usual; the login form is told that the code was (a code is good once).
    """
    account = get_user_model().objects.filter(username=username).first()
    if account is None or not second_factor.code_is_valid(account, request.POST.get("code", "")):
        return False
    request.second_factor_checked = account.pk
    return True


@dataclass(frozen=True)
class Block:
    address: str
    accounts: list[str]  # the office's accounts tried from this address
    failures: int  # from this address, on any account
    until: datetime


@dataclass(frozen=True)
class SlowedAccount:
    username: str
    failures: int
    addresses: int


def _recent(now: datetime):
    # Axes' own window: failures older than the block length no longer count.
    return AccessAttempt.objects.filter(attempt_time__gte=now - block_length())


def _usernames(office):
    return get_user_model().objects.filter(office=office).values("username")


def office_blocks(office, now: datetime) -> list[Block]:
    """Addresses blocked now that failed on this office's accounts, the latest first."""
    recent = _recent(now)
    tried = recent.filter(username__in=_usernames(office)).values_list("ip_address", "username").distinct()
    accounts = {}
    for address, username in tried:
        accounts.setdefault(address, set()).add(username)
    totals = (recent.filter(ip_address__in=[a for a in accounts if a is not None]).values("ip_address")
              .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
              .filter(failures__gte=settings.LOGIN_FAILURES_PER_ADDRESS).order_by("-last"))
    return [Block(address=row["ip_address"], accounts=sorted(accounts[row["ip_address"]]), failures=row["failures"],
                  until=row["last"] + block_length()) for row in totals]


def office_slowed_accounts(office, now: datetime) -> list[SlowedAccount]:
    """The office's accounts being slowed down now (failures from many addresses)."""
    rows = (_recent(now).filter(username__in=_usernames(office)).values("username")
            .annotate(failures=Sum("failures_since_start"), addresses=Count("ip_address", distinct=True))
            .filter(failures__gte=settings.LOGIN_FAILURES_PER_ACCOUNT).order_by("username"))
    return [SlowedAccount(**row) for row in rows]


def lift_block(*, office, address: str, by) -> int:
    """Forget the failed logins from this address on the office's accounts and on names that are nobody's account.

    Failures on another office's accounts stay: lifting those is that office's head's call.
    Returns how many failure records were forgotten.
    """
    require(by, "manage_login_blocks", office)
    try:
        ipaddress.ip_network(address, strict=False)
    except ValueError:
        raise ValidationError(_("This address has no block on your office's accounts.")) from None
    from_address = AccessAttempt.objects.filter(ip_address=address)
    if not from_address.filter(username__in=_usernames(office)).exists():
        raise ValidationError(_("This address has no block on your office's accounts."))
    others = get_user_model().objects.exclude(office=office).values("username")
    forgotten, _by_model = from_address.exclude(username__in=others).delete()
    log.warning("Login block on %s lifted for office %s by %s (%d failure records)", address, office.code, by.username, forgotten)
    return forgotten
