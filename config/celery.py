"""The Celery app: tasks from every app, and the periodic queue build (beat)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ektp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
