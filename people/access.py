"""Who may see and do what: every office page goes through these.

A user sees only their own office. Views take the office from the user,
never from the URL or the form, and fetch records with `office_object`, so
a clerk of 5371 who types the id of a 3603 record gets a 404.

Every desk form carries a one-time token (`{% form_token %}`). A POST with
one runs in one transaction with the record that the token was used
(SentForm), kept when the work is done (the view redirects, as every
successful desk POST does): the same form sent again — a double click, or
after an outage the browser's "resend" — does its work once, and a form
shown again with a sentence, or cut off by the outage (nothing committed),
can be sent again. Views whose work commits in steps (a queue
build, a list of NIKs) are idempotent by design and say `steps=True`.
"""
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from common.web import safe_next

from .models import SentForm
from .roles import ACTIONS, OFFICE_ROLES, require

FORM_TOKEN = "form_token"

def office_view(action="see_office", *, steps=False):
    """A page of the user's office, for those who may take `action` (people.roles.ACTIONS; by default, everyone's pages).

    Sets `request.office`, and renders the page in the office's time zone.
    Users without an office (the admin) get 403, and so does a role the
    table does not give the action. A POST carrying a form token does its
    work once (see above), unless the view commits in `steps`.
    """
    if action not in ACTIONS:
        raise TypeError(f"office_view takes an action of people.roles.ACTIONS, not {action!r}")

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.office_id is None:
                raise PermissionDenied(_("Your account is not attached to an office."))
            require(user, action)
            request.office = user.office
            token = request.POST.get(FORM_TOKEN, "") if request.method == "POST" and not steps else ""
            # Every office view renders its page before it returns (no lazy TemplateResponse), so times show in the office's clock.
            with timezone.override(request.office.zone):
                if not token:
                    return view(request, *args, **kwargs)
                return _once(request, token, lambda: view(request, *args, **kwargs))

        wrapper.action = action
        wrapper.allowed_roles = {role for role in OFFICE_ROLES if role in ACTIONS[action].actors}
        return wrapper

    return decorate


def _once(request, token, run):
    try:
        with transaction.atomic():
            sent = SentForm.objects.create(token=token[:64], user=request.user, path=request.path[:300])
            response = run()
            if not 300 <= response.status_code < 400:
                sent.delete()  # the form shown again (refused with a sentence): corrected, it may be sent again
            return response
    except IntegrityError:
        if not SentForm.objects.filter(token=token[:64]).exists():
            raise
    messages.info(request, _("This form was already sent and its work is done; it was not done twice."))
    # Back to the page the form was on; without it, the office's first page (the form's own address may take POST only).
    return redirect(safe_next(request, "home", target=request.META.get("HTTP_REFERER", "")))


def office_object(queryset_or_model, request, **lookup):
    """The record with this lookup in the user's office, or 404 (never another office's)."""
    queryset = getattr(queryset_or_model, "objects", queryset_or_model)
    return get_object_or_404(queryset.all(), office=request.office, **lookup)
