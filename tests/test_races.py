"""Many hands in one office at once, on PostgreSQL with real processes: fair, deadlock-free, the ledger clean.

The writes run in the session's worker processes (conftest `workers`,
tests.parallel), released together; what each write does is in tests.writes.
"""
import os
import random
import threading
import time
from collections import Counter
from datetime import date, timedelta
from functools import partial
from itertools import combinations_with_replacement

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from backlog import imports
from backlog.desks import mark_printed
from backlog.imports import import_enrollments
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.suket import issue_suket
from inventory.selectors import ledger_breaches, stock_report
from people.roles import Role, system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from registry.models import DuplicateCase, Enrollment, EnrollmentImport, EnrollmentState
from tests import factories as f
from tests.conftest import database_url
from tests.parallel import in_threads_at_once
from tests.writes import IMPORT, LEDGER, ROWS, WRITES, enrolled_again, import_path, import_rows, keep_writing, new_residents, stock_office, write

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUILD = ("build_print_queue", "--office", "5371")
RECEIVE = ("receive_blanks", "--office", "5371", "--quantity", "7", "--reference")


@pytest.fixture(autouse=True)
def builds_only_when_the_test_says(worker_away):
    """In the test's own process the builds a receipt or an import asks for do not run: each test starts from what it set up."""


def setup_office(tmp_path, enrollments, blanks):
    office = f.office("5371")
    clerk = f.user(office)
    receive_blanks(office=office, quantity=blanks, reference="R0", by=f.person(office, Role.STOCK_KEEPER))
    start = date(2016, 1, 1)
    f.enrollments(office, clerk, tmp_path, [start + timedelta(days=i % 700) for i in range(enrollments)])
    return office, clerk


def failures(outcomes) -> str:
    return "\n".join(str(outcome) for outcome in outcomes if outcome.status == "failed")


def assert_figures_add_up(office):
    """The stock page's figures add up, the print desk lists what is reserved, the state counts are the records'."""
    report = stock_report(office)
    assert report["on_hand"] == report["received"] - report["printed"] - report["spoiled"] + report["adjusted"]
    assert report["queued"] == report["reserved"] == queue_in_print_order(office).count()
    assert report["available"] == report["on_hand"] - report["reserved"] >= 0
    states = dict(Enrollment.objects.filter(office=office).order_by().values_list("state").annotate(n=Count("id")))
    for state, figure in [(EnrollmentState.RECORDED, "recorded"), (EnrollmentState.QUEUED, "queued"),
                          (EnrollmentState.READY, "ready_for_pickup"), (EnrollmentState.COLLECTED, "collected"),
                          (EnrollmentState.ON_HOLD, "on_hold")]:
        assert report[figure] == states.get(state, 0), figure


def test_a_build_waits_for_the_oldest_record_locked_by_another_transaction_and_gives_it_the_blank(tmp_path, workers, kupang, clerk, keeper):
    f.enrollments(kupang, clerk, tmp_path, [date(2016, 1, 1) + timedelta(days=i) for i in range(5)])
    receive_blanks(office=kupang, quantity=1, reference="R1", by=keeper)
    oldest = Enrollment.objects.filter(office=kupang).order_by("enrolled_on", "pk").first()
    # Another transaction holds the oldest record, as any edit of it does (psycopg2 opens it with the first statement).
    edit = psycopg2.connect(database_url())
    try:
        with edit.cursor() as cursor:
            cursor.execute("SELECT id FROM registry_enrollment WHERE id = %s FOR UPDATE", [oldest.pk])
        build = workers.start([("build", write, "build", kupang.pk)])
        time.sleep(1)
        waited = build.running()
    finally:
        edit.rollback()
        edit.close()
    (outcome,) = build.wait()
    assert waited, "the build did not wait for the locked oldest record"
    assert outcome.status == "done", outcome
    assert [job.enrollment_id for job in queue_in_print_order(kupang)] == [oldest.pk]
    report = stock_report(kupang)
    assert (report["queued"], report["recorded"], report["available"]) == (1, 4, 0)


def test_parallel_builds_never_hand_out_a_blank_or_an_enrollment_twice(tmp_path, workers):
    office, _ = setup_office(tmp_path, enrollments=600, blanks=250)
    assert stock_report(office)["queued"] == 0
    assert workers.commands_at_once([BUILD] * 6) == [0] * 6
    report = stock_report(office)
    assert (report["queued"], report["reserved"], report["on_hand"], report["available"]) == (250, 250, 250, 0)
    jobs = PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED)
    assert jobs.values("enrollment").distinct().count() == jobs.count() == 250
    oldest = list(Enrollment.objects.filter(office=office).order_by("enrolled_on", "id").values_list("id", flat=True)[:250])
    assert [job.enrollment_id for job in queue_in_print_order(office)] == oldest


def test_builds_racing_receipts_queue_exactly_what_arrived(tmp_path, workers):
    office, _ = setup_office(tmp_path, enrollments=400, blanks=100)
    assert workers.commands_at_once([BUILD, RECEIVE + ("R-1",), BUILD, RECEIVE + ("R-2",), BUILD]) == [0] * 5
    build_print_queue(office=office, by=system_user())  # whatever arrived after the last build
    report = stock_report(office)
    assert report["on_hand"] == 114
    assert report["queued"] == report["reserved"] == 114


