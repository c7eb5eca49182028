"""Two heads changing each other's accounts at the same moment never leave the office without a head (PostgreSQL, real threads)."""
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from people import accounts
from people.models import AccountChange
from people.roles import Role
from registry.models import User
from tests import factories as f
from tests.parallel import in_threads_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def refused_or_done(call):
    try:
        return ("done", call())
    except (ValidationError, PermissionDenied) as exc:
        return ("refused", exc)


def demote(office, by, other):
    return accounts.change_role(office=office, by=by, account_id=other.pk, role=Role.CLERK, now=timezone.now())


def deactivate(office, by, other):
    return accounts.set_active(office=office, by=by, account_id=other.pk, active=False, now=timezone.now())


@pytest.mark.parametrize("change", [demote, deactivate])
def test_two_heads_removing_each_other_at_once_leave_exactly_one_head(change):
    office = f.office("5371")
    f.user(office, Role.CLERK)
    for _round in range(8):
        User.objects.filter(office=office).update(role=Role.CLERK, is_active=True)
        first, second = f.user(office, Role.HEAD), f.user(office, Role.HEAD)
        results, errors = in_threads_at_once([partial(refused_or_done, partial(change, office, first, second)),
                                              partial(refused_or_done, partial(change, office, second, first))])
        assert errors == []
        assert sorted(status for status, _value in results) == ["done", "refused"]
        heads = User.objects.filter(office=office, role=Role.HEAD, is_active=True)
        assert heads.count() == 1
        assert heads.get() in (first, second)
    assert AccountChange.objects.filter(office=office).count() == 8


def test_a_head_stepping_down_while_the_other_is_deactivated_keeps_one(kupang):
    first, second = f.user(kupang, Role.HEAD), f.user(kupang, Role.HEAD)
    step_down = partial(accounts.change_role, office=kupang, by=first, account_id=first.pk, role=Role.CLERK, now=timezone.now())
    results, errors = in_threads_at_once([partial(refused_or_done, step_down), partial(refused_or_done, partial(deactivate, kupang, first, second))])
    assert errors == []
    assert User.objects.filter(office=kupang, role=Role.HEAD, is_active=True).count() == 1
