"""Uploads never hang: a failed import says why and can be tried again, a task delivered again finishes it, a killed worker leaves it retryable."""
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from urllib.parse import urlsplit

import pytest
import redis
from celery import Celery
from django.db import connection
from django.urls import reverse

from backlog.ledger import receive_blanks
from backlog.locks import upload_runner, upload_runner_alive
from backlog.tasks import import_upload_task
from backlog.work import IMPORT_UPLOAD
from inventory.selectors import stock_report
from registry.demo import write_demo_csv
from registry.models import Enrollment, EnrollmentState, EnrollmentUpload
from tests import factories as f
from tests.conftest import ROOT, database_url
from tests.loopback import free_port, wait_for
from tests.pages import as_user, page as html, upload, upload_file

ROWS = [f.row(date(2018, 3, day)) for day in (1, 2, 3)]


def upload_id(response):
    assert response.status_code == 302, response.status_code
    return int(response.url.rstrip("/").split("/")[-1])


def status_page(client, pk):
    return html(client.get(reverse("enrollment_upload_status", args=[pk])))


def retry(client, pk):
    return client.post(reverse("enrollment_upload_retry", args=[pk]))


@pytest.mark.django_db
def test_a_failed_import_says_why_in_indonesian_and_trying_again_imports_the_whole_file(
        client, clerk, head, tmp_path, monkeypatch, caplog, django_capture_on_commit_callbacks):
    # The import breaks in its last step, after every row went in: nothing of it may be left.
    def broken(**kwargs):
        raise RuntimeError("connection to the duplicate index lost")

    monkeypatch.setattr("backlog.imports.open_duplicate_cases", broken)
    # On the first eager task Celery's Django fixup sets logging up again, dropping pytest's capture from the root.
    monkeypatch.setattr(logging.getLogger("backlog.imports"), "handlers", [caplog.handler])
    with django_capture_on_commit_callbacks(execute=True):
        pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    page = status_page(client, pk)
    assert "Gagal" in page and "Impor berhenti karena kesalahan di server; tidak ada yang diimpor." in page
    assert "duplicate index" not in page and "duplicate index" in caplog.text
    assert "Coba lagi" in page
    assert Enrollment.objects.count() == 0

    monkeypatch.undo()
    as_user(client, head)
    with django_capture_on_commit_callbacks(execute=True):
        response = retry(client, pk)
    page = html(client.get(response.url))
    assert "Berkas akan diimpor lagi." in page and "Selesai" in page and "Coba lagi" not in page
    assert Enrollment.objects.count() == 3
    assert EnrollmentUpload.objects.get(pk=pk).run.imported == 3


@pytest.mark.django_db
def test_an_upload_the_worker_cannot_read_fails_with_a_sentence(client, clerk, tmp_path, worker_away):
    pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    # As under a compose file where the worker does not see the web container's files.
    os.remove(EnrollmentUpload.objects.get(pk=pk).file.path)
    import_upload_task(pk)
    page = status_page(client, pk)
    assert "Server pengimpor tidak dapat membaca berkas ini; tidak ada yang diimpor." in page and "Coba lagi" in page


