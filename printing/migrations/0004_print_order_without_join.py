"""Print jobs carry their enrollment's date, so print order is read from one partial index without a join.

Existing jobs get the date of their enrollment (it never changes), then the column becomes required.
"""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("printing", "0003_ready_cards_index"), ("registry", "0003_desk_and_dashboard_indexes")]

    operations = [
        migrations.AddField(
            model_name="printjob", name="enrolled_on",
            field=models.DateField(null=True, verbose_name="enrollment date"),
        ),
        migrations.RunSQL(
            "UPDATE printing_printjob SET enrolled_on = (SELECT e.enrolled_on FROM registry_enrollment e"
            " WHERE e.id = printing_printjob.enrollment_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="printjob", name="enrolled_on",
            field=models.DateField(verbose_name="enrollment date"),
        ),
        migrations.AddIndex(
            model_name="printjob",
            index=models.Index(condition=models.Q(("state", "queued")), fields=["office", "enrolled_on", "enrollment"], name="print_job_print_order"),
        ),
    ]
