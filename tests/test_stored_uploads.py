"""Uploads kept where every machine reaches them, not on one web server's disk.

With the bucket settings (AWS_STORAGE_BUCKET_NAME) the files go to an S3
bucket: tested against a real S3 API over HTTP (moto's standalone server,
as MinIO is in compose), and with Django's InMemoryStorage, which like a
bucket has no path on this machine's disk. The worker imports a copy, the
rejected-rows report goes back beside the stored file, and the retention
task deletes both from the storage.
"""
import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from backlog.tasks import remove_old_upload_files_task
from registry.importer import RejectedRows
from registry.models import Enrollment, EnrollmentUpload
from tests import factories as f
from tests.conftest import ROOT
from tests.loopback import free_port, wait_for
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


@pytest.fixture
def s3(settings, tmp_path):
    """A bucket on an S3 API server of the test's own, and the settings config/settings.py makes for it."""
    import boto3
    import botocore.exceptions

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AWS_STORAGE_BUCKET_NAME": "ektp-uploads", "AWS_S3_ENDPOINT_URL": endpoint,
           "AWS_S3_REGION_NAME": "us-east-1", "AWS_ACCESS_KEY_ID": "ektp", "AWS_SECRET_ACCESS_KEY": "rahasia-bucket"}
    probe = "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps(s.STORAGES['default']))"
    storage = json.loads(subprocess.run([sys.executable, "-c", probe], env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
                                        cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="ektp",
                          aws_secret_access_key="rahasia-bucket")

    def up():
        try:
            client.list_buckets()
        except botocore.exceptions.EndpointConnectionError:
            return False
        return True

    try:
        wait_for(up, 30, "the S3 server did not start")
        client.create_bucket(Bucket="ektp-uploads")
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.STORAGES = {**settings.STORAGES, "default": storage}
        yield client
    finally:
        server.terminate()
        server.wait(10)


def stored(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket="ektp-uploads").get("Contents", []))


@pytest.mark.django_db
def test_with_the_bucket_settings_an_upload_goes_to_the_bucket_and_is_imported_from_it(
        client, clerk, tmp_path, s3, django_capture_on_commit_callbacks):
    assert storages["default"].__class__.__name__ == "S3Storage"
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(client, clerk), tmp_path, [*ROWS, BAD])
    done = EnrollmentUpload.objects.get()
    assert (done.status, done.imported, done.rejected) == (EnrollmentUpload.Status.DONE, 3, 1)
    assert stored(s3) == ["uploads/5371/siak.csv", "uploads/5371/siak.csv.rejected.csv"]
    body = s3.get_object(Bucket="ektp-uploads", Key="uploads/5371/siak.csv.rejected.csv")["Body"].read().decode("utf-8-sig")
    assert "Agustina Lay" in body
    assert not (tmp_path / "media").exists()

    EnrollmentUpload.objects.filter(pk=done.pk).update(finished_at=timezone.now() - timedelta(days=400))
    assert remove_old_upload_files_task.apply().get() == 1
    assert stored(s3) == []