@pytest.mark.django_db
def test_only_a_failed_or_interrupted_import_is_tried_again_and_only_in_its_office(
        client, clerk, outsider, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    page = status_page(client, pk)
    assert "Selesai" in page and "Coba lagi" not in page
    response = retry(client, pk)
    assert "Hanya impor yang gagal atau terputus yang dapat dicoba lagi." in html(client.get(response.url))
    EnrollmentUpload.objects.filter(pk=pk).update(status=EnrollmentUpload.Status.FAILED)
    assert retry(as_user(client, outsider), pk).status_code == 404
    assert EnrollmentUpload.objects.get(pk=pk).status == EnrollmentUpload.Status.FAILED


@pytest.mark.django_db
def test_a_task_delivered_again_after_its_worker_died_imports_the_upload(
        client, clerk, tmp_path, worker_away, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    assert worker_away == [(IMPORT_UPLOAD, pk)]
    # What a worker killed mid-import leaves: the upload claimed, its transaction rolled back, no runner.
    EnrollmentUpload.objects.filter(pk=pk).update(status=EnrollmentUpload.Status.RUNNING)
    page = status_page(client, pk)
    assert "Terputus" in page and "Coba lagi" in page
    assert client.get(reverse("enrollment_upload_status", args=[pk]), {"format": "json"}).json()["finished"] is True

    assert import_upload_task(pk) == EnrollmentUpload.Status.DONE
    assert Enrollment.objects.count() == 3
    assert import_upload_task(pk) == EnrollmentUpload.Status.DONE  # once more: nothing changes
    assert Enrollment.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_while_a_live_worker_imports_an_upload_a_second_delivery_and_a_retry_do_nothing(client, clerk, tmp_path, worker_away):
    pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    EnrollmentUpload.objects.filter(pk=pk).update(status=EnrollmentUpload.Status.RUNNING)
    running, done = threading.Event(), threading.Event()

    def live_worker():  # another process's runner, on its own connection
        try:
            with upload_runner(pk) as alone:
                assert alone
                running.set()
                done.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=live_worker)
    thread.start()
    try:
        assert running.wait(10)
        page = status_page(client, pk)
        assert "Sedang diimpor" in page and "Terputus" not in page and "Coba lagi" not in page
        assert import_upload_task(pk) == EnrollmentUpload.Status.RUNNING
        response = retry(client, pk)
        assert "Berkas ini sedang diimpor saat ini." in html(client.get(response.url))
        assert Enrollment.objects.count() == 0 and worker_away == [(IMPORT_UPLOAD, pk)]
    finally:
        done.set()
        thread.join()
    assert not upload_runner_alive(pk)
    assert "Terputus" in status_page(client, pk)


@pytest.mark.django_db
def test_an_upload_of_waiting_residents_with_free_blanks_ends_with_them_queued(
        client, clerk, keeper, kupang, tmp_path, django_capture_on_commit_callbacks):
    receive_blanks(office=kupang, quantity=2, reference="470/12/2018", by=keeper)
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_user(client, clerk), tmp_path, ROWS)
    report = stock_report(kupang)
    assert (report["queued"], report["recorded"], report["available"]) == (2, 1, 0)
    queued = Enrollment.objects.filter(state=EnrollmentState.QUEUED).order_by("enrolled_on")
    assert [e.enrolled_on for e in queued] == [date(2018, 3, 1), date(2018, 3, 2)]


