"""The queue rule: the oldest waiting cards onto the blanks available, in batches that each commit.

available = on hand - reserved. Oldest by enrollment date, then id; records
on hold, void, queued or printed are not waiting and so never picked, nor is
a card before the day it may be printed (the age rule, on the office's today). Each
batch locks the office's ledger, decides on what it finds, queues the
oldest cards it can in about QUEUE_BUILD_SECONDS (its size from the pace of
the batch before; QUEUE_BUILD_BATCH cards first) and commits, so a desk
waits for one batch (a fraction of a second), never for a whole build of
100,000 cards. Each batch picks from the head of the waiting cards again:
a card given back behind the build is picked up, never skipped. Two builds
at the same moment take turns batch by batch and never hand out one blank or
one card twice; with nothing available nothing is written but what the
build found, on the imports that asked for it.
"""
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.dates import local_day
from people.roles import require
from printing.models import QueueBuild
from registry.models import EnrollmentImport, Office

from . import cards
from .locks import lock_ledger


def build_print_queue(*, office: Office, by, batch: int | None = None, at=None) -> QueueBuild:
    """Queue as many of the oldest waiting cards as there are blanks available. Returns the build (queued = how many).

    `at`: the moment of the build (now when not given); its day in the office's clock decides which cards are of age.
    `batch`: every batch this many cards (otherwise sized by time, QUEUE_BUILD_SECONDS).
    The imports with new records committed before the build, whose build had not run yet, record what it did
    (when, the blanks it found free, the cards it queued), for their upload's page.
    """
    require(by, "build_queue", office)
    timed = batch is None and settings.QUEUE_BUILD_SECONDS > 0
    batch = batch or settings.QUEUE_BUILD_BATCH
    build = None
    given_back = False
    imports, available = [], None
    while True:
        with transaction.atomic():
            stock = lock_ledger(office.pk)
            locked = time.perf_counter()  # the batch is timed under the lock: the time a desk may wait for it
            moment = at or timezone.now()
            today = local_day(office, moment)
            if not given_back:
                # Cards queued before the age rule for residents not yet 17 wait for their day; their blanks go on.
                if cards.give_back_not_printable(office_id=office.pk, today=today, at=moment):
                    stock.refresh_from_db()
                given_back = True
                imports = list(_waiting_imports(office).values_list("pk", flat=True))
                available = stock.available
            wanted = min(stock.available, batch)
            if wanted <= 0:
                break
            if build is None:
                build = QueueBuild.objects.create(office=office, created_by=by, available=stock.available)
            queued = len(cards.queue_oldest(office_id=office.pk, limit=wanted, build=build, today=today, at=moment))
            if queued:
                build.queued += queued
                build.save(update_fields=["queued"])
            elif build.queued == 0:
                build.delete()
                build = None
            if queued < wanted:
                break
        if timed:
            batch = next_batch(wanted, seconds=time.perf_counter() - locked)
    build = build or QueueBuild(office=office, created_by=by, available=stock.available, queued=0)
    if imports:
        # The first build to finish speaks for the import; one running beside it found the same cards taken.
        _waiting_imports(office).filter(pk__in=imports).update(
            queue_built_at=at or timezone.now(), queue_available=available, queue_queued=build.queued)
    return build


def next_batch(cards: int, *, seconds: float) -> int:
    """The size of the next batch, from a batch of `cards` having held the lock `seconds`: what fits in QUEUE_BUILD_SECONDS.

    At most twice the last (a pace measured in a quiet moment overshoots once the desks share the cores: with four
    times, desks waited up to 0.7 s at p99), at least 100 cards, at most 50,000.
    """
    fits = int(cards * settings.QUEUE_BUILD_SECONDS / max(seconds, 0.001))
    return max(100, min(fits, 2 * cards, 50_000))


def _waiting_imports(office):
    """Imports of the office with new records whose queue build has not run yet (a partial index: a few rows)."""
    return EnrollmentImport.objects.filter(office=office, imported__gt=0, queue_built_at__isnull=True)
