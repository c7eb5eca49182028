"""Asking for an office's queue build from any service: after commit, on a Celery worker (or in-process).

This module imports nothing of the apps at load time, so every service can
import it: printing's services build on inventory's, and the task module on
printing's services. Celery itself loads with the first build asked for, not
with every command or page that only reads.
"""
from django.db import transaction


def enqueue_queue_build(office_id):
    """Build the office's queue once the caller's transaction has committed what freed blanks."""
    from .tasks import build_print_queue_task

    transaction.on_commit(lambda: build_print_queue_task.delay(office_id))
