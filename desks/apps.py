from django.apps import AppConfig


class DesksConfig(AppConfig):
    """The office's desks: pages, forms, tables, filters, the admin and the commands (no models)."""

    name = "desks"
