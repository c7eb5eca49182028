"""Asking for background work once the caller's transaction has committed: by the task's name, never by import.

A service that frees blanks asks for the office's queue build; the task
that builds it calls the queue's service. Asking by name, as the broker
itself does, keeps the write side's modules free of import cycles. With no
broker (the embedded default) the task runs in-process after commit,
found through Celery's own registry of the installed apps' task modules.
"""
from django.db import transaction

BUILD_QUEUE = "backlog.tasks.build_print_queue_task"
IMPORT_UPLOAD = "backlog.tasks.import_upload_task"


def after_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: send(task_name, *args))


def send(task_name: str, *args) -> None:
    from config.celery import app  # loads Celery only when work is asked for

    if app.conf.task_always_eager:
        app.loader.import_default_modules()
        app.tasks[task_name].apply(args=args, throw=True)
    else:
        app.send_task(task_name, args=args)


def ask_for_queue_build(office_id) -> None:
    after_commit(BUILD_QUEUE, office_id)
