"""Run management commands in separate OS processes released at the same moment.

Kept free of Django imports at module level: spawned children import it
before Django is set up.
"""
import multiprocessing
import os


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
