"""Uploads kept where every machine reaches them, not on one web server's disk.

With the bucket settings the files go to S3Storage; here the storage is
Django's InMemoryStorage, which like a bucket has no path on this machine's
disk: the worker imports a copy, the rejected-rows report goes back beside
the stored file, and the retention task deletes both from the storage.
"""
from datetime import date, timedelta

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from backlog.tasks import remove_old_upload_files_task
from registry.importer import RejectedRows
from registry.models import Enrollment, EnrollmentUpload
from tests import factories as f
from tests.pages import as_user, page as html, upload

ROWS = [f.row(date(2018, 3, day)) for day in (1, 2, 3)]
BAD = {**f.row(date(2018, 3, 4), name="Agustina Lay"), "jenis_kelamin": "X"}


@pytest.fixture
def bucket(settings, tmp_path):
    """Files stored with no local path, as on a bucket; MEDIA_ROOT an empty folder that must stay empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return storages["default"]


@pytest.mark.django_db
def test_an_upload_with_no_local_path_is_imported_and_its_report_kept_beside_it(
        client, clerk, tmp_path, bucket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(client, clerk), tmp_path, [*ROWS, BAD])
    done = EnrollmentUpload.objects.get()
    assert (done.status, done.rows, done.imported, done.rejected) == (EnrollmentUpload.Status.DONE, 4, 3, 1)
    assert Enrollment.objects.filter(office=clerk.office).count() == 3
    assert "Selesai" in html(client.get(reverse("enrollment_upload_status", args=[done.pk])))
    assert done.rejected_name == f"{done.file.name}.rejected.csv" and bucket.exists(done.rejected_name)
    [line] = RejectedRows(done.rejected_name, done.rejected, storage=bucket)[:10]
    assert (line.line, line.name) == ("5", "Agustina Lay")
    assert not (tmp_path / "media").exists()

    EnrollmentUpload.objects.filter(pk=done.pk).update(finished_at=timezone.now() - timedelta(days=400))
    assert remove_old_upload_files_task.apply().get() == 1
    assert not bucket.exists(done.file.name) and not bucket.exists(done.rejected_name)
