"""Celery: a receipt triggers the queue build after commit; beat sweeps for due work; a real worker does the work."""
import os
import time
from datetime import date

import pytest
from django.conf import settings as django_settings

from backlog.ledger import receive_blanks
from backlog.tasks import sweep_due_work
from backlog.work import BUILD_QUEUE, IMPORT_UPLOAD
from config.celery import app
from inventory.selectors import stock_report
from people.roles import Role
from tests import factories as f
from tests.pages import as_user, upload


@pytest.mark.django_db
def test_receiving_blanks_builds_the_queue_once_the_receipt_is_committed(tmp_path, django_capture_on_commit_callbacks):
    office = f.office("5371")
    keeper = f.user(office, Role.STOCK_KEEPER)
    f.enrollments(office, f.person(office, Role.CLERK), tmp_path, [date(2018, 1, 1), date(2018, 1, 2)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receive_blanks(office=office, quantity=1, reference="R1", by=keeper)
    assert stock_report(office)["queued"] == 0  # nothing before commit
    for callback in callbacks:
        callback()
    assert stock_report(office)["queued"] == 1


@pytest.mark.django_db
def test_the_periodic_sweep_builds_the_queue_where_blanks_wait_for_cards_and_imports_waiting_uploads(
        client, tmp_path, worker_away, settings):
    kupang, tangerang, other = f.office("5371"), f.office("3603"), f.office("3671")
    for office in (kupang, tangerang):
        keeper = f.user(office, Role.STOCK_KEEPER)
        receive_blanks(office=office, quantity=2, reference="R1", by=keeper)
        f.enrollments(office, f.person(office, Role.CLERK), tmp_path, [date(2017, 5, 1), date(2017, 5, 2), date(2017, 5, 3)])
    receive_blanks(office=other, quantity=2, reference="R1", by=f.user(other, Role.STOCK_KEEPER))  # nobody waits there
    settings.MEDIA_ROOT = tmp_path / "media"
    clerk = f.user(kupang, Role.CLERK)
    upload(as_user(client, clerk), tmp_path, [f.row(date(2016, 1, 4)), f.row(date(2016, 1, 5))])
    assert [stock_report(o)["queued"] for o in (kupang, tangerang)] == [0, 0]  # the worker was away
    schedule = app.conf.beat_schedule["sweep-due-work"]
    assert schedule["task"] == sweep_due_work.name
    assert schedule["schedule"].total_seconds() == django_settings.WORK_SWEEP_SECONDS
    settings.WORK_SWEEP_SECONDS = 0
    worker_away.clear()
    sweep_due_work.apply()
    assert sorted(name for name, *args in worker_away) == sorted([IMPORT_UPLOAD, BUILD_QUEUE, BUILD_QUEUE])
    for name, *args in worker_away:
        app.tasks[name].apply(args=args)
    report = stock_report(kupang)
    assert (report["queued"], report["recorded"]) == (2, 3)  # the two uploaded residents, enrolled first, are queued
    assert stock_report(tangerang)["queued"] == 2 and stock_report(other)["queued"] == 0


def _worker_or_skip():
    if not os.environ.get("CELERY_BROKER_URL"):
        message = "needs a Celery worker on Redis: set CELERY_BROKER_URL and start one (CI does)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    replies = app.control.ping(timeout=5)
    if not replies:
        message = "no Celery worker answered on " + os.environ["CELERY_BROKER_URL"]
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_queue_after_blanks_arrive(tmp_path):
    _worker_or_skip()
    office = f.office("5371")
    keeper = f.user(office, Role.STOCK_KEEPER)
    f.enrollments(office, f.person(office, Role.CLERK), tmp_path, [date(2018, 4, d) for d in range(1, 21)])
    app.conf.task_always_eager = False
    try:
        receive_blanks(office=office, quantity=12, reference="470/88/2018", by=keeper)
        deadline = time.monotonic() + 60
        while stock_report(office)["queued"] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    report = stock_report(office)
    assert (report["queued"], report["reserved"], report["recorded"]) == (12, 12, 8)
