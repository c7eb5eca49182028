"""Outages: with the broker really stopped, what committed says so and nothing is lost; the work runs once it is back.

The test runs a Redis of its own on a free port (not CI's), a real Celery
worker with its beat on it, stops that Redis, books a receipt and accepts an
upload at the desks and from the command line, and starts Redis again.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from django.urls import reverse

from config.celery import app
from inventory.selectors import stock_report
from registry.models import EnrollmentUpload
from tests import factories as f
from tests.conftest import ROOT, database_url
from tests.loopback import free_port, wait_for
from tests.pages import as_user, page, upload

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


class OwnRedis:
    """A redis-server of the test's own, stopped and started for real."""

    def __init__(self, tmp_path):
        binary = shutil.which("redis-server")
        if binary is None:
            message = "needs redis-server (CI installs it)"
            pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
        self.binary, self.port, self.dir, self.process = binary, free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                         "--appendonly", "no", "--dir", str(self.dir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.answers, 10, "redis did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        assert not self.answers()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


def forget_broker_connections():
    """This process's Celery app keeps its connections and producers: the next task goes to the broker named now."""
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, monkeypatch):
    redis = OwnRedis(tmp_path)
    # Celery takes CELERY_BROKER_URL from the environment before any setting: this process, its children too.
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    forget_broker_connections()
    app.conf.task_always_eager = False
    yield redis
    app.conf.task_always_eager = True
    if redis.process and redis.process.poll() is None:
        redis.process.terminate()
        redis.process.wait(10)
    monkeypatch.undo()
    forget_broker_connections()


def test_with_the_broker_stopped_a_receipt_and_an_upload_say_so_and_their_work_runs_once_it_is_back(
        broker, client, kupang, keeper, clerk, tmp_path, settings, run_command):
    settings.MEDIA_ROOT = tmp_path / "media"
    start = date(2017, 3, 1)
    f.enrollments(kupang, clerk, tmp_path, [start + timedelta(days=i) for i in range(12)])
    broker.start()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0", "WORK_SWEEP_SECONDS": "1",
             "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    )
    try:
        broker.stop()

        asked = time.monotonic()
        response = as_user(client, keeper).post(reverse("stock_receive"), {"reference": "470/1/2018", "quantity": "5", "delivery_note": "SJ-9",
                                                          "carried_by": "Yosef"}, follow=True)
        assert time.monotonic() - asked < 5
        assert "Penerimaan dibukukan: 5 blanko" in page(response)
        code, out, err = run_command("receive_blanks", "--office", kupang.code, "--quantity", "3", "--reference", "470/2/2018")
        assert code == 0 and out.strip()  # booked, and it says so
        assert "Traceback" not in err and err.count("\n") <= 1
        uploaded = upload(as_user(client, clerk), tmp_path, [f.row(date(2016, 6, 1)), f.row(date(2016, 6, 2))])
        assert uploaded.status_code == 302
        report = stock_report(kupang)
        assert (report["on_hand"], report["queued"]) == (8, 0)  # booked, and its queue build not yet run
        assert EnrollmentUpload.objects.get().status == EnrollmentUpload.Status.WAITING

        time.sleep(2)  # the broker stays down a while
        broker.start()
        wait_for(lambda: stock_report(kupang)["queued"] == 8, 60, "the queue was not built after the broker came back")
        wait_for(lambda: EnrollmentUpload.objects.get().status == EnrollmentUpload.Status.DONE, 60, "the upload was not imported")
    finally:
        worker.terminate()
        worker.wait(30)
    queued = stock_report(kupang)
    assert (queued["queued"], queued["reserved"], queued["on_hand"]) == (8, 8, 8)
