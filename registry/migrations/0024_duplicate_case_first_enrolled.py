"""Each duplicate case keeps its first recording date (the desk's order), filled here office by office.

The duplicates desk used to group every case's records on each request to
sort by it. The cases are few (tens of thousands at most), so the indexes are
built plainly; each office's cases are dated in one statement under its
ledger lock, as the write side dates them.
"""

from django.db import migrations, models, transaction


def date_every_case(apps, schema_editor):
    Office = apps.get_model("registry", "Office")
    BlankStock = apps.get_model("inventory", "BlankStock")
    alias = schema_editor.connection.alias
    for office_id in Office.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic(using=alias), schema_editor.connection.cursor() as cursor:
            list(BlankStock.objects.select_for_update().filter(office_id=office_id))
            cursor.execute(
                "UPDATE registry_duplicatecase SET first_enrolled = (SELECT MIN(e.enrolled_on) FROM registry_enrollment e"
                " WHERE e.duplicate_case_id = registry_duplicatecase.id) WHERE office_id = %s",
                [office_id],
            )


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0008_daily_printing'),
        ('registry', '0023_enrollment_queued_of_age'),
    ]

    operations = [
        migrations.AddField(
            model_name='duplicatecase',
            name='first_enrolled',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='duplicatecase',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['office', 'first_enrolled', 'id'], name='duplicate_case_open_order'),
        ),
        migrations.AddIndex(
            model_name='duplicatecase',
            index=models.Index(condition=models.Q(('status', 'open'), _negated=True), fields=['office', '-resolved_at', '-id'], name='duplicate_case_closed_order'),
        ),
        migrations.RunPython(date_every_case, migrations.RunPython.noop),
    ]
