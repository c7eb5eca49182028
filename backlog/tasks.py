"""Celery tasks: thin callers of the write side. Services ask for them by name (backlog.work), after commit."""
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache

from config.celery import app
from people.roles import system_user
from registry.models import EnrollmentUpload, Office

from . import work
from .imports import remove_old_upload_files, run_upload
from .queue import build_print_queue
from .statuses import apply_status_updates


@app.task
def build_print_queue_task(office_id):
    build = build_print_queue(office=Office.objects.get(pk=office_id), by=system_user())
    return build.queued


@app.task
def sweep_due_work():
    """The periodic sweep (Celery beat): every piece of work the committed state says is due, one task each.

    A queue build for every office where blanks are free and cards wait; the
    import of every upload still waiting. A task asked for when the broker
    was away is done here once it is back, without anyone repeating the action.
    """
    due = work.due_work(waiting_for=timedelta(seconds=settings.WORK_SWEEP_SECONDS))
    for office_id in due.builds:
        work.send(work.BUILD_QUEUE, office_id)
    for upload_id in due.uploads:
        work.send(work.IMPORT_UPLOAD, upload_id)
    for run_id in due.status_runs:
        work.send(work.APPLY_STATUSES, run_id)


@app.task
def apply_status_updates_task(run_id):
    """What a later export says of records already held, applied in committed batches after its import."""
    return sum(apply_status_updates(run_id=run_id, by=system_user()).values())


@app.task
def import_upload_task(upload_id):
    # Progress goes to the cache, not the database: the import's rows are not
    # visible to anyone until its one transaction commits.
    def progress(rows):
        cache.set(EnrollmentUpload.progress_key_of(upload_id), rows, timeout=24 * 3600)

    upload = run_upload(upload=EnrollmentUpload.objects.get(pk=upload_id), progress=progress)
    return upload.status


@app.task
def remove_old_upload_files_task():
    """Daily (Celery beat): uploaded files and their reports go after UPLOAD_RETENTION_DAYS; the records stay."""
    return remove_old_upload_files(older_than=timedelta(days=settings.UPLOAD_RETENTION_DAYS), by=system_user())