@pytest.mark.django_db
def test_the_upload_page_says_who_uploaded_the_file(client, clerk, head, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    assert f"Diunggah oleh {clerk.username} pada " in status_page(as_user(client, head), pk)


def own_broker_or_skip() -> str:
    """The Redis of CELERY_BROKER_URL, its database 14, which is this test's own.

    Not CI's worker's database (15): that worker would take the task. The
    test empties it before and after: the killed worker's task waits there
    unacknowledged, to be delivered again in an hour, and the import asks
    for a queue build that no worker of the test takes.
    """
    url = os.environ.get("CELERY_BROKER_URL", "")
    message = "needs Redis: set CELERY_BROKER_URL=redis://... (CI does); the test's own worker uses its database 14"
    if url.startswith("redis://"):
        url = urlsplit(url)._replace(path="/14").geturl()
        try:
            redis.Redis.from_url(url).flushdb()
            return url
        except redis.ConnectionError as exc:
            message = f"no Redis answered on {url}: {exc}"
    pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


def start_worker(broker, queue, media_root):
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": "",
           "CONN_MAX_AGE": "0", "MEDIA_ROOT": str(media_root)}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1", "-Q", queue,
         "-n", f"{queue}@%h", "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def worker_ready(sender, queue):
    """The worker answers a ping: its queue is bound, so a task sent now is not dropped by the broker."""
    wait_for(lambda: sender.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5), 60,
             "the worker did not start")


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_the_upload_retryable_and_another_worker_imports_it_all(
        client, clerk, tmp_path, settings, worker_away, monkeypatch):
    broker = own_broker_or_skip()
    # Celery takes CELERY_BROKER_URL from the environment before any app's own setting: the test's sender too.
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_demo_csv(tmp_path / "siak-besar.csv", "5371", 60_000, reenroll_share=0)
    pk = upload_id(upload_file(as_user(client, clerk), path))
    queue = f"uploads-killed-{os.getpid()}"
    sender = Celery(broker=broker)

    worker = start_worker(broker, queue, settings.MEDIA_ROOT)
    try:
        worker_ready(sender, queue)
        sender.send_task(IMPORT_UPLOAD, args=[pk], queue=queue)
        wait_for(lambda: upload_runner_alive(pk), 60, "the worker never started the import")
        time.sleep(0.5)  # rows streaming in
        assert EnrollmentUpload.objects.get(pk=pk).status == EnrollmentUpload.Status.RUNNING
        worker.send_signal(signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
    wait_for(lambda: not upload_runner_alive(pk), 30, "the killed worker's lock outlived it")
    assert Enrollment.objects.count() == 0  # killed before its transaction committed
    page = status_page(client, pk)
    assert "Terputus" in page and "Coba lagi" in page

    response = retry(client, pk)
    assert "Berkas akan diimpor lagi." in html(client.get(response.url))
    name, *args = worker_away[-1]  # the task the retry asked for, to a new worker
    assert (name, args) == (IMPORT_UPLOAD, [pk])
    worker = start_worker(broker, queue, settings.MEDIA_ROOT)
    try:
        worker_ready(sender, queue)
        sender.send_task(name, args=args, queue=queue)
        wait_for(lambda: EnrollmentUpload.objects.get(pk=pk).finished_at is not None, 120, "the second worker did not finish")
    finally:
        worker.terminate()
        worker.wait()
        redis.Redis.from_url(broker).flushdb()
    done = EnrollmentUpload.objects.get(pk=pk)
    assert (done.status, done.rows, done.imported) == (EnrollmentUpload.Status.DONE, 60_000, 60_000)
    assert Enrollment.objects.count() == 60_000 and done.run.by == clerk


@pytest.mark.django_db
def test_uploaded_files_are_deleted_after_the_retention_period_and_the_record_stays(
        client, clerk, tmp_path, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from backlog.tasks import remove_old_upload_files_task

    settings.MEDIA_ROOT = tmp_path / "media"
    rows = ROWS + [{**f.row(date(2018, 3, 4)), "jenis_kelamin": "X"}]
    with django_capture_on_commit_callbacks(execute=True):
        pk = upload_id(upload(as_user(client, clerk), tmp_path, rows))
    done = EnrollmentUpload.objects.get(pk=pk)
    stored, report = done.file.path, done.rejected_path
    assert os.path.exists(stored) and os.path.exists(report)
    assert remove_old_upload_files_task.apply().get() == 0  # finished today: kept
    EnrollmentUpload.objects.filter(pk=pk).update(finished_at=timezone.now() - timedelta(days=settings.UPLOAD_RETENTION_DAYS + 1))
    assert remove_old_upload_files_task.apply().get() == 1
    assert not os.path.exists(stored) and not os.path.exists(report)
    kept = EnrollmentUpload.objects.get(pk=pk)
    assert (kept.uploaded_by, kept.rows, kept.imported, kept.rejected) == (clerk, 4, 3, 1) and kept.run.by == clerk
    assert "dihapus pada" in status_page(client, pk)
    assert client.get(f"/perekaman/unggah/{pk}/ditolak/").status_code == 404
    assert remove_old_upload_files_task.apply().get() == 0  # again: nothing more


@pytest.mark.django_db
def test_with_the_cache_down_an_upload_is_imported_and_its_page_answers(client, clerk, tmp_path, settings,
                                                                        django_capture_on_commit_callbacks):
    """The import's progress goes to the cache: with Redis away it is not kept, and nothing else changes."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {**settings.REDIS_CACHE, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    with django_capture_on_commit_callbacks(execute=True):
        pk = upload_id(upload(as_user(client, clerk), tmp_path, ROWS))
    assert EnrollmentUpload.objects.get(pk=pk).imported == 3
    assert "Selesai" in status_page(client, pk)
