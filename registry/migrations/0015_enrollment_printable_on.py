"""The age rule's columns: the day each card may be printed, and the office's count of waiting cards under age.

Both added without rewriting the table: a nullable column, and a constant
default (db_default) that PostgreSQL only notes in its catalogue. The records
already held are filled in batches by 0016; until then a record with no date
counts as printable, as every record did.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0014_at_centre_failed_and_flagged_cases"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="printable_on",
            field=models.DateField(blank=True, null=True, verbose_name="printable from"),
        ),
        migrations.AddField(
            model_name="enrollmentcounts",
            name="under_age",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="enrollmentcounts",
            constraint=models.CheckConstraint(condition=models.Q(("under_age__gte", 0), ("under_age__lte", models.F("recorded"))),
                                              name="enrollment_counts_under_age_within_recorded"),
        ),
        migrations.AlterField(
            model_name="correction",
            name="kind",
            field=models.CharField(choices=[("undo_printed", "Printed marked by mistake: undone"), ("undo_spoiled", "Spoiled marked by mistake: undone"), ("defective", "Printed card found defective: printed again first"), ("undo_pickup", "Pickup recorded against the wrong card: undone"), ("edit_record", "Imported data corrected"), ("void_record", "Record voided (wrong NIK or date)"), ("reopen_duplicate", "Duplicate case reopened"), ("marriage", "Marriage recorded: printable now")], max_length=20, verbose_name="correction"),
        ),
    ]
