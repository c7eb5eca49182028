"""Celery tasks: thin callers of the write side. Services ask for them by name (backlog.work), after commit."""
from django.core.cache import cache

from config.celery import app
from registry.models import EnrollmentUpload, Office

from .imports import run_upload
from .queue import build_print_queue


@app.task
def build_print_queue_task(office_id):
    build = build_print_queue(office=Office.objects.get(pk=office_id))
    return build.queued


@app.task
def build_all_print_queues():
    """The periodic build (Celery beat): one task per office, so workers share them."""
    for office_id in Office.objects.values_list("pk", flat=True):
        build_print_queue_task.delay(office_id)


@app.task
def import_upload_task(upload_id):
    # Progress goes to the cache, not the database: the import's rows are not
    # visible to anyone until its one transaction commits.
    def progress(rows):
        cache.set(EnrollmentUpload.progress_key_of(upload_id), rows, timeout=24 * 3600)

    upload = run_upload(upload=EnrollmentUpload.objects.get(pk=upload_id), progress=progress)
    return upload.status
