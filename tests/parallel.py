"""Run work at the same moment: calls in a pool of worker processes started once, or in threads.

Kept free of Django imports at module level: spawned workers import it
before Django is set up.
"""
import multiprocessing
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass

# How long one batch may take before the test gives up on it (a deadlock PostgreSQL missed, a hung worker).
BATCH_TIMEOUT = 120


class NothingToDo(Exception):
    """A write found nothing of its kind in the office to act on (no queued card to print, no open case)."""


@dataclass
class Outcome:
    """How one call ended in its worker: done, refused (a sentence for the user), nothing to do, or failed."""

    name: str
    status: str  # "done", "refused", "nothing" or "failed"
    detail: str = ""  # the refusal's sentence, or the failure's traceback
    value: object = None
    seconds: float = 0.0

    def __str__(self):
        return f"{self.name}: {self.status} in {self.seconds:.2f} s {self.detail}".rstrip()


def command(*args):
    """A management command as a shell would run it: its exit code."""
    from django.core.management import call_command

    try:
        call_command(*args, stdout=open(os.devnull, "w"))
    except SystemExit as exc:
        return exc.code
    return 0


def _serve(url, inbox, outbox, barriers):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import connection

    from config.celery import app

    # As in the tests' own process: what a service asks for after commit runs here, in this worker.
    app.conf.task_always_eager = True
    outbox.put(None)
    while (item := inbox.get()) is not None:
        key, name, call, args, together = item
        value, detail, started = None, "", time.monotonic()
        try:
            barriers[together].wait(timeout=60)
            started = time.monotonic()
            value, status = call(*args), "done"
        except NothingToDo:
            status = "nothing"
        except (ValidationError, PermissionDenied) as exc:
            status, detail = "refused", " ".join(getattr(exc, "messages", [str(exc)]))
        except BaseException:  # noqa: BLE001 - reported to the test, which fails on it
            status, detail = "failed", traceback.format_exc()
            connection.close()
        outbox.put((key, Outcome(name, status, detail, value, time.monotonic() - started)))


class Batch:
    """Calls released together in the pool; `running()` until every one has ended, `wait()` for their outcomes."""

    def __init__(self, pool, size):
        self.pool, self.size, self.outcomes = pool, size, {}

    def _collect(self, timeout):
        while len(self.outcomes) < self.size:
            key, outcome = self.pool.outbox.get(timeout=timeout)
            self.outcomes[key] = outcome

    def running(self) -> bool:
        try:
            self._collect(timeout=0.01)
        except queue.Empty:
            return True
        return False

    def wait(self) -> list[Outcome]:
        self._collect(timeout=BATCH_TIMEOUT)
        self.pool.busy = False
        return [self.outcomes[key] for key in range(self.size)]


class Workers:
    """Processes that set up Django once, on the test database, then run the calls they are given.

    A batch of n calls goes to n workers, which wait for each other on a
    barrier and start at the same moment. Calls are module-level functions
    (pickled by name) and their arguments. A call that raises a
    ValidationError or PermissionDenied was refused, as a user would be
    told; anything else failed, and the outcome holds its traceback.
    """

    def __init__(self, url, size):
        ctx = multiprocessing.get_context("spawn")
        self.size, self.busy = size, False
        self.outbox = ctx.Queue()
        self.inboxes = [ctx.Queue() for _ in range(size)]
        barriers = {n: ctx.Barrier(n) for n in range(1, size + 1)}
        self.processes = [ctx.Process(target=_serve, args=(url, inbox, self.outbox, barriers), daemon=True) for inbox in self.inboxes]
        for process in self.processes:
            process.start()
        for _ in self.processes:
            self.outbox.get(timeout=BATCH_TIMEOUT)

    def start(self, calls) -> Batch:
        """Release these calls together, one per worker: (name, function, *args) each."""
        assert not self.busy, "the previous batch is still running"
        assert len(calls) <= self.size, f"{len(calls)} calls at once, but the pool has {self.size} workers"
        self.busy = True
        for key, (inbox, (name, call, *args)) in enumerate(zip(self.inboxes, calls)):
            inbox.put((key, name, call, tuple(args), len(calls)))
        return Batch(self, len(calls))

    def at_once(self, calls) -> list[Outcome]:
        return self.start(calls).wait()

    def commands_at_once(self, commands) -> list:
        """Management commands (tuples of arguments) released together: their exit codes, or the outcome of one that failed."""
        outcomes = self.at_once([(" ".join(args), command, *args) for args in commands])
        return [outcome.value if outcome.status == "done" else outcome for outcome in outcomes]

    def stop(self):
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=10)


def in_threads_at_once(calls):
    """Run each callable in its own thread (its own database connection), all released together.

    Returns (results, errors): what the calls returned and what they raised, in the order they finished.
    """
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait(timeout=30)
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts there are none
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
