"""Celery tasks: thin callers of the print services, enqueued after commit."""
from config.celery import app
from registry.models import Office

from .services import build_print_queue


@app.task
def build_print_queue_task(office_id):
    build = build_print_queue(office=Office.objects.get(pk=office_id))
    return build.queued


@app.task
def build_all_print_queues():
    """The periodic build (Celery beat): one task per office, so workers share them."""
    for office_id in Office.objects.values_list("pk", flat=True):
        build_print_queue_task.delay(office_id)

