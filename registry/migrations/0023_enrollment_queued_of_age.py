"""Where printing has reached, read from one index entry: the queued cards of residents of age when recorded.

Built CONCURRENTLY on PostgreSQL (not atomic: CONCURRENTLY cannot run in a
transaction), so the enrollment table is never locked against writes; the
index holds only queued cards (at most the blanks on hand), so an import,
which adds recorded ones, never writes to it. SQLite builds it plainly. The
model's state is the plain AddIndex (SeparateDatabaseAndState).
"""
from django.db import migrations, models

INDEX = ("enrollment_queued_of_age ON registry_enrollment (office_id, enrolled_on)"
         " WHERE (state = 'queued' AND (printable_on IS NULL OR printable_on <= (enrolled_on)))")


def build(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX}")


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {concurrently}IF EXISTS enrollment_queued_of_age")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("registry", "0022_second_factor_and_one_time_passwords"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="enrollment",
                    index=models.Index(condition=models.Q(("state", "queued"), models.Q(("printable_on__isnull", True), ("printable_on__lte", models.F("enrolled_on")), _connector="OR")),
                                       fields=["office", "enrolled_on"], name="enrollment_queued_of_age"),
                ),
            ],
            database_operations=[migrations.RunPython(build, drop)],
        ),
    ]
