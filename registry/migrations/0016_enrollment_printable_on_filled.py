"""Fill the day each record held may be printed (registry.ages), 20,000 ids per statement, each committing.

Not atomic: every batch is its own short transaction, so no row stays locked
for longer than one batch's UPDATE and no desk waits for the whole table.
Only rows still without a date are touched, so running it again (or after an
interruption) goes on where it stopped. The rule is written in each
database's SQL (registry.ages.PRINTABLE_ON_SQL): PostgreSQL's interval
arithmetic would put a 29 February birthday on 28 February, the law says 1 March.
"""
from django.db import migrations

from registry.ages import PRINTABLE_ON_SQL

BATCH_IDS = 20_000


def fill(apps, schema_editor):
    connection = schema_editor.connection
    expression = PRINTABLE_ON_SQL[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id) FROM registry_enrollment WHERE printable_on IS NULL")
        (start,) = cursor.fetchone()
        while start is not None:
            cursor.execute(
                f"UPDATE registry_enrollment SET printable_on = {expression}"
                " WHERE id >= %s AND id < %s AND printable_on IS NULL",
                [start, start + BATCH_IDS],
            )
            # Read again each time: rows imported meanwhile are filled too.
            cursor.execute("SELECT MIN(id) FROM registry_enrollment WHERE id >= %s AND printable_on IS NULL", [start + BATCH_IDS])
            (start,) = cursor.fetchone()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("registry", "0015_enrollment_printable_on"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
