"""Celery tasks of the registry: thin callers of its services."""
from django.core.cache import cache

from config.celery import app

from .models import EnrollmentUpload
from .services import run_upload


def progress_key(upload_id):
    return f"upload-progress-{upload_id}"


@app.task
def import_upload_task(upload_id):
    # Progress goes to the cache, not the database: the import's rows are not
    # visible to anyone until its one transaction commits.
    def progress(rows):
        cache.set(progress_key(upload_id), rows, timeout=24 * 3600)

    upload = run_upload(upload=EnrollmentUpload.objects.get(pk=upload_id), progress=progress)
    return upload.status
