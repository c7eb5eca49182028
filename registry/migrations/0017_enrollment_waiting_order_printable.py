"""The waiting order's index carries the printable date; the waiting cards under age get their own small index and count.

On PostgreSQL every index is built and dropped CONCURRENTLY (not atomic:
CONCURRENTLY cannot run in a transaction), so the enrollment table is never
locked against writes: the new waiting-order index is built beside the old
one under another name, the old one dropped, the new one renamed (ALTER INDEX
RENAME takes only a SHARE UPDATE EXCLUSIVE lock), and the queue build has an
index at every moment. SQLite has no concurrent builds (and locks the whole
file for any write anyway): there the indexes are dropped and made plainly.
The model's state is the plain index operations (SeparateDatabaseAndState).

Then each office's count of waiting cards under age is taken under its
ledger lock, as 0012 counted the days: one short read of the new index each.
"""
from django.db import migrations, models, transaction

WAITING = "(office_id, enrolled_on, id)"
WAITING_WHERE = "WHERE state = 'recorded'"
UNDER_AGE = "(office_id, printable_on) WHERE state = 'recorded' AND printable_on > enrolled_on"

POSTGRES_FORWARD = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS enrollment_waiting_order_new ON registry_enrollment {WAITING} INCLUDE (printable_on) {WAITING_WHERE}",
    "DROP INDEX CONCURRENTLY IF EXISTS enrollment_waiting_order",
    "ALTER INDEX enrollment_waiting_order_new RENAME TO enrollment_waiting_order",
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS enrollment_waiting_under_age ON registry_enrollment {UNDER_AGE}",
)
POSTGRES_BACKWARD = (
    "DROP INDEX CONCURRENTLY IF EXISTS enrollment_waiting_under_age",
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS enrollment_waiting_order_old ON registry_enrollment {WAITING} {WAITING_WHERE}",
    "DROP INDEX CONCURRENTLY IF EXISTS enrollment_waiting_order",
    "ALTER INDEX enrollment_waiting_order_old RENAME TO enrollment_waiting_order",
)
PLAIN_FORWARD = (
    "DROP INDEX IF EXISTS enrollment_waiting_order",
    f"CREATE INDEX enrollment_waiting_order ON registry_enrollment {WAITING} {WAITING_WHERE}",
    f"CREATE INDEX IF NOT EXISTS enrollment_waiting_under_age ON registry_enrollment {UNDER_AGE}",
)
PLAIN_BACKWARD = ("DROP INDEX IF EXISTS enrollment_waiting_under_age",)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor[schema_editor.connection.vendor == "postgresql"]
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return run


def count_under_age(apps, schema_editor):
    Office = apps.get_model("registry", "Office")
    BlankStock = apps.get_model("inventory", "BlankStock")
    connection = schema_editor.connection
    for office_id in Office.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            list(BlankStock.objects.select_for_update().filter(office_id=office_id))
            cursor.execute(
                "UPDATE registry_enrollmentcounts SET under_age = (SELECT COUNT(*) FROM registry_enrollment WHERE office_id = %s"
                " AND state = 'recorded' AND printable_on > enrolled_on) WHERE office_id = %s",
                [office_id, office_id],
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("inventory", "0007_sqlite_movement_history"),
        ("registry", "0016_enrollment_printable_on_filled"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="enrollment", name="enrollment_waiting_order"),
                migrations.AddIndex(
                    model_name="enrollment",
                    index=models.Index(condition=models.Q(("state", "recorded")), fields=["office", "enrolled_on", "id"],
                                       include=("printable_on",), name="enrollment_waiting_order"),
                ),
                migrations.AddIndex(
                    model_name="enrollment",
                    index=models.Index(condition=models.Q(("printable_on__gt", models.F("enrolled_on")), ("state", "recorded")),
                                       fields=["office", "printable_on"], name="enrollment_waiting_under_age"),
                ),
            ],
            database_operations=[
                migrations.RunPython(_run({True: POSTGRES_FORWARD, False: PLAIN_FORWARD}),
                                     _run({True: POSTGRES_BACKWARD, False: PLAIN_BACKWARD})),
            ],
        ),
        migrations.RunPython(count_under_age, migrations.RunPython.noop),
    ]
