"""The enrollments desk's name search on PostgreSQL: the words of every record's name, office by office.

The desk found a name by `icontains`, a scan of the office's records (seconds at 5,000,000). It now finds
the records with a word starting with each word typed, as the pickup and duplicates desks do
(registry.names.with_name_words), off a GIN index on (office_id, the name's 'simple' text-search vector);
btree_gin puts the office's id into it (migration 0020 created the extension). The expression is the one
with_name_words filters on, as Django writes it. Built CONCURRENTLY (not atomic), so the enrollment table
is never locked against writes while it is built. SQLite searches without it.
"""
from django.db import migrations

INDEX = "enrollment_name_words"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON registry_enrollment USING gin (office_id, "
            "to_tsvector('simple'::regconfig, COALESCE(name, '')))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("registry", "0024_duplicate_case_first_enrolled"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
