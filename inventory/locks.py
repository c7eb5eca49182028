"""The per-office locks, taken in one order everywhere: office row, then stock row.

Every ledger or queue write locks the office's BlankStock row first, so two
queue builds, a receipt and the print desk never decide on stale numbers.
Imports and duplicate handling lock the Office row before it, so they run
one at a time per office. Nothing locks in the opposite order: no deadlocks.
"""
from registry.models import Office

from .models import BlankStock


def lock_office(office_id) -> Office:
    return Office.objects.select_for_update().get(pk=office_id)


def lock_stock(office_id) -> BlankStock:
    return BlankStock.objects.select_for_update().get(office_id=office_id)
