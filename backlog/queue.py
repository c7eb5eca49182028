"""The queue rule: the oldest waiting cards onto the blanks available, in batches that each commit.

available = on hand - reserved. Oldest by enrollment date, then id; records
on hold, void, queued or printed are not waiting and so never picked, nor is
a card before the day it may be printed (the age rule, on the office's today). Each
batch locks the office's ledger, decides on what it finds, queues at most
QUEUE_BUILD_BATCH cards and commits, so a desk waits for one batch (a
fraction of a second), never for a whole build of 100,000 cards. Two builds
at the same moment take turns batch by batch and never hand out one blank or
one card twice; with nothing available nothing is written.
"""
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.dates import local_day
from printing.models import QueueBuild
from registry.models import Office

from . import cards
from .locks import lock_ledger


def build_print_queue(*, office: Office, by=None, batch: int | None = None, at=None) -> QueueBuild:
    """Queue as many of the oldest waiting cards as there are blanks available. Returns the build (queued = how many).

    `at`: the moment of the build (now when not given); its day in the office's clock decides which cards are of age.
    """
    batch = batch or settings.QUEUE_BUILD_BATCH
    build = None
    given_back = False
    while True:
        with transaction.atomic():
            stock = lock_ledger(office.pk)
            moment = at or timezone.now()
            today = local_day(office, moment)
            if not given_back:
                # Cards queued before the age rule for residents not yet 17 wait for their day; their blanks go on.
                if cards.give_back_not_printable(office_id=office.pk, today=today, at=moment):
                    stock.refresh_from_db()
                given_back = True
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
    return build or QueueBuild(office=office, created_by=by, available=stock.available, queued=0)