def test_the_same_print_click_sent_twice_at_the_same_moment_uses_one_blank(tmp_path):
    office, clerk = setup_office(tmp_path, enrollments=3, blanks=3)
    build_print_queue(office=office, by=system_user())
    job = queue_in_print_order(office).first()
    _, errors = in_threads_at_once([partial(mark_printed, job=job, by=clerk)] * 4)
    assert errors == []
    report = stock_report(office)
    assert (report["printed"], report["on_hand"], report["ready_for_pickup"]) == (1, 2, 1)


# What hammers the office while the import runs: each list in turn, in its own worker.
HAMMERS = [["receipt", "build"], ["build", "print"], ["print", "receipt"], ["build"]]


def test_an_import_re_enrolling_queued_residents_while_receipts_builds_and_prints_hammer_the_office_keeps_every_row(
        tmp_path, workers, kupang, clerk, keeper, head):
    f.enrollments(kupang, clerk, tmp_path, [date(2016, 1, 1) + timedelta(days=i % 700) for i in range(600)])
    receive_blanks(office=kupang, quantity=300, reference="R0", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    waiting = Enrollment.objects.filter(office=kupang).select_related("office").order_by("?")
    again = list(waiting.filter(state=EnrollmentState.QUEUED)[:150]) + list(waiting.filter(state=EnrollmentState.RECORDED)[:150])
    new = [f.row(date(2019, 1, 1) + timedelta(days=i % 365)) for i in range(3000)]
    path = f.siak_file(tmp_path / "siak-besar.csv", new + enrolled_again(again, date(2024, 6, 3)))

    outcomes = workers.at_once([("import", import_path, kupang.pk, path)]
                               + [(" then ".join(names), keep_writing, names, kupang.pk, "siak-besar.csv") for names in HAMMERS])

    assert [outcome.status for outcome in outcomes] == ["done"] * 5, failures(outcomes)
    imported, *hammers = outcomes
    assert imported.value == (3300, 3300, 300)
    assert sum(hammer.value for hammer in hammers) > 0, "nothing was written while the import ran"
    assert Enrollment.objects.filter(office=kupang).count() == 3900
    assert EnrollmentImport.objects.get(file_name="siak-besar.csv").imported == 3300
    cases = DuplicateCase.objects.filter(office=kupang, status=DuplicateCase.Status.OPEN)
    assert set(cases.values_list("nik", flat=True)) == {record.nik for record in again}
    assert Enrollment.objects.filter(office=kupang, enrolled_on=date(2024, 6, 3), state=EnrollmentState.ON_HOLD).count() == 300
    assert_figures_add_up(kupang)
    assert ledger_breaches(kupang) == []


def pairs_taking(locks):
    """The pairs of writes (a write with itself too: a double click) whose locks are these; IMPORT: every pair with an import."""
    pairs = list(combinations_with_replacement(WRITES, 2))
    if locks == IMPORT:
        return [pair for pair in pairs if IMPORT in {WRITES[name][0] for name in pair}]
    return [pair for pair in pairs if {WRITES[name][0] for name in pair} == locks]


@pytest.mark.parametrize("locks", [{LEDGER}, {LEDGER, ROWS}, {ROWS}, IMPORT], ids=["ledger-ledger", "ledger-rows", "rows-rows", "import-any"])
def test_every_pair_of_writes_taking_these_locks_run_together_leaves_the_ledger_clean(locks, workers, kupang, clerk, keeper, head):
    pairs = pairs_taking(locks)
    import_rows(kupang, new_residents(kupang, 40))
    done = Counter()
    for first, second in pairs:
        stock_office(kupang)
        outcomes = workers.at_once([(first, write, first, kupang.pk), (second, write, second, kupang.pk)])
        assert not failures(outcomes), f"{first} with {second}:\n{failures(outcomes)}"
        assert ledger_breaches(kupang) == [], f"{first} with {second}"
        done.update(outcome.name for outcome in outcomes if outcome.status == "done")
    assert set(done) == {name for pair in pairs for name in pair}, "a write never did anything"
    assert_figures_add_up(kupang)


def test_every_kind_of_write_at_once_in_random_rounds_leaves_the_ledger_clean(workers, kupang, clerk, keeper, head):
    seed = int(os.environ.get("RACE_SEED") or random.randrange(1_000_000))
    print(f"the draw's seed: {seed} (RACE_SEED={seed} draws the same rounds again)")
    draw = random.Random(seed)
    import_rows(kupang, new_residents(kupang, 40))
    done = Counter()
    for round_ in range(8):
        stock_office(kupang)
        names = draw.choices(list(WRITES), k=workers.size)
        outcomes = workers.at_once([(name, write, name, kupang.pk) for name in names])
        assert not failures(outcomes), f"seed {seed}, round {round_} ({', '.join(names)}):\n{failures(outcomes)}"
        done.update(outcome.name for outcome in outcomes if outcome.status == "done")
    assert sum(done.values()) >= 8 * workers.size // 2, f"seed {seed}: most writes found nothing to do ({done})"
    assert ledger_breaches(kupang) == [], f"seed {seed}"
    call_command("check_ledger", "--office", kupang.code, stdout=open(os.devnull, "w"))
    assert_figures_add_up(kupang)


def print_and_issue_within_two_seconds(office, clerk, enrollment):
    """A print click and a Suket in one transaction that gives up on any lock held longer than 2 s."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return mark_printed(job=queue_in_print_order(office).first(), by=clerk), issue_suket(enrollment=enrollment, by=clerk)


def test_the_desks_do_not_wait_while_an_import_puts_its_own_re_enrollments_on_hold(tmp_path, monkeypatch):
    """All an import does before its short final step leaves the desks free: the file's rows, and the cases and
    holds of the residents it re-enrolls. Held just before the final step, it lets a print click and a Suket for a
    re-enrolled resident's older record through at once (lock_timeout 2 s)."""
    office, clerk = setup_office(tmp_path, enrollments=3, blanks=3)
    build_print_queue(office=office, by=system_user())
    resident, twice_in_the_file = f.nik(), f.nik()
    f.enrollments(office, clerk, tmp_path, [date(2017, 1, 1)], number=resident)
    older = Enrollment.objects.get(nik=resident)
    path = f.siak_file(tmp_path / "again.csv", [f.row(date(2018, 1, 1), number=resident), f.row(date(2018, 2, 1), number=twice_in_the_file),
                                                f.row(date(2018, 3, 1), number=twice_in_the_file)])
    prepared, go_on, imported = threading.Event(), threading.Event(), []

    def prepare_then_wait(**kwargs):
        reenrolled = prepare(**kwargs)
        prepared.set()
        go_on.wait(timeout=30)
        return reenrolled

    def run_import():
        try:
            imported.append(import_enrollments(office=office, path=path, by=clerk))
        finally:
            connection.close()

    prepare = imports.prepare_duplicate_cases
    monkeypatch.setattr(imports, "prepare_duplicate_cases", prepare_then_wait)
    importing = threading.Thread(target=run_import)
    importing.start()
    try:
        assert prepared.wait(timeout=30)
        printed, suket = print_and_issue_within_two_seconds(office, clerk, older)
    finally:
        go_on.set()
        importing.join(timeout=60)
    assert printed.state == PrintJob.State.PRINTED and suket.pk
    assert imported[0].duplicates == 2
    for nik in (resident, twice_in_the_file):
        case = DuplicateCase.objects.get(nik=nik, status=DuplicateCase.Status.OPEN)
        assert set(case.enrollments.values_list("state", flat=True)) == {EnrollmentState.ON_HOLD}
        assert case.enrollments.count() == 2
    assert stock_report(office)["on_hold"] == 4


def test_the_desks_do_not_wait_between_the_batches_of_a_later_exports_updates(tmp_path, monkeypatch):
    """A later export's updates hold the office's locks one batch at a time: paused between two batches, they let a
    print click and a Suket for a record still waiting for its update through at once (lock_timeout 2 s)."""
    from backlog import statuses

    office, clerk = setup_office(tmp_path, enrollments=3, blanks=3)
    build_print_queue(office=office, by=system_user())
    rows = [f.row(date(2017, 1, day), number=f.nik(), status_ktp_el="SENT FOR ENROLLMENT") for day in range(1, 7)]
    header = [*f.HEADER, "status_ktp_el"]
    import_enrollments(office=office, path=f.siak_file(tmp_path / "first.csv", rows, header=header), by=clerk)
    later = [{**row, "status_ktp_el": "PRINT READY RECORD"} for row in rows]
    run = import_enrollments(office=office, path=f.siak_file(tmp_path / "later.csv", later, header=header), by=clerk).run
    last = Enrollment.objects.get(nik=rows[-1]["nik"])
    between, go_on, calls, done = threading.Event(), threading.Event(), [], []

    def lock_then_maybe_pause(office_id):
        calls.append(office_id)
        if len(calls) == 2:  # a batch has committed; the next has taken no lock yet
            between.set()
            go_on.wait(timeout=30)
        take(office_id)

    def run_updates():
        try:
            done.append(statuses.apply_status_updates(run_id=run.pk, batch=2, by=system_user()))
        finally:
            connection.close()

    take = statuses.lock_for_import
    monkeypatch.setattr(statuses, "lock_for_import", lock_then_maybe_pause)
    applying = threading.Thread(target=run_updates)
    applying.start()
    try:
        assert between.wait(timeout=30)
        assert Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED, ktp_status="PRINT READY RECORD").count() == 2
        printed, suket = print_and_issue_within_two_seconds(office, clerk, last)
    finally:
        go_on.set()
        applying.join(timeout=60)
    assert printed.state == PrintJob.State.PRINTED and suket.pk
    assert done[0]["applied"] == 6
    assert ledger_breaches(office) == []
