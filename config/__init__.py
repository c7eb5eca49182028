"""Project configuration.

The Celery app (config.celery) is not imported here: a management command or a
page that enqueues nothing does not pay for loading Celery. The task modules
import it, and `celery -A config` finds it as config.celery.
"""
