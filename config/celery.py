"""The Celery app: tasks from every app, and the periodic sweep for due work (beat)."""
import os
from datetime import timedelta

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ektp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The work that committed state says is due (a queue build where blanks wait for cards, an
    # upload waiting for its import) is asked for again, so none is lost while the broker is away.
    "sweep-due-work": {
        "task": "backlog.tasks.sweep_due_work",
        "schedule": timedelta(seconds=settings.WORK_SWEEP_SECONDS),
    },
    "remove-old-upload-files": {
        "task": "backlog.tasks.remove_old_upload_files_task",
        "schedule": timedelta(days=1),
    },
}
