"""Who may see and do what: every office page goes through these.

A user sees only their own office. Views take the office from the user,
never from the URL or the form, and fetch records with `office_object`, so
a clerk of 5371 who types the id of a 3603 record gets a 404.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Role

EVERYONE = (Role.CLERK, Role.STOCK_KEEPER, Role.HEAD)


def office_view(*roles):
    """A page of the user's office, for these roles (all office roles if none given).

    Sets `request.office`. Users without an office (the admin) get 403.
    """
    allowed = set(roles or EVERYONE)

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.office_id is None:
                raise PermissionDenied(_("Your account is not attached to an office."))
            if user.role not in allowed:
                raise PermissionDenied(_("This page is not for your role."))
            request.office = user.office
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorate


def office_object(queryset_or_model, request, **lookup):
    """The record with this lookup in the user's office, or 404 (never another office's)."""
    queryset = getattr(queryset_or_model, "objects", queryset_or_model)
    return get_object_or_404(queryset.all(), office=request.office, **lookup)
