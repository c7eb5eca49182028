"""The maintained per-office state counts: every service that moves cards calls bump()."""
from django.db.models import F

from .models import EnrollmentCounts


def bump(office_id, **deltas):
    """Add each delta (state name -> change) to the office's counts, in the caller's transaction."""
    changes = {state: F(state) + delta for state, delta in deltas.items() if delta}
    if changes:
        EnrollmentCounts.objects.filter(office_id=office_id).update(**changes)
