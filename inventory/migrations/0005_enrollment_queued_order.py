"""The oldest card in the print queue, for the dashboard's "printing has reached", read from a small partial index.

Without it the dashboard joined every queued print job to its enrollment
(a hash join over the whole enrollment table: 130 ms at 400,000 rows, growing
with every office). Plain SQL, as in 0004: the models' state is unchanged.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_desk_and_dashboard_indexes")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX enrollment_queued_order ON registry_enrollment (office_id, enrolled_on) WHERE state = 'queued'",
            reverse_sql="DROP INDEX enrollment_queued_order",
        ),
    ]
