"""Asking for background work once the caller's transaction has committed: by the task's name, never by import.

A service that frees blanks asks for the office's queue build; the task
that builds it calls the queue's service. Asking by name, as the broker
itself does, keeps the write side's modules free of import cycles. With no
broker (the embedded default) the task runs in-process after commit,
found through Celery's own registry of the installed apps' task modules.

Nothing is lost when the broker is away: what was asked for follows from
what was committed (blanks free while cards wait, an upload waiting), so
asking only says "now" and a failure to ask is logged, not raised — the
action the user took has committed and says so. Celery beat's sweep
(`due_work`, every WORK_SWEEP_SECONDS) asks again for whatever is due.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.dates import local_day
from inventory.models import BlankStock
from registry.models import Enrollment, EnrollmentState, EnrollmentUpload, StatusUpdate

log = logging.getLogger(__name__)

BUILD_QUEUE = "backlog.tasks.build_print_queue_task"
IMPORT_UPLOAD = "backlog.tasks.import_upload_task"
APPLY_STATUSES = "backlog.tasks.apply_status_updates_task"


def after_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: send(task_name, *args))


def send(task_name: str, *args) -> None:
    from config.celery import app  # loads Celery only when work is asked for

    if app.conf.task_always_eager:
        app.loader.import_default_modules()
        app.tasks[task_name].apply(args=args, throw=True)
        return
    try:
        app.send_task(task_name, args=args)
    except Exception as exc:  # noqa: BLE001 - the broker is away: the sweep asks again once it is back
        log.warning("could not ask for %s%r (%s); the sweep will once the broker is back", task_name, args, exc)


def ask_for_queue_build(office_id) -> None:
    after_commit(BUILD_QUEUE, office_id)


def printable_waiting(office, at=None) -> bool:
    """Whether a waiting card of this office under age at recording may be printed on its today (a birthday came).

    A short range of the small partial index enrollment_waiting_under_age.
    """
    return Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED, printable_on__gt=F("enrolled_on"),
                                     printable_on__lte=local_day(office, at)).exists()


@dataclass
class DueWork:
    builds: list[int]  # offices whose free blanks could go to waiting cards
    uploads: list[int]  # uploads waiting for their import
    status_runs: list[int] = ()  # imports whose later-export updates are not all applied (backlog.statuses)


def due_work(*, waiting_for: timedelta = timedelta(0), at=None) -> DueWork:
    """What the committed state says is due: two indexed reads, whatever the number of offices and records.

    An upload counts once it has waited `waiting_for`, so that the sweep does
    not race the task asked for when it was accepted (a second run would
    change nothing anyway). A build is due where blanks are free and a card
    waits that may be printed: any waiting card not under age at recording
    (the maintained counts say so), or else, where every waiting card was
    under age, one whose 17th birthday has come on the office's day `at`
    (a probe of a few index rows, only for those offices).
    """
    free = BlankStock.objects.filter(on_hand__gt=F("reserved"), office__enrollment_counts__recorded__gt=0).order_by("office_id")
    counts = "office__enrollment_counts__"
    builds = list(free.filter(**{f"{counts}recorded__gt": F(f"{counts}under_age")}).values_list("office_id", flat=True))
    builds += [stock.office_id for stock in free.filter(**{f"{counts}recorded": F(f"{counts}under_age")}).select_related("office")
               if printable_waiting(stock.office, at)]
    builds.sort()
    uploads = list(EnrollmentUpload.objects.filter(status=EnrollmentUpload.Status.WAITING,
                                                   uploaded_at__lte=timezone.now() - waiting_for)
                   .order_by("pk").values_list("pk", flat=True))
    status_runs = list(StatusUpdate.objects.filter(applied_at__isnull=True, run__finished_at__lte=timezone.now() - waiting_for)
                       .order_by("run_id").values_list("run_id", flat=True).distinct())
    return DueWork(builds=builds, uploads=uploads, status_runs=status_runs)
