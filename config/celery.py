"""The Celery app: tasks from every app, and the periodic queue build (beat)."""
import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ektp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every office's queue is rebuilt regularly, so blanks freed by spoilage or
    # resolved duplicates are used without anyone pressing a button.
    "build-print-queues": {
        "task": "backlog.tasks.build_all_print_queues",
        "schedule": crontab(minute=f"*/{settings.QUEUE_BUILD_EVERY_MINUTES}"),
    },
}
