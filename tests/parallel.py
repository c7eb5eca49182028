"""Run work at the same moment: management commands in separate OS processes, or calls in threads.

Kept free of Django imports at module level: spawned children import it
before Django is set up.
"""
import multiprocessing
import os
import threading


def _child(url, barrier, args):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app

    app.conf.task_always_eager = True
    barrier.wait(timeout=60)
    call_command(*args, stdout=open(os.devnull, "w"))


def run_at_once(url, commands):
    """One process per command (a tuple of arguments); all start together and must exit 0."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(commands))
    processes = [ctx.Process(target=_child, args=(url, barrier, args)) for args in commands]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    return [process.exitcode for process in processes]


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
