"""The desks during `make bench`: a print click, a pickup and a Suket in turn every 100 ms, each one timed.

The bench runs this in a child process (`manage.py shell -c`) beside a big
job of the same office. `click(office_code)` picks its cards, opens its
connections, writes "ready" on stdout, then issues one desk action every
100 ms through the write side's own services (backlog.desks.mark_printed on
the oldest queued job, backlog.desks.record_pickup on a printed card,
backlog.suket.issue_suket on a waiting record) until its stdin is closed,
and writes one JSON line: per action its kind, its latency, the part of
it spent taking the office's locks, and how late it started.

Each action runs in a thread of its own connection, issued on time whatever
the actions before it are doing (three clerks at three desks, not one
clerk who waits for the last click before the next): an action that waits
behind a big job is measured waiting, and does not hold the next one back.
Its latency runs from the moment it was due to its commit; if its thread
wakes up late, or all the threads are busy, it starts late, and that
counts too.

The lock wait is the wall time inside `lock_ledger` and `lock_rows` (a
`SELECT … FOR UPDATE` each), measured by wrapping them in this process
only: the time the action waited for another transaction's locks, plus one
round trip (well under a millisecond when nobody holds them). The rest is
the action's own work, and what the machine's other work costs it.
"""
import collections
import json
import select
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth import get_user_model
from django.db import connection

from backlog import desks, locks, suket
from people.roles import Role
from printing.models import PRINT_ORDER, PrintJob
from registry.models import Enrollment, EnrollmentState, Office

TICK = 0.100
DESKS = 16  # threads (connections): enough that a click starts on time while earlier ones wait
CARDS = 3000  # queued jobs and waiting records picked beforehand: 10 minutes of clicks

class _Waited(threading.local):
    seconds = 0.0


_waited = _Waited()


def _timed(lock):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return lock(*args, **kwargs)
        finally:
            _waited.seconds += time.perf_counter() - start
    return timed


def click(office_code: str) -> None:
    # The services took their lock helpers by name; time them where they are called.
    for module in (desks, suket):
        module.lock_ledger, module.lock_rows = _timed(locks.lock_ledger), _timed(locks.lock_rows)
    office = Office.objects.get(code=office_code)
    clerk, _new = get_user_model().objects.get_or_create(username="bench-clerk", defaults={"office": office, "role": Role.CLERK})
    queued = collections.deque(PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED).order_by(*PRINT_ORDER)[:CARDS])
    waiting = collections.deque(Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED, certificates=None)
                                .order_by("-enrolled_on", "-pk")[:CARDS])
    # A few cards printed beforehand, untimed, so that the first pickups have a card on the shelf.
    printed = collections.deque(desks.mark_printed(job=queued.popleft(), by=clerk) for _ in range(10))
    guard = threading.Lock()

    def next_card(cards):
        with guard:
            return cards.popleft() if cards else None

    def print_card():
        job = desks.mark_printed(job=next_card(queued), by=clerk)
        with guard:
            printed.append(job)

    actions = (
        ("print", print_card),
        ("pickup", lambda: desks.record_pickup(job=next_card(printed), by=clerk)),
        ("suket", lambda: suket.issue_suket(enrollment=next_card(waiting), by=clerk)),
    )

    def act(kind, action, due):
        _waited.seconds, started = 0.0, time.perf_counter()
        try:
            action()
            error = ""
        except Exception as exc:  # reported with the figures: a failed click is a finding, not a crash of the bench
            error = f"{type(exc).__name__}: {exc}"
        return {"kind": kind, "latency": time.perf_counter() - due, "late": started - due, "lock": _waited.seconds, "error": error}

    ready = threading.Barrier(DESKS + 1)
    with ThreadPoolExecutor(max_workers=DESKS) as pool:
        # Every thread opens its connection before the first click, so no click pays for connecting.
        for _ in range(DESKS):
            pool.submit(lambda: (connection.ensure_connection(), ready.wait()))
        ready.wait()
        print("ready", flush=True)
        futures, start = [], time.perf_counter()
        for tick in range(sys.maxsize):
            due = start + tick * TICK
            if select.select([sys.stdin], [], [], max(due - time.perf_counter(), 0))[0]:
                break  # stdin closed: the big job is over
            kind, action = actions[tick % len(actions)]
            futures.append(pool.submit(act, kind, action, due))
        results = [future.result() for future in futures]
    print(json.dumps({"actions": results}), flush=True)
