"""The pickup desk's name search on PostgreSQL: the words of the names of an office's cards ready for pickup.

A GIN index on (office_id, the name's 'simple' text-search vector), for ready records only: an import
(millions of records waiting) never writes to it, and a search reads one office's entries alone
(btree_gin puts the office's id into the GIN index). Its expression is the one
registry.names.with_name_words filters on. SQLite searches without it.
"""
from django.db import migrations

INDEX = "enrollment_ready_name_words"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_enrollment USING gin (office_id, "
        "to_tsvector('simple'::regconfig, COALESCE(name, ''))) WHERE state = 'ready'")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0019_upload_queue_build_outcome"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
